"""Catalog endpoints: locations and SKUs (looked up by code)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from core.idempotency import idempotent
from inventory import selectors
from inventory.apis._shared import (
    ERROR_RESPONSES,
    NOT_FOUND,
    HasRequiredPermissions,
    InventoryAPIMixin,
    _bool_filter,
    _query_params,
)
from inventory.models import SKU, Location
from inventory.serializers import LocationFilterSerializer, LocationSerializer, SKUFilterSerializer, SKUSerializer
from inventory.services import location_create, location_update, sku_create, sku_update

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
