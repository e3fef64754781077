"""``manage.py export_audit_evidence --label L [--date YYYYMMDD] [-o evidence/]``."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand

from input_sets.exceptions import InputSetNotFound
from input_sets.management.commands._common import fail
from input_sets.services.evidence import evidence_export


class Command(BaseCommand):
    help = "Write events.json, the export zip and a sha256 manifest for an input set's audit."

    def add_arguments(self, parser):
        parser.add_argument("--label", required=True)
        parser.add_argument("--date", help="YYYYMMDD folder name (default: today).")
        parser.add_argument("-o", "--output-dir", default="evidence")

    def handle(self, *args, **opts):
        if opts["date"] and not re.fullmatch(r"\d{8}", opts["date"]):
            raise fail("--date must be YYYYMMDD.")
        try:
            folder = evidence_export(
                label=opts["label"], out_dir=Path(opts["output_dir"]), date=opts["date"]
            )
        except InputSetNotFound as exc:
            raise fail(str(exc)) from exc
        self.stdout.write(str(folder))
