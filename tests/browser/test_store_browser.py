"""End-to-end at phone width (390 px) in headless Chromium: a shop asks where a basket can be picked
up and places the order for pickup (REST, channel key); the store associate sees it, picks it by
scanning, marks it ready (the customer's email carries the code and a QR image), then at the
counter scans the customer's code, checks the ID and hands it over. Bad input on the way (an
item not in the order, a wrong code, a double click) gets a clear message and changes nothing.

Screenshots land in tests/screenshots/store-*.png (and the QR code the customer got).
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any

import pytest
from django.core import mail

from core.roles import STORE_ASSOCIATE
from fulfillment.demo import seed_carriers, seed_channels
from fulfillment.models import Pickup, PickupStatus
from fulfillment.services import cost_model_forget
from inventory.models import MovementKind, StockLevel, StockMovement
from orders.models import OrderEvent, OrderStatus
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import stocked, user_with_role
from tests.factories.orders import channel_key
from tests.factories.pages import make_sku
from tests.factories.stores import make_store, set_store_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


TEE_BARCODE = "4006381333931"
MUG_BARCODE = "0012345678905"
ALWAYS_OPEN: dict[int, tuple[time, time] | None] = {day: (time(0, 0), time(23, 59)) for day in range(7)}


def test_pickup_ordered_readied_scanned_and_handed_over_on_a_phone(chromium: Any, live_server: Any) -> None:
    seed_carriers()
    channels = seed_channels()
    cost_model_forget()
    store = set_store_settings(make_store("nyc-store", name="New York Herald Square"), hours=ALWAYS_OPEN)
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE, weight_grams=300)
    mug = make_sku(code="MUG-WHT", name="White mug", barcode=MUG_BARCODE, weight_grams=450)
    stocked(store, tee, 6)
    stocked(store, mug, 4)
    user_with_role(STORE_ASSOCIATE, username="sam", first_name="Sam", last_name="Rivera", locations=[store])
    from channels.models import Channel

    key = channels.web_key or channel_key(Channel.objects.get(code="web"))
    errors: list[str] = []
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    api = context.request
    auth = {"Authorization": f"Token {key}"}

    # The shop: where can this basket be picked up near 10001, and when? Then the order.
    options = api.get(
        f"{live_server.url}/api/v1/pickup-options?postal_code=10001&lines=TEE-BLK-M:2,MUG-WHT:1", headers=auth
    )
    assert options.ok, options.text()
    [option] = options.json()["stores"]
    assert option["store"]["code"] == "nyc-store" and option["availability"] == "in_stock" and option["ready_by"]
    created = api.post(
        f"{live_server.url}/api/v1/orders",
        headers={**auth, "Idempotency-Key": "browser-pickup-1"},
        data={
            "external_id": "WEB-1001",
            "customer": {"name": "Grace Hopper", "email": "grace@example.com"},
            "shipping_address": {"postal_code": "10001"},
            "delivery": {"method": "pickup", "pickup_location": "nyc-store"},
            "lines": [{"sku": "TEE-BLK-M", "quantity": 2}, {"sku": "MUG-WHT", "quantity": 1}],
        },
    )
    assert created.status == 201, created.text()
    pickup = Pickup.objects.select_related("order").get(order__external_id="WEB-1001")
    number = pickup.order.number

    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server.url, "sam", "/fulfillment/pickups/")

    # The store page: the counter's scan field has the focus; the new pickup is listed.
    assert page.evaluate("document.activeElement.id") == "id_q"
    assert page.locator("[data-counter=new] .value").inner_text() == "1"
    card = page.locator(f"[data-pickup='{number}']")
    assert "Grace Hopper" in card.inner_text()
    assert fits_the_screen(page), "the store page scrolls sideways at 390 px"
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "store-home-phone.png"), full_page=True)

    # Pick: scan each unit; a book that is not in the order is refused and not counted.
    card.get_by_role("button", name=f"Start picking {number}").click()
    page.wait_for_url(f"**/fulfillment/pickups/{pickup.pk}/")
    assert page.evaluate("document.activeElement.id") == "id_scan"
    scan = page.locator("#id_scan")
    for n, code in enumerate([TEE_BARCODE, "9780201896831", TEE_BARCODE, MUG_BARCODE], start=1):
        scan.fill(code)
        scan.press("Enter")
        if code == "9780201896831":
            page.locator("[data-scan-error]").wait_for()
            assert f"9780201896831 is not in {number}" in page.locator("[data-scan-error]").inner_text()
            page.screenshot(path=str(SCREENSHOTS / "store-pick-wrong-item-phone.png"), full_page=True)
            continue
        done = n - 1 if n > 2 else n
        page.wait_for_function(
            f"document.querySelector('[data-figure=progress]').textContent.startsWith('{done} of 3')"
        )
        assert page.evaluate("document.activeElement.id") == "id_scan", "the scan field lost the focus"
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "store-pick-phone.png"), full_page=True)
    page.get_by_role("button", name="Mark ready & email the customer").click()
    page.wait_for_url("**/fulfillment/pickups/?store=nyc-store")
    assert f"{number} is ready for pickup" in page.locator("#messages").inner_text()
    assert page.locator("[data-counter=ready] .value").inner_text() == "1"

    # The customer's email: the code in words and as a QR code image.
    [email] = mail.outbox
    found = re.search(r"Your pickup code: ([A-Z0-9]{6})", str(email.body))
    assert found is not None
    code = found.group(1)
    png = next(part for part in email.attachments if getattr(part, "get_content_type", lambda: "")() == "image/png")
    (SCREENSHOTS / "store-pickup-qr.png").write_bytes(png.get_payload(decode=True))
    page.screenshot(path=str(SCREENSHOTS / "store-ready-phone.png"), full_page=True)

    # The counter: a wrong code first, then the customer's code (a scanner types it and presses Enter).
    counter = page.locator("#id_q")
    counter.fill("QQQQQQ")
    counter.press("Enter")
    page.wait_for_url("**/fulfillment/pickups/?store=nyc-store")
    assert "No pickup has the code or order number QQQQQQ" in page.locator("#messages").inner_text()
    page.locator("#id_q").fill(code)
    page.locator("#id_q").press("Enter")
    page.wait_for_url(f"**/fulfillment/pickups/{pickup.pk}/")
    assert page.locator("[data-figure=customer]").inner_text() == "Grace Hopper"
    assert "Black tee, M" in page.locator(".big-items").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "store-handover-phone.png"), full_page=True)
    page.get_by_label("I checked the photo ID of Grace Hopper").check()
    # An impatient double click on "Picked up": one handover, not two.
    page.get_by_role("button", name="Picked up: hand over").dblclick()
    page.wait_for_url("**/fulfillment/pickups/?store=nyc-store")
    assert f"{number} handed over to Grace Hopper" in page.locator("#messages").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "store-done-phone.png"), full_page=True)

    # The same POST again (a second click that got through, or the back button and resubmit):
    # a clear message and no second handover.
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    again = page.request.post(
        f"{live_server.url}/fulfillment/pickups/{pickup.pk}/handover/",
        form={"csrfmiddlewaretoken": csrf, "id_checked": "on", "code": code},
        headers={"Referer": f"{live_server.url}/fulfillment/pickups/{pickup.pk}/"},
    )
    assert again.ok, again.status  # redirected back to the store page, which says why
    assert f"{number} was already picked up" in again.text()
    page.goto(f"{live_server.url}/fulfillment/pickups/{pickup.pk}/")
    assert "Picked up" in page.locator("h1").inner_text()
    assert not page.get_by_role("button", name="Picked up: hand over").count()

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.PICKED_UP
    assert pickup.order.status == OrderStatus.SHIPPED
    assert (
        StockLevel.objects.get(location=store, sku=tee).on_hand,
        StockLevel.objects.get(location=store, sku=tee).reserved,
    ) == (4, 0)
    assert OrderEvent.objects.filter(order=pickup.order, message__startswith="Picked up at nyc-store").count() == 1
    ships = StockMovement.objects.filter(kind=MovementKind.SHIP, document_id=str(pickup.order_id))
    assert ships.count() == 2  # one per SKU, once
    assert [e for e in errors if "status of 422" not in e] == []  # the refused scan answers 422
    context.close()
