"""Audit evidence for an input set (runbook §4, seed 000 "InputSetイベント監査").

Writes ``<out>/input_sets/<label>/<YYYYMMDD>/`` with ``events.json`` (the REST events
payload), the set's export zip and ``manifest.json`` (sha256 and size of each file).
"""

import hashlib
import json
from pathlib import Path

from django.utils import timezone

from .. import selectors
from .exporting import input_set_export_zip

EVENTS_LIMIT = 500


def evidence_export(*, label: str, out_dir: Path, date: str | None = None) -> Path:
    """Write the evidence folder and return its path. ``date`` is ``YYYYMMDD`` (default: today
    in ``TIME_ZONE``). Raises ``InputSetNotFound``; an existing folder is overwritten."""
    input_set = selectors.input_set_get(label=label)
    date = date or timezone.localdate().strftime("%Y%m%d")
    folder = Path(out_dir) / "input_sets" / input_set.label / date
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "events.json": json.dumps(
            selectors.input_set_events_payload(input_set=input_set, limit=EVENTS_LIMIT),
            indent=2,
            ensure_ascii=False,
        ).encode(),
        f"planning_input_set_{input_set.label}.zip": input_set_export_zip(
            input_set=input_set, include_meta=True
        ),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    manifest = {
        "label": input_set.label,
        "input_set_id": input_set.pk,
        "status": input_set.status,
        "content_hash": input_set.content_hash,
        "date": date,
        "generated_at": timezone.localtime().isoformat(),
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in files.items()
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return folder
