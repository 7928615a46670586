"""Pages of the shared core."""
