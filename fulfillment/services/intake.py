"""Intake: every order, from any channel, enters here and leaves created, routed and reserved.

The REST API, the marketplace connectors, the staff form, a CSV file and exchanges all call
`order_import`: it checks the order, then in one transaction inserts it
(`orders.services.order_create`), routes it and reserves the plan (`order_route_new`). A
second delivery of the same (channel, external id) returns the first order and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from channels.models import Channel
from core.errors import DomainError
from core.queueing import queue_on_commit_by_window
from core.types import AnyUser
from fulfillment.models import Shipment, ShipmentLine
from fulfillment.services.addresses import order_hold_if_unplaced
from fulfillment.services.routing import order_route_new
from fulfillment.tasks import addresses_check_window, order_address_check_task
from orders.models import Order, OrderLine
from orders.services import (
    OrderCsvReport,
    OrderInput,
    order_create,
    order_duplicate_note,
    order_find,
    order_input_check,
)
from orders.services.csv_import import order_csv_check, order_csv_error, order_csv_input, order_csv_rows


@dataclass
class ImportResult:
    """What `order_import` did. For a new order, `lines` and `shipments` are the rows it wrote, as
    they are in the database (shipments carry their lines in `shipment_lines`), so a caller can
    answer without reading them back."""

    order: Order
    created: bool
    notes: list[str] = field(default_factory=list)
    lines: list[OrderLine] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    shipment_lines: dict[int, list[ShipmentLine]] = field(default_factory=dict)


def order_import(
    *, channel: Channel, data: OrderInput, actor: AnyUser | None = None, actor_label: str = ""
) -> ImportResult:
    """Create, route and reserve an order, exactly once per (channel, external id).

    The order, its lines and its routing are written in one transaction; the returned order
    (and `lines`, `shipments`) are as the database holds them, without a read-back.

    Validates everything before writing (unknown SKU, bad quantity, unknown ZIP, unknown
    pickup store: a DomainError naming the field, nothing written). A repeat delivery of an
    order that already exists returns it with `created=False` and writes only a timeline
    note: the unique index on (channel, external id) refuses its INSERT, so a new order pays
    no look-up first. Concurrent deliveries of the same order are serialised by that index.
    """
    order_input_check(channel=channel, data=data)
    # No look-up first: a new order (nearly every delivery) costs one query less, and a repeat is
    # refused by the unique index on its first INSERT, before any routing, then answered below.
    try:
        with transaction.atomic():
            created = order_create(channel=channel, data=data, actor=actor, actor_label=actor_label)
            timeline = [created.created_event]
            outcome = None
            # A destination not on the map is held with the reason, never routed from (0, 0).
            if not order_hold_if_unplaced(order=created.order, timeline=timeline, actor=actor, actor_label=actor_label):
                # The created event is written with the routing's events, in one INSERT and in this order.
                outcome = order_route_new(
                    order=created.order,
                    lines=created.lines,
                    actor=actor,
                    actor_label=actor_label,
                    timeline=timeline,
                )
    except (IntegrityError, DomainError):
        # The channel sent this order before (or a twin delivery committed first): answer with that
        # one, even if its lines would be refused today (a SKU retired since). Nothing was written.
        existing = order_find(channel=channel, external_id=data.external_id)
        if existing is None:
            raise
        return _duplicate(existing, actor=actor, actor_label=actor_label)
    _queue_address_check(created.order)
    # `order_route_new` kept the order and its lines as they now are in the database: no re-read.
    return ImportResult(
        order=created.order,
        created=True,
        lines=created.lines,
        shipments=outcome.shipments if outcome else [],
        shipment_lines=outcome.shipment_lines if outcome else {},
    )


def _queue_address_check(order: Order) -> None:
    """After commit, have the order's address checked: one broker message per second of orders (a
    message per order cost more of the request's CPU than any statement)."""
    queue_on_commit_by_window(
        order_address_check_task,
        addresses_check_window,
        window_key="fulfillment:address-window",
        stamp=order.created_at,
        order_id=order.pk,
    )


def _duplicate(order: Order, *, actor: AnyUser | None, actor_label: str) -> ImportResult:
    order_duplicate_note(order=order, actor=actor, actor_label=actor_label)
    return ImportResult(order=order, created=False, notes=["duplicate"])


def orders_import_csv(*, stream: object, actor: AnyUser | None, actor_label: str = "CSV import") -> OrderCsvReport:
    """Import orders from a CSV file, all or nothing; returns a report with row-level errors.

    One row per order line: channel, external_id, customer_name, email, postal_code,
    service, sku, quantity, unit_price; rows with the same (channel, external_id) make one
    order. Every row is checked first (unknown channel, SKU or ZIP code, bad quantity or
    price, order fields that differ between the rows of one order): if any is wrong, nothing
    is written and every problem is reported. Then each order goes through `order_import`
    (routed and reserved) in one transaction: a refusal of any order rolls back them all.
    An order the channel already has is not created again (`duplicates`).
    """
    report = OrderCsvReport()
    rows = order_csv_rows(stream)
    report.rows = len(rows)
    groups, report.errors = order_csv_check(rows)
    if report.errors:
        return report
    with transaction.atomic():
        for group in groups:
            try:
                result = order_import(
                    channel=group.channel, data=order_csv_input(group), actor=actor, actor_label=actor_label
                )
            except DomainError as exc:
                report.errors.append(order_csv_error(group, exc))
                continue
            (report.created if result.created else report.duplicates).append(result.order)
        if report.errors:
            transaction.set_rollback(True)
            report.created, report.duplicates = [], []
    return report
