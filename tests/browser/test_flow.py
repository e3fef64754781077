"""The planner/reviewer flow in a real browser (Playwright + Debian's Chromium).

log in → upload a bad file and see the errors → upload a good set → open its diff and wait for
the job → a reviewer approves in admin → a planner creates a plan → the job page shows progress
→ the plan page shows KPIs and the chart → the browsable API and the API docs; once in English,
once in Japanese. No page may break the Content-Security-Policy: every violation (the
``securitypolicyviolation`` event, and Chromium's console report) fails the test.

Jobs run on a background thread of the live server (as a django-q2 worker would, a moment
later), so the pages really poll. Screenshots go to ``$SCREENSHOT_DIR`` (``docs/screenshots``
for the README) or to a temporary folder.
"""

import importlib
import os
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import close_old_connections

from input_sets.io.bundle import InputBundle
from input_sets.services import input_set_approve, input_set_import
from planning_hub.roles import ensure_groups

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("audit_flushable"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]
OWN_SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "planning_sample"


def _run_later(func_path, *args, **kwargs):
    """Stand-in for django_q.tasks.async_task: run the task on a thread after a short delay."""

    def run():
        module, name = func_path.rsplit(".", 1)
        try:
            getattr(importlib.import_module(module), name)(*args)
        finally:
            close_old_connections()

    threading.Timer(1.5, run).start()
    return f"thread-{func_path}"


@pytest.fixture
def world(transactional_db, monkeypatch, tmp_path):
    monkeypatch.setattr("django_q.tasks.async_task", _run_later)
    input_set_import(
        bundle=InputBundle.from_path(OWN_SAMPLE),
        label="baseline",
        config_version_id=1,
        create_config_version=True,
    )
    input_set_approve(label="baseline", reviewer="seed")
    ensure_groups(Group, Permission)  # a transactional flush removed the migration's groups
    for name, group in (("planner", "planner"), ("reviewer", "reviewer")):
        user = User.objects.create_user(name, password="pw-" + name, is_staff=name == "reviewer")
        user.groups.add(Group.objects.get(name=group))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "demand_family.csv").write_text("family,period,demand\nKETTLE,2026-01,lots\n")
    return {"bad": bad / "demand_family.csv", "good": sorted(OWN_SAMPLE.iterdir())}


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def login(page, base, username, path="/accounts/login/"):
    page.goto(f"{base}{path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"pw-{username}")
    with page.expect_navigation():
        page.click("form [type=submit]")


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) =>
  window.reportCspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`)
);
"""


def watch_csp(page) -> list[str]:
    """Collect Content-Security-Policy violations of every page ``page`` opens."""
    violations: list[str] = []
    page.expose_function("reportCspViolation", lambda text: violations.append(text))
    page.add_init_script(CSP_LISTENER)
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


def switch_to_japanese(page):
    """The language select submits its form on change; wait for that navigation to finish."""
    with page.expect_navigation():
        page.select_option("#language-form select", "ja")


def logout(page):
    with page.expect_navigation():
        page.click("header form[action$='/logout/'] button")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_planner_and_reviewer_flow(live_server, world, browser, shots, language):
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=language)
    snap = lambda name: page.screenshot(path=str(shots / f"{language}_{name}.png"), full_page=True)  # noqa: E731
    label = f"browser_{language}"
    csp_violations = watch_csp(page)

    login(page, base, "planner")
    if language == "ja":
        switch_to_japanese(page)
        assert page.locator("html").get_attribute("lang") == "ja"
        assert "入力セット" in page.locator("header.nav").inner_text()
    snap("home")

    # a bad upload shows every error with file and line, and stores nothing
    page.goto(f"{base}/ui/plans/input_sets/upload")
    page.select_option("select[name=config_version]", "1")
    page.fill("input[name=label]", f"{label}_bad")
    page.set_input_files("input[name=files]", [str(world["bad"])])
    with page.expect_navigation():
        page.click("form[enctype] [type=submit]")
    errors = page.locator("#upload-errors")
    errors.wait_for()
    assert "demand_family.csv" in errors.inner_text() and "2" in errors.inner_text()
    snap("upload_errors")

    # a good upload becomes a draft
    page.fill("input[name=label]", label)
    page.set_input_files("input[name=files]", [str(p) for p in world["good"]])
    page.click("form[enctype] [type=submit]")
    page.wait_for_url(f"**/ui/plans/input_sets/{label}")
    assert label in page.locator("h1").inner_text()
    snap("input_set_detail")
    page.goto(f"{base}/ui/plans/input_sets")
    snap("input_sets")

    # the diff starts a job; the page polls and shows the result
    page.goto(f"{base}/ui/plans/input_sets/{label}/diff")
    page.locator("#diff-summary").wait_for(timeout=30_000)
    snap("diff")

    # a reviewer approves in admin
    logout(page)
    login(page, base, "reviewer", path="/admin/login/")
    page.goto(f"{base}/admin/input_sets/planninginputset/")
    page.locator("tr", has_text=label).locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "approve_sets")
    page.click("button[name=index]")
    page.fill("textarea[name=comment]", "JIRA-123 approve by reviewer")
    snap("admin_approve")
    with page.expect_navigation():
        page.click("form input[type=submit]")
    assert page.locator(".messagelist .success").count() >= 1
    page.context.clear_cookies()  # log the reviewer out

    # a planner creates a plan from the approved set; the job page shows progress
    login(page, base, "planner")
    if language == "ja":
        switch_to_japanese(page)
    page.goto(f"{base}/ui/plans?config_version=1&input_set={label}")
    snap("plans")
    page.click("#plan-create [type=submit]")
    page.wait_for_url("**/ui/jobs/*")
    assert page.locator(".progress").count() == 1
    snap("job")
    page.locator("#job-progress .pill.succeeded, .pill.succeeded").first.wait_for(timeout=60_000)
    page.click("#job-progress a[href*='/ui/plans/']")
    page.wait_for_url("**/ui/plans/pv-*")
    assert page.locator("#kpis .kpi").count() >= 5
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chart-periods'))"
    )
    snap("plan")
    page.goto(f"{base}/ui/runs")
    snap("runs")

    # the browsable API and the API docs (Swagger UI) run under the same policy
    response = page.goto(f"{base}/api/input-sets/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".response-info").wait_for()
    page.goto(f"{base}/api/docs/")
    page.locator(".swagger-ui .info").wait_for(timeout=30_000)
    page.wait_for_timeout(500)  # late violations (images, fonts) are reported asynchronously
    assert csp_violations == []
    page.close()
