"""Random sequences of stock operations keep every invariant and match a plain-dict model.

The model predicts, for every operation, whether the services must accept or refuse it and
what the levels become. A refused operation must raise a DomainError and change nothing.
After every step: the database equals the model, 0 <= reserved <= on_hand, in_transit >= 0,
ATP = max(on_hand - reserved - safety_stock, 0), and the ledger replays to the levels.

Each hypothesis example runs in a savepoint that is rolled back, so examples do not see
each other's data; the locations and SKUs come from the test's own (django_db) transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from inventory.models import StockLevel, StockMovement, Transfer
from inventory.selectors import availability_for_sku
from inventory.services import (
    DocumentRef,
    StockLine,
    ledger_verify,
    stock_adjust,
    stock_count,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_set_safety_stock,
    stock_ship,
    transfer_cancel,
    transfer_create,
    transfer_receive,
    transfer_ship,
)
from tests.factories import LocationFactory, SKUFactory, user_with_role

LOCATIONS = 3
SKUS = 2
FIELDS = ("on_hand", "reserved", "safety_stock", "in_transit")
ORDER = DocumentRef("order", "prop")

location_index = st.integers(0, LOCATIONS - 1)
sku_index = st.integers(0, SKUS - 1)
# Mostly valid quantities, sometimes one the services must refuse (zero, negative, fractional).
quantity = st.one_of(*[st.integers(1, 4)] * 5, st.sampled_from([0, -1, 2.5]))
lines = st.lists(st.tuples(sku_index, quantity), min_size=1, max_size=2)
# Releases and shipments must fit what is reserved, so they mostly ask for one or two units.
small_lines = st.lists(st.tuples(sku_index, st.one_of(*[st.integers(1, 2)] * 5, st.sampled_from([0, -1]))), max_size=2)
initial_stock = st.lists(
    st.tuples(st.integers(0, 15), st.integers(0, 3)), min_size=LOCATIONS * SKUS, max_size=LOCATIONS * SKUS
)
transfer_index = st.integers(0, 7)

ARGUMENTS = {
    "receive": st.tuples(location_index, sku_index, quantity),
    "adjust": st.tuples(location_index, sku_index, st.integers(-8, 8)),
    "count": st.tuples(location_index, sku_index, st.integers(-1, 15)),
    "safety": st.tuples(location_index, sku_index, st.integers(-1, 3)),
    "reserve": st.tuples(location_index, lines),
    "release": st.tuples(location_index, small_lines),
    "ship": st.tuples(location_index, small_lines),
    "transfer_create": st.tuples(location_index, location_index, lines),
    # Ship or release units of the n-th reservation the model holds (see `concrete`).
    "ship_held": st.tuples(st.integers(0, 5), st.integers(1, 3)),
    "release_held": st.tuples(st.integers(0, 5), st.integers(1, 3)),
    "transfer_ship": st.tuples(transfer_index),
    "transfer_receive": st.tuples(transfer_index),
    "transfer_cancel": st.tuples(transfer_index),
}
# Kinds listed twice are drawn twice as often: reservations and transfers need several steps to matter.
KINDS = [*ARGUMENTS, "reserve", "reserve", "ship_held", "transfer_create", "transfer_ship", "transfer_receive"]
operations = st.sampled_from(KINDS).flatmap(lambda kind: ARGUMENTS[kind].map(lambda args: (kind, *args)))


class Refused(Exception):
    """The model's verdict: the services must refuse this operation."""


@dataclass
class ModelTransfer:
    pk: int
    source: int
    destination: int
    lines: dict[int, int]
    status: str = "requested"


@dataclass
class Model:
    """Expected levels as a plain dict: (location index, sku index) -> {field: units}."""

    levels: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)
    transfers: list[ModelTransfer] = field(default_factory=list)
    # Units the ORDER document holds reserved: only those may it release or ship.
    order_held: dict[tuple[int, int], int] = field(default_factory=dict)

    def level(self, loc: int, sku: int) -> dict[str, int]:
        return self.levels.setdefault((loc, sku), dict.fromkeys(FIELDS, 0))

    def atp(self, loc: int, sku: int) -> int:
        lvl = self.level(loc, sku)
        return max(lvl["on_hand"] - lvl["reserved"] - lvl["safety_stock"], 0)


def merged(raw_lines) -> dict[int, int]:
    """The services' line rules: at least one line, every quantity a positive int, repeated SKUs added up."""
    if not raw_lines or any(not isinstance(qty, int) or qty <= 0 for _, qty in raw_lines):
        raise Refused
    result: dict[int, int] = {}
    for sku, qty in raw_lines:
        result[sku] = result.get(sku, 0) + qty
    return result


def concrete(model: Model, op: tuple) -> tuple:
    """Turn ("ship_held", n, qty) into ("ship", location, [(sku, qty)]) for the model's n-th reservation."""
    if op[0] not in ("ship_held", "release_held"):
        return op
    kind, n, qty = op
    held = sorted(key for key, units in model.order_held.items() if units > 0) or [(0, 0)]
    loc, sku = held[n % len(held)]
    return (kind.removesuffix("_held"), loc, [(sku, qty)])


def predict(model: Model, op: tuple) -> dict[tuple[int, int], dict[str, int]]:
    """New values of the levels `op` changes, or raise Refused. Does not change the model."""
    kind = op[0]
    changes: dict[tuple[int, int], dict[str, int]] = {}

    def change(loc: int, sku: int) -> dict[str, int]:
        return changes.setdefault((loc, sku), dict(model.level(loc, sku)))

    if kind == "receive":
        _, loc, sku, qty = op
        if not isinstance(qty, int) or qty <= 0:
            raise Refused
        change(loc, sku)["on_hand"] += qty
    elif kind == "adjust":
        _, loc, sku, delta = op
        lvl = change(loc, sku)
        if delta == 0 or lvl["on_hand"] + delta < lvl["reserved"]:
            raise Refused
        lvl["on_hand"] += delta
    elif kind == "count":
        _, loc, sku, counted = op
        lvl = change(loc, sku)
        if counted < 0 or counted < lvl["reserved"]:
            raise Refused
        lvl["on_hand"] = counted
    elif kind == "safety":
        _, loc, sku, safety = op
        if safety < 0:
            raise Refused
        change(loc, sku)["safety_stock"] = safety
    elif kind in ("reserve", "release", "ship"):
        _, loc, raw_lines = op
        for sku, qty in merged(raw_lines).items():
            lvl = change(loc, sku)
            if kind == "reserve":
                if qty > model.atp(loc, sku):
                    raise Refused
                lvl["reserved"] += qty
            else:
                if qty > lvl["reserved"] or qty > model.order_held.get((loc, sku), 0):
                    raise Refused
                lvl["reserved"] -= qty
                lvl["on_hand"] -= qty if kind == "ship" else 0
    elif kind == "transfer_create":
        _, source, destination, raw_lines = op
        if source == destination:
            raise Refused
        return predict(model, ("reserve", source, raw_lines))
    else:
        transfer = model.transfers[op[1] % len(model.transfers)] if model.transfers else None
        expected_status = "shipped" if kind == "transfer_receive" else "requested"
        if transfer is None or transfer.status != expected_status:
            raise Refused
        for sku, qty in transfer.lines.items():
            if kind == "transfer_receive":
                change(transfer.destination, sku)["on_hand"] += qty
                change(transfer.destination, sku)["in_transit"] -= qty
                continue
            source = change(transfer.source, sku)
            if qty > source["reserved"]:  # its reservation was released by someone else
                raise Refused
            source["reserved"] -= qty
            if kind == "transfer_ship":
                source["on_hand"] -= qty
                change(transfer.destination, sku)["in_transit"] += qty
    return changes


def apply(op: tuple, locations, skus, model: Model, actor) -> None:
    """Call the service for `op` (indices resolved to the real rows)."""
    kind = op[0]
    if kind in ("receive", "adjust", "count", "safety"):
        _, loc, sku, number = op
        location, item = locations[loc], skus[sku]
        if kind == "receive":
            stock_receive(location=location, sku=item, quantity=number, actor=actor)
        elif kind == "adjust":
            stock_adjust(location=location, sku=item, delta=number, reason_code="correction", actor=actor)
        elif kind == "count":
            stock_count(location=location, sku=item, counted=number, actor=actor)
        else:
            stock_set_safety_stock(location=location, sku=item, safety_stock=number, actor=actor)
    elif kind in ("reserve", "release", "ship"):
        _, loc, raw_lines = op
        service = {"reserve": stock_reserve, "release": stock_release, "ship": stock_ship}[kind]
        service(
            location=locations[loc],
            lines=[StockLine(skus[s].pk, q) for s, q in raw_lines],
            actor=actor,
            document=ORDER,
        )
    elif kind == "transfer_create":
        _, source, destination, raw_lines = op
        created = transfer_create(
            source=locations[source],
            destination=locations[destination],
            lines=[StockLine(skus[s].pk, q) for s, q in raw_lines],
            actor=actor,
        )
        model.transfers.append(ModelTransfer(created.pk, source, destination, merged(raw_lines)))
    else:
        if not model.transfers:
            raise DomainError("no transfer yet")  # nothing to call: the model refuses it too
        target = Transfer.objects.get(pk=model.transfers[op[1] % len(model.transfers)].pk)
        {"transfer_ship": transfer_ship, "transfer_receive": transfer_receive, "transfer_cancel": transfer_cancel}[
            kind
        ](transfer=target, actor=actor)


def database_levels(locations, skus) -> dict[tuple[int, int], dict[str, int]]:
    loc_index = {loc.pk: i for i, loc in enumerate(locations)}
    sku_index_of = {sku.pk: i for i, sku in enumerate(skus)}
    return {
        (loc_index[row["location_id"]], sku_index_of[row["sku_id"]]): {f: row[f] for f in FIELDS}
        for row in StockLevel.objects.values("location_id", "sku_id", *FIELDS)
    }


def assert_database_matches(model: Model, locations, skus, viewer, step: str) -> None:
    stored = database_levels(locations, skus)
    zero = dict.fromkeys(FIELDS, 0)
    for key in set(stored) | set(model.levels):
        expected, actual = model.levels.get(key, zero), stored.get(key, zero)
        assert actual == expected, f"after {step}: level {key} is {actual}, model says {expected}"
        assert 0 <= actual["reserved"] <= actual["on_hand"], step
        assert actual["in_transit"] >= 0 and actual["safety_stock"] >= 0, step
    for i, sku in enumerate(skus):
        availability = availability_for_sku(user=viewer, sku=sku)
        per_location = {row["location"]: row["available"] for row in availability["locations"]}
        for loc, location in enumerate(locations):
            if (loc, i) in stored:
                assert per_location[location.code] == model.atp(loc, i) >= 0, step
        assert availability["available"] == sum(model.atp(loc, i) for loc in range(LOCATIONS)), step
    statuses = dict(Transfer.objects.filter(pk__in=[t.pk for t in model.transfers]).values_list("pk", "status"))
    assert statuses == {t.pk: t.status for t in model.transfers}, step
    assert ledger_verify() == [], step


@pytest.fixture
def network(db):
    locations = [LocationFactory(code=f"prop-loc-{i}") for i in range(LOCATIONS)]
    skus = [SKUFactory(code=f"PROP-{i}") for i in range(SKUS)]
    viewer = user_with_role("Back office", username="prop-viewer")
    return locations, skus, viewer


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(initial=initial_stock, steps=st.lists(operations, min_size=10, max_size=30), anonymous=st.booleans())
def test_random_operation_sequences_keep_every_invariant_and_match_the_model(network, initial, steps, anonymous):
    locations, skus, viewer = network
    actor = AnonymousUser() if anonymous else viewer
    with transaction.atomic():
        model = Model()
        for index, (units, safety) in enumerate(initial):
            loc, sku = divmod(index, SKUS)
            if units:
                stock_receive(location=locations[loc], sku=skus[sku], quantity=units, actor=None)
                model.level(loc, sku)["on_hand"] = units
            if safety:
                stock_set_safety_stock(location=locations[loc], sku=skus[sku], safety_stock=safety, actor=None)
                model.level(loc, sku)["safety_stock"] = safety
        assert_database_matches(model, locations, skus, viewer, "initial stock")
        for number, drawn in enumerate(steps, start=1):
            op = concrete(model, drawn)
            step = f"step {number} {op!r}"
            ledger_size = StockMovement.objects.count()
            try:
                changes = predict(model, op)
            except Refused:
                changes = None
            event(f"{op[0]} {'refused' if changes is None else 'accepted'}")
            if changes is None:
                with pytest.raises(DomainError):
                    apply(op, locations, skus, model, actor)
                assert StockMovement.objects.count() == ledger_size, f"{step} was refused but wrote the ledger"
            else:
                apply(op, locations, skus, model, actor)
                written = StockMovement.objects.count() - ledger_size
                assert written == len(changes), f"{step} changed {len(changes)} levels but wrote {written} ledger rows"
                model.levels.update(changes)
                if op[0] in ("reserve", "release", "ship"):
                    sign = 1 if op[0] == "reserve" else -1
                    for sku_index, qty in merged(op[2]).items():
                        key = (op[1], sku_index)
                        model.order_held[key] = model.order_held.get(key, 0) + sign * qty
                if op[0] in ("transfer_ship", "transfer_receive", "transfer_cancel"):
                    transfer = model.transfers[op[1] % len(model.transfers)]
                    transfer.status = {
                        "transfer_ship": "shipped",
                        "transfer_receive": "received",
                        "transfer_cancel": "cancelled",
                    }[op[0]]
            assert_database_matches(model, locations, skus, viewer, step)
        transaction.set_rollback(True)
