"""Models of the parcels system: fields, Meta, __str__, states as TextChoices."""
