"""The supplier portal (/partners/portal/), phone first: a supplier's people answer and ship our POs.

Every page finds the signed-in user's partner (`partners.PartnerUser`) and reads only that
partner's rows: another partner's PO, by any URL, is a 404. A PO shows its ship-to and lines,
nothing else of the order or our stock. Every action is a document applied by the partners
services with `via="portal"`, kept on the PO's trail; a refused one is kept with its error, and
that error is what the supplier reads on the page.
"""

from __future__ import annotations

import json
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError, ValidationFailed
from partners.documents import InventoryFeed
from partners.forms import (
    CARRIER_SUGGESTIONS,
    AcknowledgeForm,
    InventoryUploadForm,
    InvoiceForm,
    ShipmentForm,
    line_left_to_ship,
)
from partners.models import DocumentKind, DocumentStatus, Exchange, Partner, PartnerDocument
from partners.models import PurchaseOrderStatus as S
from partners.portal_csv import csv_text, inventory_csv_rows, invoice_csv_lines
from partners.selectors import (
    OPEN_STATUSES,
    PORTAL_TABS,
    portal_inventory_feeds,
    portal_partner,
    portal_purchase_order,
    portal_purchase_orders,
    portal_tab_counts,
)
from partners.services import acknowledgment_apply, inventory_feed_apply, invoice_apply, ship_notice_apply
from partners.services.documents import document_refuse_input

PORTAL = Exchange.PORTAL
PER_PAGE = 20
#: A PO takes an invoice once something shipped, until it is closed.
INVOICEABLE = (S.PARTIALLY_SHIPPED, S.SHIPPED, S.INVOICED)
FEED_ROW = re.compile(r"rows\[(\d+)\]")
#: What a supplier calls the documents it sent (the EDI numbers mean nothing on the portal).
DOCUMENT_LABELS: dict[str, str] = {
    DocumentKind.ACKNOWLEDGMENT: "Your answer",
    DocumentKind.SHIP_NOTICE: "Shipment",
    DocumentKind.INVOICE: "Invoice",
    DocumentKind.INVENTORY: "Inventory",
}


def _partner(request: HttpRequest) -> Partner:
    """The signed-in supplier's partner; anyone else (our staff included) is refused."""
    partner = portal_partner(request.user)
    if partner is None:
        raise PermissionDenied("The supplier portal is for our suppliers' people.")
    if not partner.is_active:
        raise PermissionDenied(f"{partner.name}'s access to the portal is suspended; please contact us.")
    return partner


def _raw_form(request: HttpRequest) -> str:
    """What the supplier submitted, for the document trail (without the CSRF token)."""
    fields = {key: request.POST.getlist(key) for key in sorted(request.POST) if key != "csrfmiddlewaretoken"}
    return json.dumps({key: values[0] if len(values) == 1 else values for key, values in fields.items()}, indent=1)


def _repeated(request: HttpRequest, document: PartnerDocument) -> bool:
    if document.status == DocumentStatus.DUPLICATE:
        messages.info(request, "We already had this: nothing changed.")
        return True
    return False


def _refused(request: HttpRequest, exc: DomainError, row_errors: dict[str, list[str]] | None = None) -> None:
    if row_errors:
        count = len(row_errors)
        where = "the file" if "file" in row_errors else f"{count} row{'s' if count != 1 else ''} of the file"
        messages.error(request, f"Nothing was sent: {where} {'has' if count == 1 else 'have'} a problem (see below).")
    else:
        messages.error(request, f"Not accepted: {_file_lines(exc.message)}")


@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    """The partner's POs by tab: new (to answer), to ship, shipped, cancelled."""
    partner = _partner(request)
    counts = portal_tab_counts(partner=partner)
    tab = request.GET.get("tab", "")
    if tab not in PORTAL_TABS:
        tab = next((name for name in ("new", "to_ship") if counts[name]), "new")
    page = Paginator(portal_purchase_orders(partner=partner, tab=tab), PER_PAGE).get_page(request.GET.get("page"))
    tabs = [{"value": name, "label": label, "count": counts[name]} for name, (label, _s) in PORTAL_TABS.items()]
    context = {"partner": partner, "tabs": tabs, "tab": tab, "page": page, "now": timezone.now()}
    return render(request, "partners/portal/home.html", context)


def _po_page(
    request: HttpRequest, partner: Partner, pk: int, *, ack_form: AcknowledgeForm | None = None, status: int = 200
) -> HttpResponse:
    po = portal_purchase_order(partner=partner, pk=pk)
    lines = list(po.lines.all())
    is_open = po.status in OPEN_STATUSES
    if ack_form is None and is_open:
        ack_form = AcknowledgeForm(lines=lines)
    context = {
        "partner": partner,
        "po": po,
        "lines": lines,
        "ack_form": ack_form if ack_form is not None and ack_form.lines else None,
        "can_ship": is_open and any(line_left_to_ship(line) for line in lines),
        "can_invoice": po.status in INVOICEABLE,
        "documents": [
            {"document": document, "label": DOCUMENT_LABELS.get(document.kind, document.get_kind_display())}
            for document in po.documents.all()
        ],
    }
    return render(request, "partners/portal/po.html", context, status=status)


@require_GET
def portal_po(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the partner's POs: ship-to, lines with what was answered and shipped, and what to do next."""
    return _po_page(request, _partner(request), pk)


@require_POST
def portal_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept all, accept some (per line, with a reason for the rest) or reject all, with a reason."""
    partner = _partner(request)
    po = portal_purchase_order(partner=partner, pk=pk)
    form = AcknowledgeForm(request.POST, lines=list(po.lines.all()))
    if not form.lines:
        messages.info(request, f"Every line of {po.number} is answered already.")
        return redirect("partners:portal_po", pk=po.pk)
    if not form.is_valid():
        return _po_page(request, partner, pk, ack_form=form, status=422)
    ack = form.acknowledgment(po.number)
    try:
        document = acknowledgment_apply(
            partner=partner, ack=ack, via=PORTAL, raw=_raw_form(request), actor=request.user
        )
    except DomainError as exc:
        _refused(request, exc)
        form.add_error(None, exc.message)
        return _po_page(request, partner, pk, ack_form=form, status=422)
    if not _repeated(request, document):
        ordered = sum(line.quantity for line in form.lines)
        accepted = sum(answer.accepted for answer in ack.lines)
        if accepted == ordered:
            messages.success(request, f"{po.number} accepted. Enter the shipment here once it has left.")
        elif accepted:
            messages.success(
                request, f"{po.number}: {accepted} of {ordered} units accepted; we send the rest elsewhere."
            )
        else:
            messages.success(request, f"{po.number} rejected; we send it elsewhere. Thank you for telling us.")
    return redirect("partners:portal_po", pk=po.pk)


@require_http_methods(["GET", "POST"])
def portal_ship(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a shipment: carrier, tracking numbers (one per parcel), units per line."""
    partner = _partner(request)
    po = portal_purchase_order(partner=partner, pk=pk)
    lines = list(po.lines.all())
    reference = f"{po.number}-{len(po.ship_notices.all()) + 1}"
    form = ShipmentForm(request.POST or None, lines=lines, initial={"reference": reference})
    if po.status not in OPEN_STATUSES or not form.lines:
        messages.info(request, f"Nothing is left to ship on {po.number}.")
        return redirect("partners:portal_po", pk=po.pk)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            notice = form.notice(po.number)
            try:
                document = ship_notice_apply(
                    partner=partner, notice=notice, via=PORTAL, raw=_raw_form(request), actor=request.user
                )
            except DomainError as exc:
                _refused(request, exc)
                form.add_error(None, exc.message)
            else:
                if not _repeated(request, document):
                    units = sum(line.quantity for line in notice.lines)
                    parcels = len(notice.tracking_numbers)
                    messages.success(
                        request,
                        f"Shipment {notice.reference} recorded: {units} unit{'s' if units != 1 else ''} "
                        f"in {parcels} parcel{'s' if parcels != 1 else ''}. The customer gets the tracking.",
                    )
                return redirect("partners:portal_po", pk=po.pk)
        status = 422
    context = {"partner": partner, "po": po, "form": form, "carriers": CARRIER_SUGGESTIONS}
    return render(request, "partners/portal/ship.html", context, status=status)


@require_http_methods(["GET", "POST"])
def portal_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload an invoice: lines prefilled from what shipped and not yet invoiced, or a CSV of lines."""
    partner = _partner(request)
    po = portal_purchase_order(partner=partner, pk=pk)
    form = InvoiceForm(request.POST or None, request.FILES or None, lines=list(po.lines.all()))
    if po.status not in INVOICEABLE:
        messages.info(request, f"{po.number} takes an invoice once something has shipped, until it is closed.")
        return redirect("partners:portal_po", pk=po.pk)
    row_errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            raw, lines = _raw_form(request), form.typed_lines()
            try:
                if upload:
                    data = upload.read()
                    raw = csv_text(data)
                    try:
                        lines, row_errors = invoice_csv_lines(data)
                    except ValidationFailed as exc:
                        row_errors = {"file": [exc.message]}
                    if row_errors:
                        raise document_refuse_input(
                            partner=partner,
                            kind=DocumentKind.INVOICE,
                            via=PORTAL,
                            raw=raw,
                            errors=row_errors,
                            purchase_order=po,
                        )
                invoice = form.invoice(po.number, lines)
                document = invoice_apply(partner=partner, invoice=invoice, via=PORTAL, raw=raw, actor=request.user)
            except DomainError as exc:
                _refused(request, exc, row_errors)
                if not row_errors:
                    form.add_error(None, exc.message)
            else:
                if not _repeated(request, document):
                    messages.success(request, f"Invoice {invoice.number} received for {po.number}.")
                return redirect("partners:portal_po", pk=po.pk)
    context = {"partner": partner, "po": po, "form": form, "row_errors": row_errors}
    return render(request, "partners/portal/invoice.html", context, status=status)


def _file_lines(text: str) -> str:
    """A feed's problems named by the file's line (row 0 is line 2, under the header)."""
    return FEED_ROW.sub(lambda match: f"line {int(match.group(1)) + 2}", text)


def _feed_rows(documents: list[PartnerDocument]) -> list[dict[str, object]]:
    rows = []
    for document in documents:
        parsed = document.parsed if isinstance(document.parsed, dict) else {}
        result = parsed.get("result") if isinstance(parsed.get("result"), dict) else {}
        name = _file_lines if document.via == PORTAL else str
        rows.append(
            {
                "document": document,
                "skus_set": result.get("skus_set") if result else None,
                "left_out": [name(str(problem)) for problem in result.get("left_out", [])] if result else [],
                "held_back": list(result.get("held_back", [])) if result else [],
                "error": name(document.error),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def portal_inventory(request: HttpRequest) -> HttpResponse:
    """Upload the stock the supplier holds (sku,quantity[,warehouse]); each bad row is named with its line."""
    partner = _partner(request)
    form = InventoryUploadForm(request.POST or None, request.FILES or None)
    row_errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data["file"].read()
            raw = csv_text(data)
            try:
                try:
                    rows, row_errors = inventory_csv_rows(data)
                except ValidationFailed as exc:
                    rows, row_errors = [], {"file": [exc.message]}
                if row_errors:
                    raise document_refuse_input(
                        partner=partner, kind=DocumentKind.INVENTORY, via=PORTAL, raw=raw, errors=row_errors
                    )
                document = inventory_feed_apply(
                    partner=partner, feed=InventoryFeed(rows=tuple(rows)), via=PORTAL, raw=raw, actor=request.user
                )
            except DomainError as exc:
                _refused(request, exc, row_errors)
                if not row_errors:
                    form.add_error("file", _file_lines(exc.message))
            else:
                skus = (document.parsed.get("result") or {}).get("skus_set", 0)
                messages.success(request, f"Stock updated for {skus} SKU{'s' if skus != 1 else ''}.")
                return redirect(f"{reverse('partners:portal_inventory')}?feed={document.pk}")
    feeds = _feed_rows(portal_inventory_feeds(partner=partner))
    context = {
        "partner": partner,
        "form": form,
        "row_errors": row_errors,
        "feeds": feeds,
        "shown": request.GET.get("feed", ""),
    }
    return render(request, "partners/portal/inventory.html", context, status=status)
