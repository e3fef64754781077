"""Key columns inside the pipeline as categorical codes (issue 9 §4: pipeline memory).

The big frames of a run (DET: family × period × SKU × week, MRP: item × week) hold their key
columns (``family``, ``period``, ``sku``, ``item``, ``week``) as ``pandas.Categorical`` with
**lexically sorted categories**. A row then costs 2–4 bytes per key instead of a string
(about 20 bytes as an Arrow string, 60 as a Python ``str``), sorting by a key column gives the
same order as sorting the strings, and equality, ``isin`` and ``groupby`` behave as on strings.
Joins between frames go through integer positions (:func:`key_positions`), never through
Python objects. Pure pandas; no Django.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def sorted_key(codes: np.ndarray, labels: Iterable[str]) -> pd.Categorical:
    """Categorical of ``labels[codes]`` with the distinct ``labels`` as lexically sorted
    categories. ``codes``: int array of positions into ``labels`` (``-1`` = missing);
    ``labels``: distinct strings in any order (e.g. the horizon in calendar order)."""
    labels = np.asarray(list(labels), dtype=object)
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    codes = np.asarray(codes, dtype=np.int64)
    mapped = np.where(codes >= 0, rank[np.maximum(codes, 0)], -1) if len(labels) else codes
    categories = pd.Index(labels[order], dtype="str")
    return pd.Categorical.from_codes(mapped, dtype=pd.CategoricalDtype(categories))


def as_key(values) -> pd.Categorical:
    """``values`` (strings, or a categorical) as a categorical with sorted categories; a
    categorical whose categories are already sorted is returned as is (no copy)."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        cat = values.array if isinstance(values, pd.Series) else values
        if cat.categories.is_monotonic_increasing:
            return cat
        return sorted_key(cat.codes, cat.categories)
    codes, uniques = pd.factorize(np.asarray(values, dtype=object) if _is_list(values) else values)
    return sorted_key(codes, uniques)


def _is_list(values) -> bool:
    return isinstance(values, list | tuple)


def key_positions(values, index: pd.Index) -> np.ndarray:
    """Position (int64) of every value of ``values`` in ``index``, ``-1`` where absent.

    ``values``: a key column (categorical or strings); ``index``: the distinct keys of the
    target (e.g. the MRP item list). For a categorical only its categories are looked up, so
    the cost per row is one integer take."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        cat = values.array if isinstance(values, pd.Series) else values
        cat_pos = index.get_indexer(cat.categories).astype(np.int64)
        codes = np.asarray(cat.codes, dtype=np.int64)
        if len(cat_pos) == 0:
            return np.full(len(codes), -1, dtype=np.int64)
        return np.where(codes >= 0, cat_pos[np.maximum(codes, 0)], -1)
    return index.get_indexer(values).astype(np.int64)


def distinct(values) -> list[str]:
    """Distinct keys of a column in order of first appearance (categorical: its observed
    categories in code order of first appearance), as plain strings."""
    return [str(v) for v in pd.unique(values if not _is_list(values) else pd.Series(values))]


def item_week_grid(table: pd.DataFrame, column: str, items, weeks) -> np.ndarray:
    """``table[column]`` (an item × week measure, e.g. MRP ``on_hand_start``) summed on the
    dense grid of ``items`` × ``weeks`` (flat, ``item_pos * len(weeks) + week_pos``; 0 where
    the table has no row). ``table`` has ``item`` and ``week`` key columns."""
    n_w = len(weeks)
    mi = key_positions(table["item"], pd.Index(items))
    mw = key_positions(table["week"], pd.Index(weeks))
    ok = (mi >= 0) & (mw >= 0)
    grid = np.zeros(len(items) * n_w)
    np.add.at(grid, mi[ok] * n_w + mw[ok], table[column].to_numpy(dtype=float)[ok])
    return grid
