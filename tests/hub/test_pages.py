"""Hub pages: login, permissions, escaping, server-side filters, flat query counts."""

import io

import pytest
from django.urls import reverse

from input_sets.models import PlanningInputSet
from input_sets.services import input_set_approve, input_set_review

from ..api.conftest import make_user
from ..factories import EventFactory, InputSetFactory, RunFactory

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script>'


@pytest.fixture
def planner_client(client, db):
    client.force_login(make_user("planner"))
    return client


@pytest.fixture
def hub_data(sample_dir, import_dir):
    import_dir(sample_dir, label="demo")
    input_set_approve(label="demo", reviewer=XSS, comment=XSS)
    import_dir(sample_dir, label="draft1")
    run = RunFactory(
        plan_version__config_version_id=1,
        plan_version__input_set=PlanningInputSet.objects.get(label="demo"),
    )
    return run


def pages(run) -> list[str]:
    plan = run.plan_version.version_id
    return [
        "/",
        "/ui/plans/input_sets",
        "/ui/plans/input_sets/upload",
        "/ui/plans/input_sets/demo",
        "/ui/plans/input_sets/demo?section=inbound",
        "/ui/plans/input_sets/draft1/diff",
        "/ui/plans",
        "/ui/plans?config_version=1&input_set=demo",
        f"/ui/plans/{plan}",
        "/ui/runs",
        f"/ui/runs/{run.run_id}",
        "/ui/jobs",
        f"/ui/jobs/{run.plan_job_id}",
    ]


def test_every_page_needs_login(client, hub_data):
    for url in pages(hub_data):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), (
            url
        )


def test_every_page_renders_for_a_planner_and_escapes_user_data(planner_client, hub_data):
    for url in pages(hub_data):
        response = planner_client.get(url)
        assert response.status_code == 200, url
        assert XSS.encode() not in response.content, url
    detail = planner_client.get("/ui/plans/input_sets/demo").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in detail


def test_a_viewer_cannot_upload_or_create_plans(client, hub_data):
    client.force_login(make_user("viewer"))
    assert client.get("/ui/plans/input_sets/upload").status_code == 403
    assert client.post("/ui/plans", {"config_version": 1, "input_set": "demo"}).status_code == 403
    assert b"plan-create" not in client.get("/ui/plans?config_version=1&input_set=demo").content


def test_upload_with_errors_shows_the_table_and_stores_nothing(
    planner_client, config_version, sample_dir
):
    bad = io.BytesIO(b"family,period,demand\nKETTLE,2026-01,lots\n")
    bad.name = "demand_family.csv"
    evil = io.BytesIO(b"x")
    evil.name = '<img src=x onerror="alert(1)">.csv'
    response = planner_client.post(
        "/ui/plans/input_sets/upload",
        {"config_version": 1, "label": "bad_one", "files": [bad, evil]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="upload-errors"' in html and "demand_family.csv" in html and "not_a_number" in html
    assert "<img src=x" not in html
    assert not PlanningInputSet.objects.filter(label="bad_one").exists()


def test_good_upload_stores_a_draft(planner_client, config_version, sample_dir):
    files = []
    for path in sample_dir.iterdir():
        handle = io.BytesIO(path.read_bytes())
        handle.name = path.name
        files.append(handle)
    response = planner_client.post(
        "/ui/plans/input_sets/upload", {"config_version": 1, "label": "ui_set", "files": files}
    )
    assert response.status_code == 302
    input_set = PlanningInputSet.objects.get(label="ui_set")
    assert (input_set.status, input_set.source) == ("draft", "ui")


def test_plan_form_offers_only_ready_sets_of_the_chosen_version_and_queues_a_plan(
    planner_client, hub_data
):
    page = planner_client.get("/ui/plans?config_version=1").content.decode()
    assert '<option value="demo">' in page and '<option value="draft1">' not in page
    assert 'id="legacy-warning"' in page
    form = planner_client.get("/ui/plans?config_version=1&input_set=demo").content.decode()
    assert 'value="14"' in form  # recon_window_days default from the set's planning_params
    response = planner_client.post(
        "/ui/plans",
        {
            "config_version": 1,
            "input_set": "demo",
            "lt_unit": "day",
            "round_mode": "int",
            "tol_abs": "0.000001",
            "tol_rel": "0.000001",
        },
    )
    assert response.status_code == 302 and "/ui/jobs/" in response["Location"]


def test_legacy_and_missing_warnings_on_plan_and_run_pages(planner_client, hub_data):
    no_set = {
        "plan_version__input_set": None,
        "plan_version__input_set_content_hash": "",
        "input_set_content_hash": "",
    }
    legacy = RunFactory(**no_set, plan_version__input_set_label="", input_set_label="")
    page = planner_client.get(f"/ui/plans/{legacy.plan_version.version_id}").content.decode()
    assert 'id="legacy-mode"' in page
    missing = RunFactory(
        **no_set, plan_version__input_set_label="gone_set", input_set_label="gone_set"
    )
    assert (
        'id="missing-input-set"'
        in planner_client.get(f"/ui/runs/{missing.run_id}").content.decode()
    )


def test_filters_run_on_the_server_across_pages(planner_client, config_version):
    for n in range(60):
        InputSetFactory(
            config_version=config_version,
            label=f"s{n:02d}",
            status="archived" if n % 3 == 0 else "draft",
        )
    page = planner_client.get("/ui/plans/input_sets?status=archived").content.decode()
    assert "Page 1 of 1 (20 rows)" in page or "20 rows" in page
    assert "s03" in page and "s01" not in page
    second = planner_client.get("/ui/plans/input_sets?page=2").content.decode()
    assert "Page 2 of 3" in second


@pytest.mark.parametrize("url", ["/ui/plans/input_sets", "/ui/plans", "/ui/runs", "/ui/jobs", "/"])
def test_list_pages_keep_query_counts_flat(
    planner_client, config_version, django_assert_max_num_queries, url
):
    def grow(n):
        for _ in range(n):
            run = RunFactory(plan_version__config_version=config_version)
            EventFactory(input_set=run.plan_version.input_set)

    grow(3)
    with django_assert_max_num_queries(20) as small:
        planner_client.get(url)
    grow(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert planner_client.get(url).status_code == 200


def test_pages_render_in_japanese(planner_client, hub_data):
    planner_client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    page = planner_client.get("/ui/plans/input_sets").content.decode()
    assert 'lang="ja"' in page
    assert "入力セット" in page


def test_review_comment_and_actor_in_history_are_escaped(planner_client, hub_data):
    input_set_review(label="demo", action="revert", reviewer='"><b>x</b>', comment="<i>bad</i>")
    html = planner_client.get("/ui/plans/input_sets/demo").content.decode()
    assert "<i>bad</i>" not in html and "&lt;i&gt;bad&lt;/i&gt;" in html


def test_plan_form_survives_bad_query_values_and_shows_its_errors(planner_client, hub_data):
    assert planner_client.get("/ui/plans?config_version=abc&input_set=<x>").status_code == 200
    response = planner_client.post(
        "/ui/plans",
        {
            "config_version": 1,
            "input_set": "demo",
            "lt_unit": "day",
            "round_mode": "int",
            "tol_abs": "-1",
            "tol_rel": "0",
        },
    )
    assert response.status_code == 200
    assert 'id="plan-create"' in response.content.decode()


def test_plan_page_shows_the_balanced_flow_and_what_it_means(planner_client, ready_set):
    from plans.services import plan_create_and_execute

    job = plan_create_and_execute(
        config_version_id=1, input_set_label="demo", trigger="cli", sync=True
    )
    url = f"/ui/plans/{job.plan.version_id}"
    for level in ("det", "aggregate"):
        page = planner_client.get(f"{url}?level={level}").content.decode()
        assert "Shipments" in page and 'id="series-legend"' in page
        body = page.split('<table id="series">', 1)[1].split("</tbody>", 1)[0]
        rows = [r for r in body.split("<tr>")[2:] if 'class="num"' in r]
        assert rows, level
        for row in rows:
            cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
            demand, _, _, oh_open, oh_close, _, receipts, shipments, _ = (
                float(c.replace(",", "")) for c in cells
            )
            # on hand (close) = on hand (open) + receipts − shipments, as the legend says
            assert abs(oh_open + receipts - shipments - oh_close) < 0.11, (level, cells)
            assert shipments <= oh_open + receipts + 0.11
    mrp = planner_client.get(f"{url}?level=mrp").content.decode()
    assert "Shipments" not in mrp and "series-legend" not in mrp
