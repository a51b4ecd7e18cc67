"""Outgoing HTTP clients share one verifying TLS context instead of loading the CA bundle each time."""

from __future__ import annotations

import ssl

import httpx

from carriers.connectors import http_client as carrier_http_client
from core.http import http_client, tls_context
from marketplaces.connectors.woocommerce import WooCommerceConnector
from partners.threepl.connector import http_client as threepl_http_client


def _context(client: httpx.Client) -> ssl.SSLContext:
    return client._transport._pool._ssl_context  # type: ignore[attr-defined]


def test_every_kind_of_client_is_built_on_the_one_context() -> None:
    connector = WooCommerceConnector(
        base_url="https://shop.example.com", credentials={"consumer_key": "ck", "consumer_secret": "cs"}, bucket_key="b"
    )
    clients = [
        http_client(base_url="https://hooks.example.com"),
        carrier_http_client("https://api.easypost.com"),
        threepl_http_client("https://api.shipbob.com"),
        connector.client,
    ]
    try:
        assert {id(_context(client)) for client in clients} == {id(tls_context())}
    finally:
        for client in clients:
            client.close()


def test_the_shared_context_still_checks_certificates_and_host_names() -> None:
    context = tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.cert_store_stats()["x509_ca"] > 0  # the CA bundle is loaded: public hosts can be verified
