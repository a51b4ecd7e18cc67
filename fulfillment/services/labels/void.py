"""Void a box's label (refund recorded) and close the day with a manifest per account and location."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from carriers.builtin import carrier_client
from carriers.connectors import connector_for
from carriers.connectors.base import BoughtLabel, CarrierError, CarrierUnavailable, PostalAddress
from carriers.documents import ManifestContent, ManifestParcel, manifest_pdf
from carriers.models import CarrierAccount, Manifest
from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from fulfillment.models import Package, PackageStatus
from fulfillment.services.labels.parcels import location_address
from inventory.models import Location
from orders.models import OrderEventKind
from orders.services import order_event_add


def bought_label(package: Package) -> BoughtLabel:
    """A stored box label in the connectors' terms (what a void or a manifest sends back)."""
    return BoughtLabel(
        tracking_number=package.tracking_number,
        carrier=package.carrier,
        service=package.service,
        amount=package.label_rate or Decimal(0),
        currency=package.label_currency or "USD",
        label_format=package.label_format,
        label=b"",
        provider_shipment_id=package.provider_shipment_id,
        provider_label_id=package.provider_label_id,
    )


def package_void(*, package: Package, actor: AnyUser | None, actor_label: str = "") -> Package:
    """Give a box's label back to the carrier; the refund is recorded and the box needs a new label.

    Refused when the label is on a closed manifest (handed to the driver) or when the carrier
    refuses (its void window passed: its reason is shown). A carrier that settles refunds later
    leaves the box "void requested" with the refund pending.
    """
    current = Package.objects.select_related("shipment__order", "account").get(pk=package.pk)
    if current.status != PackageStatus.LABELLED:
        raise Conflict(f"Box {current.box_number} of {current.shipment.number} has no label to void.")
    if current.manifest_id:
        raise Conflict(
            f"The label of box {current.box_number} is on manifest MF-{current.manifest_id:06d}: "
            "it was handed to the carrier and can no longer be voided."
        )
    try:
        if current.account is None:
            carrier_client().void_label(carrier=current.carrier, tracking_number=current.tracking_number)
            status, message = "refunded", ""
        else:
            result = connector_for(current.account).void(bought_label(current))
            status, message = result.status, result.message
    except CarrierUnavailable as exc:
        raise Conflict(f"The carrier is not answering ({exc.message}); try the void again in a minute.") from exc
    except CarrierError as exc:
        raise ValidationFailed(f"The carrier refused to void {current.tracking_number}: {exc.message}") from exc
    if status == "rejected":
        raise ValidationFailed(f"The carrier refused to void {current.tracking_number}: {message or 'no reason given'}")
    with transaction.atomic():
        locked = Package.objects.select_for_update().get(pk=current.pk)
        locked.status = PackageStatus.VOIDED if status == "refunded" else PackageStatus.VOID_PENDING
        locked.voided_at = timezone.now()
        locked.refund_status = status
        locked.refund_amount = locked.label_rate
        locked.save(update_fields=["status", "voided_at", "refund_status", "refund_amount"])
        pending = "" if status == "refunded" else " (the carrier settles it later)"
        order_event_add(
            order=current.shipment.order,
            kind=OrderEventKind.SHIPMENT,
            message=f"{current.shipment.number} box {current.box_number}: label {current.tracking_number} voided; "
            f"refund of {locked.refund_amount or 0} {locked.label_currency or 'USD'} recorded{pending}.",
            actor=actor,
            actor_label=actor_label,
        )
    return locked


def manifest_candidates(*, location: Location, account: CarrierAccount | None, day: date) -> list[Package]:
    """Labels bought at the location on the account that day and not yet on a manifest."""
    return list(
        Package.objects.filter(
            shipment__location=location,
            account=account,
            status=PackageStatus.LABELLED,
            manifest__isnull=True,
            label_created_at__date=day,
        )
        .select_related("shipment__order")
        .order_by("label_created_at", "pk")
    )


def manifest_create(
    *, location: Location, account: CarrierAccount, day: date | None = None, actor: AnyUser | None = None
) -> list[Manifest]:
    """Close the day for one account at one location: the forms the driver signs, labels locked from void.

    One manifest per carrier on the account (an aggregator's scan form covers one carrier). The
    provider's own form is used when it makes one; otherwise the product prints its own.
    """
    day = day or timezone.localdate()
    packages = manifest_candidates(location=location, account=account, day=day)
    if not packages:
        raise ValidationFailed(f"No labels bought on {account.name} at {location.name} on {day:%a %d %b} to manifest.")
    by_carrier: dict[str, list[Package]] = {}
    for package in packages:
        by_carrier.setdefault(package.carrier, []).append(package)
    return [_manifest_one(location, account, day, group, actor) for _, group in sorted(by_carrier.items())]


def _manifest_one(
    location: Location, account: CarrierAccount, day: date, packages: list[Package], actor: AnyUser | None
) -> Manifest:
    try:
        document = connector_for(account).manifest([bought_label(p) for p in packages])
    except CarrierUnavailable as exc:
        raise Conflict(f"{account.name} is not answering ({exc.message}); try again in a minute.") from exc
    except CarrierError as exc:
        raise ValidationFailed(f"{account.name} refused the manifest: {exc.message}") from exc
    with transaction.atomic():
        manifest = Manifest.objects.create(
            account=account,
            location=location,
            day=day,
            provider_id=document.provider_id,
            parcels=len(packages),
            created_by=getattr(actor, "username", "") or "",
        )
        locked = Package.objects.select_for_update().filter(pk__in=[p.pk for p in packages], manifest__isnull=True)
        locked.update(manifest=manifest)
        content = document.document or manifest_pdf(_content(manifest, location, packages))
        manifest.document.save(f"{manifest.number}.pdf", ContentFile(content), save=True)
    return manifest


def _content(manifest: Manifest, location: Location, packages: list[Package]) -> ManifestContent:
    address: PostalAddress = location_address(location)
    return ManifestContent(
        number=manifest.number,
        account_name=manifest.account.name,
        provider=manifest.account.get_provider_display(),
        location_name=location.name,
        location_address=address,
        day=manifest.day,
        parcels=tuple(
            ManifestParcel(
                tracking_number=p.tracking_number,
                service=f"{p.carrier} {p.service}".strip(),
                reference=f"{p.shipment.number}-{p.box_number}",
                weight_grams=p.weight_grams,
                ship_to_city=f"{p.shipment.order.ship_city} {p.shipment.order.ship_country}".strip(),
            )
            for p in packages
        ),
    )
