"""Django admin for fulfillment.

Carriers, rate tables and routing settings are editable (the Routing pages are the usual
place); saving here also drops the router's cached cost model. Shipments and routing
decisions are read-only: they change only through the services, which keep stock and the
order timeline right.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from fulfillment.models import (
    Carrier,
    CarrierService,
    ConsolidationHold,
    ConsolidationHub,
    CostSettings,
    LinehaulLane,
    RateCardRow,
    RoutingDecision,
    RoutingPolicy,
    Shipment,
    ShipmentLine,
    TransitTime,
    ZoneBand,
)
from fulfillment.services.routing import cost_model_forget


class ForgetsCostModel(admin.ModelAdmin):
    """After an edit commits, routing reloads its cost model."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(cost_model_forget)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(cost_model_forget)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        transaction.on_commit(cost_model_forget)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CarrierServiceInline(admin.TabularInline):
    model = CarrierService
    extra = 0
    fields = ("code", "name", "level", "is_active")
    show_change_link = True


@admin.register(Carrier)
class CarrierAdmin(ForgetsCostModel):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    inlines = [CarrierServiceInline]


class RateCardRowInline(admin.TabularInline):
    model = RateCardRow
    extra = 0
    fields = ("zone", "max_weight_grams", "price")


class TransitTimeInline(admin.TabularInline):
    model = TransitTime
    extra = 0
    fields = ("zone", "days")


@admin.register(CarrierService)
class CarrierServiceAdmin(ForgetsCostModel):
    list_display = ("carrier", "code", "name", "level", "is_active")
    list_filter = ("carrier", "level", "is_active")
    list_select_related = ("carrier",)
    search_fields = ("code", "name", "carrier__code")
    inlines = [TransitTimeInline, RateCardRowInline]


@admin.register(ZoneBand)
class ZoneBandAdmin(ForgetsCostModel):
    list_display = ("zone", "max_miles")


@admin.register(CostSettings)
class CostSettingsAdmin(ForgetsCostModel):
    list_display = ("__str__", "handling_warehouse", "handling_store", "package_cost", "late_penalty_per_day")


@admin.register(RoutingPolicy)
class RoutingPolicyAdmin(ForgetsCostModel):
    list_display = ("__str__", "max_packages", "ship_from_store_radius_miles", "allow_consolidation")
    list_select_related = ("channel",)
    filter_horizontal = ("excluded_locations",)


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    can_delete = False
    fields = ("sku", "order_line", "quantity")
    readonly_fields = fields


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ("number", "order", "location", "status", "carrier", "service", "cost", "created_at")
    list_filter = ("status", "location", "carrier")
    search_fields = ("tracking_number", "order__external_id")
    list_select_related = ("order", "location")
    inlines = [ShipmentLineInline]


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    list_display = ("order", "created_at", "trigger", "method", "total_cost", "reason")
    list_filter = ("trigger", "method")
    list_select_related = ("order",)


@admin.register(LinehaulLane)
class LinehaulLaneAdmin(ForgetsCostModel):
    """The linehaul table consolidation prices legs with: per unit and per kg, transit days."""

    list_display = ("origin", "destination", "cost_per_unit", "cost_per_kg", "transit_days", "is_active")
    list_filter = ("is_active", "destination")
    list_select_related = ("origin", "destination")
    search_fields = ("origin__code", "destination__code")


@admin.register(ConsolidationHub)
class ConsolidationHubAdmin(ForgetsCostModel):
    """Warehouses flagged as consolidation hubs, with their handling per unit and processing days."""

    list_display = ("location", "handling_per_unit", "processing_days", "is_active")
    list_select_related = ("location",)


@admin.register(ConsolidationHold)
class ConsolidationHoldAdmin(ReadOnlyAdmin):
    """Parcels held at a node (read-only: they change through the consolidation services)."""

    list_display = ("shipment", "order", "node", "status", "saving", "created_at", "released_at")
    list_filter = ("status", "node")
    list_select_related = ("shipment", "order", "node")
