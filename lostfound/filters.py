"""FilterSets of the lost-and-found system, shared by its list pages and its API."""
