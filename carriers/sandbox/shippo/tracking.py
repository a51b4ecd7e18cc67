"""Tracks: `GET /tracks/<carrier>/<tracking number>` and `track_updated` webhooks, in the shape of
Shippo's published webhook example (`shippo_track_updated_webhook_docs.json`).

A label bought here moves on with the sandbox's clock from its purchase: label created, accepted
(8 h), in transit (1 day, when the service takes longer), out for delivery (6 h before the
estimated day ends) and delivered after the rate's `estimated_days`. `track_set()` overrides
that from then on, as a test or the demo wants, and owes a `track_updated` webhook at once.
Each scan the clock reaches is owed as a webhook too (delivered by `take_webhooks`), signed in
`X-Shippo-Signature` (hex HMAC-SHA256 of the body) when `webhook_secret` is set. Shippo's
test-mode numbers work as documented: carrier `shippo`, `SHIPPO_TRANSIT`, `SHIPPO_DELIVERED`...
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import httpx

from carriers.sandbox.shippo.core import API_VERSION, Invalid, load_sample, shippo_time
from carriers.sandbox.shippo.shipments import ShippoShipments
from core.sandbox import Webhook, json_response

STATUSES = ("UNKNOWN", "PRE_TRANSIT", "TRANSIT", "DELIVERED", "RETURNED", "FAILURE")
CARRIERS = ("usps", "ups", "fedex", "dhl_express", "shippo")
SUBSTATUS_TEXT = {
    "information_received": "Information about the package received.",
    "package_accepted": "Package has been accepted into the carrier network for delivery.",
    "package_departed": "Package has departed from an intermediate location in the carrier network.",
    "out_for_delivery": "Package is out for delivery.",
    "delivered": "Package has been delivered.",
    "delivery_attempted": "Delivery of the package was attempted.",
    "address_issue": "There is an issue with the delivery address.",
    "package_damaged": "The package was damaged.",
    "package_held": "The package is being held.",
    "return_to_sender": "The package is being returned to the sender.",
}
DEFAULT_DETAILS = {
    "UNKNOWN": "The carrier has not received the package yet.",
    "PRE_TRANSIT": "Shipping Label Created, Awaiting Item",
    "TRANSIT": "In Transit to Next Facility",
    "DELIVERED": "Delivered, In/At Mailbox",
    "RETURNED": "Return to Sender Processed",
    "FAILURE": "Delivery Exception: the carrier could not deliver the package.",
}


@cache
def track_template() -> dict[str, Any]:
    """The Track object of the published `track_updated` example (its `data`)."""
    data: dict[str, Any] = load_sample("shippo_track_updated_webhook_docs.json")["data"]
    return data


def _location(address: dict[str, Any] | None) -> dict[str, str] | None:
    if not address:
        return None
    return {key: str(address.get(key) or "") for key in ("city", "state", "zip", "country")}


class ShippoTracking(ShippoShipments):
    """Tracks of the labels bought here, the clock-driven scans and the owed webhooks."""

    def setup(self) -> None:
        super().setup()
        self.tracks: dict[str, dict[str, Any]] = {}
        self.started = self.now()
        self.route(
            "GET", r"/tracks/(?P<carrier>[^/]+)/(?P<number>[^/]+)/?", "tracks.get", self.guarded(self._get_track)
        )

    # Scans ----------------------------------------------------------------------------------

    def _event(
        self, at: datetime, status: str, substatus: str | None, details: str, where: dict[str, Any] | None
    ) -> dict[str, Any]:
        moment = shippo_time(at)
        return {
            "location": _location(where),
            "object_created": moment,
            "object_id": self.hex_id(),
            "object_updated": moment,
            "status": status,
            "substatus": {"code": substatus, "text": SUBSTATUS_TEXT.get(substatus, substatus), "action_required": False}
            if substatus
            else None,
            "status_date": moment,
            "status_details": details,
        }

    def start_tracking(self, transaction: dict[str, Any], rate: dict[str, Any], shipment: dict[str, Any]) -> None:
        """Follow a label just bought: its scans are planned from now and the rate's estimated days."""
        origin, destination = shipment["address_from"], shipment["address_to"]
        if (shipment.get("extra") or {}).get("is_return"):
            origin, destination = destination, origin
        bought = self.now()
        days = max(1, int(rate.get("estimated_days") or 1))
        delivered = bought + timedelta(days=days)
        provider = rate["provider"]
        plan = [
            (
                bought,
                "PRE_TRANSIT",
                "information_received",
                f"Shipping Label Created, {provider} Awaiting Item",
                origin,
            ),
            (
                bought + timedelta(hours=8),
                "TRANSIT",
                "package_accepted",
                f"Accepted at {provider} Origin Facility",
                origin,
            ),
        ]
        if days > 1:
            plan.append(
                (bought + timedelta(days=1), "TRANSIT", "package_departed", "In Transit to Next Facility", None)
            )
        plan.append((delivered - timedelta(hours=6), "TRANSIT", "out_for_delivery", "Out for Delivery", destination))
        plan.append((delivered, "DELIVERED", "delivered", "Delivered, In/At Mailbox", destination))
        self.tracks[transaction["tracking_number"]] = {
            "carrier": rate["provider"].lower(),
            "servicelevel": rate["servicelevel"],
            "transaction": transaction["object_id"],
            "metadata": shipment.get("metadata") or "",
            "origin": origin,
            "destination": destination,
            "eta": delivered,
            "plan": [self._event(*step) for step in plan],
            "frozen": None,  # the scans so far once `track_set` took over
            "notified": 0,  # scans already owed as webhooks
        }

    def _scans(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        if record["frozen"] is not None:
            return list(record["frozen"])
        now = shippo_time(self.now())
        return [event for event in record["plan"] if event["status_date"] <= now]

    def tracking_status_of(self, tracking_number: str) -> str:
        """The label's current Shippo status (UNKNOWN until its first scan)."""
        record = self.tracks.get(tracking_number)
        scans = self._scans(record) if record else []
        return str(scans[-1]["status"]) if scans else "UNKNOWN"

    def _track(self, number: str, record: dict[str, Any], scans: list[dict[str, Any]]) -> dict[str, Any]:
        track = copy.deepcopy(track_template())
        track.update(
            address_from=_location(record["origin"]),
            address_to=_location(record["destination"]),
            carrier=record["carrier"],
            eta=shippo_time(record["eta"]) if record.get("eta") else None,
            original_eta=shippo_time(record["eta"]) if record.get("eta") else None,
            messages=[],
            metadata=record["metadata"],
            servicelevel=record["servicelevel"],
            tracking_history=scans,
            tracking_number=number,
            tracking_status=scans[-1] if scans else None,
            transaction=record["transaction"],
            test=True,
        )
        return track

    def track_set(self, tracking_number: str, status: str, substatus: str | None = None) -> dict[str, Any]:
        """Test hook: the carrier scans the parcel with `status` now; a `track_updated` webhook is owed."""
        if status not in STATUSES:
            raise ValueError(f"Shippo has no tracking status {status!r}: use one of {', '.join(STATUSES)}.")
        with self.lock:
            record = self.tracks.get(tracking_number)
            if record is None:  # a number bought elsewhere, registered for tracking
                record = self.tracks[tracking_number] = {
                    "carrier": "usps",
                    "servicelevel": track_template()["servicelevel"],
                    "transaction": None,
                    "metadata": "",
                    "origin": None,
                    "destination": None,
                    "eta": None,
                    "plan": [],
                    "frozen": None,
                    "notified": 0,
                }
            self._owe_due_webhooks()
            scans = self._scans(record)
            at = self.now()
            if scans and shippo_time(at) <= scans[-1]["status_date"]:
                at = datetime.fromisoformat(scans[-1]["status_date"].replace("Z", "+00:00")) + timedelta(seconds=1)
            where = record["destination"] if status in ("DELIVERED", "FAILURE") else record["origin"]
            details = SUBSTATUS_TEXT.get(substatus or "", "") if substatus else DEFAULT_DETAILS[status]
            scans.append(self._event(at, status, substatus, details or DEFAULT_DETAILS[status], where))
            record["frozen"] = scans
            track = self._track(tracking_number, record, scans)
            self._owe(track)
            record["notified"] = len(scans)
            return track

    # Webhooks -------------------------------------------------------------------------------

    def _owe(self, track: dict[str, Any]) -> None:
        body = json.dumps({"event": "track_updated", "test": True, "data": track}).encode()
        headers = {"Content-Type": "application/json", "Shippo-API-Version": API_VERSION}
        if self.webhook_secret:
            headers["X-Shippo-Signature"] = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        self.enqueue_webhook(headers, body)

    def _owe_due_webhooks(self) -> None:
        for number, record in self.tracks.items():
            scans = self._scans(record)
            for count in range(record["notified"] + 1, len(scans) + 1):
                self._owe(self._track(number, record, scans[:count]))
            record["notified"] = max(record["notified"], len(scans))

    def take_webhooks(self, *, duplicate: bool = False, shuffle: bool = False) -> list[Webhook]:
        """The deliveries owed, including a `track_updated` for every scan the clock has reached."""
        with self.lock:
            self._owe_due_webhooks()
        return super().take_webhooks(duplicate=duplicate, shuffle=shuffle)

    # HTTP -----------------------------------------------------------------------------------

    def _get_track(self, request: httpx.Request, carrier: str, number: str) -> httpx.Response:
        if carrier not in CARRIERS:
            raise Invalid({"carrier": [f'"{carrier}" is not a valid choice.']})
        record = self.tracks.get(number)
        if record is not None:
            return json_response(200, self._track(number, record, self._scans(record)))
        test_status = number.removeprefix("SHIPPO_") if carrier == "shippo" else ""
        stub = {"carrier": carrier, "servicelevel": track_template()["servicelevel"], "transaction": None}
        stub |= {"metadata": "", "origin": None, "destination": None, "eta": None}
        scans = []
        if test_status in STATUSES:
            scans = [self._event(self.started, test_status, None, DEFAULT_DETAILS[test_status], None)]
        return json_response(200, self._track(number, stub, scans))
