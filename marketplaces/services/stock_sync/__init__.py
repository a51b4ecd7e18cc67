"""Pushing stock to channels from the outbox, and reconciling what they show.

`channel_push(channel_id=..., hold=True)` is what the worker runs (Celery task `push_channel_task`):

0. With `hold`, a channel is flushed only when its due SKUs fill a batch (then only whole
   batches go) or when its oldest pending change has waited the channel's *max wait*
   (`ChannelSync.push_max_wait`, else settings.CHANNELS_PUSH_MAX_WAIT_SECONDS); whole batches
   go early only when they carry CHANNELS_PUSH_FILL_SKUS SKUs (a burst, a re-sync): a batch API
   gets few, full calls, and no change waits longer than the max wait before it is sent. The
   report says when to look again (`next_check`); the task re-queues itself for then.
1. One pusher per channel at a time (a cache lock with a lease), so pushes to one channel
   never overtake each other.
2. Claim due rows (pending, or in flight past their lease: a worker died mid-push) in one
   short transaction: state `in_flight`, `claimed_generation = generation`.
3. Compute each SKU's channel quantity *now* from the ledger-backed ATP (so many changes
   become one absolute value), skip those the channel already shows (unless re-syncing),
   and push the rest in batches of the connector's batch size, each call through the
   channel's shared token bucket. Amazon: more than `CHANNELS_AMAZON_FEED_THRESHOLD` SKUs
   due and the Feeds plans allowing one now -> one JSON_LISTINGS_FEED for all of them (its
   processing report says which failed); else one patchListingsItem per SKU.
4. Mark each row: applied if no change arrived since the claim (else pending again, to push
   the newer value), pending with backoff on a retryable failure or throttle (Retry-After
   honoured), failed with the channel's reason on a permanent one. Expired credentials stop
   the run and mark the channel; nothing is lost, the rows stay pending.

No database lock is held while calling the marketplace: a slow or throttling marketplace must not block orders.
"""

from marketplaces.services.stock_sync.plan import (
    PushReport,
    amazon_feed_threshold,
    backoff_seconds,
    claim_lease_seconds,
    flush_plan,
    push_fill_skus,
    push_max_wait,
)
from marketplaces.services.stock_sync.push import channel_push
from marketplaces.services.stock_sync.reconcile import channel_reconcile, channel_resync

__all__ = [
    "PushReport",
    "amazon_feed_threshold",
    "backoff_seconds",
    "channel_push",
    "channel_reconcile",
    "channel_resync",
    "claim_lease_seconds",
    "flush_plan",
    "push_fill_skus",
    "push_max_wait",
]
