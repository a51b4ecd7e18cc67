"""A channel's last units are never given back to it before its own sales of them are imported.

Pushes set absolute quantities computed from our ledger. A sale the marketplace already made
but our intake has not imported yet (a webhook in flight, an order not polled yet) is not in
the ledger, so a push that raises the channel's quantity (another channel's sale re-split the
last units, see `marketplaces.last_units`) would give it back the unit it already sold, and it
would sell that unit twice. So while a SKU is in last-unit mode (the quantity to show is at or
below the channel's `split_below` and another channel sells the same units):

- a push may lower what the channel shows at any time;
- it may raise it above what was last pushed only once the channel's orders are known to be
  imported up to after that push: a successful poll that began after it
  (`ChannelSync.last_pull_ok_at`) or, on a channel that delivers webhooks, no delivery waiting
  to be processed and the webhook grace (settings.CHANNELS_WEBHOOK_GRACE_SECONDS) passed since
  it (a webhook still in flight at the marketplace is not in our table yet).

A capped row costs no call: the channel keeps showing what it shows, and the row is marked
applied with `CAPPED_NOTE`. It is not lost: every import on the channel (a successful poll, a
processed webhook) makes the channel's capped rows due again (`release_capped`), and the
polling backstop imports every channel at least once a minute.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone

from channels.models import Channel
from marketplaces.connectors import Connector
from marketplaces.connectors.base import Connector as BaseConnector
from marketplaces.last_units import shared_skus
from marketplaces.models import ChannelSync, DeliveryStatus, Listing, PushState, StockOutbox, WebhookDelivery
from marketplaces.outbox import push_soon
from marketplaces.services.stock_sync.claims import owned_row_ids

CAPPED_NOTE = "Shown quantity held until the channel's orders since the last push are imported."


def webhook_grace_seconds() -> float:
    """How long a webhook may be in flight at the marketplace (settings.CHANNELS_WEBHOOK_GRACE_SECONDS)."""
    return float(getattr(settings, "CHANNELS_WEBHOOK_GRACE_SECONDS", 5.0))


def takes_webhooks(connector: Connector) -> bool:
    """True when the marketplace announces its orders by webhook (else they are only polled)."""
    return type(connector).verify_webhook is not BaseConnector.verify_webhook


def imports_known_until(channel: Channel, connector: Connector) -> datetime | None:
    """The moment up to which every order the channel sold is known to be imported (None: unknown).

    One query for the poll health, one more on a channel that delivers webhooks.
    """
    known = ChannelSync.objects.filter(channel_id=channel.pk).values_list("last_pull_ok_at", flat=True).first()
    if takes_webhooks(connector):
        now = timezone.now()
        clear = now - timedelta(seconds=webhook_grace_seconds())
        oldest = WebhookDelivery.objects.filter(channel_id=channel.pk, status=DeliveryStatus.RECEIVED).aggregate(
            at=Min("received_at")
        )["at"]
        if oldest is not None:
            clear = min(clear, oldest)
        known = clear if known is None else max(known, clear)
    return known


def cap_raises(
    channel: Channel,
    connector: Connector,
    rows: list[StockOutbox],
    listings: dict[int, Listing],
    quantities: dict[int, int],
    feeding_ids: list[int],
) -> list[StockOutbox]:
    """Hold at what the channel shows the last-unit raises its unimported sales could undo; the rows held.

    Lowers `quantities` in place for the held rows (to the quantity last pushed). No query when
    no row raises a last-unit quantity; two to find the shared SKUs, one or two for the imports.
    """
    split_below = channel.sync.split_below
    if split_below <= 0:
        return []
    raising = []
    for row in rows:
        listing, quantity = listings[row.sku_id], quantities[row.sku_id]
        shown = listing.last_pushed_quantity
        if shown is None or listing.last_pushed_at is None or listing.removing:
            continue  # never pushed: nothing the channel sold from us yet
        if shown < quantity <= split_below:
            raising.append(row)
    if not raising:
        return []
    shared = shared_skus(channel.sync, [row.sku_id for row in raising], feeding_ids)
    raising = [row for row in raising if row.sku_id in shared]  # a channel alone re-splits nothing
    if not raising:
        return []
    known = imports_known_until(channel, connector)
    held = [row for row in raising if known is None or known <= listings[row.sku_id].last_pushed_at]  # type: ignore[operator]
    for row in held:
        quantities[row.sku_id] = listings[row.sku_id].last_pushed_quantity  # type: ignore[assignment]
    return held


def mark_capped(rows: list[StockOutbox]) -> None:
    """Applied with `CAPPED_NOTE` (pending if a change arrived since the claim), for the rows this claim owns."""
    if not rows:
        return
    with transaction.atomic():
        pks = owned_row_ids(rows)
        if not pks:
            return
        now = timezone.now()
        StockOutbox.objects.filter(pk__in=pks, generation=F("claimed_generation")).update(
            state=PushState.APPLIED, applied_at=now, next_attempt_at=now, attempts=0, last_error=CAPPED_NOTE
        )
        StockOutbox.objects.filter(pk__in=pks).exclude(generation=F("claimed_generation")).update(
            state=PushState.PENDING, next_attempt_at=now, last_error=CAPPED_NOTE
        )


def release_capped(channel_id: int) -> int:
    """Make the channel's capped rows due again (its orders were just imported); how many.

    Called after every import on the channel; queues a push when any row was released.
    """
    now = timezone.now()
    with transaction.atomic():
        pks = list(
            StockOutbox.objects.select_for_update()
            .filter(channel_id=channel_id, state=PushState.APPLIED, last_error=CAPPED_NOTE)
            .order_by("channel_id", "sku_id")
            .values_list("pk", flat=True)
        )
        if not pks:
            return 0
        released = StockOutbox.objects.filter(pk__in=pks).update(
            state=PushState.PENDING,
            generation=F("generation") + 1,
            changed_at=now,
            next_attempt_at=now,
            last_error="",
        )
    push_soon([channel_id])
    return released
