"""API fixtures: users per role (the shipped groups), token clients, a small data set."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from input_sets.services import input_set_approve
from planning_hub.services import api_token_create

from ..factories import RunFactory, UserFactory

ROLES = ("anonymous", "viewer", "planner", "reviewer", "admin")


def make_user(role):
    if role == "admin":
        return UserFactory(username="admin", is_superuser=True)
    user = UserFactory(username=role)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def api_client_for(db):
    """``api_client_for(role)`` → an APIClient sending that role's Bearer token."""

    def build(role):
        client = APIClient()
        if role != "anonymous":
            _, key = api_token_create(user=make_user(role))
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return build


@pytest.fixture
def api_data(sample_dir, import_dir):
    """A ready set ``demo`` and a draft ``draft1`` (config version 1), a run of a plan of
    ``demo``; returns a dict of the ids the URLs need."""
    import_dir(sample_dir, label="demo")
    input_set_approve(label="demo", reviewer="seed")
    import_dir(sample_dir, label="draft1")
    from input_sets.models import PlanningInputSet

    run = RunFactory(
        plan_version__config_version_id=1,
        plan_version__input_set=PlanningInputSet.objects.get(label="demo"),
        plan_job__status="failed",
    )
    return {"plan": run.plan_version.version_id, "run": run.run_id, "job": run.plan_job_id}
