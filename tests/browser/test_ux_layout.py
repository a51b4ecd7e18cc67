"""Desktop pages that must not scroll sideways: the orders list with every status tab at 1280 px, an order
whose customer has a long name, and the inventory grid (its own scroller may scroll, the page may not).

Screenshots land in tests/screenshots/ux-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import BACK_OFFICE
from fulfillment.demo import seed_carriers
from fulfillment.services import cost_model_forget
from inventory.models import LocationKind
from tests.browser.support import SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import stocked, user_with_role
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
#: A real surname, one word: nowhere to break it but inside.
LONG_NAME = "Hubert Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschaferswessenschafe"
LONG_EMAIL = "hubert.wolfeschlegelsteinhausenbergerdorff@sehr-lange-domain-fuer-tests.example.com"


def _network() -> Any:
    seed_carriers()
    cost_model_forget()
    web: Any = ChannelFactory(code="web", name="Web shop")
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    for n in range(14):
        make_location(code=f"store-{n:02d}", name=f"Store number {n}", kind=LocationKind.STORE)
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M", barcode="4006381333931", weight_grams=300)
    stocked(dallas, tee, 30)
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    return place_order(
        web, [("TEE-BLK-M", 1)], external_id="W-LONG", customer_name=LONG_NAME, customer_email=LONG_EMAIL
    ).order


def test_orders_the_order_page_and_the_inventory_grid_fit_a_laptop(chromium: Any, live_server: Any) -> None:
    order = _network()
    context = chromium.new_context(viewport=LAPTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "pat", "/orders/")

    assert fits_the_screen(page), "the orders list scrolls sideways at 1280 px"
    tabs = page.locator("nav.tabs").first
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1", tabs.element_handle()), "tabs scroll"
    page.screenshot(path=str(SCREENSHOTS / "ux-orders-list-1280.png"), full_page=True)

    page.goto(f"{live_server.url}/orders/{order.pk}/")
    assert LONG_NAME in page.content()
    assert fits_the_screen(page), "the order page scrolls sideways"
    customer = page.locator(".summary > div").nth(0)
    ship_to = page.locator(".summary > div").nth(1)
    assert "Ship to" in ship_to.inner_text()
    overflowing = customer.evaluate(
        "(el) => [el, ...el.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1).length"
    )
    assert overflowing == 0, "the customer's name or email runs out of its column into Ship to"
    page.screenshot(path=str(SCREENSHOTS / "ux-order-long-name-1280.png"), full_page=True)

    page.goto(f"{live_server.url}/inventory/")
    assert fits_the_screen(page), "the inventory page scrolls sideways (the grid may scroll in its own box)"
    page.screenshot(path=str(SCREENSHOTS / "ux-inventory-1280.png"), full_page=True)
    context.close()
