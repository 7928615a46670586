"""`logistics.api.rendering`: JSON text put together from kept pieces is the text DRF's
JSONRenderer writes for the same data."""

import datetime
import decimal
import json

import pytest
from rest_framework.renderers import JSONRenderer

from logistics.api.rendering import json_array, json_cut, json_fill, json_text

VALUES = [
    [None],  # (None alone the renderer answers with no body)
    True,
    0,
    1.5,
    "水管漏水 “quoted” \u2028 \u2029 </script> \\ \x00",
    ["assign", "hand-back"],
    {"answers": {"楼层": 3, "照片": [], "nested": {"a": None}}},
    datetime.datetime(2026, 12, 7, 8, 30, tzinfo=datetime.UTC),
    decimal.Decimal("12.50"),
]


def _rendered(value) -> str:
    return JSONRenderer().render(value).decode()


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_it_writes_a_value_as_the_renderer_does(value):
    assert json_text(value) == _rendered(value)


ROW = {
    "id": 7,
    "number": "R000007",
    "is_overdue": None,
    "allowed_actions": None,
    "description": "门锁坏了 \u2028",
    "photos": [{"url": "http://testserver/x.jpg", "width": 640}],
}


@pytest.mark.parametrize(
    "holes",
    [
        ("is_overdue", "allowed_actions"),  # side by side, in the middle
        ("id",),  # the first key
        ("photos",),  # the last key
        ("id", "description", "photos"),
        (),
    ],
)
def test_it_fills_the_holes_of_an_object_to_the_text_of_the_whole(holes):
    pieces = json_cut(ROW, holes)
    assert len(pieces) == len(holes) + 1
    filled = {name: [True, ["assign"], {"k": "值"}][i % 3] for i, name in enumerate(holes)}
    text = json_fill(pieces, [filled[name] for name in holes])
    assert text == _rendered({**ROW, **filled})
    assert list(json.loads(text)) == list(ROW)  # the key order is the object's


def test_it_tells_a_flag_from_a_number_in_a_hole():
    pieces = json_cut({"a": None, "b": None}, ("a", "b"))
    assert json_fill(pieces, (True, 1)) == '{"a":true,"b":1}'
    assert json_fill(pieces, (1, True)) == '{"a":1,"b":true}'
    assert json_fill(pieces, (None, 0.0)) == '{"a":null,"b":0.0}'


def test_it_refuses_a_hole_that_is_not_a_key_and_values_that_do_not_fit():
    with pytest.raises(ValueError, match="nothing"):
        json_cut(ROW, ("id", "nothing"))
    with pytest.raises(ValueError):
        json_fill(json_cut(ROW, ("id",)), (1, 2))


def test_it_joins_rows_given_as_text_into_an_array():
    rows = [{"id": 1, "s": "一"}, {"id": 2, "s": "\u2029"}]
    page = {"next": "http://testserver/?cursor=x&a=1", "previous": None, "results": None}
    text = json_fill(json_cut(page, ("results",)), (json_array(json_text(r) for r in rows),))
    assert text == _rendered({**page, "results": rows})
    assert json_fill(json_cut(page, ("results",)), (json_array([]),)) == _rendered(
        {**page, "results": []}
    )
