"""Global search and keyboard shortcuts in headless Chromium, on a 1440 px desktop and a 390 px phone.

Also a saved view of the orders list. Screenshots land in tests/screenshots/ (search-*.png, orders-view-*.png).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from core.roles import BACK_OFFICE
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import user_with_role
from tests.factories.orders import place_order
from tests.factories.returns import return_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


#: htmx reports a live search cut short by the page moving on (Enter, a link) as an error; it is not one.
ABORTED = ("htmx:sendAbort", "htmx:afterRequest")


def watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and not msg.text.startswith(ABORTED) else None,
    )
    return errors


def test_search_as_you_type_then_open_with_the_keyboard_on_a_desktop(chromium: Any, live_server: Any) -> None:
    net = return_network()
    order = place_order(net.channel, [(net.tee.code, 1)], external_id="W-7001", customer_name="Grace Hopper").order
    user_with_role(BACK_OFFICE, username="pat")
    page = chromium.new_context(viewport=WIDE).new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "pat", "/inventory/")

    page.keyboard.press("/")  # focuses the header box from anywhere
    assert page.evaluate("document.activeElement.id") == "site-search-q"
    page.keyboard.type("tee-blk")
    live = page.locator("#site-search-live")
    live.get_by_text("TEE-BLK-L").wait_for()
    assert live.locator("h2").all_text_contents() == ["SKUs"]
    assert "2 matches" in live.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "search-live-1440.png"))

    page.keyboard.press("ArrowDown")  # into the results, then Enter opens the first
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/inventory/skus/TEE-BLK-L/")

    page.keyboard.press("/")
    page.keyboard.type(order.number)
    page.keyboard.press("Enter")  # a single match opens straight away
    page.wait_for_url(f"{live_server.url}/orders/{order.pk}/")

    page.keyboard.press("?")
    help_box = page.locator("#shortcut-help")
    help_box.wait_for()
    assert "Go to returns" in help_box.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "search-shortcuts-help-1440.png"))
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("r")
    page.wait_for_url(f"{live_server.url}/returns/")
    assert errors == []


def test_search_on_a_phone_lists_the_kinds_and_says_when_nothing_matches(chromium: Any, live_server: Any) -> None:
    net = return_network()
    place_order(net.channel, [(net.mug.code, 1)], external_id="W-7002", customer_name="Mugsy Malone")
    user_with_role(BACK_OFFICE, username="pat")
    page = chromium.new_context(viewport=PHONE, has_touch=True).new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "pat", "/")

    box = page.get_by_role("searchbox", name="Find an order, SKU, return, parcel or pickup")
    box.fill("mug")
    live = page.locator("#site-search-live")
    live.get_by_text("MUG-WHT").wait_for()
    assert live.locator("h2").all_text_contents() == ["Orders", "SKUs"]
    assert fits_the_screen(page) and page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "search-live-390.png"))

    box.fill("nothing-like-this")
    box.press("Enter")  # the form's plain GET: the results page
    page.wait_for_url("**/search/?q=nothing-like-this")
    assert "Nothing matches “nothing-like-this”" in page.locator("#search-results").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "search-none-390.png"), full_page=True)
    assert errors == []


def _save_a_view(page: Any, base: str, shot: str) -> None:
    """Sort by customer, keep two columns, save the view as 'Zed by customer', and check it applies."""
    page.goto(f"{base}/orders/?q=zed")
    page.get_by_role("link", name="Customer").click()
    page.wait_for_url("**sort=customer**")
    page.locator("summary", has_text="Columns").click()
    for label in ("Placed", "Channel", "Ships from", "Units", "Status"):
        page.get_by_role("checkbox", name=label, exact=True).uncheck()
    page.get_by_role("button", name="Show these columns").click()
    page.wait_for_url("**cols=**")
    assert page.locator("#orders thead th:visible").all_text_contents()[-2:] == ["Customer▲", "Total"]
    page.locator("summary", has_text="Views").click()
    page.get_by_label("Save this view as").fill("Zed by customer")
    page.get_by_label("Share with everyone who reads orders").check()
    page.get_by_role("button", name="Save view").click()
    page.locator(".msg", has_text="Saved the view “Zed by customer”").wait_for()
    page.screenshot(path=str(SCREENSHOTS / f"{shot}-saved.png"))

    page.goto(f"{base}/orders/")  # back to every order, then apply the view from the menu
    page.locator("summary", has_text="Views").click()
    page.get_by_role("link", name="Zed by customer").click()
    page.wait_for_url("**q=zed**")
    rows = page.locator("#orders tbody tr")
    assert rows.count() == 2
    assert rows.first.get_attribute("data-order") is not None
    assert "Alan Zed" in rows.first.inner_text() and page.locator("th[data-col=placed]").is_hidden()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"{shot}-applied.png"), full_page=True)


@pytest.mark.parametrize(("viewport", "shot"), [(WIDE, "orders-view-1440"), (PHONE, "orders-view-390")])
def test_a_saved_view_of_the_orders_list(chromium: Any, live_server: Any, viewport: dict, shot: str) -> None:
    net = return_network()
    for n, name in enumerate(["Bea Zed", "Alan Zed", "Carl Other"]):
        place_order(net.channel, [(net.tee.code, 1)], external_id=f"W-80{n}", customer_name=name)
    user_with_role(BACK_OFFICE, username="pat")
    page = chromium.new_context(viewport=viewport).new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "pat", "/orders/")
    # The bulk bar waits until an order is ticked.
    assert page.locator(".bulk-bar").is_hidden()
    page.get_by_label("Select SO-", exact=False).first.check()
    assert page.locator(".bulk-bar").is_visible() and "1 selected" in page.locator(".bulk-bar").inner_text()
    _save_a_view(page, live_server.url, shot)
    if viewport is WIDE:  # j moves to the first row, k stays there, Enter opens it
        first = page.locator("#orders tbody tr").first.get_attribute("data-order")
        for key in ("j", "j", "k", "Enter"):
            page.keyboard.press(key)
        page.wait_for_url("**/orders/*/")
        assert page.locator("h1").inner_text().startswith(str(first))
    assert errors == []


def test_the_stock_movements_list_on_a_phone(chromium: Any, live_server: Any) -> None:
    return_network()
    user_with_role(BACK_OFFICE, username="pat")
    page = chromium.new_context(viewport=PHONE).new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "pat", "/lists/movements/")
    assert page.locator("#movements tbody tr").count() == 4  # the network's four receipts
    page.get_by_role("link", name="SKU", exact=True).click()
    page.wait_for_url("**sort=sku**")
    codes = page.locator("#movements tbody th a").all_text_contents()
    assert codes == sorted(codes)
    assert fits_the_screen(page) and page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "movements-390.png"), full_page=True)
    assert errors == []
