"""Admin: review actions need the review permission; the reviewer is the logged-in user."""

import pytest
from django.urls import reverse

from audit.models import InputSetEvent
from input_sets.models import PlanningInputSet

from ..factories import EventFactory, InputSetFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:input_sets_planninginputset_changelist")


def post_action(client, action, input_set, **extra):
    data = {"action": action, "_selected_action": [input_set.pk], **extra}
    return client.post(CHANGELIST, data)


def test_approve_shows_confirmation_with_diff_then_applies(
    client, reviewer, sample_dir, import_dir
):
    import_dir(sample_dir, label="base")
    PlanningInputSet.objects.filter(label="base").update(
        status="ready", approved_at="2026-01-01T00:00:00Z"
    )
    (sample_dir / "demand_family.csv").write_text("family,period,demand\nKETTLE,2026-01,1\n")
    import_dir(sample_dir, label="draft_one")
    draft = PlanningInputSet.objects.get(label="draft_one")
    client.force_login(reviewer)

    page = post_action(client, "approve_sets", draft)
    assert page.status_code == 200
    assert b"Confirm review action" in page.content
    assert b"Compared with base" in page.content
    draft.refresh_from_db()
    assert draft.status == "draft"  # nothing happens before confirmation

    done = post_action(client, "approve_sets", draft, post="yes", comment="JIRA-9 approve")
    assert done.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.review_comment) == (
        "ready",
        "reviewer",
        "JIRA-9 approve",
    )
    event = InputSetEvent.objects.filter(input_set=draft).latest("id")
    assert (event.action, event.actor, event.metadata["source"]) == ("approve", "reviewer", "admin")


def test_refused_transition_is_reported_not_applied(client, reviewer):
    input_set = InputSetFactory(status="draft")
    client.force_login(reviewer)
    response = post_action(client, "revert_sets", input_set, post="yes")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Cannot revert" in m for m in messages)
    assert not InputSetEvent.objects.exists()


def test_actions_need_the_review_permission(client, viewer):
    input_set = InputSetFactory(status="draft")
    client.force_login(viewer)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert b"approve_sets" not in page.content
    post_action(client, "approve_sets", input_set, post="yes")
    input_set.refresh_from_db()
    assert input_set.status == "draft"


def test_changelist_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    admin = UserFactory(username="admin", is_superuser=True)
    client.force_login(admin)
    for _ in range(30):
        EventFactory(input_set=InputSetFactory())
    with django_assert_max_num_queries(12):
        assert client.get(CHANGELIST).status_code == 200


def test_detail_links_to_child_rows_and_children_changelist_filters(
    client, reviewer, sample_dir, import_dir
):
    import_dir(sample_dir, label="detail")
    input_set = PlanningInputSet.objects.get(label="detail")
    admin = UserFactory(username="root", is_superuser=True)
    client.force_login(admin)
    detail = client.get(reverse("admin:input_sets_planninginputset_change", args=[input_set.pk]))
    url = (
        reverse("admin:input_sets_familydemand_changelist")
        + f"?input_set__id__exact={input_set.pk}"
    )
    assert url.encode() in detail.content.replace(b"&amp;", b"&")
    rows = client.get(url)
    assert rows.status_code == 200
    assert b"KETTLE" in rows.content
