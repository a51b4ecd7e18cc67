"""Receiving (idempotent) and inspection: the ledger effect of every disposition, photos, the refund."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import Conflict, ValidationFailed
from inventory.models import MovementKind, StockLevel, StockMovement, Transfer, TransferStatus
from inventory.services import ledger_verify
from returns.models import (
    Disposition,
    Refund,
    RefundStatus,
    ReturnPhoto,
    ReturnSource,
    ReturnStatus,
    ReturnUnit,
    VendorReturn,
    VendorReturnStatus,
)
from returns.services import (
    ReturnLineInput,
    UnitInspection,
    refurbish_restock,
    refurbish_scrap,
    return_inspect,
    return_receive,
    return_request,
    vendor_return_ship,
)
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def on_hand(location, sku) -> int:
    return StockLevel.objects.get(location=location, sku=sku).on_hand


def return_movements(rma):
    return list(StockMovement.objects.filter(document_type="return", document_id=str(rma.pk)).order_by("pk"))


@pytest.fixture
def received(net):
    """Three tees returned to Dallas (mailed there), received."""
    order = delivered_order(net.channel, [("TEE-BLK-M", 3, "20.00")], postal_code="75201")
    rma = return_request(
        order=order,
        lines=[ReturnLineInput(quantity=3, reason="doesnt_fit", sku="TEE-BLK-M")],
        source=ReturnSource.STAFF,
    )
    assert rma.return_location == net.warehouse
    return_receive(rma=rma, location=net.warehouse, actor=None)
    rma.refresh_from_db()
    return rma


def units(rma):
    return list(ReturnUnit.objects.filter(rma=rma).order_by("sequence"))


def test_receiving_creates_one_unit_per_item_and_moves_no_stock(net, received):
    assert received.status == ReturnStatus.RECEIVED
    assert [u.sequence for u in units(received)] == [1, 2, 3]
    assert return_movements(received) == []
    assert on_hand(net.warehouse, net.tee) == 17  # 20 - 3 shipped; nothing back yet


def test_receiving_twice_changes_nothing(net, received):
    again = return_receive(rma=received, location=net.warehouse, actor=None)
    assert again.already and again.units == 0
    assert ReturnUnit.objects.filter(rma=received).count() == 3


def test_a_short_parcel_is_received_short_and_more_than_authorised_is_refused(net):
    order = delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00")], postal_code="75201")
    rma = return_request(
        order=order, lines=[ReturnLineInput(2, "doesnt_fit", sku="TEE-BLK-M")], source=ReturnSource.STAFF
    )
    line = rma.lines.get()
    with pytest.raises(ValidationFailed, match="3 in the parcel but only 2 authorised"):
        return_receive(rma=rma, location=net.warehouse, actor=None, quantities={line.pk: 3})
    assert not ReturnUnit.objects.filter(rma=rma).exists()
    receipt = return_receive(rma=rma, location=net.warehouse, actor=None, quantities={line.pk: 1})
    assert receipt.units == 1
    line.refresh_from_db()
    assert line.quantity_received == 1


def test_a_held_request_cannot_be_received(net):
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")])
    rma = return_request(order=order, lines=[ReturnLineInput(1, "other", sku="TEE-BLK-M")], source=ReturnSource.STAFF)
    with pytest.raises(Conflict, match="waits for approval"):
        return_receive(rma=rma, location=net.warehouse, actor=None)


def test_a_location_that_does_not_take_returns_cannot_receive(net, received):
    with pytest.raises(ValidationFailed, match="rno-dc does not take returns"):
        return_receive(rma=received, location=net.far_warehouse, actor=None)


def test_restock_puts_the_unit_back_in_sellable_stock_through_the_ledger_once(net, received):
    first = units(received)[0]
    return_inspect(rma=received, inspections=[UnitInspection(first.pk, "new", "restock")], actor=None)
    assert on_hand(net.warehouse, net.tee) == 18
    [movement] = return_movements(received)
    assert (movement.kind, movement.on_hand_delta, movement.location_id) == (
        MovementKind.RETURN_RESTOCK,
        1,
        net.warehouse.pk,
    )

    # Repeating the same inspection changes nothing; another answer for the same unit is refused.
    again = return_inspect(rma=received, inspections=[UnitInspection(first.pk, "new", "restock")], actor=None)
    assert (again.inspected, again.unchanged) == (0, 1)
    with pytest.raises(Conflict, match="inspected already"):
        return_inspect(
            rma=received, inspections=[UnitInspection(first.pk, "opened", "scrap", scrap_reason="x")], actor=None
        )
    assert on_hand(net.warehouse, net.tee) == 18
    assert len(return_movements(received)) == 1
    assert ledger_verify() == []


def test_refurbish_scrap_and_vendor_move_no_stock(net, received):
    a, b, c = units(received)
    return_inspect(
        rma=received,
        inspections=[
            UnitInspection(a.pk, "opened", "refurbish", note="loose thread"),
            UnitInspection(b.pk, "damaged", "scrap", scrap_reason="torn seam"),
            UnitInspection(c.pk, "defective", "vendor", vendor="Acme Apparel"),
        ],
        actor=None,
    )
    assert return_movements(received) == []
    assert on_hand(net.warehouse, net.tee) == 17
    a.refresh_from_db(), b.refresh_from_db(), c.refresh_from_db()
    assert a.in_refurbish_bucket
    assert b.scrap_reason == "torn seam"
    rtv = VendorReturn.objects.get()
    assert (rtv.vendor, rtv.location, rtv.status, list(rtv.units.all())) == ("Acme Apparel", net.warehouse, "open", [c])


def test_a_refurbished_unit_restocks_once_through_the_ledger(net, received):
    a = units(received)[0]
    return_inspect(rma=received, inspections=[UnitInspection(a.pk, "opened", "refurbish")], actor=None)
    refurbish_restock(unit=a, actor=None)
    refurbish_restock(unit=a, actor=None)
    assert on_hand(net.warehouse, net.tee) == 18
    assert [m.kind for m in return_movements(received)] == [MovementKind.RETURN_RESTOCK]
    a.refresh_from_db()
    assert not a.in_refurbish_bucket


def test_a_unit_in_the_bucket_can_be_scrapped_with_a_reason(net, received):
    a = units(received)[0]
    return_inspect(rma=received, inspections=[UnitInspection(a.pk, "opened", "refurbish")], actor=None)
    with pytest.raises(ValidationFailed):
        refurbish_scrap(unit=a, actor=None, reason="")
    refurbish_scrap(unit=a, actor=None, reason="beyond repair")
    a.refresh_from_db()
    assert (a.disposition, a.scrap_reason) == (Disposition.SCRAP, "beyond repair")
    with pytest.raises(Conflict):
        refurbish_restock(unit=a, actor=None)


def test_transfer_restocks_here_then_reserves_the_units_for_a_transfer(net, received):
    a, b, _ = units(received)
    return_inspect(
        rma=received,
        inspections=[
            UnitInspection(a.pk, "new", "transfer", transfer_to="nyc-store"),
            UnitInspection(b.pk, "opened", "transfer", transfer_to="nyc-store"),
        ],
        actor=None,
    )
    transfer = Transfer.objects.get()
    assert (transfer.source, transfer.destination, transfer.status) == (
        net.warehouse,
        net.store,
        TransferStatus.REQUESTED,
    )
    assert list(transfer.lines.values_list("sku__code", "quantity")) == [("TEE-BLK-M", 2)]
    level = StockLevel.objects.get(location=net.warehouse, sku=net.tee)
    assert (level.on_hand, level.reserved) == (19, 2)  # back on hand, held for the transfer
    a.refresh_from_db()
    assert a.transfer == transfer
    assert ledger_verify() == []


def test_transfer_works_when_the_location_holds_safety_stock(net, received):
    from inventory.services import stock_set_safety_stock

    # Dallas holds back all of its tees (ATP 0): the returned units still leave for the store.
    level = StockLevel.objects.get(location=net.warehouse, sku=net.tee)
    stock_set_safety_stock(location=net.warehouse, sku=net.tee, safety_stock=level.on_hand + 5, actor=None)
    a, _, _ = units(received)
    return_inspect(
        rma=received, inspections=[UnitInspection(a.pk, "new", "transfer", transfer_to="nyc-store")], actor=None
    )
    transfer = Transfer.objects.get()
    assert list(transfer.lines.values_list("sku__code", "quantity")) == [("TEE-BLK-M", 1)]
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (18, 1)
    a.refresh_from_db()
    assert a.disposition == Disposition.TRANSFER and a.transfer == transfer
    assert ledger_verify() == []


def test_bad_rows_are_refused_before_any_unit_moves(net, received):
    a, b, c = units(received)
    cases = [
        (
            [UnitInspection(a.pk, "new", "restock"), UnitInspection(b.pk, "damaged", "restock")],
            "cannot go back to sellable",
        ),
        ([UnitInspection(a.pk, "new", "restock"), UnitInspection(b.pk, "new", "scrap")], "say why it is scrapped"),
        ([UnitInspection(a.pk, "new", "restock"), UnitInspection(c.pk, "new", "vendor")], "name the vendor"),
        ([UnitInspection(a.pk, "new", "transfer", transfer_to="dal-dc")], "already at dal-dc"),
        ([UnitInspection(a.pk, "new", "transfer", transfer_to="nowhere")], "choose an active location"),
        ([UnitInspection(a.pk, "shiny", "restock")], "choose its condition"),
    ]
    for inspections, message in cases:
        with pytest.raises(ValidationFailed, match=message):
            return_inspect(rma=received, inspections=inspections, actor=None)
    assert return_movements(received) == []
    assert not ReturnUnit.objects.filter(rma=received).exclude(disposition="").exists()


def test_when_every_unit_is_inspected_the_refund_is_recorded_for_the_channel(
    net, received, django_capture_on_commit_callbacks
):
    a, b, c = units(received)
    with django_capture_on_commit_callbacks(execute=True):
        result = return_inspect(
            rma=received,
            inspections=[
                UnitInspection(a.pk, "new", "restock"),
                UnitInspection(b.pk, "opened", "restock"),
                UnitInspection(c.pk, "defective", "scrap", scrap_reason="zip broken"),
            ],
            actor=None,
        )
    received.refresh_from_db()
    assert received.status == ReturnStatus.INSPECTED
    refund = Refund.objects.get(rma=received)
    assert result.refund == refund
    # 3 x 20.00, "doesn't fit" is a free return with no fee; no connector: it waits for staff.
    assert (refund.items_amount, refund.restocking_fee, refund.return_shipping, refund.amount) == (
        Decimal("60.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("60.00"),
    )
    assert refund.status == RefundStatus.PENDING


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photos_are_stored_with_the_return_and_bad_files_are_refused(net, received, settings):
    a = units(received)[0]
    photo = SimpleUploadedFile("tag.png", png_bytes(), content_type="image/png")
    return_inspect(rma=received, inspections=[UnitInspection(a.pk, "opened", "refurbish")], photos=[photo], actor=None)
    stored = ReturnPhoto.objects.get(rma=received)
    assert (stored.content_type, stored.width, stored.height, stored.original_name) == ("image/png", 8, 8, "tag.png")

    b = units(received)[1]
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationFailed, match=r"virus\.jpg is not a photo we can read"):
        return_inspect(rma=received, inspections=[UnitInspection(b.pk, "new", "restock")], photos=[fake], actor=None)
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    with pytest.raises(ValidationFailed, match="is a GIF file; use JPEG, PNG or WebP"):
        return_inspect(
            rma=received,
            inspections=[UnitInspection(b.pk, "new", "restock")],
            photos=[SimpleUploadedFile("a.gif", gif.getvalue())],
            actor=None,
        )
    settings.RETURNS_PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationFailed, match="photos can be up to"):
        return_inspect(
            rma=received,
            inspections=[UnitInspection(b.pk, "new", "restock")],
            photos=[SimpleUploadedFile("big.png", png_bytes((64, 64)))],
            actor=None,
        )
    # Nothing of the refused inspections happened.
    b.refresh_from_db()
    assert not b.disposition and ReturnPhoto.objects.filter(rma=received).count() == 1


def test_vendor_return_ships_once_with_its_reference(net, received):
    a = units(received)[0]
    return_inspect(rma=received, inspections=[UnitInspection(a.pk, "defective", "vendor", vendor="Acme")], actor=None)
    rtv = VendorReturn.objects.get()
    vendor_return_ship(vendor_return=rtv, actor=None, reference="RA-7781")
    vendor_return_ship(vendor_return=rtv, actor=None, reference="other")
    rtv.refresh_from_db()
    assert (rtv.status, rtv.reference) == (VendorReturnStatus.SHIPPED, "RA-7781")


def test_photos_are_linked_to_the_unit_and_a_double_submitted_inspection_keeps_them_once(net, received):
    a, b, c = units(received)
    shot = png_bytes((8, 8))

    def submit():
        return return_inspect(
            rma=received,
            inspections=[UnitInspection(a.pk, "damaged", "scrap", scrap_reason="torn")],
            photos=[SimpleUploadedFile("tear.png", shot), SimpleUploadedFile("tear-again.png", shot)],
            actor=None,
        )

    submit()
    second = submit()  # the same form posted twice (a double tap, a retried request)

    assert second.unchanged == 1 and second.inspected == 0
    (photo,) = ReturnPhoto.objects.filter(rma=received)
    assert photo.unit_id == a.pk  # the one unit inspected with it

    # Several units at once: the photo goes to the unit the inspector chose.
    other = png_bytes((9, 9))
    return_inspect(
        rma=received,
        inspections=[UnitInspection(b.pk, "new", "restock"), UnitInspection(c.pk, "opened", "refurbish")],
        photos=[SimpleUploadedFile("seal.png", other)],
        photos_unit_id=c.pk,
        actor=None,
    )
    assert ReturnPhoto.objects.get(rma=received, original_name="seal.png").unit_id == c.pk
