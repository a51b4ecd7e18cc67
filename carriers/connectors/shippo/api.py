"""Talking to Shippo over HTTP: its headers, and its answers turned into the product's errors.

Shippo is a Django REST Framework service, and its errors look like it: a 400 or 422 body is
`{field: [messages]}` (nested for nested objects, a list per item for lists) with no top-level
code, anything else `{"detail": "..."}` (401 "Invalid token.", 404 "Not found.", 429
"Request was throttled. Expected available in 12 seconds."). Both become one sentence that
names the field, so a packer reads "address_to.zip: This field is required." rather than JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from carriers.connectors.base import CarrierError, CarrierUnavailable

API_VERSION = "2018-02-08"
# Fields that are not a field: DRF's name for errors about the whole object.
_WHOLE_OBJECT = {"non_field_errors", "__all__", "detail"}
_EXPECTED_IN = re.compile(r"available in (\d+(?:\.\d+)?) second")


class ShippoRefused(CarrierError):
    """Shippo answered 4xx: `reasons` are its messages without the field paths (for a void's reason)."""

    def __init__(self, message: str, *, reasons: tuple[str, ...], code: str = "refused", field: str | None = None):
        super().__init__(message, code=code, field=field)
        self.reasons = reasons


def _flatten(errors: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, message) pairs of a DRF error body, however deeply it nests."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = "" if key in _WHOLE_OBJECT else str(key)
            yield from _flatten(value, f"{path}.{name}" if path and name else (name or path))
    elif isinstance(errors, list):
        if all(not isinstance(item, (dict, list)) for item in errors):
            for item in errors:
                yield path, str(item)
        else:
            for index, item in enumerate(errors):
                if item:  # DRF puts {} for the list items that were fine
                    yield from _flatten(item, f"{path}[{index}]")
    elif errors not in (None, ""):
        yield path, str(errors)


def readable_errors(body: Any) -> tuple[str, str | None, tuple[str, ...]]:
    """One sentence for an error body, the first field it names, and its bare messages."""
    pairs = list(_flatten(body))
    if not pairs:
        return "no reason given", None, ()
    parts = [f"{path}: {message.rstrip('.')}" if path else message.rstrip(".") for path, message in pairs]
    field = next((path for path, _ in pairs if path), None)
    return "; ".join(parts) + ".", field, tuple(message for _, message in pairs)


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] if text else None


def _retry_after(response: httpx.Response, body: Any) -> float | None:
    """Seconds to wait: the Retry-After header (seconds or a date), else DRF's "available in N seconds"."""
    header = response.headers.get("Retry-After", "").strip()
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(header) - datetime.now(UTC)).total_seconds())
            except (TypeError, ValueError):
                pass
    detail = body.get("detail") if isinstance(body, dict) else None
    match = _EXPECTED_IN.search(str(detail or ""))
    return float(match.group(1)) if match else None


def error_for(response: httpx.Response, doing: str) -> CarrierError:
    """The product's error for a Shippo answer that is not a success."""
    status = response.status_code
    body = _body(response)
    text, field, reasons = readable_errors(body)
    if status in (401, 403):
        return CarrierError(f"Shippo refused the API token while {doing}: {text}", code="auth")
    if status == 429:
        return CarrierUnavailable(
            f"Shippo is throttling requests while {doing}: {text}", retry_after=_retry_after(response, body)
        )
    if status >= 500:
        return CarrierUnavailable(f"Shippo failed while {doing} (HTTP {status}); try again shortly.")
    code = {404: "not_found", 409: "conflict"}.get(status, "invalid")
    return ShippoRefused(f"Shippo refused {doing}: {text}", reasons=reasons, code=code, field=field)


class ShippoApi:
    """An httpx client on Shippo's base URL with the account's token."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.token = token

    def headers(self) -> dict[str, str]:
        """The token and the API version this connector is written against (Shippo's default may move)."""
        return {"Authorization": f"ShippoToken {self.token}", "SHIPPO-API-VERSION": API_VERSION}

    def call(
        self, method: str, path: str, *, doing: str, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        """Send one request; the decoded JSON answer, or the product's error."""
        try:
            response = self.http.request(method, path, json=json, params=params, headers=self.headers())
        except httpx.TimeoutException as exc:
            raise CarrierUnavailable(f"Shippo did not answer in time while {doing}.", timed_out=True) from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"Shippo could not be reached while {doing}: {exc}.") from exc
        if response.status_code >= 400:
            raise error_for(response, doing)
        try:
            return response.json()
        except ValueError as exc:
            raise CarrierUnavailable(f"Shippo answered something that is not JSON while {doing}.") from exc

    def download(self, url: str, *, doing: str) -> bytes:
        """Fetch a signed document URL (label, manifest). It is signed, so no token goes with it."""
        try:
            response = self.http.get(url)
        except httpx.TimeoutException as exc:
            raise CarrierUnavailable(f"The document download timed out while {doing}.", timed_out=True) from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"The document could not be downloaded while {doing}: {exc}.") from exc
        if response.status_code >= 500:
            raise CarrierUnavailable(f"The document server failed while {doing} (HTTP {response.status_code}).")
        if response.status_code >= 400:
            raise CarrierError(
                f"The document link was refused while {doing} (HTTP {response.status_code}); it may have expired.",
                code="document",
            )
        return response.content
