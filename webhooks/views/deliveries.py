"""The delivery log: every delivery, filtered; one delivery with each attempt's request and response; replay."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.htmx import render_page
from webhooks.forms import DeliveryFilterForm
from webhooks.selectors import DeliveryFilters, delivery_get, delivery_log
from webhooks.services import delivery_replay

MANAGE = "webhooks.manage_webhooks"
PER_PAGE = 50


def _filters(form: DeliveryFilterForm) -> DeliveryFilters:
    if not form.is_valid():
        return DeliveryFilters()  # a stale or hand-typed filter shows everything rather than an error page
    data = form.cleaned_data
    endpoint = data.get("endpoint")
    return DeliveryFilters(
        subscription_id=endpoint.pk if endpoint else None,
        event_type=data.get("type") or "",
        state=data.get("state") or "",
        event_id=data.get("event") or "",
    )


@require_GET
@permission_required(MANAGE, raise_exception=True)
def delivery_list(request: HttpRequest) -> HttpResponse:
    """Deliveries newest first, by endpoint, event type, state or event id; htmx swaps only the table."""
    form = DeliveryFilterForm(request.GET or None)
    page = Paginator(delivery_log(_filters(form)), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query}
    return render_page(request, "webhooks/delivery_list.html", context, partial="table")


def _pretty(text: str) -> str:
    """JSON indented for reading; anything else as it came."""
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


@require_GET
@permission_required(MANAGE, raise_exception=True)
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One delivery: the event's body, where it went, and every attempt with request and response."""
    delivery = delivery_get(pk=pk)
    context = {"delivery": delivery, "body": _pretty(delivery.event.body), "attempts": list(delivery.log.all())}
    return render_page(request, "webhooks/delivery_detail.html", context)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def delivery_replay_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the delivery again now (same Webhook-Id, so a consumer that has it already can ignore it)."""
    delivery = delivery_get(pk=pk)
    try:
        attempt = delivery_replay(delivery=delivery, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if attempt is None:
            messages.info(request, "Replay queued: a worker is sending it.")
        elif attempt.succeeded:
            messages.success(request, f"Replayed: the endpoint answered HTTP {attempt.response_status}.")
        else:
            answer = f"HTTP {attempt.response_status}" if attempt.response_status else attempt.error
            messages.error(request, f"Replay failed ({answer}); it is retried on the schedule.")
    return redirect("webhooks:delivery_detail", pk=delivery.pk)
