"""`manage.py seed_demo_returns`: a few delivered demo orders and returns in every state (see `returns.demo`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from returns.demo import seed_returns


class Command(BaseCommand):
    """Run after `seed_demo` (it needs the network, the carriers and the web channel). Idempotent."""

    help = "Place, ship and deliver a few web orders and create returns in every state (safe to run every time)."

    def handle(self, *args: Any, **options: Any) -> None:
        """Seed and print what the demo holds."""
        result = seed_returns()
        if not result.returns:
            self.stdout.write("Demo returns: already there, or no demo network yet (run seed_demo first).")
            return
        summary = ", ".join(f"{count} {status}" for status, count in sorted(result.returns.items()))
        self.stdout.write(self.style.SUCCESS(f"Demo returns: {summary}."))
