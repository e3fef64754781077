"""Run registry: retention keeps baselines, compare (plan trims: tests/plans/test_retention)."""

import pytest

from planning_hub.jobs.models import Job
from runs.models import Run
from runs.services import (
    RunNotFound,
    run_set_baseline,
    runs_apply_retention,
    runs_compare,
)

pytestmark = pytest.mark.django_db


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


def test_compare_gives_absolute_and_percent_deltas_with_threshold(plans):
    a, b = Run.objects.order_by("id")[:2]
    # a run's KPI summary is its job's result
    Job.objects.filter(pk=a.plan_job_id).update(
        result={"kpis": {"fill_rate": 0.8, "demand_total": 100}}
    )
    Job.objects.filter(pk=b.plan_job_id).update(
        result={"kpis": {"fill_rate": 0.9, "demand_total": 100}}
    )
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
