"""A location's work queue: accept or reject, batch into pick lists, pack with scans, label and ship.

Everything needs `fulfillment.work_shipments` and is scoped by the selectors to the user's
locations (`inventory.selectors.visible_location_ids`): another location's shipment or pick
list is a 404. Each view parses its input, calls one selector or service, and renders the
page, a named partial of it for htmx, or redirects back to the queue with a message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import render_page
from core.sorting import Sort, sort_from
from fulfillment.models import PickList, ShipmentStatus
from fulfillment.selectors.order_routing import carrier_service_names
from fulfillment.selectors.order_routing import service_label as name_service
from fulfillment.selectors.work import (
    WORK_TABS,
    open_picklists,
    picklist_get,
    work_counts,
    work_location_get,
    work_locations,
    work_queue,
    work_shipment_get,
    work_shipments_by_ids,
)
from fulfillment.services import (
    picklist_create,
    picklist_lines,
    shipment_accept,
    shipment_reject,
)
from fulfillment.views.orders._shared import safe_next
from inventory.models import Location
from orders.models import OrderStatus

QUEUE_PER_PAGE = 50
WORK = "fulfillment.work_shipments"
#: The queue's sortable columns (`?sort=-ship_by`); the default is the most urgent first.
WORK_SORTS: dict[str, tuple[str, ...]] = {
    "shipment": ("id",),
    "location": ("location__code", "id"),
    "ship_by": ("ship_by", "id"),
}


def work_sort(request: HttpRequest) -> Sort:
    """The queue's order (and its export's): `?sort=` if it names a column, else by ship-by date."""
    return sort_from(request.GET.get("sort"), columns=WORK_SORTS, default="ship_by")


def work_selection(request: HttpRequest, today: Any) -> tuple[list[Location], Location | None, str, dict[str, int]]:
    """The locations the person works, the one chosen, the tab and the tabs' counts (page and export alike).

    Without a tab, the first of accept/pick/pack/ship with work in it.
    """
    locations = work_locations(user=request.user)
    by_code = {location.code: location for location in locations}
    location = by_code.get(request.GET.get("location", ""))
    if location is None and len(locations) == 1:
        location = locations[0]
    tab = request.GET.get("tab", "")
    counts = work_counts(user=request.user, location=location, today=today)
    if tab not in counts:
        tab = next((key for key, _, _ in WORK_TABS[:4] if counts[key]), WORK_TABS[0][0])
    return locations, location, tab, counts


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200)


def _queue_url(location: Location | None, tab: str) -> str:
    query = f"?tab={tab}" + (f"&location={location.code}" if location is not None else "")
    return reverse("fulfillment:work") + query


@require_GET
@permission_required(WORK, raise_exception=True)
def work(request: HttpRequest) -> HttpResponse:
    """The shipments a location has to accept, pick, pack and ship, one tab each with its count.

    A user who works at several locations picks one (or sees all of them). The number of
    queries does not grow with the queue.
    """
    today = timezone.localdate()
    locations, location, tab, counts = work_selection(request, today)
    sort = work_sort(request)
    queue = work_queue(user=request.user, location=location, tab=tab, today=today).order_by(*sort.order_by())
    page = Paginator(queue, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    shipments = list(page)
    if tab in ("ship", "shipped") and shipments:
        names = carrier_service_names()
        for shipment in shipments:
            shipment.service_label = name_service(names, shipment.carrier, shipment.service)  # type: ignore[attr-defined]
    groups: dict[str, dict[str, Any]] = {}
    for shipment in shipments:
        group = groups.setdefault(shipment.location.code, {"location": shipment.location, "shipments": []})
        group["shipments"].append(shipment)
    context = {
        "locations": locations,
        "location": location,
        "tab": tab,
        "tabs": [{"key": key, "label": label, "count": counts[key]} for key, _, label in WORK_TABS],
        "page": page,
        "sort": sort,
        "shipments": shipments,
        "groups": list(groups.values()),
        "picklists": list(open_picklists(user=request.user, location=location)[:20]) if tab in ("pick", "pack") else [],
        "today": today,
        "on_hold": OrderStatus.ON_HOLD,
        "here": request.get_full_path(),
    }
    return render_page(request, "fulfillment/work/queue.html", context, partial="queue")


@require_POST
@permission_required(WORK, raise_exception=True)
def work_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The location takes on a requested shipment."""
    shipment = work_shipment_get(user=request.user, pk=pk)
    try:
        shipment_accept(shipment=shipment, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{shipment.number} accepted: it is in To pick.")
    return redirect(safe_next(request, _queue_url(shipment.location, "accept")))


@require_POST
@permission_required(WORK, raise_exception=True)
def work_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """The location turns a shipment down (with a reason); its units are routed elsewhere."""
    shipment = work_shipment_get(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
    try:
        rejection = shipment_reject(shipment=shipment, reason=reason, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        moved = rejection.routing is not None and rejection.routing.shipments
        where = "routed to another location" if moved else "waiting for stock elsewhere"
        messages.success(request, f"{shipment.number} rejected; its units are {where}.")
    return redirect(safe_next(request, _queue_url(shipment.location, "accept")))


@require_POST
@permission_required(WORK, raise_exception=True)
def work_picklist_create(request: HttpRequest) -> HttpResponse:
    """Batch the ticked accepted shipments of one location into a pick list, then print it."""
    location = work_location_get(user=request.user, code=request.POST.get("location", ""))
    ids = [int(value) for value in request.POST.getlist("shipments") if value.isdigit()]
    shipments = work_shipments_by_ids(user=request.user, ids=ids)
    try:
        picklist = picklist_create(location=location, shipments=shipments, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(safe_next(request, _queue_url(location, "pick")))
    count = len(shipments)
    messages.success(
        request, f"{picklist.number} created: {count} shipment{'' if count == 1 else 's'} to pick. Print it and walk."
    )
    return redirect("fulfillment:work_picklist", pk=picklist.pk)


@require_GET
@permission_required(WORK, raise_exception=True)
def work_picklist(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable pick list: what to take from the shelves, then which order each unit goes to."""
    picklist: PickList = picklist_get(user=request.user, pk=pk)
    lines = picklist_lines(picklist)
    context = {
        "picklist": picklist,
        "lines": lines,
        "units": sum(line.quantity for line in lines),
        "shipments": list(picklist.shipments.all()),
        "picking": ShipmentStatus.PICKING,
    }
    return render_page(request, "fulfillment/work/picklist.html", context)
