"""The constant view every speed target is a share of: a plain Django view, constant bytes."""

from django.http import HttpResponse

CONSTANT = b"<!DOCTYPE html><title>constant</title><p>constant response</p>"


def constant(request):
    return HttpResponse(CONSTANT)
