"""Models of the lostfound system (built by its own issue)."""
