"""The transfer page's receipt form: scan or type per line, part now and the rest later, close short."""

from __future__ import annotations

from typing import cast

import pytest
from django.urls import reverse

from inventory.models import SKU, StockLevel, TransferDiscrepancy, TransferStatus
from inventory.services import StockLine, transfer_create, transfer_ship
from inventory.services.transfers import ReceiptLine, transfer_receipt_record
from tests.factories import SKUFactory, stocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(warehouse, store, sku, back_office_user):
    second = cast(SKU, SKUFactory(code="TEE-WHT-L", barcode="00012345678905"))
    stocked(warehouse, sku, 20)
    stocked(warehouse, second, 20)
    transfer = transfer_create(
        source=warehouse, destination=store, lines=[StockLine(sku.pk, 10), StockLine(second.pk, 4)], actor=None
    )
    return transfer_ship(transfer=transfer, actor=None)


def lines(transfer):
    return {line.sku.code: line for line in transfer.lines.select_related("sku")}


def receipt_url(transfer) -> str:
    return reverse("inventory:transfer_receipt", args=[transfer.pk])


def test_a_scan_adds_a_unit_to_its_line_without_receiving_anything(back_office_client, shipped):
    line = lines(shipped)["TEE-WHT-L"]
    response = back_office_client.post(receipt_url(shipped), {f"received-{line.pk}": "2", "scan": "00012345678905"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "TEE-WHT-L: 3 of 4 counted in." in body
    assert f'name="received-{line.pk}" value="3"' in body
    assert StockLevel.objects.get(sku=line.sku, location=shipped.destination).on_hand == 0


def test_an_unknown_scan_says_what_to_do(back_office_client, shipped):
    response = back_office_client.post(receipt_url(shipped), {"scan": "NOPE-1"})
    assert "NOPE-1 is not on this transfer" in response.content.decode()


def test_receive_part_now_shows_partially_received_with_expected_and_received(back_office_client, shipped, sku):
    line = lines(shipped)["TEE-BLK-M"]
    response = back_office_client.post(receipt_url(shipped), {f"received-{line.pk}": "6", "receive": "1"}, follow=True)

    body = response.content.decode()
    shipped.refresh_from_db()
    assert shipped.status == TransferStatus.PARTIALLY_RECEIVED
    assert f"{shipped.number}: 6 units received; the rest is still in transit." in body
    assert "Partially received" in body and "4 still in transit" in body
    assert 'id="receipt-title"' in body  # the rest can still be received


def test_close_short_without_a_note_says_what_to_fill_in(back_office_client, shipped):
    line = lines(shipped)["TEE-BLK-M"]
    response = back_office_client.post(receipt_url(shipped), {f"received-{line.pk}": "6", "close": "1", "receive": "1"})

    assert response.status_code == 422
    assert "Say what happened" in response.content.decode()
    assert not TransferDiscrepancy.objects.exists()


def test_close_short_records_the_discrepancy_on_the_page(back_office_client, shipped, back_office_user):
    rows = lines(shipped)
    data = {
        f"received-{rows['TEE-BLK-M'].pk}": "7",
        f"received-{rows['TEE-WHT-L'].pk}": "3",
        f"damaged-{rows['TEE-WHT-L'].pk}": "1",
        "close": "1",
        "note": "Pallet wrap torn",
        "receive": "1",
    }
    body = back_office_client.post(receipt_url(shipped), data, follow=True).content.decode()

    shipped.refresh_from_db()
    assert shipped.status == TransferStatus.RECEIVED
    assert f"{shipped.number} closed at nyc-store: 10 units received; 2 discrepancies recorded." in body
    assert "3 short" in body and "1 damaged" in body and "Pallet wrap torn" in body
    assert 'id="receipt-title"' not in body
    assert TransferDiscrepancy.objects.filter(recorded_by=back_office_user).count() == 2


def test_a_bad_figure_is_shown_on_its_row(back_office_client, shipped):
    line = lines(shipped)["TEE-BLK-M"]
    response = back_office_client.post(receipt_url(shipped), {f"received-{line.pk}": "lots", "receive": "1"})
    assert response.status_code == 422
    assert "Enter whole numbers of units, 0 or more." in response.content.decode()


def test_the_source_cannot_receive(client, shipped, operator_user):
    client.force_login(operator_user)  # works at the source warehouse only
    response = client.post(receipt_url(shipped), {"receive": "1"}, follow=True)
    assert "cannot be received from your locations" in response.content.decode()
    shipped.refresh_from_db()
    assert shipped.status == TransferStatus.SHIPPED


TRANSFER_DETAIL_QUERIES = 7  # session, user, 2 permission lookups, transfer, lines with SKUs, discrepancies


def test_the_transfer_page_keeps_a_constant_number_of_queries(
    back_office_client, django_assert_num_queries, warehouse, store
):
    def partly_received(n: int):
        items = [cast(SKU, SKUFactory()) for _ in range(n)]
        for item in items:
            stocked(warehouse, item, 5)
        transfer = transfer_create(
            source=warehouse, destination=store, lines=[StockLine(i.pk, 3) for i in items], actor=None
        )
        transfer_ship(transfer=transfer, actor=None)
        return transfer_receipt_record(
            transfer=transfer,
            actor=None,
            lines=[ReceiptLine(i.pk, received=1, damaged=1) for i in items],
            note="Crushed corners",
        )

    small, big = partly_received(1), partly_received(12)
    url = "inventory:transfer_detail"
    with django_assert_num_queries(TRANSFER_DETAIL_QUERIES):
        back_office_client.get(reverse(url, args=[small.pk]))
    with django_assert_num_queries(TRANSFER_DETAIL_QUERIES):
        body = back_office_client.get(reverse(url, args=[big.pk])).content.decode()
    assert body.count('<span class="badge badge-low">1 damaged</span>') == 12
    assert body.count("<td>Crushed corners</td>") == 12
