"""Errors of the job framework."""

from planning_hub.errors import DomainError


class JobStateError(DomainError):
    """Retry/cancel asked of a job in the wrong status (HTTP 409)."""

    code = "job_state"
    http_status = 409


class JobLost(DomainError):
    """The job is no longer ``running`` under this worker (swept as stale, or canceled), so
    its results must not be committed: raised inside the result transaction, which rolls
    back."""

    code = "job_lost"
    http_status = 409
