"""A role sees only links it may follow: no link leads a person to a 403 or an empty page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.roles import STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from inventory.services import StockLine
from inventory.services.transfers import transfer_create
from returns.services import ReturnLineInput, return_counter_receive
from tests.factories import stocked, user_with_role
from tests.factories.returns import delivered_order, return_network

pytestmark = pytest.mark.django_db


def nav_labels(body: str) -> list[str]:
    nav = body.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    return [part.split("</a>", 1)[0].rsplit(">", 1)[-1] for part in nav.split("<a ")[1:]]


def test_the_operators_nav_has_no_pickups_without_a_store_and_the_associates_does(client, warehouse, store):
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="olga", locations=[warehouse]))
    assert "Pickups" not in nav_labels(client.get(reverse("fulfillment:work")).content.decode())

    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[store]))
    assert "Pickups" in nav_labels(client.get(reverse("fulfillment:pickups")).content.decode())


def test_an_operator_reads_a_return_without_links_to_the_order_they_may_not_open(client, db):
    net = return_network()
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], postal_code="75201")
    rma = return_counter_receive(
        store=net.store, order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], actor=None
    ).rma
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="olga", locations=[net.store, net.warehouse]))

    for url in (reverse("returns:detail", args=[rma.pk]), reverse("returns:index") + "?status="):
        body = client.get(url).content.decode()
        assert order.number in body
        assert reverse("orders:detail", args=[order.pk]) not in body, url
    assert client.get(reverse("orders:detail", args=[order.pk])).status_code == 403


def test_an_associate_reads_the_ledger_without_links_to_transfers(client, store, warehouse, sku):
    stocked(warehouse, sku, 5)
    associate: Any = user_with_role(STORE_ASSOCIATE, username="sam", locations=[store])
    transfer = transfer_create(source=warehouse, destination=store, lines=[StockLine(sku.pk, 2)], actor=None)
    from inventory.services.transfers import transfer_receive, transfer_ship

    transfer_receive(transfer=transfer_ship(transfer=transfer, actor=None), actor=None)
    client.force_login(associate)

    body = client.get(reverse("inventory:sku_detail", args=[sku.code])).content.decode()

    assert f"Transfer {transfer.pk}" in body or str(transfer.pk) in body
    assert reverse("inventory:transfer_detail", args=[transfer.pk]) not in body
    assert client.get(reverse("inventory:transfer_detail", args=[transfer.pk])).status_code in (403, 404)
