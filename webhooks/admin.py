"""Django admin for webhooks: read-only. Endpoints are managed on /settings/webhooks/ (their secret is
encrypted by the services and never shown again), and events, deliveries and attempts are records."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from webhooks.models import Delivery, DeliveryAttempt, Event, Subscription


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the webhooks services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Endpoints, without their secret."""

    list_display = ("name", "url", "is_active", "consecutive_failures", "disabled_at")
    exclude = ("secret_encrypted",)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Published events."""

    list_display = ("public_id", "type", "created_at", "published_at")
    list_filter = ("type",)
    search_fields = ("public_id", "key")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Deliveries and their state."""

    list_display = ("event", "subscription", "state", "attempts", "next_attempt_at", "last_status_code")
    list_filter = ("state",)
    list_select_related = ("event", "subscription")


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    """The delivery log."""

    list_display = ("delivery", "trigger", "started_at", "response_status", "duration_ms", "succeeded")
    list_select_related = ("delivery",)
