"""The order timeline: entries written by every service that changes an order."""

from __future__ import annotations

from core.types import AnyUser
from orders.models import Order, OrderEvent


def _who(actor: AnyUser | None, actor_label: str) -> dict[str, object]:
    user_id = actor.pk if actor is not None and actor.is_authenticated and actor.pk else None
    return {"actor_id": user_id, "actor_label": actor_label[:120]}


def order_event_new(
    *,
    order: Order,
    kind: str,
    message: str,
    actor: AnyUser | None = None,
    actor_label: str = "",
    data: dict | None = None,
) -> OrderEvent:
    """A timeline entry not saved yet (for writing several in one INSERT with `bulk_create`)."""
    return OrderEvent(order=order, kind=kind, message=message[:500], data=data or {}, **_who(actor, actor_label))


def order_event_add(
    *,
    order: Order,
    kind: str,
    message: str,
    actor: AnyUser | None = None,
    actor_label: str = "",
    data: dict | None = None,
) -> OrderEvent:
    """Append an entry to an order's timeline."""
    event = order_event_new(order=order, kind=kind, message=message, actor=actor, actor_label=actor_label, data=data)
    event.save(force_insert=True)
    return event
