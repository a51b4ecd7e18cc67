"""End-to-end in headless Chromium: the orders list shows each order's tags as chips, on a desk and
on a phone, and a chip narrows the list to its tag. Screenshots land in tests/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from channels.models import Channel
from core.roles import BACK_OFFICE
from fulfillment.demo import seed_carriers, seed_channels
from fulfillment.services import cost_model_forget
from inventory.models import LocationKind
from orders.services.edits import order_tags_set
from tests.browser.support import PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_exceptions_browser import WIDE
from tests.browser.test_inventory_browser import sign_in
from tests.factories import stocked, user_with_role
from tests.factories.orders import place_order
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("viewport", "name"), [(WIDE, "desktop"), (PHONE, "phone")])
def test_tag_chips_on_the_orders_list(chromium: Any, live_server: Any, viewport: Any, name: str) -> None:
    seed_carriers()
    seed_channels()
    cost_model_forget()
    stocked(make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE), make_sku(code="TEE-BLK-M"), 9)
    web = Channel.objects.get(code="web")
    vip = place_order(web, [("TEE-BLK-M", 1)], external_id="W-VIP", customer_name="Mary Jackson").order
    plain = place_order(web, [("TEE-BLK-M", 1)], external_id="W-PLAIN", customer_name="Dorothy Vaughan").order
    order_tags_set(order=vip, tags=["vip", "gift-wrap"], actor=None)
    user_with_role(BACK_OFFICE, username="pat")
    page = chromium.new_context(viewport=viewport).new_page()
    sign_in(page, live_server.url, "pat", "/orders/")

    chips = page.locator(f'tr[data-order="{vip.number}"] .tag-chip')
    assert chips.all_inner_texts() == ["gift-wrap", "vip"]
    assert page.locator(f'tr[data-order="{plain.number}"] .tag-chip').count() == 0
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"orders-tags-{name}.png"), full_page=True)

    chips.filter(has_text="vip").click()
    page.wait_for_url("**/orders/?tag=vip")
    assert page.locator("#tag-filter").is_visible()
    assert page.locator(f'tr[data-order="{plain.number}"]').count() == 0
