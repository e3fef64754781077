"""Differences between two input sets, section by section, keyed by natural key.

``diff_frames`` is pure pandas (a keyed outer merge per section); ``diff_jobs`` loads two sets,
runs it on a worker and caches the result. "Current" is the set being reviewed, "other" the one
it is compared with.
"""

import numpy as np
import pandas as pd

from ..sections import SECTIONS, Section


def diff_section(section: Section, current: pd.DataFrame, other: pd.DataFrame) -> dict:
    """Compare two canonical frames of one section.

    Returns ``{counts: {added, removed, changed, unchanged}, added: [row], removed: [row],
    changed: [{key: {field: value}, columns: [field], current: row, previous: row}]}``.
    ``added`` rows are only in ``current``, ``removed`` only in ``other``.
    """
    key = list(section.key)
    values = [f for f in section.fields if f not in key]
    left = current.assign(**{k: current[k].fillna("") for k in key})
    right = other.assign(**{k: other[k].fillna("") for k in key})
    merged = left.merge(right, on=key, how="outer", suffixes=("", "__prev"), indicator=True)
    added = merged[merged["_merge"] == "left_only"]
    removed = merged[merged["_merge"] == "right_only"]
    both = merged[merged["_merge"] == "both"]
    diff_mask = {}
    for field in values:
        a, b = both[field], both[f"{field}__prev"]
        same = (a == b) | (a.isna() & b.isna())
        diff_mask[field] = ~same.to_numpy()
    any_diff = np.zeros(len(both), dtype=bool)
    for mask in diff_mask.values():
        any_diff |= mask
    changed_rows = both[any_diff]
    current_cols = {f: changed_rows[f].tolist() for f in section.fields}
    previous_cols = {
        f: current_cols[f] if f in key else changed_rows[f"{f}__prev"].tolist()
        for f in section.fields
    }
    masks = {f: diff_mask[f][any_diff] for f in values}
    changed = [
        {
            "key": {k: _py(current_cols[k][i]) for k in key},
            "columns": [f for f in values if masks[f][i]],
            "current": {f: _py(current_cols[f][i]) for f in section.fields},
            "previous": {f: _py(previous_cols[f][i]) for f in section.fields},
        }
        for i in range(len(changed_rows))
    ]
    return {
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "unchanged": int(len(both) - any_diff.sum()),
        },
        "added": _records(added, section.fields),
        "removed": _records(
            removed[key + [f"{f}__prev" for f in values]].set_axis(key + values, axis=1),
            section.fields,
        ),
        "changed": changed,
    }


def diff_frames(current: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame]) -> dict:
    """Diff every section: ``{section name: diff_section(...)}``."""
    return {s.name: diff_section(s, current[s.name], other[s.name]) for s in SECTIONS}


def _records(frame: pd.DataFrame, fields: list[str]) -> list[dict]:
    return [
        {f: _py(v) for f, v in zip(fields, row, strict=True)}
        for row in frame[fields].itertuples(index=False, name=None)
    ]


def _py(value):
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value
