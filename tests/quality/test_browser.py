"""A receiving-dock associate inspects a receipt on a phone in headless Chromium: the queue, the
inspection form (one unit failed, with a photo), then the quarantine list and its disposition.

Screenshots (390px-wide phone) land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.roles import WAREHOUSE_OPERATOR
from inventory.models import LocationKind
from inventory.services import ledger_verify, stock_receive
from quality.models import Inspection, QuarantineLot, SampleMode
from quality.services import photo_approve, photos_upload
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import user_with_role
from tests.factories.pages import make_location, make_sku
from tests.quality.conftest import level, make_rule, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_an_associate_inspects_a_receipt_on_a_phone(chromium: Any, live_server: Any, tmp_path: Path) -> None:
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    lamp = make_sku(code="LAMP-DESK-BRASS-01", name="Brass desk lamp with a long name that has to wrap")
    (photo,) = photos_upload(sku=lamp, uploads=[png((180, 140, 40), size=(300, 300))], actor=None)
    photo_approve(photo=photo, actor=None)
    make_rule(
        "Lamps from suppliers",
        sku=lamp,
        sample_mode=SampleMode.UNITS,
        sample_size=3,
        checklist=("Box sealed and undamaged", "Shade free of dents and scratches", "Lamp lights up"),
    )
    user_with_role(WAREHOUSE_OPERATOR, username="dock", locations=[dallas])
    stock_receive(location=dallas, sku=lamp, quantity=12, actor=None)  # commits: the receiver opens QC
    inspection = Inspection.objects.get()
    assert (level(dallas, lamp).on_hand, level(dallas, lamp).quarantined) == (9, 3)

    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "dock", "/quality/")
    card = page.locator(f'[data-inspection="{inspection.number}"]')
    assert "Inspect 3 of 12" in card.inner_text()
    assert page.locator(".work-card img.thumb").count() == 1  # the SKU's primary image
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "quality-queue-phone.png"), full_page=True)

    card.get_by_role("link", name=f"Inspect {inspection.number}").click()
    page.wait_for_url(f"**/quality/inspections/{inspection.pk}/")
    assert fits_the_screen(page)
    assert page.evaluate(DUPLICATE_IDS) == []
    assert page.locator('[data-unit="2"] .why').is_hidden()  # what failed shows only for a failed unit
    page.screenshot(path=str(SCREENSHOTS / "quality-inspection-phone.png"), full_page=True)

    unit = page.locator('[data-unit="2"]')
    unit.get_by_text("Fail", exact=True).click()
    assert unit.locator(".why").is_visible()
    unit.get_by_label("Shade free of dents and scratches").check()
    unit.get_by_label("Note on unit 2").fill("Dent on the shade rim")
    photo_path = tmp_path / "dent.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 20, 20)).save(buffer, format="JPEG")
    photo_path.write_bytes(buffer.getvalue())
    page.get_by_label("Photos").set_input_files(str(photo_path))
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "quality-inspection-failed-unit-phone.png"), full_page=True)
    button = page.get_by_role("button", name="Record inspection")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 40 and box["width"] >= 200  # a thumb can hit it
    button.click()
    page.wait_for_url("**/quality/?location=dal-dc")
    assert "1 of 3 units failed and went to quarantine" in page.locator(".messages").inner_text()

    inspection.refresh_from_db()
    assert (inspection.status, inspection.failed_units, inspection.photos.count()) == ("failed", 1, 1)
    assert (level(dallas, lamp).on_hand, level(dallas, lamp).quarantined) == (11, 1)

    page.get_by_role("link", name="Quarantine").first.click()
    page.wait_for_url("**/quality/quarantine/")
    lot = QuarantineLot.objects.get()
    lot_card = page.locator(f'[data-lot="{lot.number}"]')
    assert "Shade free of dents and scratches" in lot_card.inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "quality-quarantine-phone.png"), full_page=True)
    lot_card.get_by_label("Disposition").select_option("return_to_vendor")
    lot_card.get_by_label("Vendor RMA / claim").fill("RMA-20931")
    lot_card.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/quality/quarantine/**")
    assert "return to vendor" in page.locator(".messages").inner_text()
    assert level(dallas, lamp).quarantined == 0
    assert ledger_verify() == []
    assert errors == []
    context.close()
