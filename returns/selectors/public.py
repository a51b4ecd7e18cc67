"""Customer self-service: an order by its number and email, a return by its private link."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from channels.models import Channel
from inventory.models import Location, LocationKind
from orders.models import Order
from returns.models import ReturnAuthorization, ReturnLine, ReturnPolicy, ReturnReason
from returns.selectors._common import _ORDER, _TOKEN
from returns.services.policy import return_policy_for


def customer_order(*, number: str, email: str) -> Order | None:
    """The order with this number (SO-000042 or the shop's own order id) placed with this email, else None.

    Both must match: a wrong email and an unknown number look the same to the caller.
    """
    text, address = number.strip(), email.strip()
    if not text or not address or len(text) > 100 or len(address) > 254:
        return None
    candidates = Q(external_id=text)
    match = _ORDER.fullmatch(text)
    if match:
        candidates |= Q(pk=int(match.group(1)))
    return (
        Order.objects.select_related("channel")
        .filter(candidates, customer_email__iexact=address)
        .exclude(customer_email="")
        .order_by("pk")
        .first()
    )


def customer_return(token: str) -> ReturnAuthorization | None:
    """A return by its private link token (the customer's status page), or None."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    return (
        ReturnAuthorization.objects.select_related("order__channel", "return_location", "refund", "exchange_order")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("sku", "reason", "exchange_sku"))
        )
        .prefetch_related("tracking_events")
        .filter(public_token=token)
        .first()
    )


def customer_returns(order: Order) -> list[ReturnAuthorization]:
    return list(ReturnAuthorization.objects.filter(order=order).order_by("-created_at", "-id"))


def customer_return_stores() -> list[Location]:
    """Stores a customer may bring a return to: active stores that take returns, by name."""
    return list(
        Location.objects.filter(is_active=True, accepts_returns=True, kind=LocationKind.STORE).order_by("name", "code")
    )


def customer_brand_channel(code: str) -> Channel | None:
    """The active channel whose brand a shop's link to the returns page asks for (`?shop=<code>`), or None."""
    text = (code or "").strip().lower()
    if not text or len(text) > 32:
        return None
    return Channel.objects.filter(code=text, is_active=True).first()


def policy_reasons(order: Order, *, policy: ReturnPolicy | None = None) -> list[ReturnReason]:
    """The reasons a customer may give for the order's channel (pass its `policy` when already read)."""
    policy = policy or return_policy_for(order.channel)
    return list(policy.reasons.filter(is_active=True).order_by("position", "code"))
