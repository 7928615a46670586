"""URL patterns of this part of reviews; reviews/urls.py joins them under app_name "reviews"."""

urlpatterns: list = []
