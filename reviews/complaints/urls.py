"""URL patterns of complaints and suggestions; reviews/urls.py joins them under "reviews"."""

from django.urls import path

from . import views

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint-list"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/board/", views.complaint_board, name="complaint-board"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint-detail"),
    *(
        path(
            f"complaints/<int:pk>/{action}/",
            views.complaint_action,
            {"action": action},
            name=f"complaint-{action}",
        )
        for action in views.ACTIONS
    ),
]
