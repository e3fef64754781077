"""Seed a bench database for the API list benchmark (issue 4): input sets, plans, jobs, runs.

Deterministic (seeded ``random.Random``, fixed timestamps from 2025-01-01 UTC): the same
arguments always give the same rows. Resets the database first (SQLite: deletes the file;
PostgreSQL: drops and recreates the ``public`` schema), runs ``migrate``, then ``bulk_create``
in batches of 2,000:

- 10 ``CanonicalConfigVersion`` rows and 5 "planner" users (the ``created_by`` of the rows);
- ``--sets`` ``PlanningInputSet`` headers (no child rows), ``bench-set-00000`` …; 60 % ready
  (with approval stamp), 30 % archived, 10 % draft; each with the sample set's
  ``planning_params``, a small ``metadata`` and, like an imported set, a ``calendar_spec``: a
  ``--calendar-periods`` (12) month calendar with its ISO weeks (``bench/generate_inputs.py``,
  about 7 KB of JSON);
- ``--plans`` ``PlanVersion`` rows, ``pv-bench-00000`` …, built from the first 400 sets (so
  ``?input_set_label=bench-set-00007`` matches 5 plans); 2 % legacy (no set);
- 6 ``PlanKPI`` rows per plan (fill_rate, backlog_total, demand_total, supply_total totals and
  two monthly fill_rate rows), so the plan list's ``fill_rate``/``backlog_total`` subqueries
  find data;
- ``--runs`` ``Run`` rows, ``run-bench-000000`` …, spread evenly over the plans, each with its
  own ``PlanJob`` (so ``/api/jobs/`` lists as many jobs as there are runs); status 85 %
  succeeded, 8 % failed, 4 % canceled, 2 % running, 1 % queued; a 7-metric ``kpis`` and a
  7-key ``parameters`` JSON per run.

Then it creates the user ``bench-api`` in group ``viewer`` with an API token
(``planning_hub.services.api_token_create``), prints the token, and writes it to
``bench/out/api_token.txt`` and, with the filter values the benchmark uses, to
``bench/out/api_seed-<vendor>-<database>.json``. PostgreSQL gets ``VACUUM ANALYZE`` (what autovacuum does
within a minute anyway); SQLite is left without ``ANALYZE``, as the project runs it.

Run (the database name must contain "bench")::

    python bench/seed_api_data.py                                   # sqlite:////tmp/bench_api.sqlite3
    bash .ci/postgres.sh && su postgres -c "createdb -O planning_hub planning_hub_bench_api"
    python bench/seed_api_data.py --database-url \\
        postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub_bench_api
    python bench/seed_api_data.py --sets 10000 --plans 2000 --runs 20000   # the defaults
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "sqlite:////tmp/bench_api.sqlite3"
OUT_DIR = ROOT / "bench" / "out"
BATCH = 2000
BASE_TIME = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
USERNAME = "bench-api"
# run / job status mix (cumulative thresholds on rng.random())
STATUS_MIX = [(0.85, "succeeded"), (0.93, "failed"), (0.97, "canceled"), (0.99, "running")]
# the sample set's planning_params.json
PLANNING_PARAMS = {
    "round_mode": "int",
    "lt_unit": "day",
    "recon_window_days": 14,
    "tolerance_abs": 1e-06,
    "tolerance_rel": 1e-06,
    "carryover_mode": "auto",
    "carryover_split": 0.8,
}
KPI_ROWS = [
    ("fill_rate", "total", "total", "ratio"),
    ("backlog_total", "total", "total", "pcs"),
    ("demand_total", "total", "total", "pcs"),
    ("supply_total", "total", "total", "pcs"),
    ("fill_rate", "month", "2025-01", "ratio"),
    ("fill_rate", "month", "2025-02", "ratio"),
]


def database_info(url: str) -> tuple[str, str]:
    """``(vendor, name)`` of a DATABASE_URL (SQLite name = file path)."""
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        return "sqlite", parsed.path[1:]
    return "postgresql", parsed.path.lstrip("/")


def manifest_path(url: str) -> Path:
    """Where the seed of this database records its token and counts."""
    vendor, name = database_info(url)
    return OUT_DIR / f"api_seed-{vendor}-{Path(name).stem}.json"


def reset_database(url: str) -> None:
    vendor, name = database_info(url)
    if vendor == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    connection.close()


def _no_auto_now(*models) -> None:
    """Let the seed set created/updated timestamps itself (bulk_create would stamp now())."""
    for model in models:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                field.auto_now = field.auto_now_add = False


def _status(rng: random.Random) -> str:
    draw = rng.random()
    return next((status for limit, status in STATUS_MIX if draw < limit), "queued")


def _bulk(model, objs: list, label: str) -> list:
    started = time.perf_counter()
    created = []
    for start in range(0, len(objs), BATCH):
        created.extend(model.objects.bulk_create(objs[start : start + BATCH]))
    print(f"  {label:<12} {len(created):>7,} rows  {time.perf_counter() - started:5.2f} s")
    return created


def seed(n_sets: int, n_plans: int, n_runs: int, seed_value: int, periods: int) -> dict:
    from django.contrib.auth.models import Group, User
    from django.db import transaction

    from bench.generate_inputs import calendar
    from input_sets.models import CanonicalConfigVersion, PlanningInputSet
    from plans.models import PlanJob, PlanKPI, PlanVersion
    from runs.models import Run

    _no_auto_now(CanonicalConfigVersion, PlanningInputSet, PlanVersion, PlanJob, Run)
    rng = random.Random(seed_value)
    calendars: dict[str, dict] = {}  # one planning calendar per start month, shared

    with transaction.atomic():
        configs = _bulk(
            CanonicalConfigVersion,
            [
                CanonicalConfigVersion(
                    name=f"Bench config {i}",
                    version_tag=f"v{i}",
                    created_at=BASE_TIME,
                    updated_at=BASE_TIME,
                )
                for i in range(10)
            ],
            "configs",
        )
        planners = [User.objects.create_user(f"bench-planner-{i}", password=None) for i in range(5)]

        sets = []
        for i in range(n_sets):
            created = BASE_TIME + dt.timedelta(minutes=10 * i)
            draw = rng.random()
            status = "ready" if draw < 0.6 else "archived" if draw < 0.9 else "draft"
            label = f"bench-set-{i:05d}"
            approved = status != "draft"
            start = f"{created:%Y-%m}"
            if periods and start not in calendars:
                calendars[start] = calendar(start, periods)
            sets.append(
                PlanningInputSet(
                    config_version=configs[i % len(configs)],
                    label=label,
                    status=status,
                    source=rng.choice(["csv", "ui", "api"]),
                    metadata={
                        "description": f"Bench input set {i}",
                        "files": 9,
                        "rows": rng.randrange(1000, 1_000_000),
                    },
                    calendar_spec=calendars.get(start),
                    planning_params=dict(PLANNING_PARAMS),
                    content_hash=hashlib.sha256(label.encode()).hexdigest(),
                    created_by=planners[i % len(planners)],
                    created_at=created,
                    updated_at=created + dt.timedelta(minutes=rng.randrange(1, 20_000)),
                    approved_by="bench-reviewer" if approved else "",
                    approved_at=created + dt.timedelta(hours=1) if approved else None,
                    review_comment="ok" if approved else "",
                )
            )
        sets = _bulk(PlanningInputSet, sets, "input sets")

        plans = []
        for j in range(n_plans):
            legacy = j % 50 == 49
            source = None if legacy else sets[(j * 7) % min(400, n_sets)]
            plans.append(
                PlanVersion(
                    version_id=f"pv-bench-{j:05d}",
                    config_version=source.config_version if source else configs[0],
                    input_set=source,
                    input_set_label=source.label if source else "",
                    input_set_content_hash=source.content_hash if source else "",
                    state="executed" if rng.random() < 0.9 else "scheduled",
                    parameters={"lt_unit": "week", "round_mode": "int", "tol_abs": 1.0},
                    created_by=planners[j % len(planners)],
                    created_at=BASE_TIME + dt.timedelta(hours=j),
                    updated_at=BASE_TIME + dt.timedelta(hours=j, minutes=5),
                )
            )
        plans = _bulk(PlanVersion, plans, "plans")

        kpis = []
        for plan in plans:
            fill = round(rng.uniform(0.8, 1.0), 4)
            demand = round(rng.uniform(1e5, 1e6), 1)
            values = [fill, round(demand * (1 - fill), 1), demand, round(demand * fill, 1)]
            values += [round(min(1.0, fill + rng.uniform(-0.05, 0.05)), 4) for _ in range(2)]
            kpis.extend(
                PlanKPI(
                    plan=plan,
                    metric=metric,
                    bucket_type=bucket_type,
                    bucket_key=bucket_key,
                    value=value,
                    unit=unit,
                    source="bench",
                )
                for (metric, bucket_type, bucket_key, unit), value in zip(
                    KPI_ROWS, values, strict=True
                )
            )
        _bulk(PlanKPI, kpis, "plan KPIs")

        jobs, run_rows = [], []
        for k in range(n_runs):
            plan = plans[k * n_plans // n_runs]
            submitted = plan.created_at + dt.timedelta(seconds=30 * (k % 100))
            status = _status(rng)
            started = submitted + dt.timedelta(seconds=2) if status != "queued" else None
            done = status in ("succeeded", "failed", "canceled") and started is not None
            duration = rng.randrange(2_000, 600_000) if done else None
            finished = started + dt.timedelta(milliseconds=duration) if done else None
            jobs.append(
                PlanJob(
                    plan=plan,
                    task_id=f"task-{k:06d}",
                    input_set_label=plan.input_set_label,
                    input_set_content_hash=plan.input_set_content_hash,
                    status=status,
                    progress=100 if done else 40 if status == "running" else 0,
                    current_step="" if done else "aggregate",
                    trigger=rng.choice(["ui", "api", "cli"]),
                    submitted_at=submitted,
                    started_at=started,
                    heartbeat_at=finished or started,
                    finished_at=finished,
                    duration_ms=duration,
                    error="RuntimeError: bench failure" if status == "failed" else "",
                    created_by=plan.created_by,
                )
            )
            fill = round(rng.uniform(0.8, 1.0), 4)
            run_rows.append(
                Run(
                    run_id=f"run-bench-{k:06d}",
                    plan_version=plan,
                    config_version_id=plan.config_version_id,
                    input_set_id=plan.input_set_id,
                    input_set_label=plan.input_set_label,
                    input_set_content_hash=plan.input_set_content_hash,
                    status=status,
                    started_at=started,
                    finished_at=finished,
                    duration_ms=duration,
                    parameters={
                        "lt_unit": "week",
                        "round_mode": "int",
                        "cutover_date": "2025-03-01",
                        "recon_window_days": 14,
                        "anchor_policy": "DET_near",
                        "tol_abs": 1.0,
                        "tol_rel": 0.01,
                    },
                    kpis={
                        "fill_rate": fill,
                        "backlog_total": round(rng.uniform(0, 1e5), 1),
                        "demand_total": round(rng.uniform(1e5, 1e6), 1),
                        "supply_total": round(rng.uniform(1e5, 1e6), 1),
                        "utilisation_pct": round(rng.uniform(50, 100), 2),
                        "backlog_days": round(rng.uniform(0, 30), 2),
                        "unserved_spill": round(rng.uniform(0, 1e4), 1),
                    },
                    trigger=jobs[-1].trigger,
                    created_by=plan.created_by,
                    created_at=submitted,
                    approved_by="bench-reviewer" if k % 10 == 0 else "",
                    approved_at=finished if k % 10 == 0 else None,
                    baseline=k % 1000 == 0,
                    note="",
                )
            )
        jobs = _bulk(PlanJob, jobs, "plan jobs")
        for run, job in zip(run_rows, jobs, strict=True):
            run.plan_job = job
        _bulk(Run, run_rows, "runs")

        user = User.objects.create_user(USERNAME, password=None)
        user.groups.add(Group.objects.get(name="viewer"))

    from planning_hub.services import api_token_create

    _, key = api_token_create(user=user, name="bench api")
    return {"token": key, "username": USERNAME}


def analyze() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--sets", type=int, default=10_000)
    parser.add_argument("--plans", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--calendar-periods",
        type=int,
        default=12,
        help="Monthly periods of each set's calendar_spec (0 = no calendar).",
    )
    args = parser.parse_args(argv)
    if min(args.sets, args.plans, args.runs) < 1:
        parser.error("--sets, --plans and --runs must be at least 1")

    vendor, name = database_info(args.database_url)
    if "bench" not in name:
        parser.error(f"refusing to reset database {name!r}: its name must contain 'bench'")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planning_hub.settings")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    print(f"resetting {vendor} database {name}")
    reset_database(args.database_url)
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s; seeding")
    seeded = seed(args.sets, args.plans, args.runs, args.seed, args.calendar_periods)
    analyze()

    manifest = {
        "database_url": args.database_url,
        "vendor": vendor,
        "counts": {
            "input_sets": args.sets,
            "plans": args.plans,
            "plan_kpis": args.plans * len(KPI_ROWS),
            "jobs": args.runs,
            "runs": args.runs,
        },
        "seed": args.seed,
        "calendar_periods": args.calendar_periods,
        **seeded,
        # filter values for the benchmark's filtered list requests
        "filters": {"plan_input_set_label": "bench-set-00007"},
        "seconds": round(time.perf_counter() - started, 1),
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "api_token.txt").write_text(seeded["token"] + "\n")
    manifest_path(args.database_url).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"seeded in {manifest['seconds']} s; token for {USERNAME}: {seeded['token']}")
    print(f"wrote {OUT_DIR / 'api_token.txt'} and {manifest_path(args.database_url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
