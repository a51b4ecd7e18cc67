"""End-to-end in headless Chromium: place an order by hand, see where it was routed and why, then
walk it through the location's work queue (accept, pick list, pack by scanning, label) to shipped.

Screenshots (desktop and a 390px-wide phone) land in tests/screenshots/ for a person to look at.
Without /usr/bin/chromium the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.roles import BACK_OFFICE
from fulfillment.demo import seed_carriers, seed_channels
from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.services import cost_model_forget
from inventory.models import LocationKind
from orders.models import Order, OrderStatus
from tests.browser.support import DESKTOP, DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import stocked, user_with_role
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The headless Chromium of the inventory browser tests (same launch, same skip rules).

TEE_BARCODE = "4006381333931"
MUG_BARCODE = "0012345678905"


def _network() -> None:
    seed_carriers()
    seed_channels()
    cost_model_forget()
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    atlanta = make_location(
        code="atl-dc",
        name="Atlanta DC",
        kind=LocationKind.WAREHOUSE,
        city="Atlanta",
        region="GA",
        postal_code="30303",
        latitude="33.749000",
        longitude="-84.388000",
        timezone="America/New_York",
    )
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE, weight_grams=300)
    mug = make_sku(code="MUG-WHT", name="White mug", barcode=MUG_BARCODE, weight_grams=450)
    stocked(dallas, tee, 30)
    stocked(dallas, mug, 12)
    stocked(atlanta, tee, 30)


def test_place_an_order_by_hand_and_walk_it_to_shipped(chromium: Any, live_server: Any) -> None:
    _network()
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    errors: list[str] = []
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server.url, "pat", "/orders/new/")

    # The order form: the web shop is the default channel; a line row is added with htmx.
    assert page.locator("#id_channel").input_value() == "web"
    page.get_by_label("Customer name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.locator("#id_line1").fill("1 Main St")
    page.get_by_label("ZIP code").fill("75201")
    page.get_by_label("Service").select_option("express")
    page.get_by_role("button", name="+ Add line").click()
    page.wait_for_function("document.querySelectorAll('input[name=line_sku]').length === 4")
    skus, quantities, prices = (page.locator(f"input[name={name}]") for name in ("line_sku", "line_qty", "line_price"))
    skus.nth(0).fill("TEE-BLK-M")
    quantities.nth(0).fill("2")
    prices.nth(0).fill("19.99")
    skus.nth(3).fill("MUG-WHT")
    quantities.nth(3).fill("1")
    page.screenshot(path=str(SCREENSHOTS / "order-form-desktop.png"), full_page=True)
    page.get_by_role("button", name="Place order and route it").click()

    # The order page: routed to Dallas, with the reason and the cost behind it.
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    order = Order.objects.get()
    message = page.locator("#messages [role=status]").inner_text()
    assert f"{order.number} placed. Shipped from dal-dc" in message
    assert page.locator("h1 [data-status]").inner_text() == "Routed"
    shipment_card = page.locator("[data-location=dal-dc]")
    assert "Dallas DC" in shipment_card.inner_text()
    assert "dal-dc" in page.locator("[data-figure=routing-reason]").inner_text()
    assert page.locator("#alternatives").is_visible()  # Atlanta was the runner-up
    page.screenshot(path=str(SCREENSHOTS / "order-detail-desktop.png"), full_page=True)
    shipment = Shipment.objects.get(order=order)

    # The work queue: accept, then batch it into a pick list.
    page.get_by_role("link", name="Work queue").click()
    page.wait_for_url("**/fulfillment/work/")
    page.locator("#id_location").select_option("dal-dc")
    page.wait_for_url("**/fulfillment/work/?*location=dal-dc*")
    page.screenshot(path=str(SCREENSHOTS / "work-accept-desktop.png"), full_page=True)
    page.get_by_role("button", name=f"Accept {shipment.number}").click()
    page.locator("#messages [role=status]").get_by_text("accepted").wait_for()
    page.locator("a[data-tab=pick]").click()
    page.get_by_label(f"Pick {shipment.number}").check()
    page.screenshot(path=str(SCREENSHOTS / "work-pick-desktop.png"), full_page=True)
    page.get_by_role("button", name="Create pick list").click()
    page.wait_for_url(re.compile(r".*/fulfillment/work/picklists/\d+/$"))
    picklist_path = page.url.removeprefix(live_server.url)
    assert page.locator("#pick-lines [data-sku=TEE-BLK-M] [data-cell=quantity]").inner_text() == "2"
    page.screenshot(path=str(SCREENSHOTS / "picklist-desktop.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "picklist-print.png"), full_page=True)
    assert not page.locator(".site-header").is_visible()
    page.emulate_media(media="screen")

    # Packing: the scan field has the focus; each unit's barcode, then Enter.
    page.get_by_role("link", name=f"Pack {shipment.number}").click()
    page.wait_for_url(f"**/fulfillment/work/shipments/{shipment.pk}/pack/")
    assert page.evaluate("document.activeElement.id") == "id_scan"
    page.evaluate("window.__sameDocument = true")
    scan = page.locator("#id_scan")
    progress = page.locator("[data-figure=progress]")
    for n, code in enumerate([TEE_BARCODE, "9780201896831", TEE_BARCODE, MUG_BARCODE], start=1):
        scan.fill(code)
        scan.press("Enter")
        if code == "9780201896831":  # a book that is not in this parcel
            page.locator("[data-scan-error]").wait_for()
            assert f"9780201896831 is not in {shipment.number}" in page.locator("[data-scan-error]").inner_text()
            page.screenshot(path=str(SCREENSHOTS / "pack-wrong-scan-desktop.png"), full_page=True)
            continue
        done = n - 1 if n > 2 else n
        page.wait_for_function(
            f"document.querySelector('[data-figure=progress]').textContent.startsWith('{done} of 3')"
        )
        assert page.evaluate("document.activeElement.id") == "id_scan", "the scan field lost the focus"
        assert scan.input_value() == ""
    assert progress.inner_text() == "3 of 3 units scanned"
    assert page.evaluate("window.__sameDocument === true")
    page.get_by_label("Box 1 weight (g)").fill("1250")
    page.screenshot(path=str(SCREENSHOTS / "pack-desktop.png"), full_page=True)
    page.get_by_role("button", name=f"Pack {shipment.number}").click()

    # The shipping page: the built-in carrier's rate is chosen; buy the label; the tracking number shows.
    page.wait_for_url(f"**/fulfillment/work/shipments/{shipment.pk}/ship/")
    assert f"{shipment.number} packed: 3 units." in page.locator("#messages").inner_text()
    page.locator("#live-rates input[name=rate]:checked").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "work-ship-desktop.png"), full_page=True)
    page.get_by_role("button", name="Buy label & ship").click()
    page.wait_for_url(f"**/fulfillment/work/shipments/{shipment.pk}/ship/")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED and shipment.tracking_number
    assert f"tracking {shipment.tracking_number}" in page.locator("#messages").inner_text()
    assert shipment.tracking_number in page.locator("[data-figure=tracking]").inner_text()
    page.goto(f"{live_server.url}/fulfillment/work/?tab=shipped&location=dal-dc")
    assert shipment.tracking_number in page.locator("[data-figure=tracking]").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "work-shipped-desktop.png"), full_page=True)

    # The order is shipped, with its tracking number.
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    assert page.locator("h1 [data-status]").inner_text() == "Shipped"
    assert page.locator("[data-location=dal-dc] [data-figure=tracking]").inner_text() == shipment.tracking_number
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    page.screenshot(path=str(SCREENSHOTS / "order-shipped-desktop.png"), full_page=True)
    # A refused scan answers 422 (its message is swapped in); Chromium logs that status as an error.
    assert [e for e in errors if "status of 422" not in e] == []

    # The same pages on a phone.
    phone = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    pages = {
        "orders": "/orders/",
        "order": f"/orders/{order.pk}/",
        "order-form": "/orders/new/",
        "order-import": "/orders/import/",
        "exceptions": "/orders/exceptions/",
        "work": "/fulfillment/work/?tab=shipped&location=dal-dc",
        "picklist": picklist_path,
    }
    for name, path in pages.items():
        response = mobile.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert mobile.evaluate(DUPLICATE_IDS) == [], f"{path} repeats element ids"
        assert fits_the_screen(mobile), f"{path} scrolls sideways on a phone"
        mobile.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    phone.close()
    context.close()


def test_list_bulk_actions_and_a_phone_sized_pack_page(chromium: Any, live_server: Any) -> None:
    from fulfillment.services import shipment_accept
    from tests.factories.orders import place_order

    _network()
    user_with_role(BACK_OFFICE, username="sam")
    from channels.models import Channel

    web = Channel.objects.get(code="web")
    orders = [place_order(web, [("TEE-BLK-M", 1)], external_id=f"W-{n}", postal_code="75201").order for n in range(3)]
    place_order(web, [("MUG-WHT", 40)], external_id="W-BIG", postal_code="75201")
    shipment = Shipment.objects.filter(order=orders[0]).get()
    shipment_accept(shipment=shipment, actor=None)

    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "sam", "/orders/")
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Search").fill("W-BIG")
    page.wait_for_url("**/orders/?*q=W-BIG*")
    page.locator("#orders tbody tr").first.wait_for()
    assert page.locator("#orders tbody tr").count() == 1
    assert page.evaluate("window.__sameDocument === true")
    page.get_by_label("Search").fill("")
    page.wait_for_function("document.querySelectorAll('#orders tbody tr').length === 4")
    page.screenshot(path=str(SCREENSHOTS / "orders-desktop.png"), full_page=True)
    for order in orders[1:]:
        page.get_by_label(f"Select {order.number}").check()
    page.get_by_label("Reason for the selected orders").fill("address check")
    page.get_by_role("button", name="Hold").click()
    page.locator("#messages [role=status]").get_by_text("2 held.").wait_for()
    assert Order.objects.filter(status=OrderStatus.ON_HOLD).count() == 2
    page.locator("a[data-tab=on_hold]").click()
    page.wait_for_url(re.compile(r".*/orders/\?.*status=on_hold"))
    page.wait_for_function("document.querySelectorAll('#orders tbody tr').length === 2")
    page.screenshot(path=str(SCREENSHOTS / "orders-on-hold-desktop.png"), full_page=True)
    page.goto(f"{live_server.url}/orders/exceptions/")
    page.screenshot(path=str(SCREENSHOTS / "exceptions-desktop.png"), full_page=True)
    context.close()

    phone = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    sign_in(mobile, live_server.url, "sam", f"/fulfillment/work/shipments/{shipment.pk}/pack/")
    scan = mobile.locator("#id_scan")
    scan.fill(TEE_BARCODE)
    scan.press("Enter")
    mobile.wait_for_function("document.querySelector('[data-figure=progress]').textContent.startsWith('1 of 1')")
    assert fits_the_screen(mobile)
    mobile.screenshot(path=str(SCREENSHOTS / "pack-phone.png"), full_page=True)
    mobile.goto(f"{live_server.url}/fulfillment/work/?tab=pick")
    assert fits_the_screen(mobile)
    mobile.screenshot(path=str(SCREENSHOTS / "work-pick-phone.png"), full_page=True)
    phone.close()
