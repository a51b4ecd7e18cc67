"""Reads of the webhooks app for its pages (every query here is bounded and joins what the templates show)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Subscription


def subscription_list() -> QuerySet[Subscription]:
    """Every endpoint with its waiting and failed deliveries and its last successful one."""
    return Subscription.objects.annotate(
        waiting=Count("deliveries", filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.SENDING])),
        failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
        last_delivered_at=Max("deliveries__delivered_at"),
    ).order_by("name", "pk")


def subscription_get(*, pk: int) -> Subscription:
    """One endpoint, or 404."""
    return get_object_or_404(Subscription, pk=pk)


@dataclass(frozen=True)
class DeliveryFilters:
    """What the delivery log is narrowed to (empty: everything)."""

    subscription_id: int | None = None
    event_type: str = ""
    state: str = ""
    event_id: str = ""


def delivery_log(filters: DeliveryFilters) -> QuerySet[Delivery]:
    """Deliveries, newest first, with their event and endpoint (not their bodies: the list does not show them)."""
    queryset = Delivery.objects.select_related("event", "subscription").defer("event__body")
    if filters.subscription_id:
        queryset = queryset.filter(subscription_id=filters.subscription_id)
    if filters.event_type:
        queryset = queryset.filter(event__type=filters.event_type)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.event_id:
        queryset = queryset.filter(event__public_id=filters.event_id.strip())
    return queryset.order_by("-created_at", "-pk")


def delivery_get(*, pk: int) -> Delivery:
    """One delivery with its event, endpoint, who replayed it and every attempt (newest first), or 404."""
    attempts = Prefetch("log", queryset=DeliveryAttempt.objects.order_by("-started_at", "-pk"))
    return get_object_or_404(
        Delivery.objects.select_related("event", "subscription", "replayed_by").prefetch_related(attempts), pk=pk
    )


def recent_deliveries(*, subscription: Subscription, limit: int = 10) -> list[Delivery]:
    """An endpoint's latest deliveries, for its page."""
    return list(
        Delivery.objects.filter(subscription=subscription)
        .select_related("event")
        .defer("event__body")
        .order_by("-created_at", "-pk")[:limit]
    )
