"""REST API of the partners app under /api/v1/: the supplier API (partner keys) and the staff API."""

from django.urls import path

from partners.apis import staff, supplier

urlpatterns = [
    path("partner/purchase-orders", supplier.PartnerPurchaseOrderListView.as_view(), name="api-partner-pos"),
    path(
        "partner/purchase-orders/cancellations",
        supplier.PartnerCancellationListView.as_view(),
        name="api-partner-po-cancellations",
    ),
    path("partner/purchase-orders/<int:pk>", supplier.PartnerPurchaseOrderDetailView.as_view(), name="api-partner-po"),
    path(
        "partner/purchase-orders/<int:pk>/acknowledgment",
        supplier.PartnerAcknowledgmentView.as_view(),
        name="api-partner-po-ack",
    ),
    path(
        "partner/purchase-orders/<int:pk>/ship-notices",
        supplier.PartnerShipNoticeView.as_view(),
        name="api-partner-po-asn",
    ),
    path(
        "partner/purchase-orders/<int:pk>/invoices",
        supplier.PartnerInvoiceView.as_view(),
        name="api-partner-po-invoice",
    ),
    path("partner/inventory", supplier.PartnerInventoryView.as_view(), name="api-partner-inventory"),
    path("purchase-orders", staff.PurchaseOrderListView.as_view(), name="api-purchase-orders"),
    path("purchase-orders/<int:pk>", staff.PurchaseOrderDetailView.as_view(), name="api-purchase-order"),
    path("purchase-orders/<int:pk>/cancel", staff.PurchaseOrderCancelView.as_view(), name="api-purchase-order-cancel"),
    path(
        "purchase-orders/<int:pk>/invoices/<int:invoice_id>/approve",
        staff.InvoiceApproveView.as_view(),
        name="api-purchase-order-invoice-approve",
    ),
]
