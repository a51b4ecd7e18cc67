"""`manage.py seed_demo --seed N`: build the demo network (see `inventory.demo`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carriers.demo import demo_web_address, seed_carrier_accounts
from fulfillment.demo import seed_carriers, seed_channels, seed_stores
from fulfillment.demo.consolidation import seed_consolidation
from inventory.demo import DEFAULT_SEED, DEFAULT_SKU_COUNT, apply_plan, build_plan
from inventory.models import Location
from marketplaces.demo import seed_channel_sync


class Command(BaseCommand):
    """Seed a fresh database with a realistic US network, SKUs, stock, transfers and demo logins."""

    help = (
        "Build the demo network through the inventory services: 16 locations, ~300 SKUs, opening stock, "
        "transfers in every state and one login per role. Deterministic for a given --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """--seed, --skus, --if-empty, --carrier-accounts."""
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED}).")
        parser.add_argument(
            "--skus", type=int, default=DEFAULT_SKU_COUNT, help=f"How many SKUs (default {DEFAULT_SKU_COUNT})."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any location exists (safe to run every time)."
        )
        parser.add_argument(
            "--carrier-accounts",
            action="store_true",
            help="Only add the carrier accounts on the web process's sandboxes, boxes and customs data, and point "
            "the demo's sandboxes at DEMO_HOST:DEMO_PORT (safe to repeat; run it after the seeds that ship orders, "
            "which cannot reach a web process not started yet).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Plan, write, and print what was built and how to log in."""
        if options["carrier_accounts"]:
            accounts = seed_carrier_accounts(demo_web_address())
            self.stdout.write(
                f"Carrier accounts on the sandboxes: {', '.join(accounts.accounts) or 'already there'}; "
                f"{accounts.boxes} new boxes, customs data for {accounts.customs} SKUs."
            )
            # Every `make demo` runs this step: sandboxes seeded under another DEMO_PORT follow the web process.
            moved = accounts.moved + seed_channel_sync().moved
            if moved:
                self.stdout.write(f"Sandbox addresses moved to {demo_web_address()}: {', '.join(moved)}.")
            return
        if Location.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data not loaded: the database already has locations.")
                return
            raise CommandError("The database already has locations; seed an empty database, or pass --if-empty.")
        if options["skus"] < 1:
            raise CommandError("--skus must be at least 1.")
        started = time.monotonic()
        plan = build_plan(seed=options["seed"], sku_count=options["skus"])
        result = apply_plan(plan, progress=lambda message: self.stdout.write(f"  {message}"))
        carriers = seed_carriers()
        channels = seed_channels()

        stores = seed_stores()

        marketplaces = seed_channel_sync()
        consolidation = seed_consolidation()
        transfers = ", ".join(f"{count} {status}" for status, count in sorted(result.transfers.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo network (seed {plan.seed}) built in {time.monotonic() - started:.1f} s: "
                f"{result.locations} locations, {result.skus} SKUs, {result.stock_levels} stock levels "
                f"({result.units} units), transfers: {transfers}."
            )
        )
        self.stdout.write("Demo logins (username / password):")
        for user in result.users:
            password = (
                "(existing user, password unchanged)" if user.username in result.existing_users else user.password
            )
            self.stdout.write(f"  {user.username:<11} {password:<22} {user.description}")
        self.stdout.write(
            f"Carriers: {carriers.carriers} carriers, {carriers.services} services, {carriers.rate_cells} rate cells. "
            f"Channels: {', '.join(channels.channels) or 'already there'}."
        )
        self.stdout.write(f"Stores: opening hours and pickup settings for {stores.stores} stores.")
        self.stdout.write(
            f"Consolidation: {consolidation.lanes} linehaul lanes, {consolidation.hubs} hub"
            + (", allowed by the default routing rules." if consolidation.allowed else ".")
        )
        self.stdout.write(
            f"Marketplaces on the sandboxes: {', '.join(marketplaces.channels) or 'already connected'}, "
            f"{marketplaces.listings} listings."
        )
        if channels.web_key:
            self.stdout.write("API key of the web channel (shown once; send it as 'Authorization: Token <key>'):")
            self.stdout.write(f"  {channels.web_key}")
