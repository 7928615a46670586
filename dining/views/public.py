"""Public dining pages: today's menus (cached), dish search, a canteen's day, a dish, favourites.

/dining/ is the lunchtime page: its content is cached per language, meal-now, normalized filters
and the versions of every canteen's data of the day (dining.cache). Visitors without a session
get the whole page from process memory after one Redis read (the epoch): constant bytes, plain
and gzip-compressed once. The page holds no CSRF token (the language switch is a GET), so it is
the same for every visitor of a language.
"""

import datetime
import gzip
import logging
import re
from collections.abc import Callable
from dataclasses import replace

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from dining import cache, selectors, services
from dining import reviews as dish_reviews
from dining.models import Canteen, ClosedDay, Meal, MenuItem, OpeningHours
from dining.selectors import DishFilter
from logistics.forms import PortalForm
from reviews.services import author_shown, event_review

logger = logging.getLogger(__name__)
# The test of Django's GZipMiddleware: gzip is named in Accept-Encoding.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class Page:
    """A whole page's bytes, plain and gzip-compressed once (no timestamp: the same bytes on
    every worker)."""

    __slots__ = ("body", "gzipped")

    def __init__(self, body: bytes):
        self.body = body
        self.gzipped = gzip.compress(body, compresslevel=6, mtime=0)


TOMORROW = "tomorrow"


class MenuFilterForm(PortalForm):
    """The filters of /dining/ (GET); choices come from the cached catalogue."""

    canteen = forms.ChoiceField(label=_("Canteen"), required=False)
    meal = forms.ChoiceField(
        label=_("Meal"), required=False, choices=[("", _("All meals")), *Meal.choices]
    )
    exclude = forms.MultipleChoiceField(
        label=_("Without allergens"), required=False, widget=forms.CheckboxSelectMultiple
    )
    halal = forms.BooleanField(label=_("Halal (清真)"), required=False)
    vegetarian = forms.BooleanField(label=_("Vegetarian"), required=False)
    price_min = forms.DecimalField(
        label=_("Price from (¥)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    price_max = forms.DecimalField(
        label=_("Price up to (¥)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    kcal_max = forms.IntegerField(label=_("At most (kcal)"), required=False, min_value=0)
    # Today's menus, or tomorrow's (a hidden field, so the filters keep the day).
    date = forms.ChoiceField(
        label=_("Day"),
        required=False,
        choices=[("", _("Today")), (TOMORROW, _("Tomorrow"))],
        error_messages={"invalid_choice": _("Choose today or tomorrow.")},
    )

    def __init__(self, *args, catalogue: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canteen"].choices = [("", _("All canteens"))] + [
            (c["slug"], selectors.pick(c["name"], c["name_en"])) for c in catalogue["canteens"]
        ]
        self.fields["exclude"].choices = [
            (code, selectors.pick(name, name_en)) for code, name, name_en in catalogue["allergens"]
        ]

    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("The lowest price is above the highest price."))
        return data

    def dish_filter(self) -> DishFilter:
        """The cleaned filter, or no filter at all when the input is not valid."""
        if not self.is_bound or not self.is_valid():
            return DishFilter()
        data = self.cleaned_data
        return DishFilter(
            canteen=data["canteen"] or "",
            meal=data["meal"] or "",
            exclude=tuple(sorted(data["exclude"])),
            halal=bool(data["halal"]),
            vegetarian=bool(data["vegetarian"]),
            price_min=data["price_min"],
            price_max=data["price_max"],
            kcal_max=data["kcal_max"],
        )


def _named(menus: list[dict], names: dict) -> list[dict]:
    """The menus with each item's allergens named in the active language."""
    return [
        {
            **menu,
            "items": [
                {**item, "allergen_names": [names.get(code, code) for code in item["allergens"]]}
                for item in menu["items"]
            ],
        }
        for menu in menus
    ]


def _allergen_names(catalogue: dict) -> dict:
    return {code: selectors.pick(name, en) for code, name, en in catalogue["allergens"]}


def _meal_url(dish_filter: DishFilter, meal: str, day: str = "") -> str:
    """/dining/ with the same filters and day and `meal` open (the link of a folded meal)."""
    query = QueryDict(mutable=True)
    for name, value in (
        ("date", day),
        ("canteen", dish_filter.canteen),
        ("halal", "on" if dish_filter.halal else ""),
        ("vegetarian", "on" if dish_filter.vegetarian else ""),
        ("price_min", dish_filter.price_min),
        ("price_max", dish_filter.price_max),
        ("kcal_max", dish_filter.kcal_max),
    ):
        if value not in ("", None):
            query[name] = str(value)
    query.setlist("exclude", list(dish_filter.exclude))
    query["meal"] = meal
    return f"{reverse('dining:index')}?{query.urlencode()}"


def _meal_sections(
    canteens: list[dict], days: dict, dish_filter: DishFilter, first, names, *, day="", fold=False
) -> list:
    """[{meal, label, open, count, url, canteens: [{canteen, menus}]}] in the order the page
    shows them. One meal is open: the one asked for (?meal=), else the meal served now (or
    next); the day's other meals are folded, a link that loads them on demand (htmx, or the
    page with ?meal= without JavaScript), so the lunchtime page carries one meal, not the day.
    `fold`: none is open unless asked for (after the day's last meal)."""
    labels = dict(Meal.choices)
    any_meal = replace(dish_filter, meal="")
    sections = []
    for meal in selectors.meal_sequence(dish_filter.meal or first):
        rows = []
        for canteen in canteens:
            menus = [m for m in days[canteen["id"]]["menus"] if m["meal"] == meal]
            menus = selectors.filter_menus(menus, any_meal)
            if menus:
                rows.append({"canteen": canteen, "menus": menus})
        if rows:
            count = sum(len(menu["items"]) for row in rows for menu in row["menus"])
            sections.append(
                {"meal": meal, "label": labels[meal], "open": False, "count": count, "rows": rows}
            )
    wanted = dish_filter.meal or (None if fold else sections and sections[0]["meal"])
    if sections and sections[0]["meal"] == wanted:
        opened = sections[0]
        opened["open"] = True
        opened["canteens"] = [
            {**row, "menus": _named(row["menus"], names)} for row in opened["rows"]
        ]
    for section in sections:
        if not section["open"]:
            section["url"] = _meal_url(dish_filter, section["meal"], day)
    return sections


def _index_content(*, catalogue, form, dish_filter, day, tomorrow, first, serving) -> str:
    """The page's content for `day` (today, or tomorrow when `tomorrow`). After the day's last
    meal (no meal now or later today, `first` None) it says the canteens are closed, when they
    open next, and offers tomorrow's menus; today's meals stay folded."""
    canteens = catalogue["canteens"]
    if dish_filter.canteen:
        canteens = [c for c in canteens if c["slug"] == dish_filter.canteen]
    closed_now = not tomorrow and first is None and any(c["hours"] for c in canteens)
    days = selectors.canteen_days([c["id"] for c in canteens], day)
    sections = _meal_sections(
        canteens,
        days,
        dish_filter,
        first,
        _allergen_names(catalogue),
        day=TOMORROW if tomorrow else "",
        fold=closed_now,
    )
    opens = selectors.first_opening(canteens) if closed_now else None
    context = {
        "form": form,
        "today": day,
        "tomorrow": tomorrow,
        "first": first,
        "first_label": dict(Meal.choices).get(first, ""),
        "serving": serving,
        "closed_now": closed_now,
        "opens_at": opens and opens[0],
        "opens_label": opens and dict(Meal.choices)[opens[1]],
        "sections": sections,
        "nothing_open": not any(section["open"] for section in sections),
        "closed": [c for c in canteens if days[c["id"]]["closed"]],
        "filtered": dish_filter.active,
    }
    return render_to_string("dining/includes/_index_content.html", context)


def anonymous_without_session(request) -> bool:
    # Only these get the whole page from the cache: no user, no messages to show. Signing in
    # (Django's login or CAS) is a session, so without a session cookie nobody is signed in,
    # and request.user (a session store, a lookup) is not needed to know it.
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _serving(catalogue: dict, first: str | None, now) -> bool:
    return first is not None and any(
        opens <= now.time() < closes
        for c in catalogue["canteens"]
        for meal, opens, closes in c["hours"]
        if meal == first
    )


def _send(request, page: Page) -> HttpResponse:
    """The page, gzip-compressed when the client takes it. It holds nothing of the visitor, so
    a shared cache may keep it; the language comes from Accept-Language (LocaleMiddleware adds
    it to Vary) or the language cookie, hence Cookie (a new response: nothing to merge with)."""
    if ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(page.gzipped)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(page.body)
    response["Vary"] = "Accept-Encoding, Cookie"
    return response


def _known_page(request, known: tuple, now) -> HttpResponse | None:
    """The response from the page this process made under the epoch it knows, if it has one."""
    epoch, catalogue, _ = known
    first = selectors.meal_now(catalogue["canteens"], now)
    serving = _serving(catalogue, first, now)
    key = ("index", epoch, now.date(), get_language(), first, serving, request.get_full_path())
    page = cache.local_get(key)
    return None if page is None else _send(request, page)


def _read(read_epoch) -> str | None:
    try:
        return read_epoch()
    except Exception:  # the slow path below reads the cache again, or builds from the database
        logger.warning("dining cache unreachable on the epoch", exc_info=True)
        return None


def lunchtime_page(request, now) -> tuple[HttpResponse | None, Callable[[], str | None] | None]:
    """The lunchtime path of a visitor without a session: one Redis round trip (the epoch) and
    the page from process memory, without a form or a key digest. The GET goes out first; the
    response is made from what this process knows while Redis answers, and returned only if
    the epoch is still the one it was made under. Else (None, what reads the epoch the caller
    still needs: the answer already read, or None to read it again).

    Also called before most of the middleware by dining.fastpath, with the language active."""
    try:
        read_epoch = cache.epoch_begin()
    except Exception:  # the cache is down: the slow path copes
        logger.warning("dining cache unreachable on the epoch", exc_info=True)
        return None, None
    known = selectors.known_snapshot(now.date())
    if known is None:
        return None, read_epoch
    response = _known_page(request, known, now)
    current = _read(read_epoch)
    if response is not None and current == known[0]:
        return response, None
    if current is None:
        return None, None
    return None, lambda: current  # the answer, not a second GET


@require_GET
def index(request):
    """Today's published menus across canteens, the meal served now first; filters by GET."""
    now = selectors.local_now()
    today = now.date()
    read_epoch = None
    if anonymous_without_session(request):
        response, read_epoch = lunchtime_page(request, now)
        if response is not None:
            return response
    # ?date=tomorrow; any other value shows today's menus, and the form says why.
    tomorrow = request.GET.get("date") == TOMORROW
    day = today + datetime.timedelta(days=1) if tomorrow else today
    epoch, catalogue, versions = selectors.catalogue_and_versions(day, read_epoch)
    first = selectors.meal_now(catalogue["canteens"], now)
    serving = _serving(catalogue, first, now)
    anonymous = versions is not None and anonymous_without_session(request)
    fast_key = ("index", epoch, today, get_language(), first, serving, request.get_full_path())
    # Without filters (most of the lunchtime traffic) no form is built unless the page is.
    form = MenuFilterForm(request.GET, catalogue=catalogue) if request.GET else None
    invalid = form is not None and not form.is_valid()
    dish_filter = form.dish_filter() if form is not None else DishFilter()
    # Tomorrow has no meal now: its first meal opens, whatever the hour today.
    page_first, page_serving = (None, False) if tomorrow else (first, serving)
    content_key = cache.version_key(
        "index-folded",
        day.isoformat(),
        tomorrow,
        get_language(),
        page_first,
        page_serving,
        dish_filter.key(),
        catalogue["version"],
        sorted((versions or {}).items()),
        # Invalid input is shown back as typed, so then the raw query is part of the key.
        invalid and sorted(request.GET.lists()),
    )

    def build_content() -> str:
        return _index_content(
            catalogue=catalogue,
            form=form or MenuFilterForm(catalogue=catalogue),
            dish_filter=dish_filter,
            day=day,
            tomorrow=tomorrow,
            first=page_first,
            serving=page_serving,
        )

    if versions is None:
        context = {"content": build_content(), "tomorrow": tomorrow}
        return render(request, "dining/index.html", context)
    if anonymous:
        page_key = cache.version_key("index-page-bytes", content_key, request.get_full_path())
        page = cache.local_get(page_key)
        if page is None:

            def build_page() -> bytes:
                # No CSRF token: nothing on the page posts (the language switch is a GET), and
                # portal.js takes htmx's token from the cookie where a page has none.
                context = {"content": cache.get_or_build(content_key, build_content)}
                context["csrf_token"] = ""
                context["tomorrow"] = tomorrow
                return render_to_string("dining/index.html", context, request).encode()

            page = Page(cache.get_or_build(page_key, build_page))
            cache.local_set(page_key, page)
        if epoch is not None:
            cache.local_set(fast_key, page)
        return _send(request, page)
    content = cache.get_or_build(content_key, build_content)
    return render(request, "dining/index.html", {"content": content, "tomorrow": tomorrow})


@require_GET
def search(request):
    """Dish search by Chinese or English name."""
    query = request.GET.get("q", "")[:100]
    dishes = list(selectors.dish_search(query)) if query.strip() else []
    return render(request, "dining/search.html", {"query": query, "dishes": dishes})


def _parse_day(value: str | None, default: datetime.date) -> tuple[datetime.date, bool]:
    if not value:
        return default, True
    try:
        return datetime.date.fromisoformat(value), True
    except ValueError:
        return default, False


@require_GET
def canteen(request, slug):
    """One canteen: its menus of a day (?date=YYYY-MM-DD), hours, closed days, price board."""
    place = Canteen.objects.public().filter(slug=slug).select_related("building").first()
    if place is None:
        raise Http404
    today = selectors.local_now().date()
    day, date_ok = _parse_day(request.GET.get("date"), today)
    menus = selectors.canteen_days([place.pk], day)[place.pk]
    labels = dict(Meal.choices)
    named = _named(menus["menus"], _allergen_names(selectors.catalogue()))
    by_meal = [
        {"meal": meal, "label": labels[meal], "menus": [m for m in named if m["meal"] == meal]}
        for meal in selectors.MEAL_ORDER
    ]
    context = {
        "canteen": place,
        "day": day,
        "today": today,
        "date_ok": date_ok,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "closed": menus["closed"],
        "meals": [m for m in by_meal if m["menus"]],
        "hours": OpeningHours.objects.filter(canteen=place).order_by("opens_at"),
        "closed_days": ClosedDay.objects.filter(canteen=place, date__gte=today)[:10],
    }
    return render(request, "dining/canteen.html", context)


@require_GET
def dish(request, pk):
    """A dish: photo, prices per tier, allergens, diet tags, nutrition, price history."""
    found = selectors.dish_detail(pk)
    if found is None:
        raise Http404
    today = selectors.local_now().date()
    on_today = list(
        MenuItem.objects.filter(
            dish=found, menu__date=today, menu__status="published"
        ).select_related("menu")
    )
    context = {
        "dish": found,
        "allergens": list(found.allergens.all()),
        "on_today": on_today,
        "history": selectors.price_history(found),
        "is_favourite": selectors.is_favourite(request.user, found),
        **_ratings(request.user, found, today),
    }
    return render(request, "dining/dish.html", context)


def _ratings(user, found, today) -> dict:
    """The dish's ratings, read live (this page is not cached) from the reviews system, and
    the dates the signed-in user may still rate it for."""
    subject = dish_reviews.dish_subject(found)
    latest = dish_reviews.latest_reviews(subject)
    for review in latest:
        # The page is public: names only for people signed in to the campus portal.
        named = user.is_authenticated and author_shown(review, user)
        review.shown_author = review.author.get_display_name() if named else ""
    context = {"ratings": dish_reviews.rating_summary(subject), "latest_reviews": latest}
    if user.is_authenticated:
        dates = dish_reviews.rateable_dates(found, today)
        mine = dish_reviews.my_dish_events(user, found, dates)
        context["rate_dates"] = [d for d in dates if not hasattr(mine.get(d), "review")]
        context["my_reviews"] = [e.review for d, e in mine.items() if hasattr(e, "review")]
    return context


@require_POST
@login_required
def dish_rate(request, pk):
    """The eater's "Rate this dish" for a date it was served: the event, then the review form."""
    found = selectors.dish_detail(pk)
    if found is None:
        raise Http404
    day, ok = _parse_day(request.POST.get("date"), selectors.local_now().date())
    try:
        if not ok:
            raise ValidationError({"date": _("Choose a date.")})
        event = dish_reviews.dish_event_record(
            dish=found, date=day, by=request.user, today=selectors.local_now().date()
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(found.get_absolute_url())
    existing = event_review(event)
    if existing is not None:
        messages.info(request, _("You have already rated this dish for that day."))
        return redirect(existing.get_absolute_url())
    return redirect("reviews:event-review", pk=event.pk)


@require_POST
@login_required
def favourite_toggle(request, pk):
    """Adds or removes a favourite (htmx swaps the button; without htmx back to the dish)."""
    found = selectors.dish_detail(pk)
    if found is None:
        raise Http404
    is_favourite = services.favourite_toggle(user=request.user, dish=found)
    if getattr(request, "htmx", False):
        context = {"dish": found, "is_favourite": is_favourite}
        return render(request, "dining/includes/_favourite_button.html", context)
    return redirect(found.get_absolute_url())


@require_GET
@login_required
def favourites(request):
    """My favourite dishes."""
    return render(
        request,
        "dining/favourites.html",
        {"dishes": list(selectors.favourite_dishes(request.user))},
    )
