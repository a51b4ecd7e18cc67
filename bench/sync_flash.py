"""Flash sale: the marketplaces keep selling against what they show while our stock drains.

Run with `.venv/bin/python bench/sync.py --flash-sale [--seconds 60] [--no-priority-lane] [--split-below N] [--explain]`
(`--split-below 0` is the behaviour before last units were split: every channel shows all of them).
Same database rules as `bench/sync.py` (PostgreSQL on 127.0.0.1 only, re-created each run).

Set-up: one warehouse, `--skus` SKUs with `--stock` units each (a few bestsellers), listed on the
Shopify, Amazon, eBay and WooCommerce sandboxes at their real default limits, first synced fully.
Then for `--seconds`:

- shoppers on each sandbox buy at `--buy-rate` orders per second per listing on average, more on
  bestsellers (Zipf), and only what the listing shows (`SandboxApp.buy_shown`);
- those sales come back through the normal intake: Shopify's and WooCommerce's webhooks are
  delivered every `--tick` seconds, Amazon and eBay are polled every `--poll` seconds (Amazon every
  `--amazon-poll` when given: 60 is its real getOrders limit, one call a minute); each
  imported order reserves our stock through the services, like any order. What intake queues
  (webhook processing, address checks, confirmations) runs on a Celery worker embedded in the
  bench's process (`--task-workers` threads, 2; 0 runs each task inline where it was queued).
  Amazon also announces each order to the seller's ORDER_CHANGE queue, read every `--tick`
  seconds by a reader of its own, as the beat task reads it beside the polls (`--no-notices`:
  no queue, as before);
- one pusher per channel runs `channel_push(hold=True)` every `--tick` seconds, as the worker does.

Printed per channel and in total:
- `channel_oversold_units`: units a marketplace sold once every unit we had was already sold
  (on any channel): the unit it sold is one we do not have;
- `sold_units` of `stock_units` (in total): the units we had that the sale sold, to see what
  holding units back (buffers, the split, sales not imported yet) cost in sales;
- `raises_held`: pushes that would have raised a channel's last units before its own sales of
  them were imported, held instead (`marketplaces.services.stock_sync.caps`);
- `zero_crossing_p95_s`: from the moment the channel's available-to-sell by our ledger (after its
  buffer and its last-unit share; the sales not imported yet that the product holds back as an
  estimate are left out, so a channel may show 0 before) reaches 0 to the moment the marketplace
  shows 0 (a watcher looks every 50 ms), p95 over the (SKU, channel) crossings; a listing that
  showed 0 first (the channel's own sales emptied it, or the estimate did) counts 0 s.

With `--explain`, each oversold unit is put down to one cause, per channel: `push_late` (our
ledger already gave the channel less than it showed, the push was pending: waited since the
row's change, which the priority lane backdates by the max wait), `push_not_queued` (the same,
no push pending yet) or `not_imported` (our ledger did not know yet: sales still to import on
this channel and on the others, on average per oversold unit of the SKU).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import random
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from bench.sync import KINDS, database_url, fresh_from_template, ledger_drifts, percentiles, save_template
from bench.sync_watch import ledger_watcher

#: Seconds the pushers may drain past `--seconds`, and the longest a push waits for a rate limit.
DRAIN_LIMIT = 10.0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Flash sale: channel oversell and zero-crossing latency.")
    parser.add_argument("--flash-sale", action="store_true")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the shoppers buy")
    parser.add_argument("--skus", type=int, default=40)
    parser.add_argument("--stock", type=int, default=20, help="units of each SKU at the start")
    parser.add_argument("--buy-rate", type=float, default=0.1, help="orders per second per listing, on average")
    parser.add_argument("--zipf", type=float, default=1.1)
    parser.add_argument("--tick", type=float, default=0.25, help="seconds between pushes and webhook deliveries")
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between order polls (Amazon, eBay)")
    parser.add_argument(
        "--amazon-poll",
        type=float,
        default=None,
        help="seconds between Amazon's polls (default: --poll; 60: its getOrders limit)",
    )
    parser.add_argument("--buffer", type=int, default=None, help="every channel's buffer (default: the model's)")
    parser.add_argument("--no-priority-lane", action="store_true", help="main's behaviour: no priority lane")
    parser.add_argument(
        "--split-below",
        type=int,
        default=None,
        help="every channel's last-unit split threshold (default: the model's; 0: each channel shows all units)",
    )
    parser.add_argument(
        "--no-notices", action="store_true", help="Amazon without its ORDER_CHANGE queue: its orders only polled"
    )
    parser.add_argument(
        "--task-workers",
        type=int,
        default=2,
        help="threads of the Celery worker embedded beside the sale, which runs what orders queue (webhook "
        "processing, address checks, confirmations) as the product's workers do; 0: each task runs inline in "
        "the thread that queued it (before the worker was embedded)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--explain", action="store_true", help="say where each oversold unit came from")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    url = database_url()
    template = fresh_from_template(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    if template:  # migrated once: the next runs copy it instead of migrating again
        save_template(url)
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("marketplaces").setLevel(logging.ERROR)
    from django.conf import settings

    from config.celery import app

    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_QUEUE_PUSHES = False  # the pushers below are the workers
    settings.CHANNELS_PRIORITY_LANE = not args.no_priority_lane
    settings.DEBUG = False
    if not args.task_workers:
        app.conf.task_always_eager = True  # a delivered webhook is processed at once, in the intake's thread
        return run(args)
    # What orders queue goes through a broker to a worker, as in production: the intake thread only
    # stores webhooks, and address checks and confirmations are batched per second of orders
    # (`core.queueing.queue_for_window`) instead of running once per order inside the intake.
    # The worker shares this process (and its interpreter lock) with everything else here.
    from celery.contrib.testing.worker import start_worker

    # Redis hands a worker a message as it arrives; the in-memory broker's worker looks every polling interval
    app.conf.update(
        task_always_eager=False, broker_url="memory://", broker_transport_options={"polling_interval": 0.01}
    )
    with start_worker(
        app, concurrency=args.task_workers, pool="threads", perform_ping_check=False, shutdown_timeout=60
    ):
        return run(args)


def run(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.db import close_old_connections, connection

    from inventory.models import SKU, Location, LocationKind
    from inventory.services import stock_receive
    from marketplaces.availability import channel_available
    from marketplaces.models import ChannelSync, PushState, StockOutbox
    from marketplaces.services.notices import notices_pull
    from marketplaces.services.orders import orders_poll, webhook_receive
    from marketplaces.services.stock_sync import channel_push
    from tests.factories.channels import sandbox_channel

    location = Location.objects.create(
        code="flash-dc",
        name="Flash DC",
        kind=LocationKind.WAREHOUSE,
        postal_code="10001",
        city="New York",
        region="NY",
        country="US",
        latitude=Decimal("40.750600"),
        longitude=Decimal("-73.997200"),
        timezone="America/New_York",
        ships_orders=True,
    )
    skus = SKU.objects.bulk_create([SKU(code=f"FS-{n:03d}", name=f"Flash item {n}") for n in range(args.skus)])
    for sku in skus:
        stock_receive(location=location, sku=sku, quantity=args.stock, actor=None)
    fields: dict[str, int] = {} if args.buffer is None else {"buffer": args.buffer}
    if args.split_below is not None:
        fields["split_below"] = args.split_below
    channels = [
        sandbox_channel(
            kind, skus=skus, code=f"flash-{kind}", notices=kind == "amazon" and not args.no_notices, **fields
        )
        for kind in KINDS
    ]
    for channel, _ in channels:
        channel.sync.refresh_from_db()  # the policy fields were set by an update after the sync row was read
        channel_push(channel_id=channel.pk, max_wait=600)
        ChannelSync.objects.filter(channel=channel).update(orders_watermark=None)
    lane = "on" if not args.no_priority_lane else "off"
    split = channels[0][0].sync.split_below
    print(
        f"Flash sale: {args.skus} SKUs x {args.stock} units on {len(channels)} channels for {args.seconds:g} s, "
        f"{args.buy_rate:g} orders/s per listing on average; priority lane {lane}; last units split below {split}; "
        f"Amazon's ORDER_CHANGE queue {'off' if args.no_notices else 'read every tick'}",
        flush=True,
    )

    weights = [1 / (rank + 1) ** args.zipf for rank in range(len(skus))]
    lock = threading.Lock()
    sold: dict[int, int] = defaultdict(int)  # sku index -> units sold on every channel
    oversold: dict[str, int] = defaultdict(int)
    orders: dict[str, int] = defaultdict(int)
    capped: dict[str, int] = defaultdict(int)  # last-unit raises held until the channel's sales were imported
    stop = threading.Event()
    sold_by: dict[tuple[str, int], int] = defaultdict(int)  # (channel kind, sku index) -> units it sold
    causes: dict[str, list[tuple[str, float, int, int]]] = defaultdict(list)
    by_kind = {channel.kind: channel for channel, _ in channels}

    def explain(kind: str, index: int, showing: int, over: int) -> None:
        """Why the marketplace still showed a unit we no longer had: our ledger already knew (the push
        lowering it was late, by how long) or it did not (sales not imported yet, here or elsewhere)."""
        from django.db.models import Sum

        from marketplaces.models import Listing
        from orders.models import OrderLine

        sku = skus[index]
        ours = channel_available(by_kind[kind].sync, [sku.pk], held={})[sku.pk]
        lines = OrderLine.objects.filter(sku_id=sku.pk).values("order__channel__code").annotate(units=Sum("quantity"))
        imported = {line["order__channel__code"]: line["units"] for line in lines}
        with lock:
            unimported = {k: sold_by[(k, index)] - int(imported.get(f"flash-{k}") or 0) for k in by_kind}
        row = StockOutbox.objects.filter(channel=by_kind[kind], sku=sku).values_list("state", "changed_at").first()
        listing = Listing.objects.get(channel=by_kind[kind], sku=sku)
        others = sum(units for k, units in unimported.items() if k != kind)
        if ours < showing:
            waited = time.time() - row[1].timestamp() if row and row[0] != PushState.APPLIED else 0.0
            cause = "push_late" if row and row[0] != PushState.APPLIED else "push_not_queued"
        else:
            waited = time.time() - listing.last_pushed_at.timestamp() if listing.last_pushed_at else 0.0
            cause = "not_imported"
        with lock:
            causes[kind].append((cause, waited, unimported[kind], others))
            causes[kind].extend([(cause, waited, unimported[kind], others)] * (over - 1))

    def shopper(kind: str, sandbox: Any, seed: int) -> None:
        local = random.Random(seed)
        rate = args.buy_rate * len(skus)  # orders per second over the channel's listings
        while not stop.is_set():
            time.sleep(local.expovariate(rate))
            index = local.choices(range(len(skus)), weights=weights)[0]
            showing = sandbox.quantity_of(skus[index].code) or 0
            bought = sandbox.buy_shown(skus[index].code, local.choice([1, 1, 1, 2]))
            if bought is None:
                continue
            with lock:
                before = sold[index]
                sold[index] += bought[1]
                sold_by[(kind, index)] += bought[1]
                over = max(0, sold[index] - args.stock) - max(0, before - args.stock)
                oversold[kind] += over
                orders[kind] += 1
            if over and args.explain:
                explain(kind, index, showing, over)

    def intake(channel: Any, sandbox: Any) -> None:
        close_old_connections()
        polled = time.time()
        while True:
            last = stop.is_set()
            if channel.kind in ("amazon", "ebay"):
                every = args.amazon_poll if channel.kind == "amazon" and args.amazon_poll else args.poll
                if last or time.time() - polled >= every:
                    polled = time.time()
                    orders_poll(channel_id=channel.pk)
            else:
                for hook in sandbox.take_webhooks():
                    webhook_receive(channel=channel, headers=hook.headers, body=hook.body)
            if last:
                break
            time.sleep(args.tick)
        connection.close()

    def notices_reader(channel: Any) -> None:
        """Amazon's ORDER_CHANGE queue, read on its own as the beat task does: a poll waiting on
        getOrderItems' limit does not hold the notices back."""
        close_old_connections()
        while True:
            last = stop.is_set()
            notices_pull(channel_id=channel.pk)
            if last:
                break
            time.sleep(args.tick)
        connection.close()

    def pusher(channel: Any) -> None:
        close_old_connections()
        while True:
            finished = stop.is_set()
            report = channel_push(channel_id=channel.pk, max_wait=DRAIN_LIMIT, hold=True)
            with lock:
                capped[channel.kind] += report.capped
            if finished:
                pending = StockOutbox.objects.filter(channel_id=channel.pk).exclude(state=PushState.APPLIED)
                if not pending.exists() or time.time() > ended[0] + DRAIN_LIMIT:
                    break
            time.sleep(args.tick)
        connection.close()

    crossed: dict[tuple[str, int], float] = {}
    shown: dict[tuple[str, int], float] = {}
    ended = [float("inf")]
    watching_done = threading.Event()
    # Our ledger is read in a process of its own, on the other core: read in this one, the
    # watcher's 20 reads a second took about a sixth of the interpreter lock from the product.
    ledger = multiprocessing.get_context("spawn")
    crossings: Any = ledger.Queue()
    ledger_done = ledger.Event()
    kind_of = {channel.pk: channel.kind for channel, _sandbox in channels}
    index_of = {sku.pk: index for index, sku in enumerate(skus)}
    reader = ledger.Process(
        target=ledger_watcher, args=(sorted(kind_of), sorted(index_of), crossings, ledger_done), daemon=True
    )
    reader.start()

    def take_crossings() -> None:
        while True:
            try:
                channel_id, sku_id, at = crossings.get_nowait()
            except queue.Empty:
                return
            crossed.setdefault((kind_of[channel_id], index_of[sku_id]), at)

    def watcher() -> None:
        """Every 50 ms: what each marketplace shows (the ledger side is `ledger_watcher`)."""
        while not watching_done.is_set():
            now = time.time()
            for channel, sandbox in channels:
                for index, sku in enumerate(skus):
                    if (sandbox.quantity_of(sku.code) or 0) == 0:
                        shown.setdefault((channel.kind, index), now)
            take_crossings()
            time.sleep(0.05)

    threads = [threading.Thread(target=watcher)]
    for number, (channel, sandbox) in enumerate(channels):
        threads.append(threading.Thread(target=shopper, args=(channel.kind, sandbox, args.seed * 10 + number)))
        threads.append(threading.Thread(target=intake, args=(channel, sandbox)))
        threads.append(threading.Thread(target=pusher, args=(channel,)))
        if channel.kind == "amazon" and not args.no_notices:
            threads.append(threading.Thread(target=notices_reader, args=(channel,)))
    began = time.time()
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    ended[0] = time.time()
    stop.set()
    for thread in threads[1:]:
        thread.join()
    watching_done.set()
    threads[0].join()
    ledger_done.set()
    reader.join(timeout=30)
    take_crossings()
    if reader.exitcode != 0:  # no crossings read would print a zero-crossing p95 of 0 s: say so instead
        print(f"ledger watcher failed (exit code {reader.exitcode}): zero crossings not measured", file=sys.stderr)
        return 2

    close_old_connections()
    every: list[float] = []
    total_oversold = 0
    for channel, _sandbox in channels:
        kind = channel.kind
        # A listing the channel's own sales emptied before our ledger crossed counts 0 s.
        waits = [max(0.0, shown.get(key, ended[0] + DRAIN_LIMIT) - at) for key, at in crossed.items() if key[0] == kind]
        every.extend(waits)
        total_oversold += oversold[kind]
        _p50, p95, top = percentiles(waits)
        print(
            f"channel={kind} orders={orders[kind]} channel_oversold_units={oversold[kind]} "
            f"zero_crossings={len(waits)} zero_crossing_p95_s={p95:.2f} zero_crossing_max_s={top:.2f} "
            f"raises_held={capped[kind]}"
        )
        if args.explain:
            for cause in sorted({c[0] for c in causes[kind]}):
                found = [c for c in causes[kind] if c[0] == cause]
                waits = sorted(c[1] for c in found)
                print(
                    f"  {kind} {cause}: units={len(found)} wait_p50_s={waits[len(waits) // 2]:.1f} "
                    f"own_unimported_avg={sum(c[2] for c in found) / len(found):.1f} "
                    f"others_unimported_avg={sum(c[3] for c in found) / len(found):.1f}"
                )
    _p50, p95, top = percentiles(every)
    margin = float(getattr(settings, "CHANNELS_UNHEARD_MARGIN", 0.0))
    print(
        f"total priority_lane={lane} split_below={split} unheard_margin={margin:g} "
        f"orders={sum(orders.values())} sold_units={sum(min(units, args.stock) for units in sold.values())} "
        f"stock_units={args.stock * len(skus)} channel_oversold_units={total_oversold} "
        f"zero_crossings={len(every)} zero_crossing_p95_s={p95:.2f} zero_crossing_max_s={top:.2f} "
        f"raises_held={sum(capped.values())} run_s={time.time() - began:.1f}"
    )
    return 0 if ledger_drifts() == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
