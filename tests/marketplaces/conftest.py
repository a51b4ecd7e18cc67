"""Channel tests run against fresh in-process sandboxes; nothing leaves the process."""

from __future__ import annotations

import pytest

from marketplaces.services.stock_sync import channel_push
from tests.factories import LocationFactory, SKUFactory
from tests.factories.channels import sandbox_channel


@pytest.fixture(autouse=True)
def _channel_settings(settings):
    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_RATE_LIMIT_REDIS_URL = ""  # an in-process bucket per test run (ids differ per channel anyway)


@pytest.fixture
def dc(db):
    return LocationFactory(
        code="dc-east", name="East DC", postal_code="10001", latitude="40.750600", longitude="-73.997200"
    )


@pytest.fixture
def skus(db):
    return [SKUFactory(code=f"AB-{n:02d}", name=f"Item {n}") for n in range(1, 6)]


@pytest.fixture
def make_channel(db, skus):
    def make(kind: str, **kwargs):
        kwargs.setdefault("skus", skus)
        return sandbox_channel(kind, **kwargs)

    return make


def push(channel):
    return channel_push(channel_id=channel.pk, max_wait=30)
