"""Models of the dorms system (built by its own issue)."""
