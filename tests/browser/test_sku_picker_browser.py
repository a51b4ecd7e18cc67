"""In headless Chromium: the SKU picker on the new-transfer form, on a desktop and on a phone.

Type part of a product's name, see the matching variants with the units at the chosen source,
pick one (by mouse on the desktop, by keyboard on the phone), enter the quantity and create the
transfer. Screenshots land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import BACK_OFFICE
from inventory.models import LocationKind, Transfer
from inventory.services.catalog_variants import sku_set_variant
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import stocked, user_with_role
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


def catalogue() -> None:
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    make_location(code="nyc-store", name="New York Store", kind=LocationKind.STORE, postal_code="10001")
    for size, units in (("S", 4), ("M", 9), ("L", 0)):
        sku = make_sku(code=f"MCS-{size}-NAVY", name=f"Merino crew sweater {size} navy")
        sku_set_variant(sku=sku, product_name="Merino Crew Sweater", option1=size, option2="Navy")
        if units:
            stocked(dallas, sku, units)
    stocked(dallas, make_sku(code="MUG-WHT", name="White mug"), 3)


@pytest.mark.parametrize(("viewport", "name"), [(WIDE, "desktop"), (PHONE, "phone")])
def test_pick_a_variant_in_the_transfer_form_and_create_it(
    chromium: Any, live_server: Any, viewport: dict[str, int], name: str
) -> None:
    user_with_role(BACK_OFFICE, username="pat")
    catalogue()
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    sign_in(page, live_server.url, "pat", "/transfers/new/")
    page.get_by_label("From").select_option("dal-dc")
    page.get_by_label("To").select_option("nyc-store")

    first = page.locator("input[name=line_sku]").first
    first.click()
    first.press_sequentially("merino", delay=30)
    listbox = page.locator("[data-sku-picker]").first.get_by_role("listbox")
    listbox.get_by_role("option").nth(2).wait_for()
    options = listbox.get_by_role("option").all_inner_texts()
    assert [text.split()[0] for text in options] == ["MCS-L-NAVY", "MCS-M-NAVY", "MCS-S-NAVY"]
    medium = listbox.get_by_role("option", name="MCS-M-NAVY")
    assert "Merino Crew Sweater · M / Navy" in medium.inner_text()
    assert "9 on hand at dal-dc" in medium.inner_text()
    assert first.get_attribute("aria-expanded") == "true"
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"sku-picker-transfer-{name}.png"), full_page=True)

    if name == "desktop":
        medium.click()
    else:  # keyboard: the first match is highlighted, one down is M
        first.press("ArrowDown")
        first.press("Enter")
    assert first.input_value() == "MCS-M-NAVY"
    assert listbox.is_hidden() and first.get_attribute("aria-expanded") == "false"
    quantity = page.locator("input[name=line_qty]").first
    assert quantity.evaluate("el => el === document.activeElement")
    quantity.fill("2")
    assert page.evaluate(DUPLICATE_IDS) == []

    page.get_by_role("button", name="Create transfer and reserve stock").click()
    page.wait_for_url("**/transfers/*/")
    transfer = Transfer.objects.get()
    assert [(line.sku.code, line.quantity) for line in transfer.lines.select_related("sku")] == [("MCS-M-NAVY", 2)]
    assert "units reserved at dal-dc" in page.locator("#messages").inner_text()
    context.close()


def test_without_javascript_an_unknown_code_is_named(chromium: Any, live_server: Any) -> None:
    user_with_role(BACK_OFFICE, username="pat")
    catalogue()
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server.url, "pat", "/transfers/new/")
    page.get_by_label("From").select_option("dal-dc")
    page.get_by_label("To").select_option("nyc-store")
    page.locator("input[name=line_sku]").first.fill("MCS-XXL-NAVY")
    page.locator("input[name=line_qty]").first.fill("1")
    page.get_by_role("button", name="Create transfer and reserve stock").click()
    assert "Unknown SKU: MCS-XXL-NAVY." in page.locator("#lines-error").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "sku-picker-transfer-nojs-phone.png"), full_page=True)
    assert not Transfer.objects.exists()
    context.close()


@pytest.mark.parametrize(("viewport", "name"), [(WIDE, "desktop"), (PHONE, "phone")])
def test_products_group_in_the_grid_and_a_bin_is_set_on_the_location_page(
    chromium: Any, live_server: Any, viewport: dict[str, int], name: str
) -> None:
    user_with_role(BACK_OFFICE, username="pat")
    catalogue()
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    sign_in(page, live_server.url, "pat", "/inventory/")

    # The grid: the sweater's three sizes sit under one product row that folds them away.
    group = page.locator(".product-group").first
    toggle = group.get_by_role("button", name="Merino Crew Sweater")
    assert group.locator(".variant-row").count() == 3
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"grid-products-{name}.png"), full_page=True)
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and group.locator(".variant-row").first.is_hidden()
    toggle.click()
    assert group.locator(".variant-row").first.is_visible()

    # The location page: type a bin for the medium sweater and save it in its row.
    page.goto(f"{live_server.url}/locations/dal-dc/")
    page.get_by_label("Bin of MCS-M-NAVY").fill("a-03-2-b")
    page.get_by_role("button", name="Save bin of MCS-M-NAVY").click()
    page.get_by_text("✓ Saved").wait_for()
    assert page.get_by_label("Bin of MCS-M-NAVY").input_value() == "A-03-2-B"
    page.get_by_label("Bin of MCS-S-NAVY").fill("shelf 4!")
    page.get_by_role("button", name="Save bin of MCS-S-NAVY").click()
    page.get_by_role("alert").filter(has_text="e.g. A-03-2-B").wait_for()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"location-bins-{name}.png"), full_page=True)

    # The SKU page: its product, the sibling sizes and its bin.
    page.goto(f"{live_server.url}/inventory/skus/MCS-M-NAVY/")
    assert "Merino Crew Sweater: 3 variants" in page.locator("#variants").inner_text()
    assert "A-03-2-B" in page.locator("#stock").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / f"sku-variants-{name}.png"), full_page=True)
    context.close()
