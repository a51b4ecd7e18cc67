"""In headless Chromium: an associate counts a store's SKUs on a phone; a supervisor approves at a desk.

Screenshots land in tests/screenshots/ (count-*.png) for a person to look at.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.roles import BACK_OFFICE, STORE_ASSOCIATE
from inventory.models import CountSessionStatus, LocationKind, StockLevel
from inventory.services.count_sessions import count_session_create
from tests.browser.support import DUPLICATE_IDS, PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories import stocked, user_with_role
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


def sign_in(page: Any, base_url: str, username: str, next_path: str) -> None:
    page.goto(f"{base_url}{next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}{next_path}")


def test_count_on_a_phone_then_approve_the_variances_at_a_desk(chromium: Any, live_server: Any) -> None:
    store = make_location(code="nyc-store", name="New York Store", kind=LocationKind.STORE, postal_code="10001")
    user_with_role(STORE_ASSOCIATE, username="sam", locations=[store])
    user_with_role(BACK_OFFICE, username="pat")
    mugs = [
        make_sku(
            code=f"MUG-{n:02d}", name=f"Stoneware mug, colour {n}", barcode=f"0000000000{n:04d}", price=Decimal("9.50")
        )
        for n in range(4)
    ]
    vase = make_sku(code="VASE-TALL-BLUE-GLAZED", name="Tall blue glazed vase", price=Decimal("120.00"))
    for item in [*mugs, vase]:
        stocked(store, item, 6)
    session = count_session_create(
        location=store, sku_ids=[item.pk for item in [*mugs, vase]], actor=None, scope="Front shelves"
    )
    url = f"/counts/{session.pk}/"

    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    sign_in(page, live_server.url, "sam", url)
    assert fits_the_screen(page)
    assert "Expected" not in page.content()  # a blind count

    # Scan a mug's barcode: the page jumps to it with its field focused; count and save (htmx swaps the line).
    counts = {"00000000000002": "5", "VASE-TALL-BLUE-GLAZED": "4"}
    for scanned, counted in counts.items():
        page.locator("#id_scan").fill(scanned)
        page.locator("#id_scan").press("Enter")
        focus = page.locator("#focus-line input[name=counted]")
        focus.wait_for()
        assert focus.evaluate("el => el === document.activeElement")
        focus.fill(counted)
        page.locator("#focus-line").get_by_role("button", name="Save").click()
        page.locator("#focus-line").get_by_text(f"✓ {counted} counted — saved").wait_for()
    assert page.locator("#count-progress").inner_text() == "2 of 5 counted"
    page.screenshot(path=str(SCREENSHOTS / "count-phone-scanned.png"), full_page=True)
    assert fits_the_screen(page)
    assert page.evaluate(DUPLICATE_IDS) == []

    # The rest typed in the list; a bad figure first.
    rows = page.locator("#count-lines li")
    first = rows.filter(has_text="MUG-00")
    first.locator("input[name=counted]").fill("-1")
    first.get_by_role("button", name="Save").click()
    page.get_by_text("A count is 0 or more.").wait_for()
    first = page.locator("#count-lines li").filter(has_text="MUG-00")
    first.locator("input[name=counted]").fill("6")
    first.get_by_role("button", name="Save").click()
    first.get_by_text("✓ 6 counted — saved").wait_for()
    for code in ("MUG-01", "MUG-03"):
        row = page.locator("#count-lines li").filter(has_text=code)
        row.locator("input[name=counted]").fill("6")
        row.get_by_role("button", name="Save").click()
        row.get_by_text("✓ 6 counted — saved").wait_for()
    box = page.locator("#count-lines li").first.get_by_role("button", name="Save").bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "count-phone-list.png"), full_page=True)
    page.get_by_role("button", name="Done counting: submit for approval").click()
    page.get_by_text("submitted: a supervisor approves the variances").wait_for()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "count-phone-submitted.png"), full_page=True)
    page.goto(f"{live_server.url}/counts/new/")
    page.get_by_label("Every SKU in bins starting with").check()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "count-phone-new.png"), full_page=True)
    phone.close()

    desk = chromium.new_context(viewport=WIDE)
    page = desk.new_page()
    sign_in(page, live_server.url, "pat", url)
    table = page.locator("#variances")
    assert "Needs a reason" in table.locator("tr", has_text="VASE-TALL-BLUE-GLAZED").inner_text()  # -2 x 120.00
    assert "-1" in table.locator("tr", has_text="MUG-02").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "count-desktop-review.png"), full_page=True)

    page.get_by_role("button", name="Approve all counted").click()
    page.get_by_text("Choose a reason for the large variance of VASE-TALL-BLUE-GLAZED").wait_for()
    page.locator("#variances tr", has_text="VASE-TALL-BLUE-GLAZED").locator("select").select_option("damaged")
    page.get_by_role("button", name="Approve all counted").click()
    page.get_by_text("5 lines approved and posted to the ledger").wait_for()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "count-desktop-approved.png"), full_page=True)
    page.get_by_role("link", name="Cycle counts").first.click()
    page.locator("#count-sessions").get_by_role("link", name=session.number).wait_for()
    assert "5 / 5" in page.locator("#count-sessions").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "count-desktop-list.png"), full_page=True)
    desk.close()

    session.refresh_from_db()
    assert session.status == CountSessionStatus.CLOSED
    assert StockLevel.objects.get(location=store, sku=vase).on_hand == 4
    assert StockLevel.objects.get(location=store, sku=mugs[2]).on_hand == 5
