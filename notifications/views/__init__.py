"""The notification pages: channels and their switches, template editing with preview, an order's emails."""

from notifications.views.channels import channel_detail, index, kind_switch
from notifications.views.orders import notification_resend_view, order_notifications_view
from notifications.views.templates import template_edit, template_preview_view

__all__ = [
    "channel_detail",
    "index",
    "kind_switch",
    "notification_resend_view",
    "order_notifications_view",
    "template_edit",
    "template_preview_view",
]
