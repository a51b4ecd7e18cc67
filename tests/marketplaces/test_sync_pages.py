"""The channel sync pages: health at a glance, channel page, forms, re-sync with progress, SKU page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.crypto import credentials_decrypt
from inventory.services import stock_receive
from marketplaces.models import ChannelSync, PushState, StockOutbox
from marketplaces.services.log import sync_log
from tests.factories import SKUFactory
from tests.marketplaces.conftest import push


@pytest.fixture
def manager_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_channel_list_shows_health_in_constant_queries(
    manager_client, make_channel, dc, skus, django_assert_max_num_queries
):
    channel, sandbox = make_channel("ebay")
    stock_receive(location=dc, sku=skus[0], quantity=4, actor=None)
    sandbox.revoked = True
    push(channel)
    with django_assert_max_num_queries(12) as first:
        response = manager_client.get(reverse("channels:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Credentials expired" in page and f'data-health="{channel.code}"' in page
    for kind in ("shopify", "woocommerce", "amazon"):
        make_channel(kind)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert manager_client.get(reverse("channels:index")).status_code == 200


def test_channel_page_lists_listings_log_and_webhooks(
    manager_client, make_channel, dc, skus, django_assert_max_num_queries
):
    channel, _ = make_channel("shopify")
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=6, actor=None)
    push(channel)
    sync_log(
        channel_id=channel.pk,
        kind="push",
        level="error",
        message="Pushed 0 SKU(s), 1 failed: AB-09: NOT_FOUND",
        action="Check the listing ids of the failed SKUs on the channel page, then re-sync them.",
    )
    url = reverse("channels:detail", args=[channel.code])
    with django_assert_max_num_queries(30) as first:
        response = manager_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-figure="available">6<') == 5
    assert "What to do:" in page and "Webhook deliveries" in page
    more: list[Any] = [SKUFactory(code=f"ZZ-{n}") for n in range(10)]
    from tests.factories.channels import sandbox_list

    _, sandbox = channel, None
    from marketplaces.sandbox import sandbox_for

    sandbox = sandbox_for(channel.sync.base_url.removeprefix("sandbox://"))
    for sku in more:
        sandbox_list(channel, sandbox, sku)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert manager_client.get(url).status_code == 200


def test_resync_all_queues_every_sku_and_shows_progress(manager_client, make_channel, dc, skus):
    channel, _sandbox = make_channel("woocommerce")
    push(channel)
    response = manager_client.post(reverse("channels:resync", args=[channel.code]), follow=True)
    assert "Re-sync of 5 SKU(s)" in response.content.decode()
    assert StockOutbox.objects.filter(channel=channel, state=PushState.PENDING, force=True).count() == 5
    progress = manager_client.get(reverse("channels:resync_progress", args=[channel.code]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in progress.content.decode() and "0 of 5 pushed" in progress.content.decode()
    push(channel)
    progress = manager_client.get(reverse("channels:resync_progress", args=[channel.code]), HTTP_HX_REQUEST="true")
    assert "5 of 5 pushed" in progress.content.decode() and "every 2s" not in progress.content.decode()


def test_credentials_are_encrypted_and_never_shown_back(manager_client, make_channel):
    channel, sandbox = make_channel("shopify")
    sync = ChannelSync.objects.get(channel=channel)
    assert sandbox.access_token not in sync.credentials_encrypted
    url = reverse("channels:connection", args=[channel.code])
    page = manager_client.get(url).content.decode()
    assert sandbox.access_token not in page and "Stored: ••••" in page
    response = manager_client.post(
        url,
        {
            "base_url": sync.base_url,
            "sync_stock": "on",
            "access_token": "",
            "webhook_secret": "",
            "location_id": sandbox.location_id,
        },
    )
    assert response.status_code == 302
    sync.refresh_from_db()
    assert credentials_decrypt(sync.credentials_encrypted)["access_token"] == sandbox.access_token  # blank kept it


def test_bad_policy_input_is_refused_and_nothing_changes(manager_client, make_channel):
    channel, _ = make_channel("ebay")
    response = manager_client.post(
        reverse("channels:policy", args=[channel.code]), {"buffer": "-3", "percentage": "140"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "greater than or equal to 0" in page and "less than or equal to 100" in page
    sync = ChannelSync.objects.get(channel=channel)
    assert (sync.buffer, sync.percentage) == (0, 100)


def test_listing_a_sku_through_the_page(manager_client, make_channel, dc):
    channel, sandbox = make_channel("amazon", skus=[])
    sku: Any = SKUFactory(code="NEW-1")
    sandbox.add_product("NEW-1", 0)
    stock_receive(location=dc, sku=sku, quantity=9, actor=None)
    response = manager_client.post(
        reverse("channels:listing_create", args=[channel.code]), {"sku": "NEW-1"}, follow=True
    )
    assert "NEW-1 listed on Amazon US" in response.content.decode()
    push(channel)
    assert sandbox.quantity_of("NEW-1") == 9
    missing = manager_client.post(reverse("channels:listing_create", args=[channel.code]), {"sku": "NOPE"})
    assert missing.status_code == 422 and "There is no SKU" in missing.content.decode()


def test_sku_page_shows_what_each_channel_may_sell(manager_client, make_channel, dc, skus):
    ebay, _ = make_channel("ebay")
    shopify, _ = make_channel("shopify")
    from marketplaces.services.setup import channel_policy_update

    channel_policy_update(channel=shopify, feeding_locations=[dc], buffer=2, percentage=50, maximum=None)
    stock_receive(location=dc, sku=skus[0], quantity=30, actor=None)  # above the last-unit split
    page = manager_client.get(reverse("inventory:sku_detail", args=[skus[0].code])).content.decode()
    assert reverse("channels:sku_availability", args=[skus[0].code]) in page
    partial = manager_client.get(
        reverse("channels:sku_availability", args=[skus[0].code]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'data-channel="{ebay.code}"' in partial and f'data-channel="{shopify.code}"' in partial
    assert partial.count('data-figure="available">30<') == 1 and partial.count('data-figure="available">14<') == 1


def test_staff_without_the_permission_cannot_change_sync(client, operator_user, make_channel):
    channel, _ = make_channel("ebay")
    client.force_login(operator_user)
    assert client.post(reverse("channels:resync", args=[channel.code])).status_code == 403
    assert client.get(reverse("channels:policy", args=[channel.code])).status_code == 403


def test_the_sandbox_is_served_over_http_for_the_demo(client, db, skus):
    from fulfillment.demo import seed_channels
    from marketplaces.demo import seed_channel_sync
    from marketplaces.models import Listing

    seed_channels()
    result = seed_channel_sync()
    assert result.channels == ["shopify", "amazon", "ebay", "woocommerce"] and result.listings == 4 * len(skus)
    assert Listing.objects.filter(channel__code="amazon").count() == len(skus)
    url = "/channels/sandbox/shopify/admin/api/2026-04/graphql.json"
    refused = client.post(
        url, data='{"query": "{ orders(first: 1) { nodes { id } } }"}', content_type="application/json"
    )
    assert refused.status_code == 401 and "Invalid API key or access token" in refused.content.decode()
    from marketplaces.sandbox import sandbox_for

    token = sandbox_for("shopify").access_token  # type: ignore[attr-defined]
    answer = client.post(
        url,
        data='{"query": "{ orders(first: 1) { nodes { id } } }", "variables": {"first": 1}}',
        content_type="application/json",
        HTTP_X_SHOPIFY_ACCESS_TOKEN=token,
    )
    assert answer.status_code == 200 and "throttleStatus" in answer.content.decode()
