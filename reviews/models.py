"""Models of the reviews system (built by its own issue)."""
