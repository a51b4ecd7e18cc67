"""Partner write services: dropship purchase orders and what comes back for them, feeds, API keys.

Import from here: `from partners.services import acknowledgment_apply`. Every `*_apply` stores
the partner's document on the trail with its outcome; a bad one is stored as rejected and
raises `DocumentRefused` (a `core.errors.ValidationFailed` naming the field); the same document
twice changes nothing and returns the first one with status duplicate.
"""

from partners.services.acknowledgments import (
    acknowledgment_apply,
    purchase_order_ack_expire,
    purchase_orders_sla_sweep,
)
from partners.services.documents import DocumentRefused, document_reject
from partners.services.inventory_feeds import inventory_feed_apply
from partners.services.invoices import invoice_apply, invoice_approve
from partners.services.keys import (
    IssuedPartnerKey,
    partner_api_key_authenticate,
    partner_api_key_issue,
    partner_api_key_revoke,
)
from partners.services.people import partner_user_remove, partner_user_set
from partners.services.purchase_orders import (
    purchase_order_cancel,
    purchase_order_for_shipment,
    purchase_order_transmit,
    purchase_orders_transmit_sweep,
)
from partners.services.ship_notices import ship_notice_apply
from partners.services.stock_orders import purchase_order_create_for_stock

__all__ = [
    "DocumentRefused",
    "IssuedPartnerKey",
    "acknowledgment_apply",
    "document_reject",
    "inventory_feed_apply",
    "invoice_apply",
    "invoice_approve",
    "partner_api_key_authenticate",
    "partner_api_key_issue",
    "partner_api_key_revoke",
    "partner_user_remove",
    "partner_user_set",
    "purchase_order_ack_expire",
    "purchase_order_cancel",
    "purchase_order_create_for_stock",
    "purchase_order_for_shipment",
    "purchase_order_transmit",
    "purchase_orders_sla_sweep",
    "purchase_orders_transmit_sweep",
    "ship_notice_apply",
]
