"""Deterministic generator of large planning input sets (the import file layout).

Writes demand_family.csv, capacity.csv, mix_share.csv, inventory.csv, open_po.csv,
period_cost.csv, period_score.csv, item.csv, bom.csv and planning_calendar.json into a folder,
from a seeded numpy RNG: the same arguments always give byte-identical files. The default shape
holds about 1,000,000 child rows:

    family_demand  families × periods                      7,000 × 24      = 168,000
    mix_share      families × skus_per_family              7,000 × 20      = 140,000
    capacity       resources × periods                       100 × 24      =   2,400
    period_metric  2 × periods (cost, score)                               =      48
    item           SKUs + subassemblies + components       140,000 + 14,000 + 4,000
    bom            SKU → subassembly, subassembly → components  140,000 + 14,000 × 6
    inventory      one row per item                                        = 158,000
    inbound        one open PO per item                                    = 158,000
                                                                     total ≈ 1,008,448

Subassemblies belong to a family (``subassemblies_per_family``); components are shared by all
subassemblies. The calendar has monthly periods ``YYYY-MM`` with ISO weeks clipped to the
month (weight = days), or with ``--weekly-calendar`` one period per ISO week.

``--perturb F --base DIR0`` instead writes a copy of DIR0 in which about F of the rows of every
file differ (60 % changed values, 20 % removed, 20 % added with new keys) for diff benchmarks.

Run::

    python bench/generate_inputs.py -o /tmp/set0 [--families 7000 --skus-per-family 20 \\
        --periods 24 --resources 100 --seed 1 --weekly-calendar --demand-log-mean 5.0]
    python bench/generate_inputs.py -o /tmp/set1 --perturb 0.05 --base /tmp/set0

Library use: ``generate(out_dir, **shape)`` and ``perturb(base_dir, out_dir, fraction)`` return
the per-file row counts.
"""

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SHAPE = {
    "families": 7000,
    "skus_per_family": 20,
    "periods": 24,
    "resources": 100,
    "subassemblies_per_family": 2,
    "components": 4000,
    "components_per_subassembly": 6,
    "start": "2026-01",
    "weekly_calendar": False,
    "seed": 1,
    # mean of log(family demand per period); 5.0 ≈ 250 pieces (the import benchmark's data),
    # the pipeline benchmark uses 8.0 ≈ 5,000 so that planned orders and capacity matter
    "demand_log_mean": 5.0,
}

CSV_FILES = (
    "demand_family.csv",
    "capacity.csv",
    "mix_share.csv",
    "inventory.csv",
    "open_po.csv",
    "period_cost.csv",
    "period_score.csv",
    "item.csv",
    "bom.csv",
)
# file → (column changed by --perturb, key column rewritten for added rows or None = no adds)
PERTURB = {
    "demand_family.csv": ("demand", "family"),
    "capacity.csv": ("capacity", "workcenter"),
    "mix_share.csv": ("share", "sku"),
    "inventory.csv": ("qty", "item"),
    "open_po.csv": ("qty", "po_id"),
    "period_cost.csv": ("cost", None),
    "period_score.csv": ("score", None),
    "item.csv": ("lt", "item"),
    "bom.csv": ("qty", "child"),
}


# --- calendar ---------------------------------------------------------------------------------


def _week_code(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def calendar(start: str, periods: int, weekly: bool = False) -> dict:
    """A planning calendar of ``periods`` months from ``start`` (``YYYY-MM``), ISO weeks clipped
    to months with weight = days; ``weekly``: one period per ISO week from the week of the 1st."""
    first = dt.date.fromisoformat(f"{start}-01")
    out = []
    if weekly:
        monday = first - dt.timedelta(days=first.weekday())
        for i in range(periods):
            begin = monday + dt.timedelta(weeks=i)
            code, end = _week_code(begin), begin + dt.timedelta(days=6)
            week = _week(code, i + 1, begin, end)
            out.append({**_span(code, begin, end), "weeks": [week]})
        return {"calendar_type": "iso_week", "week_unit": "day", "periods": out}
    sequence: dict[str, int] = {}
    year, month = first.year, first.month
    for _ in range(periods):
        begin = dt.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = dt.date(year, month, 1) - dt.timedelta(days=1)
        weeks, day = [], begin
        while day <= end:
            code = _week_code(day)
            week_end = min(end, day + dt.timedelta(days=6 - day.weekday()))
            sequence.setdefault(code, len(sequence) + 1)
            weeks.append(_week(code, sequence[code], day, week_end))
            day = week_end + dt.timedelta(days=1)
        out.append({**_span(f"{begin:%Y-%m}", begin, end), "weeks": weeks})
    return {"calendar_type": "iso_week_month", "week_unit": "day", "periods": out}


def _span(period: str, begin: dt.date, end: dt.date) -> dict:
    return {"period": period, "start_date": begin.isoformat(), "end_date": end.isoformat()}


def _week(code: str, sequence: int, begin: dt.date, end: dt.date) -> dict:
    return {
        "week_code": code,
        "sequence": sequence,
        "start_date": begin.isoformat(),
        "end_date": end.isoformat(),
        "weight": (end - begin).days + 1,
    }


# --- sections ---------------------------------------------------------------------------------


def _codes(prefix: str, n: int, width: int) -> np.ndarray:
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _rng(seed: int, stream: int) -> np.random.Generator:
    """One independent stream per section, so changing one section's size leaves the others."""
    return np.random.default_rng([seed, stream])


def build_frames(**shape) -> tuple[dict[str, pd.DataFrame], dict]:
    """The CSV frames (file name → frame) and the calendar for ``shape`` (see DEFAULT_SHAPE)."""
    s = {**DEFAULT_SHAPE, **shape}
    unknown = set(s) - set(DEFAULT_SHAPE)
    if unknown:
        raise TypeError(f"unknown shape keys: {sorted(unknown)}")
    nf, nsku, nper = s["families"], s["skus_per_family"], s["periods"]
    nsub, ncmp, ncps = (
        s["subassemblies_per_family"],
        s["components"],
        s["components_per_subassembly"],
    )
    seed = s["seed"]
    cal = calendar(s["start"], nper, s["weekly_calendar"])
    periods = np.array([p["period"] for p in cal["periods"]], dtype=object)
    weeks = sorted({w["week_code"] for p in cal["periods"] for w in p["weeks"]})
    first_day = dt.date.fromisoformat(cal["periods"][0]["start_date"])
    last_day = dt.date.fromisoformat(cal["periods"][-1]["end_date"])

    fw = max(5, len(str(nf)))
    families = _codes("FAM-", nf, fw)
    skus = np.array([f"{f}-S{j:02d}" for f in families for j in range(1, nsku + 1)], dtype=object)
    subs = np.array(
        [f"SUB-{i:0{fw}d}-A{j}" for i in range(1, nf + 1) for j in range(1, nsub + 1)], dtype=object
    )
    comps = _codes("CMP-", ncmp, max(4, len(str(ncmp))))
    items = np.concatenate([skus, subs, comps])
    frames = {}

    rng = _rng(seed, 1)
    base = rng.lognormal(s["demand_log_mean"], 1.0, nf)
    season = 1.0 + 0.2 * np.sin(np.arange(nper) * 2 * np.pi / 12)
    demand = np.round(np.outer(base, season) * rng.uniform(0.8, 1.2, (nf, nper)))
    frames["demand_family.csv"] = pd.DataFrame(
        {
            "family": np.repeat(families, nper),
            "period": np.tile(periods, nf),
            "demand": demand.ravel().astype(np.int64),
        }
    )

    rng = _rng(seed, 2)
    wcs = _codes("WC-", s["resources"], 3)
    frames["capacity.csv"] = pd.DataFrame(
        {
            "workcenter": np.repeat(wcs, nper),
            "period": np.tile(periods, len(wcs)),
            "capacity": rng.integers(500, 20000, len(wcs) * nper) * 10,
        }
    )

    rng = _rng(seed, 3)
    raw = rng.gamma(2.0, 1.0, (nf, nsku)) + 0.2
    share = np.round(raw / raw.sum(axis=1, keepdims=True), 6)
    share[:, -1] = np.round(1.0 - share[:, :-1].sum(axis=1), 6)  # each family sums to 1
    frames["mix_share.csv"] = pd.DataFrame(
        {"family": np.repeat(families, nsku), "sku": skus, "share": share.ravel()}
    )

    rng = _rng(seed, 4)
    nitems = len(items)
    kind = np.repeat([0, 1, 2], [len(skus), len(subs), len(comps)])
    dc = np.array([f"DC-{i:02d}" for i in range(1, 9)], dtype=object)
    plant = np.array([f"PLANT-{i:02d}" for i in range(1, 5)], dtype=object)
    frames["inventory.csv"] = pd.DataFrame(
        {
            "item": items,
            "loc": np.where(kind == 0, dc[rng.integers(0, len(dc), nitems)], plant[kind]),
            "qty": rng.integers(0, 2000, nitems),
        }
    )

    rng = _rng(seed, 5)
    offsets = rng.integers(0, (last_day - first_day).days + 1, nitems)
    due = (np.datetime64(first_day) + offsets).astype(str).astype(object)
    style = rng.random(nitems)  # 80 % ISO dates, 10 % period keys, 10 % week codes
    due = np.where(
        style > 0.9, np.array(weeks, dtype=object)[rng.integers(0, len(weeks), nitems)], due
    )
    if not s["weekly_calendar"]:
        due = np.where((style > 0.8) & (style <= 0.9), periods[rng.integers(0, nper, nitems)], due)
    frames["open_po.csv"] = pd.DataFrame(
        {
            "po_id": _codes("PO-", nitems, 7),
            "item": items,
            "due": due,
            "qty": rng.integers(1, 200, nitems) * 10,
        }
    )

    rng = _rng(seed, 6)
    frames["period_cost.csv"] = pd.DataFrame(
        {"period": periods, "cost": np.round(rng.uniform(1000, 2000, nper), 2)}
    )
    frames["period_score.csv"] = pd.DataFrame(
        {"period": periods, "score": np.round(rng.uniform(0.5, 1.0, nper), 3)}
    )

    rng = _rng(seed, 7)
    frames["item.csv"] = pd.DataFrame(
        {
            "item": items,
            "lt": rng.integers(1, 61, nitems),
            "lot": np.array([1, 5, 10, 50, 100])[rng.integers(0, 5, nitems)],
            "moq": rng.integers(0, 51, nitems) * 10,
        }
    )

    rng = _rng(seed, 8)
    sku_sub = np.repeat(np.arange(nf) * nsub, nsku) + rng.integers(0, nsub, len(skus))
    # ncps distinct components per subassembly: a random start and stride modulo ncmp
    start = rng.integers(0, ncmp, len(subs))[:, None]
    picks = (start + np.arange(ncps)[None, :] * (ncmp // ncps)) % ncmp
    frames["bom.csv"] = pd.DataFrame(
        {
            "parent": np.concatenate([skus, np.repeat(subs, ncps)]),
            "child": np.concatenate([subs[sku_sub], comps[picks.ravel()]]),
            "qty": np.concatenate([np.ones(len(skus), int), rng.integers(1, 5, picks.size)]),
        }
    )
    return frames, cal


# --- writing ----------------------------------------------------------------------------------


def _write(out_dir: Path, frames: dict[str, pd.DataFrame], cal: dict) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(out_dir / name, index=False, lineterminator="\n")
    (out_dir / "planning_calendar.json").write_text(json.dumps(cal, indent=2) + "\n")
    return {name: len(frame) for name, frame in frames.items()}


def generate(out_dir, **shape) -> dict[str, int]:
    """Write one input set for ``shape`` (keys of DEFAULT_SHAPE) into ``out_dir``; returns the
    row count per file."""
    frames, cal = build_frames(**shape)
    return _write(Path(out_dir), frames, cal)


def perturb(base_dir, out_dir, fraction: float = 0.05, seed: int = 1) -> dict[str, int]:
    """Copy ``base_dir`` to ``out_dir`` with about ``fraction`` of each file's rows differing:
    60 % of them get a changed value, 20 % are removed and 20 % are added under new keys
    (period files only get changed values, so every period stays in the calendar)."""
    base_dir, out_dir = Path(base_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for i, name in enumerate(CSV_FILES):
        if not (base_dir / name).exists():
            continue
        frame = pd.read_csv(base_dir / name, dtype=str, keep_default_na=False)
        value_col, key_col = PERTURB[name]
        rng = _rng(seed, 100 + i)
        k = int(round(len(frame) * fraction))
        n_change = k if key_col is None else int(round(k * 0.6))
        n_remove = 0 if key_col is None else (k - n_change) // 2
        n_add = 0 if key_col is None else k - n_change - n_remove
        picked = rng.permutation(len(frame))[: n_change + n_remove]
        changed, removed = picked[:n_change], picked[n_change:]
        values = pd.to_numeric(frame[value_col]).to_numpy(dtype=float, copy=True)
        if name == "mix_share.csv":  # stays within [0, 1]
            values[changed] = np.round(values[changed] * rng.uniform(0.5, 0.95, n_change), 6)
        else:  # stays positive; "+ 1" so that zeros change too
            values[changed] = np.round(values[changed] * rng.uniform(1.05, 1.5, n_change) + 1)
        frame[value_col] = [str(int(v)) if v == int(v) else str(v) for v in values]
        added = frame.iloc[rng.integers(0, len(frame), n_add)].copy()
        if n_add:
            added[key_col] = [f"{v}-N{j:06d}" for j, v in enumerate(added[key_col], 1)]
        frame = pd.concat([frame.drop(frame.index[removed]), added], ignore_index=True)
        frame.to_csv(out_dir / name, index=False, lineterminator="\n")
        counts[name] = len(frame)
    for extra in sorted(base_dir.glob("*.json")):
        shutil.copyfile(extra, out_dir / extra.name)
    return counts


def print_counts(counts: dict[str, int], stream=sys.stdout) -> None:
    for name, n in counts.items():
        print(f"  {name:<20} {n:>10,}", file=stream)
    print(f"  {'total':<20} {sum(counts.values()):>10,}", file=stream)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--out", required=True, type=Path, help="Output folder.")
    for key in ("families", "skus_per_family", "periods", "resources", "components"):
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, default=DEFAULT_SHAPE[key])
    parser.add_argument(
        "--subassemblies-per-family", type=int, default=DEFAULT_SHAPE["subassemblies_per_family"]
    )
    parser.add_argument(
        "--components-per-subassembly",
        type=int,
        default=DEFAULT_SHAPE["components_per_subassembly"],
    )
    parser.add_argument("--start", default=DEFAULT_SHAPE["start"], help="First month, YYYY-MM.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SHAPE["seed"])
    parser.add_argument(
        "--demand-log-mean",
        type=float,
        default=DEFAULT_SHAPE["demand_log_mean"],
        help="Mean of log(family demand per period); 5.0 ≈ 250 pieces.",
    )
    parser.add_argument("--weekly-calendar", action="store_true", help="One period per ISO week.")
    parser.add_argument("--perturb", type=float, help="Write a variant of --base (fraction).")
    parser.add_argument("--base", type=Path, help="Base folder for --perturb.")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.perturb is not None:
        if args.base is None:
            parser.error("--perturb needs --base")
        counts = perturb(args.base, args.out, args.perturb, seed=args.seed)
    else:
        shape = {k: v for k, v in vars(args).items() if k in DEFAULT_SHAPE}
        counts = generate(args.out, **shape)
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f} s")
    print_counts(counts)


if __name__ == "__main__":
    main()
