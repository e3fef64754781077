"""Run registry: retention keeps baselines, trims delete whole plans, compare."""

import pytest
from django.db import connection

from plans.models import PlanArtifact, PlanJob, PlanKPI, PlanSeriesSegment, PlanVersion
from plans.services import plan_create_and_execute
from runs.models import Run
from runs.services import (
    RunNotFound,
    plans_apply_retention,
    run_set_baseline,
    runs_apply_retention,
    runs_compare,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(ready_set):
    return [
        plan_create_and_execute(
            config_version_id=1, input_set_label="demo", trigger="cli", sync=True
        )
        for _ in range(4)
    ]


def test_run_retention_deletes_oldest_but_never_baselines(plans):
    runs = list(Run.objects.order_by("created_at", "id"))
    run_set_baseline(run_id=runs[0].run_id)
    deleted = runs_apply_retention(max_rows=2)
    remaining = set(Run.objects.values_list("run_id", flat=True))
    assert deleted == 1
    assert remaining == {runs[0].run_id, runs[2].run_id, runs[3].run_id}


def test_one_baseline_per_config_version(plans):
    a, b = Run.objects.order_by("id")[:2]
    run_set_baseline(run_id=a.run_id)
    run_set_baseline(run_id=b.run_id)
    assert list(Run.objects.filter(baseline=True).values_list("run_id", flat=True)) == [b.run_id]


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
    files = {str(p.relative_to(plan_series_storage)) for p in plan_series_storage.rglob("*.parquet")}
    assert files == kept_files and kept_files  # the trimmed plans' segment files are gone
    for model in (PlanSeriesSegment, PlanKPI, PlanArtifact, PlanJob, Run):
        field = "plan_version" if model is Run else "plan"
        assert not model.objects.exclude(**{f"{field}__in": kept}).exists(), model.__name__
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            assert cursor.fetchall() == []


def test_compare_gives_absolute_and_percent_deltas_with_threshold(plans):
    a, b = Run.objects.order_by("id")[:2]
    Run.objects.filter(pk=a.pk).update(kpis={"fill_rate": 0.8, "demand_total": 100})
    Run.objects.filter(pk=b.pk).update(kpis={"fill_rate": 0.9, "demand_total": 100})
    result = runs_compare(
        run_ids=[a.run_id, b.run_id], keys=["fill_rate", "demand_total"], threshold=5
    )
    diff = result["diffs"][0]
    assert diff["fill_rate"]["abs"] == pytest.approx(0.1)
    assert diff["fill_rate"]["pct"] == pytest.approx(12.5)
    assert diff["fill_rate"]["hit"] is True
    assert diff["demand_total"] == {"abs": 0, "pct": 0.0, "hit": False}
    with pytest.raises(RunNotFound):
        runs_compare(run_ids=[a.run_id, "run-nope"])
    with pytest.raises(ValueError):
        runs_compare(run_ids=[a.run_id])
