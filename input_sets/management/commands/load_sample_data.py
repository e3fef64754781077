"""``manage.py load_sample_data``: import the bundled sample (``samples/planning_sample``)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from input_sets.choices import InputSetSource, InputSetStatus
from input_sets.exceptions import ImportRejected, InputSetError
from input_sets.io.bundle import InputBundle
from input_sets.models import CanonicalConfigVersion, PlanningInputSet
from input_sets.services import input_set_approve, input_set_import

from ._common import fail, print_json

SAMPLE_DIR = Path(settings.BASE_DIR) / "samples" / "planning_sample"


class Command(BaseCommand):
    help = "Load the bundled sample input set (idempotent); --approve makes it ready."

    def add_arguments(self, parser):
        parser.add_argument("--label", default="demo_sample")
        parser.add_argument(
            "--version-id", type=int, default=1, help="Config version (created if missing)."
        )
        parser.add_argument(
            "--approve", action="store_true", help="Approve it as reviewer 'demo_reviewer'."
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        label, version_id = opts["label"], opts["version_id"]
        with transaction.atomic():
            CanonicalConfigVersion.objects.get_or_create(
                pk=version_id, defaults={"name": "Demo config", "version_tag": "demo"}
            )
        existing = PlanningInputSet.objects.filter(label=label).first()
        action = "kept"
        if existing is None or existing.status == InputSetStatus.DRAFT:
            try:
                report = input_set_import(
                    bundle=InputBundle.from_path(SAMPLE_DIR),
                    label=label,
                    config_version_id=version_id,
                    source=InputSetSource.SEED,
                    actor="load_sample_data",
                )
            except ImportRejected as exc:
                raise fail(str(exc)) from exc
            action = report.action
        input_set = PlanningInputSet.objects.get(label=label)
        if opts["approve"] and input_set.status == InputSetStatus.DRAFT:
            try:
                input_set = input_set_approve(
                    label=label,
                    reviewer="demo_reviewer",
                    comment="Demo data approved by load_sample_data",
                )
            except InputSetError as exc:
                raise fail(str(exc)) from exc
        payload = {
            "action": action,
            "label": input_set.label,
            "status": input_set.status,
            "config_version_id": input_set.config_version_id,
            "content_hash": input_set.content_hash,
        }
        if opts["json"]:
            print_json(self, payload)
        else:
            self.stdout.write(f"sample {payload['label']}: {action}, status {payload['status']}")
