"""The constant view every speed target is a share of: a plain Django view, constant bytes;
and two floors of a signed-in page (bench/bench_scale.py): the same bytes once the session and
the user are read, and an empty page in the portal's shared layout (header, navigation, bell)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

CONSTANT = b"<!DOCTYPE html><title>constant</title><p>constant response</p>"


def constant(request):
    return HttpResponse(CONSTANT)


@login_required
def signed_in(request):
    """What every signed-in page pays before its own work: the session and the user."""
    return HttpResponse(CONSTANT)


@login_required
def empty_page(request):
    """A signed-in page with nothing in it but the shared layout."""
    return render(request, "base.html")
