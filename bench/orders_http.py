#!/usr/bin/env python
"""Orders per second through the real HTTP API: gunicorn on PostgreSQL, concurrent clients.

    make bench-orders                      # = .venv/bin/python bench/orders_http.py
    .venv/bin/python bench/orders_http.py --clients 16 --seconds 20 --workers 4
    .venv/bin/python bench/orders_http.py --fresh   # drop and re-create the bench database first

It creates (or reuses) the database `fulfil_bench_http` on 127.0.0.1, migrates it, seeds
the demo network once, issues a channel API key, starts gunicorn on 127.0.0.1 with the
production settings, and runs client processes that POST 1-5 line orders (random SKUs in
stock, random real US ZIP codes, a fresh external id each) for a fixed time. It prints
orders/s, p50 and p95 latency and the status counts, then stops gunicorn. Only 127.0.0.1 is
ever contacted; the run stops by itself.

Compare runs on like databases: routing counts each location's shipments since its local
midnight, so every run makes the next one's capacity query a little dearer (`--fresh`
starts from the seeded demo again). The line also shows the machine's load average when the
run started: on a shared machine, other work changes the figures more than anything else.

Workers: 4 sync workers on 2 cores. A request spends part of its time waiting on PostgreSQL
(on this same machine), so one worker per core leaves the CPU idle; gunicorn's docs suggest
(2 x cores) + 1. Here 3 and 4 measured the same within noise and 5 no better, so the bench
keeps 4, the deployment guide's `--workers 4` for a 2-core web node.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_CREDENTIALS_KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXkxMjM="  # a Fernet key for this bench only
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/fulfil_bench_http"
ZIPS = ["10001", "60601", "90012", "98101", "33131", "80202", "30303", "02108", "75201", "89501", "43215", "19104"]


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="bench-" + "k" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        DB_CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        # production settings want a key of their own for channel credentials (none are used here)
        CHANNEL_CREDENTIALS_KEY=os.environ.get("CHANNEL_CREDENTIALS_KEY", BENCH_CREDENTIALS_KEY),
    )
    env.pop("REDIS_URL", None)
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def prepare(database_url: str, *, fresh: bool = False) -> tuple[str, list[str]]:
    """Create (with `fresh`, re-create), migrate and seed the bench database; return a channel key
    and SKU codes with stock."""
    if "127.0.0.1" not in database_url and "localhost" not in database_url:
        raise SystemExit("The bench only talks to a database on this machine (127.0.0.1).")
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = _env(database_url)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "seed_demo", "--seed", "7", "--if-empty")
    script = (
        "from channels.models import Channel; from channels.services import api_key_issue;"
        "from inventory.models import StockLevel;"
        "c = Channel.objects.get(code='web');"
        "print(api_key_issue(channel=c, name='bench', actor=None).secret);"
        "print(','.join(sorted(set(StockLevel.objects.filter(on_hand__gt=20, location__kind='warehouse')"
        ".values_list('sku__code', flat=True)))))"
    )
    out = _manage(env, "shell", "-c", script).strip().splitlines()
    return out[-2], out[-1].split(",")


def client(port: int, key: str, skus: list[str], seconds: float, seed: int, queue: mp.Queue) -> None:
    """POST orders for `seconds`; put (latencies_ms, status_counts) on the queue."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        lines = [{"sku": sku, "quantity": rng.randint(1, 2)} for sku in rng.sample(skus, rng.randint(1, 5))]
        body = json.dumps(
            {
                "external_id": f"bench-{seed}-{n}-{time.time_ns()}",
                "customer": {"name": "Bench Customer"},
                "shipping_address": {"postal_code": rng.choice(ZIPS)},
                "lines": lines,
            }
        )
        started = time.perf_counter()
        conn.request(
            "POST", "/api/v1/orders", body, {"Content-Type": "application/json", "Authorization": f"Token {key}"}
        )
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[response.status] = statuses.get(response.status, 0) + 1
    conn.close()
    queue.put((latencies, statuses))


def main() -> int:
    """Run the bench and print one line of figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the bench database first")
    args = parser.parse_args()

    key, skus = prepare(args.database_url, fresh=args.fresh)
    load_at_start = os.getloadavg()[0]
    env = _env(args.database_url)
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{args.port}",
            "--workers", str(args.workers), "--log-level", "warning", "--timeout", "60",
        ],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/api/v1/orders")  # 401 without a key: the server is up
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        queue: mp.Queue = mp.Queue()
        procs = [
            mp.Process(target=client, args=(args.port, key, skus, args.seconds, seed, queue))
            for seed in range(args.clients)
        ]
        started = time.perf_counter()
        for proc in procs:
            proc.start()
        results = [queue.get(timeout=args.seconds + 120) for _ in procs]
        elapsed = time.perf_counter() - started
        for proc in procs:
            proc.join(timeout=10)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    latencies = sorted(ms for lat, _ in results for ms in lat)
    statuses: dict[int, int] = {}
    for _, counts in results:
        for code, count in counts.items():
            statuses[code] = statuses.get(code, 0) + count
    created = statuses.get(201, 0)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0
    print(
        f"clients={args.clients} workers={args.workers} seconds={elapsed:.1f} orders={created} "
        f"orders_per_s={created / elapsed:.1f} p50_ms={statistics.median(latencies):.1f} p95_ms={p95:.1f} "
        f"statuses={dict(sorted(statuses.items()))} load_at_start={load_at_start:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
