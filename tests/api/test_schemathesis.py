"""Property-based API check: schemathesis drives every operation of the OpenAPI schema; no 5xx allowed.

Runs against the WSGI app in-process, as a signed-in member of a verified company (via a token),
with a bounded number of examples per operation so the whole run stays under two minutes.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from portal.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def token_header(db, world):
    from rest_framework.authtoken.models import Token

    return {"Authorization": f"Token {Token.objects.create(user=world.users['supplier']).key}"}


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@hypothesis_settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case, token_header):
    case.headers = {**(case.headers or {}), **token_header}
    # Calling the WSGI app directly fires request_started/finished, whose close_old_connections
    # would close the test's connection (and its transaction) on PostgreSQL; Django's own test
    # client disconnects it the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = case.call()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
