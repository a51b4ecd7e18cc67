"""Partners' pages and endpoints (included at /partners/): staff pages, the supplier portal, 3PL webhooks."""

from django.urls import path

from partners.views import partners, portal, purchase_orders
from partners.views.threepl_webhooks import threepl_webhook

app_name = "partners"

urlpatterns = [
    path("3pl/webhooks/<slug:partner_code>/", threepl_webhook, name="threepl_webhook"),
    # Staff (partners.manage_partners)
    path("", partners.partner_list, name="partner_list"),
    path("<int:pk>/", partners.partner_detail, name="partner_detail"),
    path("<int:pk>/keys/", partners.partner_key_create, name="partner_key_create"),
    path("<int:pk>/keys/<int:key_id>/revoke/", partners.partner_key_revoke, name="partner_key_revoke"),
    path(
        "<int:pk>/snapshots/<int:snapshot_id>/apply/",
        partners.partner_snapshot_apply,
        name="partner_snapshot_apply",
    ),
    path("purchase-orders/", purchase_orders.po_list, name="po_list"),
    path("purchase-orders/<int:pk>/", purchase_orders.po_detail, name="po_detail"),
    path("purchase-orders/<int:pk>/cancel/", purchase_orders.po_cancel, name="po_cancel"),
    path(
        "purchase-orders/<int:pk>/invoices/<int:invoice_id>/approve/",
        purchase_orders.po_invoice_approve,
        name="po_invoice_approve",
    ),
    # The supplier portal (a partner's own users; core.middleware keeps them here)
    path("portal/", portal.portal_home, name="portal_home"),
    path("portal/orders/<int:pk>/", portal.portal_po, name="portal_po"),
    path("portal/orders/<int:pk>/acknowledge/", portal.portal_acknowledge, name="portal_acknowledge"),
    path("portal/orders/<int:pk>/ship/", portal.portal_ship, name="portal_ship"),
    path("portal/orders/<int:pk>/invoice/", portal.portal_invoice, name="portal_invoice"),
    path("portal/inventory/", portal.portal_inventory, name="portal_inventory"),
]
