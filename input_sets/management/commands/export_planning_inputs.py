"""``manage.py export_planning_inputs``: write an input set back as files (lossless)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from input_sets import selectors
from input_sets.exceptions import InputSetNotFound
from input_sets.services import input_set_export_dir, input_set_export_zip
from input_sets.services.diff_jobs import input_set_diff_report, input_set_diff_request

from ._common import fail, print_json


class Command(BaseCommand):
    help = "Export an input set in the import layout (folder or zip); optionally diff it."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--label", help="Input set label.")
        which.add_argument(
            "--version-id", type=int, help="Newest ready set of this config version."
        )
        parser.add_argument("-o", "--output-dir", help="Default: out/planning_inputs_<label>.")
        parser.add_argument(
            "--include-meta", action="store_true", help="Also write input_set_meta.json."
        )
        parser.add_argument(
            "--zip", action="store_true", help="Write <output-dir>.zip instead of a folder."
        )
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--diff-against", help="Also write diff_report.json against this label."
        )

    def handle(self, *args, **opts):
        try:
            input_set = self._resolve(opts)
            against = (
                selectors.input_set_get(label=opts["diff_against"])
                if opts["diff_against"]
                else None
            )
        except InputSetNotFound as exc:
            raise fail(str(exc)) from exc
        out = Path(opts["output_dir"] or f"out/planning_inputs_{input_set.label}")
        result = {"status": "ok", "label": input_set.label, "content_hash": input_set.content_hash}
        if opts["zip"]:
            target = out.with_name(out.name + ".zip") if out.suffix != ".zip" else out
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as fh:
                input_set_export_zip(
                    input_set=input_set, target=fh, include_meta=opts["include_meta"]
                )
            result["output"] = str(target)
        else:
            files = input_set_export_dir(
                input_set=input_set, directory=out, include_meta=opts["include_meta"]
            )
            result["output"] = str(out)
            result["files"] = [p.name for p in files]
        if against is not None:
            diff = input_set_diff_request(input_set=input_set, against=against, sync=True)
            if diff.status != "succeeded":
                raise fail(f"Diff against {against.label} failed: {diff.error}")
            report = input_set_diff_report(diff)
            diff_path = (out.parent if opts["zip"] else out) / "diff_report.json"
            diff_path.parent.mkdir(parents=True, exist_ok=True)
            diff_path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
            result["diff_report"] = str(diff_path)
            result["diff_summary"] = diff.summary["sections"]
        if opts["json"]:
            print_json(self, result)
        else:
            self.stdout.write(f"exported {input_set.label} → {result['output']}")

    def _resolve(self, opts):
        if opts["label"]:
            return selectors.input_set_get(label=opts["label"])
        found = selectors.input_set_newest_ready(config_version_id=opts["version_id"])
        if found is None:
            raise InputSetNotFound(
                f"No ready input set found for config version {opts['version_id']}."
            )
        return found
