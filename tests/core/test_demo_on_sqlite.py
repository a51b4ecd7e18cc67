"""`make demo` with nothing configured runs on the embedded SQLite file: its orders must route there too.

The order path's written-out statements use PostgreSQL's arrays, `json_agg` and data-modifying
CTEs; on SQLite they fall back to portable statements. This runs the demo's own seeding commands
on a fresh SQLite file, in a process of their own, as `make demo` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_embedded_demo_places_and_routes_its_orders(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", DJANGO_SETTINGS_MODULE="config.settings.local")

    for command in (("migrate", "--noinput", "-v0"), ("seed_demo", "--seed", "7")):
        assert manage(env, *command).returncode == 0
    placed = manage(env, "seed_demo_orders")

    assert placed.returncode == 0, placed.stderr[-2000:]
    assert "Demo orders: 6 shopify, 5 web" in placed.stdout
    routed = manage(
        env,
        "shell",
        "-c",
        "from fulfillment.models import RoutingDecision, Shipment; from orders.models import Order;"
        "print(Order.objects.count(), RoutingDecision.objects.count(), Shipment.objects.count())",
    )
    orders, decisions, shipments = (int(n) for n in routed.stdout.split()[-3:])
    assert orders >= 31 and decisions >= orders and shipments >= orders - 1  # every order routed, its why kept
