"""django-q2 tasks of plans: thin wrappers that call one service (no business logic here)."""

from planning_hub.db import close_old_connections
from planning_hub.jobs.tasks import run_job

from .services import plan_jobs_recover_stale


def execute_plan_job(job_id: int) -> str:
    """Tasks queued before the job framework (plan job ids are job ids): run the job."""
    return run_job(job_id)


def recover_stale_jobs(sender=None, **kwargs) -> None:
    """``post_spawn`` receiver: fail stale jobs and remove orphan series segments."""
    close_old_connections()
    try:
        plan_jobs_recover_stale()
    finally:
        close_old_connections()
