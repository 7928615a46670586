"""Reads of the dorms system, scoped once: each model's queryset and its for_user(user)."""
