"""Trackers: parcels that travel with the sandbox's clock, and signed `tracker.*` webhook Events.

A bought label's parcel is scanned on a fixed schedule from the purchase: label created, accepted
(4 h), departed (8 h), one arrival scan a day, out for delivery 6 h before the end of its
service's days, delivered at the end. `tracker_set(code, status)` forces a status now (the
timeline stops there) and owes the merchant a signed `tracker.updated` Event;
`emit_tracker_updates()` owes one for every tracker whose status moved with time.

POST /v2/trackers returns the existing Tracker for a code already tracked, as EasyPost does;
EasyPost's test codes (EZ1000000001 pre_transit ... EZ7000000007 unknown) answer with their
status; any other code gets a Tracker with status unknown (the carrier has not seen it yet).
Events are built on the published `tracker.updated` fixture and signed as EasyPost signs them.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from carriers.connectors.easypost.webhooks import SIGNATURE_HEADER, webhook_signature
from carriers.sandbox.easypost.core import API, EasyPostCore, load_sample, stamp
from core.sandbox import json_response

#: EasyPost's test tracking codes and the status each one shows.
TEST_CODES = {
    "EZ1000000001": "pre_transit",
    "EZ2000000002": "in_transit",
    "EZ3000000003": "out_for_delivery",
    "EZ4000000004": "delivered",
    "EZ5000000005": "return_to_sender",
    "EZ6000000006": "failure",
    "EZ7000000007": "unknown",
}
#: How far along a 3-day timeline each test code stops (None: a forced status at that point).
TEST_CODE_STOPS = {
    "pre_transit": (timedelta(hours=1), None),
    "in_transit": (timedelta(hours=30), None),
    "out_for_delivery": (timedelta(hours=67), None),
    "delivered": (timedelta(hours=73), None),
    "return_to_sender": (timedelta(hours=30), "return_to_sender"),
    "failure": (timedelta(hours=30), "failure"),
}
STATUS_DETAILS = {
    "pre_transit": ("label_created", "Shipping Label Created"),
    "in_transit": ("in_transit", "In Transit"),
    "out_for_delivery": ("out_for_delivery", "Out for Delivery"),
    "delivered": ("arrived_at_destination", "Delivered"),
    "available_for_pickup": ("arrived_at_pickup_location", "Available for Pickup"),
    "return_to_sender": ("return", "Returned to Sender"),
    "failure": ("delivery_exception", "Delivery Exception: the carrier could not deliver the parcel"),
    "cancelled": ("cancelled", "Shipment Cancelled"),
    "error": ("unknown", "Tracking Error"),
    "unknown": ("unknown", "Unknown"),
}
FINAL_STATUSES = ("delivered", "return_to_sender", "failure", "cancelled")


@dataclass
class TrackerState:
    """One tracked parcel: where and when it started, its schedule, and any forced scans."""

    tracker_id: str
    tracking_code: str
    carrier: str
    service: str
    created: datetime
    days: int | None  # None: no schedule (a code the carrier has not seen)
    origin: dict[str, Any]
    destination: dict[str, Any]
    shipment_id: str | None = None
    weight_oz: float | None = None
    is_return: bool = False
    forced: list[dict[str, Any]] = field(default_factory=list)
    frozen_at: datetime | None = None
    emitted_status: str = ""


def location(address: dict[str, Any] | None) -> dict[str, Any]:
    """A TrackingLocation of an Address (city, state, ZIP; null where unknown)."""
    address = address or {}
    zip_code = address.get("zip")
    return {
        "object": "TrackingLocation",
        "city": (address.get("city") or "").upper() or None,
        "state": address.get("state"),
        "country": address.get("country"),
        "zip": str(zip_code)[:5] if zip_code else None,
    }


class EasyPostTracking(EasyPostCore):
    """Trackers, their schedules and the webhook Events they owe."""

    def setup(self) -> None:
        """Trackers by tracking code."""
        super().setup()
        self.trackers: dict[str, TrackerState] = {}
        self.route("POST", rf"{API}/trackers", "trackers", self._create_tracker)
        self.route("GET", rf"{API}/trackers/(?P<tracker_id>trk_\w+)", "trackers", self._get_tracker)

    # Schedule ------------------------------------------------------------------------------

    def _schedule(self, state: TrackerState) -> list[tuple[datetime, str, str, str, dict[str, Any]]]:
        if state.days is None:
            return []
        carrier, start, end = state.carrier, state.created, state.created + timedelta(days=state.days)
        origin, destination = location(state.origin), location(state.destination)
        on_the_way = {"object": "TrackingLocation", "city": None, "state": None, "country": "US", "zip": None}
        steps = [
            (start, "pre_transit", "label_created", f"Shipping Label Created, {carrier} Awaiting Item", origin),
            (
                start + timedelta(hours=4),
                "in_transit",
                "arrived_at_facility",
                f"Accepted at {carrier} Facility",
                origin,
            ),
            (start + timedelta(hours=8), "in_transit", "departed_facility", f"Departed {carrier} Facility", origin),
        ]
        for day in range(1, state.days):
            moment = start + timedelta(days=day)
            steps.append((moment, "in_transit", "arrived_at_facility", f"Arrived at {carrier} Facility", on_the_way))
        steps.append(
            (end - timedelta(hours=6), "out_for_delivery", "out_for_delivery", "Out for Delivery", destination)
        )
        steps.append((end, "delivered", "arrived_at_destination", "Delivered, In/At Mailbox", destination))
        return steps

    def tracking_details(self, state: TrackerState) -> list[dict[str, Any]]:
        """The scans that have happened by now, oldest first, in EasyPost's TrackingDetail shape."""
        now = self.now()
        until = min(now, state.frozen_at) if state.frozen_at else now
        details = [
            {
                "object": "TrackingDetail",
                "message": message,
                "description": message,
                "status": status,
                "status_detail": detail,
                "datetime": stamp(moment),
                "source": state.carrier,
                "carrier_code": "",
                "tracking_location": place,
                "est_delivery_date": None,
            }
            for moment, status, detail, message, place in self._schedule(state)
            if moment <= until
        ]
        details.extend(detail for detail in state.forced if detail["datetime"] <= stamp(now))
        return sorted(details, key=lambda detail: detail["datetime"])

    def tracker_status(self, state: TrackerState) -> str:
        """The parcel's EasyPost status now ("unknown" before its first scan)."""
        details = self.tracking_details(state)
        return str(details[-1]["status"]) if details else "unknown"

    def tracker_object(self, state: TrackerState) -> dict[str, Any]:
        """The Tracker as EasyPost answers it, built on the published tracker sample."""
        details = self.tracking_details(state)
        status = str(details[-1]["status"]) if details else "unknown"
        tracker = copy.deepcopy(load_sample("easypost_tracker_create_response.json"))
        carrier_detail = tracker["carrier_detail"]
        carrier_detail.update(
            service=state.service or None,
            origin_location=" ".join(filter(None, [location(state.origin)["city"], state.origin.get("state")])),
            origin_tracking_location=location(state.origin),
            destination_location=" ".join(
                filter(None, [location(state.destination)["city"], state.destination.get("state")])
            ),
            destination_tracking_location=location(state.destination) if status == "delivered" else None,
        )
        token = base64.urlsafe_b64encode(f"v1:{state.tracker_id}".encode()).decode().rstrip("=")
        est = state.created + timedelta(days=state.days) if state.days is not None else None
        tracker.update(
            id=state.tracker_id,
            mode=self.mode,
            tracking_code=state.tracking_code,
            status=status,
            status_detail=details[-1]["status_detail"] if details else "unknown",
            created_at=stamp(state.created),
            updated_at=details[-1]["datetime"] if details else stamp(state.created),
            weight=state.weight_oz,
            est_delivery_date=stamp(est) if est else None,
            shipment_id=state.shipment_id,
            carrier=state.carrier,
            tracking_details=details,
            carrier_detail=carrier_detail if state.days is not None else None,
            finalized=status in FINAL_STATUSES,
            is_return=state.is_return,
            public_url=f"https://track.easypost.com/{token}",
        )
        return tracker

    # Creation ------------------------------------------------------------------------------

    def start_tracker(
        self,
        tracking_code: str,
        carrier: str,
        *,
        days: int | None,
        created: datetime | None = None,
        emit: bool = True,
        **extra: Any,
    ) -> TrackerState:
        """Track a parcel from `created` (now by default) on a `days`-day schedule; owes tracker.created."""
        state = TrackerState(
            tracker_id=self.object_id("trk"),
            tracking_code=tracking_code,
            carrier=carrier,
            service=str(extra.pop("service", "")),
            created=created or self.now(),
            days=days,
            origin=extra.pop("origin", {}),
            destination=extra.pop("destination", {}),
            **extra,
        )
        self.trackers[tracking_code] = state
        if emit:
            self._emit_created(state)
        return state

    def _emit_created(self, state: TrackerState) -> None:
        state.emitted_status = self.tracker_status(state)
        self._event("tracker.created", state, previous=None)

    def _test_code_tracker(self, code: str, carrier: str) -> TrackerState:
        status = TEST_CODES[code]
        if status == "unknown":
            return self.start_tracker(code, carrier, days=None)
        stop, forced = TEST_CODE_STOPS[status]
        created = self.now() - stop - timedelta(minutes=5)
        state = self.start_tracker(
            code, carrier, days=3, created=created, emit=False, service="First-Class Package Service"
        )
        state.frozen_at = created + stop
        if forced:
            state.forced.append(self._forced_detail(state, forced, "", created + stop))
        self._emit_created(state)
        return state

    def _create_tracker(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)["tracker"]
        code = str(body.get("tracking_code") or "").strip()
        if not code:
            return self.refuse(422, "TRACKER.INVALID_PARAMS", "Missing required parameter: tracking_code.")
        state = self.trackers.get(code)
        if state is None:
            carrier = str(body.get("carrier") or "USPS")
            state = (
                self._test_code_tracker(code, carrier)
                if code in TEST_CODES
                else self.start_tracker(code, carrier, days=None)
            )
        return json_response(200, self.tracker_object(state))

    def _get_tracker(self, request: httpx.Request, tracker_id: str) -> httpx.Response:
        state = next((s for s in self.trackers.values() if s.tracker_id == tracker_id), None)
        return json_response(200, self.tracker_object(state)) if state else self.not_found()

    # Forcing and webhooks ------------------------------------------------------------------

    def _forced_detail(self, state: TrackerState, status: str, message: str, moment: datetime) -> dict[str, Any]:
        detail, default_message = STATUS_DETAILS.get(status, ("unknown", status))
        at_destination = status in ("delivered", "available_for_pickup", "out_for_delivery", "failure")
        return {
            "object": "TrackingDetail",
            "message": message or default_message,
            "description": message or default_message,
            "status": status,
            "status_detail": detail,
            "datetime": stamp(moment),
            "source": state.carrier,
            "carrier_code": "",
            "tracking_location": location(state.destination if at_destination else state.origin),
            "est_delivery_date": None,
        }

    def tracker_set(self, tracking_code: str, status: str, *, message: str = "") -> dict[str, Any]:
        """Force a parcel's status now (its schedule stops) and owe a signed tracker.updated Event."""
        if status not in STATUS_DETAILS:
            raise ValueError(f"EasyPost has no tracker status {status!r}: use one of {', '.join(STATUS_DETAILS)}.")
        with self.lock:
            state = self.trackers.get(tracking_code)
            if state is None:
                raise LookupError(f"No tracker for {tracking_code!r} in sandbox {self.name!r}.")
            previous = self.tracker_status(state)
            now = self.now()
            state.frozen_at = now
            state.forced.append(self._forced_detail(state, status, message, now))
            state.emitted_status = status
            return self._event("tracker.updated", state, previous=previous)

    def emit_tracker_updates(self) -> int:
        """Owe a tracker.updated Event for every parcel whose status moved since its last Event."""
        with self.lock:
            moved = 0
            for state in self.trackers.values():
                status = self.tracker_status(state)
                if status != state.emitted_status:
                    self._event("tracker.updated", state, previous=state.emitted_status)
                    state.emitted_status = status
                    moved += 1
            return moved

    def _event(self, description: str, state: TrackerState, *, previous: str | None) -> dict[str, Any]:
        """Build, sign and queue one Event in the published fixture's shape; returns the Event."""
        event = copy.deepcopy(load_sample_event())
        moment = self.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
        event.update(
            description=description,
            mode=self.mode,
            previous_attributes={"status": previous} if previous is not None else {},
            created_at=moment,
            pending_urls=[self.webhook_url],
            completed_urls=[],
            updated_at=moment,
            id=self.object_id("evt"),
            user_id=self.user_id,
            status="pending",
            result=self.tracker_object(state),
        )
        body = json.dumps(event, separators=(",", ":")).encode()
        self.enqueue_webhook(
            {"Content-Type": "application/json", SIGNATURE_HEADER: webhook_signature(self.webhook_secret, body)}, body
        )
        return event


def load_sample_event() -> dict[str, Any]:
    """The published tracker.updated Event fixture (the template of every Event sent)."""
    event: dict[str, Any] = load_sample("easypost_tracker_updated_webhook_event.json")
    return event
