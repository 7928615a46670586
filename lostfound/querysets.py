"""Reads of the lost-and-found system, scoped once: each model's queryset and its for_user(user)."""
