"""Import / export / diff benchmark of input sets at about 1,000,000 child rows.

Measures, each in a fresh subprocess so that wall time and peak RSS (``os.wait4`` rusage of
that one process) belong to one operation:

- ``startup``: Django setup + importing the services (the fixed cost inside every figure);
- ``import``: ``manage.py import_planning_inputs`` of the generated set (~1.0 M rows);
- ``export``: ``manage.py export_planning_inputs`` of that set into a temp folder;
- ``import_variant`` + ``diff``: import a copy differing in ~5 % of rows, then time the diff
  job (``input_set_diff_request(sync=True)``: load, keyed merge, store the changed rows);
- ``profile``: one import with a wall-clock timer around each stage (read, parse + row checks,
  canonicalise, set checks, hash, insert, other = transaction/commit/audit);
- ``executemany_*`` (SQLite only): plain ``sqlite3.executemany`` of the same rows in one
  transaction into a scratch file: with the project's schema, without the redundant
  ``input_set_id`` indexes, and into bare tables;
- ``insert_section`` vs ``bulk_create``: the project's raw bulk path against Django
  ``bulk_create(batch_size=5000)`` for one large section (default ``bom``).

Run (the database name must contain "bench"; it is reset first unless ``--keep-db``)::

    python bench/run_import_bench.py                      # SQLite, sqlite:////tmp/bench.sqlite3
    python bench/run_import_bench.py --database-url \\
        postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub_bench
    python bench/run_import_bench.py --rows-scale 0.05     # quick smoke run

``--repeat N`` runs import, export and diff N times and keeps the median (plus min and samples).
Generated files are cached in ``bench/out/data`` (``--cache-dir``). Results go to
``bench/results/import-<vendor>.json`` (``-o``) and a table is printed. Figures and analysis:
``docs/performance.md``.
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "sqlite:////tmp/bench.sqlite3"
RESULT_MARK = "BENCH_RESULT "
# operation → (max seconds, max peak MiB); None = no target
TARGETS = {
    "import": (15.0, 1024.0),
    "export": (8.0, None),
    "diff": (10.0, 1536.0),
}
REFERENCE = {"import": (36.0, 2.6 * 1024), "diff": (24.0, 2.8 * 1024)}


# --- parent: orchestration ----------------------------------------------------------------------


def run_process(name: str, argv: list[str], env: dict, log_dir: Path) -> dict:
    """Run ``argv`` to completion; return wall seconds, peak RSS (MiB) and the child's result."""
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = err_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{name} failed (exit {proc.returncode}):\n{tail}")
    result = {"seconds": round(seconds, 3), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}
    stdout = out_path.read_text(errors="replace")
    marked = [line for line in stdout.splitlines() if line.startswith(RESULT_MARK)]
    if marked:
        result.update(json.loads(marked[-1][len(RESULT_MARK) :]))
    return result


def child(op: str, env: dict, log_dir: Path, name: str | None = None, **params) -> dict:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", op, json.dumps(params)]
    return run_process(name or op, argv, env, log_dir)


def manage(name: str, args: list[str], env: dict, log_dir: Path) -> dict:
    return run_process(name, [sys.executable, str(ROOT / "manage.py"), *args], env, log_dir)


def database_path(url: str) -> tuple[str, str]:
    """``(vendor, name)`` of a DATABASE_URL (SQLite name = file path)."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return "sqlite", parsed.path[1:]
    return "postgresql", parsed.path.lstrip("/")


def reset_database(url: str, env: dict, log_dir: Path) -> None:
    vendor, name = database_path(url)
    if vendor == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
    else:
        child("reset", env, log_dir)


def prepare_data(cache_dir: Path, rows_scale: float, seed: int) -> tuple[Path, Path, dict]:
    """Generate (or reuse) the base set and its 5 % variant; returns their folders and counts."""
    from bench import generate_inputs as gen

    shape = {
        "families": max(1, round(gen.DEFAULT_SHAPE["families"] * rows_scale)),
        "components": max(10, round(gen.DEFAULT_SHAPE["components"] * rows_scale)),
        "seed": seed,
    }
    folder = cache_dir / f"scale{rows_scale:g}-seed{seed}"
    base, variant, stamp = folder / "base", folder / "variant", folder / "counts.json"
    if stamp.exists():
        return base, variant, json.loads(stamp.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    counts = gen.generate(base, **shape)
    gen.perturb(base, variant, 0.05, seed=seed)
    info = {"shape": shape, "files": counts, "generate_seconds": time.perf_counter() - started}
    stamp.write_text(json.dumps(info, indent=2))
    return base, variant, info


def machine_info() -> dict:
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024**2, 1),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def run(args) -> dict:
    url = args.database_url
    vendor, db_name = database_path(url)
    if "bench" not in Path(db_name).name:
        sys.exit(f"refusing to use {db_name!r}: the bench database name must contain 'bench'")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "planning_hub.settings"}
    env.setdefault("PYTHONHASHSEED", "0")
    stamp = time.strftime("%Y%m%d%H%M%S")
    load_before = os.getloadavg()
    log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    print(f"logs: {log_dir}")

    base, variant, data = prepare_data(args.cache_dir, args.rows_scale, args.seed)
    rows = sum(data["files"].values())
    print(f"data: {base.parent} ({rows:,} rows)")
    if not args.keep_db:
        reset_database(url, env, log_dir)
    manage("migrate", ["migrate", "-v0"], env, log_dir)

    results: dict[str, dict] = {}
    version_id = int(stamp[-9:])  # a new config version per run
    label = f"bench-{stamp}"

    def step(key, fn, repeat=1):
        """Run ``fn(i)`` ``repeat`` times; keep the median run, the minimum and the samples."""
        samples = []
        for i in range(repeat):
            print(f"  {key} …", end="", flush=True)
            samples.append(fn(i))
            print(f" {samples[-1]['seconds']:.2f} s, {samples[-1]['peak_rss_mib']:.0f} MiB")
        results[key] = _aggregate(samples)

    def import_(name, folder, target, version_flag):
        cmd = ["import_planning_inputs", "--json", "-i", str(folder), "--label", target]
        result = manage(name, [*cmd, version_flag, str(version_id)], env, log_dir)
        return {**result, "rows": _imported_rows(log_dir / f"{name}.out")}

    def export(i):
        folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
        try:
            cmd = ["export_planning_inputs", "--label", f"{label}-a0", "-o", str(folder)]
            result = manage(f"export{i}", cmd, env, log_dir)
            return {**result, "bytes": sum(p.stat().st_size for p in folder.iterdir())}
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    step("startup", lambda i: child("startup", env, log_dir))
    flags = ["--new-version-id", "--version-id"]
    step(
        "import", lambda i: import_(f"import{i}", base, f"{label}-a{i}", flags[i > 0]), args.repeat
    )
    step("export", export, args.repeat)
    results["export"]["rows"] = results["import"]["rows"]
    step("import_variant", lambda i: import_("import_b", variant, f"{label}-b", flags[1]))
    diff_params = {"current": f"{label}-b", "other": f"{label}-a0"}
    step("diff", lambda i: child("diff", env, log_dir, f"diff{i}", **diff_params), args.repeat)
    if not args.skip_profile:
        params = {"data": str(base), "version_id": version_id, "label": f"{label}-p"}
        if args.cprofile:
            params["cprofile"] = str(args.cprofile.resolve())
        step("profile", lambda i: child("profile", env, log_dir, **params))
    if vendor == "sqlite":
        for schema in ("schema", "no_fk_index", "bare"):
            name = f"executemany_{schema}"
            params = {"data": str(base), "variant": schema}
            step(name, lambda i, n=name, p=params: child("executemany", env, log_dir, n, **p))
    for how in ("insert_section", "bulk_create"):
        params = {"data": str(base), "how": how, "section": args.section}
        params |= {"version_id": version_id, "label": f"{label}-{how}"}
        step(how, lambda i, n=how, p=params: child("insert", env, log_dir, n, **p))
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        # other work on the machine skews the figures: 1/5/15-min load before and after
        "machine": {**machine_info(), "loadavg": [load_before, os.getloadavg()]},
        "database": {
            "vendor": vendor,
            "name": db_name,
            "server": results["startup"].get("server_version"),
        },
        "rows_scale": args.rows_scale,
        "data": data,
        "rows": rows,
        "targets": {k: {"seconds": s, "peak_rss_mib": m} for k, (s, m) in TARGETS.items()},
        "reference": {k: {"seconds": s, "peak_rss_mib": m} for k, (s, m) in REFERENCE.items()},
        "results": results,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _aggregate(samples: list[dict]) -> dict:
    if len(samples) == 1:
        return samples[0]
    ordered = sorted(samples, key=lambda r: r["seconds"])
    return {
        **ordered[len(ordered) // 2],
        "seconds_min": ordered[0]["seconds"],
        "seconds_samples": [r["seconds"] for r in samples],
        "peak_rss_mib": max(r["peak_rss_mib"] for r in samples),
    }


def _imported_rows(path: Path) -> int:
    text = path.read_text()
    report = json.loads(text[text.index("{") :])
    if report["status"] != "ok":
        raise RuntimeError(f"import failed: {report['errors'][:3]}")
    return sum(report["counts"].values())


def print_table(summary: dict) -> None:
    db = summary["database"]
    print(f"\n{db['vendor']} {db['server'] or ''}: {summary['rows']:,} rows in the generated set")
    head = (
        f"{'operation':<24}{'rows':>11}{'wall s':>9}{'min s':>8}{'op s':>8}{'peak MiB':>10}  target"
    )
    print(head + "\n" + "-" * (len(head) + 24))
    for name, r in summary["results"].items():
        target, verdict = TARGETS.get(name), ""
        if target:
            ok = r["seconds"] < target[0] and (target[1] is None or r["peak_rss_mib"] < target[1])
            mem = f" / <{target[1]:.0f} MiB" if target[1] else ""
            verdict = f"<{target[0]:.0f} s{mem}  {'PASS' if ok else 'FAIL'}"
        cells = [r.get("rows"), r["seconds"], r.get("seconds_min"), r.get("op_seconds")]
        rows, wall, low, op = (
            "" if v is None else f"{v:,}" if i == 0 else f"{v:.2f}" for i, v in enumerate(cells)
        )
        print(f"{name:<24}{rows:>11}{wall:>9}{low:>8}{op:>8}{r['peak_rss_mib']:>10.0f}  {verdict}")
    profile = summary["results"].get("profile", {}).get("stages")
    if profile:
        stages = ", ".join(f"{k} {v:.2f}" for k, v in profile.items())
        print(f"\nimport stages (s): {stages}")


# --- child processes: one operation each --------------------------------------------------------


def _setup_django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planning_hub.settings")
    django.setup()


def _report(payload: dict) -> None:
    print(RESULT_MARK + json.dumps(payload, default=str), flush=True)


def child_startup(_params) -> dict:
    started = time.perf_counter()
    _setup_django()
    from django.db import connection

    import input_sets.services  # noqa: F401  (the import cost is part of the measure)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return {"op_seconds": round(time.perf_counter() - started, 3), "server_version": version}


def child_reset(_params) -> dict:
    _setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    return {}


def child_diff(params) -> dict:
    _setup_django()
    from input_sets.models import PlanningInputSet
    from input_sets.services import input_set_diff_request

    current = PlanningInputSet.objects.get(label=params["current"])
    other = PlanningInputSet.objects.get(label=params["other"])
    started = time.perf_counter()
    # the diff job's whole work: load both sets, keyed merge per section, store every row
    diff = input_set_diff_request(input_set=current, against=other, sync=True, force=True)
    seconds = time.perf_counter() - started
    if diff.status != "succeeded":
        raise RuntimeError(f"diff failed: {diff.error}")
    kinds = ("added", "removed", "changed", "unchanged")
    totals = {k: sum(c[k] for c in diff.summary["sections"].values()) for k in kinds}
    # rows read: every row of both sets (rows present in both count twice)
    rows = totals["added"] + totals["removed"] + 2 * (totals["changed"] + totals["unchanged"])
    return {"op_seconds": round(seconds, 3), "rows": rows, "differences": totals}


# stage of the import → function looked up at call time in input_sets.services.importing
PROFILE_STAGES = {
    "parse + row checks": "parse_bundle",
    "canonicalise": "_final_content",
    "set checks": "_check_set",
    "hash": "content_hash",
    "insert": "_write",
}


def child_profile(params) -> dict:
    """One import with a wall-clock timer around each stage (no profiler overhead); with
    ``cprofile`` a cProfile dump is written too (that run's stage times are inflated)."""
    _setup_django()
    from input_sets.io.bundle import InputBundle
    from input_sets.services import importing

    stages = dict.fromkeys(["read files", *PROFILE_STAGES], 0.0)
    inserts: dict[str, float] = {}

    def timed(fn, bucket, key=None):
        """``fn`` adding its wall time to ``bucket[key]`` (default key: the section's name)."""

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                name = key or args[1].name
                bucket[name] = bucket.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    for stage, name in PROFILE_STAGES.items():
        setattr(importing, name, timed(getattr(importing, name), stages, stage))
    importing.insert_section = timed(importing.insert_section, inserts)
    profiler = None
    if params.get("cprofile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    bundle = InputBundle.from_path(params["data"])
    stages["read files"] = time.perf_counter() - started
    report = importing.input_set_import(
        bundle=bundle, label=params["label"], config_version_id=params["version_id"]
    )
    total = time.perf_counter() - started
    if profiler:
        profiler.disable()
        profiler.dump_stats(params["cprofile"])
    stages["other (transaction, commit, audit)"] = total - sum(stages.values())
    return {
        "op_seconds": round(total, 3),
        "rows": sum(report.counts.values()),
        "stages": {k: round(v, 3) for k, v in stages.items()},
        "insert_by_section": {k: round(v, 3) for k, v in inserts.items()},
    }


def _canonical_frames(data: str, names=None) -> dict:
    """Parsed, canonical frames of the files in ``data`` (the rows the importer writes)."""
    from input_sets.io.bundle import InputBundle
    from input_sets.io.frames import canonical_frame
    from input_sets.io.readers import parse_bundle
    from input_sets.sections import SECTIONS_BY_NAME

    parsed = parse_bundle(InputBundle.from_path(data))
    return {
        name: canonical_frame(SECTIONS_BY_NAME[name], frame)
        for name, frame in parsed.frames.items()
        if names is None or name in names
    }


def _tuples(input_set_id: int, frame) -> list[tuple]:
    """Rows as python tuples with ``input_set_id`` first and NaN → None."""
    frame = frame.astype(object).where(frame.notna(), None)
    return [(input_set_id, *row) for row in frame.itertuples(index=False, name=None)]


def child_executemany(params) -> dict:
    """Plain sqlite3: the same rows as the import into a scratch copy of the child tables."""
    _setup_django()
    from django.conf import settings

    from input_sets.sections import SECTIONS_BY_NAME

    frames = _canonical_frames(params["data"])
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    tables = {SECTIONS_BY_NAME[n].model._meta.db_table: n for n in frames}
    marks = ",".join("?" * len(tables))
    ddl = source.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) AND sql NOT NULL",
        list(tables),
    ).fetchall()
    source.close()
    variant = params["variant"]
    statements = []
    for kind, name, sql in ddl:
        redundant = variant == "no_fk_index" and "_input_set_id_" in name
        if kind == "index" and (variant == "bare" or redundant):
            continue
        if kind == "table" and variant == "bare":
            sql = sql[: sql.index("CONSTRAINT")].rstrip(", ") + ")" if "CONSTRAINT" in sql else sql
        statements.append(sql)
    rows = {}
    for table, name in tables.items():
        section = SECTIONS_BY_NAME[name]
        meta = section.model._meta
        columns = ["input_set_id", *(meta.get_field(f).column for f in section.fields)]
        sql = (
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
        )
        rows[sql] = _tuples(1, frames[name])
    del frames
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "baseline.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        for sql in statements:
            db.execute(sql)
        started = time.perf_counter()
        db.execute("BEGIN")
        for sql, values in rows.items():
            db.executemany(sql, values)
        db.execute("COMMIT")
        seconds = time.perf_counter() - started
        db.close()
    total = sum(len(v) for v in rows.values())
    return {"op_seconds": round(seconds, 3), "rows": total, "variant": variant}


def child_insert(params) -> dict:
    """One section through ``insert_section`` (raw executemany/COPY) or ``bulk_create``."""
    _setup_django()
    from django.db import connection, transaction

    from input_sets.io.frames import delete_section, insert_section
    from input_sets.models import PlanningInputSet
    from input_sets.sections import SECTIONS_BY_NAME

    section = SECTIONS_BY_NAME[params["section"]]
    frame = _canonical_frames(params["data"], {section.name})[section.name]
    header = PlanningInputSet.objects.create(
        label=params["label"], config_version_id=params["version_id"]
    )
    result = {"section": section.name, "rows": len(frame)}
    try:
        started = time.perf_counter()
        with transaction.atomic():
            if params["how"] == "insert_section":
                insert_section(header.pk, section, frame)
            else:
                objects = [
                    section.model(
                        input_set_id=header.pk, **dict(zip(section.fields, row[1:], strict=True))
                    )
                    for row in _tuples(header.pk, frame)
                ]
                result["build_seconds"] = round(time.perf_counter() - started, 3)
                section.model.objects.bulk_create(objects, batch_size=5000)
        result["op_seconds"] = round(time.perf_counter() - started, 3)
    finally:
        with transaction.atomic():
            delete_section(header.pk, section)
            # raw: the ORM cascade would visit every related model, including other apps'
            PlanningInputSet.objects.filter(pk=header.pk)._raw_delete(connection.alias)
    return result


CHILD_OPS = {
    "startup": child_startup,
    "reset": child_reset,
    "diff": child_diff,
    "profile": child_profile,
    "executemany": child_executemany,
    "insert": child_insert,
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows-scale", type=float, default=1.0, help="1.0 ≈ 1,000,000 rows.")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("-o", "--output", type=Path, help="Default bench/results/import-<db>.json")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "bench" / "out" / "data")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--section", default="bom", help="Section for insert_section/bulk_create.")
    parser.add_argument("--keep-db", action="store_true", help="Do not reset the bench database.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs of import/export/diff.")
    parser.add_argument("--skip-profile", action="store_true")
    parser.add_argument("--cprofile", type=Path, help="Also write a cProfile dump of the import.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("params", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _report(CHILD_OPS[args.child](json.loads(args.params or "{}")))
        return
    summary = run(args)
    output = (
        args.output or ROOT / "bench" / "results" / f"import-{summary['database']['vendor']}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n")
    print_table(summary)
    print(f"\nwrote {output}")


if __name__ == "__main__":
    main()
