"""Domain errors of plan creation and execution (mapped to exit codes / HTTP statuses)."""

from input_sets.exceptions import InputSetError


class PlanError(InputSetError):
    code = "plan_error"


class PlanInputRejected(PlanError):
    """The input set (or its absence) may not be used for this plan."""

    code = "plan_input_rejected"


class InvalidPlanParams(PlanError):
    code = "invalid_plan_params"


class PlanNotFound(PlanError):
    code = "plan_not_found"


class JobStateError(PlanError):
    """Retry/cancel asked of a job in the wrong status."""

    code = "job_state"
