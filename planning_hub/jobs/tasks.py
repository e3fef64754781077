"""django-q2 task of every job kind (thin: one service call)."""

from planning_hub.db import close_old_connections

from .services import job_execute


def run_job(job_id: int) -> str:
    """Run job ``job_id`` (see :func:`planning_hub.jobs.services.job_execute`); returns its
    status. Connections are closed before and after: a worker is long-lived and must not reuse
    a connection the database has dropped."""
    close_old_connections()
    try:
        return job_execute(job_id=job_id).status
    finally:
        close_old_connections()
