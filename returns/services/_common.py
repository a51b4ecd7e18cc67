"""What every returns service shares: the row lock, status transitions, the order timeline, the ledger document."""

from __future__ import annotations

from django.utils import timezone

from core.errors import Conflict
from core.types import AnyUser
from inventory.services import DocumentRef
from orders.models import OrderEventKind
from orders.services import order_event_add
from returns.models import RETURN_TRANSITIONS, ReturnAuthorization, ReturnStatus


def actor_id(actor: AnyUser | None) -> int | None:
    """The user's id when a signed-in staff user acts, else None (a channel, a customer, a task)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return actor.pk


def return_document(rma: ReturnAuthorization) -> DocumentRef:
    """The ledger document of a return's stock movements."""
    return DocumentRef("return", str(rma.pk))


def rma_lock(rma: ReturnAuthorization | int) -> ReturnAuthorization:
    """Re-read a return under a row lock (inside a transaction); its order and location come along.

    Lock order everywhere in this app: the return first, then what it touches (units, the
    replacement order, stock rows through the inventory services).
    """
    pk = rma if isinstance(rma, int) else rma.pk
    return (
        ReturnAuthorization.objects.select_for_update(of=("self",))
        .select_related("order", "order__channel", "policy", "return_location")
        .get(pk=pk)
    )


def rma_event(
    *,
    rma: ReturnAuthorization,
    message: str,
    actor: AnyUser | None = None,
    actor_label: str = "",
    data: dict | None = None,
) -> None:
    """Write one step of a return on its order's timeline (tagged with the return, for its page)."""
    order_event_add(
        order=rma.order,
        kind=OrderEventKind.NOTE,
        message=f"{rma.number}: {message}",
        actor=actor,
        actor_label=actor_label,
        data={"rma": rma.pk, "rma_status": rma.status, **(data or {})},
    )


def rma_transition(
    *,
    rma: ReturnAuthorization,
    to: str,
    actor: AnyUser | None = None,
    actor_label: str = "",
    message: str = "",
) -> ReturnAuthorization:
    """Move a locked return to another status if `RETURN_TRANSITIONS` allows it (409 otherwise).

    Writes the step on the order's timeline. Precondition: the caller holds the return's row lock.
    """
    if to == rma.status:
        return rma
    if to not in RETURN_TRANSITIONS.get(rma.status, frozenset()):
        raise Conflict(
            f"{rma.number} is {rma.get_status_display().lower()}; it cannot become {ReturnStatus(to).label.lower()}."
        )
    previous = rma.status
    rma.status = to
    fields = ["status", "updated_at"]
    if to in (ReturnStatus.CLOSED, ReturnStatus.REJECTED, ReturnStatus.CANCELLED):
        rma.closed_at = timezone.now()
        fields.append("closed_at")
    rma.save(update_fields=fields)
    text = f"{ReturnStatus(previous).label} → {ReturnStatus(to).label}" + (f": {message}" if message else "")
    rma_event(rma=rma, message=text, actor=actor, actor_label=actor_label, data={"from": previous, "to": to})
    return rma
