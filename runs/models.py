"""The run registry: one row per planning execution (seed ``004`` RunRegistry).

A :class:`Run` snapshots the input set's label and content hash and keeps a KPI summary, so it
stays readable even after its plan's series are trimmed. Baseline runs are never deleted by
retention (``RUNS_DB_MAX_ROWS``), and plans they point to are never trimmed.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from input_sets.models import InputSetReference
from plans.models import JobStatus, Trigger


def new_run_id() -> str:
    """Server-generated run id: ``run-YYYYMMDD-HHMMSS-<6 hex>`` (UTC)."""
    return f"run-{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class Run(InputSetReference):
    """One execution of the planning pipeline, with its KPI summary and review flags."""

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
        "plans.PlanJob",
        verbose_name=_("job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="run",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    kpis = models.JSONField(_("KPI summary"), default=dict, blank=True)
    trigger = models.CharField(_("trigger"), max_length=8, choices=Trigger.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
        indexes = [
            models.Index(fields=["config_version", "-created_at"], name="run_cfg_created_idx"),
            models.Index(fields=["status", "-created_at"], name="run_status_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.run_id
