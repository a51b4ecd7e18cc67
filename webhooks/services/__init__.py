"""Writes of the webhooks app (import them from here): endpoints, the outbox, sending, alerts."""

from webhooks.services.alerts import endpoint_disabled_alert, endpoint_failure_count, endpoint_success
from webhooks.services.delivery import (
    Claim,
    deliveries_requeue,
    delivery_attempt,
    delivery_claim,
    delivery_record,
    delivery_replay,
    delivery_send,
    subscription_ping,
)
from webhooks.services.outbox import (
    event_record,
    events_publish,
    events_publish_all,
    stock_changes_collect,
    stock_changes_note,
)
from webhooks.services.subscriptions import (
    IssuedSecret,
    endpoint_url_check,
    secrets_in_use,
    subscribed_types,
    subscribed_types_forget,
    subscription_create,
    subscription_rotate_secret,
    subscription_update,
)
from webhooks.services.sweep import SweepReport, webhooks_sweep

__all__ = [
    "Claim",
    "IssuedSecret",
    "SweepReport",
    "deliveries_requeue",
    "delivery_attempt",
    "delivery_claim",
    "delivery_record",
    "delivery_replay",
    "delivery_send",
    "endpoint_disabled_alert",
    "endpoint_failure_count",
    "endpoint_success",
    "endpoint_url_check",
    "event_record",
    "events_publish",
    "events_publish_all",
    "secrets_in_use",
    "stock_changes_collect",
    "stock_changes_note",
    "subscribed_types",
    "subscribed_types_forget",
    "subscription_create",
    "subscription_ping",
    "subscription_rotate_secret",
    "subscription_update",
    "webhooks_sweep",
]
