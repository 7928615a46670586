"""Open311 GeoReport v2 adapters: our categories as services, questions as attributes, requests
as service requests (anonymised), and the parsing and checking of a POSTed service request.

What is public (docs/open311.md): services, service definitions and every request in an
anonymised form — no names, no phone, no e-mail; the address at room level; phone numbers and
e-mail addresses in descriptions masked; status_notes only the state. A reader whose api_key
(repairs:read) lets them see a request gets its description unmasked and the reason in
status_notes. Filing needs an api_key with repairs:write.
"""

import math
import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from logistics.models import ApiToken, Building, Campus, Room
from logistics.models.tokens import hash_token
from logistics.privacy import mask
from logistics.validation import parse_aware_datetime, validate_text
from repairs.models import Category, CategoryQuestion, RepairRequest
from repairs.workflow import OPEN_STATUSES

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_REQUESTS = 1000
MAX_WINDOW = timedelta(days=90)
MAX_DESCRIPTION = 4000
# A point given by lat/long belongs to the nearest building with coordinates within this range.
NEAREST_BUILDING_METRES = 300

DATATYPE_DESCRIPTIONS = {
    CategoryQuestion.Kind.NUMBER: gettext_lazy("A number, e.g. 3 or 2.5"),
    CategoryQuestion.Kind.DATETIME: gettext_lazy(
        "A date and time in ISO 8601, e.g. 2026-09-01T14:30:00+08:00"
    ),
}
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


class Open311Error(Exception):
    """An error answered in the standard's format with an HTTP status (400, 403, 404)."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = str(description)


def iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# --- Services -----------------------------------------------------------------------------------


def service_categories():
    """Active leaf categories: the services one can file a request for."""
    questions = CategoryQuestion.objects.filter(category=OuterRef("pk"))
    children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return (
        Category.objects.filter(is_active=True)
        .exclude(Exists(children))
        .select_related("parent")
        .annotate(has_questions=Exists(questions))
        .order_by("sort_order", "code")
    )


def service_category(code: str) -> Category:
    category = service_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("There is no service with the code %(code)s.") % {"code": code})
    return category


def service_to_dict(category: Category) -> dict:
    keywords = [category.name, category.name_en, category.get_trade_display()]
    return {
        "service_code": category.code,
        "service_name": category.localized_name,
        "description": category.description,
        "metadata": bool(category.has_questions),
        "type": "realtime",
        "keywords": ", ".join(k for k in dict.fromkeys(map(str, keywords)) if k),
        "group": category.parent.localized_name if category.parent_id else "",
    }


def attribute_to_dict(question: CategoryQuestion, order: int) -> dict:
    attribute = {
        "variable": True,
        "code": question.code,
        "datatype": question.kind,
        "required": question.required,
        "datatype_description": str(DATATYPE_DESCRIPTIONS.get(question.kind, "")),
        "order": order,
        "description": question.localized_label,
    }
    if question.kind in (CategoryQuestion.Kind.SINGLE, CategoryQuestion.Kind.MULTI):
        attribute["values"] = [
            {"key": str(c.get("key", "")), "name": str(c.get("name", ""))}
            for c in question.choices or []
        ]
    return attribute


def service_definition(category: Category) -> dict:
    questions = category.questions.order_by("sort_order", "id")
    return {
        "service_code": category.code,
        "attributes": [attribute_to_dict(q, n) for n, q in enumerate(questions, start=1)],
    }


# --- Requests as Open311 dicts ------------------------------------------------------------------


def open_or_closed(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def status_notes(repair: RepairRequest, *, detailed: bool) -> str:
    note = str(repair.get_status_display())
    reason = ""
    if detailed and repair.status == RepairRequest.Status.REJECTED:
        reason = repair.rejection_reason
    elif detailed and repair.status in ("completed", "confirmed", "closed"):
        reason = repair.resolution_note
    return f"{note}: {reason}" if reason else note


def request_to_dict(repair: RepairRequest, *, detailed: bool, media_url: str | None) -> dict:
    building = repair.room.building if repair.room_id else repair.building
    agency = repair.team or repair.category.department
    return {
        "service_request_id": str(repair.pk),
        "status": open_or_closed(repair.status),
        "status_notes": status_notes(repair, detailed=detailed),
        "service_name": repair.category.localized_name,
        "service_code": repair.category.code,
        "description": repair.description if detailed else mask(repair.description),
        "agency_responsible": agency.localized_name if agency else "",
        "service_notice": "",
        "requested_datetime": iso(repair.created_at),
        "updated_datetime": iso(repair.updated_at),
        "expected_datetime": iso(repair.completion_due_at),
        "address": repair.place,
        "address_id": str(repair.room_id) if repair.room_id else "",
        "zipcode": "",
        "lat": float(building.latitude) if building and building.latitude is not None else None,
        "long": float(building.longitude) if building and building.longitude is not None else None,
        "media_url": media_url or "",
    }


def requests_queryset():
    return (
        RepairRequest.objects.with_related()
        .select_related("category__department")
        .with_photos()
        .order_by("-created_at", "-id")
    )


def parse_ids(raw: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise Open311Error(400, _("service_request_id takes whole numbers, comma-separated."))
    if any(not 0 < i < 2**63 for i in ids):
        raise Open311Error(400, _("service_request_id takes whole numbers, comma-separated."))
    return ids


def parse_date(params, name: str):
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_aware_datetime(raw.replace(" ", "+"))
    except ValidationError as exc:
        if exc.code == "offset":
            raise Open311Error(400, f"{name}: {' '.join(exc.messages)}") from None
        message = _("%(name)s must be a date and time in ISO 8601, e.g. 2026-09-01T00:00:00Z.")
        raise Open311Error(400, message % {"name": name}) from None


def check_text(params) -> None:
    """Refuses a parameter holding a character XML 1.0 forbids (NUL too): 400 naming it, before
    the value reaches a query or a row."""
    pairs = params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())
    for name, values in pairs:
        for text in (name, *values):
            try:
                validate_text(text)
            except ValidationError as exc:
                raise Open311Error(400, f"{name}: {' '.join(exc.messages)}") from None


def date_window(params, now=None):
    """(start, end) of GET requests: the last 90 days by default, never longer than 90 days."""
    start, end = parse_date(params, "start_date"), parse_date(params, "end_date")
    if end is None:
        end = start + MAX_WINDOW if start else (now or timezone.now())
    if start is None:
        start = end - MAX_WINDOW
    if start > end:
        raise Open311Error(400, _("start_date must lie before end_date."))
    if end - start > MAX_WINDOW:
        raise Open311Error(400, _("start_date and end_date may span at most 90 days."))
    return start, end


def filter_requests(queryset, params, campus=None):
    """Applies the GET requests filters of the standard; service_request_id overrides the rest."""
    if campus is not None:
        queryset = queryset.filter(building__campus=campus)
    raw_ids = (params.get("service_request_id") or "").strip()
    if raw_ids:
        return queryset.filter(pk__in=parse_ids(raw_ids))
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        queryset = queryset.filter(category__code__in=codes)
    statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status takes open, closed or both (comma-separated)."))
    if statuses == {"open"}:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        queryset = queryset.exclude(status__in=OPEN_STATUSES)
    start, end = date_window(params)
    return queryset.filter(created_at__gte=start, created_at__lte=end)


# --- Access -------------------------------------------------------------------------------------


def token_user(api_key: str, scope: str):
    """The user of an active API token holding `scope`; Open311Error 403 otherwise."""
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=hash_token(api_key))
        .first()
        if api_key
        else None
    )
    if token is None or not token.user.is_active:
        raise Open311Error(403, _("Invalid api_key: unknown, expired or revoked."))
    if scope not in token.scopes:
        raise Open311Error(403, _("This api_key lacks the scope %(scope)s.") % {"scope": scope})
    return token.user


def jurisdiction(code: str, *, required: bool) -> Campus | None:
    """The campus named by jurisdiction_id; required when the portal serves several campuses."""
    code = (code or "").strip()
    if not code:
        if required and Campus.objects.count() > 1:
            raise Open311Error(400, _("jurisdiction_id is required: give the campus code."))
        return None
    campus = Campus.objects.filter(code=code).first()
    if campus is None:
        raise Open311Error(400, _("Unknown jurisdiction_id %(code)s.") % {"code": code})
    return campus


# --- Filing -------------------------------------------------------------------------------------


def _room_from_address_id(address_id: str, campus) -> Room:
    rooms = Room.objects.select_related("building")
    if campus is not None:
        rooms = rooms.filter(building__campus=campus)
    if address_id.isdigit():
        room = rooms.filter(pk=int(address_id)).first() if len(address_id) < 19 else None
    elif "/" in address_id:
        building_code, number = address_id.split("/", 1)
        room = rooms.filter(building__code=building_code.strip(), number=number.strip()).first()
    else:
        room = None
    if room is None:
        message = _('Unknown address_id %(id)s: give a room id or "building code/room number".')
        raise Open311Error(400, message % {"id": address_id})
    return room


def _coordinate(raw: str, name: str, limit: int) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not -limit <= value <= limit:
        raise Open311Error(400, _("%(name)s is not a valid coordinate.") % {"name": name})
    return value


def _nearest_building(lat: float, lng: float, campus) -> Building | None:
    buildings = Building.objects.filter(latitude__isnull=False, longitude__isnull=False)
    if campus is not None:
        buildings = buildings.filter(campus=campus)
    best, best_metres = None, NEAREST_BUILDING_METRES
    for building in buildings:
        dy = (float(building.latitude) - lat) * 111_320
        dx = (float(building.longitude) - lng) * 111_320 * math.cos(math.radians(lat))
        metres = math.hypot(dx, dy)
        if metres <= best_metres:
            best, best_metres = building, metres
    return best


def location(form, campus) -> dict:
    """building/room/place_text from address_id, lat/long or address_string (at least one)."""
    address_id = (form.get("address_id") or "").strip()
    address = (form.get("address_string") or "").strip()[:200]
    raw_lat, raw_long = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    if address_id:
        room = _room_from_address_id(address_id, campus)
        return {"room": room, "building": room.building, "place_text": address}
    if raw_lat or raw_long:
        lat, lng = _coordinate(raw_lat, "lat", 90), _coordinate(raw_long, "long", 180)
        building = _nearest_building(lat, lng, campus)
        place = address or f"{lat:.6f},{lng:.6f}"
        return {"room": None, "building": building, "place_text": place}
    if address:
        return {"room": None, "building": None, "place_text": address}
    raise Open311Error(400, _("Give a location: lat and long, address_string or address_id."))


def answers(category: Category, form) -> dict:
    """attribute[code]=… (and attribute[code][]=… for multiple values) by question code;
    a code the category does not ask is an error."""
    given: dict[str, list[str]] = {}
    for key, values in form.lists():
        match = ATTRIBUTE_RE.match(key)
        if match:
            given.setdefault(match.group(1), []).extend(v.strip() for v in values if v.strip())
    questions = {q.code: q for q in category.questions.all()}
    unknown = sorted(set(given) - set(questions))
    if unknown:
        message = _("Unknown attribute(s) for this service: %(codes)s.")
        raise Open311Error(400, message % {"codes": ", ".join(unknown)})
    # The filing service checks required answers and the values (choices, numbers, dates).
    multi = CategoryQuestion.Kind.MULTI
    return {
        code: values if questions[code].kind == multi else values[-1]
        for code, values in given.items()
        if values
    }


def description(form) -> str:
    text = (form.get("description") or "").strip()
    if not text:
        raise Open311Error(400, _("Describe the problem in description."))
    if len(text) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description is longer than 4000 characters."))
    media_url = (form.get("media_url") or "").strip()
    if media_url:
        # We do not fetch pictures from other servers; the link is kept for the staff.
        text += "\n\nmedia_url: " + media_url[:500]
    return text
