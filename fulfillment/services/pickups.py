"""Buy online, pick up in store: a pickup order's life at its store.

new -> picking (`pickup_start`) -> ready (`pickup_mark_ready`: every unit scanned, the customer
is emailed a pickup code and QR code) -> picked up (`pickup_handover`: stock reserved -> shipped
in the ledger; refused lines released). A ready pickup not collected within the store's hold
period expires (`pickups_expire`, a beat task): its stock is released once and the order
timeline says why. Customers are reminded before that (`pickups_remind`).

A pickup's units are its order's shipments at the store (carrier "pickup"), moved through
the shipment statuses requested -> picking -> packed -> shipped, so every stock change goes
through the same services as any shipment. Units the store does not have wait (backordered)
until staff choose "transfer to store" (`pickup_transfer_to_store`): a warehouse transfer to
the store; when it is received the units are reserved for the pickup and it moves to "picking"
(the associate still scans each unit and marks it ready). `pickups_transfers_sweep` (run by
the expiry beat task) finishes any received transfer whose on-commit handler was lost.

While the order is on hold nothing is picked, marked ready or handed over (409).

Locking (the rule of `fulfillment.services.reroute`): the ORDER row first, then the pickup
row, then its shipments in pk order. Each service locks the order, then re-reads the pickup
under its lock and checks its status again, so two services (expiry and a staff cancel, a
handover and a re-route) queue behind each other instead of deadlocking.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from core.errors import Conflict, NotFound, ValidationFailed
from core.types import AnyUser, actor_id
from fulfillment.models import (
    SHIPMENT_TRANSITIONS,
    Pickup,
    PickupStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from fulfillment.services.shipments import order_document, order_status_sync, shipment_ship
from fulfillment.services.work import scan_key
from fulfillment.store_hours import local
from inventory.models import SKU, Location, Transfer, TransferStatus
from inventory.services import StockLine, stock_release, transfer_create
from orders.models import DeliveryMethod, Order, OrderEventKind, OrderLine, OrderStatus
from orders.services import order_event_add, order_line_deallocate

logger = logging.getLogger(__name__)

#: Pickup codes avoid characters people confuse (0/O, 1/I/L, 2/Z, 5/S, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
MAX_SCANS = 2_000
EXPIRY_BATCH = 500
_ORDER_NUMBER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)


def pickup_code_new() -> str:
    """A fresh random pickup code, e.g. "K7Q4XM" (25^6 = 244 million possibilities), unused so far."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Pickup.objects.filter(code=code).exists():
            return code


def normalize_code(raw: str) -> str:
    """What a person typed or a scanner read, as a code: upper case, no spaces or dashes, QR prefix dropped."""
    text = (raw or "").strip().upper()
    text = text.removeprefix("PICKUP:")
    return re.sub(r"[\s\-]", "", text)[:40]


def _locked(pickup: Pickup) -> Pickup:
    """The pickup under its row lock, its order row locked FIRST (see the module docstring).

    The returned pickup's `order` is the locked, freshly read order.
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=pickup.order_id)
    locked = Pickup.objects.select_for_update(of=("self",)).select_related("location").get(pk=pickup.pk)
    locked.order = order
    return locked


def _refuse_if_on_hold(pickup: Pickup, doing: str) -> None:
    """409 while the (locked) order is on hold: staff hold an order to stop all work on it."""
    if pickup.order.status == OrderStatus.ON_HOLD:
        raise Conflict(f"Order {pickup.order.number} is on hold; the back office must release it before {doing}.")


def _event(pickup: Pickup, message: str, *, actor: AnyUser | None, actor_label: str = "", **data: object) -> None:
    order_event_add(
        order=pickup.order,
        kind=OrderEventKind.SHIPMENT,
        message=message,
        actor=actor,
        actor_label=actor_label,
        data={"pickup": pickup.pk, **data},
    )


def _store_shipments(pickup: Pickup, statuses: Collection[str]) -> list[Shipment]:
    """The pickup's shipments at its store in these statuses, locked in pk order."""
    return list(
        Shipment.objects.select_for_update(of=("self",))
        .filter(order_id=pickup.order_id, location_id=pickup.location_id, status__in=list(statuses))
        .order_by("pk")
    )


def _move(shipments: Sequence[Shipment], path: Sequence[str], reason: str) -> None:
    """Walk locked shipments along `path` of statuses from where each one is (each step allowed by
    SHIPMENT_TRANSITIONS)."""
    for shipment in shipments:
        steps = list(path)
        if shipment.status in steps:
            steps = steps[steps.index(shipment.status) + 1 :]
        for to in steps:
            if to not in SHIPMENT_TRANSITIONS.get(shipment.status, frozenset()):
                raise Conflict(f"{shipment.number} is {shipment.get_status_display().lower()}; it cannot be {to}.")
            shipment.status = to
        shipment.status_reason = reason[:255]
        shipment.save(update_fields=["status", "status_reason", "updated_at"])


def _waiting_units(order: Order) -> int:
    return sum(line.quantity_backordered for line in OrderLine.objects.filter(order=order))


# --- Opening (from routing) -----------------------------------------------------------------


def pickup_open(*, order: Order, now: datetime | None = None) -> Pickup | None:
    """Create the pickup of a pickup order (once), with a code and the promised ready-by time.

    Called by `order_route` in the order's transaction. A pickup waiting for stock has no
    ready-by time until its units are reserved at the store (then it gets one). Returns None
    for a ship order.
    """
    from fulfillment.selectors.stores import store_clocks
    from fulfillment.store_hours import pickup_ready_by

    if order.delivery_method != DeliveryMethod.PICKUP or order.pickup_location_id is None:
        return None
    existing = Pickup.objects.filter(order=order).first()
    if existing is not None and (existing.ready_by is not None or not existing.is_open):
        return existing
    store = Location.objects.get(pk=order.pickup_location_id)
    now = now or timezone.now()
    ready_by = None
    if _waiting_units(order) == 0:
        ready_by = pickup_ready_by(store_clocks([store], now=now)[store.pk], max(now, order.placed_at))
    if existing is not None:
        Pickup.objects.filter(pk=existing.pk).update(ready_by=ready_by)
        existing.ready_by = ready_by
        return existing
    return Pickup.objects.create(order=order, location=store, code=pickup_code_new(), ready_by=ready_by)


# --- Picking and ready ----------------------------------------------------------------------


def pickup_start(*, pickup: Pickup, actor: AnyUser | None, actor_label: str = "") -> Pickup:
    """The associate starts picking a new pickup. Starting one being picked changes nothing.

    Refused (409) while units still wait for stock at the store.
    """
    with transaction.atomic():
        locked = _locked(pickup)
        if locked.status == PickupStatus.PICKING:
            return locked
        if locked.status != PickupStatus.NEW:
            raise Conflict(f"Pickup {locked.order.number} is {locked.get_status_display().lower()}; nothing to pick.")
        _refuse_if_on_hold(locked, "you pick it")
        waiting = _waiting_units(locked.order)
        if waiting:
            raise Conflict(
                f"{waiting} unit{'s' if waiting != 1 else ''} of {locked.order.number} are not in the store yet; "
                "wait for the transfer (or ask the back office to send one) before picking."
            )
        _move(
            _store_shipments(locked, [ShipmentStatus.REQUESTED]), [ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING], ""
        )
        locked.status = PickupStatus.PICKING
        locked.save(update_fields=["status", "updated_at"])
        _event(locked, f"Pickup at {locked.location.code}: picking started.", actor=actor, actor_label=actor_label)
        order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)
    return locked


def _verify_scans(order: Order, shipments: Sequence[Shipment], codes: Sequence[str]) -> None:
    """Every unit of the pickup scanned exactly once (barcode or SKU code), else a clear refusal."""
    expected: Counter[int] = Counter()
    for line in ShipmentLine.objects.filter(shipment__in=list(shipments)):
        expected[line.sku_id] += line.quantity
    skus = {sku.pk: sku for sku in SKU.objects.filter(pk__in=list(expected))}
    keys: dict[str, int] = {}
    for sku in sorted(skus.values(), key=lambda s: s.code):
        keys.setdefault(scan_key(sku.code), sku.pk)
        if sku.barcode:
            keys.setdefault(scan_key(sku.barcode), sku.pk)
    scanned: Counter[int] = Counter()
    problems = []
    for code in codes:
        sku_id = keys.get(scan_key(code))
        if sku_id is None:
            problems.append(f"{code} is not in {order.number}.")
        else:
            scanned[sku_id] += 1
    for sku_id, want in sorted(expected.items(), key=lambda item: skus[item[0]].code):
        got = scanned[sku_id]
        if got != want:
            problems.append(f"{skus[sku_id].code}: scanned {got} of {want}.")
    if problems:
        raise ValidationFailed(f"{order.number} is not ready: " + " ".join(problems), field="scanned")


def pickup_mark_ready(
    *, pickup: Pickup, scanned: Sequence[str] | None, actor: AnyUser | None, actor_label: str = ""
) -> Pickup:
    """Every unit is picked and set aside: the pickup is ready and the customer is emailed the code.

    `scanned` holds one barcode (or SKU code) per unit, checked against the pickup; None skips
    the check (a transfer received for the pickup: the units were counted at receipt). The hold
    period starts now. Marking a ready pickup ready again changes nothing.
    """
    from fulfillment.selectors.stores import profile_of
    from fulfillment.services.stores import hold_until
    from fulfillment.tasks import pickup_notify

    codes = [str(code).strip() for code in (scanned or []) if str(code).strip()]
    if len(codes) > MAX_SCANS:
        raise ValidationFailed(f"At most {MAX_SCANS:,} scans.", field="scanned")
    with transaction.atomic():
        locked = _locked(pickup)
        if locked.status == PickupStatus.READY:
            return locked
        if locked.status not in (PickupStatus.NEW, PickupStatus.PICKING):
            raise Conflict(
                f"Pickup {locked.order.number} is {locked.get_status_display().lower()}; it cannot be ready."
            )
        _refuse_if_on_hold(locked, "it is marked ready")
        waiting = _waiting_units(locked.order)
        if waiting:
            raise Conflict(f"{waiting} unit(s) of {locked.order.number} are not in the store yet.")
        shipments = _store_shipments(
            locked, [ShipmentStatus.REQUESTED, ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING]
        )
        if not shipments:
            raise Conflict(f"{locked.order.number} has nothing reserved at {locked.location.code}.")
        if scanned is not None:
            _verify_scans(locked.order, shipments, codes)
        _move(
            shipments,
            [ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING, ShipmentStatus.PACKED],
            "ready for pickup",
        )
        now = timezone.now()
        profile = profile_of(locked.location)
        locked.status = PickupStatus.READY
        locked.ready_at = now
        locked.hold_until = hold_until(ready_at=now, hold_days=profile.hold_days)
        locked.save(update_fields=["status", "ready_at", "hold_until", "updated_at"])
        _event(
            locked,
            f"Ready for pickup at {locked.location.code}; held until "
            f"{local(locked.hold_until, locked.location.timezone):%a %d %b %H:%M} local time.",
            actor=actor,
            actor_label=actor_label,
        )
        order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)
        transaction.on_commit(functools.partial(pickup_notify.delay, pickup_id=locked.pk, kind="ready"))
    return locked


# --- Handover -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickupLookup:
    """What a scan at the counter found: the pickup to hand over, or why not."""

    pickup: Pickup | None
    error: str = ""
    by_code: bool = False


def _attempt(pickup: Pickup, message: str, *, actor: AnyUser | None, code: str) -> None:
    """Record a security-relevant attempt on the order's timeline (its own transaction: kept when refused)."""
    with transaction.atomic():
        order_event_add(
            order=pickup.order,
            kind=OrderEventKind.NOTE,
            message=message,
            actor=actor,
            data={"pickup": pickup.pk, "code_presented": code[:40], "security": True},
        )


def pickup_lookup(*, store: Location, raw: str, actor: AnyUser | None) -> PickupLookup:
    """Find the pickup a customer came for, by pickup code (typed or scanned) or order number.

    Only a ready pickup of this store is handed over. A code of another store's pickup is
    refused and recorded on that order's timeline; an unknown code is refused and logged; an
    expired, collected or cancelled pickup is refused with what happened. Nothing else changes.
    """
    code = normalize_code(raw)
    if not code:
        return PickupLookup(None, "Scan the customer's pickup code or type the order number.")
    pickup = Pickup.objects.select_related("order", "location").filter(code=code).first()
    by_code = pickup is not None
    if pickup is None:
        number = _ORDER_NUMBER.fullmatch(code)
        wanted = Q(order__external_id=raw.strip())
        if number:
            wanted |= Q(order_id=int(number.group(1)))
        # An external id is unique per channel only: this store's own pickup comes first, so
        # another channel's order with the same id at another store never shadows it.
        pickup = (
            Pickup.objects.select_related("order", "location")
            .filter(wanted)
            .annotate(
                elsewhere=Case(When(location=store, then=Value(0)), default=Value(1), output_field=IntegerField())
            )
            .order_by("elsewhere", "-pk")
            .first()
        )
    if pickup is None:
        logger.warning("Unknown pickup code %r presented at %s by user %s.", code, store.code, actor_id(actor))
        return PickupLookup(None, f"No pickup has the code or order number {code}. Check it with the customer.")
    if pickup.location_id != store.pk:
        if by_code:
            _attempt(
                pickup,
                f"Pickup code presented at {store.code}, but this pickup is at {pickup.location.code}; refused.",
                actor=actor,
                code=code,
            )
        return PickupLookup(
            None,
            f"{pickup.order.number} is to be collected at {pickup.location.name}, not here. Nothing was handed over.",
        )
    return _lookup_state(pickup, by_code=by_code)


def _lookup_state(pickup: Pickup, *, by_code: bool) -> PickupLookup:
    number = pickup.order.number
    if pickup.status == PickupStatus.READY:
        return PickupLookup(pickup, by_code=by_code)
    if pickup.status == PickupStatus.EXPIRED:
        when = local(pickup.closed_at or pickup.updated_at, pickup.location.timezone)
        return PickupLookup(
            None, f"{number} expired on {when:%a %d %b} and its items went back on sale. Nothing to hand over."
        )
    if pickup.status == PickupStatus.PICKED_UP:
        when = local(pickup.picked_up_at or pickup.updated_at, pickup.location.timezone)
        return PickupLookup(None, f"{number} was already picked up on {when:%a %d %b at %H:%M}.")
    if pickup.status == PickupStatus.CANCELLED:
        return PickupLookup(None, f"{number} was cancelled; nothing to hand over.")
    return PickupLookup(
        None, f"{number} is not ready yet ({pickup.get_status_display().lower()}); finish picking it first."
    )


def pickup_handover(
    *,
    pickup: Pickup,
    actor: AnyUser | None,
    id_checked: bool,
    refused_line_ids: Collection[int] = (),
    code: str = "",
    actor_label: str = "",
) -> Pickup:
    """Hand a ready pickup to the customer: reserved stock becomes shipped; refused lines are released.

    The associate must confirm the customer's photo ID. A `code` given that is not this
    pickup's is refused and recorded on the timeline. A second click (already picked up) is a
    409 and changes nothing. If the customer refuses every line the pickup is cancelled.
    """
    presented = normalize_code(code)
    if presented and presented != pickup.code:
        _attempt(
            pickup, f"Wrong pickup code {presented} presented for this pickup; refused.", actor=actor, code=presented
        )
        raise ValidationFailed("That code does not belong to this pickup. Nothing was handed over.", field="code")
    if not id_checked:
        raise ValidationFailed(
            f"Check the customer's photo ID matches {pickup.order.customer_name}, then tick the box.",
            field="id_checked",
        )
    with transaction.atomic():
        locked = _locked(pickup)
        if locked.status != PickupStatus.READY:
            raise Conflict(_lookup_state(locked, by_code=False).error or "This pickup cannot be handed over.")
        _refuse_if_on_hold(locked, "it is handed over")
        refused = set(refused_line_ids)
        lines = {line.pk: line for line in OrderLine.objects.filter(order=locked.order)}
        unknown = refused - set(lines)
        if unknown:
            raise NotFound("A refused line is not part of this order.", field="refused")
        shipments = _store_shipments(locked, [ShipmentStatus.PACKED])
        handed = released = 0
        for shipment in shipments:
            kept = released_here = 0
            for sl in list(shipment.lines.select_related("order_line")):
                if sl.order_line_id in refused:
                    stock_release(
                        location=locked.location,
                        lines=[StockLine(sl.sku_id, sl.quantity)],
                        actor=actor,
                        document=order_document(locked.order),
                        note=f"{shipment.number}: refused at pickup",
                    )
                    order_line_deallocate(line=sl.order_line, quantity=sl.quantity, cancel=True)
                    released_here += sl.quantity
                    sl.delete()
                else:
                    kept += sl.quantity
            released += released_here
            if kept == 0:
                shipment.status = ShipmentStatus.CANCELLED
                shipment.status_reason = "refused by the customer at pickup"
                shipment.save(update_fields=["status", "status_reason", "updated_at"])
                continue
            shipment_ship(
                shipment=shipment,
                actor=actor,
                actor_label=actor_label,
                event_message=f"{shipment.number} handed over to the customer at {locked.location.code}.",
            )
            handed += kept
        now = timezone.now()
        locked.status = PickupStatus.PICKED_UP if handed else PickupStatus.CANCELLED
        locked.picked_up_at = now if handed else None
        locked.picked_up_by_id = actor_id(actor)
        locked.closed_at = now
        locked.status_reason = f"{released} unit(s) refused by the customer" if released else ""
        locked.save(
            update_fields=["status", "picked_up_at", "picked_up_by", "closed_at", "status_reason", "updated_at"]
        )
        how = "pickup code" if presented else "order number"
        message = f"Picked up at {locked.location.code} by {locked.order.customer_name} (photo ID checked, {how})."
        if released:
            message += f" {released} refused unit(s) released back to stock."
        if not handed:
            message = f"Customer refused every item at {locked.location.code}; {released} unit(s) released."
        _event(locked, message, actor=actor, actor_label=actor_label, handed=handed, released=released)
        order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)
        if handed:
            from fulfillment.signals import pickup_completed

            transaction.on_commit(
                functools.partial(pickup_completed.send, sender=Pickup, pickup_id=locked.pk, order_id=locked.order_id)
            )
    return locked


# --- Expiry and reminders (beat tasks) --------------------------------------------------------


def pickup_expire(*, pickup: Pickup, now: datetime | None = None) -> bool:
    """Expire one ready pickup whose hold has ended: cancel what was not collected, release its stock.

    An order on hold is left alone (staff are looking at it); it expires at the first run
    after its release. True if it expired now; False if it was not (or no longer) due, so running twice releases
    nothing twice.
    """
    from fulfillment.services.cancel import order_cancel

    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(pickup)
        if locked.status != PickupStatus.READY or locked.hold_until is None or locked.hold_until > now:
            return False
        if locked.order.status == OrderStatus.ON_HOLD:
            return False  # staff are looking at the order: it expires once released, if still uncollected
        held = (locked.hold_until - (locked.ready_at or locked.hold_until)).days
        reason = (
            f"Pickup not collected at {locked.location.code} within the {held}-day hold "
            f"(until {local(locked.hold_until, locked.location.timezone):%a %d %b %H:%M} local); stock released."
        )
        order_cancel(order=locked.order, actor=None, actor_label="pickup expiry", reason=reason)
        locked.status = PickupStatus.EXPIRED
        locked.closed_at = now
        locked.status_reason = reason[:255]
        locked.save(update_fields=["status", "closed_at", "status_reason", "updated_at"])
    return True


def pickups_expire(*, now: datetime | None = None, limit: int = EXPIRY_BATCH) -> list[int]:
    """Expire every ready pickup past its hold, each in its own transaction. Returns the expired ids."""
    now = now or timezone.now()
    due = list(
        Pickup.objects.filter(status=PickupStatus.READY, hold_until__lte=now)
        .exclude(order__status=OrderStatus.ON_HOLD)
        .order_by("hold_until", "pk")[:limit]
    )
    expired = []
    for pickup in due:
        try:
            if pickup_expire(pickup=pickup, now=now):
                expired.append(pickup.pk)
        except Exception:  # one broken pickup must not stop the others
            logger.exception("Could not expire pickup %s.", pickup.pk)
    return expired


def pickups_remind(*, now: datetime | None = None, limit: int = EXPIRY_BATCH) -> list[int]:
    """Queue a reminder for ready pickups whose hold ends within the store's reminder window (once each)."""
    from fulfillment.selectors.stores import profile_of
    from fulfillment.tasks import pickup_notify

    now = now or timezone.now()
    horizon = now + timedelta(days=60)
    candidates = (
        Pickup.objects.filter(status=PickupStatus.READY, reminded_at__isnull=True, hold_until__gt=now)
        .filter(hold_until__lte=horizon)
        .select_related("location__store_profile")
        .order_by("hold_until", "pk")[:limit]
    )
    queued = []
    for pickup in candidates:
        window = timedelta(hours=profile_of(pickup.location).reminder_hours)
        if pickup.hold_until is None or pickup.hold_until - window > now:
            continue
        with transaction.atomic():
            claimed = Pickup.objects.filter(pk=pickup.pk, reminded_at__isnull=True, status=PickupStatus.READY).update(
                reminded_at=now
            )
            if claimed:
                transaction.on_commit(functools.partial(pickup_notify.delay, pickup_id=pickup.pk, kind="reminder"))
                queued.append(pickup.pk)
    return queued


# --- Transfer to store ----------------------------------------------------------------------


def pickup_transfer_to_store(
    *, pickup: Pickup, actor: AnyUser | None, source: Location | None = None, actor_label: str = ""
) -> Transfer:
    """Staff choose "transfer to store": the units the store lacks come from a warehouse.

    Creates a transfer (reserving at the source) for every unit of the pickup still waiting.
    Without `source`, the warehouse with all of them that reaches the store first is chosen.
    When the transfer is received, the units are reserved for this pickup and it moves to
    "picking": the associate scans them and marks it ready.
    """
    from fulfillment.selectors.stores import atp_at, transfer_eta, transfer_sources

    with transaction.atomic():
        locked = _locked(pickup)
        if locked.status not in (PickupStatus.NEW, PickupStatus.PICKING):
            raise Conflict(f"Pickup {locked.order.number} is {locked.get_status_display().lower()}.")
        if (
            locked.transfer_id
            and locked.transfer
            and locked.transfer.status
            in (
                TransferStatus.REQUESTED,
                TransferStatus.SHIPPED,
            )
        ):
            raise Conflict(f"{locked.transfer.number} is already bringing the units for {locked.order.number}.")
        waiting: dict[int, int] = {}
        for line in OrderLine.objects.filter(order=locked.order):
            if line.quantity_backordered > 0:
                waiting[line.sku_id] = waiting.get(line.sku_id, 0) + line.quantity_backordered
        if not waiting:
            raise Conflict(f"Every unit of {locked.order.number} is already in the store.")
        candidates = [source] if source is not None else transfer_sources()
        stock = atp_at([c.pk for c in candidates], list(waiting))
        able = [c for c in candidates if all(stock[c.pk].get(sku, 0) >= qty for sku, qty in waiting.items())]
        if not able:
            where = source.code if source is not None else "any warehouse"
            raise Conflict(f"{where} does not have every missing unit of {locked.order.number}.", field="source")
        now = timezone.now()
        chosen = min(able, key=lambda c: (transfer_eta(c, locked.location, now=now), c.priority, c.code))
        transfer = transfer_create(
            source=chosen,
            destination=locked.location,
            lines=[StockLine(sku, qty) for sku, qty in waiting.items()],
            actor=actor,
            note=f"For pickup {locked.order.number} ({locked.order.customer_name})",
        )
        arrives = transfer_eta(chosen, locked.location, now=now)
        locked.transfer = transfer
        locked.save(update_fields=["transfer", "updated_at"])
        _event(
            locked,
            f"Transfer to store: {transfer.number} from {chosen.code} brings {sum(waiting.values())} unit(s); "
            f"expected {arrives:%a %d %b}. The store picks the pickup when it is received.",
            actor=actor,
            actor_label=actor_label,
            transfer=transfer.pk,
        )
    return transfer


def pickups_after_transfer_received(*, location_id: int | None = None) -> list[int]:
    """Reserve received transfer units for the new pickups that asked for them; those pickups move to picking.

    Called after a receipt at a store commits (`location_id`), and for every store by
    `pickups_transfers_sweep` in case that on-commit handler was lost. Each pickup in its own
    transaction (order row first, as `order_route` locks it). Running it twice does nothing
    more: routing only takes waiting units, and a picking pickup is not new any more. The
    pickup is not marked ready here: the associate still scans every unit and marks it ready
    (the customer is emailed then). An order on hold is left for later (routing skips it).
    Returns the ids of the pickups that moved to picking.
    """
    from fulfillment.services.routing import order_route

    due = Pickup.objects.filter(status=PickupStatus.NEW, transfer__status=TransferStatus.RECEIVED)
    if location_id is not None:
        due = due.filter(location_id=location_id)
    started = []
    for pickup in list(due.select_related("order").order_by("pk")[:EXPIRY_BATCH]):
        try:
            with transaction.atomic():
                order_route(
                    order=pickup.order, actor=None, actor_label="transfer received", trigger="transfer to store"
                )
                locked = _locked(pickup)
                if locked.status != PickupStatus.NEW or locked.order.status == OrderStatus.ON_HOLD:
                    continue
                if _waiting_units(locked.order) == 0:
                    pickup_start(pickup=locked, actor=None, actor_label="transfer received")
                    _event(
                        locked,
                        f"{locked.transfer.number if locked.transfer else 'The transfer'} received at "
                        f"{locked.location.code}: units reserved; scan them and mark the pickup ready.",
                        actor=None,
                        actor_label="transfer received",
                    )
                    started.append(pickup.pk)
        except Exception:
            logger.exception("Could not finish pickup %s after its transfer arrived.", pickup.pk)
    return started


def pickups_transfers_sweep() -> list[int]:
    """Beat-safe catch-up: pickups still new although their transfer was received (a lost on-commit
    handler, a worker restart) get their units reserved and move to picking. Idempotent."""
    return pickups_after_transfer_received(location_id=None)
