"""In headless Chromium: the Channels and Routing pages on a desktop and a 390px phone.

Issue a key and copy it, revoke it, fix a bad rate-grid cell, price a parcel. Screenshots
land in tests/screenshots/ for a person to look at. Without /usr/bin/chromium the tests
skip, except under CI=true, where they fail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from channels.services import api_key_authenticate
from core.roles import BACK_OFFICE
from fulfillment.demo import seed_carriers, seed_channels
from fulfillment.models import RateCardRow
from fulfillment.services.routing import cost_model_forget
from tests.browser.support import DESKTOP, PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories import user_with_role
from tests.factories.pages import make_location

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    cost_model_forget()
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    make_location(code="dal-dc", name="Dallas Distribution Center")
    make_location(
        code="nyc-store",
        name="New York Herald Square",
        kind="store",
        postal_code="10001",
        latitude="40.750600",
        longitude="-73.997200",
        timezone="America/New_York",
        ship_from_store=True,
    )
    seed_carriers()
    seed_channels()
    yield
    cost_model_forget()


def sign_in(page: Any, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}{next_path}")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}{next_path}")


def shoot(page: Any, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_channels_issue_copy_and_revoke_a_key(chromium: Any, live_server: Any, demo: None) -> None:
    context = chromium.new_context(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sign_in(page, live_server.url, "/channels/")
    assert fits_the_screen(page)
    shoot(page, "channels-desktop")

    page.get_by_role("link", name="New API key for Amazon US").click()
    page.get_by_label("What uses this key").fill("Seller Central sync")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#api-key-secret").input_value()
    assert secret.startswith("fk_")
    page.get_by_role("button", name="Copy").click()
    page.get_by_role("button", name="Copied").wait_for(state="visible", timeout=5000)  # the clipboard is async
    shoot(page, "channels-key-issued-desktop")
    found = api_key_authenticate(secret)
    assert found is not None and found.channel.code == "amazon"

    page.get_by_role("link", name="I have copied it").click()
    assert secret not in page.content()
    page.get_by_role("link", name=f"Revoke key {found.prefix}").click()
    shoot(page, "channels-revoke-desktop")
    page.get_by_role("button", name="Revoke key").click()
    assert "no longer works" in page.locator("#messages").inner_text()
    assert api_key_authenticate(secret) is None

    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_page = phone.new_page()
    sign_in(phone_page, live_server.url, "/channels/")
    assert fits_the_screen(phone_page)
    shoot(phone_page, "channels-phone")


def test_routing_pages_fix_a_bad_cell_and_price_a_parcel(chromium: Any, live_server: Any, demo: None) -> None:
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "/fulfillment/routing/")
    assert fits_the_screen(page)
    shoot(page, "routing-desktop")

    # Cost settings save through htmx: the card is swapped and the message shows.
    page.get_by_label("Per package").fill("0.95")
    page.get_by_role("button", name="Save costs").click()
    page.locator("#messages").get_by_text("Cost settings saved").wait_for()

    page.get_by_role("link", name="Ground", exact=True).click()
    page.wait_for_url("**/routing/carriers/parcelway/ground/")
    page.locator("#row1_zone3").fill("12,5o")
    page.get_by_role("button", name="Save rate table").click()
    page.locator("#grid-problems").wait_for()
    assert "Row 2 (up to 1 lb), zone 3" in page.locator("#grid-problems").inner_text()
    assert page.locator("#row1_zone3").get_attribute("aria-invalid") == "true"
    assert RateCardRow.objects.get(service__code="ground", zone=3, max_weight_grams=454).price == Decimal("10.40")
    shoot(page, "routing-grid-error-desktop")
    page.locator("#row1_zone3").fill("10.55")
    page.get_by_role("button", name="Save rate table").click()
    page.locator("#messages").get_by_text("Rate table of Parcelway Ground saved").wait_for()
    assert str(RateCardRow.objects.get(service__code="ground", zone=3, max_weight_grams=454).price) == "10.55"

    page.goto(f"{live_server.url}/fulfillment/routing/calculator/")
    page.get_by_label("Ship from").select_option("dal-dc")
    page.get_by_label("To ZIP code").fill("10001")
    page.get_by_label("Weight (lb)").fill("4")
    page.get_by_role("button", name="Price it").click()
    page.locator("#quote-cards").wait_for()
    assert "zone" in page.locator("#quote").inner_text().lower()
    shoot(page, "routing-calculator-desktop")

    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_page = phone.new_page()
    sign_in(phone_page, live_server.url, "/fulfillment/routing/")
    assert fits_the_screen(phone_page)
    shoot(phone_page, "routing-phone")
    phone_page.goto(f"{live_server.url}/fulfillment/routing/carriers/parcelway/ground/")
    assert fits_the_screen(phone_page)
    shoot(phone_page, "routing-grid-phone")
    phone_page.goto(
        f"{live_server.url}/fulfillment/routing/calculator/?origin=dal-dc&postal_code=10001&weight_lb=4&level=express"
    )
    assert fits_the_screen(phone_page)
    shoot(phone_page, "routing-calculator-phone")
