"""The exceptions queue as staff use it: each row says why and since when, and resolves inline
(release, re-route, retry a refused stock push, import a held channel order again), with htmx
or a plain form post; only people who may take an action see its button; the page reads a
constant number of queries whatever the rows of a kind."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fulfillment.demo import seed_carriers
from fulfillment.models import CostSettings, RejectReason
from fulfillment.services import cost_model_forget, order_hold, store_request_reject
from inventory.models import LocationKind
from marketplaces.models import (
    ChannelConfirmation,
    ChannelOrder,
    ChannelOrderStatus,
    ConfirmationKind,
    PushState,
    StockOutbox,
)
from marketplaces.services.orders import orders_poll
from orders.models import Order, OrderStatus
from tests.factories import LocationFactory, SKUFactory, UserFactory, stocked
from tests.factories.channels import sandbox_channel, sandbox_list
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.stores import make_store, set_store_settings

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/orders/exceptions/"
ALWAYS_OPEN: dict[int, tuple[time, time] | None] = {day: (time(0, 0), time(23, 59)) for day in range(7)}


@pytest.fixture(autouse=True)
def carriers(db):
    seed_carriers()
    cost_model_forget()


@pytest.fixture
def web(db):
    return ChannelFactory(code="web", name="Web shop")


@pytest.fixture
def dallas(db):
    return LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, priority=50)


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode="4006381333931", weight_grams=300)


def action(name: str, pk: int) -> str:
    return reverse("orders:exception_action", args=[name, pk])


def chip_count(body: str, kind: str) -> int:
    match = re.search(rf'data-kind="{kind}"[^>]*>[^<]*<span class="count">(\d+)</span>', body)
    assert match is not None, kind
    return int(match.group(1))


def row_of(body: str, marker: str) -> str:
    match = re.search(rf"<tr [^>]*{re.escape(marker)}.*?</tr>", body, re.S)
    assert match is not None, marker
    return match.group(0)


def viewer_only(username: str = "viewer") -> Any:
    """Someone who may read orders and channels but change nothing."""
    user: Any = UserFactory(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["orders", "channels"], codename__in=["view_order", "view_channel"]
        )
    )
    return user


# --- Held orders: the reason typed, and Release ----------------------------------------------------


def test_a_held_order_shows_the_reason_typed_and_releases_inline(back_office_client, web, dallas, tee):
    stocked(dallas, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-HOLD").order
    order_hold(order=order, actor=None, reason="fraud check: card country differs")

    page = back_office_client.get(URL, {"kind": "on_hold"}).content.decode()
    row = row_of(page, f'data-order="{order.number}"')
    assert "Held: fraud check: card country differs" in row and order.routing_reason not in row
    assert 'data-action="release"' in row and chip_count(page, "on_hold") == 1

    answer = back_office_client.post(action("release", order.pk), {"kind": "on_hold"}, **HTMX).content.decode()

    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED
    assert "<html" not in answer
    assert f'data-order="{order.number}"' in answer and "Released: routed, ships from dal-dc." in answer
    assert 'data-action="release"' not in answer  # done: not offered again
    assert 'id="exception-kinds" aria-label="Exception kinds" hx-swap-oob="true"' in answer
    assert chip_count(answer, "on_hold") == 0
    assert 'id="messages"' in answer and f"{order.number}: Released" in answer


def test_release_without_javascript_comes_back_to_the_queue_with_a_message(back_office_client, web, dallas, tee):
    stocked(dallas, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-HOLD").order
    order_hold(order=order, actor=None, reason="address check")

    response = back_office_client.post(
        action("release", order.pk), {"kind": "on_hold", "next": f"{URL}?kind=on_hold"}, follow=True
    )

    assert response.redirect_chain == [(f"{URL}?kind=on_hold", 302)]
    body = response.content.decode()
    assert f"{order.number}: Released: routed, ships from dal-dc." in body
    assert chip_count(body, "on_hold") == 0


def test_releasing_an_order_someone_released_meanwhile_says_so(back_office_client, web, dallas, tee):
    stocked(dallas, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order  # routed, never held

    answer = back_office_client.post(action("release", order.pk), {"kind": "on_hold"}, **HTMX).content.decode()

    assert "Not on hold any more: it is routed." in answer


# --- Backordered and unroutable: Re-route ------------------------------------------------------------


def test_reroute_shows_the_new_location_or_why_it_still_cannot_route(back_office_client, web, dallas, tee):
    order = place_order(web, [("TEE-BLK-M", 2)], external_id="W-GHOST").order
    assert order.status == OrderStatus.BACKORDERED and not order.shipments.exists()
    page = back_office_client.get(URL, {"kind": "unroutable"}).content.decode()
    assert 'data-action="reroute"' in row_of(page, f'data-order="{order.number}"')

    still = back_office_client.post(action("reroute", order.pk), {"kind": "unroutable"}, **HTMX).content.decode()
    assert 'data-outcome="refused"' in still and "Still cannot route:" in still
    assert 'data-action="reroute"' in still  # still offered: stock may arrive

    stocked(dallas, tee, 5)
    done = back_office_client.post(action("reroute", order.pk), {"kind": "unroutable"}, **HTMX).content.decode()
    assert 'data-outcome="ok"' in done and "Re-routed: ships from dal-dc." in done
    assert chip_count(done, "unroutable") == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED


def test_a_refused_action_says_what_to_do_instead(back_office_client, web, dallas, tee):
    stocked(dallas, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    order_hold(order=order, actor=None, reason="customer asked to wait")

    answer = back_office_client.post(action("reroute", order.pk), {"kind": "backordered"}, **HTMX).content.decode()

    assert "is on hold; release it to route it again." in answer and 'data-outcome="refused"' in answer


def test_only_people_who_may_route_see_the_buttons_or_can_post(client, web, dallas, tee):
    stocked(dallas, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    order_hold(order=order, actor=None, reason="check")
    client.force_login(viewer_only())

    page = client.get(URL, {"kind": "on_hold"}).content.decode()
    assert order.number in page and 'data-action="release"' not in page

    assert client.post(action("release", order.pk), {"kind": "on_hold"}).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD


# --- Store rejections --------------------------------------------------------------------------------


@pytest.fixture
def store(db):
    """Priority 1 makes routing ask the store first (equal handling, no rate cards)."""
    CostSettings.objects.create(handling_store=Decimal("1.50"), handling_warehouse=Decimal("1.50"))
    return set_store_settings(make_store("nyc-store", priority=1), hours=ALWAYS_OPEN, sla_minutes=30)


def rejected_with_nowhere_to_go(web, store, tee, external_id="W-SFS") -> Any:
    stocked(store, tee, 2)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id=external_id).order
    request = order.shipments.get()
    store_request_reject(shipment=request, reason=RejectReason.OUT_OF_STOCK, note="shelf empty", actor=None)
    return order, request


def test_a_store_rejection_nobody_could_take_is_listed_and_reroutes_inline(back_office_client, web, store, dallas, tee):
    order, request = rejected_with_nowhere_to_go(web, store, tee)

    page = back_office_client.get(URL, {"kind": "store_rejected"}).content.decode()
    row = row_of(page, f'data-shipment="{request.number}"')
    assert chip_count(page, "store_rejected") == 1
    assert "Out of stock: shelf empty" in row
    assert store.name in row
    assert "<time datetime=" in row  # since when
    assert 'data-action="reroute-rejected"' in row

    stocked(dallas, tee, 3)
    answer = back_office_client.post(
        action("reroute-rejected", request.pk), {"kind": "store_rejected"}, **HTMX
    ).content.decode()

    assert "Re-routed: ships from dal-dc." in answer and chip_count(answer, "store_rejected") == 0
    assert f"{order.number}: Re-routed" in answer  # the flash message names the order


def test_a_store_rejection_that_routing_placed_elsewhere_needs_nobody(back_office_client, web, store, dallas, tee):
    stocked(dallas, tee, 3)
    rejected_with_nowhere_to_go(web, store, tee)
    page = back_office_client.get(URL, {"kind": "store_rejected"}).content.decode()
    assert chip_count(page, "store_rejected") == 0


# --- Channel sync failures ---------------------------------------------------------------------------


def test_a_stock_push_the_channel_refused_is_listed_and_retried(back_office_client, tee):
    channel, _sandbox = sandbox_channel("shopify", skus=[tee])
    StockOutbox.objects.update_or_create(
        channel=channel,
        sku=tee,
        defaults={
            "state": PushState.FAILED,
            "changed_at": timezone.now(),
            "next_attempt_at": timezone.now(),
            "attempts": 5,
            "last_error": "422: inventory item is not stocked at the location",
        },
    )
    push = StockOutbox.objects.get(channel=channel, sku=tee)

    page = back_office_client.get(URL, {"kind": "sync_failed"}).content.decode()
    row = row_of(page, f'data-push="{channel.code}/{tee.code}"')
    assert "422: inventory item is not stocked at the location" in row and "5 attempts" in row
    assert chip_count(page, "sync_failed") == 1

    answer = back_office_client.post(action("retry-push", push.pk), {"kind": "sync_failed"}, **HTMX).content.decode()

    push.refresh_from_db()
    assert push.state == PushState.PENDING and push.force
    assert "Retry of TEE-BLK-M to" in answer and chip_count(answer, "sync_failed") == 0
    assert 'data-action="retry-push"' not in answer


def refused_confirmation(order: Any, key: str = "ship-1") -> ChannelConfirmation:
    return ChannelConfirmation.objects.create(
        channel=order.channel,
        order=order,
        kind=ConfirmationKind.SHIP,
        dedupe_key=key,
        payload={"external_id": order.external_id},
        state=PushState.FAILED,
        attempts=1,
        next_attempt_at=timezone.now(),
        last_error="400: tracking number is not valid for carrier UPS",
    )


def test_a_confirmation_the_channel_refused_is_listed_and_sent_again(back_office_client, web, dallas, tee):
    stocked(dallas, tee, 5)
    order = place_order(web, [("TEE-BLK-M", 1)], external_id="W-1").order
    confirmation = refused_confirmation(order)

    page = back_office_client.get(URL, {"kind": "unconfirmed"}).content.decode()
    row = row_of(page, f'data-order="{order.number}"')
    assert "400: tracking number is not valid for carrier UPS" in row and "Shipment" in row
    assert chip_count(page, "unconfirmed") == 1 and 'data-action="retry-confirmation"' in row

    answer = back_office_client.post(
        action("retry-confirmation", confirmation.pk), {"kind": "unconfirmed"}, **HTMX
    ).content.decode()

    confirmation.refresh_from_db()
    assert confirmation.state == PushState.PENDING and confirmation.attempts == 0
    assert "The shipment confirmation is queued again" in answer and chip_count(answer, "unconfirmed") == 0


# --- Channel orders held before they became orders ---------------------------------------------------


def test_a_held_channel_order_is_listed_and_imported_again_once_listed(back_office_client, dallas):
    listed: Any = SKUFactory(code="AB-01", name="Item 1")
    stocked(dallas, listed, 5)
    channel, sandbox = sandbox_channel("amazon", skus=[listed])
    sandbox.create_order([("AB-01", 1), ("AB-12", 1)], zip="10001")
    orders_poll(channel_id=channel.pk)
    record = ChannelOrder.objects.get(channel=channel)
    assert record.status == ChannelOrderStatus.HELD

    page = back_office_client.get(URL, {"kind": "channel_held"}).content.decode()
    row = row_of(page, f'data-channel-order="{channel.code}/{record.external_id}"')
    assert "SKU AB-12 is not listed on" in row and 'data-action="retry-import"' in row

    early = back_office_client.post(action("retry-import", record.pk), {"kind": "channel_held"}, **HTMX)
    assert "Still held: SKU AB-12 is not listed" in early.content.decode()

    ab12: Any = SKUFactory(code="AB-12")
    stocked(dallas, ab12, 3)
    sandbox_list(channel, sandbox, ab12)
    answer = back_office_client.post(action("retry-import", record.pk), {"kind": "channel_held"}, **HTMX)

    order = Order.objects.get(channel=channel)
    assert f"Imported as {order.number}." in answer.content.decode()
    assert chip_count(answer.content.decode(), "channel_held") == 0


def test_channel_kinds_are_for_people_who_read_channels(client, web):
    user: Any = UserFactory(username="orders-only")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="orders", codename="view_order"))
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert 'data-kind="store_rejected"' in page
    assert 'data-kind="sync_failed"' not in page and 'data-kind="channel_held"' not in page


# --- A constant number of queries per kind -----------------------------------------------------------


def _queries(client: Any, kind: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, {"kind": kind}).status_code == 200
    return len(captured.captured_queries)


def test_each_kind_reads_a_constant_number_of_queries(
    back_office_client, web, store, dallas, tee, django_assert_num_queries
):
    channel, _sandbox = sandbox_channel("shopify", skus=[tee])

    def add_rows(n: int) -> None:
        for i in range(n):
            sku: Any = SKUFactory(code=f"Q-{n}-{i}")
            order = place_order(web, [(sku.code, 1)], external_id=f"W-Q-{n}-{i}").order  # unroutable
            held = place_order(web, [("TEE-BLK-M", 1)], external_id=f"W-H-{n}-{i}").order
            order_hold(order=held, actor=None, reason=f"check {i}")
            assert order.status == OrderStatus.BACKORDERED
            rejected_with_nowhere_to_go(web, store, tee, external_id=f"W-S-{n}-{i}")
            now = timezone.now()
            StockOutbox.objects.create(
                channel=channel, sku=sku, state=PushState.FAILED, changed_at=now, next_attempt_at=now, last_error="x"
            )
            ChannelOrder.objects.create(
                channel=channel, external_id=f"E-{n}-{i}", status=ChannelOrderStatus.HELD, hold_reason="SKU not listed"
            )
            refused_confirmation(held, key=f"ship-{n}-{i}")

    kinds = ["unroutable", "on_hold", "store_rejected", "sync_failed", "unconfirmed", "channel_held"]
    add_rows(1)
    _queries(back_office_client, "on_hold")  # warm the session and permission caches
    one = {kind: _queries(back_office_client, kind) for kind in kinds}
    add_rows(3)
    for kind in kinds:
        with django_assert_num_queries(one[kind]):
            page = back_office_client.get(URL, {"kind": kind}).content.decode()
        assert page.count("<tr data-") >= 4, kind
