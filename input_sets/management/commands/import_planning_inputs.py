"""``manage.py import_planning_inputs``: import a folder or zip into a draft input set."""

import argparse
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from input_sets.choices import ApplyMode, InputSetSource
from input_sets.exceptions import ImportRejected
from input_sets.io.bundle import BundleError, InputBundle
from input_sets.io.encoding import AUTO, normalize_encoding
from input_sets.services import input_set_import
from input_sets.services.importing import ImportReport
from planning_hub.db_busy import DatabaseBusy

from ._common import ProgressBar, fail, print_json


class Command(BaseCommand):
    help = (
        "Import planning input files (folder or zip, layout of docs/input_files.md) as a draft "
        "input set. Any error rejects the whole import and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-i",
            "--input",
            "--input-dir",
            dest="input",
            required=True,
            help="Folder or .zip archive holding the input files.",
        )
        version = parser.add_mutually_exclusive_group(required=True)
        version.add_argument("--version-id", type=int, help="Existing config version id.")
        version.add_argument("--new-version-id", type=int, help="Create this config version id.")
        parser.add_argument("--label", help="Input set label (default: import_<dirname>).")
        parser.add_argument("--apply-mode", choices=ApplyMode.values, default=ApplyMode.REPLACE)
        parser.add_argument(
            "--validate-only", action="store_true", help="Check only; write nothing."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument(
            "--report", "--report-path", dest="report", help="Also write the JSON report here."
        )
        parser.add_argument("--actor", default="", help="Who imports (recorded on the event).")
        parser.add_argument("--source", choices=InputSetSource.values, default=InputSetSource.CSV)
        parser.add_argument("--comment", default="")
        parser.add_argument(
            "--encoding",
            type=_encoding,
            default=AUTO,
            help=(
                "Text encoding of the CSV files: auto (default: UTF-8 with or without BOM, "
                "then CP932, then a guess with a warning), utf-8, cp932 or any Python codec. "
                "An explicit encoding is used strictly; JSON files are always read as auto."
            ),
        )

    def handle(self, *args, **opts):
        try:
            bundle = InputBundle.from_path(opts["input"])
        except BundleError as exc:
            # an unusable folder or archive (zip bomb, unsafe path, …): the report names it
            self._emit(ImportReport(status="error", action="rejected", errors=[exc.issue]), opts)
            raise fail(f"{exc.issue.file}: {exc.issue.code}: {exc.issue.message}") from exc
        label = opts["label"] or (bundle.meta_label() or f"import_{bundle.name}")
        actor = opts["actor"] or "cli"
        user = get_user_model().objects.filter(username=actor).first()
        try:
            report = input_set_import(
                bundle=bundle,
                label=label,
                config_version_id=opts["version_id"] or opts["new_version_id"],
                create_config_version=opts["new_version_id"] is not None,
                apply_mode=opts["apply_mode"],
                validate_only=opts["validate_only"],
                source=opts["source"],
                actor=actor,
                user=user,
                comment=opts["comment"],
                progress=ProgressBar(),
                encoding=opts["encoding"],
            )
        except ImportRejected as exc:
            self._emit(exc.report, opts)
            raise fail(str(exc)) from exc
        except DatabaseBusy as exc:  # SQLite stayed locked through every retry
            raise fail(f"{exc.code}: {exc}") from exc
        self._emit(report, opts)

    def _emit(self, report, opts):
        payload = report.as_dict()
        if opts["report"]:
            path = Path(opts["report"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
        if opts["json"]:
            print_json(self, payload)
            return
        for issue in report.errors:
            self.stderr.write(_format_issue("ERROR", issue))
        for issue in report.warnings:
            self.stderr.write(_format_issue("WARNING", issue))
        if report.status == "ok":
            info = report.input_set
            counts = ", ".join(f"{k}={v}" for k, v in report.counts.items())
            self.stdout.write(
                f"{report.action}: {info['label']} (id={info['id']}, status={info['status']}, "
                f"config_version={info['config_version_id']}) hash={info['content_hash']}\n{counts}"
            )


def _encoding(value: str) -> str:
    try:
        return normalize_encoding(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _format_issue(level, issue) -> str:
    where = issue.file + (f":{issue.line}" if issue.line else "")
    column = f" [{issue.column}]" if issue.column else ""
    value = f" (value: {issue.value})" if issue.value is not None else ""
    return f"{level} {where}{column} {issue.code}: {issue.message}{value}"
