"""Permission-matrix rules of the reviews routes; tests/test_permission_matrix.py merges them.

`rules(m)` gets the matrix module (its `rule`, presets and actor names) and returns entries
keyed like RULES. Each part of reviews (reviews, complaints, indices, API) adds its routes here.
"""


def rules(m) -> dict:
    entries: dict = {}
    entries.update(_integration_rules(m))
    entries.update(_index_rules(m))
    return entries


# --- rv-integ: the apps' entries into reviews ---------------------------------------------------


def _integration_rules(m) -> dict:
    from tests.dining.factories import DishFactory  # noqa: PLC0415

    return {
        # "Rate this dish": any signed-in eater; a bad or missing date is a message, not a 4xx.
        "dining:dish-rate": m.rule(
            get="method", post="login", kwargs=lambda cast: {"pk": DishFactory().pk}
        ),
    }


# --- rv-indices: satisfaction indices (pages and API) -------------------------------------------


def _index_rules(m) -> dict:
    from tests.reviews.factories import IndexRowFactory, SubjectFactory  # noqa: PLC0415

    why = "rankings and exports: logistics managers, supervisors and superusers; students 403"
    return {
        "reviews:index-overview": m.rule(get="manager", why=why),
        "reviews:index-export": m.rule(get="manager", why=why),
        "reviews:index-subject": m.rule(
            get="manager",
            kwargs=lambda cast: {"subject_pk": SubjectFactory().pk},
            why="managers every subject; staff their own (others 404); students 403",
        ),
        "reviews:index-mine": m.rule(get="manager", why="staff see their own scores; students 403"),
        "reviews-api:index-list": m.rule(get="manager", why=why),
        "reviews-api:index-detail": m.rule(
            get="manager", kwargs=lambda cast: {"pk": IndexRowFactory().pk}, why=why
        ),
    }
