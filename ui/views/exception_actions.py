"""Resolving an exception from its row: release a held order, re-route one (or the order of a store
rejection), retry a stock push or a confirmation a channel refused, import a held channel order again.

With htmx the row is swapped for itself with the outcome in it, and the chips' counts and the
messages are refreshed out of band; without JavaScript the form posts and comes back to the
queue with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.htmx import is_htmx
from fulfillment.models import OPEN_SHIPMENT_STATUSES, Shipment
from fulfillment.selectors.orders import orders_for_staff
from fulfillment.services import RoutingOutcome, order_release, order_reroute
from fulfillment.views.orders._shared import safe_next
from marketplaces.connectors.base import ConnectorError
from marketplaces.models import ChannelConfirmation, ChannelOrder, ChannelOrderStatus, StockOutbox
from marketplaces.services.confirmation_retry import confirmation_retry
from marketplaces.services.orders import channel_order_retry
from marketplaces.services.stock_sync import channel_resync
from orders.models import Order, OrderStatus
from ui.views.exceptions import exception_kinds, order_row_action


@dataclass(frozen=True)
class Outcome:
    """What an action did, in words for the row and the message; `ok` False when it was refused."""

    text: str
    ok: bool = True


def _ships_from(order: Order) -> str:
    codes = sorted(
        set(
            Shipment.objects.filter(order=order, status__in=OPEN_SHIPMENT_STATUSES).values_list(
                "location__code", flat=True
            )
        )
    )
    return ", ".join(codes)


def _release(user: Any, order: Order) -> Outcome:
    if order.status != OrderStatus.ON_HOLD:  # someone released it meanwhile: say so rather than "released"
        return Outcome(f"Not on hold any more: it is {order.get_status_display().lower()}.")
    released = order_release(order=order, actor=user, reason="released from the exceptions queue")
    where = _ships_from(released)
    status = released.get_status_display().lower()
    return Outcome(f"Released: {status}" + (f", ships from {where}." if where else "; its units wait for stock."))


def _reroute_text(order: Order, routing: RoutingOutcome | None) -> Outcome:
    if routing is None:
        return Outcome("Nothing to re-route: every unit is being picked, packed or has shipped.")
    if not routing.shipments:
        return Outcome(f"Still cannot route: {routing.decision.reason}", ok=False)
    where = ", ".join(sorted({shipment.location.code for shipment in routing.shipments}))
    rest = f"; {routing.backordered_units} unit(s) still wait for stock" if routing.backordered_units else ""
    return Outcome(f"Re-routed: ships from {where}{rest}.")


def _reroute(user: Any, order: Order) -> Outcome:
    return _reroute_text(order, order_reroute(order=order, actor=user, reason="re-routed from the exceptions queue"))


def _reroute_rejected(user: Any, shipment: Shipment) -> Outcome:
    routing = order_reroute(
        order=shipment.order, actor=user, reason=f"after {shipment.location.code} rejected {shipment.number}"
    )
    return _reroute_text(shipment.order, routing)


def _retry_push(user: Any, push: StockOutbox) -> Outcome:
    queued = channel_resync(channel=push.channel, sku_ids=[push.sku_id])
    if not queued:
        return Outcome(
            f"{push.sku.code} is no longer listed on {push.channel.name}: list it on the channel page to sync it.",
            ok=False,
        )
    return Outcome(f"Retry of {push.sku.code} to {push.channel.name} queued; the channel page shows its progress.")


def _retry_confirmation(user: Any, confirmation: ChannelConfirmation) -> Outcome:
    what = confirmation.get_kind_display().lower()
    if not confirmation_retry(confirmation=confirmation):
        return Outcome(f"The {what} confirmation is no longer refused: it is already queued or sent.")
    return Outcome(f"The {what} confirmation is queued again; {confirmation.channel.name} gets it within a minute.")


def _retry_import(user: Any, record: ChannelOrder) -> Outcome:
    try:
        record = channel_order_retry(record=record)
    except ConnectorError as exc:
        return Outcome(f"Could not read it from {record.channel.name}: {exc.message}. Try again later.", ok=False)
    if record.status == ChannelOrderStatus.IMPORTED and record.order:
        return Outcome(f"Imported as {record.order.number}.")
    return Outcome(f"Still held: {record.hold_reason}", ok=False)


@dataclass(frozen=True)
class RowAction:
    """One inline action: who may take it, the row it acts on (read fresh), and what it does."""

    permission: str
    load: Callable[[Any, int], Any]
    run: Callable[[Any, Any], Outcome]
    partial: str
    label: str


def _order(user: Any, pk: int) -> Order:
    return get_object_or_404(orders_for_staff(user).select_related("channel"), pk=pk)


def _rejected(user: Any, pk: int) -> Shipment:
    shipments = Shipment.objects.filter(order__in=orders_for_staff(user).values("pk"))
    return get_object_or_404(shipments.select_related("order", "order__channel", "location"), pk=pk)


def _push(user: Any, pk: int) -> StockOutbox:
    return get_object_or_404(StockOutbox.objects.select_related("channel", "sku"), pk=pk)


def _confirmation(user: Any, pk: int) -> ChannelConfirmation:
    return get_object_or_404(ChannelConfirmation.objects.select_related("channel", "order"), pk=pk)


def _held(user: Any, pk: int) -> ChannelOrder:
    return get_object_or_404(ChannelOrder.objects.select_related("channel"), pk=pk)


def _subject(item: Any) -> str:
    """What the message names: the order, or the channel's SKU or order."""
    if isinstance(item, Order):
        return item.number
    if isinstance(item, Shipment):
        return item.order.number
    if isinstance(item, StockOutbox):
        return f"{item.sku.code} on {item.channel.name}"
    if isinstance(item, ChannelConfirmation):
        return item.order.number
    return f"{item.channel.name} order {item.external_id}"


ROW_ACTIONS: dict[str, RowAction] = {
    "release": RowAction("orders.route_order", _order, _release, "order_row", "release"),
    "reroute": RowAction("orders.route_order", _order, _reroute, "order_row", "re-route"),
    "reroute-rejected": RowAction("orders.route_order", _rejected, _reroute_rejected, "rejected_row", "re-route"),
    "retry-push": RowAction("marketplaces.manage_sync", _push, _retry_push, "sync_row", "retry"),
    "retry-confirmation": RowAction(
        "marketplaces.manage_sync", _confirmation, _retry_confirmation, "confirmation_row", "retry"
    ),
    "retry-import": RowAction("marketplaces.manage_sync", _held, _retry_import, "held_row", "import"),
}


def _row_context(user: Any, action: str, kind: str, item: Any, outcome: Outcome) -> dict[str, Any]:
    """The row as the queue renders it, read again after the action, with the outcome in it."""
    if isinstance(item, Order):
        item = _order(user, item.pk)
        return {"order": item, "detail": "", "action": order_row_action(user, kind, item), "outcome": outcome}
    can_act = not outcome.ok  # a refused action stays offered; a done one is not offered again
    return {"object": ROW_ACTIONS[action].load(user, item.pk), "can_act": can_act, "outcome": outcome}


@require_POST
@permission_required("orders.view_order", raise_exception=True)
def exception_action(request: HttpRequest, action: str, pk: int) -> HttpResponse:
    """Take one row's action; the row (htmx) or the queue (a plain post) then says what happened."""
    if action not in ROW_ACTIONS:
        raise Http404("No such action.")
    row_action = ROW_ACTIONS[action]
    if not request.user.has_perm(row_action.permission):
        raise PermissionDenied
    item = row_action.load(request.user, pk)
    try:
        outcome = row_action.run(request.user, item)
    except DomainError as exc:  # the service's refusal says what to do instead
        outcome = Outcome(exc.message, ok=False)
    subject = _subject(item)
    said = outcome.text if subject in outcome.text else f"{subject}: {outcome.text}"
    (messages.success if outcome.ok else messages.error)(request, said)
    kind = request.POST.get("kind", "")
    if not is_htmx(request):
        back = reverse("orders:exceptions") + (f"?{urlencode({'kind': kind})}" if kind else "")
        return redirect(safe_next(request, back))
    kinds = exception_kinds(user=request.user, now=timezone.now())
    context = {
        "row": _row_context(request.user, action, kind, item, outcome),
        "kinds": kinds,
        "kind": kind,
        "partial": row_action.partial,
    }
    return render(request, "orders/_exception_rows.html#answer", context)
