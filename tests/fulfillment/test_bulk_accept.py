"""The work queue's bulk accept: tick several requests, accept them in one press, and read what
happened to each row (an order on hold is refused on its own; another store's request is not touched)."""

# ruff: noqa: F811 - the shared fixtures are imported by name and used as parameters
from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.models import ShipmentStatus
from fulfillment.services import order_hold
from tests.fulfillment.test_work_pages import (  # noqa: F401 - fixtures
    associate,
    associate_client,
    carriers,
    chi,
    chi_order,
    mug,
    nyc,
    nyc_order,
    queue,
    stock,
    tee,
)

pytestmark = pytest.mark.django_db

BULK = reverse("fulfillment:work_accept_bulk")


def said(response: Any) -> list[str]:
    storage: Any = get_messages(response.wsgi_request)
    return [str(message) for message in storage._queued_messages]


def test_ticked_requests_are_accepted_at_once_and_each_row_says_what_happened(associate_client, web, stock):
    first = nyc_order(web, "W-1")
    second = nyc_order(web, "W-2", lines=(("TEE-BLK-M", 1),))
    held = nyc_order(web, "W-3", lines=(("MUG-WHT", 1),))
    order_hold(order=held.order, actor=None, reason="fraud check")
    theirs = chi_order(web, "C-1")

    response = associate_client.post(
        BULK,
        {"shipments": [first.pk, second.pk, held.pk, theirs.pk], "next": "/fulfillment/work/?tab=accept"},
    )

    assert response.status_code == 302 and response["Location"] == "/fulfillment/work/?tab=accept"
    assert said(response) == [
        f"2 accepted: {first.number}, {second.number}. They are in To pick.",
        f"{held.number} not accepted: Order {held.order.number} is on hold; release it before working on "
        f"{held.number}.",
        "1 ticked request is not at your locations any more; refresh the queue.",
    ]
    statuses = {s.pk: s.status for s in type(first).objects.filter(pk__in=[first.pk, second.pk, held.pk, theirs.pk])}
    assert statuses == {
        first.pk: ShipmentStatus.ACCEPTED,
        second.pk: ShipmentStatus.ACCEPTED,
        held.pk: ShipmentStatus.REQUESTED,
        theirs.pk: ShipmentStatus.REQUESTED,
    }
    # The accepted ones leave the Accept tab for To pick; the held one stays, still marked.
    accept_tab = queue(associate_client, tab="accept")
    assert f'data-shipment="{held.number}"' in accept_tab and f'data-shipment="{first.number}"' not in accept_tab
    assert f'data-shipment="{first.number}"' in queue(associate_client, tab="pick")


def test_nothing_ticked_says_what_to_do_and_accepting_twice_is_harmless(associate_client, web, stock):
    first = nyc_order(web, "W-1")

    nothing = associate_client.post(BULK, {"shipments": []})
    assert said(nothing) == ["Tick the requests to accept first, then press Accept selected."]
    assert type(first).objects.get(pk=first.pk).status == ShipmentStatus.REQUESTED

    associate_client.post(BULK, {"shipments": [first.pk]})
    again = associate_client.post(BULK, {"shipments": [first.pk, "not-a-number"]})
    assert said(again) == [f"1 accepted: {first.number}. It is in To pick."]
    assert type(first).objects.get(pk=first.pk).status == ShipmentStatus.ACCEPTED


def test_the_accept_tab_offers_a_tick_per_request_and_one_button(
    associate_client, web, stock, django_assert_num_queries
):
    shipments = [nyc_order(web, f"W-{n}", lines=(("TEE-BLK-M", 1),)) for n in range(3)]
    held = nyc_order(web, "W-9", lines=(("MUG-WHT", 1),))
    order_hold(order=held.order, actor=None, reason="fraud check")

    body = queue(associate_client, tab="accept")

    assert 'id="bulk-accept"' in body and "Accept selected" in body
    ticks = re.findall(r'<input type="checkbox" name="shipments" value="(\d+)" form="bulk-accept"( disabled)?>', body)
    assert {int(pk) for pk, _ in ticks} == {s.pk for s in [*shipments, held]}
    assert [int(pk) for pk, disabled in ticks if disabled] == [held.pk]
    # Ticks come with the rows already loaded: one more request does not add queries.
    before = _queries(associate_client)
    nyc_order(web, "W-10", lines=(("TEE-BLK-M", 1),))
    with django_assert_num_queries(before):
        associate_client.get(reverse("fulfillment:work"), {"tab": "accept"})


def _queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("fulfillment:work"), {"tab": "accept"})
    return len(captured.captured_queries)
