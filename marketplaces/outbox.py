"""The stock outbox: inventory's stock change feed turned into pending pushes, per channel and SKU.

Inventory appends one `inventory.StockChange` row per changed (location, SKU) in the transaction
that changes the level (the one-statement reservation included), whether or not a channel lists
the SKU: inventory knows nothing of channels. This module joins the feed with the listings:

- `StockOutbox`, one row per (channel, SKU) with a `generation`: what the pushers claim.
  `outbox_coalesce()` moves the feed into it: `DELETE … WHERE id IN (SELECT … ORDER BY id
  LIMIT n FOR UPDATE SKIP LOCKED) RETURNING` chained into one upsert of the pending rows of
  the channels that list those SKUs, sync stock and are fed by the location, in (channel, SKU)
  order, in one statement. Feed rows are deleted only when the pending rows commit, so a
  coalescer that dies loses nothing, and coalescers running at once take disjoint feed rows;
  a change no channel cares about is simply consumed. The first change to reach a row in
  flight dates it no earlier than the claim. A feed row is dated when written, before its
  transaction commits, so one written before the claim can be coalesced while the push is in
  flight: dated earlier, it would be due before the pass ends and go out in a call of its own
  right after the batch. Dated at the claim, it waits for the next batch, at most the max wait
  counted from the claim, which came before its commit.

- The priority lane (`outbox_prioritise`, after each coalescing pass): a pending push that
  crosses zero or the buffer (the channel shows stock and we have none to spare, or shows 0
  and we have some again), or that lowers what the channel shows while it is in its last
  units (`urgent_push`), is made due at once and first, ahead of the ordinary changes a
  pusher holds to fill its batches.

Waking up: after a stock change commits, inventory sends `stock_levels_changed`; the receiver
(`coalesce_soon`) queues one coalescing pass per window (`coalesce_and_push_task`), which queues
a push for each channel that got pending rows. If the broker is down the beat re-drive
(`sync_redrive`) coalesces the feed itself: the rows are in the database.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, PositiveIntegerField, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from core.queueing import cache_add_or_true, queue_or_leave_to_beat
from inventory.models import StockChange
from marketplaces.availability import channels_available
from marketplaces.models import ChannelSync, Listing, PushState, StockOutbox
from marketplaces.tasks import coalesce_and_push_task, push_channel_task

logger = logging.getLogger(__name__)

#: The channels that list a changed SKU, sync stock and are fed by the location (`changed`: location_id, sku_id).
_LISTED_SQL = """
SELECT DISTINCT l.channel_id, changed.location_id, changed.sku_id
  FROM channels_listing l
  JOIN channels_channelsync s ON s.channel_id = l.channel_id AND s.sync_stock
  JOIN {source} ON changed.sku_id = l.sku_id
 WHERE NOT EXISTS (SELECT 1 FROM channels_channelsync_feeding_locations f WHERE f.channelsync_id = s.id)
    OR EXISTS (SELECT 1 FROM channels_channelsync_feeding_locations f
                WHERE f.channelsync_id = s.id AND f.location_id = changed.location_id)
"""


def _listed_portable(changed: list[tuple[int, int]]) -> set[tuple[int, int, int]]:
    """(channel_id, location_id, sku_id) for the synced channels that list and are fed by each change."""

    sku_ids = {sku for _, sku in changed}
    listings = Listing.objects.filter(sku_id__in=sku_ids, channel__sync__sync_stock=True).values_list(
        "channel_id", "sku_id", "channel__sync__id"
    )
    feeding: dict[int, set[int]] = {}
    for sync_id, location_id in ChannelSync.feeding_locations.through.objects.values_list(
        "channelsync_id", "location_id"
    ):
        feeding.setdefault(sync_id, set()).add(location_id)
    listed: set[tuple[int, int, int]] = set()
    for channel_id, sku_id, sync_id in listings:
        for location_id, changed_sku in changed:
            fed_by = feeding.get(sync_id)
            if changed_sku == sku_id and (fed_by is None or location_id in fed_by):
                listed.add((channel_id, location_id, sku_id))
    return listed


# --- Coalescing the feed into the outbox ---------------------------------------------------------

COALESCE_BATCH = 5000

_COALESCE_SQL = (
    """
WITH taken AS (
"""  # noqa: S608 (fixed SQL built from constants)
    """
    DELETE FROM inventory_stockchange
     WHERE id IN (SELECT id FROM inventory_stockchange ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
 RETURNING location_id, sku_id, created_at
), changed AS (
    SELECT location_id, sku_id, min(created_at) AS first_at FROM taken GROUP BY location_id, sku_id
), touched AS (
    SELECT channel_id, sku_id, min(first_at) AS first_at
      FROM ("""
    + _LISTED_SQL.format(source="changed").replace(
        "SELECT DISTINCT l.channel_id, changed.location_id, changed.sku_id",
        "SELECT l.channel_id, changed.sku_id, changed.first_at",
    )
    + """) AS listed
     GROUP BY channel_id, sku_id
), upserted AS (
    INSERT INTO channels_stockoutbox
           (channel_id, sku_id, generation, state, changed_at, next_attempt_at, attempts, last_error,
            claimed_generation, claim_token, force)
    SELECT channel_id, sku_id, 1, 'pending', first_at, now(), 0, '', 0, '', false
      FROM touched
     ORDER BY channel_id, sku_id
    ON CONFLICT (channel_id, sku_id) DO UPDATE
       SET generation = channels_stockoutbox.generation + 1,
           state = 'pending',
           changed_at = CASE
               WHEN channels_stockoutbox.state IN ('applied', 'failed')
               THEN LEAST(EXCLUDED.changed_at, now())
               WHEN channels_stockoutbox.state = 'in_flight'
                AND channels_stockoutbox.generation = channels_stockoutbox.claimed_generation
               THEN GREATEST(LEAST(EXCLUDED.changed_at, now()), channels_stockoutbox.claimed_at)
               ELSE channels_stockoutbox.changed_at END,
           next_attempt_at = CASE
               WHEN channels_stockoutbox.state IN ('applied', 'failed') THEN now()
               ELSE channels_stockoutbox.next_attempt_at END,
           attempts = CASE
               WHEN channels_stockoutbox.state IN ('applied', 'failed') THEN 0
               ELSE channels_stockoutbox.attempts END
    RETURNING channel_id
)
SELECT (SELECT count(*) FROM taken), ARRAY(SELECT DISTINCT channel_id FROM upserted)
"""
)


def outbox_coalesce(*, limit: int = COALESCE_BATCH, max_batches: int = 100) -> list[int]:
    """Move the stock change feed into pending outbox rows; returns the channel ids that got pending pushes.

    Each batch is one transaction and one statement: delete up to `limit` feed rows (oldest
    first, skipping rows another coalescer holds) and upsert the pending (channel, SKU) rows
    in (channel, SKU) order. A repeat change only bumps `generation`; an in-flight push then
    ends pending again (the newer value goes next). Safe to run concurrently and to repeat.
    """
    channel_ids: set[int] = set()
    for _batch in range(max_batches):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(_COALESCE_SQL, {"limit": limit})
                    taken, channels = cursor.fetchone()
            else:
                taken, channels = _coalesce_portable(limit)
        channel_ids.update(channels or [])
        if taken < limit:
            break
    if channel_ids:
        outbox_prioritise(sorted(channel_ids))
    return sorted(channel_ids)


# --- The priority lane: pushes that cross zero or the buffer, or lower the last units ----------------


def priority_lane_enabled() -> bool:
    return bool(getattr(settings, "CHANNELS_PRIORITY_LANE", True))


def crosses_zero(shown: int | None, available: int) -> bool:
    """True when the channel shows stock we no longer have to spare (available fell to 0: at or under
    the buffer) or shows 0 while we have some again: the pushes a flash sale cannot wait for."""
    return shown is not None and (shown > 0) != (available > 0)


def last_units_within(sync: ChannelSync) -> int:
    """Below how many units a lowering is urgent on this channel: its `split_below`, and at least
    settings.CHANNELS_PRIORITY_LAST_UNITS (a channel that does not split its last units sells them too)."""
    return max(sync.split_below, int(getattr(settings, "CHANNELS_PRIORITY_LAST_UNITS", 3)))


def urgent_push(shown: int | None, available: int, within: int) -> bool:
    """True for a push the priority lane takes: it crosses zero, or it lowers what the channel shows
    to `within` units or fewer. Every unit shown beyond what we have is one the marketplace can sell
    twice while the push waits in a batch; raises and ordinary lowerings wait in their batches."""
    if crosses_zero(shown, available):
        return True
    return shown is not None and available < shown and available <= within


def outbox_prioritise(channel_ids: list[int]) -> int:
    """Make the pending pushes that cross zero or the buffer, or lower a channel's last units, due at once
    and first; returns how many.

    A pusher holds ordinary changes until its batch fills or the oldest change has waited the
    channel's max wait, then claims oldest first. A crossing must not wait (meanwhile the
    marketplace sells units we do not have), nor must a lowering of the last units (each unit shown
    beyond what we have may be sold twice), so its row's `changed_at` goes back by the max
    wait: the hold releases it on the next look, the claim takes it before the queued ordinary
    changes, which ride along in the same batch call. Rows are locked in (channel, SKU) order,
    the coalescer's, so this never deadlocks with it. Off with settings.CHANNELS_PRIORITY_LANE.
    Every channel's rows are read and judged together (`availability.channels_available`): the
    statements do not grow with the number of channels a stock change reaches.
    """
    # The push engine imports this module: its settings are read here, at call time.
    from marketplaces.services.stock_sync.plan import push_max_wait  # noqa: PLC0415

    if not priority_lane_enabled():
        return 0
    now = timezone.now()
    syncs = {
        sync.channel_id: sync
        for sync in ChannelSync.objects.filter(channel_id__in=channel_ids, sync_stock=True).order_by("channel_id")
    }
    due_by = {channel_id: now - timedelta(seconds=push_max_wait(sync)) for channel_id, sync in syncs.items()}
    waiting: dict[int, dict[int, int]] = defaultdict(dict)
    if syncs:
        for channel_id, sku_id, pk, changed_at in StockOutbox.objects.filter(
            channel_id__in=list(syncs), state=PushState.PENDING, changed_at__gt=min(due_by.values())
        ).values_list("channel_id", "sku_id", "pk", "changed_at"):
            if changed_at > due_by[channel_id]:  # older rows are due already
                waiting[channel_id][sku_id] = pk
    if not waiting:
        return 0
    shown = {
        (channel_id, sku_id): quantity
        for channel_id, sku_id, quantity in Listing.objects.filter(
            channel_id__in=list(waiting), sku_id__in={sku_id for skus in waiting.values() for sku_id in skus}
        ).values_list("channel_id", "sku_id", "last_pushed_quantity")
    }
    available = channels_available([(syncs[channel_id], list(skus)) for channel_id, skus in waiting.items()])
    crossing: dict[int, list[int]] = {}
    for channel_id, skus in waiting.items():
        within, now_available = last_units_within(syncs[channel_id]), available[channel_id]
        crossing[channel_id] = [
            pk
            for sku_id, pk in skus.items()
            if urgent_push(shown.get((channel_id, sku_id)), now_available[sku_id], within)
        ]
    return _make_first(crossing, due_by)


def per_channel(moments: dict[int, datetime]) -> Case:
    """A row's moment by its channel, for one UPDATE over several channels' rows."""
    whens = [When(channel_id=channel_id, then=Value(at)) for channel_id, at in moments.items()]
    return Case(*whens, output_field=DateTimeField())


def _make_first(crossing: dict[int, list[int]], due_by: dict[int, datetime]) -> int:
    """Put these rows (per channel) just before their channel's due moment, so the hold releases them
    first; rows locked in (channel, SKU) order, the coalescer's. How many rows moved."""
    if not any(crossing.values()):
        return 0
    with transaction.atomic():
        locked = list(
            StockOutbox.objects.select_for_update()
            .filter(pk__in=[pk for pks in crossing.values() for pk in pks], state=PushState.PENDING)
            .order_by("channel_id", "sku_id")
            .values_list("channel_id", "pk", "changed_at")
        )
        made_first = [pk for channel_id, pk, changed_at in locked if changed_at > due_by[channel_id]]  # still waiting
        moved = StockOutbox.objects.filter(pk__in=made_first).update(
            changed_at=per_channel({channel_id: at - timedelta(milliseconds=1) for channel_id, at in due_by.items()})
        )
    return moved


def _coalesce_portable(limit: int) -> tuple[int, list[int]]:
    """The same with the ORM, for the embedded SQLite database (writers are serialised there)."""

    rows = list(StockChange.objects.order_by("id").values_list("id", "location_id", "sku_id", "created_at")[:limit])
    if not rows:
        return 0, []
    first: dict[tuple[int, int], datetime] = {}
    for _id, location_id, sku_id, created_at in rows:
        first.setdefault((location_id, sku_id), created_at)
    listed = _listed_portable(sorted(first))
    touched: dict[tuple[int, int], datetime] = {}
    for channel_id, location_id, sku_id in sorted(listed):
        at = first[(location_id, sku_id)]
        touched[(channel_id, sku_id)] = min(touched.get((channel_id, sku_id), at), at)
    now = timezone.now()
    settled = [PushState.APPLIED, PushState.FAILED]
    for (channel_id, sku_id), at in sorted(touched.items()):
        updated = StockOutbox.objects.filter(channel_id=channel_id, sku_id=sku_id).update(
            generation=F("generation") + 1,
            state=PushState.PENDING,
            changed_at=Case(
                When(state__in=settled, then=Value(at)),
                When(
                    state=PushState.IN_FLIGHT,
                    generation=F("claimed_generation"),
                    then=Greatest(Value(at), F("claimed_at")),
                ),
                default=F("changed_at"),
                output_field=DateTimeField(),
            ),
            next_attempt_at=Case(
                When(state__in=settled, then=Value(now)),
                default=F("next_attempt_at"),
                output_field=DateTimeField(),
            ),
            attempts=Case(
                When(state__in=settled, then=Value(0)), default=F("attempts"), output_field=PositiveIntegerField()
            ),
        )
        if not updated:
            StockOutbox.objects.create(channel_id=channel_id, sku_id=sku_id, changed_at=at, next_attempt_at=now)
    StockChange.objects.filter(id__in=[row[0] for row in rows]).delete()
    return len(rows), sorted({channel_id for channel_id, _ in touched})


# --- Queueing the push after commit ------------------------------------------------------------

_recently_queued: dict[int, int] = {}  # key -> the last window it queued in
_recently_lock = threading.Lock()
_COALESCE_KEY = "channels:coalesce-queued"


def push_soon_on_commit(channel_ids: Iterable[int]) -> None:
    """After the current transaction commits, queue a push for each channel (coalesced)."""
    ids = sorted(set(channel_ids))
    if ids:
        transaction.on_commit(functools.partial(push_soon, ids))


def coalesce_seconds() -> float:
    return float(getattr(settings, "CHANNELS_PUSH_COALESCE_SECONDS", 0.25))


def _first_in_window(key: int, cache_key: str, window: float, *, now: float | None = None) -> bool:
    """True for the first caller in this window, in this process and across processes (the cache).

    Windows are slices of the clock (`floor(time / window)`), so every process names the same
    one, and each has a cache key of its own: the cache expires keys in whole seconds, and one
    key per caller, kept a second, would let a window shorter than that queue only once a second.
    """
    index = math.floor((time.time() if now is None else now) / window)
    with _recently_lock:
        if _recently_queued.get(key) == index:
            return False
        _recently_queued[key] = index
    return cache_add_or_true(f"{cache_key}:{index}", timeout=math.ceil(window) + 1)


def push_soon(channel_ids: list[int], *, countdown: float | None = None) -> None:
    """Queue `push_channel_task` for each channel unless one is already queued in this window.

    The window (settings.CHANNELS_PUSH_COALESCE_SECONDS) is what turns many changes into one
    batched call; the push runs `countdown` seconds from now (default: the window). A broker
    failure is logged and left to the beat re-drive: the outbox row is already committed, so
    nothing is lost.
    """
    if not getattr(settings, "CHANNELS_QUEUE_PUSHES", True):
        return

    window = coalesce_seconds()
    for channel_id in channel_ids:
        if _first_in_window(channel_id, f"channels:push-queued:{channel_id}", window):
            queue_or_leave_to_beat(push_channel_task, channel_id, countdown=window if countdown is None else countdown)


def coalesce_soon() -> None:
    """Queue one pass of `coalesce_and_push_task` within the coalescing window.

    Called after every committed stock change: many changes in one window cost one pass. In
    eager mode (tests, no broker) the pass runs at once, every time: a countdown would not
    wait there, so throttling would drop work instead of batching it. A broker failure is
    logged; the beat re-drive coalesces the feed itself.
    """
    if not getattr(settings, "CHANNELS_QUEUE_PUSHES", True):
        return

    window = coalesce_seconds()
    if coalesce_and_push_task.app.conf.task_always_eager:
        coalesce_and_push_task.apply()
    elif _first_in_window(0, _COALESCE_KEY, window):
        queue_or_leave_to_beat(coalesce_and_push_task, countdown=window)
