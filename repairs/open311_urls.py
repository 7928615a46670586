"""/open311/v2/: the Open311 GeoReport v2 endpoint (discovery, services, requests, tokens)."""

from django.urls import re_path

from repairs import open311_views as views

app_name = "open311"

FORMAT = r"\.(?P<format>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.service_list, name="services"),
    re_path(
        r"^services/(?P<code>[A-Za-z0-9][A-Za-z0-9_\-]*)" + FORMAT,
        views.service_definition,
        name="service-definition",
    ),
    re_path(r"^requests" + FORMAT, views.request_list, name="requests"),
    re_path(r"^requests/(?P<pk>[0-9]{1,18})" + FORMAT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[A-Za-z0-9_\-]{1,64})" + FORMAT, views.token, name="token"),
]
