"""Step ``mrp``: time-phased netting, lot sizing, lead-time offset and multi-level BOM
explosion by low-level code (spec §7; quirks Q11 and Q12 addressed).

The week loop runs once per low-level code and is vectorised across all items of that level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .calendar import PlanCalendar
from .common import make_warning
from .keys import distinct, key_positions, sorted_key
from .rounding import round6

MRP_COLUMNS = [
    "item",
    "week",
    "gross_req",
    "scheduled_receipts",
    "on_hand_start",
    "net_req",
    "planned_order_receipt",
    "planned_order_release",
    "lt_weeks",
    "lot",
    "moq",
    "on_hand_end",
]
INBOUND_ISSUE_COLUMNS = ["po_id", "item_code", "due_date", "qty", "week", "status"]
#: Net requirements at or below this many pieces are treated as 0 (float noise).
NET_EPS = 1e-9


@dataclass
class MrpResult:
    """``table``: one row per item × horizon week (columns :data:`MRP_COLUMNS`, pieces;
    ``lt_weeks`` in weeks). ``inbound_issues``: POs moved (status ``past_due``) or ignored
    (``beyond_horizon``, ``outside_horizon``, ``unparsable``) with columns
    :data:`INBOUND_ISSUE_COLUMNS`. ``low_level_codes``: item → BOM low-level code."""

    table: pd.DataFrame
    inbound_issues: pd.DataFrame
    warnings: list[dict] = field(default_factory=list)
    low_level_codes: dict[str, int] = field(default_factory=dict)


def lead_time_weeks(lead_time: object, lt_unit: str = "day", week_days: int = 7) -> np.ndarray:
    """Lead time in whole weeks (spec §7.3): ``week`` → ``max(0, rint(lt))``; ``day`` →
    ``ceil(lt / week_days)`` (equals the reference's ``floor((lt + wd − 1)/wd)`` for whole
    days; fractional days are rounded up as well, e.g. 7.5 d → 2 weeks)."""
    lt = np.nan_to_num(np.asarray(lead_time, dtype=float), nan=0.0)
    lt = np.maximum(lt, 0.0)
    if lt_unit == "week":
        return np.rint(lt).astype(np.int64)
    return np.ceil(lt / float(week_days) - 1e-9).clip(min=0).astype(np.int64)


def lot_size(net: np.ndarray, lot: np.ndarray, moq: np.ndarray) -> np.ndarray:
    """Smallest multiple of ``lot`` ≥ ``max(net, moq)`` (pieces; 1e-9 tolerance, spec §7.4);
    0 where ``net`` ≤ 1e-9."""
    q = np.maximum(net, moq)
    por = np.ceil(q / lot - 1e-9) * lot
    return np.where(net > NET_EPS, por, 0.0)


def map_inbound(
    inbound: pd.DataFrame, calendar: PlanCalendar, horizon: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map open orders to horizon weeks (spec §3.4, Q11).

    Input columns po_id, item_code, due_date, qty. Returns ``(kept, issues)``: ``kept`` has
    item_code, week, qty (pieces) for every PO that lands in the horizon — past-due POs (due
    entirely before the first horizon week) are moved to the first week (Q11). ``issues``
    lists moved POs (status ``past_due``) and ignored ones: ``beyond_horizon`` (due after the
    last horizon week), ``outside_horizon`` (no horizon week, e.g. a gap) and ``unparsable``.
    """
    empty_kept = pd.DataFrame(
        {
            "item_code": pd.Series([], dtype="str"),
            "week": pd.Series([], dtype="str"),
            "qty": pd.Series([], dtype="float64"),
        }
    )
    empty_issues = pd.DataFrame({c: pd.Series([], dtype="object") for c in INBOUND_ISSUE_COLUMNS})
    if inbound is None or len(inbound) == 0:
        return empty_kept, empty_issues
    hset = set(horizon)
    h_start = h_end = None
    if horizon:
        b0 = calendar.week_bounds(horizon[0])
        b1 = calendar.week_bounds(horizon[-1])
        h_start = b0[0] if b0 else None
        h_end = b1[1] if b1 else None
    status: dict[str, tuple[str | None, str]] = {}
    for due in pd.unique(inbound["due_date"]):
        wk = calendar.due_to_week(due)
        if wk is not None and wk in hset:
            status[due] = (wk, "scheduled")
            continue
        bounds = calendar.due_bounds(due)
        if bounds is None and wk is None:
            status[due] = (None, "unparsable")
        elif not horizon:
            status[due] = (None, "outside_horizon")
        elif bounds is not None and h_start is not None and bounds[1] < h_start:
            status[due] = (horizon[0], "past_due")
        elif bounds is not None and h_end is not None and bounds[0] > h_end:
            status[due] = (None, "beyond_horizon")
        else:
            status[due] = (None, "outside_horizon")
    due = inbound["due_date"]
    weeks = due.map(lambda d: status[d][0])
    st = due.map(lambda d: status[d][1])
    keep = weeks.notna().to_numpy()
    kept = pd.DataFrame(
        {
            "item_code": inbound["item_code"].to_numpy()[keep],
            "week": weeks.to_numpy()[keep],
            "qty": inbound["qty"].to_numpy(dtype=float)[keep],
        }
    ).astype({"item_code": "str", "week": "str"})
    issue_mask = (st != "scheduled").to_numpy()
    issues = pd.DataFrame(
        {
            "po_id": inbound["po_id"].to_numpy()[issue_mask],
            "item_code": inbound["item_code"].to_numpy()[issue_mask],
            "due_date": due.to_numpy()[issue_mask],
            "qty": inbound["qty"].to_numpy(dtype=float)[issue_mask],
            "week": weeks.to_numpy()[issue_mask],
            "status": st.to_numpy()[issue_mask],
        }
    )
    return kept, issues


def inbound_warnings(issues: pd.DataFrame) -> list[dict]:
    """One warning per issue status (``inbound_past_due``, ``inbound_ignored``) with the PO
    count, quantity and up to 50 PO ids; the full list is in ``MrpResult.inbound_issues``."""
    out: list[dict] = []
    if issues is None or len(issues) == 0:
        return out
    moved = issues[issues["status"] == "past_due"]
    if len(moved):
        out.append(
            make_warning(
                "inbound_past_due",
                f"{len(moved)} past-due inbound order(s) were added to the first horizon week "
                f"{moved['week'].iloc[0]}",
                count=int(len(moved)),
                qty=float(moved["qty"].sum()),
                po_ids=[str(x) for x in moved["po_id"].tolist()[:50]],
            )
        )
    for reason in ("beyond_horizon", "outside_horizon", "unparsable"):
        sub = issues[issues["status"] == reason]
        if len(sub):
            out.append(
                make_warning(
                    "inbound_ignored",
                    f"{len(sub)} inbound order(s) were ignored ({reason.replace('_', ' ')})",
                    reason=reason,
                    count=int(len(sub)),
                    qty=float(sub["qty"].sum()),
                    po_ids=[str(x) for x in sub["po_id"].tolist()[:50]],
                )
            )
    return out


def low_level_codes(items: list[str], links: pd.DataFrame) -> np.ndarray:
    """Low-level code per item (0 = top level; a child is one level below its deepest parent).
    ``links`` has parent_item, child_item. Raises ``ValueError`` on a BOM cycle."""
    n = len(items)
    llc = np.zeros(n, dtype=np.int64)
    if n == 0 or len(links) == 0:
        return llc
    pos = {it: i for i, it in enumerate(items)}
    p = links["parent_item"].map(pos).to_numpy(dtype=np.int64)
    c = links["child_item"].map(pos).to_numpy(dtype=np.int64)
    limit = len(np.union1d(p, c)) + 1
    for _ in range(limit):
        new = llc.copy()
        np.maximum.at(new, c, llc[p] + 1)
        if np.array_equal(new, llc):
            return llc
        llc = new
    bad = sorted({items[i] for i in c[llc[c] >= limit - 1]} | {items[i] for i in p[p == c]})
    raise ValueError(f"BOM contains a cycle (items involved include: {', '.join(bad[:10])})")


def mrp(
    det: pd.DataFrame,
    items: pd.DataFrame,
    inventory: pd.DataFrame,
    inbound: pd.DataFrame,
    bom: pd.DataFrame,
    calendar: PlanCalendar,
    *,
    lt_unit: str = "day",
    week_days: int = 7,
    horizon: list[str] | None = None,
) -> MrpResult:
    """Material requirements plan (spec §7 with Q11 and Q12).

    Inputs: ``det`` (sku, week, demand — pieces; straddling weeks add up), ``items``
    (item_code, lead_time_days [``lt_unit``], lot_size, moq), ``inventory`` (item_code,
    on_hand, summed per item), ``inbound`` (po_id, item_code, due_date, qty), ``bom``
    (parent_item, child_item, qty per parent piece; qty ≤ 0 ignored). Horizon = the DET weeks
    in calendar order unless given.

    Items planned: DET SKUs, their BOM descendants, items with inventory and items with an
    inbound order in the horizon (sorted by code). Unknown items: lt 0, lot 1, moq 0; lot < 1
    → 1. Per item and week (spec §7.4)::

        start = oh; avail = oh + sched; net = max(0, gross − avail)
        receipt = lot_size(net) if net > 0; oh = avail + receipt − gross
        release[max(0, k − LT)] += receipt           # clamped to the first week

    Q12: items are processed by low-level code; a parent's planned order **releases** become
    the children's gross requirement in the release week (× BOM qty), so lead times offset
    level by level. Q11: past-due POs go to week 1, others outside the horizon are reported.
    Returns one row per item × week (floats rounded to 6 decimals).
    """
    warnings: list[dict] = []
    if horizon is None:
        horizon = calendar.order_weeks(distinct(det["week"])) if len(det) else []
    kept, issues = map_inbound(inbound, calendar, horizon)
    warnings.extend(inbound_warnings(issues))
    n_w = len(horizon)
    if n_w == 0:
        return MrpResult(_empty_mrp(), issues, warnings)
    links = pd.DataFrame(columns=["parent_item", "child_item", "qty"])
    if bom is not None and len(bom):
        links = bom.loc[bom["qty"] > 0, ["parent_item", "child_item", "qty"]]
    children: dict[str, list[str]] = {}
    for par, ch in zip(links["parent_item"].tolist(), links["child_item"].tolist(), strict=True):
        children.setdefault(par, []).append(ch)
    det_items = distinct(det["sku"])
    planned = set(det_items)
    stack = [it for it in det_items if it in children]
    while stack:
        it = stack.pop()
        for ch in children.get(it, ()):
            if ch not in planned:
                planned.add(ch)
                stack.append(ch)
    onhand = (
        inventory.groupby("item_code")["on_hand"].sum()
        if inventory is not None and len(inventory)
        else pd.Series(dtype="float64")
    )
    planned.update(onhand.index.tolist())
    planned.update(kept["item_code"].tolist())
    item_list = sorted(planned)
    n_i = len(item_list)
    pos = pd.Series(np.arange(n_i), index=item_list)
    wpos = pd.Series(np.arange(n_w), index=horizon)
    links = links[links["parent_item"].isin(planned) & links["child_item"].isin(planned)]
    llc = low_level_codes(item_list, links)

    # ---- item attributes
    master = (
        items.drop_duplicates("item_code", keep="last").set_index("item_code")
        if items is not None and len(items)
        else pd.DataFrame(columns=["lead_time_days", "lot_size", "moq"], dtype="float64")
    )
    idx = pd.Index(item_list)
    lt_raw = master["lead_time_days"].reindex(idx).fillna(0.0).to_numpy(dtype=float)
    lot = master["lot_size"].reindex(idx).fillna(1.0).to_numpy(dtype=float)
    lot = np.where(np.isfinite(lot) & (lot >= 1.0), lot, 1.0)
    moq = np.maximum(master["moq"].reindex(idx).fillna(0.0).to_numpy(dtype=float), 0.0)
    lt_w = lead_time_weeks(lt_raw, lt_unit, week_days)

    # ---- matrices item × week
    gross = np.zeros((n_i, n_w))
    if len(det):
        ri = key_positions(det["sku"], pos.index)
        ci = key_positions(det["week"], wpos.index)
        ok = (ri >= 0) & (ci >= 0)
        np.add.at(gross, (ri[ok], ci[ok]), det["demand"].to_numpy(dtype=float)[ok])
    sched = np.zeros((n_i, n_w))
    if len(kept):
        np.add.at(
            sched,
            (pos[kept["item_code"]].to_numpy(), wpos[kept["week"]].to_numpy()),
            kept["qty"].to_numpy(dtype=float),
        )
    oh0 = onhand.reindex(idx).fillna(0.0).to_numpy(dtype=float)
    start = np.zeros((n_i, n_w))
    net_m = np.zeros((n_i, n_w))
    rec = np.zeros((n_i, n_w))
    rel = np.zeros((n_i, n_w))
    end = np.zeros((n_i, n_w))
    l_par = pos[links["parent_item"]].to_numpy() if len(links) else np.zeros(0, np.int64)
    l_chi = pos[links["child_item"]].to_numpy() if len(links) else np.zeros(0, np.int64)
    l_qty = links["qty"].to_numpy(dtype=float) if len(links) else np.zeros(0)
    for level in range(int(llc.max()) + 1 if n_i else 0):
        rows = np.flatnonzero(llc == level)
        if len(rows) == 0:
            continue
        g = gross[rows]
        s = sched[rows]
        lv_lot, lv_moq, lv_lt = lot[rows], moq[rows], lt_w[rows]
        oh = oh0[rows].copy()
        st = np.empty_like(g)
        nt = np.empty_like(g)
        rc = np.empty_like(g)
        en = np.empty_like(g)
        rl = np.zeros_like(g)
        ar = np.arange(len(rows))
        for k in range(n_w):
            st[:, k] = oh
            avail = oh + s[:, k]
            net = np.maximum(0.0, g[:, k] - avail)
            por = lot_size(net, lv_lot, lv_moq)
            oh = avail + por - g[:, k]
            nt[:, k] = np.where(net > NET_EPS, net, 0.0)
            rc[:, k] = por
            en[:, k] = oh
            rl[ar, np.maximum(0, k - lv_lt)] += por
        start[rows], net_m[rows], rec[rows], end[rows], rel[rows] = st, nt, rc, en, rl
        sel = llc[l_par] == level
        if sel.any():
            np.add.at(gross, l_chi[sel], rel[l_par[sel]] * l_qty[sel][:, None])
    table = pd.DataFrame(
        {
            "item": sorted_key(np.repeat(np.arange(n_i), n_w), item_list),
            "week": sorted_key(np.tile(np.arange(n_w), n_i), horizon),
            "gross_req": round6(gross.ravel()),
            "scheduled_receipts": round6(sched.ravel()),
            "on_hand_start": round6(start.ravel()),
            "net_req": round6(net_m.ravel()),
            "planned_order_receipt": round6(rec.ravel()),
            "planned_order_release": round6(rel.ravel()),
            "lt_weeks": np.repeat(lt_w, n_w),
            "lot": np.repeat(lot, n_w),
            "moq": np.repeat(moq, n_w),
            "on_hand_end": round6(end.ravel()),
        },
        copy=False,  # the columns are fresh arrays: no consolidated copy
    )
    return MrpResult(table, issues, warnings, dict(zip(item_list, llc.tolist(), strict=True)))


def _empty_mrp() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(
                [],
                dtype="str"
                if c in ("item", "week")
                else ("int64" if c == "lt_weeks" else "float64"),
            )
            for c in MRP_COLUMNS
        }
    )
