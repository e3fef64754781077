"""Planning pipeline benchmark: compute only, and end to end with persistence.

The shape at ``--scale 1`` is 350 families × 20 SKUs (7,000 SKUs), 24 monthly periods with ISO
weeks clipped to the months (105 week buckets), 20 resources, a two-level BOM (SKU → one of
2 subassemblies per family → 6 of 200 shared components), and one inventory row and one open
PO per item (7,900 items). Families, components and resources grow with the scale; periods
and SKUs per family stay. Family demand is lognormal with mean log 8.0 (about 5,000 pieces
per family and month), so the plan uses about 70 % of capacity and has backlog to spill.

Per scale, each in a fresh subprocess so that wall time and peak RSS (``os.wait4`` rusage of
that one process) belong to one operation:

- ``import``: ``input_set_import`` of the generated files (new config version) + approve;
- ``compute``: load the stored set (``plans.inputs.input_set_frames``), ``frames_to_inputs``,
  ``plans.pipeline.run`` and the materialisation of every ``series`` level (KPIs are part
  of ``run``). No database writes;
- ``e2e``: ``plans.services.plan_create_and_execute(..., trigger="cli", sync=True)``: loads the
  inputs from the database, runs the pipeline and stores every series level, the KPIs and
  the artifacts. Wall-clock timers wrap the service's helpers (load inputs, snapshot,
  pipeline, per-level series build and insert, KPIs, artifacts, commit, retention); the
  wrappers cost microseconds. The plans are deleted (untimed) after each run so that every
  run inserts into the same, empty ``plans_planseries`` table;
- ``command`` (``--command``): the same through ``manage.py create_plan --sync --json``;
- ``e2e_fixed`` (``--what-if``): ``e2e`` with proposed fixes of project code emulated in the
  child (one series level in memory at a time, one shared JSON encoder; PostgreSQL: the
  series FK dropped for the run, then re-created).

Run (the database name must contain "bench"; it is reset first unless ``--keep-db``)::

    python bench/run_pipeline_bench.py --repeat 3 --what-if --command   # SQLite, scale 1
    python bench/run_pipeline_bench.py --scale 5 --what-if --merge      # add scale 5 (~9 GiB)
    python bench/run_pipeline_bench.py --repeat 3 --database-url \\
        postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub_bench
    python bench/run_pipeline_bench.py --scale 0.05 -o /tmp/smoke.json  # quick smoke run

Generated files are cached in ``bench/out/data/pipeline-scale<S>-seed<N>``. Results go to
``bench/results/pipeline-<vendor>.json`` (``-o``) and a table is printed. Figures and
analysis: ``docs/performance.md`` ("Pipeline").
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import generate_inputs as gen  # noqa: E402
from bench.run_import_bench import (  # noqa: E402
    _aggregate,
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
# operation → (max seconds, max peak MiB); None = no target. Checked at scale 1 only.
TARGETS = {"compute": (10.0, None), "e2e": (45.0, 2048.0)}
# the reference system at scale 1, pipeline only (it persists nothing; 20× does not run)
REFERENCE = {"compute": (97.0, 4.9 * 1024)}


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


def run(args) -> dict:
    url = args.database_url
    vendor, db_name = database_path(url)
    if "bench" not in Path(db_name).name:
        sys.exit(f"refusing to use {db_name!r}: the bench database name must contain 'bench'")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "planning_hub.settings"}
    env.setdefault("PYTHONHASHSEED", "0")
    stamp = time.strftime("%Y%m%d%H%M%S")
    load_before = os.getloadavg()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-pipeline-logs-"))
    print(f"logs: {log_dir}")
    if not args.keep_db:
        reset_database(url, env, log_dir)
    manage("migrate", ["migrate", "-v0"], env, log_dir)
    server = child("startup", env, log_dir)

    scales = {}
    for index, scale in enumerate(args.scale):
        version_id = int(stamp[-8:]) * 10 + index  # a new config version per run and scale
        run_ctx = {"env": env, "log_dir": log_dir, "vendor": vendor, "tag": str(index)}
        scales[f"{scale:g}"] = run_scale(
            args, scale, version_id, f"pipe-{stamp}-s{scale:g}", run_ctx
        )
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        "machine": {**machine_info(), "loadavg": [load_before, os.getloadavg()]},
        "database": {"vendor": vendor, "name": db_name, "server": server.get("server_version")},
        "repeat": args.repeat,
        "startup": server,
        "targets": {k: {"seconds": s, "peak_rss_mib": m} for k, (s, m) in TARGETS.items()},
        "reference": {k: {"seconds": s, "peak_rss_mib": m} for k, (s, m) in REFERENCE.items()},
        "scales": scales,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def run_scale(args, scale: float, version_id: int, label: str, ctx: dict) -> dict:
    """Import the set of one scale, then time compute, e2e (and the optional steps)."""
    env, log_dir, tag = ctx["env"], ctx["log_dir"], ctx["tag"]
    files, data = prepare_data(args.cache_dir, scale, args.seed)
    rows = sum(data["files"].values())
    print(f"scale {scale:g}: {files} ({rows:,} input rows)")
    results: dict[str, dict] = {}

    def step(key, fn, repeat=1):
        samples = []
        for i in range(repeat):
            print(f"  {key} …", end="", flush=True)
            samples.append(fn(i))
            samples[-1]["loadavg_1min"] = round(os.getloadavg()[0], 2)  # other work skews it
            print(f" {samples[-1]['seconds']:.2f} s, {samples[-1]['peak_rss_mib']:.0f} MiB")
        results[key] = _aggregate(samples)
        if repeat > 1:
            results[key]["runs"] = samples

    def import_(i):
        params = {"data": str(files), "label": label, "version_id": version_id}
        return child("import", env, log_dir, f"import{tag}", **params)

    def compute(i):
        return child("compute", env, log_dir, f"compute{tag}-{i}", label=label)

    def e2e(i, fixes=None):
        name = f"e2e{'_fixed' if fixes else ''}{tag}-{i}"
        params = {"label": label, "version_id": version_id, "fixes": fixes or []}
        result = child("e2e", env, log_dir, name, **params)
        # untimed: delete the plan (retention's raw delete of its series rows + cascade)
        cleanup = child("cleanup", env, log_dir, f"cleanup-{name}")
        result["cleanup_seconds"] = cleanup["seconds"]
        result["plan_delete_seconds"] = cleanup["delete_seconds"]  # plans_apply_retention
        return result

    def command(i):
        cmd = ["create_plan", "--config-version-id", str(version_id)]
        cmd += ["--input-set-label", label, "--sync", "--json"]
        try:
            return manage(f"command{tag}-{i}", cmd, env, log_dir)
        finally:
            child("cleanup", env, log_dir, f"cleanup-command{tag}-{i}")

    step("import", import_)
    step("compute", compute, args.repeat)
    step("e2e", e2e, args.repeat)
    if args.what_if:
        fixes = ["series_cache", "json"]
        dropped = None
        if ctx["vendor"] == "postgresql":
            fixes.append("fk")
            dropped = child("series_fk", env, log_dir, f"fk-drop{tag}", action="drop")
        try:
            step("e2e_fixed", lambda i: e2e(i, fixes), args.repeat)
        finally:
            if dropped:
                child("series_fk", env, log_dir, f"fk-restore{tag}", action="restore", **dropped)
    if args.command:
        step("command", command)
    return {"data": data, "input_rows": rows, "results": results}


def previous_run(summary: dict) -> dict:
    """What identifies one invocation in a merged results file."""
    keys = ("measured_at", "repeat", "machine")
    return {**{k: summary.get(k) for k in keys}, "scales": list(summary["scales"])}


def print_table(summary: dict) -> None:
    db = summary["database"]
    print(f"\n{db['vendor']} {db['server'] or ''}")
    head = f"{'scale':>6} {'operation':<10}{'wall s':>9}{'min s':>8}{'op s':>8}{'peak MiB':>10}  target"
    print(head + "\n" + "-" * (len(head) + 24))
    for scale, block in summary["scales"].items():
        for name, r in block["results"].items():
            kind = {"e2e_fixed": "e2e", "command": "e2e"}.get(name, name)
            target, verdict = TARGETS.get(kind) if scale == "1" else None, ""
            if target:
                ok = r["seconds"] < target[0] and (
                    target[1] is None or r["peak_rss_mib"] < target[1]
                )
                mem = f" / <{target[1]:.0f} MiB" if target[1] else ""
                verdict = f"<{target[0]:.0f} s{mem}  {'PASS' if ok else 'FAIL'}"
            low, op = r.get("seconds_min"), r.get("op_seconds")
            cells = "".join(f"{'' if v is None else f'{v:.2f}':>8}" for v in (low, op))
            print(
                f"{scale:>6} {name:<10}{r['seconds']:>9.2f}{cells}{r['peak_rss_mib']:>10.0f}"
                f"  {verdict}"
            )
        for name in ("compute", "e2e", "e2e_fixed"):
            r = block["results"].get(name, {})
            if r.get("stages"):
                stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items())
                print(f"{'':>7}{name} stages (s): {stages}")
        if "e2e" in block["results"]:
            print(f"{'':>7}series rows: {block['results']['e2e']['series_rows']}")


# --- child processes: one operation each --------------------------------------------------------


def _peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1024**2, 1)


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


def child_compute(params) -> dict:
    """Inputs from the stored set, then ``run()`` and every series level; no writes."""
    t0 = time.perf_counter()
    _setup_django()
    from input_sets.models import PlanningInputSet
    from plans.inputs import frames_to_inputs, input_set_frames
    from plans.pipeline import PlanParams, run

    stages, rss = {}, {}

    def mark(name, started):
        stages[name] = round(time.perf_counter() - started, 3)
        rss[name] = {"rss": _rss_mib(), "peak": _peak_mib()}
        return time.perf_counter()

    t = mark("startup", t0)
    input_set = PlanningInputSet.objects.get(label=params["label"])
    frames = input_set_frames(input_set)
    t = mark("load inputs", t)
    inputs = frames_to_inputs(frames, input_set.calendar_spec)
    plan_params = PlanParams.from_planning_params(input_set.planning_params or {})
    t = mark("frames_to_inputs", t)
    t_compute = t
    result = run(inputs, plan_params)
    t = mark("run", t)
    levels, rows = {}, {}
    for level in result.series:
        started = time.perf_counter()
        rows[level] = len(result.series[level])
        levels[level] = round(time.perf_counter() - started, 3)
    t = mark("series", t)
    compute = time.perf_counter() - t_compute
    return {
        "op_seconds": round(compute, 3),  # run() + series: the "compute only" figure
        "stages": stages,
        "pipeline_timings": {k: round(v, 3) for k, v in result.timings.items()},
        "series_build": levels,
        "series_rows": rows,
        "kpis": len(result.kpis),
        "kpi_totals": {
            k["metric"]: k["value"] for k in result.kpis if k.get("bucket_type") == "total"
        },
        "warnings": len(result.warnings),
        "rss_mib": rss,
    }


class _Timers:
    """Wall-clock buckets filled by wrappers around the service's helpers."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.rss: dict[str, dict] = {}
        self.t0 = time.perf_counter()

    def add(self, key: str, seconds: float) -> None:
        self.seconds[key] = self.seconds.get(key, 0.0) + seconds
        self.rss[key] = {"rss": _rss_mib(), "peak": _peak_mib()}

    def wrap(self, fn, key, on_result=None):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                out = fn(*args, **kwargs)
            finally:
                self.add(key(*args) if callable(key) else key, time.perf_counter() - started)
            if on_result:
                on_result(out, *args)
            return out

        return wrapper


def _emulate_fixes(fixes: list[str]) -> None:
    """``--what-if``: emulate proposed fixes of project code in this process only (see
    docs/performance.md, "Pipeline" findings). Outputs stay the same.

    - ``series_cache``: ``_persist`` keeps only the series level it is inserting;
    - ``json``: ``insert_frame`` serialises ``extra`` with one shared ``JSONEncoder``.
    """
    from planning_hub import bulk
    from plans.pipeline import series as series_mod

    if "series_cache" in fixes:
        getitem = series_mod.LazySeries.__getitem__

        def getitem_uncached(self, level):
            if level not in self._cache:
                self._cache.clear()  # the levels already inserted
            return getitem(self, level)

        series_mod.LazySeries.__getitem__ = getitem_uncached
    if "json" in fixes:
        encode = json.JSONEncoder(separators=(",", ":"), default=str).encode

        class SharedEncoder:
            @staticmethod
            def dumps(value, separators=None, default=None):
                if separators == (",", ":") and default is str:
                    return encode(value)
                return json.dumps(value, separators=separators, default=default)

        bulk.json = SharedEncoder


def child_series_fk(params) -> dict:
    """PostgreSQL ``--what-if``: drop (``drop``) or re-create (``restore``) the deferred FK
    ``plans_planseries.plan_id → plans_planversion``, whose checks run at commit."""
    _setup_django()
    from django.db import connection

    from plans.models import PlanSeries

    table = PlanSeries._meta.db_table
    with connection.cursor() as cursor:
        if params["action"] == "drop":
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            constraints = cursor.fetchall()
            for name, _ in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            return {"constraints": constraints}
        for name, definition in params["constraints"]:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return {}


def child_e2e(params) -> dict:
    """``plan_create_and_execute(sync=True)`` with timers around its helpers."""
    t0 = time.perf_counter()
    _setup_django()
    from django.db import connection, transaction

    import runs.services
    from planning_hub import bulk
    from plans import services as svc
    from plans.models import JobStatus, PlanKPI
    from plans.pipeline import result as result_mod
    from plans.pipeline import series as series_mod

    _emulate_fixes(params.get("fixes", []))
    timers = _Timers()
    timers.add("startup", time.perf_counter() - t0)
    state = {"persisted": False, "result": None}
    rows: dict[str, int] = {}

    def series_key(series, level):
        return f"series build: {level}" if level not in series._cache else "series (cached)"

    def insert_key(model, frame, **kwargs):
        level = str(frame["level"].iat[0]) if len(frame) else "empty"
        rows[level] = rows.get(level, 0) + len(frame)
        return f"series insert: {level}"

    def persisted(*_):
        state["persisted"] = True

    def keep_result(result, *_):
        state["result"] = result

    getitem = series_mod.LazySeries.__getitem__

    def timed_getitem(self, level):
        key = series_key(self, level)
        started = time.perf_counter()
        try:
            return getitem(self, level)
        finally:
            if key != "series (cached)":
                timers.add(key, time.perf_counter() - started)

    series_mod.LazySeries.__getitem__ = timed_getitem
    # the Python side of insert_frame: tuples + JSON of ``extra`` (the rest is the database)
    prep: dict[str, float] = {}
    chunks = bulk._chunks

    def timed_chunks(model, frame, fields, fixed):
        level = str(frame["level"].iat[0]) if len(frame) else "empty"
        parts = chunks(model, frame, fields, fixed)
        while True:
            started = time.perf_counter()
            try:
                part = next(parts)
            except StopIteration:
                return
            finally:
                prep[level] = prep.get(level, 0.0) + time.perf_counter() - started
            yield part

    bulk._chunks = timed_chunks
    wraps = {
        "input_set_frames": "load inputs",
        "inputs_snapshot": "input snapshot",
        "frames_to_inputs": "frames_to_inputs",
        "_store_artifacts": "artifacts insert",
        "_finish": "finish job/run",
        "plan_execute": "plan_execute",
    }
    for name, key in wraps.items():
        setattr(svc, name, timers.wrap(getattr(svc, name), key))
    svc.run_pipeline = timers.wrap(svc.run_pipeline, "pipeline", keep_result)
    svc.insert_frame = timers.wrap(svc.insert_frame, insert_key)
    svc._persist = timers.wrap(svc._persist, "persist", persisted)
    result_cls = result_mod.PipelineResult
    result_cls.to_artifacts = timers.wrap(result_cls.to_artifacts, "artifacts build")
    kpi_manager = PlanKPI.objects
    kpi_manager.bulk_create = timers.wrap(kpi_manager.bulk_create, "kpis insert")
    for name in ("runs_apply_retention", "plans_apply_retention"):
        setattr(runs.services, name, timers.wrap(getattr(runs.services, name), "retention"))
    real_atomic = transaction.atomic

    class _TimedAtomic:
        """The outermost ``atomic`` block: its exit is the COMMIT."""

        def __init__(self, *args, **kwargs):
            self.block = real_atomic(*args, **kwargs)

        def __enter__(self):
            self.outer = not connection.in_atomic_block
            return self.block.__enter__()

        def __exit__(self, *exc):
            started = time.perf_counter()
            try:
                return self.block.__exit__(*exc)
            finally:
                if self.outer:
                    key = "commit" if state["persisted"] else "commit (create plan)"
                    timers.add(key, time.perf_counter() - started)

    class _Transaction:
        atomic = _TimedAtomic
        on_commit = staticmethod(transaction.on_commit)

    svc.transaction = _Transaction
    started = time.perf_counter()
    job = svc.plan_create_and_execute(
        config_version_id=params["version_id"],
        input_set_label=params["label"],
        trigger="cli",
        sync=True,
    )
    total = time.perf_counter() - started
    if job.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"plan job {job.pk} {job.status}: {job.error}")
    sec = timers.seconds
    result = state["result"]
    persist_parts = [k for k in sec if k.startswith(("series ", "artifacts ", "kpis "))]
    stages = {
        "startup": sec["startup"],
        "create plan (rows + commit)": total - sec["plan_execute"],
        "load inputs": sec["load inputs"],
        "input snapshot": sec.get("input snapshot", 0.0),
        "frames_to_inputs": sec["frames_to_inputs"],
        **{f"pipeline: {k}": v for k, v in result.timings.items()},
        "pipeline: other": sec["pipeline"] - sum(result.timings.values()),
        **{k: sec[k] for k in sorted(persist_parts)},
        "persist: other (frame.assign, deletes, plan save)": sec["persist"]
        - sum(sec[k] for k in persist_parts),
        "finish job/run": sec["finish job/run"],
        "commit": sec.get("commit", 0.0),
        "retention": sec.get("retention", 0.0),
    }
    known = sum(v for k, v in stages.items() if k not in ("startup", "create plan (rows + commit)"))
    stages["plan_execute: other"] = sec["plan_execute"] - known
    return {
        "op_seconds": round(total, 3),
        "fixes": params.get("fixes", []),
        "job_status": job.status,
        "series_rows": rows,
        "series_rows_total": sum(rows.values()),
        "kpis": len(result.kpis),
        "stages": {k: round(v, 3) for k, v in stages.items()},
        # part of "series insert: <level>" spent building rows (tuples, JSON) in Python
        "series_insert_python": {k: round(v, 3) for k, v in prep.items()},
        "rss_mib": timers.rss,
    }


def child_cleanup(_params) -> dict:
    """Delete every plan (series, KPIs, artifacts, jobs, runs); PostgreSQL: VACUUM the series."""
    _setup_django()
    from django.db import connection

    from plans.models import PlanSeries
    from plans.services import plans_apply_retention

    started = time.perf_counter()
    deleted = plans_apply_retention(max_plans=0, older_than_days=-1)
    delete_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {PlanSeries._meta.db_table}")
    return {
        "op_seconds": round(time.perf_counter() - started, 3),
        "delete_seconds": round(delete_seconds, 3),
        "deleted": len(deleted),
    }


CHILD_OPS = {
    "startup": child_startup,
    "import": child_import,
    "compute": child_compute,
    "e2e": child_e2e,
    "cleanup": child_cleanup,
    "series_fk": child_series_fk,
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, nargs="+", default=[1.0], help="1 = 7,000 SKUs; several allowed."
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=1, help="Runs of compute and e2e.")
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
        "--what-if",
        action="store_true",
        help="Also time e2e with proposed project fixes emulated (see _emulate_fixes).",
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
    summary = run(args)
    output = (
        args.output or ROOT / "bench" / "results" / f"pipeline-{summary['database']['vendor']}.json"
    )
    if args.merge and output.exists():
        previous = json.loads(output.read_text())
        runs = [*previous.get("runs", [previous_run(previous)]), previous_run(summary)]
        summary["scales"] = {**previous["scales"], **summary["scales"]}
        summary["runs"] = runs
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n")
    print_table(summary)
    print(f"\nwrote {output}")


if __name__ == "__main__":
    main()
