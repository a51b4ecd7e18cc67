"""The return page tells one story about the refund: the timeline says it is due while the panel says
Pending, and says it was refunded only once it was."""

from __future__ import annotations

from decimal import Decimal

import pytest

from returns.models import RefundStatus, ReturnSource
from returns.services import ReturnLineInput, UnitInspection, return_inspect, return_receive, return_request
from returns.services.dispatch import refund_mark_executed
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def timeline(body: str) -> str:
    return body.split('id="timeline-title"', 1)[1].split("</section>", 1)[0]


def test_a_pending_refund_is_due_on_the_timeline_and_refunded_once_recorded(net, back_office_client):
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], postal_code="75201")
    rma = return_request(order=order, lines=[ReturnLineInput(1, "defective", sku="TEE-BLK-M")], source=ReturnSource.API)
    assert rma.return_location is not None
    return_receive(rma=rma, location=rma.return_location, actor=None)
    unit = rma.units.get()
    refund = return_inspect(
        rma=rma, inspections=[UnitInspection(unit.pk, "defective", "scrap", scrap_reason="torn")], actor=None
    ).refund
    assert refund is not None and refund.status == RefundStatus.PENDING and refund.amount == Decimal("20.00")

    pending = back_office_client.get(f"/returns/{rma.pk}/").content.decode()
    assert "Record refund executed" in pending
    assert "Refund of 20.00 USD due" in timeline(pending)
    assert "recorded" not in timeline(pending).lower() and "refunded" not in timeline(pending).lower()

    refund_mark_executed(refund=refund, actor=None, reference="R-1")
    done = back_office_client.get(f"/returns/{rma.pk}/").content.decode()
    assert "Record refund executed" not in done and "20.00 USD refunded (ref R-1)" in timeline(done)
