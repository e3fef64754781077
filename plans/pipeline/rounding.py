"""Rounding helpers: ``rq`` (spec §0) and integer distribution (spec §4, quirk Q7).

All quantities are pieces ("units"); the helpers never change units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

ROUND_MODES = ("none", "int", "dec1", "dec2")
_DECIMALS = {"none": 6, "int": 0, "dec1": 1, "dec2": 2}
#: Tolerance used when flooring values that are integers up to float noise (e.g. 12.9999999).
FLOOR_EPS = 1e-9


def decimals_for(mode: str) -> int:
    """Number of decimals kept by ``rq`` for a round mode (unknown modes → 6, spec §0)."""
    return _DECIMALS.get(mode, 6)


def rq(x: object, mode: str = "int") -> float:
    """Round one quantity per spec §0.

    ``none`` → 6 decimals, ``int`` → nearest integer, ``dec1``/``dec2`` → 1/2 decimals, any other
    mode → 6 decimals. Rounding is half-to-even (Python ``round``). Non-numeric, NaN and
    infinite input count as 0.
    """
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(v):
        return 0.0
    return float(round(v, decimals_for(mode))) + 0.0


def rq_array(values: object, mode: str = "int") -> np.ndarray:
    """Vectorised ``rq`` (spec §0) over an array of quantities; NaN/inf → 0, half-to-even."""
    arr = np.asarray(values, dtype=float)
    arr = np.where(np.isfinite(arr), arr, 0.0)
    d = decimals_for(mode)
    out = np.rint(arr) if d == 0 else np.round(arr, d)
    return out + 0.0  # normalise -0.0


def round6(values: object) -> np.ndarray:
    """Round to 6 decimals (the precision of every float written to an artifact)."""
    return rq_array(values, "none")


def _group_starts(sorted_groups: np.ndarray, n_groups: int) -> np.ndarray:
    return np.searchsorted(sorted_groups, np.arange(n_groups), side="left")


def _spread(
    room: np.ndarray,
    need: np.ndarray,
    group: np.ndarray,
    order: np.ndarray,
    n_groups: int,
) -> np.ndarray:
    """Hand out ``need[g]`` units per group, one unit per element in priority ``order``
    (round-robin when a group needs more units than it has elements), never more than
    ``room`` per element. Returns the per-element increments (may fall short if room runs
    out)."""
    inc = np.zeros(len(room))
    room = room.copy()
    need = need.copy()
    g_sorted = group[order]
    starts = _group_starts(g_sorted, n_groups)
    while True:
        room_sorted = room[order]
        elig = (room_sorted > 0) & (need[g_sorted] > 0)
        if not elig.any():
            break
        elig_i = elig.astype(np.int64)
        m = np.bincount(g_sorted, weights=elig_i, minlength=n_groups)
        excl = np.cumsum(elig_i) - elig_i
        # rank among the eligible elements of the same group (0 = highest priority)
        start_excl = np.where(starts < len(excl), excl[np.minimum(starts, len(excl) - 1)], 0)
        rank = excl - start_excl[g_sorted]
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(m > 0, np.floor(need / np.maximum(m, 1)), 0.0)
        r = need - q * m
        give = q[g_sorted] + (rank < r[g_sorted])
        give = np.where(elig, np.minimum(room_sorted, give), 0.0)
        if not give.any():
            break
        inc[order] += give
        room[order] -= give
        need -= np.bincount(g_sorted, weights=give, minlength=n_groups)
    return inc


def distribute_int_grouped(
    values: object,
    group: object,
    targets: object,
    caps: object | None = None,
) -> np.ndarray:
    """Integer distribution hitting exact totals, vectorised over many groups (spec §4, Q7).

    ``values`` (n,) are the raw shares, ``group`` (n,) integer group ids in ``0..G-1``,
    ``targets`` (G,) the total per group, ``caps`` (n,) optional per-element maxima.

    1. ``T = max(0, rint(target))``; caps default to ``T``, else ``max(0, rint(cap))``.
    2. ``base = min(floor(max(0, v)), cap)``; ``diff = T - Σ base`` per group.
    3. diff > 0: **largest remainder** (Q7 recommendation) — one unit per element by descending
       fractional part, ties lower index first, round-robin if diff exceeds the number of
       elements with room; never above the cap.
    4. diff < 0: one unit per element taken back by ascending fractional part (ties lower
       index first), never below 0.
    5. If the caps are too small the group sums to less than ``T`` (no error).

    Returns a float array of whole numbers (pieces).
    """
    v = np.asarray(values, dtype=float)
    g = np.asarray(group, dtype=np.int64)
    t = np.asarray(targets, dtype=float)
    n_groups = len(t)
    n = len(v)
    if n == 0:
        return np.zeros(0)
    v = np.where(np.isfinite(v), np.maximum(v, 0.0), 0.0)
    tt = np.maximum(0.0, np.rint(np.where(np.isfinite(t), t, 0.0)))
    if caps is None:
        cap = tt[g]
    else:
        c = np.asarray(caps, dtype=float)
        cap = np.maximum(0.0, np.rint(np.where(np.isfinite(c), c, 0.0)))
    fl = np.floor(v + FLOOR_EPS)
    frac = np.clip(v - fl, 0.0, None)
    base = np.minimum(fl, cap)
    diff = tt - np.bincount(g, weights=base, minlength=n_groups)
    idx = np.arange(n)
    if (diff > 0).any():
        order = np.lexsort((idx, -frac, g))
        base = base + _spread(cap - base, np.maximum(diff, 0.0), g, order, n_groups)
    if (diff < 0).any():
        order = np.lexsort((idx, frac, g))
        base = base - _spread(base, np.maximum(-diff, 0.0), g, order, n_groups)
    return base + 0.0


def distribute_int(
    values: Sequence[float],
    target: float,
    caps: Sequence[float] | None = None,
) -> list[int]:
    """Scalar form of :func:`distribute_int_grouped` for one group (spec §4 with Q7).

    Example: ``distribute_int([9.677, 13.548, 13.548, 13.548, 9.677], 60)`` →
    ``[10, 14, 13, 13, 10]`` (the reference, which gives the whole remainder to the first
    element, returns ``[12, 13, 13, 13, 9]``).
    """
    vals = list(values)
    if not vals:
        return []
    out = distribute_int_grouped(
        vals, np.zeros(len(vals), dtype=np.int64), [target], None if caps is None else list(caps)
    )
    return [int(x) for x in out]
