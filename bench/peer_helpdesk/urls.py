"""helpdesk at /helpdesk/ (its install docs), the admin, and /healthz for the bench's start."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz),
    path("admin/", admin.site.urls),
    path("helpdesk/", include("helpdesk.urls")),
]
