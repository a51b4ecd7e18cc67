"""Global search and keyboard shortcuts in headless Chromium, on a 1440 px desktop and a 390 px phone.

Screenshots land in tests/screenshots/ (search-*.png) for a person to look at.
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

    box = page.get_by_role("searchbox", name="Search orders, SKUs, returns, tracking and pickup codes")
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
