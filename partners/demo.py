"""The demo's dropship supplier: Hearth & Loom runs the demo network's `ds-hearthloom` location.

`seed_demo_partners` (run by `make demo` after `seed_demo`) gives that location its partner, with
a cost for every SKU the location holds (routing adds them to a plan's cost), a portal login in
the demo's password scheme, and one web order of a SKU only the supplier holds, so its purchase
order is waiting in the portal. Safe to run again: what exists is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from channels.models import Channel
from core.roles import SUPPLIER
from fulfillment.services.intake import order_import
from inventory.models import SKU, Location, LocationKind, StockLevel
from orders.models import Order
from orders.services import LineInput, OrderInput
from partners.models import Exchange, Partner, PartnerKind, PartnerSkuCost, PurchaseOrder
from partners.receivers_terms import partner_terms_sync
from partners.services import partner_user_set

SUPPLIER_LOCATION = "ds-hearthloom"
SUPPLIER_USERNAME = "supplier@example.com"
SUPPLIER_PASSWORD = "demo-supplier-2026"  # noqa: S105  (the demo's printed scheme: demo-<login>-2026)
#: What the supplier charges us, as a share of our selling price (routing weighs it against shipping from
#: our own stock, whose units cost nothing more, and against the backorder penalty).
COST_SHARE = Decimal("0.30")
DEMO_ORDER = "DEMO-DS-1001"


@dataclass
class PartnerSeedResult:
    partner: str = ""
    sku_costs: int = 0
    user_created: bool = False
    purchase_orders: list[str] = field(default_factory=list)


def _costs(partner: Partner, location: Location) -> int:
    """A cost for each SKU the supplier's location holds and the partner does not price yet."""
    priced = set(partner.sku_costs.values_list("sku_id", flat=True))
    levels = StockLevel.objects.filter(location=location).select_related("sku").order_by("sku__code")
    new = [
        PartnerSkuCost(
            partner=partner,
            sku=level.sku,
            unit_cost=(level.sku.price * COST_SHARE).quantize(Decimal("0.01")),
            supplier_sku=f"HL-{level.sku.code}"[:64],
        )
        for level in levels
        if level.sku_id not in priced
    ]
    PartnerSkuCost.objects.bulk_create(new)
    partner_terms_sync([location.pk])  # bulk_create sends no signal: routing's copy of the terms, once
    return len(new)


def _portal_login(partner: Partner) -> bool:
    user_model = get_user_model()
    user = user_model.objects.filter(username=SUPPLIER_USERNAME).first()
    created = user is None
    if user is None:
        user = user_model.objects.create_user(
            username=SUPPLIER_USERNAME,
            email=SUPPLIER_USERNAME,
            password=SUPPLIER_PASSWORD,
            first_name="Harper",
            last_name="Loom",
        )
    user.groups.add(Group.objects.get(name=SUPPLIER))
    partner_user_set(user=user, partner=partner)
    return created


def _only_here(location: Location) -> str | None:
    """The cheapest SKU the supplier holds that none of our own locations has in stock (routing sends it there:
    its cost stays under the backorder penalty)."""
    ours = StockLevel.objects.filter(on_hand__gt=0).exclude(location__kind=LocationKind.DROPSHIP_SUPPLIER)
    level = (
        StockLevel.objects.filter(location=location, on_hand__gte=5)
        .exclude(sku_id__in=ours.values("sku_id"))
        .select_related("sku")
        .order_by("sku__price", "sku__code")
        .first()
    )
    return level.sku.code if level else None


def _demo_order(location: Location) -> Order | None:
    web = Channel.objects.filter(code="web").first()
    code = _only_here(location)
    if web is None or code is None:
        return None
    data = OrderInput(
        external_id=DEMO_ORDER,
        customer_name="Dana Whitfield",
        customer_email="dana.whitfield@example.com",
        line1="401 Fayetteville St",
        city="Raleigh",
        region="NC",
        postal_code="27601",
        lines=(LineInput(code, 1, SKU.objects.get(code=code).price or Decimal("0.00")),),
    )
    return order_import(channel=web, data=data, actor_label="demo").order


def seed_demo_partners() -> PartnerSeedResult:
    """Give the demo's dropship location its supplier, costs, portal login and one purchase order."""
    result = PartnerSeedResult()
    location = Location.objects.filter(code=SUPPLIER_LOCATION).first()
    if location is None:
        return result
    with transaction.atomic():
        partner, _ = Partner.objects.get_or_create(
            code="hearthloom",
            defaults={
                "name": "Hearth & Loom Home",
                "kind": PartnerKind.DROPSHIP,
                "exchange": Exchange.PORTAL,
                "ack_sla_hours": 24,
                "ship_sla_hours": 48,
                "per_order_fee": Decimal("1.00"),
            },
        )
        partner.locations.add(location)
        result.partner = partner.name
        result.sku_costs = _costs(partner, location)
        result.user_created = _portal_login(partner)
    if not PurchaseOrder.objects.filter(partner=partner).exists():
        _demo_order(location)
    result.purchase_orders = [po.number for po in PurchaseOrder.objects.filter(partner=partner).order_by("pk")]
    return result
