"""FilterSets of the dorms system, shared by its list pages and its API."""
