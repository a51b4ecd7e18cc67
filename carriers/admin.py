"""Django admin for carriers.

Accounts are read here but changed on the Carriers pages: their credentials are encrypted by
the services and must never be typed (or shown) as raw tokens. Boxes are editable. Manifests
and webhook events are records of what happened and are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from carriers.models import BoxType, CarrierAccount, Manifest, WebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the product's services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CarrierAccount)
class CarrierAccountAdmin(ReadOnlyAdmin):
    """Accounts without their credentials; edit them on /carriers/."""

    list_display = ("name", "code", "provider", "base_url", "is_active", "last_check_ok", "last_checked_at")
    list_filter = ("provider", "is_active")
    search_fields = ("name", "code")
    exclude = ("credentials",)


@admin.register(BoxType)
class BoxTypeAdmin(admin.ModelAdmin):
    """The box catalog (the /carriers/boxes/ page checks sizes with friendlier messages)."""

    list_display = (
        "name",
        "length_cm",
        "width_cm",
        "height_cm",
        "tare_grams",
        "max_weight_grams",
        "location",
        "is_active",
    )
    list_filter = ("is_active", "location")
    search_fields = ("name",)


@admin.register(Manifest)
class ManifestAdmin(ReadOnlyAdmin):
    """End-of-day manifests."""

    list_display = ("number", "account", "location", "day", "parcels", "created_at")
    list_filter = ("account", "location")
    date_hierarchy = "day"


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    """Carrier webhook events already taken (deduplication)."""

    list_display = ("account", "event_id", "tracking_number", "received_at")
    list_filter = ("account",)
    search_fields = ("event_id", "tracking_number")
