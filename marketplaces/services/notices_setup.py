"""Setting up the marketplace's order notices: the subscription that makes it send to our queue.

A queue URL in the channel's credentials is only where we read; Amazon sends ORDER_CHANGE there
once the queue lets it and the seller is subscribed (`connectors.amazon.subscriptions`).
`order_notices_subscribe` does that and records the outcome on the channel (shown on its page,
and logged). It runs when staff save the connection or press "Set up notifications", and from
the notice reader when a queue is configured but not subscribed (every `RETRY_AFTER` at most), so
a setup that failed on a transient error or before the marketplace could be reached completes by
itself; a working one is checked again daily.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from channels.models import Channel
from core.safe_json import clean_text
from marketplaces.connectors import Connector, ConnectorError, connector_for
from marketplaces.connectors.amazon.subscriptions import AmazonSubscriptions
from marketplaces.models import ChannelSync, SyncKind, SyncLevel
from marketplaces.services.log import sync_log

logger = logging.getLogger(__name__)

#: How long after a failed or missing setup the notice reader tries again by itself.
RETRY_AFTER = timedelta(minutes=10)
#: How often a working subscription is checked again.
RECHECK_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class NoticeSetup:
    """What staff are told after a setup: whether notices will arrive, and in words why (not)."""

    ok: bool
    message: str


def order_notices_subscribe(*, channel: Channel, connector: Connector | None = None) -> NoticeSetup:
    """Make the channel's marketplace send its order notices to the channel's queue; record the outcome.

    Safe to repeat: every step first checks what is in place. A channel with no queue, or a
    marketplace without notices, is told so and nothing is called.
    """
    own = connector is None
    connector = connector or connector_for(channel)
    try:
        if not isinstance(connector, AmazonSubscriptions):
            return NoticeSetup(False, f"{channel.get_kind_display()} has no order notice queue to set up.")
        if not connector.notices_configured():
            return NoticeSetup(False, "Enter the ORDER_CHANGE queue URL and its AWS keys in the connection first.")
        return _subscribe(channel, connector)
    finally:
        if own:
            connector.close()


def order_notices_subscribe_due(*, channel: Channel, connector: Connector) -> None:
    """Set the subscription up when the queue is configured but not subscribed (at most every
    `RETRY_AFTER`), and check a working one again every `RECHECK_AFTER`: a subscription deleted
    in Seller Central or a queue policy edited in AWS would otherwise leave the queue silently empty."""
    sync = channel.sync
    now = timezone.now()
    # A failed check of a working subscription is tried again soon, not the next day.
    wait = RECHECK_AFTER if sync.notices_subscription_id and not sync.notices_error else RETRY_AFTER
    # Claim the check: readers overlap (a tick every few seconds), and only one may set up at a time.
    claimed = (
        ChannelSync.objects.filter(pk=sync.pk)
        .filter(Q(notices_checked_at__isnull=True) | Q(notices_checked_at__lte=now - wait))
        .update(notices_checked_at=now)
    )
    if not claimed:
        return
    try:
        order_notices_subscribe(channel=channel, connector=connector)
    except Exception as exc:  # a setup fault must not keep the queue from being read
        logger.exception("Order notices setup failed for channel %s", channel.pk)
        error = f"The setup failed unexpectedly ({exc.__class__.__name__}); it is tried again in a few minutes."
        ChannelSync.objects.filter(pk=sync.pk).update(notices_error=error)
        sync_log(channel_id=channel.pk, kind=SyncKind.NOTICES, level=SyncLevel.ERROR, message=error)


def order_notices_forget(*, sync: ChannelSync) -> None:
    """The queue or its keys changed: the recorded subscription no longer says where notices go."""
    ChannelSync.objects.filter(pk=sync.pk).update(
        notices_subscription_id="", notices_destination_id="", notices_checked_at=None, notices_error=""
    )


def _subscribe(channel: Channel, connector: AmazonSubscriptions) -> NoticeSetup:
    now = timezone.now()
    sync = ChannelSync.objects.filter(pk=channel.sync.pk)
    try:
        subscription = connector.subscribe_order_change()
    except ConnectorError as exc:
        error = clean_text(exc.message)[:500]
        # A transient failure says nothing of a subscription that worked; a refusal means none works.
        cleared = {} if exc.retryable else {"notices_subscription_id": ""}
        sync.update(notices_checked_at=now, notices_error=error, **cleared)
        retry = " It is tried again in a few minutes." if exc.retryable else ""
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.NOTICES,
            level=SyncLevel.WARNING if exc.retryable else SyncLevel.ERROR,
            message=f"Order notices could not be set up: {error}",
            action="" if exc.retryable else "Fix what the message says, then press “Set up notifications”.",
            calls=connector.calls,
        )
        return NoticeSetup(False, f"Amazon's order notifications are not set up: {error}{retry}")
    warning = " ".join(subscription.warnings)
    sync.update(
        notices_subscription_id=subscription.subscription_id,
        notices_destination_id=subscription.destination_id,
        notices_subscribed_at=now if subscription.steps else channel.sync.notices_subscribed_at or now,
        notices_checked_at=now,
        notices_error=warning[:500],
    )
    done = "; ".join(subscription.steps) or "everything was already in place"
    sync_log(
        channel_id=channel.pk,
        kind=SyncKind.NOTICES,
        level=SyncLevel.WARNING if warning else SyncLevel.INFO,
        message=f"ORDER_CHANGE notifications go to {subscription.queue_arn}: {done}.",
        action=warning,
        calls=connector.calls,
        data={"subscription_id": subscription.subscription_id, "destination_id": subscription.destination_id},
    )
    told = f"Amazon sends ORDER_CHANGE notifications to your queue ({done})."
    return NoticeSetup(True, f"{told} {warning}" if warning else told)
