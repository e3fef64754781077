"""Write an input set back in the file layout it was imported from (lossless).

Every column of every section is written under its canonical header (``sections.py``), so
import → export → import gives the same content hash.

Text cells that begin with a spreadsheet formula character (``=``, ``+``, ``-``, ``@``, tab, CR)
are written with a leading ``'`` (issue 15, OWASP "CSV Injection"; ``planning_hub.spreadsheet``)
and the importer removes that quote again, so the round trip stays the identity. Since issue 15
only free-text columns (``unit``, ``source``) can hold such values; a code imported before it is
neutralised too, but such a set cannot be re-imported until the code is renamed.
"""

import json
from collections.abc import Iterator

import pandas as pd

from planning_hub.spreadsheet import neutralise_series

from ..sections import CALENDAR_FILE, METRIC_FILES, PARAMS_FILE, SECTIONS, Section

_METRIC_FILE_BY_CODE = {code: name for name, code in METRIC_FILES.items()}


def section_files(section: Section, frame: pd.DataFrame) -> Iterator[tuple[str, bytes]]:
    """``(file name, CSV bytes)`` for one canonical section frame; nothing if it is empty."""
    if frame.empty:
        return
    headers = {c.field: c.header for c in section.columns}
    if section.name != "period_metric":
        yield section.filename, _csv(frame.rename(columns=headers))
        return
    for code, part in frame.groupby("metric_code", sort=True):
        filename = _METRIC_FILE_BY_CODE.get(code)
        if filename:
            # period_cost.csv: the value column is named after the metric.
            part = part.drop(columns="metric_code").rename(columns={**headers, "value": code})
            yield filename, _csv(part)
    custom = frame[~frame["metric_code"].isin(list(_METRIC_FILE_BY_CODE))]
    if not custom.empty:
        yield section.filename, _csv(custom.rename(columns=headers))


def json_files(calendar: dict | None, params: dict | None) -> Iterator[tuple[str, bytes]]:
    """The calendar (when the set has one) and the planning params (when not empty)."""
    if calendar is not None:
        yield CALENDAR_FILE, dumps(calendar)
    if params:
        yield PARAMS_FILE, dumps(params)


def dumps(obj) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()


def _csv(frame: pd.DataFrame) -> bytes:
    # Whole-number float columns are written without ".0" (as people and Excel write them);
    # the parsed value is the same float, so the content hash does not change.
    frame = frame.copy()
    for name in frame.columns:
        col = frame[name]
        if col.dtype.kind == "f":
            finite = col.dropna()
            if (finite == finite.round()).all() and (finite.abs() < 2**53).all():
                frame[name] = col.astype("Int64")
        elif col.dtype.kind == "O":
            frame[name] = neutralise_series(col)
    return frame.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


__all__ = ["SECTIONS", "json_files", "section_files", "dumps"]
