"""Input contract of the pipeline (spec §2, as built by the Django side).

:class:`PipelineInputs` holds one DataFrame per input table; any of them may be empty but
must have the listed columns. :func:`normalise_inputs` coerces types (tolerant parsing, spec §0)
and returns clean frames plus warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .common import make_warning

#: table → ordered {column: kind}; kind "str" (key, stripped), "text" (free text), "num".
INPUT_COLUMNS: dict[str, dict[str, str]] = {
    "family_demand": {"family_code": "str", "period": "str", "demand": "num"},
    "capacity": {"resource_code": "str", "period": "str", "capacity": "num"},
    "mix_share": {"family_code": "str", "sku_code": "str", "share": "num"},
    "inventory": {"node_code": "text", "item_code": "str", "on_hand": "num"},
    "inbound": {"po_id": "text", "item_code": "str", "due_date": "text", "qty": "num"},
    "period_metrics": {"metric_code": "str", "period": "str", "value": "num"},
    "items": {"item_code": "str", "lead_time_days": "num", "lot_size": "num", "moq": "num"},
    "bom": {"parent_item": "str", "child_item": "str", "qty": "num"},
}

#: Numeric defaults for empty/invalid cells (spec §2.1).
NUMERIC_DEFAULTS = {("items", "lot_size"): 1.0}
#: Numeric columns whose negative values are clipped to 0 (validated >= 0 at import).
NON_NEGATIVE = {
    ("family_demand", "demand"),
    ("capacity", "capacity"),
    ("inventory", "on_hand"),
    ("inbound", "qty"),
    ("items", "lead_time_days"),
    ("items", "moq"),
}


def empty_frame(table: str) -> pd.DataFrame:
    """Empty DataFrame with the columns of an input table."""
    cols = INPUT_COLUMNS[table]
    return pd.DataFrame(
        {c: pd.Series([], dtype="float64" if k == "num" else "str") for c, k in cols.items()}
    )


def _factory(table: str):
    return lambda: empty_frame(table)


@dataclass
class PipelineInputs:
    """All pipeline inputs (spec §2.3). Quantities in pieces, lead times in ``lt_unit``.

    * ``family_demand``: family_code, period, demand (pieces; duplicates summed)
    * ``capacity``: resource_code, period, capacity (pieces of FG per period)
    * ``mix_share``: family_code, sku_code, share (0..1, normalised per family)
    * ``inventory``: node_code, item_code, on_hand (pieces; summed per item, node ignored)
    * ``inbound``: po_id, item_code, due_date (ISO date, ``YYYY-MM`` or week code), qty
    * ``period_metrics``: metric_code (``cost``/``score``/…), period, value
    * ``items``: item_code, lead_time_days (in ``lt_unit``), lot_size (<1 → 1), moq
    * ``bom``: parent_item, child_item, qty (child pieces per parent piece; <= 0 ignored)
    * ``calendar``: planning_calendar.json dict (§2.2) or None (fallback weeks)
    """

    family_demand: pd.DataFrame = field(default_factory=_factory("family_demand"))
    capacity: pd.DataFrame = field(default_factory=_factory("capacity"))
    mix_share: pd.DataFrame = field(default_factory=_factory("mix_share"))
    inventory: pd.DataFrame = field(default_factory=_factory("inventory"))
    inbound: pd.DataFrame = field(default_factory=_factory("inbound"))
    period_metrics: pd.DataFrame = field(default_factory=_factory("period_metrics"))
    items: pd.DataFrame = field(default_factory=_factory("items"))
    bom: pd.DataFrame = field(default_factory=_factory("bom"))
    calendar: dict | None = None


def _clean_str(s: pd.Series) -> pd.Series:
    out = s.astype("object").where(s.notna(), "")
    return out.astype(str).str.strip().astype("str")


def normalise_table(table: str, df: pd.DataFrame | None) -> tuple[pd.DataFrame, list[dict]]:
    """Coerce one input table to its contract (spec §0 tolerant parsing).

    Missing DataFrame → empty; a missing column raises ``ValueError``; key columns are
    stripped strings and rows with an empty key are dropped (Q8: such rows are rejected at
    import, this is a safety net) with a warning; numbers are parsed as floats, invalid → the
    default (0; ``lot_size`` 1); negative quantities are clipped to 0 with a warning.
    """
    warnings: list[dict] = []
    cols = INPUT_COLUMNS[table]
    if df is None:
        return empty_frame(table), warnings
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"inputs.{table} must be a pandas DataFrame")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"inputs.{table} is missing column(s): {', '.join(missing)}")
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for c, kind in cols.items():
        src = df[c].reset_index(drop=True)
        if kind == "num":
            v = pd.to_numeric(src, errors="coerce").astype("float64")
            v = v.where(np.isfinite(v), np.nan)
            out[c] = v.fillna(NUMERIC_DEFAULTS.get((table, c), 0.0))
        else:
            out[c] = _clean_str(src)
    key_cols = [c for c, k in cols.items() if k == "str"]
    if len(out) and key_cols:
        bad = np.zeros(len(out), dtype=bool)
        for c in key_cols:
            bad |= (out[c] == "").to_numpy()
        if bad.any():
            warnings.append(
                make_warning(
                    "rows_without_key",
                    f"{int(bad.sum())} {table} row(s) without {'/'.join(key_cols)} were skipped",
                    table=table,
                    count=int(bad.sum()),
                )
            )
            out = out.loc[~bad].reset_index(drop=True)
    for t, c in NON_NEGATIVE:
        if t == table and len(out):
            neg = out[c] < 0
            if neg.any():
                warnings.append(
                    make_warning(
                        "negative_values_clipped",
                        f"{int(neg.sum())} negative {table}.{c} value(s) were treated as 0",
                        table=table,
                        column=c,
                        count=int(neg.sum()),
                    )
                )
                out.loc[neg, c] = 0.0
    return out, warnings


def normalise_inputs(inputs: PipelineInputs) -> tuple[PipelineInputs, list[dict]]:
    """Normalise every table of ``inputs`` (see :func:`normalise_table`)."""
    warnings: list[dict] = []
    frames = {}
    for table in INPUT_COLUMNS:
        frames[table], w = normalise_table(table, getattr(inputs, table, None))
        warnings.extend(w)
    return PipelineInputs(**frames, calendar=inputs.calendar), warnings
