"""The store counter (phone width): take a return by order number, no prior RMA, then inspect it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from core.errors import DomainError
from core.htmx import render_page
from inventory.models import Location
from returns.forms import CounterLookupForm, InspectionForm, ReturnLinesForm
from returns.selectors import (
    counter_open_returns,
    counter_order,
    counter_recent,
    counter_stores,
    policy_reasons,
    return_detail,
    transfer_destinations,
)
from returns.services import return_counter_receive, return_counter_receive_open, returnable_lines
from returns.views._shared import require


def _store(request: HttpRequest) -> tuple[Location | None, list[Location]]:
    stores = counter_stores(request.user)
    wanted = request.POST.get("store") or request.GET.get("store") or ""
    store = next((s for s in stores if s.code == wanted), None) or (stores[0] if len(stores) == 1 else None)
    return store, stores


def counter(request: HttpRequest) -> HttpResponse:
    """Look up the customer's order, choose the units and reasons, receive them here."""
    require(request, "returns.counter_return")
    store, stores = _store(request)
    lookup = CounterLookupForm(request.GET if "order" in request.GET else None)
    order = None
    form = None
    status = 200
    open_returns = []
    needs_proof = False
    if store is not None and lookup.is_valid() and not lookup.cleaned_data["check"]:
        # A scanned receipt alone never says whether the order exists: numbers are sequential.
        needs_proof = True
        lookup.ask_for_proof()
    elif store is not None and lookup.is_valid():
        order = counter_order(lookup.cleaned_data["order"], lookup.cleaned_data["check"])
        if order is None:
            lookup.add_error(
                "order",
                "No order with that number and that email, postal code or last name. "
                "Check the receipt (SO-…, or the shop's order id) and ask the customer again.",
            )
    if order is not None:
        open_returns = counter_open_returns(order)
        if request.method == "POST" and request.POST.get("open_rma"):
            return _receive_open(request, store, open_returns)  # type: ignore[arg-type]
        returnables = returnable_lines(order)
        form = ReturnLinesForm(
            request.POST if request.method == "POST" else None,
            returnables=returnables,
            reasons=policy_reasons(order),
            allow_exchange=False,
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    receipt = return_counter_receive(
                        store=store,  # type: ignore[arg-type]
                        order=order,
                        lines=form.line_inputs(),
                        actor=request.user,
                        customer_note=form.cleaned_data["customer_note"],
                    )
                except DomainError as exc:
                    form.add_error(form.field_for(exc.field), exc.message)
                else:
                    messages.success(
                        request,
                        f"{receipt.rma.number}: {receipt.units} unit{'s' if receipt.units != 1 else ''} taken back. "
                        f"Inspect {'them' if receipt.units != 1 else 'it'} now.",
                    )
                    return redirect("returns:counter_return", pk=receipt.rma.pk)
            status = 422
    context = {
        "store": store,
        "stores": stores,
        "lookup": lookup,
        "needs_proof": needs_proof,
        "order": order,
        "form": form,
        "rows": form.rows() if form is not None else [],
        "any_returnable": form is not None and any(row["item"].available for row in form.rows()),
        "recent": counter_recent(store=store) if store is not None else [],
        "open_returns": open_returns,
    }
    return render_page(request, "returns/counter.html", context, status=status)


def _receive_open(request: HttpRequest, store: Location, open_returns: list) -> HttpResponse:
    """Take one of the order's mailed returns back at this store (the associate's own store only)."""
    wanted = request.POST.get("open_rma", "")
    rma = next((r for r in open_returns if str(r.pk) == wanted), None)
    if rma is None:
        messages.error(request, "That return is not open on this order any more.")
        return redirect(request.get_full_path())
    try:
        receipt = return_counter_receive_open(rma=rma, store=store, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(request.get_full_path())
    messages.success(
        request,
        f"{receipt.rma.number}: {receipt.units} unit{'s' if receipt.units != 1 else ''} taken back here instead of "
        "mailed. Inspect them now.",
    )
    return redirect("returns:counter_return", pk=receipt.rma.pk)


def counter_return(request: HttpRequest, pk: int) -> HttpResponse:
    """One return taken at this store's counter: its units and the inspection form, at phone width."""
    require(request, "returns.counter_return")
    rma = return_detail(user=request.user, pk=pk)
    stores = {store.pk for store in counter_stores(request.user)}
    if rma.return_location_id not in stores:
        raise Http404("No such return at your store.")
    waiting = [unit for unit in rma.units.all() if not unit.disposition]
    form = InspectionForm(units=waiting, destinations=transfer_destinations(request.user)) if waiting else None
    context = {"rma": rma, "units": list(rma.units.all()), "inspection_form": form, "store": rma.return_location}
    return render_page(request, "returns/counter_return.html", context)
