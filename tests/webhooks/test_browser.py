"""End to end in headless Chromium: an administrator adds an endpoint, copies its secret, sends a test ping that the
receiver verifies with that secret, finds the delivery in the log by its state, replays it and reads the docs.

Screenshots (desktop and a 390px-wide phone) land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from core.roles import ADMINISTRATOR
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS
from tests.browser.test_inventory_browser import sign_in
from tests.factories import user_with_role
from webhooks.models import DeliveryState, Subscription
from webhooks.signing import verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


#: The page's own content is no wider than its column (the shared navigation bar is judged by the ui tests).
CONTENT_FITS = (
    "(() => { const main = document.querySelector('main'); return main.scrollWidth <= main.clientWidth + 1; })()"
)


def _looks_right(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"webhooks-{name}.png"), full_page=True)
    assert page.evaluate(DUPLICATE_IDS) == [], f"{name}: duplicate ids"
    assert page.evaluate(CONTENT_FITS), f"{name}: the content is wider than the screen"


def test_add_an_endpoint_ping_it_find_the_delivery_and_replay_it(
    chromium: Any, live_server: Any, receiver: Any
) -> None:
    user_with_role(ADMINISTRATOR, username="ada", email="ada@example.com")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "ada", "/settings/webhooks/")
    # In the navigation (an administrator's links overflow into "More").
    assert page.locator("nav.main-nav a[href='/settings/webhooks/']").count() == 1
    page.get_by_role("link", name="Add an endpoint").click()

    page.get_by_label("Name").fill("ERP production")
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.locator("input[name=event_types][value='order.shipped']").check()
    page.get_by_label("stock.changed").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#webhook-secret").input_value()
    assert secret.startswith("whsec_")
    _looks_right(page, "secret")

    page.get_by_role("link", name="I have copied it").click()
    page.get_by_role("button", name="Send test ping").click()
    page.get_by_text("Test ping delivered").wait_for()
    (ping,) = receiver.requests
    verify(secret=secret, headers=ping.headers, body=ping.body, now=time.time())  # the copied secret verifies it
    _looks_right(page, "endpoint")

    page.get_by_role("link", name="Delivery log").first.click()
    page.get_by_label("State").select_option(DeliveryState.FAILED)  # htmx swaps the table
    page.get_by_text("No deliveries").wait_for()
    page.get_by_label("State").select_option(DeliveryState.SUCCEEDED)
    page.locator("#deliveries tbody tr").first.wait_for()
    assert "state=succeeded" in page.url
    _looks_right(page, "log")

    page.locator("#deliveries a.row-title").first.click()
    page.get_by_role("button", name="Replay").click()
    page.get_by_text("Replayed: the endpoint answered HTTP 200").wait_for()
    assert [got.webhook_id for got in receiver.requests] == [ping.webhook_id] * 2
    assert page.locator("article.attempt").count() == 2
    _looks_right(page, "delivery")

    page.goto(f"{live_server.url}/settings/webhooks/docs/")
    page.get_by_text("Event types").first.wait_for()
    _looks_right(page, "docs")

    phone = chromium.new_page(viewport=PHONE)
    sign_in(phone, live_server.url, "ada", "/settings/webhooks/")
    for name, path in (
        ("list-phone", "/settings/webhooks/"),
        ("endpoint-phone", f"/settings/webhooks/{Subscription.objects.get().pk}/"),
        ("log-phone", "/settings/webhooks/deliveries/"),
        ("docs-phone", "/settings/webhooks/docs/"),
    ):
        phone.goto(f"{live_server.url}{path}")
        _looks_right(phone, name)
