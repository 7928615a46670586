"""Viewsets of the parcels API: scoped with for_user, scope area "parcels".

Stations: the active ones for everyone signed in. Parcels: a recipient's own; a clerk's also
those of their stations; managers all. Another person's parcel is 404. Writes (arrivals, pickup,
return) are the counter's: the station's clerks and managers, through the services."""

from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from logistics import workflow
from logistics.api.serializers import ErrorSerializer
from parcels import returns, services
from parcels.arrivals import arrivals_scan_in
from parcels.filters import ParcelFilterSet
from parcels.models import Parcel, Pickup, Proxy, Station, StationClosedDay
from parcels.querysets import is_clerk, sees_all_stations
from parcels.workflow import serves

from . import serializers as s

CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=gettext_lazy("The parcel is no longer in a state that allows this (409)."),
)


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    """Parcel stations: where, when open, free storage and return periods."""

    serializer_class = s.StationSerializer
    filter_backends: list = []
    scope_area = "parcels"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Station.objects.none()
        today = timezone.localdate()
        upcoming = StationClosedDay.objects.filter(
            date__gte=today, date__lt=today + timedelta(days=60)
        ).order_by("date")
        return (
            Station.objects.for_user(self.request.user)
            .select_related("building")
            .prefetch_related(Prefetch("closed_days", upcoming, to_attr="upcoming_closed_days"))
            .order_by("code", "id")
        )


class ParcelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Parcels you may see, newest first: your own; as a clerk, your stations'."""

    serializer_class = s.ParcelSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ParcelFilterSet
    scope_area = "parcels"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Parcel.objects.none()
        return (
            Parcel.objects.for_user(self.request.user)
            .select_related("station", "shelf", "recipient")
            .order_by("-arrived_at", "-id")
        )

    def get_serializer_context(self):
        return super().get_serializer_context() | {"now": timezone.now()}

    @extend_schema(
        request=s.ArrivalsSerializer,
        responses={
            201: s.ArrivalsResultSerializer,
            200: s.ArrivalsResultSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy("No shelf of a row's size class has room (409)."),
            ),
        },
        description=gettext_lazy(
            "Bulk scan-in of up to 500 parcels at one station, in one transaction. Idempotent "
            "by station and tracking number: a parcel already in the station's care is "
            "answered as existing and left as it is. A bad row refuses the whole call (400, "
            "errors under parcels.<index>.<field>); nothing is stored."
        ),
    )
    @action(detail=False, methods=["post"], filterset_class=None)
    def arrivals(self, request):
        if not (is_clerk(request.user) or sees_all_stations(request.user)):
            raise workflow.NotAllowed(_("Only a station's clerks take parcels in."))
        incoming = s.ArrivalsSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        station = _counter_station(request.user, incoming.validated_data["station"])
        rows = [
            s.ArrivalRowSerializer().to_service(row) for row in incoming.validated_data["parcels"]
        ]
        results = arrivals_scan_in(station=station, rows=rows, by=request.user)
        parcels = self._fresh([r.parcel.pk for r in results])
        context = self.get_serializer_context()
        body = {
            "station": station.code,
            "created": sum(r.created for r in results),
            "existing": sum(not r.created for r in results),
            "results": [
                {
                    "index": r.index,
                    "result": "created" if r.created else "existing",
                    "parcel": s.ParcelSerializer(parcels[r.parcel.pk], context=context).data,
                }
                for r in results
            ],
        }
        created = any(r.created for r in results)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=s.PickupSerializer,
        responses={200: s.ParcelSerializer, 409: CONFLICT},
        description=gettext_lazy(
            "The station's clerk hands the parcel over (to its recipient, or to a proxy who "
            "gave their one-time code)."
        ),
    )
    @action(detail=True, methods=["post"])
    def pickup(self, request, pk=None):
        parcel = self._counter_parcel()
        incoming = s.PickupSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        proxy = _proxy(parcel, incoming.validated_data.get("proxy_code"))
        services.parcels_hand_over(
            station=parcel.station,
            parcels=[parcel],
            by=request.user,
            method=Pickup.Method.PROXY if proxy else incoming.validated_data["method"],
            proxy=proxy,
        )
        return Response(self.get_serializer(self._fresh([parcel.pk])[parcel.pk]).data)

    @extend_schema(
        request=s.ReturnSerializer,
        responses={200: s.ParcelSerializer, 409: CONFLICT},
        description=gettext_lazy(
            "The station's clerk hands the parcel to its carrier's courier (a return record)."
        ),
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        parcel = self._counter_parcel()
        incoming = s.ReturnSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        returns.parcels_return(
            station=parcel.station,
            parcels=[parcel],
            courier_name=incoming.validated_data["courier_name"],
            note=incoming.validated_data.get("note", ""),
            by=request.user,
        )
        return Response(self.get_serializer(self._fresh([parcel.pk])[parcel.pk]).data)

    def _counter_parcel(self) -> Parcel:
        """The parcel (404 outside the user's scope), if the user works at its station: the
        recipient who sees it is refused (403) before the body is read."""
        parcel = self.get_object()
        if not serves(self.request.user, parcel):
            raise workflow.NotAllowed(_("Only the station's clerks hand parcels out."))
        return parcel

    def _fresh(self, ids: list[int]) -> dict[int, Parcel]:
        """The parcels re-read through the same scope (one query)."""
        return {p.pk: p for p in self.get_queryset().filter(pk__in=ids)}


def _counter_station(user, code: str) -> Station:
    """The station of `code` if the user works there; a field error for a station that is
    not theirs (nothing said about it)."""
    station = Station.objects.for_clerk(user).filter(code=code).first()
    if station is None:
        raise workflow.InvalidInput(fields={"station": [_("None of your stations has this code.")]})
    return station


def _proxy(parcel: Parcel, code: str | None) -> Proxy | None:
    """The proxy whose one-time code may collect this parcel today, or None without a code.
    Raises InvalidInput for a code that does not fit."""
    if not code:
        return None
    proxy = (
        Proxy.objects.select_related("proxy_user", "recipient")
        .filter(
            code=code,
            recipient_id=parcel.recipient_id,
            valid_on=timezone.localdate(),
            used_at__isnull=True,
            revoked_at__isnull=True,
        )
        .first()
    )
    if proxy is None or (proxy.parcel_id and proxy.parcel_id != parcel.pk):
        raise workflow.InvalidInput(
            fields={"proxy_code": [_("This code does not let anyone collect this parcel today.")]}
        )
    return proxy
