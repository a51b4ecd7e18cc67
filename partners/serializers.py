"""REST shapes of purchase orders and of what suppliers send (ack, ship notice, invoice, inventory).

Incoming serializers turn a JSON body into the plain dataclasses of `partners.documents`, the
same ones the portal and the EDI mappers produce, so one service applies them all. A supplier
sees a PO's ship-to and lines only: no order, customer email or other stock.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from inventory.serializers import ErrorSerializer
from partners.documents import (
    AckLine,
    Acknowledgment,
    InventoryFeed,
    InventoryRow,
    InvoiceInput,
    InvoiceLineInput,
    ShipLine,
    ShipNotice,
)
from partners.models import (
    AdvanceShipNotice,
    Invoice,
    InvoiceLine,
    PartnerDocument,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)
from partners.selectors import SLA_CHOICES

__all__ = ["ErrorSerializer"]

MAX_FEED_ROWS = 50_000

# --- Out -------------------------------------------------------------------------------------


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code", help_text="Our SKU code.")

    class Meta:
        model = PurchaseOrderLine
        fields = [
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
        ]


class PurchaseOrderSerializer(serializers.ModelSerializer):
    """A PO as its supplier sees it: where to ship what, by when, at what cost."""

    number = serializers.CharField(read_only=True)
    acknowledge_by = serializers.DateTimeField(source="ack_due_at", allow_null=True)
    lines = PurchaseOrderLineSerializer(many=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "ship_to",
            "service_level",
            "ship_by",
            "acknowledge_by",
            "ship_due_at",
            "total_cost",
            "created_at",
            "sent_at",
            "acknowledged_at",
            "shipped_at",
            "cancelled_at",
            "cancel_reason",
            "lines",
        ]


class ShipNoticeSerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField()

    class Meta:
        model = AdvanceShipNotice
        fields = ["reference", "carrier", "service", "tracking_numbers", "shipped_at", "lines"]

    def get_lines(self, notice: AdvanceShipNotice) -> list[dict[str, int]]:
        return [{"line_number": line.po_line.line_number, "quantity": line.quantity} for line in notice.lines.all()]


class InvoiceLineSerializer(serializers.ModelSerializer):
    line_number = serializers.IntegerField(source="po_line.line_number", allow_null=True, default=None)

    class Meta:
        model = InvoiceLine
        fields = ["line_number", "supplier_sku", "quantity", "unit_price"]


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True)
    approved_by = serializers.CharField(source="approved_by.get_username", allow_null=True, default=None)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "invoiced_at",
            "total",
            "match_status",
            "discrepancies",
            "approved_at",
            "approved_by",
            "approval_note",
            "lines",
        ]


class DocumentSerializer(serializers.ModelSerializer):
    """A document on the trail; `error` says what was wrong or left out."""

    purchase_order = serializers.CharField(source="purchase_order.number", allow_null=True, default=None)

    class Meta:
        model = PartnerDocument
        fields = ["id", "direction", "via", "kind", "status", "purchase_order", "error", "created_at"]


class DocumentTrailSerializer(DocumentSerializer):
    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "control_number", "raw", "parsed"]


class StaffPurchaseOrderSerializer(PurchaseOrderSerializer):
    """A PO as our staff see it: the partner, the order and shipment behind it, the SLA and the match."""

    partner = serializers.CharField(source="partner.code")
    shipment = serializers.CharField(source="shipment.number", allow_null=True, help_text="Dropship POs only.")
    location = serializers.SerializerMethodField(help_text="Where the units go from (dropship) or to (stock).")
    order_id = serializers.IntegerField(source="shipment.order_id", allow_null=True, help_text="Dropship POs only.")
    order_number = serializers.CharField(source="shipment.order.number", allow_null=True, help_text="Dropship only.")
    sla_status = serializers.ChoiceField(choices=SLA_CHOICES)

    class Meta(PurchaseOrderSerializer.Meta):
        fields = [
            *PurchaseOrderSerializer.Meta.fields,
            "partner",
            "shipment",
            "location",
            "order_id",
            "order_number",
            "sla_status",
            "match_status",
        ]

    def get_location(self, po: PurchaseOrder) -> str:
        return po.shipment.location.code if po.shipment is not None else po.location.code if po.location else ""


class StaffPurchaseOrderDetailSerializer(StaffPurchaseOrderSerializer):
    ship_notices = ShipNoticeSerializer(many=True)
    invoices = InvoiceSerializer(many=True)
    documents = DocumentTrailSerializer(many=True)

    class Meta(StaffPurchaseOrderSerializer.Meta):
        fields = [*StaffPurchaseOrderSerializer.Meta.fields, "ship_notices", "invoices", "documents"]


class AppliedSerializer(serializers.Serializer):
    """The answer to a supplier's document: what became of it, and the PO as it now is."""

    document = DocumentSerializer()
    purchase_order = PurchaseOrderSerializer(required=False)


class FeedResultSerializer(serializers.Serializer):
    document = DocumentSerializer()
    result = serializers.DictField(help_text="skus_set, levels_changed, left_out (rows not used), held_back.")


# --- In --------------------------------------------------------------------------------------


class AckLineSerializer(serializers.Serializer):
    line_number = serializers.IntegerField(min_value=1)
    accepted = serializers.IntegerField(min_value=0, help_text="Units accepted; the rest of the line is rejected.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class AcknowledgmentSerializer(serializers.Serializer):
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    lines = AckLineSerializer(many=True, allow_empty=False)

    def to_document(self, po_number: str) -> Acknowledgment:
        data: dict[str, Any] = self.validated_data
        return Acknowledgment(
            po_number=po_number,
            reference=data["reference"],
            lines=tuple(AckLine(line["line_number"], line["accepted"], line["reason"]) for line in data["lines"]),
        )


class ShipLineSerializer(serializers.Serializer):
    line_number = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1)


class ShipNoticeInSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=60, help_text="Your shipment id: the same reference twice is one notice."
    )
    carrier = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    service = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    tracking_numbers = serializers.ListField(
        child=serializers.CharField(max_length=64), allow_empty=False, help_text="One per parcel."
    )
    shipped_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    lines = ShipLineSerializer(many=True, allow_empty=False)

    def to_document(self, po_number: str) -> ShipNotice:
        data: dict[str, Any] = self.validated_data
        return ShipNotice(
            po_number=po_number,
            reference=data["reference"],
            lines=tuple(ShipLine(line["line_number"], line["quantity"]) for line in data["lines"]),
            carrier=data["carrier"],
            service=data["service"],
            tracking_numbers=tuple(data["tracking_numbers"]),
            shipped_at=data["shipped_at"],
        )


class InvoiceLineInSerializer(serializers.Serializer):
    line_number = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    supplier_sku = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    quantity = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["line_number"] is None and not attrs["supplier_sku"]:
            raise serializers.ValidationError({"line_number": ["Give the PO line number or the SKU."]})
        return attrs


class InvoiceInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60)
    invoiced_at = serializers.DateField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, default=None)
    lines = InvoiceLineInSerializer(many=True, allow_empty=False)

    def to_document(self, po_number: str) -> InvoiceInput:
        data: dict[str, Any] = self.validated_data
        return InvoiceInput(
            po_number=po_number,
            number=data["number"],
            invoiced_at=data["invoiced_at"],
            total=data["total"],
            lines=tuple(
                InvoiceLineInput(
                    quantity=line["quantity"],
                    unit_price=line["unit_price"],
                    line_number=line["line_number"],
                    supplier_sku=line["supplier_sku"],
                )
                for line in data["lines"]
            ),
        )


class InventoryRowSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="Our SKU code or yours.")
    quantity = serializers.IntegerField(min_value=0, max_value=2_000_000_000)
    warehouse = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)


class InventoryInSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    rows = InventoryRowSerializer(many=True, allow_empty=False)

    def validate_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(rows) > MAX_FEED_ROWS:
            raise serializers.ValidationError(f"At most {MAX_FEED_ROWS:,} rows per feed.")
        return rows

    def to_document(self) -> InventoryFeed:
        data: dict[str, Any] = self.validated_data
        return InventoryFeed(
            rows=tuple(InventoryRow(row["sku"], row["quantity"], row["warehouse"]) for row in data["rows"]),
            as_of=data["as_of"],
            reference=data["reference"],
        )


class PurchaseOrderQuerySerializer(serializers.Serializer):
    """Filters of the staff PO list."""

    partner = serializers.CharField(required=False, allow_blank=True, default="", help_text="A partner's code.")
    status = serializers.ChoiceField(choices=PurchaseOrderStatus.choices, required=False, allow_blank=True, default="")
    sla = serializers.ChoiceField(choices=SLA_CHOICES, required=False, allow_blank=True, default="")


class PartnerPurchaseOrderQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PurchaseOrderStatus.choices, required=False, allow_blank=True, default="")


class PartnerCancellationQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, help_text="The `next` link's cursor.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200, help_text="Page size (50).")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
