"""The supplier portal at phone width (390 px) in headless Chromium: a supplier's person signs in and
lands on its purchase orders, opens the new one, accepts part of it (the rest goes to our warehouse),
enters the shipment with two tracking numbers, and the order's shipment ships.

Screenshots land in tests/screenshots/supplier-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from fulfillment.models import Package, ShipmentStatus
from partners.models import AdvanceShipNotice, PurchaseOrder, PurchaseOrderStatus
from tests.browser.support import DUPLICATE_IDS, PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories.partners import dropship_network, dropship_shipment, po_of
from tests.partners.test_portal import supplier_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TRACKING = ("1Z999AA10000000011", "1Z999AA10000000022")


def looks_right(page: Any, name: str) -> None:
    """What a person checks on each screen: it fits the phone, ids are unique; then the screenshot."""
    assert fits_the_screen(page), f"{name} scrolls sideways at 390 px"
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / f"supplier-{name}-phone.png"), full_page=True)


def test_a_supplier_acknowledges_part_and_ships_with_two_parcels_on_a_phone(chromium: Any, live_server: Any) -> None:
    net = dropship_network()
    supplier_user(net.partner, username="sam-acme")
    order = net.order(
        [("TEE-BLK-M", 3), ("MUG-WHT", 1)], customer_name="Grace Hopper", line1="1 Navy Way", city="New York"
    )
    po = po_of(order)
    errors: list[str] = []
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # Signing in lands on the portal, the new PO first.
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("sam-acme")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/partners/portal/")
    card = page.locator(f'[data-po="{po.number}"]')
    assert "3 \u00d7 Black tee, M" in card.inner_text() and "Answer by" in card.inner_text()
    assert page.locator(".main-nav a").all_inner_texts() == ["Purchase orders", "Inventory"]
    looks_right(page, "home")

    card.get_by_role("link").click()
    page.wait_for_url(f"**/partners/portal/orders/{po.pk}/")
    assert "Grace Hopper" in page.locator("[data-ship-to]").inner_text()
    looks_right(page, "po-new")

    # Two of the three tees and the mug; the third tee is turned down with a reason.
    page.get_by_text("Accept only some units…").click()
    tee = page.locator('[data-ack-line="1"]')
    tee.get_by_label("Accept (of 3)").fill("2")
    tee.get_by_label("Reason for the rest").fill("Only two in stock")
    looks_right(page, "po-accept-some")
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_url(f"**/partners/portal/orders/{po.pk}/")
    assert "3 of 4 units accepted" in page.locator("#messages").inner_text()
    assert page.locator('[data-line="1"] [data-q="rejected"]').inner_text() == "1"
    looks_right(page, "po-acknowledged")

    page.get_by_role("link", name="Enter a shipment").click()
    page.wait_for_url(f"**/partners/portal/orders/{po.pk}/ship/")
    page.get_by_label("Carrier").fill("UPS")
    page.get_by_label("Service").fill("Ground")
    page.get_by_label("Tracking numbers").fill("\n".join(TRACKING))
    assert page.locator('[data-ship-line="1"] input').input_value() == "2"  # what is left, prefilled
    looks_right(page, "ship")
    page.get_by_role("button", name="Send shipment").click()
    page.wait_for_url(f"**/partners/portal/orders/{po.pk}/")
    assert "3 units in 2 parcels" in page.locator("#messages").inner_text()
    assert "Shipped" in page.locator("h1").inner_text()
    looks_right(page, "po-shipped")

    po = PurchaseOrder.objects.select_related("shipment").get(pk=po.pk)
    assert po.status == PurchaseOrderStatus.SHIPPED
    assert dropship_shipment(po).status == ShipmentStatus.SHIPPED
    assert AdvanceShipNotice.objects.get(purchase_order=po).tracking_numbers == list(TRACKING)
    assert sorted(Package.objects.filter(shipment=po.shipment).values_list("tracking_number", flat=True)) == list(
        TRACKING
    )
    rerouted = order.shipments.exclude(pk=dropship_shipment(po).pk).get()
    assert rerouted.location == net.warehouse and rerouted.lines.get().quantity == 1

    assert errors == []

    # Any other page of the back office is closed to a supplier.
    response = page.goto(f"{live_server.url}/orders/")
    assert response is not None and response.status == 403
    context.close()
