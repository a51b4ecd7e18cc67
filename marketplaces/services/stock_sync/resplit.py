"""When a channel's kept units are released, the other channels' last-unit shares are pushed at once.

In the last-unit split a channel we pushed last units to keeps them for a while
(`marketplaces.last_units.kept_allocations`); the other channels split only the rest. Once it
takes part in the split afresh, a channel that sells more lately takes back units another
channel was given: that channel's share drops, to 0 perhaps, although no stock changed. No stock
change means no outbox row is touched, so without this the lower share would reach the
marketplace only with the SKU's next change, while the marketplace goes on selling units we
have given to someone else.

So after every import on a channel (`caps.release_capped`) the other channels listing the SKUs
it was pushed lately are looked at again: a push the priority lane would take (it crosses zero
or lowers the last units, `marketplaces.outbox.urgent_push`) is made pending and due at once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from marketplaces.availability import channels_available
from marketplaces.last_units import keep_seconds
from marketplaces.models import ChannelSync, Listing, PushState, StockOutbox
from marketplaces.outbox import last_units_within, per_channel, priority_lane_enabled, push_soon, urgent_push
from marketplaces.services.stock_sync.plan import push_max_wait
from marketplaces.unheard import unheard_sales


def kept_horizon() -> timedelta:
    """How old a push may be and still hold kept units this import could release: the keep window
    (`last_units.keep_seconds`), plus time for the import after it (the polling backstop imports
    every channel at least once a minute), with margin. Older pushes were released long ago."""
    return timedelta(seconds=keep_seconds()) + timedelta(minutes=8)


def after_import(channel_id: int) -> int:
    """After an import on `channel_id`, make due at once the pushes the priority lane would take that
    the import moved while no stock changed; returns how many rows were made due.

    Two sources, looked at in one pass:
    - the other channels' shares of the SKUs this channel was pushed last units of lately, now
      that its kept units go back into the split;
    - every channel's SKUs that the estimate of sales not imported yet holds back: it moves with
      every import on any channel, while no stock of the SKU changed on the others, so without
      this a channel would go on showing units the others have probably sold until the SKU's
      next change.
    Each channel's available-to-sell is computed once, for both sets of its SKUs, and the estimate
    is read once for all of them: three queries when nothing is held back and the channel was
    pushed no last units lately, else a dozen or so however many channels are concerned
    (`availability.channels_available`), and the writes of the rows made due.
    """
    held = unheard_sales(None)
    shown = _released_shown(channel_id)
    for other, skus in _unheard_shown(held).items():
        shown[other].update(skus)
    return _lower_urgent(shown, held) if shown else 0


def _released_shown(channel_id: int) -> dict[int, dict[int, int]]:
    """Per other channel, what it shows of the SKUs this channel was pushed last units of lately."""
    shown: dict[int, dict[int, int]] = defaultdict(dict)
    split_below = ChannelSync.objects.filter(sync_stock=True).aggregate(most=Max("split_below"))["most"] or 0
    if split_below <= 0:
        return shown
    now = timezone.now()
    kept = list(
        Listing.objects.filter(
            channel_id=channel_id,
            removing=False,
            last_pushed_at__gte=now - kept_horizon(),
            last_pushed_quantity__lte=split_below,
        ).values_list("sku_id", flat=True)
    )
    if not kept:
        return shown
    for other, sku_id, quantity in (
        Listing.objects.filter(
            sku_id__in=kept, removing=False, last_pushed_quantity__gt=0, channel__sync__sync_stock=True
        )
        .exclude(channel_id=channel_id)
        .values_list("channel_id", "sku_id", "last_pushed_quantity")
    ):
        shown[other][sku_id] = int(quantity or 0)  # filtered above 0
    return shown


def _unheard_shown(held: dict[int, int]) -> dict[int, dict[int, int]]:
    """Per channel, what it shows of the SKUs the estimate of sales not imported yet holds back."""
    shown: dict[int, dict[int, int]] = defaultdict(dict)
    if not held:
        return shown
    for channel_id, sku_id, quantity in Listing.objects.filter(
        sku_id__in=list(held), removing=False, last_pushed_quantity__gt=0, channel__sync__sync_stock=True
    ).values_list("channel_id", "sku_id", "last_pushed_quantity"):
        shown[channel_id][sku_id] = int(quantity or 0)
    return shown


def _lower_urgent(shown: dict[int, dict[int, int]], held: dict[int, int] | None = None) -> int:
    """Per channel, of the SKUs it shows (quantity last pushed): make due the pushes the priority lane
    would take (`urgent_push`) and queue those channels; how many rows were made due. `held`: the
    estimate of sales not imported yet, when the caller read it already."""
    syncs = list(ChannelSync.objects.filter(channel_id__in=list(shown)).order_by("channel_id"))
    available = channels_available([(sync, list(shown[sync.channel_id])) for sync in syncs], held=held)
    lowering: dict[int, list[int]] = {}
    for sync in syncs:
        showing, now = shown[sync.channel_id], available[sync.channel_id]
        within = last_units_within(sync)
        lowered = [
            sku_id
            for sku_id, quantity in showing.items()
            if now[sku_id] < quantity and urgent_push(quantity, now[sku_id], within)
        ]
        if lowered:
            lowering[sync.channel_id] = lowered
    if not lowering:
        return 0
    made_due = _make_due({sync.channel_id: sync for sync in syncs}, lowering)
    push_soon(sorted(lowering))
    return made_due


def _make_due(syncs: dict[int, ChannelSync], lowering: dict[int, list[int]]) -> int:
    """Per channel, its rows of these SKUs pending, and due at once when the priority lane is on (its
    hold releases a row whose change has waited the channel's max wait). One transaction for every
    channel, rows locked in (channel, SKU) order, the coalescer's; a row in flight is pushed again
    after its claim, as after any change. How many rows."""
    now = timezone.now()
    lane = priority_lane_enabled()
    changed_at = {
        channel_id: now - timedelta(seconds=push_max_wait(syncs[channel_id]), milliseconds=1) if lane else now
        for channel_id in lowering
    }
    moment = per_channel(changed_at)
    wanted = Q()
    for channel_id, sku_ids in lowering.items():
        wanted |= Q(channel_id=channel_id, sku_id__in=sku_ids)
    with transaction.atomic():
        rows = list(
            StockOutbox.objects.select_for_update()
            .filter(wanted)
            .order_by("channel_id", "sku_id")
            .values_list("pk", "channel_id", "state", "changed_at")
        )
        settled = {pk for pk, _channel, state, _at in rows if state in (PushState.APPLIED, PushState.FAILED)}
        flying = [pk for pk, _channel, state, _at in rows if state == PushState.IN_FLIGHT]
        StockOutbox.objects.filter(pk__in=settled).update(
            state=PushState.PENDING,
            generation=F("generation") + 1,
            changed_at=moment,
            next_attempt_at=now,
            attempts=0,
            last_error="",
        )
        # As the coalescer does: the claim in flight computed the old share, so it ends pending.
        StockOutbox.objects.filter(pk__in=flying).update(state=PushState.PENDING, generation=F("generation") + 1)
        # A row already pending keeps its place in line unless that makes it wait longer.
        later = [pk for pk, channel_id, _state, at in rows if pk not in settled and at > changed_at[channel_id]]
        StockOutbox.objects.filter(pk__in=later).update(changed_at=moment)
    return len(rows)
