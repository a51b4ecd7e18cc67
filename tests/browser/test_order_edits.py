"""In headless Chromium, on a desk (1440 px) and a phone (390 px): a new ship-to that moves an order to
another location, part of it cancelled with a reason, and the location chosen by hand from the priced list.

Screenshots land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import BACK_OFFICE
from fulfillment.demo import seed_carriers
from fulfillment.models import ShipmentStatus
from fulfillment.services import cost_model_forget
from inventory.models import LocationKind
from tests.browser.support import PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import stocked, user_with_role
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


def _order() -> Any:
    seed_carriers()
    cost_model_forget()
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    newyork = make_location(
        code="nyc-dc",
        name="New York DC",
        kind=LocationKind.WAREHOUSE,
        city="New York",
        region="NY",
        postal_code="10001",
        latitude="40.750600",
        longitude="-73.997200",
        timezone="America/New_York",
    )
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M", weight_grams=300)
    mug = make_sku(code="MUG-WHT", name="White mug", weight_grams=450)
    cap = make_sku(code="CAP-RED", name="Red cap", weight_grams=120)
    for location in (dallas, newyork):
        for sku in (tee, mug, cap):
            stocked(location, sku, 20)
    web: Any = ChannelFactory(code="web", name="Web shop")
    return place_order(
        web, [("TEE-BLK-M", 3), ("MUG-WHT", 1)], postal_code="10001", line1="1 Penn Plaza", city="New York"
    ).order


def _status(page: Any) -> str:
    return str(page.locator("#messages [role=status]").last.inner_text())


@pytest.mark.parametrize(("size", "viewport"), [("desktop", WIDE), ("phone", PHONE)])
def test_edit_an_order_before_pick(chromium: Any, live_server: Any, size: str, viewport: dict[str, int]) -> None:
    order = _order()
    user_with_role(BACK_OFFICE, username="pat")
    errors: list[str] = []
    page = chromium.new_context(viewport=viewport).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, "pat", f"/orders/{order.pk}/")

    # A postal code that cannot be placed is refused on its field, with what was typed kept.
    page.locator("#edit-ship-to summary").click()
    page.get_by_label("Postal code").fill("00000")
    page.get_by_role("button", name="Save address").click()
    page.locator("#ship-postal-error").wait_for()
    assert "correct the address" in page.locator("#ship-postal-error").inner_text()
    assert page.get_by_label("Postal code").input_value() == "00000"
    page.screenshot(path=str(SCREENSHOTS / f"order-edit-ship-to-refused-{size}.png"), full_page=True)

    # A new ship-to in Dallas: the order moves to the Dallas warehouse and the message says why.
    page.get_by_label("Street address").fill("1 Main St")
    page.get_by_label("City").fill("Dallas")
    page.get_by_label("State / region").fill("TX")
    page.get_by_label("Postal code").fill("75201")
    page.screenshot(path=str(SCREENSHOTS / f"order-edit-ship-to-{size}.png"), full_page=True)
    page.get_by_role("button", name="Save address").click()
    page.locator("#messages [role=status]").first.wait_for()
    assert "Moved from nyc-dc to dal-dc" in _status(page)
    assert page.locator("[data-shipment][data-location=dal-dc]").count() == 1
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"order-edit-rerouted-{size}.png"), full_page=True)

    # Part of it cancelled: one tee, with a reason; the rest still ships.
    page.locator("#edit-cancel-part summary").click()
    page.locator("#edit-cancel-part [data-sku=TEE-BLK-M] input[type=number]").fill("1")
    page.get_by_label("Why?").fill("customer wants two")
    page.get_by_role("button", name="Cancel these units").click()
    page.locator("#messages [role=status]").get_by_text("units cancelled").wait_for()
    assert page.locator("#order-lines [data-sku=TEE-BLK-M] [data-cell=cancelled]").inner_text() == "1"
    assert "Cancelled TEE-BLK-M x1: customer wants two" in page.locator("#timeline").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"order-edit-part-cancelled-{size}.png"), full_page=True)

    # A line added with the SKU picker: typing lists matching SKUs, one is picked; the new units are reserved too.
    page.locator("#edit-lines summary").click()
    page.get_by_label("Add a SKU").press_sequentially("cap")
    page.locator("#edit-lines [role=option][data-code=CAP-RED]").click()
    assert page.get_by_label("Add a SKU").input_value() == "CAP-RED"
    page.get_by_label("Units").fill("2")
    page.screenshot(path=str(SCREENSHOTS / f"order-edit-lines-{size}.png"), full_page=True)
    page.get_by_role("button", name="Save lines and reserve again").click()
    page.locator("#messages [role=status]").get_by_text("lines changed").wait_for()
    assert page.locator("#order-lines [data-sku=CAP-RED] [data-cell=allocated]").inner_text() == "2"
    assert fits_the_screen(page)

    # Choose the location by hand: the list loads priced, cheapest first; New York is chosen.
    page.locator("#edit-location summary").click()
    page.locator("#location-list").wait_for()
    assert page.locator("#location-list [data-location]").first.get_attribute("data-location") == "dal-dc"
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"order-edit-locations-{size}.png"), full_page=True)
    page.get_by_role("button", name="Ship from nyc-dc").click()
    page.locator("#messages [role=status]").get_by_text("as you chose").wait_for()
    assert "Moved from dal-dc to nyc-dc" in _status(page)
    assert "chosen by pat" in page.locator("#routing").inner_text()
    assert order.shipments.get(status=ShipmentStatus.REQUESTED).location.code == "nyc-dc"
    page.screenshot(path=str(SCREENSHOTS / f"order-edit-chosen-{size}.png"), full_page=True)
    assert errors == []
