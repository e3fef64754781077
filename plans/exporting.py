"""A plan's results as files (aggregate.json, sku_week.json, mrp.json, plan_final.json,
report.csv) — shared by ``manage.py plan_export`` and the API's export endpoint."""

import csv
import io
import json
import zipfile
from collections.abc import Iterator

from planning_hub.spreadsheet import neutralise_formula

from .exceptions import PlanError
from .models import PlanArtifact, PlanKPI, PlanVersion
from .selectors import plan_series_read

ARTIFACT_FILES = ("aggregate.json", "sku_week.json", "mrp.json", "plan_final.json")
# artifact → (series level, name of item_key, name of time_bucket_key) for omitted rows
SERIES_SOURCE = {
    "aggregate.json": ("aggregate", "family", "period"),
    "sku_week.json": ("det", "sku", "week"),
    "mrp.json": ("mrp", "item", "week"),
    "plan_final.json": ("mrp_final", "item", "week"),
}
MEASURES = ("demand", "supply", "backlog", "inventory_open", "inventory_close", "capacity_used")


def plan_export_files(*, plan: PlanVersion) -> Iterator[tuple[str, bytes]]:
    """Yield ``(file name, bytes)``. Raises :class:`PlanError` (``plan_not_executed``) when the
    plan has no results."""
    artifacts = dict(
        PlanArtifact.objects.filter(plan=plan, name__in=ARTIFACT_FILES).values_list(
            "name", "payload"
        )
    )
    missing = [name for name in ARTIFACT_FILES if name not in artifacts]
    if missing:
        raise PlanError(
            f"Plan {plan.version_id} has no results ({', '.join(missing)} missing); was it executed?",
            code="plan_not_executed",
        )
    for name in ARTIFACT_FILES:
        payload = artifacts[name]
        if payload.get("rows_omitted"):
            payload = {**payload, "rows": series_rows(plan, *SERIES_SOURCE[name])}
        yield name, json.dumps(payload, indent=2, ensure_ascii=False).encode()
    yield "report.csv", _report_csv(plan)


def plan_export_zip(*, plan: PlanVersion) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in plan_export_files(plan=plan):
            archive.writestr(name, data)
    return buffer.getvalue()


def series_rows(plan, level: str, item_name: str, bucket_name: str) -> list[dict]:
    """Rows of one series level in artifact form (large plans store rows only as series):
    ``{<item_name>, <bucket_name>, demand, supply, backlog, inventory_open, inventory_close,
    capacity_used, **extra}``, ordered by bucket then item as the artifacts are."""
    rows = plan_series_read(plan=plan, level=level).rows()
    rows.sort(key=lambda r: (r["time_bucket_key"], r["item_key"]))
    return [
        {
            item_name: r["item_key"],
            bucket_name: r["time_bucket_key"],
            **{m: r[m] for m in MEASURES},
            **r["extra"],
        }
        for r in rows
    ]


def _report_csv(plan) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "bucket_type", "bucket_key", "value", "unit"])
    for kpi in PlanKPI.objects.filter(plan=plan).order_by("metric", "bucket_type", "bucket_key"):
        # bucket keys can hold family or SKU codes of legacy inputs that never passed import
        values = (kpi.metric, kpi.bucket_type, kpi.bucket_key, kpi.value, kpi.unit)
        writer.writerow([neutralise_formula(v) for v in values])
    return out.getvalue().encode()
