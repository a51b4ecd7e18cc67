"""`manage.py seed_demo_orders --seed N`: demo orders from every channel (after `seed_demo`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fulfillment.demo.channel_orders import ORDERS_PER_CHANNEL, seed_channel_orders
from inventory.demo import DEFAULT_SEED


class Command(BaseCommand):
    """Place the tour order and a few orders per channel, routed and reserved; does nothing the second time."""

    help = (
        "Place demo orders on every channel (own shop, Shopify, Amazon, eBay, WooCommerce, store POS) with real "
        "prices, shipping and tax, and fill the operators' pack queue. Deterministic for a given --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """--seed and --per-channel."""
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED}).")
        parser.add_argument(
            "--per-channel",
            type=int,
            default=ORDERS_PER_CHANNEL,
            help=f"Orders per channel (default {ORDERS_PER_CHANNEL}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Place the orders through the intake service and say what was made."""
        result = seed_channel_orders(seed=options["seed"], per_channel=options["per_channel"])
        if not result.orders:
            self.stdout.write("Demo orders not placed: already there, or no demo network yet (run seed_demo first).")
            return
        placed = ", ".join(f"{count} {code}" for code, count in result.orders.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo orders: {placed}; tour order {result.tour_order}; {result.to_pack} shipments to pack."
            )
        )
