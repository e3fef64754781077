"""Hub pages for the run registry (/ui/runs)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from .selectors import run_plan_kpis, runs_with_plan_and_job
from .services import DEFAULT_COMPARE_KEYS, RunNotFound, runs_compare

VIEW = "runs.view_run"


@login_required
@permission_required(VIEW, raise_exception=True)
def run_list(request):
    runs = runs_with_plan_and_job()
    filters = {
        k: request.GET.get(k, "").strip() for k in ("input_set_label", "plan_version", "status")
    }
    if filters["input_set_label"]:
        runs = runs.filter(plan_version__input_set_label=filters["input_set_label"])
    if filters["plan_version"]:
        runs = runs.filter(plan_version__version_id=filters["plan_version"])
    if filters["status"]:
        runs = runs.filter(plan_job__status=filters["status"])
    page = Paginator(runs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "runs/list.html",
        {"page_obj": page, "filters": filters, "keys": DEFAULT_COMPARE_KEYS},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def run_detail(request, run_id):
    run = get_object_or_404(
        runs_with_plan_and_job().select_related("plan_version__input_set"), run_id=run_id
    )
    return render(
        request,
        "runs/detail.html",
        {"run": run, "plan_kpis": run_plan_kpis(run=run)},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def run_compare(request):
    run_ids = request.GET.getlist("run_ids")
    threshold = request.GET.get("threshold") or None
    context = {"run_ids": run_ids, "threshold": threshold}
    try:
        context["result"] = runs_compare(
            run_ids=run_ids, threshold=float(threshold) if threshold else None
        )
    except (ValueError, RunNotFound) as exc:
        context["error"] = str(exc)
    return render(request, "runs/compare.html", context, status=400 if "error" in context else 200)
