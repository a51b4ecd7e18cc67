"""A channel's last units are never given back to it before its own sales of them are imported.

Pushes set absolute quantities computed from our ledger. A sale the marketplace already made
but our intake has not imported yet (a webhook in flight, an order not polled yet) is not in
the ledger, so a push that raises the channel's quantity (another channel's sale re-split the
last units, see `marketplaces.last_units`) would give it back the unit it already sold, and it
would sell that unit twice. So while a SKU is in last-unit mode (the quantity to show is at or
below the channel's `split_below` and another channel sells the same units):

- a push may lower what the channel shows to 0, or below the units it keeps in the split, at
  any time;
- it may raise it above what was last pushed, or lower it to the units it keeps (what we pushed
  less its own sales imported since: the marketplace already counted those, and the ones not
  imported yet too, which a push of that absolute quantity would show again), only once the
  channel takes part in the split afresh (`marketplaces.last_units.kept_allocations`): its
  orders are known to be imported up to after that push (a successful poll that began after it,
  `ChannelSync.last_pull_ok_at`, or, on a channel that delivers webhooks, no delivery waiting to
  be processed and the webhook grace, settings.CHANNELS_WEBHOOK_GRACE_SECONDS, passed since it)
  and it sold all it was given, or the push is settings.CHANNELS_LAST_UNITS_KEEP_SECONDS old.

A capped row costs no call: the channel keeps showing what it shows, and the row is marked
applied with `CAPPED_NOTE`. It is not lost: every import on the channel (a successful poll, a
processed webhook) makes the channel's capped rows due again (`release_capped`), and the
polling backstop imports every channel at least once a minute.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from marketplaces.connectors import Connector
from marketplaces.last_units import kept_allocations, shared_skus
from marketplaces.listing_reads import ListingReads
from marketplaces.models import Listing, PushState, StockOutbox
from marketplaces.outbox import push_soon
from marketplaces.services.stock_sync.claims import owned_row_ids
from marketplaces.services.stock_sync.resplit import after_import

CAPPED_NOTE = "Shown quantity held until the channel's orders since the last push are imported."


def cap_raises(
    channel: Channel,
    connector: Connector,
    rows: list[StockOutbox],
    listings: dict[int, Listing],
    quantities: dict[int, int],
    feeding_ids: list[int],
    keeps: dict[int, int],
) -> list[StockOutbox]:
    """Hold at what the channel shows the last-unit pushes its unimported sales could undo; the rows held.

    Held, while the channel keeps last units of a shared SKU (`last_units.kept_allocations`: what
    we pushed less its sales imported since, until its orders are in and it sold them all or the
    push is old): a raise, and a lowering to the units it keeps, since either would show again
    units it may have sold. A push to 0, or a lowering when the kept units no longer fit in what
    is left (`last_units.last_unit_splits`), goes. A row left at what the channel shows because it
    keeps those units is held too (no call either way): its next import makes it due again, when
    the channel may take part in the split afresh. Lowers
    `quantities` in place for the held rows (to the quantity last pushed). `keeps`: what the
    channel keeps per SKU in the split that computed `quantities`
    (`availability.channel_available_and_keeps`). No query when no row has a last-unit
    quantity; two to find the shared SKUs, two or three more for what the channel keeps.
    """
    split_below = channel.sync.split_below
    if split_below <= 0:
        return []
    changing = []
    for row in rows:
        listing, quantity = listings[row.sku_id], quantities[row.sku_id]
        shown = listing.last_pushed_quantity
        if shown is None or listing.last_pushed_at is None or listing.removing:
            continue  # never pushed: nothing the channel sold from us yet
        if 0 < quantity <= split_below:  # unchanged too: what it keeps is re-driven by its next import
            changing.append(row)
    if not changing:
        return []
    reads = ListingReads(row.sku_id for row in changing)  # the listings, read once for both questions
    shared = shared_skus(channel.sync, reads.sku_ids, feeding_ids, reads=reads)
    changing = [row for row in changing if row.sku_id in shared]  # a channel alone re-splits nothing
    if not changing:
        return []
    sku_ids = [row.sku_id for row in changing]
    kept = kept_allocations([channel.pk], sku_ids, reads=reads)
    held = []
    for row in changing:
        shown, quantity = listings[row.sku_id].last_pushed_quantity, quantities[row.sku_id]
        if (channel.pk, row.sku_id) not in kept:
            continue  # it takes part in the split afresh (see `last_units`)
        if quantity > shown or quantity >= keeps.get(row.sku_id, quantity + 1):  # type: ignore[operator]
            held.append(row)
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

    Called after every import on the channel; queues a push when any row was released. The other
    channels' shares its kept units were taken from are looked at again first (`resplit`).
    """
    # Its kept units go back into the split whether or not a row of its own was held, and the
    # sales it may still owe us are estimated afresh.
    after_import(channel_id)
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
