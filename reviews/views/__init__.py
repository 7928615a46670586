"""Pages of reviews: rating an event, my reviews, moderation, follow-ups of low scores."""
