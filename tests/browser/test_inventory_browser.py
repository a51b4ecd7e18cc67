"""End-to-end in headless Chromium: sign in, find a SKU, adjust its stock inline, see the ledger row.

Screenshots (desktop and a 390px-wide phone) land in tests/screenshots/ for a person to look at.
Without /usr/bin/chromium the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.roles import BACK_OFFICE
from inventory.models import LocationKind, StockLevel, StockMovement
from inventory.services import transfer_create
from inventory.services.stock import StockLine
from tests.browser.support import DESKTOP, DUPLICATE_IDS, PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories import stocked, user_with_role
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base_url: str, username: str, next_path: str = "/") -> None:
    """Sign in through the login form, the way a person does."""
    page.goto(f"{base_url}{next_path}")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}{next_path}")


def test_adjust_stock_inline_and_see_the_ledger_row(chromium: Any, live_server: Any) -> None:
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    store = make_location(code="nyc-store", name="New York Store", kind=LocationKind.STORE, postal_code="10001")
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M")
    stocked(dallas, tee, 12)
    stocked(store, tee, 3)
    for n in range(8):
        stocked(dallas, make_sku(code=f"MUG-{n:02d}", name=f"Mug colour {n}"), 2 + 5 * n)

    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "pat", "/inventory/")

    # The grid: search narrows it through htmx and the URL follows.
    assert page.locator("#grid-results").get_by_role("link", name="TEE-BLK-M").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "grid-desktop.png"), full_page=True)
    page.get_by_label("Search").fill("tee")
    page.wait_for_url("**/inventory/?*q=tee*")
    page.locator("#grid-results").get_by_text("MUG-01").wait_for(state="detached")
    page.locator("#grid-results").get_by_role("link", name="TEE-BLK-M").click()
    page.wait_for_url(f"{live_server.url}/inventory/skus/TEE-BLK-M/")

    # Inline adjust: a mistake first (the error shows by the field, nothing written), then the fix.
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="Adjust TEE-BLK-M at dal-dc").click()
    delta = page.locator("#adjust-dal-dc-delta")
    delta.wait_for()
    delta.fill("0")
    page.locator("#adjust-dal-dc-reason_code").select_option("damaged")
    page.get_by_role("button", name="Save adjustment").click()
    page.locator("#adjust-dal-dc-delta_error").wait_for()
    assert "non-zero" in page.locator("#adjust-dal-dc-delta_error").inner_text()
    assert delta.get_attribute("aria-invalid") == "true"
    assert StockMovement.objects.filter(kind="adjustment").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "sku-adjust-error-desktop.png"), full_page=True)

    page.locator("#adjust-dal-dc-delta").fill("-3")
    page.locator("#adjust-dal-dc-note").fill("Two torn, one stained")
    page.get_by_role("button", name="Save adjustment").click()
    message = page.locator("#messages [role=status]")
    message.wait_for()
    assert "Adjusted TEE-BLK-M at dal-dc by -3 (damaged). On hand is now 9." in message.inner_text()
    first_row = page.locator("#ledger tbody tr").first
    assert "Adjustment" in first_row.inner_text()
    assert first_row.locator("[data-cell=on_hand_delta]").inner_text() == "\u22123"
    assert page.locator("#level-dal-dc [data-cell=on_hand]").inner_text() == "9"
    assert page.evaluate("window.__sameDocument === true"), "the adjustment reloaded the page instead of using htmx"
    assert StockLevel.objects.get(location=dallas, sku=tee).on_hand == 9
    page.screenshot(path=str(SCREENSHOTS / "sku-after-adjust-desktop.png"), full_page=True)

    # The same pages on a phone.
    phone = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone.add_cookies(context.cookies())
    mobile = phone.new_page()
    for name, path in [("grid", "/inventory/"), ("sku", "/inventory/skus/TEE-BLK-M/"), ("dashboard", "/")]:
        mobile.goto(f"{live_server.url}{path}")
        assert fits_the_screen(mobile), f"{path} scrolls sideways on a phone"
        mobile.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    phone.close()
    context.close()


def test_every_page_renders_cleanly_on_desktop_and_phone(chromium: Any, live_server: Any) -> None:
    user = user_with_role(BACK_OFFICE, username="sam")
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    store = make_location(code="nyc-store", name="New York Store", kind=LocationKind.STORE, offers_pickup=True)
    make_location(code="reno-3pl", name="Reno 3PL", kind=LocationKind.THIRD_PARTY, postal_code="89501")
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M")
    stocked(dallas, tee, 40)
    stocked(store, tee, 2)
    transfer = transfer_create(source=dallas, destination=store, lines=[StockLine(tee.pk, 5)], actor=user)
    pages = {
        "dashboard": "/",
        "locations": "/locations/",
        "location": "/locations/dal-dc/",
        "location-form": "/add-location/",
        "transfers": "/transfers/",
        "transfer": f"/transfers/{transfer.pk}/",
        "transfer-form": "/transfers/new/",
        "import": "/inventory/import/",
        "sku-form": "/inventory/add-sku/",
        "grid": "/inventory/",
        "sku": "/inventory/skus/TEE-BLK-M/",
        "orders": "/orders/",
        "password": "/accounts/password_change/",
    }
    errors: list[str] = []
    for viewport_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = chromium.new_context(viewport=viewport)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{live_server.url}/accounts/login/")
        page.screenshot(path=str(SCREENSHOTS / f"login-{viewport_name}.png"), full_page=True)
        sign_in(page, live_server.url, "sam", "/")
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            assert page.evaluate("typeof htmx") == "object", f"htmx did not load on {path}"
            assert page.evaluate(DUPLICATE_IDS) == [], f"{path} repeats element ids"
            if viewport_name == "phone":
                assert fits_the_screen(page), f"{path} scrolls sideways on a phone"
            page.screenshot(path=str(SCREENSHOTS / f"tour-{name}-{viewport_name}.png"), full_page=True)
        context.close()
    assert errors == []


def test_import_report_and_transfer_lines_update_in_place(chromium: Any, live_server: Any, tmp_path: Path) -> None:
    user_with_role(BACK_OFFICE, username="alex")
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    make_location(code="nyc-store", name="New York Store", kind=LocationKind.STORE)
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M")
    bad = tmp_path / "bad.csv"
    bad.write_text("location,sku,on_hand\ndal-dc,TEE-BLK-M,9\nnowhere,TEE-BLK-M,1\ndal-dc,NOPE,-4\n")
    good = tmp_path / "good.csv"
    good.write_text("location,sku,on_hand,safety_stock\ndal-dc,TEE-BLK-M,9,1\n")

    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "alex", "/inventory/import/")
    page.evaluate("window.__sameDocument = true")

    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check and import").click()
    page.locator("#import-errors").wait_for()
    assert page.locator("#import-errors tbody tr").count() == 3
    assert "Nothing was imported" in page.locator("#messages").inner_text()
    assert not StockLevel.objects.filter(location=dallas, sku=tee).exists()
    page.screenshot(path=str(SCREENSHOTS / "import-errors-desktop.png"), full_page=True)

    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Check and import").click()
    page.get_by_text("Import complete").wait_for()
    assert page.evaluate("window.__sameDocument === true")
    assert StockLevel.objects.get(location=dallas, sku=tee).on_hand == 9

    page.goto(f"{live_server.url}/transfers/new/")
    assert page.locator("input[name=line_sku]").count() == 5
    page.get_by_role("button", name="+ Add line").click()
    page.wait_for_function("document.querySelectorAll('input[name=line_sku]').length === 6")
    page.get_by_label("From").select_option("dal-dc")
    page.get_by_label("To").select_option("nyc-store")
    page.locator("input[name=line_sku]").nth(5).fill("TEE-BLK-M")
    page.locator("input[name=line_qty]").nth(5).fill("3")
    page.get_by_role("button", name="Create transfer and reserve stock").click()
    page.get_by_text("3 units reserved at dal-dc for nyc-store").wait_for()
    assert StockLevel.objects.get(location=dallas, sku=tee).reserved == 3
    context.close()
