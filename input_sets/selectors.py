"""Read-only queries on input sets, shared by admin, API, pages and commands."""

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import InputSetEvent

from .choices import InputSetStatus
from .exceptions import InputSetNotFound
from .models import PlanningInputSet
from .sections import SECTIONS


def input_set_get(*, label: str) -> PlanningInputSet:
    """The set with ``label`` (config version joined). Raises :class:`InputSetNotFound`."""
    try:
        return PlanningInputSet.objects.select_related("config_version", "created_by").get(
            label=label
        )
    except PlanningInputSet.DoesNotExist:
        raise InputSetNotFound(f"Input set '{label}' not found.") from None


def input_set_list(
    *, status: str | None = None, config_version_id: int | None = None
) -> QuerySet[PlanningInputSet]:
    """Sets filtered by status and config version, newest update first."""
    qs = PlanningInputSet.objects.select_related("config_version", "created_by")
    if status and status != "all":
        qs = qs.filter(status=status)
    if config_version_id is not None:
        qs = qs.filter(config_version_id=config_version_id)
    return qs.order_by("-updated_at", "-id")


def input_set_newest_ready(*, config_version_id: int, exclude_id: int | None = None):
    """The most recently approved ready set of a config version, or ``None``."""
    qs = PlanningInputSet.objects.filter(
        config_version_id=config_version_id, status=InputSetStatus.READY
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("-approved_at", "-id").first()


def input_set_section_counts(*, input_set: PlanningInputSet) -> dict[str, int]:
    """Rows per section: ``{section name: count}``."""
    return {s.name: s.model.objects.filter(input_set_id=input_set.pk).count() for s in SECTIONS}


def input_set_events(*, input_set: PlanningInputSet, limit: int = 100) -> QuerySet[InputSetEvent]:
    """The newest ``limit`` events of a set, newest first."""
    return InputSetEvent.objects.filter(input_set=input_set).order_by("-created_at", "-id")[:limit]


def input_set_events_payload(*, input_set: PlanningInputSet, limit: int = 100) -> dict:
    """The runbook's events payload (seed ``003`` §4, REST ``/events`` and the CLI):
    ``{input_set: {id, label, config_version_id, status}, events: [{id, action, actor, comment,
    created_at (ISO 8601 in TIME_ZONE), metadata}]}``, newest first."""
    return {
        "input_set": {
            "id": input_set.pk,
            "label": input_set.label,
            "config_version_id": input_set.config_version_id,
            "status": input_set.status,
        },
        "events": [
            {
                "id": e.pk,
                "action": e.action,
                "actor": e.actor,
                "comment": e.comment,
                "created_at": timezone.localtime(e.created_at).isoformat(),
                "metadata": e.metadata,
            }
            for e in input_set_events(input_set=input_set, limit=limit)
        ],
    }
