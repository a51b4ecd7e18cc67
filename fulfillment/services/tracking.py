"""Tracking per parcel: what the carriers say of each box, from their webhooks and from polling.

`package_tracking_record` stores a carrier's report of one box (each status once per box, on the
order's timeline too), moves the box's status forward only, keeps the delivered time for the
on-time figures and delivers the shipment once every labelled box of it is delivered. A box
whose carrier reports an exception or a return to sender lands in the exceptions queue
("delivery_problem", `fulfillment.selectors.exceptions`).

`tracking_refresh` (the beat task `fulfillment.tasks.tracking_poll`) is the backstop for
webhooks that never came: it asks each box's carrier account, or the built-in carrier for boxes
labelled without one, about every labelled box still on its way.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from carriers.builtin import CarrierClient, TrackRequest, carrier_client
from carriers.connectors import connector_for
from carriers.connectors.base import (
    CarrierError,
    CarrierUnavailable,
    SignatureInvalid,
    TrackingReport,
    TrackingUpdate,
)
from carriers.models import CarrierAccount, WebhookEvent
from fulfillment.models import Package, PackageStatus, Shipment, ShipmentStatus, TrackingEvent, TrackingStatus
from fulfillment.selectors.exceptions import DELIVERY_PROBLEM_STATUSES
from fulfillment.services.shipping import shipment_deliver
from fulfillment.services.work import TRACKING_WINDOW, _locked
from inventory.models import LocationKind
from orders.models import OrderEventKind
from orders.services import order_event_add

logger = logging.getLogger(__name__)

#: How far along its way a box is: a report never moves a box back down this order.
PROGRESS_RANK: dict[str, int] = {
    TrackingStatus.LABEL_CREATED: 0,
    TrackingStatus.PICKED_UP: 1,
    TrackingStatus.IN_TRANSIT: 2,
    TrackingStatus.OUT_FOR_DELIVERY: 3,
    TrackingStatus.DELIVERED: 4,
}
#: Statuses outside that order that need a person; shown whenever they come, until delivery.
PROBLEM_STATUSES = frozenset(DELIVERY_PROBLEM_STATUSES)


def _updates_of(report: TrackingReport) -> list[TrackingUpdate]:
    """The report's scans the product knows, oldest first, the first of each status only.

    A report whose overall status has no scan of its own (some webhooks carry only the status)
    gets one, dated at the delivery time or the latest scan, so the status is not lost.
    """
    known = [update for update in report.events if update.status in TrackingStatus.values]
    if report.status in TrackingStatus.values and all(update.status != report.status for update in known):
        when = report.delivered_at if report.status == TrackingStatus.DELIVERED else None
        when = when or max((update.occurred_at for update in known), default=None) or timezone.now()
        known.append(TrackingUpdate(report.status, when, TrackingStatus(report.status).label))
    first: dict[str, TrackingUpdate] = {}
    for update in sorted(known, key=lambda update: update.occurred_at):
        first.setdefault(update.status, update)
    return list(first.values())


def _status_after(current: str, update: TrackingUpdate, problem_at: datetime | None) -> str:
    """The box's status once `update` (a status new for it) is taken into account.

    Delivered is final. A problem is shown whenever it is reported. A step forward replaces
    the current step; after a problem, only a scan later than the problem clears it (the
    parcel moved on), so a late webhook about an earlier scan does not hide a problem.
    """
    if current == TrackingStatus.DELIVERED:
        return current
    if update.status in PROBLEM_STATUSES or update.status == TrackingStatus.DELIVERED:
        return update.status
    if current in PROBLEM_STATUSES:
        return update.status if problem_at is None or update.occurred_at > problem_at else current
    if PROGRESS_RANK[update.status] > PROGRESS_RANK.get(current, -1):
        return update.status
    return current


def _box_label(package: Package, boxes: int) -> str:
    box = f" box {package.box_number} of {boxes}" if boxes > 1 else ""
    return f"{package.shipment.number}{box} ({package.tracking_number})"


def _timeline_message(package: Package, boxes: int, update: TrackingUpdate) -> str:
    """The timeline line of a new status: SH-000042 box 2 of 3 (1Z...): out for delivery, Memphis TN."""
    text = f"{_box_label(package, boxes)}: {TrackingStatus(update.status).label.lower()}"
    if update.location:
        text += f", {update.location}"
    if update.status in PROBLEM_STATUSES and update.description:
        text += f" ({update.description})"
    return text[:500]


def _shipment_deliver_if_done(shipment: Shipment, *, source: str) -> bool:
    """Deliver a shipped shipment once every box of it is delivered, at the last box's time.

    A box still waiting for a label (its label was voided and not bought again) keeps the
    shipment open: its units have not reached the customer.
    """
    boxes = list(Package.objects.filter(shipment=shipment))
    if shipment.status != ShipmentStatus.SHIPPED or not boxes:
        return False
    if any(box.status != PackageStatus.LABELLED for box in boxes):
        return False
    if any(box.tracking_status != TrackingStatus.DELIVERED for box in boxes):
        return False
    delivered_at = max((box.delivered_at for box in boxes if box.delivered_at), default=None)
    shipment_deliver(shipment=shipment, actor_label=source, delivered_at=delivered_at)
    return True


def package_tracking_record(package: Package, report: TrackingReport, *, source: str) -> list[TrackingEvent]:
    """Store what the carrier says of one box; returns the tracking events that were new.

    Each status is stored once per box (a repeated or an older report writes nothing) and
    put on the order's timeline. The box's `tracking_status` never moves back (see
    `_status_after`); `delivered_at` is the delivered scan's time. When every labelled box of
    the shipment is delivered, the shipment is (`shipment_deliver`, at the latest box's time).
    Locks the order, the shipment, then the box. `source` names who told us (timeline actor).
    """
    with transaction.atomic():
        shipment = _locked(package.shipment)
        locked = Package.objects.select_for_update().get(pk=package.pk)
        locked.shipment = shipment
        stored = dict(TrackingEvent.objects.filter(package=locked).values_list("status", "occurred_at"))
        new = [update for update in _updates_of(report) if update.status not in stored]
        if not new:
            return []
        created = TrackingEvent.objects.bulk_create(
            [
                TrackingEvent(
                    shipment=shipment,
                    package=locked,
                    occurred_at=update.occurred_at,
                    status=update.status,
                    description=update.description[:255],
                    location=update.location[:120],
                )
                for update in new
            ]
        )
        boxes = Package.objects.filter(shipment=shipment).exclude(status=PackageStatus.VOIDED).count()
        status = locked.tracking_status
        for update in new:
            problem_at = stored.get(status) if status in PROBLEM_STATUSES else None
            status = _status_after(status, update, problem_at)
            stored[update.status] = update.occurred_at
            order_event_add(
                order=shipment.order,
                kind=OrderEventKind.SHIPMENT,
                message=_timeline_message(locked, boxes, update),
                actor_label=source,
                data={"package": locked.pk, "tracking_status": update.status},
            )
        locked.tracking_status = status
        fields = ["tracking_status"]
        if status == TrackingStatus.DELIVERED and locked.delivered_at is None:
            locked.delivered_at = stored[TrackingStatus.DELIVERED]
            fields.append("delivered_at")
        locked.save(update_fields=fields)
        if status == TrackingStatus.DELIVERED:
            _shipment_deliver_if_done(shipment, source=source)
    return created


# --- Polling ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingRefresh:
    """What one polling run did: boxes asked about, events stored, boxes delivered, refusals."""

    checked: int
    new_events: int
    delivered: int
    failed: int


def _builtin_report(client: CarrierClient, package: Package) -> TrackingReport:
    """Ask the built-in carrier client about a box labelled without a carrier account."""
    shipment = package.shipment
    updates = client.track(
        TrackRequest(
            carrier=package.carrier or shipment.carrier,
            tracking_number=package.tracking_number,
            label_created_at=package.label_created_at or shipment.shipped_at or timezone.now(),
            estimated_delivery=shipment.estimated_delivery,
            origin=f"{shipment.location.city}, {shipment.location.region}".strip(", "),
            destination=f"{shipment.order.ship_city}, {shipment.order.ship_region}".strip(", "),
        )
    )
    status = updates[-1].status if updates else ""
    return TrackingReport(tracking_number=package.tracking_number, status=status, events=tuple(updates))


def _asker(account: CarrierAccount | None, client: CarrierClient | None) -> Callable[[Package], TrackingReport]:
    """How to ask about a box: its account's connector, or the built-in carrier client without one."""
    if account is not None:
        connector = connector_for(account)
        return lambda package: connector.track(package.tracking_number, package.carrier)
    builtin = client or carrier_client()
    return functools.partial(_builtin_report, builtin)


def boxes_to_track(*, limit: int) -> list[Package]:
    """Labelled boxes still on their way that shipped within `TRACKING_WINDOW`, oldest first.

    Boxes a partner shipped (a dropship supplier or a 3PL) on no account of ours are left out:
    the partner reports their tracking, and the built-in carrier would only make scans up.
    """
    since = timezone.now() - TRACKING_WINDOW
    return list(
        Package.objects.filter(
            status=PackageStatus.LABELLED,
            shipment__status=ShipmentStatus.SHIPPED,
            shipment__shipped_at__gte=since,
        )
        .exclude(tracking_number="")
        .exclude(
            account__isnull=True,
            shipment__location__kind__in=[LocationKind.DROPSHIP_SUPPLIER, LocationKind.THIRD_PARTY],
        )
        .exclude(tracking_status=TrackingStatus.DELIVERED)
        .select_related("shipment__location", "shipment__order", "account")
        .order_by("shipment__shipped_at", "shipment_id", "box_number")[:limit]
    )


def _by_account(boxes: Iterable[Package]) -> dict[int | None, list[Package]]:
    grouped: dict[int | None, list[Package]] = defaultdict(list)
    for box in boxes:
        grouped[box.account_id].append(box)
    return grouped


def tracking_refresh(*, client: CarrierClient | None = None, limit: int = 500) -> TrackingRefresh:
    """Ask the carriers about labelled boxes on their way (oldest first) and record what they say.

    Boxes are asked about per carrier account (`connector_for(account).track`), boxes with no
    account through the built-in carrier client (`client`, the configured one by default),
    with no transaction open; each box is then recorded in its own transaction. A refusal for
    one box is logged and the others go on; a carrier that is down (`CarrierUnavailable`)
    stops the run, so the task retries later. Idempotent.
    """
    boxes = boxes_to_track(limit=limit)
    new_events = delivered = failed = 0
    for account_id, group in _by_account(boxes).items():
        account = group[0].account if account_id is not None else None
        ask = _asker(account, client)
        for package in group:
            try:
                report = ask(package)
            except CarrierUnavailable:
                raise
            except CarrierError as exc:
                failed += 1
                logger.warning("Tracking %s (%s) failed: %s", package.shipment.number, package.tracking_number, exc)
                continue
            created = package_tracking_record(package, report, source="carrier tracking")
            new_events += len(created)
            delivered += any(event.status == TrackingStatus.DELIVERED for event in created)
    return TrackingRefresh(checked=len(boxes), new_events=new_events, delivered=delivered, failed=failed)


def package_for_tracking_number(account: CarrierAccount, tracking_number: str) -> Package | None:
    """The labelled box an account's webhook speaks of (the newest, if a number came back after a void)."""
    return (
        Package.objects.filter(account=account, tracking_number=tracking_number)
        .exclude(status__in=[PackageStatus.VOIDED, PackageStatus.VOID_PENDING])
        .select_related("shipment")
        .order_by("-pk")
        .first()
    )


# --- Webhooks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookAnswer:
    """What the webhook endpoint answers the carrier: an HTTP status and a short message."""

    status: int
    message: str


def _event_id(report: TrackingReport, body: bytes) -> str:
    """The provider's event id; a body without one is identified by its digest (same body, same event)."""
    return report.event_id[:120] or "sha256:" + hashlib.sha256(body).hexdigest()


def carrier_webhook_receive(*, account: CarrierAccount, headers: dict[str, str], body: bytes) -> WebhookAnswer:
    """Verify, deduplicate and record one tracking webhook of a carrier account.

    A signature that does not verify is a 401 and nothing is stored. A body that is not what
    the provider sends is a 400. An event the product does not use is a 200 "ignored". Each
    event is taken once (`carriers.WebhookEvent`, unique per account and event id): a repeat
    is a 200 "duplicate" and changes nothing. The event row and what it records are written in
    one transaction, so an event that could not be recorded is not marked as taken and the
    carrier's retry records it. A tracking number no box has is logged and answered 200.
    """
    connector = connector_for(account)
    if not connector.supports_webhooks:
        return WebhookAnswer(404, f"{account.name} does not send webhooks.")
    try:
        report = connector.parse_webhook(headers, body)
    except SignatureInvalid as exc:
        logger.warning("Carrier webhook for %s refused: %s", account.code, exc)
        return WebhookAnswer(401, "The signature does not verify.")
    except CarrierError as exc:
        return WebhookAnswer(400, exc.message)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a shape the parser did not expect
        logger.warning("Carrier webhook for %s is malformed: %r", account.code, exc)
        return WebhookAnswer(400, "The body is not a webhook this carrier sends.")
    if report is None:
        return WebhookAnswer(200, "ignored")
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookEvent.objects.create(
                    account=account, event_id=_event_id(report, body), tracking_number=report.tracking_number[:64]
                )
        except IntegrityError:
            return WebhookAnswer(200, "duplicate")
        package = package_for_tracking_number(account, report.tracking_number)
        if package is None:
            logger.info("Carrier webhook for %s names unknown tracking %s", account.code, report.tracking_number)
            return WebhookAnswer(200, "unknown tracking number")
        created = package_tracking_record(package, report, source=f"{account.name} webhook")
    return WebhookAnswer(200, f"recorded {len(created)} new")
