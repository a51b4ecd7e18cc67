"""Routing's copy of partner terms now keeps a row at every location an active partner runs, terms of
nothing included: routing sends a dropship supplier's location orders only while someone runs it.
Add the rows that terms of nothing left out before."""

from decimal import Decimal
from typing import Any

from django.db import migrations


def mark_run_locations(apps: Any, schema_editor: Any) -> None:
    partner_model = apps.get_model("partners", "Partner")
    terms_model = apps.get_model("fulfillment", "LocationCostTerms")
    have = set(terms_model.objects.values_list("location_id", flat=True))
    for partner in partner_model.objects.filter(is_active=True).order_by("name", "pk"):
        for location in partner.locations.all():
            if location.pk in have:  # its terms, or the first partner's by name at a shared location
                continue
            have.add(location.pk)
            terms_model.objects.create(
                location_id=location.pk,
                label=f"{partner.name} terms"[:140],
                order_fee=Decimal("0.00"),
                unit_fee=Decimal("0.00"),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0006_stock_purchase_orders"),
        ("fulfillment", "0010_routing_terms"),
    ]

    operations = [migrations.RunPython(mark_run_locations, migrations.RunPython.noop)]
