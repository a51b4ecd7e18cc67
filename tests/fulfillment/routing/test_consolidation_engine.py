"""The routing engine's consolidation: one parcel from a node instead of a split. No database.

The worked example (demo carriers, prices per started pound): a mug at Columbus and a tee at
Dallas, 500 g each, to New York, ordered Tuesday 1 Dec 2026 at 10:00 in New York.
- Split: Columbus -> NY is zone 4 (473 mi): 2 lb, PostCo ground $8.80 + $1.45 = $10.25, 3 days,
  Fri 4 Dec; Dallas -> NY is zone 6: $10.20 + $2.05 = $12.25, 4 days, Sat 5 Dec. Each parcel
  adds handling $1.50 and a package $0.85: $12.60 + $14.60 = $27.20.
- Consolidated at Columbus: the tee leaves Dallas Tue 1 Dec, 2 days -> Thu 3 Dec, one day of
  processing -> ships Fri 4 Dec; 1 kg is a 3 lb parcel, $8.80 + 2 x $1.45 = $11.70, 3 days
  (Sunday skipped) -> Tue 8 Dec. Plus $2.35 handling and package, linehaul $0.40 + $0.10/kg x
  0.5 kg = $0.45, handling at the node $0.30: $14.80, $12.40 cheaper.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import time
from datetime import UTC, date, datetime
from decimal import Decimal

from fulfillment.routing import (
    Candidate,
    Consolidation,
    Hub,
    Line,
    LinehaulLane,
    RouteRequest,
    Rules,
    plan,
)
from fulfillment.routing.consolidate import consolidate
from fulfillment.routing.costs import compile_cost_model
from fulfillment.routing.presets import demo_cost_model

MODEL = demo_cost_model()
PLACED = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
NEW_YORK = (40.75, -73.99)
CMH = Candidate("cmh-dc", "warehouse", 39.96, -83.00, {"MUG": 5}, timezone="America/New_York")
DAL = Candidate("dal-dc", "warehouse", 32.79, -96.80, {"TEE": 5}, timezone="America/Chicago")
LANE = LinehaulLane("dal-dc", "cmh-dc", transit_days=2, cost_per_unit=Decimal("0.40"), cost_per_kg=Decimal("0.10"))
OPTIONS = Consolidation(lanes=(LANE,), handling_per_unit=Decimal("0.30"))


def order(promised_by: date | None = date(2026, 12, 10), **extra) -> RouteRequest:
    return RouteRequest(
        lines=(Line("MUG", 1, 500), Line("TEE", 1, 500)),
        destination_lat=NEW_YORK[0],
        destination_lon=NEW_YORK[1],
        placed_at=PLACED,
        promised_by=promised_by,
        **extra,
    )


def test_a_split_is_consolidated_at_the_largest_location_when_one_box_is_cheaper():
    split = plan(order(), [CMH, DAL], MODEL)
    assert (split.packages, split.total_cost) == (2, Decimal("27.20"))

    found = plan(order(), [CMH, DAL], MODEL, consolidation=OPTIONS)

    [parcel] = found.shipments
    assert (parcel.location, dict(parcel.lines)) == ("cmh-dc", {"MUG": 1, "TEE": 1})
    assert (parcel.ship_date, parcel.estimated_delivery, parcel.cost) == (
        date(2026, 12, 4),
        date(2026, 12, 8),
        Decimal("14.05"),
    )
    [leg] = found.legs
    assert (leg.origin, leg.destination, dict(leg.lines), leg.cost) == ("dal-dc", "cmh-dc", {"TEE": 1}, Decimal("0.45"))
    assert (leg.ship_date, leg.arrives) == (date(2026, 12, 1), date(2026, 12, 3))
    assert found.total_cost == Decimal("14.80")
    assert (found.cost_breakdown["linehaul"], found.cost_breakdown["hub_handling"]) == (
        Decimal("0.45"),
        Decimal("0.30"),
    )
    assert found.consolidated_at == "cmh-dc"
    assert found.alternatives[0].summary == "Split: cmh-dc + dal-dc: 2 packages, $27.20, arrives Sat 5 Dec"


def test_the_smaller_location_of_the_split_is_the_node_when_the_lanes_lead_there():
    """Dallas ships more units (two tees) but only Columbus can receive a truck: Columbus consolidates."""
    two_tees = RouteRequest(
        lines=(Line("MUG", 1, 500), Line("TEE", 2, 250)),
        destination_lat=NEW_YORK[0],
        destination_lon=NEW_YORK[1],
        placed_at=PLACED,
        promised_by=date(2026, 12, 10),
    )
    found = plan(two_tees, [CMH, DAL], MODEL, consolidation=OPTIONS)
    assert found.consolidated_at == "cmh-dc"
    assert [(leg.origin, dict(leg.lines)) for leg in found.legs] == [("dal-dc", {"TEE": 2})]


def test_the_explanation_names_the_node_the_saving_the_arrival_and_the_promise():
    found = plan(order(), [CMH, DAL], MODEL, consolidation=OPTIONS)
    assert found.reason == (
        "Consolidated at cmh-dc: one box instead of two, $12.40 cheaper, arrives Tue 8 Dec, within the promise; "
        "transfers from dal-dc (1 unit) reach it by Thu 3 Dec"
    )
    assert plan(order(promised_by=None), [CMH, DAL], MODEL, consolidation=OPTIONS).reason.startswith(
        "Consolidated at cmh-dc: one box instead of two, $12.40 cheaper, arrives Tue 8 Dec, no promise date;"
    )


def test_no_consolidation_when_it_would_break_the_promise_even_without_a_late_penalty():
    free_lateness = dataclasses.replace(MODEL, late_penalty_per_day=Decimal("0"))
    promised_saturday = order(promised_by=date(2026, 12, 5))  # the split arrives Sat 5, one box Tue 8

    found = plan(promised_saturday, [CMH, DAL], free_lateness, consolidation=OPTIONS)

    assert (found.packages, found.legs) == (2, ())
    assert found.total_cost == plan(promised_saturday, [CMH, DAL], free_lateness).total_cost


def test_no_consolidation_when_the_linehaul_costs_more_than_the_second_box_saves():
    dear = Consolidation(
        lanes=(dataclasses.replace(LANE, cost_per_unit=Decimal("13.00")),), handling_per_unit=Decimal("0.30")
    )
    found = plan(order(), [CMH, DAL], MODEL, consolidation=dear)  # $11.70 + $2.35 + $13.05 + $0.30 = $27.40
    assert (found.packages, found.legs, found.total_cost) == (2, (), Decimal("27.20"))


def test_no_lane_no_consolidation_and_no_options_no_consolidation():
    elsewhere = Consolidation(lanes=(LinehaulLane("cmh-dc", "pit-hub", 1), LinehaulLane("dal-dc", "pit-hub", 2)))
    assert plan(order(), [CMH, DAL], MODEL, consolidation=elsewhere).packages == 2  # pit-hub is no candidate
    assert plan(order(), [CMH, DAL], MODEL, consolidation=Consolidation()).packages == 2
    assert plan(order(), [CMH, DAL], MODEL).packages == 2


def test_a_hub_holding_nothing_gathers_everything_when_that_is_cheapest():
    pit = Candidate("pit-hub", "warehouse", 40.44, -79.99, {}, timezone="America/New_York")
    lanes = (
        LinehaulLane("dal-dc", "pit-hub", 2, Decimal("0.10")),
        LinehaulLane("cmh-dc", "pit-hub", 1, Decimal("0.10")),
    )
    options = Consolidation(lanes=lanes, hubs=(Hub("pit-hub", Decimal("0.20"), 0),), node_kinds=frozenset())

    found = plan(order(), [CMH, DAL, pit], MODEL, consolidation=options)

    assert found.shipments[0].location == "pit-hub"
    assert sorted((leg.origin, dict(leg.lines)) for leg in found.legs) == [
        ("cmh-dc", {"MUG": 1}),
        ("dal-dc", {"TEE": 1}),
    ]
    assert found.cost_breakdown["hub_handling"] == Decimal("0.40")
    assert found.reason.startswith("Consolidated at pit-hub: one box instead of two,")


def test_an_excluded_or_full_node_is_not_used():
    excluded = plan(order(), [CMH, DAL], MODEL, Rules(excluded_locations=frozenset({"cmh-dc"})), consolidation=OPTIONS)
    assert excluded.legs == ()
    full = dataclasses.replace(CMH, capacity_left=0)
    assert plan(order(), [full, DAL], MODEL, consolidation=OPTIONS).legs == ()


def test_a_node_ships_what_it_holds_and_only_the_rest_travels():
    """The split ships the three tees from Dallas; the Columbus hub has one of them itself."""
    both_at_cmh = dataclasses.replace(CMH, available={"MUG": 5, "TEE": 1})
    three_tees = RouteRequest(
        lines=(Line("MUG", 1, 500), Line("TEE", 3, 500)),
        destination_lat=NEW_YORK[0],
        destination_lon=NEW_YORK[1],
        placed_at=PLACED,
        promised_by=date(2026, 12, 10),
    )
    assert [dict(s.lines) for s in plan(three_tees, [both_at_cmh, DAL], MODEL).shipments] == [{"MUG": 1}, {"TEE": 3}]
    hub = dataclasses.replace(OPTIONS, hubs=(Hub("cmh-dc", Decimal("0.30")),))
    found = plan(three_tees, [both_at_cmh, DAL], MODEL, consolidation=hub)
    assert dict(found.shipments[0].lines) == {"MUG": 1, "TEE": 3}
    [leg] = found.legs
    assert dict(leg.lines) == {"TEE": 2}


def test_a_pickup_or_a_one_location_plan_is_never_consolidated():
    assert plan(order(pickup_location="cmh-dc"), [CMH, DAL], MODEL, consolidation=OPTIONS).legs == ()
    everything = dataclasses.replace(CMH, available={"MUG": 5, "TEE": 5})
    found = plan(order(), [everything, DAL], MODEL, consolidation=OPTIONS)
    assert (found.packages, found.legs) == (1, ())


def test_the_same_input_gives_the_same_plan_whatever_the_candidate_order():
    pit = Candidate("pit-hub", "warehouse", 40.44, -79.99, {}, timezone="America/New_York")
    lanes = (LANE, LinehaulLane("dal-dc", "pit-hub", 2, Decimal("0.40")), LinehaulLane("cmh-dc", "pit-hub", 1))
    options = Consolidation(lanes=lanes, hubs=(Hub("pit-hub", Decimal("0.30")),), handling_per_unit=Decimal("0.30"))
    first = plan(order(), [CMH, DAL, pit], MODEL, consolidation=options)
    for candidates in ([pit, DAL, CMH], [DAL, pit, CMH], [CMH, pit, DAL]):
        again = plan(order(), candidates, MODEL, consolidation=options)
        assert (again.as_dict(), again.reason) == (first.as_dict(), first.reason)


def test_past_the_deadline_only_the_first_node_is_priced():
    """Hubs are priced in code order; once the deadline has passed no further node is tried."""
    cheap = Candidate("zz-hub", "warehouse", 40.44, -79.99, {}, timezone="America/New_York")
    dear = Candidate("aa-hub", "warehouse", 39.10, -84.51, {}, timezone="America/New_York")
    lanes = tuple(
        LinehaulLane(origin, hub, 1, cost)
        for hub, cost in (("zz-hub", Decimal("0.05")), ("aa-hub", Decimal("0.90")))
        for origin in ("cmh-dc", "dal-dc")
    )
    options = Consolidation(lanes=lanes, hubs=(Hub("zz-hub"), Hub("aa-hub")), node_kinds=frozenset())
    candidates = [CMH, DAL, cheap, dear]
    split = plan(order(), candidates, MODEL)
    compiled = compile_cost_model(MODEL)

    in_time = consolidate(order(), candidates, compiled, Rules(), options, split, deadline=time.perf_counter() + 1)
    too_late = consolidate(order(), candidates, compiled, Rules(), options, split, deadline=time.perf_counter() - 1)

    assert in_time.consolidated_at == "zz-hub"
    assert too_late.consolidated_at == "aa-hub"


def test_weighing_consolidation_takes_a_small_part_of_the_time_budget():
    """On a 200-location network with 40 hubs (the 8 nearest weighed) and 8,000 lanes, pricing the
    nodes of a split costs a fraction of planning the split itself (about 1 ms against several:
    measured side by side, so a loaded machine slows both alike)."""
    rng = random.Random(7)
    skus = [f"S{i}" for i in range(8)]
    network = [
        Candidate(
            f"w{i:03d}",
            "warehouse",
            rng.uniform(30, 47),
            rng.uniform(-120, -72),
            {sku: rng.randrange(0, 3) for sku in rng.sample(skus, 3)},
        )
        for i in range(200)
    ]
    hubs = tuple(Hub(c.code, Decimal("0.30")) for c in network[:40])
    lanes = tuple(
        LinehaulLane(c.code, hub.code, 2, Decimal("0.40")) for c in network for hub in hubs if c.code != hub.code
    )
    options = Consolidation(lanes=lanes, hubs=hubs)
    compiled = compile_cost_model(MODEL)
    planning, weighing = [], []
    for _ in range(60):
        request = RouteRequest(
            lines=tuple(Line(sku, 1, 300) for sku in rng.sample(skus, 4)),
            destination_lat=rng.uniform(30, 47),
            destination_lon=rng.uniform(-120, -72),
            placed_at=PLACED,
        )
        started = time.perf_counter()
        split = plan(request, network, MODEL)
        planned = time.perf_counter()
        consolidate(request, network, compiled, Rules(), options, split, deadline=time.perf_counter() + 1)
        if split.packages >= 2:
            planning.append(planned - started)
            weighing.append(time.perf_counter() - planned)
    assert len(weighing) >= 10
    assert statistics.median(weighing) < 0.5 * statistics.median(planning)
