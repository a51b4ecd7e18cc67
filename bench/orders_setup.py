"""Set-up and side measurements for `bench/orders_http.py`: the database, its ceiling, the statements
one order sends, and a day's worth of shipments loaded before a run.

Everything talks only to PostgreSQL on 127.0.0.1. Run through `orders_http.py`, not on its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_CREDENTIALS_KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXkxMjM="  # a Fernet key for this bench only
PRELOAD_CARRIER = "bench-preload"  # marks the shipments `preload_shipments` adds, so they can be taken out again


def bench_env(database_url: str, redis_url: str = "") -> dict[str, str]:
    """The production settings pointed at the bench database (and Redis, when given)."""
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
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command with the bench environment; its standard output."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def require_local(database_url: str) -> None:
    if "127.0.0.1" not in database_url and "localhost" not in database_url:
        raise SystemExit("The bench only talks to a database on this machine (127.0.0.1).")


def server_url(database_url: str) -> str:
    """The same server's maintenance database (to create and drop bench databases)."""
    return database_url.rsplit("/", 1)[0] + "/postgres"


def prepare(database_url: str, *, fresh: bool = False) -> tuple[str, list[str]]:
    """Create (with `fresh`, re-create), migrate and seed the bench database; return a channel key
    and SKU codes with stock."""
    require_local(database_url)
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(server_url(database_url), autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = bench_env(database_url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--seed", "7", "--if-empty")
    # the demo's dropship supplier: an order routed to its location opens a purchase order, as in production
    manage(env, "seed_demo_partners")
    script = (
        "from channels.models import Channel; from channels.services import api_key_issue;"
        "from inventory.models import StockLevel;"
        "c = Channel.objects.get(code='web');"
        "print(api_key_issue(channel=c, name='bench', actor=None).secret);"
        "print(','.join(sorted(set(StockLevel.objects.filter(on_hand__gt=20, location__kind='warehouse')"
        ".values_list('sku__code', flat=True)))))"
    )
    out = manage(env, "shell", "-c", script).strip().splitlines()
    return out[-2], out[-1].split(",")


# --- The database's own ceiling --------------------------------------------------------------

_TPS = re.compile(r"tps = ([0-9.]+) \(without initial connection time\)")


def ceiling_tps(database_url: str, *, clients: int, seconds: float) -> float:
    """Transactions per second PostgreSQL itself sustains with `clients` connections: `pgbench -N`
    (TPC-B-like writes without the contended branch and teller updates) on a scratch database
    next to the bench database, created and initialised once (`<name>_pgbench`)."""
    require_local(database_url)
    import psycopg

    scratch = database_url.rsplit("/", 1)[1] + "_pgbench"
    url = database_url.rsplit("/", 1)[0] + "/" + scratch
    with psycopg.connect(server_url(database_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{scratch}"')
    if not exists:
        subprocess.run(["pgbench", "-i", "-q", "-s", "10", url], check=True, capture_output=True)  # noqa: S603, S607
    result = subprocess.run(  # noqa: S603
        ["pgbench", "-N", "-n", "-c", str(clients), "-j", "2", "-T", str(max(1, round(seconds))), url],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    match = _TPS.search(result.stdout)
    if not match:
        raise SystemExit(f"pgbench printed no tps:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


# --- Statements per order ------------------------------------------------------------------

_PROBE = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from channels.models import Channel
from channels.services import api_key_issue
from fulfillment.models import Shipment
from inventory.models import StockLevel

key = api_key_issue(channel=Channel.objects.get(code="web"), name="bench-probe", actor=None).secret
by_location = {}
for location, sku in StockLevel.objects.filter(on_hand__gt=20, location__kind="warehouse", location__is_active=True
        ).values_list("location_id", "sku__code").order_by("location_id", "sku__code"):
    by_location.setdefault(location, []).append(sku)
client = Client()
counts = []
# The first order of a process fills caches (the channel key, content types): measure warm ones.
for attempt, skus in enumerate(sorted(by_location.values(), key=len, reverse=True)[:4] * 2):
    lines = [{"sku": sku, "quantity": 1} for sku in skus[:3]]
    body = {"external_id": f"bench-probe-{attempt}-{__import__('time').time_ns()}", "customer": {"name": "Probe"},
            "shipping_address": {"postal_code": "10001"}, "lines": lines}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/orders", json.dumps(body), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Token {key}", HTTP_HOST="127.0.0.1")
    assert response.status_code == 201, response.content
    shipments = Shipment.objects.filter(order_id=response.json()["id"]).count()
    # Django's capture lists BEGIN and COMMIT with the rest: every round trip counts.
    counts.append((shipments, len(ctx.captured_queries)))
single = [n for shipments, n in counts[len(counts) // 2:] if shipments == 1]
print("queries_per_order=%d" % (min(single) if single else min(n for _, n in counts)))
"""


def queries_per_order(database_url: str) -> int:
    """SQL statements (BEGIN and COMMIT included) the API sends for a 3-line order shipped from one location."""
    out = manage(bench_env(database_url), "shell", "-c", _PROBE)
    match = re.search(r"queries_per_order=(\d+)", out)
    return int(match.group(1)) if match else -1


def routed_share(database_url: str, tag: str) -> float:
    """Of the round's orders (external ids `bench-<tag>-…`), the share routed rather than backordered.

    A bench database reused through a day fills the locations' daily caps (about 13,000 ship
    orders in all for the demo network) and uses up stock: then most orders are backordered,
    which skips the reservation and the shipments, and the figures measure a lighter path.
    """
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status <> 'backordered') FROM orders_order "
            "WHERE external_id LIKE %s",
            [f"bench-{tag}-%"],
        ).fetchone()
    total, routed = row if row else (0, 0)
    return routed / total if total else 0.0


# --- A busy day ----------------------------------------------------------------------------

_PRELOAD_SQL = """
WITH places AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM inventory_location WHERE is_active AND ships_orders
), made AS (
    INSERT INTO fulfillment_shipment (created_at, updated_at, order_id, location_id, status, carrier, service,
                                      weight_grams, cost, tracking_number, status_reason)
    SELECT now(), now(), %(order_id)s, places.ids[1 + g %% array_length(places.ids, 1)], 'accepted',
           %(carrier)s, '', 0, 0, '', ''
      FROM places, generate_series(1, %(count)s) AS g
    RETURNING location_id
)
SELECT location_id, count(*) FROM made GROUP BY location_id
"""


def preload_shipments(database_url: str, count: int) -> dict[int, int]:
    """Add `count` open shipments made today, spread over every shipping location, as if the day had
    been busy, and keep routing's choices as they were: each location's load counter counts them and
    its daily cap grows by as many. Returns the shipments added per location id."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        order_id = conn.execute("SELECT min(id) FROM orders_order").fetchone()
        if not order_id or order_id[0] is None:
            raise SystemExit("The bench database has no order to hang the preloaded shipments on.")
        added: dict[int, int] = dict(
            conn.execute(_PRELOAD_SQL, {"order_id": order_id[0], "carrier": PRELOAD_CARRIER, "count": count})
        )
        _shift_day(conn, added, +1)
    return added


def preload_remove(database_url: str, added: dict[int, int]) -> None:
    """Take the preloaded shipments out again, with their counts and caps."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM fulfillment_shipment WHERE carrier = %s", [PRELOAD_CARRIER])
        _shift_day(conn, added, -1)


def _shift_day(conn: object, added: dict[int, int], sign: int) -> None:
    # A version of the code from before the load counter counts the shipments themselves.
    counted = conn.execute("SELECT to_regclass('fulfillment_locationdayload') IS NOT NULL").fetchone()[0]  # type: ignore[attr-defined]
    for location_id, n in sorted(added.items()):
        conn.execute(  # type: ignore[attr-defined]
            "UPDATE inventory_location SET daily_order_capacity = daily_order_capacity + %s "
            "WHERE id = %s AND daily_order_capacity IS NOT NULL",
            [sign * n, location_id],
        )
        if not counted:
            continue
        conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO fulfillment_locationdayload (location_id, day, slot, ship_orders) "
            "SELECT id, (now() AT TIME ZONE timezone)::date, 0, %s FROM inventory_location WHERE id = %s "
            "ON CONFLICT (location_id, day, slot) DO UPDATE "
            "SET ship_orders = fulfillment_locationdayload.ship_orders + EXCLUDED.ship_orders",
            [sign * n, location_id],
        )
