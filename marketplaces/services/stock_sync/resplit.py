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
from django.db.models import F, Max
from django.utils import timezone

from marketplaces.availability import channel_available
from marketplaces.last_units import keep_seconds
from marketplaces.models import ChannelSync, Listing, PushState, StockOutbox
from marketplaces.outbox import last_units_within, priority_lane_enabled, push_soon, urgent_push
from marketplaces.services.stock_sync.plan import push_max_wait
from marketplaces.unheard import unheard_sales


def kept_horizon() -> timedelta:
    """How old a push may be and still hold kept units this import could release: the keep window
    (`last_units.keep_seconds`), plus time for the import after it (the polling backstop imports
    every channel at least once a minute), with margin. Older pushes were released long ago."""
    return timedelta(seconds=keep_seconds()) + timedelta(minutes=8)


def resplit_others(channel_id: int) -> int:
    """Make due at once the other channels' pushes that the release of this channel's kept units
    lowered to their last units or to 0; returns how many rows were made due.

    No query beyond two when the channel was pushed no last units lately; otherwise two more,
    and one `channel_available` per other channel sharing those SKUs.
    """
    split_below = ChannelSync.objects.filter(sync_stock=True).aggregate(most=Max("split_below"))["most"] or 0
    if split_below <= 0:
        return 0
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
        return 0
    shown: dict[int, dict[int, int]] = defaultdict(dict)
    for other, sku_id, quantity in (
        Listing.objects.filter(
            sku_id__in=kept, removing=False, last_pushed_quantity__gt=0, channel__sync__sync_stock=True
        )
        .exclude(channel_id=channel_id)
        .values_list("channel_id", "sku_id", "last_pushed_quantity")
    ):
        shown[other][sku_id] = int(quantity or 0)  # filtered above 0
    return _lower_urgent(shown)


def lower_for_unheard() -> int:
    """Make due at once the pushes that sales not imported yet (`marketplaces.unheard`) lowered to a
    channel's last units or to 0; returns how many rows were made due.

    The estimate moves with every import on any channel, while no stock of the SKU changed on the
    others: without this a channel would go on showing units the others have probably sold until
    the SKU's next change. Three queries when nothing is held back; otherwise one more, and one
    `channel_available` per channel listing SKUs held back.
    """
    held = unheard_sales(None)
    if not held:
        return 0
    shown: dict[int, dict[int, int]] = defaultdict(dict)
    for channel_id, sku_id, quantity in Listing.objects.filter(
        sku_id__in=list(held), removing=False, last_pushed_quantity__gt=0, channel__sync__sync_stock=True
    ).values_list("channel_id", "sku_id", "last_pushed_quantity"):
        shown[channel_id][sku_id] = int(quantity or 0)
    return _lower_urgent(shown, held)


def _lower_urgent(shown: dict[int, dict[int, int]], held: dict[int, int] | None = None) -> int:
    """Per channel, of the SKUs it shows (quantity last pushed): make due the pushes the priority lane
    would take (`urgent_push`) and queue those channels; how many rows were made due. `held`: the
    estimate of sales not imported yet, when the caller read it already."""
    made_due = 0
    touched = []
    for sync in ChannelSync.objects.filter(channel_id__in=list(shown)).order_by("channel_id"):
        showing = shown[sync.channel_id]
        available = channel_available(sync, list(showing), held=held)
        within = last_units_within(sync)
        lowered = [
            sku_id
            for sku_id, quantity in showing.items()
            if available[sku_id] < quantity and urgent_push(quantity, available[sku_id], within)
        ]
        if lowered:
            made_due += _make_due(sync, lowered)
            touched.append(sync.channel_id)
    if touched:
        push_soon(touched)
    return made_due


def _make_due(sync: ChannelSync, sku_ids: list[int]) -> int:
    """The channel's rows of these SKUs pending, and due at once when the priority lane is on (its
    hold releases a row whose change has waited the max wait). Locked in (channel, SKU) order, the
    coalescer's; a row in flight is pushed again after its claim, as after any change."""
    now = timezone.now()
    due = now - timedelta(seconds=push_max_wait(sync)) - timedelta(milliseconds=1)
    changed_at = due if priority_lane_enabled() else now
    with transaction.atomic():
        rows = list(
            StockOutbox.objects.select_for_update()
            .filter(channel_id=sync.channel_id, sku_id__in=sku_ids)
            .order_by("channel_id", "sku_id")
            .values_list("pk", "state")
        )
        settled = [pk for pk, state in rows if state in (PushState.APPLIED, PushState.FAILED)]
        flying = [pk for pk, state in rows if state == PushState.IN_FLIGHT]
        StockOutbox.objects.filter(pk__in=settled).update(
            state=PushState.PENDING,
            generation=F("generation") + 1,
            changed_at=changed_at,
            next_attempt_at=now,
            attempts=0,
            last_error="",
        )
        # As the coalescer does: the claim in flight computed the old share, so it ends pending.
        StockOutbox.objects.filter(pk__in=flying).update(state=PushState.PENDING, generation=F("generation") + 1)
        # A row already pending keeps its place in line unless that makes it wait longer.
        StockOutbox.objects.filter(pk__in=[pk for pk, _state in rows], changed_at__gt=changed_at).exclude(
            pk__in=settled
        ).update(changed_at=changed_at)
    return len(rows)
