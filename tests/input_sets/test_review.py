"""The review workflow: allowed and refused transitions, stamps, events, four-eyes, races."""

import threading

import pytest
from django.db import connection
from django.test import override_settings

from audit.models import InputSetEvent
from input_sets.exceptions import InputSetNotFound, InvalidTransition, ReviewRefused
from input_sets.models import PlanningInputSet
from input_sets.services import input_set_review

from ..factories import InputSetFactory

pytestmark = pytest.mark.django_db

ALLOWED = [
    ("draft", "approve", "ready"),
    ("ready", "revert", "draft"),
    ("draft", "archive", "archived"),
    ("ready", "archive", "archived"),
]
REFUSED = [
    ("ready", "approve"),
    ("draft", "revert"),
    ("archived", "approve"),
    ("archived", "revert"),
    ("archived", "archive"),
]


def make_set(status):
    extra = (
        {"approved_at": "2026-01-01T00:00:00Z", "approved_by": "earlier"}
        if status == "ready"
        else {}
    )
    return InputSetFactory(status=status, **extra)


@pytest.mark.parametrize("start,action,end", ALLOWED)
def test_allowed_transition_changes_status_and_writes_one_event(start, action, end):
    input_set = make_set(start)
    input_set_review(label=input_set.label, action=action, reviewer="ops_lead", comment="JIRA-1")
    input_set.refresh_from_db()
    assert input_set.status == end
    events = list(InputSetEvent.objects.filter(input_set=input_set))
    assert [(e.action, e.actor, e.comment) for e in events] == [(action, "ops_lead", "JIRA-1")]
    assert events[0].metadata["from"] == start and events[0].metadata["to"] == end


@pytest.mark.parametrize("start,action", REFUSED)
def test_refused_transition_changes_nothing(start, action):
    input_set = make_set(start)
    with pytest.raises(InvalidTransition):
        input_set_review(label=input_set.label, action=action, reviewer="ops_lead")
    input_set.refresh_from_db()
    assert input_set.status == start
    assert not InputSetEvent.objects.filter(input_set=input_set).exists()


def test_approve_stamps_and_revert_clears_but_keeps_comment():
    input_set = make_set("draft")
    input_set_review(label=input_set.label, action="approve", reviewer="ops_lead", comment="ok")
    input_set.refresh_from_db()
    assert (input_set.approved_by, input_set.review_comment) == ("ops_lead", "ok")
    assert input_set.approved_at is not None

    input_set_review(
        label=input_set.label, action="revert", reviewer="qa", comment="wrong capacity"
    )
    input_set.refresh_from_db()
    assert (input_set.approved_by, input_set.approved_at) == ("", None)
    assert input_set.review_comment == "wrong capacity"


def test_unknown_label_and_action():
    with pytest.raises(InputSetNotFound):
        input_set_review(label="nope", action="approve", reviewer="x")
    input_set = make_set("draft")
    with pytest.raises(InvalidTransition):
        input_set_review(label=input_set.label, action="publish", reviewer="x")


@override_settings(INPUT_SETS_FOUR_EYES=True)
def test_four_eyes_refuses_the_uploader():
    input_set = make_set("draft")
    InputSetEvent.objects.create(input_set=input_set, action="upload", actor="alice")
    with pytest.raises(ReviewRefused):
        input_set_review(label=input_set.label, action="approve", reviewer="alice")
    input_set_review(label=input_set.label, action="approve", reviewer="bob")
    input_set.refresh_from_db()
    assert input_set.status == "ready"


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_give_one_transition_and_one_event():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises writers anyway)")
    input_set = make_set("draft")
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(reviewer):
        try:
            barrier.wait()
            input_set_review(label=input_set.label, action="approve", reviewer=reviewer)
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(name,)) for name in ("r1", "r2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["ok", "refused"]
    assert InputSetEvent.objects.filter(input_set=input_set, action="approve").count() == 1
    assert PlanningInputSet.objects.get(pk=input_set.pk).status == "ready"
