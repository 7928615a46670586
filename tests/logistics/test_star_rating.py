"""includes/_star_rating.html: the radios by value, 5 first, whatever the field's choice order
(the CSS shows them reversed; tests/browser/test_star_ratings.py taps them)."""

import re

from django import forms
from django.template.loader import render_to_string

from logistics.forms import PortalForm


class Stars(PortalForm):
    rising = forms.ChoiceField(choices=[(n, str(n)) for n in range(1, 6)], required=False)
    falling = forms.TypedChoiceField(choices=[(n, str(n)) for n in range(5, 0, -1)], coerce=int)


def radios(field) -> list[tuple[str, bool]]:
    html = render_to_string("includes/_star_rating.html", {"field": field, "prefix": field.name})
    assert " style=" not in html and "<script" not in html
    return [
        (value, "checked" in tag)
        for tag, value in re.findall(r'(<input [^>]*value="(\d)"[^>]*>)', html)
    ]


def test_it_writes_the_radios_five_first_whatever_the_choice_order():
    form = Stars(data={"rising": "2", "falling": "4"})
    assert radios(form["rising"]) == [(v, v == "2") for v in "54321"]
    assert radios(form["falling"]) == [(v, v == "4") for v in "54321"]


def test_it_marks_what_is_required_and_what_is_optional():
    form = Stars()
    rising = render_to_string("includes/_star_rating.html", {"field": form["rising"]})
    falling = render_to_string("includes/_star_rating.html", {"field": form["falling"]})
    assert "(optional)" in rising and " required" not in rising
    assert "(optional)" not in falling and falling.count(" required") == 5
