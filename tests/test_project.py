"""Project wiring: settings from the environment, /metrics, SQLite pragmas."""

import pytest
from django.conf import settings
from django.db import connection


def test_metrics_endpoint_answers(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests" in response.content


def test_time_zone_and_languages():
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert [code for code, _ in settings.LANGUAGES] == ["en", "ja"]


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000


def test_django_q_uses_the_orm_broker_by_default():
    assert settings.Q_CLUSTER.get("orm") == "default"
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]


def test_static_files_are_served_without_a_web_server(client):
    """make demo runs with DEBUG off: WhiteNoise serves admin and API-docs assets."""
    for path in (
        "/static/admin/css/base.css",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content)


@pytest.mark.django_db
def test_a_counter_incremented_in_another_process_shows_in_metrics(client):
    """Multiprocess mode: a worker's increment (here: a separate python process, as a
    django-q2 worker is) appears in the web process's /metrics."""
    import os
    import subprocess
    import sys

    def value() -> float:
        for line in client.get("/metrics").content.decode().splitlines():
            if line.startswith('jobs_completed_total{type="multiprocess_test"}'):
                return float(line.split()[-1])
        return 0.0

    before = value()
    code = (
        "import django; django.setup(); from planning_hub import metrics; "
        "metrics.jobs_completed_total.labels(type='multiprocess_test').inc(3)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "planning_hub.settings"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=settings.BASE_DIR)
    assert value() == before + 3


def test_metrics_can_be_restricted(client, settings):
    settings.METRICS_BEARER_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200
    settings.METRICS_BEARER_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403


def test_json_logs_carry_the_event_name_context_and_request_id():
    import io
    import json
    import logging

    from planning_hub.logging import RequestIdFilter, request_id_var

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        __import__("pythonjsonlogger.json", fromlist=["JsonFormatter"]).JsonFormatter(
            "%(levelname)s %(name)s %(request_id)s %(message)s"
        )
    )
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("test.structured")
    logger.addHandler(handler)
    token = request_id_var.set("req-42")
    try:
        logger.warning("legacy_mode_detected", extra={"entrypoint": "cli"})
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)
    record = json.loads(stream.getvalue())
    assert record["message"] == "legacy_mode_detected"
    assert (record["entrypoint"], record["request_id"]) == ("cli", "req-42")


def test_request_id_is_returned_and_kept_from_the_client(client):
    assert len(client.get("/metrics")["X-Request-ID"]) == 32
    assert client.get("/metrics", HTTP_X_REQUEST_ID="abc-1")["X-Request-ID"] == "abc-1"
