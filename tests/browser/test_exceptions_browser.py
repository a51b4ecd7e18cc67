"""End-to-end in headless Chromium: resolve exceptions from their rows (release a held order,
re-route one nobody could take) at desk and phone widths, and the header keeps its search box
clear of the navigation at the widths staff use.

Screenshots land in tests/screenshots/ for a person to look at.
Without /usr/bin/chromium the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from channels.models import Channel
from core.roles import ADMINISTRATOR, BACK_OFFICE
from fulfillment.demo import seed_carriers, seed_channels
from fulfillment.services import cost_model_forget, order_hold
from inventory.models import AdjustmentReason, LocationKind
from inventory.services import stock_adjust
from orders.models import Order, OrderStatus
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import stocked, user_with_role
from tests.factories.orders import place_order
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}
LAPTOP = {"width": 1280, "height": 800}


def _queue() -> tuple[Order, Order]:
    """A held order (with the reason typed) and one nobody could route until units were found."""
    seed_carriers()
    seed_channels()
    cost_model_forget()
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M", weight_grams=300)
    mug = make_sku(code="MUG-WHT", name="White mug", weight_grams=450)
    stocked(dallas, tee, 10)
    web = Channel.objects.get(code="web")
    held = place_order(web, [("TEE-BLK-M", 1)], external_id="W-HOLD", customer_name="Grace Hopper").order
    order_hold(order=held, actor=None, reason="fraud check: billing country differs")
    stuck = place_order(web, [("MUG-WHT", 2)], external_id="W-MUG", customer_name="Alan Turing").order
    assert stuck.status == OrderStatus.BACKORDERED
    # Units turn up in a count (an adjustment, not a receipt: nothing re-routes by itself).
    stock_adjust(location=dallas, sku=mug, delta=5, reason_code=AdjustmentReason.FOUND, actor=None)
    return held, stuck


@pytest.mark.parametrize(("viewport", "name"), [(WIDE, "desktop"), (PHONE, "phone")])
def test_release_and_reroute_from_the_exceptions_rows(
    chromium: Any, live_server: Any, viewport: Any, name: str
) -> None:
    held, stuck = _queue()
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    errors: list[str] = []
    page = chromium.new_context(viewport=viewport).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server.url, "pat", "/orders/exceptions/?kind=on_hold")

    row = page.locator(f'tr[data-order="{held.number}"]')
    assert "Held: fraud check: billing country differs" in row.inner_text()
    assert page.locator('[data-kind="on_hold"] .count').inner_text() == "1"
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"exceptions-held-{name}.png"), full_page=True)
    release = row.get_by_role("button", name="Release")
    box = release.bounding_box()
    assert release.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]  # all on screen
    release.click()

    outcome = page.locator(f'tr[data-order="{held.number}"] [data-outcome]')
    outcome.wait_for()
    assert outcome.inner_text() == "Released: routed, ships from dal-dc."
    assert page.locator('[data-kind="on_hold"] .count').inner_text() == "0"
    assert f"{held.number}: Released" in page.locator("#messages").inner_text()
    assert page.locator(f'tr[data-order="{held.number}"] button').count() == 0
    page.screenshot(path=str(SCREENSHOTS / f"exceptions-released-{name}.png"), full_page=True)

    page.locator('[data-kind="unroutable"]').click()
    page.wait_for_url("**/orders/exceptions/?kind=unroutable")
    row = page.locator(f'tr[data-order="{stuck.number}"]')
    assert "Waiting for stock: MUG-WHT x 2" in row.inner_text()
    reroute = row.get_by_role("button", name="Re-route")
    box = reroute.bounding_box()
    assert box["x"] + box["width"] <= viewport["width"]
    reroute.click()
    outcome = page.locator(f'tr[data-order="{stuck.number}"] [data-outcome]')
    outcome.wait_for()
    assert outcome.inner_text() == "Re-routed: ships from dal-dc."
    assert page.locator('[data-kind="unroutable"] .count').inner_text() == "0"
    assert fits_the_screen(page)
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / f"exceptions-rerouted-{name}.png"), full_page=True)
    stuck.refresh_from_db()
    held.refresh_from_db()
    assert (stuck.status, held.status) == (OrderStatus.ROUTED, OrderStatus.ROUTED)
    assert errors == []


OVERLAPS = """
() => {
  const boxes = [...document.querySelectorAll(
    '.site-header .brand, .site-header .main-nav > ul > li, '
    + '.site-header .site-search input, .site-header .user-menu > summary'
  )].map(e => ({name: e.textContent.trim().slice(0, 20) || e.className, r: e.getBoundingClientRect()}))
    .filter(b => b.r.width > 0 && b.r.height > 0);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
      hits.push(boxes[i].name + ' / ' + boxes[j].name);
  }
  return hits;
}
"""


@pytest.mark.parametrize(("viewport", "name"), [(LAPTOP, "1280"), (WIDE, "1440"), (PHONE, "390")])
def test_the_header_search_never_covers_the_navigation(
    chromium: Any, live_server: Any, viewport: Any, name: str
) -> None:
    """An administrator has the most links (and a long name); nothing in the header may overlap."""
    user_with_role(
        ADMINISTRATOR, username="admin", first_name="Margaret", last_name="Hamilton-Lovelace", is_superuser=True
    )
    page = chromium.new_context(viewport=viewport).new_page()
    sign_in(page, live_server.url, "admin", "/orders/")

    more = page.locator(".nav-more summary")
    if viewport is not PHONE:
        assert more.is_visible()
    search = page.locator("#site-search-q")
    assert search.is_visible()
    assert page.evaluate(OVERLAPS) == []
    if viewport is not PHONE:  # on a phone the nav scrolls sideways under the search box by design
        nav = page.locator(".main-nav").bounding_box()
        assert more.bounding_box()["x"] + more.bounding_box()["width"] <= nav["x"] + nav["width"] + 0.5
        assert search.bounding_box()["x"] >= more.bounding_box()["x"] + more.bounding_box()["width"]
    assert fits_the_screen(page)
    page.locator(".site-header").screenshot(path=str(SCREENSHOTS / f"header-{name}.png"))


def _every_row_kind() -> None:
    """One row of each kind that is not an order's own state."""
    from decimal import Decimal

    from django.utils import timezone

    from fulfillment.models import CostSettings, RejectReason
    from fulfillment.services import store_request_reject
    from marketplaces.models import (
        ChannelConfirmation,
        ChannelOrder,
        ChannelOrderStatus,
        ConfirmationKind,
        PushState,
        StockOutbox,
    )
    from tests.factories.stores import make_store, set_store_settings
    from tests.ui.test_exceptions import ALWAYS_OPEN

    seed_carriers()
    seed_channels()
    cost_model_forget()
    CostSettings.objects.create(handling_store=Decimal("1.50"), handling_warehouse=Decimal("1.50"))
    store = set_store_settings(make_store("nyc-store", priority=1), hours=ALWAYS_OPEN, sla_minutes=30)
    tee = make_sku(code="TEE-BLK-M", name="Black tee, M", weight_grams=300)
    stocked(store, tee, 2)
    web = Channel.objects.get(code="web")
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-SFS", customer_name="Katherine Johnson").order
    store_request_reject(
        shipment=order.shipments.get(), reason=RejectReason.DAMAGED, note="box crushed in the stockroom", actor=None
    )
    now = timezone.now()
    StockOutbox.objects.update_or_create(
        channel=web,
        sku=tee,
        defaults={
            "state": PushState.FAILED,
            "changed_at": now,
            "next_attempt_at": now,
            "attempts": 6,
            "last_error": "422: inventory item TEE-BLK-M is not stocked at location 'Main warehouse'",
        },
    )
    ChannelConfirmation.objects.create(
        channel=web,
        order=order,
        kind=ConfirmationKind.CANCEL,
        dedupe_key="cancel-1",
        state=PushState.FAILED,
        attempts=1,
        next_attempt_at=now,
        last_error="409: the order is already fulfilled on the channel",
    )
    ChannelOrder.objects.create(
        channel=web, external_id="1045-778", status=ChannelOrderStatus.HELD, hold_reason="SKU AB-12 is not listed."
    )


@pytest.mark.parametrize(("viewport", "name"), [(WIDE, "desktop"), (PHONE, "phone")])
def test_every_row_kind_reads_and_fits_the_screen(chromium: Any, live_server: Any, viewport: Any, name: str) -> None:
    _every_row_kind()
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    page = chromium.new_context(viewport=viewport).new_page()
    sign_in(page, live_server.url, "pat", "/orders/exceptions/?kind=store_rejected")
    for kind, says, button in [
        ("store_rejected", "Damaged: box crushed in the stockroom", "Re-route"),
        ("sync_failed", "is not stocked at location", "Retry"),
        ("unconfirmed", "409: the order is already fulfilled", "Send again"),
        ("channel_held", "SKU AB-12 is not listed.", "Import again"),
    ]:
        page.goto(f"{live_server.url}/orders/exceptions/?kind={kind}")
        assert page.locator(f'[data-kind="{kind}"] .count').inner_text() == "1"
        row = page.locator("#exceptions tbody tr").first
        assert says in row.inner_text()
        action = row.get_by_role("button", name=button)
        box = action.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], kind
        assert fits_the_screen(page), kind
        page.screenshot(path=str(SCREENSHOTS / f"exceptions-{kind}-{name}.png"), full_page=True)
