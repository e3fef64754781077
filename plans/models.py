"""Plan versions and what a planning run stores for them.

A :class:`PlanVersion` records exactly which input set produced it (FK plus label and content
hash snapshots). The pipeline's results are stored per version as :class:`PlanSeries` (one row
per level × bucket × item, spec ``planning_pipeline.md`` §12.2), :class:`PlanKPI` (§12.3/§12.5)
and :class:`PlanArtifact` (JSON documents, including the input snapshot). Each execution is a
:class:`planning_hub.jobs.models.Job` of kind ``plan`` (``PlanVersion.jobs``) with its
:class:`runs.models.Run`.
"""

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from input_sets.models import InputSetReference
from planning_hub.jobs.models import (  # noqa: F401 — re-exported for plans' callers
    FINISHED_JOB_STATUSES,
    Job,
    JobStatus,
    Trigger,
)


def new_version_id() -> str:
    """Server-generated plan version id: ``pv-YYYYMMDD-HHMMSS-<6 hex>`` (UTC)."""
    return f"pv-{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AGGREGATED = "aggregated", _("Aggregated")
    DISAGGREGATED = "disaggregated", _("Disaggregated")
    SCHEDULED = "scheduled", _("Scheduled")
    EXECUTED = "executed", _("Executed")


PLAN_STEPS = [s.value for s in PlanState]


class SeriesLevel(models.TextChoices):
    AGGREGATE = "aggregate", _("Aggregate (family × period)")
    DET = "det", _("Detail (SKU × week)")
    MRP = "mrp", _("MRP (item × week)")
    MRP_FINAL = "mrp_final", _("MRP after capacity (item × week)")
    WEEKLY_SUMMARY = "weekly_summary", _("Weekly capacity summary")


class PlanVersion(InputSetReference):
    """One plan: parameters, state, and the input set it was built from.

    ``input_set`` is NULL only in legacy mode (explicitly requested, no set). ``is_legacy`` and
    ``is_missing`` drive the warnings of runbook §5.
    """

    version_id = models.CharField(
        _("version"), max_length=64, unique=True, default=new_version_id, editable=False
    )
    state = models.CharField(
        _("state"), max_length=16, choices=PlanState.choices, default=PlanState.DRAFT
    )
    invalid_steps = models.JSONField(_("invalidated steps"), default=list, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    parent_version = models.ForeignKey(
        "self",
        verbose_name=_("parent version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    note = models.TextField(_("note"), blank=True)
    # {level: sha256} of the stored series (one hash over the level's segments): equal inputs
    # and parameters give equal hashes, so a re-run proves a plan reproducible
    series_sha256 = models.JSONField(_("series sha256 per level"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # the plan's runs as jobs of kind "plan" (deleted with the plan); Job.objects.filter(plan=…)
    jobs = GenericRelation(
        "jobs.Job",
        object_id_field="object_id",
        content_type_field="object_type",
        related_query_name="plan",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        indexes = [
            models.Index(fields=["config_version", "-created_at"], name="plan_cfg_created_idx"),
            models.Index(fields=["state", "-created_at"], name="plan_state_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PLAN_STEPS), name="plan_state_valid"),
        ]

    def __str__(self) -> str:
        return self.version_id


class PlanArtifact(models.Model):
    """A JSON document of a plan (``aggregate.json``, ``planning_inputs.json``, …)."""

    plan = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(_("name"), max_length=100)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("plan artifact")
        verbose_name_plural = _("plan artifacts")
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="plan_artifact_key"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.name}"


class PlanSeriesSegment(models.Model):
    """One Parquet segment of one series level of a plan (the columnar store, issue 9).

    The file lives in the ``plan_series`` storage under ``name`` (filesystem under
    ``var/plan_series`` by default, S3-compatible object storage through django-storages on the
    scale path). Its rows are sorted by item then bucket; ``item_min``/``item_max`` and
    ``bucket_min``/``bucket_max`` are the key range, ``rows`` and ``bytes`` its size and
    ``sha256`` the digest checked on every read. Columns per level:
    :mod:`plans.pipeline.series_tables`. Written in the plan's result transaction, so a plan's
    series are visible only once it commits; deleting a row deletes its file after commit.
    """

    plan = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="segments")
    level = models.CharField(_("level"), max_length=16, choices=SeriesLevel.choices)
    seq = models.PositiveIntegerField(_("segment number"))
    name = models.CharField(_("storage name"), max_length=255, unique=True)
    rows = models.PositiveBigIntegerField(_("rows"))
    bytes = models.PositiveBigIntegerField(_("bytes"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    item_min = models.CharField(_("first item"), max_length=100, blank=True)
    item_max = models.CharField(_("last item"), max_length=100, blank=True)
    bucket_min = models.CharField(_("first bucket"), max_length=32, blank=True)
    bucket_max = models.CharField(_("last bucket"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["plan", "level", "seq"]
        verbose_name = _("plan series segment")
        verbose_name_plural = _("plan series segments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "level", "seq"], name="plan_segment_key"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.level}#{self.seq}"


class PlanSeries(models.Model):
    """Legacy row-per-cell plan series (spec §12.2), replaced by :class:`PlanSeriesSegment`.

    Nothing writes these rows any more; ``manage.py plan_backfill_series`` moves the rows of
    plans made before the columnar store into segments, and a later migration drops the table.
    Quantities in pieces.

    Measures per level: ``aggregate`` demand/supply/backlog per family × period with
    capacity_used = period capacity; ``det`` per SKU × week with on hand open/close;
    ``mrp``/``mrp_final`` gross requirement (demand), planned receipts (supply), net requirement
    (backlog) per item × week; ``weekly_summary`` original load (demand), adjusted load (supply),
    spill out (backlog) and capacity per week. Other per-row details sit in ``extra``.
    """

    plan = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="series")
    level = models.CharField(_("level"), max_length=16, choices=SeriesLevel.choices)
    time_bucket_type = models.CharField(_("bucket type"), max_length=8)
    time_bucket_key = models.CharField(_("bucket"), max_length=32)
    item_key = models.CharField(_("item"), max_length=100)
    item_name = models.CharField(_("item name"), max_length=200, blank=True)
    location_key = models.CharField(_("location"), max_length=100, default="global")
    location_type = models.CharField(_("location type"), max_length=32, default="global")
    region_key = models.CharField(max_length=100, blank=True)
    network_key = models.CharField(max_length=100, blank=True)
    source = models.CharField(_("source step"), max_length=32, blank=True)
    policy = models.CharField(max_length=32, blank=True)
    cutover_flag = models.BooleanField(default=False)
    boundary_zone = models.CharField(max_length=8, blank=True)
    window_index = models.IntegerField(null=True, blank=True)
    lock_flag = models.BooleanField(default=False)
    locked_by = models.CharField(max_length=150, blank=True)
    quality_flag = models.CharField(max_length=32, blank=True)
    demand = models.FloatField(_("demand"), default=0)
    supply = models.FloatField(_("supply"), default=0)
    backlog = models.FloatField(_("backlog"), default=0)
    inventory_open = models.FloatField(_("on hand (open)"), default=0)
    inventory_close = models.FloatField(_("on hand (close)"), default=0)
    prod_qty = models.FloatField(default=0)
    ship_qty = models.FloatField(default=0)
    capacity_used = models.FloatField(_("capacity"), default=0)
    cost_total = models.FloatField(default=0)
    service_level = models.FloatField(null=True, blank=True)
    spill_in = models.FloatField(_("spill in"), null=True, blank=True)
    spill_out = models.FloatField(_("spill out"), null=True, blank=True)
    adjustment = models.FloatField(null=True, blank=True)
    carryover_in = models.FloatField(null=True, blank=True)
    carryover_out = models.FloatField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("plan series row")
        verbose_name_plural = _("plan series")
        ordering = ["level", "time_bucket_key", "item_key"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "plan",
                    "level",
                    "time_bucket_type",
                    "time_bucket_key",
                    "item_key",
                    "location_key",
                ],
                name="plan_series_key",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "level", "item_key"], name="series_plan_level_item_idx"),
            models.Index(
                fields=["plan", "level", "time_bucket_key"], name="series_plan_level_bucket_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.time_bucket_key} {self.item_key}"


class PlanKPI(models.Model):
    """A KPI value (spec §12.3, §12.5): ``fill_rate`` (ratio), ``backlog_total``,
    ``demand_total``, ``supply_total``, ``unserved_spill`` (pieces), ``utilisation_pct`` (%),
    ``backlog_days`` (days), per ``total`` / ``month`` / ``week`` bucket."""

    plan = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="kpis")
    metric = models.CharField(_("metric"), max_length=64)
    bucket_type = models.CharField(_("bucket type"), max_length=8, default="total")
    bucket_key = models.CharField(_("bucket"), max_length=32, default="total")
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("plan KPI")
        verbose_name_plural = _("plan KPIs")
        ordering = ["metric", "bucket_type", "bucket_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "metric", "bucket_type", "bucket_key"], name="plan_kpi_key"
            ),
        ]
        indexes = [models.Index(fields=["metric", "bucket_type"], name="kpi_metric_bucket_idx")]

    def __str__(self) -> str:
        return f"{self.metric}[{self.bucket_key}]={self.value}"


class PlanJobManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind="plan")


class PlanJob(Job):
    """The ``plan`` kind of :class:`~planning_hub.jobs.models.Job` (a proxy: the row lives in
    the one job table), with the plan it executes: ``plan`` / ``plan_id`` and the input set
    label and content hash the plan recorded. ``PlanJob(plan=…)`` makes a queued plan job
    (without its run: use :func:`plans.services.plan_create_and_execute`)."""

    objects = PlanJobManager()

    class Meta:
        proxy = True
        verbose_name = _("plan job")
        verbose_name_plural = _("plan jobs")

    @property
    def plan(self) -> PlanVersion:
        return self.object

    @plan.setter
    def plan(self, plan: PlanVersion) -> None:
        self.object = plan

    def save(self, *args, **kwargs):
        self.kind = "plan"
        super().save(*args, **kwargs)

    @property
    def plan_id(self) -> int | None:
        return self.object_id

    @property
    def input_set_label(self) -> str:
        return self.plan.input_set_label

    @property
    def input_set_content_hash(self) -> str:
        return self.plan.input_set_content_hash
