"""Cross-app pages: the home page (what each person has to do now, then stock at a glance) and sign-out.

The home page lists the work waiting for the person signed in, each count linking to the list
that holds it: shipments to accept, pick and pack; pickups ready and about to expire;
ship-from-store requests near their accept deadline; returns to inspect; orders that need a
person; stock pushes that failed; purchase orders late; forecasts that fell back; replenishment
proposals to approve. Only what the person's role may act on is shown, each in one aggregate
query. A store associate's home is their store page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.roles import STORE_ASSOCIATE
from fulfillment.models import Pickup, PickupStatus, Shipment, ShipmentStatus
from fulfillment.selectors.exceptions import order_dashboard_figures
from fulfillment.selectors.work import work_counts
from inventory.models import LocationKind
from inventory.selectors import LOW_STOCK_THRESHOLD, dashboard_figures, ledger_recent, visible_location_ids
from marketplaces.models import ChannelOrder, ChannelOrderStatus, PushState, StockOutbox
from orders.models import DeliveryMethod
from partners.selectors import SLA_ACK_LATE, SLA_LATE, SLA_SHIP_LATE, purchase_orders_visible, with_sla_status
from planning.models import DemandForecast, ProposalStatus, ReplenishmentProposal
from returns.models import ReturnStatus
from returns.selectors.queue import ReturnFilters, return_status_counts

#: A ready pickup expiring within this is "expiring"; a request due within this is "near its deadline".
EXPIRING_WITHIN = timedelta(hours=24)
REQUEST_DUE_WITHIN = timedelta(hours=1)


@dataclass(frozen=True)
class Action:
    """One kind of work waiting: how many, where to do it, and why it matters."""

    key: str
    label: str
    count: int
    url: str
    note: str
    urgent: bool = False


def dashboard(request: HttpRequest) -> HttpResponseBase:
    """What this person has to do now, then orders and stock at a glance; a store associate goes to their store."""
    user = request.user
    if user.groups.filter(name=STORE_ASSOCIATE).exists() and not user.has_perm("orders.view_order"):
        return redirect("fulfillment:pickups")
    now = timezone.now()
    figures = dashboard_figures(user=user)
    orders = order_dashboard_figures(user=user, now=now) if user.has_perm("orders.view_order") else None
    actions = home_actions(user=user, now=now)
    return render(
        request,
        "ui/dashboard.html",
        {
            "actions": actions,
            "waiting": sum(action.count for action in actions),
            "figures": figures,
            "orders": orders,
            "chart": _kind_chart(figures["by_kind"]),
            "recent": ledger_recent(user=user, limit=10),
            "low_threshold": LOW_STOCK_THRESHOLD,
        },
    )


def _url(name: str, **query: str) -> str:
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def home_actions(*, user: Any, now: datetime) -> list[Action]:
    """The work waiting for `user`, by what their role may do; a constant number of queries."""
    actions: list[Action] = []
    if user.has_perm("fulfillment.work_shipments"):
        actions += _work_actions(user, now)
    if user.has_perm("returns.view_returnauthorization") or user.has_perm("returns.receive_return"):
        received = return_status_counts(user=user, filters=ReturnFilters()).get(ReturnStatus.RECEIVED, 0)
        actions.append(
            Action(
                "inspect", "Returns to inspect", received, _url("returns:index", status=ReturnStatus.RECEIVED),
                "received, waiting for a disposition",
            )
        )  # fmt: skip
    if user.has_perm("marketplaces.manage_sync"):
        actions.append(_sync_action())
    if user.has_perm("partners.manage_partners"):
        late = with_sla_status(purchase_orders_visible(user), now).filter(
            sla_status__in=(SLA_ACK_LATE, SLA_SHIP_LATE)  # type: ignore[misc]  # an annotation
        )
        actions.append(
            Action(
                "po_late", "Purchase orders late", late.count(), _url("partners:po_list", sla=SLA_LATE),
                "not acknowledged or not shipped in time", urgent=True,
            )
        )  # fmt: skip
    forecast = _forecast_action(user)
    if forecast is not None:
        actions.append(forecast)
    if user.has_perm("planning.manage_proposals"):
        actions.append(_proposals_action())
    return actions


def _work_actions(user: Any, now: datetime) -> list[Action]:
    """Shipments per step (one query), pickups ready and expiring, requests near their deadline (one each)."""
    counts = work_counts(user=user, location=None, today=timezone.localdate(now))
    work = reverse("fulfillment:work")
    actions = [
        Action("accept", "To accept", counts["accept"], f"{work}?tab=accept", "shipments asked of your locations"),
        Action("pick", "To pick", counts["pick"], f"{work}?tab=pick", "accepted, not on a pick list yet"),
        Action("pack", "To pack", counts["pack"], f"{work}?tab=pack", "picked, waiting to be packed"),
    ]
    ids = visible_location_ids(user)
    pickups = Pickup.objects.filter(status=PickupStatus.READY)
    requests = Shipment.objects.filter(
        status=ShipmentStatus.REQUESTED,
        location__kind=LocationKind.STORE,
        accept_by__isnull=False,
        accept_by__lte=now + REQUEST_DUE_WITHIN,
    ).exclude(order__delivery_method=DeliveryMethod.PICKUP)
    if ids is not None:
        pickups, requests = pickups.filter(location_id__in=ids), requests.filter(location_id__in=ids)
    ready = pickups.aggregate(ready=Count("pk"), expiring=Count("pk", filter=Q(hold_until__lte=now + EXPIRING_WITHIN)))
    due = requests.aggregate(due=Count("pk"), overdue=Count("pk", filter=Q(accept_by__lt=now)))
    pickups_url = reverse("fulfillment:pickups")
    note = f"{ready['expiring']} expire within a day" if ready["expiring"] else "customers can collect them"
    overdue = f", {due['overdue']} overdue" if due["overdue"] else ""
    return [
        *actions,
        Action("pickups", "Pickups ready", ready["ready"], pickups_url, note, urgent=bool(ready["expiring"])),
        Action(
            "requests", "Ship-from-store requests due", due["due"], f"{work}?tab=accept",
            f"to accept within the hour{overdue}", urgent=bool(due["due"]),
        ),
    ]  # fmt: skip


def _sync_action() -> Action:
    """Stock pushes that failed and channel orders held because they could not be mapped (two queries)."""
    failed = StockOutbox.objects.filter(state=PushState.FAILED).count()
    held = ChannelOrder.objects.filter(status=ChannelOrderStatus.HELD).count()
    note = (
        f"{failed} stock push{'es' if failed != 1 else ''} failed, {held} channel order{'s' if held != 1 else ''} held"
    )
    return Action("sync", "Sync failures", failed + held, reverse("channels:index"), note, urgent=True)


def _forecast_action(user: Any) -> Action | None:
    """Forecasts that fell back to a simple model (too little history), for those who look after forecasts."""
    if not (user.has_perm("planning.view_demandforecast") or user.has_perm("planning.run_forecasts")):
        return None
    count = DemandForecast.objects.filter(is_fallback=True).count()
    return Action(
        "forecasts", "Forecast exceptions", count, reverse("planning:index"), "series forecast with a fallback model"
    )


def _proposals_action() -> Action:
    """Replenishment proposals waiting for approval, stale ones called out (one query)."""
    waiting = ReplenishmentProposal.objects.filter(status__in=[ProposalStatus.OPEN, ProposalStatus.STALE]).aggregate(
        total=Count("pk"), stale=Count("pk", filter=Q(status=ProposalStatus.STALE))
    )
    note = f"{waiting['stale']} stale: recompute first" if waiting["stale"] else "transfers and purchases to approve"
    return Action(
        "proposals", "Proposals to approve", waiting["total"], reverse("planning:proposals"), note,
        urgent=bool(waiting["stale"]),
    )  # fmt: skip


def _kind_chart(by_kind: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bars for the chart: each kind's on hand and reserved as a percentage of the largest on hand."""
    labels = dict(LocationKind.choices)
    peak = max((row["on_hand"] or 0 for row in by_kind), default=0) or 1
    return [
        {
            "kind": row["location__kind"],
            "label": labels.get(row["location__kind"], row["location__kind"]),
            "on_hand": row["on_hand"] or 0,
            "reserved": row["reserved"] or 0,
            "on_hand_pct": round(100 * (row["on_hand"] or 0) / peak, 1),
            "reserved_pct": round(100 * (row["reserved"] or 0) / peak, 1),
        }
        for row in by_kind
    ]


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseBase:
    """Sign out (POST only) and say so on the login page.

    Mounted at /accounts/logout/ ahead of `django.contrib.auth.urls` so the sign-out gets a
    message; Django's own LogoutView does the work.
    """
    was_signed_in = request.user.is_authenticated
    response = LogoutView.as_view()(request)
    if was_signed_in:
        messages.success(request, "You have signed out.")
    return response
