"""Models of the dorms system: fields, Meta, __str__, states as TextChoices."""
