"""The Routing pages: overview, carrier and service forms, the rate grid, the calculator, permissions."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.roles import STORE_ASSOCIATE
from fulfillment.demo import seed_carriers
from fulfillment.forms import pounds_text
from fulfillment.models import Carrier, CarrierService, CostSettings, RateCardRow, RoutingPolicy, TransitTime, ZoneBand
from fulfillment.services.rates import carrier_create, carrier_service_create
from fulfillment.services.routing import cost_model_forget, cost_model_load
from tests.factories import UserFactory, user_with_role
from tests.factories.pages import make_location, make_sku

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("fulfillment:routing")
CALCULATOR = reverse("fulfillment:rate_calculator")
GROUND = reverse("fulfillment:service_rates", kwargs={"code": "parcelway", "service": "ground"})


def text(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def fresh_cost_model():
    cost_model_forget()
    yield
    cost_model_forget()


@pytest.fixture
def carriers(db):
    return seed_carriers()


@pytest.fixture
def viewer_client(client, db):
    """A user who may look at carriers and rates but not change them."""
    user: Any = UserFactory(username="viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_carrier", content_type__app_label="fulfillment"))
    client.force_login(user)
    return client


@pytest.fixture
def associate_client(client, store):
    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[store]))
    return client


def grid_post(service: CarrierService, **overrides: str) -> dict[str, str]:
    """The rate grid form as the page would post it for the service's current table."""
    rows = sorted(set(service.rates.values_list("max_weight_grams", flat=True)))
    data = {"rows": str(len(rows))}
    for index, grams in enumerate(rows):
        data[f"row{index}_weight"] = pounds_text(grams)
        for row in service.rates.filter(max_weight_grams=grams):
            data[f"row{index}_zone{row.zone}"] = str(row.price)
    for transit in service.transit_times.all():
        data[f"transit_zone{transit.zone}"] = str(transit.days)
    data.update(overrides)
    return data


def table(service: CarrierService) -> tuple[list[tuple], list[tuple]]:
    return (
        list(
            RateCardRow.objects.filter(service=service)
            .order_by("id")
            .values_list("id", "zone", "max_weight_grams", "price")
        ),
        list(TransitTime.objects.filter(service=service).order_by("id").values_list("id", "zone", "days")),
    )


# --- Overview ------------------------------------------------------------------------------


def test_overview_lists_carriers_services_zones_costs_and_rules(back_office_client, carriers):
    response = back_office_client.get(OVERVIEW)
    assert response.status_code == 200
    body = text(response)
    for name in ("Parcelway", "Swiftship", "Postline", "Metro Courier", "Ground Advantage", "Next Day Air"):
        assert name in body
    assert f'href="{GROUND}"' in body
    assert 'name="zone1" value="50"' in body and 'name="zone7" value="1800"' in body
    assert 'name="ship_from_store_radius_miles" value="60"' in body
    assert 'name="handling_store" value="3.50"' in body
    assert '<a href="/fulfillment/routing/" aria-current="page">Routing</a>' in body


def test_overview_queries_do_not_grow_with_carriers(back_office_client, carriers, django_assert_num_queries):
    back_office_client.get(OVERVIEW)
    with django_assert_num_queries(13) as first:
        back_office_client.get(OVERVIEW)
    for n in range(3):
        carrier = carrier_create(code=f"extra-{n}", name=f"Extra {n}")
        for level in ("standard", "express"):
            carrier_service_create(carrier=carrier, code=level, name=level.title(), level=level)
        make_location(code=f"extra-loc-{n}")
    with django_assert_num_queries(len(first.captured_queries)):
        back_office_client.get(OVERVIEW)


def test_a_viewer_sees_the_settings_but_no_forms(viewer_client, carriers):
    body = text(viewer_client.get(OVERVIEW))
    assert "Parcelway" in body and "up to 1,800 mi" in body
    assert 'name="section"' not in body and "New carrier" not in body
    assert viewer_client.post(OVERVIEW, {"section": "costs", "package_cost": "1"}).status_code == 403
    grid = text(viewer_client.get(GROUND))
    assert "<input" not in grid.split('id="rate-grid"')[1].split("</table>")[0]
    assert "$9.45" in grid
    service = CarrierService.objects.get(code="ground")
    before = table(service)
    assert viewer_client.post(GROUND, grid_post(service, row1_zone1="1.00")).status_code == 403
    assert table(service) == before


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", OVERVIEW),
        ("post", OVERVIEW),
        ("get", CALCULATOR),
        ("get", GROUND),
        ("post", GROUND),
        ("get", reverse("fulfillment:carrier_create")),
        ("get", reverse("fulfillment:carrier_edit", kwargs={"code": "parcelway"})),
        ("get", reverse("fulfillment:service_create", kwargs={"code": "parcelway"})),
        ("post", reverse("fulfillment:service_edit", kwargs={"code": "parcelway", "service": "ground"})),
    ],
)
def test_store_associates_get_403_everywhere(associate_client, carriers, method, url):
    before = (list(CostSettings.objects.values_list()), RateCardRow.objects.count())
    response = getattr(associate_client, method)(url, {"section": "costs", "rows": "0"})
    assert response.status_code == 403
    assert (list(CostSettings.objects.values_list()), RateCardRow.objects.count()) == before


def test_the_nav_shows_routing_only_to_who_may_open_it(associate_client, carriers):
    assert 'href="/fulfillment/routing/"' not in text(associate_client.get("/"))


# --- Cost settings, rules, zones ---------------------------------------------------------------


COSTS = {
    "section": "costs",
    "handling_warehouse": "1.75",
    "handling_store": "4.00",
    "handling_3pl": "2.25",
    "handling_dropship": "4.00",
    "package_cost": "0.95",
    "late_penalty_per_day": "6.00",
    "backorder_penalty_per_unit": "30.00",
}


def test_save_cost_settings_and_routing_uses_them(back_office_client, carriers, django_capture_on_commit_callbacks):
    cost_model_load()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = back_office_client.post(OVERVIEW, COSTS)
    assert response.status_code == 302 and response["Location"] == OVERVIEW
    assert len(callbacks) == 1
    assert CostSettings.objects.get().package_cost == Decimal("0.95")
    assert cost_model_load().package_cost == Decimal("0.95")  # the cache was dropped after commit
    assert "Cost settings saved" in text(back_office_client.get(OVERVIEW))


def test_a_negative_cost_is_refused_and_nothing_changes(back_office_client, carriers):
    before = list(CostSettings.objects.values_list())
    response = back_office_client.post(OVERVIEW, {**COSTS, "package_cost": "-1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = text(response)
    assert "<html" not in body and 'id="costs-card"' in body
    assert re.search(r'name="package_cost"[^>]*aria-invalid="true"', body)
    assert list(CostSettings.objects.values_list()) == before


def test_htmx_save_answers_the_card_with_the_message(back_office_client, carriers):
    response = back_office_client.post(OVERVIEW, COSTS, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and 'id="costs-card"' in body and 'hx-swap-oob="innerHTML"' in body
    assert "Cost settings saved" in body


POLICY = {
    "section": "policy",
    "excluded_kinds": ["dropship_supplier"],
    "excluded_locations": ["chi-store"],
    "max_packages": "2",
    "ship_from_store_radius_miles": "45",
    "priority_tiers": "dal-dc, nyc-store\n\nchi-store",
    "keep_together": "bed-frame, BED-SLATS",
}


def test_save_the_default_routing_rules(back_office_client, carriers, warehouse, store, other_store):
    make_sku(code="BED-FRAME")
    make_sku(code="BED-SLATS")
    response = back_office_client.post(OVERVIEW, POLICY)
    assert response.status_code == 302
    policy = RoutingPolicy.objects.get(channel__isnull=True)
    assert policy.excluded_kinds == ["dropship_supplier"]
    assert list(policy.excluded_locations.values_list("code", flat=True)) == ["chi-store"]
    assert policy.priority_tiers == [["dal-dc", "nyc-store"], ["chi-store"]]
    assert policy.keep_together == [["BED-FRAME", "BED-SLATS"]]
    assert (policy.max_packages, policy.ship_from_store_radius_miles) == (2, 45)
    body = text(back_office_client.get(OVERVIEW))
    assert "dal-dc, nyc-store\nchi-store" in body


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"priority_tiers": "dal-dc\nnowhere"}, "There is no location with the code &#x27;nowhere&#x27;."),
        ({"priority_tiers": "dal-dc\ndal-dc"}, "dal-dc is in tier 1 and tier 2"),
        ({"keep_together": "BED-FRAME, NO-SUCH-SKU"}, "Line 1: there is no SKU with the code &#x27;NO-SUCH-SKU&#x27;."),
        ({"keep_together": "BED-FRAME"}, "a group keeps two or more together"),
        ({"max_packages": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_routing_rules_are_refused_on_their_field(
    back_office_client, carriers, warehouse, store, other_store, change, error
):
    make_sku(code="BED-FRAME")
    before = list(RoutingPolicy.objects.values_list())
    response = back_office_client.post(OVERVIEW, {**POLICY, "excluded_locations": [], **change})
    assert response.status_code == 422
    assert error in text(response)
    assert list(RoutingPolicy.objects.values_list()) == before


def test_zone_bands_must_grow(back_office_client, carriers):
    bands = {f"zone{zone}": str(miles) for zone, miles in enumerate((50, 150, 300, 600, 1000, 1400, 1800), start=1)}
    response = back_office_client.post(OVERVIEW, {"section": "zones", **bands, "zone4": "250"})
    assert response.status_code == 422
    assert "Zone 4 must reach farther than zone 3 (300 mi)." in text(response)
    assert list(ZoneBand.objects.values_list("max_miles", flat=True)) == [50, 150, 300, 600, 1000, 1400, 1800]
    assert back_office_client.post(OVERVIEW, {"section": "zones", **bands, "zone1": "40"}).status_code == 302
    assert ZoneBand.objects.get(zone=1).max_miles == 40


def test_an_unknown_section_is_a_400(back_office_client, carriers):
    assert back_office_client.post(OVERVIEW, {"section": "nope"}).status_code == 400


# --- The rate grid ---------------------------------------------------------------------------


def test_service_page_shows_the_rate_table_as_a_grid(back_office_client, carriers):
    body = text(back_office_client.get(GROUND))
    assert (
        'name="row0_weight" id="row0_weight" value="0.5"' in body
        and 'name="row9_weight" id="row9_weight" value="70"' in body
    )
    assert 'name="row1_zone1" id="row1_zone1" value="9.45"' in body
    assert 'name="transit_zone8" id="transit_zone8" value="5"' in body
    assert 'name="rows" value="11"' in body  # ten brackets and a blank row to add one


def test_grid_page_queries_are_constant(back_office_client, carriers, django_assert_num_queries):
    with django_assert_num_queries(7) as first:
        back_office_client.get(GROUND)
    courier = reverse("fulfillment:service_rates", kwargs={"code": "metro-courier", "service": "same-day"})
    with django_assert_num_queries(len(first.captured_queries)):
        back_office_client.get(courier)


def test_one_bad_cell_writes_nothing_and_says_which_cell(back_office_client, carriers):
    service = CarrierService.objects.get(code="ground")
    before = table(service)
    data = grid_post(service, row0_zone2="5.00", row1_zone3="12,5o", row4_zone8="99.99")
    response = back_office_client.post(GROUND, data)
    assert response.status_code == 422
    body = text(response)
    assert "1 cell needs fixing" in body and "nothing was saved" in body
    assert re.search(r'href="#row1_zone3">Row 2 \(up to 1 lb\), zone 3</a>: Enter a price in dollars', body)
    assert re.search(r'name="row1_zone3" id="row1_zone3" value="12,5o"[^>]*aria-invalid="true"', body)
    assert 'value="99.99"' in body  # what was typed stays in the grid
    assert table(service) == before


def test_cross_cell_problems_are_reported_cell_by_cell(back_office_client, carriers):
    service = CarrierService.objects.get(code="ground")
    before = table(service)
    data = grid_post(service, row3_zone5="1.00", transit_zone6="")
    response = back_office_client.post(GROUND, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    body = text(response)
    assert "<html" not in body and "2 cells need fixing" in body
    assert "Row 4 (up to 3 lb), zone 5</a>: Costs less than the lighter 2 lb bracket" in body
    assert "Transit days, zone 6</a>: Zone 6 has prices: enter its transit days." in body
    assert table(service) == before


def test_save_the_grid_replaces_the_table_and_routing_sees_it(
    back_office_client, carriers, django_capture_on_commit_callbacks
):
    service = CarrierService.objects.get(code="ground")
    cost_model_load()
    data = grid_post(service, row1_zone1="9.99", row10_weight="80", transit_zone8="4")
    data["rows"] = "11"
    data.update({f"row10_zone{zone}": f"{150 + zone}.00" for zone in range(1, 9)})
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office_client.post(GROUND, data)
    assert response.status_code == 302 and response["Location"] == GROUND
    assert RateCardRow.objects.get(service=service, zone=1, max_weight_grams=454).price == Decimal("9.99")
    assert RateCardRow.objects.filter(service=service).count() == 88
    assert TransitTime.objects.get(service=service, zone=8).days == 4
    ground = next(card for card in cost_model_load().rate_cards if card.service == "ground")
    assert ground.rates[1][1] == (454, Decimal("9.99")) and ground.rates[1][-1] == (36287, Decimal("151.00"))
    assert "11 weight brackets in 8 zones" in text(back_office_client.get(GROUND))


def test_clearing_a_row_removes_the_bracket_and_add_row_saves_nothing(back_office_client, carriers):
    service = CarrierService.objects.get(code="ground")
    before = table(service)
    response = back_office_client.post(GROUND, {**grid_post(service), "add_row": "1"})
    assert response.status_code == 200 and 'name="rows" value="11"' in text(response)
    assert table(service) == before
    data = grid_post(service, row9_weight="", **{f"row9_zone{zone}": "" for zone in range(1, 9)})
    assert back_office_client.post(GROUND, data).status_code == 302
    assert sorted(set(service.rates.values_list("max_weight_grams", flat=True)))[-1] == 22680


# --- Carriers and services -----------------------------------------------------------------


def test_add_a_carrier_then_a_service_then_its_rates(back_office_client, carriers):
    response = back_office_client.post(
        reverse("fulfillment:carrier_create"), {"code": "lonestar", "name": "Lone Star Overnight", "is_active": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("fulfillment:service_create", kwargs={"code": "lonestar"})
    response = back_office_client.post(
        response["Location"], {"code": "overnight", "name": "Overnight", "level": "next_day", "is_active": "on"}
    )
    rates_url = reverse("fulfillment:service_rates", kwargs={"code": "lonestar", "service": "overnight"})
    assert response.status_code == 302 and response["Location"] == rates_url
    body = text(back_office_client.get(rates_url))
    assert "No rates yet" not in body and 'name="row0_weight" id="row0_weight" value=""' in body
    data = {
        "rows": "1",
        "row0_weight": "5",
        "row0_zone1": "30.00",
        "row0_zone2": "35.00",
        "transit_zone1": "1",
        "transit_zone2": "1",
    }
    assert back_office_client.post(rates_url, data).status_code == 302
    assert RateCardRow.objects.filter(service__carrier__code="lonestar").count() == 2


def test_a_duplicate_carrier_code_is_a_form_error(back_office_client, carriers):
    response = back_office_client.post(reverse("fulfillment:carrier_create"), {"code": "parcelway", "name": "Again"})
    assert response.status_code == 422
    assert "A carrier with the code &#x27;parcelway&#x27; already exists." in text(response)
    assert Carrier.objects.filter(code="parcelway").count() == 1


def test_edit_a_carrier_keeps_its_code(back_office_client, carriers):
    url = reverse("fulfillment:carrier_edit", kwargs={"code": "parcelway"})
    response = back_office_client.post(url, {"code": "renamed", "name": "Parcelway Inc."})
    assert response.status_code == 302
    carrier = Carrier.objects.get(code="parcelway")
    assert carrier.name == "Parcelway Inc." and not carrier.is_active


def test_reserved_and_bad_service_fields(back_office_client, carriers):
    url = reverse("fulfillment:service_create", kwargs={"code": "parcelway"})
    response = back_office_client.post(url, {"code": "edit", "name": "Edit", "level": "standard"})
    assert response.status_code == 422 and "is reserved" in text(response)
    response = back_office_client.post(url, {"code": "warp", "name": "Warp", "level": "warp"})
    assert response.status_code == 422 and "Select a valid choice" in text(response)
    assert not CarrierService.objects.filter(code__in=["edit", "warp"]).exists()


# --- What would it cost ----------------------------------------------------------------------


def test_the_calculator_prices_every_card_with_the_engine(back_office_client, carriers, warehouse):
    response = back_office_client.get(
        CALCULATOR, {"origin": "dal-dc", "postal_code": "75201", "weight_lb": "1", "level": "standard"}
    )
    assert response.status_code == 200
    body = text(response)
    assert '<dd data-figure="zone">1</dd>' in body
    assert re.search(r'data-figure="chosen">Postline Ground Advantage<', body)
    postline = body.split('data-card="postline/ground-advantage"')[1].split("</tr>")[0]
    assert "$7.25" in postline and "Cheapest" in postline
    assert "$9.45" in body.split('data-card="parcelway/ground"')[1].split("</tr>")[0]
    # Handling (warehouse $1.50) and the package ($0.85) are added for the cards routing may use.
    assert "$9.60" in postline
    courier = body.split('data-card="metro-courier/same-day"')[1].split("</tr>")[0]
    assert "$14.50" in courier


def test_the_calculator_for_a_far_heavy_parcel(back_office_client, carriers, warehouse):
    body = text(
        back_office_client.get(
            CALCULATOR, {"origin": "dal-dc", "postal_code": "98101", "weight_lb": "9", "level": "next_day"}
        )
    )
    assert '<dd data-figure="zone">7</dd>' in body  # Dallas to Seattle: about 1,680 miles
    courier = body.split('data-card="metro-courier/same-day"')[1].split("</tr>")[0]
    assert "Does not serve zone 7." in courier
    ground = body.split('data-card="parcelway/ground"')[1].split("</tr>")[0]
    assert "Slower than the level asked for." in ground
    assert re.search(
        r'data-figure="chosen">(Parcelway Next Day Air|Swiftship Priority Overnight|Postline Priority Mail Express)<',
        body,
    )


def test_the_calculator_refuses_an_unknown_zip_on_its_field(back_office_client, carriers, warehouse):
    response = back_office_client.get(
        CALCULATOR,
        {"origin": "dal-dc", "postal_code": "00000", "weight_lb": "1", "level": "standard"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    body = text(response)
    assert "<html" not in body and "is not a known US ZIP code" in body
    assert re.search(r'name="postal_code"[^>]*aria-invalid="true"', body)


def test_the_empty_calculator_is_a_form(back_office_client, carriers, warehouse):
    response = back_office_client.get(CALCULATOR)
    assert response.status_code == 200 and 'value="dal-dc"' in text(response) and "quote-cards" not in text(response)


def test_an_untouched_weight_keeps_its_exact_grams(back_office_client, carriers):
    service = CarrierService.objects.get(code="ground")
    RateCardRow.objects.filter(service=service, max_weight_grams=907).update(max_weight_grams=1000)
    body = text(back_office_client.get(GROUND))
    assert 'name="row2_grams" value="1000"' in body and 'id="row2_weight" value="2.2"' in body
    data = grid_post(service)
    data["row2_grams"] = "1000"
    assert back_office_client.post(GROUND, data).status_code == 302
    assert 1000 in set(service.rates.values_list("max_weight_grams", flat=True))
    data["row2_weight"] = "2.5"
    assert back_office_client.post(GROUND, data).status_code == 302
    assert 1134 in set(service.rates.values_list("max_weight_grams", flat=True))
