"""The run registry: one row per planning execution (seed ``004`` RunRegistry).

A :class:`Run` is the execution of a plan: it *reads* its state (status, times, trigger, who
started it, the KPI summary) from its job (:class:`planning_hub.jobs.models.Job` of kind
``plan``) and its inputs (config version, input set id, label and content hash, parameters)
from its plan; it stores only what is its own: the run id and the review flags. Baseline runs
are never deleted by retention (``RUNS_DB_MAX_ROWS``), and plans they point to are never
trimmed.
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from planning_hub.jobs.models import read_through


def new_run_id() -> str:
    """Server-generated run id: ``run-YYYYMMDD-HHMMSS-<6 hex>`` (UTC)."""
    return f"run-{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class Run(models.Model):
    """One execution of a plan, with its review flags (the rest is read from job and plan:
    load lists with ``select_related("plan_version", "plan_job")``)."""

    run_id = models.CharField(
        _("run"), max_length=64, unique=True, default=new_run_id, editable=False
    )
    plan_version = models.ForeignKey(
        "plans.PlanVersion",
        verbose_name=_("plan version"),
        on_delete=models.CASCADE,
        related_name="runs",
    )
    plan_job = models.OneToOneField(
        "jobs.Job",
        verbose_name=_("job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="run",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    approved_by = models.CharField(_("approved by"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    baseline = models.BooleanField(_("baseline"), default=False, db_index=True)
    archived = models.BooleanField(_("archived"), default=False, db_index=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("run")
        verbose_name_plural = _("runs")

    def __str__(self) -> str:
        return self.run_id

    status = read_through("plan_job", "status", "queued")
    started_at = read_through("plan_job", "started_at")
    finished_at = read_through("plan_job", "finished_at")
    duration_ms = read_through("plan_job", "duration_ms")
    trigger = read_through("plan_job", "trigger", "")
    created_by = read_through("plan_job", "created_by")
    config_version = read_through("plan_version", "config_version")
    config_version_id = read_through("plan_version", "config_version_id")
    input_set = read_through("plan_version", "input_set")
    input_set_id = read_through("plan_version", "input_set_id")
    input_set_label = read_through("plan_version", "input_set_label")
    input_set_content_hash = read_through("plan_version", "input_set_content_hash")
    parameters = read_through("plan_version", "parameters")
    is_legacy = read_through("plan_version", "is_legacy")
    is_missing = read_through("plan_version", "is_missing")

    @property
    def kpis(self) -> dict[str, float]:
        """The run's KPI summary ``{metric: value}`` (its job's result; {} until it succeeds)."""
        job = self.plan_job
        return dict((job.result or {}).get("kpis", {})) if job is not None else {}

    def get_status_display(self) -> str:
        return self.plan_job.get_status_display() if self.plan_job else self.status

    def get_trigger_display(self) -> str:
        return self.plan_job.get_trigger_display() if self.plan_job else ""
