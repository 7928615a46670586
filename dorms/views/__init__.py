"""Pages of the dorms system: thin views that parse, call a service or queryset, render."""
