"""Project-level views: JSON error pages for the API."""

from django.http import JsonResponse
from django.views import defaults


def not_found(request, exception=None):
    """404: JSON ``{detail, code, errors}`` under /api/ (e.g. an id that matches no route),
    Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found", "errors": []}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500 without a traceback: JSON under /api/, Django's plain page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Internal server error.", "code": "server_error", "errors": []}, status=500
        )
    return defaults.server_error(request)
