"""/reviews/: the pages of reviews, complaints and satisfaction indices."""

from reviews.complaints.urls import urlpatterns as complaint_patterns
from reviews.indices.urls import urlpatterns as index_patterns
from reviews.views.urls import urlpatterns as review_patterns

app_name = "reviews"

urlpatterns = [*review_patterns, *complaint_patterns, *index_patterns]
