"""The eight sections of an input set: file name, columns, aliases, natural key, rules.

This registry is the one description of the file layout (spec ``planning_pipeline.md`` §2,
aliases from ``reference_features.md`` §1.7) that the importer, exporter, content hash, diff,
admin and API all read. A section maps one CSV file (``period_metric`` maps three) to one
child model.
"""

from dataclasses import dataclass, field
from typing import Literal

from . import models
from .choices import DemandSourceType, ResourceType, WeightSource

Kind = Literal["str", "float", "date"]


@dataclass(frozen=True)
class Column:
    """One column of a section.

    ``field``: model field name; ``header``: the column name written on export; ``aliases``:
    other accepted header names on import (case-insensitive). ``required`` columns must be
    present and non-empty; optional ones fall back to ``default`` (``None`` = NULL / empty).
    ``minimum``/``maximum`` bound numbers; ``choices`` restrict strings.

    A ``str`` column without ``choices`` is a code (an identifier such as a family or item)
    unless ``free_text``: codes that begin with a spreadsheet formula character are refused at
    import, free text is accepted and neutralised in CSV exports (issue 15,
    ``input_sets.io.strict_checks``).
    """

    field: str
    header: str
    kind: Kind = "str"
    aliases: tuple[str, ...] = ()
    required: bool = False
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()
    free_text: bool = False

    @property
    def is_code(self) -> bool:
        """An identifier column: formula-like values are refused (issue 15)."""
        return self.kind == "str" and not self.choices and not self.free_text

    @property
    def accepted_headers(self) -> tuple[str, ...]:
        return (self.header, self.field, *self.aliases)


@dataclass(frozen=True)
class Section:
    """One input section: ``name`` (API/URL key), ``filename``, ``model``, ``columns`` and the
    natural ``key`` (model field names) that identifies a row inside one input set."""

    name: str
    filename: str
    model: type
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    title: str
    filters: tuple[str, ...] = field(default=())

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)


NON_NEGATIVE = {"minimum": 0.0}

SECTIONS: tuple[Section, ...] = (
    Section(
        name="family_demand",
        filename="demand_family.csv",
        model=models.FamilyDemand,
        title="Family demand",
        key=("family_code", "period"),
        filters=("family_code", "period"),
        columns=(
            Column("family_code", "family", required=True),
            Column("period", "period", required=True),
            Column("demand", "demand", "float", ("qty", "quantity"), required=True, **NON_NEGATIVE),
            Column(
                "source_type",
                "source_type",
                default=DemandSourceType.IMPORTED.value,
                choices=tuple(DemandSourceType.values),
            ),
            Column("tolerance_abs", "tolerance_abs", "float", **NON_NEGATIVE),
        ),
    ),
    Section(
        name="capacity",
        filename="capacity.csv",
        model=models.CapacityBucket,
        title="Capacity buckets",
        key=("resource_code", "period"),
        filters=("resource_code", "period"),
        columns=(
            Column("resource_code", "workcenter", aliases=("resource",), required=True),
            Column(
                "resource_type",
                "resource_type",
                default=ResourceType.WORKCENTER.value,
                choices=tuple(ResourceType.values),
            ),
            Column("period", "period", required=True),
            Column("capacity", "capacity", "float", required=True, **NON_NEGATIVE),
            Column("calendar_code", "calendar_code", default=""),
        ),
    ),
    Section(
        name="mix_share",
        filename="mix_share.csv",
        model=models.MixShare,
        title="Mix shares",
        key=("family_code", "sku_code", "effective_from"),
        filters=("family_code", "sku_code"),
        columns=(
            Column("family_code", "family", required=True),
            Column("sku_code", "sku", required=True),
            Column("share", "share", "float", required=True, minimum=0.0, maximum=1.0),
            Column("effective_from", "effective_from", "date"),
            Column("effective_to", "effective_to", "date"),
            Column(
                "weight_source",
                "weight_source",
                default=WeightSource.MANUAL.value,
                choices=tuple(WeightSource.values),
            ),
        ),
    ),
    Section(
        name="inventory",
        filename="inventory.csv",
        model=models.InventorySnapshot,
        title="Inventory snapshots",
        key=("node_code", "item_code"),
        filters=("node_code", "item_code"),
        columns=(
            Column("item_code", "item", required=True),
            Column("node_code", "loc", aliases=("location", "node"), required=True),
            Column(
                "on_hand", "qty", "float", ("initial_qty", "on_hand"), required=True, **NON_NEGATIVE
            ),
            Column("reorder_point", "reorder_point", "float", **NON_NEGATIVE),
            Column("order_up_to", "order_up_to", "float", **NON_NEGATIVE),
            Column("safety_stock", "safety_stock", "float", **NON_NEGATIVE),
        ),
    ),
    Section(
        name="inbound",
        filename="open_po.csv",
        model=models.InboundOrder,
        title="Inbound orders",
        key=("po_id",),
        filters=("item_code", "due_date"),
        columns=(
            # po_id is derived when absent (see importing.derive_po_ids)
            Column("po_id", "po_id"),
            Column("item_code", "item", required=True),
            Column("due_date", "due", required=True),
            Column("qty", "qty", "float", ("quantity",), required=True, **NON_NEGATIVE),
            Column("source_node", "source_node", default=""),
            Column("dest_node", "dest_node", default=""),
        ),
    ),
    Section(
        name="period_metric",
        filename="period_metric.csv",
        model=models.PeriodMetric,
        title="Period metrics",
        key=("metric_code", "period"),
        filters=("metric_code", "period"),
        columns=(
            Column("metric_code", "metric", required=True),
            Column("period", "period", required=True),
            Column("value", "value", "float", required=True),
            Column("unit", "unit", default="", free_text=True),
            Column("source", "source", default="", free_text=True),
        ),
    ),
    Section(
        name="item",
        filename="item.csv",
        model=models.Item,
        title="Items",
        key=("item_code",),
        filters=("item_code",),
        columns=(
            Column("item_code", "item", required=True),
            Column("lead_time_days", "lt", "float", ("lead_time",), default=0.0, **NON_NEGATIVE),
            Column("lot_size", "lot", "float", ("lot",), default=1.0, **NON_NEGATIVE),
            Column("moq", "moq", "float", default=0.0, **NON_NEGATIVE),
        ),
    ),
    Section(
        name="bom",
        filename="bom.csv",
        model=models.BomLine,
        title="BOM lines",
        key=("parent_item", "child_item"),
        filters=("parent_item", "child_item"),
        columns=(
            Column("parent_item", "parent", required=True),
            Column("child_item", "child", required=True),
            Column(
                "qty",
                "qty",
                "float",
                ("quantity",),
                required=True,
                minimum=0.0,
                exclusive_minimum=True,
            ),
        ),
    ),
)

SECTIONS_BY_NAME: dict[str, Section] = {s.name: s for s in SECTIONS}

# period_cost.csv / period_score.csv are single-metric views of the period_metric section:
# column "cost" (or "score") holds the value and the metric code comes from the file name.
METRIC_FILES: dict[str, str] = {"period_cost.csv": "cost", "period_score.csv": "score"}

CALENDAR_FILE = "planning_calendar.json"
PARAMS_FILE = "planning_params.json"
META_FILE = "input_set_meta.json"
JSON_FILES = (CALENDAR_FILE, PARAMS_FILE, META_FILE)


def section_for_file(filename: str) -> Section | None:
    """The section a file name belongs to, or ``None`` (calendar/params/meta/unknown)."""
    if filename in METRIC_FILES:
        return SECTIONS_BY_NAME["period_metric"]
    return next((s for s in SECTIONS if s.filename == filename), None)


def known_files() -> set[str]:
    return {s.filename for s in SECTIONS} | set(METRIC_FILES) | set(JSON_FILES)
