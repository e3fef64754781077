"""Deployment: the documented production environment passes ``check --deploy``, production
refuses to start without a key, every deployment setting comes from the environment, and
``make serve``'s script serves the hub and stops with its worker cluster."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "deployment.md"


def documented_production_env() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- production-env -->\s*```ini\n(.*?)```", text, flags=re.S).group(1)
    pairs = [line.split("=", 1) for line in block.splitlines() if line and line[0] != "#"]
    return {key.strip(): value.strip() for key, value in pairs}


def clean_env(tmp_path, **extra) -> dict[str, str]:
    """The process environment without any Django/deployment variable of this shell."""
    names = set(documented_production_env()) | {
        "DEBUG",
        "SECRET_KEY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "DJANGO_SETTINGS_MODULE",
    }
    env = {k: v for k, v in os.environ.items() if k not in names}
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "prometheus")
    env.update(extra)
    return env


def manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def settings_in(env, *names) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "planning_hub.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    documented = documented_production_env()
    assert documented["DEBUG"] == "false"
    env = clean_env(
        tmp_path,
        **{
            **documented,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        },
    )
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = manage(clean_env(tmp_path, DEBUG="false"), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_production_defaults_are_safe_and_each_is_settable(tmp_path):
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "CSRF_TRUSTED_ORIGINS",
        "ALLOWED_HOSTS",
    ]
    key = secrets.token_urlsafe(50)
    production = settings_in(clean_env(tmp_path, DEBUG="false", SECRET_KEY=key), *names)
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert "testserver" not in production["ALLOWED_HOSTS"]

    overridden = settings_in(
        clean_env(
            tmp_path,
            DEBUG="false",
            SECRET_KEY=key,
            SECURE_SSL_REDIRECT="false",
            SECURE_HSTS_SECONDS="60",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
            SECURE_HSTS_PRELOAD="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
            CSRF_TRUSTED_ORIGINS="https://a.example,https://b.example",
            ALLOWED_HOSTS="a.example",
        ),
        *names,
    )
    assert overridden == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 60,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://a.example", "https://b.example"],
        "ALLOWED_HOSTS": ["a.example"],
    }

    local = settings_in(clean_env(tmp_path), *names, "DEBUG")
    assert local["DEBUG"] is False and local["SECURE_SSL_REDIRECT"] is False
    assert local["SESSION_COOKIE_SECURE"] is False and "testserver" in local["ALLOWED_HOSTS"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,sid="], capture_output=True, text=True).stdout
    rows = [tuple(int(x) for x in line.split()) for line in out.splitlines() if line.strip()]
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid, _sid in rows:
            if ppid == parent:
                found.append(child)
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purpose
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def test_make_serve_serves_the_hub_with_debug_off_and_stops_with_its_workers(tmp_path):
    port = free_port()
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(50),
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_WORKERS="1",
        WEB_THREADS="2",
        Q_WORKERS="1",
    )
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        ["bash", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        body, headers = None, {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=5
                ) as response:
                    body, headers = response.read().decode(), dict(response.headers)
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, (tmp_path / "serve.log").read_text()
        assert "csrfmiddlewaretoken" in body
        assert headers.get("Server", "").startswith("gunicorn")
        processes = children_of(proc.pid)
        commands = " ".join(Path(f"/proc/{p}/cmdline").read_text() for p in processes if alive(p))
        assert "gunicorn" in commands and "qcluster" in commands
        # DEBUG is off: an unknown page is the plain 404, not the debug page
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=5)
        assert missing.value.code == 404
        assert "URLconf" not in missing.value.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=90)
        log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(p) for p in processes):
        time.sleep(0.5)
    assert not [p for p in processes if alive(p)], (tmp_path / "serve.log").read_text()
