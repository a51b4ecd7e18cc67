"""REST API for inventory (/api/v1/): locations, SKUs, availability and stock operations.

Each endpoint parses its input with a serializer, calls one selector (reads, scoped to the
user's locations) or one service (writes, all-or-nothing), and renders the result. Errors:

- 400 `{"detail", "code", "errors": {field: [message]}}` for bad input, including an
  unknown or out-of-scope SKU or location named in a body or query string;
- 401 without credentials (Token auth answers with `WWW-Authenticate: Token`);
- 403 without the Django permission the endpoint needs;
- 404 for a location or SKU in the URL that does not exist or is outside the user's scope;
- 409 `{"detail", "code": "insufficient_stock", "problems": [...]}` when a reservation does
  not fit in available-to-promise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from inventory import selectors
from inventory.models import SKU, Location, StockLevel, StockMovement
from inventory.serializers import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    ErrorSerializer,
    LocationFilterSerializer,
    LocationSerializer,
    SKUFilterSerializer,
    SKUSerializer,
    StockAdjustSerializer,
    StockLinesSerializer,
    StockOperationResultSerializer,
    StockReceiveSerializer,
)
from inventory.services import (
    DocumentRef,
    StockLine,
    location_create,
    location_update,
    sku_create,
    sku_update,
    stock_adjust,
    stock_receive,
    stock_release,
    stock_reserve,
)


class InventoryAPIMixin:
    """Shared plumbing: uniform error bodies and Django permissions per action or method."""

    #: Django permissions per viewset action ("list", "create", ...) or HTTP method ("GET", "POST").
    required_permissions: dict[str, tuple[str, ...]] = {}


class HasRequiredPermissions(permissions.IsAuthenticated):
    """Authenticated, and holding every Django permission the view names for this action.

    An action or method the view does not list is refused (least privilege by default).
    Anonymous requests get 401 (DRF turns a refusal without credentials into NotAuthenticated).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        """Check authentication, then the permissions mapped for the action or method."""
        if not super().has_permission(request, view):
            return False
        mapping: dict[str, tuple[str, ...]] = getattr(view, "required_permissions", {})
        action = getattr(view, "action", None)
        method = request.method or ""
        if method not in view.allowed_methods:
            return True  # the view answers 405 Method Not Allowed itself
        key = action if action in mapping else method
        if method == "HEAD" and key not in mapping:
            key = "GET"
        required = mapping.get(key or "")
        if required is None:
            return False
        return request.user.has_perms(required)


def _bool_filter(qs: QuerySet[Any], active: bool | None) -> QuerySet[Any]:
    """Keep active rows (True), inactive rows (False) or all (None)."""
    return qs if active is None else qs.filter(is_active=active)


def _query_params(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """Validate query parameters; a bad one is a 400 with a field error."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


ERROR_RESPONSES: dict[int | str, Any] = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input; `errors` names each field."),
    401: OpenApiResponse(ErrorSerializer, description="No or bad credentials."),
    403: OpenApiResponse(ErrorSerializer, description="Missing permission."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="Unknown, or outside your locations.")}


# --- Locations ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List locations",
        description="Locations you may see, ordered by code. Store associates and warehouse operators see "
        "only their own locations.",
        parameters=[LocationFilterSerializer],
        responses={200: LocationSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="Get a location", responses={200: LocationSerializer, **ERROR_RESPONSES, **NOT_FOUND}
    ),
    create=extend_schema(
        summary="Create a location",
        description="A US ZIP code fills latitude/longitude, city, state and time zone unless given.",
        request=LocationSerializer,
        responses={201: LocationSerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(
        summary="Replace a location",
        request=LocationSerializer,
        responses={200: LocationSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a location",
        request=LocationSerializer,
        responses={200: LocationSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    ),
)
class LocationViewSet(InventoryAPIMixin, GenericViewSet):
    """Locations: list, create, retrieve, update (looked up by code)."""

    serializer_class = LocationSerializer
    permission_classes = [HasRequiredPermissions]
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    required_permissions = {
        "list": ("inventory.view_location",),
        "retrieve": ("inventory.view_location",),
        "create": ("inventory.add_location",),
        "update": ("inventory.view_location", "inventory.change_location"),
        "partial_update": ("inventory.view_location", "inventory.change_location"),
    }

    def get_queryset(self) -> QuerySet[Location]:
        """Locations the user may see (used by the schema generator)."""
        return selectors.location_list(user=self.request.user)

    def get_object(self) -> Location:
        """The location named in the URL, if the user may see it (404 otherwise)."""
        return selectors.location_get(user=self.request.user, code=self.kwargs["code"])

    def list(self, request: Request) -> Response:
        """GET /locations?kind=&active=&q=."""
        params = _query_params(LocationFilterSerializer, request)
        qs = _bool_filter(selectors.location_list(user=request.user, kind=params.get("kind", "")), params["active"])
        if params["q"]:
            q = params["q"]
            qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(city__icontains=q) | Q(postal_code=q))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(LocationSerializer(page, many=True).data)

    def retrieve(self, request: Request, code: str) -> Response:
        """GET /locations/{code}."""
        return Response(LocationSerializer(self.get_object()).data)

    @idempotent
    def create(self, request: Request) -> Response:
        """POST /locations: validate the shape, then `location_create`."""
        serializer = LocationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        location = location_create(**serializer.validated_data)
        return Response(LocationSerializer(location).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, code: str, partial: bool = False) -> Response:
        """PUT (every field) or PATCH (some fields) /locations/{code}: `location_update`."""
        location = self.get_object()
        serializer = LocationSerializer(location, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        location = location_update(location=location, **serializer.validated_data)
        return Response(LocationSerializer(location).data)

    def partial_update(self, request: Request, code: str) -> Response:
        """PATCH /locations/{code}."""
        return self.update(request, code, partial=True)


# --- SKUs ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List SKUs",
        parameters=[SKUFilterSerializer],
        responses={200: SKUSerializer(many=True), **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(summary="Get a SKU", responses={200: SKUSerializer, **ERROR_RESPONSES, **NOT_FOUND}),
    create=extend_schema(
        summary="Create a SKU", request=SKUSerializer, responses={201: SKUSerializer, **ERROR_RESPONSES}
    ),
    update=extend_schema(
        summary="Replace a SKU",
        description="A SKU's code cannot change.",
        request=SKUSerializer,
        responses={200: SKUSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a SKU",
        request=SKUSerializer,
        responses={200: SKUSerializer, **ERROR_RESPONSES, **NOT_FOUND},
    ),
)
class SKUViewSet(InventoryAPIMixin, GenericViewSet):
    """SKUs: list, create, retrieve, update (looked up by code)."""

    serializer_class = SKUSerializer
    permission_classes = [HasRequiredPermissions]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    required_permissions = {
        "list": ("inventory.view_sku",),
        "retrieve": ("inventory.view_sku",),
        "create": ("inventory.add_sku",),
        "update": ("inventory.view_sku", "inventory.change_sku"),
        "partial_update": ("inventory.view_sku", "inventory.change_sku"),
    }

    def get_queryset(self) -> QuerySet[SKU]:
        """Every SKU (used by the schema generator)."""
        return selectors.sku_search()

    def get_object(self) -> SKU:
        """The SKU named in the URL (404 if unknown)."""
        return selectors.sku_get(code=self.kwargs["code"])

    def list(self, request: Request) -> Response:
        """GET /skus?active=&q=."""
        params = _query_params(SKUFilterSerializer, request)
        qs = _bool_filter(selectors.sku_search(query=params["q"]), params["active"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(SKUSerializer(page, many=True).data)

    def retrieve(self, request: Request, code: str) -> Response:
        """GET /skus/{code}."""
        return Response(SKUSerializer(self.get_object()).data)

    @idempotent
    def create(self, request: Request) -> Response:
        """POST /skus: validate the shape, then `sku_create`."""
        serializer = SKUSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sku = sku_create(**serializer.validated_data)
        return Response(SKUSerializer(sku).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, code: str, partial: bool = False) -> Response:
        """PUT or PATCH /skus/{code}: `sku_update`."""
        sku = self.get_object()
        serializer = SKUSerializer(sku, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        sku = sku_update(sku=sku, **serializer.validated_data)
        return Response(SKUSerializer(sku).data)

    def partial_update(self, request: Request, code: str) -> Response:
        """PATCH /skus/{code}."""
        return self.update(request, code, partial=True)


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
