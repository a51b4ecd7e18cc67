"""Ship-to addresses: the carrier's check after intake, a suggestion staff accept, an undeliverable
address held; international destinations placed offline, never routed from (0, 0)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from celery.exceptions import Retry
from django.urls import reverse

from carriers import connectors
from carriers.connectors.base import AddressVerdict, CarrierUnavailable, PostalAddress
from carriers.models import CarrierAccount
from core.errors import Conflict
from core.geo import geocode_postal_code
from fulfillment.demo import seed_carriers
from fulfillment.models import PackageStatus, Shipment
from fulfillment.services import order_release, shipment_accept, shipment_pack
from fulfillment.services.addresses import order_address_accept_suggestion, order_address_check
from fulfillment.services.routing import cost_model_forget
from fulfillment.tasks import addresses_check_sweep, addresses_check_window, order_address_check_task
from inventory.models import LocationKind
from orders.models import AddressStatus, Order, OrderEvent, OrderStatus
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db

TEE_BARCODE = "4006381333931"


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE, weight_grams=300)


class Verifier:
    """An address-checking carrier for these tests: says what `verdict` says, counts the calls."""

    provider = "verifier"
    supports_webhooks = False
    supports_address_verification = True
    supports_manifests = False
    verdict: ClassVar[AddressVerdict | Exception] = AddressVerdict(deliverable=True)
    asked: ClassVar[list[tuple[str, PostalAddress]]] = []

    def __init__(self, account_code: str, credentials: dict[str, str], http: Any) -> None:
        self.account_code = account_code

    def verify_address(self, address: PostalAddress) -> AddressVerdict:
        Verifier.asked.append((self.account_code, address))
        if isinstance(Verifier.verdict, Exception):
            raise Verifier.verdict
        return Verifier.verdict


class Blind(Verifier):
    """A carrier account that cannot check addresses."""

    supports_address_verification = False


@pytest.fixture
def verifier() -> Iterator[type[Verifier]]:
    saved = dict(connectors.CONNECTORS)
    connectors.CONNECTORS["verifier"] = f"{__name__}.Verifier"
    connectors.CONNECTORS["blind"] = f"{__name__}.Blind"
    Verifier.verdict, Verifier.asked = AddressVerdict(deliverable=True), []
    yield Verifier
    connectors.CONNECTORS.clear()
    connectors.CONNECTORS.update(saved)


def account(code: str, provider: str = "verifier", **extra: Any) -> CarrierAccount:
    return CarrierAccount.objects.create(code=code, name=code.title(), provider=provider, base_url="https://x", **extra)


def order_to(channel, *, external_id: str = "A-1", **address: Any):
    fields = {"line1": "20 W 34th St", "city": "New York", "region": "NY", "postal_code": "10001", **address}
    return place_order(channel, [("TEE-BLK-M", 1)], external_id=external_id, **fields).order


# Which carrier checks ------------------------------------------------------------------------


def test_the_check_asks_an_account_of_the_location_the_order_ships_from_first(web, warehouse, tee, verifier):
    stocked(warehouse, tee, 5)
    account("anywhere")
    account("blind-local", provider="blind").locations.add(warehouse)
    account("local").locations.add(warehouse)
    account("asleep", is_active=False).locations.add(warehouse)
    order = order_to(web)

    order_address_check(order)
    Verifier.asked.clear()
    CarrierAccount.objects.filter(code="local").update(is_active=False)
    order_address_check(order)

    assert [code for code, _ in Verifier.asked] == ["anywhere"]
    assert order.shipments.get().location == warehouse


def test_with_no_account_the_builtin_carrier_checks_us_addresses(web, warehouse, tee):
    stocked(warehouse, tee, 5)
    wrong_state = order_to(web, region="NJ")

    status = order_address_check(wrong_state)

    wrong_state.refresh_from_db()
    assert status == AddressStatus.CORRECTED
    assert wrong_state.address_suggestion["state"] == "NY"
    assert "NY" in wrong_state.address_note


# What the verdict does -----------------------------------------------------------------------


def test_a_verified_address_is_marked_and_goes_on_the_timeline(web, warehouse, tee, verifier):
    stocked(warehouse, tee, 5)
    account("checker")
    order = order_to(web)

    assert order_address_check(order) == AddressStatus.VERIFIED

    order.refresh_from_db()
    assert (order.address_status, order.address_note, order.status) == ("verified", "", OrderStatus.ROUTED)
    assert OrderEvent.objects.filter(order=order, message="Address verified.").exists()


def test_a_correction_that_only_changes_case_or_zip_plus_four_counts_as_verified(web, warehouse, tee, verifier):
    stocked(warehouse, tee, 5)
    account("checker")
    order = order_to(web)
    same = PostalAddress("ADA LOVELACE", "20 W 34TH ST", "NEW YORK", "NY", "10001-4507")
    Verifier.verdict = AddressVerdict(deliverable=True, suggestion=same)

    assert order_address_check(order) == AddressStatus.VERIFIED


def test_a_suggestion_is_shown_on_the_order_page_and_staff_can_use_it(
    web, warehouse, tee, verifier, back_office_client, back_office_user
):
    stocked(warehouse, tee, 5)
    account("checker")
    order = order_to(web, line1="20 West 34 Street", postal_code="10002")
    better = PostalAddress("Ada Lovelace", "20 W 34th St", "New York", "NY", "10001")
    Verifier.verdict = AddressVerdict(deliverable=True, suggestion=better, messages=("Street corrected.",))

    assert order_address_check(order) == AddressStatus.CORRECTED
    page = back_office_client.get(reverse("orders:detail", args=[order.pk]))
    used = back_office_client.post(reverse("fulfillment:order_address_accept", args=[order.pk]), follow=True)

    assert 'data-address="corrected"' in page.content.decode() and "20 W 34th St" in page.content.decode()
    assert "Use this address" in page.content.decode()
    order.refresh_from_db()
    assert (order.ship_line1, order.ship_postal_code, order.address_status) == ("20 W 34th St", "10001", "verified")
    assert (order.address_suggestion, order.address_note) == ({}, "")
    place = geocode_postal_code("10001")
    assert place is not None and order.ship_latitude == place.latitude  # placed again: 10001, not 10002
    assert "now ships to the address the carrier suggested" in used.content.decode()
    assert OrderEvent.objects.filter(
        order=order, message__startswith="Ship-to changed", actor=back_office_user
    ).exists()
    with pytest.raises(Conflict, match="no suggested address"):
        order_address_accept_suggestion(order=order, actor=None)


def test_a_suggestion_cannot_replace_an_address_already_on_a_label(web, warehouse, tee, verifier):
    stocked(warehouse, tee, 5)
    account("checker")
    order = order_to(web, postal_code="10002")
    Verifier.verdict = AddressVerdict(deliverable=True, suggestion=PostalAddress("A", "1 Main St", "NY", "NY", "10001"))
    order_address_check(order)
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=400, actor=None)
    shipment.packages.update(status=PackageStatus.LABELLED, tracking_number="1ZTEST")

    with pytest.raises(Conflict, match="void it"):
        order_address_accept_suggestion(order=order, actor=None)
    order.refresh_from_db()
    assert order.ship_postal_code == "10002"


def test_an_undeliverable_address_holds_the_order_with_the_reason_and_nothing_can_be_picked(
    web, warehouse, tee, verifier, back_office_client
):
    stocked(warehouse, tee, 5)
    account("checker")
    order = order_to(web, line1="1 Nowhere Lane")
    Verifier.verdict = AddressVerdict(deliverable=False, messages=("Address not found",))

    assert order_address_check(order) == AddressStatus.UNDELIVERABLE

    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD
    assert order.address_note == "The carrier cannot deliver to this address. Address not found."
    with pytest.raises(Conflict, match="on hold"):
        shipment_accept(shipment=order.shipments.get(), actor=None)
    page = back_office_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'data-address="undeliverable"' in page and "Address not found" in page and "on hold" in page


def test_a_shipped_order_is_not_checked_nor_held(web, warehouse, tee, verifier):
    stocked(warehouse, tee, 5)
    account("checker")
    order = order_to(web)
    type(order).objects.filter(pk=order.pk).update(status=OrderStatus.SHIPPED)
    Verifier.verdict = AddressVerdict(deliverable=False, messages=("Address not found",))

    assert order_address_check(order) == ""
    assert Verifier.asked == []


def test_a_carrier_that_is_down_is_retried_later_and_the_order_is_not_held(web, warehouse, tee, verifier):
    stocked(warehouse, tee, 5)
    account("checker")
    order = order_to(web)
    Verifier.verdict = CarrierUnavailable("503", retry_after=30)

    with pytest.raises(Retry, match="Retry in 30s"):  # when the carrier said it may be asked again
        order_address_check_task.apply(kwargs={"order_id": order.pk}).get()

    order.refresh_from_db()
    assert (order.status, order.address_status) == (OrderStatus.ROUTED, "")
    Verifier.verdict = AddressVerdict(deliverable=True)
    assert addresses_check_sweep.apply().get() == [order.pk]
    order.refresh_from_db()
    assert order.address_status == AddressStatus.VERIFIED


def test_the_check_runs_after_the_order_commits_not_inside_intake(
    web, warehouse, tee, verifier, django_capture_on_commit_callbacks
):
    stocked(warehouse, tee, 5)
    account("checker")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        order = order_to(web)
    assert Verifier.asked == []  # nothing asked while the intake transaction was open
    for callback in queued:
        callback()

    order.refresh_from_db()
    assert order.address_status == AddressStatus.VERIFIED


def test_a_window_task_checks_the_orders_created_in_its_second_and_no_others(web, warehouse, tee, verifier):
    """Intake sends one message per second of orders; that second's task checks each of its orders."""
    stocked(warehouse, tee, 5)
    account("checker")
    start = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)
    stamps = {
        "before": start - timedelta(milliseconds=1),
        "first": start,
        "last": start + timedelta(milliseconds=999),
        "after": start + timedelta(seconds=1),
    }
    orders = {name: order_to(web, external_id=name) for name in stamps}
    for name, stamp in stamps.items():
        Order.objects.filter(pk=orders[name].pk).update(created_at=stamp, address_status=AddressStatus.UNCHECKED)
    Verifier.asked.clear()

    window = {"since": start.isoformat(), "until": (start + timedelta(seconds=1)).isoformat()}
    assert addresses_check_window.apply(kwargs=window).get() == [orders["first"].pk, orders["last"].pk]

    statuses = {name: Order.objects.get(pk=order.pk).address_status for name, order in orders.items()}
    assert statuses == {
        "before": AddressStatus.UNCHECKED,
        "first": AddressStatus.VERIFIED,
        "last": AddressStatus.VERIFIED,
        "after": AddressStatus.UNCHECKED,
    }
    assert len(Verifier.asked) == 2


# International -------------------------------------------------------------------------------


@pytest.fixture
def coasts(db, tee, carriers_seeded):
    """Two warehouses holding the tee: one on the east coast (Newark), one on the west (Los Angeles)."""
    east: Any = LocationFactory(
        code="z-ewr-dc",
        name="Newark DC",
        kind=LocationKind.WAREHOUSE,
        postal_code="07102",
        latitude="40.735700",
        longitude="-74.172400",
        timezone="America/New_York",
    )
    west: Any = LocationFactory(
        code="a-lax-dc",
        name="Los Angeles DC",
        kind=LocationKind.WAREHOUSE,
        postal_code="90012",
        latitude="34.061400",
        longitude="-118.238500",
        timezone="America/Los_Angeles",
    )
    for site in (east, west):
        stocked(site, tee, 10)
    return east, west


@pytest.fixture
def carriers_seeded(db):
    seed_carriers()
    cost_model_forget()


def only_shipment(order) -> Shipment:
    return order.shipments.select_related("location").get()


def test_a_uk_order_ships_from_the_east_coast_with_a_multi_day_promise(web, coasts):
    east, _ = coasts
    uk = order_to(
        web, external_id="GB-1", line1="10 Downing St", city="London", region="", postal_code="SW1A 2AA", country="GB"
    )

    abroad = only_shipment(uk)

    assert uk.status == OrderStatus.ROUTED and (uk.ship_latitude, uk.ship_longitude) != (0, 0)
    assert abroad.location == east
    assert abroad.ship_by is not None and abroad.estimated_delivery is not None
    assert (abroad.estimated_delivery - abroad.ship_by).days >= 8


def test_a_canadian_order_is_placed_by_its_postal_region(web, coasts):
    east, west = coasts
    vancouver = order_to(web, external_id="CA-1", city="Vancouver", region="BC", postal_code="V6B 1A1", country="CA")
    toronto = order_to(web, external_id="CA-2", city="Toronto", region="ON", postal_code="m5v2t6", country="ca")

    assert only_shipment(vancouver).location == west
    assert only_shipment(toronto).location == east
    assert (round(float(toronto.ship_latitude)), round(float(toronto.ship_longitude))) == (44, -79)


@pytest.mark.parametrize(
    ("postal_code", "country"),
    [("12345", "XX"), ("D0D 0D0", "CA"), ("", "ZZ")],
)
def test_a_destination_that_cannot_be_placed_is_held_with_the_reason_never_routed(web, coasts, postal_code, country):
    order = order_to(web, external_id=f"{country}-{postal_code}", postal_code=postal_code, country=country, region="")

    order.refresh_from_db()
    assert (order.status, order.address_status) == (OrderStatus.ON_HOLD, AddressStatus.NOT_GEOCODED)
    assert (order.ship_latitude, order.ship_longitude) == (None, None)
    assert not order.shipments.exists() and not order.routing_decisions.exists()
    shown = postal_code or "(none)"
    assert order.address_note == (
        f"We cannot place postal code {shown} in country {country} on the map; correct the address or set it manually."
    )
    assert OrderEvent.objects.filter(order=order, message__contains="cannot place postal code").exists()
    with pytest.raises(Conflict, match="cannot place"):
        order_release(order=order, actor=None)
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD


def test_accepting_a_suggestion_that_places_the_order_lets_it_be_released_and_routed(web, coasts, verifier):
    account("checker")
    order = order_to(web, external_id="XX-1", postal_code="SW1A 2AA", country="UK", region="")
    Verifier.verdict = AddressVerdict(
        deliverable=True, suggestion=PostalAddress("Ada", "10 Downing St", "London", "", "SW1A 2AA", country="GB")
    )
    order_address_check(order)

    placed = order_address_accept_suggestion(order=order, actor=None)
    released = order_release(order=placed, actor=None)

    assert placed.address_status == AddressStatus.VERIFIED and placed.ship_country == "GB"
    assert released.status == OrderStatus.ROUTED and only_shipment(released).location.code == "z-ewr-dc"


def test_pickup_orders_need_no_place_on_the_map(web, store, tee):
    stocked(store, tee, 3)
    order = place_order(
        web, [("TEE-BLK-M", 1)], postal_code="99999", country="XX", delivery_method="pickup", pickup_location=store.code
    ).order

    assert order.status == OrderStatus.ROUTED and order.shipments.get().location == store
