"""`{% site_header %}`: the shared header (brand, bell, language switch, account menu,
navigation), rendered once per person, language and section and kept in the process.

Every page shows it and its template work was the largest fixed cost of a page (about 2 ms of
the queue's 11, 3 ms of a request's page). What it shows depends only on the key below, which
names every input of `includes/_header_body.html`; what differs per request — the bell's
unread count, the CSRF token of the log-out form, the page's own path in the language switch
and the log-in link — is rendered into slots after the cached text is read. A key change (a
new role, another name, another language) is simply another entry, so nothing is invalidated;
the entries are bounded (least recently used go first) and a restart clears them.
"""

import re
import threading
from collections import OrderedDict
from urllib.parse import quote

from django import template
from django.conf import settings
from django.urls import get_urlconf
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

# Slots in the cached text: private-use characters, which no template writes and no escaping
# changes; each is filled once per request.
BELL = "\ue000bell\ue000"
CSRF = "\ue000csrf\ue000"
PATH = "\ue000path\ue000"
LOGIN_NEXT = "\ue000next\ue000"
SLOT = re.compile("\ue000(?:bell|csrf|path|next)\ue000")


class Fragments:
    """A bounded, thread-safe LRU of rendered text by key (gunicorn's threads share it)."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
            return text

    def put(self, key, text: str) -> None:
        with self._lock:
            self._items[key] = text
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


headers = Fragments()


def header_key(context) -> tuple:
    """Everything `includes/_header_body.html` and its includes read, but the slots."""
    request = context.get("request")
    user = context.get("user")
    match = getattr(request, "resolver_match", None)
    section = (
        getattr(match, "url_name", None) == "home",
        getattr(match, "app_name", None),
        (getattr(match, "route", None) or "")[:7] == "manage/",
        match is not None and match.url_name != "login",
    )
    person: tuple = (False,)
    if user is not None and user.is_authenticated:
        person = (
            True,
            user.pk,
            user.get_display_name(),
            user.username,
            tuple(sorted(user.role_names)),
            user.is_staff,
            bool(context.get("show_overview_link")),
            bool(context.get("show_manage_link")),
        )
    # The navigation links the services whose routes exist: the URLconf is an input too.
    urls = (settings.ROOT_URLCONF, get_urlconf())
    return (get_language(), str(context.get("SITE_NAME") or ""), urls, section, person)


@register.simple_tag(takes_context=True)
def site_header(context) -> str:
    key = header_key(context)
    text = headers.get(key)
    engine = context.template.engine
    if text is None:
        with context.push(
            header_bell_slot=BELL,
            csrf_token=CSRF,
            page_path=PATH,
            header_login_next=LOGIN_NEXT,
        ):
            text = engine.get_template("includes/_header_body.html").render(context)
        headers.put(key, text)
    return mark_safe(fill(text, context))  # noqa: S308 (rendered by the template, slots escaped)


# A section's navigation, kept the same way (`{% include_kept %}`).
fragments = Fragments()


@register.simple_tag(takes_context=True)
def include_kept(context, template_name: str, **inputs) -> str:
    """`template_name` drawn from `inputs` alone — no other variable of the page reaches it, so
    the key below names all it shows — once per process for each value of them, the language
    and the URLconf, as the header is. For what every page of a section draws the same, a
    section's navigation: its links' reversals and translations were a tenth of a kept page.

        {% include_kept "repairs/includes/_subnav.html" current=url_name links=links %}
    """
    key = (
        template_name,
        get_language(),
        settings.ROOT_URLCONF,
        get_urlconf(),
        tuple(sorted((name, _frozen(value)) for name, value in inputs.items())),
    )
    text = fragments.get(key)
    if text is None:
        text = context.template.engine.get_template(template_name).render(context.new(inputs))
        fragments.put(key, text)
    return mark_safe(text)  # noqa: S308 (rendered by the template)


def _frozen(value):
    """`value` as a key's part: a dict (a view's links) as its sorted items."""
    if isinstance(value, dict):
        return tuple(sorted((name, _frozen(item)) for name, item in value.items()))
    return value


def fill(text: str, context) -> str:
    """The cached header with this request's bell, token and path, in one pass: what a slot
    receives (a path, a name) is never read again for slots."""
    request = context.get("request")
    path = request.get_full_path() if request is not None else ""

    def value(slot) -> str:
        name = slot.group(0)
        if name == BELL:
            return context.template.engine.get_template("includes/_bell.html").render(context)
        if name == CSRF:
            return escape(str(context.get("csrf_token") or ""))
        if name == PATH:
            return escape(context.get("page_path") or path)
        return escape(quote(path, safe="/"))  # LOGIN_NEXT

    return SLOT.sub(value, text)
