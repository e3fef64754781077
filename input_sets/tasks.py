"""django-q2 tasks of input sets (thin: one service call each)."""

from planning_hub.db import close_old_connections

from .services.diff_jobs import input_set_diff_execute


def run_input_set_diff(diff_id: int) -> str:
    """Tasks queued before the job framework: run diff ``diff_id``'s job; returns its status
    (new diff jobs run as ``planning_hub.jobs.tasks.run_job``)."""
    close_old_connections()
    try:
        return input_set_diff_execute(diff_id=diff_id).status
    finally:
        close_old_connections()
