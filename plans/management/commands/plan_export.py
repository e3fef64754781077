"""``manage.py plan_export VERSION -o DIR``: a plan's results as JSON files and report.csv."""

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand

from input_sets.management.commands._common import fail
from plans.models import PlanArtifact, PlanKPI, PlanSeries, PlanVersion

ARTIFACT_FILES = ("aggregate.json", "sku_week.json", "mrp.json", "plan_final.json")
# artifact → (series level, name of item_key, name of time_bucket_key) for omitted rows
SERIES_SOURCE = {
    "aggregate.json": ("aggregate", "family", "period"),
    "sku_week.json": ("det", "sku", "week"),
    "mrp.json": ("mrp", "item", "week"),
    "plan_final.json": ("mrp_final", "item", "week"),
}
MEASURES = ("demand", "supply", "backlog", "inventory_open", "inventory_close", "capacity_used")


class Command(BaseCommand):
    help = "Export a plan: aggregate.json, sku_week.json, mrp.json, plan_final.json, report.csv."

    def add_arguments(self, parser):
        parser.add_argument("version")
        parser.add_argument("-o", "--out-dir", required=True)

    def handle(self, *args, **opts):
        plan = PlanVersion.objects.filter(version_id=opts["version"]).first()
        if plan is None:
            raise fail(f"Plan version '{opts['version']}' not found.")
        artifacts = dict(
            PlanArtifact.objects.filter(plan=plan, name__in=ARTIFACT_FILES).values_list(
                "name", "payload"
            )
        )
        missing = [name for name in ARTIFACT_FILES if name not in artifacts]
        if missing:
            raise fail(
                f"Plan {plan.version_id} has no results ({', '.join(missing)} missing); was it executed?"
            )
        out = Path(opts["out_dir"])
        out.mkdir(parents=True, exist_ok=True)
        for name in ARTIFACT_FILES:
            payload = artifacts[name]
            if payload.get("rows_omitted"):
                payload = {**payload, "rows": series_rows(plan, *SERIES_SOURCE[name])}
            (out / name).write_text(json.dumps(payload, indent=2, ensure_ascii=False))
        with (out / "report.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["metric", "bucket_type", "bucket_key", "value", "unit"])
            for kpi in PlanKPI.objects.filter(plan=plan).order_by(
                "metric", "bucket_type", "bucket_key"
            ):
                writer.writerow([kpi.metric, kpi.bucket_type, kpi.bucket_key, kpi.value, kpi.unit])
        self.stdout.write(f"exported {plan.version_id} → {out}")


def series_rows(plan, level: str, item_name: str, bucket_name: str) -> list[dict]:
    """Rows of one series level in artifact form (large plans store rows only as series)."""
    rows = PlanSeries.objects.filter(plan=plan, level=level).order_by("time_bucket_key", "item_key")
    return [
        {
            item_name: r.item_key,
            bucket_name: r.time_bucket_key,
            **{m: getattr(r, m) for m in MEASURES},
            **r.extra,
        }
        for r in rows.iterator(chunk_size=10_000)
    ]
