"""ShipBob's signed webhooks, taken once and applied to the fulfillment order they speak of.

`threepl_webhook_receive` is what the endpoint calls (`partners.views.threepl_webhooks`):

- the signature is checked with the partner's webhook secret (from its encrypted credentials):
  one that does not verify, or is too old, is a 401 and nothing is stored;
- a body that is not what ShipBob sends is a 400;
- each delivery is taken once (`ThreePlEvent`, unique per partner and `webhook-id`, which ShipBob
  keeps across retries): a repeat is a 200 "duplicate" and changes nothing; the event row and
  what it changes are written in one transaction, so an event that could not be applied is not
  marked as taken and ShipBob's retry applies it;
- out of order is safe: every event is folded into the order as last seen, never backwards
  (`events.fulfillment_order_apply`), so `order.shipped` after `order.shipment.delivered`
  changes nothing;
- a topic the product does not use, or an order it does not know, is answered 200 (stored).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from partners.models import (
    DocumentKind,
    DocumentStatus,
    Exchange,
    FulfillmentOrderOutbox,
    Partner,
    PartnerDocument,
    ThreePlEvent,
)
from partners.threepl.connector import SignatureInvalid, ThreePlError, partner_credentials, webhook_verify
from partners.threepl.events import fulfillment_order_apply, fulfillment_order_tracking_notice
from partners.threepl.payloads import (
    TOPIC_CANCELLED,
    TOPIC_DELIVERED,
    TOPIC_EXCEPTION,
    TOPIC_SHIPPED,
    TOPIC_TRACKING,
    tracking_notice_from_json,
)

logger = logging.getLogger(__name__)

SHIPMENT_TOPICS = (TOPIC_DELIVERED, TOPIC_EXCEPTION, TOPIC_CANCELLED)
#: The legacy (1.0 / 2.0) topic names, for subscriptions made before the dated API.
LEGACY_TOPICS = {
    "order_shipped": TOPIC_SHIPPED,
    "shipment_delivered": TOPIC_DELIVERED,
    "shipment_exception": TOPIC_EXCEPTION,
    "shipment_cancelled": TOPIC_CANCELLED,
}


@dataclass(frozen=True)
class WebhookAnswer:
    """What the endpoint answers ShipBob: an HTTP status and a short message."""

    status: int
    message: str


def _order_keys(topic: str, payload: Mapping[str, Any]) -> tuple[str, str]:
    """(ShipBob's order id, our reference) the event speaks of."""
    if topic == TOPIC_SHIPPED:
        return str(int(payload["id"])), str(payload.get("reference_id") or "")
    return str(int(payload["order_id"])), str(payload.get("reference_id") or "")


def _fulfillment_order(partner: Partner, order_id: str, reference: str) -> FulfillmentOrderOutbox | None:
    """The fulfillment order by ShipBob's id, or by our reference (before ShipBob's answer was stored)."""
    match = Q(external_id=order_id)
    if reference:
        match |= Q(reference=reference)
    row: FulfillmentOrderOutbox | None = (
        FulfillmentOrderOutbox.objects.filter(match, partner=partner).order_by("pk").first()
    )
    return row


def _apply(row: FulfillmentOrderOutbox, topic: str, payload: dict[str, Any], source: str) -> str:
    if topic == TOPIC_SHIPPED:
        return fulfillment_order_apply(fulfillment_order=row, order=payload, source=source)
    if topic in SHIPMENT_TOPICS:
        return fulfillment_order_apply(fulfillment_order=row, shipment=payload, source=source)
    return fulfillment_order_tracking_notice(
        fulfillment_order=row, notice=tracking_notice_from_json(payload), source=source
    )


def threepl_webhook_receive(
    *, partner: Partner, headers: Mapping[str, str], body: bytes, now: float | None = None
) -> WebhookAnswer:
    """Verify, deduplicate and apply one ShipBob webhook for a partner (see the module's docstring)."""
    try:
        delivery = webhook_verify(
            secret=partner_credentials(partner).get("webhook_secret", ""), headers=headers, body=body, now=now
        )
    except SignatureInvalid as exc:
        logger.warning("3PL webhook for %s refused: %s", partner.code, exc)
        return WebhookAnswer(401, "The signature does not verify.")
    except ThreePlError as exc:
        return WebhookAnswer(400, exc.message)
    topic = LEGACY_TOPICS.get(delivery.topic, delivery.topic)
    known = topic in (TOPIC_SHIPPED, TOPIC_TRACKING, *SHIPMENT_TOPICS)
    try:
        order_id, reference = _order_keys(topic, delivery.payload) if known else ("", "")
        if topic in SHIPMENT_TOPICS:
            int(delivery.payload["id"])  # a Shipment object: its id is what the merge goes by
    except (KeyError, TypeError, ValueError):
        return WebhookAnswer(400, f"The body is not a ShipBob {topic} webhook.")
    source = f"{partner.name} webhook"
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = ThreePlEvent.objects.create(
                    partner=partner,
                    webhook_id=delivery.webhook_id[:120],
                    topic=topic[:60],
                    external_order_id=order_id,
                    reference=reference[:60],
                    payload=delivery.payload,
                )
        except IntegrityError:
            return WebhookAnswer(200, "duplicate")
        row = _fulfillment_order(partner, order_id, reference) if known else None
        if not known:
            outcome = "ignored"
        elif row is None:
            outcome = "unknown order"
        else:
            outcome = _apply(row, topic, delivery.payload, source)[:200]
        event.fulfillment_order = row
        event.outcome = outcome
        event.save(update_fields=["fulfillment_order", "outcome"])
        PartnerDocument.objects.create(
            partner=partner,
            direction="in",
            via=Exchange.CONNECTOR,
            kind=DocumentKind.THREEPL_EVENT,
            status=DocumentStatus.APPLIED if row is not None else DocumentStatus.RECEIVED,
            raw=body.decode(errors="replace"),
            parsed={"topic": topic, "order_id": order_id, "reference": reference, "outcome": outcome},
            control_number=delivery.webhook_id[:20],
            idempotency_key=f"webhook:{delivery.webhook_id}"[:120],
        )
    return WebhookAnswer(200, outcome)
