"""The dining REST API under /api/v1/dining/."""
