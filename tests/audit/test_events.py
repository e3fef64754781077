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


def test_export_audit_evidence_writes_events_zip_and_manifest(sample_dir, import_dir, tmp_path):
    import hashlib
    import json
    from io import StringIO

    from django.core.management import call_command

    from input_sets.selectors import input_set_events_payload, input_set_get
    from input_sets.services import input_set_approve

    import_dir(sample_dir, label="weekly_refresh")
    input_set_approve(label="weekly_refresh", reviewer="ops_lead", comment="JIRA-7")
    out = StringIO()
    call_command(
        "export_audit_evidence",
        "--label",
        "weekly_refresh",
        "--date",
        "20261121",
        "-o",
        str(tmp_path),
        stdout=out,
    )

    folder = tmp_path / "input_sets" / "weekly_refresh" / "20261121"
    assert out.getvalue().strip() == str(folder)
    events = json.loads((folder / "events.json").read_text())
    expected = input_set_events_payload(input_set=input_set_get(label="weekly_refresh"), limit=500)
    assert events == json.loads(json.dumps(expected))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["files"]) == {"events.json", "planning_input_set_weekly_refresh.zip"}
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"]
    assert manifest["content_hash"] == input_set_get(label="weekly_refresh").content_hash
