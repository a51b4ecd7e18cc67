"""`manage.py seed_store_orders`: demo pickups and ship-from-store requests (after `seed_demo`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fulfillment.demo import seed_store_orders


class Command(BaseCommand):
    """Place the demo's pickup orders (new, picking, ready, picked up) and ship-from-store orders, once."""

    help = "Place demo pickups at the associate's store and ship-from-store orders; does nothing if pickups exist."

    def handle(self, *args: Any, **options: Any) -> None:
        """Place the orders through the services and say what was made."""
        result = seed_store_orders()
        if not result.pickups and not result.store_requests:
            self.stdout.write("Store demo orders not placed: pickups exist already (or no web channel).")
            return
        states = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in sorted(result.pickups.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Store demo: pickups {states or 'none'}; {result.store_requests} ship-from-store requests."
            )
        )
