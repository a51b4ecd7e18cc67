"""Django admin for notifications: settings, switches and templates are edited here or on the pages;
the outbox is read-only (resend from an order's emails page)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from notifications.models import ChannelNotificationSettings, Notification, NotificationSwitch, NotificationTemplate


@admin.register(ChannelNotificationSettings)
class ChannelNotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ("channel", "brand_name", "sender", "language")


@admin.register(NotificationSwitch)
class NotificationSwitchAdmin(admin.ModelAdmin):
    list_display = ("channel", "kind", "enabled", "changed_at")
    list_filter = ("kind", "enabled")


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ("channel", "kind", "language", "subject", "updated_at")
    list_filter = ("kind", "language")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("dedupe_key", "kind", "state", "to_email", "attempts", "created_at", "sent_at")
    list_filter = ("kind", "state")
    search_fields = ("dedupe_key", "to_email")
    raw_id_fields = ("order", "shipment", "pickup", "refund", "resend_of")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
