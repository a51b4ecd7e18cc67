"""REST serializers for returns: the channel's request, and a return as the API shows it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from returns.models import ReturnAuthorization, ReturnStatus
from returns.services import ReturnLineInput, refund_quote_for
from returns.services.requests import MAX_RETURN_LINES, MAX_UNITS_PER_LINE


class ReturnLineInSerializer(serializers.Serializer):
    order_line_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    sku = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS_PER_LINE)
    reason = serializers.CharField(max_length=32, help_text="A reason code of the channel's return policy.")
    exchange_sku = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="Exchange for this SKU instead of a refund.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("order_line_id") is None and not attrs.get("sku"):
            raise serializers.ValidationError({"sku": ["Give order_line_id or sku."]})
        return attrs


class ReturnCreateSerializer(serializers.Serializer):
    """The body of POST /returns: the order (our id or the channel's own id) and the lines coming back."""

    order_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    channel_order_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    lines = serializers.ListField(child=ReturnLineInSerializer(), allow_empty=False, max_length=MAX_RETURN_LINES)
    customer_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("order_id") is None and not attrs.get("channel_order_id"):
            raise serializers.ValidationError({"order_id": ["Give order_id or channel_order_id."]})
        return attrs

    def line_inputs(self) -> list[ReturnLineInput]:
        return [
            ReturnLineInput(
                order_line_id=line["order_line_id"],
                sku=line["sku"].strip(),
                quantity=line["quantity"],
                reason=line["reason"].strip(),
                exchange_sku=line["exchange_sku"].strip(),
                note=line["note"],
            )
            for line in self.validated_data["lines"]
        ]


class ReturnLineOutSerializer(serializers.Serializer):
    order_line_id = serializers.IntegerField()
    sku = serializers.CharField(source="sku.code")
    quantity = serializers.IntegerField()
    quantity_received = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField(source="reason.code")
    exchange_sku = serializers.SerializerMethodField()

    def get_exchange_sku(self, line: Any) -> str:
        return line.exchange_sku.code if line.exchange_sku_id else ""


class ReturnOutSerializer(serializers.Serializer):
    """A return as the API answers it: status, where it goes, its label, and the money."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    order_id = serializers.IntegerField()
    channel_order_id = serializers.CharField(source="order.external_id")
    source = serializers.CharField()  # type: ignore[assignment]  # the API field, not DRF's Field.source
    method = serializers.CharField()
    hold_reason = serializers.CharField()
    decision_note = serializers.CharField()
    return_location = serializers.SerializerMethodField()
    label = serializers.SerializerMethodField()  # type: ignore[assignment]  # the API field, not Field.label
    lines = ReturnLineOutSerializer(many=True)
    exchange_order_id = serializers.IntegerField(allow_null=True)
    refund = serializers.SerializerMethodField()
    customer_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_return_location(self, rma: ReturnAuthorization) -> str:
        return rma.return_location.code if rma.return_location else ""

    def get_label(self, rma: ReturnAuthorization) -> dict[str, Any] | None:
        if not rma.tracking_number:
            return None
        return {
            "carrier": rma.carrier,
            "service": rma.service,
            "tracking_number": rma.tracking_number,
            "format": rma.label_format,
            "data": rma.label_data,
            "rate": str(rma.label_rate) if rma.label_rate is not None else None,
        }

    def get_refund(self, rma: ReturnAuthorization) -> dict[str, Any] | None:
        refund = getattr(rma, "refund", None)
        if refund is not None:
            return {
                "amount": str(refund.amount),
                "currency": refund.currency,
                "status": refund.status,
                "estimated": False,
                "breakdown": refund.breakdown,
            }
        if rma.status in (ReturnStatus.REJECTED, ReturnStatus.CANCELLED):
            return None
        quote = refund_quote_for(rma, quote=True)
        return {
            "amount": str(quote.amount),
            "currency": rma.order.currency,
            "status": "estimated",
            "estimated": True,
            "breakdown": quote.breakdown,
        }

    def get_customer_url(self, rma: ReturnAuthorization) -> str:
        path = reverse("returns:customer_return", args=[rma.public_token])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path
