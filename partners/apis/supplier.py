"""The supplier REST API (/api/v1/partner/...), authenticated with a partner API key.

- `GET /partner/purchase-orders?cursor=&status=`: the partner's POs, oldest first, with a cursor:
  keep the `next` link and ask again later for the new ones.
- `GET /partner/purchase-orders/cancellations?cursor=`: the partner's POs we cancelled, in the order we
  cancelled them, with the same kind of cursor: an old PO cancelled today comes after the cursor kept.
- `GET /partner/purchase-orders/{id}`; another partner's PO is a 404.
- `POST /partner/purchase-orders/{id}/acknowledgment`, `.../ship-notices`, `.../invoices`,
  `POST /partner/inventory`: each body is kept on the PO's document trail, applied by the same
  services as the portal and EDI, and answered with the document (applied, or duplicate: 200,
  nothing changed) and the PO as it now is. A body that cannot be read, or that the PO refuses,
  is kept as a rejected document and answered 400 with the product's error body naming the
  field and the document's id. Every POST honours `Idempotency-Key`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from core.api import flatten_errors
from core.idempotency import HEADER, IDEMPOTENCY_PARAMETER, idempotent
from partners.auth import IsPartner, PartnerApiKeyAuthentication, PartnerPrincipal
from partners.models import DocumentKind, DocumentStatus, Exchange, Partner, PartnerDocument, PurchaseOrder
from partners.selectors import (
    purchase_order_of_partner,
    purchase_orders_cancelled_for_partner,
    purchase_orders_for_partner,
)
from partners.serializers import (
    AcknowledgmentSerializer,
    AppliedSerializer,
    DocumentSerializer,
    ErrorSerializer,
    FeedResultSerializer,
    InventoryInSerializer,
    InvoiceInSerializer,
    PartnerCancellationQuerySerializer,
    PartnerPurchaseOrderQuerySerializer,
    PurchaseOrderSerializer,
    ShipNoticeInSerializer,
)
from partners.services import acknowledgment_apply, inventory_feed_apply, invoice_apply, ship_notice_apply
from partners.services.documents import DocumentRefused, document_refusal_kept, document_refuse_input

Handler = TypeVar("Handler", bound=Callable[..., Response])
REFUSED = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer, 422: ErrorSerializer}


def rejected_documents_kept(handler: Handler) -> Handler:
    """Outside `idempotent`: a refused document whose row its rolled-back transaction took is stored again."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return handler(view, request, *args, **kwargs)
        except DocumentRefused as refused:
            raise document_refusal_kept(refused) from refused

    return wrapper  # type: ignore[return-value]


class PurchaseOrderCursor(CursorPagination):
    """Oldest first by id. `next` is always given: on the last page it points after the last PO seen
    (or stays where it was on an empty page), so a partner keeps it and finds its new POs there later."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200

    def get_next_link(self) -> str | None:
        link = super().get_next_link()
        if link is not None:
            return link
        position: Any = None
        if self.page:
            position = self._get_position_from_instance(self.page[-1], self.ordering)
        elif self.cursor is not None and not self.cursor.reverse:
            position = self.cursor.position
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))

    def decode_cursor(self, request: Request) -> Cursor | None:
        """A cursor we did not give is bad input (400 naming `cursor`), not a missing page (DRF's 404)."""
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError(
                {"cursor": ["Not a cursor from this API: start without one, or follow the `next` link as given."]}
            ) from exc


class CancellationCursor(PurchaseOrderCursor):
    """By when we cancelled (a PO opened long ago and cancelled now is new in this feed)."""

    ordering = "cancelled_at"


class SupplierView(GenericAPIView):
    authentication_classes = [PartnerApiKeyAuthentication]
    permission_classes = [IsPartner]

    def partner(self) -> Partner:
        principal = self.request.user
        assert isinstance(principal, PartnerPrincipal)
        return principal.partner


Body = TypeVar("Body", bound=Serializer)


def _read(
    request: Request, body_class: type[Body], *, partner: Partner, kind: str, po: PurchaseOrder | None
) -> tuple[str, Body]:
    """The raw body and its validated serializer; a body that is not JSON or not valid is kept as a
    rejected document (with every field's error) and refused."""
    raw = request.body.decode("utf-8", errors="replace")  # read before DRF parses the stream
    try:
        data = request.data
    except ParseError as exc:
        raise document_refuse_input(
            partner=partner, kind=kind, via=Exchange.API, raw=raw, errors={"body": [str(exc.detail)]}, purchase_order=po
        ) from exc
    body = body_class(data=data)
    if not body.is_valid():
        raise document_refuse_input(
            partner=partner, kind=kind, via=Exchange.API, raw=raw, errors=flatten_errors(body.errors), purchase_order=po
        )
    return raw, body


def _answer(document: PartnerDocument, partner: Partner, po: PurchaseOrder) -> Response:
    body: dict[str, Any] = {
        "document": DocumentSerializer(document).data,
        "purchase_order": PurchaseOrderSerializer(purchase_order_of_partner(partner=partner, pk=po.pk)).data,
    }
    code = status.HTTP_200_OK if document.status == DocumentStatus.DUPLICATE else status.HTTP_201_CREATED
    return Response(body, status=code)


def _answered(description: str) -> dict[int, Any]:
    return {
        201: OpenApiResponse(AppliedSerializer, description=description),
        200: OpenApiResponse(AppliedSerializer, description="The same document again: nothing changed."),
        **REFUSED,
    }


class PartnerPurchaseOrderListView(SupplierView):
    pagination_class = PurchaseOrderCursor
    serializer_class = PurchaseOrderSerializer

    @extend_schema(
        summary="List your purchase orders",
        description="Oldest first, 50 a page (`limit` up to 200). `next` is always there: follow it for the "
        "next page, and keep the last one to ask later for the purchase orders opened since.",
        parameters=[PartnerPurchaseOrderQuerySerializer],
        responses={200: PurchaseOrderSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        """The partner's POs (only its own), with a cursor."""
        query = PartnerPurchaseOrderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        orders = purchase_orders_for_partner(partner=self.partner(), status=query.validated_data["status"])
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(PurchaseOrderSerializer(page, many=True).data)


def _apply_to_po(
    view: SupplierView,
    request: Request,
    pk: int,
    body_class: type[Body],
    kind: str,
    apply: Callable[[Partner, Any, str, str], PartnerDocument],
) -> Response:
    """A supplier's document about one of its POs: read it (a bad body is kept as rejected), apply it
    (`apply(partner, document, raw, idempotency key)`), answer the document and the PO as they are now."""
    partner = view.partner()
    po = purchase_order_of_partner(partner=partner, pk=pk)
    raw, body = _read(request, body_class, partner=partner, kind=kind, po=po)
    incoming: Any = body  # each document serializer has `to_document(po_number)`
    document = apply(partner, incoming.to_document(po.number), raw, request.headers.get(HEADER, ""))
    return _answer(document, partner, po)


class PartnerCancellationListView(SupplierView):
    pagination_class = CancellationCursor
    serializer_class = PurchaseOrderSerializer

    @extend_schema(
        summary="List your purchase orders we cancelled",
        description="In the order we cancelled them, 50 a page (`limit` up to 200). Keep the last `next` link "
        "and ask again later: a purchase order cancelled since is there, however old it is. Stop work on it: "
        "its `status` is `cancelled` and `cancel_reason` says why.",
        parameters=[PartnerCancellationQuerySerializer],
        responses={200: PurchaseOrderSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        """The partner's cancelled POs (only its own), with a cursor."""
        repeated = {
            name: ["Give it once."] for name in ("cursor", "limit") if len(request.query_params.getlist(name)) > 1
        }
        if repeated:
            raise ValidationError(repeated)
        # The paginator would ignore a bad `limit`; the client is told instead.
        PartnerCancellationQuerySerializer(data=request.query_params).is_valid(raise_exception=True)
        page = self.paginate_queryset(purchase_orders_cancelled_for_partner(partner=self.partner()))
        return self.get_paginated_response(PurchaseOrderSerializer(page, many=True).data)


class PartnerPurchaseOrderDetailView(SupplierView):
    @extend_schema(
        summary="Get one of your purchase orders",
        responses={200: PurchaseOrderSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(PurchaseOrderSerializer(purchase_order_of_partner(partner=self.partner(), pk=pk)).data)


class PartnerAcknowledgmentView(SupplierView):
    serializer_class = AcknowledgmentSerializer  # what OPTIONS describes

    @extend_schema(
        summary="Acknowledge a purchase order",
        description="Per line, the units you accept; the rest of the line is rejected (give a reason). "
        "Rejected units are sent elsewhere at once. A line is answered once.",
        request=AcknowledgmentSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=_answered("Applied."),
    )
    @rejected_documents_kept
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        return _apply_to_po(
            self,
            request,
            pk,
            AcknowledgmentSerializer,
            DocumentKind.ACKNOWLEDGMENT,
            lambda partner, document, raw, key: acknowledgment_apply(
                partner=partner, ack=document, via=Exchange.API, raw=raw, idempotency_key=key
            ),
        )


class PartnerShipNoticeView(SupplierView):
    serializer_class = ShipNoticeInSerializer  # what OPTIONS describes

    @extend_schema(
        summary="Send a ship notice",
        description="Parcels shipped against the PO, one tracking number each; several and partial notices "
        "are fine. The order ships once notices cover every accepted unit.",
        request=ShipNoticeInSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=_answered("Applied."),
    )
    @rejected_documents_kept
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        return _apply_to_po(
            self,
            request,
            pk,
            ShipNoticeInSerializer,
            DocumentKind.SHIP_NOTICE,
            lambda partner, document, raw, key: ship_notice_apply(
                partner=partner, notice=document, via=Exchange.API, raw=raw, idempotency_key=key
            ),
        )


class PartnerInvoiceView(SupplierView):
    serializer_class = InvoiceInSerializer  # what OPTIONS describes

    @extend_schema(
        summary="Send an invoice",
        description="Matched with the PO's costs and the units shipped; differences are flagged for our staff.",
        request=InvoiceInSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=_answered("Applied (see the PO's match status)."),
    )
    @rejected_documents_kept
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        return _apply_to_po(
            self,
            request,
            pk,
            InvoiceInSerializer,
            DocumentKind.INVOICE,
            lambda partner, document, raw, key: invoice_apply(
                partner=partner, invoice=document, via=Exchange.API, raw=raw, idempotency_key=key
            ),
        )


class PartnerInventoryView(SupplierView):
    serializer_class = InventoryInSerializer  # what OPTIONS describes

    @extend_schema(
        summary="Send your inventory",
        description="Units you hold per SKU (ours or your code), optionally per warehouse: they become your "
        "location's stock. Unknown SKUs are left out and listed; the other rows apply.",
        request=InventoryInSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: FeedResultSerializer,
            200: OpenApiResponse(FeedResultSerializer, description="The same feed again: nothing changed."),
            **REFUSED,
        },
    )
    @rejected_documents_kept
    @idempotent
    def post(self, request: Request) -> Response:
        partner = self.partner()
        raw, body = _read(request, InventoryInSerializer, partner=partner, kind=DocumentKind.INVENTORY, po=None)
        document = inventory_feed_apply(
            partner=partner,
            feed=body.to_document(),
            via=Exchange.API,
            raw=raw,
            idempotency_key=request.headers.get(HEADER, ""),
        )
        code = status.HTTP_200_OK if document.status == DocumentStatus.DUPLICATE else status.HTTP_201_CREATED
        result = document.parsed.get("result", {}) if isinstance(document.parsed, dict) else {}
        return Response({"document": DocumentSerializer(document).data, "result": result}, status=code)
