"""The demo's stores: hours and settings from `seed_demo`, pickups and requests from `seed_store_orders`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from fulfillment.models import OpeningHours, Pickup, PickupStatus, Shipment, ShipmentStatus
from fulfillment.services import cost_model_forget
from inventory.models import LocationKind
from inventory.services import ledger_verify

pytestmark = pytest.mark.django_db


def test_demo_stores_have_hours_pickups_in_every_state_and_requests():
    cost_model_forget()
    call_command("seed_demo", "--seed", "42", stdout=StringIO())  # the demo as `make demo` builds it
    assert OpeningHours.objects.filter(location__kind=LocationKind.STORE).values("location").distinct().count() == 8
    out = StringIO()

    call_command("seed_store_orders", stdout=out)

    assert "Store demo: pickups" in out.getvalue()
    assert set(Pickup.objects.values_list("status", flat=True)) == {
        PickupStatus.NEW,
        PickupStatus.PICKING,
        PickupStatus.READY,
        PickupStatus.PICKED_UP,
    }
    requests = Shipment.objects.filter(
        location__kind=LocationKind.STORE, status=ShipmentStatus.REQUESTED, accept_by__isnull=False
    )
    assert requests.filter(location__code="nyc-herald-sq").exists()
    assert ledger_verify() == []
    again = StringIO()
    call_command("seed_store_orders", stdout=again)
    assert "not placed" in again.getvalue() and Pickup.objects.count() == 4
    cost_model_forget()
