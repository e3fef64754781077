"""Append-only audit events for input sets.

Rows are only ever inserted (by ``audit.services.event_record``, inside the transaction of the
change they describe). ``save()`` on an existing row, ``delete()`` and queryset ``update()`` /
``delete()`` raise :class:`AppendOnlyError`; database triggers (migration 0002) refuse
``UPDATE`` and ``DELETE`` from any other client too.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit event."""


class EventAction(models.TextChoices):
    UPLOAD = "upload", _("Upload")
    UPDATE = "update", _("Update")
    APPROVE = "approve", _("Approve")
    REVERT = "revert", _("Revert")
    ARCHIVE = "archive", _("Archive")
    DIFF = "diff", _("Diff")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events are append-only")

    def delete(self):
        raise AppendOnlyError("audit events are append-only")


class InputSetEvent(models.Model):
    """One thing that happened to an input set: who (actor), what (action), why (comment)."""

    input_set = models.ForeignKey(
        "input_sets.PlanningInputSet",
        verbose_name=_("input set"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=16, choices=EventAction.choices)
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("input set event")
        verbose_name_plural = _("input set events")
        indexes = [models.Index(fields=["input_set", "-id"], name="event_set_newest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=EventAction.values), name="event_action_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.input_set_id} by {self.actor or '-'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")
