"""Permission-matrix rules of the reviews routes; tests/test_permission_matrix.py merges them.

`rules(m)` gets the matrix module (its `rule`, presets and actor names) and returns entries
keyed like RULES. Each part of reviews (reviews, complaints, indices, API) adds its routes here.
"""


def rules(m) -> dict:
    return {}
