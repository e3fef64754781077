"""Read-only queries on runs (hub pages, API, admin)."""

from django.db.models import QuerySet

from .models import Run


def runs_with_plan_and_job() -> QuerySet[Run]:
    """Runs newest first with the plan and job each reads its fields from (one query per
    page, whatever its length)."""
    return Run.objects.select_related(
        "plan_version__config_version", "plan_version__input_set", "plan_job__created_by"
    ).order_by("-created_at", "-id")


def run_plan_kpis(*, run: Run) -> dict[str, float]:
    """``{metric: value}`` of the total-bucket KPIs the run's plan stores now (a later run of
    the plan replaces them; ``run.kpis`` stays this run's)."""
    return dict(run.plan_version.kpis.filter(bucket_type="total").values_list("metric", "value"))
