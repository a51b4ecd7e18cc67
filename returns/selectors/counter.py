"""The store counter: the stores a user works, the order a customer brings (with a proof), its returns."""

from __future__ import annotations

from django.db.models import F, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from core.types import AnyUser
from inventory.models import Location, LocationKind
from inventory.selectors import visible_location_ids
from orders.models import Order
from returns.models import ReturnAuthorization, ReturnLine, ReturnStatus
from returns.selectors._common import _ORDER, _RMA


def counter_stores(user: AnyUser) -> list[Location]:
    """Stores whose counter the user may work (a store associate: their one store)."""
    qs = Location.objects.filter(is_active=True, accepts_returns=True, kind=LocationKind.STORE).order_by("code")
    ids = visible_location_ids(user)
    return list(qs if ids is None else qs.filter(pk__in=ids))


def _postal(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _proof_matches(order: Order, proof: str) -> bool:
    """The customer's email, postal code (spaces and dashes ignored; a US ZIP's first five digits do) or last name."""
    text = proof.strip()
    if not text:
        return False
    if "@" in text:
        return bool(order.customer_email) and order.customer_email.strip().lower() == text.lower()
    given, on_order = _postal(text), _postal(order.ship_postal_code or "")
    if given and on_order and (given == on_order or (given.isdigit() and len(given) == 5 and on_order[:5] == given)):
        return True
    names = (order.customer_name or "").split()
    return bool(names) and names[-1].casefold() == text.casefold()


def counter_order(code: str, proof: str) -> Order | None:
    """The order a customer brings to the counter: its number (SO-000042), the channel's order id or the code of
    a return asked for online (RMA-000042, the receipt the customer shows), AND a proof.

    The proof is the email, the postal code or the customer's last name on the order; an
    unknown number and a wrong proof both give None, so the counter cannot be used to browse
    orders by sequential number.
    """
    text = code.strip()
    if not text or len(text) > 100:
        return None
    candidates = Q(external_id=text)
    number = _ORDER.fullmatch(text)
    if number:
        candidates |= Q(pk=int(number.group(1)))
    receipt = _RMA.fullmatch(text)
    if receipt:
        candidates |= Q(returns__pk=int(receipt.group(1)))
    for order in Order.objects.select_related("channel").filter(candidates).order_by("pk")[:5]:
        if _proof_matches(order, proof):
            return order
    return None


def counter_open_returns(order: Order) -> list[ReturnAuthorization]:
    """The order's returns still expected (authorised or in transit), which the customer may hand in at a counter."""
    return list(
        ReturnAuthorization.objects.filter(order=order, status__in=(ReturnStatus.AUTHORIZED, ReturnStatus.IN_TRANSIT))
        .select_related("return_location")
        .prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("sku")))
        .order_by("pk")
    )


def counter_recent(*, store: Location, limit: int = 15) -> list[ReturnAuthorization]:
    """The store's latest returns, those still to inspect first, with `unit_count` and `units_received`."""

    def units(field: str) -> Coalesce:
        per_rma = ReturnLine.objects.filter(rma=OuterRef("pk")).order_by().values("rma")
        return Coalesce(Subquery(per_rma.annotate(n=Sum(field)).values("n")), 0)

    return list(
        ReturnAuthorization.objects.filter(return_location=store)
        .select_related("order")
        # The units the return is for (one on its way counts too), and how many the store has in hand.
        .annotate(unit_count=units("quantity"), units_received=units("quantity_received"))
        .order_by(
            # Received (still to inspect) first, then newest.
            F("inspected_at").asc(nulls_first=True),
            "-created_at",
        )[:limit]
    )
