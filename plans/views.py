"""Hub pages for plans (/ui/plans, /ui/plans/<version>); jobs: ``planning_hub.jobs.views``."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from input_sets.models import PlanningInputSet
from planning_hub.errors import DomainError
from runs.models import Run

from .forms import PlanFilterForm, PlanParamsForm, PlanSelectForm
from .models import PLAN_STEPS, PlanArtifact, PlanJob, PlanVersion, SeriesLevel, Trigger
from .selectors import SeriesRows, plan_kpi_totals, plan_series_frame, plans_with_summary
from .services import (
    plan_create_and_execute,
    plan_delete,
    plan_state_advance,
    plan_state_invalidate,
)

VIEW = "plans.view_planversion"


@login_required
@permission_required(VIEW, raise_exception=True)
def plan_list(request):
    """The create form (config version → its ready sets → parameters) and the plan list."""
    select = PlanSelectForm(request.GET or None)
    params_form = None
    chosen = None
    if request.method == "POST":
        if not request.user.has_perm("plans.add_planversion"):
            raise PermissionDenied
        params_form = PlanParamsForm(request.POST)
        if params_form.is_valid():
            try:
                job = plan_create_and_execute(
                    config_version_id=params_form.cleaned_data["config_version"],
                    input_set_label=params_form.cleaned_data["input_set"],
                    params=params_form.params(),
                    user=request.user,
                    trigger=Trigger.UI,
                    note=params_form.cleaned_data["note"],
                )
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, _("Plan %(version)s queued.") % {"version": job.plan.version_id}
                )
                return redirect("jobs:detail", job_id=job.pk)
    label = (
        request.POST.get("input_set") if params_form is not None else request.GET.get("input_set")
    )
    if label:
        chosen = PlanningInputSet.objects.filter(label=label, status="ready").first()
    if chosen and params_form is None:
        params_form = PlanParamsForm(
            initial={
                "config_version": chosen.config_version_id,
                "input_set": chosen.label,
                **PlanParamsForm.initial_from(chosen.planning_params),
            }
        )
    filters = PlanFilterForm(request.GET or None)
    plans = plans_with_summary()
    if filters.is_valid():
        if filters.cleaned_data["input_set_label"]:
            plans = plans.filter(input_set_label=filters.cleaned_data["input_set_label"])
        if filters.cleaned_data["status"]:
            plans = plans.filter(state=filters.cleaned_data["status"])
    page = Paginator(plans, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/list.html",
        {
            "select": select,
            "params_form": params_form,
            "chosen": chosen,
            "filters": filters,
            "page_obj": page,
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def plan_detail(request, version):
    plan = get_object_or_404(
        PlanVersion.objects.select_related("input_set", "config_version", "created_by"),
        version_id=version,
    )
    level = request.GET.get("level", SeriesLevel.AGGREGATE)
    if level not in SeriesLevel.values:
        raise Http404
    item = request.GET.get("item", "").strip()
    series = SeriesRows(plan=plan, levels=[level], items=[item] if item else None)
    page = Paginator(series, 50).get_page(request.GET.get("page"))
    context = {
        "flow_level": level in ("det", "aggregate"),
        "plan": plan,
        "kpis": plan_kpi_totals(plan_id=plan.pk),
        "levels": SeriesLevel.choices,
        "level": level,
        "item": item,
        "page_obj": page,
        "artifacts": PlanArtifact.objects.filter(plan=plan).values_list("name", flat=True),
        "jobs": PlanJob.objects.filter(object_id=plan.pk).order_by("-submitted_at")[:10],
        "runs": Run.objects.filter(plan_version=plan).order_by("-created_at")[:10],
        "steps": PLAN_STEPS,
        "charts": _chart_data(plan),
    }
    return render(request, "plans/detail.html", context)


def _chart_data(plan) -> dict:
    """Series for the two charts: demand/supply/backlog per period (aggregate level, summed
    over families) and capacity vs load per week (weekly summary)."""
    aggregate = plan_series_frame(
        plan=plan, level="aggregate", columns=["demand", "supply", "backlog"]
    )
    periods = aggregate.groupby("period", sort=True)[["demand", "supply", "backlog"]].sum()
    weeks = plan_series_frame(
        plan=plan, level="weekly_summary", columns=["capacity", "adjusted_load"]
    )
    return {
        "periods": [str(p) for p in periods.index],
        "demand": periods["demand"].round(6).tolist(),
        "supply": periods["supply"].round(6).tolist(),
        "backlog": periods["backlog"].round(6).tolist(),
        "weeks": weeks["week"].astype(str).tolist(),
        "capacity": weeks["capacity"].round(6).tolist(),
        "load": weeks["adjusted_load"].round(6).tolist(),
    }


@login_required
@permission_required(VIEW, raise_exception=True)
def plan_artifact(request, version, name):
    artifact = get_object_or_404(PlanArtifact, plan__version_id=version, name=name)
    response = HttpResponse(
        json.dumps(artifact.payload, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{artifact.name}"'
    return response


@require_POST
@login_required
@permission_required("plans.change_planversion", raise_exception=True)
def plan_state(request, version):
    plan = get_object_or_404(PlanVersion, version_id=version)
    step = request.POST.get("step", "")
    try:
        if request.POST.get("op") == "invalidate":
            plan_state_invalidate(plan=plan, from_step=step)
        else:
            plan_state_advance(plan=plan, to=step)
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("plans:detail", version=plan.version_id)


@require_POST
@login_required
@permission_required("plans.delete_planversion", raise_exception=True)
def plan_remove(request, version):
    plan = get_object_or_404(PlanVersion, version_id=version)
    try:
        plan_delete(plan=plan)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("plans:detail", version=version)
    messages.success(request, _("Plan %(version)s deleted.") % {"version": version})
    return redirect("plans:list")
