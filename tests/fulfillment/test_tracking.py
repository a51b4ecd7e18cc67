"""Tracking per box: carriers' reports recorded once and never backwards, webhooks verified and
deduplicated, polling by account, delivery of the shipment, and delivery problems in the queue."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carriers import connectors
from carriers.builtin import CarrierSandbox
from carriers.connectors import http_client
from carriers.connectors.base import (
    CarrierError,
    CarrierUnavailable,
    Parcel,
    PostalAddress,
    ShipmentRequest,
    SignatureInvalid,
    TrackingReport,
    TrackingUpdate,
)
from carriers.connectors.easypost import EasyPostConnector
from carriers.models import CarrierAccount, WebhookEvent
from carriers.sandbox import carrier_sandboxes
from carriers.sandbox.easypost import EasyPostSandbox
from core.crypto import credentials_encrypt
from fulfillment.models import (
    Package,
    PackageStatus,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)
from fulfillment.selectors.exceptions import order_exceptions
from fulfillment.services import BoxInput, shipment_accept, shipment_pack, shipment_ship
from fulfillment.services.tracking import TrackingRefresh, package_tracking_record, tracking_refresh
from inventory.models import SKU
from orders.models import OrderEvent, OrderStatus
from tests.factories import SKUFactory, stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db

TEE_BARCODE = "4006381333931"
T0 = datetime(2025, 5, 5, 14, 0, tzinfo=UTC)


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE, weight_grams=300)


class FakeConnector:
    """A carrier account's connector for these tests: answers from class-level tables."""

    provider = "fake"
    supports_webhooks = True
    supports_address_verification = False
    supports_manifests = False
    reports: ClassVar[dict[str, TrackingReport | Exception]] = {}
    asked: ClassVar[list[str]] = []

    def __init__(self, account_code: str, credentials: dict[str, str], http: Any) -> None:
        self.credentials = credentials

    def track(self, tracking_number: str, carrier: str) -> TrackingReport:
        FakeConnector.asked.append(tracking_number)
        answer = FakeConnector.reports[tracking_number]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> TrackingReport | None:
        if headers.get("X-Fake-Signature") != self.credentials["secret"]:
            raise SignatureInvalid("bad signature")
        data = json.loads(body)  # not JSON: a ValueError, as a sloppy parser would raise
        if data["kind"] != "tracking":
            return None
        return report(data["tracking"], *[(s, T0 + timedelta(hours=h)) for s, h in data["scans"]], event=data["id"])


@pytest.fixture
def fake_provider() -> Iterator[None]:
    previous = connectors.CONNECTORS.get("fake")
    connectors.CONNECTORS["fake"] = f"{__name__}.FakeConnector"
    FakeConnector.reports, FakeConnector.asked = {}, []
    yield
    if previous is None:
        connectors.CONNECTORS.pop("fake")
    else:
        connectors.CONNECTORS["fake"] = previous


@pytest.fixture
def account(fake_provider) -> CarrierAccount:
    return CarrierAccount.objects.create(
        code="fake-main",
        name="Fake Post",
        provider="fake",
        base_url="https://fake.invalid",
        credentials=credentials_encrypt({"secret": "s3cret"}),
    )


def report(tracking: str, *scans: tuple[str, datetime], event: str = "", where: str = "") -> TrackingReport:
    updates = tuple(TrackingUpdate(status, at, f"{status} scan", where) for status, at in scans)
    return TrackingReport(tracking, updates[-1].status if updates else "", updates, event_id=event)


def shipped(channel, warehouse, *, boxes: int = 1, account: CarrierAccount | None = None, external_id: str = "A-1"):
    """An order of tees shipped from `warehouse` in `boxes` labelled boxes (tracking TRK<order>-<box>)."""
    stocked(warehouse, SKU.objects.get(code="TEE-BLK-M"), boxes)
    order = place_order(channel, [("TEE-BLK-M", boxes)], external_id=external_id).order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(
        shipment=shipment, boxes=[BoxInput(codes=[TEE_BARCODE], weight_grams=400) for _ in range(boxes)], actor=None
    )
    for box in shipment.packages.all():
        Package.objects.filter(pk=box.pk).update(
            status=PackageStatus.LABELLED,
            tracking_number=f"TRK{order.pk}-{box.box_number}",
            carrier="UPS",
            account=account,
            label_created_at=timezone.now(),
        )
    shipment_ship(shipment=shipment, actor=None, tracking_number=f"TRK{order.pk}-1")
    shipment.refresh_from_db()
    return shipment, list(shipment.packages.order_by("box_number"))


def timeline(order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order, kind="shipment").order_by("pk").values_list("message", flat=True)
    )


# Recording one box ---------------------------------------------------------------------------


def test_each_new_status_of_a_box_is_stored_once_and_told_on_the_timeline(web, warehouse, tee):
    shipment, boxes = shipped(web, warehouse, boxes=3)
    box = boxes[1]
    scans = [("picked_up", T0), ("in_transit", T0 + timedelta(hours=6)), ("out_for_delivery", T0 + timedelta(days=2))]
    said = report(box.tracking_number, *scans, where="Memphis TN")

    first = package_tracking_record(box, said, source="test")
    again = package_tracking_record(box, said, source="test")

    assert (len(first), again) == (3, [])
    box.refresh_from_db()
    assert box.tracking_status == TrackingStatus.OUT_FOR_DELIVERY
    assert TrackingEvent.objects.filter(package=box).count() == 3
    assert set(TrackingEvent.objects.filter(package=box).values_list("shipment", flat=True)) == {shipment.pk}
    assert (
        timeline(shipment.order)[-1]
        == f"{shipment.number} box 2 of 3 ({box.tracking_number}): out for delivery, Memphis TN"
    )
    assert status_of(shipment) == ShipmentStatus.SHIPPED


def test_an_older_report_arriving_late_never_moves_a_box_back(web, warehouse, tee):
    _, (box,) = shipped(web, warehouse)
    package_tracking_record(box, report(box.tracking_number, ("out_for_delivery", T0 + timedelta(days=2))), source="t")

    package_tracking_record(box, report(box.tracking_number, ("picked_up", T0), ("in_transit", T0)), source="t")

    box.refresh_from_db()
    assert box.tracking_status == TrackingStatus.OUT_FOR_DELIVERY
    assert set(TrackingEvent.objects.filter(package=box).values_list("status", flat=True)) == {
        "picked_up",
        "in_transit",
        "out_for_delivery",
    }


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


def test_the_shipment_is_delivered_when_its_last_box_is_at_that_box_time(web, warehouse, tee):
    shipment, (first, second, voided) = shipped(web, warehouse, boxes=3)
    Package.objects.filter(pk=voided.pk).update(status=PackageStatus.VOIDED)
    morning, noon = T0 + timedelta(days=3), T0 + timedelta(days=3, hours=4)

    package_tracking_record(first, report(first.tracking_number, ("delivered", noon)), source="t")
    assert status_of(shipment) == ShipmentStatus.SHIPPED
    package_tracking_record(second, report(second.tracking_number, ("delivered", morning)), source="t")
    # Box 3's label was voided and not bought again: its units have not reached the customer.
    assert status_of(shipment) == ShipmentStatus.SHIPPED

    Package.objects.filter(pk=voided.pk).update(status=PackageStatus.LABELLED)
    voided.refresh_from_db()
    package_tracking_record(voided, report(voided.tracking_number, ("delivered", morning)), source="t")

    shipment.refresh_from_db()
    first.refresh_from_db()
    assert (first.tracking_status, first.delivered_at) == (TrackingStatus.DELIVERED, noon)
    assert (shipment.status, shipment.delivered_at) == (ShipmentStatus.DELIVERED, noon)
    assert status_of(shipment.order) == OrderStatus.DELIVERED


def test_a_delivery_problem_is_queued_until_the_parcel_moves_on_and_an_older_scan_does_not_clear_it(
    web, warehouse, tee, admin_user
):
    shipment, (box,) = shipped(web, warehouse)
    trouble = report(box.tracking_number, ("exception", T0 + timedelta(days=2)))
    package_tracking_record(box, report(box.tracking_number, ("in_transit", T0)), source="t")

    package_tracking_record(box, trouble, source="t")
    queued = queued_orders(admin_user)
    package_tracking_record(box, report(box.tracking_number, ("picked_up", T0 - timedelta(hours=3))), source="t")
    still = queued_orders(admin_user)
    package_tracking_record(box, report(box.tracking_number, ("out_for_delivery", T0 + timedelta(days=3))), source="t")

    assert queued == still == [shipment.order_id]
    assert f"({box.tracking_number}): exception (exception scan)" in timeline(shipment.order)[-3]
    assert queued_orders(admin_user) == []
    assert status_of_tracking(box) == TrackingStatus.OUT_FOR_DELIVERY


def queued_orders(user) -> list[int]:
    return [order.pk for order in order_exceptions(user=user, kind="delivery_problem", now=timezone.now())]


# Polling -------------------------------------------------------------------------------------


def test_polling_asks_each_account_for_its_boxes_and_the_builtin_carrier_for_the_rest(web, warehouse, tee, account):
    _, (on_account,) = shipped(web, warehouse, account=account, external_id="A-1")
    _, (refused,) = shipped(web, warehouse, account=account, external_id="A-2")
    _, (builtin_box,) = shipped(web, warehouse, external_id="A-3")
    Package.objects.filter(pk=builtin_box.pk).update(label_created_at=timezone.now() - timedelta(hours=3))
    FakeConnector.reports[on_account.tracking_number] = report(on_account.tracking_number, ("in_transit", T0))
    FakeConnector.reports[refused.tracking_number] = CarrierError("Unknown tracking number.")

    result = tracking_refresh(client=CarrierSandbox())

    assert result == TrackingRefresh(checked=3, new_events=3, delivered=0, failed=1)
    assert sorted(FakeConnector.asked) == sorted([on_account.tracking_number, refused.tracking_number])
    assert status_of_tracking(on_account) == TrackingStatus.IN_TRANSIT
    assert status_of_tracking(builtin_box) == TrackingStatus.PICKED_UP  # label created, picked up two hours later
    assert status_of_tracking(refused) == ""


def status_of_tracking(box: Package) -> str:
    box.refresh_from_db()
    return box.tracking_status


def test_a_carrier_that_is_down_stops_the_poll_and_delivered_boxes_are_not_asked_again(web, warehouse, tee, account):
    _, (box,) = shipped(web, warehouse, account=account)
    FakeConnector.reports[box.tracking_number] = CarrierUnavailable("503", retry_after=30)

    with pytest.raises(CarrierUnavailable):
        tracking_refresh()

    FakeConnector.reports[box.tracking_number] = report(box.tracking_number, ("delivered", T0))
    assert tracking_refresh().delivered == 1
    assert tracking_refresh().checked == 0


# Webhooks ------------------------------------------------------------------------------------


@pytest.fixture
def carrier() -> Client:
    """The carrier posting webhooks: nobody logged in."""
    return Client()


def post(client: Client, code: str, body: bytes, **headers: str):
    url = reverse("fulfillment:carrier_webhook", args=[code])
    sent = {name: value for name, value in headers.items() if name.lower() != "content-type"}
    return client.post(url, data=body, content_type="application/json", headers=sent)


def test_a_bad_signature_is_refused_and_nothing_is_stored(carrier, web, warehouse, tee, account):
    _, (box,) = shipped(web, warehouse, account=account)
    body = json.dumps({"id": "evt_1", "kind": "tracking", "tracking": box.tracking_number, "scans": [["delivered", 9]]})

    answer = post(carrier, account.code, body.encode(), **{"X-Fake-Signature": "guess"})

    assert answer.status_code == 401
    assert not WebhookEvent.objects.exists() and not TrackingEvent.objects.exists()


def test_webhooks_are_taken_once_and_an_unknown_account_or_body_gets_a_clear_answer(
    carrier, web, warehouse, tee, account
):
    _, (box,) = shipped(web, warehouse, account=account)
    signed = {"X-Fake-Signature": "s3cret"}
    event = {"id": "evt_1", "kind": "tracking", "tracking": box.tracking_number, "scans": [["in_transit", 1]]}

    recorded = post(carrier, account.code, json.dumps(event).encode(), **signed)
    duplicate = post(carrier, account.code, json.dumps(event).encode(), **signed)
    unknown = post(carrier, account.code, json.dumps({**event, "id": "evt_2", "tracking": "NOPE"}).encode(), **signed)
    ignored = post(carrier, account.code, json.dumps({"id": "evt_3", "kind": "refund"}).encode(), **signed)
    not_json = post(carrier, account.code, b"{not json", **signed)
    wrong_shape = post(carrier, account.code, b'{"id": "evt_4"}', **signed)
    nobody = post(carrier, "no-such-account", json.dumps(event).encode(), **signed)
    CarrierAccount.objects.filter(pk=account.pk).update(is_active=False)
    inactive = post(carrier, account.code, json.dumps(event).encode(), **signed)

    assert [recorded.status_code, duplicate.status_code, unknown.status_code, ignored.status_code] == [200] * 4
    assert (duplicate.json()["detail"], ignored.json()["detail"]) == ("duplicate", "ignored")
    assert (not_json.status_code, wrong_shape.status_code) == (400, 400) and "detail" in not_json.json()
    assert (nobody.status_code, inactive.status_code) == (404, 404)
    assert TrackingEvent.objects.filter(package=box).count() == 1
    assert set(WebhookEvent.objects.values_list("event_id", "tracking_number")) == {
        ("evt_1", box.tracking_number),
        ("evt_2", "NOPE"),
    }


# End to end with the EasyPost sandbox ---------------------------------------------------------

EASYPOST_KEY = "EZTKsandbox0123456789abcdef"
DALLAS = PostalAddress("Dallas DC", "1900 Main Street", "Dallas", "TX", "75201")
CUSTOMER = PostalAddress("Ada Lovelace", "20 W 34th St", "New York", "NY", "10001")


@pytest.fixture
def easypost() -> tuple[CarrierAccount, EasyPostSandbox]:
    name = f"easypost.{uuid.uuid4().hex[:12]}"
    sandbox = carrier_sandboxes.reset(name)
    assert isinstance(sandbox, EasyPostSandbox)
    account = CarrierAccount.objects.create(
        code="easypost-main",
        name="EasyPost",
        provider="easypost",
        base_url=f"sandbox://{name}",
        credentials=credentials_encrypt({"api_key": EASYPOST_KEY, "webhook_secret": sandbox.webhook_secret}),
    )
    return account, sandbox


def _buy_tracking_number(account: CarrierAccount, reference: str) -> str:
    connector = EasyPostConnector(
        account.code,
        {"api_key": EASYPOST_KEY},
        http_client(account.base_url),
    )
    request = ShipmentRequest(reference, DALLAS, CUSTOMER, Parcel(400, Decimal(20), Decimal(15), Decimal(5)))
    quote = min(connector.rates(request), key=lambda q: q.amount)
    return connector.buy(request, quote, idempotency_key=reference).tracking_number


def test_an_easypost_webhook_delivers_the_box_once_and_an_exception_lands_in_the_queue(
    carrier, back_office_client, web, warehouse, tee, easypost
):
    account, sandbox = easypost
    shipment, (box,) = shipped(web, warehouse, account=account)
    delivered = _buy_tracking_number(account, f"{shipment.number}-1")
    Package.objects.filter(pk=box.pk).update(tracking_number=delivered)
    created = [post(carrier, account.code, hook.body, **hook.headers) for hook in sandbox.take_webhooks()]
    sandbox.tracker_set(delivered, "delivered")
    (hook,) = sandbox.take_webhooks()

    answer = post(carrier, account.code, hook.body, **hook.headers)
    repeat = post(carrier, account.code, hook.body, **hook.headers)
    forged = post(carrier, account.code, hook.body.replace(b"delivered", b"in_transit"), **hook.headers)

    assert [answer.status_code for answer in created] == [200] * len(created)
    assert (answer.status_code, repeat.json()["detail"], forged.status_code) == (200, "duplicate", 401)
    box.refresh_from_db()
    shipment.refresh_from_db()
    assert box.tracking_status == TrackingStatus.DELIVERED and box.delivered_at is not None
    assert (shipment.status, shipment.delivered_at) == (ShipmentStatus.DELIVERED, box.delivered_at)
    assert TrackingEvent.objects.filter(package=box, status="delivered").count() == 1
    assert WebhookEvent.objects.filter(account=account).count() == len(created) + 1

    troubled, (parcel,) = shipped(web, warehouse, account=account, external_id="A-2")
    failing = _buy_tracking_number(account, f"{troubled.number}-1")
    Package.objects.filter(pk=parcel.pk).update(tracking_number=failing)
    sandbox.take_webhooks()  # tracker.created: lost on the way, the update still counts
    sandbox.tracker_set(failing, "failure", message="Address not found")
    (hook,) = sandbox.take_webhooks()
    assert post(carrier, account.code, hook.body, **hook.headers).status_code == 200

    page = back_office_client.get(reverse("orders:exceptions"), {"kind": "delivery_problem"})
    assert page.status_code == 200
    html = page.content.decode()
    assert troubled.order.number in html and "Address not found" in html
    assert shipment.order.number not in html


def test_boxes_a_partner_shipped_are_not_polled_on_the_built_in_carrier(web, warehouse, tee):
    from fulfillment.services.tracking import boxes_to_track
    from inventory.models import LocationKind

    _, (box,) = shipped(web, warehouse)
    assert box in boxes_to_track(limit=10)
    type(warehouse).objects.filter(pk=warehouse.pk).update(kind=LocationKind.DROPSHIP_SUPPLIER)
    assert box not in boxes_to_track(limit=10)  # the supplier reports its tracking
