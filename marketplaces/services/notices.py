"""Order notices in: what a marketplace announces to its queue, kept until the order is imported.

`notices_pull` reads the channel's queue (Amazon's ORDER_CHANGE notifications in SQS, see
`marketplaces.connectors.notices`) until it is empty, stores the units each order announces as
`OrderNotice` rows, deletes the messages it stored, and has the stock sync look again at once:
those units are sold, so `marketplaces.unheard` holds them back from every channel until the
poll imports the order. It never imports an order itself (a notice has no address or prices).

The queue delivers at least once and in no particular order, so storing is idempotent: one row
per (order, SKU), set to what the latest notice read says; a cancelled order's rows go to 0 and
stay as a marker, so a late copy of its first notice cannot bring its units back. Rows of an
order the poll has imported, and rows a day old, are deleted on the next read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from channels.models import Channel
from core.safe_json import clean_text
from marketplaces.connectors import ConnectorError, connector_for
from marketplaces.connectors.notices import NoticeQueue, RemoteNotice
from marketplaces.models import (
    ChannelOrder,
    ChannelSync,
    CredentialStatus,
    Listing,
    OrderNotice,
    SyncEvent,
    SyncKind,
    SyncLevel,
)
from marketplaces.services.log import sync_log
from marketplaces.services.notices_setup import order_notices_subscribe_due
from marketplaces.services.stock_sync.caps import release_capped

#: Messages per read: SQS hands out 10 at a time; the next read takes what is left.
MAX_BATCHES = 20
#: How long an announced order's units are held back at most, should its import never come.
NOTICE_TTL = timedelta(days=1)
#: How long the same failure to read the queue is logged once.
REPEAT_LOG_AFTER = timedelta(minutes=15)


def notices_pull(*, channel_id: int) -> int:
    """Read the channel's order notice queue, store what it announces, delete what was stored; how
    many messages were read (0 when the channel has no queue)."""
    channel = Channel.objects.select_related("sync").get(pk=channel_id)
    if not channel.is_active or channel.sync.credential_status == CredentialStatus.EXPIRED:
        return 0
    connector = connector_for(channel)
    read, emptied, stored = 0, False, 0
    started = timezone.now()  # every notice queued before this is read once the queue answers empty
    try:
        if not isinstance(connector, NoticeQueue) or not connector.notices_configured():
            return 0
        # A queue nobody subscribed stays empty: set it up first (retried every few minutes).
        order_notices_subscribe_due(channel=channel, connector=connector)
        for _batch in range(MAX_BATCHES):
            notices = connector.receive_notices(10)
            if not notices:
                emptied = True
                break
            read += len(notices)
            stored += notices_store(channel=channel, notices=notices)
            connector.delete_notices([notice.receipt for notice in notices])
    except ConnectorError as exc:
        _log_once(
            channel,
            level=SyncLevel.WARNING if exc.retryable else SyncLevel.ERROR,
            message=f"Order notices could not be read: {clean_text(exc.message)}",
            action="" if exc.retryable else "Check the ORDER_CHANGE queue URL and its AWS keys.",
        )
    finally:
        connector.close()
    if emptied:
        ChannelSync.objects.filter(pk=channel.sync.pk).update(last_notices_ok_at=started)
    _forget_settled(channel)
    if stored:
        release_capped(channel.pk)  # the units they hold back lower the other channels at once
    return read


def notices_store(*, channel: Channel, notices: list[RemoteNotice]) -> int:
    """Store the units the notices announce (idempotent); how many order notices changed a row.

    Unreadable messages are logged and dropped (kept, they would come back forever); SKUs the
    channel does not list are left out (the order's import holds it with the reason).
    """
    for notice in notices:
        if notice.error:
            sync_log(
                channel_id=channel.pk,
                kind=SyncKind.PULL,
                level=SyncLevel.WARNING,
                message=f"Skipped a message of the order notice queue: {clean_text(notice.error)[:400]}",
            )
    orders = [notice for notice in notices if notice.external_id and not notice.error]
    if not orders:
        return 0
    ids = {notice.external_id for notice in orders}
    skus = dict(
        Listing.objects.filter(
            channel=channel, external_sku__in={sku for n in orders for sku, _units in n.lines}
        ).values_list("external_sku", "sku_id")
    )
    with transaction.atomic():
        imported = set(
            ChannelOrder.objects.filter(channel=channel, external_id__in=ids).values_list("external_id", flat=True)
        )
        cancelled = set(
            OrderNotice.objects.filter(channel=channel, external_id__in=ids, quantity=0).values_list(
                "external_id", flat=True
            )
        )
        rows: dict[tuple[str, int], OrderNotice] = {}  # the latest notice of the batch wins
        changed = 0
        for notice in orders:
            if notice.external_id in imported or notice.external_id in cancelled:
                continue
            units: dict[int, int] = defaultdict(int)
            for seller_sku, quantity in notice.lines:
                if seller_sku in skus:
                    units[skus[seller_sku]] += quantity
            placed = notice.placed_at or timezone.now()
            for sku_id, quantity in units.items():
                rows[(notice.external_id, sku_id)] = OrderNotice(
                    channel=channel,
                    external_id=notice.external_id,
                    sku_id=sku_id,
                    quantity=0 if notice.cancelled else quantity,
                    placed_at=placed,
                )
            if notice.cancelled:
                cancelled.add(notice.external_id)
            changed += bool(units)
        OrderNotice.objects.bulk_create(
            rows.values(),
            update_conflicts=True,
            unique_fields=["channel", "external_id", "sku"],
            update_fields=["quantity", "placed_at"],
        )
    return changed


def _log_once(channel: Channel, *, level: str, message: str, action: str) -> None:
    """Log a failure on the channel, unless the same failure was logged lately (the queue is read
    every few seconds: a broken one would fill the log)."""
    message = message[:500]
    recent = timezone.now() - REPEAT_LOG_AFTER
    if not SyncEvent.objects.filter(channel=channel, message=message, created_at__gte=recent).exists():
        sync_log(channel_id=channel.pk, kind=SyncKind.PULL, level=level, message=message, action=action)


def _forget_settled(channel: Channel) -> None:
    """Delete the rows of orders the poll has imported, and rows a day old."""
    imported = ChannelOrder.objects.filter(channel_id=OuterRef("channel_id"), external_id=OuterRef("external_id"))
    OrderNotice.objects.filter(channel=channel).filter(
        Q(Exists(imported)) | Q(noticed_at__lt=timezone.now() - NOTICE_TTL)
    ).delete()
