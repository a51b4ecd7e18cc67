"""The /settings/webhooks/ pages (administrators only)."""

from webhooks.views.deliveries import delivery_detail, delivery_list, delivery_replay_view
from webhooks.views.docs import webhook_docs
from webhooks.views.endpoints import endpoint_create, endpoint_edit, endpoint_list, endpoint_ping, endpoint_rotate

__all__ = [
    "delivery_detail",
    "delivery_list",
    "delivery_replay_view",
    "endpoint_create",
    "endpoint_edit",
    "endpoint_list",
    "endpoint_ping",
    "endpoint_rotate",
    "webhook_docs",
]
