"""Planning pipeline: aggregate → allocate → mrp → reconcile → reconcile_levels → plan_final
(+ anchor_adjust) as pure functions over pandas DataFrames.

The package must never import Django: the web layer builds :class:`PipelineInputs`, calls
:func:`run` and persists :class:`PipelineResult`. Spec: ``planning_pipeline.md``.

Step functions live in their modules (``plans.pipeline.aggregate.aggregate``,
``…allocate.allocate``, ``…mrp.mrp``, ``…reconcile.reconcile``, ``…levels.reconcile_levels``,
``…anchor.anchor_adjust``, ``…report.build_report``, ``…series_tables.build_series_tables``); they are not
re-exported here so that ``plans.pipeline.<step>`` always names the module.
"""

from .calendar import CalendarError, PlanCalendar
from .dag import run
from .inputs import INPUT_COLUMNS, PipelineInputs
from .params import PlanParams
from .result import PipelineResult
from .series import KPI_UTILIZATION, SERIES_COLUMNS, SERIES_LEVELS

__all__ = [
    "INPUT_COLUMNS",
    "KPI_UTILIZATION",
    "SERIES_COLUMNS",
    "SERIES_LEVELS",
    "CalendarError",
    "PipelineInputs",
    "PipelineResult",
    "PlanCalendar",
    "PlanParams",
    "run",
]
