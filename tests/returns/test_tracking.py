"""Return parcels are tracked until received: the first scan puts the return in transit, each scan is kept once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carriers.builtin import CarrierSandbox, tracking_number_for
from returns.models import ReturnSource, ReturnStatus, ReturnTrackingEvent
from returns.services import ReturnLineInput, return_receive, return_request, return_tracking_refresh
from returns.tasks import return_tracking_poll
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def test_scans_move_the_return_in_transit_and_stop_once_received(net):
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")])
    rma = return_request(
        order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], source=ReturnSource.STAFF
    )
    later = CarrierSandbox(clock=lambda: timezone.now() + timedelta(hours=9))

    assert return_tracking_refresh(client=later) == 3  # label created, picked up, in transit
    assert return_tracking_refresh(client=later) == 0
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.IN_TRANSIT
    assert list(ReturnTrackingEvent.objects.filter(rma=rma).values_list("status", flat=True)) == [
        "label_created",
        "picked_up",
        "in_transit",
    ]
    return_receive(rma=rma, location=net.store, actor=None)
    much_later = CarrierSandbox(clock=lambda: timezone.now() + timedelta(days=10))
    assert return_tracking_refresh(client=much_later) == 0  # received: no longer polled


def test_return_labels_never_share_a_tracking_number_with_an_outbound_parcel(net):
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")])
    rma = return_request(
        order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], source=ReturnSource.STAFF
    )
    outbound = tracking_number_for(carrier=rma.carrier, service=rma.service, reference=f"SH-{rma.pk:06d}")
    assert rma.tracking_number != outbound


def test_the_beat_task_runs_the_refresh(net):
    assert return_tracking_poll.apply().get() == 0


def test_return_labels_get_distinct_tracking_numbers_from_the_returns_own_number(net):
    from carriers.builtin import Address, LabelRequest, return_serial

    sandbox = CarrierSandbox()
    place = Address(name="x", line1="1 Main", city="Dallas", region="TX", postal_code="75201", country="US")
    numbers = set()
    for pk in range(1, 3001):
        label = sandbox.create_return_label(
            LabelRequest(
                carrier="parcelway",
                service="ground",
                reference=f"RMA-{pk:06d}",
                weight_grams=500,
                ship_from=place,
                ship_to=place,
            )
        )
        numbers.add(label.tracking_number)
    assert len(numbers) == 3000  # no two returns share one (a 7-digit hash used to collide)
    assert return_serial(carrier="parcelway", reference="RMA-000042") == 9_000_042


def test_a_tracking_number_on_two_returns_is_refused_at_the_dock(net, back_office_client):
    from returns.models import ReturnAuthorization
    from returns.selectors import return_find_by_scan

    first = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-A")
    second = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-B")
    a = return_request(order=first, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], source="staff")
    b = return_request(order=second, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], source="staff")
    # A carrier that reuses numbers (or a label bought elsewhere): the scan cannot tell the parcels apart.
    ReturnAuthorization.objects.filter(pk=b.pk).update(tracking_number=a.tracking_number)

    result = return_find_by_scan(user=_user(back_office_client), code=a.tracking_number)
    assert result.rma is None and "on more than one return" in result.ambiguous

    page = back_office_client.get("/returns/receive/", {"code": a.tracking_number})
    assert page.status_code == 200
    assert f"is on more than one return ({a.number} and {b.number})".encode() in page.content


def _user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])
