"""In headless Chromium at phone width (and 1440 px): a customer of a branded shop exchanges a size, watches the
refund and its fees change as they choose, returns the rest in a store and gets the code the counter scans.

Screenshots land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from channels.models import Channel
from core.roles import ADMINISTRATOR
from returns.models import ReturnAuthorization, ReturnMethod, ReturnStatus
from returns.selectors import counter_order
from returns.services import return_policy_default_ensure
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import user_with_role
from tests.factories.inventory import SKUFactory
from tests.factories.returns import delivered_order, return_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "422" not in msg.text else None)
    return errors


def estimate(page: Any, expected: str) -> None:
    """Wait until the live estimate (recomputed by the server) shows `expected`."""
    page.wait_for_function(
        "expected => (document.querySelector('[data-figure=estimate-amount]') || {}).textContent?.trim() === expected",
        arg=expected,
    )


def test_a_customer_exchanges_a_size_sees_the_fees_and_returns_the_rest_in_a_store(
    chromium: Any, live_server: Any
) -> None:
    net = return_network()
    Channel.objects.filter(pk=net.channel.pk).update(
        brand_name="Northwind Outfitters",
        brand_logo_url=f"{live_server.url}/static/img/favicon.svg",
        brand_color="#0b7a5c",
    )
    policy = return_policy_default_ensure()
    policy.return_label_fee = Decimal("5.95")
    policy.save()
    for sku, name in ((net.tee, "Black tee — M"), (net.tee_large, "Black tee — L")):
        sku.name = name
        sku.save()
    SKUFactory(code="TEE-BLK-S", name="Black tee — S")  # sold out: no stock anywhere
    order = delivered_order(
        net.channel, [("TEE-BLK-M", 1, "20.00"), ("MUG-WHT", 1, "12.50")], postal_code="10001", email="ada@example.com"
    )
    tee, mug = order.lines.order_by("line_number")

    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/returns/self/?shop=web")
    assert page.get_by_role("img", name="Northwind Outfitters").is_visible()
    assert page.title() == "Start a return · Northwind Outfitters"
    page.screenshot(path=str(SCREENSHOTS / "returns-public-start-phone.png"), full_page=True)
    page.get_by_label("Order number").fill(order.number)
    page.get_by_label("Email used for the order").fill("ada@example.com")
    page.get_by_role("button", name="Find my order").click()
    page.wait_for_url("**/returns/self/order/")
    assert page.locator("[data-figure=estimate-empty]").is_visible()

    # The tee doesn't fit: exchange it for an L (in stock); the S is sold out and cannot be chosen.
    page.locator(f"#id_qty-{tee.pk}").fill("1")
    page.locator(f"#id_reason-{tee.pk}").select_option("doesnt_fit")
    assert page.get_by_role("radio", name="S, not available").is_disabled()
    page.locator('label.chip[data-code="TEE-BLK-L"]').click()
    estimate(page, "0.00 USD")
    assert "1 unit exchanged" in page.locator("#fee-summary").inner_text()

    # The mug: a change of mind by mail keeps the 15% fee and the label; in a store, only the fee.
    page.locator(f"#id_qty-{mug.pk}").fill("1")
    page.locator(f"#id_reason-{mug.pk}").select_option("changed_mind")
    estimate(page, "4.67 USD")  # 12.50 - 1.88 - 5.95
    assert page.locator("[data-figure=estimate-label]").inner_text() == "-5.95"
    assert not page.get_by_label("Which store").is_visible()
    page.get_by_text("Return in a store").click()
    page.get_by_label("Which store").select_option("nyc-store")
    estimate(page, "10.62 USD")  # 12.50 - 1.88, no label
    assert page.locator("[data-figure=estimate-label]").inner_text() == "Free"
    assert fits_the_screen(page) and page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "returns-public-order-phone.png"), full_page=True)

    page.get_by_role("button", name="Request return").click()
    page.wait_for_url(re.compile(r".*/returns/self/r/[\w-]+/$"))
    rma = ReturnAuthorization.objects.get()
    assert (rma.status, rma.method, rma.return_location) == (ReturnStatus.AUTHORIZED, ReturnMethod.IN_STORE, net.store)
    assert page.locator("[data-figure=receipt-code]").inner_text() == rma.number
    assert page.locator("#store-receipt svg").is_visible()
    body = page.locator("body").inner_text()
    assert "Bring it to the store" in body and "Black tee — L" in body
    assert page.locator("[data-figure=refund-amount]").inner_text() == "10.62 USD"  # the server's own figure
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "returns-public-receipt-phone.png"), full_page=True)
    assert counter_order(rma.number, "ada@example.com") == order  # what the counter's scan opens
    assert errors == []
    context.close()

    # The same pages on a wide screen.
    wide = chromium.new_context(viewport=WIDE)
    page = wide.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/returns/self/r/{rma.public_token}/")
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "returns-public-receipt-desktop.png"), full_page=True)
    second = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-1002", email="ada@example.com")
    page.goto(f"{live_server.url}/returns/self/?shop=web")
    page.get_by_label("Order number").fill(second.number)
    page.get_by_label("Email used for the order").fill("ada@example.com")
    page.get_by_role("button", name="Find my order").click()
    page.wait_for_url("**/returns/self/order/")
    line = second.lines.get()
    page.locator(f"#id_qty-{line.pk}").fill("1")
    page.locator(f"#id_reason-{line.pk}").select_option("changed_mind")
    estimate(page, "11.05 USD")  # 20.00 - 3.00 restocking - 5.95 label
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "returns-public-order-desktop.png"), full_page=True)
    assert errors == []
    wide.close()


def test_staff_give_a_channel_its_brand_on_the_channel_form(chromium: Any, live_server: Any) -> None:
    net = return_network()
    user_with_role(ADMINISTRATOR, username="pat", first_name="Pat", last_name="Lee")  # who may edit channels
    for viewport, name in ((PHONE, "phone"), (WIDE, "desktop")):
        context = chromium.new_context(viewport=viewport)
        page = context.new_page()
        errors = watch(page)
        sign_in(page, live_server.url, "pat", f"/channels/{net.channel.code}/edit/")
        page.get_by_label("Shop name customers see").fill("Northwind Outfitters")
        page.get_by_label("Brand colour").fill("green")
        page.get_by_role("button", name="Save changes").click()
        assert page.get_by_text("Enter a colour as # and six hex digits").is_visible()
        page.get_by_label("Brand colour").fill("#0b7a5c")
        assert fits_the_screen(page)
        page.screenshot(path=str(SCREENSHOTS / f"channel-brand-form-{name}.png"), full_page=True)
        page.get_by_role("button", name="Save changes").click()
        page.wait_for_url(f"**/channels/{net.channel.code}/")
        assert errors == []
        context.close()
    net.channel.refresh_from_db()
    assert (net.channel.brand_name, net.channel.brand_color) == ("Northwind Outfitters", "#0b7a5c")
