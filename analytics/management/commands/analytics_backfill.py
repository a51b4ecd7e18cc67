"""`manage.py analytics_backfill [--since YYYY-MM-DD] [--until YYYY-MM-DD]`: rebuild the daily KPI facts."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.services import facts_backfill


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2026-01-31.") from exc


class Command(BaseCommand):
    """Recompute every day in the range from the orders (the beat refresh then keeps it current)."""

    help = "Rebuild the KPI dashboard's daily facts, from the first order (or --since) to today (or --until)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="First day to rebuild (YYYY-MM-DD); default: the first order's day.")
        parser.add_argument("--until", help="Last day to rebuild (YYYY-MM-DD); default: today.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run `facts_backfill` and say how much it wrote."""
        start, end = _day(options.get("since")), _day(options.get("until"))
        if start and end and start > end:
            raise CommandError("--since is after --until: swap them.")
        result = facts_backfill(start=start, end=end)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {len(result.days)} day(s): {result.rows} fact row(s)."))
