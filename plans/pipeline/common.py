"""Small helpers shared by the steps (no Django, no I/O)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def make_warning(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """A result warning: ``{code, message, **extra}`` (JSON-serialisable values only)."""
    return {"code": code, "message": message, **extra}


def to_jsonable(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON values (NaN → None)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return frame_records(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        return None if f != f or f in (float("inf"), float("-inf")) else f
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame → list of JSON-ready dicts (numpy scalars converted, NaN → None)."""
    if df is None or len(df) == 0:
        return []
    cols = list(df.columns)
    arrays = []
    for c in cols:
        s = df[c]
        if s.dtype.kind == "f":
            vals = s.to_numpy(dtype=float)
            arrays.append([None if v != v else float(v) for v in vals.tolist()])
        elif s.dtype.kind in "iub":
            arrays.append(s.tolist())
        else:
            arrays.append([to_jsonable(v) for v in s.tolist()])
    return [dict(zip(cols, row, strict=True)) for row in zip(*arrays, strict=True)]
