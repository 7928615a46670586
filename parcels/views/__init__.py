"""Pages of the parcels system: thin views that parse, call a service or queryset, render."""
