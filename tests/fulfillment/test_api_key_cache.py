"""A channel key that authenticated is kept in the cache, so an order costs no key query; revoking
the key, deleting it, or disabling its channel refuses the very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from channels.models import ChannelApiKey
from channels.services import api_key_revoke
from channels.services.channels import channel_update

ORDERS = "/api/v1/orders"


def as_channel(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_known_key_is_not_read_again(web_key):
    client = as_channel(web_key)
    with CaptureQueriesContext(connection) as first:
        assert client.get(ORDERS).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(ORDERS).status_code == 200

    def key_queries(ctx: CaptureQueriesContext) -> list[str]:
        return [query["sql"] for query in ctx.captured_queries if "channels_channelapikey" in query["sql"]]

    assert len(key_queries(first)) == 2  # the key's row, and when it was last used
    assert key_queries(second) == []


def test_a_revoked_key_is_refused_at_once_although_it_was_cached(web, web_key):
    client = as_channel(web_key)
    assert client.get(ORDERS).status_code == 200

    api_key_revoke(api_key=ChannelApiKey.objects.get(channel=web))

    response = client.get(ORDERS)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_deleted_key_is_refused_at_once(web, web_key):
    client = as_channel(web_key)
    assert client.get(ORDERS).status_code == 200

    ChannelApiKey.objects.get(channel=web).delete()

    assert client.get(ORDERS).status_code == 401


def test_disabling_the_channel_refuses_its_cached_keys_and_enabling_it_lets_them_in(web, web_key):
    client = as_channel(web_key)
    assert client.get(ORDERS).status_code == 200

    channel_update(channel=web, name=web.name, kind=web.kind, currency=web.currency, is_active=False)
    assert client.get(ORDERS).status_code == 401

    channel_update(channel=web, name=web.name, kind=web.kind, currency=web.currency, is_active=True)
    assert client.get(ORDERS).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_revocation_committed_elsewhere_is_seen_by_the_next_request(web, web_key):
    """The cache is forgotten once the revocation commits too, so a request that read the key
    while the revocation was open cannot keep it alive."""
    client = as_channel(web_key)
    assert client.get(ORDERS).status_code == 200

    api_key_revoke(api_key=ChannelApiKey.objects.get(channel=web))

    assert client.get(ORDERS).status_code == 401
