"""The demo's tour card in a browser at 1440 and 390 px: it fits, its links open the pages, and Hide hides it."""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import BACK_OFFICE
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 1000}, PHONE], ids=["desktop", "phone"])
def test_the_tour_card_fits_opens_its_pages_and_hides(chromium: Any, live_server: Any, settings, viewport) -> None:
    settings.DEMO_MODE = True
    user_with_role(BACK_OFFICE, username="blair")
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    sign_in(page, live_server.url, "blair")

    card = page.locator("#demo-tour")
    assert card.is_visible() and "Try this first" in card.inner_text()
    assert card.locator("[data-login]").count() == 5 and card.locator("[data-tour-step]").count() == 7
    assert fits_the_screen(page)
    assert page.evaluate(DUPLICATE_IDS) == []
    card.screenshot(path=str(SCREENSHOTS / f"demo-tour-{viewport['width']}.png"))

    card.get_by_role("link", name="Read the KPI dashboard").click()
    page.wait_for_url("**/analytics/")
    page.go_back()
    page.get_by_role("button", name="Hide the demo tour").click()
    page.wait_for_load_state("load")

    assert "Tour hidden" in page.inner_text("body")
    assert page.locator("#demo-tour").count() == 0
    context.close()
