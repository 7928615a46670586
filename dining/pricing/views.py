"""Price supervision pages: the public price board (明码标价) and price index; the managers'
violations, rules, figures and export.

Who sees what: the price board and the campus price index are public. The index per canteen,
the figures, the violations and the export are for logistics managers, supervisors and
superusers (every canteen) and canteen staff (their own canteens). Only logistics managers
change the rules.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dining import export
from dining.figures import (
    can_view_figures,
    dining_figures,
    figure_canteens,
    index_chart,
    index_series,
)
from dining.models import Canteen, Dish, PriceChange, PriceRule, PriceViolation
from dining.pricing import services as pricing
from dining.pricing.filters import PriceViolationFilterSet
from dining.pricing.forms import ExportForm, FiguresForm, PeriodForm, PriceRuleForm
from logistics.keyset import keyset_page, other_params
from logistics.spreadsheets import export_response

VIOLATIONS_PER_PAGE = 50
INDEX_DAYS = 90


def _every_canteen() -> str:
    """The label of the figures of every canteen together (the campus), not a campus's name."""
    return pgettext("every canteen together", "Campus")


def _require_figures(user) -> None:
    if not can_view_figures(user):
        raise PermissionDenied


def _require_rules(user) -> None:
    if not pricing.can_manage_rules(user):
        raise PermissionDenied


def _bounds(start, end) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
    )


# --- Public -------------------------------------------------------------------------------------


def price_board(request, slug: str):
    """明码标价: every dish a canteen offers, its prices per tier, unit, portion and the date
    its standard price last changed."""
    canteen = get_object_or_404(Canteen.objects.public().select_related("building"), slug=slug)
    # The newest change of each dish through price_change_dish_idx (dish, -changed_at): one
    # index row per dish, however long the history (a Max over the join read all of it).
    last_change = PriceChange.objects.filter(dish=OuterRef("pk")).order_by("-changed_at")
    dishes = (
        Dish.objects.filter(canteen=canteen, is_active=True)
        .select_related("category")
        .annotate(last_change=Subquery(last_change.values("changed_at")[:1]))
        .order_by("category__sort_order", "category__code", "name")
    )
    groups = []
    for dish in dishes:
        if not groups or groups[-1]["category"].pk != dish.category_id:
            groups.append({"category": dish.category, "dishes": []})
        groups[-1]["dishes"].append(dish)
    context = {"canteen": canteen, "groups": groups, "today": timezone.localdate()}
    return render(request, "dining/prices/price_board.html", context)


def price_index(request):
    """The price index chart: the campus for everyone; each canteen for those who may see it."""
    form = PeriodForm(request.GET or None, default_days=INDEX_DAYS)
    start, end = form.period()
    form = _shown(form, start, end)
    canteens = list(figure_canteens(request.user).order_by("sort_order", "slug"))
    series = index_series(canteen_ids=[c.pk for c in canteens], start=start, end=end)
    labels = {None: _every_canteen(), **{c.pk: c.localized_name for c in canteens}}
    context = {
        "form": form,
        "start": start,
        "end": end,
        "chart": index_chart(series=series, labels=labels, start=start, end=end),
        "base_date": pricing.index_base_date(),
        "per_canteen": bool(canteens),
    }
    return render(request, "dining/prices/price_index.html", context, status=_status(form))


def _shown(form, start, end):
    """The form as shown: an empty one shows the default period it stands for."""
    if form.is_bound:
        return form
    return type(form)(initial={"start": start, "end": end})


def _status(form) -> int:
    return 400 if form.is_bound and not form.is_valid() else 200


# --- Managers -----------------------------------------------------------------------------------


@login_required
def violations(request):
    """Every rule violation of the viewer's canteens, newest first, with the staff's reasons."""
    _require_figures(request.user)
    queryset = (
        PriceViolation.objects.filter(menu__canteen__in=figure_canteens(request.user))
        .select_related("rule", "menu__canteen", "menu__window", "dish", "acknowledged_by")
        .order_by("-created_at", "-id")
    )
    filterset = PriceViolationFilterSet(request.GET, queryset=queryset, request=request)
    valid = filterset.is_valid()
    rows = filterset.qs if valid else queryset.none()
    page = keyset_page(request, rows, VIOLATIONS_PER_PAGE)
    context = {"filter": filterset, "page": page, "query": other_params(request)}
    return render(request, "dining/prices/violations.html", context, status=200 if valid else 400)


@login_required
def price_rules(request):
    """The rules, and a form to add one."""
    _require_rules(request.user)
    form = PriceRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rule = _save_rule(request, form)
        if rule is not None:
            messages.success(request, _("The price rule was saved."))
            return redirect("dining:price-rules")
    rules = PriceRule.objects.select_related("canteen", "category").order_by(
        "-is_active", "kind", "name"
    )
    status = 400 if form.is_bound else 200
    context = {"rules": rules, "form": form}
    return render(request, "dining/prices/rules.html", context, status=status)


@login_required
def price_rule_edit(request, pk: int):
    _require_rules(request.user)
    rule = get_object_or_404(PriceRule, pk=pk)
    form = PriceRuleForm(request.POST or None, instance=rule)
    saved = request.method == "POST" and form.is_valid() and _save_rule(request, form, rule=rule)
    if saved:
        messages.success(request, _("The price rule was saved."))
        return redirect("dining:price-rules")
    status = 400 if form.is_bound else 200
    context = {"form": form, "rule": rule}
    return render(request, "dining/prices/rule_form.html", context, status=status)


def _save_rule(request, form, rule=None):
    try:
        return pricing.price_rule_save(by=request.user, data=form.cleaned_data, rule=rule)
    except ValidationError as error:
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    return None


@login_required
def figures(request):
    """The dining figures of a period, with the index trend drawn as SVG."""
    _require_figures(request.user)
    form = FiguresForm(request.GET or None)
    start, end = form.period()
    threshold = form.cleaned_data.get("threshold") if form.is_valid() else None
    form = _shown(form, start, end)
    data = dining_figures(user=request.user, start=start, end=end, threshold=threshold)
    labels = {
        None: _every_canteen(),
        **{row.canteen.pk: row.canteen.localized_name for row in data.rows},
    }
    context = {
        "form": form,
        "figures": data,
        "chart": index_chart(series=data.series, labels=labels, start=start, end=end),
        "export_query": f"start={start.isoformat()}&end={end.isoformat()}",
    }
    return render(request, "dining/prices/figures.html", context, status=_status(form))


@login_required
def export_period(request):
    """Price changes or menus of the viewer's canteens in a period, as CSV or XLSX."""
    _require_figures(request.user)
    form = ExportForm(request.GET or None)
    if not form.is_valid():
        context = {"form": form}
        return render(request, "dining/prices/export.html", context, status=_status(form))
    start, end = form.period()
    canteens = figure_canteens(request.user)
    what = form.cleaned_data["what"]
    if what == "menus":
        rows = export.menus_export(canteens=canteens, start=start, end=end)
    else:
        lower, upper = _bounds(start, end)
        rows = export.price_changes_export(canteens=canteens, lower=lower, upper=upper)
    filename = f"dining-{what}-{start:%Y%m%d}-{end:%Y%m%d}"
    return export_response(request, rows, filename, form.cleaned_data["format"])
