"""The inventory staff pages: figures, htmx partials, inline stock actions, scoping, bad input, queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.roles import BACK_OFFICE, STORE_ASSOCIATE
from inventory.models import SKU, Location, LocationKind, StockLevel, StockMovement, Transfer, TransferStatus
from inventory.services import DocumentRef, StockLine, ledger_verify, stock_reserve
from tests.factories import stocked, user_with_role
from tests.factories.pages import make_location, make_sku

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def level(location: Location, sku: SKU) -> StockLevel:
    return StockLevel.objects.get(location=location, sku=sku)


def reserve(location: Location, sku: SKU, quantity: int) -> None:
    stock_reserve(
        location=location, lines=[StockLine(sku.pk, quantity)], actor=None, document=DocumentRef("order", "1")
    )


def stock_url(action: str, sku: SKU, location: Location) -> str:
    return reverse(f"inventory:stock_{action}", kwargs={"code": sku.code, "location_code": location.code})


def text(response) -> str:
    return response.content.decode()


def streamed(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def associate_client(client, associate_user):
    client.force_login(associate_user)
    return client


@pytest.fixture
def operator_client(client, operator_user):
    client.force_login(operator_user)
    return client


# --- Grid ---------------------------------------------------------------------------------------


def test_grid_shows_atp_on_hand_and_reserved(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 7)
    reserve(warehouse, sku, 2)
    stocked(store, sku, 3)

    response = back_office_client.get(reverse("inventory:grid"))

    assert response.status_code == 200
    body = text(response)
    assert "<html" in body and "TEE-BLK-M" in body
    assert re.search(r'class="cell-atp"[^>]*>5<', body)  # 7 on hand - 2 reserved
    assert "7 / 2" in body
    assert re.search(r'class="cell-atp"[^>]*>3<', body)
    assert "dal-dc" in body and "nyc-store" in body


def test_grid_htmx_search_returns_only_the_results_partial(back_office_client, warehouse):
    wanted = make_sku(code="MUG-WHT", name="White mug", barcode="4006381333931")
    other = make_sku(code="CAP-RED", name="Red cap")
    stocked(warehouse, wanted, 4)
    stocked(warehouse, other, 4)

    response = back_office_client.get(reverse("inventory:grid"), {"q": "mug"}, **HTMX)

    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body and 'id="grid-results"' in body
    assert "MUG-WHT" in body and "CAP-RED" not in body
    assert "HX-Request" in response["Vary"]
    by_barcode = text(back_office_client.get(reverse("inventory:grid"), {"q": "4006381333931"}, **HTMX))
    assert "MUG-WHT" in by_barcode and "CAP-RED" not in by_barcode


def test_grid_filters_by_location_kind_and_low_stock(back_office_client, warehouse, store):
    plenty = make_sku(code="PLENTY")
    scarce = make_sku(code="SCARCE")
    stocked(warehouse, plenty, 50)
    stocked(warehouse, scarce, 2)
    stocked(store, plenty, 40)

    low = text(back_office_client.get(reverse("inventory:grid"), {"low": "on"}))
    assert "SCARCE" in low and "PLENTY" not in low

    stores_only = text(back_office_client.get(reverse("inventory:grid"), {"kind": LocationKind.STORE}, **HTMX))
    assert "nyc-store" in stores_only and "dal-dc" not in stores_only

    one = text(back_office_client.get(reverse("inventory:grid"), {"location": "dal-dc"}, **HTMX))
    assert "dal-dc" in one and "nyc-store" not in one


def test_grid_without_results_says_so_and_bad_parameters_do_not_fail(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 1)
    response = back_office_client.get(
        reverse("inventory:grid"), {"q": "no-such-thing", "page": "abc", "per_page": "7", "location": "nope"}
    )
    assert response.status_code == 200
    assert "No SKUs match these filters" in text(response)
    assert back_office_client.get(reverse("inventory:grid"), {"page": "999"}).status_code == 200


def test_grid_paginates(back_office_client, warehouse):
    for n in range(30):
        stocked(warehouse, make_sku(code=f"P-{n:03d}"), 1)
    body = text(back_office_client.get(reverse("inventory:grid"), {"per_page": "25"}))
    assert "1\u201325 of 30 SKUs" in body and "P-024" in body and "P-025" not in body
    page_two = text(back_office_client.get(reverse("inventory:grid"), {"per_page": "25", "page": "2"}, **HTMX))
    assert "P-025" in page_two and "P-029" in page_two and "P-000" not in page_two


def test_grid_columns_put_warehouses_first_then_3pl_store_dropship_by_code(back_office_client, sku):
    # Codes chosen so that neither the kind's text nor the code alone gives this order.
    for code, kind in [
        ("aa-drop", LocationKind.DROPSHIP_SUPPLIER),
        ("ab-store", LocationKind.STORE),
        ("ac-3pl", LocationKind.THIRD_PARTY),
        ("zz-dc", LocationKind.WAREHOUSE),
        ("ad-dc", LocationKind.WAREHOUSE),
    ]:
        stocked(make_location(code=code, kind=kind), sku, 1)

    response = back_office_client.get(reverse("inventory:grid"))

    expected = ["ad-dc", "zz-dc", "ac-3pl", "ab-store", "aa-drop"]
    assert [loc.code for loc in response.context["columns"]] == expected
    assert re.findall(r'class="loc-code"[^>]*>([^<]+)<', text(response)) == expected


GRID_QUERIES = 8  # session, user, 2 permission lookups, locations, SKU count, SKU page, every cell at once


def _grid_network(locations: int, skus: int) -> None:
    places = [make_location(kind=LocationKind.WAREHOUSE if n % 2 else LocationKind.STORE) for n in range(locations)]
    for n in range(skus):
        item = make_sku()
        for place in places[: 1 + n % len(places)]:
            stocked(place, item, 1 + n)


def test_grid_queries_do_not_grow_with_page_size_or_data(back_office_client, django_assert_num_queries):
    _grid_network(locations=2, skus=3)
    with django_assert_num_queries(GRID_QUERIES):
        assert back_office_client.get(reverse("inventory:grid"), {"per_page": "25"}).status_code == 200

    _grid_network(locations=6, skus=120)
    for params in ({"per_page": "25"}, {"per_page": "100"}, {"per_page": "100", "low": "on", "q": "SKU"}):
        with django_assert_num_queries(GRID_QUERIES):
            assert back_office_client.get(reverse("inventory:grid"), params).status_code == 200
    with django_assert_num_queries(GRID_QUERIES):
        assert back_office_client.get(reverse("inventory:grid"), {"per_page": "100"}, **HTMX).status_code == 200


def test_store_associate_sees_only_their_store_in_the_grid(associate_client, store, other_store, warehouse, sku):
    stocked(store, sku, 5)
    stocked(other_store, sku, 9)
    stocked(warehouse, sku, 11)
    body = text(associate_client.get(reverse("inventory:grid")))
    assert "nyc-store" in body
    assert "chi-store" not in body and "dal-dc" not in body
    assert "11 / 0" not in body and "9 / 0" not in body


def test_grid_needs_the_view_permission(client, warehouse):
    client.force_login(user_with_role(STORE_ASSOCIATE, username="nobody-yet", locations=[]))
    assert client.get(reverse("inventory:grid")).status_code == 200  # associates may view stock
    stranger = user_with_role(BACK_OFFICE, username="stranger")
    stranger.groups.clear()
    client.force_login(stranger)
    assert client.get(reverse("inventory:grid")).status_code == 403
    assert client.get(reverse("inventory:export")).status_code == 403


# --- CSV export and import ---------------------------------------------------------------------------


def test_export_streams_every_visible_level(back_office_client, associate_user, warehouse, store, sku):
    stocked(warehouse, sku, 12)
    stocked(store, sku, 4)
    response = back_office_client.get(reverse("inventory:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = streamed(response).splitlines()
    assert lines[0] == "location,sku,on_hand,safety_stock,reserved,available,in_transit"
    assert "dal-dc,TEE-BLK-M,12,0,0,12,0" in lines and "nyc-store,TEE-BLK-M,4,0,0,4,0" in lines

    associate = Client()
    associate.force_login(associate_user)
    scoped = streamed(associate.get(reverse("inventory:export")))
    assert "nyc-store" in scoped and "dal-dc" not in scoped


def csv_upload(content: str, name: str = "stock.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def test_import_good_file_sets_levels_and_reports(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 3)
    body = "location,sku,on_hand,safety_stock\ndal-dc,TEE-BLK-M,10,2\nnyc-store,TEE-BLK-M,4,\n"

    response = back_office_client.post(reverse("inventory:import"), {"file": csv_upload(body)})

    assert response.status_code == 200
    page = text(response)
    assert "Import complete" in page and "Imported 2 rows: 2 changed" in page
    assert (level(warehouse, sku).on_hand, level(warehouse, sku).safety_stock) == (10, 2)
    assert level(store, sku).on_hand == 4
    assert ledger_verify() == []


def test_import_bad_file_writes_nothing_and_lists_row_errors(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 3)
    before = StockMovement.objects.count()
    body = "location,sku,on_hand\ndal-dc,TEE-BLK-M,10\nnowhere,TEE-BLK-M,1\ndal-dc,NOPE,x\n"

    response = back_office_client.post(reverse("inventory:import"), {"file": csv_upload(body)}, **HTMX)

    assert response.status_code == 422
    page = text(response)
    assert "<html" not in page
    assert "Nothing was imported" in page
    assert "unknown location &#x27;nowhere&#x27;" in page and "unknown SKU &#x27;NOPE&#x27;" in page
    assert "is not a whole number" in page
    assert re.search(r'<td class="num">3</td>\s*<td class="mono">location</td>', page)
    assert StockMovement.objects.count() == before
    assert level(warehouse, sku).on_hand == 3


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("", "empty.csv", "The submitted file is empty."),
        ("\n\n", "blank.csv", "The file is empty."),
        ("where,what\nx,y\n", "stock.csv", "Missing column(s)"),
        ("location,sku,on_hand\n", "stock.xlsx", "Upload a .csv file"),
    ],
)
def test_import_file_level_problems_show_on_the_field(back_office_client, content, name, message):
    upload = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    response = back_office_client.post(reverse("inventory:import"), {"file": upload})
    assert response.status_code == 422
    assert message in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert StockMovement.objects.count() == 0


def test_import_without_a_file_asks_for_one(back_office_client):
    response = back_office_client.post(reverse("inventory:import"), {})
    assert response.status_code == 422
    assert "This field is required." in text(response)


def test_import_page_shows_the_format(back_office_client):
    body = text(back_office_client.get(reverse("inventory:import")))
    assert "location,sku,on_hand,safety_stock" in body and "dal-dc,APP-TEE-BLK-M,240,10" in body  # the demo's own codes


# --- SKU page and inline stock actions ----------------------------------------------------------------


def test_sku_page_shows_levels_and_ledger(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 7)
    reserve(warehouse, sku, 2)
    response = back_office_client.get(reverse("inventory:sku_detail", args=[sku.code]))
    assert response.status_code == 200
    body = text(response)
    assert "Black tee, M" in body
    assert re.search(r'data-figure="on_hand">7<', body) and re.search(r'data-figure="reserved">2<', body)
    assert re.search(r'data-figure="atp">5<', body)
    assert body.count('data-movement="') == 2  # the receipt and the reservation
    assert "Not stocked at 1 other location" in body  # nyc-store can receive it


def test_sku_page_ledger_filters_and_htmx_partial(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 7)
    stocked(store, sku, 2)
    response = back_office_client.get(
        reverse("inventory:sku_detail", args=[sku.code]), {"location": "nyc-store", "kind": "receipt"}, **HTMX
    )
    body = text(response)
    assert "<html" not in body and 'id="ledger"' in body
    assert body.count('data-movement="') == 1
    empty = text(back_office_client.get(reverse("inventory:sku_detail", args=[sku.code]), {"kind": "ship"}))
    assert "No movements match these filters" in empty
    backwards = back_office_client.get(
        reverse("inventory:sku_detail", args=[sku.code]), {"since": "2030-01-02", "until": "2030-01-01"}
    )
    assert backwards.status_code == 200 and "The end date is before the start date." in text(backwards)


SKU_PAGE_QUERIES = 11  # session, user, 2 permissions, the SKU, levels, locations, ledger count, ledger page,
# and the photo gallery panel (its photos, its open photo requests)
LOCATION_PAGE_QUERIES = 8  # session, user, 2 permissions, the location, level count, level page, movements


def test_sku_and_location_pages_do_not_query_per_row(back_office_client, django_assert_num_queries, warehouse, sku):
    stocked(warehouse, sku, 1)
    with django_assert_num_queries(SKU_PAGE_QUERIES):
        back_office_client.get(reverse("inventory:sku_detail", args=[sku.code]))
    with django_assert_num_queries(LOCATION_PAGE_QUERIES):
        back_office_client.get(reverse("inventory:location_detail", args=[warehouse.code]))
    for n in range(6):
        place = make_location()
        stocked(place, sku, 3 + n)
        stocked(warehouse, make_sku(), 2 + n)
        reserve(place, sku, 1)
    with django_assert_num_queries(SKU_PAGE_QUERIES):
        back_office_client.get(reverse("inventory:sku_detail", args=[sku.code]))
    with django_assert_num_queries(LOCATION_PAGE_QUERIES):
        back_office_client.get(reverse("inventory:location_detail", args=[warehouse.code]))


def test_sku_codes_with_slashes_and_spaces_work_everywhere(back_office_client, warehouse):
    odd = make_sku(code="BOX 10/20", name="Odd code")
    stocked(warehouse, odd, 2)
    assert "BOX 10/20" in text(back_office_client.get(reverse("inventory:grid")))
    page = back_office_client.get(reverse("inventory:sku_detail", args=[odd.code]))
    assert page.status_code == 200 and "Odd code" in text(page)
    assert back_office_client.post(stock_url("receive", odd, warehouse), {"quantity": "1"}).status_code == 302
    assert level(warehouse, odd).on_hand == 3
    assert back_office_client.get(reverse("inventory:sku_edit", args=[odd.code])).status_code == 200


def test_a_sku_coded_new_opens_its_own_page(back_office_client, warehouse):
    coded_new = make_sku(code="new", name="Coded new")
    stocked(warehouse, coded_new, 4)
    page = back_office_client.get(reverse("inventory:sku_detail", args=["new"]))
    assert page.status_code == 200
    assert page.context["sku"] == coded_new and "Coded new" in text(page)
    assert back_office_client.get(reverse("inventory:sku_edit", args=["new"])).status_code == 200
    create = back_office_client.get(reverse("inventory:sku_create"))
    assert create.status_code == 200 and create.context["sku"] is None


def test_unknown_sku_is_404(back_office_client):
    assert back_office_client.get(reverse("inventory:sku_detail", args=["NOPE"])).status_code == 404


def test_receive_without_javascript_redirects_with_a_message(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 2)
    before = StockMovement.objects.count()

    response = back_office_client.post(stock_url("receive", sku, warehouse), {"quantity": "5", "note": "PO-7"})

    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:sku_detail", args=[sku.code])
    assert level(warehouse, sku).on_hand == 7
    movement = StockMovement.objects.latest("id")
    assert StockMovement.objects.count() == before + 1
    assert (movement.kind, movement.on_hand_delta, movement.note) == ("receipt", 5, "PO-7")
    follow = text(back_office_client.get(response["Location"]))
    assert "Received 5 units of TEE-BLK-M at dal-dc. On hand is now 7." in follow
    assert 'role="status"' in follow


def test_adjust_with_htmx_returns_levels_ledger_and_message(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 9)

    response = back_office_client.post(
        stock_url("adjust", sku, warehouse),
        {"delta": "-2", "reason_code": "damaged", "note": "Dropped"},
        HTTP_HX_CURRENT_URL="http://testserver/inventory/skus/TEE-BLK-M/?kind=adjustment",
        **HTMX,
    )

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="stock"')
    assert 'id="messages"' in body and 'hx-swap-oob="innerHTML"' in body
    assert 'id="ledger"' in body and 'hx-swap-oob="true"' in body
    assert "Adjusted TEE-BLK-M at dal-dc by -2 (damaged). On hand is now 7." in body
    assert '<span class="delta-neg">\u22122</span>' in body
    assert body.count('data-movement="') == 1  # the ledger keeps the page's kind=adjustment filter
    assert level(warehouse, sku).on_hand == 7
    movement = StockMovement.objects.latest("id")
    assert (movement.kind, movement.on_hand_delta, movement.reason_code) == ("adjustment", -2, "damaged")


def test_count_records_the_variance(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 10)
    response = back_office_client.post(stock_url("count", sku, warehouse), {"counted": "8"}, **HTMX)
    assert response.status_code == 200
    assert "variance -2" in text(response)
    assert level(warehouse, sku).on_hand == 8
    assert StockMovement.objects.latest("id").kind == "count"


def test_receive_at_a_location_without_stock_creates_the_level(back_office_client, store, sku):
    response = back_office_client.post(stock_url("receive", sku, store), {"quantity": "3"})
    assert response.status_code == 302
    assert level(store, sku).on_hand == 3


def test_safety_stock_edit(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 10)
    form = text(back_office_client.get(stock_url("safety", sku, warehouse), **HTMX))
    assert "<html" not in form and 'name="safety_stock"' in form
    response = back_office_client.post(stock_url("safety", sku, warehouse), {"safety_stock": "4"}, **HTMX)
    assert response.status_code == 200
    assert level(warehouse, sku).safety_stock == 4
    assert "Safety stock of TEE-BLK-M at dal-dc is now 4." in text(response)


def test_stock_form_get_opens_the_form_in_place(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 1)
    fragment = text(back_office_client.get(stock_url("adjust", sku, warehouse), **HTMX))
    assert "<html" not in fragment and 'name="delta"' in fragment and 'name="reason_code"' in fragment
    page = text(back_office_client.get(stock_url("adjust", sku, warehouse)))
    assert "<html" in page and 'name="delta"' in page and "level-row is-open" in page


@pytest.mark.parametrize(
    ("action", "data", "field", "message"),
    [
        ("receive", {"quantity": "0"}, "quantity", "Ensure this value is greater than or equal to 1."),
        ("receive", {"quantity": "-3"}, "quantity", "Ensure this value is greater than or equal to 1."),
        ("receive", {"quantity": "abc"}, "quantity", "Enter a whole number of units, e.g. 12."),
        ("receive", {"quantity": ""}, "quantity", "Enter how many arrived."),
        ("receive", {"quantity": "2.5"}, "quantity", "Enter a whole number of units"),
        ("adjust", {"delta": "0", "reason_code": "lost"}, "delta", "Enter a non-zero number"),
        ("adjust", {"delta": "x", "reason_code": "lost"}, "delta", "Enter a whole number such as -2 or 5."),
        ("adjust", {"delta": "-1", "reason_code": ""}, "reason_code", "Choose why the stock changed."),
        ("adjust", {"delta": "-1", "reason_code": "bogus"}, "reason_code", "Select a valid choice."),
        ("adjust", {"delta": "-50", "reason_code": "lost"}, "delta", "only 6 on hand, cannot remove 50"),
        ("adjust", {"delta": "-5", "reason_code": "lost"}, "delta", "4 units are reserved for orders"),
        ("count", {"counted": "-1"}, "counted", "Ensure this value is greater than or equal to 0."),
        ("count", {"counted": "3"}, "counted", "4 units are reserved for orders"),
        ("safety", {"safety_stock": "-1"}, "safety_stock", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_bad_stock_input_shows_the_error_by_the_field_and_writes_nothing(
    back_office_client, warehouse, sku, action, data, field, message
):
    stocked(warehouse, sku, 6)
    reserve(warehouse, sku, 4)
    before = (StockMovement.objects.count(), level(warehouse, sku).on_hand, level(warehouse, sku).reserved)

    plain = back_office_client.post(stock_url(action, sku, warehouse), data)
    assert plain.status_code == 422
    assert "<html" in text(plain) and message in text(plain)

    response = back_office_client.post(stock_url(action, sku, warehouse), data, **HTMX)
    assert response.status_code == 422
    body = text(response)
    assert "<html" not in body and message in body
    field_id = f"{action}-{warehouse.code}-{field}"
    assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field_id}"', body)
    assert f'id="{field_id}_error"' in body
    assert response["HX-Retarget"] == f"#drawer-{warehouse.code}"
    assert response["HX-Reswap"] == "innerHTML"
    after = (StockMovement.objects.count(), level(warehouse, sku).on_hand, level(warehouse, sku).reserved)
    assert after == before


def test_stock_action_on_unknown_sku_or_location_is_404(back_office_client, warehouse, sku):
    unknown_sku = reverse("inventory:stock_receive", kwargs={"code": "NOPE", "location_code": warehouse.code})
    unknown_location = reverse("inventory:stock_receive", kwargs={"code": sku.code, "location_code": "nowhere"})
    assert back_office_client.post(unknown_sku, {"quantity": "1"}).status_code == 404
    assert back_office_client.post(unknown_location, {"quantity": "1"}).status_code == 404
    assert StockMovement.objects.count() == 0


def test_receive_at_an_inactive_location_is_refused(back_office_client, sku):
    closed = make_location(code="closed", is_active=False)
    response = back_office_client.post(stock_url("receive", sku, closed), {"quantity": "2"})
    assert response.status_code == 422
    assert "Location closed is inactive." in text(response)
    assert StockMovement.objects.count() == 0


# --- Roles and scoping -------------------------------------------------------------------------------


def test_store_associate_counts_at_their_store_but_cannot_receive(associate_client, store, sku):
    stocked(store, sku, 5)
    assert associate_client.post(stock_url("count", sku, store), {"counted": "4"}).status_code == 302
    assert level(store, sku).on_hand == 4
    assert associate_client.post(stock_url("receive", sku, store), {"quantity": "1"}).status_code == 403
    assert (
        associate_client.post(stock_url("adjust", sku, store), {"delta": "1", "reason_code": "found"}).status_code
        == 403
    )
    assert level(store, sku).on_hand == 4


def test_store_associate_gets_404_for_another_store(associate_client, other_store, sku):
    stocked(other_store, sku, 5)
    assert associate_client.get(reverse("inventory:location_detail", args=[other_store.code])).status_code == 404
    assert associate_client.post(stock_url("count", sku, other_store), {"counted": "0"}).status_code == 404
    assert level(other_store, sku).on_hand == 5
    sku_page = text(associate_client.get(reverse("inventory:sku_detail", args=[sku.code])))
    assert "chi-store" not in sku_page


@pytest.mark.parametrize(
    "url",
    [
        "/transfers/",
        "/transfers/new/",
        "/inventory/import/",
        "/add-location/",
        "/inventory/add-sku/",
    ],
)
def test_store_associate_gets_403_where_the_role_has_no_access(associate_client, url):
    assert associate_client.get(url).status_code == 403


def test_store_associate_location_list_shows_only_their_store(associate_client, store, other_store, warehouse):
    body = text(associate_client.get(reverse("inventory:location_list")))
    assert "nyc-store" in body and "chi-store" not in body and "dal-dc" not in body


def test_operator_cannot_edit_locations(operator_client, warehouse):
    assert operator_client.get(reverse("inventory:location_edit", args=[warehouse.code])).status_code == 403


# --- Locations ----------------------------------------------------------------------------------------


def test_location_list_shows_totals_and_filters_by_kind(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 12)
    stocked(store, sku, 3)
    body = text(back_office_client.get(reverse("inventory:location_list")))
    assert "dal-dc" in body and "nyc-store" in body
    assert re.search(r'data-total="on_hand">15<', body)
    stores = text(back_office_client.get(reverse("inventory:location_list"), {"kind": "store"}))
    assert "nyc-store" in stores and "dal-dc" not in stores
    assert back_office_client.get(reverse("inventory:location_list"), {"kind": "bogus"}).status_code == 200


LOCATION_LIST_QUERIES = 5  # session, user, 2 permission lookups, the annotated locations


def test_location_list_queries_are_constant(back_office_client, django_assert_num_queries, sku):
    make_location()
    with django_assert_num_queries(LOCATION_LIST_QUERIES):
        back_office_client.get(reverse("inventory:location_list"))
    for _ in range(15):
        stocked(make_location(), sku, 2)
    with django_assert_num_queries(LOCATION_LIST_QUERIES):
        back_office_client.get(reverse("inventory:location_list"))


def test_location_page_shows_details_levels_and_movements(back_office_client, store, sku):
    stocked(store, sku, 6)
    scarce = make_sku(code="SCARCE")
    stocked(store, scarce, 1)
    body = text(back_office_client.get(reverse("inventory:location_detail", args=[store.code])))
    assert "New York Store" in body and "40.7506" in body and "Store pickup" in body
    assert "TEE-BLK-M" in body and "SCARCE" in body and "Recent movements" in body
    low = text(back_office_client.get(reverse("inventory:location_detail", args=[store.code]), {"low": "on"}, **HTMX))
    assert "<html" not in low and "SCARCE" in low and "TEE-BLK-M" not in low
    search = text(back_office_client.get(reverse("inventory:location_detail", args=[store.code]), {"q": "tee"}, **HTMX))
    assert "TEE-BLK-M" in search and "SCARCE" not in search


def test_a_location_coded_new_opens_its_own_page(back_office_client, sku):
    coded_new = make_location(code="new", name="Newark DC")
    stocked(coded_new, sku, 3)
    page = back_office_client.get(reverse("inventory:location_detail", args=["new"]))
    assert page.status_code == 200
    assert page.context["location"] == coded_new and "Newark DC" in text(page)
    assert back_office_client.get(reverse("inventory:location_edit", args=["new"])).status_code == 200
    create = back_office_client.get(reverse("inventory:location_create"))
    assert create.status_code == 200 and create.context["location"] is None


def test_create_location_fills_coordinates_from_the_zip(back_office_client):
    data = {
        "code": "aus-dc",
        "name": "Austin DC",
        "kind": "warehouse",
        "postal_code": "78701",
        "country": "us",
        "priority": "100",
        "ships_orders": "on",
        "is_active": "on",
    }
    response = back_office_client.post(reverse("inventory:location_create"), data)
    assert response.status_code == 302
    created = Location.objects.get(code="aus-dc")
    assert created.latitude is not None and created.city and created.country == "US"
    assert created.timezone == "America/Chicago"
    page = text(back_office_client.get(response["Location"]))
    assert "Location aus-dc created." in page


def test_create_location_errors_land_on_the_field(back_office_client, warehouse):
    base = {"name": "X", "kind": "warehouse", "country": "US", "priority": "100"}
    bad_zip = back_office_client.post(
        reverse("inventory:location_create"), {**base, "code": "x-1", "postal_code": "00000"}
    )
    assert bad_zip.status_code == 422
    assert "is not a known US ZIP code." in text(bad_zip)
    assert re.search(r'name="postal_code"[^>]*aria-invalid="true"', text(bad_zip))
    taken = back_office_client.post(
        reverse("inventory:location_create"), {**base, "code": "dal-dc", "postal_code": "75201"}
    )
    assert taken.status_code == 422 and "already exists" in text(taken)
    bad_tz = back_office_client.post(
        reverse("inventory:location_create"), {**base, "code": "x-2", "postal_code": "75201", "timezone": "Mars/Base"}
    )
    assert bad_tz.status_code == 422 and "is not a time zone name" in text(bad_tz)
    assert not Location.objects.filter(code__startswith="x-").exists()


def test_edit_location_re_geocodes_a_new_zip(back_office_client, warehouse):
    form = text(back_office_client.get(reverse("inventory:location_edit", args=[warehouse.code])))
    assert "filled automatically from a US ZIP code" in form
    data = {
        "name": "Dallas DC (new)",
        "kind": "warehouse",
        "postal_code": "10001",
        "country": "US",
        "latitude": "32.790400",
        "longitude": "-96.804400",
        "timezone": "America/Chicago",
        "priority": "50",
        "is_active": "on",
        "ships_orders": "on",
    }
    response = back_office_client.post(reverse("inventory:location_edit", args=[warehouse.code]), data)
    assert response.status_code == 302
    warehouse.refresh_from_db()
    assert warehouse.name == "Dallas DC (new)" and warehouse.priority == 50
    assert abs(float(warehouse.latitude) - 40.75) < 0.1  # New York, from the ZIP
    assert warehouse.code == "dal-dc"


# --- SKUs -------------------------------------------------------------------------------------------


def test_create_and_edit_a_sku(back_office_client):
    data = {"code": "HAT-1", "name": "Hat", "barcode": "", "price": "12.50", "currency": "usd", "is_active": "on"}
    data |= {"weight_grams": "200", "length_mm": "0", "width_mm": "0", "height_mm": "0"}
    response = back_office_client.post(reverse("inventory:sku_create"), data)
    assert response.status_code == 302
    assert SKU.objects.get(code="HAT-1").currency == "USD"

    response = back_office_client.post(reverse("inventory:sku_edit", args=["HAT-1"]), {**data, "name": "Sun hat"})
    assert response.status_code == 302
    assert SKU.objects.get(code="HAT-1").name == "Sun hat"

    again = back_office_client.post(reverse("inventory:sku_create"), data)
    assert again.status_code == 422 and "already exists" in text(again)
    bad = back_office_client.post(
        reverse("inventory:sku_create"), {**data, "code": "HAT-2", "barcode": "12ab", "price": "-1"}
    )
    assert bad.status_code == 422
    assert "A barcode has 8 to 14 digits" in text(bad) and "greater than or equal to 0" in text(bad)
    assert SKU.objects.count() == 1


# --- Transfers --------------------------------------------------------------------------------------


def transfer_post(source: str, destination: str, *lines: tuple[str, str], **extra: str) -> dict[str, object]:
    return {
        "source": source,
        "destination": destination,
        "note": "",
        "line_sku": [code for code, _ in lines],
        "line_qty": [qty for _, qty in lines],
        **extra,
    }


def test_transfer_create_ship_receive_through_the_pages(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 10)

    response = back_office_client.post(
        reverse("inventory:transfer_create"), transfer_post("dal-dc", "nyc-store", ("TEE-BLK-M", "4"), ("", ""))
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert response["Location"] == reverse("inventory:transfer_detail", args=[transfer.pk])
    assert level(warehouse, sku).reserved == 4
    detail = text(back_office_client.get(response["Location"]))
    assert f"{transfer.number} created: 4 units reserved at dal-dc for nyc-store." in detail
    assert "Mark shipped" in detail and "Cancel transfer" in detail

    response = back_office_client.post(reverse("inventory:transfer_ship", args=[transfer.pk]))
    assert response.status_code == 302
    assert level(warehouse, sku).on_hand == 6 and level(store, sku).in_transit == 4
    detail = text(back_office_client.get(response["Location"]))
    assert "shipped: its units are now in transit to nyc-store" in detail and "Receive at nyc-store" in detail

    back_office_client.post(reverse("inventory:transfer_receive", args=[transfer.pk]))
    assert level(store, sku).on_hand == 4 and level(store, sku).in_transit == 0
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED

    again = back_office_client.post(reverse("inventory:transfer_receive", args=[transfer.pk]), follow=True)
    assert again.status_code == 200 and "cannot be received" in text(again)
    assert ledger_verify() == []


def test_transfer_cancel_releases_the_reservation(back_office_client, warehouse, store, sku):
    stocked(warehouse, sku, 5)
    back_office_client.post(
        reverse("inventory:transfer_create"), transfer_post("dal-dc", "nyc-store", ("TEE-BLK-M", "5"))
    )
    transfer = Transfer.objects.get()
    response = back_office_client.post(reverse("inventory:transfer_cancel", args=[transfer.pk]), follow=True)
    assert "cancelled: its units are available again at dal-dc" in text(response)
    assert level(warehouse, sku).reserved == 0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([("TEE-BLK-M", "11")], "10 requested but only 10 available"),
        ([("NOPE", "1")], "Unknown SKU: NOPE."),
        ([("TEE-BLK-M", "0")], "The quantity must be at least 1."),
        ([("TEE-BLK-M", "two")], "Enter a whole number of units."),
        ([("", "3")], "Enter the SKU code."),
        ([], "Add at least one line"),
    ],
)
def test_transfer_create_refusals_write_nothing(back_office_client, warehouse, store, sku, lines, message):
    stocked(warehouse, sku, 10)
    before = StockMovement.objects.count()
    response = back_office_client.post(
        reverse("inventory:transfer_create"), transfer_post("dal-dc", "nyc-store", *lines)
    )
    assert response.status_code == 422
    assert message.replace("10 requested", "11 requested") in text(response)
    assert Transfer.objects.count() == 0 and StockMovement.objects.count() == before


def test_transfer_to_the_same_location_is_refused(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 10)
    response = back_office_client.post(
        reverse("inventory:transfer_create"), transfer_post("dal-dc", "dal-dc", ("TEE-BLK-M", "1"))
    )
    assert response.status_code == 422 and "Choose a destination other than the source." in text(response)


def test_transfer_form_adds_line_rows_with_and_without_javascript(back_office_client):
    page = text(back_office_client.get(reverse("inventory:transfer_create")))
    assert page.count('name="line_sku"') == 5
    row = text(back_office_client.get(reverse("inventory:transfer_line_row"), **HTMX))
    assert "<html" not in row and row.count('name="line_sku"') == 1
    more = back_office_client.post(
        reverse("inventory:transfer_create"), transfer_post("", "", ("A", "1"), add_line="1")
    )
    assert more.status_code == 200
    assert text(more).count('name="line_sku"') == 6 and 'value="A"' in text(more)
    assert "This field is required" not in text(more)


TRANSFER_LIST_QUERIES = 8  # session, user, 2 permission lookups, status counts, page count, transfers, lines


def test_transfer_list_tabs_counts_and_constant_queries(
    back_office_client, django_assert_num_queries, warehouse, store
):
    items = [make_sku() for _ in range(3)]
    for item in items:
        stocked(warehouse, item, 100)

    def create(n: int) -> None:
        for _ in range(n):
            back_office_client.post(
                reverse("inventory:transfer_create"),
                transfer_post("dal-dc", "nyc-store", *[(item.code, "1") for item in items]),
            )

    create(1)
    with django_assert_num_queries(TRANSFER_LIST_QUERIES):
        back_office_client.get(reverse("inventory:transfer_list"))
    create(6)
    back_office_client.post(reverse("inventory:transfer_ship", args=[Transfer.objects.latest("id").pk]))
    with django_assert_num_queries(TRANSFER_LIST_QUERIES):
        body = text(back_office_client.get(reverse("inventory:transfer_list")))
    assert re.search(r'All <span class="count">7</span>', body)
    assert re.search(r'Requested <span class="count">6</span>', body)
    assert re.search(r'In transit <span class="count">1</span>', body)
    shipped = text(back_office_client.get(reverse("inventory:transfer_list"), {"status": "shipped"}))
    assert shipped.count('class="badge badge-shipped"') == 1


def test_transfers_are_scoped_to_the_operators_locations(operator_client, warehouse, store, other_store, sku):
    stocked(store, sku, 5)
    from inventory.services import transfer_create

    elsewhere = transfer_create(source=store, destination=other_store, lines=[StockLine(sku.pk, 1)], actor=None)
    assert operator_client.get(reverse("inventory:transfer_detail", args=[elsewhere.pk])).status_code == 404
    assert operator_client.post(reverse("inventory:transfer_ship", args=[elsewhere.pk])).status_code == 404
    assert operator_client.get(reverse("inventory:transfer_detail", args=[10**12])).status_code == 404
    form = text(operator_client.get(reverse("inventory:transfer_create")))
    assert '<option value="dal-dc"' in form
    refused = operator_client.post(
        reverse("inventory:transfer_create"), transfer_post("nyc-store", "dal-dc", ("TEE-BLK-M", "1"))
    )
    assert refused.status_code == 422 and "Select a valid choice" in text(refused)
    assert Transfer.objects.count() == 1
