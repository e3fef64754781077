"""Audit events are append-only for the ORM, raw SQL and the admin."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AppendOnlyError, InputSetEvent
from audit.services import event_record

from ..factories import EventFactory, InputSetFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_orm_cannot_change_or_delete_events():
    event = EventFactory()
    event.comment = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        InputSetEvent.objects.filter(pk=event.pk).update(comment="x")
    with pytest.raises(AppendOnlyError):
        InputSetEvent.objects.all().delete()


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_inputsetevent SET comment = 'x'", "DELETE FROM audit_inputsetevent"]
)
def test_database_refuses_raw_update_and_delete(sql):
    EventFactory(comment="original")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert InputSetEvent.objects.get().comment == "original"


def test_unknown_action_is_refused():
    with pytest.raises(ValueError):
        event_record(input_set=InputSetFactory(), action="delete")


def test_admin_is_read_only_even_for_superusers(client):
    event = EventFactory()
    client.force_login(UserFactory(username="root", is_superuser=True))
    assert client.get(reverse("admin:audit_inputsetevent_add")).status_code == 403
    assert (
        client.get(reverse("admin:audit_inputsetevent_delete", args=[event.pk])).status_code == 403
    )
    change = client.post(
        reverse("admin:audit_inputsetevent_change", args=[event.pk]), {"comment": "x"}
    )
    assert change.status_code == 403
    assert InputSetEvent.objects.get().comment == ""
