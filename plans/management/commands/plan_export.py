"""``manage.py plan_export VERSION -o DIR``: a plan's results as JSON files and report.csv."""

from pathlib import Path

from django.core.management.base import BaseCommand

from input_sets.management.commands._common import fail
from plans.exceptions import PlanError
from plans.exporting import plan_export_files
from plans.models import PlanVersion


class Command(BaseCommand):
    help = "Export a plan: aggregate.json, sku_week.json, mrp.json, plan_final.json, report.csv."

    def add_arguments(self, parser):
        parser.add_argument("version")
        parser.add_argument("-o", "--out-dir", required=True)

    def handle(self, *args, **opts):
        plan = PlanVersion.objects.filter(version_id=opts["version"]).first()
        if plan is None:
            raise fail(f"Plan version '{opts['version']}' not found.")
        try:
            files = list(plan_export_files(plan=plan))
        except PlanError as exc:
            raise fail(str(exc)) from exc
        out = Path(opts["out_dir"])
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files:
            (out / name).write_bytes(data)
        self.stdout.write(f"exported {plan.version_id} → {out}")
