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
