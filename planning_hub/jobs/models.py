"""The one job model: every background execution (plan runs, input-set diffs, …) is a
:class:`Job` of some ``kind`` (in the spirit of NetBox's ``Job``/``JobRunner``).

django-q2 has no running-state API, so we own the state: ``status`` queued → running →
succeeded | failed; queued → canceled; failed | canceled → (retry) a new queued job.
``heartbeat_at`` is moved by the worker every ``JOBS_HEARTBEAT_SECONDS`` while the job runs, so
a job whose worker died is told from a slow one by its heartbeat alone
(:func:`planning_hub.jobs.services.jobs_sweep_stale`), never by asking whether a pid is alive.

``object`` is what the job works on (a plan version, an input-set diff); ``params`` what the
kind needs besides (e.g. an upload's label and staged files); ``result`` is the kind's JSON
result reference (e.g. the KPI summary of a plan run, an upload's import report).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED_JOB_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)


class Trigger(models.TextChoices):
    UI = "ui", _("Hub page")
    API = "api", _("API")
    CLI = "cli", _("Command line")


class Job(models.Model):
    """One background execution of one kind (see :mod:`planning_hub.jobs.runners`).

    ``progress`` is a percentage (0–100) and ``current_step`` the step being computed;
    ``worker`` is ``host:pid`` and ``worker_pid`` the pid (for people; recovery never trusts
    it); ``duration_ms`` is wall time from claim to finish in milliseconds.
    """

    kind = models.CharField(_("kind"), max_length=32, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    current_step = models.CharField(_("current step"), max_length=64, blank=True)
    trigger = models.CharField(_("trigger"), max_length=8, choices=Trigger.choices, blank=True)
    task_id = models.CharField(_("django-q2 task id"), max_length=64, blank=True)
    worker = models.CharField(_("worker"), max_length=128, blank=True)
    worker_pid = models.PositiveIntegerField(_("worker pid"), null=True, blank=True)
    object_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object = GenericForeignKey("object_type", "object_id")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    retry_of = models.ForeignKey(
        "self",
        verbose_name=_("retry of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retries",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            models.Index(fields=["status", "-submitted_at"], name="job_status_idx"),
            models.Index(fields=["kind", "-submitted_at"], name="job_kind_idx"),
            models.Index(fields=["object_type", "object_id"], name="job_object_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="job_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_range"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES


def read_through(relation: str, name: str, default=None) -> property:
    """A read-only property reading ``name`` of the object at ``relation`` (``default`` when
    that is None): how a domain record shows its job's or its plan's fields without copying
    them (e.g. ``status = read_through("job", "status")``)."""

    def read(self):
        target = getattr(self, relation)
        return default if target is None else getattr(target, name)

    read.__doc__ = f"``{relation}.{name}``."
    return property(read)
