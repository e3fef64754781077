"""Writing audit events. Callers run this inside the transaction of the change it records."""

from typing import Any

from .models import EventAction, InputSetEvent


def event_record(
    *,
    input_set,
    action: EventAction | str,
    actor: str = "",
    comment: str = "",
    metadata: dict[str, Any] | None = None,
) -> InputSetEvent:
    """Append one event for ``input_set`` and return it.

    Raises ``ValueError`` for an unknown action. Must be called inside the caller's
    ``transaction.atomic()`` block so the event and the change commit (or roll back) together.
    """
    if action not in EventAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    return InputSetEvent.objects.create(
        input_set=input_set,
        action=action,
        actor=actor or "",
        comment=comment or "",
        metadata=metadata or {},
    )
