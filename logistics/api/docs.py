"""The interactive API docs at /api/docs/: Swagger UI from the vendored sidecar assets."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class PortalSwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI whose init script is loaded from a URL (?script), as the Content-Security-Policy
    forbids inline scripts; the page template carries no inline style either."""

    template_name = "logistics/api/swagger_ui.html"
