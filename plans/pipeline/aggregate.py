"""Step ``aggregate``: family × period capacity-feasible supply (spec §5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import PlanCalendar
from .common import make_warning
from .rounding import distribute_int_grouped, rq_array

AGGREGATE_COLUMNS = ["family", "period", "demand", "supply", "backlog", "capacity_total"]


def capacity_by_period(capacity: pd.DataFrame) -> pd.Series:
    """``Σ capacity`` over all resources per period (pieces; spec §5.1, §8.1)."""
    if capacity is None or len(capacity) == 0:
        return pd.Series(dtype="float64")
    return capacity.groupby("period", sort=False)["capacity"].sum()


def aggregate(
    family_demand: pd.DataFrame,
    capacity: pd.DataFrame,
    *,
    round_mode: str = "int",
    calendar: PlanCalendar | None = None,
) -> pd.DataFrame:
    """Capacity-feasible family supply per period (spec §5).

    Inputs: ``family_demand`` (family_code, period, demand [pieces]), ``capacity``
    (resource_code, period, capacity [pieces]). Returns columns family, period, demand, supply,
    backlog, capacity_total (pieces), ordered by period (chronological, Q1) then family.

    Rules: capacity of all resources of a period is pooled; if ``Σ demand ≤ capacity`` supply =
    demand, else pro-rata ``demand·cap/Σdemand``; a period without capacity rows gets 0. In
    ``int`` mode supplies are whole pieces: target ``min(rint(cap), Σ rint(demand))`` spread by
    largest remainder (§4, Q7) capped at each family's demand; backlog = demand − supply.
    """
    cal = calendar or PlanCalendar(None)
    if family_demand is None or len(family_demand) == 0:
        return pd.DataFrame({c: pd.Series([], dtype="float64") for c in AGGREGATE_COLUMNS}).astype(
            {"family": "str", "period": "str"}
        )
    dem = (
        family_demand.groupby(["family_code", "period"], sort=False)["demand"]
        .sum()
        .reset_index()
        .rename(columns={"family_code": "family"})
    )
    cap = capacity_by_period(capacity)
    demand = dem["demand"].to_numpy(dtype=float)
    pcodes, puniq = pd.factorize(dem["period"])
    n_p = len(puniq)
    d_tot = np.bincount(pcodes, weights=demand, minlength=n_p)
    cap_p = pd.Series(puniq).map(cap).fillna(0.0).to_numpy(dtype=float)
    c_row = cap_p[pcodes]
    big_d = d_tot[pcodes]
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(big_d <= 0, 0.0, np.where(c_row >= big_d, demand, demand * c_row / big_d))
    if round_mode == "int":
        d_i = np.rint(demand)
        target = np.maximum(0.0, np.minimum(np.rint(cap_p), np.bincount(pcodes, d_i, n_p)))
        s_i = distribute_int_grouped(raw, pcodes, target, caps=d_i)
        dem["demand"] = d_i + 0.0
        dem["supply"] = s_i
        dem["backlog"] = np.maximum(0.0, d_i - s_i)
    else:
        d_r = rq_array(demand, round_mode)
        s_r = rq_array(raw, round_mode)
        dem["demand"] = d_r
        dem["supply"] = s_r
        dem["backlog"] = rq_array(np.maximum(0.0, d_r - s_r), round_mode)
    dem["capacity_total"] = rq_array(c_row, round_mode)
    pkey = {p: cal.period_sort_key(p) for p in puniq}
    dem["_pk"] = dem["period"].map(pkey)
    dem = dem.sort_values(["_pk", "family"], kind="stable").drop(columns="_pk")
    return dem[AGGREGATE_COLUMNS].reset_index(drop=True)


def aggregate_warnings(family_demand: pd.DataFrame, capacity: pd.DataFrame) -> list[dict]:
    """Warnings for periods with demand but no capacity row (their supply is 0, spec §5.2)."""
    if family_demand is None or len(family_demand) == 0:
        return []
    cap = capacity_by_period(capacity)
    periods = pd.unique(family_demand.loc[family_demand["demand"] > 0, "period"])
    missing = [p for p in periods if p not in cap.index]
    if not missing:
        return []
    return [
        make_warning(
            "period_without_capacity",
            f"{len(missing)} period(s) have demand but no capacity; their supply is 0",
            periods=[str(p) for p in missing],
        )
    ]
