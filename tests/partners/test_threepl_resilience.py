"""Nothing lost, nothing doubled: ShipBob down then back, throttling with x-retry-after, a lost
answer, a worker killed mid-send, a refusal; webhooks twice and out of order, a forged one."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone

from fulfillment.models import Package, RoutingExclusion, ShipmentStatus, TrackingEvent, TrackingStatus
from fulfillment.services.cancel import order_cancel
from inventory.models import LocationKind
from partners.models import FulfillmentOrderStatus, PartnerDocument, ThreePlEvent
from partners.threepl.connector import threepl_connector_for
from partners.threepl.outbox import fulfillment_orders_claim, lease_seconds
from partners.threepl.payloads import order_from_json
from partners.threepl.sending import _mark_sent, fulfillment_orders_send, fulfillment_orders_withdraw, order_payload
from partners.views.threepl_webhooks import threepl_webhook
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory, place_order
from tests.partners.threepl_support import deliver, outbox_of, shipbob_sandbox, threepl_location, threepl_partner

pytestmark = pytest.mark.django_db

ADDRESS = {"line1": "100 N Racine Ave", "city": "Chicago", "region": "IL", "postal_code": "60607"}


@pytest.fixture
def sandbox():
    return shipbob_sandbox()


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M")


@pytest.fixture
def threepl(db, tee):
    location = threepl_location()
    stocked(location, tee, 10)
    return location


@pytest.fixture
def partner(sandbox, threepl):
    return threepl_partner(sandbox, threepl)


@pytest.fixture
def shipment(db, partner, threepl):
    web: Any = ChannelFactory(code="web", name="Web shop")
    order = place_order(web, [("TEE-BLK-M", 2)], **ADDRESS).order
    shipment = order.shipments.get()
    assert shipment.location == threepl
    return shipment


def status_of(obj):
    obj.refresh_from_db()
    return obj.status


# --- Sending --------------------------------------------------------------------------------------


def test_shipbob_down_is_retried_with_backoff_and_sent_once_it_is_back(partner, shipment, sandbox):
    sandbox.fail_next["order_create"] = [503, 500]
    now = timezone.now()

    first = fulfillment_orders_send(partner=partner, now=now)
    row = outbox_of(shipment)
    assert (first.retried, row.status, row.attempts) == (1, FulfillmentOrderStatus.PENDING, 1)
    assert "503" in row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=30)  # backing off, not hammering
    assert fulfillment_orders_send(partner=partner, now=now + timedelta(seconds=29)).claimed == 0

    second_try = row.next_attempt_at
    fulfillment_orders_send(partner=partner, now=second_try)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (FulfillmentOrderStatus.PENDING, 2)
    assert row.next_attempt_at == second_try + timedelta(seconds=60)  # the next wait is longer

    report = fulfillment_orders_send(partner=partner, now=row.next_attempt_at)
    assert report.sent == 1
    assert status_of(row) == FulfillmentOrderStatus.SENT and row.last_error == ""
    assert len(sandbox.orders) == 1
    assert status_of(shipment) == ShipmentStatus.ACCEPTED


def test_a_429_is_retried_after_shipbobs_x_retry_after(partner, shipment, sandbox):
    sandbox.set_rate(1, 60)
    threepl_connector_for(partner).inventory_levels()  # the one call the window allows
    now = timezone.now()

    assert fulfillment_orders_send(partner=partner, now=now).retried == 1
    row = outbox_of(shipment)
    assert "Rate limit is exceeded" in row.last_error
    assert row.next_attempt_at is not None
    waited = (row.next_attempt_at - now).total_seconds()
    assert 55 <= waited <= 60  # what x-retry-after said, not the 30 s backoff
    assert fulfillment_orders_send(partner=partner, now=now + timedelta(seconds=30)).claimed == 0

    sandbox.advance(timedelta(seconds=61))  # ShipBob's window slides on
    assert fulfillment_orders_send(partner=partner, now=row.next_attempt_at).sent == 1
    assert len(sandbox.orders) == 1


def test_a_lost_answer_is_looked_up_and_adopted_never_doubled(partner, shipment, sandbox):
    sandbox.timeout_next["order_create"] = 1  # ShipBob creates the order; its answer never arrives
    now = timezone.now()

    assert fulfillment_orders_send(partner=partner, now=now).retried == 1
    assert len(sandbox.orders) == 1
    row = outbox_of(shipment)
    assert row.status == FulfillmentOrderStatus.PENDING and row.external_id == ""

    report = fulfillment_orders_send(partner=partner, now=row.next_attempt_at)

    assert report.adopted == 1
    assert len(sandbox.orders) == 1  # the retry got 422 "duplicate" and adopted the order
    row.refresh_from_db()
    assert row.external_id == str(sandbox.find(shipment.number)["id"])
    assert status_of(shipment) == ShipmentStatus.ACCEPTED


def test_a_worker_killed_mid_send_is_taken_over_after_its_lease_and_the_order_is_not_doubled(
    partner, shipment, sandbox
):
    now = timezone.now()
    [claimed_by_a] = fulfillment_orders_claim(partner=partner, now=now)
    # Worker A posts the order, then dies before recording anything.
    threepl_connector_for(partner).create_order(order_payload(shipment))

    # Within the lease nobody else may take it.
    assert fulfillment_orders_send(partner=partner, now=now + timedelta(seconds=10)).claimed == 0
    after_lease = now + timedelta(seconds=lease_seconds() + 1)
    report = fulfillment_orders_send(partner=partner, now=after_lease)

    assert (report.claimed, report.adopted) == (1, 1)
    assert len(sandbox.orders) == 1
    row = outbox_of(shipment)
    assert (row.status, row.attempts) == (FulfillmentOrderStatus.SENT, 2)
    # Worker A comes back to life: its claim is no longer the row's, so its mark changes nothing.
    stale = order_from_json(sandbox.find(shipment.number))
    assert _mark_sent(claimed_by_a, stale, {}, adopted=False) is False
    assert outbox_of(shipment).sent_at == row.sent_at


def test_an_order_shipbob_refuses_for_good_is_rerouted_without_the_3pl(partner, shipment, sandbox, tee, threepl):
    warehouse: Any = LocationFactory(code="atl-dc", kind=LocationKind.WAREHOUSE, priority=50)
    stocked(warehouse, tee, 5)
    sandbox.fail_next["order_create"] = [400]

    assert fulfillment_orders_send(partner=partner).failed == 1

    row = outbox_of(shipment)
    assert row.status == FulfillmentOrderStatus.FAILED and "400" in row.last_error
    assert status_of(shipment) == ShipmentStatus.REJECTED
    [moved] = shipment.order.shipments.exclude(pk=shipment.pk)
    assert moved.location == warehouse
    assert RoutingExclusion.objects.filter(order=shipment.order, location=threepl).exists()


# --- Webhooks -------------------------------------------------------------------------------------


def test_webhooks_twice_and_out_of_order_are_applied_once(partner, shipment, sandbox):
    fulfillment_orders_send(partner=partner)
    sandbox.ship(shipment.number, boxes=2)
    sandbox.deliver(shipment.number)

    hooks = sandbox.take_webhooks(duplicate=True, shuffle=True)
    answers = deliver(partner, hooks)

    unique = {hook.headers["webhook-id"] for hook in hooks}
    assert len(hooks) == 2 * len(unique)
    assert sum(a.message == "duplicate" for a in answers) == len(unique)
    assert ThreePlEvent.objects.filter(partner=partner).count() == len(unique)
    assert status_of(shipment) == ShipmentStatus.DELIVERED
    boxes = Package.objects.filter(shipment=shipment)
    assert boxes.count() == 2 and {b.tracking_status for b in boxes} == {TrackingStatus.DELIVERED}
    delivered_events = TrackingEvent.objects.filter(shipment=shipment, status=TrackingStatus.DELIVERED)
    assert delivered_events.count() == 2  # one per box, never repeated


def test_a_shipped_event_after_delivered_changes_nothing(partner, shipment, sandbox):
    fulfillment_orders_send(partner=partner)
    sandbox.ship(shipment.number)
    shipped = [h for h in sandbox.take_webhooks() if h.headers["x-webhook-topic"] == "order.shipped"]
    sandbox.deliver(shipment.number)
    delivered = sandbox.take_webhooks()

    deliver(partner, delivered)  # delivered arrives first: it ships (every unit is in the box) and delivers
    assert status_of(shipment) == ShipmentStatus.DELIVERED
    events = TrackingEvent.objects.filter(shipment=shipment).count()

    [answer] = deliver(partner, shipped)

    assert answer.status == 200
    assert status_of(shipment) == ShipmentStatus.DELIVERED
    assert TrackingEvent.objects.filter(shipment=shipment).count() == events
    assert Package.objects.get(shipment=shipment).tracking_status == TrackingStatus.DELIVERED


def test_a_webhook_with_a_bad_signature_is_401_and_stored_nowhere(partner, shipment, sandbox):
    fulfillment_orders_send(partner=partner)
    sandbox.ship(shipment.number)
    hook = next(h for h in sandbox.take_webhooks() if h.headers["x-webhook-topic"] == "order.shipped")
    forged = json.loads(hook.body)
    forged["shipments"][0]["tracking"]["tracking_number"] = "FORGED"
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in hook.headers.items() if k != "Content-Type"}

    request = RequestFactory().post(
        f"/partners/3pl/webhooks/{partner.code}/", data=json.dumps(forged), content_type="application/json", **headers
    )
    response = threepl_webhook(request, partner_code=partner.code)

    assert response.status_code == 401
    assert not ThreePlEvent.objects.exists()
    assert not PartnerDocument.objects.filter(direction="in").exists()
    assert status_of(shipment) == ShipmentStatus.ACCEPTED

    genuine = RequestFactory().post(
        f"/partners/3pl/webhooks/{partner.code}/", data=hook.body, content_type="application/json", **headers
    )
    assert threepl_webhook(genuine, partner_code=partner.code).status_code == 200
    assert status_of(shipment) == ShipmentStatus.SHIPPED


# --- Cancelled on our side ------------------------------------------------------------------------


def test_an_order_cancelled_after_it_was_sent_is_cancelled_at_shipbob_and_not_shipped(partner, shipment, sandbox):
    fulfillment_orders_send(partner=partner)
    order_cancel(order=shipment.order, actor=None, reason="customer changed their mind")

    assert fulfillment_orders_withdraw(partner=partner) == 1

    assert outbox_of(shipment).status == FulfillmentOrderStatus.CANCELLED
    remote = sandbox.find(shipment.number)
    assert remote["status"] == "Cancelled" and {s["status"] for s in remote["shipments"]} == {"Cancelled"}
    sandbox.advance(sandbox.ship_after * 2)  # nothing left for ShipBob to ship
    assert all(s["status"] == "Cancelled" for s in sandbox.find(shipment.number)["shipments"])
    assert fulfillment_orders_withdraw(partner=partner) == 0  # asked once


def test_an_order_cancelled_too_late_says_so_for_staff(partner, shipment, sandbox):
    fulfillment_orders_send(partner=partner)
    sandbox.ship(shipment.number)  # ShipBob shipped; its webhook has not come yet
    order_cancel(order=shipment.order, actor=None, reason="customer changed their mind")

    assert fulfillment_orders_withdraw(partner=partner) == 0

    row = outbox_of(shipment)
    assert row.status == FulfillmentOrderStatus.SENT
    assert "could not cancel: Shipment already shipped." in row.last_error
