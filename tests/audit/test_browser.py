"""In headless Chromium: a back-office person edits a SKU, sees the change in the SKU page's History panel,
then finds it in the audit trail by its words and by who made it, on a desktop and on a phone.

Screenshots land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import BACK_OFFICE
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import SKUFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _looks_right(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"audit-{name}.png"), full_page=True)
    assert page.evaluate(DUPLICATE_IDS) == [], f"{name}: duplicate ids"


def test_an_edit_shows_in_the_history_panel_and_the_audit_trail(chromium: Any, live_server: Any) -> None:
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    SKUFactory(code="TEE-BLK-M", name="Black tee, M", price="19.99")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server.url, "pat", "/inventory/skus/TEE-BLK-M/edit/")
    page.locator("#id_name").fill("Black tee, medium")
    page.locator("#id_price").fill("24.50")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"{live_server.url}/inventory/skus/TEE-BLK-M/")

    panel = page.locator("#history")
    panel.locator(".audit-diff").first.wait_for()  # loaded by htmx after the page
    assert "Pat Lee" in panel.inner_text()
    price_row = panel.locator(".audit-change").first.locator("tr", has=page.locator("th", has_text="Price"))
    assert price_row.locator("del").inner_text() == "19.99" and price_row.locator("ins").inner_text() == "24.50"
    panel.scroll_into_view_if_needed()
    _looks_right(page, "sku-history-panel")

    page.goto(f"{live_server.url}/audit/")
    page.get_by_label("Text").fill("medium")
    page.locator("#audit-results .audit-change").first.wait_for()
    page.get_by_label("Changed by").fill("pat")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/audit/?*user=pat*")
    changes = page.locator("#audit-results .audit-change")
    assert changes.count() == 1 and "Black tee, medium" in changes.first.inner_text()
    _looks_right(page, "search")

    phone = chromium.new_page(viewport=PHONE)
    sign_in(phone, live_server.url, "pat", "/audit/?q=medium")
    assert phone.locator("#audit-results .audit-change").count() == 1
    assert fits_the_screen(phone)
    _looks_right(phone, "search-phone")
