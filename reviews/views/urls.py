"""URL patterns of this part of reviews; reviews/urls.py joins them under app_name "reviews"."""

from django.urls import path

from reviews.views import follow_ups, mine, staff

urlpatterns = [
    path("", mine.index, name="index"),
    path("events/<int:pk>/review/", mine.event_review, name="event-review"),
    path("<int:pk>/", mine.review_detail, name="review-detail"),
    path("<int:pk>/edit/", mine.review_edit, name="review-edit"),
    path("<int:pk>/photos/<int:photo_pk>/", mine.review_photo, name="review-photo"),
    path("<int:pk>/hide/", staff.review_hide, name="review-hide"),
    path("<int:pk>/show/", staff.review_show, name="review-show"),
    path("list/", staff.review_list, name="review-list"),
    path("moderation/", staff.moderation, name="moderation"),
    path("follow-ups/", follow_ups.follow_up_list, name="follow-up-list"),
    path("follow-ups/<int:pk>/", follow_ups.follow_up_detail, name="follow-up-detail"),
    path("follow-ups/<int:pk>/close/", follow_ups.follow_up_close, name="follow-up-close"),
]
