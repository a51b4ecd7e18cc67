"""REST serializers for inventory: they check the shape of input and render output.

They never write: the views pass `validated_data` to `inventory.services`. Fields that name a
location or a SKU by code resolve it through `inventory.selectors`, so a scoped user who names
a location outside their scope gets the same "unknown location" error as for a code that does
not exist (the API never reveals that another store exists).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404
from rest_framework import serializers
from rest_framework.fields import empty

from core.api import LocalTimeField, QuerySerializer
from inventory.models import SKU, AdjustmentReason, Location, LocationKind, MovementKind, StockLevel, StockMovement
from inventory.selectors import location_get, sku_get, sku_search
from inventory.services.catalog import LOCATION_FIELDS, SKU_FIELDS

MAX_QUANTITY = 1_000_000
RESERVED_DOCUMENT_TYPES = frozenset({"transfer", "count", "import", "manual"})
MAX_LINES = 500


# --- Errors -------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every 400/404/409 answer (for the OpenAPI schema)."""

    detail = serializers.CharField(help_text="A sentence for a person.")
    code = serializers.CharField(help_text="invalid, not_found, conflict, insufficient_stock, ...")
    # Named like Serializer.errors on purpose: it documents the body's "errors" key (schema only).
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Messages per input field, e.g. {"lines[1].quantity": ["Ensure this value is ..."]}.',
    )
    problems = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Every short line of a refused reservation."
    )


# --- Locations and SKUs -------------------------------------------------------------------


class LocationSerializer(serializers.ModelSerializer):
    """A location as the API shows it and accepts it (create, PUT, PATCH)."""

    # Times of day (the order cut-off) are local to the location: one with a UTC offset is refused.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TimeField: LocalTimeField,
    }

    class Meta:
        model = Location
        fields = [*LOCATION_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class LocationFilterSerializer(QuerySerializer):
    """Query parameters of the location list."""

    kind = serializers.ChoiceField(choices=LocationKind.choices, required=False, help_text="Only this kind.")
    active = serializers.BooleanField(
        required=False, default=None, help_text="true: active only; false: inactive only."
    )
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100, help_text="Code, name, city or ZIP."
    )


class SKUSerializer(serializers.ModelSerializer):
    """A SKU as the API shows it and accepts it (create, PUT, PATCH)."""

    class Meta:
        model = SKU
        fields = [*SKU_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class SKUFilterSerializer(QuerySerializer):
    """Query parameters of the SKU list."""

    active = serializers.BooleanField(
        required=False, default=None, help_text="true: active only; false: inactive only."
    )
    q = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100, help_text="Code, name fragment or barcode."
    )


# --- Availability -------------------------------------------------------------------------


class SKUCodeField(serializers.CharField):
    """A SKU named by its code; validates to the SKU object or to "Unknown SKU"."""

    def run_validation(self, data: Any = empty) -> SKU:
        """Check the code as a string (length, blank, NUL), then resolve it through the selector."""
        code = super().run_validation(data)
        try:
            return sku_get(code=code)
        except Http404 as exc:
            raise serializers.ValidationError(f"Unknown SKU {code!r}.", code="not_found") from exc

    def to_representation(self, value: Any) -> str:
        """Show a SKU as its code."""
        return value.code if isinstance(value, SKU) else str(value)


class LocationCodeField(serializers.CharField):
    """A location named by its code, among those the requesting user may see."""

    def run_validation(self, data: Any = empty) -> Location:
        """Check the code as a string, then resolve it through the scoped selector (out of scope = unknown)."""
        code = super().run_validation(data)
        request = self.context.get("request")
        if request is None:  # pragma: no cover - views always pass the request
            raise serializers.ValidationError("No request in the serializer context.")
        try:
            return location_get(user=request.user, code=code)
        except Http404 as exc:
            raise serializers.ValidationError(f"Unknown location {code!r}.", code="not_found") from exc

    def to_representation(self, value: Any) -> str:
        """Show a location as its code."""
        return value.code if isinstance(value, Location) else str(value)


class AvailabilityQuerySerializer(QuerySerializer):
    """Query parameters of the availability endpoint."""

    sku = SKUCodeField(max_length=64, help_text="SKU code.")


class LocationAvailabilitySerializer(serializers.Serializer):
    """Available-to-promise of one SKU at one location."""

    location = serializers.CharField()
    location_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=LocationKind.choices)
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    safety_stock = serializers.IntegerField()
    in_transit = serializers.IntegerField()
    available = serializers.IntegerField()


class AvailabilitySerializer(serializers.Serializer):
    """Available-to-promise of one SKU in total and per active location the user may see."""

    sku = serializers.CharField()
    available = serializers.IntegerField()
    locations = LocationAvailabilitySerializer(many=True)


# --- Stock operations ---------------------------------------------------------------------


def _quantity_field(help_text: str) -> serializers.IntegerField:
    """A whole number of units, at least 1."""
    return serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, help_text=help_text)


class StockReceiveSerializer(serializers.Serializer):
    """Input of POST /stock/receive."""

    location = LocationCodeField(max_length=32, help_text="Location code (one you may work at).")
    sku = SKUCodeField(max_length=64, help_text="SKU code.")
    quantity = _quantity_field("Units received (1 or more).")
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class StockAdjustSerializer(serializers.Serializer):
    """Input of POST /stock/adjust."""

    location = LocationCodeField(max_length=32, help_text="Location code (one you may work at).")
    sku = SKUCodeField(max_length=64, help_text="SKU code.")
    delta = serializers.IntegerField(
        min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY, help_text="Units to add (positive) or remove (negative)."
    )
    reason_code = serializers.ChoiceField(choices=AdjustmentReason.choices)
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)

    def validate_delta(self, value: int) -> int:
        """An adjustment of zero units means nothing; refuse it."""
        if value == 0:
            raise serializers.ValidationError("Enter a non-zero whole number (negative to remove units).")
        return value


class StockLineSerializer(serializers.Serializer):
    """One line of a reservation or release: a SKU code and a quantity."""

    sku = serializers.CharField(max_length=64, help_text="SKU code.")
    quantity = _quantity_field("Units (1 or more).")


class StockLinesSerializer(serializers.Serializer):
    """Input of POST /stock/reserve and /stock/release: lines of SKUs at one location for one document."""

    location = LocationCodeField(max_length=32, help_text="Location code (one you may work at).")
    lines = serializers.ListField(child=StockLineSerializer(), allow_empty=False, max_length=MAX_LINES)
    document_type = serializers.RegexField(
        r"^[a-z][a-z0-9_]*$", max_length=32, help_text="What the units are for, e.g. order, transfer."
    )
    document_id = serializers.CharField(max_length=64, help_text="The document's number, e.g. 1042.")
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)

    def validate_document_type(self, value: str) -> str:
        """Transfers, counts and imports reserve through their own flows, never through this endpoint."""
        if value in RESERVED_DOCUMENT_TYPES:
            raise serializers.ValidationError(f"{value!r} documents are managed by the product; use another type.")
        return value

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Resolve every line's SKU code in one query; name each unknown code at its line."""
        codes = {line["sku"] for line in lines}
        known = {sku.code: sku for sku in sku_search().filter(code__in=codes)}
        errors = [{} if line["sku"] in known else {"sku": [f"Unknown SKU {line['sku']!r}."]} for line in lines]
        if any(errors):
            raise serializers.ValidationError(errors)
        return [{"sku": known[line["sku"]], "quantity": line["quantity"]} for line in lines]


class StockMovementSerializer(serializers.ModelSerializer):
    """One ledger row written by a stock operation."""

    # A plain string, not an enum: two enums named "kind" (location, movement) collide in the schema.
    kind = serializers.CharField(read_only=True, help_text=", ".join(MovementKind.values))
    location: serializers.SlugRelatedField[Location] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sku: serializers.SlugRelatedField[SKU] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "kind",
            "location",
            "sku",
            "on_hand_delta",
            "reserved_delta",
            "in_transit_delta",
            "on_hand_after",
            "reserved_after",
            "in_transit_after",
            "reason_code",
            "note",
            "document_type",
            "document_id",
            "actor",
            "created_at",
        ]
        read_only_fields = fields


class StockLevelSerializer(serializers.ModelSerializer):
    """A stock level after an operation, with available-to-promise."""

    location: serializers.SlugRelatedField[Location] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sku: serializers.SlugRelatedField[SKU] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    available = serializers.IntegerField(read_only=True, help_text="max(on_hand - reserved - safety_stock, 0)")

    class Meta:
        model = StockLevel
        fields = ["location", "sku", "on_hand", "reserved", "safety_stock", "in_transit", "available"]
        read_only_fields = fields


class StockOperationResultSerializer(serializers.Serializer):
    """What a stock operation wrote: its ledger rows and the levels it left behind."""

    movements = StockMovementSerializer(many=True)
    levels = StockLevelSerializer(many=True)
