"""A bounded schema fuzz of the REST API: every operation in /api/schema/, a few generated
requests each, as staff (a DRF token), as a channel (its API key) and, on the supplier
endpoints, as a partner (its API key).

Whatever the input, the API answers with a status the schema declares and a JSON body that
matches it, refuses what the schema forbids with a 4xx, and never answers a 5xx. The run is
deterministic (fixed seed, derandomized) and small, so it belongs in `make test`; the Django
app is called in-process through its WSGI handler.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import SKUFactory, stocked
from tests.factories.orders import ChannelFactory, channel_key
from tests.factories.partners import dropship_supplier, partner_key

pytestmark = pytest.mark.django_db

# Never a 5xx; the status, content type and body the schema declares; and a request the schema
# forbids (a wrong type, a missing field) refused with a 4xx, never accepted.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Generated requests only: the coverage phase (every boundary of every field, valid and not) is
# hundreds of requests per operation, minutes on the CI machine. API_FUZZ_DEEP=1 runs it, with
# more examples, for a search by hand (`API_FUZZ_DEEP=1 make fuzz`).
DEEP = os.environ.get("API_FUZZ_DEEP") == "1"
FUZZ_CONFIG = SchemathesisConfig.from_dict({"seed": 20261202, "phases": {"coverage": {"enabled": DEEP}}})
FUZZ = settings(
    max_examples=50 if DEEP else 5,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def staff_auth(admin_user: Any) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=admin_user)
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture
def channel_auth(db: Any) -> dict[str, str]:
    channel: Any = ChannelFactory(code="fuzz-web", name="Fuzz shop")
    return {"Authorization": f"Token {channel_key(channel)}"}


@pytest.fixture
def partner_auth(db: Any) -> dict[str, str]:
    partner, _location = dropship_supplier("fuzz-supplier")
    return {"Authorization": f"Token {partner_key(partner)}"}


@pytest.fixture
def api_schema(warehouse: Any, staff_auth: dict[str, str]) -> Iterator[Any]:
    """The live schema, served by the app under test (what clients download; staff only)."""
    # Something to find: a stocked SKU at a location, so reads of real codes return bodies too.
    sku: Any = SKUFactory(code="FUZZ-1")
    stocked(warehouse, sku, 5)
    # As Django's test client does: the test's transaction must survive each request's start and end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/schema/", get_wsgi_application(), headers=staff_auth, config=FUZZ_CONFIG
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@FUZZ
def test_api_as_staff(case: Any, staff_auth: dict[str, str]) -> None:
    case.call_and_validate(headers=staff_auth, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_as_channel(case: Any, channel_auth: dict[str, str]) -> None:
    case.call_and_validate(headers=channel_auth, checks=CHECKS)


@schema.include(path_regex=r"^/api/v1/partner/").parametrize()
@FUZZ
def test_supplier_api_as_partner(case: Any, partner_auth: dict[str, str]) -> None:
    case.call_and_validate(headers=partner_auth, checks=CHECKS)


@pytest.mark.parametrize("principal", ["staff_auth", "partner_auth"])
def test_every_path_describes_itself_to_options(
    principal: str, api_schema: Any, request: pytest.FixtureRequest
) -> None:
    """OPTIONS (DRF's description of a view) answers JSON, never a 500, for whoever may use the view."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=request.getfixturevalue(principal)["Authorization"])
    paths = {result.ok().full_path for result in api_schema.get_all_operations()}
    assert len(paths) > 10
    for path in sorted(paths):
        url = path.replace("{code}", "FUZZ-1").replace("{id}", "1").replace("{invoice_id}", "1")
        response = client.options(url)
        assert response.status_code < 500, (url, response.content)
        assert response["Content-Type"].startswith("application/json"), url
