"""One signed POST to an endpoint, with what the log keeps of it (status, headers, the first 2 KB, duration).

No redirect is followed (a 3xx is a failure: the endpoint should be configured with its final
address, and a redirect must not carry a signed body elsewhere). The response body is read only
up to what the log keeps, so an endpoint that answers megabytes costs nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from core.http import http_client
from webhooks.conf import API_VERSION, LOG_BODY_BYTES, timeout_seconds

USER_AGENT = f"Fulfil-Webhooks/{API_VERSION}"
#: Answers after which the endpoint's own Retry-After is honoured (when longer than our schedule).
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class HttpOutcome:
    """What came back: a status (None when nothing did), headers, the start of the body, or the error."""

    status: int | None
    duration_ms: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    error: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        """A 2xx answer: anything else (3xx included) is retried."""
        return self.status is not None and 200 <= self.status < 300


def log_text(raw: bytes) -> str:
    """Bytes as text the database can store: invalid UTF-8 replaced, NUL (which PostgreSQL refuses) too."""
    return raw[:LOG_BODY_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _headers_text(headers: httpx.Headers) -> dict[str, str]:
    merged: dict[str, str] = {}
    for key, value in headers.raw:  # as the endpoint wrote them (case kept)
        key_text, value_text = log_text(key), log_text(value)
        merged[key_text] = f"{merged[key_text]}, {value_text}" if key_text in merged else value_text
    return merged


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def post_signed(
    *, url: str, body: bytes, headers: dict[str, str], transport: httpx.BaseTransport | None = None
) -> HttpOutcome:
    """POST the body with its headers; never raises for a network problem (it is the outcome's `error`)."""
    timeout = timeout_seconds()
    started = time.monotonic()
    try:
        with (
            http_client(timeout=timeout, follow_redirects=False, transport=transport) as client,
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            kept = b""
            for chunk in response.iter_bytes():
                kept += chunk
                # Enough for the log, or a trickle past the deadline: stop reading, the status is known.
                if len(kept) >= LOG_BODY_BYTES or time.monotonic() - started > timeout:
                    break
            retry_after = (
                retry_after_seconds(response.headers.get("Retry-After"))
                if response.status_code in RETRY_AFTER_STATUSES
                else None
            )
            return HttpOutcome(
                status=response.status_code,
                duration_ms=_elapsed_ms(started),
                headers=_headers_text(response.headers),
                body=log_text(kept),
                retry_after=retry_after,
            )
    except httpx.TimeoutException:
        return HttpOutcome(status=None, duration_ms=_elapsed_ms(started), error=f"No answer within {timeout:g} s.")
    except httpx.HTTPError as exc:
        return HttpOutcome(status=None, duration_ms=_elapsed_ms(started), error=f"{type(exc).__name__}: {exc}"[:300])


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
