"""Plan creation and execution through the service and the django-q2 task."""

import os

import pytest
from django.utils import timezone

from input_sets.exceptions import InputSetNotFound
from input_sets.io.bundle import InputBundle
from input_sets.models import CanonicalConfigVersion, PlanningInputSet
from input_sets.services import input_set_import
from plans.exceptions import InvalidPlanParams, JobStateError, PlanInputRejected
from plans.models import (
    JobStatus,
    PlanArtifact,
    PlanJob,
    PlanKPI,
    PlanSeriesSegment,
    PlanVersion,
)
from plans.selectors import plan_series_read
from plans.services import (
    plan_create_and_execute,
    plan_job_cancel,
    plan_job_retry,
    plan_jobs_recover_stale,
)
from runs.models import Run

pytestmark = pytest.mark.django_db


def test_plan_through_the_q2_task_records_label_and_hash_everywhere(
    ready_set, q_sync, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = plan_create_and_execute(config_version_id=1, input_set_label="demo", trigger="api")

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.task_id  # enqueued through django-q2
    plan, run = job.plan, Run.objects.get(plan_job=job)
    for record in (plan, run):
        assert record.input_set_id == ready_set.pk
    for record in (plan, run, job):
        assert record.input_set_label == "demo"
        assert record.input_set_content_hash == ready_set.content_hash
    artifact = PlanArtifact.objects.get(plan=plan, name="planning_input_set.json").payload
    assert artifact["label"] == "demo" and artifact["content_hash"] == ready_set.content_hash
    snapshot = PlanArtifact.objects.get(plan=plan, name="planning_inputs.json").payload
    assert snapshot["counts"]["family_demand"] == 18
    assert plan.state == "executed"
    levels = set(PlanSeriesSegment.objects.filter(plan=plan).values_list("level", flat=True))
    assert levels == {"aggregate", "det", "mrp", "mrp_final", "weekly_summary"}
    totals = dict(
        PlanKPI.objects.filter(plan=plan, bucket_type="total").values_list("metric", "value")
    )
    assert totals["demand_total"] == 11410
    assert run.kpis["demand_total"] == totals["demand_total"]
    assert run.status == JobStatus.SUCCEEDED and run.duration_ms is not None


def test_planning_params_of_the_set_are_the_defaults_and_overrides_win(ready_set):
    job = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True
    )
    assert job.plan.parameters["recon_window_days"] == 14  # from planning_params.json
    job = plan_create_and_execute(
        config_version_id=1,
        input_set_label="demo",
        params={"lt_unit": "week"},
        trigger="cli",
        sync=True,
    )
    assert job.plan.parameters["lt_unit"] == "week"


@pytest.mark.parametrize(
    "status,code", [("draft", "input_set_not_ready"), ("archived", "input_set_not_ready")]
)
def test_only_ready_sets_can_be_planned(sample_dir, import_dir, status, code):
    import_dir(sample_dir, label="s")
    PlanningInputSet.objects.filter(label="s").update(status=status)
    with pytest.raises(PlanInputRejected) as exc_info:
        plan_create_and_execute(config_version_id=1, input_set_label="s", trigger="cli", sync=True)
    assert exc_info.value.code == code
    assert not PlanVersion.objects.exists()


def test_set_of_another_config_version_and_unknown_label_are_refused(ready_set):
    other = CanonicalConfigVersion.objects.create(name="other")
    with pytest.raises(PlanInputRejected) as exc_info:
        plan_create_and_execute(config_version_id=other.pk, input_set_label="demo", trigger="cli")
    assert exc_info.value.code == "input_set_other_config_version"
    with pytest.raises(InputSetNotFound):
        plan_create_and_execute(config_version_id=1, input_set_label="nope", trigger="cli")
    assert not PlanVersion.objects.exists()


def test_no_label_needs_explicit_legacy_mode(config_version, sample_dir, caplog):
    with pytest.raises(PlanInputRejected) as exc_info:
        plan_create_and_execute(config_version_id=1, input_set_label=None, trigger="api")
    assert exc_info.value.code == "input_set_label_required"

    job = plan_create_and_execute(
        config_version_id=1,
        input_set_label=None,
        legacy_input_dir=str(sample_dir),
        trigger="cli",
        sync=True,
    )
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.plan.is_legacy and not job.plan.is_missing
    assert Run.objects.get(plan_job=job).is_legacy
    assert "legacy_mode_detected" in caplog.text


def test_missing_flag_when_the_recorded_set_is_gone(ready_set):
    job = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True
    )
    plan = job.plan
    plan.input_set = None  # e.g. data restored without the set
    assert plan.is_missing and not plan.is_legacy


def test_invalid_params_are_refused(ready_set):
    with pytest.raises(InvalidPlanParams):
        plan_create_and_execute(
            config_version_id=1, input_set_label="demo", params={"round_mode": "x"}, trigger="cli"
        )


def test_failed_run_leaves_no_half_written_plan(ready_set, monkeypatch, plan_series_storage):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("plans.services._store_artifacts", boom)
    job = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True
    )
    assert job.status == JobStatus.FAILED
    assert "disk full" in PlanJob.objects.get(pk=job.pk).error
    assert not PlanSeriesSegment.objects.filter(plan=job.plan).exists()
    assert not [p for p in plan_series_storage.rglob("*") if p.is_file()]  # files discarded
    assert not PlanKPI.objects.filter(plan=job.plan).exists()
    assert Run.objects.get(plan_job=job).status == JobStatus.FAILED


def test_cancel_queued_and_retry_failed(ready_set):
    job = plan_create_and_execute(config_version_id=1, input_set_label="demo", trigger="api")
    assert job.status == JobStatus.QUEUED
    plan_job_cancel(job_id=job.pk)
    with pytest.raises(JobStateError):
        plan_job_cancel(job_id=job.pk)
    retried = plan_job_retry(job_id=job.pk)
    assert retried.status == JobStatus.QUEUED and retried.plan_id == job.plan_id
    assert Run.objects.filter(plan_version=job.plan).count() == 2


def test_job_whose_heartbeat_stopped_is_marked_failed_whatever_its_pid(ready_set, settings):
    """Recovery trusts the heartbeat alone (issue 12): a job whose pid still answers (this
    process) but whose heartbeat stopped fails; a fresh heartbeat keeps a job running even
    when its pid is gone. The failed job can be retried."""
    import socket

    settings.JOBS_STALE_AFTER_SECONDS = 60
    job = plan_create_and_execute(config_version_id=1, input_set_label="demo", trigger="api")
    PlanJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        heartbeat_at=timezone.now() - timezone.timedelta(seconds=61),
    )
    alive = plan_create_and_execute(config_version_id=1, input_set_label="demo", trigger="api")
    PlanJob.objects.filter(pk=alive.pk).update(
        status=JobStatus.RUNNING,
        worker=f"{socket.gethostname()}:999999",
        heartbeat_at=timezone.now(),
    )

    assert plan_jobs_recover_stale() == 1
    failed = PlanJob.objects.get(pk=job.pk)
    assert failed.status == JobStatus.FAILED and "no heartbeat" in failed.error
    assert Run.objects.get(plan_job=job).status == JobStatus.FAILED
    assert PlanJob.objects.get(pk=alive.pk).status == JobStatus.RUNNING
    assert plan_job_retry(job_id=job.pk).status == JobStatus.QUEUED


def test_shared_sample_plan_matches_the_reference_totals(shared_sample, config_version):
    input_set_import(
        bundle=InputBundle.from_path(shared_sample), label="scpln_sample", config_version_id=1
    )
    PlanningInputSet.objects.filter(label="scpln_sample").update(
        status="ready", approved_at=timezone.now()
    )
    job = plan_create_and_execute(
        config_version_id=1, input_set_label="scpln_sample", trigger="cli", sync=True
    )
    totals = dict(
        PlanKPI.objects.filter(plan=job.plan, bucket_type="total").values_list("metric", "value")
    )
    assert totals["demand_total"] == 3780
    counts = {
        level: plan_series_read(plan=job.plan, level=level, limit=0).total
        for level in ("aggregate", "det", "mrp", "mrp_final", "weekly_summary")
    }
    assert counts == {
        "aggregate": 24,
        "det": 159,
        "mrp": 212,
        "mrp_final": 212,
        "weekly_summary": 53,
    }


def test_state_advances_forward_only_and_invalidation_marks_later_steps(ready_set):
    from plans.services import plan_state_advance, plan_state_invalidate

    plan = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True
    ).plan
    plan_state_invalidate(plan=plan, from_step="aggregated")
    assert (plan.state, plan.invalid_steps) == (
        "aggregated",
        ["disaggregated", "scheduled", "executed"],
    )
    plan_state_advance(plan=plan, to="scheduled")
    assert (plan.state, plan.invalid_steps) == ("scheduled", ["executed"])
    plan_state_advance(plan=plan, to="draft")  # never backwards
    assert plan.state == "scheduled"
    with pytest.raises(ValueError):
        plan_state_advance(plan=plan, to="published")


def test_large_step_artifacts_are_not_stored_twice(ready_set, settings, tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    settings.PLAN_ARTIFACT_MAX_ROWS = 10
    settings.PLAN_SNAPSHOT_MAX_ROWS = 10
    plan = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True
    ).plan
    stored = PlanArtifact.objects.get(plan=plan, name="sku_week.json").payload
    assert stored["rows"] == [] and stored["rows_omitted"] > 10
    assert PlanArtifact.objects.get(plan=plan, name="planning_inputs.json").payload[
        "tables_omitted"
    ]

    call_command("plan_export", plan.version_id, "-o", str(tmp_path), stdout=StringIO())
    exported = json.loads((tmp_path / "sku_week.json").read_text())
    assert len(exported["rows"]) == plan_series_read(plan=plan, level="det", limit=0).total
