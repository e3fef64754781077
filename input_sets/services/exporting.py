"""Exporting an input set as files, a folder or a zip archive (lossless; spec ref §1.8)."""

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..io.frames import load_section
from ..io.writers import dumps, json_files, section_files
from ..models import PlanningInputSet
from ..sections import META_FILE, SECTIONS


def input_set_files(
    *, input_set: PlanningInputSet, include_meta: bool = False
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(file name, bytes)`` for every non-empty section, the calendar, the params and,
    with ``include_meta``, ``input_set_meta.json`` (header fields and content hash)."""
    for section in SECTIONS:
        yield from section_files(section, load_section(input_set.pk, section))
    yield from json_files(input_set.calendar_spec, input_set.planning_params)
    if include_meta:
        yield META_FILE, dumps(input_set_meta(input_set))


def input_set_meta(input_set: PlanningInputSet) -> dict:
    """Header fields written to ``input_set_meta.json``."""
    return {
        "id": input_set.pk,
        "label": input_set.label,
        "status": input_set.status,
        "config_version_id": input_set.config_version_id,
        "source": input_set.source,
        "content_hash": input_set.content_hash,
        "approved_by": input_set.approved_by,
        "approved_at": input_set.approved_at.isoformat() if input_set.approved_at else None,
        "created_at": input_set.created_at.isoformat(),
        "updated_at": input_set.updated_at.isoformat(),
        "metadata": input_set.metadata,
    }


def input_set_export_dir(
    *, input_set: PlanningInputSet, directory: Path, include_meta: bool = False
) -> list[Path]:
    """Write the set's files into ``directory`` (created if needed); returns the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in input_set_files(input_set=input_set, include_meta=include_meta):
        path = directory / name
        path.write_bytes(data)
        written.append(path)
    return written


def input_set_export_zip(*, input_set: PlanningInputSet, target=None, include_meta: bool = False):
    """Write the set's files as a zip to ``target`` (a path or binary file object); with no
    target, return the archive as bytes."""
    buffer = io.BytesIO() if target is None else None
    with zipfile.ZipFile(buffer or target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in input_set_files(input_set=input_set, include_meta=include_meta):
            archive.writestr(name, data)
    return buffer.getvalue() if buffer is not None else target
