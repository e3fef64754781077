"""Plan retention (plans.services, moved from the run registry): trims delete whole plans,
keep plans of baseline runs and leave no orphans."""

import pytest
from django.db import connection

from plans.models import PlanArtifact, PlanJob, PlanKPI, PlanSeriesSegment, PlanVersion
from plans.services import plans_apply_retention
from runs.models import Run
from runs.services import run_set_baseline

pytestmark = pytest.mark.django_db


def test_plan_trim_deletes_whole_plans_keeps_baselines_and_leaves_no_orphans(
    plans, plan_series_storage, django_capture_on_commit_callbacks
):
    oldest = PlanVersion.objects.order_by("created_at", "id").first()
    run_set_baseline(run_id=Run.objects.get(plan_version=oldest).run_id)

    with django_capture_on_commit_callbacks(execute=True):
        removed = plans_apply_retention(max_plans=1)

    assert len(removed) == 2
    kept = set(PlanVersion.objects.values_list("pk", flat=True))
    assert oldest.pk in kept and len(kept) == 2
    kept_files = set(PlanSeriesSegment.objects.values_list("name", flat=True))
    files = {
        str(p.relative_to(plan_series_storage)) for p in plan_series_storage.rglob("*.parquet")
    }
    assert files == kept_files and kept_files  # the trimmed plans' segment files are gone
    for model in (PlanSeriesSegment, PlanKPI, PlanArtifact, PlanJob, Run):
        field = "plan_version" if model is Run else "plan"
        assert not model.objects.exclude(**{f"{field}__in": kept}).exists(), model.__name__
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []
