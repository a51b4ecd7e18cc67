"""Receiving returns: at the dock by scanning the RMA or order barcode, or at a store counter.

Receiving is idempotent: the return's row lock serialises two scans of the same parcel, and
a return that has arrived is not received again (the second scan is told so). Each received
unit becomes a `ReturnUnit` waiting for inspection; nothing enters sellable stock until the
inspection says so.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from carriers.builtin import CarrierError, carrier_client
from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from inventory.models import Location
from orders.models import Order
from returns.models import (
    ARRIVED_STATUSES,
    RECEIVABLE_STATUSES,
    ReturnAuthorization,
    ReturnMethod,
    ReturnSource,
    ReturnStatus,
    ReturnUnit,
)
from returns.services._common import actor_id, rma_event, rma_lock, rma_transition
from returns.services.exchanges import exchange_release
from returns.services.requests import ReturnLineInput, return_request

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipt:
    rma: ReturnAuthorization
    units: int
    already: bool = False


def _quantities(rma: ReturnAuthorization, quantities: Mapping[int, int] | None) -> dict[int, int]:
    lines = {line.pk: line for line in rma.lines.all()}
    if quantities is None:
        return {pk: line.quantity for pk, line in lines.items()}
    counts: dict[int, int] = {}
    for line_id, count in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise ValidationFailed("That line is not on this return.", field=f"received[{line_id}]")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValidationFailed("Enter the units in the parcel (0 or more).", field=f"received[{line_id}]")
        if count > line.quantity:
            raise ValidationFailed(
                f"{line.sku.code}: {count} in the parcel but only {line.quantity} authorised; "
                "put the extra aside and contact the back office.",
                field=f"received[{line_id}]",
            )
        counts[line_id] = count
    if not any(counts.values()):
        raise ValidationFailed("Nothing received: enter the units in the parcel.", field="received")
    return counts


def return_receive(
    *,
    rma: ReturnAuthorization,
    location: Location,
    actor: AnyUser | None,
    quantities: Mapping[int, int] | None = None,
    actor_label: str = "",
) -> Receipt:
    """Receive an authorised return (or one in transit) at a location: its units wait for inspection.

    `quantities` (line id -> units in the parcel) defaults to everything authorised; a line
    with fewer units is received short (the rest is not expected any more). Receiving a
    return that has arrived changes nothing (`already=True`). Refused: a location that does
    not take returns, a request still waiting for approval, a rejected or cancelled return.
    The replacement order of an exchange is released to ship.
    """
    if not (location.is_active and location.accepts_returns):
        raise ValidationFailed(f"{location.code} does not take returns.", field="location")
    with transaction.atomic():
        locked = rma_lock(rma)
        if locked.status in ARRIVED_STATUSES:
            return Receipt(rma=locked, units=0, already=True)
        if locked.status not in RECEIVABLE_STATUSES:
            if locked.status == ReturnStatus.REQUESTED:
                raise Conflict(f"{locked.number} waits for approval; it cannot be received yet.")
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; do not accept the parcel.")
        counts = _quantities(locked, quantities)
        now = timezone.now()
        units: list[ReturnUnit] = []
        lines = list(locked.lines.select_related("sku").order_by("pk"))
        for line in lines:
            count = counts.get(line.pk, 0)
            line.quantity_received = count
            line.save(update_fields=["quantity_received"])
            units.extend(
                ReturnUnit(rma=locked, line=line, sequence=n, location=location, received_at=now)
                for n in range(1, count + 1)
            )
        ReturnUnit.objects.bulk_create(units)
        planned = locked.return_location
        locked.return_location = location
        locked.received_at = now
        locked.received_by_id = actor_id(actor)
        locked.save(update_fields=["return_location", "received_at", "received_by", "updated_at"])
        short = [
            f"{line.sku.code} {line.quantity_received}/{line.quantity}"
            for line in lines
            if line.quantity_received < line.quantity
        ]
        where = f"at {location.code}" + (
            f" (it was sent to {planned.code})" if planned is not None and planned.pk != location.pk else ""
        )
        message = f"{len(units)} unit{'s' if len(units) != 1 else ''} received {where}"
        message += f"; short: {', '.join(short)}." if short else "."
        rma_transition(rma=locked, to=ReturnStatus.RECEIVED, actor=actor, actor_label=actor_label, message=message)
        exchange_release(rma=locked, actor=actor, actor_label=actor_label)
    return Receipt(rma=locked, units=len(units))


def return_counter_receive(
    *,
    store: Location,
    order: Order,
    lines: Sequence[ReturnLineInput],
    actor: AnyUser | None,
    customer_note: str = "",
) -> Receipt:
    """Buy online, return in store: an associate takes units back at the counter by order number, no prior RMA.

    One transaction: the return is requested under the order's policy (refused or needing
    approval: nothing is written and the associate is told why), authorised for this store
    and received here, ready for inspection.
    """
    with transaction.atomic():
        rma = return_request(
            order=order,
            lines=lines,
            source=ReturnSource.IN_STORE,
            actor=actor,
            customer_note=customer_note,
            store=store,
            buy_label=False,
        )
        receipt = return_receive(rma=rma, location=store, actor=actor)
    rma_refreshed = ReturnAuthorization.objects.get(pk=receipt.rma.pk)
    return Receipt(rma=rma_refreshed, units=receipt.units)


def _label_void(carrier: str, tracking_number: str) -> None:
    """Give an unused return label back to the carrier (after commit; a refusal is only logged)."""
    try:
        carrier_client().void_label(carrier=carrier, tracking_number=tracking_number)
    except CarrierError as exc:
        logger.warning("Voiding return label %s %s failed: %s", carrier, tracking_number, exc)


def return_counter_receive_open(
    *,
    rma: ReturnAuthorization,
    store: Location,
    actor: AnyUser | None,
    quantities: Mapping[int, int] | None = None,
) -> Receipt:
    """The customer brings a return authorised for the mail to a store counter instead: it is received here.

    The return's location becomes the store. A label the carrier never scanned is voided
    (after commit) and forgotten, so no label price is kept from the refund; a parcel the
    carrier already has keeps its label (it was used). Refused: a store that does not take
    returns, a return that is not expected any more (409).
    """
    if not (store.is_active and store.accepts_returns):
        raise ValidationFailed(f"{store.code} does not take returns.", field="store")
    with transaction.atomic():
        locked = rma_lock(rma)
        if locked.status not in RECEIVABLE_STATUSES:
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; it cannot be taken back here.")
        carrier_had_it = locked.status == ReturnStatus.IN_TRANSIT or locked.tracking_events.exists()
        voided = ""
        fields = ["method", "updated_at"]
        if locked.tracking_number and not carrier_had_it:
            voided = locked.tracking_number
            transaction.on_commit(functools.partial(_label_void, locked.carrier, voided))
            locked.label_rate = None
            locked.label_error = ""
            fields += ["label_rate", "label_error"]
        locked.method = ReturnMethod.IN_STORE
        locked.save(update_fields=fields)
        rma_event(
            rma=locked,
            message=f"handed in at the {store.code} counter instead of mailed"
            + (f"; label {voided} voided (never used, not charged)." if voided else "."),
            actor=actor,
        )
        receipt = return_receive(rma=locked, location=store, actor=actor, quantities=quantities)
    return Receipt(rma=ReturnAuthorization.objects.get(pk=receipt.rma.pk), units=receipt.units, already=receipt.already)
