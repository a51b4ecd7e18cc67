"""Admin views of quality's records (read mostly: stock moves only through the services)."""

from django.contrib import admin
from django.http import HttpRequest

from quality.models import (
    DefectExclusion,
    Inspection,
    InspectionUnit,
    PhotoRequest,
    ProductPhoto,
    QcRule,
    QualityPolicy,
    QuarantineLot,
)


@admin.register(QcRule)
class QcRuleAdmin(admin.ModelAdmin):
    """Rules can be edited here too; the rules page validates more."""

    list_display = ("name", "sku", "on_inbound", "before_ship", "sample_mode", "sample_size", "is_active")
    list_filter = ("is_active", "on_inbound", "before_ship")
    filter_horizontal = ("locations",)
    raw_id_fields = ("sku",)


class InspectionUnitInline(admin.TabularInline):
    model = InspectionUnit
    extra = 0
    can_delete = False
    readonly_fields = ("number", "passed", "failed_checks", "note")


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    """Read only: results are recorded on the inspection page, which moves the stock."""

    list_display = ("number", "location", "sku", "trigger", "status", "sample_quantity", "failed_units", "created_at")
    list_filter = ("status", "trigger")
    search_fields = ("sku__code", "location__code", "document_id")
    inlines = [InspectionUnitInline]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(QuarantineLot)
class QuarantineLotAdmin(admin.ModelAdmin):
    """Read only: dispositions go through the quarantine page (ledger movements)."""

    list_display = ("number", "location", "sku", "quantity", "quantity_open", "reason", "created_at")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


admin.site.register(PhotoRequest)
admin.site.register(ProductPhoto)
admin.site.register(QualityPolicy)
admin.site.register(DefectExclusion)
