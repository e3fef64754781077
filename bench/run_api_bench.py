"""Load benchmark of the API list endpoints under gunicorn (issue 4).

Target: with 10,000 input sets, 2,000 plans and 20,000 runs/jobs seeded
(``bench/seed_api_data.py``), each list endpoint and one filtered variant of it answers with
**p95 < 50 ms at 20 concurrent clients**, served by gunicorn with 2 (sync) workers on loopback.

What it does, with bounded loops only and traffic to 127.0.0.1 only:

1. starts ``gunicorn planning_hub.wsgi`` with ``--workers 2`` on a free 127.0.0.1 port, with
   ``DATABASE_URL``, ``DEBUG=0``, ``PROMETHEUS_MULTIPROC_DIR=/tmp/bench_prom`` (emptied first)
   and ``ALLOWED_HOSTS=127.0.0.1``; waits (≤ 60 s) until it answers;
2. checks every URL once (200, JSON, expected ``count``), then warms up with a mixed wrk run;
3. per endpoint: ``wrk -t1 -c<concurrency> -d<duration>`` on that one URL (requests/s,
   p50/p90/p95/p99, errors), the CPU seconds the gunicorn workers (and, on PostgreSQL, the
   server's backends) used per request, then a one-client run (the bare service time);
4. "overall": one more run rotating over all URLs;
5. stops gunicorn with SIGTERM (SIGKILL after 30 s) and writes the JSON result.

Load tool: ``wrk`` (Debian package; ``bench/wrk_api.lua`` rotates URLs, adds the bearer token
and prints ``latency:percentile(50/90/95/99)``). It is a C event loop that needs a few percent
of one core for 20 connections, whereas a Python generator such as locust would take a good
part of one of the two cores away from the two gunicorn workers it measures.

Setup (benchmark only; gunicorn is not a project requirement)::

    apt-get install -y wrk
    .venv/bin/pip install gunicorn
    .venv/bin/python bench/seed_api_data.py                    # sqlite:////tmp/bench_api.sqlite3
    .venv/bin/python bench/run_api_bench.py                    # → bench/results/api-sqlite.json

    bash .ci/postgres.sh && su postgres -c "createdb -O planning_hub planning_hub_bench_api"
    URL=postgres://planning_hub:planning_hub@127.0.0.1:5432/planning_hub_bench_api
    .venv/bin/python bench/seed_api_data.py --database-url $URL
    .venv/bin/python bench/run_api_bench.py --database-url $URL   # → api-postgresql.json

Options: ``--concurrency`` (20), ``--duration`` seconds per endpoint (20), ``--workers`` (2),
``--single-duration`` seconds of the one-client run per endpoint (5; 0 skips it),
``--only NAME`` (repeatable), ``--app-dir DIR`` (serve a scratch copy of the project, to
measure a fix), ``-o FILE``. Figures and analysis: ``docs/performance.md`` ("API").
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.seed_api_data import DEFAULT_URL, database_info, manifest_path  # noqa: E402

LUA = ROOT / "bench" / "wrk_api.lua"
PROM_DIR = Path("/tmp/bench_prom")
TARGET_P95_MS = 50.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def endpoints(filters: dict) -> list[tuple[str, str]]:
    """``(name, path)`` of every URL under test: each list, then one filtered variant."""
    label = filters["plan_input_set_label"]
    return [
        ("input-sets", "/api/input-sets/"),
        ("input-sets?status=ready", "/api/input-sets/?status=ready"),
        ("plans", "/api/plans/"),
        (f"plans?input_set_label={label}", f"/api/plans/?input_set_label={label}"),
        ("runs", "/api/runs/"),
        ("runs?status=succeeded", "/api/runs/?status=succeeded"),
        ("jobs", "/api/jobs/"),
        ("jobs?status=failed", "/api/jobs/?status=failed"),
    ]


# --- gunicorn -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    url: str, port: int, workers: int, log: Path, app_dir: Path = ROOT
) -> subprocess.Popen:
    shutil.rmtree(PROM_DIR, ignore_errors=True)
    PROM_DIR.mkdir(parents=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        # DEBUG=0 is production mode: it needs a key, and plain HTTP on loopback needs no redirect
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_TOKEN_RATE": "off",  # the load is the point: no 429 from throttling
        "PROMETHEUS_MULTIPROC_DIR": str(PROM_DIR),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "planning_hub.settings",
    }
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "planning_hub.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(argv, cwd=app_dir, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop_gunicorn(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    return proc.returncode


def get(base: str, path: str, token: str, timeout: float = 30) -> tuple[int, bytes]:
    request = urllib.request.Request(
        base + path, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(proc: subprocess.Popen, base: str, token: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            status, _ = get(base, "/api/config-versions/?page_size=1", token, timeout=5)
        except OSError:
            time.sleep(0.3)
            continue
        if status == 200:
            return
        raise RuntimeError(f"gunicorn answers {status}; is the token of this database?")
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- CPU accounting from /proc --------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name is in parentheses and may hold spaces
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    return [comm, *raw[raw.rindex(")") + 2 :].split()]


def cpu_seconds(select) -> float:
    """utime + stime of every process for which ``select(pid, fields)`` is true."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields and select(int(entry.name), fields):
            total += int(fields[12]) + int(fields[13])  # utime, stime (fields 14, 15 of stat)
    return total / CLK_TCK


def worker_selector(master: int):
    return lambda _pid, fields: int(fields[2]) == master  # ppid


def postgres_selector(_pid, fields) -> bool:
    return fields[0] == "postgres"


# --- wrk ------------------------------------------------------------------------------------------


def wrk(base: str, token: str, paths: list[str], connections: int, seconds: float) -> dict:
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base,
        "--",
        token,
        *paths,
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate(timeout=seconds + 60)
    if proc.returncode != 0:
        detail = (stderr or stdout).decode(errors="replace")[-2000:]
        raise RuntimeError(f"wrk failed ({proc.returncode}): {detail}")
    line = next(
        (x for x in stdout.decode().splitlines() if x.startswith("WRK_JSON ")),
        None,
    )
    if line is None:
        raise RuntimeError(f"no WRK_JSON line in wrk output:\n{stdout.decode()[-2000:]}")
    return json.loads(line[len("WRK_JSON ") :])


def measure(base, token, paths, connections, seconds, master, vendor) -> dict:
    """One wrk run plus the CPU the server side spent on it."""
    workers = worker_selector(master)
    load_before = os.getloadavg()[0]
    cpu_workers = cpu_seconds(workers)
    cpu_db = cpu_seconds(postgres_selector) if vendor == "postgresql" else 0.0
    client_before = os.times()
    raw = wrk(base, token, paths, connections, seconds)
    client_after = os.times()
    cpu_workers = cpu_seconds(workers) - cpu_workers
    cpu_db = (cpu_seconds(postgres_selector) - cpu_db) if vendor == "postgresql" else None
    n = max(raw["requests"], 1)
    lat = raw["latency_us"]
    errors = {k: v for k, v in raw["errors"].items() if v}
    client_cpu = (client_after.children_user - client_before.children_user) + (
        client_after.children_system - client_before.children_system
    )
    return {
        "connections": connections,
        "requests": raw["requests"],
        "seconds": round(raw["duration_us"] / 1e6, 2),
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(lat["p50"] / 1000, 1),
        "p90_ms": round(lat["p90"] / 1000, 1),
        "p95_ms": round(lat["p95"] / 1000, 1),
        "p99_ms": round(lat["p99"] / 1000, 1),
        "mean_ms": round(lat["mean"] / 1000, 1),
        "max_ms": round(lat["max"] / 1000, 1),
        "bytes_per_request": round(raw["bytes"] / n),
        "errors": errors,
        "worker_cpu_ms_per_request": round(cpu_workers * 1000 / n, 2),
        "db_cpu_ms_per_request": None if cpu_db is None else round(cpu_db * 1000 / n, 2),
        "wrk_cpu_ms_per_request": round(client_cpu * 1000 / n, 3),
        "loadavg_before": round(load_before, 2),
    }


# --- orchestration --------------------------------------------------------------------------------


def versions(url: str) -> dict:
    out = {"python": platform.python_version()}
    for name in ("django", "djangorestframework", "gunicorn", "django-filter", "psycopg"):
        try:
            from importlib.metadata import version

            out[name] = version(name)
        except Exception:  # noqa: BLE001 - optional packages
            out[name] = None
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    out["wrk"] = (wrk_version.stdout or wrk_version.stderr).split("Copyright")[0].strip()
    vendor, _ = database_info(url)
    if vendor == "sqlite":
        import sqlite3

        out["sqlite"] = sqlite3.sqlite_version
    else:
        probe = subprocess.run(["psql", "--version"], capture_output=True, text=True)
        out["psql"] = probe.stdout.strip()
    return out


def check_urls(base: str, token: str, urls: list[tuple[str, str]]) -> dict:
    checks = {}
    for name, path in urls:
        status, body = get(base, path, token)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}: {body[:500]!r}")
        data = json.loads(body)
        checks[name] = {
            "count": data["count"],
            "page_rows": len(data["results"]),
            "bytes": len(body),
        }
    return checks


def run(args) -> dict:
    vendor, _ = database_info(args.database_url)
    seed_file = manifest_path(args.database_url)
    if not seed_file.exists():
        raise SystemExit(
            f"{seed_file} not found: run bench/seed_api_data.py on this database first"
        )
    seed = json.loads(seed_file.read_text())
    token = seed["token"]
    urls = endpoints(seed["filters"])
    if args.only:
        urls = [u for u in urls if u[0] in args.only]
        if not urls:
            raise SystemExit(
                f"--only matched nothing; names: {[u[0] for u in endpoints(seed['filters'])]}"
            )

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = ROOT / "bench" / "out" / f"api-gunicorn-{vendor}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = start_gunicorn(args.database_url, port, args.workers, log, args.app_dir)
    results: dict = {}
    try:
        wait_ready(proc, base, token, log)
        checks = check_urls(base, token, urls)
        print(f"gunicorn pid {proc.pid} on {base}; warming up {args.warmup} s")
        wrk(base, token, [p for _, p in urls], args.concurrency, args.warmup)
        for name, path in urls:
            entry = {"path": path, **checks[name]}
            entry["load"] = measure(
                base, token, [path], args.concurrency, args.duration, proc.pid, vendor
            )
            if args.single_duration > 0:
                entry["single"] = measure(
                    base, token, [path], 1, args.single_duration, proc.pid, vendor
                )
            results[name] = entry
            _print_row(name, entry)
        overall = measure(
            base, token, [p for _, p in urls], args.concurrency, args.duration, proc.pid, vendor
        )
        results["overall (mixed)"] = {"path": "all of the above, in turn", "load": overall}
        _print_row("overall (mixed)", results["overall (mixed)"])
    finally:
        code = stop_gunicorn(proc)
        print(f"gunicorn stopped (exit {code})")
    return {
        "benchmark": "api-list",
        "vendor": vendor,
        "database_url": args.database_url,
        "target": {"p95_ms": TARGET_P95_MS, "concurrency": 20, "workers": 2},
        "config": {
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "single_duration_s": args.single_duration,
            "warmup_s": args.warmup,
            "workers": args.workers,
            "worker_class": "sync",
            "load_tool": "wrk -t1 (bench/wrk_api.lua)",
            "app_dir": str(args.app_dir),
        },
        "seed": {k: seed[k] for k in ("counts", "seed", "filters")},
        "machine": {
            "nproc": os.cpu_count(),
            "platform": platform.platform(),
        },
        "versions": versions(args.database_url),
        "endpoints": results,
        "met": all(
            r["load"]["p95_ms"] < TARGET_P95_MS and not r["load"]["errors"]
            for r in results.values()
        ),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _print_row(name: str, entry: dict) -> None:
    load = entry["load"]
    single = entry.get("single")
    flag = "ok " if load["p95_ms"] < TARGET_P95_MS and not load["errors"] else "MISS"
    one = f"  1 client p50 {single['p50_ms']:6.1f} ms" if single else ""
    db = load["db_cpu_ms_per_request"]
    db_text = f" db {db:5.2f}" if db is not None else ""
    print(
        f"{flag} {name:<34} {load['rps']:7.1f} req/s  p50 {load['p50_ms']:6.1f}  "
        f"p95 {load['p95_ms']:6.1f}  p99 {load['p99_ms']:6.1f} ms  "
        f"cpu/req: workers {load['worker_cpu_ms_per_request']:5.2f}{db_text} ms"
        f"{one}{'  errors ' + str(load['errors']) if load['errors'] else ''}",
        flush=True,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--duration", type=int, default=20, help="Seconds per endpoint.")
    parser.add_argument("--single-duration", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", action="append", help="Endpoint name (repeatable).")
    parser.add_argument(
        "--app-dir", type=Path, default=ROOT, help="Serve this checkout (e.g. a scratch copy)."
    )
    parser.add_argument("-o", "--output", type=Path, help="Default bench/results/api-<db>.json")
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 1000 or not 0 < args.duration <= 600:
        parser.error("--concurrency must be 1–1000 and --duration 0–600 s")
    if not 0 <= args.single_duration <= 600 or not 0 < args.warmup <= 600:
        parser.error("--single-duration must be 0–600 s and --warmup 0–600 s")
    if shutil.which("wrk") is None:
        parser.error("wrk not found: apt-get install -y wrk")
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        parser.error("gunicorn not installed: .venv/bin/pip install gunicorn")

    result = run(args)
    vendor = result["vendor"]
    output = args.output or ROOT / "bench" / "results" / f"api-{vendor}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'target met' if result['met'] else 'target missed'}; wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
