"""What every part of the EasyPost sandbox shares: the API key, the clock, ids, error bodies, files.

- HTTP Basic with the API key as user name and an empty password; a missing or unknown key gets
  401 in EasyPost's error shape (`{"error": {"code", "message", "errors"}}`).
- One leaky bucket per sandbox (5 requests a second, bursts of 10, as the example in EasyPost's
  rate-limiting guide): past it, 429 with the error body and Retry-After.
- Label and form files are served without the key at `/files/...`, as EasyPost's files are
  public S3 URLs; their URLs start with `files_base` (the sandbox's own `sandbox://` address).
- `now()` is the wall clock moved by `advance()`, so a test can age a label past its refund window.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from core.sandbox import Bucket, HttpSandbox, json_response

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
API = "/v2"
#: The generic code of each HTTP status in EasyPost's error list (specific refusals name their own).
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    402: "PAYMENT_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    422: "UNPROCESSABLE_ENTITY",
    429: "RATE_LIMITED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
FILE_TYPES = {"pdf": "application/pdf", "zpl": "application/zpl"}


def load_sample(name: str) -> Any:
    """A published EasyPost payload shipped with the sandboxes (see samples/README.md)."""
    return json.loads((SAMPLES_DIR / name).read_text())


def stamp(moment: datetime) -> str:
    """EasyPost's timestamp of most objects: "2025-05-09T20:40:08Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def address_stamp(moment: datetime) -> str:
    """Addresses carry their times with an offset instead: "2025-05-09T20:40:08+00:00"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class EasyPostCore(HttpSandbox):
    """The state and HTTP behaviour the shipments, trackers and addresses parts share."""

    kind = "easypost"

    def setup(self) -> None:
        """The account: its key, webhook secret, rate limit, clock and files."""
        super().setup()
        #: API key -> mode. EasyPost's test keys start with EZTK, production keys with EZAK.
        self.api_keys = {"EZTKsandbox0123456789abcdef": "test"}
        self.mode = "test"
        self.webhook_secret = "easypost-sandbox-webhook-secret"  # noqa: S105 (the sandbox's own, public)
        self.webhook_url = "https://merchant.example.com/carriers/webhooks/easypost"
        self.files_base = f"sandbox://{self.name}"
        self.bucket = Bucket(5.0, 10.0)
        self.clock_offset = timedelta(0)
        self.files: dict[str, tuple[str, bytes]] = {}
        self.user_id = self.object_id("user")
        self.route("GET", r"/files/(?P<path>[\w./-]+)", "files", self._file)

    # Clock and ids -------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's time: the wall clock plus whatever `advance` added."""
        return datetime.now(UTC) + self.clock_offset

    def advance(self, delta: timedelta) -> None:
        """Move the sandbox's clock forward (labels age, parcels travel, refund windows close)."""
        with self.lock:
            self.clock_offset += delta

    def object_id(self, prefix: str) -> str:
        """An EasyPost id: a type prefix and 32 hex characters ("shp_a9b9...")."""
        return f"{prefix}_{self.random.getrandbits(128):032x}"

    def set_rate(self, requests_per_second: float, burst: float) -> None:
        """Change the account's rate limit (a test makes it tiny to see 429)."""
        self.bucket = Bucket(requests_per_second, burst)

    # HTTP ----------------------------------------------------------------------------------

    def refuse(self, status: int, code: str, message: str, errors: list[Any] | None = None) -> httpx.Response:
        """An error answer in EasyPost's shape."""
        return json_response(status, {"error": {"code": code, "message": message, "errors": errors or []}})

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        """An injected or generic failure, with the generic code of its status."""
        return self.refuse(status, STATUS_CODES.get(status, "INTERNAL_SERVER_ERROR"), message)

    def not_found(self) -> httpx.Response:
        """An unknown path or id: 404 as EasyPost words it."""
        return self.refuse(404, "NOT_FOUND", "The requested resource could not be found.")

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """HTTP Basic with a known API key as user name (files need none, as on S3)."""
        if op == "files":
            return None
        header = request.headers.get("Authorization", "")
        key = ""
        if header.startswith("Basic "):
            try:
                key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except (binascii.Error, UnicodeDecodeError):
                key = ""
        if not key:
            return self.refuse(
                401, "APIKEY.REQUIRED", "Please provide your API key as the user name of HTTP Basic authentication."
            )
        if self.revoked or key not in self.api_keys:
            return self.refuse(
                401, "APIKEY.INACTIVE", "This api key is no longer active. Please use a different api key."
            )
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """One bucket for the account; 429 with Retry-After when it is empty."""
        if op == "files" or self.bucket.take():
            return None
        response = self.refuse(429, "RATE_LIMITED", "You have exceeded the rate limit. Please retry with backoff.")
        response.headers["Retry-After"] = str(max(1, math.ceil(self.bucket.wait_for())))
        return response

    # Files ---------------------------------------------------------------------------------

    def store_file(self, folder: str, extension: str, content: bytes) -> str:
        """Keep a generated file and return its public URL (as EasyPost's S3 links)."""
        path = f"{folder}/{self.now():%Y%m%d}/{self.random.getrandbits(136):034x}.{extension}"
        self.files[path] = (FILE_TYPES.get(extension, "application/octet-stream"), content)
        return f"{self.files_base}/files/{path}"

    def _file(self, request: httpx.Request, path: str) -> httpx.Response:
        found = self.files.get(path)
        if found is None:
            return httpx.Response(404, content=b"<Error><Code>NoSuchKey</Code></Error>")
        content_type, content = found
        return httpx.Response(200, content=content, headers={"Content-Type": content_type})

    # Objects -------------------------------------------------------------------------------

    def address_object(self, fields: dict[str, Any], *, verifications: dict[str, Any] | None = None) -> dict[str, Any]:
        """An Address as EasyPost answers it (every field present, null when not given)."""
        template = load_sample("easypost_shipment_create_response.json")["to_address"]
        address = copy.deepcopy(template)
        now = address_stamp(self.now())
        address.update(id=self.object_id("adr"), created_at=now, updated_at=now, mode=self.mode, verifications={})
        for key in ("name", "company", "street1", "street2", "city", "state", "zip", "country", "phone", "email"):
            value = fields.get(key)
            address[key] = str(value) if value not in (None, "") else None
        address["country"] = (address["country"] or "US").upper()
        address["residential"] = fields.get("residential")
        if verifications is not None:
            address["verifications"] = verifications
        return address
