"""URL patterns of this part of reviews; reviews/urls.py joins them under app_name "reviews"."""

from django.urls import path

from . import views

urlpatterns = [
    path("indices/", views.index_overview, name="index-overview"),
    path("indices/mine/", views.index_mine, name="index-mine"),
    path("indices/export/", views.index_export, name="index-export"),
    path("indices/<int:subject_pk>/", views.index_subject, name="index-subject"),
]
