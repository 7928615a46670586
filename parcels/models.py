"""Models of the parcels system (built by its own issue)."""
