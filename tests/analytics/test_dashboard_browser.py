"""The KPI dashboard in headless Chromium at 1440 px: trends drawn, filters applied in place, a figure
opens its orders. Screenshots land in tests/screenshots/ for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from analytics.facts import day_bounds
from analytics.services import facts_backfill
from core.roles import BACK_OFFICE
from inventory.models import LocationKind
from orders.models import Order
from tests.browser.support import DUPLICATE_IDS, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import LocationFactory, stocked, user_with_role
from tests.factories.orders import place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDE = {"width": 1440, "height": 1000}


def a_fortnight_of_orders(web: Any, market: Any, warehouse: Any) -> None:
    """Orders on most of the last 14 days, some split between Dallas and Atlanta, on two channels."""
    atlanta: Any = LocationFactory(
        code="atl-dc", name="Atlanta DC", kind=LocationKind.WAREHOUSE, postal_code="30303",
        latitude="33.749000", longitude="-84.388000", timezone="America/New_York",
    )  # fmt: skip
    stocked(warehouse, _sku("TEE-BLK-M"), 200)
    stocked(atlanta, _sku("MUG-WHT"), 200)
    for day in range(14):
        for n in range(1 + day % 3):
            lines = [("TEE-BLK-M", 1), ("MUG-WHT", 1)] if (day + n) % 3 == 0 else [("TEE-BLK-M", 1)]
            channel = market if n == 2 else web
            order = place_order(channel, lines, external_id=f"d{day}-{n}").order
            start, _ = day_bounds(timezone.localdate() - timedelta(days=day))
            Order.objects.filter(pk=order.pk).update(placed_at=start + timedelta(hours=10 + n))
    facts_backfill(start=timezone.localdate() - timedelta(days=20))


def _sku(code: str) -> Any:
    from tests.factories import SKUFactory

    return SKUFactory(code=code, name=code.title())


def test_the_dashboard_draws_trends_filters_in_place_and_opens_the_orders_behind_a_figure(
    chromium: Any, live_server: Any, web: Any, market: Any, warehouse: Any
) -> None:
    a_fortnight_of_orders(web, market, warehouse)
    user_with_role(BACK_OFFICE, username="pat")
    context = chromium.new_context(viewport=WIDE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server.url, "pat", "/analytics/")

    assert page.locator('[data-kpi="split_rate"] svg polyline').count() >= 1
    assert page.locator("#chart-locations [data-key]").count() == 2  # Atlanta and Dallas
    split = page.locator('[data-figure="split_rate"]').inner_text()
    assert split.endswith("%")
    assert fits_the_screen(page)
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "analytics-dashboard-1440.png"), full_page=True)

    # Narrow to the marketplace channel: the results change in place (htmx), the URL follows.
    page.select_option("#id_channel", "market")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**channel=market**")
    assert "on Marketplace" in page.locator("#kpi-range").inner_text()
    assert "channel=market" in (page.locator("#kpi-export").get_attribute("href") or "")
    assert page.locator("#by-channel tbody tr").count() == 1

    # A location's split rate opens exactly its split orders.
    page.goto(f"{live_server.url}/analytics/?days=30&metric=split_rate")
    page.locator('#by-location tr[data-location="atl-dc"] td[data-cell="split_rate"] a').click()
    page.wait_for_url("**kpi=split**")
    assert "Split into several shipments" in page.locator("#kpi-filter").inner_text()
    numbers = page.locator("#order-results tbody tr").count()
    assert numbers == Order.objects.filter(shipments__location__code="atl-dc").distinct().count()
    page.screenshot(path=str(SCREENSHOTS / "analytics-drilldown-1440.png"))
    assert errors == []
    context.close()


PHONE = {"width": 390, "height": 844}
NO_PAGE_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_the_dashboard_on_a_phone_stacks_its_cards_and_keeps_wide_tables_in_their_own_box(
    chromium: Any, live_server: Any, web: Any, market: Any, warehouse: Any
) -> None:
    a_fortnight_of_orders(web, market, warehouse)
    user_with_role(BACK_OFFICE, username="pat")
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    sign_in(page, live_server.url, "pat", "/analytics/")
    page.screenshot(path=str(SCREENSHOTS / "analytics-dashboard-390.png"), full_page=True)

    assert page.evaluate(NO_PAGE_SIDEWAYS_SCROLL)
    assert fits_the_screen(page)
    # Every KPI card and chart fits the width (stacked, not side by side off-screen).
    boxes = page.evaluate(
        "[...document.querySelectorAll('[data-kpi], svg')].map(e => { const r = e.getBoundingClientRect();"
        " return [r.left, r.right]; })"
    )
    assert boxes and all(left >= -1 and right <= PHONE["width"] + 1 for left, right in boxes)
    lefts = {round(left) for left, _ in page.evaluate(
        "[...document.querySelectorAll('[data-kpi]')].map(e => [e.getBoundingClientRect().left, 0])"
    )}  # fmt: skip
    assert len(lefts) == 1  # one card per row
    # The location bars keep their labels readable (HTML text, not a shrunken drawing).
    label_px = page.locator("#chart-locations .hbar-label").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert label_px >= 12
    # The by-location table is wider than a phone: it scrolls inside its own box, the page does not.
    wrap = page.locator("#by-location").locator("xpath=ancestor::*[contains(@class,'table-wrap')][1]")
    assert wrap.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
    page.goto(f"{live_server.url}/analytics/?days=30&metric=split_rate")
    assert page.evaluate(NO_PAGE_SIDEWAYS_SCROLL)
    context.close()
