"""End-to-end in headless Chromium: a customer returns an item on the self-service page (phone), the
back office receives and inspects it with a photo, and a store associate takes a return at the counter.

Screenshots (desktop and a 390px-wide phone) land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from PIL import Image

from core.roles import BACK_OFFICE, STORE_ASSOCIATE
from inventory.models import MovementKind, StockLevel, StockMovement
from returns.models import ReturnAuthorization, ReturnPhoto, ReturnStatus
from tests.browser.support import DESKTOP, DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import user_with_role
from tests.factories.returns import delivered_order, return_network

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "422" not in msg.text else None)
    return errors


def test_a_customer_returns_an_item_then_the_back_office_receives_and_inspects_it(
    chromium: Any, live_server: Any, tmp_path: Path
) -> None:
    net = return_network()
    order = delivered_order(
        net.channel, [("TEE-BLK-M", 2, "20.00"), ("MUG-WHT", 1, "12.50")], postal_code="75201", email="ada@example.com"
    )
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")

    # --- The customer, on a phone, with no account.
    customer = chromium.new_context(viewport=PHONE)
    page = customer.new_page()
    errors = watch(page)
    page.goto(f"{live_server.url}/returns/self/")
    page.get_by_label("Order number").fill(order.number)
    page.get_by_label("Email used for the order").fill("someone@else.com")
    page.get_by_role("button", name="Find my order").click()
    refusal = page.locator(".form-errors").inner_text()
    assert "We could not find an order with that number and email address." in refusal
    page.screenshot(path=str(SCREENSHOTS / "returns-self-refused-phone.png"), full_page=True)

    page.get_by_label("Email used for the order").fill("ada@example.com")
    page.get_by_role("button", name="Find my order").click()
    page.wait_for_url("**/returns/self/order/")
    assert fits_the_screen(page)
    tee = order.lines.get(sku__code="TEE-BLK-M")
    page.locator(f"#id_qty-{tee.pk}").fill("2")
    page.locator(f"#id_reason-{tee.pk}").select_option("changed_mind")
    page.screenshot(path=str(SCREENSHOTS / "returns-self-order-phone.png"), full_page=True)
    page.get_by_role("button", name="Request return").click()
    page.wait_for_url(re.compile(r".*/returns/self/r/[\w-]+/$"))
    rma = ReturnAuthorization.objects.get()
    assert rma.status == ReturnStatus.AUTHORIZED and rma.return_location == net.warehouse
    assert page.locator("[data-figure=tracking]").inner_text() == rma.tracking_number
    assert "Return label (paid by the customer)" in page.locator("body").inner_text()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "returns-self-status-phone.png"), full_page=True)
    with customer.expect_page() as label_page:
        page.get_by_role("link", name="Print return label").click()
    label = label_page.value
    label.wait_for_load_state()
    assert rma.tracking_number in label.content()
    label.screenshot(path=str(SCREENSHOTS / "returns-label.png"), full_page=True)
    assert errors == []
    customer.close()

    # --- The back office: scan, receive, inspect with a photo.
    staff = chromium.new_context(viewport=DESKTOP)
    page = staff.new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "pat", "/returns/")
    assert page.locator("a[data-tab=authorized] .count").inner_text() == "1"
    page.screenshot(path=str(SCREENSHOTS / "returns-queue-desktop.png"), full_page=True)
    page.get_by_role("link", name="Receive a parcel").click()
    page.get_by_label("Scan the RMA or order barcode").fill(rma.number)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/returns/{rma.pk}/#receive")
    page.get_by_role("button", name=f"Receive {rma.number}").click()
    page.locator("#messages [role=status]").get_by_text("2 units received at dal-dc").wait_for()

    first, second = rma.units.order_by("sequence")
    page.locator(f"#id_unit-{first.pk}-condition").select_option("opened")
    page.locator(f"#id_unit-{first.pk}-disposition").select_option("restock")
    page.locator(f"#id_unit-{second.pk}-condition").select_option("damaged")
    scrap_reason = page.locator(f"#id_unit-{second.pk}-scrap_reason")
    assert not scrap_reason.is_visible()  # only asked for a scrap
    page.locator(f"#id_unit-{second.pk}-disposition").select_option("scrap")
    assert scrap_reason.is_visible()
    scrap_reason.fill("Seam torn by the customer")
    photo = tmp_path / "torn-seam.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    page.locator("#id_photos").set_input_files(str(photo))
    page.screenshot(path=str(SCREENSHOTS / "returns-inspection-form-desktop.png"), full_page=True)
    page.get_by_role("button", name="Save inspection").click()
    page.locator("#messages [role=status]").get_by_text("2 units inspected, 1 photo added").wait_for()

    rma.refresh_from_db()
    assert rma.status == ReturnStatus.INSPECTED
    assert page.locator(f"#return-units [data-unit='{first.pk}']").get_attribute("data-disposition") == "restock"
    assert "Scrapped: Seam torn by the customer" in page.locator("#return-units").inner_text()
    assert page.locator(".photo-grid img").count() == 1
    page.locator(".photo-grid img").scroll_into_view_if_needed()  # lazy-loaded
    page.wait_for_function("document.querySelector('.photo-grid img').naturalWidth > 0")
    assert page.evaluate("document.querySelector('.photo-grid img').naturalWidth") == 64  # the photo itself, served
    movement = StockMovement.objects.get(document_type="return", document_id=str(rma.pk))
    assert (movement.kind, movement.on_hand_delta) == (MovementKind.RETURN_RESTOCK, 1)
    assert ReturnPhoto.objects.filter(rma=rma).count() == 1
    refund_text = page.locator("#refund-breakdown").inner_text()
    assert "Restocking fee 15% on TEE-BLK-M \u00d7 2" in refund_text
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "returns-detail-inspected-desktop.png"), full_page=True)

    page.goto(f"{live_server.url}/returns/report/?days=30")
    assert page.locator("#chart-sku rect").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "returns-report-desktop.png"), full_page=True)
    assert errors == []
    staff.close()


def test_a_store_associate_takes_a_return_at_the_counter_on_a_phone(chromium: Any, live_server: Any) -> None:
    net = return_network()
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], postal_code="75201")
    user_with_role(STORE_ASSOCIATE, username="sam", locations=[net.store])
    before = StockLevel.objects.get(location=net.store, sku=net.tee).on_hand

    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "sam", "/returns/counter/")
    page.get_by_label("Order number").fill(order.number)
    page.get_by_label("Customer's email, postal code or last name").fill("Lovelace")
    page.get_by_role("button", name="Find order").click()
    line = order.lines.get()
    page.locator(f"#id_qty-{line.pk}").fill("1")
    page.locator(f"#id_reason-{line.pk}").select_option("doesnt_fit")
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "returns-counter-phone.png"), full_page=True)
    page.get_by_role("button", name="Take back and receive here").click()
    page.wait_for_url(re.compile(r".*/returns/counter/\d+/$"))
    unit = ReturnAuthorization.objects.get().units.get()
    page.locator(f"#id_unit-{unit.pk}-condition").select_option("new")
    page.locator(f"#id_unit-{unit.pk}-disposition").select_option("restock")
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "returns-counter-inspect-phone.png"), full_page=True)
    page.get_by_role("button", name="Save inspection").click()
    page.locator("#messages [role=status]").get_by_text("1 unit inspected").wait_for()
    assert StockLevel.objects.get(location=net.store, sku=net.tee).on_hand == before + 1
    assert "New, unopened → Restock (sellable)" in page.locator("#counter-units").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "returns-counter-done-phone.png"), full_page=True)
    assert errors == []
    context.close()


def test_a_mailed_return_is_handed_in_at_the_store_counter_on_a_phone(chromium: Any, live_server: Any) -> None:
    from returns.services import ReturnLineInput, return_request

    net = return_network()
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], postal_code="75201")
    mailed = return_request(
        order=order, lines=[ReturnLineInput(1, "changed_mind", sku="TEE-BLK-M")], source="self_service"
    )
    assert mailed.return_location == net.warehouse and mailed.tracking_number
    user_with_role(STORE_ASSOCIATE, username="sam", locations=[net.store])

    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    errors = watch(page)
    sign_in(page, live_server.url, "sam", "/returns/counter/")
    page.get_by_label("Order number").fill(order.number)
    page.get_by_label("Customer's email, postal code or last name").fill("75201")
    page.get_by_role("button", name="Find order").click()
    page.locator("#counter-open-returns").wait_for()
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "returns-counter-open-return-phone.png"), full_page=True)
    page.get_by_role("button", name=f"Receive {mailed.number} here").click()
    page.wait_for_url(re.compile(rf".*/returns/counter/{mailed.pk}/$"))
    page.locator("#messages [role=status]").get_by_text("taken back here instead of mailed").wait_for()
    mailed.refresh_from_db()
    assert mailed.status == ReturnStatus.RECEIVED and mailed.return_location == net.store
    assert mailed.label_rate is None
    assert errors == []
    context.close()


def test_the_back_office_edits_a_channels_return_policy(chromium: Any, live_server: Any) -> None:
    net = return_network()
    user_with_role(BACK_OFFICE, username="bo")
    page = chromium.new_page(viewport=DESKTOP)
    errors = watch(page)
    sign_in(page, live_server.url, "bo", "/returns/policies/")
    page.get_by_role("link", name="Web shop").click()
    page.get_by_label("Return window (days from delivery)").fill("60")
    page.get_by_role("button", name="Give Web shop its own policy").click()
    page.locator("#messages [role=status]").get_by_text("Return policy of Web shop saved.").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "returns-policy-desktop.png"), full_page=True)
    from returns.models import ReturnPolicy

    assert ReturnPolicy.objects.get(channel=net.channel).window_days == 60
    assert errors == []
    page.close()
