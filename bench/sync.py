#!/usr/bin/env python
"""Channel stock sync under load: 10,000 stock changes over 500 SKUs on 4 sandbox marketplaces.

Run with `make bench-sync` (or `.venv/bin/python bench/sync.py --help`). Needs PostgreSQL on
this machine: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fulfil_bench_sync; created
and migrated if missing). Uses Redis for the shared rate-limit buckets when REDIS_URL is set.

Set-up: one warehouse, 500 SKUs listed on Shopify, Amazon, eBay and WooCommerce sandboxes
(in-process, reached through the sandbox transport), first synced fully. Then producer threads
make `--changes` stock changes through the real services (receipts, and reservations on the
PostgreSQL one-statement fast path), SKUs drawn from a Zipf law (bestsellers change most),
while one pusher per channel looks at its channel every `--tick` seconds and runs
`marketplaces.services.stock_sync.channel_push(hold=True)` as the Celery task does: a channel is
flushed when its pending SKUs fill a batch or its oldest change has waited the max wait.

Every sandbox runs at the marketplace's real default limits: Shopify's cost bucket (2,000
points restored at 100/s, Standard plan), Amazon's usage plans (patchListingsItem 5/s burst
10; Feeds createFeedDocument 0.5/s burst 15, createFeed 0.0083/s burst 15, getFeed 2/s burst
15, getFeedDocument 0.0222/s burst 10), eBay's daily quota (and 50/s burst), WooCommerce's
host limit as configured (25/s burst 50). `--amazon-rps` raises Amazon's patch plan (off by
default). Amazon's feed processing takes `--feed-delay` seconds here (minutes on Amazon).

Printed, per channel and in total:
- calls made (every HTTP request to the marketplace but the LWA token exchange; Amazon's
  feed document uploads and downloads count), and the **minimum**: the change stream cut into
  5-second windows (the latency target); per window, ceil(distinct SKUs changed in it /
  batch size) calls; summed. Amazon's "batch" is the cheaper of one patchListingsItem per SKU
  and one feed (6 calls: createFeedDocument, upload, createFeed, getFeed, getFeedDocument,
  report download) — a lower bound its Feeds usage plan may not allow window after window;
- p50/p95/max time from a change's commit to the sandbox showing a value computed after it,
  observed from outside the product: a watcher thread reads the outbox rows (claimed at, marked
  at) and the listings' last push every 20 ms, as an operator's monitor would;
- lost updates: (channel, SKU) pairs whose sandbox quantity differs from the channel's
  available-to-sell once everything is pushed (must be 0).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fulfil_bench_sync"
KINDS = ("shopify", "amazon", "ebay", "woocommerce")


def database_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql") or parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("bench/sync.py needs PostgreSQL on this machine (DATABASE_URL=postgres://...@127.0.0.1/...).")
    return url


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def fresh_from_template(url: str) -> bool:
    """Re-create the bench database, from its migrated template when one exists; True if it must be migrated."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [f"{name}_template"]).fetchone()
        if not found:
            ensure_database(url)
            return True
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(f"{name}_template"))
        )
    return False


def save_template(url: str) -> None:
    """Keep a copy of the freshly migrated database as the template of the next runs."""
    import psycopg
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(f"{name}_template"), sql.Identifier(name))
        )


def main() -> int:
    if "--flash-sale" in sys.argv[1:]:  # its own scenario: marketplaces selling what they show
        from bench.sync_flash import main as flash_sale

        return flash_sale(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--skus", type=int, default=500)
    parser.add_argument("--rate", type=float, default=125.0, help="stock changes per second (all producers)")
    parser.add_argument("--producers", type=int, default=4)
    parser.add_argument("--tick", type=float, default=0.25, help="seconds between looks at a channel")
    parser.add_argument("--max-wait", type=float, default=None, help="max wait of every channel (default: settings)")
    parser.add_argument("--amazon-max-wait", type=float, default=None, help="Amazon's own max wait")
    parser.add_argument("--amazon-rps", type=float, default=None, help="raise Amazon's patchListingsItem plan (req/s)")
    parser.add_argument("--feed-delay", type=float, default=2.0, help="seconds the Amazon sandbox takes per feed")
    parser.add_argument("--no-feeds", action="store_true", help="Amazon by patchListingsItem only")
    parser.add_argument("--zipf", type=float, default=1.1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    url = database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.conf import settings
    from django.db import close_old_connections, connection

    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_QUEUE_PUSHES = False  # the pushers below are the workers
    settings.DEBUG = False

    from django.utils import timezone

    from inventory.models import SKU, Location, LocationKind
    from inventory.services import StockLine, stock_receive, stock_reserve
    from inventory.services.stock import DocumentRef
    from marketplaces.availability import channel_available
    from marketplaces.models import Listing, PushState, StockOutbox
    from marketplaces.services.stock_sync import channel_push
    from tests.factories.channels import sandbox_channel

    rng = random.Random(args.seed)
    print(f"Setting up {args.skus} SKUs on {len(KINDS)} sandbox channels…", flush=True)
    location = Location.objects.create(
        code="bench-dc", name="Bench DC", kind=LocationKind.WAREHOUSE, postal_code="10001"
    )
    skus = SKU.objects.bulk_create([SKU(code=f"BS-{n:04d}", name=f"Bench item {n}") for n in range(args.skus)])
    for sku in skus:
        stock_receive(location=location, sku=sku, quantity=1000, actor=None)
    channels = []
    if args.no_feeds:
        settings.CHANNELS_AMAZON_FEED_THRESHOLD = 10**9
    sync_fields = {} if args.max_wait is None else {"push_max_wait": args.max_wait}
    for kind in KINDS:
        fields = dict(sync_fields)
        if kind == "amazon" and args.amazon_max_wait is not None:
            fields["push_max_wait"] = args.amazon_max_wait
        channel, sandbox = sandbox_channel(kind, skus=skus, code=f"bench-{kind}", **fields)
        if kind == "amazon":
            sandbox.feed_processing_delay = args.feed_delay
            if args.amazon_rps:
                sandbox.set_plan("patchListingsItem", args.amazon_rps, args.amazon_rps * 2)
        channels.append((channel, sandbox))
    for channel, _ in channels:  # the initial full sync is not measured
        channel_push(channel_id=channel.pk, max_wait=600)
    base_calls = {channel.pk: len(sandbox.calls) for channel, sandbox in channels}

    # --- Measurement -----------------------------------------------------------------------
    pushes: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)  # (channel, sku) -> (claimed, done)
    sent_updates: dict[int, int] = defaultdict(int)
    lock = threading.Lock()
    stop_watching = threading.Event()
    channel_ids = [channel.pk for channel, _ in channels]

    def watcher() -> None:
        """Observe the pushes from outside, as an operator's monitor would: every 20 ms, read the
        outbox rows marked since the last look (claimed at, done at) and the listings whose pushed
        value changed (an update the channel received). A row claimed and marked twice within one
        look counts once, at its later push: that can only make latency look worse."""
        close_old_connections()
        seen_rows: set[tuple[int, int, object]] = set()
        seen_sent: set[tuple[int, object]] = set()
        since = timezone.now()
        while True:
            last_look = stop_watching.is_set()
            now = timezone.now()
            marked = StockOutbox.objects.filter(channel_id__in=channel_ids, applied_at__gte=since).values_list(
                "channel_id", "sku_id", "claimed_at", "applied_at"
            )
            sent = Listing.objects.filter(channel_id__in=channel_ids, last_pushed_at__gte=since).values_list(
                "pk", "channel_id", "last_pushed_at"
            )
            with lock:
                for channel_id, sku_id, claimed_at, applied_at in marked:
                    if claimed_at and applied_at and (channel_id, sku_id, applied_at) not in seen_rows:
                        seen_rows.add((channel_id, sku_id, applied_at))
                        pushes[(channel_id, sku_id)].append((claimed_at.timestamp(), applied_at.timestamp()))
                for listing_id, channel_id, pushed_at in sent:
                    if (listing_id, pushed_at) not in seen_sent:
                        seen_sent.add((listing_id, pushed_at))
                        sent_updates[channel_id] += 1
            since = now - timedelta(seconds=1)  # overlap: a row marked while we read is seen next time
            if last_look:
                break
            time.sleep(0.02)
        connection.close()

    weights = [1 / (rank + 1) ** args.zipf for rank in range(len(skus))]
    plan = rng.choices(range(len(skus)), weights=weights, k=args.changes)
    changes: list[tuple[float, int]] = []
    done_producing = threading.Event()

    def producer(index: int) -> None:
        close_old_connections()
        mine = plan[index :: args.producers]
        interval = args.producers / args.rate
        start = time.time()
        local_rng = random.Random(args.seed + index)
        for n, sku_index in enumerate(mine):
            delay = start + n * interval - time.time()
            if delay > 0:
                time.sleep(delay)
            sku = skus[sku_index]
            if local_rng.random() < 0.5:
                stock_receive(location=location, sku=sku, quantity=local_rng.randint(1, 3), actor=None)
            else:
                stock_reserve(
                    location=location,
                    lines=[StockLine(sku.pk, 1)],
                    actor=None,
                    document=DocumentRef("bench", f"{index}-{n}"),
                )
            with lock:
                changes.append((time.time(), sku.pk))
        connection.close()

    def pusher(channel_id: int) -> None:
        close_old_connections()
        while True:
            finished = done_producing.is_set()
            channel_push(channel_id=channel_id, max_wait=600, hold=True)
            if (
                finished
                and not StockOutbox.objects.filter(channel_id=channel_id).exclude(state=PushState.APPLIED).exists()
            ):
                break
            time.sleep(args.tick)
        connection.close()

    print(
        f"Applying {args.changes:,} changes at {args.rate:g}/s with {args.producers} producers; "
        f"each channel looked at every {args.tick:g} s…",
        flush=True,
    )
    began = time.time()
    producers = [threading.Thread(target=producer, args=(i,)) for i in range(args.producers)]
    pushers = [threading.Thread(target=pusher, args=(channel.pk,)) for channel, _ in channels]
    watching = threading.Thread(target=watcher)
    for thread in [watching, *producers, *pushers]:
        thread.start()
    for thread in producers:
        thread.join()
    produced = time.time() - began
    done_producing.set()
    for thread in pushers:
        thread.join()
    drained = time.time() - began
    stop_watching.set()
    watching.join()

    # --- Results ---------------------------------------------------------------------------
    close_old_connections()
    from marketplaces.connectors import CONNECTORS
    from marketplaces.services.stock_sync import push_max_wait

    windows: dict[int, set[int]] = defaultdict(set)
    for at, sku_id in changes:
        windows[int((at - began) // WINDOW)].add(sku_id)
    latencies: dict[int, list[float]] = defaultdict(list)
    missing = 0
    for channel, _sandbox in channels:
        for at, sku_id in changes:
            seen = pushes.get((channel.pk, sku_id), [])
            done = [d for claimed, d in seen if claimed >= at]
            if done:
                latencies[channel.pk].append(min(done) - at)
            elif seen and max(d for _c, d in seen) >= at:
                # Claimed a moment before this change's commit was recorded, yet computed after it (the
                # final quantities match): visible when the last push finished, at the latest.
                latencies[channel.pk].append(max(d for _c, d in seen) - at)
            else:
                missing += 1
    lost = 0
    for channel, sandbox in channels:
        expected = channel_available(channel.sync, [sku.pk for sku in skus])
        for sku in skus:
            if sandbox.quantity_of(sku.code) != expected[sku.pk]:
                lost += 1
    print()
    print(
        f"{'channel':<12} {'calls':>6} {'min':>6} {'ratio':>6} {'SKU upd.':>9} {'batch':>6} {'wait':>5} "
        f"{'throttled':>9} {'p50 s':>6} {'p95 s':>6} {'max s':>6}"
    )
    total_calls = total_min = 0
    for channel, sandbox in channels:
        calls = [c for c in sandbox.calls[base_calls[channel.pk] :] if c.op != "lwa"]
        made = len(calls)
        refused = sum(1 for c in calls if c.status == 429)
        batch = CONNECTORS[channel.kind].batch_size
        if channel.kind == "amazon" and not args.no_feeds:
            minimum = sum(min(len(skus_in), FEED_CALLS) for skus_in in windows.values())
            batch_label = f"1|{FEED_CALLS}c"
        else:
            minimum = sum(math.ceil(len(skus_in) / batch) for skus_in in windows.values())
            batch_label = str(batch)
        total_calls += made
        total_min += minimum
        channel.sync.refresh_from_db()
        p50, p95, top = percentiles(latencies[channel.pk])
        print(
            f"{channel.kind:<12} {made:>6,} {minimum:>6,} {made / max(minimum, 1):>6.2f} "
            f"{sent_updates[channel.pk]:>9,} {batch_label:>6} {push_max_wait(channel.sync):>5g} "
            f"{refused + channel_throttles(channel):>9} {p50:>6.2f} {p95:>6.2f} {top:>6.2f}"
        )
        ops = Counter(c.op for c in calls)
        print(f"{'':<12} ({', '.join(f'{op} {n}' for op, n in ops.most_common())})")
    every = [value for values in latencies.values() for value in values]
    p50, p95, top = percentiles(every)
    print(
        f"{'all':<12} {total_calls:>6,} {total_min:>6,} {total_calls / max(total_min, 1):>6.2f} "
        f"{'':>9} {'':>6} {'':>5} {'':>9} {p50:>6.2f} {p95:>6.2f} {top:>6.2f}"
    )
    print()
    sent_all = sum(sent_updates.values())
    print(
        f"changes: {len(changes):,} in {produced:.1f} s ({len(windows)} windows of {WINDOW:g} s, "
        f"{statistics.mean(len(v) for v in windows.values()):.0f} distinct SKUs each on average); "
        f"all channels in sync {drained:.1f} s after the start"
    )
    print(f"coalescing: {len(changes) * len(channels):,} (change, channel) pairs became {sent_all:,} SKU updates")
    print(f"change -> visible (all channels): p50 {p50:.2f} s, p95 {p95:.2f} s, max {top:.2f} s  (target p95 <= 5 s)")
    print(f"changes never seen pushed after them: {missing} (0 expected)")
    print(f"lost updates: {lost} (must be 0)")
    drifts = ledger_drifts()
    return 0 if lost == 0 and drifts == 0 else 1


WINDOW = 5.0  # seconds: the latency target, and the window of the minimum
FEED_CALLS = 6  # createFeedDocument, upload, createFeed, getFeed, getFeedDocument, report download


def ledger_drifts() -> int:
    """Replay the stock ledger against the stock levels the run left, print the count, return it."""
    from inventory.services import ledger_verify

    drifts = len(ledger_verify())
    print(f"ledger_drifts={drifts} (must be 0)")
    return drifts


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if not values:
        return 0.0, 0.0, 0.0
    values = sorted(values)
    return statistics.median(values), values[int(0.95 * (len(values) - 1))], values[-1]


def channel_throttles(channel: Any) -> int:
    from marketplaces.models import ChannelSync

    return ChannelSync.objects.get(channel=channel).throttle_count


if __name__ == "__main__":
    sys.exit(main())
