"""A store associate on a phone (390 px) and at a desk (1440 px): refusing a ship-from-store request with
a form that fits the screen, a deadline that reads as a clock time, and packing that survives a reload.

Screenshots land in tests/screenshots/ux-*.png.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from core.roles import STORE_ASSOCIATE
from fulfillment.demo import seed_carriers
from fulfillment.models import Shipment
from fulfillment.services import cost_model_forget
from tests.browser.support import PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import stocked, user_with_role
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.pages import make_sku
from tests.factories.stores import make_store, set_store_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}
TEE, MUG = "4006381333931", "0012345678905"
ALWAYS_OPEN: dict[int, tuple[time, time] | None] = {day: (time(0, 0), time(23, 59)) for day in range(7)}


def store_request(external_id: str = "W-1") -> Shipment:
    """A ship-from-store request at the New York store (two tees and a mug), and its associate "sam"."""
    seed_carriers()
    cost_model_forget()
    web: Any = ChannelFactory(code="web", name="Web shop")
    store = set_store_settings(make_store("nyc-store", name="New York Herald Square"), hours=ALWAYS_OPEN)
    for code, name, barcode in (("TEE-BLK-M", "Black tee, M", TEE), ("MUG-WHT", "White mug", MUG)):
        stocked(store, make_sku(code=code, name=name, barcode=barcode, weight_grams=300), 10)
    user_with_role(STORE_ASSOCIATE, username="sam", first_name="Sam", last_name="Rivera", locations=[store])
    order = place_order(web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], external_id=external_id, postal_code="10001").order
    shipment = order.shipments.get()
    assert shipment.location.code == "nyc-store"
    return shipment


def box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (WIDE, "desktop")])
def test_an_associate_refuses_a_request_with_a_form_that_fits(
    chromium: Any, live_server: Any, viewport: dict[str, int], size: str
) -> None:
    shipment = store_request()
    context = chromium.new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    sign_in(page, live_server.url, "sam", "/fulfillment/pickups/")

    request = page.locator(f"[data-request='{shipment.number}']")
    deadline = request.locator(".sla").inner_text()
    assert deadline.startswith("Accept by ") and "(in " in deadline, deadline
    pickups = page.get_by_role("navigation", name="Main").get_by_role("link", name="Pickups").bounding_box()
    assert pickups["x"] >= 0 and pickups["x"] + pickups["width"] <= viewport["width"], "Pickups is off-screen"
    request.get_by_text("Can't ship it…").click()
    form = request.locator(".reject-form")
    form.wait_for()
    width = viewport["width"]
    assert fits_the_screen(page), f"the store page scrolls sideways at {width} px with the reject form open"
    for selector in ("select[name=reason]", "input[name=note]"):
        assert box(page, f"[data-request='{shipment.number}'] {selector}")["width"] >= min(200, width / 2), selector
    button = request.get_by_role("button", name=f"Reject {shipment.number}")
    button.scroll_into_view_if_needed()
    edge = button.bounding_box()
    assert edge["x"] >= 0 and edge["x"] + edge["width"] <= width, "the Reject button is off-screen"
    page.screenshot(path=str(SCREENSHOTS / f"ux-reject-form-{size}.png"), full_page=True)

    form.locator("select[name=reason]").select_option(index=1)
    form.locator("input[name=note]").fill("till broken")
    button.click()
    page.wait_for_load_state()
    assert shipment.number in page.locator("#messages").inner_text()
    context.close()


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (WIDE, "desktop")])
def test_packing_resumes_after_a_reload(chromium: Any, live_server: Any, viewport: dict[str, int], size: str) -> None:
    shipment = store_request()
    context = chromium.new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    sign_in(page, live_server.url, "sam", "/fulfillment/pickups/")
    page.locator(f"[data-request='{shipment.number}']").get_by_role("button", name=f"Accept {shipment.number}").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/fulfillment/work/shipments/{shipment.pk}/pack/")
    scan = page.locator("#id_scan")
    for n, code in enumerate([TEE, MUG], start=1):
        scan.fill(code)
        scan.press("Enter")
        page.wait_for_function(f"document.querySelector('[data-figure=progress]').textContent.startsWith('{n} of 3')")

    page.reload()
    assert page.locator("[data-figure=progress]").inner_text().startswith("2 of 3"), "the reload lost the scans"
    scan = page.locator("#id_scan")
    scan.fill(TEE)
    scan.press("Enter")
    page.wait_for_function("document.querySelector('[data-figure=progress]').textContent.startsWith('3 of 3')")
    page.locator("#id_weight_grams").fill("900")
    pack = page.get_by_role("button", name=f"Pack {shipment.number}")
    pack.scroll_into_view_if_needed()
    edge = pack.bounding_box()
    assert edge["x"] >= 0 and edge["x"] + edge["width"] <= viewport["width"], "Pack is off-screen"
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"ux-pack-resumed-{size}.png"), full_page=True)
    pack.click()
    page.wait_for_url(f"**/fulfillment/work/shipments/{shipment.pk}/ship/**")
    context.close()
