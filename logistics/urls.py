"""The portal's URLs: pages, accounts, API, health; each system app mounts its own."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns  # noqa: F401  (language lives in the session)
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from logistics.api.docs import PortalSwaggerView
from logistics.views import health, home, kept, language, manage

urlpatterns = [
    path("", home.home, name="home"),
    path("manage/", manage.command_centre, name="command-centre"),
    path("manage/overview/", home.manager_overview, name="manager-overview"),
    path("manage/reports/", include("logistics.views.report_urls")),
    path("accounts/", include("logistics.auth_urls")),
    path("notifications/", include("logistics.views.notification_urls")),
    path("places/", include("logistics.views.place_urls")),
    path("uploads/kept/<str:token>/", kept.kept_photo, name="kept-photo"),
    path("dining/", include("dining.urls")),
    path("dorms/", include("dorms.urls")),
    path("repairs/", include("repairs.urls")),
    path("reviews/", include("reviews.urls")),
    path("lostfound/", include("lostfound.urls")),
    path("parcels/", include("parcels.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("language/", language.switch, name="language-switch"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("logistics.api.urls")),
    path("open311/v2/", include("repairs.open311_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", PortalSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/ a missing address answers with the API's JSON error body.
handler404 = "logistics.api.fallback.not_found"
# A lost database connection answers 503 with Retry-After wherever it is raised.
handler500 = "logistics.safeguards.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
