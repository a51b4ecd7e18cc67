"""The store counter's "Recent" list counts the units each return brought back."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.roles import STORE_ASSOCIATE
from returns.selectors import counter_recent
from returns.services import ReturnLineInput, return_counter_receive, return_request
from tests.factories import user_with_role
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def test_recent_returns_count_their_units(net, client):
    one = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-1", postal_code="75201")
    three = delivered_order(
        net.channel, [("TEE-BLK-M", 2, "20.00"), ("MUG-WHT", 1, "8.00")], external_id="W-3", postal_code="75201"
    )
    single = return_counter_receive(
        store=net.store, order=one, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], actor=None
    ).rma
    several = return_counter_receive(
        store=net.store,
        order=three,
        lines=[ReturnLineInput(2, "doesnt_fit", sku="TEE-BLK-M"), ReturnLineInput(1, "defective", sku="MUG-WHT")],
        actor=None,
    ).rma

    coming = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-C", postal_code="75201")
    expected = return_request(
        order=coming, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], source="staff", store=net.store
    )

    recent: list[Any] = counter_recent(store=net.store)
    counts = {rma.pk: rma.unit_count for rma in recent}

    assert counts == {single.pk: 1, several.pk: 3, expected.pk: 1}
    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[net.store]))
    body = client.get(reverse("returns:counter"), {"store": net.store.code}).content.decode()
    recent = body.split('id="counter-recent"', 1)[1].split("</ul>", 1)[0]
    assert "1 unit<" in recent and "3 units" in recent and "0 units" not in recent
