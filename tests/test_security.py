"""Security headers and throttling: the Content-Security-Policy forbids inline scripts and every
template complies; django-axes locks out password guessing on the hub and admin logins with a
translated message; API requests are throttled per token."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from planning_hub.security import TokenRateThrottle, client_ip
from planning_hub.services import api_token_create

from .api.conftest import make_user

ROOT = Path(__file__).resolve().parent.parent
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_no_template_has_an_inline_script_or_event_handler():
    templates = list((ROOT / "templates").rglob("*.html")) + [
        p for p in ROOT.glob("*/templates/**/*.html") if ".venv" not in p.parts
    ]
    assert len(templates) > 10
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(text), path
        assert not EVENT_HANDLER.search(text), path


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/", "/ui/plans", "/admin/", "/api/input-sets/", "/api/docs/"]
)
def test_every_page_carries_a_policy_without_inline_scripts(client, url):
    client.force_login(make_user("admin"))
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200, url
    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and "'unsafe-inline'" not in csp["style-src"]
    body = response.content.decode()
    assert not INLINE_SCRIPT.search(body), url
    assert not EVENT_HANDLER.search(body), url


# --- login lock-out (django-axes) ----------------------------------------------------------
@pytest.fixture
def alice(db):
    return User.objects.create_user("alice", password="right-horse-battery", is_staff=True)


def attempt(client, password, url="/accounts/login/", language=None):
    if language:
        client.cookies["django_language"] = language
    return client.post(url, {"username": "alice", "password": password, "next": "/"})


def test_password_guessing_locks_the_login_and_says_so(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200  # the form again, with its error
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    # now even the right password is refused, on the hub login and on the admin login
    assert attempt(client, "right-horse-battery").status_code == 429
    assert attempt(client, "right-horse-battery", url="/admin/login/").status_code == 429
    assert "_auth_user_id" not in client.session
    # an administrator unlocks the user early
    call_command("axes_reset_username", "alice")
    assert attempt(client, "right-horse-battery").status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_the_lockout_message_is_translated(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    page = attempt(client, "wrong", language="ja").content.decode()
    assert 'lang="ja"' in page
    assert "ログイン" in page and "Too many failed" not in page


def test_a_successful_login_resets_the_count(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, "right-horse-battery").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "right-horse-battery").status_code == 302


def test_client_address_behind_trusted_proxies(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"  # a client cannot pick its address
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # the address our proxy saw


# --- API throttling per token --------------------------------------------------------------
def test_api_requests_are_throttled_per_token(db, monkeypatch):
    from rest_framework.test import APIClient

    monkeypatch.setattr(TokenRateThrottle, "rate", "3/minute", raising=False)
    user = make_user("viewer")
    clients = []
    for _ in range(2):
        _, key = api_token_create(user=user)
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        clients.append(c)
    first, second = clients
    assert [first.get("/api/input-sets/").status_code for _ in range(3)] == [200] * 3
    refused = first.get("/api/input-sets/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) > 0
    assert second.get("/api/input-sets/").status_code == 200  # another token has its own count


def test_throttle_rates_come_from_the_settings(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates["token"] and rates["anon"]
    assert reverse("api:input-set-list") == "/api/input-sets/"
