"""Orders made by staff: one by hand (with its line rows), or many from a CSV file."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.csv_upload import csv_upload_post
from core.errors import DomainError
from core.htmx import render_page
from fulfillment.services.intake import order_import, orders_import_csv
from orders.forms import (
    LineRow,
    ManualOrderForm,
    OrderImportForm,
    ParsedLines,
    blank_line_rows,
    parse_order_lines,
)
from orders.selectors import order_form_choices
from orders.services import ORDER_CSV_COLUMNS, LineInput, OrderCsvReport, OrderInput

DEFAULT_CHANNEL = "web"


def _new_reference() -> str:
    """A reference for an order taken by hand. It is made when the form opens, so sending the
    same form twice (a double click, a reload) finds the first order instead of a second one."""
    return f"MAN-{secrets.token_hex(4).upper()}"


def _order_input(form: ManualOrderForm, parsed: ParsedLines) -> OrderInput:
    data = form.cleaned_data
    return OrderInput(
        external_id=data["external_id"].strip() or _new_reference(),
        customer_name=data["customer_name"].strip(),
        customer_email=data["customer_email"],
        customer_phone=data["customer_phone"].strip(),
        line1=data["line1"].strip(),
        line2=data["line2"].strip(),
        city=data["city"].strip(),
        region=data["region"].strip(),
        postal_code=data["postal_code"].strip(),
        country=data["country"] or "US",
        delivery_method=data["delivery_method"],
        service_level=data["service_level"],
        pickup_location=data["pickup_location"] or "",
        promised_delivery_date=data["promised_delivery_date"],
        lines=tuple(LineInput(sku=sku, quantity=qty, unit_price=price) for sku, qty, price in parsed.lines),
    )


@require_http_methods(["GET", "POST"])
@permission_required("orders.add_order", raise_exception=True)
def order_create(request: HttpRequest) -> HttpResponse:
    """Take an order by hand: it is imported, routed and reserved like any channel's order.

    A refusal lands on the field or line row it is about (status 422) and nothing is written.
    """
    choices = order_form_choices()
    channels = choices["channels"]
    default_channel = next(
        (c.code for c in channels if c.code == DEFAULT_CHANNEL), channels[0].code if channels else ""
    )
    status = 200
    if request.method != "POST":
        initial = {"channel": default_channel, "country": "US", "external_id": _new_reference()}
        form = ManualOrderForm(initial=initial, **choices)
        parsed = ParsedLines(rows=blank_line_rows())
    elif "add_line" in request.POST:
        form = ManualOrderForm(initial=request.POST.dict(), **choices)
        parsed = parse_order_lines(request.POST, extra_rows=1)
        parsed = ParsedLines(rows=[LineRow(row.sku, row.quantity, row.price) for row in parsed.rows])
    else:
        form = ManualOrderForm(request.POST, **choices)
        parsed = parse_order_lines(request.POST)
        if form.is_valid() and parsed.ok:
            try:
                result = order_import(
                    channel=form.chosen_channel(), data=_order_input(form, parsed), actor=request.user
                )
            except DomainError as exc:
                if not form.add_service_error(exc.field, exc.message):
                    parsed.add_service_error(exc.field, exc.message)
            else:
                order = result.order
                if result.created:
                    messages.success(request, f"{order.number} placed. {order.routing_reason}")
                else:
                    messages.warning(
                        request,
                        f"{order.channel.name} already has order {order.external_id} ({order.number}); "
                        "nothing new was created.",
                    )
                return redirect("orders:detail", pk=order.pk)
        status = 422
    context = {"form": form, "rows": parsed.rows, "lines_error": parsed.error, "has_channels": bool(channels)}
    return render(request, "orders/form.html", context, status=status)


@require_GET
@permission_required("orders.add_order", raise_exception=True)
def order_line_row(request: HttpRequest) -> HttpResponse:
    """One more blank line row for the order form (htmx "Add line")."""
    return render(request, "orders/form.html#line_row", {"row": LineRow()})


@require_http_methods(["GET", "POST"])
@permission_required("orders.add_order", raise_exception=True)
def order_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of orders: a row-by-row error report (nothing written), or the orders made."""
    form, report, status = OrderImportForm(), None, 200
    if request.method == "POST":
        form, report, status = csv_upload_post(
            request,
            form_class=OrderImportForm,
            run=lambda file: orders_import_csv(stream=file, actor=request.user),
            done=_orders_imported,
        )
    context = {
        "form": form,
        "report": report,
        "errors": report.errors[:500] if report else [],
        "columns": ORDER_CSV_COLUMNS,
    }
    return render_page(request, "orders/import.html", context, partial="panel", status=status)


def _orders_imported(report: OrderCsvReport) -> str:
    created, again = len(report.created), len(report.duplicates)
    text = f"Imported {created} order{'' if created == 1 else 's'} from {report.rows} rows"
    return text + (f"; {again} already imported, left as they were." if again else ".")
