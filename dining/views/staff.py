"""Canteen staff pages: today's and tomorrow's menus, the menu builder, import, dishes,
the sold-out switch. Canteen staff reach only their own canteens (404 for others)."""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from logistics.keyset import keyset_page, other_params
from logistics.roles import Role
from logistics.search import search

from .. import services
from ..errors import AcknowledgementRequired, DiningError, PublishBlocked
from ..forms import CopyForm, DishForm, ImportForm, MenuItemFormSet, PublishForm, TemplateForm
from ..imports import COLUMNS, menu_import_spec
from ..models import Canteen, Dish, Meal, Menu, MenuItem, MenuTemplate, Window
from ..selectors import DISH_SEARCH_FIELDS

SEARCH_LIMIT = 20
DISHES_PER_PAGE = 50


def _require_staff(user) -> None:
    if not (user.is_superuser or user.has_role(Role.CANTEEN_STAFF, Role.LOGISTICS_MANAGER)):
        raise PermissionDenied


def _canteen(request, slug: str) -> Canteen:
    _require_staff(request.user)
    return get_object_or_404(Canteen.objects.editable_by(request.user), slug=slug)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise Http404 from None


def menu_url(menu_or_canteen, date=None, meal=None, window=None) -> str:
    """The builder page of a menu, or of a canteen's window, date and meal."""
    if isinstance(menu_or_canteen, Menu):
        m = menu_or_canteen
        return menu_url(m.canteen, m.date, m.meal, m.window)
    args = [menu_or_canteen.slug, date.isoformat(), meal, window.code]
    return reverse("dining:staff-menu", args=args)


# --- Home ---------------------------------------------------------------------------------------


@login_required
def staff_home(request):
    """My canteens: today's and tomorrow's menus per meal and window, with their status."""
    _require_staff(request.user)
    today = timezone.localdate()
    days = [today, today + datetime.timedelta(days=1)]
    canteens = list(
        Canteen.objects.editable_by(request.user).filter(is_active=True).prefetch_related("windows")
    )
    menus = (
        Menu.objects.filter(canteen__in=canteens, date__in=days)
        .annotate(item_count=Count("items"))
        .values("canteen_id", "window_id", "date", "meal", "status", "item_count")
    )
    found = {(m["window_id"], m["date"], m["meal"]): m for m in menus}
    boards = [_board(c, days, found) for c in canteens]
    return render(request, "dining/staff/home.html", {"boards": boards, "days": days})


def _board(canteen, days, found) -> dict:
    windows = [w for w in canteen.windows.all() if w.is_active]
    day_rows = []
    for day in days:
        meals = []
        for meal, label in Meal.choices:
            cells = [
                {
                    "window": w,
                    "menu": found.get((w.pk, day, meal)),
                    "url": menu_url(canteen, day, meal, w),
                }
                for w in windows
            ]
            meals.append({"meal": meal, "label": label, "cells": cells})
        day_rows.append({"date": day, "meals": meals})
    return {"canteen": canteen, "windows": windows, "days": day_rows}


# --- The menu builder ---------------------------------------------------------------------------


@login_required
def staff_menu(request, slug: str, date: str, meal: str, window: str):
    """Build one menu: dishes and prices, copy, template, publish now or on a schedule."""
    canteen = _canteen(request, slug)
    day = _date(date)
    if meal not in Meal.values:
        raise Http404
    window = get_object_or_404(Window.objects.filter(canteen=canteen), code=window)
    menu = Menu.objects.filter(window=window, date=day, meal=meal).first()
    page = _MenuPage(request, canteen, window, day, meal, menu)
    if request.method == "POST":
        response = page.post()
        if response is not None:
            return response
    return render(request, "dining/staff/menu.html", page.context())


class _MenuPage:
    """The state of the builder page for one request (forms, search results, findings)."""

    def __init__(self, request, canteen, window, day, meal, menu):
        self.request, self.canteen, self.window = request, canteen, window
        self.day, self.meal, self.menu = day, meal, menu
        self.items = list(menu.items.select_related("dish")) if menu else []
        self.dishes = {i.dish_id: i.dish for i in self.items}
        self.formset = MenuItemFormSet(prefix="items", initial=self._initial())
        self.publish_form = PublishForm(prefix="publish")
        self.copy_form = CopyForm(prefix="copy", initial={"from_date": day - datetime.timedelta(7)})
        self.templates = list(MenuTemplate.objects.filter(canteen=canteen))
        self.template_form = TemplateForm(prefix="tpl", canteen=canteen, templates=self.templates)
        self.findings, self.blocked, self.results = [], False, None
        self.query = request.GET.get("q", "").strip()
        if self.query:
            self.results = dish_search(canteen, self.query, exclude=self.dishes)

    def _initial(self) -> list[dict]:
        return [
            {
                "dish": i.dish_id,
                "price": i.price,
                "price_employee": i.price_employee,
                "price_other": i.price_other,
                "ORDER": n + 1,
            }
            for n, i in enumerate(self.items)
        ]

    def url(self) -> str:
        return menu_url(self.canteen, self.day, self.meal, self.window)

    def context(self) -> dict:
        rows = [(form, self.dishes.get(_int(form["dish"].value()))) for form in self.formset]
        items_by_dish = {i.dish_id: i for i in self.items}
        return {
            "canteen": self.canteen,
            "window": self.window,
            "windows": list(Window.objects.filter(canteen=self.canteen, is_active=True)),
            "date": self.day,
            "meal": self.meal,
            "meal_label": Meal(self.meal).label,
            "meals": Meal.choices,
            "menu": self.menu,
            "formset": self.formset,
            "rows": [(f, d, items_by_dish.get(getattr(d, "pk", None))) for f, d in rows],
            "publish_form": self.publish_form,
            "copy_form": self.copy_form,
            "template_form": self.template_form,
            "templates": self.templates,
            "findings": self.findings,
            "blocked": self.blocked,
            "results": self.results,
            "query": self.query,
            "yesterday": self.day - datetime.timedelta(days=1),
            "tomorrow": self.day + datetime.timedelta(days=1),
            "max_publish_at": timezone.localtime() + services.PUBLISH_AHEAD,
        }

    # POST actions ---------------------------------------------------------------------------

    def post(self):
        action = self.request.POST.get("action", "")
        handler = {
            "copy_yesterday": self.copy_yesterday,
            "copy": self.copy,
            "template": self.apply_template,
            "unpublish": self.unpublish,
        }.get(action)
        try:
            if handler:
                return handler()
            return self.save_items(action)
        except DiningError as exc:
            messages.error(self.request, str(exc.message))
            return None

    def _menu(self):
        return self.menu or services.menu_get_or_create(
            by=self.request.user,
            canteen=self.canteen,
            window=self.window,
            date=self.day,
            meal=self.meal,
        )

    def save_items(self, action: str):
        self.formset = MenuItemFormSet(self.request.POST, prefix="items")
        self.publish_form = PublishForm(self.request.POST, prefix="publish")
        if not (self.formset.is_valid() and self.publish_form.is_valid()):
            messages.error(self.request, _("Please correct the marked fields."))
            return None
        rows = self._rows(self.request.POST.get("add_dish"))
        if rows is None:
            return None
        if action in ("publish", "schedule"):
            return self._publish(rows, scheduled=action == "schedule")
        with transaction.atomic():
            services.menu_set_items(by=self.request.user, menu=self._menu(), items=rows)
        messages.success(self.request, _("The menu was saved as a draft."))
        return redirect(self.url())

    def _rows(self, add_dish) -> list[dict] | None:
        forms = [f for f in self.formset.ordered_forms if not f.cleaned_data.get("DELETE")]
        ids = [f.cleaned_data["dish"] for f in forms]
        if add_dish:
            ids.append(_int(add_dish))
        dishes = Dish.objects.in_bulk([i for i in ids if i], field_name="pk")
        dishes = {k: d for k, d in dishes.items() if d.canteen_id == self.canteen.pk}
        self.dishes.update(dishes)
        if any(i not in dishes for i in ids):
            messages.error(self.request, _("A dish is not one of this canteen's dishes."))
            return None
        rows = [{"dish": dishes[f.cleaned_data["dish"]], **_prices(f)} for f in forms]
        if add_dish and all(r["dish"].pk != _int(add_dish) for r in rows):
            rows.append({"dish": dishes[_int(add_dish)]})
        return [dict(row, sort_order=n) for n, row in enumerate(rows)]

    def _publish(self, rows, *, scheduled: bool):
        data = self.publish_form.cleaned_data
        publish_at = data.get("publish_at") if scheduled else None
        if scheduled and publish_at is None:
            messages.error(self.request, _("Choose when the menu shall be published."))
            return None
        try:
            with transaction.atomic():
                menu = self._menu()
                services.menu_set_items(by=self.request.user, menu=menu, items=rows)
                menu = services.menu_publish(
                    by=self.request.user,
                    menu=menu,
                    publish_at=publish_at,
                    acknowledge_reason=data.get("reason", ""),
                )
        except PublishBlocked as exc:
            self.findings, self.blocked = exc.findings, True
            messages.error(self.request, str(exc.message))
            return None
        except AcknowledgementRequired as exc:
            self.findings = exc.findings
            messages.warning(self.request, str(exc.message))
            return None
        if menu.status == Menu.Status.SCHEDULED:
            messages.success(self.request, _("The menu is scheduled."))
        else:
            messages.success(self.request, _("The menu is published."))
        return redirect(self.url())

    def copy_yesterday(self):
        menus = services.menus_copy(
            by=self.request.user,
            canteen=self.canteen,
            from_date=self.day - datetime.timedelta(days=1),
            to_date=self.day,
            meals=[self.meal],
        )
        return self._copied(menus)

    def copy(self):
        self.copy_form = CopyForm(self.request.POST, prefix="copy")
        if not self.copy_form.is_valid():
            return None
        data = self.copy_form.cleaned_data
        menus = services.menus_copy(
            by=self.request.user,
            canteen=self.canteen,
            from_date=data["from_date"],
            to_date=self.day,
            meals=None if data["all_meals"] else [self.meal],
            days=data["days"],
        )
        return self._copied(menus)

    def apply_template(self):
        self.template_form = TemplateForm(self.request.POST, prefix="tpl", canteen=self.canteen)
        if not self.template_form.is_valid():
            return None
        week_start = self.day - datetime.timedelta(days=self.day.weekday())
        menus = services.menus_apply_template(
            by=self.request.user,
            template=self.template_form.cleaned_data["template"],
            week_start=week_start,
        )
        return self._copied(menus)

    def _copied(self, menus):
        if menus:
            messages.success(
                self.request, _("%(count)d draft menu(s) written.") % {"count": len(menus)}
            )
        else:
            messages.warning(
                self.request,
                _("Nothing was copied: no menus there, or the target menus are published."),
            )
        return redirect(self.url())

    def unpublish(self):
        if self.menu is not None:
            services.menu_unpublish(by=self.request.user, menu=self.menu)
            messages.success(self.request, _("The menu is a draft again (hidden)."))
        return redirect(self.url())


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _prices(form) -> dict:
    return {k: form.cleaned_data.get(k) for k in ("price", "price_employee", "price_other")}


def dish_search(canteen, query: str, *, exclude=()) -> list:
    """The canteen's dishes on offer whose Chinese or English name contains `query`."""
    on_offer = Dish.objects.filter(canteen=canteen, is_active=True)
    dishes = search(on_offer, query, fields=DISH_SEARCH_FIELDS)
    return list(dishes.exclude(pk__in=list(exclude)).order_by("name")[:SEARCH_LIMIT])


@login_required
def staff_dish_search(request, slug: str):
    """htmx: the dishes matching the search box of the menu builder, each with an add button."""
    canteen = _canteen(request, slug)
    query = request.GET.get("q", "").strip()
    results = dish_search(canteen, query) if query else []
    return render(request, "dining/staff/_dish_results.html", {"results": results, "query": query})


@login_required
@require_POST
def staff_sold_out(request, pk: int):
    """htmx (or a plain form): toggles sold out on a menu item; answers with the switch."""
    _require_staff(request.user)
    editable = Canteen.objects.editable_by(request.user)
    item = get_object_or_404(
        MenuItem.objects.select_related("menu__canteen", "menu__window", "dish").filter(
            menu__canteen__in=editable
        ),
        pk=pk,
    )
    item = services.menu_item_set_sold_out(
        by=request.user, item=item, sold_out=request.POST.get("sold_out") == "1"
    )
    if request.headers.get("HX-Request"):
        return render(request, "dining/staff/_sold_out.html", {"item": item})
    return redirect(menu_url(item.menu))


# --- Import -------------------------------------------------------------------------------------


@login_required
def staff_import(request, slug: str):
    """Upload menu rows (CSV/XLSX); all imported, or every bad row listed and nothing kept."""
    canteen = _canteen(request, slug)
    posted = request.method == "POST"  # bound even when nothing came (no file chosen)
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        report = services.menus_import(
            by=request.user, canteen=canteen, upload=form.cleaned_data["file"]
        )
        if report.ok:
            messages.success(
                request, _("%(count)d menu rows imported as drafts.") % {"count": report.created}
            )
            return redirect("dining:staff-import", slug=canteen.slug)
        return render(
            request, "dining/staff/import_result.html", {"report": report, "canteen": canteen}
        )
    context = {"form": form, "canteen": canteen, "columns": COLUMNS}
    # what was wrong is on the page; the status says so too, as on every app's forms
    return render(request, "dining/staff/import.html", context, status=400 if form.errors else 200)


@login_required
def staff_import_template(request, slug: str):
    """The CSV template of the menu import."""
    canteen = _canteen(request, slug)
    spec = menu_import_spec(by=request.user, canteen=canteen)
    response = HttpResponse(spec.template_csv(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="menu-{canteen.slug}.csv"'
    return response


# --- Dishes -------------------------------------------------------------------------------------


@login_required
def staff_dishes(request, slug: str):
    """The canteen's dish catalogue, searchable."""
    canteen = _canteen(request, slug)
    query = request.GET.get("q", "").strip()
    dishes = Dish.objects.filter(canteen=canteen).select_related("category", "window")
    if query:
        dishes = search(dishes, query, fields=DISH_SEARCH_FIELDS)
    page = keyset_page(request, dishes.order_by("category__sort_order", "name"), DISHES_PER_PAGE)
    context = {
        "canteen": canteen,
        "page": page,
        "query": query,
        "pager_query": other_params(request),
    }
    return render(request, "dining/staff/dishes.html", context)


@login_required
def staff_dish_edit(request, slug: str, pk: int | None = None):
    """Create or edit a dish; a changed standard price is recorded with the optional reason."""
    canteen = _canteen(request, slug)
    dish = get_object_or_404(Dish, canteen=canteen, pk=pk) if pk else None
    form = DishForm(
        request.POST or None,
        request.FILES or None,
        instance=dish or Dish(canteen=canteen),
        canteen=canteen,
        owner=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            dish = services.dish_save(
                by=request.user,
                canteen=canteen,
                dish=dish,
                data=form.service_data(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except DiningError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The dish was saved."))
            return redirect("dining:staff-dishes", slug=canteen.slug)
    context = {"canteen": canteen, "dish": dish, "form": form, "zero": Decimal("0")}
    return render(
        request, "dining/staff/dish_form.html", context, status=400 if form.errors else 200
    )
