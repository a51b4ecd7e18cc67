"""Copy every active partner's terms to routing's table at the locations it runs (`partners.receivers_terms`
keeps them true from now on)."""

from typing import Any

from django.db import migrations


def copy_terms(apps: Any, schema_editor: Any) -> None:
    partner_model = apps.get_model("partners", "Partner")
    terms_model = apps.get_model("fulfillment", "LocationCostTerms")
    sku_cost_model = apps.get_model("fulfillment", "LocationSkuCost")
    done: set[int] = set()
    for partner in partner_model.objects.filter(is_active=True).order_by("name", "pk"):
        prices = {cost.sku_id: cost.unit_cost for cost in partner.sku_costs.all() if cost.unit_cost}
        if not partner.per_order_fee and not partner.handling_per_unit and not prices:
            continue
        for location in partner.locations.all():
            if location.pk in done:  # the first partner by name sets a shared location's terms
                continue
            done.add(location.pk)
            terms_model.objects.update_or_create(
                location_id=location.pk,
                defaults={
                    "label": f"{partner.name} terms"[:140],
                    "order_fee": partner.per_order_fee,
                    "unit_fee": partner.handling_per_unit,
                },
            )
            sku_cost_model.objects.bulk_create(
                [
                    sku_cost_model(location_id=location.pk, sku_id=sku_id, unit_cost=cost)
                    for sku_id, cost in prices.items()
                ],
                ignore_conflicts=True,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_threepl_connector"),
        ("fulfillment", "0010_routing_terms"),
    ]

    operations = [migrations.RunPython(copy_terms, migrations.RunPython.noop)]
