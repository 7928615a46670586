"""FilterSets of the parcels system, shared by its list pages and its API."""
