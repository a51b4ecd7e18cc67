"""End-to-end in headless Chromium: a warehouse operator packs a shipment into two boxes, buys
live-rated labels from a carrier account, prints one, voids the other and closes the day; then
the carrier's signed webhooks report box 1 undeliverable (the order shows in the exceptions
queue) and, a day later, delivered (the order page says so and the queue clears).

The carrier is an EasyPost account on the in-process sandbox: the live server runs in a thread
of this process, so the test and the server share it. Screenshots (desktop and a 390px-wide
phone) land in tests/screenshots/ for a person to look at.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
from django.urls import reverse

from carriers.connectors.base import service_title
from carriers.models import CarrierAccount
from channels.models import Channel
from core.roles import BACK_OFFICE, WAREHOUSE_OPERATOR
from fulfillment.models import Package, PackageStatus, Shipment, ShipmentStatus, TrackingStatus
from fulfillment.services import shipment_accept
from inventory.models import LocationKind
from tests.browser.support import DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.carriers.test_documents import page_texts
from tests.factories import stocked, user_with_role
from tests.factories.carriers import box_type, carrier_account, sandbox_of
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.pages import make_location, make_sku

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
TEE, MUG = "4006381333931", "0012345678905"
#: Headless Chromium's print dialog would block the page: count the calls instead, in every frame.
COUNT_PRINTS = "window.print = () => { window.__printed = (window.__printed || 0) + 1; };"


def _bench() -> tuple[Shipment, CarrierAccount, int]:
    """Dallas with an EasyPost account and a Medium box; an accepted 3-unit web order to New York."""
    dallas = make_location(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, address_line1="2100 Ross Ave")
    web = cast(Channel, ChannelFactory(code="web", name="Web shop"))
    stocked(dallas, make_sku(code="TEE-BLK-M", name="Black tee, M", barcode=TEE, weight_grams=300), 10)
    stocked(dallas, make_sku(code="MUG-WHT", name="White mug", barcode=MUG, weight_grams=450), 10)
    order = place_order(
        web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], line1="350 5th Ave", city="New York", region="NY"
    ).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    account = carrier_account("easypost", dallas, name="EasyPost Dallas")
    medium = box_type(dallas)
    user_with_role(WAREHOUSE_OPERATOR, username="dal-operator", locations=[dallas])
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    return shipment, account, medium.pk


def _scan(page: Any, code: str, done: int) -> None:
    """Type a barcode in the scan field and press Enter, as a scanner does; wait for the count."""
    scan = page.locator("#id_scan")
    scan.fill(code)
    scan.press("Enter")
    page.wait_for_function(f"document.querySelector('[data-figure=progress]').textContent.startsWith('{done} of 3')")
    assert page.evaluate("document.activeElement.id") == "id_scan", "the scan field lost the focus"
    assert scan.input_value() == ""


def _scan_into_two_boxes(page: Any) -> None:
    """Both tees into box 1, "Start box 2", the mug into box 2."""
    _scan(page, TEE, 1)
    _scan(page, TEE, 2)
    page.get_by_role("button", name="Start box 2").click()
    page.locator("#pack-boxes tr[data-box='2']").wait_for()
    assert "Box 2 started" in page.locator("#pack-state").inner_text()
    _scan(page, MUG, 3)
    units = page.locator("#pack-boxes [data-cell=units]").all_inner_texts()
    assert units == ["2", "1"], units


def _phone(chromium: Any, context: Any) -> Any:
    """A 390px-wide phone signed in as the same person."""
    phone = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone.add_cookies(context.cookies())
    return phone


def _shot(page: Any, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page draws the sticky header mid-page
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")  # messages fade in
    page.screenshot(path=str(SCREENSHOTS / f"carrier-{name}.png"), full_page=True)


def _wait_for_rates(page: Any) -> list[str]:
    """The live rates the htmx fragment loaded; exactly one is pre-selected."""
    page.locator("#live-rates").wait_for()
    radios = page.locator("#live-rates input[name=rate]")
    keys = [radios.nth(n).get_attribute("value") or "" for n in range(radios.count())]
    assert len(keys) >= 2, keys
    assert page.locator("#live-rates input[name=rate]:checked").count() == 1
    return keys


def _label_pdf(context: Any, base_url: str, box: Package) -> bytes:
    """The label PDF as the browser downloads it (PDF button), signed in as the operator."""
    response = context.request.get(f"{base_url}{reverse('fulfillment:label_file', args=[box.pk, 'pdf'])}?download=1")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment")
    return cast(bytes, response.body())


def _label_picture(pdf: bytes, name: str) -> None:
    """Headless Chromium's PDF viewer draws an empty grey frame in a screenshot, so the label is
    drawn to a PNG with poppler for a person to look at (when poppler-utils is installed)."""
    path = SCREENSHOTS / f"carrier-{name}.pdf"
    path.write_bytes(pdf)
    tool = shutil.which("pdftoppm")
    if tool:
        subprocess.run([tool, "-png", "-r", "100", "-singlefile", str(path), str(path.with_suffix(""))], check=True)  # noqa: S603


def test_pack_two_boxes_buy_print_void_manifest_and_track(chromium: Any, live_server: Any) -> None:
    shipment, account, medium_pk = _bench()
    sandbox = sandbox_of(account)
    errors: list[str] = []
    context = chromium.new_context(viewport=WIDE)
    context.add_init_script(COUNT_PRINTS)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pack_path = reverse("fulfillment:work_pack", args=[shipment.pk])
    ship_path = reverse("fulfillment:work_ship", args=[shipment.pk])
    sign_in(page, live_server.url, "dal-operator", pack_path)

    # The packing bench: two tees in box 1, the mug in box 2, a size for box 1, both weights.
    assert page.evaluate("document.activeElement.id") == "id_scan"
    _scan_into_two_boxes(page)
    page.get_by_label("Box 1 size").select_option(str(medium_pk))
    page.get_by_label("Box 1 weight (g)").fill("750")
    page.get_by_label("Box 2 weight (g)").fill("600")
    _shot(page, "pack-desktop")
    assert fits_the_screen(page)

    phone = _phone(chromium, context)
    mobile = phone.new_page()
    mobile.goto(f"{live_server.url}{pack_path}")
    # Scans are kept on the server: the phone opens the bench where the desk left it.
    progress = mobile.locator("[data-figure=progress]").inner_text()
    assert progress.startswith("3 of 3"), progress
    assert fits_the_screen(mobile), "the pack page scrolls sideways on a phone"
    assert mobile.evaluate(DUPLICATE_IDS) == []
    _shot(mobile, "pack-phone")

    page.get_by_role("button", name=f"Pack {shipment.number}").click()
    page.wait_for_url(f"{live_server.url}{ship_path}")
    boxes = list(Package.objects.filter(shipment=shipment).order_by("box_number"))
    assert [(b.box_number, b.weight_grams, b.box_type_id, len(b.scanned), b.status) for b in boxes] == [
        (1, 750, medium_pk, 2, PackageStatus.PACKED),
        (2, 600, None, 1, PackageStatus.PACKED),
    ]
    assert page.locator("#boxes-title").inner_text() == "2 boxes"

    # Live rates arrive through htmx with the channel rule's choice ticked; the operator picks another.
    keys = _wait_for_rates(page)
    ticked = page.locator("#live-rates input[name=rate]:checked").get_attribute("value")
    suggested = page.locator("#live-rates tr[data-rule-choice]")
    assert suggested.get_attribute("data-rate") == ticked
    assert "Suggested by the channel's rule: cheapest on time" in suggested.inner_text()
    other = next(key for key in keys if key != ticked)
    other_row = page.locator(f"#live-rates tr[data-rate='{other}']")
    other_label = other_row.locator("label").inner_text()
    size = other_row.bounding_box()
    assert size is not None
    other_row.click(position={"x": size["width"] - 30, "y": size["height"] / 2})  # a tap on the price ticks it
    assert page.locator("#live-rates input[name=rate]:checked").get_attribute("value") == other
    _shot(page, "ship-rates-desktop")

    mobile.goto(f"{live_server.url}{ship_path}")
    _wait_for_rates(mobile)
    assert fits_the_screen(mobile), "the shipping page scrolls sideways on a phone"
    assert mobile.get_by_role("button", name="Buy labels & ship").is_visible()
    _shot(mobile, "ship-rates-phone")

    page.get_by_role("button", name="Buy labels & ship").click()
    page.locator("#messages [role=status]").get_by_text("shipped with").wait_for()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
    boxes = list(Package.objects.filter(shipment=shipment).order_by("box_number"))
    assert all(b.status == PackageStatus.LABELLED and b.account_id == account.pk for b in boxes)
    assert all(service_title(b.carrier, b.service) == other_label for b in boxes), (other_label, boxes)
    tracking = page.locator("#ship-boxes [data-figure=tracking]").all_inner_texts()
    assert tracking == [b.tracking_number for b in boxes] and all(tracking)
    assert page.locator("#ship-boxes [data-action=print]").count() == 2
    _shot(page, "ship-labelled-desktop")

    # Box 1's print view opens the print dialog on the label (in the frame that holds the PDF).
    with context.expect_page() as opened:
        page.locator("#ship-boxes tr[data-box='1'] [data-action=print]").click()
    printing = opened.value
    printing.wait_for_load_state("load")
    assert boxes[0].tracking_number in printing.locator("header h1").inner_text()
    printing.wait_for_function("document.getElementById('label').contentWindow.__printed === 1")
    printing.get_by_role("button", name="Print again").click()
    assert printing.evaluate("document.getElementById('label').contentWindow.__printed") == 2
    assert printing.evaluate("window.__printed || 0") == 0  # the label is printed, not the page around it
    _shot(printing, "label-print-view-desktop")
    pdf = _label_pdf(context, live_server.url, boxes[0])
    _label_picture(pdf, "label-box1")
    assert b"/MediaBox [ 0 0 288 432 ]" in pdf  # a 4x6 inch label
    (text,) = page_texts(pdf)
    for expected in (
        "Dallas DC",
        "2100 Ross Ave",
        "Ada Lovelace",
        "350 5th Ave",
        "New York, NY 10001",
        shipment.number,
    ):
        assert expected in text, expected
    assert boxes[0].tracking_number in text.replace(" ", "")
    # The way back leads to the shipping page. Its target is read rather than followed: leaving a
    # page that holds Chromium's PDF viewer has closed the headless tab under a loaded machine.
    assert printing.get_by_role("link", name="Back").get_attribute("href") == ship_path
    printing.close()

    # Void box 2 (after the confirm() dialog): it shows the void with the carrier's refund.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#ship-boxes tr[data-box='2'] [data-action=void]").click()
    page.locator("#messages [role=status]").get_by_text("voided; refund of").wait_for()
    voided = Package.objects.get(pk=boxes[1].pk)
    # EasyPost takes a refund request and settles it later: the box waits for the carrier's word.
    assert voided.status == PackageStatus.VOID_PENDING and voided.refund_amount == voided.label_rate
    assert sandbox.count_calls("refund") == 1
    row = page.locator("#ship-boxes tr[data-box='2']")
    assert row.get_attribute("data-status") == "void_pending"
    assert "Void requested" in row.inner_text()
    assert f"{voided.refund_amount} {voided.label_currency}" in row.inner_text()
    assert row.locator("[data-action=void]").count() == 0
    assert row.locator("[data-action=print]").count() == 0, "a label being voided must not be offered for printing"
    # The voided box needs a new label: live rates are offered again for it.
    page.locator("#live-rates").wait_for()
    _shot(page, "ship-voided-desktop")
    mobile.goto(f"{live_server.url}{ship_path}")
    mobile.locator("#live-rates").wait_for()
    assert fits_the_screen(mobile)
    assert mobile.locator("#ship-boxes tr[data-box='1'] [data-action=print]").is_visible()
    _shot(mobile, "ship-voided-phone")

    # End of day: close it for the account; the manifest is listed with Print, and voids are locked.
    page.get_by_role("link", name="End of day").click()
    page.wait_for_url(f"{live_server.url}{reverse('fulfillment:manifests')}")
    day = page.locator(f"#open-days tr[data-account='{account.code}']")
    assert day.locator("[data-cell=labels]").inner_text() == "1"
    _shot(page, "manifests-open-desktop")
    day.get_by_role("button", name="Close the day").click()
    page.locator("#recent-manifests tbody tr").first.wait_for()
    manifest_row = page.locator("#recent-manifests tbody tr").first
    box = Package.objects.select_related("manifest").get(pk=boxes[0].pk)
    assert box.manifest is not None and box.manifest.parcels == 1
    assert Package.objects.get(pk=boxes[1].pk).manifest_id is None  # a voided label is not handed over
    assert box.manifest.number in manifest_row.inner_text() and "EasyPost Dallas" in manifest_row.inner_text()
    assert manifest_row.get_by_role("link", name="Print").is_visible()
    _shot(page, "manifests-closed-desktop")
    page.goto(f"{live_server.url}{ship_path}")
    assert page.locator("#ship-boxes [data-action=void]").count() == 0
    assert f"on {box.manifest}" in page.locator("#ship-boxes tr[data-box='1']").inner_text()
    assert page.evaluate(DUPLICATE_IDS) == []

    # The carrier's signed webhooks: box 1 could not be delivered; the back office sees it.
    webhook_url = f"{live_server.url}{reverse('fulfillment:carrier_webhook', args=[account.code])}"

    def deliver_webhooks() -> list[Any]:
        hooks = sandbox.take_webhooks()
        answers = [httpx.post(webhook_url, content=hook.body, headers=hook.headers) for hook in hooks]
        assert [answer.status_code for answer in answers] == [200] * len(hooks), [a.text for a in answers]
        return hooks

    sandbox.tracker_set(box.tracking_number, "failure", message="Address not accessible")
    hooks = deliver_webhooks()
    assert httpx.post(webhook_url, content=hooks[-1].body, headers=hooks[-1].headers).json()["detail"] == "duplicate"
    forged = httpx.post(
        webhook_url, content=hooks[-1].body.replace(b"failure", b"delivered"), headers=hooks[-1].headers
    )
    assert forged.status_code == 401
    assert Package.objects.get(pk=box.pk).tracking_status == TrackingStatus.EXCEPTION

    office = chromium.new_context(viewport=WIDE)
    desk = office.new_page()
    exceptions_path = "/orders/exceptions/?kind=delivery_problem"
    sign_in(desk, live_server.url, "pat", exceptions_path)
    problem = desk.locator("tr", has_text=shipment.order.number)
    assert problem.count() == 1 and "Address not accessible" in problem.inner_text()
    _shot(desk, "exceptions-delivery-problem-desktop")

    # The carrier tries again the next day and delivers: the order page says so, the queue clears.
    sandbox.advance(timedelta(hours=20))
    sandbox.tracker_set(box.tracking_number, "delivered")
    deliver_webhooks()
    box.refresh_from_db()
    assert box.tracking_status == TrackingStatus.DELIVERED and box.delivered_at is not None
    desk.goto(f"{live_server.url}{reverse('orders:detail', args=[shipment.order_id])}")
    card = desk.locator(f"[data-shipment='{shipment.number}']").inner_text()
    assert f"Box 1: {box.tracking_number} Delivered" in card
    assert "Box 1 · Exception — Address not accessible" in card and "Box 1 · Delivered" in card
    timeline = desk.locator("#timeline").inner_text()
    assert f"{shipment.number} box 1 of 2 ({box.tracking_number}): delivered" in timeline
    assert f"{shipment.number} box 1 of 2 ({box.tracking_number}): exception" in timeline
    _shot(desk, "order-tracked-desktop")
    desk.goto(f"{live_server.url}{exceptions_path}")
    assert desk.locator("tr", has_text=shipment.order.number).count() == 0
    office.close()
    phone.close()
    context.close()
    assert errors == [], errors
