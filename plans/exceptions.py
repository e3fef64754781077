"""Domain errors of plan creation and execution (mapped to exit codes / HTTP statuses)."""

from planning_hub.errors import DomainError
from planning_hub.jobs.exceptions import JobStateError  # noqa: F401 — plans raise it too


class PlanError(DomainError):
    code = "plan_error"


class PlanInputRejected(PlanError):
    """The input set (or its absence) may not be used for this plan."""

    code = "plan_input_rejected"


class InvalidPlanParams(PlanError):
    code = "invalid_plan_params"


class PlanNotFound(PlanError):
    code = "plan_not_found"
    http_status = 404
