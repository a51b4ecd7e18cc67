#!/usr/bin/env python
"""Orders per second through the real HTTP API, beside the database's own ceiling in the same run.

    make bench-orders                      # = .venv/bin/python bench/orders_http.py
    .venv/bin/python bench/orders_http.py --clients 16 --seconds 20 --workers 4
    .venv/bin/python bench/orders_http.py --preload-shipments 200000   # an empty day, then a busy one
    .venv/bin/python bench/orders_http.py --fresh   # drop and re-create the bench database first

It creates (or reuses) the database `fulfil_bench_http` on 127.0.0.1, migrates it, seeds the
demo network and its dropship supplier once (an order routed to the supplier opens its purchase
order, as in production), issues a channel API key, starts gunicorn on 127.0.0.1 with the production
settings, and runs client processes that POST 1-5 line orders (random SKUs in stock, random real
US ZIP codes, a fresh external id each) for a fixed time. Only 127.0.0.1 is ever contacted; the
run stops by itself. One line of figures per round:

- `orders_per_s`, `p50_ms`, `p95_ms`: created orders (201) per second, latency as a client sees it;
- `ceiling_tps`: `pgbench -N` with the same number of clients for the same time, run just before
  (a scratch database beside the bench one): what PostgreSQL alone sustains on this machine now;
  `ratio` = orders_per_s / ceiling_tps. The machine is shared: read the ratio, not the rates;
- `queries_per_order`: statements (BEGIN and COMMIT included) for a 3-line order from one location;
- `web_cpu_ms_per_order`: CPU time of the gunicorn processes during the round, per created order;
- `db_cpu_ms_per_order`: CPU time of PostgreSQL's processes during the round, per created order
  (everything PostgreSQL did on this machine meanwhile: run nothing else beside the bench);
- `routed_share`: the share of the round's orders routed rather than backordered. A database
  reused through the day fills the locations' daily caps and uses up stock; below 0.9 the round
  measured the lighter backorder path, and the bench says so: run it again with `--fresh`.

`--preload-shipments N` runs a second round after adding N open shipments made today over the
shipping locations (their load counters count them and their caps grow by as many, so routing
chooses as before), then takes them out; it prints both rounds and `busy_day_ratio`: the busy
day's orders/s over the empty day's. Routing's capacity read does not grow with the day's volume.

Workers: 4 sync workers on 2 cores. A request spends part of its time waiting on PostgreSQL
(on this same machine), so one worker per core leaves the CPU idle; gunicorn's docs suggest
(2 x cores) + 1. `--worker-class gthread --threads N` tries threads instead.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

if str(Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.orders_setup import (
    ROOT,
    bench_env,
    ceiling_tps,
    preload_remove,
    preload_shipments,
    prepare,
    queries_per_order,
    routed_share,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/fulfil_bench_http"
#: Below this share of orders routed, a round is not the order path the bench is meant to measure.
MIN_ROUTED_SHARE = 0.9
ZIPS = ["10001", "60601", "90012", "98101", "33131", "80202", "30303", "02108", "75201", "89501", "43215", "19104"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def client(ports: list[int], key: str, skus: list[str], seconds: float, seed: int, tag: str, queue: mp.Queue) -> None:
    """POST orders for `seconds`; put (latencies_ms, status_counts, replays_answered_200) on the queue.

    With several ports (nodes), a client posts to one and sends every fifth order again to the
    next: the second delivery must answer 200 with the same order and create nothing.
    """
    rng = random.Random(seed)
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports]
    home = seed % len(ports)
    headers = {"Content-Type": "application/json", "Authorization": f"Token {key}"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    replays_ok = 0
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        lines = [{"sku": sku, "quantity": rng.randint(1, 2)} for sku in rng.sample(skus, rng.randint(1, 5))]
        body = json.dumps(
            {
                "external_id": f"bench-{tag}-{seed}-{n}",
                # every marketplace order carries the buyer's email: the confirmation is owed in the transaction
                "customer": {"name": "Bench Customer", "email": f"buyer{seed}-{n}@example.com"},
                "shipping_address": {"postal_code": rng.choice(ZIPS)},
                "lines": lines,
            }
        )
        started = time.perf_counter()
        conns[home].request("POST", "/api/v1/orders", body, headers)
        response = conns[home].getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if len(conns) > 1 and n % 5 == 0:
            other = conns[(home + 1) % len(conns)]
            other.request("POST", "/api/v1/orders", body, headers)
            again = other.getresponse()
            again.read()
            replays_ok += again.status == 200
    for conn in conns:
        conn.close()
    queue.put((latencies, statuses, replays_ok))


def _cpu_seconds(wanted: Callable[[str, list[str]], bool]) -> float:
    """User + system CPU of every live process whose (name, stat fields after the name) `wanted` takes."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = tail.split()  # state, ppid, pgrp, ...
        if wanted(head.split("(", 1)[-1], fields):
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def group_cpu_seconds(group: int) -> float:
    """CPU of every live process in a process group (gunicorn's master and workers)."""
    return _cpu_seconds(lambda _name, fields: int(fields[2]) == group)


def database_cpu_seconds() -> float:
    """CPU of PostgreSQL's processes on this machine (its backends, WAL writer, checkpointer, ...)."""
    return _cpu_seconds(lambda name, _fields: name == "postgres")


def start_server(args: argparse.Namespace, env: dict[str, str], port: int) -> subprocess.Popen:
    """Gunicorn on 127.0.0.1:`port`, answering before this returns."""
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--log-level", "warning", "--timeout", "60",
        "--worker-class", args.worker_class,
        # the app is imported once, before the fork: every worker answers from its first request
        "--preload",
    ]  # fmt: skip
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/orders")  # 401 without a key: the server is up
            conn.getresponse().read()
            break
        except OSError:
            time.sleep(0.2)
    return server


def stop_server(server: subprocess.Popen) -> None:
    """Ask the process (gunicorn's master, Celery's main process) to stop its own children and finish
    what it is doing; kill its whole group only if it has not within 30 s."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def run_round(
    args: argparse.Namespace, key: str, skus: list[str], ports: list[int], *, seconds: float, tag: str
) -> dict:
    """Clients against the servers on `ports` (spread evenly) for `seconds`; the round's figures."""
    queue: mp.Queue = mp.Queue()
    procs = [
        mp.Process(target=client, args=(ports, key, skus, seconds, seed, tag, queue)) for seed in range(args.clients)
    ]
    cpu_before = sum(group_cpu_seconds(pid) for pid in args.server_groups)
    db_cpu_before = database_cpu_seconds()
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.perf_counter() - started
    cpu = sum(group_cpu_seconds(pid) for pid in args.server_groups) - cpu_before
    db_cpu = database_cpu_seconds() - db_cpu_before
    for proc in procs:
        proc.join(timeout=10)
    latencies = sorted(ms for lat, _, _ in results for ms in lat)
    statuses: dict[int, int] = {}
    for _, counts, _ in results:
        for code, count in counts.items():
            statuses[code] = statuses.get(code, 0) + count
    created = statuses.get(201, 0)
    return {
        "orders": created,
        "replays_ok": sum(r[2] for r in results),
        "seconds": elapsed,
        "orders_per_s": created / elapsed,
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        "web_cpu_ms_per_order": cpu * 1000 / created if created else 0.0,
        "db_cpu_ms_per_order": db_cpu * 1000 / created if created else 0.0,
        "statuses": dict(sorted(statuses.items())),
    }


def figures_line(label: str, fig: dict, ceiling: float, queries: int) -> str:
    return (
        f"{label}: orders_per_s={fig['orders_per_s']:.1f} ceiling_tps={ceiling:.0f} "
        f"ratio={fig['orders_per_s'] / ceiling:.3f} p50_ms={fig['p50_ms']:.1f} p95_ms={fig['p95_ms']:.1f} "
        f"queries_per_order={queries} web_cpu_ms_per_order={fig['web_cpu_ms_per_order']:.1f} "
        f"db_cpu_ms_per_order={fig['db_cpu_ms_per_order']:.1f} "
        f"orders={fig['orders']} seconds={fig['seconds']:.1f} statuses={fig['statuses']} "
        f"routed_share={fig['routed_share']:.2f}"
    )


def main() -> int:
    """Run the bench and print one line of figures per round."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""), help="broker and cache")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with --worker-class gthread")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured orders before each round")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--preload-shipments", type=int, default=0, help="also run a busy day with N shipments")
    parser.add_argument("--nodes", type=int, default=1, help="also run N gunicorn nodes + N Celery workers")
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the bench database first")
    args = parser.parse_args()
    args.server_groups = []

    key, skus = prepare(args.database_url, fresh=args.fresh)
    queries = queries_per_order(args.database_url)
    print(
        f"clients={args.clients} workers={args.workers} worker_class={args.worker_class} "
        f"load_at_start={os.getloadavg()[0]:.2f} cpus={os.cpu_count()}",
        flush=True,
    )
    if args.nodes > 1 and not args.redis_url:
        args.redis_url = "redis://127.0.0.1:6379/0"  # nodes share one broker, as in production
    env = bench_env(args.database_url, args.redis_url)
    rounds = [("empty_day", 0, 1)]
    rounds += [("busy_day", args.preload_shipments, 1)] if args.preload_shipments else []
    rounds += [(f"{args.nodes}_nodes", 0, args.nodes)] if args.nodes > 1 else []
    run_tag = str(time.time_ns())
    results = {}
    accepted = 0
    for label, preload, nodes in rounds:
        added = preload_shipments(args.database_url, preload) if preload else {}
        try:
            ceiling = ceiling_tps(args.database_url, clients=args.clients, seconds=args.seconds)
            ports = [args.port + i for i in range(nodes)]
            processes = nodes_start(args, env, ports)
            try:
                tag = f"{run_tag}-{label}"
                # every worker's first requests fill its caches (URL patterns, DRF, the channel key): not measured
                warm = run_round(args, key, skus, ports, seconds=args.warmup, tag=tag + "-warm")
                fig = run_round(args, key, skus, ports, seconds=args.seconds, tag=tag)
                fig["routed_share"] = routed_share(args.database_url, tag)
                accepted += warm["orders"] + fig["orders"]
            finally:
                for process in processes:
                    stop_server(process)
        finally:
            if added:
                preload_remove(args.database_url, added)
        results[label] = (fig, ceiling)
        print(
            figures_line(f"{label} (nodes={nodes}, preloaded {preload} shipments)", fig, ceiling, queries), flush=True
        )
        if fig["routed_share"] < MIN_ROUTED_SHARE:
            print(
                f"WARNING: only {fig['routed_share']:.0%} of the orders were routed, the rest backordered (daily "
                "caps full or stock used up by earlier runs today): the figures measure the lighter backorder "
                "path and compare with nothing. Run again with --fresh.",
                flush=True,
            )
    if "busy_day" in results:
        empty, busy = results["empty_day"], results["busy_day"]
        busy_day_ratio = (busy[0]["orders_per_s"] / busy[1]) / (empty[0]["orders_per_s"] / empty[1])
        print(
            f"busy_day_ratio={busy_day_ratio:.3f} (orders/ceiling with {args.preload_shipments} shipments today, "
            "over the empty day's)"
        )
    if args.nodes > 1:
        one, many = results["empty_day"], results[f"{args.nodes}_nodes"]
        print(
            f"nodes_ratio={many[0]['orders_per_s'] / one[0]['orders_per_s']:.3f} "
            f"(orders/s of {args.nodes} nodes over 1 node; over their ceilings: "
            f"{(many[0]['orders_per_s'] / many[1]) / (one[0]['orders_per_s'] / one[1]):.3f}) "
            f"replays_answered_200={many[0]['replays_ok']}"
        )
    print(verify(args.database_url, run_tag, accepted))
    return 0


def nodes_start(args: argparse.Namespace, env: dict[str, str], ports: list[int]) -> list[subprocess.Popen]:
    """One gunicorn per port and, with a Redis broker, one Celery worker per node; the web servers'
    process groups go to `args.server_groups` (their CPU is what the round measures)."""
    processes = [start_server(args, env, port) for port in ports]
    args.server_groups = [server.pid for server in processes]
    if args.redis_url:
        for index in range(len(ports)):
            command = [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1",
                "--loglevel", "warning", "-n", f"bench{index}@%h", "--without-gossip", "--without-mingle",
            ]  # fmt: skip
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True))  # noqa: S603
    return processes


def verify(database_url: str, run_tag: str, accepted: int) -> str:
    """Every order answered 201 is in the database once (replays added none), and the ledger is true."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*), count(DISTINCT external_id) FROM orders_order WHERE external_id LIKE %s",
            [f"bench-{run_tag}-%"],
        ).fetchone()
    stored, distinct = row if row else (0, 0)
    ledger = subprocess.run(
        [sys.executable, "manage.py", "inventory_verify"], cwd=ROOT, env=bench_env(database_url), capture_output=True
    )
    return (
        f"accepted_orders={accepted} stored_orders={stored} duplicated={stored - distinct} "
        f"lost={max(accepted - stored, 0)} inventory_verify={'clean' if ledger.returncode == 0 else 'DRIFT'}"
    )


if __name__ == "__main__":
    sys.exit(main())
