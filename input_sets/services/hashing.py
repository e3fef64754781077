"""The content hash of an input set.

sha256 over, in this order: each section of ``SECTIONS`` as canonical CSV (fixed columns, rows
sorted by natural key, floats in shortest round-trip form, NULL as empty), then the calendar
and the planning params as sorted compact JSON. Equal data gives an equal hash whichever way
it arrived (files, zip, merge, database).
"""

import hashlib
import json

import pandas as pd

from ..io.frames import canonical_frame, empty_frame
from ..sections import SECTIONS


def content_hash(
    frames: dict[str, pd.DataFrame],
    calendar: dict | None,
    params: dict | None,
    *,
    canonical: bool = False,
) -> str:
    """Hex sha256 of the canonical serialization of ``frames`` (section name → frame),
    ``calendar`` and ``params``. Missing sections count as empty. Frames are canonicalised
    (sorted) first unless the caller says they already are (``canonical=True``)."""
    digest = hashlib.sha256()
    for section in SECTIONS:
        frame = frames.get(section.name)
        if frame is None:
            frame = empty_frame(section)
        elif not canonical:
            frame = canonical_frame(section, frame)
        digest.update(f"[{section.name}]\n".encode())
        digest.update(frame.to_csv(index=False, lineterminator="\n", na_rep="").encode())
    for name, value in (("calendar", calendar), ("params", params or {})):
        digest.update(f"[{name}]\n".encode())
        digest.update(_canonical_json(value).encode())
    return digest.hexdigest()


def _canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
