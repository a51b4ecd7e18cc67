"""The orders list's sortable columns, saved views, visible columns and streamed CSV export."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.roles import BACK_OFFICE, STORE_ASSOCIATE
from core.sorting import sort_from
from returns.models import ReturnSource
from returns.services import ReturnLineInput, return_request
from tests.factories import user_with_role
from tests.factories.orders import place_order
from tests.factories.returns import ReturnNetwork, delivered_order, return_network
from ui.models import SavedView

pytestmark = pytest.mark.django_db

LIST = reverse("orders:index")
EXPORT = reverse("lists:export", args=["orders"])
SAVE = reverse("lists:view_create", args=["orders"])


@pytest.fixture
def net(db) -> ReturnNetwork:
    return return_network(stock=200)


@pytest.fixture
def pat(db) -> Any:
    return user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")


@pytest.fixture
def staff(client: Client, pat: Any) -> Client:
    client.force_login(pat)
    return client


def numbers(response: Any) -> list[str]:
    return re.findall(r'<tr data-order="(SO-\d+)">', response.content.decode())


def said(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def csv_rows(response: Any) -> list[list[str]]:
    """The rows of a streamed CSV export."""
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def exported(response: Any) -> list[list[str]]:
    """The rows of an orders export, named for its list and the time it was made."""
    assert re.fullmatch(r'attachment; filename="orders-\d{8}-\d{4}\.csv"', response["Content-Disposition"])
    return csv_rows(response)


def _orders(net: ReturnNetwork, names: list[str]) -> list[Any]:
    return [
        place_order(net.channel, [(net.tee.code, units)], external_id=f"W-{i}", customer_name=name).order
        for i, (units, name) in enumerate(zip(range(1, len(names) + 1), names, strict=True))
    ]


def test_the_sort_is_whitelisted_and_falls_back_to_the_default() -> None:
    columns = {"placed": ("placed_at", "id"), "total": ("grand_total", "id")}
    assert sort_from("-total", columns=columns, default="-placed").order_by() == ["-grand_total", "-id"]
    assert sort_from("total", columns=columns, default="-placed").order_by() == ["grand_total", "id"]
    for unknown in ("password", "-channel__secret", "", None):
        assert sort_from(unknown, columns=columns, default="-placed").param == "-placed"


def test_clicking_a_column_sorts_the_list_and_clicking_again_reverses_it(net: ReturnNetwork, staff: Client) -> None:
    first, second, third = _orders(net, ["Carol", "Alice", "Bob"])
    assert numbers(staff.get(LIST)) == [third.number, second.number, first.number]  # newest first

    page = staff.get(LIST, {"sort": "customer"})
    assert numbers(page) == [second.number, third.number, first.number]
    html = page.content.decode()
    assert 'aria-sort="ascending" data-col="customer"' not in html  # attribute order: class, data-col, aria-sort
    assert re.search(r'data-col="customer" aria-sort="ascending"><a class="sort-link" href="\?sort=-customer"', html)
    assert numbers(staff.get(LIST, {"sort": "-customer"})) == [first.number, third.number, second.number]
    assert numbers(staff.get(LIST, {"sort": "-units"})) == [third.number, second.number, first.number]
    assert staff.get(LIST, {"sort": "customer_email"}).status_code == 200  # not offered: the default order


def test_a_saved_view_keeps_filters_sort_and_columns_and_is_personal_unless_shared(
    net: ReturnNetwork, staff: Client
) -> None:
    _orders(net, ["Alice", "Bob"])
    query = "q=alice&sort=-units&cols=order&cols=total&page=2"
    response = staff.post(SAVE, {"name": "  Alice  by units ", "query": query})
    view = SavedView.objects.get()
    assert (view.name, view.query, view.shared) == (
        "Alice by units",
        "q=alice&sort=-units&cols=order&cols=total",
        False,
    )
    assert response["Location"] == f"{LIST}?{view.query}"
    assert said(response) == ["Saved the view “Alice by units”: it is in Views for you."]

    page = staff.get(response["Location"]).content.decode()
    assert "Views: <strong>Alice by units</strong>" in page  # the view being looked at is named
    assert '[data-list="orders"] [data-col="placed"]' in page and "display: none" in page

    client = Client()
    client.force_login(user_with_role(BACK_OFFICE, username="sam"))
    assert "Alice by units" not in client.get(LIST).content.decode()
    staff.post(SAVE, {"name": "Alice by units", "query": query, "shared": "on"})  # same name: replaced
    assert SavedView.objects.get().shared
    assert "shared by Pat Lee" in client.get(LIST).content.decode()
    remove = reverse("lists:view_remove", args=[view.pk])
    assert client.post(remove).status_code == 404  # only its owner removes it
    response = staff.post(remove)
    assert said(response)[-1] == "Removed the view “Alice by units”." and not SavedView.objects.exists()


def test_a_view_without_a_name_says_what_to_do(net: ReturnNetwork, staff: Client) -> None:
    response = staff.post(SAVE, {"name": " ", "query": "q=bob"})
    assert response["Location"] == f"{LIST}?q=bob"
    assert said(response) == ["The view was not saved: Give the view a name, e.g. 'Held web orders'."]
    assert not SavedView.objects.exists()


def test_the_export_streams_every_filtered_row_in_the_lists_order_and_columns(
    net: ReturnNetwork, staff: Client
) -> None:
    names = [f"Zed {n:02d}" for n in range(30)] + ['=HYPERLINK("http://evil")', "Other"]
    orders = _orders(net, names)
    rows = exported(staff.get(EXPORT, {"q": "zed", "sort": "customer"}))
    assert rows[0] == [
        "Order", "Channel order id", "Placed", "Customer", "Email", "Channel", "Ships from", "Units", "Total",
        "Currency", "Status",
    ]  # fmt: skip
    assert [row[3] for row in rows[1:]] == names[:30]  # all 30, not the 25 of a page
    assert rows[1][0] == orders[0].number and rows[1][6] == "dal-dc"

    rows = exported(staff.get(EXPORT, {"q": "=HYPER", "cols": ["customer", "total"]}))
    assert rows == [["Order", "Channel order id", "Customer", "Email", "Total", "Currency"], rows[1]]
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'  # a spreadsheet shows it as text, never runs it


def test_the_list_says_how_many_rows_the_export_holds(net: ReturnNetwork, staff: Client) -> None:
    _orders(net, ["Alice", "Bob", "Alan"])
    page = staff.get(LIST, {"q": "al", "sort": "customer"}).content.decode()
    assert f'href="{EXPORT}?q=al&amp;sort=customer" download data-export>Export 2 orders (CSV)</a>' in page


def test_the_export_is_refused_to_people_who_cannot_read_orders(net: ReturnNetwork, client: Client) -> None:
    client.force_login(user_with_role(STORE_ASSOCIATE, username="nyc", locations=[net.store]))
    assert client.get(EXPORT).status_code == 403
    assert client.post(SAVE, {"name": "Mine", "query": ""}).status_code == 403
    assert client.get(reverse("lists:export", args=["nothing"])).status_code == 404


def _export_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        exported(client.get(EXPORT))
    return len(captured)


def test_export_and_list_queries_do_not_grow_with_the_rows_or_the_views(
    net: ReturnNetwork, staff: Client, pat: Any, django_assert_num_queries: Any
) -> None:
    _orders(net, ["A", "B"])
    few = _export_queries(staff)
    _orders(net, [f"N{n}" for n in range(20)])
    # session, user, 2 permission lookups, channels and locations of the filter form, the orders
    # (one server-side cursor), their shipments (one per 2,000 rows)
    assert _export_queries(staff) == few == 8
    for n in range(4):
        SavedView.objects.create(owner=pat, list_key="orders", name=f"View {n}", query=f"q={n}")
    with django_assert_num_queries(12):  # the list's pages also read their orders' tags (one query)
        staff.get(LIST, {"sort": "-total", "cols": ["total"]})


def _rma(net: ReturnNetwork, external_id: str, customer: str, quantity: int) -> Any:
    order = delivered_order(net.channel, [(net.tee.code, 2, "20.00")], external_id=external_id, customer_name=customer)
    return return_request(
        order=order, lines=[ReturnLineInput(quantity, "doesnt_fit", sku=net.tee.code)], source=ReturnSource.STAFF
    )


def test_the_returns_queue_sorts_saves_and_exports_alike(net: ReturnNetwork, staff: Client) -> None:
    one = _rma(net, "R-1", "Bea", 2)
    two = _rma(net, "R-2", "Alan", 1)
    html = staff.get(reverse("returns:index"), {"sort": "-units"}).content.decode()
    assert re.findall(r'<tr data-rma="(RMA-\d+)">', html) == [one.number, two.number]
    assert "Export 2 returns (CSV)" in html and 'data-col="units" aria-sort="descending"' in html

    rows = csv_rows(staff.get(reverse("lists:export", args=["returns"]), {"sort": "customer"}))
    assert rows[0][:4] == ["Return", "Source", "Order", "Channel"]
    assert [row[0] for row in rows[1:]] == [two.number, one.number]
    assert [row[rows[0].index("Units")] for row in rows[1:]] == ["1", "2"]

    response = staff.post(
        reverse("lists:view_create", args=["returns"]), {"name": "Big returns", "query": "sort=-units"}
    )
    assert response["Location"] == reverse("returns:index") + "?sort=-units"


def test_the_work_queue_sorts_exports_and_keeps_its_queries(
    net: ReturnNetwork, staff: Client, pat: Any, django_assert_num_queries: Any
) -> None:
    orders = _orders(net, ["Ann", "Ben"])
    work = reverse("fulfillment:work")
    html = staff.get(work, {"tab": "accept", "sort": "-shipment"}).content.decode()
    shipments = re.findall(r'<tr data-shipment="(SH-\d+)">', html)
    assert len(shipments) == 2 and shipments == sorted(shipments, reverse=True)
    assert "Export 2 shipments (CSV)" in html and "Columns" not in html  # the tabs choose the columns

    rows = csv_rows(staff.get(reverse("lists:export", args=["shipments"]), {"tab": "accept"}))
    assert rows[0][:4] == ["Shipment", "Status", "Order", "Customer"]
    assert sorted(row[2] for row in rows[1:]) == sorted(order.number for order in orders)
    assert {row[4] for row in rows[1:]} == {"dal-dc"} and {row[5] for row in rows[1:]} == {"TEE-BLK-Mx1", "TEE-BLK-Mx2"}

    with CaptureQueriesContext(connection) as few:
        staff.get(work, {"tab": "accept"})
    _orders(net, [f"More {n}" for n in range(6)])
    SavedView.objects.create(owner=pat, list_key="shipments", name="Accept", query="tab=accept")
    with django_assert_num_queries(len(few)):
        staff.get(work, {"tab": "accept", "sort": "location"})


def test_the_stock_movements_list_filters_sorts_exports_and_keeps_to_the_readers_locations(
    net: ReturnNetwork, staff: Client, client: Client, django_assert_num_queries: Any
) -> None:
    movements = reverse("lists:movements")
    html = staff.get(movements, {"sku": "MUG-WHT", "sort": "location"}).content.decode()
    assert html.count("<tr data-movement=") == 1 and "MUG-WHT" in html and "Export 1 movements (CSV)" in html
    rows = csv_rows(staff.get(reverse("lists:export", args=["movements"]), {"kind": "receipt", "sort": "-location"}))
    assert rows[0][:5] == ["When", "Movement", "SKU", "SKU name", "Location"]
    assert [row[4] for row in rows[1:]] == ["nyc-store"] + ["dal-dc"] * 3  # the store's tee, then the DC's three

    with django_assert_num_queries(8):  # session, user, permissions, locations, count, rows, saved views
        staff.get(movements, {"sort": "-on_hand", "kind": "receipt"})

    store_client = Client()
    store_client.force_login(user_with_role(STORE_ASSOCIATE, username="nyc", locations=[net.store]))
    html = store_client.get(movements).content.decode()
    assert html.count("<tr data-movement=") == 1 and "dal-dc" not in html.split('id="movements"')[1]
