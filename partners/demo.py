"""The demo's dropship suppliers: Hearth & Loom runs the demo network's `ds-hearthloom` location,
Voltline Accessories its `ds-voltline` location.

`seed_demo_partners` (run by `make demo` after `seed_demo`) gives each location its partner, with a
cost for every SKU the location holds (routing adds them to a plan's cost); Hearth & Loom works in
the portal, with a login in the demo's password scheme and one web order of a SKU only it holds,
so its purchase order is waiting there; Voltline reads its purchase orders over the REST API. A
dropship location nobody owns would take orders that no one ships. Safe to run again: what exists
is kept.
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
    partner: str = ""  # the supplier working in the portal
    others: list[str] = field(default_factory=list)  # suppliers working over the API
    sku_costs: int = 0
    user_created: bool = False
    purchase_orders: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoSupplier:
    code: str
    name: str
    location: str
    exchange: str
    sku_prefix: str  # the supplier's own SKU is ours with its prefix


SUPPLIERS = (
    DemoSupplier("hearthloom", "Hearth & Loom Home", SUPPLIER_LOCATION, Exchange.PORTAL, "HL-"),
    DemoSupplier("voltline", "Voltline Accessories", "ds-voltline", Exchange.API, "VA-"),
)


def _costs(partner: Partner, location: Location, sku_prefix: str) -> int:
    """A cost for each SKU the supplier's location holds and the partner does not price yet."""
    priced = set(partner.sku_costs.values_list("sku_id", flat=True))
    levels = StockLevel.objects.filter(location=location).select_related("sku").order_by("sku__code")
    new = [
        PartnerSkuCost(
            partner=partner,
            sku=level.sku,
            unit_cost=(level.sku.price * COST_SHARE).quantize(Decimal("0.01")),
            supplier_sku=f"{sku_prefix}{level.sku.code}"[:64],
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


def _supplier(supplier: DemoSupplier, location: Location) -> tuple[Partner, int]:
    """The supplier's partner behind its location, with its SKU costs; how many costs were new."""
    partner, _ = Partner.objects.get_or_create(
        code=supplier.code,
        defaults={
            "name": supplier.name,
            "kind": PartnerKind.DROPSHIP,
            "exchange": supplier.exchange,
            "ack_sla_hours": 24,
            "ship_sla_hours": 48,
            "per_order_fee": Decimal("1.00"),
        },
    )
    partner.locations.add(location)
    return partner, _costs(partner, location, supplier.sku_prefix)


def seed_demo_partners() -> PartnerSeedResult:
    """Give the demo's dropship locations their suppliers and costs; Hearth & Loom a portal login and one
    purchase order."""
    result = PartnerSeedResult()
    locations = {
        location.code: location for location in Location.objects.filter(code__in=[s.location for s in SUPPLIERS])
    }
    if SUPPLIER_LOCATION not in locations:
        return result
    partners = {}
    with transaction.atomic():
        for supplier in SUPPLIERS:
            if supplier.location in locations:
                partners[supplier.location], costs = _supplier(supplier, locations[supplier.location])
                result.sku_costs += costs
        portal_partner = partners[SUPPLIER_LOCATION]
        result.partner = portal_partner.name
        result.others = [partner.name for code, partner in partners.items() if code != SUPPLIER_LOCATION]
        result.user_created = _portal_login(portal_partner)
    if not PurchaseOrder.objects.filter(partner=portal_partner).exists():
        _demo_order(locations[SUPPLIER_LOCATION])
    result.purchase_orders = [po.number for po in PurchaseOrder.objects.filter(partner=portal_partner).order_by("pk")]
    return result
