"""Models of the repairs system (built by its own issue)."""
