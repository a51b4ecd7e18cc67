"""`manage.py seed_demo_partners`: the demo's dropship suppliers and a portal login (see `partners.demo`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from partners.demo import SUPPLIER_PASSWORD, SUPPLIER_USERNAME, seed_demo_partners


class Command(BaseCommand):
    """Run after `seed_demo` (it needs the network and the web channel). Idempotent."""

    help = "Give the demo's dropship locations their suppliers and SKU costs, a portal login and one purchase order."

    def handle(self, *args: Any, **options: Any) -> None:
        """Seed and print how to see the purchase order in the portal."""
        result = seed_demo_partners()
        if not result.partner:
            self.stdout.write("Demo supplier not added: no demo network yet (run seed_demo first).")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo supplier {result.partner}: {result.sku_costs} new SKU costs, purchase orders "
                f"{', '.join(result.purchase_orders) or 'none yet'}."
            )
        )
        for name in result.others:
            self.stdout.write(
                f"  Demo supplier {name} reads its purchase orders over the REST API "
                "(/api/v1/partner/purchase-orders; issue it a key on its partner page)."
            )
        password = SUPPLIER_PASSWORD if result.user_created else "(existing user, password unchanged)"
        self.stdout.write(f"  Supplier portal login: {SUPPLIER_USERNAME} / {password}  (/partners/portal/)")
