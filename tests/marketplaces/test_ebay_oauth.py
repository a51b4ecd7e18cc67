"""eBay connections renew their two-hour User tokens with the seller's refresh token, keep the new
token for the next run, and say plainly when the seller has to authorise the app again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.urls import reverse

from core.crypto import credentials_decrypt, credentials_encrypt
from inventory.services import stock_adjust
from marketplaces.connectors import AuthExpired, connector_for
from marketplaces.connectors.ebay_oauth import REFRESH_AHEAD_SECONDS, invalid_token
from marketplaces.models import ChannelSync, CredentialStatus, StockOutbox
from marketplaces.services.credentials import channel_token_store
from marketplaces.services.orders import orders_poll
from marketplaces.services.setup import channel_connection_update
from orders.models import Order
from tests.factories import stocked
from tests.factories.channels import sandbox_credentials
from tests.marketplaces.conftest import push


def stored(channel: Any) -> dict[str, str]:
    return credentials_decrypt(ChannelSync.objects.get(channel=channel).credentials_encrypted)


def refused_calls(sandbox: Any) -> int:
    return sum(1 for call in sandbox.calls if call.status == 401)


@pytest.fixture
def manager_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_first_call_mints_a_token_and_the_next_run_reuses_it(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    push(channel)
    token = stored(channel)["access_token"]
    assert sandbox.token_valid(f"Bearer {token}", "Bearer")
    assert float(stored(channel)["access_token_expires_at"]) > time.time() + 7000

    stock_adjust(location=dc, sku=skus[0], delta=3, reason_code="found", actor=None)
    push(channel)

    assert sandbox.quantity_of(skus[0].code) == 3
    assert sandbox.count_calls("identity") == 1  # one token for both runs
    assert stored(channel)["access_token"] == token


def test_stock_sync_keeps_working_across_token_expiry(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    push(channel)
    old = stored(channel)["access_token"]
    sandbox.expire_tokens()  # eBay's two hours pass between two runs

    stock_adjust(location=dc, sku=skus[0], delta=7, reason_code="found", actor=None)
    push(channel)

    assert sandbox.quantity_of(skus[0].code) == 7
    assert refused_calls(sandbox) == 1  # refused once, renewed, retried
    assert sandbox.count_calls("identity") == 2
    sync = ChannelSync.objects.get(channel=channel)
    assert sync.credential_status != CredentialStatus.EXPIRED
    assert stored(channel)["access_token"] != old


def test_order_polling_keeps_working_across_token_expiry(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    stocked(dc, skus[0], 10)
    sandbox.create_order([(skus[0].code, 1)], zip="10001")
    assert orders_poll(channel_id=channel.pk) == 1
    sandbox.expire_tokens()
    sandbox.create_order([(skus[0].code, 2)], zip="10001")

    assert orders_poll(channel_id=channel.pk) == 2

    assert Order.objects.filter(channel=channel).count() == 2
    assert refused_calls(sandbox) == 1


def test_a_token_about_to_expire_is_renewed_before_calling(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    push(channel)
    credentials = stored(channel)
    soon = time.time() + REFRESH_AHEAD_SECONDS / 2
    channel_token_store(channel_id=channel.pk, token={**credentials, "access_token_expires_at": f"{soon:.0f}"})

    stock_adjust(location=dc, sku=skus[1], delta=2, reason_code="found", actor=None)
    push(channel)

    assert sandbox.quantity_of(skus[1].code) == 2
    assert refused_calls(sandbox) == 0  # renewed ahead, never refused
    assert sandbox.count_calls("identity") == 2
    assert float(stored(channel)["access_token_expires_at"]) > time.time() + 7000


def test_cancellation_through_post_order_renews_its_token_too(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    order_id = sandbox.create_order([(skus[0].code, 1)], zip="10001")
    orders_poll(channel_id=channel.pk)  # a token is minted and stored
    connector = connector_for(channel)
    sandbox.expire_tokens()
    legacy = sandbox.state.orders[order_id]["legacyOrderId"]

    assert connector.cancel_order(legacy, reason="out of stock")

    assert sandbox.state.orders[order_id]["cancelStatus"]["cancelState"] == "CANCELED"
    assert refused_calls(sandbox) == 1


def test_a_token_refused_even_when_new_is_not_retried_in_a_loop(make_channel, skus):
    channel, sandbox = make_channel("ebay")
    sandbox.token_lifetime = 0.0  # every token eBay mints is already expired
    connector = connector_for(channel)

    with pytest.raises(AuthExpired) as refused:
        list(connector.list_orders(since=datetime.now(UTC) - timedelta(days=1)))

    assert "Invalid access token" in refused.value.message
    assert sandbox.count_calls("fulfillment") == 2  # the call, and one retry with the new token
    assert sandbox.count_calls("identity") == 2  # ahead of the call (none stored), then after the 401


def test_a_revoked_refresh_token_asks_for_reauthorisation_on_the_connection_page(
    make_channel, dc, skus, manager_client
):
    channel, sandbox = make_channel("ebay")
    push(channel)
    sandbox.refresh_token_revoked = True  # the seller removed the app, or 18 months passed
    sandbox.expire_tokens()

    stock_adjust(location=dc, sku=skus[0], delta=4, reason_code="found", actor=None)
    push(channel)

    sync = ChannelSync.objects.get(channel=channel)
    assert sync.credential_status == CredentialStatus.EXPIRED
    assert "invalid_grant" not in sync.credential_error  # eBay's words, not its code…
    assert "refresh token is invalid" in sync.credential_error
    assert "authorise the app on eBay again" in sync.credential_error  # …and what to do
    page = manager_client.get(reverse("channels:connection", args=[channel.code])).content.decode()
    assert "needs to be authorised again" in page and "authorise the app on eBay again" in page
    detail = manager_client.get(reverse("channels:detail", args=[channel.code])).content.decode()
    assert "authorise the app on eBay again" in detail

    # The seller consents again: the new refresh token resumes the sync with nothing lost.
    sandbox.refresh_token = "v^1.1#i^1#r^1#after-consent"
    sandbox.refresh_token_revoked = False
    channel_connection_update(channel=channel, base_url=sync.base_url, credentials=sandbox_credentials("ebay", sandbox))
    assert "access_token" not in stored(channel)  # minted from the old grant: dropped
    StockOutbox.objects.filter(channel=channel).update(next_attempt_at="2000-01-01T00:00:00Z")
    push(channel)
    assert sandbox.quantity_of(skus[0].code) == 4


def test_wrong_app_keys_say_which_keys_to_check(make_channel):
    channel, _sandbox = make_channel("ebay")
    sync = ChannelSync.objects.get(channel=channel)
    channel_connection_update(
        channel=channel, base_url=sync.base_url, credentials={"client_secret": "SBX-not-the-cert-id"}
    )

    orders_poll(channel_id=channel.pk)

    sync.refresh_from_db()
    assert sync.credential_status == CredentialStatus.EXPIRED
    assert "client ID (App ID)" in sync.credential_error and "client secret (Cert ID)" in sync.credential_error


def test_a_token_minted_for_an_old_refresh_token_is_not_stored(make_channel):
    channel, sandbox = make_channel("ebay")
    sync = ChannelSync.objects.get(channel=channel)
    channel_connection_update(channel=channel, base_url=sync.base_url, credentials={"refresh_token": "v^new"})

    kept = channel_token_store(
        channel_id=channel.pk,
        token={"access_token": "late", "access_token_expires_at": "9999999999", "refresh_token": sandbox.refresh_token},
    )

    assert kept is False
    assert "access_token" not in stored(channel)


def test_the_connection_form_asks_for_the_app_keys_and_refresh_token(make_channel, manager_client):
    channel, sandbox = make_channel("ebay")
    page = manager_client.get(reverse("channels:connection", args=[channel.code])).content.decode()
    for label in ("Client id", "Client secret", "Refresh token", "Scopes"):
        assert label in page
    assert sandbox.refresh_token not in page and sandbox.client_secret not in page
    assert "Optional: blank asks for the scopes the connector uses." in page  # blank scopes: what the connector calls


@pytest.mark.parametrize(
    ("response", "renews"),
    [
        (httpx.Response(401, json={"errors": [{"errorId": 1001, "message": "Invalid access token"}]}), True),
        (httpx.Response(401, json={"error": [{"errorId": 1001, "message": "Invalid access token"}]}), True),
        (httpx.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}), True),
        (httpx.Response(401, json={"errors": [{"errorId": 1100, "message": "Access denied"}]}), False),
        (httpx.Response(401, text="<html>Unauthorized</html>"), False),
        (httpx.Response(403, json={"errors": [{"errorId": 1001}]}), False),
    ],
)
def test_only_an_invalid_token_is_worth_a_new_token(response, renews):
    assert invalid_token(response) is renews


def test_a_renewed_token_is_not_an_audited_change_of_the_connection(make_channel):
    channel, _sandbox = make_channel("ebay")
    history = getattr(ChannelSync, "history").filter(channel_id=channel.pk)  # noqa: B009 (added by the audit app)
    before = history.count()

    orders_poll(channel_id=channel.pk)

    assert "access_token" in stored(channel)
    assert history.count() == before


def test_a_connection_with_only_an_old_access_token_asks_for_the_refresh_credentials(make_channel):
    channel, _sandbox = make_channel("ebay")
    ChannelSync.objects.filter(channel=channel).update(
        credentials_encrypted=credentials_encrypt({"access_token": "v^1.1#i^1#made-by-hand-long-ago"})
    )

    orders_poll(channel_id=channel.pk)

    sync = ChannelSync.objects.get(channel=channel)
    assert sync.credential_status == CredentialStatus.EXPIRED
    assert "refresh token on the connection form" in sync.credential_error
