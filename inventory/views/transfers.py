"""Transfer pages: the list by status, the create form with its line rows, one transfer and its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from inventory.forms.receipts import ParsedReceipt, blank_receipt, parse_receipt
from inventory.forms.transfers import (
    TRANSFER_STATUS_TABS,
    LineRow,
    TransferForm,
    blank_line_rows,
    parse_transfer_lines,
)
from inventory.models import Transfer, TransferStatus
from inventory.receipt_selectors import transfer_discrepancies
from inventory.selectors import (
    GridFilters,
    active_locations,
    grid_locations,
    location_get,
    transfer_get,
    transfer_list,
    transfer_status_counts,
    visible_location_ids,
)
from inventory.services import (
    lines_by_sku_code,
    transfer_cancel,
    transfer_create,
    transfer_receive,
    transfer_ship,
)
from inventory.services.transfers import RECEIVABLE, ReceiptLine, transfer_receipt_record

TRANSFERS_PER_PAGE = 25


@require_GET
@permission_required("inventory.view_transfer", raise_exception=True)
def transfer_list_view(request: HttpRequest) -> HttpResponse:
    """Transfers touching the user's locations, with a tab per status and its count."""
    status = request.GET.get("status", "")
    status = status if status in TransferStatus.values else ""
    counts = transfer_status_counts(user=request.user)
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0) if value else sum(counts.values())}
        for value, label in TRANSFER_STATUS_TABS
    ]
    page = Paginator(transfer_list(user=request.user, status=status), TRANSFERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {"transfer": t, "lines": len(t.lines.all()), "units": sum(line.quantity for line in t.lines.all())}
        for t in page
    ]
    context = {"page": page, "rows": rows, "tabs": tabs, "status": status}
    return render(request, "inventory/transfer_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("inventory.manage_transfers", raise_exception=True)
def transfer_create_view(request: HttpRequest) -> HttpResponse:
    """Create a transfer: from one of the user's locations to any active location, with its lines."""
    sources = list(grid_locations(user=request.user, filters=GridFilters()))
    destinations = list(active_locations())
    choices = {"sources": sources, "destinations": destinations}
    status = 200
    if request.method != "POST":
        form = TransferForm(initial={"source": request.GET.get("source", "")}, **choices)
        rows, lines_error = blank_line_rows(), ""
    elif "add_line" in request.POST:
        form = TransferForm(initial=request.POST.dict(), **choices)
        parsed = parse_transfer_lines(request.POST, extra_rows=1)
        rows, lines_error = [LineRow(row.sku, row.quantity) for row in parsed.rows], ""
    else:
        form = TransferForm(request.POST, **choices)
        parsed = parse_transfer_lines(request.POST)
        rows, lines_error = parsed.rows, parsed.error
        if form.is_valid() and parsed.ok:
            by_code = {loc.code: loc for loc in destinations}
            try:
                transfer = transfer_create(
                    source=location_get(user=request.user, code=form.cleaned_data["source"]),
                    destination=by_code[form.cleaned_data["destination"]],
                    lines=lines_by_sku_code(parsed.pairs),
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DomainError as exc:
                if exc.field in ("source", "destination"):
                    form.add_error(exc.field, exc.message)
                else:
                    lines_error = exc.message
            else:
                units = sum(quantity for _, quantity in parsed.pairs)
                messages.success(
                    request,
                    f"{transfer.number} created: {units} units reserved at {transfer.source.code} "
                    f"for {transfer.destination.code}.",
                )
                return redirect("inventory:transfer_detail", pk=transfer.pk)
        status = 422
    context = {"form": form, "rows": rows, "lines_error": lines_error}
    return render(request, "inventory/transfer_form.html", context, status=status)


@require_GET
@permission_required("inventory.manage_transfers", raise_exception=True)
def transfer_line_row(request: HttpRequest) -> HttpResponse:
    """One more blank line row for the transfer form (htmx "Add line")."""
    return render(request, "inventory/transfer_form.html#line_row", {"row": LineRow()})


@require_GET
@permission_required("inventory.view_transfer", raise_exception=True)
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One transfer: route, lines, timeline and the actions its status allows."""
    transfer = transfer_get(user=request.user, pk=pk)
    return _render_detail(request, transfer)


def _render_detail(
    request: HttpRequest, transfer: Transfer, *, receipt: ParsedReceipt | None = None, status: int = 200
) -> HttpResponse:
    """The transfer page; `receipt` shows the receipt form as typed (after a scan or a refusal)."""
    lines = list(transfer.lines.all())
    context: dict[str, Any] = {"transfer": transfer, "lines": lines, **_transfer_permissions(request.user, transfer)}
    context["units"] = sum(line.quantity for line in lines)
    context["received_units"] = sum(line.received_quantity for line in lines)
    context["accounted"] = any(line.received_quantity or line.damaged_quantity or line.short_quantity for line in lines)
    context["discrepancies"] = list(transfer_discrepancies(transfer=transfer))
    if context["can_receive"]:
        context["receipt"] = receipt or blank_receipt(lines)
    return render(request, "inventory/transfer_detail.html", context, status=status)


@require_POST
@permission_required("inventory.manage_transfers", raise_exception=True)
def transfer_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive what arrived, line by line: a scan adds a unit and shows the form again; Receive posts it."""
    transfer = transfer_get(user=request.user, pk=pk)
    if not _transfer_permissions(request.user, transfer)["can_receive"]:
        messages.error(request, f"{transfer.number} cannot be received from your locations in its current state.")
        return redirect("inventory:transfer_detail", pk=transfer.pk)
    lines = list(transfer.lines.all())
    receipt = parse_receipt(request.POST, lines)
    if "receive" not in request.POST or not receipt.ok:
        return _render_detail(request, transfer, receipt=receipt, status=200 if receipt.ok else 422)
    wanted = [ReceiptLine(sku_id, received, damaged) for sku_id, (received, damaged) in receipt.quantities.items()]
    recorded_before = transfer_discrepancies(transfer=transfer).count()
    try:
        done = transfer_receipt_record(
            transfer=transfer,
            actor=request.user,
            lines=[line for line in wanted if line.received or line.damaged],
            close=receipt.close,
            note=receipt.note,
        )
    except DomainError as exc:
        receipt.scan_error = exc.message
        return _render_detail(request, transfer, receipt=receipt, status=422)
    messages.success(
        request, _receipt_message(done, wanted, transfer_discrepancies(transfer=done).count() - recorded_before)
    )
    return redirect("inventory:transfer_detail", pk=transfer.pk)


def _receipt_message(transfer: Transfer, wanted: list[ReceiptLine], new_discrepancies: int) -> str:
    """What the receipt did, in one sentence: units now on hand, whether it closed, discrepancies recorded."""
    units = sum(line.received for line in wanted)
    got = f"{units} unit{pluralize(units)} received" if units else "nothing more received"
    found = (
        f"; {new_discrepancies} discrepanc{pluralize(new_discrepancies, 'y,ies')} recorded" if new_discrepancies else ""
    )
    if transfer.status == TransferStatus.RECEIVED:
        return f"{transfer.number} closed at {transfer.destination.code}: {got}{found}."
    return f"{transfer.number}: {got}{found}; the rest is still in transit."


def _transfer_permissions(user: Any, transfer: Transfer) -> dict[str, bool]:
    """Ship and cancel happen at the source, receive at the destination."""
    if not user.has_perm("inventory.manage_transfers"):
        return {"can_ship": False, "can_receive": False}
    ids = visible_location_ids(user)
    at_source = ids is None or transfer.source_id in ids
    at_destination = ids is None or transfer.destination_id in ids
    requested = transfer.status == TransferStatus.REQUESTED
    return {
        "can_ship": at_source and requested,
        "can_receive": at_destination and transfer.status in RECEIVABLE,
    }


TRANSFER_ACTIONS = {
    "ship": (transfer_ship, "can_ship", "{number} shipped: its units are now in transit to {destination}."),
    "receive": (transfer_receive, "can_receive", "{number} received at {destination}: its units are on hand."),
    "cancel": (transfer_cancel, "can_ship", "{number} cancelled: its units are available again at {source}."),
}


@require_POST
@permission_required("inventory.manage_transfers", raise_exception=True)
def transfer_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Ship, receive or cancel a transfer, then go back to it with a message (refusals included)."""
    transfer = transfer_get(user=request.user, pk=pk)
    service, permission, template = TRANSFER_ACTIONS[action]
    if not _transfer_permissions(request.user, transfer)[permission]:
        messages.error(
            request, f"{transfer.number} cannot be {_past(action)} from your locations in its current state."
        )
        return redirect("inventory:transfer_detail", pk=transfer.pk)
    try:
        service(transfer=transfer, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        names = {"number": transfer.number, "source": transfer.source.code, "destination": transfer.destination.code}
        messages.success(request, template.format(**names))
    return redirect("inventory:transfer_detail", pk=transfer.pk)


def _past(action: str) -> str:
    """The past participle of a transfer action, for messages."""
    return {"ship": "shipped", "receive": "received", "cancel": "cancelled"}[action]
