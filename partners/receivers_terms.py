"""Partners keep routing's copy of their terms (`fulfillment.LocationCostTerms`, `LocationSkuCost`) true.

Routing sits below partners and cannot read a partner; it reads the terms at each location from
fulfillment's tables. Every write of a partner, of the locations it runs or of its per-SKU prices
rewrites the terms of the locations concerned, in the same transaction. A location run by several
active partners takes the terms of the first by name (then id), and its purchase orders and 3PL
orders go to the first by name that can take them, so the partner routing priced is the one paid.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from fulfillment.services.routing.terms import location_cost_terms_clear, location_cost_terms_set
from partners.models import Partner, PartnerSkuCost


def partner_terms_sync(location_ids: Iterable[int]) -> None:
    """Rewrite routing's terms at these locations from the active partners that run them."""
    ids = sorted(set(location_ids))
    if not ids:
        return
    partners = (
        Partner.objects.filter(is_active=True, locations__in=ids)
        .prefetch_related("sku_costs", "locations")
        .order_by("name", "pk")
        .distinct()
    )
    runs: dict[int, Partner] = {}
    for partner in partners:
        for location in partner.locations.all():
            runs.setdefault(location.pk, partner)
    location_cost_terms_clear(location_ids=[location_id for location_id in ids if location_id not in runs])
    for location_id, partner in runs.items():
        if location_id not in ids:
            continue
        location_cost_terms_set(
            location_ids=[location_id],
            label=f"{partner.name} terms",
            order_fee=partner.per_order_fee,
            unit_fee=partner.handling_per_unit,
            sku_costs={cost.sku_id: cost.unit_cost for cost in partner.sku_costs.all()},
        )


def _partner_saved(sender: Any, instance: Partner, **kwargs: Any) -> None:
    partner_terms_sync(instance.locations.values_list("pk", flat=True))


def _partner_deleting(sender: Any, instance: Partner, **kwargs: Any) -> None:
    instance._terms_locations = list(instance.locations.values_list("pk", flat=True))  # type: ignore[attr-defined]


def _partner_deleted(sender: Any, instance: Partner, **kwargs: Any) -> None:
    partner_terms_sync(getattr(instance, "_terms_locations", []))


def _partner_locations_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action == "pre_clear":
        # the rows are gone by post_clear: remember which locations lose this partner
        if reverse:
            instance._terms_locations = [instance.pk]
        else:
            instance._terms_locations = list(instance.locations.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        partner_terms_sync(getattr(instance, "_terms_locations", []))
    elif reverse:  # location.partners.add(...): the instance is the location
        partner_terms_sync([instance.pk])
    else:
        partner_terms_sync(pk_set or ())


def _sku_cost_changed(sender: Any, instance: PartnerSkuCost, **kwargs: Any) -> None:
    partner = Partner.objects.filter(pk=instance.partner_id).first()
    if partner is not None:
        partner_terms_sync(partner.locations.values_list("pk", flat=True))


post_save.connect(_partner_saved, sender=Partner, dispatch_uid="partners.terms.partner_saved")
pre_delete.connect(_partner_deleting, sender=Partner, dispatch_uid="partners.terms.partner_deleting")
post_delete.connect(_partner_deleted, sender=Partner, dispatch_uid="partners.terms.partner_deleted")
m2m_changed.connect(
    _partner_locations_changed, sender=Partner.locations.through, dispatch_uid="partners.terms.partner_locations"
)
post_save.connect(_sku_cost_changed, sender=PartnerSkuCost, dispatch_uid="partners.terms.sku_cost_saved")
post_delete.connect(_sku_cost_changed, sender=PartnerSkuCost, dispatch_uid="partners.terms.sku_cost_deleted")
