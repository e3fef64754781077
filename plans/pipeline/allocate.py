"""Step ``allocate``: family → SKU and period → weeks (spec §6; quirks Q7, Q9, Q10)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .calendar import PlanCalendar
from .common import make_warning
from .keys import as_key
from .rounding import distribute_int_grouped, rq_array

DET_COLUMNS = ["family", "period", "sku", "week", "demand", "supply", "supply_plan", "backlog"]


@dataclass
class AllocateResult:
    """``det``: DET rows (columns :data:`DET_COLUMNS`, pieces); ``warnings``: result warnings;
    ``pseudo_skus``: families allocated to a pseudo-SKU named like the family (Q9)."""

    det: pd.DataFrame
    warnings: list[dict] = field(default_factory=list)
    pseudo_skus: list[str] = field(default_factory=list)


def normalise_mix(mix_share: pd.DataFrame) -> pd.DataFrame:
    """Mix shares normalised per family (spec §6, Q10).

    Input columns family_code, sku_code, share. Output columns family, sku, share, pos
    (SKU position in file order within the family). Duplicate (family, sku) rows are summed;
    negative shares count as 0; shares are divided by the family sum when it is > 0, else every
    SKU gets an equal share (Q10).
    """
    if mix_share is None or len(mix_share) == 0:
        return pd.DataFrame(
            {
                "family": pd.Series([], dtype="str"),
                "sku": pd.Series([], dtype="str"),
                "share": pd.Series([], dtype="float64"),
                "pos": pd.Series([], dtype="int64"),
            }
        )
    m = mix_share.rename(columns={"family_code": "family", "sku_code": "sku"})[
        ["family", "sku", "share"]
    ].copy()
    m["share"] = m["share"].clip(lower=0.0)
    m = m.groupby(["family", "sku"], sort=False)["share"].sum().reset_index()
    tot = m.groupby("family", sort=False)["share"].transform("sum")
    cnt = m.groupby("family", sort=False)["share"].transform("size")
    m["share"] = np.where(tot > 0, m["share"] / tot.where(tot > 0, 1.0), 1.0 / cnt)
    m["pos"] = m.groupby("family", sort=False).cumcount()
    return m


def allocate(
    aggregate_df: pd.DataFrame,
    mix_share: pd.DataFrame,
    calendar: PlanCalendar,
    *,
    round_mode: str = "int",
) -> AllocateResult:
    """Split every aggregate row over the family's SKUs and the period's weeks (spec §6).

    ``aggregate_df``: family, period, demand, supply, backlog (pieces). ``mix_share``:
    family_code, sku_code, share. Weeks and ratios come from ``calendar`` (§3.1; straddling
    weeks appear once per period). Returns DET rows family, period, sku, week, demand, supply,
    supply_plan (= supply), backlog in aggregate-row order, then mix order, then week order.

    * ``int``: whole pieces. SKU level: demand by largest remainder (§4 with Q7), supply capped
      by the SKU demand; week level likewise, ``backlog = demand − supply`` (never negative).
    * other modes: ``x·share·ratio`` for demand, supply and backlog separately, rounded per
      week with the mode (``none`` untouched) and the rounding difference added to the last
      week of the SKU.
    * A family without mix rows goes to a pseudo-SKU named like the family (Q9, warning).
    """
    warnings: list[dict] = []
    if aggregate_df is None or len(aggregate_df) == 0:
        return AllocateResult(_empty_det(), warnings)
    agg = aggregate_df.reset_index(drop=True)
    mix = normalise_mix(mix_share)
    fams = pd.unique(agg["family"])
    known = set(mix["family"].tolist())
    pseudo = [f for f in fams if f not in known]
    if pseudo:
        warnings.append(
            make_warning(
                "family_without_mix",
                f"{len(pseudo)} family(ies) have no mix_share rows; each is planned as a "
                "pseudo-SKU named like the family (not a finished good: no capacity check, "
                "not in the service KPI)",
                families=[str(f) for f in pseudo],
            )
        )
        mix = pd.concat(
            [
                mix,
                pd.DataFrame(
                    {"family": pseudo, "sku": pseudo, "share": 1.0, "pos": 0},
                ).astype({"family": "str", "sku": "str"}),
            ],
            ignore_index=True,
        )
    # ---- family → SKU
    a_idx = np.arange(len(agg))
    left = pd.DataFrame({"a": a_idx, "family": agg["family"].to_numpy()})
    fs = left.merge(mix, on="family", how="inner", sort=False)
    fs = fs.sort_values(["a", "pos"], kind="stable").reset_index(drop=True)
    a_of = fs["a"].to_numpy()
    share = fs["share"].to_numpy(dtype=float)
    dem_a = agg["demand"].to_numpy(dtype=float)
    sup_a = agg["supply"].to_numpy(dtype=float)
    bck_a = agg["backlog"].to_numpy(dtype=float)
    if round_mode == "int":
        big_d = np.rint(dem_a)
        big_s = np.rint(sup_a)
        d_sku = distribute_int_grouped(big_d[a_of] * share, a_of, big_d)
        s_sku = distribute_int_grouped(big_s[a_of] * share, a_of, big_s, caps=d_sku)
        b_sku = None
    else:
        d_sku = dem_a[a_of] * share
        s_sku = sup_a[a_of] * share
        b_sku = bck_a[a_of] * share
    # ---- period → weeks
    periods = agg["period"].to_numpy()
    wt = calendar.week_table(pd.unique(periods))
    wt_counts = wt.groupby("period", sort=False).size()
    p_of_fs = periods[a_of]
    counts = pd.Series(p_of_fs).map(wt_counts).fillna(0).to_numpy(dtype=np.int64)
    k_idx = np.repeat(np.arange(len(fs)), counts)
    # position of each expanded row inside its period's week list
    starts = np.cumsum(counts) - counts
    within = np.arange(len(k_idx)) - np.repeat(starts, counts)
    period_first = pd.Series(
        np.cumsum(wt_counts.to_numpy()) - wt_counts.to_numpy(), wt_counts.index
    )
    wt_row = pd.Series(p_of_fs).map(period_first).fillna(0).to_numpy(dtype=np.int64)
    wt_row = np.repeat(wt_row, counts) + within
    ratio = wt["ratio"].to_numpy(dtype=float)[wt_row]
    if round_mode == "int":
        d_w = distribute_int_grouped(d_sku[k_idx] * ratio, k_idx, d_sku)
        s_w = distribute_int_grouped(s_sku[k_idx] * ratio, k_idx, s_sku, caps=d_w)
        b_w = np.maximum(0.0, d_w - s_w)
    else:
        d_w = _split_last(d_sku, k_idx, ratio, counts, round_mode)
        s_w = _split_last(s_sku, k_idx, ratio, counts, round_mode)
        b_w = _split_last(b_sku, k_idx, ratio, counts, round_mode)
    # keys as sorted categoricals (see .keys): codes of the small frames, taken per row
    fam_key, sku_key, per_key = as_key(fs["family"]), as_key(fs["sku"]), as_key(p_of_fs)
    week_key = as_key(wt["week"])
    det = pd.DataFrame(
        {
            "family": _take(fam_key, k_idx),
            "period": _take(per_key, k_idx),
            "sku": _take(sku_key, k_idx),
            "week": _take(week_key, wt_row),
            "demand": d_w,
            "supply": s_w,
            "supply_plan": s_w.copy(),
            "backlog": b_w,
        },
        copy=False,  # fresh arrays: no consolidated copy
    )
    return AllocateResult(det, warnings, [str(p) for p in pseudo])


def _take(key: pd.Categorical, rows: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(key.codes[rows], dtype=key.dtype)


def _split_last(
    x_sku: np.ndarray, k_idx: np.ndarray, ratio: np.ndarray, counts: np.ndarray, mode: str
) -> np.ndarray:
    """``x_sku·ratio`` per week, rounded with ``mode`` (``none`` untouched) and the rounding
    difference added to the last week of each SKU (spec §6, other modes)."""
    x_w = x_sku[k_idx] * ratio
    if mode != "none":
        x_w = rq_array(x_w, mode)
    if len(x_w) == 0:
        return x_w
    diff = x_sku - np.bincount(k_idx, weights=x_w, minlength=len(x_sku))
    ends = np.cumsum(counts) - 1
    has = counts > 0
    x_w[ends[has]] += diff[has]
    return x_w + 0.0


def _empty_det() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series([], dtype="str" if c in ("family", "period", "sku", "week") else "float64")
            for c in DET_COLUMNS
        }
    )
