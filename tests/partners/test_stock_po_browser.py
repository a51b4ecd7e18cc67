"""In headless Chromium on a phone: approve a purchase proposal and read the row's answer, then open the stock
PO it made. Screenshots land in tests/screenshots/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.roles import BACK_OFFICE
from inventory.models import LocationKind
from partners.models import Exchange, PurchaseOrder
from planning.models import DemandForecast, ForecastScope, ProposalKind
from planning.services.proposals import proposals_compute
from tests.browser.support import DUPLICATE_IDS, PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories import LocationFactory, SKUFactory, stocked, user_with_role
from tests.factories.partners import PartnerFactory, sku_cost

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_approve_a_purchase_on_a_phone_and_open_its_stock_po(chromium: Any, live_server: Any) -> None:
    tee: Any = SKUFactory(code="TEE-BLK-M", name="Black tee, M", price=Decimal("40.00"))
    warehouse: Any = LocationFactory(
        code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, address_line1="1 Commerce St", city="Dallas"
    )
    stocked(warehouse, tee, 2)
    DemandForecast.objects.create(
        scope=ForecastScope.LOCATION, sku=tee, location=warehouse, as_of=dt.date(2026, 11, 30), horizon_days=28,
        model_name="AutoETS", daily_mean=5.0, error_sd=1.0, points=[[5.0, 4.0, 6.0]] * 28,
    )  # fmt: skip
    supplier: Any = PartnerFactory(code="acme", name="Acme Supply", exchange=Exchange.PORTAL)
    sku_cost(supplier, tee, "6.40", "ACME-TEE")
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.PURCHASE)
    user_with_role(BACK_OFFICE, username="pat")

    page = chromium.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/planning/proposals/")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/planning/proposals/")

    row = page.locator(f"#proposal-{proposal.pk}")
    row.get_by_label("Units of TEE-BLK-M").fill("30")
    row.get_by_role("button", name="Approve purchase").click()
    page.locator(f"#proposal-{proposal.pk}").get_by_role("status").wait_for()
    po = PurchaseOrder.objects.get(partner=supplier)
    assert "on its way to Acme Supply" in page.locator(f"#proposal-{proposal.pk}").inner_text()
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "planning-purchase-approved-phone.png"), full_page=True)

    page.goto(f"{live_server.url}/partners/purchase-orders/{po.pk}/")
    assert "Stock for dal-dc" in page.locator("main").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "partners-stock-po-phone.png"), full_page=True)
