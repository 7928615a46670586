"""/api/v1/reviews/: reviews, complaints (with actions) and indices."""
