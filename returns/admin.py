"""Django admin for returns: policies and their reasons are edited here; returns are read-only (use the pages)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from returns.models import Refund, ReturnAuthorization, ReturnLine, ReturnPolicy, ReturnReason, VendorReturn


class ReasonInline(admin.TabularInline):
    model = ReturnReason
    extra = 1
    fields = ("code", "label", "customer_pays_shipping", "restocking_fee", "needs_approval", "is_active", "position")


@admin.register(ReturnPolicy)
class ReturnPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "window_days", "late_action", "grace_days", "restocking_fee_percent")
    autocomplete_fields = ("non_returnable_skus",)
    inlines = [ReasonInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    fields = ("sku", "quantity", "quantity_received", "unit_price", "reason", "exchange_sku")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ReturnAuthorization)
class ReturnAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ("number", "order", "status", "source", "return_location", "created_at")
    list_filter = ("status", "source", "method")
    search_fields = ("order__external_id", "tracking_number")
    list_select_related = ("order", "return_location")
    inlines = [LineInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("rma", "amount", "currency", "status", "channel", "created_at")
    list_filter = ("status",)
    list_select_related = ("rma", "channel")


@admin.register(VendorReturn)
class VendorReturnAdmin(ReadOnlyAdmin):
    list_display = ("number", "vendor", "location", "status", "shipped_at")
    list_filter = ("status",)
