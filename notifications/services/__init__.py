"""Notification writes: recording owed emails, sending them once, resending, sweeps, staff configuration."""

from notifications.services.configuration import (
    SettingsInput,
    TemplateInput,
    language_clean,
    notification_settings_save,
    notification_switch_set,
    notification_template_reset,
    notification_template_save,
    template_preview,
)
from notifications.services.records import (
    notification_owe,
    notifications_enabled,
    order_cancellation_owe,
    order_cancellation_record,
    order_confirmation_owe,
    order_confirmation_record,
    pickup_expiry_owe,
    refund_issued_owe,
    refund_issued_record,
    shipment_delay_record,
    shipment_shipped_owe,
    shipment_shipped_record,
)
from notifications.services.resend import notification_resend
from notifications.services.sending import MAX_ATTEMPTS, SendFailed, backoff_seconds, notification_send
from notifications.services.sweeps import (
    CatchUp,
    notifications_catch_up,
    notifications_redrive,
    shipment_delays_detect,
)

__all__ = [
    "MAX_ATTEMPTS",
    "CatchUp",
    "SendFailed",
    "SettingsInput",
    "TemplateInput",
    "backoff_seconds",
    "language_clean",
    "notification_owe",
    "notification_resend",
    "notification_send",
    "notification_settings_save",
    "notification_switch_set",
    "notification_template_reset",
    "notification_template_save",
    "notifications_catch_up",
    "notifications_enabled",
    "notifications_redrive",
    "order_cancellation_owe",
    "order_cancellation_record",
    "order_confirmation_owe",
    "order_confirmation_record",
    "pickup_expiry_owe",
    "refund_issued_owe",
    "refund_issued_record",
    "shipment_delay_record",
    "shipment_delays_detect",
    "shipment_shipped_owe",
    "shipment_shipped_record",
    "template_preview",
]
