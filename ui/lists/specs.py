"""The lists that can be exported and saved: their columns, CSV cells and rows (the app's own selectors)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from fulfillment.selectors.orders import order_search
from fulfillment.selectors.work import work_queue
from fulfillment.views.orders.lists import order_sort
from fulfillment.views.work import WORK, work_selection, work_sort
from orders.forms import OrderFilterForm
from orders.selectors import order_filter_choices
from returns.selectors import return_queue
from returns.views.queue import return_filters, return_sort
from ui.lists.movements import movement_list_rows


@dataclass(frozen=True)
class Column:
    """A column a person may show or hide; `cells` are its CSV cells (a column may export several)."""

    key: str
    label: str
    headers: tuple[str, ...]
    cells: Callable[[Any], Iterable[object]]


@dataclass(frozen=True)
class ListSpec:
    """One list: where it lives, who may read it, its columns, and its rows as the page shows them."""

    key: str
    noun: str
    url_name: str
    permission: str
    columns: tuple[Column, ...]
    rows: Callable[[HttpRequest], QuerySet[Any]]
    #: False for a list whose page changes its columns by itself (the work queue's tabs): all are exported.
    hideable: bool = True

    def visible(self, cols: list[str]) -> tuple[Column, ...]:
        """The columns `?cols=a&cols=b` (or `?cols=a,b`) asks for, in the list's order; all when none is named."""
        if not self.hideable:
            return self.columns
        wanted = {key for value in cols for key in value.split(",") if key}
        chosen = tuple(column for column in self.columns[1:] if column.key in wanted)
        # The first column names the row and opens it: it is always shown.
        return (self.columns[0], *chosen) if chosen else self.columns


def _when(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _order_rows(request: HttpRequest) -> QuerySet[Any]:
    form = OrderFilterForm(request.GET or None, **order_filter_choices())
    return order_search(user=request.user, filters=form.filters()).order_by(*order_sort(request).order_by())


ORDERS = ListSpec(
    key="orders",
    noun="orders",
    url_name="orders:index",
    permission="orders.view_order",
    columns=(
        Column("order", "Order", ("Order", "Channel order id"), lambda o: (o.number, o.external_id)),
        Column("placed", "Placed", ("Placed",), lambda o: (_when(o.placed_at),)),
        Column("customer", "Customer", ("Customer", "Email"), lambda o: (o.customer_name, o.customer_email)),
        Column("channel", "Channel", ("Channel",), lambda o: (o.channel.name,)),
        Column(
            "ships_from",
            "Ships from",
            ("Ships from",),
            lambda o: (" ".join(shipment.location.code for shipment in o.live_shipments),),
        ),
        Column("units", "Units", ("Units",), lambda o: (o.units,)),
        Column("total", "Total", ("Total", "Currency"), lambda o: (o.grand_total, o.currency)),
        Column("status", "Status", ("Status",), lambda o: (o.get_status_display(),)),
    ),
    rows=_order_rows,
)


def _refund_cells(rma: Any) -> tuple[object, object]:
    refund = getattr(rma, "refund", None)  # a reverse one-to-one: absent until inspection decides one
    return (refund.amount, refund.get_status_display()) if refund is not None else ("", "")


def _return_rows(request: HttpRequest) -> QuerySet[Any]:
    filters = return_filters(request)[0]
    return return_queue(user=request.user, filters=filters).order_by(*return_sort(request).order_by())


RETURNS = ListSpec(
    key="returns",
    noun="returns",
    url_name="returns:index",
    permission="returns.view_returnauthorization",
    columns=(
        Column("rma", "Return", ("Return", "Source"), lambda r: (r.number, r.get_source_display())),
        Column(
            "order",
            "Order",
            ("Order", "Channel", "Channel order id"),
            lambda r: (r.order.number, r.order.channel.name, r.order.external_id),
        ),
        Column("customer", "Customer", ("Customer",), lambda r: (r.order.customer_name,)),
        Column("location", "Back to", ("Back to",), lambda r: (r.return_location.code if r.return_location else "",)),
        Column("units", "Units", ("Units",), lambda r: (r.unit_count,)),
        Column("status", "Status", ("Status",), lambda r: (r.get_status_display(),)),
        Column(
            "refund",
            "Refund",
            ("Refund", "Refund status"),
            lambda r: _refund_cells(r),
        ),
        Column("requested", "Requested", ("Requested",), lambda r: (_when(r.created_at),)),
    ),
    rows=_return_rows,
)


def _shipment_rows(request: HttpRequest) -> QuerySet[Any]:
    today = timezone.localdate()
    _, location, tab, _ = work_selection(request, today)
    return work_queue(user=request.user, location=location, tab=tab, today=today).order_by(
        *work_sort(request).order_by()
    )


SHIPMENTS = ListSpec(
    key="shipments",
    noun="shipments",
    url_name="fulfillment:work",
    permission=WORK,
    columns=(
        Column("shipment", "Shipment", ("Shipment", "Status"), lambda s: (s.number, s.get_status_display())),
        Column(
            "order",
            "Order",
            ("Order", "Customer"),
            lambda s: (s.order.number, s.order.customer_name),
        ),
        Column("location", "Location", ("Location",), lambda s: (s.location.code,)),
        Column(
            "contents",
            "Contents",
            ("Contents", "Units"),
            lambda s: (
                " ".join(f"{line.sku.code}x{line.quantity}" for line in s.lines.all()),
                sum(line.quantity for line in s.lines.all()),
            ),
        ),
        Column("ship_by", "Ship by", ("Ship by",), lambda s: (s.ship_by.isoformat() if s.ship_by else "",)),
        Column(
            "carrier",
            "Carrier",
            ("Carrier", "Service", "Tracking", "Shipped"),
            lambda s: (s.carrier, s.service, s.tracking_number, _when(s.shipped_at)),
        ),
    ),
    rows=_shipment_rows,
    hideable=False,
)

MOVEMENTS = ListSpec(
    key="movements",
    noun="movements",
    url_name="lists:movements",
    permission="inventory.view_stockmovement",
    columns=(
        Column("when", "When", ("When", "Movement"), lambda m: (_when(m.created_at), m.pk)),
        Column("sku", "SKU", ("SKU", "SKU name"), lambda m: (m.sku.code, m.sku.name)),
        Column("location", "Location", ("Location",), lambda m: (m.location.code,)),
        Column("kind", "Kind", ("Kind", "Reason"), lambda m: (m.get_kind_display(), m.reason_code)),
        Column(
            "on_hand",
            "On hand",
            ("On hand change", "On hand after", "Reserved change", "Reserved after"),
            lambda m: (m.on_hand_delta, m.on_hand_after, m.reserved_delta, m.reserved_after),
        ),
        Column(
            "document",
            "Document",
            ("Document", "Document id"),
            lambda m: (m.document_type, m.document_id),
        ),
        Column(
            "who",
            "Who",
            ("Who", "Note"),
            lambda m: (m.actor.get_username() if m.actor else "", m.note),
        ),
    ),
    rows=movement_list_rows,
)

LISTS: dict[str, ListSpec] = {spec.key: spec for spec in (ORDERS, RETURNS, SHIPMENTS, MOVEMENTS)}
