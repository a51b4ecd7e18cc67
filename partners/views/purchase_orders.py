"""Staff pages of purchase orders: the list (filters, SLA status) and a PO's page (lines, ship notices,
invoices with their match, the document trail), with cancelling a PO and approving an invoice.

Everything here needs `partners.manage_partners`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.htmx import render_page
from partners.forms import ApproveInvoiceForm, CancelForm, PurchaseOrderFilterForm
from partners.models import Partner, PurchaseOrder
from partners.selectors import MANAGE, OPEN_STATUSES, purchase_order_detail, purchase_order_list
from partners.services import invoice_approve, purchase_order_cancel
from partners.views._documents import trail_rows

PER_PAGE = 25


@require_GET
@permission_required(MANAGE, raise_exception=True)
def po_list(request: HttpRequest) -> HttpResponse:
    """Every partner's POs, newest first, filtered by number, partner, status and SLA status (or late).

    A fixed number of queries per page: the partner choices, the count, the POs, their lines.
    """
    partners = list(Partner.objects.order_by("name").only("pk", "code", "name"))
    form = PurchaseOrderFilterForm(request.GET or None, partners=[(p.code, p.name) for p in partners])
    filters = form.filters()
    partner = next((p for p in partners if p.code == filters["partner"]), None)
    orders = purchase_order_list(
        user=request.user,
        partner=partner,
        status=filters["status"],
        sla=filters["sla"],
        search=filters["q"],
    )
    page = Paginator(orders, PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "filters": filters, "page": page}
    return render_page(request, "partners/po_list.html", context, partial="results")


def _detail(
    request: HttpRequest,
    pk: int,
    *,
    approve: tuple[int, ApproveInvoiceForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    po = purchase_order_detail(user=request.user, pk=pk)
    invoices = [
        {
            "invoice": invoice,
            "form": approve[1]
            if approve and approve[0] == invoice.pk
            else ApproveInvoiceForm(prefix=f"inv{invoice.pk}"),
        }
        for invoice in po.invoices.all()
    ]
    context = {
        "po": po,
        "lines": po.lines.all(),
        "invoices": invoices,
        "trail": trail_rows(list(po.documents.all())),
        "can_cancel": po.status in OPEN_STATUSES,
    }
    return render_page(request, "partners/po_detail.html", context, status=status)


@require_GET
@permission_required(MANAGE, raise_exception=True)
def po_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One PO with its lines, ship notices, invoices (match status, discrepancies) and its document trail."""
    return _detail(request, pk)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def po_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to confirm, then withdraw the PO: units not shipped are released and routed elsewhere."""
    po = purchase_order_detail(user=request.user, pk=pk)
    form = CancelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                purchase_order_cancel(purchase_order=po, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error("reason" if exc.field == "reason" else None, exc.message)
            else:
                messages.success(request, f"{po.number} is cancelled; its units are routed elsewhere.")
                return redirect("partners:po_detail", pk=po.pk)
        status = 422
    context = {"po": po, "form": form, "can_cancel": po.status in OPEN_STATUSES}
    return render_page(request, "partners/po_cancel.html", context, status=status)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def po_invoice_approve(request: HttpRequest, pk: int, invoice_id: int) -> HttpResponse:
    """Approve one of the PO's invoices for payment; one flagged with a discrepancy needs a note."""
    po: PurchaseOrder = purchase_order_detail(user=request.user, pk=pk)
    invoice = next((invoice for invoice in po.invoices.all() if invoice.pk == invoice_id), None)
    if invoice is None:
        raise Http404("No such invoice on this purchase order.")
    form = ApproveInvoiceForm(request.POST, prefix=f"inv{invoice.pk}")
    if form.is_valid():
        try:
            invoice_approve(invoice=invoice, actor=request.user, note=form.cleaned_data["note"])
        except DomainError as exc:
            form.add_error("note" if exc.field == "note" else None, exc.message)
        else:
            messages.success(request, f"Invoice {invoice.number} is approved for payment.")
            return redirect(f"{reverse('partners:po_detail', args=[po.pk])}#invoice-{invoice.pk}")
    return _detail(request, pk, approve=(invoice.pk, form), status=422)
