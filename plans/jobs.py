"""The ``plan`` job kind: one execution of the planning pipeline for a plan version.

The job's ``object`` is the :class:`~plans.models.PlanVersion`; its
:class:`~runs.models.Run` points to the job (``job.run``). ``result`` is ``{"kpis": {metric:
value}}`` (total bucket), which is also the run's KPI summary.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from planning_hub.jobs.runners import JobRunner, register

from .models import PlanVersion


@register
class PlanRunner(JobRunner):
    kind = "plan"
    label = _("Plan run")
    first_step = "load_inputs"
    related = ("run",)

    def task_name(self, job) -> str:
        plan = job.object
        return f"plan-{plan.version_id}" if plan is not None else super().task_name(job)

    def run(self, job, progress):
        from .services import plan_job_run

        return plan_job_run(job=job, progress=progress)

    def on_failed(self, job) -> None:
        from .services import plan_job_failed

        plan_job_failed(job=job)

    def on_retry(self, old, new) -> None:
        from runs.services import run_create

        run_create(plan=old.object, job=new)

    def object_queryset(self):
        return PlanVersion.objects.all()

    def describe(self, job) -> dict:
        plan = job.object
        run = getattr(job, "run", None)
        if plan is None:
            return {"subject": None, "plan_version": None, "run_id": None}
        return {
            "kind_display": str(self.label),
            "subject": plan.version_id,
            "link": reverse("plans:detail", args=[plan.version_id]),
            "plan_version": plan.version_id,
            "run_id": run.run_id if run else None,
            "input_set_label": plan.input_set_label or None,
            "input_set_content_hash": plan.input_set_content_hash or None,
        }
