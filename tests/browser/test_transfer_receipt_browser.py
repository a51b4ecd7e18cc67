"""In headless Chromium: receive part of a transfer on a phone by scanning, then close it short at a desk.

Screenshots land in tests/screenshots/ (transfer-receipt-*.png) for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import WAREHOUSE_OPERATOR
from inventory.models import LocationKind, StockLevel, TransferDiscrepancy, TransferStatus
from inventory.services import StockLine, transfer_create, transfer_ship
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


def test_receive_part_by_scanning_then_close_short_with_a_note(chromium: Any, live_server: Any) -> None:
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    store = make_location(code="nyc-store", name="New York Store", kind=LocationKind.STORE, postal_code="10001")
    user_with_role(WAREHOUSE_OPERATOR, username="olly", locations=[store])
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M", barcode="00012345678905")
    cap = make_sku(code="CAP-RED", name="Red cap")
    stocked(dallas, tee, 20)
    stocked(dallas, cap, 20)
    transfer = transfer_create(
        source=dallas, destination=store, lines=[StockLine(tee.pk, 5), StockLine(cap.pk, 3)], actor=None
    )
    transfer_ship(transfer=transfer, actor=None)
    url = f"/transfers/{transfer.pk}/"

    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    sign_in(page, live_server.url, "olly", url)
    for n in range(1, 4):
        page.locator("#id_scan").fill("00012345678905")
        page.locator("#id_scan").press("Enter")
        page.get_by_text(f"TEE-BLK-M: {n} of 5 counted in.").wait_for()
    tee_row = page.locator("#receipt-lines tr", has_text="TEE-BLK-M")
    assert tee_row.locator("input[name^=received]").input_value() == "3"
    page.locator("#receipt-lines tr", has_text="CAP-RED").locator("input[name^=received]").fill("3")
    assert fits_the_screen(page)
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "transfer-receipt-phone-scanned.png"), full_page=True)
    page.get_by_role("button", name="Receive these units").click()
    page.get_by_text("6 units received; the rest is still in transit.").wait_for()
    assert "Partially received" in page.locator("h1").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "transfer-receipt-phone-partial.png"), full_page=True)
    phone.close()

    desk = chromium.new_context(viewport=WIDE)
    page = desk.new_page()
    sign_in(page, live_server.url, "olly", url)
    page.get_by_label("Nothing more is coming").check()
    page.get_by_role("button", name="Receive these units").click()
    page.get_by_text("Say what happened").wait_for()
    page.get_by_label("What happened?").fill("Second carton never arrived")
    page.get_by_label("Nothing more is coming").check()
    page.get_by_role("button", name="Receive these units").click()
    page.get_by_text("closed at nyc-store: nothing more received; 1 discrepancy recorded.").wait_for()
    assert "2 short" in page.locator("#transfer-lines tr", has_text="TEE-BLK-M").inner_text()
    assert "Second carton never arrived" in page.locator("#discrepancies").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "transfer-receipt-desktop-closed.png"), full_page=True)
    desk.close()

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert StockLevel.objects.filter(location=store, sku=tee).values_list("on_hand", "in_transit")[0] == (3, 0)
    assert TransferDiscrepancy.objects.get().quantity == 2
