"""Schemathesis drives the API from its OpenAPI description (as served, with the valid slugs
listed from the database): no server error, no response that breaks the description."""
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from .helpers import openapi

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "80"))


def operations():
    for result in schemathesis.openapi.from_dict(openapi()).get_all_operations():
        yield result.ok()


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly would close the test's connection mid-transaction at the end
    of each request; Django's own test client detaches the same handlers."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
def test_every_operation_conforms_to_the_description(keep_test_connection):
    app = get_wsgi_application()
    checked = []
    for operation in operations():

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(app=app)
            case.validate_response(response)

        check()
        checked.append(operation.path)
    assert sorted(checked) == ["/api/applies/", "/api/compare/", "/api/measures/", "/api/measures/{id}/links/",
                               "/api/themes/"]
