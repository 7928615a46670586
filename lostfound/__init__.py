"""网上失物招领 — online lost-and-found."""
