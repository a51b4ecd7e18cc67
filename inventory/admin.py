"""Django admin for inventory: catalogue editable; stock and the ledger read-only (use the services)."""

from django.contrib import admin
from django.http import HttpRequest

from inventory.models import SKU, Location, LocationAccess, StockLevel, StockMovement, Transfer, TransferLine


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "city", "region", "postal_code", "is_active")
    list_filter = ("kind", "is_active", "offers_pickup", "ship_from_store")
    search_fields = ("code", "name", "city", "postal_code")


@admin.register(SKU)
class SKUAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "barcode", "price", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "barcode")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stock changes only through the services, so the ledger stays the truth."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("location", "sku", "on_hand", "reserved", "safety_stock", "in_transit")
    list_filter = ("location",)
    search_fields = ("sku__code",)
    list_select_related = ("location", "sku")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "location", "sku", "on_hand_delta", "reserved_delta", "actor")
    list_filter = ("kind", "location")
    search_fields = ("sku__code", "document_id")
    list_select_related = ("location", "sku", "actor")


class TransferLineInline(admin.TabularInline):
    model = TransferLine
    extra = 0
    can_delete = False
    readonly_fields = ("sku", "quantity")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("id", "source", "destination", "status", "created_at")
    list_filter = ("status",)
    inlines = [TransferLineInline]


@admin.register(LocationAccess)
class LocationAccessAdmin(admin.ModelAdmin):
    list_display = ("user", "location")
    list_select_related = ("user", "location")
