"""Read-only queries on jobs: the one list the API and the hub page show (every kind)."""

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import QuerySet

from .models import ACTIVE_JOB_STATUSES, Job
from .runners import runner_for, runners


def job_list() -> QuerySet[Job]:
    """Jobs newest first, with what every kind's ``describe`` reads loaded in a fixed number
    of queries (``select_related`` of the kinds' ``related`` paths, ``object`` prefetched per
    kind), so a page of jobs does not grow queries with its rows."""
    related = sorted({path for runner in runners() for path in runner.related})
    querysets = [qs for runner in runners() if (qs := runner.object_queryset()) is not None]
    qs = Job.objects.select_related("created_by", *related).order_by("-submitted_at", "-id")
    if querysets:
        qs = qs.prefetch_related(GenericPrefetch("object", querysets))
    return qs


def job_describe(job: Job) -> dict:
    """The kind-specific fields of ``job`` (``plan_version``, ``run_id``, ``input_set_label``,
    ``input_set_content_hash``, ``subject``, ``link`` — whichever the kind has)."""
    try:
        return runner_for(job.kind).describe(job)
    except LookupError:
        return {}


def jobs_active_count() -> int:
    """How many jobs are queued or running."""
    return Job.objects.filter(status__in=ACTIVE_JOB_STATUSES).count()
