"""Project-level views: JSON error pages for the API."""

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django_prometheus.exports import ExportToDjangoView


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


def metrics(request):
    """Prometheus exposition of every process's samples (multiprocess mode). Restricted to
    ``METRICS_ALLOWED_IPS`` and/or ``METRICS_BEARER_TOKEN`` when either is set."""
    ips, token = settings.METRICS_ALLOWED_IPS, settings.METRICS_BEARER_TOKEN
    if ips or token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        ip_ok = bool(ips) and request.META.get("REMOTE_ADDR") in ips
        token_ok = bool(token) and hmac.compare_digest(sent.encode(), token.encode())
        if not (ip_ok or token_ok):
            return HttpResponseForbidden("metrics are restricted\n")
    return ExportToDjangoView(request)


@login_required
def home(request):
    """Counts, what needs review, recent activity, running jobs."""
    from audit.models import InputSetEvent
    from input_sets.models import PlanningInputSet
    from planning_hub.jobs.selectors import jobs_active_count
    from plans.models import PlanVersion
    from runs.models import Run

    by_status = dict(PlanningInputSet.objects.values_list("status").annotate(n=Count("id")))
    context = {
        "set_counts": by_status,
        "plan_count": PlanVersion.objects.count(),
        "run_count": Run.objects.count(),
        "active_jobs": jobs_active_count(),
        "to_review": PlanningInputSet.objects.filter(status="draft")
        .select_related("config_version", "created_by")
        .order_by("-updated_at")[:10],
        "events": InputSetEvent.objects.select_related("input_set").order_by("-created_at", "-id")[
            :15
        ],
        "recent_plans": PlanVersion.objects.order_by("-created_at")[:5],
    }
    return render(request, "hub/home.html", context)
