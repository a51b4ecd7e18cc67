"""Channel pages: the list with order counts and keys, channel forms, API key issue and revoke, the admin."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import Channel, ChannelApiKey
from channels.services import api_key_authenticate, api_key_issue, channel_create
from core.roles import ADMINISTRATOR, STORE_ASSOCIATE
from orders.models import Order
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

INDEX = reverse("channels:index")


def text(response) -> str:
    return response.content.decode()


def make_orders(channel: Channel, count: int) -> None:
    now = timezone.now()
    Order.objects.bulk_create(
        Order(
            channel=channel,
            external_id=f"{channel.code}-{n}",
            placed_at=now - timedelta(hours=n),
            customer_name="Pat Doe",
            ship_postal_code="10001",
        )
        for n in range(count)
    )


@pytest.fixture
def web(db):
    return channel_create(code="web", name="Own web shop", kind="web")


@pytest.fixture
def associate_client(client, store):
    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[store]))
    return client


@pytest.fixture
def admin_client_(client, db):
    client.force_login(user_with_role(ADMINISTRATOR, username="root", is_staff=True, is_superuser=True))
    return client


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_channels_order_counts_and_keys(back_office_client, web):
    amazon = channel_create(code="amazon", name="Amazon US", kind="amazon", is_active=False)
    make_orders(web, 3)
    make_orders(amazon, 1)
    issued = api_key_issue(channel=web, name="Storefront checkout", actor=None)
    response = back_office_client.get(INDEX)
    assert response.status_code == 200
    body = text(response)
    web_card = body.split('data-channel="web"')[1].split("</section>")[0]
    assert "Own web shop" in web_card and "Web shop / custom (REST)" in web_card and "Enabled" in web_card
    assert '<dd data-figure="orders">3</dd>' in web_card
    assert f"fk_{issued.api_key.prefix}_…" in web_card and "Storefront checkout" in web_card and "Never" in web_card
    amazon_card = body.split('data-channel="amazon"')[1].split("</section>")[0]
    assert "Disabled" in amazon_card and '<dd data-figure="orders">1</dd>' in amazon_card
    assert "No API keys" in amazon_card
    assert issued.secret not in body and issued.api_key.key_hash not in body
    assert '<a href="/channels/" aria-current="page">Channels</a>' in body


def test_the_list_uses_a_constant_number_of_queries(back_office_client, web, django_assert_num_queries):
    with django_assert_num_queries(6) as first:
        back_office_client.get(INDEX)
    for n in range(4):
        channel = channel_create(code=f"shop-{n}", name=f"Shop {n}", kind="shopify")
        make_orders(channel, n + 1)
        api_key_issue(channel=channel, name="Sync", actor=None)
        api_key_issue(channel=channel, name="Backup", actor=None)
    with django_assert_num_queries(len(first.captured_queries)):
        body = text(back_office_client.get(INDEX))
    assert body.count("data-channel=") == 5


def test_back_office_manages_keys_but_does_not_create_channels(back_office_client, web):
    body = text(back_office_client.get(INDEX))
    assert "New API key" in body and "New channel" not in body and "Edit<span" not in body
    assert back_office_client.get(reverse("channels:channel_create")).status_code == 403
    response = back_office_client.post(reverse("channels:channel_edit", args=["web"]), {"name": "Hacked"})
    assert response.status_code == 403
    assert Channel.objects.get(code="web").name == "Own web shop"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", INDEX),
        ("get", reverse("channels:channel_create")),
        ("post", reverse("channels:channel_create")),
        ("get", reverse("channels:channel_edit", args=["web"])),
        ("get", reverse("channels:api_key_create", args=["web"])),
        ("post", reverse("channels:api_key_create", args=["web"])),
        ("post", reverse("channels:api_key_revoke", args=["web", "abcd1234"])),
    ],
)
def test_store_associates_get_403_and_change_nothing(associate_client, web, method, url):
    response = getattr(associate_client, method)(url, {"name": "sneaky", "code": "x", "kind": "web", "currency": "USD"})
    assert response.status_code == 403
    assert ChannelApiKey.objects.count() == 0 and Channel.objects.count() == 1


def test_the_nav_hides_channels_from_store_associates(associate_client):
    assert 'href="/channels/"' not in text(associate_client.get("/"))


# --- API keys --------------------------------------------------------------------------------


def test_issue_a_key_shows_the_secret_once_and_its_hash_authenticates(back_office_client, back_office_user, web):
    url = reverse("channels:api_key_create", args=["web"])
    assert back_office_client.get(url).status_code == 200
    response = back_office_client.post(url, {"name": "Storefront checkout"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = text(response)
    secret = re.search(r'id="api-key-secret"[^>]*value="(fk_[^"]+)"', body)
    assert secret, body
    raw = secret.group(1)
    assert "shown only this once" in body and 'id="copy-key"' in body
    key = ChannelApiKey.objects.get()
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in key.key_hash
    assert key.name == "Storefront checkout" and key.created_by == back_office_user
    found = api_key_authenticate(raw)
    assert found is not None and found.pk == key.pk and found.channel.code == "web"
    # The secret is never shown again: not in the list, not anywhere.
    listing = text(back_office_client.get(INDEX))
    assert raw not in listing and key.prefix in listing


def test_a_key_needs_a_name(back_office_client, web):
    response = back_office_client.post(reverse("channels:api_key_create", args=["web"]), {"name": "  "})
    assert response.status_code == 422 and "This field is required." in text(response)
    assert ChannelApiKey.objects.count() == 0


def test_revoke_asks_first_then_the_key_stops_working(back_office_client, web):
    issued = api_key_issue(channel=web, name="Old ERP", actor=None)
    url = reverse("channels:api_key_revoke", args=["web", issued.api_key.prefix])
    confirm = back_office_client.get(url)
    assert confirm.status_code == 200 and "Revoke key" in text(confirm)
    assert api_key_authenticate(issued.secret) is not None  # asking changes nothing
    response = back_office_client.post(url)
    assert response.status_code == 302 and response["Location"] == INDEX
    assert api_key_authenticate(issued.secret) is None
    listing = text(back_office_client.get(INDEX))
    assert "revoked: it no longer works" in listing and "Revoked" in listing
    again = back_office_client.post(url, follow=True)
    assert "This key is already revoked." in text(again)


def test_a_key_of_another_channel_is_a_404(back_office_client, web):
    other = channel_create(code="shopify", name="Shopify", kind="shopify")
    issued = api_key_issue(channel=other, name="Sync", actor=None)
    url = reverse("channels:api_key_revoke", args=["web", issued.api_key.prefix])
    assert back_office_client.post(url).status_code == 404
    assert api_key_authenticate(issued.secret) is not None


# --- Channel forms ---------------------------------------------------------------------------


def test_create_and_edit_a_channel(admin_client_):
    response = admin_client_.post(
        reverse("channels:channel_create"),
        {"code": "eBay-US", "name": "eBay US", "kind": "ebay", "currency": "usd", "is_active": "on"},
    )
    assert response.status_code == 302
    channel = Channel.objects.get(code="ebay-us")
    assert (channel.kind, channel.currency, channel.is_active) == ("ebay", "USD", True)
    response = admin_client_.post(
        reverse("channels:channel_edit", args=["ebay-us"]),
        {"code": "changed", "name": "eBay United States", "kind": "ebay", "currency": "USD"},
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.code, channel.name, channel.is_active) == ("ebay-us", "eBay United States", False)


def test_a_disabled_channels_keys_stop_working(admin_client_, web):
    issued = api_key_issue(channel=web, name="Checkout", actor=None)
    admin_client_.post(
        reverse("channels:channel_edit", args=["web"]), {"name": "Own web shop", "kind": "web", "currency": "USD"}
    )
    assert api_key_authenticate(issued.secret) is None


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"code": "web", "name": "Again", "kind": "web", "currency": "USD"}, "Channel with this Code already exists."),
        ({"code": "new one", "name": "X", "kind": "web", "currency": "USD"}, "Enter a valid “slug”"),
        ({"code": "x", "name": "X", "kind": "fax", "currency": "USD"}, "Select a valid choice."),
        ({"code": "x", "name": "X", "kind": "web", "currency": "U$D"}, "three-letter currency code"),
    ],
)
def test_bad_channel_input_is_a_form_error(admin_client_, web, data, error):
    response = admin_client_.post(reverse("channels:channel_create"), data)
    assert response.status_code == 422 and error in text(response)
    assert Channel.objects.count() == 1


# --- Admin -----------------------------------------------------------------------------------


def test_the_key_admin_is_read_only_and_never_shows_the_hash(admin_client_, web):
    issued = api_key_issue(channel=web, name="Checkout", actor=None)
    change = admin_client_.get(reverse("admin:channels_channelapikey_change", args=[issued.api_key.pk]))
    assert change.status_code == 200
    body = text(change)
    assert issued.api_key.prefix in body
    assert issued.api_key.key_hash not in body and "key_hash" not in body and issued.secret not in body
    assert admin_client_.get(reverse("admin:channels_channelapikey_add")).status_code == 403
    channel_page = text(admin_client_.get(reverse("admin:channels_channel_change", args=[web.pk])))
    assert issued.api_key.key_hash not in channel_page and issued.api_key.prefix in channel_page


@pytest.mark.parametrize(
    "name",
    ["carrier", "carrierservice", "zoneband", "costsettings", "routingpolicy", "shipment", "routingdecision"],
)
def test_fulfillment_models_are_in_the_admin(admin_client_, name):
    assert admin_client_.get(reverse(f"admin:fulfillment_{name}_changelist")).status_code == 200
