"""Receiving and inspecting the same return at once on real PostgreSQL connections: never twice.

Each thread has its own connection and they are released together at a barrier, as two
people scanning the same parcel, or a double-clicked inspection form, would be.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from core.errors import Conflict, ValidationFailed
from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.services import ledger_verify
from returns.models import RefundStatus, ReturnAuthorization, ReturnSource, ReturnUnit
from returns.services import (
    RefundFailed,
    RefundResult,
    ReturnLineInput,
    UnitInspection,
    refund_dispatch,
    refund_mark_executed,
    return_inspect,
    return_receive,
    return_request,
)
from tests.factories.returns import delivered_order, return_network
from tests.inventory.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


@pytest.fixture
def setup():
    net = return_network()
    order = delivered_order(net.channel, [("TEE-BLK-M", 3, "20.00")], postal_code="75201")
    rma = return_request(
        order=order, lines=[ReturnLineInput(3, "doesnt_fit", sku="TEE-BLK-M")], source=ReturnSource.STAFF
    )
    return net, order, rma


def test_concurrent_receipts_create_the_units_once(setup):
    net, _, rma = setup
    results = run_concurrently(lambda i: return_receive(rma=rma, location=net.warehouse, actor=None), threads=THREADS)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert sum(1 for r in results if not r.already) == 1
    assert ReturnUnit.objects.filter(rma=rma).count() == 3


def test_concurrent_inspections_restock_once(setup):
    net, _, rma = setup
    return_receive(rma=rma, location=net.warehouse, actor=None)
    before = StockLevel.objects.get(location=net.warehouse, sku=net.tee).on_hand
    unit_ids = list(ReturnUnit.objects.filter(rma=rma).values_list("pk", flat=True))
    inspections = [UnitInspection(pk, "new", "restock") for pk in unit_ids]

    results = run_concurrently(lambda i: return_inspect(rma=rma, inspections=inspections, actor=None), threads=THREADS)

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert sorted(r.inspected for r in results) == [0] * (THREADS - 1) + [3]
    assert StockLevel.objects.get(location=net.warehouse, sku=net.tee).on_hand == before + 3
    restocks = StockMovement.objects.filter(
        document_type="return", document_id=str(rma.pk), kind=MovementKind.RETURN_RESTOCK
    )
    assert sum(m.on_hand_delta for m in restocks) == 3
    assert ledger_verify() == []


def test_concurrent_requests_never_return_more_than_shipped(setup):
    _, order, first = setup
    first.status = "cancelled"
    ReturnAuthorization.objects.filter(pk=first.pk).update(status="cancelled")

    def ask(i: int):
        return return_request(
            order=order,
            lines=[ReturnLineInput(2, "doesnt_fit", sku="TEE-BLK-M")],
            source=ReturnSource.API,
            buy_label=False,
        )

    results = run_concurrently(ask, threads=8)
    created = [r for r in results if isinstance(r, ReturnAuthorization)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert len(created) == 1 and len(refused) == 7, [type(r) for r in results]
    assert all("only 1 can be returned" in r.message for r in refused)
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, ValidationFailed | Conflict)]


class SlowChannel:
    """A channel whose refund call takes a while: counts calls, and lets the test act while it is in flight."""

    calls = 0
    started = threading.Event()
    finish = threading.Event()

    def __init__(self, channel):
        self.channel = channel

    def refund(self, request):
        SlowChannel.calls += 1
        SlowChannel.started.set()
        SlowChannel.finish.wait(timeout=20)
        return RefundResult(channel_reference=f"re_{request.reference}_{SlowChannel.calls}")


def test_a_refund_is_sent_to_the_channel_once_however_many_dispatch_it(setup, settings):
    net, _, rma = setup
    return_receive(rma=rma, location=net.warehouse, actor=None)
    inspections = [UnitInspection(unit.pk, "new", "restock") for unit in rma.units.all()]
    refund = return_inspect(rma=rma, inspections=inspections, actor=None).refund
    assert refund is not None
    settings.RETURNS_REFUND_CONNECTOR = "tests.returns.test_concurrency.SlowChannel"
    SlowChannel.calls = 0
    SlowChannel.started.clear()
    SlowChannel.finish.clear()

    first: list[object] = []

    def dispatch() -> None:
        try:
            first.append(refund_dispatch(refund_id=refund.pk))
        except BaseException as exc:
            first.append(exc)
        finally:
            connection.close()

    sender = threading.Thread(target=dispatch)
    sender.start()
    assert SlowChannel.started.wait(timeout=20)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SENDING

    # While the channel works on it: a second dispatch (the task retried, another worker) and staff are refused.
    results = run_concurrently(lambda i: refund_dispatch(refund_id=refund.pk), threads=4)
    assert all(isinstance(r, Conflict) and "being sent to" in r.message for r in results), results
    with pytest.raises(Conflict, match="being sent to"):
        refund_mark_executed(refund=refund, actor=None, reference="by hand")

    SlowChannel.finish.set()
    sender.join(timeout=20)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.EXECUTED and refund.attempts == 1
    assert SlowChannel.calls == 1
    assert refund_dispatch(refund_id=refund.pk).status == RefundStatus.EXECUTED  # and later ones change nothing
    assert SlowChannel.calls == 1


class DownChannel:
    def __init__(self, channel):
        self.channel = channel

    def refund(self, request):
        raise RefundFailed("503 from the channel", retry=True)


def test_a_failed_send_goes_back_to_failed_for_a_retry(setup, settings):
    net, _, rma = setup
    return_receive(rma=rma, location=net.warehouse, actor=None)
    inspections = [UnitInspection(unit.pk, "new", "restock") for unit in rma.units.all()]
    refund = return_inspect(rma=rma, inspections=inspections, actor=None).refund
    assert refund is not None
    settings.RETURNS_REFUND_CONNECTOR = "tests.returns.test_concurrency.DownChannel"
    with pytest.raises(RefundFailed):
        refund_dispatch(refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and refund.last_error == "503 from the channel"
    refund_mark_executed(refund=refund, actor=None, reference="done by hand")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.EXECUTED


def test_concurrent_first_requests_create_one_default_policy():
    from returns.models import ReturnPolicy
    from returns.services import return_policy_default_ensure

    ReturnPolicy.objects.all().delete()
    results = run_concurrently(lambda i: return_policy_default_ensure(), threads=8)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert ReturnPolicy.objects.filter(channel__isnull=True).count() == 1
    assert len({r.pk for r in results}) == 1
