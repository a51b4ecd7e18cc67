"""Shared fixtures.

Tests that need PostgreSQL (row locks, triggers, many connections) are marked
`@pytest.mark.postgres`. On SQLite they are skipped with a reason, unless CI=true, where a
skip would hide a broken invariant: then they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from core.roles import ADMINISTRATOR, BACK_OFFICE, STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from fulfillment.selectors.cost_model import cost_model_forget
from inventory.models import LocationKind
from tests.browser.support import chromium_browser
from tests.factories import LocationFactory, SKUFactory, user_with_role

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IN_CI and not os.environ.get("REDIS_URL"):
        raise pytest.UsageError("CI=true: the suite must run against Redis (set REDIS_URL=redis://...).")
    if connection.vendor == "postgresql":
        return
    if IN_CI:
        raise pytest.UsageError("CI=true: the suite must run on PostgreSQL (set DATABASE_URL=postgres://...).")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); SQLite cannot run it"))


@pytest.fixture(autouse=True)
def _fresh_cost_model():
    """Each test routes with the rates and rules it wrote: the in-process cost model cache starts and ends empty."""
    cost_model_forget()
    yield
    cost_model_forget()


@pytest.fixture
def warehouse(db):
    return LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)


@pytest.fixture
def store(db):
    return LocationFactory(
        code="nyc-store",
        name="New York Store",
        kind=LocationKind.STORE,
        postal_code="10001",
        latitude="40.750600",
        longitude="-73.997200",
        timezone="America/New_York",
        offers_pickup=True,
    )


@pytest.fixture
def other_store(db):
    return LocationFactory(
        code="chi-store",
        name="Chicago Store",
        kind=LocationKind.STORE,
        postal_code="60601",
        latitude="41.886000",
        longitude="-87.618000",
        timezone="America/Chicago",
        offers_pickup=True,
    )


@pytest.fixture
def sku(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M")


@pytest.fixture
def admin_user(db):
    return user_with_role(ADMINISTRATOR, username="admin-user", is_staff=True, is_superuser=True)


@pytest.fixture
def back_office_user(db):
    return user_with_role(BACK_OFFICE, username="backoffice")


@pytest.fixture
def operator_user(db, warehouse):
    return user_with_role(WAREHOUSE_OPERATOR, username="operator", locations=[warehouse])


@pytest.fixture
def associate_user(db, store):
    return user_with_role(STORE_ASSOCIATE, username="associate", locations=[store])


@pytest.fixture
def back_office_client(client, back_office_user):
    client.force_login(back_office_user)
    return client


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless Chromium for browser tests (see `tests.browser.support`)."""
    yield from chromium_browser(monkeypatch)
