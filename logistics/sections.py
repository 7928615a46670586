"""Sections that the system apps add to the home page ("my items") and to the manager overview.

The core owns two pages that every app fills: the home page, where a signed-in user sees their
own things (my repairs, my parcels …), and the manager overview, where managers see each app's
figures. An app adds a section with one call from its ``AppConfig.ready()``::

    from logistics.sections import register_home_section, register_overview_section

    class RepairsConfig(AppConfig):
        def ready(self):
            register_home_section(
                "repairs.my-requests",
                title=_("My repair requests"),
                template="repairs/includes/_home_section.html",
                context=my_requests_context,          # callable(request) -> dict
                order=10,
                roles={Role.STUDENT, Role.TEACHER},   # None: every signed-in user
            )
            register_overview_section(
                "repairs.figures",
                title=_("Repairs"),
                template="repairs/includes/_overview_section.html",
                context=repair_figures_context,
                order=10,
            )

- ``key`` is unique; registering the same key again replaces the section (so a reloaded
  ``ready()`` is harmless).
- ``template`` is rendered with the request (so ``user``, ``request`` and the context processors'
  variables are there) plus the dict that ``context(request)`` returns; it holds the section's
  inner content, the page draws the heading from ``title``. ``includes/_item_list.html``
  (``items``, ``empty_text``, ``more_url``) and ``includes/_figures.html`` (``figures``) fit most.
- Sections render by ``order``, then by key. A section with ``roles`` shows only to users
  holding one of them (superusers see everything); ``context`` is only called for sections
  that show, so a section's queries run only for the people who see it.
- ``context`` should use the app's ``for_user(...)`` querysets and a fixed number of queries.

Manager overview sections are only ever shown on the manager overview, which is restricted to
logistics managers, supervisors and superusers; ``roles`` can narrow them further.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

SectionContext = Callable[[HttpRequest], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One block on the home page or the manager overview, contributed by an app."""

    key: str
    title: str
    template: str
    context: SectionContext
    order: int = 100
    roles: frozenset[str] | None = field(default=None)

    def shows_to(self, user) -> bool:
        if not user.is_authenticated:
            return False
        if self.roles is None or user.is_superuser:
            return True
        return user.has_role(*self.roles)


@dataclass(frozen=True)
class RenderedSection:
    """A section ready for the page: its key, title and rendered HTML."""

    key: str
    title: str
    html: SafeString


class SectionRegistry:
    """An ordered set of sections, keyed by name."""

    def __init__(self) -> None:
        self._sections: dict[str, Section] = {}

    def register(self, section: Section) -> None:
        self._sections[section.key] = section

    def unregister(self, key: str) -> None:
        self._sections.pop(key, None)

    def for_user(self, user) -> list[Section]:
        sections = (s for s in self._sections.values() if s.shows_to(user))
        return sorted(sections, key=lambda s: (s.order, s.key))

    def render(self, request: HttpRequest) -> list[RenderedSection]:
        rendered = []
        for section in self.for_user(request.user):
            html = render_to_string(section.template, section.context(request), request=request)
            rendered.append(RenderedSection(section.key, str(section.title), html))
        return rendered


home_sections = SectionRegistry()
overview_sections = SectionRegistry()


def _section(key, title, template, context, order, roles: Iterable[str] | None) -> Section:
    return Section(
        key=key,
        title=title,
        template=template,
        context=context,
        order=order,
        roles=frozenset(str(r) for r in roles) if roles is not None else None,
    )


def register_home_section(
    key: str,
    *,
    title: str,
    template: str,
    context: SectionContext,
    order: int = 100,
    roles: Iterable[str] | None = None,
) -> None:
    """Adds a "my items" section to the home page of signed-in users."""
    home_sections.register(_section(key, title, template, context, order, roles))


def register_overview_section(
    key: str,
    *,
    title: str,
    template: str,
    context: SectionContext,
    order: int = 100,
    roles: Iterable[str] | None = None,
) -> None:
    """Adds a figures section to the manager overview."""
    overview_sections.register(_section(key, title, template, context, order, roles))
