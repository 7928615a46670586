"""Reads of the parcels system, scoped once: each model's queryset and its for_user(user)."""
