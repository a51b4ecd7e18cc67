"""`DEMO_PORT` on a later `make demo`: the demo's carrier and marketplace sandboxes follow the web process."""

from __future__ import annotations

import pytest

from carriers.demo import demo_web_address, seed_carrier_accounts
from carriers.models import CarrierAccount
from core.crypto import credentials_decrypt
from fulfillment.demo import seed_channels
from marketplaces.demo import seed_channel_sync
from marketplaces.models import ChannelSync

pytestmark = pytest.mark.django_db


def test_a_new_demo_port_moves_the_sandbox_addresses_and_keeps_the_credentials(monkeypatch, sku):
    monkeypatch.setenv("DEMO_PORT", "8000")
    seed_channels()
    seed_channel_sync()
    seed_carrier_accounts(demo_web_address())
    credentials = {
        sync.channel_id: credentials_decrypt(sync.credentials_encrypted) for sync in ChannelSync.objects.all()
    }

    monkeypatch.setenv("DEMO_PORT", "8123")
    moved = seed_channel_sync()
    carriers = seed_carrier_accounts(demo_web_address())

    assert moved.moved == ["shopify", "amazon", "ebay", "woocommerce"] and moved.channels == []
    assert all(
        sync.base_url.startswith("http://127.0.0.1:8123/channels/sandbox/") for sync in ChannelSync.objects.all()
    )
    assert credentials == {
        sync.channel_id: credentials_decrypt(sync.credentials_encrypted) for sync in ChannelSync.objects.all()
    }
    assert carriers.moved and carriers.accounts == []
    assert all(
        account.base_url.startswith("http://127.0.0.1:8123/carriers/sandbox/")
        for account in CarrierAccount.objects.all()
    )
    assert seed_channel_sync().moved == [] and seed_carrier_accounts(demo_web_address()).moved == []
