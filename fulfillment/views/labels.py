"""Shipping a packed shipment: live rates, buying the labels, printing, voiding, the packing slip.

The shipping page lists the boxes; "Get live rates" asks the location's carrier accounts
(an htmx fragment, so a slow carrier does not hold up the page) with the channel rule's choice
pre-selected; "Buy labels" buys every box's label and ships. Each label opens in a print view
(the browser's print dialog on the 4x6 PDF), downloads as PDF or ZPL, and can be voided while
the carrier allows it. Scoped like the work queue: another location's shipment is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.htmx import render_page
from fulfillment.documents import packing_slip_pdf, slip_from_shipment
from fulfillment.models import Package, PackageStatus, ShipmentStatus
from fulfillment.selectors.order_routing import carrier_service_names
from fulfillment.selectors.order_routing import service_label as name_service
from fulfillment.selectors.work import work_shipment_get
from fulfillment.services.labels import (
    is_international,
    package_void,
    shipment_labels_buy,
    shipment_rates,
    shipment_return_label,
)
from fulfillment.views.orders._shared import safe_next
from fulfillment.views.work import WORK, _queue_url
from orders.models import OrderStatus


def _package(request: HttpRequest, pk: int) -> Package:
    package = get_object_or_404(Package.objects.select_related("shipment"), pk=pk)
    work_shipment_get(user=request.user, pk=package.shipment_id)  # 404 outside the user's locations
    return package


@require_http_methods(["GET", "POST"])
@permission_required(WORK, raise_exception=True)
def work_ship(request: HttpRequest, pk: int) -> HttpResponse:
    """The shipping page (GET) and "Buy labels" (POST: the chosen rate, or the channel rule's choice)."""
    shipment = work_shipment_get(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            boxes = shipment_labels_buy(shipment=shipment, actor=request.user, rate_key=request.POST.get("rate", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(safe_next(request, reverse("fulfillment:work_ship", args=[shipment.pk])))
        numbers = ", ".join(box.tracking_number for box in boxes if box.status == PackageStatus.LABELLED)
        first = boxes[0]
        what = name_service(carrier_service_names(), first.carrier, first.service)
        messages.success(request, f"{shipment.number} shipped with {what}: tracking {numbers}. Print the labels below.")
        if request.POST.get("next"):  # bought from the queue: on to the shipped tab
            return redirect(_queue_url(shipment.location, "shipped"))
        return redirect("fulfillment:work_ship", pk=shipment.pk)
    boxes = list(shipment.packages.select_related("box_type", "manifest").order_by("box_number"))
    context = {
        "shipment": shipment,
        "boxes": boxes,
        "needs_labels": any(
            box.status in (PackageStatus.PACKED, PackageStatus.BUYING, PackageStatus.VOIDED, PackageStatus.VOID_PENDING)
            for box in boxes
        ),
        "can_buy": shipment.status in (ShipmentStatus.PACKED, ShipmentStatus.SHIPPED),
        "on_hold": shipment.order.status == OrderStatus.ON_HOLD,
        "international": is_international(shipment),
        "queue_url": _queue_url(shipment.location, "ship"),
    }
    return render_page(request, "fulfillment/work/ship.html", context)


@require_GET
@permission_required(WORK, raise_exception=True)
def work_rates(request: HttpRequest, pk: int) -> HttpResponse:
    """Live rates for the packed boxes (an htmx fragment of the shipping page)."""
    shipment = work_shipment_get(user=request.user, pk=pk)
    try:
        shop = shipment_rates(shipment)
    except DomainError as exc:
        return render(request, "fulfillment/work/_rates.html", {"error": exc.message, "shipment": shipment}, status=422)
    return render(request, "fulfillment/work/_rates.html", {"shop": shop, "shipment": shipment})


@require_GET
@xframe_options_sameorigin  # the print view shows the PDF in a frame of our own page
@permission_required(WORK, raise_exception=True)
def label_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    """A box's label: the PDF inline (for the print view) or as a download; the ZPL as a file."""
    package = _package(request, pk)
    download = request.GET.get("download") == "1"
    name = f"{package.shipment.number}-box{package.box_number}-{package.tracking_number}"
    if fmt == "zpl":
        if not package.label_data:
            raise Http404("This label has no ZPL version.")
        response = HttpResponse(package.label_data, content_type="application/x-zpl")
        response["Content-Disposition"] = f'attachment; filename="{name}.zpl"'
        return response
    if not package.label_file or package.label_format != "pdf":
        raise Http404("This label has no PDF version.")
    return FileResponse(
        package.label_file.open("rb"), content_type="application/pdf", as_attachment=download, filename=f"{name}.pdf"
    )


@require_GET
@permission_required(WORK, raise_exception=True)
def label_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The label on its own page; the browser's print dialog opens on it (reprint: open it again)."""
    package = _package(request, pk)
    if package.status != PackageStatus.LABELLED or not package.label_file:
        raise Http404("This box has no label to print.")
    return render(request, "fulfillment/work/label_print.html", {"package": package, "shipment": package.shipment})


@require_POST
@permission_required(WORK, raise_exception=True)
def label_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void a box's label; the carrier's refusal (its window passed) is shown as it gave it."""
    package = _package(request, pk)
    try:
        voided = package_void(package=package, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        pending = " (refund pending at the carrier)" if voided.status == PackageStatus.VOID_PENDING else ""
        messages.success(
            request,
            f"Label {voided.tracking_number} of box {voided.box_number} voided; refund of "
            f"{voided.refund_amount or 0} {voided.label_currency} recorded{pending}. Buy a new label when ready.",
        )
    return redirect("fulfillment:work_ship", pk=package.shipment_id)


@require_GET
@permission_required(WORK, raise_exception=True)
def packing_slip(request: HttpRequest, pk: int) -> HttpResponse:
    """The packing slip PDF to put in the box (order lines, return instructions)."""
    shipment = work_shipment_get(user=request.user, pk=pk)
    pdf = packing_slip_pdf(slip_from_shipment(shipment))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{shipment.number}-packing-slip.pdf"'
    return response


@require_POST
@permission_required(WORK, raise_exception=True)
def return_label(request: HttpRequest, pk: int) -> HttpResponse:
    """Buy a prepaid return label to put in the box (once; asking again shows the same one)."""
    shipment = work_shipment_get(user=request.user, pk=pk)
    try:
        package = shipment_return_label(shipment=shipment)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Return label {package.return_tracking_number} ready: print it and put it in box 1.")
    return redirect("fulfillment:work_ship", pk=shipment.pk)


@require_GET
@xframe_options_sameorigin
@permission_required(WORK, raise_exception=True)
def return_label_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A box's prepaid return label (PDF or ZPL as the carrier sold it)."""
    package = _package(request, pk)
    if not package.return_label_file:
        raise Http404("This box has no return label.")
    name = package.return_label_file.name.rsplit("/", 1)[-1]
    kind = "application/pdf" if name.endswith(".pdf") else "application/x-zpl"
    return FileResponse(package.return_label_file.open("rb"), content_type=kind, filename=name)
