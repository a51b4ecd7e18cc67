"""Staff pages of partners: the list with each partner's health, and a partner's page (terms, locations,
health and defects, its purchase orders, a 3PL's inventory drift, portal users, API keys).

Everything here needs `partners.manage_partners`. An API key's secret is shown once, in the answer
to the POST that issued it (never through a redirect or a message, which would store it).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from core.errors import Conflict, DomainError
from partners.forms import ApiKeyForm
from partners.models import DriftStatus, Partner, PartnerKind, SnapshotStatus
from partners.selectors import (
    MANAGE,
    partner_defect_rates,
    partner_page,
    partners_health,
    purchase_order_list,
)
from partners.services import IssuedPartnerKey, partner_api_key_issue, partner_api_key_revoke
from partners.threepl.selectors import inventory_snapshot_latest
from partners.threepl.services import inventory_snapshot_apply

#: Purchase orders shown on a partner's page (the list page has them all).
RECENT_POS = 15
#: Defect rows (location and SKU) shown on a partner's page, worst first.
DEFECT_ROWS = 15


def _is_connected_3pl(partner: Partner) -> bool:
    return partner.kind == PartnerKind.THIRD_PARTY and bool(partner.connector)


@require_GET
@permission_required(MANAGE, raise_exception=True)
def partner_list(request: HttpRequest) -> HttpResponse:
    """Every partner with its health: open POs, late acknowledgments and shipments, defect rate, last contact.

    A fixed number of queries however many partners there are (see `partners_health`).
    """
    return render(request, "partners/partner_list.html", {"rows": partners_health()})


def _detail(
    request: HttpRequest,
    partner: Partner,
    *,
    key_form: ApiKeyForm | None = None,
    issued: IssuedPartnerKey | None = None,
    status: int = 200,
) -> HttpResponse:
    snapshot = inventory_snapshot_latest(partner=partner) if _is_connected_3pl(partner) else None
    drifts = list(snapshot.drifts.all()) if snapshot is not None else []
    context = {
        "partner": partner,
        "health": partners_health(partners=Partner.objects.filter(pk=partner.pk))[0],
        "purchase_orders": list(purchase_order_list(user=request.user, partner=partner)[:RECENT_POS]),
        "defects": partner_defect_rates(partner=partner)[:DEFECT_ROWS],
        "is_3pl": partner.kind == PartnerKind.THIRD_PARTY,
        "connected": _is_connected_3pl(partner),
        "snapshot": snapshot,
        "drifts": drifts,
        "open_drifts": sum(1 for drift in drifts if drift.status == DriftStatus.OPEN),
        "can_apply": snapshot is not None and snapshot.status == SnapshotStatus.RECORDED,
        "key_form": key_form or ApiKeyForm(),
        "issued": issued,
    }
    response = render(request, "partners/partner_detail.html", context, status=status)
    if issued is not None:
        add_never_cache_headers(response)  # the page holds a secret: no cache may keep it
    return response


@require_GET
@permission_required(MANAGE, raise_exception=True)
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One partner: contacts, exchange, SLAs, cost terms, locations, health, POs, drift, users, keys."""
    return _detail(request, partner_page(pk=pk))


@require_POST
@permission_required(MANAGE, raise_exception=True)
def partner_key_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue an API key for the supplier REST API; its secret is on this answer only."""
    partner = partner_page(pk=pk)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _detail(request, partner, key_form=form, status=422)
    try:
        issued = partner_api_key_issue(partner=partner, name=form.cleaned_data["name"], actor=request.user)
    except DomainError as exc:
        form.add_error("name", exc.message)
        return _detail(request, partner, key_form=form, status=422)
    return _detail(request, partner_page(pk=pk), issued=issued, status=201)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def partner_key_revoke(request: HttpRequest, pk: int, key_id: int) -> HttpResponse:
    """Revoke one of the partner's keys at once (another partner's key is a 404)."""
    partner = partner_page(pk=pk)
    api_key = next((key for key in partner.api_keys.all() if key.pk == key_id), None)
    if api_key is None:
        raise Http404("No such key.")
    try:
        partner_api_key_revoke(api_key=api_key)
    except Conflict as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, f"Key “{api_key.name}” ({api_key.prefix}…) is revoked: it no longer works.")
    return redirect(f"{reverse('partners:partner_detail', args=[partner.pk])}#keys")


@require_POST
@permission_required(MANAGE, raise_exception=True)
def partner_snapshot_apply(request: HttpRequest, pk: int, snapshot_id: int) -> HttpResponse:
    """Correct the latest 3PL snapshot's drift through the ledger (a recorded action of this person)."""
    partner = partner_page(pk=pk)
    back = f"{reverse('partners:partner_detail', args=[partner.pk])}#drift"
    snapshot = inventory_snapshot_latest(partner=partner) if _is_connected_3pl(partner) else None
    if snapshot is None or snapshot.pk != snapshot_id:
        messages.error(request, "A newer stock snapshot came in since the page was shown: review it first.")
        return redirect(back)
    try:
        inventory_snapshot_apply(snapshot=snapshot, actor=request.user)
    except DomainError as exc:
        messages.error(request, f"Nothing was corrected: {exc.message}")
        return redirect(back)
    applied = inventory_snapshot_latest(partner=partner)
    drifts = list(applied.drifts.all()) if applied is not None else []
    corrected = sum(1 for drift in drifts if drift.status == DriftStatus.APPLIED)
    skipped = sum(1 for drift in drifts if drift.status == DriftStatus.SKIPPED)
    note = f"; {skipped} not corrected (the reason is on each row)" if skipped else ""
    messages.success(request, f"{corrected} SKU{'s' if corrected != 1 else ''} corrected through the ledger{note}.")
    return redirect(back)
