"""Purchase orders for our staff (/api/v1/purchase-orders), with `partners.manage_partners`.

- `GET /purchase-orders?partner=&status=&sla=`: every partner's POs, newest first, with their SLA status.
- `GET /purchase-orders/{id}`: one PO with its ship notices, invoices and the whole document trail.
- `POST /purchase-orders/{id}/cancel` (`reason`): withdraw a PO not shipped; its units go elsewhere.
- `POST /purchase-orders/{id}/invoices/{invoice_id}/approve` (`note`, required for a discrepancy).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.types import user_has_perm
from partners.models import Partner
from partners.selectors import MANAGE, purchase_order_detail, purchase_order_list
from partners.serializers import (
    ApproveSerializer,
    CancelSerializer,
    ErrorSerializer,
    PurchaseOrderQuerySerializer,
    StaffPurchaseOrderDetailSerializer,
    StaffPurchaseOrderSerializer,
)
from partners.services import invoice_approve, purchase_order_cancel


class CanManagePartners(permissions.BasePermission):
    message = "You may not manage partners and their purchase orders."

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_has_perm(request.user, MANAGE)


class StaffView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, CanManagePartners]


def _detail(request: Request, pk: int) -> Response:
    return Response(StaffPurchaseOrderDetailSerializer(purchase_order_detail(user=request.user, pk=pk)).data)


class PurchaseOrderListView(StaffView):
    serializer_class = StaffPurchaseOrderSerializer

    @extend_schema(
        summary="List purchase orders",
        parameters=[PurchaseOrderQuerySerializer],
        responses={200: StaffPurchaseOrderSerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        """Every partner's POs, newest first, filtered by partner code, status or SLA status."""
        query = PurchaseOrderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data["partner"]
        partner = Partner.objects.filter(code=code).first() if code else None
        if code and partner is None:
            return Response({"count": 0, "next": None, "previous": None, "results": []})
        orders = purchase_order_list(
            user=request.user,
            partner=partner,
            status=query.validated_data["status"],
            sla=query.validated_data["sla"],
        )
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(StaffPurchaseOrderSerializer(page, many=True).data)


class PurchaseOrderDetailView(StaffView):
    @extend_schema(
        summary="Get a purchase order",
        responses={200: StaffPurchaseOrderDetailSerializer, 403: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The PO with its ship notices, invoices and document trail (raw and parsed)."""
        return _detail(request, pk)


class PurchaseOrderCancelView(StaffView):
    serializer_class = CancelSerializer  # also what OPTIONS describes

    @extend_schema(
        summary="Cancel a purchase order",
        description="Only while not shipped in full: the units not shipped are released and routed to another "
        "location (never this partner's for the order); the partner is told.",
        request=CancelSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: StaffPurchaseOrderDetailSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        po = purchase_order_detail(user=request.user, pk=pk)
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        purchase_order_cancel(purchase_order=po, actor=request.user, reason=body.validated_data["reason"])
        return _detail(request, pk)


class InvoiceApproveView(StaffView):
    serializer_class = ApproveSerializer  # also what OPTIONS describes

    @extend_schema(
        summary="Approve a supplier's invoice",
        description="An invoice flagged with a discrepancy needs a note saying why it is approved.",
        request=ApproveSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: StaffPurchaseOrderDetailSerializer,
            400: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
    @idempotent
    def post(self, request: Request, pk: int, invoice_id: int) -> Response:
        po = purchase_order_detail(user=request.user, pk=pk)
        invoice = next((invoice for invoice in po.invoices.all() if invoice.pk == invoice_id), None)
        if invoice is None:
            raise Http404("No such invoice on this purchase order.")
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invoice_approve(invoice=invoice, actor=request.user, note=body.validated_data["note"])
        return _detail(request, pk)
