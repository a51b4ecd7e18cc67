"""A prepaid return label to put in the box: the customer sends the parcel back on it if needed.

Bought on the carrier account the outbound label used (cheapest return rate it quotes), for
box 1, with its own idempotency key; a shipment labelled by the built-in carrier gets the
built-in carrier's return label. Asking again returns the label already bought.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction

from carriers.builtin import Address, Label, LabelRequest, carrier_client
from carriers.connectors import connector_for
from carriers.connectors.base import BoughtLabel, CarrierError, CarrierUnavailable
from carriers.documents import LabelContent, label_pdf
from core.errors import Conflict, ValidationFailed
from fulfillment.models import Package, PackageStatus, Shipment
from fulfillment.services.labels.parcels import box_request


def _builtin_return(shipment: Shipment, package: Package) -> BoughtLabel:
    request = box_request(shipment, package, label_format="pdf", is_return=True)
    origin, dest = request.ship_from, request.ship_to
    legacy = LabelRequest(
        carrier=shipment.carrier,
        service=shipment.service,
        reference=f"RT-{shipment.number}",
        weight_grams=package.weight_grams,
        ship_from=Address(origin.name, origin.city, origin.state, origin.postal_code, origin.country, origin.street1),
        ship_to=Address(dest.name, dest.city, dest.state, dest.postal_code, dest.country, dest.street1),
    )
    client = carrier_client()
    buy = getattr(client, "create_return_label", None)  # a carrier client may sell outbound labels only
    made: Label = buy(legacy) if callable(buy) else client.create_label(legacy)
    pdf = label_pdf(
        LabelContent(
            carrier=shipment.carrier,
            service=shipment.service,
            tracking_number=made.tracking_number,
            ship_from=origin,
            ship_to=dest,
            weight_grams=package.weight_grams,
            reference=f"{shipment.number} return",
            is_return=True,
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
    )


def shipment_return_label(*, shipment: Shipment) -> Package:
    """Buy (once) a prepaid return label for a labelled shipment; stored on box 1."""
    package = Package.objects.select_related("account", "shipment").filter(shipment=shipment, box_number=1).first()
    if package is None or package.status != PackageStatus.LABELLED:
        raise Conflict(f"Buy the outbound label of {shipment.number} before its return label.")
    if package.return_tracking_number:
        return package
    current = Shipment.objects.select_related("order", "location").get(pk=shipment.pk)
    try:
        if package.account is None:
            label = _builtin_return(current, package)
        else:
            connector = connector_for(package.account)
            request = box_request(current, package, label_format=package.account.label_format, is_return=True)
            quotes = connector.rates(request)
            if not quotes:
                raise ValidationFailed(f"{package.account.name} quoted no return rate for {shipment.number}.")
            cheapest = min(quotes, key=lambda q: q.amount)
            key = f"{package.idempotency_key or shipment.number}-R"
            label = connector.recover_label(request, cheapest, idempotency_key=key) or connector.buy(
                request, cheapest, idempotency_key=key
            )
    except CarrierUnavailable as exc:
        raise Conflict(f"The carrier is not answering ({exc.message}); try again in a minute.") from exc
    except CarrierError as exc:
        raise ValidationFailed(f"The carrier refused the return label: {exc.message}") from exc
    with transaction.atomic():
        locked = Package.objects.select_for_update().get(pk=package.pk)
        if locked.return_tracking_number:
            return locked
        locked.return_tracking_number = label.tracking_number
        locked.return_label_file.save(
            f"{shipment.number}-return-{label.tracking_number}.{label.label_format}",
            ContentFile(label.label),
            save=False,
        )
        locked.save(update_fields=["return_tracking_number", "return_label_file"])
    return locked
