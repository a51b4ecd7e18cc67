"""REST API of fulfillment for shop front ends.

- `GET /pickup-options?postal_code=10001&lines=SKU:QTY,SKU:QTY[&radius_miles=50&limit=10]`
  (channel API key, or a staff token with `inventory.view_stocklevel`): the stores near the
  postal code that can have the whole basket ready, nearest first, each with its "ready by"
  time (opening hours in the store's time zone, closures, pick lead time, cut-off, pickup
  capacity); stores that lack some of it say when a warehouse transfer could have it ready.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels.auth import ChannelPrincipal
from core.api import QuerySerializer
from core.geo import geocode_postal_code
from core.types import user_has_perm
from fulfillment.selectors.stores import (
    DEFAULT_RADIUS_MILES,
    MAX_OPTIONS,
    MAX_RADIUS_MILES,
    PickupOption,
    pickup_options,
)
from inventory.models import SKU
from inventory.serializers import ErrorSerializer

MAX_BASKET_LINES = 50
MAX_LINE_QUANTITY = 10_000


class PickupOptionsQuerySerializer(QuerySerializer):
    """The query string: where the customer is and what is in the basket."""

    postal_code = serializers.CharField(max_length=20, help_text="US ZIP code of the customer, e.g. 10001.")
    lines = serializers.CharField(max_length=2000, help_text="The basket as SKU:QTY pairs, comma separated.")
    radius_miles = serializers.IntegerField(required=False, min_value=1, max_value=MAX_RADIUS_MILES)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_OPTIONS)

    def validate_postal_code(self, value: str) -> Any:
        place = geocode_postal_code(value)
        if place is None:
            raise serializers.ValidationError(f"{value!r} is not a known US ZIP code.")
        return place

    def validate_lines(self, value: str) -> dict[str, int]:
        basket: dict[str, int] = {}
        pairs = [pair.strip() for pair in value.split(",") if pair.strip()]
        if not pairs:
            raise serializers.ValidationError("Give at least one SKU:QTY pair, e.g. TEE-BLK-M:2.")
        if len(pairs) > MAX_BASKET_LINES:
            raise serializers.ValidationError(f"At most {MAX_BASKET_LINES} lines.")
        for pair in pairs:
            code, sep, quantity = pair.rpartition(":")
            if not sep or not code.strip():
                raise serializers.ValidationError(f"{pair!r} is not SKU:QTY (e.g. TEE-BLK-M:2).")
            if not quantity.strip().isdigit() or not 1 <= int(quantity) <= MAX_LINE_QUANTITY:
                raise serializers.ValidationError(f"{pair!r}: the quantity must be a whole number from 1 to 10,000.")
            basket[code.strip()] = basket.get(code.strip(), 0) + int(quantity)
        known = set(SKU.objects.filter(code__in=list(basket), is_active=True).values_list("code", flat=True))
        unknown = sorted(set(basket) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown or discontinued SKU: {', '.join(unknown)}.")
        return basket


class PickupStoreSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    timezone = serializers.CharField()


class PickupTransferSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="The warehouse that would send the missing units.")  # type: ignore[assignment]
    arrives_on = serializers.DateField()
    missing = serializers.DictField(child=serializers.IntegerField(), help_text="SKU -> units the store lacks.")


class PickupOptionSerializer(serializers.Serializer):
    store = PickupStoreSerializer()
    distance_miles = serializers.FloatField()
    availability = serializers.ChoiceField(choices=["in_stock", "transfer"])
    ready_by = serializers.DateTimeField(help_text="In the store's own time zone (ISO 8601 with its offset).")
    pickup_cutoff = serializers.CharField(help_text="Today's local cut-off (HH:MM), empty if closed today.")
    hours_today = serializers.CharField()
    hold_days = serializers.IntegerField()
    transfer = PickupTransferSerializer(allow_null=True)


class PickupOptionsSerializer(serializers.Serializer):
    postal_code = serializers.CharField()
    radius_miles = serializers.IntegerField()
    stores = PickupOptionSerializer(many=True)


def _option(option: PickupOption) -> dict[str, Any]:
    store = option.store
    transfer = option.transfer
    return {
        "store": {
            "code": store.code,
            "name": store.name,
            "address": store.address_line1,
            "city": store.city,
            "region": store.region,
            "postal_code": store.postal_code,
            "timezone": store.timezone,
        },
        "distance_miles": option.distance_miles,
        "availability": "in_stock" if option.in_stock else "transfer",
        "ready_by": option.ready_by.isoformat() if option.ready_by else None,
        "pickup_cutoff": option.cutoff,
        "hours_today": option.hours_today,
        "hold_days": option.hold_days,
        "transfer": (
            {"source": transfer.source.code, "arrives_on": transfer.arrives_on.isoformat(), "missing": option.missing}
            if transfer is not None
            else None
        ),
    }


class PickupOptionsView(APIView):
    """Where and when a basket can be picked up near a postal code."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Pickup options near a postal code",
        parameters=[PickupOptionsQuerySerializer],
        responses={200: PickupOptionsSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        """Stores near the customer that can have the whole basket ready, nearest first, and when."""
        if not isinstance(request.user, ChannelPrincipal) and not user_has_perm(
            request.user, "inventory.view_stocklevel"
        ):
            raise PermissionDenied("Use a channel's API key (Authorization: Token fk_...).")
        query = PickupOptionsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        place = query.validated_data["postal_code"]
        basket_codes: dict[str, int] = query.validated_data["lines"]
        skus = dict(SKU.objects.filter(code__in=list(basket_codes)).values_list("code", "pk"))
        radius = query.validated_data.get("radius_miles", DEFAULT_RADIUS_MILES)
        options = pickup_options(
            latitude=float(place.latitude),
            longitude=float(place.longitude),
            basket={skus[code]: qty for code, qty in basket_codes.items()},
            sku_codes={pk: code for code, pk in skus.items()},
            radius_miles=radius,
            limit=query.validated_data.get("limit", MAX_OPTIONS),
        )
        return Response(
            {"postal_code": place.postal_code, "radius_miles": radius, "stores": [_option(o) for o in options]}
        )
