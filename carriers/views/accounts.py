"""Carrier account pages: the list, the account form (new and edit) and the "Test connection" button.

Everything here needs `carriers.manage_carrier_accounts`: the pages show which carriers a
location ships with and let staff change credentials, so they are for managers only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from carriers.forms import CarrierAccountForm
from carriers.models import CarrierAccount, Provider
from carriers.selectors import carrier_account_get, carrier_account_list, shipping_locations
from carriers.services import (
    CREDENTIAL_FIELDS,
    account_check,
    account_mode,
    carrier_account_create,
    carrier_account_update,
    stored_credentials,
)
from core.crypto import mask
from core.errors import DomainError
from core.htmx import is_htmx, render_page

MANAGE = "carriers.manage_carrier_accounts"
LIST_TEMPLATE = "carriers/account_list.html"
FORM_TEMPLATE = "carriers/account_form.html"
STATUS_TEMPLATE = "carriers/_check_status.html"
#: The route that receives an account's tracking webhooks (served by fulfillment, which applies them).
WEBHOOK_URL_NAME = "fulfillment:carrier_webhook"
#: Its address while that route is not mounted (a deployment without the tracking endpoint).
WEBHOOK_PATH = "/carriers/webhooks/{code}/"
#: Providers that push tracking to a webhook; the others are polled.
WEBHOOK_PROVIDERS = frozenset({Provider.EASYPOST, Provider.SHIPPO})
MODE_LABELS = {"sandbox": "Sandbox", "test": "Test", "live": "Live"}


def _decorate(account: CarrierAccount) -> CarrierAccount:
    """Attach what the templates show but the model does not store (mode)."""
    mode = account_mode(account.base_url) if account.provider != Provider.BUILTIN else "sandbox"
    account.mode = mode  # type: ignore[attr-defined]
    account.mode_label = MODE_LABELS[mode]  # type: ignore[attr-defined]
    return account


@require_http_methods(["GET"])
@permission_required(MANAGE, raise_exception=True)
def account_list(request: HttpRequest) -> HttpResponse:
    """Every carrier account: provider, test or live, locations, the last connection check."""
    accounts = [_decorate(account) for account in carrier_account_list()]
    return render(request, LIST_TEMPLATE, {"accounts": accounts})


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def account_create(request: HttpRequest) -> HttpResponse:
    """Add a carrier account; its connection can be tested right after."""
    return _account_form(request, account=None)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def account_edit(request: HttpRequest, code: str) -> HttpResponse:
    """An account's page: its settings, its connection status and the webhook address to register."""
    return _account_form(request, account=carrier_account_get(code=code))


def _account_form(request: HttpRequest, *, account: CarrierAccount | None) -> HttpResponse:
    stored = stored_credentials(account) if account and account.credentials else {}
    current_ids = [location.pk for location in account.locations.all()] if account else []
    initial: dict[str, Any] = {}
    if account:
        initial = {
            "provider": account.provider,
            "name": account.name,
            "code": account.code,
            "base_url": account.base_url,
            "locations": current_ids,
            "label_format": account.label_format,
            "is_active": account.is_active,
        }
    form = CarrierAccountForm(
        request.POST or None,
        initial=initial,
        locations=shipping_locations(keep=current_ids),
        account=account,
        stored=stored,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = _save(form, account)
            except DomainError as exc:
                form.add_error(form.error_field(exc.field), exc.message)
            else:
                verb = "saved" if account else "added: test its connection"
                messages.success(request, f"Carrier account {saved.name} {verb}.")
                return redirect("carriers:account_edit", code=saved.code)
        status = 422
    context: dict[str, Any] = {
        "form": form,
        "account": _decorate(account) if account else None,
        "title": f"{account.name}" if account else "New carrier account",
        "submit": "Save changes" if account else "Add account",
        "stored": [
            (spec.label, mask(stored[spec.name]))
            for spec in CREDENTIAL_FIELDS.get(account.provider if account else "", ())
            if stored.get(spec.name)
        ],
        "webhook_url": _webhook_url(request, account),
    }
    return render(request, FORM_TEMPLATE, context, status=status)


def _save(form: CarrierAccountForm, account: CarrierAccount | None) -> CarrierAccount:
    data = form.cleaned_data
    if account:
        return carrier_account_update(
            account=account,
            name=data["name"],
            base_url=form.address(),
            credentials=form.credentials(),
            location_ids=form.location_ids(),
            label_format=data["label_format"],
            is_active=data["is_active"],
        )
    return carrier_account_create(
        code=data["code"],
        name=data["name"],
        provider=data["provider"],
        base_url=form.address(),
        credentials=form.credentials(),
        location_ids=form.location_ids(),
        label_format=data["label_format"],
        is_active=data["is_active"],
    )


def _webhook_url(request: HttpRequest, account: CarrierAccount | None) -> str:
    if account is None or account.provider not in WEBHOOK_PROVIDERS:
        return ""
    try:
        path = reverse(WEBHOOK_URL_NAME, kwargs={"account_code": account.code})
    except NoReverseMatch:
        path = WEBHOOK_PATH.format(code=account.code)
    return request.build_absolute_uri(path)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def account_check_view(request: HttpRequest, code: str) -> HttpResponse:
    """Test the account's connection now; htmx gets the refreshed status cell, a plain form a redirect."""
    account = account_check(carrier_account_get(code=code))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if is_htmx(request):
        context = {"account": account, "just_checked": True, "next_url": back}
        return render_page(request, STATUS_TEMPLATE, context)
    if account.last_check_ok:
        messages.success(request, f"{account.name}: {account.last_check_message}")
    else:
        messages.error(request, f"{account.name}: {account.last_check_message}")
    if back:
        return redirect(back)
    return redirect("carriers:account_edit", code=account.code)
