"""The ``diff`` job kind: computing one :class:`~input_sets.models.InputSetDiff`.

The job's ``object`` is the diff; the diff's ``job`` is its newest computation. ``result`` is
``{"diff_id": id}``.
"""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from planning_hub.jobs.runners import JobRunner, register

from .models import InputSetDiff


@register
class DiffRunner(JobRunner):
    kind = "diff"
    label = _("Input-set diff")
    first_step = "load"

    def run(self, job, progress):
        from .services.diff_jobs import input_set_diff_compute

        return input_set_diff_compute(job=job, progress=progress)

    def on_failed(self, job) -> None:
        from .services.diff_jobs import input_set_diff_failed

        input_set_diff_failed(job=job)

    def on_retry(self, old, new) -> None:
        InputSetDiff.objects.filter(pk=old.object_id).update(job=new)

    def object_queryset(self):
        return InputSetDiff.objects.select_related("input_set", "against")

    def describe(self, job) -> dict:
        diff = job.object
        if diff is None:
            return {"kind_display": str(self.label), "subject": None}
        query = urlencode({"against": diff.against.label})
        return {
            "kind_display": str(self.label),
            "subject": f"{diff.input_set.label} ↔ {diff.against.label}",
            "link": f"{reverse('input_sets:diff', args=[diff.input_set.label])}?{query}",
            "input_set_label": diff.input_set.label,
            "input_set_content_hash": diff.content_hash,
        }


@register
class ImportRunner(JobRunner):
    """The ``import`` kind: a large upload parsed by a worker (``params``: label, config
    version, options and the staged files; ``result``: the import report)."""

    kind = "import"
    label = _("Upload")
    first_step = "read"
    # the import reports rows written from inside its COPY (PostgreSQL): a progress UPDATE on
    # that connection would wait for the COPY forever
    deferred_progress = True

    def task_name(self, job) -> str:
        return f"import-{job.params.get('label', job.pk)}"

    def run(self, job, progress):
        from .services.upload_jobs import input_set_import_run

        return input_set_import_run(job=job, progress=progress)

    def describe(self, job) -> dict:
        label = job.params.get("label")
        stored = (job.result or {}).get("input_set") or {}
        link = reverse("input_sets:detail", args=[label]) if stored.get("label") else None
        report = job.result or {}
        return {
            "kind_display": str(self.label),
            "subject": label,
            "link": link,
            "input_set_label": label,
            "input_set_content_hash": stored.get("content_hash"),
            "counts": report.get("counts") or {},
            "issues": (report.get("errors") or [])[:100],
        }
