"""The review workflow: approve (draft → ready), revert (ready → draft), archive.

Each transition locks the set's row (``select_for_update``), checks the rule, stamps the
approval fields and writes its audit event in one transaction, so two reviewers acting at once
give exactly one transition and one event; the second gets :class:`InvalidTransition`.
Rules: seed ``003`` §2–3, ``reference_features.md`` §1.5 (without its defects).
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import EventAction, InputSetEvent
from audit.services import event_record
from planning_hub import metrics

from ..choices import InputSetStatus
from ..exceptions import InputSetNotFound, InvalidTransition, ReviewRefused
from ..models import PlanningInputSet

# action → (statuses it may start from, status it ends in)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    EventAction.APPROVE: ((InputSetStatus.DRAFT,), InputSetStatus.READY),
    EventAction.REVERT: ((InputSetStatus.READY,), InputSetStatus.DRAFT),
    EventAction.ARCHIVE: ((InputSetStatus.DRAFT, InputSetStatus.READY), InputSetStatus.ARCHIVED),
}
REVIEW_ACTIONS = tuple(TRANSITIONS)


def input_set_review(
    *, label: str, action: str, reviewer: str, comment: str = "", metadata: dict | None = None
) -> PlanningInputSet:
    """Apply review ``action`` (``approve``, ``revert`` or ``archive``) to the set ``label``.

    ``reviewer`` is the reviewer's id (username or corporate id) recorded as ``approved_by``
    and as the event actor. Approve stamps ``approved_by``/``approved_at``/``review_comment``;
    revert clears the approval and keeps the comment; archive keeps both.

    Raises :class:`InputSetNotFound`, :class:`InvalidTransition` (not allowed from the current
    status, or unknown action) or :class:`ReviewRefused` (four-eyes: ``INPUT_SETS_FOUR_EYES``
    and the reviewer supplied the set's current data).
    """
    if action not in TRANSITIONS:
        raise InvalidTransition(f"Unknown review action '{action}'.", code="unknown_action")
    if not reviewer:
        raise ReviewRefused("A reviewer id is required.", code="reviewer_required")
    sources, target = TRANSITIONS[action]
    with transaction.atomic():
        input_set = PlanningInputSet.objects.select_for_update().filter(label=label).first()
        if input_set is None:
            raise InputSetNotFound(f"Input set '{label}' not found.")
        if input_set.status not in sources:
            raise InvalidTransition(
                f"Cannot {action} input set '{label}': it is {input_set.status} "
                f"(allowed from {', '.join(sources)})."
            )
        if action == EventAction.APPROVE and settings.INPUT_SETS_FOUR_EYES:
            uploader = _last_uploader(input_set)
            if uploader and uploader == reviewer:
                raise ReviewRefused(
                    f"'{reviewer}' supplied this data and cannot also approve it (four-eyes rule).",
                    code="four_eyes",
                )
        previous = input_set.status
        input_set.status = target
        if action == EventAction.APPROVE:
            input_set.approved_by = reviewer
            input_set.approved_at = timezone.now()
            input_set.review_comment = comment
        elif action == EventAction.REVERT:
            input_set.approved_by = ""
            input_set.approved_at = None
            input_set.review_comment = comment
        elif comment:
            input_set.review_comment = comment
        input_set.save(
            update_fields=["status", "approved_by", "approved_at", "review_comment", "updated_at"]
        )
        event_record(
            input_set=input_set,
            action=action,
            actor=reviewer,
            comment=comment,
            metadata={"from": previous, "to": target, **(metadata or {})},
        )
    metrics.input_set_reviews_total.labels(action=action).inc()
    return input_set


def _last_uploader(input_set: PlanningInputSet) -> str:
    event = (
        InputSetEvent.objects.filter(
            input_set=input_set, action__in=[EventAction.UPLOAD, EventAction.UPDATE]
        )
        .order_by("-id")
        .first()
    )
    if event:
        return event.actor
    return input_set.created_by.get_username() if input_set.created_by else ""


def input_set_approve(*, label: str, reviewer: str, comment: str = "", metadata=None):
    """Draft → ready. See :func:`input_set_review`."""
    return input_set_review(
        label=label, action="approve", reviewer=reviewer, comment=comment, metadata=metadata
    )


def input_set_revert(*, label: str, reviewer: str, comment: str = "", metadata=None):
    """Ready → draft. See :func:`input_set_review`."""
    return input_set_review(
        label=label, action="revert", reviewer=reviewer, comment=comment, metadata=metadata
    )


def input_set_archive(*, label: str, reviewer: str, comment: str = "", metadata=None):
    """Draft or ready → archived. See :func:`input_set_review`."""
    return input_set_review(
        label=label, action="archive", reviewer=reviewer, comment=comment, metadata=metadata
    )
