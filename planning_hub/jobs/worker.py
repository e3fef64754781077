"""Threads that keep the job table truthful while processes live and die.

- :func:`heartbeat`: while a job runs, a daemon thread moves its ``heartbeat_at`` every
  ``JOBS_HEARTBEAT_SECONDS`` (a pipeline step can compute for minutes without reporting
  progress). A killed process takes the thread with it, so the heartbeat stops.
- :func:`on_worker_spawn` (django-q2 ``post_spawn``, in every cluster worker process): starts
  the monitor thread that runs :func:`~planning_hub.jobs.services.jobs_sweep_stale` at once and
  then every ``JOBS_SWEEP_SECONDS``, so a job whose worker died is marked failed on the live
  cluster (restarted or not) within ``JOBS_STALE_AFTER_SECONDS + JOBS_SWEEP_SECONDS``.

Each thread uses (and closes) its own database connection. ``0`` seconds disables a thread
(the test suite does, as SQLite test databases are not shared between threads).
"""

import logging
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def _loop(stop: threading.Event, seconds: float, tick, name: str) -> None:
    try:
        while not stop.wait(seconds):
            try:
                tick()
            except Exception:  # noqa: BLE001 — e.g. a locked SQLite database: try next tick
                logger.warning("job_thread_tick_failed", extra={"thread": name}, exc_info=True)
    finally:
        connection.close()


@contextmanager
def heartbeat(job_id: int, beat=None):
    """Beat ``job_id``'s heartbeat every ``JOBS_HEARTBEAT_SECONDS`` inside the block (with
    ``beat()`` when given: e.g. :meth:`JobProgress.flush`, which also writes deferred
    progress)."""
    seconds = settings.JOBS_HEARTBEAT_SECONDS
    if seconds <= 0:
        yield
        return
    if beat is None:
        from .services import job_heartbeat

        def beat():
            return job_heartbeat(job_id=job_id)

    stop = threading.Event()
    thread = threading.Thread(
        target=_loop,
        args=(stop, seconds, beat, f"heartbeat-{job_id}"),
        name=f"job-heartbeat-{job_id}",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=seconds + 5)


_monitor: threading.Thread | None = None


def _sweep() -> None:
    from .services import jobs_sweep_stale

    jobs_sweep_stale()


def on_worker_spawn(sender=None, **kwargs) -> None:
    """``post_spawn`` receiver: sweep now, then start this process's monitor thread."""
    global _monitor
    seconds = settings.JOBS_SWEEP_SECONDS
    try:
        _sweep()
    except Exception:  # noqa: BLE001 — the monitor thread tries again
        logger.warning("job_sweep_failed", exc_info=True)
    finally:
        from planning_hub.db import close_old_connections

        close_old_connections()
    if seconds <= 0 or (_monitor is not None and _monitor.is_alive()):
        return
    _monitor = threading.Thread(
        target=_loop,
        args=(threading.Event(), seconds, _sweep, "monitor"),
        name="job-monitor",
        daemon=True,
    )
    _monitor.start()
