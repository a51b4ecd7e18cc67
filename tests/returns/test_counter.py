"""Buy online, return in store: the associate takes units back at the counter by order number, no prior RMA."""

from __future__ import annotations

import pytest

from core.roles import STORE_ASSOCIATE
from inventory.models import MovementKind, StockLevel, StockMovement
from returns.models import ReturnAuthorization, ReturnMethod, ReturnSource, ReturnStatus
from returns.services import ReturnLineInput, return_counter_receive
from tests.factories import user_with_role
from tests.factories.pages import make_location
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(net):
    return delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00")], postal_code="75201")


@pytest.fixture
def associate(net, client):
    user = user_with_role(STORE_ASSOCIATE, username="sam", locations=[net.store])
    client.force_login(user)
    return user


def test_the_counter_service_requests_authorises_and_receives_in_one_go(net, order):
    receipt = return_counter_receive(
        store=net.store, order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], actor=None
    )
    rma = receipt.rma
    assert (rma.source, rma.method, rma.status, rma.return_location) == (
        ReturnSource.IN_STORE,
        ReturnMethod.IN_STORE,
        ReturnStatus.RECEIVED,
        net.store,
    )
    assert not rma.tracking_number and receipt.units == 1


def test_out_of_policy_at_the_counter_is_refused_and_nothing_is_written(net):
    late = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="LATE", delivered_days_ago=40)
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="needs back-office approval"):
        return_counter_receive(
            store=net.store, order=late, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], actor=None
        )
    assert not ReturnAuthorization.objects.exists()


def test_the_associate_takes_a_return_and_restocks_it_on_the_shop_floor(net, order, client, associate):
    page = client.get(f"/returns/counter/?order={order.number}&check=Lovelace")
    assert page.status_code == 200
    assert b"New York Store" in page.content and b"Take back and receive here" in page.content
    line = order.lines.get()
    response = client.post(
        f"/returns/counter/?order={order.number}&check=Lovelace",
        {"store": "nyc-store", f"qty-{line.pk}": "1", f"reason-{line.pk}": "doesnt_fit"},
    )
    rma = ReturnAuthorization.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/returns/counter/{rma.pk}/"
    unit = rma.units.get()
    before = StockLevel.objects.get(location=net.store, sku=net.tee).on_hand
    inspect = client.post(
        f"/returns/{rma.pk}/inspect/",
        {"screen": "counter", f"unit-{unit.pk}-condition": "new", f"unit-{unit.pk}-disposition": "restock"},
    )
    assert inspect.status_code == 302 and inspect["Location"] == f"/returns/counter/{rma.pk}/"
    assert StockLevel.objects.get(location=net.store, sku=net.tee).on_hand == before + 1
    movement = StockMovement.objects.get(document_type="return", document_id=str(rma.pk))
    assert (movement.kind, movement.location_id, movement.actor) == (
        MovementKind.RETURN_RESTOCK,
        net.store.pk,
        associate,
    )


def test_the_associate_sees_only_their_store(net, order, client, associate):
    other = make_location(code="bos-store", name="Boston", kind="store", accepts_returns=True, postal_code="02108")
    receipt = return_counter_receive(
        store=other, order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], actor=None
    )
    assert client.get(f"/returns/counter/{receipt.rma.pk}/").status_code == 404
    assert client.get(f"/returns/{receipt.rma.pk}/").status_code == 404
    line = order.lines.get()
    client.post(
        f"/returns/counter/?order={order.number}&check=Lovelace",
        {"store": "bos-store", f"qty-{line.pk}": "1", f"reason-{line.pk}": "doesnt_fit"},
    )
    # Posting another store's code receives at the associate's own store, never at Boston.
    assert ReturnAuthorization.objects.filter(return_location=other).count() == 1
    assert ReturnAuthorization.objects.filter(return_location=net.store).count() == 1
    assert b"bos-store" not in client.get("/returns/counter/").content
    assert client.get("/returns/").status_code == 302  # the queue is for back office: to the counter
    assert client.get("/returns/report/").status_code == 403


def test_an_unknown_order_number_says_so(net, client, associate):
    page = client.get("/returns/counter/?order=SO-999999&check=Lovelace")
    assert b"No order with that number and that email, postal code or last name." in page.content


def test_the_counter_needs_the_order_number_and_the_customers_email_postcode_or_last_name(
    net, order, client, associate
):
    number_only = client.get(f"/returns/counter/?order={order.number}")
    assert b"Ada Lovelace" not in number_only.content and b"Take back and receive here" not in number_only.content
    # Scan first: the number alone asks for the proof without saying whether the order exists.
    assert f"{order.number} scanned. Now ask for the email, postal code or last name".encode() in number_only.content
    unknown_only = client.get("/returns/counter/?order=SO-999999")
    assert b"SO-999999 scanned. Now ask for the email" in unknown_only.content
    assert (
        b'name="check"' in number_only.content and b"autofocus" in number_only.content.split(b'name="check"')[1][:200]
    )
    wrong = client.get(f"/returns/counter/?order={order.number}&check=Babbage")
    assert b"Ada Lovelace" not in wrong.content and b"No order with that number and that email" in wrong.content
    for proof in ("ada@EXAMPLE.com", "75201", "lovelace"):
        page = client.get("/returns/counter/", {"order": order.number, "check": proof})
        assert b"Take back and receive here" in page.content, proof
    # The next sequential number with the same proof shows nothing.
    other = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-9", customer_name="Grace Hopper")
    assert b"Grace Hopper" not in client.get(f"/returns/counter/?order={other.number}&check=Lovelace").content


def test_a_mailed_return_handed_in_at_the_counter_is_received_here_and_its_unused_label_is_not_charged(
    net, order, client, associate
):
    from returns.services import return_request

    mailed = return_request(
        order=order, lines=[ReturnLineInput(1, "changed_mind", sku="TEE-BLK-M")], source=ReturnSource.SELF_SERVICE
    )
    assert mailed.return_location == net.warehouse and mailed.tracking_number and mailed.label_rate

    page = client.get(f"/returns/counter/?order={order.number}&check=Lovelace")
    assert b"Returns already on their way" in page.content and mailed.number.encode() in page.content
    response = client.post(
        f"/returns/counter/?order={order.number}&check=Lovelace", {"store": "nyc-store", "open_rma": mailed.pk}
    )
    assert response.status_code == 302 and response["Location"] == f"/returns/counter/{mailed.pk}/"
    mailed.refresh_from_db()
    assert (mailed.status, mailed.return_location, mailed.method) == (
        ReturnStatus.RECEIVED,
        net.store,
        ReturnMethod.IN_STORE,
    )
    assert mailed.label_rate is None
    assert mailed.units.get().location == net.store
    unit = mailed.units.get()
    client.post(
        f"/returns/{mailed.pk}/inspect/",
        {"screen": "counter", f"unit-{unit.pk}-condition": "new", f"unit-{unit.pk}-disposition": "restock"},
    )
    mailed.refresh_from_db()
    assert mailed.refund.return_shipping == 0  # the label was never used: nothing kept for it
    assert "Return label" not in str(mailed.refund.breakdown)


def test_another_stores_associate_cannot_receive_an_open_return_at_a_store_they_do_not_work_at(net, order, client):
    from returns.services import return_request

    boston = make_location(code="bos-store", name="Boston", kind="store", accepts_returns=True, postal_code="02108")
    user = user_with_role(STORE_ASSOCIATE, username="bo", locations=[boston])
    client.force_login(user)
    mailed = return_request(order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], source="staff")
    client.post(f"/returns/counter/?order={order.number}&check=Lovelace", {"store": "nyc-store", "open_rma": mailed.pk})
    mailed.refresh_from_db()
    assert mailed.return_location == boston  # received at their own store, never at New York
