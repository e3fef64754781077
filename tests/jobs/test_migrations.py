"""The job migrations move existing rows: plan jobs (ids kept), runs (KPIs into their job's
result, a job made for a run that had none) and diffs (a job each), on SQLite and
PostgreSQL."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("plans", "0004_series_segments"),
    ("runs", "0002_input_set_reference"),
    ("input_sets", "0003_input_set_diffs"),
    ("planning_hub", "0003_planner_changes_plan_state"),
]


def _latest(executor):
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_existing_plan_jobs_runs_and_diffs_become_jobs(audit_flushable):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        now = timezone.now()
        config = old.get_model("input_sets", "CanonicalConfigVersion").objects.create(name="c")
        InputSet = old.get_model("input_sets", "PlanningInputSet")
        a = InputSet.objects.create(config_version=config, label="a", content_hash="ha")
        b = InputSet.objects.create(config_version=config, label="b", content_hash="hb")
        plan = old.get_model("plans", "PlanVersion").objects.create(
            config_version=config, input_set=a, input_set_label="a", input_set_content_hash="ha"
        )
        PlanJob = old.get_model("plans", "PlanJob")
        job = PlanJob.objects.create(
            id=41,
            plan=plan,
            trigger="api",
            status="succeeded",
            progress=100,
            worker="h:77",
            started_at=now,
            finished_at=now,
            duration_ms=12,
            input_set_label="a",
        )
        Run = old.get_model("runs", "Run")
        run_fields = {
            "plan_version": plan,
            "config_version": config,
            "input_set": a,
            "input_set_label": "a",
            "input_set_content_hash": "ha",
            "trigger": "api",
        }
        with_job = Run.objects.create(
            plan_job=job, status="succeeded", kpis={"fill_rate": 0.5}, **run_fields
        )
        orphan = Run.objects.create(status="failed", kpis={}, **run_fields)
        diff = old.get_model("input_sets", "InputSetDiff").objects.create(
            input_set=b,
            content_hash="hb",
            against=a,
            against_content_hash="ha",
            status="succeeded",
            progress=100,
            finished_at=now,
            summary={"identical": False},
        )

        executor = MigrationExecutor(connection)
        executor.migrate(_latest(executor))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(_latest(executor))

    from input_sets.models import InputSetDiff
    from planning_hub.jobs.models import Job
    from runs.models import Run as LiveRun

    plan_job = Job.objects.get(pk=41)
    assert (plan_job.kind, plan_job.status, plan_job.worker_pid) == ("plan", "succeeded", 77)
    assert plan_job.object.pk == plan.pk and plan_job.result == {"kpis": {"fill_rate": 0.5}}
    migrated = LiveRun.objects.get(pk=with_job.pk)
    assert migrated.plan_job_id == 41 and migrated.kpis == {"fill_rate": 0.5}
    assert migrated.input_set_label == "a" and migrated.status == "succeeded"
    made = LiveRun.objects.get(pk=orphan.pk)
    assert made.plan_job is not None and made.status == "failed" and made.plan_job.pk > 41
    live_diff = InputSetDiff.objects.get(pk=diff.pk)
    assert live_diff.status == "succeeded" and live_diff.job.kind == "diff"
    assert live_diff.job.object.pk == diff.pk and live_diff.finished_at is not None
    # new jobs continue after the copied ids (PostgreSQL sequence moved)
    from planning_hub.jobs.services import job_create

    assert job_create(kind="diff", enqueue=False).pk > live_diff.job_id
