"""The job transitions: create (enqueue on commit), claim, progress, succeed, fail, cancel,
retry, and stale-job recovery by heartbeat. The one code path for every job kind, called by
the apps' services, the django-q2 task, the API, the hub pages and admin.

Every transition is one conditional UPDATE (``WHERE status = …``), so two workers, a worker
and the stale sweep, or a worker and a cancel can never both win.
"""

import logging
import os
import socket
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from planning_hub import metrics

from .exceptions import JobLost, JobStateError
from .models import Job, JobStatus
from .runners import runner_for
from .worker import heartbeat

logger = logging.getLogger(__name__)

STALE_ERROR = "Worker stopped before the job finished (no heartbeat for {seconds} s)."


def job_create(
    *,
    kind: str,
    obj=None,
    trigger: str = "",
    user=None,
    retry_of: Job | None = None,
    params: dict | None = None,
    enqueue: bool = True,
) -> Job:
    """Create a queued job of ``kind`` about ``obj`` (any model instance, or None) with the
    kind's ``params`` (JSON).

    With ``enqueue`` the job is handed to django-q2 when the surrounding transaction commits
    (at once outside a transaction), so a worker never sees a job whose rows are not
    committed. Raises ``LookupError`` for an unknown kind.
    """
    runner_for(kind)
    job = Job.objects.create(
        kind=kind,
        object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        trigger=trigger,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        retry_of=retry_of,
        params=params or {},
    )
    if enqueue:
        transaction.on_commit(lambda: job_enqueue(job_id=job.pk))
    return job


def job_enqueue(*, job_id: int) -> None:
    """Hand job ``job_id`` to django-q2 (task ``planning_hub.jobs.tasks.run_job``) and store
    the task id; counts ``jobs_enqueued_total{type=kind}``."""
    from django_q.tasks import async_task

    job = Job.objects.get(pk=job_id)
    runner = runner_for(job.kind)
    task_id = async_task(
        "planning_hub.jobs.tasks.run_job",
        job.pk,
        task_name=runner.task_name(job),
        timeout=settings.Q_CLUSTER["timeout"],
    )
    Job.objects.filter(pk=job_id).update(task_id=task_id or "")
    metrics.jobs_enqueued_total.labels(type=job.kind).inc()


def job_claim(*, job_id: int, step: str = "start") -> bool:
    """queued → running for this process (worker ``host:pid``, heartbeat now). False when the
    job is no longer queued (canceled, or taken by another worker)."""
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            worker=f"{socket.gethostname()}:{os.getpid()}",
            worker_pid=os.getpid(),
            current_step=step,
            progress=0,
            error="",
        )
    )


class JobProgress:
    """``progress(step, percent)`` for a running job: writes step, percent (clamped to 0–99)
    and heartbeat; throttled so a step costs one UPDATE per 5 %. ``also`` is called with every
    report (e.g. a command's progress printer). With ``deferred`` nothing is written on the
    caller's connection (a kind that reports from inside a COPY on it): the heartbeat thread
    writes the latest report with each beat (:meth:`flush`)."""

    def __init__(
        self,
        job_id: int,
        also: Callable[[str, int], None] | None = None,
        *,
        deferred: bool = False,
    ):
        self.job_id = job_id
        self.also = also
        self.deferred = deferred
        self.last: tuple[str, int] | None = None
        self.pending: tuple[str, int] | None = None

    def __call__(self, step: str, percent: int) -> None:
        percent = max(0, min(99, int(percent)))
        if self.also:
            self.also(step, percent)
        if self.deferred:
            self.pending = (step, percent)
            return
        if self.last and self.last[0] == step and percent - self.last[1] < 5:
            return
        self.last = (step, percent)
        Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
            current_step=step, progress=percent, heartbeat_at=timezone.now()
        )

    def flush(self) -> bool:
        """Beat the heartbeat, with the latest deferred report if any (the heartbeat thread
        calls this); False when the job is no longer running."""
        pending, self.pending = self.pending, None
        fields = {"heartbeat_at": timezone.now()}
        if pending:
            fields.update(current_step=pending[0], progress=pending[1])
        return bool(Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(**fields))


def job_heartbeat(*, job_id: int) -> bool:
    """Move the heartbeat of a running job; False when it is no longer running."""
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
    )


def _finish_fields(job: Job, status: str, now) -> dict:
    started = job.started_at or now
    return {
        "status": status,
        "finished_at": now,
        "heartbeat_at": now,
        "duration_ms": max(0, int((now - started).total_seconds() * 1000)),
    }


def job_succeed(*, job: Job, result: dict | None = None) -> Job:
    """running → succeeded with ``result`` (progress 100, step ``done``). Call it inside the
    transaction that writes the job's results: it raises :class:`JobLost` when the job is no
    longer running (swept as stale meanwhile), which rolls those results back."""
    now = timezone.now()
    fields = {**_finish_fields(job, JobStatus.SUCCEEDED, now), "progress": 100}
    fields.update(current_step="done", result=result or {}, error="")
    if not Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields):
        raise JobLost(f"Job {job.pk} is no longer running; its results are discarded.")
    for name, value in fields.items():
        setattr(job, name, value)
    return job


def job_fail(*, job: Job, error: str) -> bool:
    """queued | running → failed with ``error``; then the kind's ``on_failed``. Returns False
    (and does nothing) when the job had already finished. Counts ``jobs_failed_total``."""
    now = timezone.now()
    fields = {**_finish_fields(job, JobStatus.FAILED, now), "current_step": "failed"}
    fields["error"] = error
    updated = Job.objects.filter(
        pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).update(**fields)
    if not updated:
        job.refresh_from_db()
        return False
    for name, value in fields.items():
        setattr(job, name, value)
    metrics.jobs_failed_total.labels(type=job.kind).inc()
    try:
        runner_for(job.kind).on_failed(job)
    except Exception:  # noqa: BLE001 — a failed clean-up must not hide the failure
        logger.exception("job_on_failed_error", extra={"job_id": job.pk, "kind": job.kind})
    return True


def job_cancel(*, job_id: int) -> Job:
    """queued → canceled (a running job cannot be interrupted); :class:`JobStateError`
    otherwise."""
    now = timezone.now()
    updated = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELED, finished_at=now, current_step="canceled"
    )
    job = Job.objects.get(pk=job_id)
    if not updated:
        raise JobStateError(f"Only queued jobs can be canceled (job is {job.status}).")
    return job


def job_retry(*, job_id: int, user=None) -> Job:
    """Run a failed or canceled job again as a new queued job of the same kind and object
    (``retry_of`` points back); the kind's ``on_retry`` runs in the same transaction and the
    new job is enqueued on commit. :class:`JobStateError` for any other status."""
    with transaction.atomic():
        old = Job.objects.select_for_update().get(pk=job_id)
        if old.status not in (JobStatus.FAILED, JobStatus.CANCELED):
            raise JobStateError(
                f"Only failed or canceled jobs can be retried (job is {old.status})."
            )
        new = Job.objects.create(
            kind=old.kind,
            object_type_id=old.object_type_id,
            object_id=old.object_id,
            params=old.params,
            trigger=old.trigger,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            retry_of=old,
        )
        runner_for(old.kind).on_retry(old, new)
        transaction.on_commit(lambda: job_enqueue(job_id=new.pk))
    return new


def job_execute(*, job_id: int, progress: Callable[[str, int], None] | None = None) -> Job:
    """Claim and run job ``job_id`` with its kind's runner (the django-q2 task body, also
    called inline for ``sync`` runs). First sweeps stale jobs. A job that is not queued is
    returned untouched. While it runs a heartbeat thread moves ``heartbeat_at`` every
    ``JOBS_HEARTBEAT_SECONDS``. Any exception of the runner marks the job failed with
    ``ExceptionType: message``; never raises for it."""
    jobs_sweep_stale()
    job = Job.objects.get(pk=job_id)
    runner = runner_for(job.kind)
    if not job_claim(job_id=job_id, step=runner.first_step):
        return job
    job.refresh_from_db()
    started = time.monotonic()
    try:
        reporter = JobProgress(job.pk, also=progress, deferred=runner.deferred_progress)
        with heartbeat(job.pk, beat=reporter.flush):
            result = runner.run(job, reporter)
        if job.status == JobStatus.RUNNING:
            job_succeed(job=job, result=result)
        metrics.jobs_completed_total.labels(type=job.kind).inc()
    except Exception as exc:  # noqa: BLE001 — any failure is recorded on the job, not raised
        logger.exception("job_failed", extra={"job_id": job.pk, "kind": job.kind})
        job_fail(job=job, error=f"{type(exc).__name__}: {exc}")
    finally:
        metrics.jobs_duration_seconds.labels(type=job.kind).observe(time.monotonic() - started)
    return job


def jobs_sweep_stale(*, now=None) -> int:
    """Mark failed every running job (of any kind) whose heartbeat is older than
    ``JOBS_STALE_AFTER_SECONDS``; returns how many. Nothing but the heartbeat is trusted (a
    dead or unreaped worker's pid may still answer ``kill(pid, 0)``). Runs on the live cluster
    (every worker's monitor thread, every ``JOBS_SWEEP_SECONDS``) and at each claim."""
    seconds = settings.JOBS_STALE_AFTER_SECONDS
    limit = (now or timezone.now()) - timezone.timedelta(seconds=seconds)
    stale = Job.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )
    count = 0
    for job in stale:
        if job_fail(job=job, error=STALE_ERROR.format(seconds=seconds)):
            count += 1
            logger.warning(
                "job_marked_failed_stale",
                extra={"job_id": job.pk, "kind": job.kind, "worker": job.worker},
            )
    return count
