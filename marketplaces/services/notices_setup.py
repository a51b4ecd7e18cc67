"""Setting up the marketplace's order notices: the subscription that makes it send to our queue.

A queue URL in the channel's credentials is only where we read; Amazon sends ORDER_CHANGE there
once the queue lets it and the seller is subscribed (`connectors.amazon.subscriptions`).
`order_notices_subscribe` does that and records the outcome on the channel (shown on its page,
and logged). When staff save the connection or press "Set up notifications" the request is
recorded and a worker runs it (`order_notices_setup_request`): the setup makes several calls that
may each wait on Amazon's rate limits, which no web request should sit through; the channel page
shows it in progress until it has run. The notice reader runs it too when a queue is configured
but not subscribed (every `RETRY_AFTER` at most), or a request was never picked up, so a setup
that failed on a transient error or before the marketplace could be reached completes by itself;
a working one is checked again daily.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from channels.models import Channel
from core.crypto import credentials_decrypt
from core.queueing import queue_on_commit_or_leave_to_beat
from core.safe_json import clean_text
from marketplaces.connectors import Connector, ConnectorError, connector_for
from marketplaces.connectors.amazon.subscriptions import AmazonSubscriptions
from marketplaces.models import ChannelSync, SyncKind, SyncLevel
from marketplaces.services.log import sync_log
from marketplaces.tasks import notices_setup_task

logger = logging.getLogger(__name__)

#: How long after a failed or missing setup the notice reader tries again by itself.
RETRY_AFTER = timedelta(minutes=10)
#: How often a working subscription is checked again.
RECHECK_AFTER = timedelta(days=1)
#: A setup staff asked for that no worker has started this long after is run by the notice reader.
REQUEST_UNSTARTED_AFTER = timedelta(minutes=2)
#: Why nothing can be set up: the marketplace has no notice queue; the connection names none.
NO_QUEUE_KIND = "{kind} has no order notice queue to set up."
NO_QUEUE = "Enter the ORDER_CHANGE queue URL and its AWS keys in the connection first."


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
            return NoticeSetup(False, NO_QUEUE_KIND.format(kind=channel.get_kind_display()))
        if not connector.notices_configured():
            return NoticeSetup(False, NO_QUEUE)
        return _subscribe(channel, connector)
    finally:
        if own:
            connector.close()


def notices_queue_configured(*, channel: Channel, sync: ChannelSync) -> bool:
    """True when the channel's connection names an order notice queue (Amazon's ORDER_CHANGE SQS queue)."""
    return (
        channel.kind == "amazon"
        and bool(sync.credentials_encrypted)
        and bool(credentials_decrypt(sync.credentials_encrypted).get("sqs_queue_url"))
    )


def order_notices_setup_request(*, channel: Channel, sync: ChannelSync) -> NoticeSetup | None:
    """Have a worker set up (or check) the channel's order notices now; the channel page shows it in
    progress until it has run. The request is recorded first, so one whose message is lost is run
    by the notice reader instead (`order_notices_subscribe_due`).

    Returns why nothing was queued (a channel with no queue to set up), else None.
    """
    if not notices_queue_configured(channel=channel, sync=sync):
        kind = channel.get_kind_display()
        return NoticeSetup(False, NO_QUEUE_KIND.format(kind=kind) if channel.kind != "amazon" else NO_QUEUE)
    ChannelSync.objects.filter(pk=sync.pk).update(notices_setup_requested_at=timezone.now())
    queue_on_commit_or_leave_to_beat(notices_setup_task, channel.pk)
    return None


def order_notices_setup_requested(*, channel_id: int) -> NoticeSetup | None:
    """Run the setup staff asked for with `order_notices_setup_request` (the worker's half); None
    when there is none left to run (another worker or the notice reader ran it)."""
    sync = (
        ChannelSync.objects.select_related("channel")
        .filter(channel_id=channel_id, notices_setup_requested_at__isnull=False)
        .first()
    )
    if sync is None:
        return None
    # Started: the notice reader leaves a check it sees started alone (see `order_notices_subscribe_due`).
    sync.notices_checked_at = timezone.now()
    ChannelSync.objects.filter(pk=sync.pk).update(notices_checked_at=sync.notices_checked_at)
    channel = sync.channel
    channel.sync = sync
    return _subscribe_recorded(channel, None, requested=sync.notices_setup_requested_at)


def order_notices_subscribe_due(*, channel: Channel, connector: Connector) -> None:
    """Set the subscription up when the queue is configured but not subscribed (at most every
    `RETRY_AFTER`), and check a working one again every `RECHECK_AFTER`: a subscription deleted
    in Seller Central or a queue policy edited in AWS would otherwise leave the queue silently empty.
    A setup staff asked for that no worker started within `REQUEST_UNSTARTED_AFTER` is run too."""
    sync = channel.sync
    now = timezone.now()
    # A failed check of a working subscription is tried again soon, not the next day.
    wait = RECHECK_AFTER if sync.notices_subscription_id and not sync.notices_error else RETRY_AFTER
    unstarted = Q(notices_setup_requested_at__lte=now - REQUEST_UNSTARTED_AFTER) & (
        Q(notices_checked_at__isnull=True) | Q(notices_checked_at__lt=F("notices_setup_requested_at"))
    )
    # Claim the check: readers overlap (a tick every few seconds), and only one may set up at a time.
    claimed = (
        ChannelSync.objects.filter(pk=sync.pk)
        .filter(Q(notices_checked_at__isnull=True) | Q(notices_checked_at__lte=now - wait) | unstarted)
        .update(notices_checked_at=now)
    )
    if not claimed:
        return
    # Read again: a request made since this reader loaded the channel is answered by this check.
    requested = ChannelSync.objects.filter(pk=sync.pk).values_list("notices_setup_requested_at", flat=True).first()
    _subscribe_recorded(channel, connector, requested=requested)


def order_notices_forget(*, sync: ChannelSync) -> None:
    """The queue or its keys changed: the recorded subscription no longer says where notices go."""
    ChannelSync.objects.filter(pk=sync.pk).update(
        notices_subscription_id="",
        notices_destination_id="",
        notices_checked_at=None,
        notices_error="",
        notices_setup_requested_at=None,  # a setup asked for the old queue; saving the new one asks again
    )


def _subscribe_recorded(channel: Channel, connector: Connector | None, *, requested: datetime | None) -> NoticeSetup:
    """`order_notices_subscribe`, with an unexpected fault recorded for staff rather than raised, and
    the request it answers (made at `requested`) marked done; a newer request stays to be run."""
    try:
        return order_notices_subscribe(channel=channel, connector=connector)
    except Exception as exc:  # a setup fault must not keep the queue from being read
        logger.exception("Order notices setup failed for channel %s", channel.pk)
        error = f"The setup failed unexpectedly ({exc.__class__.__name__}); it is tried again in a few minutes."
        ChannelSync.objects.filter(pk=channel.sync.pk).update(notices_error=error)
        sync_log(channel_id=channel.pk, kind=SyncKind.NOTICES, level=SyncLevel.ERROR, message=error)
        return NoticeSetup(False, error)
    finally:
        if requested is not None:
            ChannelSync.objects.filter(pk=channel.sync.pk, notices_setup_requested_at=requested).update(
                notices_setup_requested_at=None
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
