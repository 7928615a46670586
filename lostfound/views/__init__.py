"""Pages of the lost-and-found system: thin views that parse, call a service or queryset, render."""
