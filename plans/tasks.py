"""django-q2 tasks: thin wrappers that call one service (no business logic here)."""

from planning_hub.db import close_old_connections

from .services import plan_execute, plan_jobs_recover_stale


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
