"""Amazon bulk stock by JSON_LISTINGS_FEED, against the SP-API sandbox's Feeds 2021-06-30."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import httpx
import pytest

from inventory.services import stock_receive
from marketplaces import ratelimit
from marketplaces.connectors import connector_for
from marketplaces.models import PushState, StockOutbox
from marketplaces.sandbox import SandboxTransport
from marketplaces.services.setup import listing_create
from tests.factories import SKUFactory
from tests.marketplaces.conftest import push


@pytest.fixture(autouse=True)
def _feeds(settings):
    settings.CHANNELS_AMAZON_FEED_THRESHOLD = 3


def sp_api(sandbox: Any) -> httpx.Client:
    client = httpx.Client(base_url=f"sandbox://{sandbox.name}", transport=SandboxTransport())
    token = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": sandbox.refresh_token,
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
    ).json()["access_token"]
    client.headers["x-amz-access-token"] = token
    return client


def test_the_sandbox_processes_a_feed_after_its_delay_and_reports_each_message(make_channel, skus):
    _channel, sandbox = make_channel("amazon", stock=1)
    sandbox.feed_processing_delay = 0.6
    api = sp_api(sandbox)
    document = api.post("/feeds/2021-06-30/documents", json={"contentType": "application/json; charset=UTF-8"})
    assert document.status_code == 201 and document.headers["x-amzn-RateLimit-Limit"] == "0.5"
    upload = document.json()["url"]
    assert api.put(upload, content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 403  # signed type
    feed = {
        "header": {"sellerId": sandbox.seller_id, "version": "2.0"},
        "messages": [
            {
                "messageId": n,
                "sku": code,
                "operationType": "PATCH",
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 40 + n}],
                    }
                ],
            }
            for n, code in enumerate([skus[0].code, "NOT-LISTED"], start=1)
        ],
    }
    uploaded = httpx.Client(transport=SandboxTransport()).put(  # no SP-API token: the URL is signed
        upload, content=json.dumps(feed).encode(), headers={"Content-Type": "application/json; charset=UTF-8"}
    )
    assert uploaded.status_code == 200
    created = api.post(
        "/feeds/2021-06-30/feeds",
        json={
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [sandbox.marketplace_id],
            "inputFeedDocumentId": document.json()["feedDocumentId"],
        },
    )
    assert created.status_code == 202 and created.headers["x-amzn-RateLimit-Limit"] == "0.0083"
    feed_id = created.json()["feedId"]

    status = api.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert status["processingStatus"] == "IN_QUEUE" and "resultFeedDocumentId" not in status
    assert sandbox.quantity_of(skus[0].code) == 1  # not shown before Amazon processes the feed
    time.sleep(0.7)
    status = api.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert status["processingStatus"] == "DONE"
    assert sandbox.quantity_of(skus[0].code) == 41

    meta = api.get(f"/feeds/2021-06-30/documents/{status['resultFeedDocumentId']}").json()
    assert meta["compressionAlgorithm"] == "GZIP"
    report = json.loads(gzip.decompress(httpx.Client(transport=SandboxTransport()).get(meta["url"]).content))
    assert report["summary"] == {
        "errors": 1,
        "warnings": 0,
        "messagesProcessed": 2,
        "messagesAccepted": 1,
        "messagesInvalid": 1,
    }
    assert report["issues"][0]["messageId"] == 2 and "NOT-LISTED" in report["issues"][0]["message"]


def test_many_pending_skus_go_in_one_feed_and_become_visible(make_channel, dc, skus):
    channel, sandbox = make_channel("amazon")
    sandbox.feed_processing_delay = 0.3
    for n, sku in enumerate(skus):
        stock_receive(location=dc, sku=sku, quantity=20 + n, actor=None)

    report = push(channel)

    assert report.feeds == 1 and report.pushed == len(skus)
    assert sandbox.count_calls("patchListingsItem") == 0
    ops = [c.op for c in sandbox.calls if c.op != "lwa"]
    assert ops[:3] == ["createFeedDocument", "s3Upload", "createFeed"]
    assert ops[-2:] == ["getFeedDocument", "s3Download"]
    assert 1 <= ops.count("getFeed") <= 4  # polled from the expected processing time, not hammered
    assert [sandbox.quantity_of(sku.code) for sku in skus] == [20, 21, 22, 23, 24]
    assert set(StockOutbox.objects.filter(channel=channel).values_list("state", flat=True)) == {PushState.APPLIED}


def test_failed_messages_of_a_feed_are_retried_alone(make_channel, dc, skus):
    channel, sandbox = make_channel("amazon")
    sandbox.feed_processing_delay = 0.2
    ghost: Any = SKUFactory(code="AB-12")
    listing_create(channel=channel, sku=ghost)  # listed here, unknown to Amazon
    sandbox.item_failures[skus[1].code] = 1  # Amazon fails this message once
    for sku in [*skus, ghost]:
        stock_receive(location=dc, sku=sku, quantity=9, actor=None)

    report = push(channel)

    assert report.feeds == 1 and report.pushed == 4 and report.retrying == 1 and report.failed == 1
    states = dict(StockOutbox.objects.filter(channel=channel).values_list("sku__code", "state"))
    assert states[skus[1].code] == PushState.PENDING and states["AB-12"] == PushState.FAILED
    assert "does not match any listing" in StockOutbox.objects.get(channel=channel, sku=ghost).last_error
    assert sandbox.quantity_of(skus[1].code) == 0

    StockOutbox.objects.filter(channel=channel, state=PushState.PENDING).update(next_attempt_at="2000-01-01T00:00Z")
    patches_before = sandbox.count_calls("patchListingsItem")
    report = push(channel)

    assert report.pushed == 1 and report.feeds == 0  # one SKU: below the threshold, one patch
    assert sandbox.count_calls("patchListingsItem") - patches_before == 1
    assert [sandbox.quantity_of(sku.code) for sku in skus] == [9] * 5


def test_without_feed_quota_left_the_sync_falls_back_to_patches(make_channel, dc, skus):
    channel, sandbox = make_channel("amazon")
    connector = connector_for(channel)
    ratelimit.bucket_block(f"{connector.bucket_key}:createFeed", seconds=120)  # the 15 feeds of the burst are used
    connector.close()
    for sku in skus:
        stock_receive(location=dc, sku=sku, quantity=6, actor=None)

    report = push(channel)

    assert report.feeds == 0 and report.pushed == 5
    assert sandbox.count_calls("createFeed") == 0 and sandbox.count_calls("patchListingsItem") == 5
    assert [sandbox.quantity_of(sku.code) for sku in skus] == [6] * 5
