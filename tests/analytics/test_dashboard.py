"""The KPI dashboard: figures from the facts, drill-down links that list the same orders, CSV, permissions."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics.services import facts_backfill
from core.roles import BACK_OFFICE, STORE_ASSOCIATE
from inventory.models import SKU, LocationKind
from tests.analytics.conftest import ship
from tests.factories import LocationFactory, stocked, user_with_role
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(web: Any, market: Any, warehouse: Any, tee: Any, mug: Any) -> dict[str, Any]:
    """Three web orders (one split between Dallas and Atlanta), one marketplace order; facts built."""
    atlanta: Any = LocationFactory(
        code="atl-dc", name="Atlanta DC", kind=LocationKind.WAREHOUSE, postal_code="30303",
        latitude="33.749000", longitude="-84.388000", timezone="America/New_York",
    )  # fmt: skip
    stocked(warehouse, tee, 10)
    stocked(atlanta, mug, 10)
    orders = {
        "one": place_order(web, [("TEE-BLK-M", 1)], external_id="one").order,
        "split": place_order(web, [("TEE-BLK-M", 1), ("MUG-WHT", 1)], external_id="split").order,
        "two": place_order(web, [("MUG-WHT", 1)], external_id="two").order,
        "market": place_order(market, [("TEE-BLK-M", 1), ("MUG-WHT", 1)], external_id="m-split").order,
    }
    facts_backfill(start=timezone.localdate())
    return {"atlanta": atlanta, **orders}


@pytest.fixture
def kpi_client(client: Any) -> Any:
    client.force_login(user_with_role(BACK_OFFICE, username="analyst"))
    return client


def test_the_dashboard_shows_each_rate_from_the_facts(
    kpi_client: Any, network: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(20):  # sessions, user and permissions, then a constant set of reads
        response = kpi_client.get(reverse("analytics:dashboard"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-figure="split_rate">50.0%' in text  # 2 of 4 orders split
    assert 'data-figure="fill_rate">100.0%' in text
    assert 'data-figure="forecast">—' in text and "No forecasts yet" in text
    assert "<svg" in text and 'id="chart-locations"' in text


def test_the_dashboard_answers_in_the_same_number_of_queries_for_more_orders(
    kpi_client: Any, network: Any, web: Any, django_assert_num_queries: Any
) -> None:
    url = reverse("analytics:dashboard") + "?days=30"
    kpi_client.get(url)
    before = _count(kpi_client, url)
    for n in range(3):
        place_order(web, [("TEE-BLK-M", 1)], external_id=f"more-{n}")
    facts_backfill(start=timezone.localdate())
    with django_assert_num_queries(before):
        response = kpi_client.get(url)
    assert response.context["orders"] == 7


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured.captured_queries)


def test_a_split_rate_links_to_exactly_the_split_orders_of_that_channel_and_period(
    kpi_client: Any, network: Any, web: Any
) -> None:
    response = kpi_client.get(reverse("analytics:dashboard"), {"channel": "web"})
    text = response.content.decode()
    assert 'data-figure="split_rate">33.3%' in text  # one of the three web orders
    card = text.split('data-kpi="split_rate"')[1]
    link = card.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert "kpi=split" in link and "channel=web" in link

    listed = kpi_client.get(link).content.decode()
    assert network["split"].number in listed
    assert network["one"].number not in listed and network["market"].number not in listed
    assert "Split into several shipments" in listed  # the list says why it is narrowed


def test_a_location_row_links_to_the_orders_it_shipped_for(kpi_client: Any, network: Any) -> None:
    response = kpi_client.get(reverse("analytics:dashboard"), {"metric": "split_rate"})
    text = response.content.decode()
    row = text.split('data-location="atl-dc"')[1].split("</tr>")[0]
    assert 'data-cell="split_rate"><a href="' in row
    assert "66.7%" in row  # Atlanta shipped for three orders, two of them split
    link = row.split('data-cell="split_rate"><a href="')[1].split('"')[0].replace("&amp;", "&")
    listed = kpi_client.get(link).content.decode()
    assert network["split"].number in listed and network["market"].number in listed
    assert network["two"].number not in listed


def test_a_reversed_range_says_what_to_fix(kpi_client: Any, network: Any) -> None:
    response = kpi_client.get(reverse("analytics:dashboard"), {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 200
    assert "“From” is after “To”: swap the two dates." in response.content.decode()


def test_the_csv_export_has_a_row_per_day_with_every_rate(kpi_client: Any, network: Any) -> None:
    response = kpi_client.get(reverse("analytics:export"), {"days": "7"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 7
    today = rows[-1]
    assert today["day"] == timezone.localdate().isoformat()
    assert (today["orders"], today["split_rate_percent"], today["split_rate_of"]) == ("4", "50.0", "4")
    assert rows[0]["orders"] == "0" and rows[0]["split_rate_percent"] == ""


def test_store_associates_may_not_see_the_kpis(client: Any, store: Any) -> None:
    client.force_login(user_with_role(STORE_ASSOCIATE, username="clerk", locations=[store]))
    assert client.get(reverse("analytics:dashboard")).status_code == 403
    assert client.get(reverse("analytics:export")).status_code == 403


def test_forecast_accuracy_comes_from_the_planning_backtests(kpi_client: Any, network: Any, warehouse: Any) -> None:
    from planning.models import DemandForecast, ForecastScope

    for code, mean, error in (("TEE-BLK-M", 10.0, 2.0), ("MUG-WHT", 30.0, 6.0)):
        DemandForecast.objects.create(
            scope=ForecastScope.LOCATION, sku=SKU.objects.get(code=code), location=warehouse,
            as_of=timezone.localdate(), horizon_days=28, model_name="ets", daily_mean=mean, backtest_mae=error,
        )  # fmt: skip
    text = kpi_client.get(reverse("analytics:dashboard")).content.decode()
    assert 'data-figure="forecast">80.0%' in text  # 1 - (2 + 6) / (10 + 30), weighted by demand
    assert "2 series, backtest" in text


def test_cost_per_order_compares_plan_and_labels_of_orders_shipped_in_full(
    kpi_client: Any, web: Any, warehouse: Any, tee: Any, carriers: Any
) -> None:
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="shipped").order
    box = ship(order.shipments.get())
    facts_backfill(start=timezone.localdate())

    text = kpi_client.get(reverse("analytics:dashboard")).content.decode()

    table = text.split('id="cost-per-order"')[1].split("</table>")[0]
    shipping = table.split('data-part="shipping"')[1].split("</tr>")[0]
    planned = order.routing_decisions.get().plan["cost_breakdown"]["shipping"]
    assert f"${planned}" in shipping and f"${box.label_rate}" in shipping
    assert "1 order shipped in full" in text
