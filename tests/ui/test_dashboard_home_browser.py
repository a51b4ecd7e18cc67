"""The home page on a warehouse operator's phone: the work waiting comes first and fits the screen."""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import WAREHOUSE_OPERATOR
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import SKUFactory, stocked, user_with_role
from tests.factories.orders import ChannelFactory, place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_sees_their_work_first_on_a_phone_and_opens_the_queue(
    chromium: Any, live_server: Any, warehouse: Any
) -> None:
    web: Any = ChannelFactory(code="web", name="Web shop")
    tee: Any = SKUFactory(code="TEE-BLK-M", name="Black tee, M")
    stocked(warehouse, tee, 10)
    for n in range(3):
        place_order(web, [("TEE-BLK-M", 1)], external_id=f"w-{n}", postal_code="75201")
    user_with_role(WAREHOUSE_OPERATOR, username="olga", locations=[warehouse])
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "olga")

    first = page.locator("main h2").first.inner_text()
    assert first == "To do now"
    assert page.locator('[data-count="accept"]').inner_text() == "3"
    assert fits_the_screen(page)
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "home-operator-phone.png"), full_page=True)

    page.locator('[data-action="accept"] a').click()
    page.wait_for_url("**/fulfillment/work/?tab=accept")
    context.close()
