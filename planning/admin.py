"""Admin of the planning app: stocking policies per class of location and suppliers' lead times."""

from django.contrib import admin

from planning.models import StockingPolicy, SupplierLeadTime


@admin.register(StockingPolicy)
class StockingPolicyAdmin(admin.ModelAdmin):
    list_display = ("location_class", "service_level", "review_days")


@admin.register(SupplierLeadTime)
class SupplierLeadTimeAdmin(admin.ModelAdmin):
    list_display = ("partner", "days")
    list_select_related = ("partner",)
