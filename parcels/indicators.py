"""The parcels indicators (logistics.indicators), read from the daily figures (parcels/figures.py):
arrivals, parcels in stock and overdue as of the end of each day, and the dwell time's 90th
percentile."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from logistics import indicators as ind
from parcels.figures import ARRIVED, DWELL, IN_STOCK_KEY, OVERDUE_KEY

# More overdue parcels than this at the stations in a scope needs someone to chase them.
OVERDUE_THRESHOLD = 30
# Free storage is three days by default: a 90th percentile past it means many pay for storage.
DWELL_P90_THRESHOLD_HOURS = 72


def _peak(scope: ind.Scope) -> str:
    return reverse("parcels:peak")


# The peak page lists the stations of a building, campus or unit ("Stations now").
_stations_of = ind.link_to(
    "parcels:peak",
    {
        ind.ScopeKind.BUILDING: "building",
        ind.ScopeKind.CAMPUS: "campus",
        ind.ScopeKind.DEPARTMENT: "department",
    },
)


def _stations(scope: ind.Scope) -> str:
    return _stations_of(scope) + "#stations"


def register() -> None:
    ind.register_indicators(
        "parcels",
        [
            ind.Indicator(
                "parcels.arrived",
                _("Parcels arrived"),
                unit=ind.Unit.COUNT,
                good=ind.NEUTRAL,
                value=ind.total(ARRIVED),
                drill_down=_peak,
            ),
            ind.Indicator(
                "parcels.in_stock",
                _("Parcels in stock"),
                unit=ind.Unit.COUNT,
                good=ind.NEUTRAL,
                value=ind.latest(IN_STOCK_KEY),
                state=True,
                drill_down=_stations,
                help_text=_("Waiting or to be returned, at the end of the day (now for today)."),
            ),
            ind.Indicator(
                "parcels.overdue",
                _("Parcels past free storage"),
                unit=ind.Unit.COUNT,
                good=ind.DOWN,
                value=ind.latest(OVERDUE_KEY),
                state=True,
                threshold=OVERDUE_THRESHOLD,
                drill_down=_stations,
                help_text=_("Waiting past the station's free storage, at the end of the day."),
            ),
            ind.Indicator(
                "parcels.dwell_p90",
                _("Parcel dwell time, 90th percentile"),
                unit=ind.Unit.HOURS,
                good=ind.DOWN,
                value=ind.percentile(DWELL, 0.9, scale=1 / 3600),
                threshold=DWELL_P90_THRESHOLD_HOURS,
                drill_down=_peak,
                help_text=_("From scan-in to pickup, of the parcels picked up in the period."),
            ),
        ],
    )
