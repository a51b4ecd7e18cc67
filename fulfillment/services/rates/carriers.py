"""Carriers and their services: add, rename, switch on or off."""

from __future__ import annotations

from django.db import transaction

from core.errors import ValidationFailed
from fulfillment.models import Carrier, CarrierService
from fulfillment.services.rates.common import after_commit_forget, check_level, check_name, validated_save


def carrier_create(*, code: str, name: str, is_active: bool = True) -> Carrier:
    """Add a carrier. Its code is what shipments and rate cards refer to, so it never changes."""
    code = (code or "").strip().lower()
    if Carrier.objects.filter(code=code).exists():
        raise ValidationFailed(f"A carrier with the code {code!r} already exists.", field="code")
    carrier = Carrier(code=code, name=check_name(name), is_active=is_active)
    with transaction.atomic():
        validated_save(carrier)
        after_commit_forget()
    return carrier


def carrier_update(*, carrier: Carrier, name: str, is_active: bool) -> Carrier:
    """Rename a carrier or switch it on or off (an inactive carrier's services are never used)."""
    with transaction.atomic():
        locked = Carrier.objects.select_for_update().get(pk=carrier.pk)
        locked.name = check_name(name)
        locked.is_active = is_active
        validated_save(locked)
        after_commit_forget()
    return locked


def carrier_service_create(
    *, carrier: Carrier, code: str, name: str, level: str, is_active: bool = True
) -> CarrierService:
    """Add a service to a carrier; it prices nothing until its rate table is set."""
    code = (code or "").strip().lower()
    check_level(level)
    if CarrierService.objects.filter(carrier=carrier, code=code).exists():
        raise ValidationFailed(f"{carrier.name} already has a service with the code {code!r}.", field="code")
    service = CarrierService(carrier=carrier, code=code, name=check_name(name), level=level, is_active=is_active)
    with transaction.atomic():
        validated_save(service)
        after_commit_forget()
    return service


def carrier_service_update(*, service: CarrierService, name: str, level: str, is_active: bool) -> CarrierService:
    """Rename a service, change the level it fulfils, or switch it on or off."""
    check_level(level)
    with transaction.atomic():
        locked = CarrierService.objects.select_for_update().select_related("carrier").get(pk=service.pk)
        locked.name = check_name(name)
        locked.level = level
        locked.is_active = is_active
        validated_save(locked)
        after_commit_forget()
    return locked
