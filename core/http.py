"""The outgoing HTTP client every connector, webhook sender and sandbox caller is built with.

httpx builds a fresh TLS context for each new client, and that loads the whole CA bundle: about
30 ms of CPU, more than a whole order costs, paid on every address check, label call, partner
call and webhook delivery, since connectors are built per use. One verifying context per
process, made the way httpx makes its default (honouring `SSL_CERT_FILE` and `SSL_CERT_DIR`),
is shared by every client instead; an `ssl.SSLContext` is safe to share between threads.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's verifying TLS context (certificates and host names checked), built once."""
    return httpx.create_ssl_context(trust_env=True)


def http_client(**options: Any) -> httpx.Client:
    """An `httpx.Client` with `options` (base_url, transport, timeout...) on the shared TLS context."""
    return httpx.Client(verify=tls_context(), **options)
