"""Permission-matrix rules of the reviews routes; tests/test_permission_matrix.py merges them.

`rules(m)` gets the matrix module (its `rule`, presets and actor names) and returns entries
keyed like RULES. Each part of reviews (reviews, complaints, indices, API) adds its routes here.
"""


def rules(m) -> dict:
    entries: dict = {}
    entries.update(_integration_rules(m))
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
