"""Views of the repairs API: categories, requests with their workflow actions, the timeline.

Reads are scoped with RepairRequest.objects.for_user(...) (another user's request is 404); every
write validates its input and calls a service of repairs.services. Its errors are answered by the
API's exception handler, like every app's: a DomainError with its own status and code (409
invalid_transition, 409 concurrent_update, 409 conflict, 403 permission_denied), a ValidationError
400 invalid.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation as filter_errors
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from logistics.api.permissions import IsManagerOrReadOnly
from logistics.api.serializers import ErrorSerializer
from logistics.places import place_create, place_delete, place_update
from repairs import services
from repairs.filters import RepairCategoryFilterSet, RepairEventFilterSet, RepairRequestFilterSet
from repairs.models import Category, CategoryQuestion, RepairEvent, RepairRequest
from repairs.permissions import dispatch_scopes
from repairs.querysets import photo_lists
from repairs.views.common import cached_body

from . import serializers as s

CONFLICT = OpenApiResponse(
    ErrorSerializer,
    _("The request is no longer in a state that allows this, or someone changed it a moment ago."),
)


def kept_answer(
    view,
    request,
    name: str,
    parts: tuple,
    draw: Callable[[], Any],
    draw_text: Callable[[], str] | None = None,
):
    """An answer kept whole in the cache like a page (`cached_body`, under the same key parts):
    its JSON as bytes when JSON was asked for — rendering 50 rows cost more than the rest of a
    kept answer — and its data for another renderer (the browsable API of DEBUG, which draws a
    page around it). `draw` gives the data; `draw_text`, when given, the JSON text itself
    without indentation (put together from kept pieces: logistics.api.rendering), used unless
    an indentation was asked for. What they raise (a 404, a 400) is answered as ever."""
    renderer = request.accepted_renderer
    if not isinstance(renderer, JSONRenderer):
        return Response(cached_body(request, name, parts, draw))
    media_type = request.accepted_media_type  # "application/json; indent=4" is another text
    context = view.get_renderer_context()

    def render() -> bytes:
        if draw_text is not None and renderer.get_indent(media_type, context) is None:
            return draw_text().encode()
        return renderer.render(draw(), media_type, context)

    body = cached_body(request, f"{name}:json", (*parts, media_type), render)
    return HttpResponse(body, content_type=renderer.media_type)


# --- Categories ---------------------------------------------------------------------------------


class RepairCategoryViewSet(viewsets.ModelViewSet):
    """Repair categories as a tree, with SLA targets (working hours) and extra questions.

    Everyone signed in reads; logistics managers create, change and delete (questions are
    managed in the admin).
    """

    queryset = Category.objects.select_related("parent").prefetch_related(
        "children", Prefetch("questions", queryset=CategoryQuestion.objects.order_by("sort_order"))
    )
    serializer_class = s.RepairCategorySerializer
    permission_classes = [IsManagerOrReadOnly]
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = RepairCategoryFilterSet
    ordering_fields = ["sort_order", "code", "name"]
    scope_area = "repairs"

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = place_create(model=Category, data=data, by=self.request.user)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        category = place_update(place=serializer.instance, data=data, by=self.request.user)
        serializer.instance = self.get_queryset().get(pk=category.pk)

    def perform_destroy(self, instance):
        place_delete(place=instance, by=self.request.user)


# --- Requests -----------------------------------------------------------------------------------


def _action_schema(serializer_class, description: str):
    return extend_schema(
        request=serializer_class,
        responses={200: s.RepairRequestSerializer, 409: CONFLICT},
        description=description,
    )


@extend_schema_view(
    create=extend_schema(
        request={
            "application/json": s.RepairRequestCreateSerializer,
            "multipart/form-data": s.RepairRequestCreateSerializer,
        },
        responses={201: s.RepairRequestSerializer},
    ),
)
class RepairRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Repair requests you may see: your own; as a technician, those assigned to you; as a
    dispatcher or manager, those of your scope. Others are not found (404)."""

    serializer_class = s.RepairRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RepairRequestFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    scope_area = "repairs"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RepairRequest.objects.none()
        requests = RepairRequest.objects.for_user(self.request.user)
        if self.action == "list":  # the rows themselves come from the cache (list below)
            fields = s.LISTED_FIELDS
            if dispatch_scopes(self.request.user):  # the reader's actions read the category's unit
                requests = requests.select_related("category")
                fields += ("category__department_id",)
            requests = requests.only(*fields)
        else:
            requests = requests.for_api().with_photos()
        return requests.order_by("-created_at", "-id")

    def list(self, request, *args, **kwargs):
        """A page of the list, kept whole per reader and address like the queue (its links
        and photos' addresses are absolute: the host is in the key)."""

        def draw() -> dict:
            page = self._listed_page()
            return self.get_paginated_response(self.get_serializer().listed(page)).data

        def draw_text() -> str:
            return self.paginator.paginated_text(
                self.get_serializer().listed_text(self._listed_page())
            )

        address = (request.build_absolute_uri("/"), request.get_full_path())
        return kept_answer(self, request, "api-list", address, draw, draw_text)

    def _listed_page(self) -> list:
        """The list's rows, as the filter backend and the paginator give them (an invalid
        filter is a 400), but a first page of a shape already read (the reader, the filters'
        values, the page size) comes from SQL compiled once, and no queryset is built for it
        (logistics.keyset, `shape`)."""
        request = self.request
        filterset = RepairRequestFilterSet(
            request.query_params, queryset=self.get_queryset, request=request
        )
        if not filterset.is_valid():
            raise filter_errors(filterset.errors)
        values = filterset.shape()
        shape = None
        if values is not None:
            reader = RepairRequest.objects.for_user_shape(request.user)
            shape = ("repairs:api", reader, values)
        return self.paginator.paginate_queryset(
            lambda: filterset.qs, request, view=self, shape=shape, model=RepairRequest
        )

    def create(self, request, *args, **kwargs):
        """Files a request; photos go as repeated `photos` parts of a multipart body."""
        incoming = s.RepairRequestCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        data["answers"] = data.get("answers") or {}
        created = services.repair_request_create(requester=request.user, **data)
        body = self.get_serializer(self.get_queryset().get(pk=created.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _act(self, serializer_class, call, **extra):
        """Validates the body, calls `call(repair=…, by=…, **input)` and answers the request."""
        repair = self.get_object()
        incoming = serializer_class(data=self.request.data)
        incoming.is_valid(raise_exception=True)
        call(repair=repair, by=self.request.user, **incoming.validated_data, **extra)
        # A technician who handed the job back no longer sees it: answer with their copy.
        fresh = self.get_queryset().filter(pk=repair.pk).first() or repair
        return Response(self.get_serializer(fresh).data)

    @_action_schema(s.NoteSerializer, _("A dispatcher takes a submitted or reopened request on."))
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(s.NoteSerializer, services.repair_request_accept)

    @_action_schema(s.ReasonSerializer, _("A dispatcher or manager rejects it, with a reason."))
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(s.ReasonSerializer, services.repair_request_reject)

    @_action_schema(s.AssignSerializer, _("A dispatcher or manager assigns a technician."))
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._act(s.AssignSerializer, services.repair_request_assign)

    @_action_schema(s.ReasonSerializer, _("The technician hands the job back, with a reason."))
    @action(detail=True, methods=["post"], url_path="hand-back")
    def hand_back(self, request, pk=None):
        return self._act(s.ReasonSerializer, services.repair_request_hand_back)

    @_action_schema(s.NoteSerializer, _("The technician starts work."))
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._act(s.NoteSerializer, services.repair_request_start)

    @_action_schema(s.ReasonSerializer, _("Work waits (for parts); the SLA clock pauses."))
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        return self._act(s.ReasonSerializer, services.repair_request_hold)

    @_action_schema(s.NoteSerializer, _("Work goes on after a hold."))
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._act(s.NoteSerializer, services.repair_request_resume)

    @_action_schema(
        {"application/json": s.CompleteSerializer, "multipart/form-data": s.CompleteSerializer},
        _("The technician completes the job, with a note, labour, materials and photos."),
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._act(s.CompleteSerializer, services.repair_request_complete)

    @_action_schema(s.OptionalReasonSerializer, _("The requester cancels before work starts."))
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(s.OptionalReasonSerializer, services.repair_request_cancel)

    @_action_schema(s.ConfirmSerializer, _("The requester confirms the work, optionally rating."))
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._act(s.ConfirmSerializer, services.repair_request_confirm)

    @_action_schema(s.ReasonSerializer, _("Not satisfied: back to the technician, with a reason."))
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(s.ReasonSerializer, services.repair_request_reopen)

    @_action_schema(s.RateSerializer, _("The requester rates the finished work from 1 to 5."))
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        return self._act(s.RateSerializer, services.repair_request_rate)

    @_action_schema(s.CloseSerializer, _("A dispatcher or manager closes a confirmed request."))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(s.CloseSerializer, services.repair_request_close)

    @_action_schema(
        {"application/json": s.CommentSerializer, "multipart/form-data": s.CommentSerializer},
        _("Adds a note (and photos) to the timeline."),
    )
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        return self._act(s.CommentSerializer, services.repair_request_comment)


# --- Timeline -----------------------------------------------------------------------------------


class RepairEventListView(generics.ListAPIView):
    """The timeline of one request you may see, oldest first (who, when, note, photos)."""

    serializer_class = s.RepairEventSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = RepairEventFilterSet
    scope_area = "repairs"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RepairEvent.objects.none()
        visible = RepairRequest.objects.for_user(self.request.user)
        repair = generics.get_object_or_404(visible, pk=self.kwargs["pk"])
        return (
            RepairEvent.objects.filter(request=repair)
            .select_related("actor")
            .prefetch_related(photo_lists())
            .order_by("created_at", "id")
        )
