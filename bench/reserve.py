#!/usr/bin/env python
"""Reservations per second through `inventory.services.stock_reserve`, beside PostgreSQL's own ceiling.

Run with `make bench-reserve` (or `.venv/bin/python bench/reserve.py --help`). Needs PostgreSQL
on this machine: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fulfil_bench); the
database is created if missing and migrated. Only 127.0.0.1 / localhost is accepted.

Scenarios, each with N concurrent worker processes (own database connection each):
- hot:    every reservation is 1 unit of the same SKU at the same location (one row);
- random: 1 unit of a random SKU among 200 at one of 3 locations (600 rows).
For each, the ceiling is a raw-SQL loop of autocommitted conditional updates on the same rows
with the same concurrency:
    UPDATE inventory_stocklevel SET reserved = reserved + 1
    WHERE id = %s AND on_hand - reserved - safety_stock >= 1
Ratio = service ops/s / ceiling ops/s (medians of the repeats). Target: >= 0.6 on the hot SKU.

The ceiling loop bypasses the ledger, so the rows' `reserved` is restored afterwards; the run
ends with `ledger_verify()` on the bench database to show the service kept the ledger true.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fulfil_bench"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
ON_HAND = 9_000_000  # available units kept per level: far more than any run reserves (and within one receipt)
HOT_LOCATION = "bench-hot"
RANDOM_LOCATIONS = ("bench-r1", "bench-r2", "bench-r3")
CEILING_SQL = (
    "UPDATE inventory_stocklevel SET reserved = reserved + 1 WHERE id = %s AND on_hand - reserved - safety_stock >= 1"
)


# --- Set-up (parent process) --------------------------------------------------------------


def database_url() -> str:
    """The bench database URL; refuses anything that is not on this machine."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"bench/reserve.py needs PostgreSQL; DATABASE_URL is {parsed.scheme}://...")
    if parsed.hostname not in LOCAL_HOSTS:
        sys.exit(f"bench/reserve.py only talks to 127.0.0.1; DATABASE_URL points at {parsed.hostname!r}.")
    return url


def ensure_database(url: str, *, fresh: bool) -> None:
    """Create the bench database if it does not exist (drop it first with --fresh)."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")


def setup_django(url: str) -> None:
    """Point Django at the bench database (local settings, DEBUG off) and set it up."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DEBUG"] = "0"  # DEBUG would record every query in memory
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@dataclass
class Targets:
    """The rows a scenario reserves against: (location_id, sku_id, stock_level_id)."""

    hot: tuple[int, int, int]
    random: list[tuple[int, int, int]]


def prepare_data(sku_count: int) -> Targets:
    """Create the bench locations, SKUs and deep stock through the services."""
    from inventory.models import SKU, Location, LocationKind, StockLevel
    from inventory.services import location_create, sku_create, stock_receive

    locations = {loc.code: loc for loc in Location.objects.filter(code__in=[HOT_LOCATION, *RANDOM_LOCATIONS])}
    for code in [HOT_LOCATION, *RANDOM_LOCATIONS]:
        if code not in locations:
            locations[code] = location_create(
                code=code, name=f"Bench {code}", kind=LocationKind.WAREHOUSE, postal_code="75201"
            )
    codes = [f"BENCH-{n:04d}" for n in range(sku_count)]
    skus = {sku.code: sku for sku in SKU.objects.filter(code__in=codes)}
    for code in codes:
        if code not in skus:
            skus[code] = sku_create(code=code, name=f"Bench item {code}", weight_grams=100)
    wanted = [(locations[HOT_LOCATION], skus[codes[0]])] + [
        (locations[loc], skus[code]) for loc in RANDOM_LOCATIONS for code in codes
    ]
    levels = {
        (lvl.location_id, lvl.sku_id): lvl
        for lvl in StockLevel.objects.filter(location__in=locations.values(), sku__in=skus.values())
    }
    for location, sku in wanted:
        # top the level up to ON_HAND available; earlier runs' reservations are left in place
        # (a release must name the document that reserved, and the bench's runs are many)
        level = levels.get((location.pk, sku.pk))
        available = level.on_hand - level.reserved - level.safety_stock if level else 0
        if available < ON_HAND:
            stock_receive(location=location, sku=sku, quantity=ON_HAND - available, actor=None, note="Bench stock")
    ids = {
        (lvl.location_id, lvl.sku_id): lvl.pk
        for lvl in StockLevel.objects.filter(location__in=locations.values(), sku__in=skus.values())
    }
    hot_key = (locations[HOT_LOCATION].pk, skus[codes[0]].pk)
    random_keys = [(locations[loc].pk, skus[code].pk) for loc in RANDOM_LOCATIONS for code in codes]
    return Targets(hot=(*hot_key, ids[hot_key]), random=[(*key, ids[key]) for key in random_keys])


def statements_per_reservation(targets: Targets) -> list[str]:
    """The SQL statements one `stock_reserve` call sends (first words), for the report."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.models import Location
    from inventory.services import DocumentRef, StockLine, stock_reserve

    location_id, sku_id, _ = targets.hot
    location = Location.objects.get(pk=location_id)
    with CaptureQueriesContext(connection) as ctx:
        stock_reserve(location=location, lines=[StockLine(sku_id, 1)], actor=None, document=DocumentRef("bench", "q"))
    return [_describe_sql(q["sql"]) for q in ctx.captured_queries]


def _describe_sql(statement: str) -> str:
    """A short name for a statement: its verb, its table, and FOR UPDATE if it locks."""
    words = statement.replace('"', "").split()
    verb = words[0].upper()
    table = next((w for w in words if w.startswith("inventory_")), "").split(".")[0]
    locks = " ... FOR UPDATE" if "FOR UPDATE" in statement.upper() else ""
    return f"{verb} {table}{locks}".strip()


# --- Workers (child processes) ------------------------------------------------------------

_state: dict[str, Any] = {}


def _init_worker(url: str, targets: Targets, barrier: Any) -> None:
    """Each worker: its own Django set-up and database connections, the targets, the start barrier."""
    setup_django(url)
    from django.conf import settings

    from inventory.models import Location

    db = settings.DATABASES["default"]
    _state.update(
        url=url,
        targets=targets,
        barrier=barrier,
        locations={loc.pk: loc for loc in Location.objects.all()},
        conninfo={
            "dbname": db["NAME"],
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "host": db.get("HOST") or "127.0.0.1",
            "port": db.get("PORT") or 5432,
        },
    )


@dataclass
class RunResult:
    """One worker's figures for one run."""

    ok: int = 0
    refused: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)


def _pick(rng: random.Random, scenario: str) -> tuple[int, int, int]:
    """The (location_id, sku_id, level_id) for the next reservation."""
    targets: Targets = _state["targets"]
    return targets.hot if scenario == "hot" else rng.choice(targets.random)


def _run(task: tuple[str, str, float, int]) -> RunResult:
    """Reserve 1 unit at a time until the deadline, through the service or the raw-SQL ceiling."""
    scenario, mode, seconds, seed = task
    rng = random.Random(seed)
    result = RunResult()
    if mode == "service":
        from core.errors import InsufficientStock
        from inventory.services import DocumentRef, StockLine, stock_reserve

        locations = _state["locations"]
        document = DocumentRef("bench", f"{scenario}-{seed}")
        _state["barrier"].wait(timeout=120)
        started = time.perf_counter()
        deadline = started + seconds
        now = started
        while now < deadline:
            location_id, sku_id, _ = _pick(rng, scenario)
            try:
                stock_reserve(
                    location=locations[location_id], lines=[StockLine(sku_id, 1)], actor=None, document=document
                )
                result.ok += 1
            except InsufficientStock:
                result.refused += 1
            after = time.perf_counter()
            result.latencies.append(after - now)
            now = after
    else:
        import psycopg

        with psycopg.connect(**_state["conninfo"], autocommit=True) as conn, conn.cursor() as cursor:
            _state["barrier"].wait(timeout=120)
            started = time.perf_counter()
            deadline = started + seconds
            now = started
            while now < deadline:
                _, _, level_id = _pick(rng, scenario)
                cursor.execute(CEILING_SQL, [level_id])
                if cursor.rowcount == 1:
                    result.ok += 1
                else:
                    result.refused += 1
                after = time.perf_counter()
                result.latencies.append(after - now)
                now = after
    result.elapsed = now - started
    return result


# --- Orchestration ------------------------------------------------------------------------


@dataclass
class Figures:
    """All repeats of one (scenario, mode)."""

    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    refused: int = 0

    def median_rate(self) -> float:
        """Median ops/s over the repeats."""
        return statistics.median(self.rates)

    def percentile_ms(self, fraction: float) -> float:
        """A latency percentile over every operation of every repeat, in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)] * 1000


def _level_reserved(ids: list[int]) -> list[tuple[int, int]]:
    """Current (reserved, id) of the given rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reserved, id FROM inventory_stocklevel WHERE id = ANY(%s)", [ids])
        return list(cursor.fetchall())


def _restore_reserved(snapshot: list[tuple[int, int]]) -> None:
    """Undo the ceiling loop's reservations (it wrote no ledger rows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany("UPDATE inventory_stocklevel SET reserved = %s WHERE id = %s", snapshot)


def _vacuum() -> None:
    """Clear the dead row versions a run leaves, so every run starts alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) inventory_stocklevel")


def run_bench(args: argparse.Namespace, url: str, targets: Targets) -> dict[tuple[str, str], Figures]:
    """Run every scenario and mode `repeats` times, interleaved, and collect the figures."""
    from django.db import connections

    figures: dict[tuple[str, str], Figures] = {}
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(args.workers)
    connections.close_all()
    with ctx.Pool(args.workers, initializer=_init_worker, initargs=(url, targets, barrier)) as pool:
        for repeat in range(args.repeats):
            for scenario in ("hot", "random"):
                ids = [targets.hot[2]] if scenario == "hot" else [t[2] for t in targets.random]
                for mode in ("service", "ceiling"):
                    snapshot = _level_reserved(ids) if mode == "ceiling" else []
                    _vacuum()
                    tasks = [(scenario, mode, args.seconds, repeat * 1000 + w) for w in range(args.workers)]
                    results = pool.map(_run, tasks, chunksize=1)
                    if snapshot:
                        _restore_reserved(snapshot)
                    fig = figures.setdefault((scenario, mode), Figures())
                    rate = sum(r.ok for r in results) / max(r.elapsed for r in results)
                    fig.rates.append(rate)
                    fig.refused += sum(r.refused for r in results)
                    for r in results:
                        fig.latencies.extend(r.latencies)
                    print(f"  run {repeat + 1}/{args.repeats} {scenario:<6} {mode:<7} {rate:>9,.0f} ops/s", flush=True)
    return figures


def print_table(args: argparse.Namespace, figures: dict[tuple[str, str], Figures], targets: Targets) -> None:
    """The result table: ops/s, ceiling, ratio, latencies."""
    print()
    print(
        f"Reservations per second: {args.workers} workers, {args.seconds:g} s per run, "
        f"median of {args.repeats} runs, 1 unit per reservation"
    )
    header = (
        f"{'scenario':<22}{'service ops/s':>14}{'ceiling ops/s':>15}{'ratio':>7}"
        f"{'service p50/p95 ms':>21}{'ceiling p50/p95 ms':>21}"
    )
    print(header)
    print("-" * len(header))
    labels = {"hot": "hot SKU (1 row)", "random": f"random ({len(targets.random)} rows)"}
    for scenario in ("hot", "random"):
        service, ceiling = figures[(scenario, "service")], figures[(scenario, "ceiling")]
        ratio = service.median_rate() / ceiling.median_rate()
        service_ms = f"{service.percentile_ms(0.5):.2f} / {service.percentile_ms(0.95):.2f}"
        ceiling_ms = f"{ceiling.percentile_ms(0.5):.2f} / {ceiling.percentile_ms(0.95):.2f}"
        print(
            f"{labels[scenario]:<22}{service.median_rate():>14,.0f}{ceiling.median_rate():>15,.0f}{ratio:>7.2f}"
            f"{service_ms:>21}{ceiling_ms:>21}"
        )
        if service.refused or ceiling.refused:
            print(f"  refused (insufficient stock): service {service.refused}, ceiling {ceiling.refused}")
    hot_ratio = figures[("hot", "service")].median_rate() / figures[("hot", "ceiling")].median_rate()
    verdict = "meets" if hot_ratio >= 0.6 else "MISSES"
    print(f"\nHot-SKU ratio {hot_ratio:.2f} {verdict} the target of 0.60.")


def main() -> int:
    """Parse arguments, prepare the database, run, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=8, help="concurrent processes (default 8)")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each run (default 5)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per scenario; the median is reported (default 3)")
    parser.add_argument("--skus", type=int, default=200, help="SKUs in the random scenario (default 200)")
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the bench database first")
    args = parser.parse_args()

    url = database_url()
    ensure_database(url, fresh=args.fresh)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    targets = prepare_data(args.skus)
    print(f"Bench data ready in {time.monotonic() - started:.1f} s ({connection.settings_dict['NAME']}).")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Machine: {os.cpu_count()} CPUs, load average {load} (other work on the machine skews the figures).")
    statements = statements_per_reservation(targets)
    print(f"stock_reserve sends {len(statements)} statements per reservation: {'; '.join(statements)}.")
    print(f"The ceiling sends 1 (autocommitted): {CEILING_SQL}")

    figures = run_bench(args, url, targets)
    print_table(args, figures, targets)

    from inventory.services import ledger_verify

    drifts = ledger_verify()
    print(f"Ledger after the bench: {'no drift' if not drifts else f'{len(drifts)} drift(s), first: {drifts[0]}'}.")
    return 0 if not drifts else 1


if __name__ == "__main__":
    sys.exit(main())
