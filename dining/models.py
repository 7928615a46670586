"""Models of the dining system (built by its own issue)."""
