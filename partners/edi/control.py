"""Control numbers for the files we send, one counter per partner, never handed out twice."""

from __future__ import annotations

from django.db import transaction

from partners.edi.writer import MAX_CONTROL, ControlNumbers
from partners.models import EdiControlNumber, Partner


def _next(value: int) -> int:
    """The number after `value`, back to 1 after 999999999 (ISA13 has nine digits)."""
    return 1 if value >= MAX_CONTROL else value + 1


def control_numbers_next(partner: Partner) -> ControlNumbers:
    """Take the partner's next interchange (ISA13) and group (GS06) control numbers.

    The counter row is locked (`select_for_update`) for the increment, so concurrent writers
    get distinct numbers; the caller's transaction, if any, keeps the lock until it commits,
    so hold no network call in it.
    """
    with transaction.atomic():
        EdiControlNumber.objects.get_or_create(partner=partner)
        counter = EdiControlNumber.objects.select_for_update().get(partner=partner)
        counter.last_isa = _next(counter.last_isa)
        counter.last_gs = _next(counter.last_gs)
        counter.save(update_fields=["last_isa", "last_gs"])
        return ControlNumbers(interchange=counter.last_isa, group=counter.last_gs)
