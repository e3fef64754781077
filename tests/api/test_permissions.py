"""The permission matrix: every role × every endpoint and method → 401 / 403 / 2xx."""

import io

import pytest

pytestmark = pytest.mark.django_db

READ = {"anonymous": 401, "viewer": 200, "planner": 200, "reviewer": 200, "admin": 200}
REVIEW = {"anonymous": 401, "viewer": 403, "planner": 403, "reviewer": 200, "admin": 200}
PLAN = {"anonymous": 401, "viewer": 403, "planner": 202, "reviewer": 403, "admin": 202}
UPLOAD = {"anonymous": 401, "viewer": 403, "planner": 201, "reviewer": 403, "admin": 201}
RUN_CHANGE = {"anonymous": 401, "viewer": 403, "planner": 200, "reviewer": 200, "admin": 200}
JOB_CHANGE = {"anonymous": 401, "viewer": 403, "planner": 202, "reviewer": 403, "admin": 202}
DIFF = {"anonymous": 401, "viewer": 202, "planner": 202, "reviewer": 202, "admin": 202}
ADMIN_ONLY = {"anonymous": 401, "viewer": 403, "planner": 403, "reviewer": 403, "admin": 201}
DELETE = {"anonymous": 401, "viewer": 403, "planner": 403, "reviewer": 403, "admin": 204}

CASES = [
    ("get", "/api/config-versions/", None, READ),
    ("post", "/api/config-versions/", {"name": "new"}, ADMIN_ONLY),
    ("get", "/api/input-sets/", None, READ),
    ("get", "/api/input-sets/demo/", None, READ),
    ("get", "/api/input-sets/demo/rows/family_demand/", None, READ),
    ("get", "/api/input-sets/demo/events/", None, READ),
    ("get", "/api/input-sets/demo/export/", None, READ),
    ("get", "/api/input-sets/draft1/diff/?against=demo", None, DIFF),
    ("get", "/api/plans/input_sets/demo/events", None, READ),
    ("get", "/api/plans/input_sets/demo/export", None, READ),
    ("post", "/api/input-sets/", "upload", UPLOAD),
    ("post", "/api/input-sets/draft1/approve/", {"comment": "ok"}, REVIEW),
    ("post", "/api/input-sets/demo/revert/", {"comment": "no"}, REVIEW),
    ("post", "/api/input-sets/draft1/archive/", {}, REVIEW),
    ("get", "/api/plans/", None, READ),
    ("get", "/api/plans/{plan}/", None, READ),
    ("get", "/api/plans/{plan}/series/", None, READ),
    ("get", "/api/plans/{plan}/kpis/", None, READ),
    (
        "post",
        "/api/plans/create_and_execute/",
        {"config_version_id": 1, "input_set_label": "demo"},
        PLAN,
    ),
    ("delete", "/api/plans/{plan}/", None, DELETE),
    ("get", "/api/runs/", None, READ),
    ("get", "/api/runs/{run}/", None, READ),
    ("post", "/api/runs/{run}/note/", {"note": "checked"}, RUN_CHANGE),
    ("post", "/api/runs/{run}/baseline/", {}, RUN_CHANGE),
    ("post", "/api/runs/{run}/archive/", {"archived": True}, RUN_CHANGE),
    ("post", "/api/runs/{run}/approve/", {}, RUN_CHANGE),
    ("get", "/api/jobs/", None, READ),
    ("get", "/api/jobs/{job}/", None, READ),
    ("post", "/api/jobs/{job}/retry/", {}, JOB_CHANGE),
    ("get", "/api/schema/", None, {**READ, "anonymous": 200}),
]


@pytest.mark.parametrize("role", ["anonymous", "viewer", "planner", "reviewer", "admin"])
@pytest.mark.parametrize("method,url,body,expected", CASES, ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_permission_matrix(api_client_for, api_data, sample_dir, role, method, url, body, expected):
    client = api_client_for(role)
    url = url.format(**api_data)
    if body == "upload":
        files = [
            io.BytesIO((sample_dir / n).read_bytes())
            for n in ("demand_family.csv", "mix_share.csv")
        ]
        for f, n in zip(files, ("demand_family.csv", "mix_share.csv"), strict=True):
            f.name = n
        response = client.post(
            url, {"label": f"up_{role}", "config_version": 1, "files": files}, format="multipart"
        )
    elif body is None:
        response = getattr(client, method)(url)
    else:
        response = getattr(client, method)(url, body, format="json")
    assert response.status_code == expected[role], response.content[:300]
    if response.status_code >= 400:
        assert set(response.json()) == {"detail", "code", "errors"}
