"""The OpenAPI schema, checked against the running API by schemathesis (in process, WSGI).

Every operation gets generated requests as the admin user: no 5xx, documented status codes
and content types, and response bodies that match the schema.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from planning_hub.services import api_token_create

from .conftest import make_user

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Calling the WSGI app directly fires request_started/finished, whose
    close_old_connections would close the test transaction's connection (Django's test
    client disconnects it the same way)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(api_data):
    _, key = api_token_create(user=make_user("admin"))
    return {"Authorization": f"Bearer {key}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_api_matches_its_schema(case, admin_headers):
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
