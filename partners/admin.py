"""Django admin for partners. Purchase orders, their documents and API keys are read-only here: they
change only through the services (acknowledgments, ship notices, invoices, cancel), which keep the
stock, the order and the document trail in step; keys are issued where the secret is shown once."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from partners.models import (
    AdvanceShipNotice,
    Invoice,
    Partner,
    PartnerApiKey,
    PartnerContact,
    PartnerDocument,
    PartnerSkuCost,
    PartnerUser,
    PurchaseOrder,
    PurchaseOrderLine,
)


class ReadOnlyMixin:
    """Rows written only by the services: shown, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


class SkuCostInline(admin.TabularInline):
    model = PartnerSkuCost
    extra = 0
    autocomplete_fields = ("sku",)


class ApiKeyInline(ReadOnlyMixin, admin.TabularInline):
    model = PartnerApiKey
    extra = 0
    fields = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "exchange",
        "ack_sla_hours",
        "ship_sla_hours",
        "is_active",
        "last_contact_at",
    )
    list_filter = ("kind", "exchange", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("locations",)
    exclude = ("credentials",)  # encrypted; set on the partner's page, never shown
    readonly_fields = ("last_contact_at",)
    inlines = [ContactInline, SkuCostInline, ApiKeyInline]


@admin.register(PartnerUser)
class PartnerUserAdmin(admin.ModelAdmin):
    list_display = ("user", "partner")
    list_select_related = ("user", "partner")
    autocomplete_fields = ("user",)


class LineInline(ReadOnlyMixin, admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0
    fields = (
        "line_number",
        "sku",
        "supplier_sku",
        "quantity",
        "unit_cost",
        "quantity_accepted",
        "quantity_rejected",
        "quantity_shipped",
        "quantity_invoiced",
        "reject_reason",
    )
    readonly_fields = fields


class DocumentInline(ReadOnlyMixin, admin.TabularInline):
    model = PartnerDocument
    extra = 0
    fields = ("created_at", "direction", "via", "kind", "status", "error")
    readonly_fields = fields


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "partner", "status", "match_status", "ack_due_at", "ship_due_at", "created_at")
    list_filter = ("status", "match_status", "partner")
    list_select_related = ("partner",)
    search_fields = ("=id",)
    inlines = [LineInline, DocumentInline]


@admin.register(AdvanceShipNotice)
class AdvanceShipNoticeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "purchase_order", "carrier", "shipped_at")
    list_select_related = ("purchase_order",)
    search_fields = ("reference",)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "purchase_order", "total", "match_status", "approved_at")
    list_filter = ("match_status",)
    list_select_related = ("purchase_order",)
    search_fields = ("number",)


@admin.register(PartnerDocument)
class PartnerDocumentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "partner", "direction", "via", "kind", "status", "purchase_order", "created_at")
    list_filter = ("direction", "via", "kind", "status", "partner")
    list_select_related = ("partner", "purchase_order")
