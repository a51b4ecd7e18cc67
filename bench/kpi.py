#!/usr/bin/env python
"""The KPI dashboard's reads over a year of orders, beside the same KPIs computed from the raw rows.

Run with `.venv/bin/python bench/kpi.py` (`--help` for the options). Needs PostgreSQL on this
machine: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fulfil_bench_kpi); the
database is created if missing and migrated. Only 127.0.0.1 / localhost is accepted.

1. Inserts `--orders` (1,000,000) orders over the last 365 days on 4 channels, each with a
   shipment from one of 20 locations and every fifth with a second one (a split), with ship-by
   and shipped times (some late), in bulk SQL (`generate_series`): set-up, not what is measured.
2. Builds the daily facts with the product's own backfill (`analytics.services.facts_backfill`)
   and times it.
3. Times, `--repeats` times each, interleaved:
   - kpi_query: what the dashboard reads for the year: totals, per day, per location, per channel
     (`analytics.selectors`);
   - orders_scan: the same split and on-time-ship figures per channel computed from the order and
     shipment rows with the same conditions (`fulfillment.selectors.kpi_conditions`).
4. Prints one line of `name=value` figures (medians in milliseconds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fulfil_bench_kpi"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
CHANNELS = 4
LOCATIONS = 20
PREFIX = "kpi-bench"


def database_url() -> str:
    """The bench database URL; refuses anything that is not on this machine."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"bench/kpi.py needs PostgreSQL; DATABASE_URL is {parsed.scheme}://...")
    if parsed.hostname not in LOCAL_HOSTS:
        sys.exit(f"bench/kpi.py only talks to 127.0.0.1; DATABASE_URL points at {parsed.hostname!r}.")
    return url


def ensure_database(url: str, *, fresh: bool) -> None:
    """Create the scratch database if it does not exist (drop it first with --fresh)."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    """Point Django at the scratch database (local settings, DEBUG off), migrated."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _insert_select(model: Any, overrides: dict[str, str], source: str) -> str:
    """`INSERT INTO <table> (every column) SELECT ...`: `overrides` give SQL for some columns, the
    rest get their model default as a parameter, so a column added later needs no bench change."""
    from django.db import connection

    columns, values, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in overrides:
            values.append(overrides[field.name].replace("%", "%%"))  # a literal % beside the parameters
        else:
            values.append("%s")
            default = field.get_default() if field.has_default() or not field.null else None
            params.append(field.get_db_prep_value(default, connection, prepared=False))
    source = source.replace("%", "%%")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return str(cursor.rowcount)


def generate(orders: int) -> None:
    """A year of orders with their shipments, in bulk (skipped when the bench's orders are there)."""
    from channels.models import Channel
    from fulfillment.models import Shipment
    from inventory.models import Location, LocationKind
    from orders.models import Order

    if Order.objects.filter(external_id__startswith=PREFIX).count() >= orders:
        return
    channels = [
        Channel.objects.get_or_create(code=f"{PREFIX}-{n}", defaults={"name": f"Bench channel {n}"})[0].pk
        for n in range(CHANNELS)
    ]
    locations = []
    for n in range(LOCATIONS):
        location, _ = Location.objects.get_or_create(
            code=f"{PREFIX}-{n}",
            defaults={"name": f"Bench location {n}", "kind": LocationKind.WAREHOUSE, "postal_code": "75201"},
        )
        locations.append(location.pk)
    chan = f"(ARRAY{channels})[1 + g % {CHANNELS}]"
    _insert_select(
        Order,
        {
            "channel": chan,
            "external_id": f"'{PREFIX}-' || g",
            "status": "CASE WHEN g % 10 = 0 THEN 'routed' ELSE 'shipped' END",
            "placed_at": "now() - make_interval(days => (g % 365)::int, secs => ((g::bigint * 7919) % 86000)::int)",
            "customer_name": "'Bench customer'",
            "ship_postal_code": "'75201'",
            "created_at": "now()",
            "updated_at": "now()",
        },
        f"generate_series(1, {orders}) AS g",
    )
    bench_orders = (
        f"(SELECT id, placed_at, row_number() OVER (ORDER BY id) AS g FROM orders_order "
        f"WHERE external_id LIKE '{PREFIX}-%') AS o"
    )
    shipment = {
        "order": "o.id",
        "status": "'shipped'",
        "ship_by": "(o.placed_at + interval '1 day')::date",
        "shipped_at": "o.placed_at + make_interval(hours => ((o.g * 31) % 60)::int)",
        "estimated_delivery": "(o.placed_at + interval '4 days')::date",
        "created_at": "o.placed_at",
        "updated_at": "o.placed_at",
    }
    _insert_select(Shipment, {**shipment, "location": f"(ARRAY{locations})[1 + (o.g * 7) % {LOCATIONS}]"}, bench_orders)
    _insert_select(
        Shipment,
        {**shipment, "location": f"(ARRAY{locations})[1 + (o.g * 7 + 1) % {LOCATIONS}]"},
        bench_orders + " WHERE o.g % 5 = 0",
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order; ANALYZE fulfillment_shipment;")


def dashboard_reads(filters: Any) -> None:
    """What the dashboard reads from the facts for the range (all channels, every location)."""
    from analytics.kpis import rates
    from analytics.selectors import kpi_by_channel, kpi_by_day, kpi_by_location, kpi_totals

    rates(kpi_totals(filters))
    for row in kpi_by_day(filters) + kpi_by_location(filters) + kpi_by_channel(filters):
        rates(row)


def orders_scan(start: Any, end: Any) -> list[dict[str, Any]]:
    """Split and on-time-ship per channel computed from the raw rows, with the facts' own conditions."""
    from django.db.models import Count, Q

    from analytics.facts import day_bounds
    from fulfillment.models import Shipment
    from fulfillment.selectors.kpi_conditions import late_ship_condition, shipped_condition, split_condition
    from orders.models import Order

    since, until = day_bounds(start)[0], day_bounds(end)[1]
    placed = Q(placed_at__gte=since, placed_at__lt=until)
    per_order = list(
        Order.objects.filter(placed)
        .values("channel_id")
        .annotate(orders=Count("pk"), split=Count("pk", filter=split_condition()))
    )
    per_shipment = list(
        Shipment.objects.filter(order__placed_at__gte=since, order__placed_at__lt=until)
        .values("order__channel_id")
        .annotate(shipped=Count("pk", filter=shipped_condition()), late=Count("pk", filter=late_ship_condition()))
    )
    return per_order + per_shipment


def timed(call: Any) -> float:
    begin = time.perf_counter()
    call()
    return (time.perf_counter() - begin) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders to generate (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=5, help="timings of each side (default 5)")
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the scratch database first")
    args = parser.parse_args()
    url = database_url()
    ensure_database(url, fresh=args.fresh)
    setup_django(url)

    from django.db import transaction
    from django.utils import timezone

    from analytics.models import DailyFact
    from analytics.selectors import KpiFilters
    from analytics.services import facts_backfill

    begin = time.perf_counter()
    with transaction.atomic():  # all or nothing: a failed run leaves no half-built year behind
        generate(args.orders)
    generate_s = time.perf_counter() - begin
    end = timezone.localdate()
    start = end - timedelta(days=364)
    begin = time.perf_counter()
    facts_backfill(start=start, end=end)
    backfill_s = time.perf_counter() - begin
    filters = KpiFilters(start=start, end=end)
    kpi_ms, scan_ms = [], []
    dashboard_reads(filters)  # warm the caches of both sides alike
    orders_scan(start, end)
    for _ in range(args.repeats):
        kpi_ms.append(timed(lambda: dashboard_reads(filters)))
        scan_ms.append(timed(lambda: orders_scan(start, end)))
    kpi, scan = statistics.median(kpi_ms), statistics.median(scan_ms)
    figures = {
        "orders": args.orders,
        "fact_rows": DailyFact.objects.count(),
        "generate_s": f"{generate_s:.1f}",
        "backfill_s": f"{backfill_s:.1f}",
        "kpi_query_ms": f"{kpi:.1f}",
        "orders_scan_ms": f"{scan:.1f}",
        "speedup": f"{scan / kpi:.0f}",
    }
    print(" ".join(f"{name}={value}" for name, value in figures.items()))


if __name__ == "__main__":
    main()
