"""End-to-end in headless Chromium: approve a rebalancing proposal from its page and see the
transfer it created; a proposal whose stock changed is refused with the way forward; the
forecasts page draws its chart. Screenshots (desktop and phone) land in tests/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import BACK_OFFICE
from inventory.models import StockLevel, Transfer
from inventory.services import stock_adjust
from planning.models import DemandForecast, ProposalKind
from planning.services.proposals import proposals_compute
from tests.browser.support import DESKTOP, DUPLICATE_IDS, PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}{next_path}")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}{next_path}")


def test_approve_a_transfer_proposal_and_see_the_transfer(
    chromium: Any, live_server: Any, network: dict[str, Any]
) -> None:
    user_with_role(BACK_OFFICE, username="pat")
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)
    page = chromium.new_context(viewport=DESKTOP).new_page()
    _sign_in(page, live_server.url, "/planning/proposals/")

    row = page.locator(f"#proposal-{proposal.pk}")
    assert "nyc-store position 2 (2 on hand)" in row.inner_text()
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "planning-proposals-desktop.png"), full_page=True)

    page.evaluate("window.__sameDocument = true")
    row.get_by_label(f"Units of {network['sku'].code}").fill(str(proposal.quantity - 2))
    row.get_by_role("button", name="Approve transfer").click()
    page.locator(f"#proposal-{proposal.pk}").get_by_role("status").wait_for()

    transfer = Transfer.objects.get()
    assert transfer.lines.get().quantity == proposal.quantity - 2
    assert StockLevel.objects.get(location=network["warehouse"], sku=network["sku"]).reserved == proposal.quantity - 2
    assert transfer.number in page.locator(f"#proposal-{proposal.pk}").inner_text()
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped the row, no reload
    page.screenshot(path=str(SCREENSHOTS / "planning-proposal-approved-desktop.png"), full_page=True)


def test_a_stale_proposal_says_to_recompute_on_a_phone(
    chromium: Any, live_server: Any, network: dict[str, Any]
) -> None:
    user_with_role(BACK_OFFICE, username="pat")
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)
    page = chromium.new_context(viewport=PHONE).new_page()
    _sign_in(page, live_server.url, "/planning/proposals/")
    page.screenshot(path=str(SCREENSHOTS / "planning-proposals-phone.png"), full_page=True)
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "document.documentElement.clientWidth + 1 && !e.closest('.table-wrap')).map(e => e.tagName + '.' + e.className)"
    )
    assert fits_the_screen(page), wide

    stock_adjust(location=network["store"], sku=network["sku"], delta=3, reason_code="found", actor=None)
    page.locator(f"#proposal-{proposal.pk}").get_by_role("button", name="Approve transfer").click()
    alert = page.locator(f"#proposal-{proposal.pk}").get_by_role("alert")
    alert.wait_for()
    assert "Recompute the proposals" in alert.inner_text()
    assert not Transfer.objects.exists()
    page.screenshot(path=str(SCREENSHOTS / "planning-proposal-stale-phone.png"), full_page=True)

    # The stale row itself offers the way forward.
    page.locator(f"#proposal-{proposal.pk}").get_by_role("button", name="Recompute proposals").click()
    page.get_by_text("Proposals recomputed").wait_for()


def test_a_stores_review_period_is_changed_on_a_phone(chromium: Any, live_server: Any, network: dict[str, Any]) -> None:
    user_with_role(BACK_OFFICE, username="pat")
    page = chromium.new_context(viewport=PHONE).new_page()
    _sign_in(page, live_server.url, "/planning/proposals/")

    page.get_by_text("Service levels and review periods").click()
    page.get_by_label("Store: review every (days)").fill("0")
    page.get_by_role("button", name="Save policies").click()
    assert "Store: review at least once a day (1)." in page.get_by_role("alert").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "planning-policies-error-phone.png"), full_page=True)

    page.get_by_label("Store: review every (days)").fill("14")
    page.get_by_role("button", name="Save policies").click()
    page.get_by_text("Stocking policies saved").wait_for()
    assert "Store 90%, every 14 days" in page.content()
    assert fits_the_screen(page)


def test_the_forecast_page_charts_the_chosen_series(chromium: Any, live_server: Any, network: dict[str, Any]) -> None:
    user_with_role(BACK_OFFICE, username="pat")
    recent = [[float(3 + (day % 7 == 5) * 4), 20 <= day < 26] for day in range(56)]
    DemandForecast.objects.filter(location=network["store"]).update(recent=recent)
    page = chromium.new_context(viewport=DESKTOP).new_page()
    _sign_in(page, live_server.url, "/planning/")

    page.locator("tr[data-series]").first.wait_for()
    page.locator("tr[data-series]").filter(has_text="nyc-store").get_by_role("link").click()
    page.wait_for_url("**/planning/?*series=*")
    chart = page.locator("#series-detail svg")
    assert chart.is_visible()
    assert page.locator("#series-detail circle.censored").count() == 6
    page.screenshot(path=str(SCREENSHOTS / "planning-forecasts-desktop.png"), full_page=True)
