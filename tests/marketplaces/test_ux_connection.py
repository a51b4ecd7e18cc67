"""The Amazon connection form names the Login with Amazon token address, says its default, and checks it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.crypto import credentials_decrypt
from marketplaces.models import ChannelSync

pytestmark = pytest.mark.django_db

FULL = {
    "base_url": "https://sellingpartnerapi-na.amazon.com",
    "sync_stock": "on",
    "seller_id": "A1SELLER",
    "marketplace_id": "ATVPDKIKX0DER",
    "refresh_token": "Atzr|refresh",
    "client_id": "amzn1.application-oa2-client.x",
    "client_secret": "secret",
}


@pytest.fixture
def amazon(make_channel, admin_user, client):
    channel, _ = make_channel("amazon", skus=[])
    client.force_login(admin_user)
    return channel


def test_the_token_address_is_optional_and_says_its_default(amazon, client):
    url = reverse("channels:connection", args=[amazon.code])
    page = client.get(url).content.decode()

    field = page.split('for="id_lwa_url"', 1)[1].split("</div>", 1)[0]
    assert "Login with Amazon token URL" in field and "Lwa url" not in page
    assert "https://api.amazon.com/auth/o2/token" in field and "Required" not in field

    saved = client.post(url, {**FULL, "lwa_url": ""})
    assert saved.status_code == 302
    stored = credentials_decrypt(ChannelSync.objects.get(channel=amazon).credentials_encrypted)
    assert not stored.get("lwa_url")


def test_a_token_address_that_is_not_a_url_is_refused_on_its_field(amazon, client):
    url = reverse("channels:connection", args=[amazon.code])
    before = ChannelSync.objects.get(channel=amazon).credentials_encrypted

    refused = client.post(url, {**FULL, "lwa_url": "api.amazon.com/auth"})

    assert refused.status_code == 422
    error = refused.content.decode().split('id="id_lwa_url_error"', 1)[1].split("</ul>", 1)[0]
    assert "starting with https://" in error
    assert ChannelSync.objects.get(channel=amazon).credentials_encrypted == before
