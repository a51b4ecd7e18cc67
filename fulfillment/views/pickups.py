"""The store associate's screens (phone first): the store page, picking a pickup, the counter.

- `store_home`: live counters (htmx polling), the scan field for the counter (focused on
  load), ship-from-store requests with their SLA, pickups to prepare and ready ones.
- `pickup_find`: a scanned pickup code or a typed order number opens that pickup's handover.
- `pickup_detail`: pick (scan each unit) and mark ready; or, when ready, the handover.
- `pickup_start`, `pickup_handover_view`, `pickup_transfer`: the actions.

Everything needs `fulfillment.work_shipments` and is scoped to the user's stores by the
selectors: another store's pickup is a 404, whatever the URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.errors import DomainError
from core.htmx import is_htmx, render_page
from fulfillment.forms import HandoverForm
from fulfillment.models import Pickup, PickupStatus, RejectReason
from fulfillment.scanning import ScanMatcher
from fulfillment.selectors.stores import (
    PICKUP_QUEUE_STATUSES,
    order_hold_reason,
    pickup_get,
    profile_of,
    store_counts,
    store_get,
    store_pickups,
    store_requests,
    store_requests_to_pack,
    user_stores,
)
from fulfillment.services import pickup_handover, pickup_lookup, pickup_mark_ready, pickup_start
from fulfillment.services.pickups import pickup_transfer_to_store
from inventory.models import Location
from orders.models import OrderLine, OrderStatus

WORK = "fulfillment.work_shipments"
SESSION_CODES = "pickup_codes"
MAX_PAGE_SCANS = 500
#: A ship-from-store request due within this many minutes is shown as urgent.
SOON_MINUTES = 15


def _home_url(store: Location) -> str:
    return reverse("fulfillment:pickups") + f"?store={store.code}"


def _chosen_store(request: HttpRequest, stores: list[Location], code: str) -> Location | None:
    by_code = {store.code: store for store in stores}
    if code in by_code:
        return by_code[code]
    return stores[0] if len(stores) == 1 else None


@require_GET
@permission_required(WORK, raise_exception=True)
def pickups(request: HttpRequest) -> HttpResponse:
    """The store page: counters, the counter's scan field, requests, pickups to prepare and ready ones.

    With `?part=live` (htmx polling) only the counters are rendered. A constant number of
    queries whatever the queues hold.
    """
    stores = user_stores(user=request.user)
    store = _chosen_store(request, stores, request.GET.get("store", ""))
    now = timezone.now()
    # A request due within SOON_MINUTES is marked as urgent on the page.
    context: dict[str, Any] = {
        "stores": stores,
        "store": store,
        "now": now,
        "soon": now + timedelta(minutes=SOON_MINUTES),
    }
    if store is None:
        return render_page(request, "fulfillment/stores/home.html", context)
    context["counts"] = store_counts(store=store)
    if request.GET.get("part") == "live" and is_htmx(request):
        return render_page(request, "fulfillment/stores/home.html", context, partial="live")
    queue = list(store_pickups(store=store, statuses=PICKUP_QUEUE_STATUSES))
    context.update(
        {
            "profile": profile_of(store),
            "requests": list(store_requests(store=store)),
            "to_pack": list(store_requests_to_pack(store=store)),
            "to_prepare": [p for p in queue if p.status in (PickupStatus.NEW, PickupStatus.PICKING)],
            "ready": [p for p in queue if p.status == PickupStatus.READY],
            "reasons": RejectReason.choices,
            "can_transfer": request.user.has_perm("inventory.manage_transfers"),
        }
    )
    return render_page(request, "fulfillment/stores/home.html", context)


@require_POST
@permission_required(WORK, raise_exception=True)
def pickup_find(request: HttpRequest) -> HttpResponse:
    """The counter's scan: a pickup code or an order number; opens the handover or says why not."""
    store = store_get(user=request.user, code=request.POST.get("store", ""))
    found = pickup_lookup(store=store, raw=request.POST.get("q", "")[:100], actor=request.user)
    if found.pickup is None:
        messages.error(request, found.error)
        return redirect(_home_url(store))
    if found.by_code:
        codes = request.session.get(SESSION_CODES, {})
        codes[str(found.pickup.pk)] = found.pickup.code
        request.session[SESSION_CODES] = codes
    return redirect("fulfillment:pickup_detail", pk=found.pickup.pk)


@dataclass
class _PickRow:
    """One line of a pickup on the pick screen: units to take and units scanned so far."""

    line: OrderLine
    expected: int
    scanned: int = 0

    @property
    def done(self) -> bool:
        return self.scanned == self.expected


def _scan_state(pickup: Pickup, scanned: list[str], add: str) -> dict[str, Any]:
    """Match scans to the pickup's units (no query: uses the prefetched lines); refuse what is not in it."""
    rows = [
        _PickRow(line=line, expected=line.quantity_allocated)
        for line in pickup.order.lines.all()
        if line.quantity_allocated > 0
    ]
    matcher = ScanMatcher((row.line.sku, row) for row in rows)
    accepted: list[str] = []
    for code in scanned[:MAX_PAGE_SCANS]:
        found = matcher.match(code)
        if found is not None and found.scanned < found.expected:
            found.scanned += 1
            accepted.append(code)
    error = last = ""
    if add:
        found = matcher.match(add)
        if found is None:
            error = f"{add} is not in {pickup.order.number}. Put that item back; nothing was counted."
        elif found.done:
            error = f"{found.line.sku.code}: all {found.expected} already scanned."
        else:
            found.scanned += 1
            accepted.append(add)
            last = add
    expected = sum(row.expected for row in rows)
    done = sum(row.scanned for row in rows)
    return {"rows": rows, "scanned": accepted, "error": error, "last": last, "expected": expected, "done": done}


@require_http_methods(["GET", "POST"])
@permission_required(WORK, raise_exception=True)
def pickup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One pickup. New or picking: scan each unit, then "Mark ready". Ready: the handover at the counter.

    Scans travel with the form (works without JavaScript); htmx swaps just the progress. A
    unit not in the order is refused with a message and not counted.
    """
    pickup = pickup_get(user=request.user, pk=pk)
    status = 200
    scanned = [code.strip() for code in request.POST.getlist("scanned") if code.strip()]
    add = request.POST.get("scan", "").strip()[:100] if request.method == "POST" else ""
    state = _scan_state(pickup, scanned, add)
    if request.method == "POST" and request.POST.get("action") == "ready":
        try:
            pickup_mark_ready(pickup=pickup, scanned=state["scanned"], actor=request.user)
        except DomainError as exc:
            state["error"] = exc.message
        else:
            messages.success(
                request,
                f"{pickup.order.number} is ready for pickup. {pickup.order.customer_name} has been emailed the code.",
            )
            target = _home_url(pickup.location)
            return HttpResponseClientRedirect(target) if is_htmx(request) else redirect(target)
    if state["error"]:
        status = 422
    code = request.session.get(SESSION_CODES, {}).get(str(pickup.pk), "")
    on_hold = pickup.order.status == OrderStatus.ON_HOLD and pickup.status in PICKUP_QUEUE_STATUSES
    context = {
        "on_hold": on_hold,
        "hold_reason": order_hold_reason(pickup.order) if on_hold else "",
        "pickup": pickup,
        "state": state,
        "home_url": _home_url(pickup.location),
        "form": HandoverForm(initial={"code": code}),
        "code_scanned": bool(code),
        "lines": list(pickup.order.lines.all()),
        "shipments": list(pickup.order.shipments.all()),
        "waiting": sum(line.quantity_backordered for line in pickup.order.lines.all()),
        "can_transfer": request.user.has_perm("inventory.manage_transfers"),
    }
    return render_page(request, "fulfillment/stores/pickup.html", context, partial="pick_state", status=status)


@require_POST
@permission_required(WORK, raise_exception=True)
def pickup_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Start picking a new pickup, then go to its scan screen."""
    pickup = pickup_get(user=request.user, pk=pk)
    try:
        pickup_start(pickup=pickup, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_home_url(pickup.location))
    return redirect("fulfillment:pickup_detail", pk=pickup.pk)


@require_POST
@permission_required(WORK, raise_exception=True)
def pickup_handover_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand a ready pickup over: photo ID checked, refused lines released, stock shipped."""
    pickup = pickup_get(user=request.user, pk=pk)
    form = HandoverForm(request.POST)
    form.is_valid()
    refused = [int(value) for value in request.POST.getlist("refused") if value.isdigit()]
    try:
        done = pickup_handover(
            pickup=pickup,
            actor=request.user,
            id_checked=bool(form.cleaned_data.get("id_checked")),
            refused_line_ids=refused,
            code=form.cleaned_data.get("code", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        if pickup.status != PickupStatus.READY or exc.status_code == 409:
            return redirect(_home_url(pickup.location))
        return redirect("fulfillment:pickup_detail", pk=pickup.pk)
    codes = request.session.get(SESSION_CODES, {})
    if codes.pop(str(pickup.pk), None) is not None:
        request.session[SESSION_CODES] = codes
    if done.status == PickupStatus.PICKED_UP:
        note = f" ({done.status_reason})" if done.status_reason else ""
        messages.success(
            request, f"{pickup.order.number} handed over to {pickup.order.customer_name}{note}. Thank you!"
        )
    else:
        messages.warning(
            request, f"{pickup.order.number}: the customer refused everything; the items are back in stock."
        )
    return redirect(_home_url(pickup.location))


@require_POST
@permission_required(WORK, raise_exception=True)
@permission_required("inventory.manage_transfers", raise_exception=True)
def pickup_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Back office: "transfer to store" for the units a pickup is waiting for."""
    pickup = pickup_get(user=request.user, pk=pk)
    try:
        transfer = pickup_transfer_to_store(pickup=pickup, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{transfer.number} from {transfer.source.code} will bring the missing units; "
            f"the store picks {pickup.order.number} when it is received.",
        )
    return redirect("fulfillment:pickup_detail", pk=pickup.pk)
