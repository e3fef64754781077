"""Planning input sets: a versioned, reviewed, normalized copy of every planning input.

A :class:`PlanningInputSet` belongs to a :class:`CanonicalConfigVersion` and owns eight child
tables, one per input file of the planning pipeline (spec ``planning_pipeline.md`` §2). Child
rows are only written through ``input_sets.services`` (bulk, in one transaction) and are never
changed once the set is ``ready`` or ``archived``.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from planning_hub.jobs.models import JobStatus, read_through

from .choices import (
    ConfigVersionStatus,
    DemandSourceType,
    InputSetSource,
    InputSetStatus,
    ResourceType,
    WeightSource,
)

LABEL_PATTERN = r"^[A-Za-z0-9._-]{1,100}$"
label_validator = RegexValidator(
    LABEL_PATTERN,
    _("Use 1–100 letters, digits, '.', '_' or '-'."),
    code="invalid_input_set_label",
)

# Codes (family, SKU, item, resource, node, period) share one width.
CODE_LENGTH = 100


class CanonicalConfigVersion(models.Model):
    """A version of the canonical planning configuration that input sets attach to."""

    name = models.CharField(_("name"), max_length=200)
    version_tag = models.CharField(_("version tag"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ConfigVersionStatus.choices,
        default=ConfigVersionStatus.ACTIVE,
    )
    description = models.TextField(_("description"), blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("config version")
        verbose_name_plural = _("config versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConfigVersionStatus.values),
                name="config_version_status_valid",
            ),
        ]

    def __str__(self) -> str:
        tag = f" ({self.version_tag})" if self.version_tag else ""
        return f"#{self.pk} {self.name}{tag}"


class PlanningInputSet(models.Model):
    """One reviewed bundle of planning inputs (header row; children hold the data).

    ``content_hash`` is the sha256 of the canonical serialization of every child row, the
    calendar and the planning params (``input_sets.services.hashing``): equal data, equal hash.
    """

    config_version = models.ForeignKey(
        CanonicalConfigVersion,
        verbose_name=_("config version"),
        on_delete=models.PROTECT,
        related_name="input_sets",
    )
    label = models.CharField(_("label"), max_length=100, unique=True, validators=[label_validator])
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InputSetStatus.choices,
        default=InputSetStatus.DRAFT,
    )
    source = models.CharField(
        _("source"), max_length=8, choices=InputSetSource.choices, default=InputSetSource.CSV
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    calendar_spec = models.JSONField(_("calendar"), null=True, blank=True)
    planning_params = models.JSONField(_("planning params"), default=dict, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    approved_by = models.CharField(_("approved by"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("input set")
        verbose_name_plural = _("input sets")
        permissions = [("review_planninginputset", _("Can approve, revert and archive input sets"))]
        indexes = [
            models.Index(fields=["config_version", "status"], name="inputset_cfg_status_idx"),
            models.Index(fields=["status", "-updated_at"], name="inputset_status_upd_idx"),
            models.Index(fields=["created_at"], name="inputset_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InputSetStatus.values), name="input_set_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=InputSetSource.values), name="input_set_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(label__regex=LABEL_PATTERN), name="input_set_label_format"
            ),
            # A ready set always carries its approval stamp.
            models.CheckConstraint(
                condition=~Q(status=InputSetStatus.READY) | Q(approved_at__isnull=False),
                name="input_set_ready_is_approved",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_editable(self) -> bool:
        """Only drafts accept new data; ready and archived sets are immutable."""
        return self.status == InputSetStatus.DRAFT


class InputSetChild(models.Model):
    """Common base of the eight child tables (rows of one input file)."""

    # db_index=False: every child's unique natural key starts with input_set_id, which serves
    # the "rows of one set" lookups; a second index only slows million-row imports.
    input_set = models.ForeignKey(
        PlanningInputSet, on_delete=models.CASCADE, related_name="%(class)s_rows", db_index=False
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        from .sections import SECTIONS

        section = next(s for s in SECTIONS if s.model is type(self))
        return " / ".join(str(getattr(self, f)) for f in section.key)


def _non_negative(model: str, *fields: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 0}),
            name=f"{model}_{f}_non_negative",
        )
        for f in fields
    ]


class FamilyDemand(InputSetChild):
    """Demand of one product family in one period (pieces). File ``demand_family.csv``."""

    family_code = models.CharField(_("family"), max_length=CODE_LENGTH)
    period = models.CharField(_("period"), max_length=32)
    demand = models.FloatField(_("demand"))
    source_type = models.CharField(
        _("source type"),
        max_length=16,
        choices=DemandSourceType.choices,
        default=DemandSourceType.IMPORTED,
    )
    tolerance_abs = models.FloatField(_("absolute tolerance"), null=True, blank=True)

    class Meta:
        verbose_name = _("family demand")
        verbose_name_plural = _("family demand")
        ordering = ["family_code", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["input_set", "family_code", "period"], name="family_demand_key"
            ),
            models.CheckConstraint(
                condition=Q(source_type__in=DemandSourceType.values),
                name="family_demand_source_type_valid",
            ),
            *_non_negative("family_demand", "demand", "tolerance_abs"),
        ]
        indexes = [models.Index(fields=["input_set", "period"], name="family_demand_period_idx")]


class CapacityBucket(InputSetChild):
    """Capacity of one resource in one period (pieces of finished goods). ``capacity.csv``."""

    resource_code = models.CharField(_("resource"), max_length=CODE_LENGTH)
    resource_type = models.CharField(
        _("resource type"),
        max_length=16,
        choices=ResourceType.choices,
        default=ResourceType.WORKCENTER,
    )
    period = models.CharField(_("period"), max_length=32)
    capacity = models.FloatField(_("capacity"))
    calendar_code = models.CharField(_("calendar code"), max_length=CODE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("capacity bucket")
        verbose_name_plural = _("capacity buckets")
        ordering = ["resource_code", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["input_set", "resource_code", "period"], name="capacity_bucket_key"
            ),
            models.CheckConstraint(
                condition=Q(resource_type__in=ResourceType.values),
                name="capacity_bucket_resource_type_valid",
            ),
            *_non_negative("capacity_bucket", "capacity"),
        ]
        indexes = [models.Index(fields=["input_set", "period"], name="capacity_period_idx")]


class MixShare(InputSetChild):
    """Share of a family's demand that goes to one SKU, in [0, 1]. ``mix_share.csv``."""

    family_code = models.CharField(_("family"), max_length=CODE_LENGTH)
    sku_code = models.CharField(_("SKU"), max_length=CODE_LENGTH)
    share = models.FloatField(_("share"))
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    weight_source = models.CharField(
        _("weight source"), max_length=16, choices=WeightSource.choices, default=WeightSource.MANUAL
    )

    class Meta:
        verbose_name = _("mix share")
        verbose_name_plural = _("mix shares")
        ordering = ["family_code", "sku_code", "effective_from"]
        constraints = [
            # NULL effective_from must collide with NULL (the reference allowed duplicates).
            models.UniqueConstraint(
                "input_set",
                "family_code",
                "sku_code",
                Coalesce("effective_from", models.Value("0001-01-01", models.DateField())),
                name="mix_share_key",
            ),
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=1), name="mix_share_share_range"
            ),
            models.CheckConstraint(
                condition=Q(weight_source__in=WeightSource.values),
                name="mix_share_weight_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="mix_share_effective_range",
            ),
        ]
        indexes = [models.Index(fields=["input_set", "sku_code"], name="mix_share_sku_idx")]


class InventorySnapshot(InputSetChild):
    """On hand of one item at one node at the start of the horizon (pieces). ``inventory.csv``."""

    node_code = models.CharField(_("node"), max_length=CODE_LENGTH)
    item_code = models.CharField(_("item"), max_length=CODE_LENGTH)
    on_hand = models.FloatField(_("on hand"))
    reorder_point = models.FloatField(_("reorder point"), null=True, blank=True)
    order_up_to = models.FloatField(_("order-up-to level"), null=True, blank=True)
    safety_stock = models.FloatField(_("safety stock"), null=True, blank=True)

    class Meta:
        verbose_name = _("inventory snapshot")
        verbose_name_plural = _("inventory snapshots")
        ordering = ["node_code", "item_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["input_set", "node_code", "item_code"], name="inventory_snapshot_key"
            ),
            *_non_negative(
                "inventory_snapshot", "on_hand", "reorder_point", "order_up_to", "safety_stock"
            ),
        ]
        indexes = [models.Index(fields=["input_set", "item_code"], name="inventory_item_idx")]


class InboundOrder(InputSetChild):
    """An open purchase/production order (scheduled receipt). ``open_po.csv``.

    ``due_date`` is an ISO date, a period key (``YYYY-MM``) or a calendar week code (spec §3.4).
    When the file has no ``po_id`` the importer derives ``<item>:<due>:<n>`` (n = occurrence).
    """

    po_id = models.CharField(_("PO id"), max_length=200)
    item_code = models.CharField(_("item"), max_length=CODE_LENGTH)
    source_node = models.CharField(_("source node"), max_length=CODE_LENGTH, blank=True)
    dest_node = models.CharField(_("destination node"), max_length=CODE_LENGTH, blank=True)
    due_date = models.CharField(_("due"), max_length=32)
    qty = models.FloatField(_("quantity"))

    class Meta:
        verbose_name = _("inbound order")
        verbose_name_plural = _("inbound orders")
        ordering = ["due_date", "item_code", "po_id"]
        constraints = [
            models.UniqueConstraint(fields=["input_set", "po_id"], name="inbound_order_key"),
            *_non_negative("inbound_order", "qty"),
        ]
        indexes = [models.Index(fields=["input_set", "item_code"], name="inbound_item_idx")]


class PeriodMetric(InputSetChild):
    """A per-period metric (``cost``, ``score`` or custom). ``period_cost.csv`` etc."""

    metric_code = models.CharField(_("metric"), max_length=64)
    period = models.CharField(_("period"), max_length=32)
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("period metric")
        verbose_name_plural = _("period metrics")
        ordering = ["metric_code", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["input_set", "metric_code", "period"], name="period_metric_key"
            ),
        ]


class Item(InputSetChild):
    """Item master row: lead time (days, or weeks when the run says ``lt_unit=week``), lot
    size (order multiple, pieces) and MOQ (pieces). ``item.csv``."""

    item_code = models.CharField(_("item"), max_length=CODE_LENGTH)
    lead_time_days = models.FloatField(_("lead time"), default=0)
    lot_size = models.FloatField(_("lot size"), default=1)
    moq = models.FloatField(_("MOQ"), default=0)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["item_code"]
        constraints = [
            models.UniqueConstraint(fields=["input_set", "item_code"], name="item_key"),
            *_non_negative("item", "lead_time_days", "lot_size", "moq"),
        ]


class BomLine(InputSetChild):
    """One BOM link: ``qty`` pieces of ``child_item`` per piece of ``parent_item``. ``bom.csv``."""

    parent_item = models.CharField(_("parent item"), max_length=CODE_LENGTH)
    child_item = models.CharField(_("child item"), max_length=CODE_LENGTH)
    qty = models.FloatField(_("quantity per"))

    class Meta:
        verbose_name = _("BOM line")
        verbose_name_plural = _("BOM lines")
        ordering = ["parent_item", "child_item"]
        constraints = [
            models.UniqueConstraint(
                fields=["input_set", "parent_item", "child_item"], name="bom_line_key"
            ),
            models.CheckConstraint(condition=Q(qty__gt=0), name="bom_line_qty_positive"),
            models.CheckConstraint(
                condition=~Q(parent_item=models.F("child_item")), name="bom_line_not_self"
            ),
        ]


class InputSetReference(models.Model):
    """What a plan or a run records about its inputs: the config version, the input set (NULL
    only in legacy mode) and snapshots of its label and content hash, which stay even if the
    set could no longer be resolved (runbook §5 "Missing InputSet")."""

    config_version = models.ForeignKey(
        CanonicalConfigVersion,
        verbose_name=_("config version"),
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    input_set = models.ForeignKey(
        PlanningInputSet,
        verbose_name=_("input set"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    input_set_label = models.CharField(
        _("input set label"), max_length=100, blank=True, db_index=True
    )
    input_set_content_hash = models.CharField(
        _("input set content hash"), max_length=64, blank=True
    )

    class Meta:
        abstract = True

    @property
    def is_legacy(self) -> bool:
        """Planned without an input set (runbook §5 "Legacy mode")."""
        return not self.input_set_label

    @property
    def is_missing(self) -> bool:
        """A label was recorded but the set no longer resolves (runbook §5 "Missing InputSet")."""
        return bool(self.input_set_label) and self.input_set_id is None


DiffStatus = JobStatus  # a diff's status is its job's


class InputSetDiff(models.Model):
    """A diff of set A ("current") against set B ("other"), computed by a job of kind
    ``diff`` (:mod:`input_sets.jobs`) and cached.

    Keyed by both sets *and both content hashes*, so a cached diff can never describe data
    that has changed; the unique key also means at most one job per pair at a time. ``job`` is
    the newest computation (status, progress, error and times are read from it). Results
    older than ``INPUT_SET_DIFF_TTL_SECONDS`` are stale and recomputed on the next request.
    """

    input_set = models.ForeignKey(PlanningInputSet, on_delete=models.CASCADE, related_name="diffs")
    content_hash = models.CharField(max_length=64)
    against = models.ForeignKey(PlanningInputSet, on_delete=models.CASCADE, related_name="+")
    against_content_hash = models.CharField(max_length=64)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # every computation of this diff (deleted with it)
    jobs = GenericRelation(
        "jobs.Job",
        object_id_field="object_id",
        content_type_field="object_type",
        related_query_name="input_set_diff",
    )

    class Meta:
        verbose_name = _("input set diff")
        verbose_name_plural = _("input set diffs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["input_set", "content_hash", "against", "against_content_hash"],
                name="input_set_diff_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.input_set_id}@{self.content_hash[:8]} vs {self.against_id}@{self.against_content_hash[:8]}"

    status = read_through("job", "status", JobStatus.QUEUED)
    progress = read_through("job", "progress", 0)
    current_step = read_through("job", "current_step", "")
    error = read_through("job", "error", "")
    task_id = read_through("job", "task_id", "")
    requested_at = read_through("job", "submitted_at")
    started_at = read_through("job", "started_at")
    finished_at = read_through("job", "finished_at")
    duration_ms = read_through("job", "duration_ms")

    def get_status_display(self) -> str:
        return self.job.get_status_display() if self.job else str(JobStatus.QUEUED.label)


class DiffKind(models.TextChoices):
    ADDED = "added", _("Added")
    REMOVED = "removed", _("Removed")
    CHANGED = "changed", _("Changed")


class InputSetDiffRow(models.Model):
    """One added / removed / changed row of a stored diff (paged by the hub page and API).
    ``current``/``previous`` hold the row in set A / set B; ``columns`` the changed fields."""

    diff = models.ForeignKey(InputSetDiff, on_delete=models.CASCADE, related_name="rows")
    section = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=DiffKind.choices)
    key = models.JSONField()
    columns = models.JSONField(default=list)
    current = models.JSONField(null=True)
    previous = models.JSONField(null=True)

    class Meta:
        verbose_name = _("input set diff row")
        verbose_name_plural = _("input set diff rows")
        indexes = [models.Index(fields=["diff", "section", "kind", "id"], name="diffrow_page_idx")]

    def __str__(self) -> str:
        return f"{self.section} {self.kind} {self.key}"
