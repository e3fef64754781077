"""Read-only queries on plans, jobs and their KPIs."""

from runs.models import Run

from .models import PlanJob, PlanKPI


def plan_kpi_totals(*, plan_id: int) -> dict[str, float]:
    """``{metric: value}`` of the plan's total-bucket KPIs."""
    return dict(
        PlanKPI.objects.filter(plan_id=plan_id, bucket_type="total").values_list("metric", "value")
    )


def plan_summary(*, job: PlanJob) -> dict:
    """The ``create_plan --json`` payload: ``{plan_version, run_id, job: {id, status, progress,
    current_step, error}, status, input_set: {label, content_hash, id}, legacy, kpis: {fill_rate,
    demand_total, supply_total, backlog_total, …}}``."""
    plan = job.plan
    run = Run.objects.filter(plan_job=job).only("run_id").first()
    return {
        "plan_version": plan.version_id,
        "run_id": run.run_id if run else None,
        "job": {
            "id": job.pk,
            "status": job.status,
            "progress": job.progress,
            "current_step": job.current_step,
            "error": job.error or None,
        },
        "status": job.status,
        "input_set": {
            "id": plan.input_set_id,
            "label": plan.input_set_label or None,
            "content_hash": plan.input_set_content_hash or None,
        },
        "legacy": plan.is_legacy,
        "kpis": plan_kpi_totals(plan_id=plan.pk),
    }
