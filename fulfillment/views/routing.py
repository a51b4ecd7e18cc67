"""The Routing overview: carriers and their services, zone bands, cost settings, default rules.

One screen, three small forms (costs, rules, zones). Each posts back here with its
`section`; htmx swaps just that card, and without JavaScript the page reloads.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.htmx import is_htmx, render_page
from fulfillment.forms import LEVEL_LABELS, CostSettingsForm, RoutingPolicyForm, ZoneBandsForm
from fulfillment.routing.types import SERVICE_LEVELS
from fulfillment.selectors import (
    carrier_list,
    channel_policy_count,
    cost_settings_get,
    policy_locations,
    routing_policy_default,
    zone_band_list,
)
from fulfillment.services.rates import COST_SETTINGS_FIELDS, cost_settings_update, routing_policy_set, zone_bands_set

TEMPLATE = "fulfillment/routing.html"


def _level_rank(level: str) -> int:
    """Slowest level first, unknown ones last."""
    return SERVICE_LEVELS.index(level) if level in SERVICE_LEVELS else len(SERVICE_LEVELS)


CENTS = Decimal("0.01")


def _cost_form(data: Any = None) -> CostSettingsForm:
    current = cost_settings_get()
    # In cents whatever the database returns (SQLite hands back 6 and 14.5 for 6.00 and 14.50).
    initial = {name: Decimal(getattr(current, name)).quantize(CENTS) for name in COST_SETTINGS_FIELDS}
    return CostSettingsForm(data, initial=initial)


def _policy_form(data: Any = None) -> RoutingPolicyForm:
    policy = routing_policy_default()
    return RoutingPolicyForm(data, initial=RoutingPolicyForm.initial_for(policy), locations=policy_locations())


def _zones_form(data: Any = None) -> ZoneBandsForm:
    return ZoneBandsForm(data, initial={f"zone{band.zone}": band.max_miles for band in zone_band_list()})


def _save_costs(form: Form) -> str:
    cost_settings_update(**form.cleaned_data)
    return "Cost settings saved. Routing uses them from the next order."


def _save_policy(form: Form) -> str:
    assert isinstance(form, RoutingPolicyForm)
    routing_policy_set(rules=form.rules())
    return "Routing rules saved. They apply to every channel without rules of its own."


def _save_zones(form: Form) -> str:
    assert isinstance(form, ZoneBandsForm)
    zone_bands_set(max_miles=form.max_miles())
    return "Zone bands saved."


SECTIONS: dict[str, tuple[Callable[[Any], Form], Callable[[Form], str]]] = {
    "costs": (_cost_form, _save_costs),
    "policy": (_policy_form, _save_policy),
    "zones": (_zones_form, _save_zones),
}


@require_http_methods(["GET", "POST"])
@permission_required("fulfillment.view_carrier", raise_exception=True)
def routing_overview(request: HttpRequest) -> HttpResponse:
    """Everything routing prices and obeys, on one page; staff with `manage_rates` edit it here."""
    can_edit = request.user.has_perm("fulfillment.manage_rates")
    forms: dict[str, Form] = {}
    status = 200
    section = ""
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        section = request.POST.get("section", "")
        if section not in SECTIONS:
            return HttpResponseBadRequest("Unknown section.")
        build, save = SECTIONS[section]
        form = build(request.POST)
        forms[section] = form
        if form.is_valid():
            try:
                message = save(form)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, message)
                if not is_htmx(request):
                    return redirect("fulfillment:routing")
                forms[section] = build(None)
        if form.errors:
            status = 422
    context: dict[str, Any] = {
        "can_edit": can_edit,
        "cost_form": forms.get("costs") or _cost_form(),
        "policy_form": forms.get("policy") or _policy_form(),
        "zones_form": forms.get("zones") or _zones_form(),
        "section": section,
    }
    if not (section and is_htmx(request)):
        carriers = list(carrier_list())
        for carrier in carriers:
            rows = sorted(carrier.services.all(), key=lambda s: (_level_rank(s.level), s.name))
            for service in rows:
                service.level_label = LEVEL_LABELS.get(service.level, service.level)  # type: ignore[attr-defined]
            carrier.service_rows = rows  # type: ignore[attr-defined]
        context.update(
            {
                "carriers": carriers,
                "zone_bands": zone_band_list(),
                "channel_policies": channel_policy_count(),
            }
        )
    return render_page(request, TEMPLATE, context, partial=f"{section}_card" if section else None, status=status)
