"""Package consolidation end to end: order -> consolidated plan -> transfers -> held parcel -> released.

The network: Columbus (cmh-dc) holds the mug, Dallas (dal-dc) the tee; a customer in New York
orders both. Without rate cards a parcel costs handling + package ($2.35), so the split costs
$4.70 and one box from Columbus with the tee trucked in ($0.40 linehaul + $0.50 handling) $3.25.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from core.errors import ValidationFailed
from core.roles import STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from fulfillment.demo.consolidation import seed_consolidation
from fulfillment.models import (
    ConsolidationHold,
    ConsolidationHub,
    ConsolidationLeg,
    HoldStatus,
    LegStatus,
    LinehaulLane,
    RoutingDecision,
    RoutingPolicy,
    Shipment,
    ShipmentStatus,
)
from fulfillment.selectors.work import work_queue
from fulfillment.services import order_cancel, order_reroute, shipment_accept
from fulfillment.services.consolidation import consolidation_leg_fail, consolidation_sweep
from fulfillment.services.routing import consolidation_options, cost_model_load
from fulfillment.services.routing.network import consolidation_allow, consolidation_hub_set, linehaul_lane_set
from inventory.models import LocationKind, StockLevel, Transfer, TransferStatus
from inventory.services import stock_adjust, transfer_cancel, transfer_receive, transfer_ship
from orders.models import OrderStatus
from tests.factories import LocationFactory, stocked, user_with_role
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


def reserved(location, sku) -> int:
    level = StockLevel.objects.filter(location=location, sku=sku).first()
    return level.reserved if level else 0


def leg_of(order) -> ConsolidationLeg:
    return ConsolidationLeg.objects.select_related("transfer").get(hold__order=order)


def timeline(order) -> list[str]:
    return list(order.events.order_by("pk").values_list("message", flat=True))


def in_work_queue(user, shipment) -> bool:
    today = date.today()
    return any(
        shipment.pk in work_queue(user=user, location=None, tab=tab, today=today).values_list("pk", flat=True)
        for tab in ("accept", "pick", "pack")
    )


@pytest.fixture
def operator(cmh, dal):
    return user_with_role(WAREHOUSE_OPERATOR, locations=[cmh, dal])


def test_a_split_order_is_consolidated_at_the_node_and_released_when_the_transfer_arrives(
    web, network, mug, tee, operator, django_capture_on_commit_callbacks
):
    cmh, dal = network
    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order

    [shipment] = order.shipments.all()
    assert shipment.location == cmh
    assert [(line.sku.code, line.quantity) for line in shipment.lines.all()] == [("MUG-1", 1)]
    leg = leg_of(order)
    assert (leg.origin, leg.transfer.destination, leg.transfer.status) == (dal, cmh, TransferStatus.REQUESTED)
    assert [(line.sku_id, line.quantity) for line in leg.transfer.lines.all()] == [(tee.pk, 1)]
    assert (reserved(cmh, mug), reserved(dal, tee)) == (1, 1)  # the tee is held at Dallas by the transfer
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED
    assert [line.quantity_backordered for line in order.lines.all()] == [0, 0]
    hold = ConsolidationHold.objects.get(order=order)
    assert hold.status == HoldStatus.WAITING
    assert hold.saving == Decimal("1.45")
    assert not in_work_queue(operator, shipment)
    decision = RoutingDecision.objects.get(order=order)
    assert decision.reason.startswith("Consolidated at cmh-dc: one box instead of two, $1.45 cheaper, arrives ")
    assert decision.plan["legs"][0]["origin"] == "dal-dc"
    assert any(message.startswith("Consolidating at cmh-dc: TR-") for message in timeline(order))

    with django_capture_on_commit_callbacks(execute=True):
        transfer_ship(transfer=leg.transfer, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        transfer_receive(transfer=Transfer.objects.get(pk=leg.transfer_id), actor=None)

    hold.refresh_from_db()
    assert hold.status == HoldStatus.RELEASED
    assert sorted((line.sku.code, line.quantity) for line in shipment.lines.all()) == [("MUG-1", 1), ("TEE-1", 1)]
    assert (reserved(cmh, mug), reserved(cmh, tee), reserved(dal, tee)) == (1, 1, 0)
    assert in_work_queue(operator, shipment)
    shipment_accept(shipment=shipment, actor=operator)
    assert any("released to pick and pack as one box" in message for message in timeline(order))


def test_without_the_channel_option_the_order_is_split(web, cmh, dal, mug, tee):
    stocked(cmh, mug, 5)
    stocked(dal, tee, 5)
    LinehaulLane.objects.create(origin=dal, destination=cmh, cost_per_unit=Decimal("0.40"), transit_days=2)
    RoutingPolicy.objects.create(channel=None, allow_consolidation=False)

    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order

    assert sorted(order.shipments.values_list("location__code", flat=True)) == ["cmh-dc", "dal-dc"]
    assert not ConsolidationHold.objects.exists()
    assert not Transfer.objects.exists()


def test_a_cancelled_transfer_ships_what_is_at_the_node_and_routes_the_rest_again(
    web, network, mug, tee, django_capture_on_commit_callbacks
):
    cmh, dal = network
    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order
    leg = leg_of(order)

    with django_capture_on_commit_callbacks(execute=True):
        transfer_cancel(transfer=leg.transfer, actor=None)

    leg.refresh_from_db()
    assert (leg.status, leg.failure_reason) == (LegStatus.FAILED, f"{leg.transfer.number} was cancelled")
    hold = ConsolidationHold.objects.get(order=order)
    assert hold.status == HoldStatus.RELEASED
    by_location = {s.location.code: s for s in order.shipments.all()}
    assert sorted(
        (code, [(line.sku.code, line.quantity) for line in s.lines.all()]) for code, s in by_location.items()
    ) == [
        ("cmh-dc", [("MUG-1", 1)]),
        ("dal-dc", [("TEE-1", 1)]),
    ]
    assert (reserved(cmh, mug), reserved(dal, tee)) == (1, 1)  # the tee is now the Dallas shipment's
    events = timeline(order)
    assert f"{leg.transfer.number} from dal-dc to cmh-dc failed: {leg.transfer.number} was cancelled." in events
    assert f"cmh-dc ships what is there in {hold.shipment.number}; the missing units are routed again." in events
    assert RoutingDecision.objects.filter(order=order, trigger="consolidation leg failed").exists()


@pytest.fixture
def hub_network(cmh, dal, mug, tee):
    """A Pittsburgh hub holding nothing, lanes from both warehouses: both units travel to it."""
    pit: Any = LocationFactory(
        code="pit-hub",
        name="Pittsburgh hub",
        kind=LocationKind.WAREHOUSE,
        postal_code="15222",
        latitude=Decimal("40.440600"),
        longitude=Decimal("-79.995900"),
        timezone="America/New_York",
    )
    ConsolidationHub.objects.create(location=pit, handling_per_unit=Decimal("0.10"), processing_days=0)
    stocked(cmh, mug, 5)
    stocked(dal, tee, 5)
    for origin in (cmh, dal):
        LinehaulLane.objects.create(origin=origin, destination=pit, cost_per_unit=Decimal("0.10"), transit_days=1)
    RoutingPolicy.objects.create(channel=None, allow_consolidation=True)
    return pit


def test_a_lost_leg_with_nothing_at_the_hub_calls_the_parcel_off_and_routes_the_whole_order_again(
    web, hub_network, cmh, dal, mug, tee, operator, django_capture_on_commit_callbacks
):
    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order
    hold = ConsolidationHold.objects.get(order=order)
    assert hold.node == hub_network
    assert not hold.shipment.lines.exists()  # the hub holds nothing yet
    legs = {leg.origin.code: leg for leg in hold.legs.select_related("transfer", "origin")}
    transfer_ship(transfer=legs["dal-dc"].transfer, actor=None)

    consolidation_leg_fail(leg=legs["dal-dc"], reason="lost by the carrier", actor=operator)

    hold.refresh_from_db()
    assert hold.status == HoldStatus.CANCELLED
    assert Shipment.objects.get(pk=hold.shipment_id).status == ShipmentStatus.CANCELLED
    assert Transfer.objects.get(pk=legs["cmh-dc"].transfer_id).status == TransferStatus.CANCELLED
    assert Transfer.objects.get(pk=legs["dal-dc"].transfer_id).status == TransferStatus.SHIPPED  # lost, not undone
    events = timeline(order)
    assert any("failed: lost by the carrier. It is not called back" in message for message in events)
    assert any(message.startswith("Nothing is at pit-hub or on its way there yet") for message in events)
    assert RoutingDecision.objects.filter(order=order, trigger="consolidation called off").exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED
    assert [line.quantity_backordered for line in order.lines.all()] == [0, 0]  # routed again, all of it
    assert reserved(cmh, mug) == 1


def test_a_transfer_received_short_ships_what_arrived_and_routes_the_missing_unit(
    web, network, mug, tee, django_capture_on_commit_callbacks
):
    cmh, dal = network
    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order
    leg = leg_of(order)
    transfer_ship(transfer=leg.transfer, actor=None)
    transfer_receive(transfer=Transfer.objects.get(pk=leg.transfer_id), actor=None)  # its handler is lost
    stock_adjust(location=cmh, sku=tee, delta=-1, reason_code="damaged", actor=None)  # broken in the box

    assert consolidation_sweep() == [leg.transfer_id]

    leg.refresh_from_db()
    assert leg.status == LegStatus.FAILED
    assert leg.failure_reason == "received short: 1 of 1 unit could not be reserved at cmh-dc"
    hold = ConsolidationHold.objects.get(order=order)
    assert hold.status == HoldStatus.RELEASED
    assert [(line.sku.code, line.quantity) for line in hold.shipment.lines.all()] == [("MUG-1", 1)]
    [rerouted] = order.shipments.exclude(pk=hold.shipment_id)
    assert (rerouted.location, [(line.sku.code, line.quantity) for line in rerouted.lines.all()]) == (
        dal,
        [("TEE-1", 1)],
    )
    assert any("1 unit missing (received short" in message for message in timeline(order))
    assert consolidation_sweep() == []  # settled once


def test_cancelling_the_order_calls_the_transfer_off_and_releases_every_unit(web, network, mug, tee):
    cmh, dal = network
    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order
    leg = leg_of(order)

    order_cancel(order=order, actor=None, reason="customer changed their mind")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert [(line.quantity_allocated, line.quantity_cancelled) for line in order.lines.all()] == [(0, 1), (0, 1)]
    assert Transfer.objects.get(pk=leg.transfer_id).status == TransferStatus.CANCELLED
    assert (reserved(cmh, mug), reserved(dal, tee)) == (0, 0)
    assert ConsolidationHold.objects.get(order=order).status == HoldStatus.CANCELLED


def test_a_staff_reroute_while_the_transfer_travels_lets_it_arrive_as_node_stock(
    web, network, mug, tee, django_capture_on_commit_callbacks
):
    cmh, _dal = network
    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order
    leg = leg_of(order)
    transfer_ship(transfer=leg.transfer, actor=None)

    order_reroute(order=order, actor=None, reason="try again")

    leg.refresh_from_db()
    assert leg.status == LegStatus.CANCELLED
    assert any(
        f"{leg.transfer.number} already on the way or there (its units become cmh-dc stock)" in m
        for m in timeline(order)
    )
    [new_hold] = ConsolidationHold.objects.filter(order=order, status=HoldStatus.WAITING)  # routed again, consolidated
    with django_capture_on_commit_callbacks(execute=True):
        transfer_receive(transfer=Transfer.objects.get(pk=leg.transfer_id), actor=None)
    leg.refresh_from_db()
    assert leg.status == LegStatus.CANCELLED  # the old leg stays called off: its tee is cmh-dc stock
    assert StockLevel.objects.get(location=cmh, sku=tee).on_hand == 1
    new_hold.refresh_from_db()
    assert new_hold.status == HoldStatus.WAITING


# --- The consolidation page ---------------------------------------------------------------------


def test_the_page_lists_what_is_missing_since_when_and_highlights_a_late_leg(client, web, network, operator):
    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order
    leg = leg_of(order)
    ConsolidationLeg.objects.filter(pk=leg.pk).update(expected_arrival=date.today() - timedelta(days=2))
    client.force_login(operator)

    page = client.get(reverse("fulfillment:consolidation"))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-node="cmh-dc"' in html
    shipment = order.shipments.get()
    assert f'data-shipment="{shipment.number}"' in html
    assert f'data-leg="{leg.transfer.number}"' in html
    assert "TEE-1 \u00d7 1" in html and "MUG-1 \u00d7 1" in html  # what is missing, what is there
    assert 'data-late="2"' in html and "Late 2 days" in html
    assert 'data-figure="late">1 with a late leg' in html


def test_the_page_is_scoped_to_the_users_locations_and_needs_the_work_permission(client, web, network, dal):
    place_order(web, [("MUG-1", 1), ("TEE-1", 1)])
    elsewhere = user_with_role(WAREHOUSE_OPERATOR, locations=[dal])
    client.force_login(elsewhere)
    assert 'data-node="cmh-dc"' not in client.get(reverse("fulfillment:consolidation")).content.decode()

    client.force_login(user_with_role(STORE_ASSOCIATE, locations=[]))
    assert client.get(reverse("fulfillment:consolidation")).status_code == 200  # a store's own (empty) area
    client.logout()
    assert client.get(reverse("fulfillment:consolidation")).status_code == 302


def test_marking_a_leg_lost_on_the_page_routes_its_units_and_another_nodes_leg_is_a_404(
    client, web, network, dal, operator
):
    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order
    leg = leg_of(order)
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, locations=[dal]))
    url = reverse("fulfillment:consolidation")
    assert client.post(url, {"action": "lost", "leg": leg.pk, "reason": "no truck"}).status_code == 404

    client.force_login(operator)
    answer = client.post(url, {"action": "lost", "leg": leg.pk, "reason": "no truck today"}, follow=True)

    assert answer.status_code == 200
    assert f"{leg.transfer.number} marked as failed" in answer.content.decode()
    leg.refresh_from_db()
    assert (leg.status, leg.failure_reason) == (LegStatus.FAILED, "no truck today")
    assert f"{leg.transfer.number} from dal-dc to cmh-dc failed: no truck today." in timeline(order)


# --- Settings and the demo ---------------------------------------------------------------------


def test_lane_and_hub_settings_are_checked_and_routing_sees_them(web, cmh, dal, store):
    with pytest.raises(ValidationFailed):
        consolidation_hub_set(location=store)
    with pytest.raises(ValidationFailed):
        linehaul_lane_set(origin=cmh, destination=cmh, transit_days=1)
    with pytest.raises(ValidationFailed):
        consolidation_allow(allow=True, channel=web)  # the web shop follows the default rules
    lane = linehaul_lane_set(origin=dal, destination=cmh, transit_days=2, cost_per_unit=Decimal("0.40"))
    assert linehaul_lane_set(origin=dal, destination=cmh, transit_days=3).pk == lane.pk
    consolidation_hub_set(location=cmh, handling_per_unit=Decimal("0.25"), processing_days=0)
    assert consolidation_options(channel=web, cost_model=cost_model_load()) is None
    consolidation_allow(allow=True)

    options = consolidation_options(channel=web, cost_model=cost_model_load(fresh=True))

    assert options is not None
    assert [(lane.origin, lane.destination, lane.transit_days) for lane in options.lanes] == [("dal-dc", "cmh-dc", 3)]
    assert [(hub.code, hub.handling_per_unit, hub.processing_days) for hub in options.hubs] == [
        ("cmh-dc", Decimal("0.25"), 0)
    ]


def test_the_demo_seed_adds_lanes_between_warehouses_a_hub_and_the_permission_once(cmh, dal):
    LocationFactory(code="rno-dc", kind=LocationKind.WAREHOUSE, latitude=Decimal("39.53"), longitude=Decimal("-119.81"))
    RoutingPolicy.objects.create(channel=None)

    first = seed_consolidation()
    again = seed_consolidation()

    assert (first.lanes, first.hubs, first.allowed) == (6, 1, True)
    assert (again.lanes, again.hubs, again.allowed) == (0, 0, False)
    assert LinehaulLane.objects.get(origin=dal, destination=cmh).transit_days == 3  # 920 miles by truck
    assert ConsolidationHub.objects.get().location == cmh
    assert RoutingPolicy.objects.get(channel=None).allow_consolidation
