"""Stock endpoints: available-to-promise and the stock operations (receive, adjust, reserve, release)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from inventory import selectors
from inventory.apis._shared import ERROR_RESPONSES, HasRequiredPermissions, InventoryAPIMixin, _query_params
from inventory.models import SKU, Location, StockLevel, StockMovement
from inventory.serializers import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    ErrorSerializer,
    StockAdjustSerializer,
    StockLinesSerializer,
    StockOperationResultSerializer,
    StockReceiveSerializer,
)
from inventory.services import DocumentRef, StockLine, stock_adjust, stock_receive, stock_release, stock_reserve

# --- Availability -------------------------------------------------------------------------


class AvailabilityView(InventoryAPIMixin, APIView):
    """GET /availability?sku=CODE: available-to-promise in total and per location."""

    permission_classes = [HasRequiredPermissions]
    required_permissions = {"GET": ("inventory.view_sku", "inventory.view_stocklevel")}

    @extend_schema(
        summary="Available-to-promise of a SKU",
        description="Total ATP and ATP per active location you may see. A missing or unknown `sku` is a 400 "
        "with a field error on `sku` (it is a query parameter, not a resource in the path).",
        parameters=[AvailabilityQuerySerializer],
        responses={200: AvailabilitySerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        """Resolve the SKU and return `availability_for_sku`."""
        params = _query_params(AvailabilityQuerySerializer, request)
        return Response(selectors.availability_for_sku(user=request.user, sku=params["sku"]))


# --- Stock operations ---------------------------------------------------------------------


def _operation_result(
    *, movements: Sequence[StockMovement], location: Location, skus: Sequence[SKU], user: Any
) -> dict[str, Any]:
    """Ledger rows written plus the resulting levels (one query for the levels)."""
    by_id = {sku.pk: sku for sku in skus}
    actor = user if getattr(user, "is_authenticated", False) else None
    for movement in movements:
        # The service returns unsaved-relation instances; attach what we already hold.
        movement.location = location
        movement.sku = by_id[movement.sku_id]
        movement.actor = actor if movement.actor_id else None
    levels: list[StockLevel] = list(
        selectors.stock_levels_at_location(location=location).filter(sku_id__in=list(by_id))
    )
    for level in levels:
        level.location = location
    return StockOperationResultSerializer({"movements": movements, "levels": levels}).data


STOCK_RESPONSES = {
    201: OpenApiResponse(StockOperationResultSerializer, description="The ledger rows written and the levels."),
    **ERROR_RESPONSES,
}


class StockReceiveView(InventoryAPIMixin, APIView):
    """POST /stock/receive: add received units to on hand."""

    permission_classes = [HasRequiredPermissions]
    required_permissions = {"POST": ("inventory.adjust_stock",)}

    @extend_schema(
        summary="Receive stock",
        request=StockReceiveSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=STOCK_RESPONSES,
        examples=[
            OpenApiExample(
                "Receive", value={"location": "dal-dc", "sku": "TEE-BLK-M", "quantity": 24}, request_only=True
            )
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        """Validate, then `stock_receive`."""
        serializer = StockReceiveSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        movement = stock_receive(
            location=data["location"], sku=data["sku"], quantity=data["quantity"], note=data["note"], actor=request.user
        )
        body = _operation_result(movements=[movement], location=data["location"], skus=[data["sku"]], user=request.user)
        return Response(body, status=status.HTTP_201_CREATED)


class StockAdjustView(InventoryAPIMixin, APIView):
    """POST /stock/adjust: correct on hand by a signed delta with a reason."""

    permission_classes = [HasRequiredPermissions]
    required_permissions = {"POST": ("inventory.adjust_stock",)}

    @extend_schema(
        summary="Adjust stock",
        description="A negative delta may not take on hand below zero or below the reserved units (400).",
        request=StockAdjustSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=STOCK_RESPONSES,
    )
    @idempotent
    def post(self, request: Request) -> Response:
        """Validate, then `stock_adjust`."""
        serializer = StockAdjustSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        movement = stock_adjust(
            location=data["location"],
            sku=data["sku"],
            delta=data["delta"],
            reason_code=data["reason_code"],
            note=data["note"],
            actor=request.user,
        )
        body = _operation_result(movements=[movement], location=data["location"], skus=[data["sku"]], user=request.user)
        return Response(body, status=status.HTTP_201_CREATED)


class _StockLinesView(InventoryAPIMixin, APIView):
    """Shared body of reserve and release: lines of SKUs at one location for one document."""

    permission_classes = [HasRequiredPermissions]
    required_permissions = {"POST": ("inventory.reserve_stock",)}
    service: Callable[..., list[StockMovement]]

    @idempotent
    def post(self, request: Request) -> Response:
        """Validate, then call the service with every line (all or nothing)."""
        serializer = StockLinesSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        skus = [line["sku"] for line in data["lines"]]
        movements = type(self).service(
            location=data["location"],
            lines=[StockLine(line["sku"].pk, line["quantity"]) for line in data["lines"]],
            document=DocumentRef(data["document_type"], data["document_id"]),
            note=data["note"],
            actor=request.user,
        )
        body = _operation_result(movements=movements, location=data["location"], skus=skus, user=request.user)
        return Response(body, status=status.HTTP_201_CREATED)


class StockReserveView(_StockLinesView):
    """POST /stock/reserve: reserve units for a document, all lines or none."""

    service = staticmethod(stock_reserve)

    @extend_schema(
        summary="Reserve stock",
        description="Every line must fit in available-to-promise (on hand - reserved - safety stock); "
        "otherwise nothing is reserved and the answer is 409 listing every short line.",
        request=StockLinesSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={**STOCK_RESPONSES, 409: OpenApiResponse(ErrorSerializer, description="Insufficient stock.")},
        examples=[
            OpenApiExample(
                "Reserve for an order",
                value={
                    "location": "dal-dc",
                    "lines": [{"sku": "TEE-BLK-M", "quantity": 2}],
                    "document_type": "order",
                    "document_id": "1042",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        """Reserve the lines."""
        return super().post(request)


class StockReleaseView(_StockLinesView):
    """POST /stock/release: give reserved units back to available-to-promise."""

    service = staticmethod(stock_release)

    @extend_schema(
        summary="Release reserved stock",
        description="Releasing more than is reserved is refused (400) and releases nothing.",
        request=StockLinesSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=STOCK_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        """Release the lines."""
        return super().post(request)
