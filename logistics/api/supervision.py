"""/api/v1/supervision/daily/?date=: the city supervision document of one day, JSON or XLSX.

For the city platform's account (or a supervisor, a logistics manager, an integrator): tokens
need `supervision:read`. The document holds counts, rates and prices only (docs/supervision.md).
"""

import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from logistics import supervision
from logistics.api.permissions import HasScope
from logistics.api.schema import PortalAutoSchema
from logistics.roles import Role
from logistics.spreadsheets import XLSX_TYPE, wants_keys

READERS = (Role.SUPERVISOR, Role.LOGISTICS_MANAGER, Role.INTEGRATOR)
# No figures are older; and the day before a day must exist (date.min has none).
EARLIEST = datetime.date(2000, 1, 1)


class XlsxRenderer(renderers.BaseRenderer):
    """Lets `?format=xlsx` and `Accept: <xlsx>` choose the XLSX; the view answers it with the
    file itself (logistics.spreadsheets), so this renders nothing."""

    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class SupervisionSchema(PortalAutoSchema):
    """A bad date is a 400; errors are JSON whatever format was asked for."""

    def _error_codes(self) -> list[str]:
        return ["400", *super()._error_codes()]

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if str(status_code) != "200":
            media_types = [renderers.JSONRenderer.media_type]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


class SupervisionPermission(HasScope):
    """Supervisors, logistics managers, integrators (the city platform's account) and
    superusers; a token needs supervision:read."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        self.message = _("Only supervisors, logistics managers and integrators read this.")
        user = request.user
        return user.is_superuser or user.has_role(*READERS)


class DayQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        help_text=_("The day (YYYY-MM-DD, the site's time zone); today at the latest.")
    )

    def validate_date(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("This day has not begun yet."))
        if value < EARLIEST:
            raise serializers.ValidationError(_("Give a day from 2000 on."))
        return value


class SupervisionDailyView(APIView):
    """The city supervision document of one day (docs/supervision.md): satisfaction, complaints,
    repairs, canteen prices and the price index, for the site and each campus. Its shape is
    docs/schemas/supervision-daily.v1.json; `?format=xlsx` gives the same as a spreadsheet."""

    permission_classes = [SupervisionPermission]
    required_scope = "supervision:read"
    schema = SupervisionSchema()
    renderer_classes = [renderers.JSONRenderer, XlsxRenderer]

    @extend_schema(
        operation_id="supervision_daily",
        parameters=[
            DayQuerySerializer,
            OpenApiParameter(
                "format",
                str,
                enum=["json", "xlsx"],
                description=_("json (the default) or xlsx; or ask by the Accept header."),
            ),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description=_(
                    "The day's document; JSON Schema: docs/schemas/supervision-daily.v1.json."
                ),
            ),
            (200, XLSX_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The same, one row per figure.")
            ),
        },
    )
    def get(self, request):
        query = DayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        document = supervision.build_document(query.validated_data["date"])
        if request.accepted_renderer.format == XlsxRenderer.format:
            return supervision.xlsx_response(document, keys=wants_keys(request))
        return Response(document)

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # ?format= names no renderer: a bad parameter, said as one
            raise serializers.ValidationError(
                {"format": [_("Ask for json or xlsx.")]}, code="invalid"
            ) from None

    def handle_exception(self, exc):
        # An error is answered with the one JSON error body, whatever format was asked for.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)
