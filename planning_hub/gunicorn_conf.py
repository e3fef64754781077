"""gunicorn settings of Planning Hub (``gunicorn -c planning_hub/gunicorn_conf.py``), used by
``make serve`` and the systemd web unit (docs/deployment.md).

gthread workers: one process per CPU core times ``WEB_WORKERS_PER_CPU`` (default 2), each with
``WEB_THREADS`` threads (default 4), so requests waiting on the database do not hold a core.
Every value can be set from the environment.
"""

import os
from pathlib import Path

# the same default as in settings: the master needs it to clean up after a worker
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(__file__).resolve().parent.parent / "var" / "prometheus")
)

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(
    os.environ.get("WEB_WORKERS")
    or max(2, (os.cpu_count() or 1) * int(os.environ.get("WEB_WORKERS_PER_CPU", "2")))
)
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT_SECONDS", "120"))  # uploads of large sets
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
# the X-Forwarded-* headers are trusted from these proxy addresses only
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def child_exit(server, worker):
    """Prometheus multiprocess mode: a finished worker's live gauges are dropped."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
