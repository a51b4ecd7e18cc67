"""Notification reads: per-channel configuration, the outbox, and the events that still owe an email."""

from notifications.selectors.configuration import (
    DEFAULT_LANGUAGE,
    KindRow,
    brand_of,
    channel_rows,
    kind_default_enabled,
    kind_enabled,
    kind_row,
    kind_rows,
    language_chain,
    settings_of,
    template_for,
)
from notifications.selectors.outbox import (
    notification_for_send,
    notifications_due,
    notifications_needing_attention,
    notifications_stuck_sending,
    order_notifications,
)
from notifications.selectors.owed import (
    CANCELLATION_KINDS,
    AtRisk,
    notifications_started_at,
    orders_owed_cancellation,
    orders_owed_confirmation,
    refunds_owed_email,
    shipments_at_risk,
    shipments_owed_shipped,
)

__all__ = [
    "CANCELLATION_KINDS",
    "DEFAULT_LANGUAGE",
    "AtRisk",
    "KindRow",
    "brand_of",
    "channel_rows",
    "kind_default_enabled",
    "kind_enabled",
    "kind_row",
    "kind_rows",
    "language_chain",
    "notification_for_send",
    "notifications_due",
    "notifications_needing_attention",
    "notifications_started_at",
    "notifications_stuck_sending",
    "order_notifications",
    "orders_owed_cancellation",
    "orders_owed_confirmation",
    "refunds_owed_email",
    "settings_of",
    "shipments_at_risk",
    "shipments_owed_shipped",
    "template_for",
]
