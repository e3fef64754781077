"""Where the time of one API list request goes (in-process, no HTTP server, one client).

For each URL of ``bench/run_api_bench.py`` it sends ``--requests`` GETs through Django's test
``Client`` (the whole middleware stack, bearer-token auth, DRF view, JSON rendering) against
a database seeded by ``bench/seed_api_data.py`` and reports, per request (median):

- ``total``: the ``Client.get`` call;
- stage timers (wall clock, wrapped around the project's and DRF's own functions):
  ``auth`` (``BearerTokenAuthentication.authenticate``), ``perms``
  (``ModelPermissions.has_permission``), ``filter`` (the filter backends; they only build the
  queryset), ``count`` (``QuerySet.count`` = the paginator's ``COUNT(*)``), ``page`` (the rest
  of ``paginate_queryset``: the page SELECT and model instances), ``serialize``
  (``ListSerializer.to_representation``, of which ``reverse`` is the per-row ``url``),
  ``render`` (``JSONRenderer.render``) and ``other`` (middleware, routing, view dispatch,
  response);
- ``queries`` and ``sql`` (time inside ``cursor.execute``, from ``connection.execute_wrapper``;
  on SQLite the rows after the first are produced while fetching, so this is a lower bound),
  plus the SQL of one request with its time (``--show-sql``).

Run::

    .venv/bin/python bench/profile_api.py [--database-url URL] [--requests 100] [--show-sql]
    .venv/bin/python bench/profile_api.py --cprofile /tmp/plans.prof --only plans

``--app-dir DIR`` imports the project from another checkout (a scratch copy with a fix) so
both can be compared on the same database. Results: ``-o FILE`` (JSON) and a printed table.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STAGES = ["auth", "perms", "filter", "count", "page", "serialize", "reverse", "render"]


class Timers:
    """Wall-clock accumulators; ``depth`` keeps nested stages from being counted twice."""

    def __init__(self):
        self.totals: dict[str, float] = defaultdict(float)
        self.active: list[str] = []

    def wrap(self, owner, attr: str, stage: str) -> None:
        original = getattr(owner, attr)
        timers = self

        def wrapper(*args, **kwargs):
            timers.active.append(stage)
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                timers.active.pop()
                timers.totals[stage] += elapsed
                # charge the time to this stage only, not to the one that called it
                if timers.active:
                    timers.totals[timers.active[-1]] -= elapsed

        setattr(owner, attr, wrapper)


def install_timers(timers: Timers) -> None:
    import django.urls
    from django.db.models.query import QuerySet
    from django_filters.rest_framework import DjangoFilterBackend
    from rest_framework.filters import OrderingFilter
    from rest_framework.renderers import JSONRenderer
    from rest_framework.serializers import ListSerializer

    import input_sets.api.serializers as input_set_serializers
    import plans.api.serializers as plan_serializers
    import runs.api.serializers as run_serializers
    from planning_hub.api.authentication import BearerTokenAuthentication
    from planning_hub.api.pagination import Pagination
    from planning_hub.api.permissions import ModelPermissions

    timers.wrap(BearerTokenAuthentication, "authenticate", "auth")
    timers.wrap(ModelPermissions, "has_permission", "perms")
    timers.wrap(DjangoFilterBackend, "filter_queryset", "filter")
    timers.wrap(OrderingFilter, "filter_queryset", "filter")
    timers.wrap(Pagination, "paginate_queryset", "page")
    timers.wrap(QuerySet, "count", "count")
    timers.wrap(ListSerializer, "to_representation", "serialize")
    timers.wrap(JSONRenderer, "render", "render")
    for module in (django.urls, input_set_serializers, plan_serializers, run_serializers):
        if hasattr(module, "reverse"):
            timers.wrap(module, "reverse", "reverse")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--only", action="append", help="Endpoint name (repeatable).")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--cprofile", type=Path, help="Also dump a cProfile of the requests.")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="Project checkout to import.")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bench.seed_api_data import DEFAULT_URL, manifest_path

    url = args.database_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    seed = json.loads(manifest_path(url).read_text())
    from bench.run_api_bench import endpoints

    urls = [u for u in endpoints(seed["filters"]) if not args.only or u[0] in args.only]

    # the project under test comes first on sys.path (a scratch copy with --app-dir)
    sys.path.insert(0, str(args.app_dir.resolve()))
    os.chdir(args.app_dir)
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # DEBUG=0 needs one
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the test client speaks plain HTTP
    os.environ.setdefault("API_THROTTLE_TOKEN_RATE", "off")  # repeated requests, one token
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/bench_prom_profile")
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "planning_hub.settings"
    import django

    django.setup()
    import planning_hub

    if Path(planning_hub.__file__).resolve().parent.parent != args.app_dir.resolve():
        raise SystemExit(f"imported planning_hub from {planning_hub.__file__}, not {args.app_dir}")
    from django.db import connection
    from django.test import Client

    timers = Timers()
    install_timers(timers)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {seed['token']}", HTTP_ACCEPT="application/json")

    sql_time = [0.0]
    sql_count = [0]
    statements: list[dict] = []

    def sql_timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            sql_time[0] += elapsed
            sql_count[0] += 1
            statements.append({"ms": round(elapsed * 1000, 3), "sql": sql % tuple(params or ())})

    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile()

    report = {}
    for name, path in urls:
        for _ in range(5):  # warm caches, connection, permission cache
            assert client.get(path).status_code == 200
        samples = defaultdict(list)
        with connection.execute_wrapper(sql_timer):
            for _ in range(args.requests):
                timers.totals.clear()
                statements.clear()
                sql_time[0], sql_count[0] = 0.0, 0
                if profiler:
                    profiler.enable()
                started = time.perf_counter()
                response = client.get(path)
                total = time.perf_counter() - started
                if profiler:
                    profiler.disable()
                assert response.status_code == 200, response.content[:300]
                samples["total"].append(total)
                samples["sql"].append(sql_time[0])
                samples["queries"].append(sql_count[0])
                for stage in STAGES:
                    samples[stage].append(timers.totals.get(stage, 0.0))
                samples["other"].append(total - sum(timers.totals.values()))
        row = {
            key: round(statistics.median(values) * (1 if key == "queries" else 1000), 2)
            for key, values in samples.items()
        }
        statements.clear()
        with connection.execute_wrapper(sql_timer):
            client.get(path)
        row["sql_statements"] = list(statements)
        report[name] = row
        stages = "  ".join(f"{s} {row[s]:5.2f}" for s in [*STAGES, "other"])
        print(
            f"{name:<34} total {row['total']:6.2f} ms  queries {row['queries']:g}  "
            f"sql {row['sql']:5.2f}  |  {stages}",
            flush=True,
        )
        if args.show_sql:
            for q in row["sql_statements"]:
                print(f"    {q['ms']:6.2f} ms  {q['sql'][:160]} … {q['sql'][-200:]}")
    if profiler:
        profiler.dump_stats(args.cprofile)
        print(f"cProfile written to {args.cprofile}")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(
            json.dumps(
                {"database_url": url, "app_dir": str(args.app_dir), "endpoints": report}, indent=2
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
