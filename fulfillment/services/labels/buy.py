"""Buy the labels of a packed shipment, box by box, never twice, then ship it.

Each box moves packed -> buying -> labelled. "Buying" is written (with the idempotency key
and the quote) before the carrier is asked, with no lock held during the call. If the call
times out the box stays "buying": the next attempt first asks the carrier whether that key
bought a label (`recover_label`) and buys only if it did not, so a retry after a timeout never
buys two. A refusal or an outage puts the box back to packed with a message that says what to
do. Once every box has its label the shipment ships (stock leaves the ledger) with the first
box's tracking number; the channel confirmation carries them all.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from carriers.builtin import Address, CarrierClient, LabelRequest, carrier_client
from carriers.connectors import connector_for
from carriers.connectors.base import (
    BoughtLabel,
    CarrierConnector,
    CarrierError,
    CarrierUnavailable,
    RateQuote,
    ShipmentRequest,
)
from carriers.documents import LabelContent, label_pdf
from carriers.models import CarrierAccount
from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from fulfillment.models import Package, PackageStatus, Shipment, ShipmentStatus
from fulfillment.services.labels.parcels import box_request, location_address, order_address
from fulfillment.services.labels.rates import QUOTE_TTL, LiveRate, location_accounts, quote_from_dict, shipment_rates
from fulfillment.services.shipments import shipment_ship
from fulfillment.services.work import _locked, _order_locked, _refuse_if_on_hold, _status_label
from orders.models import OrderStatus

BUYABLE = (PackageStatus.PACKED, PackageStatus.BUYING, PackageStatus.VOIDED, PackageStatus.VOID_PENDING)


def _key(shipment: Shipment, package: Package) -> str:
    return f"{shipment.number}-{package.box_number}-{package.packed_at:%y%m%d%H%M%S%f}"


def _label_name(package: Package, tracking_number: str, fmt: str) -> str:
    return f"{package.shipment.number}-box{package.box_number}-{tracking_number}.{fmt}"


def label_void_later(account_id: int | None, label: BoughtLabel) -> None:
    """Give a label back after commit (bought but not used: the shipment changed meanwhile)."""
    from fulfillment.tasks import bought_label_void, carrier_label_void  # noqa: PLC0415 (tasks import this module)

    if account_id is None:
        call = functools.partial(carrier_label_void.delay, carrier=label.carrier, tracking_number=label.tracking_number)
        transaction.on_commit(call)
        return
    transaction.on_commit(
        functools.partial(
            bought_label_void.delay,
            account_id=account_id,
            carrier=label.carrier,
            tracking_number=label.tracking_number,
            provider_shipment_id=label.provider_shipment_id,
            provider_label_id=label.provider_label_id,
        )
    )


def _start(shipment: Shipment, package: Package, account: CarrierAccount | None, quote: RateQuote) -> tuple[str, bool]:
    """Mark the box as being bought; returns its key and whether an earlier attempt was left open."""
    with transaction.atomic():
        locked = Package.objects.select_for_update().get(pk=package.pk)
        if locked.packed_at != package.packed_at or locked.status not in BUYABLE:
            raise Conflict(f"{shipment.number} box {package.box_number} changed meanwhile; look at it again.")
        earlier = locked.status == PackageStatus.BUYING
        locked.idempotency_key = locked.idempotency_key if earlier else _key(shipment, locked)
        if not earlier:
            locked.purchase_quote = {**(locked.purchase_quote or {}), "buying": _quote_json(quote)}
            locked.account = account
        locked.status = PackageStatus.BUYING
        locked.save(update_fields=["status", "idempotency_key", "purchase_quote", "account"])
        return locked.idempotency_key, earlier


def _quote_json(quote: RateQuote) -> dict[str, object]:
    return {
        "carrier": quote.carrier,
        "service": quote.service,
        "amount": str(quote.amount),
        "currency": quote.currency,
        "rate_id": quote.rate_id,
        "provider_shipment_id": quote.provider_shipment_id,
        "service_code": quote.service_code,
        "delivery_days": quote.delivery_days,
    }


def _back_to_packed(package: Package) -> None:
    Package.objects.filter(pk=package.pk, status=PackageStatus.BUYING, packed_at=package.packed_at).update(
        status=PackageStatus.PACKED, idempotency_key=""
    )


def _store(shipment: Shipment, package: Package, account: CarrierAccount | None, label: BoughtLabel) -> Package:
    problem = ""
    with transaction.atomic():
        current = _locked(shipment)
        locked = Package.objects.select_for_update().select_related("shipment").get(pk=package.pk)
        if locked.status == PackageStatus.LABELLED and locked.tracking_number == label.tracking_number:
            return locked
        if locked.packed_at != package.packed_at or locked.status != PackageStatus.BUYING:
            problem = f"{shipment.number} changed while its label was bought; the label is being voided."
        elif current.status not in (ShipmentStatus.PACKED, ShipmentStatus.SHIPPED):
            problem = f"{shipment.number} changed while its label was bought (now {_status_label(current)}); "
            problem += "the label is being voided."
            locked.status, locked.idempotency_key = PackageStatus.PACKED, ""
            locked.save(update_fields=["status", "idempotency_key"])
        if problem:
            label_void_later(account.pk if account else None, label)
    if problem:
        raise Conflict(problem)
    with transaction.atomic():
        locked = Package.objects.select_for_update().select_related("shipment").get(pk=package.pk)
        locked.status = PackageStatus.LABELLED
        locked.carrier, locked.service = label.carrier, label.service
        locked.tracking_number, locked.tracking_url = label.tracking_number, label.tracking_url[:500]
        locked.provider_shipment_id, locked.provider_label_id = label.provider_shipment_id, label.provider_label_id
        locked.label_format, locked.label_rate, locked.label_currency = label.label_format, label.amount, label.currency
        zpl = label.label if label.label_format == "zpl" else label.zpl
        locked.label_data = zpl.decode("ascii", "replace")
        locked.label_created_at = timezone.now()
        locked.voided_at, locked.refund_status, locked.refund_amount = None, "", None
        locked.label_file.save(
            _label_name(locked, label.tracking_number, label.label_format), ContentFile(label.label), save=False
        )
        locked.save()
        return locked


def _buy_box(
    shipment: Shipment,
    package: Package,
    *,
    account: CarrierAccount | None,
    connector: CarrierConnector | _LegacyConnector,
    quote: RateQuote,
    label_format: str,
) -> Package:
    request = box_request(shipment, package, label_format=label_format)
    key, earlier = _start(shipment, package, account, quote)
    who = account.name if account else "The carrier"
    try:
        label = connector.recover_label(request, quote, idempotency_key=key) if earlier else None
        if label is None:
            label = connector.buy(request, quote, idempotency_key=key)
    except CarrierUnavailable as exc:
        if exc.timed_out:
            raise Conflict(
                f"{who} did not answer in time for box {package.box_number}. Try again: we first ask whether "
                "that label was bought, so it is never bought twice."
            ) from exc
        _back_to_packed(package)
        wait = f" in {int(exc.retry_after)} s" if exc.retry_after else " in a minute"
        raise Conflict(f"{who} is not answering ({exc.message}); try again{wait}.") from exc
    except CarrierError as exc:
        _back_to_packed(package)
        raise ValidationFailed(
            f"{who} refused the label for box {package.box_number}: {exc.message}", field=exc.field or "label"
        ) from exc
    return _store(shipment, package, account, label)


class _LegacyConnector:
    """The configured built-in carrier client (`settings.CARRIER_CLIENT`) seen as a connector."""

    def __init__(self, client: CarrierClient, shipment: Shipment) -> None:
        self.client, self.shipment = client, shipment

    def recover_label(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel | None:
        return None  # the built-in client is idempotent per reference: buying again is the look-up

    def buy(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel:
        shipment = self.shipment
        box = int(request.reference.rsplit("-", 1)[1])
        package = shipment.packages.get(box_number=box)
        origin, dest = location_address(shipment.location), order_address(shipment.order)
        made = self.client.create_label(
            LabelRequest(
                carrier=shipment.carrier,
                service=shipment.service,
                reference=shipment.number if box == 1 else f"{shipment.number}-{box}",
                weight_grams=package.weight_grams,
                ship_from=Address(
                    origin.name, origin.city, origin.state, origin.postal_code, origin.country, origin.street1
                ),
                ship_to=Address(dest.name, dest.city, dest.state, dest.postal_code, dest.country, dest.street1),
            )
        )
        count = shipment.packages.count()
        pdf = label_pdf(
            LabelContent(
                carrier=shipment.carrier,
                service=shipment.service,
                tracking_number=made.tracking_number,
                ship_from=origin,
                ship_to=dest,
                weight_grams=package.weight_grams,
                reference=shipment.number,
                box=f"{box} of {count}",
                created=made.created_at.date(),
            )
        )
        return BoughtLabel(
            tracking_number=made.tracking_number,
            carrier=shipment.carrier,
            service=shipment.service,
            amount=made.rate,
            currency="USD",
            label_format="pdf",
            label=pdf,
            zpl=made.label_data.encode(),
        )


def _rate_for(shipment: Shipment, packages: list[Package], key: str) -> LiveRate:
    """The chosen rate with a fresh quote for each box (stored quotes while fresh, else rate again)."""
    fresh_since = (timezone.now() - QUOTE_TTL).isoformat()
    stored = [p.purchase_quote or {} for p in packages]
    if key and all(s.get("rated_at", "") >= fresh_since and key in s.get("quotes", {}) for s in stored):
        quotes = tuple(quote_from_dict(s["quotes"][key]) for s in stored)
        first = quotes[0]
        account_id = key.split("|")[0]
        return LiveRate(
            key=key,
            account_id=int(account_id) if account_id.isdigit() else None,
            account_name="",
            carrier=first.carrier,
            service=first.service,
            amount=sum((q.amount for q in quotes), Decimal(0)),
            currency=first.currency,
            delivery_days=first.delivery_days,
            arrives=None,
            on_time=None,
            quotes=quotes,
        )
    shop = shipment_rates(shipment)
    rate = shop.find(key) if key else shop.chosen
    if rate is None:
        problems = " ".join(shop.problems)
        raise ValidationFailed(
            ("That rate is no longer offered; choose another. " if key else "No carrier quoted this shipment. ")
            + problems,
            field="rate",
        )
    return rate


def shipment_labels_buy(
    *,
    shipment: Shipment,
    actor: AnyUser | None,
    rate_key: str = "",
    actor_label: str = "",
    client: CarrierClient | None = None,
) -> list[Package]:
    """Buy a label for every box of a packed shipment still without one, then ship it.

    `rate_key` picks one of the offers of `shipment_rates` (default: the channel rule's choice).
    Boxes already labelled are kept (a retry buys only the rest). Returns the boxes.
    """
    current = Shipment.objects.select_related("order__channel", "location").get(pk=shipment.pk)
    packages = list(current.packages.order_by("box_number"))
    if not packages:
        raise Conflict(f"Pack {current.number} before buying its label.")
    if current.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED) and all(
        p.status == PackageStatus.LABELLED for p in packages
    ):
        return packages
    if current.status != ShipmentStatus.PACKED and not (
        current.status == ShipmentStatus.SHIPPED and any(p.status in BUYABLE for p in packages)
    ):
        raise Conflict(f"{current.number} is {_status_label(current)}; only a packed shipment gets a label.")
    _refuse_if_on_hold(current)
    todo = [p for p in packages if p.status in BUYABLE]
    accounts = {a.pk: a for a in location_accounts(current)}
    if todo and accounts:
        rate = _rate_for(current, packages, rate_key)
        account = accounts.get(rate.account_id or 0)
        if account is None:
            raise ValidationFailed("That carrier account is no longer available at this location.", field="rate")
        connector = connector_for(account)
        for package, quote in zip(packages, rate.quotes, strict=True):
            if package.status not in BUYABLE:
                continue
            if package.status == PackageStatus.BUYING and "buying" in (package.purchase_quote or {}):
                # An earlier attempt is open: look up exactly what it was buying, not a new quote.
                quote = quote_from_dict(package.purchase_quote["buying"])
            _buy_box(
                current, package, account=account, connector=connector, quote=quote, label_format=account.label_format
            )
    elif todo:
        legacy = _LegacyConnector(client or carrier_client(), current)
        quote = RateQuote(
            carrier=current.carrier, service=current.service, amount=Decimal(0), currency="USD", rate_id=""
        )
        for package in todo:
            _buy_box(current, package, account=None, connector=legacy, quote=quote, label_format="pdf")
    _ship_if_labelled(current, actor=actor, actor_label=actor_label)
    return list(current.packages.order_by("box_number"))


def _ship_if_labelled(shipment: Shipment, *, actor: AnyUser | None, actor_label: str) -> None:
    with transaction.atomic():
        locked = _locked(shipment)
        boxes = list(Package.objects.select_for_update().filter(shipment=locked).order_by("box_number"))
        if locked.status != ShipmentStatus.PACKED or not boxes:
            return
        if any(box.status != PackageStatus.LABELLED for box in boxes):
            return
        if _order_locked(locked.order_id).status == OrderStatus.ON_HOLD:
            raise Conflict(
                f"Order {locked.order.number} is on hold; its labels are kept. Release it, then ship {locked.number}."
            )
        first = boxes[0]
        if first.carrier and (first.carrier, first.service) != (locked.carrier, locked.service):
            locked.carrier, locked.service = first.carrier[:40], first.service[:40]
            locked.save(update_fields=["carrier", "service", "updated_at"])
        shipment_ship(shipment=locked, actor=actor, tracking_number=first.tracking_number, actor_label=actor_label)
