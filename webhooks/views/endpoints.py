"""The endpoint pages: the list, new endpoint, an endpoint's page (settings, secret, ping, recent deliveries).

Everything needs `webhooks.manage_webhooks` (administrators): an endpoint receives customers'
names and addresses, and its secret proves deliveries are ours.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from webhooks.forms import SubscriptionForm
from webhooks.models import DeliveryAttempt, Subscription
from webhooks.selectors import recent_deliveries, subscription_get, subscription_list
from webhooks.services import (
    IssuedSecret,
    subscription_create,
    subscription_ping,
    subscription_rotate_secret,
    subscription_update,
)

MANAGE = "webhooks.manage_webhooks"


@require_http_methods(["GET"])
@permission_required(MANAGE, raise_exception=True)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    """Every endpoint: URL, events, enabled or why disabled, waiting and failed deliveries."""
    return render(request, "webhooks/endpoint_list.html", {"endpoints": subscription_list()})


def _secret_page(request: HttpRequest, issued: IssuedSecret, *, rotated: bool) -> HttpResponse:
    return render(
        request,
        "webhooks/secret_issued.html",
        {"endpoint": issued.subscription, "secret": issued.secret, "rotated": rotated},
    )


def _apply_error(form: SubscriptionForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def endpoint_create(request: HttpRequest) -> HttpResponse:
    """Add an endpoint; its secret is shown on the answer, once."""
    form = SubscriptionForm(request.POST or None, creating=True)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                issued = subscription_create(
                    name=data["name"], url=data["url"], event_types=data["event_types"], actor=request.user
                )
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                return _secret_page(request, issued, rotated=False)
        status = 422
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None}, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def endpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """An endpoint's page: its settings, its secret (masked; rotate), a test ping, its latest deliveries."""
    endpoint = subscription_get(pk=pk)
    initial = {
        "name": endpoint.name,
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "is_active": endpoint.is_active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                subscription_update(
                    subscription=endpoint,
                    name=data["name"],
                    url=data["url"],
                    event_types=data["event_types"],
                    is_active=data["is_active"],
                    actor=request.user,
                )
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, f"Endpoint {data['name']} saved.")
                return redirect("webhooks:endpoint_edit", pk=endpoint.pk)
        status = 422
    context: dict[str, Any] = {
        "form": form,
        "endpoint": endpoint,
        "deliveries": recent_deliveries(subscription=endpoint),
    }
    return render(request, "webhooks/endpoint_form.html", context, status=status)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a new secret, shown once; the old one keeps signing alongside for a day."""
    issued = subscription_rotate_secret(subscription=subscription_get(pk=pk))
    return _secret_page(request, issued, rotated=True)


def _attempt_summary(attempt: DeliveryAttempt) -> str:
    if attempt.response_status is not None:
        return f"answered HTTP {attempt.response_status} in {attempt.duration_ms} ms"
    return f"got no answer: {attempt.error}"


@require_POST
@permission_required(MANAGE, raise_exception=True)
def endpoint_ping(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a signed `webhook.ping` now and say how the endpoint answered."""
    endpoint: Subscription = subscription_get(pk=pk)
    attempt = subscription_ping(subscription=endpoint)
    if attempt is None:
        messages.warning(request, "The ping is being sent by a worker; its result will be in the delivery log.")
    elif attempt.succeeded:
        messages.success(request, f"Test ping delivered: the endpoint {_attempt_summary(attempt)}.")
    else:
        messages.error(request, f"Test ping failed: the endpoint {_attempt_summary(attempt)}.")
    return redirect("webhooks:endpoint_edit", pk=endpoint.pk)
