"""One return: lines, label, tracking, receiving, inspection with photos, refund, timeline, and its actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict, DomainError
from core.htmx import render_page
from returns.barcode import code128_svg
from returns.forms import InspectionForm, NoteForm, ReasonRequiredForm, ReceiveForm, ReferenceForm
from returns.models import (
    RECEIVABLE_STATUSES,
    RefundStatus,
    ReturnAuthorization,
    ReturnMethod,
    ReturnPhoto,
    ReturnStatus,
)
from returns.selectors import (
    receiving_locations,
    return_detail,
    return_events,
    return_get,
    return_refund,
    transfer_destinations,
)
from returns.services import (
    refund_mark_executed,
    refund_quote_for,
    refund_retry,
    return_approve,
    return_cancel,
    return_close,
    return_inspect,
    return_label_buy,
    return_receive,
    return_reject,
)
from returns.views._shared import context_flags, require

CANCELLABLE = (ReturnStatus.REQUESTED, ReturnStatus.AUTHORIZED, ReturnStatus.IN_TRANSIT)
CLOSABLE = (ReturnStatus.INSPECTED, ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED)


def _context(request: HttpRequest, rma: ReturnAuthorization, **forms: Any) -> dict[str, Any]:
    units = list(rma.units.all())
    lines = list(rma.lines.all())
    for line in lines:
        line.unit_list = [unit for unit in units if unit.line_id == line.pk]  # type: ignore[attr-defined]
    flags = context_flags(request.user)
    waiting = [unit for unit in units if not unit.disposition]
    if flags["can_receive"] and waiting and "inspection_form" not in forms:
        forms["inspection_form"] = InspectionForm(units=waiting, destinations=transfer_destinations(request.user))
    if flags["can_receive"] and rma.status in RECEIVABLE_STATUSES and "receive_form" not in forms:
        forms["receive_form"] = ReceiveForm(lines=lines)
    refund = return_refund(rma)
    return {
        "rma": rma,
        "lines": lines,
        "units": units,
        "waiting_units": waiting,
        "photos": list(rma.photos.all()),
        "tracking": list(rma.tracking_events.all()),
        "events": return_events(rma),
        "event_prefix": f"{rma.number}: ",
        "refund": refund,
        "quote": refund_quote_for(rma, quote=True)
        if refund is None and rma.status not in (ReturnStatus.REJECTED, ReturnStatus.CANCELLED)
        else None,
        "barcode": code128_svg(rma.number),
        "receive_locations": receiving_locations(request.user) if flags["can_receive"] else [],
        "can_cancel": flags["can_approve"] and rma.status in CANCELLABLE,
        "can_close": flags["can_approve"]
        and rma.status in CLOSABLE
        and (refund is None or refund.status == RefundStatus.EXECUTED),
        "can_buy_label": (flags["can_approve"] or flags["can_receive"])
        and rma.status == ReturnStatus.AUTHORIZED
        and rma.method == ReturnMethod.MAIL
        and not rma.tracking_number,
        **flags,
        **forms,
    }


@require_GET
def return_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one return, and what the user may do with it now."""
    require(request, "returns.view_returnauthorization", "returns.receive_return")
    rma = return_detail(user=request.user, pk=pk)
    return render_page(request, "returns/detail.html", _context(request, rma))


def _approved(rma: ReturnAuthorization) -> str:
    where = f" to {rma.return_location.code}" if rma.return_location else ""
    label = (
        f"; label {rma.tracking_number}" if rma.tracking_number else (f"; {rma.label_error}" if rma.label_error else "")
    )
    return f"{rma.number} approved: it comes back{where}{label}."


def _action_approve(request: HttpRequest, rma: ReturnAuthorization) -> str:
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _approved(return_approve(rma=rma, actor=request.user, note=note))


def _action_reject(request: HttpRequest, rma: ReturnAuthorization) -> str:
    form = ReasonRequiredForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return_reject(rma=rma, actor=request.user, reason=reason)
    return f"{rma.number} rejected; the customer sees your reason."


def _action_cancel(request: HttpRequest, rma: ReturnAuthorization) -> str:
    form = NoteForm(request.POST)
    return_cancel(rma=rma, actor=request.user, reason=form.cleaned_data["note"] if form.is_valid() else "")
    return f"{rma.number} cancelled; its units can be returned again."


def _action_close(request: HttpRequest, rma: ReturnAuthorization) -> str:
    return_close(rma=rma, actor=request.user)
    return f"{rma.number} closed."


def _action_label(request: HttpRequest, rma: ReturnAuthorization) -> str:
    result = return_label_buy(rma=rma, actor=request.user)
    if result.tracking_number:
        return f"Return label {result.tracking_number} bought."
    raise_refusal(result.label_error or "The label could not be bought.")
    return ""


def _action_refund_executed(request: HttpRequest, rma: ReturnAuthorization) -> str:
    refund = return_refund(rma)
    if refund is None:
        raise Http404("No refund.")
    form = ReferenceForm(request.POST)
    reference = form.cleaned_data["reference"] if form.is_valid() else ""
    refund_mark_executed(refund=refund, actor=request.user, reference=reference)
    return f"Refund of {refund.amount} {refund.currency} recorded as executed."


def _action_refund_retry(request: HttpRequest, rma: ReturnAuthorization) -> str:
    refund = return_refund(rma)
    if refund is None:
        raise Http404("No refund.")
    refund_retry(refund=refund, actor=request.user)
    return "The refund is queued for the channel again."


def raise_refusal(message: str) -> None:
    raise Conflict(message)


ACTIONS: dict[str, tuple[tuple[str, ...], Callable[[HttpRequest, ReturnAuthorization], str]]] = {
    "approve": (("returns.approve_return",), _action_approve),
    "reject": (("returns.approve_return",), _action_reject),
    "cancel": (("returns.approve_return",), _action_cancel),
    "close": (("returns.approve_return",), _action_close),
    "label": (("returns.approve_return", "returns.receive_return"), _action_label),
    "refund-executed": (("returns.manage_refunds",), _action_refund_executed),
    "refund-retry": (("returns.manage_refunds",), _action_refund_retry),
}


@require_POST
def return_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Approve, reject, cancel, close, buy the label, or record the refund; then back to the return."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    perms, handler = ACTIONS[action]
    require(request, *perms)
    rma = return_get(user=request.user, pk=pk)
    try:
        text = handler(request, rma)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, text)
    return redirect("returns:detail", pk=rma.pk)


@require_POST
def return_receive_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive the parcel at one of the user's locations, with the units actually in it."""
    require(request, "returns.receive_return")
    rma = return_detail(user=request.user, pk=pk)
    locations = {loc.code: loc for loc in receiving_locations(request.user)}
    location = locations.get(request.POST.get("location", ""))
    form = ReceiveForm(request.POST, lines=list(rma.lines.all()))
    if location is None:
        form.add_error(None, "Choose the location receiving the parcel.")
    if form.is_valid():
        try:
            receipt = return_receive(rma=rma, location=location, actor=request.user, quantities=form.quantities())  # type: ignore[arg-type]
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if receipt.already:
                messages.info(request, f"{rma.number} was received already; nothing changed.")
            else:
                messages.success(
                    request,
                    f"{rma.number}: {receipt.units} unit{'s' if receipt.units != 1 else ''} received at "
                    f"{location.code}. Inspect {'them' if receipt.units != 1 else 'it'} below.",  # type: ignore[union-attr]
                )
            return redirect("returns:detail", pk=rma.pk)
    return render_page(request, "returns/detail.html", _context(request, rma, receive_form=form), status=422)


@require_POST
def return_inspect_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record condition and disposition of received units, with photos."""
    require(request, "returns.receive_return")
    rma = return_detail(user=request.user, pk=pk)
    waiting = [unit for unit in rma.units.all() if not unit.disposition]
    form = InspectionForm(request.POST, request.FILES, units=waiting, destinations=transfer_destinations(request.user))
    template = "returns/counter_return.html" if request.POST.get("screen") == "counter" else "returns/detail.html"
    if form.is_valid():
        inspections = form.inspections()
        photos = request.FILES.getlist("photos")
        if not inspections and not photos:
            form.add_error(None, "Choose a condition and a disposition for at least one unit, or add photos.")
        else:
            try:
                result = return_inspect(
                    rma=rma,
                    inspections=inspections,
                    photos=photos,
                    actor=request.user,
                    photos_unit_id=form.cleaned_data.get("photos_unit"),
                )
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                text = f"{rma.number}: {result.inspected} unit{'s' if result.inspected != 1 else ''} inspected"
                if photos:
                    text += f", {len(photos)} photo{'s' if len(photos) != 1 else ''} added"
                if result.refund is not None:
                    refund = result.refund
                    text += f". Refund {refund.amount} {refund.currency} {refund.get_status_display().lower()}"
                messages.success(request, text + ".")
                if template == "returns/counter_return.html":
                    return redirect("returns:counter_return", pk=rma.pk)
                return redirect("returns:detail", pk=rma.pk)
    context = _context(request, rma, inspection_form=form)
    context["store"] = rma.return_location
    return render_page(request, template, context, status=422)


@require_GET
def return_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo of a return, only to staff who may see the return."""
    require(request, "returns.view_returnauthorization", "returns.receive_return")
    photo = ReturnPhoto.objects.filter(pk=pk).first()
    if photo is None:
        raise Http404("No such photo.")
    return_get(user=request.user, pk=photo.rma_id)  # 404 outside the user's locations
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def return_label(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable return label (4x6 in)."""
    require(request, "returns.view_returnauthorization", "returns.receive_return")
    rma = return_get(user=request.user, pk=pk)
    return label_response(request, rma)


def label_response(request: HttpRequest, rma: ReturnAuthorization) -> HttpResponse:
    if not rma.tracking_number:
        raise Http404("This return has no label.")
    context = {
        "rma": rma,
        "tracking_barcode": code128_svg(rma.tracking_number, module=1.6, height=90),
        "rma_barcode": code128_svg(rma.number, module=1.6, height=50),
    }
    return render(request, "returns/label.html", context)
