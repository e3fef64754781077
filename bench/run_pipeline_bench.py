"""Planning pipeline benchmark: import, compute, end to end into the columnar store, and the
previous design (§12.2 rows) as the baseline timed in the same run.

The shape at ``--scales 1`` (the "medium" shape of issue 9) is 350 families × 20 SKUs
(7,000 SKUs), 24 monthly periods with ISO weeks clipped to the months (105 week buckets),
20 resources, a two-level BOM (SKU → one of 2 subassemblies per family → 6 of 200 shared
components), and one inventory row and one open PO per item (7,900 items). Families,
components and resources grow with the scale; periods and SKUs per family stay. Family demand
is lognormal with mean log 8.0 (about 5,000 pieces per family and month).

Per scale, each operation in a fresh subprocess, so that wall time and peak RSS (``os.wait4``
rusage of that one process) belong to one operation:

- ``import``: ``input_set_import`` of the generated files (a new config version) + approve;
- ``compute``: load the stored set (``plans.inputs.input_set_frames``), ``frames_to_inputs``,
  ``plans.pipeline.run`` and building every level table of ``result.series_tables``
  (``plans/pipeline/series_tables.py``). No database writes;
- ``e2e``: the public service ``plans.services.plan_create_and_execute(..., sync=True)``,
  timed as one call. Only the public ``plans.series_store.SegmentWriter.write_level`` is
  wrapped (segment encode + write time per level); the service's private helpers are not.
  After each run an untimed subprocess records the storage the plan added: database growth
  (SQLite: used pages, after a WAL checkpoint, and the file size; PostgreSQL:
  ``pg_total_relation_size`` of the ``plans_*`` tables) plus the bytes of the segment files.
  Plans are kept between runs, so every run's growth is its own;
- ``command`` (``--command``): one ``manage.py create_plan --sync --json``;
- ``baseline_rows``: the previous design, timed in the same run (scales ≤ 5 only; at 20× it
  does not fit this machine, which is recorded): the same pipeline, then every level turned
  into the §12.2 row shape (``plans.pipeline.series_tables.series_rows``) and inserted into
  the legacy ``plans_planseries`` table with plain ``cursor.executemany`` in batches of
  ``--batch`` rows, all 34 columns as the old ``insert_frame`` sent them, one transaction
  (``--baseline-copy``: PostgreSQL ``COPY`` instead, the previous design's path there; plain
  ``executemany`` managed only ~2,300 rows/s on PostgreSQL in the smoke runs).
  Its storage is measured the same way; the rows are deleted again (untimed) afterwards.

Segments go to ``PLAN_SERIES_STORAGE_OPTIONS={"location": "/tmp/bench_pipeline_series-<db>"}``
(emptied with the database), never to the project's ``var/``.

Run (the database name must contain "bench"; it is reset first unless ``--keep-db``)::

    # full runs (quiet machine; medians of 3, one run at 20x)
    .venv/bin/python bench/run_pipeline_bench.py --scales 1,5,20 --repeat 3 --repeat-large 1 \\
        --command
    bash .ci/postgres.sh
    su postgres -c "createdb -O planning_hub planning_hub_bench"   # once
    .venv/bin/python bench/run_pipeline_bench.py --scales 1,5,20 --repeat 3 --repeat-large 1 \\
        --command --database-url \\
        postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub_bench
    # the same with the baseline by COPY (hours faster at 5x on PostgreSQL)
    .venv/bin/python bench/run_pipeline_bench.py --scales 1,5,20 --repeat 3 --repeat-large 1 \\
        --command --baseline-copy --database-url \\
        postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub_bench
    # smoke run (~1 min)
    .venv/bin/python bench/run_pipeline_bench.py --scales 0.05 --repeat 1 --command \\
        -o /tmp/pipeline-smoke.json

Generated files are cached in ``bench/out/data/pipeline-scale<S>-seed<N>``. Results go to
``bench/results/pipeline-<vendor>.json`` (``-o``), and a table is printed with the median
wall time, median peak RSS, storage added and the growth factors against scale 1. Figures
and analysis: ``docs/performance.md`` ("Pipeline").
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate_inputs as gen  # noqa: E402
from bench.run_import_bench import (  # noqa: E402
    _report,
    _setup_django,
    database_path,
    machine_info,
    manage,
    reset_database,
    run_process,
)

DEFAULT_URL = "sqlite:////tmp/bench_pipeline.sqlite3"
# shape at scale 1; "families", "components" and "resources" are multiplied by the scale
SHAPE = {
    "families": 350,
    "skus_per_family": 20,
    "periods": 24,
    "resources": 20,
    "subassemblies_per_family": 2,
    "components": 200,
    "components_per_subassembly": 6,
    "weekly_calendar": False,
    "demand_log_mean": 8.0,
}
SCALED = ("families", "components", "resources")
LARGE_SCALE = 20  # from here on --repeat-large applies
BASELINE_MAX_SCALE = 5  # the row design does not fit 23.5 GiB at 20x (docs/performance.md)
# issue 9 targets for the medium shape (scale 1): seconds, peak MiB, storage MB
TARGETS = {"e2e": (20.0, 1024.0, 25.0), "command": (20.0, 1024.0, None)}
OPS = ("import", "compute", "e2e", "command", "baseline_rows")


# --- parent: orchestration ----------------------------------------------------------------------


def child(op: str, env: dict, log_dir: Path, name: str | None = None, **params) -> dict:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", op, json.dumps(params)]
    return run_process(name or op, argv, env, log_dir)


def shape_for(scale: float, seed: int) -> dict:
    shape = {k: max(1, round(v * scale)) if k in SCALED else v for k, v in SHAPE.items()}
    # distinct components per subassembly need at least that many components
    shape["components"] = max(shape["components"], 2 * shape["components_per_subassembly"])
    return {**shape, "seed": seed}


def prepare_data(cache_dir: Path, scale: float, seed: int) -> tuple[Path, dict]:
    """Generate (or reuse) the input files of one scale; returns the folder and its info."""
    folder = cache_dir / f"pipeline-scale{scale:g}-seed{seed}"
    files, stamp = folder / "files", folder / "counts.json"
    shape = shape_for(scale, seed)
    if stamp.exists():
        info = json.loads(stamp.read_text())
        if info["shape"] == shape:
            return files, info
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    counts = gen.generate(files, **shape)
    info = {"shape": shape, "files": counts, "generate_seconds": time.perf_counter() - started}
    stamp.write_text(json.dumps(info, indent=2))
    return files, info


def bench_env(url: str, vendor: str) -> tuple[dict, Path]:
    """Environment of the children: the bench database and a bench-only segment folder."""
    series_dir = Path(tempfile.gettempdir()) / f"bench_pipeline_series-{vendor}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "planning_hub.settings",
        "PLAN_SERIES_STORAGE_BACKEND": "django.core.files.storage.FileSystemStorage",
        "PLAN_SERIES_STORAGE_OPTIONS": json.dumps({"location": str(series_dir)}),
    }
    env.setdefault("PYTHONHASHSEED", "0")
    return env, series_dir


def run(args) -> dict:
    url = args.database_url
    vendor, db_name = database_path(url)
    if "bench" not in Path(db_name).name:
        sys.exit(f"refusing to use {db_name!r}: the bench database name must contain 'bench'")
    env, series_dir = bench_env(url, vendor)
    stamp = time.strftime("%Y%m%d%H%M%S")
    load_before = os.getloadavg()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-pipeline-logs-"))
    print(f"logs: {log_dir}")
    if not args.keep_db:
        reset_database(url, env, log_dir)
        shutil.rmtree(series_dir, ignore_errors=True)
    manage("migrate", ["migrate", "-v0"], env, log_dir)
    server = child("startup", env, log_dir)

    scales = {}
    for index, scale in enumerate(args.scales):
        version_id = int(stamp[-8:]) * 10 + index  # a new config version per run and scale
        ctx = {"env": env, "log_dir": log_dir, "tag": str(index)}
        scales[f"{scale:g}"] = run_scale(args, scale, version_id, f"pipe-{stamp}-s{scale:g}", ctx)
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        "machine": {**machine_info(), "loadavg": [load_before, os.getloadavg()]},
        "database": {"vendor": vendor, "name": db_name, "server": server.get("server_version")},
        "series_storage": str(series_dir),
        "repeat": args.repeat,
        "repeat_large": args.repeat_large,
        "startup": server,
        "targets": {
            k: {"seconds": s, "peak_rss_mib": m, "storage_mb": mb}
            for k, (s, m, mb) in TARGETS.items()
        },
        "scales": scales,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def repeats_for(args, scale: float) -> int:
    if scale >= LARGE_SCALE and args.repeat_large is not None:
        return args.repeat_large
    return args.repeat


def run_scale(args, scale: float, version_id: int, label: str, ctx: dict) -> dict:
    """Import the set of one scale, then time compute, e2e, the baseline (and the command)."""
    env, log_dir, tag = ctx["env"], ctx["log_dir"], ctx["tag"]
    files, data = prepare_data(args.cache_dir, scale, args.seed)
    rows = sum(data["files"].values())
    repeat = repeats_for(args, scale)
    note = ""
    if repeat == 1 and args.repeat > 1:
        note = f"single run at scale {scale:g} (--repeat-large 1): not a median"
    print(f"scale {scale:g}: {files} ({rows:,} input rows), {repeat} run(s) per operation")
    if note:
        print(f"  note: {note}")
    results: dict[str, dict] = {}

    def step(key, fn, n):
        samples = []
        for i in range(n):
            print(f"  {key} …", end="", flush=True)
            sample = fn(i)
            sample["loadavg_1min"] = round(os.getloadavg()[0], 2)  # other work skews it
            samples.append(sample)
            extra = f", {sample['storage_mb']:.1f} MB" if "storage_mb" in sample else ""
            print(f" {sample['seconds']:.2f} s, {sample['peak_rss_mib']:.0f} MiB{extra}")
        results[key] = aggregate(samples)

    def with_storage(name, fn):
        before = child("storage", env, log_dir, f"storage-before-{name}")
        result = fn()
        after = child("storage", env, log_dir, f"storage-after-{name}")
        result["storage"] = storage_delta(before, after)
        result["storage_mb"] = result["storage"]["total_mb"]
        return result

    def import_(i):
        # the first import is the set every later step plans; the others repeat it under
        # a new label in a new config version
        suffix = "" if i == 0 else f"-r{i}"
        params = {"data": str(files), "label": label + suffix, "version_id": version_id + i * 1000}
        return child("import", env, log_dir, f"import{tag}-{i}", **params)

    def compute(i):
        return child("compute", env, log_dir, f"compute{tag}-{i}", label=label)

    def e2e(i):
        name = f"e2e{tag}-{i}"
        params = {"label": label, "version_id": version_id}
        return with_storage(name, lambda: child("e2e", env, log_dir, name, **params))

    def command(i):
        cmd = ["create_plan", "--config-version-id", str(version_id)]
        name = f"command{tag}-{i}"
        cmd += ["--input-set-label", label, "--sync", "--json"]
        return with_storage(name, lambda: manage(name, cmd, env, log_dir))

    def baseline(i):
        name = f"baseline{tag}-{i}"
        params = {"label": label, "batch": args.batch, "copy": args.baseline_copy}
        try:
            return with_storage(name, lambda: child("baseline_rows", env, log_dir, name, **params))
        finally:
            child("baseline_cleanup", env, log_dir, f"cleanup-{name}")

    step("import", import_, repeat)
    step("compute", compute, repeat)
    step("e2e", e2e, repeat)
    if args.command:
        step("command", command, 1)
    if args.baseline and scale <= BASELINE_MAX_SCALE:
        step("baseline_rows", baseline, repeat)
    elif args.baseline:
        results["baseline_rows"] = {
            "skipped": (
                f"not run at scale {scale:g}: the previous row design is infeasible beyond "
                f"{BASELINE_MAX_SCALE}x on this machine (at 5x it already took 332 s and "
                "8.7 GiB end to end; 20x needs about 29-34 GiB, docs/performance.md)"
            )
        }
    return {"data": data, "input_rows": rows, "runs": repeat, "note": note, "results": results}


def aggregate(samples: list[dict]) -> dict:
    """The median run (by wall time) with the medians of wall, peak RSS and storage."""
    if len(samples) == 1:
        return {**samples[0], "n": 1}
    ordered = sorted(samples, key=lambda r: r["seconds"])
    out = {
        **ordered[len(ordered) // 2],
        "n": len(samples),
        "seconds": round(statistics.median(r["seconds"] for r in samples), 3),
        "seconds_min": ordered[0]["seconds"],
        "seconds_samples": [r["seconds"] for r in samples],
        "peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in samples), 1),
        "peak_rss_mib_samples": [r["peak_rss_mib"] for r in samples],
    }
    if all("storage_mb" in r for r in samples):
        out["storage_mb"] = round(statistics.median(r["storage_mb"] for r in samples), 3)
        out["storage_mb_samples"] = [r["storage_mb"] for r in samples]
    if all("op_seconds" in r for r in samples):
        out["op_seconds"] = round(statistics.median(r["op_seconds"] for r in samples), 3)
    return out


def storage_delta(before: dict, after: dict) -> dict:
    mb = 1e6
    db_bytes = after["db_bytes"] - before["db_bytes"]
    seg_bytes = after["segment_bytes"] - before["segment_bytes"]
    out = {
        "db_bytes": db_bytes,
        "segment_bytes": seg_bytes,
        "segment_files": after["segment_files"] - before["segment_files"],
        "db_measure": after["db_measure"],
        "total_mb": round((db_bytes + seg_bytes) / mb, 3),
    }
    tables = {
        t: after["tables"].get(t, 0) - before["tables"].get(t, 0)
        for t in set(before["tables"]) | set(after["tables"])
    }
    out["db_tables_bytes"] = {t: b for t, b in sorted(tables.items()) if b}
    if "file_bytes" in after:
        out["db_file_growth_bytes"] = after["file_bytes"] - before["file_bytes"]
    return out


def previous_run(summary: dict) -> dict:
    """What identifies one invocation in a merged results file."""
    keys = ("measured_at", "repeat", "repeat_large", "machine")
    return {**{k: summary.get(k) for k in keys}, "scales": list(summary["scales"])}


def print_table(summary: dict) -> None:
    db = summary["database"]
    print(f"\n{db['vendor']} {db['server'] or ''}")
    scales = summary["scales"]
    ref = "1" if "1" in scales else next(iter(scales))  # growth factors against scale 1
    base = scales[ref]["results"]
    print(f"growth factors (x wall, x MiB, x MB) against scale {ref}")
    head = (
        f"{'scale':>6} {'operation':<14}{'runs':>5}{'wall s':>9}{'peak MiB':>10}{'storage MB':>12}"
        f"{'x wall':>8}{'x MiB':>7}{'x MB':>7}  target"
    )
    print(head + "\n" + "-" * (len(head) + 20))
    for scale, block in scales.items():
        for name in OPS:
            r = block["results"].get(name)
            if r is None:
                continue
            if "skipped" in r:
                print(f"{scale:>6} {name:<14}  skipped: {r['skipped']}")
                continue
            storage = r.get("storage_mb")
            ref = base.get(name, {})
            growth = [
                _ratio(r.get(k), ref.get(k)) for k in ("seconds", "peak_rss_mib", "storage_mb")
            ]
            verdict = ""
            target = TARGETS.get(name) if scale == "1" else None
            if target:
                ok = r["seconds"] <= target[0] and r["peak_rss_mib"] <= target[1]
                if target[2] is not None and storage is not None:
                    ok = ok and storage <= target[2]
                mb = f" / {target[2]:.0f} MB" if target[2] else ""
                verdict = (
                    f"≤{target[0]:.0f} s / {target[1]:.0f} MiB{mb}  {'PASS' if ok else 'FAIL'}"
                )
            print(
                f"{scale:>6} {name:<14}{r.get('n', 1):>5}{r['seconds']:>9.2f}"
                f"{r['peak_rss_mib']:>10.0f}{'' if storage is None else f'{storage:.1f}':>12}"
                + "".join(f"{g:>8}" if i == 0 else f"{g:>7}" for i, g in enumerate(growth))
                + f"  {verdict}"
            )
        e2e = block["results"].get("e2e", {})
        if e2e.get("write_level_seconds"):
            parts = ", ".join(f"{k} {v:.2f}" for k, v in e2e["write_level_seconds"].items())
            print(f"{'':>7}e2e segment writes (s): {parts}; rows {e2e.get('series_rows_total')}")
        for name in ("e2e", "baseline_rows"):
            st = block["results"].get(name, {}).get("storage")
            if st:
                top = sorted(st.get("db_tables_bytes", {}).items(), key=lambda kv: -kv[1])[:3]
                parts = ", ".join(f"{t} {b / 1e6:.1f}" for t, b in top)
                print(
                    f"{'':>7}{name} storage (MB): database {st['db_bytes'] / 1e6:.1f} ({parts}),"
                    f" segments {st['segment_bytes'] / 1e6:.1f} in {st['segment_files']} files"
                )
        row, col = block["results"].get("baseline_rows", {}), block["results"].get("e2e", {})
        if row.get("storage") and col.get("storage"):
            rows_mb, seg_mb = row["storage"]["total_mb"], col["storage"]["segment_bytes"] / 1e6
            print(
                f"{'':>7}series alone: {rows_mb:.1f} MB as rows (previous design) against "
                f"{seg_mb:.1f} MB of segments ({_ratio(rows_mb, seg_mb)}); whole process "
                f"{_ratio(row['seconds'], col['seconds'])} the e2e time"
            )
        if block.get("note"):
            print(f"{'':>7}note: {block['note']}")


def _ratio(value, ref) -> str:
    if value is None or not ref:
        return ""
    return f"{value / ref:.1f}x"


# --- child processes: one operation each --------------------------------------------------------


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_startup(_params) -> dict:
    started = time.perf_counter()
    _setup_django()
    from django.db import connection

    import plans.services  # noqa: F401  (the import cost is part of the measure)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return {"op_seconds": round(time.perf_counter() - started, 3), "server_version": version}


def child_import(params) -> dict:
    _setup_django()
    from input_sets.io.bundle import InputBundle
    from input_sets.services import input_set_approve, input_set_import

    started = time.perf_counter()
    report = input_set_import(
        bundle=InputBundle.from_path(params["data"]),
        label=params["label"],
        config_version_id=params["version_id"],
        create_config_version=True,
    )
    imported = time.perf_counter() - started
    input_set_approve(label=params["label"], reviewer="bench")
    return {
        "op_seconds": round(time.perf_counter() - started, 3),
        "import_seconds": round(imported, 3),
        "rows": sum(report.counts.values()),
        "counts": report.counts,
    }


def _compute(label: str, stages: dict):
    """Load the stored set and run the pipeline; returns the result."""
    from input_sets.models import PlanningInputSet
    from plans.inputs import frames_to_inputs, input_set_frames
    from plans.pipeline import PlanParams, run

    t = time.perf_counter()
    input_set = PlanningInputSet.objects.get(label=label)
    frames = input_set_frames(input_set)
    stages["load inputs"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    inputs = frames_to_inputs(frames, input_set.calendar_spec)
    plan_params = PlanParams.from_planning_params(input_set.planning_params or {})
    stages["frames_to_inputs"] = round(time.perf_counter() - t, 3)
    del frames
    t = time.perf_counter()
    result = run(inputs, plan_params)
    stages["run"] = round(time.perf_counter() - t, 3)
    return result


def child_compute(params) -> dict:
    """Inputs from the stored set, ``run()`` and every level table; no writes."""
    t0 = time.perf_counter()
    _setup_django()
    stages = {"startup": round(time.perf_counter() - t0, 3)}
    started = time.perf_counter()
    result = _compute(params["label"], stages)
    builds, rows = {}, {}
    tables = result.series_tables
    for level in list(tables):
        t = time.perf_counter()
        table = tables.pop(level)  # one level in memory at a time, as the service writes them
        builds[level] = round(time.perf_counter() - t, 3)
        rows[level] = len(table)
        del table
    stages["series tables"] = round(sum(builds.values()), 3)
    return {
        "op_seconds": round(time.perf_counter() - started, 3),
        "stages": stages,
        "pipeline_timings": {k: round(v, 3) for k, v in result.timings.items()},
        "series_build": builds,
        "series_rows": rows,
        "series_rows_total": sum(rows.values()),
        "kpi_totals": {
            k["metric"]: k["value"] for k in result.kpis if k.get("bucket_type") == "total"
        },
        "peak_mib_in_process": _peak_mib(),
    }


def child_e2e(params) -> dict:
    """``plan_create_and_execute(sync=True)`` timed as one call; only the public
    ``SegmentWriter.write_level`` is wrapped."""
    t0 = time.perf_counter()
    _setup_django()
    from plans import series_store, services
    from plans.models import PlanSeriesSegment, PlanVersion

    startup = time.perf_counter() - t0
    writes: dict[str, float] = {}
    write_level = series_store.SegmentWriter.write_level

    def timed_write_level(self, level, table):
        started = time.perf_counter()
        try:
            return write_level(self, level, table)
        finally:
            writes[level] = writes.get(level, 0.0) + time.perf_counter() - started

    series_store.SegmentWriter.write_level = timed_write_level
    started = time.perf_counter()
    job = services.plan_create_and_execute(
        config_version_id=params["version_id"],
        input_set_label=params["label"],
        trigger="cli",
        sync=True,
    )
    total = time.perf_counter() - started
    if str(job.status) != "succeeded":
        raise RuntimeError(f"plan job {job.pk} {job.status}: {getattr(job, 'error', '')}")
    plan = PlanVersion.objects.filter(input_set_label=params["label"]).latest("pk")
    rows: dict[str, int] = {}
    for seg in PlanSeriesSegment.objects.filter(plan=plan):
        rows[seg.level] = rows.get(seg.level, 0) + seg.rows
    return {
        "op_seconds": round(total, 3),
        "startup_seconds": round(startup, 3),
        "plan": plan.version_id,
        "job_status": job.status,
        "write_level_seconds": {k: round(v, 3) for k, v in writes.items()},
        "write_level_total": round(sum(writes.values()), 3),
        "series_rows": rows,
        "series_rows_total": sum(rows.values()),
        "peak_mib_in_process": _peak_mib(),
    }


def _legacy_row_values():
    """The previous design's columns of ``plans_planseries`` and a function building one
    level's tuples (§12.2 row shape, model defaults for the fields the pipeline never fills,
    ``extra`` as compact JSON) — what ``insert_frame`` sent before the columnar store."""
    from django.db import models

    from plans.models import PlanSeries
    from plans.pipeline.series_tables import series_rows

    fields = [f for f in PlanSeries._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    encode = json.JSONEncoder(separators=(",", ":"), default=str).encode

    def tuples(plan_id: int, level: str, table):
        frame = series_rows(level, table)
        n = len(frame)
        cols = []
        for f in fields:
            if f.column == "plan_id":
                cols.append([plan_id] * n)
            elif f.name == "source":
                cols.append([level] * n)
            elif f.name == "extra":
                cols.append([encode(v) for v in frame["extra"].tolist()])
            elif f.name in frame.columns:
                values = frame[f.name].tolist()
                if isinstance(f, models.FloatField):
                    values = [None if v != v else v for v in values]  # NaN → NULL
                cols.append(values)
            else:
                default = f.get_default()
                cols.append([default] * n)
        return list(zip(*cols, strict=True))

    return PlanSeries._meta.db_table, columns, tuples


def child_baseline_rows(params) -> dict:
    """The previous design: pipeline, then every level as §12.2 rows into
    ``plans_planseries`` with plain ``cursor.executemany`` in batches, one transaction."""
    t0 = time.perf_counter()
    _setup_django()
    from django.db import connection, transaction

    from plans.models import PlanVersion

    stages = {"startup": round(time.perf_counter() - t0, 3)}
    started = time.perf_counter()
    result = _compute(params["label"], stages)
    # the rows need a plan to point to: the newest plan of this set (made by e2e)
    plan = PlanVersion.objects.filter(input_set_label=params["label"]).latest("pk")
    table_name, columns, tuples = _legacy_row_values()
    sql = (
        f"INSERT INTO {table_name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    batch = params["batch"]
    build: dict[str, float] = {}
    insert: dict[str, float] = {}
    rows: dict[str, int] = {}
    tables = result.series_tables
    t_write = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for level in list(tables):
            t = time.perf_counter()
            table = tables.pop(level)
            values = tuples(plan.pk, level, table)
            del table
            build[level] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            if params.get("copy") and connection.vendor == "postgresql":
                # the previous design's PostgreSQL path (insert_frame used COPY there)
                copy_sql = f"COPY {table_name} ({', '.join(columns)}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                for start in range(0, len(values), batch):
                    cursor.executemany(sql, values[start : start + batch])
            insert[level] = round(time.perf_counter() - t, 3)
            rows[level] = len(values)
            del values
        t_commit = time.perf_counter()
    stages["commit"] = round(time.perf_counter() - t_commit, 3)
    stages["rows build (series_rows + tuples)"] = round(sum(build.values()), 3)
    stages["insert"] = round(sum(insert.values()), 3)
    return {
        "op_seconds": round(time.perf_counter() - started, 3),
        "write_seconds": round(time.perf_counter() - t_write, 3),
        "plan": plan.version_id,
        "batch": batch,
        "method": "copy"
        if params.get("copy") and connection.vendor == "postgresql"
        else "executemany",
        "stages": stages,
        "rows_build_seconds": build,
        "insert_seconds": insert,
        "series_rows": rows,
        "series_rows_total": sum(rows.values()),
        "columns": len(columns),
        "peak_mib_in_process": _peak_mib(),
    }


def child_baseline_cleanup(_params) -> dict:
    """Remove every legacy series row again (untimed), so that each baseline run starts from
    an empty table: PostgreSQL ``TRUNCATE`` (gives the space back), SQLite ``DELETE`` (its
    pages go to the freelist, which the used-pages measure leaves out)."""
    _setup_django()
    from django.db import connection

    from plans.models import PlanSeries

    table = PlanSeries._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table}")
    return {}


def database_bytes(connection, table_prefix: str = "plans_") -> dict:
    """SQLite: used pages (after a WAL checkpoint) and the file size; PostgreSQL: the sum of
    ``pg_total_relation_size`` over the tables named ``<table_prefix>*``."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA page_size")
            page = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA freelist_count")
            free = cursor.fetchone()[0]
            name = connection.settings_dict["NAME"]
            try:  # per table (dbstat is compiled into most SQLite builds)
                cursor.execute(
                    "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE %s GROUP BY name",
                    [table_prefix + "%"],
                )
                tables = {t: int(b) for t, b in cursor.fetchall()}
            except Exception:  # noqa: BLE001 - an SQLite without dbstat
                tables = {}
            return {
                "tables": tables,
                "db_bytes": (pages - free) * page,
                "file_bytes": os.path.getsize(name),
                "db_measure": "sqlite used pages (page_count - freelist_count) x page_size",
            }
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname LIKE %s",
            [table_prefix + "%"],
        )
        tables = {t: int(b) for t, b in cursor.fetchall()}
        return {
            "tables": tables,
            "db_bytes": sum(tables.values()),
            "db_measure": f"sum of pg_total_relation_size({table_prefix}* tables)",
        }


def child_storage(_params) -> dict:
    """Database bytes (see :func:`database_bytes`) plus the segment files on disk."""
    _setup_django()
    from django.conf import settings
    from django.db import connection

    out = database_bytes(connection)
    location = Path(settings.STORAGES["plan_series"]["OPTIONS"]["location"])
    files = [p for p in location.rglob("*") if p.is_file()] if location.exists() else []
    out["segment_bytes"] = sum(p.stat().st_size for p in files)
    out["segment_files"] = len(files)
    return out


CHILD_OPS = {
    "startup": child_startup,
    "import": child_import,
    "compute": child_compute,
    "e2e": child_e2e,
    "baseline_rows": child_baseline_rows,
    "baseline_cleanup": child_baseline_cleanup,
    "storage": child_storage,
}


def _scales(text: str) -> list[float]:
    return [float(s) for s in text.replace(" ", ",").split(",") if s]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales",
        "--scale",
        type=_scales,
        default=[1.0],
        help="Comma-separated scales, e.g. 1,5,20 (1 = 7,000 SKUs).",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=3, help="Runs per operation (medians).")
    parser.add_argument(
        "--repeat-large",
        type=int,
        default=None,
        help=f"Runs per operation at scale ≥ {LARGE_SCALE} (e.g. 1; noted in the output).",
    )
    parser.add_argument("--batch", type=int, default=5000, help="executemany batch (baseline).")
    parser.add_argument(
        "--baseline-copy",
        action="store_true",
        help="PostgreSQL: insert the baseline rows with COPY (as the previous design did) "
        "instead of executemany, which is several times slower there.",
    )
    parser.add_argument(
        "--no-baseline", dest="baseline", action="store_false", help="Skip the row baseline."
    )
    parser.add_argument(
        "-o", "--output", type=Path, help="Default bench/results/pipeline-<db>.json"
    )
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "bench" / "out" / "data")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true", help="Do not reset the bench database.")
    parser.add_argument(
        "--command", action="store_true", help="Also time `manage.py create_plan --sync` once."
    )
    parser.add_argument(
        "--merge", action="store_true", help="Add the scales to an existing results file."
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("params", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _report(CHILD_OPS[args.child](json.loads(args.params or "{}")))
        return
    vendor = database_path(args.database_url)[0]
    output = args.output or ROOT / "bench" / "results" / f"pipeline-{vendor}.json"
    previous = json.loads(output.read_text()) if args.merge and output.exists() else None
    if previous is not None and "series_storage" not in previous:
        sys.exit(f"{output} holds results of the previous (row) design; not merging into it")
    summary = run(args)
    if previous is not None:
        runs = [*previous.get("runs", [previous_run(previous)]), previous_run(summary)]
        summary["scales"] = {**previous["scales"], **summary["scales"]}
        summary["runs"] = runs
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n")
    print_table(summary)
    print(f"\nwrote {output}")


if __name__ == "__main__":
    main()
