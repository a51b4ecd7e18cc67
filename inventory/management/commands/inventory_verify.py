"""`manage.py inventory_verify`: replay the stock ledger and report every drift."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from inventory.models import StockLevel
from inventory.services import ledger_verify


class Command(BaseCommand):
    """Exit 0 with a one-line confirmation, or print each drift and exit non-zero."""

    help = "Replay the stock ledger and compare it with every stock level; fails if anything drifted."

    def handle(self, *args: Any, **options: Any) -> None:
        """Run `ledger_verify()` and report."""
        drifts = ledger_verify()
        if drifts:
            for drift in drifts:
                self.stderr.write(f"Drift: {drift}")
            raise CommandError(f"Ledger drift: {len(drifts)} difference(s) between the ledger and the stock levels.")
        levels = StockLevel.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Ledger verified: {levels} stock levels, no drift."))
