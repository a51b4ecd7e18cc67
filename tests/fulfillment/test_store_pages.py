"""The store associate's pages and the pickup-options API: scoping (store A never acts on store B),
bad input at the counter, constant query counts, the store settings page and the location card."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import BACK_OFFICE, STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from fulfillment.demo import seed_carriers
from fulfillment.forms import StoreSettingsForm
from fulfillment.models import OpeningHours, Pickup, PickupStatus, ShipmentStatus, StoreClosure, StoreProfile
from fulfillment.selectors.stores import profile_of
from fulfillment.services import (
    StoreSettings,
    cost_model_forget,
    order_hold,
    pickup_mark_ready,
    pickup_start,
    pickups_expire,
    store_settings_update,
)
from inventory.models import LocationKind, StockLevel, Transfer
from orders.models import OrderEvent
from tests.factories import SKUFactory, UserFactory, stocked, user_with_role
from tests.factories.orders import channel_key, place_order
from tests.factories.pages import make_location
from tests.factories.stores import make_store, place_pickup, set_store_settings

pytestmark = pytest.mark.django_db

TEE_BARCODE = "4006381333931"
HTMX = {"HTTP_HX_REQUEST": "true"}
ALWAYS_OPEN: dict[int, tuple[time, time] | None] = {day: (time(0, 0), time(23, 59)) for day in range(7)}


def text(response) -> str:
    return response.content.decode()


def flash(response) -> list[str]:
    storage: Any = get_messages(response.wsgi_request)
    return [str(message) for message in storage._queued_messages]


def queries(client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


@pytest.fixture(autouse=True)
def carriers(db):
    seed_carriers()
    cost_model_forget()
    yield
    cost_model_forget()


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE)


@pytest.fixture
def store_a(db):
    return set_store_settings(make_store("nyc-store", name="New York Store"), hours=ALWAYS_OPEN)


@pytest.fixture
def store_b(db):
    return set_store_settings(make_store("jc-store", place="jc", name="Jersey City Store"), hours=ALWAYS_OPEN)


@pytest.fixture
def associate_a(db, store_a):
    return user_with_role(STORE_ASSOCIATE, username="sam", locations=[store_a])


@pytest.fixture
def client_a(client, associate_a):
    client.force_login(associate_a)
    return client


def ready(pickup: Pickup) -> Pickup:
    pickup_start(pickup=pickup, actor=None)
    return pickup_mark_ready(pickup=pickup, scanned=None, actor=None)


# --- Scoping --------------------------------------------------------------------------------


def test_an_associate_sees_only_their_store(client_a, web, tee, store_a, store_b):
    stocked(store_a, tee, 5)
    stocked(store_b, tee, 5)
    place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id="A-1", customer_name="Alice Here")
    place_pickup(web, store_b, [("TEE-BLK-M", 1)], external_id="B-1", customer_name="Bob Elsewhere")

    body = text(client_a.get(reverse("fulfillment:pickups")))
    assert "New York Store" in body and "Alice Here" in body
    assert "Bob Elsewhere" not in body and "Jersey City" not in body
    # Asking for store B by URL shows store A (the only one the associate has), never B's queue.
    body = text(client_a.get(reverse("fulfillment:pickups") + "?store=jc-store"))
    assert "Bob Elsewhere" not in body


def test_an_associate_of_store_a_can_never_act_on_store_b_by_url(client_a, web, tee, store_a, store_b):
    stocked(store_b, tee, 5)
    pickup = place_pickup(web, store_b, [("TEE-BLK-M", 1)], external_id="B-1")
    request_order = place_order(web, [("TEE-BLK-M", 1)], external_id="B-2", postal_code="07302").order
    request = request_order.shipments.get()
    assert request.location == store_b
    before = StockLevel.objects.get(location=store_b, sku=tee).reserved

    urls = [
        ("get", reverse("fulfillment:pickup_detail", args=[pickup.pk]), {}),
        ("post", reverse("fulfillment:pickup_detail", args=[pickup.pk]), {"action": "ready"}),
        ("post", reverse("fulfillment:pickup_start", args=[pickup.pk]), {}),
        ("post", reverse("fulfillment:pickup_handover", args=[pickup.pk]), {"id_checked": "on"}),
        ("post", reverse("fulfillment:pickup_transfer", args=[pickup.pk]), {}),
        ("post", reverse("fulfillment:store_request_accept", args=[request.pk]), {}),
        ("post", reverse("fulfillment:store_request_reject", args=[request.pk]), {"reason": "no_capacity"}),
        ("post", reverse("fulfillment:pickup_find"), {"store": "jc-store", "q": pickup.code}),
        ("get", reverse("fulfillment:store_settings", args=["jc-store"]), {}),
    ]
    for method, url, data in urls:
        response = getattr(client_a, method)(url, data)
        assert response.status_code in (403, 404), (url, response.status_code)

    pickup.refresh_from_db()
    request.refresh_from_db()
    assert (pickup.status, request.status) == (PickupStatus.NEW, ShipmentStatus.REQUESTED)
    assert StockLevel.objects.get(location=store_b, sku=tee).reserved == before


def test_a_user_who_may_transfer_but_only_at_store_a_cannot_transfer_for_store_b(client, web, tee, store_a, store_b):
    warehouse = make_location(
        code="lhv-dc", kind=LocationKind.WAREHOUSE, latitude="40.617000", longitude="-75.370000", postal_code="18015"
    )
    stocked(warehouse, tee, 10)
    operator = user_with_role(WAREHOUSE_OPERATOR, username="wanda", locations=[store_a])
    assert operator.has_perm("inventory.manage_transfers") and operator.has_perm("fulfillment.work_shipments")
    client.force_login(operator)
    theirs = place_pickup(web, store_b, [("TEE-BLK-M", 1)], external_id="B-1")  # nothing at store B: waiting
    ours = place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id="A-1")

    refused = client.post(reverse("fulfillment:pickup_transfer", args=[theirs.pk]))

    assert refused.status_code == 404
    assert not Transfer.objects.exists()
    # The same user may transfer for their own store: the permission is really there.
    allowed = client.post(reverse("fulfillment:pickup_transfer", args=[ours.pk]))
    assert allowed.status_code == 302
    assert Transfer.objects.get().destination == store_a


def test_store_b_code_scanned_at_store_a_is_refused_and_logged(client_a, web, tee, store_a, store_b):
    stocked(store_b, tee, 5)
    pickup = ready(place_pickup(web, store_b, [("TEE-BLK-M", 1)]))

    response = client_a.post(reverse("fulfillment:pickup_find"), {"store": "nyc-store", "q": pickup.code})

    assert response.status_code == 302
    assert any("to be collected at Jersey City Store, not here" in m for m in flash(response))
    assert OrderEvent.objects.filter(order=pickup.order, message__contains="presented at nyc-store").exists()
    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.READY


# --- The counter ----------------------------------------------------------------------------


def test_scan_pick_ready_and_hand_over_through_the_pages(client_a, web, tee, store_a):
    stocked(store_a, tee, 5)
    pickup = place_pickup(web, store_a, [("TEE-BLK-M", 2)])
    detail = reverse("fulfillment:pickup_detail", args=[pickup.pk])

    assert client_a.post(reverse("fulfillment:pickup_start", args=[pickup.pk])).status_code == 302
    wrong = client_a.post(detail, {"scan": "9780201896831", "scanned": [TEE_BARCODE]}, **HTMX)
    assert wrong.status_code == 422 and "9780201896831 is not in" in text(wrong)
    assert 'name="scanned" value="4006381333931"' in text(wrong)  # the good scan is kept
    done = client_a.post(detail, {"action": "ready", "scanned": [TEE_BARCODE, TEE_BARCODE]})
    assert done.status_code == 302
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.READY

    found = client_a.post(reverse("fulfillment:pickup_find"), {"store": "nyc-store", "q": pickup.code})
    assert found["Location"] == detail
    page = text(client_a.get(detail))
    assert "Ada Lovelace" in page and f'Pickup code <span class="code-chip">{pickup.code}</span> scanned' in page

    no_id = client_a.post(reverse("fulfillment:pickup_handover", args=[pickup.pk]), {"code": pickup.code})
    assert any("photo ID" in m for m in flash(no_id))
    assert no_id["Location"] == detail  # back to the handover, still ready
    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.READY
    assert StockLevel.objects.get(location=store_a, sku=tee).reserved == 2
    handed = client_a.post(
        reverse("fulfillment:pickup_handover", args=[pickup.pk]), {"code": pickup.code, "id_checked": "on"}
    )
    assert any("handed over to Ada Lovelace" in m for m in flash(handed))
    twice = client_a.post(
        reverse("fulfillment:pickup_handover", args=[pickup.pk]), {"code": pickup.code, "id_checked": "on"}
    )
    assert any("already picked up" in m for m in flash(twice))
    level = StockLevel.objects.get(location=store_a, sku=tee)
    assert (level.on_hand, level.reserved) == (3, 0)


def test_wrong_code_typed_at_the_counter_changes_nothing_and_is_logged(client_a, web, tee, store_a):
    stocked(store_a, tee, 5)
    pickup = ready(place_pickup(web, store_a, [("TEE-BLK-M", 1)]))
    response = client_a.post(
        reverse("fulfillment:pickup_handover", args=[pickup.pk]), {"code": "WRONG1", "id_checked": "on"}
    )
    assert any("does not belong to this pickup" in m for m in flash(response))
    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.READY
    assert OrderEvent.objects.filter(order=pickup.order, message__startswith="Wrong pickup code WRONG1").exists()


def test_an_expired_pickup_scanned_at_the_counter_says_so(client_a, web, tee, store_a):
    stocked(store_a, tee, 5)
    pickup = ready(place_pickup(web, store_a, [("TEE-BLK-M", 1)]))
    assert pickup.hold_until is not None
    pickups_expire(now=pickup.hold_until + timedelta(seconds=1))

    response = client_a.post(reverse("fulfillment:pickup_find"), {"store": "nyc-store", "q": pickup.code})
    assert any("expired" in m and "back on sale" in m for m in flash(response))


def test_reject_a_request_from_the_store_page(client_a, web, tee, store_a):
    warehouse = make_location(code="dal-dc", kind=LocationKind.WAREHOUSE)
    stocked(store_a, tee, 5)
    stocked(warehouse, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], postal_code="10001").order
    request = order.shipments.get()
    assert request.location == store_a  # the nearest, within the ship-from-store radius
    page = text(client_a.get(reverse("fulfillment:pickups")))
    assert f'data-request="{request.number}"' in page and "Accept" in page

    bad = client_a.post(reverse("fulfillment:store_request_reject", args=[request.pk]), {"reason": "bored"})
    assert any("Choose why" in m for m in flash(bad))
    response = client_a.post(reverse("fulfillment:store_request_reject", args=[request.pk]), {"reason": "damaged"})
    assert any("rejected and your stock corrected; re-routed to dal-dc" in m for m in flash(response))


# --- Query counts -----------------------------------------------------------------------------


def test_store_page_and_pickup_page_queries_do_not_grow(client_a, web, tee, store_a):
    stocked(store_a, tee, 100)
    ready(place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id="P-0"))
    place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id="P-1")
    place_order(web, [("TEE-BLK-M", 1)], external_id="S-0", postal_code="10001")
    home = reverse("fulfillment:pickups")
    first = queries(client_a, home)
    live = queries(client_a, home + "?part=live", **HTMX)
    for n in range(2, 8):
        pickup = place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id=f"P-{n}")
        if n % 2:
            ready(pickup)
        place_order(web, [("TEE-BLK-M", 1)], external_id=f"S-{n}", postal_code="10001")
    assert queries(client_a, home) == first
    assert queries(client_a, home + "?part=live", **HTMX) == live
    ready_one = Pickup.objects.filter(status=PickupStatus.READY).first()
    assert ready_one is not None
    detail = queries(client_a, reverse("fulfillment:pickup_detail", args=[ready_one.pk]))
    print(f"\nstore page {first} queries, live counters {live}, pickup page {detail}")
    assert first <= 16 and live <= 10 and detail <= 12


# --- Settings and the location page -----------------------------------------------------------


def test_back_office_edits_hours_closures_and_capacities(client, web, store_a):
    client.force_login(user_with_role(BACK_OFFICE, username="blair"))
    url = reverse("fulfillment:store_settings", args=["nyc-store"])
    form = {
        "pickup_lead_minutes": "45",
        "pickup_cutoff_time": "18:30",
        "hold_days": "7",
        "reminder_hours": "24",
        "daily_pickup_capacity": "40",
        "ship_capacity": "25",
        "accept_sla_minutes": "20",
        "closures": "2030-12-25 Christmas Day\n2030-01-01",
        **{f"opens_{d}": "10:00" for d in range(6)},
        **{f"closes_{d}": "20:00" for d in range(6)},
    }
    bad = client.post(url, {**form, "closes_2": "09:00", "closures": "25/12/2030"})
    assert bad.status_code == 422
    assert "Wednesday: closing time must be after opening time." in text(bad)
    assert "is not a date like 2026-12-25" in text(bad)
    assert not StoreProfile.objects.filter(location=store_a, hold_days=7).exists()

    response = client.post(url, form)

    assert response.status_code == 302
    profile = StoreProfile.objects.get(location=store_a)
    assert (profile.pickup_lead_minutes, profile.hold_days, profile.daily_pickup_capacity) == (45, 7, 40)
    assert (profile.pickup_cutoff_time, profile.accept_sla_minutes) == (time(18, 30), 20)
    store_a.refresh_from_db()
    assert store_a.daily_order_capacity == 25
    assert sorted(OpeningHours.objects.filter(location=store_a).values_list("weekday", flat=True)) == [0, 1, 2, 3, 4, 5]
    assert list(StoreClosure.objects.filter(location=store_a).values_list("date", "reason")) == [
        (date(2030, 1, 1), ""),
        (date(2030, 12, 25), "Christmas Day"),
    ]
    page = text(client.get(reverse("inventory:location_detail", args=["nyc-store"])))
    assert 'id="store-card"' in page and "Sunday</td><td>Closed" in page
    assert "Wed 25 Dec 2030 (Christmas Day)" in page and "0 of 25" in page


def test_closures_are_kept_from_the_stores_own_today_not_the_servers(client, store_a):
    la = set_store_settings(make_store("la-store", place="la", name="Los Angeles Store"))
    # 03:00 UTC on 10 June is still the evening of 9 June in Los Angeles.
    evening = datetime(2026, 6, 10, 3, 0, tzinfo=UTC)
    settings = StoreSettings(
        pickup_lead_minutes=60,
        pickup_cutoff_time=None,
        hold_days=5,
        reminder_hours=24,
        daily_pickup_capacity=None,
        accept_sla_minutes=30,
        ship_capacity=None,
        hours={day: (time(9, 0), time(21, 0)) for day in range(7)},
        closures=[(date(2026, 6, 9), "Stocktake tonight"), (date(2026, 6, 12), "Staff day")],
    )

    store_settings_update(location=la, settings=settings, actor=None, now=evening)

    assert list(StoreClosure.objects.filter(location=la).values_list("date", flat=True)) == [
        date(2026, 6, 9),
        date(2026, 6, 12),
    ]
    initial = StoreSettingsForm.initial_for(la, profile_of(la), now=evening)
    assert initial["closures"].splitlines() == ["2026-06-09 Stocktake tonight", "2026-06-12 Staff day"]


def test_an_associate_cannot_edit_store_settings(client_a, store_a):
    assert client_a.get(reverse("fulfillment:store_settings", args=["nyc-store"])).status_code == 403


# --- Pickup options API ------------------------------------------------------------------------


def api_get(client, key: str, **params) -> Any:
    return client.get(reverse("api-pickup-options"), params, HTTP_AUTHORIZATION=f"Token {key}")


def test_pickup_options_lists_nearby_stores_with_ready_times_and_transfers(client, web, tee, store_a, store_b):
    warehouse = make_location(
        code="lhv-dc",
        kind=LocationKind.WAREHOUSE,
        postal_code="18015",
        latitude="40.617000",
        longitude="-75.370000",
        timezone="America/New_York",
    )
    far = set_store_settings(make_store("la-store", place="la"), hours=ALWAYS_OPEN)
    stocked(store_a, tee, 5)
    stocked(store_b, tee, 1)
    stocked(far, tee, 5)
    stocked(warehouse, tee, 20)
    key = channel_key(web)

    with CaptureQueriesContext(connection) as captured:
        response = api_get(client, key, postal_code="10001", lines="TEE-BLK-M:2")

    assert response.status_code == 200, response.json()
    body = response.json()
    codes = [row["store"]["code"] for row in body["stores"]]
    assert codes == ["nyc-store", "jc-store"]  # nearest first; Los Angeles is too far
    nyc, jc = body["stores"]
    assert nyc["availability"] == "in_stock" and nyc["transfer"] is None
    assert nyc["ready_by"].endswith(("-04:00", "-05:00"))  # in the store's own zone
    assert jc["availability"] == "transfer"
    assert jc["transfer"]["source"] == "lhv-dc" and jc["transfer"]["missing"] == {"TEE-BLK-M": 1}
    assert jc["ready_by"] > nyc["ready_by"]
    # Key check (2), SKUs (2), stores, their stock, their clocks (3), warehouses, their stock, and
    # the routing cost model (5, cached in-process for 30 s).
    assert len(captured.captured_queries) <= 16
    with CaptureQueriesContext(connection) as warm:
        assert api_get(client, key, postal_code="10001", lines="TEE-BLK-M:2").status_code == 200
    print(f"\npickup-options: {len(captured.captured_queries)} queries cold, {len(warm.captured_queries)} warm")
    assert len(warm.captured_queries) <= 11


def test_pickup_options_explains_bad_input(client, web, tee, store_a):
    key = channel_key(web)
    cases = [
        ({"postal_code": "00000", "lines": "TEE-BLK-M:1"}, "postal_code", "not a known US ZIP"),
        ({"postal_code": "10001", "lines": "TEE-BLK-M"}, "lines", "is not SKU:QTY"),
        ({"postal_code": "10001", "lines": "TEE-BLK-M:0"}, "lines", "whole number from 1"),
        ({"postal_code": "10001", "lines": "NOPE:1"}, "lines", "Unknown or discontinued SKU: NOPE"),
        ({"lines": "TEE-BLK-M:1"}, "postal_code", "required"),
    ]
    for params, field, message in cases:
        response = api_get(client, key, **params)
        assert response.status_code == 400, params
        assert message in " ".join(response.json()["errors"][field]), response.json()


def test_pickup_options_needs_a_channel_key_or_staff(client, store_a, tee):
    assert (
        client.get(reverse("api-pickup-options"), {"postal_code": "10001", "lines": "TEE-BLK-M:1"}).status_code == 401
    )
    client.force_login(UserFactory(username="no-role"))
    response = client.get(reverse("api-pickup-options"), {"postal_code": "10001", "lines": "TEE-BLK-M:1"})
    assert response.status_code == 403


def test_a_full_pickup_day_moves_the_promise_to_the_next_day(client, web, tee, store_a):
    set_store_settings(store_a, hours=ALWAYS_OPEN, pickup_capacity=1)
    stocked(store_a, tee, 5)
    first = place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id="P-1")
    second = place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id="P-2")
    assert first.ready_by is not None and second.ready_by is not None
    zone = store_a.timezone
    first_day = timezone.localtime(first.ready_by, timezone=__import__("zoneinfo").ZoneInfo(zone)).date()
    second_day = timezone.localtime(second.ready_by, timezone=__import__("zoneinfo").ZoneInfo(zone)).date()
    assert second_day == first_day + timedelta(days=1)


# --- Orders on hold -------------------------------------------------------------------------


def test_a_pickup_on_hold_shows_why_and_offers_no_buttons(client_a, web, tee, store_a):
    stocked(store_a, tee, 5)
    waiting = place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id="A-1")
    pickup = ready(place_pickup(web, store_a, [("TEE-BLK-M", 1)], external_id="A-2", customer_name="Hal Held"))
    order_hold(order=pickup.order, actor=None, reason="chargeback dispute")
    order_hold(order=waiting.order, actor=None, reason="address check")
    detail = reverse("fulfillment:pickup_detail", args=[pickup.pk])

    page = text(client_a.get(detail))
    assert "Order on hold: chargeback dispute." in page
    assert "Picked up: hand over" not in page and "Mark ready" not in page
    home = text(client_a.get(reverse("fulfillment:pickups")))
    assert home.count("data-on-hold") == 2
    assert f"Start picking {waiting.order.number}" not in home
    waiting_page = text(client_a.get(reverse("fulfillment:pickup_detail", args=[waiting.pk])))
    assert "Order on hold: address check." in waiting_page and 'id="id_scan"' not in waiting_page

    handed = client_a.post(reverse("fulfillment:pickup_handover", args=[pickup.pk]), {"id_checked": "on"})
    started = client_a.post(reverse("fulfillment:pickup_start", args=[waiting.pk]))

    assert any("is on hold" in m for m in flash(handed))
    assert any("is on hold" in m for m in flash(started))
    assert Pickup.objects.get(pk=pickup.pk).status == PickupStatus.READY
    assert Pickup.objects.get(pk=waiting.pk).status == PickupStatus.NEW
    assert StockLevel.objects.get(location=store_a, sku=tee).reserved == 2
