"""django-q2 tasks: thin wrappers that call one service (no business logic here)."""

from django.db import close_old_connections as _close_old_connections
from django.db import connection

from .services import plan_execute, plan_jobs_recover_stale


def close_old_connections() -> None:
    """Drop stale connections, unless inside an atomic block (a synchronous run in a request
    or test) where closing would break the caller's transaction."""
    if not connection.in_atomic_block:
        _close_old_connections()


def execute_plan_job(job_id: int) -> str:
    """Run plan job ``job_id`` (see :func:`plans.services.plan_execute`); returns its status.

    Connections are closed before and after: a worker is long-lived and must not reuse a
    connection the database has dropped.
    """
    close_old_connections()
    try:
        return plan_execute(job_id=job_id).status
    finally:
        close_old_connections()


def recover_stale_jobs(sender=None, **kwargs) -> None:
    """``post_spawn`` receiver: fail jobs left ``running`` by a worker that died."""
    close_old_connections()
    try:
        plan_jobs_recover_stale()
    finally:
        close_old_connections()
