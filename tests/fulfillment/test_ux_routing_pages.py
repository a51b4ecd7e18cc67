"""Money on the routing pages reads as money: dollars and cents, whatever the database hands back."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from fulfillment.demo import seed_carriers
from fulfillment.models import CostSettings
from fulfillment.views import routing as routing_views
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DOLLARS = re.compile(r"\$(\d[\d,]*(?:\.\d+)?)")


def dollar_figures(body: str) -> list[str]:
    return DOLLARS.findall(body)


@pytest.fixture
def viewer_client(client, db):
    user: Any = UserFactory(username="viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_carrier", content_type__app_label="fulfillment"))
    client.force_login(user)
    return client


def as_sqlite_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded SQLite database of `make demo` hands decimals back unscaled: 6, 14.5, 9.05000000000000."""
    real_carriers, real_costs = routing_views.carrier_list, routing_views.cost_settings_get

    def carriers() -> list[Any]:
        rows = list(real_carriers())
        for carrier in rows:
            service: Any
            for service in carrier.services.all():
                if service.lowest_price is not None:
                    service.lowest_price = Decimal("9.05000000000000")
        return rows

    def costs() -> CostSettings:
        current = real_costs()
        current.handling_warehouse, current.handling_store = Decimal("6"), Decimal("14.5")
        return current

    monkeypatch.setattr(routing_views, "carrier_list", carriers)
    monkeypatch.setattr(routing_views, "cost_settings_get", costs)


def test_every_price_on_the_routing_overview_has_two_decimals(viewer_client, monkeypatch):
    seed_carriers()
    as_sqlite_reads_them(monkeypatch)

    body = viewer_client.get(reverse("fulfillment:routing")).content.decode()

    figures = dollar_figures(body)
    assert "9.05" in figures and "6.00" in figures and "14.50" in figures
    assert [f for f in figures if not re.fullmatch(r"[\d,]+\.\d\d", f) and f != "0"] == []


def test_the_cost_form_shows_cents_to_those_who_edit_it(back_office_client, monkeypatch):
    seed_carriers()
    as_sqlite_reads_them(monkeypatch)

    body = back_office_client.get(reverse("fulfillment:routing")).content.decode()

    assert 'name="handling_warehouse" value="6.00"' in body and 'name="handling_store" value="14.50"' in body
    assert "$9.05<" in body and "9.0500" not in body
