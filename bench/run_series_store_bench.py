"""Where plan series segments live (issue 9, "choose by measuring both"): files through
Django's storage API against database blobs, on SQLite and PostgreSQL.

The level tables of one plan are computed once in this process: the pipeline benchmark's
shape (``bench/run_pipeline_bench.py``; ``--scale 1`` is the medium shape, 7,000 SKUs ×
105 weeks) is generated, imported and approved into the bench database, then
``plans.pipeline.run`` and every level of ``result.series_tables``. Then, ``--repeat`` times
(medians are reported):

- ``files`` (the chosen design): every level through the public
  ``plans.series_store.SegmentWriter.write_level`` into a ``FileSystemStorage`` under a
  bench-only folder (``PLAN_SERIES_STORAGE_OPTIONS``). Bytes added = the segment files;
- ``blobs``: the same segments (the same writer into an in-memory storage, so encoding,
  splitting and sha256 are identical) inserted into a bench-only table made with raw SQL
  (``bench_series_blob``, a ``BLOB`` / ``bytea`` column plus plan, level, seq, rows, bytes,
  sha256 and the item range), all in one transaction, committed. Bytes added = database
  growth (SQLite: used pages after a WAL checkpoint; PostgreSQL: ``pg_total_relation_size``
  of the table, TOAST included);
- ``encode``: the writer into memory only (what both share), to separate storage cost;
- reads: one SKU's ``det`` series (105 weeks) for ``--reads`` random SKUs (seeded): the
  segment's bytes from the storage (``storage.open().read()``) or by ``SELECT data FROM
  bench_series_blob``, the sha256 check, then ``pyarrow`` row-group selection by the item
  statistics (``plans.series_store.row_groups_for_items``) and an equality filter; p50 and
  p95 per repeat. ``parse_only`` is the same from bytes already in memory (the store's LRU
  cache), i.e. the part that does not depend on where the segment lives.

No segment row (``PlanSeriesSegment``) is written: both variants would insert the same few
rows. The bench table and files are removed after each repeat.

Run (the database name must contain "bench"; it is reset first unless ``--keep-db``)::

    # full runs (quiet machine; medium shape, medians of 3, 200 reads)
    .venv/bin/python bench/run_series_store_bench.py --scale 1 --repeat 3
    bash .ci/postgres.sh
    su postgres -c "createdb -O planning_hub planning_hub_bench"   # once
    .venv/bin/python bench/run_series_store_bench.py --scale 1 --repeat 3 --database-url \\
        postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub_bench
    # smoke run
    .venv/bin/python bench/run_series_store_bench.py --scale 0.05 -o /tmp/series-store-smoke.json

Results go to ``bench/results/series-store-<vendor>.json`` (``-o``) and a table is printed.
Figures and the decision: ``docs/performance.md`` ("Columnar plan store (issue 9)").
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run_import_bench import (  # noqa: E402
    _setup_django,
    database_path,
    machine_info,
    manage,
    reset_database,
)
from bench.run_pipeline_bench import bench_env, prepare_data  # noqa: E402

DEFAULT_URL = "sqlite:////tmp/bench_series_store.sqlite3"
TABLE = "bench_series_blob"
READ_LEVEL = "det"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the medium shape.")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reads", type=int, default=200, help="Random SKUs read per repeat.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "bench" / "out" / "data")
    parser.add_argument("--keep-db", action="store_true", help="Do not reset the bench database.")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)

    url = args.database_url
    vendor, db_name = database_path(url)
    if "bench" not in Path(db_name).name:
        sys.exit(f"refusing to use {db_name!r}: the bench database name must contain 'bench'")
    env, _ = bench_env(url, vendor)
    series_dir = Path(tempfile.gettempdir()) / f"bench_series_store-{vendor}"
    env["PLAN_SERIES_STORAGE_OPTIONS"] = json.dumps({"location": str(series_dir)})
    log_dir = Path(tempfile.mkdtemp(prefix="bench-series-store-logs-"))
    if not args.keep_db:
        reset_database(url, env, log_dir)
    shutil.rmtree(series_dir, ignore_errors=True)
    manage("migrate", ["migrate", "-v0"], env, log_dir)
    shutil.rmtree(log_dir, ignore_errors=True)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "PLAN_SERIES_STORAGE_OPTIONS")})
    os.environ.update({k: env[k] for k in ("PLAN_SERIES_STORAGE_BACKEND",)})
    _setup_django()

    load_before = os.getloadavg()
    files, data = prepare_data(args.cache_dir, args.scale, args.seed)
    tables, setup = level_tables(files, f"series-store-{time.strftime('%Y%m%d%H%M%S')}")
    rows = {level: len(t) for level, t in tables.items()}
    print(f"scale {args.scale:g}: {sum(rows.values()):,} series rows {rows}")
    runs = []
    for i in range(args.repeat):
        print(f"  repeat {i + 1}/{args.repeat} …", flush=True)
        runs.append(one_repeat(tables, i, args.reads, args.seed + i, series_dir))
    summary = {
        "machine": {**machine_info(), "loadavg": [load_before, os.getloadavg()]},
        "database": {"vendor": vendor, "name": db_name, "server": server_version()},
        "scale": args.scale,
        "shape": data["shape"],
        "series_rows": rows,
        "setup_seconds": setup,
        "repeat": args.repeat,
        "reads": args.reads,
        "read_level": READ_LEVEL,
        "medians": medians(runs),
        "runs": runs,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    output = args.output or ROOT / "bench" / "results" / f"series-store-{vendor}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n")
    print_table(summary)
    print(f"\nwrote {output}")


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        sql = (
            "SHOW server_version"
            if connection.vendor == "postgresql"
            else "SELECT sqlite_version()"
        )
        cursor.execute(sql)
        return cursor.fetchone()[0]


def level_tables(files: Path, label: str) -> tuple[dict, dict]:
    """Import + approve the generated set, run the pipeline, build every level table."""
    from input_sets.io.bundle import InputBundle
    from input_sets.models import PlanningInputSet
    from input_sets.services import input_set_approve, input_set_import
    from plans.inputs import frames_to_inputs, input_set_frames
    from plans.pipeline import PlanParams, run

    seconds = {}
    t = time.perf_counter()
    version_id = int(time.strftime("%H%M%S")) + 900_000_000
    input_set_import(
        bundle=InputBundle.from_path(files),
        label=label,
        config_version_id=version_id,
        create_config_version=True,
    )
    input_set_approve(label=label, reviewer="bench")
    seconds["import"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    input_set = PlanningInputSet.objects.get(label=label)
    inputs = frames_to_inputs(input_set_frames(input_set), input_set.calendar_spec)
    result = run(inputs, PlanParams.from_planning_params(input_set.planning_params or {}))
    tables = {level: result.series_tables[level] for level in list(result.series_tables)}
    seconds["pipeline + tables"] = round(time.perf_counter() - t, 3)
    return tables, seconds


def _writer(tag: str, storage=None):
    from plans.models import PlanVersion
    from plans.series_store import SegmentWriter

    # an unsaved plan: write_level only uses its version id for the file names
    writer = SegmentWriter(plan=PlanVersion(version_id=f"bench-{tag}"), job_id=0)
    if storage is not None:
        writer.storage = storage
    return writer


def _write_all(writer, tables: dict) -> float:
    started = time.perf_counter()
    for level, table in tables.items():
        writer.write_level(level, table)
    return time.perf_counter() - started


def one_repeat(tables: dict, index: int, reads: int, seed: int, series_dir: Path) -> dict:
    import numpy as np
    from django.core.files.storage import InMemoryStorage
    from django.db import connection, transaction

    from bench.run_pipeline_bench import database_bytes

    out: dict = {}
    # encode only (shared by both variants)
    memory = InMemoryStorage()
    mem_writer = _writer(f"mem-{index}", memory)
    out["encode_seconds"] = round(_write_all(mem_writer, tables), 3)

    # (a) files through the Django storage API
    fs_writer = _writer(f"fs-{index}")
    out["files_write_seconds"] = round(_write_all(fs_writer, tables), 3)
    paths = [Path(fs_writer.storage.path(name)) for name in fs_writer.written]
    out["files_bytes"] = sum(p.stat().st_size for p in paths)
    out["files_allocated_bytes"] = sum(p.stat().st_blocks * 512 for p in paths)
    out["segments"] = len(paths)

    # (b) database blobs, one transaction
    blob_type = "bytea" if connection.vendor == "postgresql" else "BLOB"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, plan varchar(64), level varchar(16), "
            "seq integer, rows integer, bytes integer, sha256 varchar(64), item_min varchar(100), "
            f"item_max varchar(100), data {blob_type} NOT NULL)"
        )
    before = _table_bytes(database_bytes)
    started = time.perf_counter()
    blob_writer = _writer(f"blob-{index}", InMemoryStorage())
    _write_all(blob_writer, tables)
    with transaction.atomic(), connection.cursor() as cursor:
        for pk, seg in enumerate(blob_writer.segments, start=1):
            with blob_writer.storage.open(seg.name, "rb") as handle:
                payload = handle.read()
            cursor.execute(
                f"INSERT INTO {TABLE} (id, plan, level, seq, rows, bytes, sha256, item_min, "
                "item_max, data) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [pk, "bench", seg.level, seg.seq, seg.rows, seg.bytes, seg.sha256]
                + [seg.item_min, seg.item_max, payload],
            )
    out["blobs_write_seconds"] = round(time.perf_counter() - started, 3)
    out["blobs_bytes"] = _table_bytes(database_bytes) - before
    out["segment_bytes"] = sum(s.bytes for s in blob_writer.segments)

    # reads of one SKU's det series
    det = [s for s in fs_writer.segments if s.level == READ_LEVEL]
    skus = tables[READ_LEVEL]["sku"].astype(str).unique()
    rng = np.random.default_rng(seed)
    sample = [str(s) for s in rng.choice(skus, size=min(reads, len(skus)), replace=False)]
    storage = fs_writer.storage
    in_memory = {(s.level, s.seq): s.name for s in mem_writer.segments}
    cached = {s.name: memory.open(in_memory[s.level, s.seq], "rb").read() for s in det}

    def fetch_file(seg):
        with storage.open(seg.name, "rb") as handle:
            return handle.read()

    def fetch_blob(seg):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT data FROM {TABLE} WHERE level = %s AND seq = %s", [seg.level, seg.seq]
            )
            return bytes(cursor.fetchone()[0])

    out["reads"] = {
        "files": _read_latencies(sample, det, fetch_file),
        "blobs": _read_latencies(sample, det, fetch_blob),
        "parse_only": _read_latencies(sample, det, lambda seg: cached[seg.name]),
    }
    # clean up: the bench table and the files
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLE}")
    fs_writer.discard()
    shutil.rmtree(series_dir, ignore_errors=True)
    for seg in mem_writer.segments + blob_writer.segments:
        memory.delete(seg.name)
    return out


def _table_bytes(database_bytes) -> int:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [TABLE])
            return int(cursor.fetchone()[0])
    return database_bytes(connection, TABLE)["db_bytes"]


def _read_latencies(sample: list[str], segments: list, fetch) -> dict:
    """Latency (ms) of reading one SKU's rows: fetch bytes, sha256, row groups, filter."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from plans.series_store import row_groups_for_items

    times, rows = [], []
    for sku in sample:
        started = time.perf_counter()
        seg = next(s for s in segments if s.item_min <= sku <= s.item_max)
        data = fetch(seg)
        if hashlib.sha256(data).hexdigest() != seg.sha256:
            raise RuntimeError(f"sha256 mismatch reading {seg.name}")
        pf = pq.ParquetFile(pa.BufferReader(data))
        groups = row_groups_for_items(pf, "sku", [sku])
        table = pf.read_row_groups(groups)
        table = table.filter(pc.equal(table["sku"], pa.scalar(sku)))
        times.append((time.perf_counter() - started) * 1000)
        rows.append(table.num_rows)
    times.sort()
    return {
        "n": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
        "max_ms": round(times[-1], 2),
        "rows_per_read": sorted(set(rows)),
    }


def medians(runs: list[dict]) -> dict:
    def med(values):
        return round(statistics.median(values), 3)

    keys = [k for k, v in runs[0].items() if isinstance(v, int | float)]
    out = {k: med([r[k] for r in runs]) for k in keys}
    out["reads"] = {
        variant: {
            stat: med([r["reads"][variant][stat] for r in runs])
            for stat in ("p50_ms", "p95_ms", "max_ms")
        }
        for variant in runs[0]["reads"]
    }
    return out


def print_table(summary: dict) -> None:
    db, m = summary["database"], summary["medians"]
    mb = 1e6
    print(
        f"\n{db['vendor']} {db['server']}: scale {summary['scale']:g}, "
        f"{sum(summary['series_rows'].values()):,} rows, {m['segments']:.0f} segments of "
        f"{m['segment_bytes'] / mb:.1f} MB; medians of {summary['repeat']}, "
        f"{summary['reads']} reads of one SKU's {summary['read_level']} series"
    )
    head = f"{'variant':<12}{'write s':>9}{'bytes added MB':>16}{'read p50 ms':>13}{'p95 ms':>9}"
    print(head + "\n" + "-" * len(head))
    reads = m["reads"]
    print(
        f"{'files':<12}{m['files_write_seconds']:>9.2f}{m['files_bytes'] / mb:>16.2f}"
        f"{reads['files']['p50_ms']:>13.2f}{reads['files']['p95_ms']:>9.2f}"
    )
    print(
        f"{'blobs':<12}{m['blobs_write_seconds']:>9.2f}{m['blobs_bytes'] / mb:>16.2f}"
        f"{reads['blobs']['p50_ms']:>13.2f}{reads['blobs']['p95_ms']:>9.2f}"
    )
    print(
        f"{'encode only':<12}{m['encode_seconds']:>9.2f}{'':>16}"
        f"{reads['parse_only']['p50_ms']:>13.2f}{reads['parse_only']['p95_ms']:>9.2f}"
        "  (bytes in memory)"
    )


if __name__ == "__main__":
    main()
