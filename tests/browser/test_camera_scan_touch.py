"""Phone pages are used with a thumb: at 390 px every button, field and link-button an associate or a
supplier taps (store page, pickup, returns counter, supplier portal) is at least 44 px tall, and the
scan fields carry their Camera and Photo buttons. Screenshots land in tests/screenshots/touch-*.png.
"""

# ruff: noqa: F811 - the shared fixtures are imported by name and used as parameters
from __future__ import annotations

from typing import Any

import pytest

from core.roles import STORE_ASSOCIATE
from fulfillment.demo import seed_carriers
from fulfillment.services import cost_model_forget
from tests.browser.support import PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_camera_scan import (
    ALWAYS_OPEN,
    counter,  # noqa: F401 - the fixture: a store with a ready pickup
)
from tests.factories import SKUFactory, stocked, user_with_role
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.partners import dropship_network
from tests.factories.returns import return_network
from tests.factories.stores import make_store, set_store_settings
from tests.partners.test_portal import supplier_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: What a thumb taps; visually hidden inputs (the Photo file input) are reached through their label.
SMALL_TARGETS = """
[...document.querySelectorAll(
  'main button, main a.btn, main label.btn, main select, main textarea,'
  + ' main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])'
)].filter(e => e.offsetParent !== null && !e.closest('.visually-hidden'))
  .map(e => [e.outerHTML.slice(0, 90), Math.round(e.getBoundingClientRect().height)])
  .filter(([, height]) => height < 44)
"""


def sign_in_on_phone(chromium: Any, base_url: str, username: str) -> Any:
    page = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def check(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"touch-{name}-phone.png"), full_page=True)
    assert page.evaluate(SMALL_TARGETS) == []
    assert fits_the_screen(page)


def test_store_pages_have_thumb_sized_targets_and_scan_buttons(
    chromium: Any,
    live_server: Any,
    counter: dict[str, Any],
) -> None:
    page = sign_in_on_phone(chromium, live_server.url, "sam")
    page.goto(f"{live_server.url}/fulfillment/pickups/")
    assert page.get_by_role("button", name="Scan with the camera").is_visible()
    check(page, "store-home")
    page.goto(f"{live_server.url}/fulfillment/pickups/{counter['pickup'].pk}/")
    check(page, "pickup")


def test_the_returns_counter_has_thumb_sized_targets(chromium: Any, live_server: Any) -> None:
    network = return_network()
    user_with_role(STORE_ASSOCIATE, username="cal", locations=[network.store])
    page = sign_in_on_phone(chromium, live_server.url, "cal")
    page.goto(f"{live_server.url}/returns/counter/")
    assert page.get_by_label("Scan from a photo").count() == 1
    check(page, "counter")


def test_the_supplier_portal_has_thumb_sized_targets(chromium: Any, live_server: Any) -> None:
    net = dropship_network()
    supplier_user(net.partner, username="sue-acme")
    net.order([("TEE-BLK-M", 1)], customer_name="Grace Hopper", line1="1 Navy Way", city="New York")
    page = sign_in_on_phone(chromium, live_server.url, "sue-acme")
    page.wait_for_url(f"{live_server.url}/partners/portal/")
    check(page, "portal-home")
    page.locator("[data-po] a").first.click()
    page.wait_for_url("**/partners/portal/orders/*/")
    check(page, "portal-po")


def test_an_associate_accepts_two_requests_at_once_on_a_phone(chromium: Any, live_server: Any) -> None:
    seed_carriers()
    cost_model_forget()
    store = set_store_settings(make_store("nyc-store", name="New York Store"), hours=ALWAYS_OPEN)
    tee: Any = SKUFactory(code="TEE-BLK-M", name="Black tee, M", weight_grams=300)
    stocked(store, tee, 20)
    web: Any = ChannelFactory(code="web", name="Web shop")
    shipments = [
        place_order(web, [("TEE-BLK-M", 1)], external_id=f"W-{n}", postal_code="10001").order.shipments.get()
        for n in range(3)
    ]
    assert {shipment.location.code for shipment in shipments} == {"nyc-store"}
    user_with_role(STORE_ASSOCIATE, username="ny-associate", locations=[store])
    page = sign_in_on_phone(chromium, live_server.url, "ny-associate")
    page.goto(f"{live_server.url}/fulfillment/work/?tab=accept")

    page.get_by_label(f"Select {shipments[0].number}").check()
    page.get_by_label(f"Select {shipments[2].number}").check()
    check(page, "work-accept-ticked")
    with page.expect_navigation():
        page.get_by_role("button", name="Accept selected").click()

    said = page.locator(".msg").all_inner_texts()
    assert any(f"2 accepted: {shipments[0].number}, {shipments[2].number}." in text for text in said), said
    assert page.locator(f'tr[data-shipment="{shipments[1].number}"]').is_visible()
    assert page.locator(f'tr[data-shipment="{shipments[0].number}"]').count() == 0
    check(page, "work-accept-done")
