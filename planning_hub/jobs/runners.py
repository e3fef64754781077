"""Job kinds: one :class:`JobRunner` subclass per kind, registered with :func:`register`.

A runner says how to execute its kind and how to describe it; the framework
(:mod:`planning_hub.jobs.services`) owns every status transition, the heartbeat, stale-job
recovery, enqueueing and metrics. Apps register their kinds in their ``jobs.py`` (imported by
their ``AppConfig.ready``), so the framework never imports an app.
"""

from collections.abc import Callable
from typing import ClassVar

Progress = Callable[[str, int], None]

_RUNNERS: dict[str, "JobRunner"] = {}


class JobRunner:
    """Base class of a job kind.

    - ``kind``: the stored ``Job.kind`` (≤ 32 characters); ``label`` its name for people;
      ``first_step`` the ``current_step`` a claimed job starts with;
    - ``task_name(job)``: django-q2 task name;
    - ``run(job, progress)``: do the work. ``progress(step, percent)`` reports (and
      heartbeats). To make results visible atomically, write them in a transaction that also
      calls :func:`planning_hub.jobs.services.job_succeed`; otherwise the framework marks the
      job succeeded after ``run`` returns (with the returned dict as ``result``). Raise to fail;
      the framework records ``ExceptionType: message`` as the error;
    - ``on_failed(job)``: after the job was marked failed (by the worker or by the stale
      sweep): clean-up and domain records, never raises;
    - ``on_retry(old, new)``: inside the retry transaction, after the new job was created;
    - ``describe(job)``: kind-specific fields for the job list/detail (API and hub), read from
      what ``related`` / ``object_queryset`` loaded, so a page costs a fixed number of queries;
    - ``related``: ``select_related`` paths from ``Job`` the describe needs (e.g. ``run``);
    - ``object_queryset()``: the queryset ``Job.object`` is prefetched with for this kind.
    """

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""  # for people (lazy translation)
    first_step: ClassVar[str] = "start"  # current_step when claimed
    # progress reported from inside a database operation on the job's own connection (a
    # COPY): written by the heartbeat thread instead (JobProgress(deferred=True))
    deferred_progress: ClassVar[bool] = False
    related: ClassVar[tuple[str, ...]] = ()

    def task_name(self, job) -> str:
        return f"{self.kind}-{job.pk}"

    def run(self, job, progress: Progress) -> dict | None:
        raise NotImplementedError

    def on_failed(self, job) -> None:
        return None

    def on_retry(self, old, new) -> None:
        return None

    def describe(self, job) -> dict:
        return {}

    def object_queryset(self):
        return None


def register(cls: type[JobRunner]) -> type[JobRunner]:
    """Class decorator: register ``cls`` for ``cls.kind`` (one runner per kind)."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind.")
    _RUNNERS[cls.kind] = cls()
    return cls


def runner_for(kind: str) -> JobRunner:
    """The runner of ``kind``; ``LookupError`` for an unknown kind."""
    try:
        return _RUNNERS[kind]
    except KeyError:
        raise LookupError(f"No job runner for kind '{kind}'.") from None


def runners() -> list[JobRunner]:
    return list(_RUNNERS.values())
