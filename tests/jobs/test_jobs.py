"""The one job framework: transitions, heartbeat recovery for every kind, the job list."""

import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from planning_hub.jobs.exceptions import JobStateError
from planning_hub.jobs.models import Job, JobStatus
from planning_hub.jobs.services import (
    job_cancel,
    job_claim,
    job_create,
    job_retry,
    jobs_sweep_stale,
)
from planning_hub.jobs.worker import heartbeat, on_worker_spawn
from plans.models import PlanJob, PlanKPI, PlanSeriesSegment
from plans.services import plan_create_and_execute
from runs.models import Run

from ..factories import DiffJobFactory


def _running(job, *, age_seconds: float) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        started_at=timezone.now() - timezone.timedelta(seconds=age_seconds + 1),
        heartbeat_at=timezone.now() - timezone.timedelta(seconds=age_seconds),
        worker="dead-host:4242",
    )


def test_recovery_is_within_two_minutes_by_default():
    """Stale after + one sweep period + one heartbeat period bounds how long a dead worker's
    job can read ``running`` (issue 12: within 2 minutes)."""
    bound = (
        django_settings.JOBS_STALE_AFTER_SECONDS
        + django_settings.JOBS_SWEEP_SECONDS
        + django_settings.JOBS_HEARTBEAT_SECONDS
    )
    assert 60 <= django_settings.JOBS_STALE_AFTER_SECONDS <= 90 and bound <= 120


@pytest.mark.django_db
def test_enqueue_on_commit_then_the_worker_runs_it(
    ready_set, q_sync, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = plan_create_and_execute(config_version_id=1, input_set_label="demo", trigger="api")
        assert Job.objects.get(pk=job.pk).task_id == ""  # nothing handed over before commit
    assert len(callbacks) == 1
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.task_id and job.progress == 100
    assert job.worker.endswith(f":{job.worker_pid}") and job.heartbeat_at >= job.started_at
    assert job.result["kpis"]["demand_total"] == Run.objects.get(plan_job=job).kpis["demand_total"]


@pytest.mark.django_db
def test_claim_cancel_and_retry_transitions():
    job = DiffJobFactory()
    assert job_claim(job_id=job.pk) and not job_claim(job_id=job.pk)  # one worker wins
    with pytest.raises(JobStateError):
        job_cancel(job_id=job.pk)  # running: cannot be interrupted
    with pytest.raises(JobStateError):
        job_retry(job_id=job.pk)  # not finished
    queued = DiffJobFactory()
    assert job_cancel(job_id=queued.pk).status == JobStatus.CANCELED
    again = job_retry(job_id=queued.pk)
    assert again.status == JobStatus.QUEUED and again.retry_of_id == queued.pk
    assert again.kind == "diff"


@pytest.mark.django_db
def test_sweep_fails_every_kind_by_heartbeat_alone(ready_set, settings, caplog):
    settings.JOBS_STALE_AFTER_SECONDS = 60
    plan_job = plan_create_and_execute(config_version_id=1, input_set_label="demo", trigger="api")
    diff_job = DiffJobFactory()
    slow = DiffJobFactory()
    _running(plan_job, age_seconds=61)
    _running(diff_job, age_seconds=61)
    _running(slow, age_seconds=30)  # slow, not dead

    assert jobs_sweep_stale() == 2
    assert set(Job.objects.filter(status=JobStatus.FAILED).values_list("kind", flat=True)) == {
        "plan",
        "diff",
    }
    assert Job.objects.get(pk=slow.pk).status == JobStatus.RUNNING
    assert Run.objects.get(plan_job=plan_job).status == JobStatus.FAILED
    assert jobs_sweep_stale() == 0  # a failed job is not failed twice
    assert "job_on_failed_error" not in caplog.text  # a diff job without its diff just logs


@pytest.mark.django_db
def test_worker_start_sweeps_on_the_live_cluster(settings):
    settings.JOBS_STALE_AFTER_SECONDS = 60
    job = DiffJobFactory()
    _running(job, age_seconds=180)  # e.g. the cluster was SIGKILLed at 99 % three minutes ago
    on_worker_spawn(sender="django_q", proc_name="Process-1")
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_a_job_swept_while_it_ran_commits_nothing_and_can_be_retried(
    ready_set, monkeypatch, plan_series_storage
):
    """The worker was presumed dead (stale heartbeat) but finishes anyway: its results roll
    back with the refused success, so partial results are never visible."""
    import plans.services as services

    real = services._write_series

    def swept_meanwhile(writer, result):
        Job.objects.filter(pk=writer.prefix.rsplit("-", 1)[1]).update(
            status=JobStatus.FAILED, error="Worker stopped before the job finished."
        )
        return real(writer, result)

    monkeypatch.setattr(services, "_write_series", swept_meanwhile)
    job = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True
    )
    assert job.status == JobStatus.FAILED
    assert not PlanSeriesSegment.objects.exists() and not PlanKPI.objects.exists()
    assert not [p for p in plan_series_storage.rglob("*") if p.is_file()]
    monkeypatch.setattr(services, "_write_series", real)

    retried = services.plan_job_retry(job_id=job.pk)
    services.plan_execute(job_id=retried.pk)
    assert PlanJob.objects.get(pk=retried.pk).status == JobStatus.SUCCEEDED
    assert PlanSeriesSegment.objects.filter(plan=job.plan).exists()
    assert Run.objects.filter(plan_version=job.plan).count() == 2


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_moves_the_heartbeat_while_the_job_runs(settings, audit_flushable):
    settings.JOBS_HEARTBEAT_SECONDS = 0.05
    job = job_create(kind="diff", enqueue=False)
    _running(job, age_seconds=100)
    before = Job.objects.get(pk=job.pk).heartbeat_at
    with heartbeat(job.pk):
        time.sleep(0.5)
    assert Job.objects.get(pk=job.pk).heartbeat_at > before


@pytest.mark.django_db
def test_deferred_progress_is_written_by_the_heartbeat_not_by_the_caller(
    django_assert_num_queries,
):
    """A kind reporting from inside a COPY on its own connection (uploads) must not write
    there: the report waits for the heartbeat thread's next beat."""
    from planning_hub.jobs.services import JobProgress

    job = DiffJobFactory()
    _running(job, age_seconds=5)
    reporter = JobProgress(job.pk, deferred=True)
    with django_assert_num_queries(0):
        reporter("write", 40)
    assert reporter.flush()
    job.refresh_from_db()
    assert (job.current_step, job.progress) == ("write", 40)
    assert timezone.now() - job.heartbeat_at < timezone.timedelta(seconds=5)
