"""The dispatcher's pages: the queue (filters, bulk assign) and the workload per technician."""

from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from logistics.cache import get_or_build_many, state_keys
from logistics.keyset import keyset_page, other_params
from logistics.models import Campus, Department
from logistics.templatetags.portal_layout import CSRF
from logistics.views.actions import as_domain_error, form_error
from logistics.workflow import show_error
from repairs import services
from repairs.choices import queue_choices
from repairs.filters import RepairRequestFilterSet
from repairs.forms import BulkAssignForm, assigned_count, technicians
from repairs.models import RepairRequest
from repairs.permissions import may_dispatch
from repairs.views.common import (
    PAGE_SIZE,
    cached_body,
    redirect_next,
    require,
    role_links,
    with_token,
)
from repairs.workflow import overdue_q

# Filters that choose the queue's scope themselves; a search or a sort alone keeps the default
# (open requests): a dispatcher searches today's work unless they widen it.
SCOPE_KEYS = (
    "status",
    "is_open",
    "category",
    "building",
    "campus",
    "campus_id",
    "department",
    "urgency",
    "assignee",
    "unassigned",
    "overdue",
    "created_after",
    "created_before",
)


def queue_filters(request) -> RepairRequestFilterSet:
    """The queue's filters over what the reader may see; that queryset is made (a few tenths
    of a millisecond of the ORM) only when the filters' `qs` is asked for."""
    data = request.GET.copy()
    # "filtered" comes with the filter form: unticking "Open only" there means every state.
    if "filtered" not in data and not any(data.get(key) for key in SCOPE_KEYS):
        data["is_open"] = "true"  # the morning's work: open requests, earliest due first

    def visible():
        return RepairRequest.objects.for_user(request.user).for_list()

    return RepairRequestFilterSet(data, queryset=visible, request=request)


def queue_shape(user, filterset: RepairRequestFilterSet) -> tuple | None:
    """Every input of the queue's page query but the cursor (logistics.keyset, `shape`): the
    reader's and the filters' values; None when the filters' SQL holds more."""
    values = filterset.shape()
    if values is None:
        return None
    return ("repairs:queue", RepairRequest.objects.for_user_shape(user), values)


@login_required
@require_GET
def queue(request):
    """The dispatcher's queue; its body from the cache (`cached_body`: the address with its
    filters is in the key), the CSRF token of its bulk form filled in per request."""
    require(may_dispatch(request.user))

    def draw() -> str:
        return render_to_string(QUEUE_BODY, {**queue_body(request), "csrf_token": CSRF})

    body = cached_body(request, "queue", (request.get_full_path(),), draw)
    context = {"body": with_token(request, body), "links": role_links(request.user)}
    return render(request, "repairs/queue.html", context)


QUEUE_BODY = "repairs/includes/_queue_body.html"


def queue_body(request) -> dict:
    """What the queue's body shows: the filter form, the count, the page of rows."""
    filterset = queue_filters(request)

    def requests():
        found = filterset.qs
        if not filterset.form.cleaned_data.get("ordering"):
            found = found.by_due_time()
        # The page reads only the columns of the rows' cache keys, without joins; a row's
        # HTML comes from the cache, and only rows missing there are read whole (queue_rows).
        return found.select_related(None).only(*ROW_KEY_FIELDS)

    query = other_params(request)
    count_key = f"repairs:queue:{request.user.pk}:{query}"
    # Built only when its SQL is: the first page of a shape already read is compiled SQL.
    shape = queue_shape(request.user, filterset)
    page = keyset_page(
        request, requests, PAGE_SIZE, count_key=count_key, shape=shape, model=RepairRequest
    )
    data = filterset.form.data
    technicians, categories, buildings = queue_choices()
    return {
        "filterset": filterset,
        "page": page,
        "rows": queue_rows(page),
        "query": query,
        "technicians": technicians,
        "categories": categories,
        "buildings": buildings,
        "technician_options": options_html(technicians),
        "category_options": options_html(categories, data.get("category")),
        "building_options": options_html(buildings, data.get("building")),
        "status_options": options_html(RepairRequest.Status.choices, *data.getlist("status")),
        "narrowed": narrowed_to(filterset.form),
        # What the search box and the ticks show. A template reading a key missing from the
        # QueryDict (f.data.q) tried it as an attribute and a list index, then listed its
        # attributes with dir(): 0.1 ms each on every view of an unfiltered queue.
        "typed": {name: data.get(name, "") for name in ("q", "is_open", "overdue", "unassigned")},
        "request": request,
    }


def narrowed_to(form) -> list[tuple[str, str, int]]:
    """The places a drill-down link narrowed the queue to that its form does not offer (a
    campus, a unit): (parameter, name, id), to show and keep them. A query only when given."""
    data = form.cleaned_data if form.is_valid() else {}
    found = []
    for name, model in (("campus_id", Campus), ("department", Department)):
        if (pk := data.get(name)) is not None:
            place = model.objects.filter(pk=pk).first()
            found.append((name, str(place) if place else str(pk), pk))
    return found


def options_html(choices, *selected) -> str:
    """A dropdown's <option>s, escaped and joined in plain Python: format_html per option cost
    the queue about 0.8 ms for its 80-odd options, the template loop ten times that."""
    chosen = {str(value) for value in selected if value}
    return mark_safe(  # noqa: S308 (every value and label is escaped here)
        "".join(
            f'<option value="{escape(str(value))}"'
            f"{' selected' if str(value) in chosen else ''}>{escape(str(label))}</option>"
            for value, label in choices
        )
    )


def queue_rows(repairs) -> list[str]:
    """The queue's rows as HTML, each cached for its request's state, language and time zone:
    rendering 25 rows was the page's largest cost. A renamed category, place or technician
    shows within ROW_SECONDS; everything of the request itself is in the key (its text never
    changes after filing). `repairs` need only ROW_KEY_FIELDS: the rows missing in the cache
    are read whole in one query."""
    row_key = state_keys("repairs:queue-row", get_language(), timezone.get_current_timezone_name())
    # Keyed by primary key, not by instance: a model's __hash__ asks for its key twice.
    listed = {repair.pk: repair for repair in repairs}
    keys = {pk: _row_key(repair, row_key) for pk, repair in listed.items()}

    def render_rows(missing: list[int]) -> dict[int, str]:
        whole = RepairRequest.objects.for_list().in_bulk(missing)
        return {
            pk: render_to_string(ROW_TEMPLATE, {"repair": whole.get(pk, listed[pk])})
            for pk in missing
        }

    rows = get_or_build_many(keys, render_rows, ROW_SECONDS)
    return [mark_safe(rows[pk]) for pk in keys]  # noqa: S308 (rendered)


ROW_TEMPLATE = "repairs/includes/_queue_row.html"
ROW_SECONDS = 300
# What a row's cache key (and the queue's order) reads of a request.
ROW_KEY_FIELDS = (
    "updated_at",
    "status",
    "urgency",
    "category_id",
    "room_id",
    "building_id",
    "place_text",
    "assignee_id",
    "completion_due_at",
    "created_at",
)


def _row_key(repair, row_key) -> str:
    return row_key(
        repair.pk,
        repair.updated_at.isoformat(),
        repair.status,
        repair.urgency,
        repair.category_id,
        repair.room_id,
        repair.building_id,
        repair.place_text,
        repair.assignee_id,
        repair.completion_due_at.isoformat() if repair.completion_due_at else "",
        repair.is_overdue,
    )


@login_required
@require_POST
def assign_bulk(request):
    """Assigns the ticked requests to one technician and reports each one that failed."""
    require(may_dispatch(request.user))
    form = BulkAssignForm(request.POST)
    if not form.is_valid():
        show_error(request, form_error(form))
        return redirect_next(request, _queue_url())
    wanted = form.cleaned_data["requests"]
    visible = set(
        RepairRequest.objects.for_user(request.user)
        .filter(pk__in=wanted)
        .values_list("pk", flat=True)
    )
    failures = [
        _("Request %(number)s was not found.") % {"number": RepairRequest(pk=pk).number}
        for pk in wanted
        if pk not in visible
    ]
    assigned = []
    if visible:
        try:
            assigned, failed = services.repair_requests_assign_bulk(
                repair_ids=sorted(visible),
                technician=form.cleaned_data["technician"],
                by=request.user,
            )
        except ValidationError as error:
            failed = [as_domain_error(error).message]
        failures += [str(text) for text in failed]
    _report_bulk(request, assigned, failures, form.cleaned_data["technician"])
    return redirect_next(request, _queue_url())


def _report_bulk(request, assigned, failures, technician) -> None:
    if assigned:
        messages.success(
            request,
            ngettext(
                "%(count)d request assigned to %(name)s.",
                "%(count)d requests assigned to %(name)s.",
                len(assigned),
            )
            % {"count": len(assigned), "name": technician.get_display_name()},
        )
    for text in failures:
        messages.error(request, text)


def _queue_url() -> str:
    return reverse("repairs:queue")


@login_required
@require_GET
def workload(request):
    """Open jobs per technician, from one aggregate query."""
    require(may_dispatch(request.user))
    rows = (
        technicians()
        .annotate(
            in_progress=assigned_count(status=RepairRequest.Status.IN_PROGRESS),
            on_hold=assigned_count(status=RepairRequest.Status.ON_HOLD),
            overdue=assigned_count(overdue_q()),
        )
        .order_by("-open_jobs", "display_name", "username")
    )
    context = {"rows": list(rows), "links": role_links(request.user)}
    return render(request, "repairs/workload.html", context)
