"""Template tags of the repairs pages."""
