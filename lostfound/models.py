"""Models of the lost-and-found system: fields, Meta, __str__, states as TextChoices."""
