"""The Open311 GeoReport v2 endpoints under /open311/v2/, each in .json and .xml.

Thin: parse the query or form, call the adapters of repairs.open311 and the filing service,
render the standard's JSON or XML; errors as [{"code", "description"}] / <errors>.
"""

from xml.etree import ElementTree as ET

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from logistics.api.throttling import WriteRateThrottle
from logistics.validation import xml_text
from logistics.workflow import DomainError
from repairs import open311, services
from repairs.api.serializers import photo_url
from repairs.models import RepairRequest

# The element of each item of a list in the XML format, by the list's name.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
FORMATS = ("text/xml", "application/json")


def _xml_value(parent, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _xml_value(element, XML_ITEMS[name], item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(element, key, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        # Stored text may predate the input check: a forbidden character would break the feed.
        element.text = xml_text(value)


def render(data, root: str, format: str, status: int = 200) -> HttpResponse:  # noqa: A002
    """`data` (a list of items or one object) as JSON, or as XML under the element `root`."""
    if format == "json":
        return JsonResponse(
            data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
        )
    element = ET.Element(root)
    items = data if isinstance(data, list) else None
    for item in items if items is not None else [data]:
        target = ET.SubElement(element, XML_ITEMS[root]) if items is not None else element
        for key, value in item.items():
            _xml_value(target, key, value)
    body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(exc: open311.Open311Error, format: str) -> HttpResponse:  # noqa: A002
    response = render(
        [{"code": exc.status, "description": exc.description}], "errors", format, exc.status
    )
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


def answers_errors(view):
    """Turns Open311Error into the standard's error document in the requested format."""

    def wrapped(request, *args, format, **kwargs):  # noqa: A002
        try:
            open311.check_text(request.GET)
            open311.check_text(kwargs)
            if request.method == "POST":
                open311.check_text(request.POST)
            open311.jurisdiction(request.GET.get("jurisdiction_id", ""), required=False)
            return view(request, *args, format=format, **kwargs)
        except open311.Open311Error as exc:
            return error(exc, format)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_GET
@answers_errors
def discovery(request, format):  # noqa: A002
    """Where the endpoint lives, its formats, and where to ask for an api_key."""
    endpoint = request.build_absolute_uri(reverse("open311:discovery", kwargs={"format": format}))
    changeset = iso_day(timezone.now())
    data = {
        "changeset": changeset,
        "contact": _("The campus logistics office."),
        "key_service": _("Ask the logistics office for an API token with the scope repairs:write."),
        "endpoints": [
            {
                "specification": open311.SPECIFICATION,
                "url": endpoint.rsplit("/", 1)[0],
                "changeset": changeset,
                "type": "production",
                "formats": list(FORMATS),
            }
        ],
    }
    return render(data, "discovery", format)


def iso_day(now) -> str:
    # Clients cache services and definitions until the changeset moves: once a day.
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0).isoformat()


@require_GET
@answers_errors
def service_list(request, format):  # noqa: A002
    """Our active leaf categories."""
    data = [open311.service_to_dict(c) for c in open311.service_categories()]
    return render(data, "services", format)


@require_GET
@answers_errors
def service_definition(request, code, format):  # noqa: A002
    """The extra questions of one category as attributes."""
    category = open311.service_category(code)
    return render(open311.service_definition(category), "service_definition", format)


def _viewer(request):
    api_key = request.GET.get("api_key", "")
    return open311.token_user(api_key, "repairs:read") if api_key else None


def _request_dicts(request, repairs: list[RepairRequest]) -> list[dict]:
    viewer = _viewer(request)
    ids = [r.pk for r in repairs]
    visible = set()
    if viewer is not None and ids:
        mine = RepairRequest.objects.for_user(viewer).filter(pk__in=ids)
        visible = set(mine.values_list("pk", flat=True))
    result = []
    for repair in repairs:
        photos = repair.photos_in_order
        media_url = photo_url(photos[0], request) if photos else None
        detailed = repair.pk in visible
        result.append(open311.request_to_dict(repair, detailed=detailed, media_url=media_url))
    return result


@csrf_exempt  # filed by other systems with an api_key, never with a browser's cookies
@require_http_methods(["GET", "POST"])
@answers_errors
def request_list(request, format):  # noqa: A002
    """GET: requests of a window of at most 90 days, newest first, at most 1000; POST: file one."""
    if request.method == "POST":
        return _file(request, format)
    campus = open311.jurisdiction(request.GET.get("jurisdiction_id", ""), required=False)
    queryset = open311.filter_requests(open311.requests_queryset(), request.GET, campus)
    repairs = list(queryset[: open311.MAX_REQUESTS])
    return render(_request_dicts(request, repairs), "service_requests", format)


@require_GET
@answers_errors
def request_detail(request, pk, format):  # noqa: A002
    """One request, as a list of one (as the standard has it)."""
    repair = open311.requests_queryset().filter(pk=int(pk)).first()
    if repair is None:
        raise open311.Open311Error(404, _("There is no service request %(id)s.") % {"id": pk})
    return render(_request_dicts(request, [repair]), "service_requests", format)


@require_GET
@answers_errors
def token(request, token, format):  # noqa: A002
    """Our token is the request's id: requests are filed at once (type realtime)."""
    exists = token.isdigit() and len(token) < 19 and RepairRequest.objects.filter(pk=token).exists()
    if not exists:
        raise open311.Open311Error(
            404, _("There is no request for the token %(t)s.") % {"t": token}
        )
    return render([{"service_request_id": token, "token": token}], "service_requests", format)


def _file(request, format):  # noqa: A002
    form = request.POST
    user = open311.token_user(
        form.get("api_key") or request.GET.get("api_key", ""), "repairs:write"
    )
    _check_write_rate(request, user)
    jurisdiction_id = form.get("jurisdiction_id") or request.GET.get("jurisdiction_id", "")
    campus = open311.jurisdiction(jurisdiction_id, required=True)
    code = (form.get("service_code") or "").strip()
    if not code:
        raise open311.Open311Error(400, _("service_code is required."))
    try:
        category = open311.service_category(code)
    except open311.Open311Error as exc:
        raise open311.Open311Error(400, exc.description) from None
    place = open311.location(form, campus)
    answers = open311.answers(category, form)
    description = open311.description(form)
    phone = (form.get("phone") or "").strip()[:32]
    try:
        repair = services.repair_request_create(
            requester=user,
            category=category,
            description=description,
            contact_phone=phone,
            answers=answers,
            **place,
        )
    except PermissionDenied as exc:
        raise open311.Open311Error(403, str(exc) or _("You may not file this request.")) from None
    except DomainError as exc:
        raise open311.Open311Error(400, str(exc.message)) from None
    except ValidationError as exc:
        raise open311.Open311Error(400, _validation_text(exc)) from None
    notice = _("Thank you. Your request number is %(number)s.") % {"number": repair.number}
    body = [
        {
            "service_request_id": str(repair.pk),
            "token": str(repair.pk),
            "service_notice": notice,
            "account_id": None,
        }
    ]
    return render(body, "service_requests", format, status=201)


def _check_write_rate(request, user) -> None:
    """Filings count against the key owner's API write rate (429 when it is used up), as the
    REST API's writes do: one limit per client, whichever interface it files through."""
    throttle = WriteRateThrottle()
    request.user = user
    if not throttle.allow_request(request, None):
        wait = max(int(throttle.wait() or 1), 1)
        exc = open311.Open311Error(
            429, _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": wait}
        )
        exc.retry_after = wait
        raise exc


def _validation_text(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    # The service names its arguments; say them as the Open311 fields a client sent.
    names = {"answers": "attribute", "place_text": "address_string", "contact_phone": "phone"}
    return " ".join(
        f"{names.get(field, field)}: {' '.join(messages)}"
        for field, messages in exc.message_dict.items()
    )
