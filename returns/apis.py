"""REST API for returns (/api/v1/returns): channels request returns for their orders and follow them.

- `POST /returns` (channel API key, or staff who may create returns): a return for an order
  given by our id or the channel's own order id; honours `Idempotency-Key`. 201 with the
  return: authorised with its label, or held for approval (`status: requested`,
  `hold_reason`). Outside policy or more than can come back: 400 naming the field, nothing
  written.
- `GET /returns?status=`, `GET /returns/{id}`: the caller's returns.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels.auth import ChannelPrincipal
from core.errors import NotFound, ValidationFailed
from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.types import user_has_perm
from fulfillment.selectors.orders import orders_visible_to
from inventory.serializers import ErrorSerializer
from orders.models import Order
from returns.models import ReturnAuthorization, ReturnLine, ReturnSource, ReturnStatus
from returns.selectors import returns_visible_to
from returns.serializers import ReturnCreateSerializer, ReturnOutSerializer
from returns.services import return_request
from returns.services.money import refunded_elsewhere_annotations


def _returns_for(user: Any) -> QuerySet[ReturnAuthorization]:
    qs = (
        ReturnAuthorization.objects.select_related("order", "return_location", "refund", "policy")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("sku", "reason", "exchange_sku", "order_line"))
        )
        .annotate(**refunded_elsewhere_annotations())
    )
    if isinstance(user, ChannelPrincipal):
        return qs.filter(order__channel_id=user.channel.pk)
    if user_has_perm(user, "returns.view_returnauthorization"):
        return qs.filter(pk__in=returns_visible_to(user).values("pk"))
    raise PermissionDenied("You may not read returns.")


def _order(user: Any, data: dict[str, Any]) -> Order:
    orders = orders_visible_to(user)
    order = None
    if data.get("order_id") is not None:
        order = orders.filter(pk=data["order_id"]).first()
    elif data.get("channel_order_id"):
        order = orders.filter(external_id=data["channel_order_id"]).order_by("pk").first()
    if order is None:
        field = "order_id" if data.get("order_id") is not None else "channel_order_id"
        raise NotFound("No such order for this channel.", field=field)
    return order


class ReturnListCreateView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ReturnOutSerializer

    @extend_schema(
        summary="List returns",
        parameters=[
            OpenApiParameter("status", str, enum=list(ReturnStatus.values), description="Only returns in this status.")
        ],
        responses={200: ReturnOutSerializer(many=True), 400: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        """The caller's returns, newest first, paginated."""
        qs = _returns_for(request.user).order_by("-created_at", "-id")
        if "status" in request.query_params:
            # A status the list cannot filter by (even an empty one) is bad input, not "all returns".
            wanted = request.query_params["status"]
            if wanted not in ReturnStatus.values:
                raise ValidationFailed(f"Status is one of {', '.join(ReturnStatus.values)}.", field="status")
            qs = qs.filter(status=wanted)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ReturnOutSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Request a return",
        description="With the channel's API key. The return is checked against the channel's return policy "
        "(window from delivery, non-returnable SKUs, reasons), authorised and given a prepaid label, or held "
        "for staff approval. Nothing is written when it is refused.",
        request=ReturnCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: ReturnOutSerializer, 400: ErrorSerializer, 403: ErrorSerializer, 422: ErrorSerializer},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        """Create a return for one of the caller's orders."""
        is_channel = isinstance(request.user, ChannelPrincipal)
        if not is_channel and not user_has_perm(request.user, "returns.add_returnauthorization"):
            raise PermissionDenied("Returns are requested with a channel's API key (Authorization: Token fk_...).")
        body = ReturnCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = _order(request.user, body.validated_data)
        rma = return_request(
            order=order,
            lines=body.line_inputs(),
            source=ReturnSource.API,
            actor=None if is_channel else request.user,
            actor_label=str(request.user) if is_channel else "",
            customer_note=body.validated_data["customer_note"],
        )
        fresh = _returns_for(request.user).get(pk=rma.pk)
        return Response(ReturnOutSerializer(fresh, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ReturnDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Get a return", responses={200: ReturnOutSerializer, 404: ErrorSerializer})
    def get(self, request: Request, pk: int) -> Response:
        """One of the caller's returns (404 for anyone else's)."""
        try:
            rma = _returns_for(request.user).get(pk=pk)
        except ReturnAuthorization.DoesNotExist as exc:
            raise Http404("No such return.") from exc
        return Response(ReturnOutSerializer(rma, context={"request": request}).data)
