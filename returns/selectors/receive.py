"""Receiving: finding a return by a scanned RMA barcode, tracking number or order number."""

from __future__ import annotations

from dataclasses import dataclass

from core.types import AnyUser
from inventory.models import Location
from inventory.selectors import visible_location_ids
from orders.models import Order
from returns.models import ReturnAuthorization, ReturnStatus
from returns.selectors._common import _ORDER, _RMA, returns_visible_to


@dataclass(frozen=True)
class ScanResult:
    """What a scanned code found: a return, an order's open returns, or nothing."""

    rma: ReturnAuthorization | None = None
    order: Order | None = None
    candidates: tuple[ReturnAuthorization, ...] = ()
    #: Set when the scan matched several returns' tracking numbers: nothing is opened, the staff are told why.
    ambiguous: str = ""


def return_find_by_scan(*, user: AnyUser, code: str) -> ScanResult:
    """Find a return by its RMA barcode or tracking number, or an order's returns by its number or channel id.

    A return outside the user's locations is reported as not found.
    """
    text = code.strip()
    if not text:
        return ScanResult()
    visible = returns_visible_to(user).select_related("order", "return_location")
    rma = _RMA.fullmatch(text)
    if rma:
        found = visible.filter(pk=int(rma.group(1))).first()
        return ScanResult(rma=found, order=found.order if found else None)
    by_tracking = list(visible.filter(tracking_number=text).order_by("pk")[:2])
    if len(by_tracking) > 1:
        numbers = " and ".join(rma.number for rma in by_tracking)
        return ScanResult(
            ambiguous=f"Tracking number {text} is on more than one return ({numbers}); "
            "scan the RMA barcode on the label instead."
        )
    if by_tracking:
        return ScanResult(rma=by_tracking[0], order=by_tracking[0].order)
    number = _ORDER.fullmatch(text)
    order = Order.objects.filter(pk=int(number.group(1))).first() if number else None
    if order is None:
        order = Order.objects.filter(external_id=text).order_by("pk").first()
    if order is None:
        return ScanResult()
    candidates = tuple(visible.filter(order=order, status__in=(ReturnStatus.AUTHORIZED, ReturnStatus.IN_TRANSIT)))
    return ScanResult(rma=candidates[0] if len(candidates) == 1 else None, order=order, candidates=candidates)


def receiving_locations(user: AnyUser) -> list[Location]:
    """Locations the user may receive returns at."""
    qs = Location.objects.filter(is_active=True, accepts_returns=True).order_by("code")
    ids = visible_location_ids(user)
    return list(qs if ids is None else qs.filter(pk__in=ids))
