"""The API's one pagination: by cursor (keyset), with a client-chosen page size from 1 to 200.

Every list answers ``{"next": url|null, "previous": url|null, "results": [...]}``; follow
``next`` to go on. A page costs the same at any depth and no list is counted on every request
(`logistics.keyset` says how). ``?page=N`` is refused with a 400 that says to follow ``next``;
a cursor that was not written for this list (edited, or the list's ordering changed) is a 400.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from logistics.api.rendering import json_array, json_cut, json_fill
from logistics.keyset import CURSOR_PARAM, InvalidCursor, KeysetPage, KeysetPaginator


class PortalPagination(BasePagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = CURSOR_PARAM

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            message = _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def paginate_queryset(self, queryset, request, view=None, *, shape=None, model=None):
        """A page of `queryset` (or of what a function given in its place builds, with its
        `model`): its first page for a `shape` from SQL compiled once (logistics.keyset)."""
        self.request = request
        size = self.get_page_size(request)
        if request.query_params.get("page") not in (None, "", "1"):
            message = _("Lists are paged by cursor: follow the “next” link of the previous page.")
            raise ValidationError({"page": [message]})
        cursor = request.query_params.get(self.cursor_query_param) or None
        if isinstance(queryset, QuerySet) or callable(queryset):
            try:
                paginator = KeysetPaginator(queryset, size, shape=shape, model=model)
                self.page = paginator.page(cursor)
            except InvalidCursor:
                message = _("This cursor does not belong to this list; start again without it.")
                raise ValidationError({self.cursor_query_param: [message]}) from None
        else:
            self.page = _list_page(list(queryset), size, cursor, self.cursor_query_param)
        return list(self.page.object_list)

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self):
        return self._link(self.page.next_cursor)

    def get_previous_link(self):
        if self.page.has_previous and self.page.previous_cursor is None:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(self.page.previous_cursor)

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def paginated_text(self, rows: list[str]) -> str:
        """The answer get_paginated_response gives, as JSONRenderer writes it without
        indentation, around rows given as their JSON text (logistics.api.rendering)."""
        data = {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": None}
        return json_fill(json_cut(data, ("results",)), (json_array(rows),))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _("Where the page starts: the cursor of a next or previous link."),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": _("Rows a page, 1 to %(max)d.") % {"max": self.max_page_size},
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                },
            },
        ]


def _list_page(rows: list, size: int, cursor: str | None, param: str) -> KeysetPage:
    """A page of a short in-memory list (a day's menus), by a position cursor."""
    start = 0
    if cursor:
        try:
            start = int(cursor)
        except ValueError:
            start = -1
        if not 0 <= start <= len(rows):
            message = _("This cursor does not belong to this list; start again without it.")
            raise ValidationError({param: [message]})
    page = KeysetPage(rows[start : start + size], paginator=None, cursor=cursor)
    page.has_previous = start > 0
    page.has_next = start + size < len(rows)
    page.next_cursor = str(start + size) if page.has_next else None
    page.previous_cursor = str(max(start - size, 0)) if start - size > 0 else None
    return page
