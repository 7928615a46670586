"""Permission-matrix rules of the parcels routes; tests/test_permission_matrix.py merges them.

`rules(m)` gets the matrix module (its `rule`, presets and actor names) and returns entries
keyed like RULES."""


def rules(m) -> dict:
    from tests.parcels.factories import ParcelFactory, StationFactory  # noqa: PLC0415

    def station(cast):
        return {"station_pk": StationFactory().pk}

    def parcel_of_student(cast):
        return {"pk": ParcelFactory(recipient=cast.users[m.STUDENT]).pk}

    def station_parcel(cast):
        parcel = ParcelFactory(recipient=cast.users[m.STUDENT])
        return {"station_pk": parcel.station_id, "pk": parcel.pk}

    counter = "the counter: mailroom clerks of the station, managers and superusers; others 403"
    return {
        "parcels:index": m.rule(get="login", why="sends clerks to the counter, others to theirs"),
        "parcels:mine": m.rule(get="login"),
        "parcels:qr": m.rule(get="login"),
        "parcels:proxies": m.rule(get="login", post="login"),
        "parcels:detail": m.rule(
            get="owner",
            kwargs=parcel_of_student,
            expect={("get", m.MANAGER): m.ALLOWED, ("get", m.ADMIN): m.ALLOWED},
            why="the recipient, the station's clerks and managers; others 404",
        ),
        "parcels:peak": m.rule(get="manager", why="managers, supervisors and superusers"),
        "parcels:peak-export": m.rule(get="manager", why="the peak page's CSV/XLSX"),
        "parcels:stations": m.rule(get="manager", why=counter),
        "parcels:scan": m.rule(get="manager", post="manager", kwargs=station, why=counter),
        "parcels:waiting": m.rule(get="manager", kwargs=station, why=counter),
        "parcels:unknown": m.rule(
            get="manager",
            post="manager",
            kwargs=station,
            expect={("post", m.MANAGER): m.HIDDEN, ("post", m.ADMIN): m.HIDDEN},
            why=counter + "; a POST naming no parcel of the station is 404",
        ),
        "parcels:pickup": m.rule(get="manager", post="manager", kwargs=station, why=counter),
        "parcels:manifest": m.rule(
            get="manager",
            post="manager",
            kwargs=station,
            why=counter + "; a POST without a file answers the form with its error",
        ),
        "parcels:manifest-template": m.rule(
            get="manager",
            kwargs=lambda cast: {"station_pk": StationFactory().pk, "file_format": "xlsx"},
            why=counter,
        ),
        "parcels:overdue": m.rule(get="manager", kwargs=station, why=counter),
        "parcels:returns": m.rule(get="manager", post="manager", kwargs=station, why=counter),
        "parcels:move": m.rule(
            get="method-login", post="manager", kwargs=station_parcel, why=counter
        ),
        "parcels:preference": m.rule(get="login", post="login"),
        "parcels:delivery-run": m.rule(get="manager", post="manager", kwargs=station, why=counter),
        "parcels:undeliverable": m.rule(
            get="method-login",
            post="manager",
            kwargs=station_parcel,
            why=counter + "; a waiting parcel is refused with a message (redirect)",
        ),
        "parcels-api:station-list": m.rule(get="login"),
        "parcels-api:station-detail": m.rule(
            get="login", kwargs=lambda cast: {"pk": StationFactory().pk}
        ),
        "parcels-api:parcel-list": m.rule(get="login"),
        "parcels-api:parcel-detail": m.rule(
            get="owner",
            kwargs=parcel_of_student,
            expect={("get", m.MANAGER): m.ALLOWED, ("get", m.ADMIN): m.ALLOWED},
            why="the recipient, the station's clerks and managers; others 404",
        ),
        "parcels-api:parcel-arrivals": m.rule(
            get="method-login",
            post="manager",
            why="the counter's clerks and managers (an empty body is a 400 for them); others 403",
        ),
        **{
            f"parcels-api:parcel-{name}": m.rule(
                get="method-login",
                post="owner",
                kwargs=parcel_of_student,
                expect={
                    ("post", m.STUDENT): m.DENIED,
                    ("post", m.MANAGER): m.ALLOWED,
                    ("post", m.ADMIN): m.ALLOWED,
                },
                why="the station's clerks and managers; the recipient 403, others 404",
            )
            for name in ("pickup", "return")
        },
        "parcels:set-carrier": m.rule(
            get="method-login", post="manager", kwargs=station_parcel, why=counter
        ),
    }
