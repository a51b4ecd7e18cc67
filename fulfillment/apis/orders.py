"""REST API for orders (/api/v1/orders): channels create and follow their orders.

- `POST /orders` (channel API key): create, route and reserve an order exactly once per
  (channel, external_id); honours `Idempotency-Key`. 201 for a new order, 200 with the
  existing order when the channel sends one it already sent.
- `GET /orders?updated_since=&status=`: the caller's orders, oldest change first when syncing.
- `GET /orders/{id}`, `POST /orders/{id}/cancel`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels.auth import ChannelPrincipal
from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.types import user_has_perm
from fulfillment.selectors.orders import order_get, order_list, order_queryset
from fulfillment.services import order_cancel
from fulfillment.services.intake import ImportResult, order_import
from inventory.serializers import ErrorSerializer
from orders.serializers import (
    OrderCancelSerializer,
    OrderCreateSerializer,
    OrderListQuerySerializer,
    OrderOutSerializer,
)


def _principal_label(request: Request) -> str:
    return str(request.user) if isinstance(request.user, ChannelPrincipal) else ""


def _staff(request: Request) -> Any:
    return None if isinstance(request.user, ChannelPrincipal) else request.user


def _render(order_id: int, *, code: int) -> Response:
    order = order_queryset().get(pk=order_id)
    return Response(OrderOutSerializer(order).data, status=code)


def _render_created(result: ImportResult) -> Response:
    """The new order from the rows `order_import` wrote, exactly as `_render` would read them back.

    The objects are wired as `order_queryset()` prefetches them (lines by line number, shipments
    and their lines by id: the order they were inserted in), so the answer is identical, without
    the five queries of a read-back.
    """
    order = result.order
    order._prefetched_objects_cache = {"lines": result.lines, "shipments": result.shipments}  # type: ignore[attr-defined]
    for shipment in result.shipments:
        shipment._prefetched_objects_cache = {"lines": result.shipment_lines[shipment.pk]}  # type: ignore[attr-defined]
    return Response(OrderOutSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderListCreateView(GenericAPIView):
    """List the caller's orders, or (with a channel key) create one."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = OrderOutSerializer

    @extend_schema(
        summary="List orders",
        parameters=[OrderListQuerySerializer],
        responses={200: OrderOutSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        """Orders of the key's channel (or every order for staff with view_order), paginated."""
        query = OrderListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if not isinstance(request.user, ChannelPrincipal) and not user_has_perm(request.user, "orders.view_order"):
            raise PermissionDenied("You may not read orders.")
        orders = order_list(
            user=request.user,
            updated_since=query.validated_data["updated_since"],
            status=query.validated_data.get("status", ""),
        )
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(OrderOutSerializer(page, many=True).data)

    @extend_schema(
        summary="Create an order",
        description="Authenticated with the channel's API key. The order is routed and its stock reserved "
        "before the answer; shipments and backordered lines are in the body.",
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: OrderOutSerializer,
            200: OpenApiResponse(OrderOutSerializer, description="The channel sent this order before."),
            400: ErrorSerializer,
            403: ErrorSerializer,
            422: ErrorSerializer,
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        """Create, route and reserve an order (exactly once per channel and external id)."""
        if not isinstance(request.user, ChannelPrincipal):
            raise PermissionDenied("Orders are created with a channel's API key (Authorization: Token fk_...).")
        body = OrderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = order_import(
            channel=request.user.channel, data=body.to_order_input(), actor_label=_principal_label(request)
        )
        if result.created:
            return _render_created(result)
        return _render(result.order.pk, code=status.HTTP_200_OK)


class OrderDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Get an order", responses={200: OrderOutSerializer, 404: ErrorSerializer})
    def get(self, request: Request, pk: int) -> Response:
        """One order of the caller's channel (404 for anyone else's)."""
        order = order_get(user=request.user, pk=pk)
        return Response(OrderOutSerializer(order).data)


class OrderCancelView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Cancel an order",
        description="Cancels every unit not yet shipped and releases its stock. An order that has shipped "
        "entirely cannot be cancelled (409).",
        request=OrderCancelSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: OrderOutSerializer, 404: ErrorSerializer, 409: ErrorSerializer},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Cancel what has not shipped."""

        order = order_get(user=request.user, pk=pk)
        if not isinstance(request.user, ChannelPrincipal) and not user_has_perm(request.user, "orders.cancel_order"):
            raise PermissionDenied("You may not cancel orders.")
        body = OrderCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order_cancel(
            order=order,
            actor=_staff(request),
            actor_label=_principal_label(request),
            reason=body.validated_data["reason"] or "Cancelled through the API.",
        )
        return _render(order.pk, code=status.HTTP_200_OK)
