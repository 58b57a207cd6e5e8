"""The whole API fuzzed against its own OpenAPI schema (schemathesis), as a committee admin and
as a secretary: no server error, and every answer is one the schema documents (status code,
content type, body). Bounded and derandomized: the same examples on every run."""

import json
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis import checks

pytestmark = pytest.mark.django_db

# Examples per operation and persona. Enough to reach each parameter's edge values (derandomized
# Hypothesis tries the boundaries first), small enough for the suite on two cores.
# API_FUZZ_EXAMPLES=500 for a deeper run by hand.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))


def _schema() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_schema())
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    deterministic=True,
)
schema.app = WSGIHandler()


@pytest.fixture
def in_process_requests():
    """Requests run in the test's own transaction: like Django's test client, keep the
    request signals from closing the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["admin", "secretary_a"])
def token_header(request, world, in_process_requests):
    _token, key = AuthToken.objects.create(user=world.users[request.param])
    return {"Authorization": f"Token {key}"}


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_its_schema_says(case, token_header):
    case.call_and_validate(headers=token_header, checks=CHECKS)
