"""Small helpers shared by the steps (no Django, no I/O)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of small acyclic objects
    (row dicts); the collector otherwise rescans the growing heap and slows the build ~4×.
    Restores the previous state."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def _column_values(s: pd.Series) -> list:
    if isinstance(s.dtype, np.dtype) and s.dtype.kind == "f":
        vals = s.to_numpy(dtype=float)
        out = vals.tolist()
        if np.isnan(vals).any():
            out = [None if v != v else v for v in out]
        return out
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iub":
        return s.tolist()
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        if s.isna().any():
            return [None if v is None or v != v else v for v in s.astype(object).tolist()]
        return s.tolist()
    if not isinstance(s.dtype, np.dtype):  # nullable extension dtypes (Int64, boolean, …)
        return [to_jsonable(v) for v in s.astype(object).tolist()]
    return [to_jsonable(v) for v in s.tolist()]


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame → list of JSON-ready dicts (numpy scalars converted, NaN → None)."""
    if df is None or len(df) == 0:
        return []
    cols = [str(c) for c in df.columns]
    arrays = [_column_values(df[c]) for c in df.columns]
    with gc_paused():
        return [dict(zip(cols, row, strict=True)) for row in zip(*arrays, strict=True)]
