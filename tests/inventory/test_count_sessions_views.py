"""Cycle count pages: open a session, count on a phone (scan to jump), a supervisor approves; constant queries."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import STORE_ASSOCIATE
from inventory.models import SKU, CountLine, CountLineStatus, CountSession, CountSessionStatus, StockLevel
from inventory.services.catalog_variants import bin_set
from inventory.services.count_sessions import count_line_record, count_session_create, count_session_submit
from tests.factories import SKUFactory, stocked, user_with_role

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def associate_client(client: Client, associate_user) -> Client:
    client.force_login(associate_user)
    return client


@pytest.fixture
def mugs(store) -> list[SKU]:
    items = [
        cast(SKU, SKUFactory(code=f"MUG-{n}", price=Decimal("10.00"), barcode=f"0000000000{n:04d}")) for n in range(3)
    ]
    for item in items:
        stocked(store, item, 5)
    return items


@pytest.fixture
def session(store, mugs) -> CountSession:
    return count_session_create(location=store, sku_ids=[m.pk for m in mugs], actor=None, scope="3 mugs")


def detail_url(session: CountSession) -> str:
    return reverse("inventory:count_detail", args=[session.pk])


def line_url(session: CountSession, line: CountLine) -> str:
    return reverse("inventory:count_line_save", args=[session.pk, line.pk])


def test_an_associate_opens_a_count_of_listed_skus_at_their_store(associate_client, store, mugs):
    response = associate_client.post(
        reverse("inventory:count_create"),
        {
            "location": store.code,
            "choose_by": "list",
            "codes": "MUG-0\n00000000000002",
            "reason_above_units": "5",
            "reason_above_value": "100",
        },
    )

    session = CountSession.objects.get()
    assert response["Location"] == detail_url(session)
    assert sorted(session.lines.values_list("sku__code", flat=True)) == ["MUG-0", "MUG-2"]
    page = text(associate_client.get(detail_url(session)))
    assert f"{session.number} opened: 2 SKUs to count." in page and "0 of 2 counted" in page


def test_unknown_codes_are_named_and_nothing_is_opened(associate_client, store, mugs):
    response = associate_client.post(
        reverse("inventory:count_create"),
        {
            "location": store.code,
            "choose_by": "list",
            "codes": "MUG-0 MUG-X",
            "reason_above_units": "5",
            "reason_above_value": "100",
        },
    )
    assert response.status_code == 422
    assert "Unknown SKU code or barcode: MUG-X." in text(response)
    assert not CountSession.objects.exists()


def test_a_scan_jumps_to_the_sku_and_the_counter_does_not_see_the_expected_figure(associate_client, session):
    page = text(associate_client.get(detail_url(session), {"scan": "00000000000001"}))

    assert 'id="focus-line"' in page
    focus = page.split('id="focus-line"')[1].split("</ul>")[0]
    assert "MUG-1" in focus and "autofocus" in focus
    assert "Expected" not in page and "Variance" not in page
    missing = text(associate_client.get(detail_url(session), {"scan": "NOPE"}))
    assert "NOPE is not in this count." in missing


def test_saving_a_count_with_htmx_swaps_the_line_and_without_javascript_redirects(associate_client, session, mugs):
    line = session.lines.get(sku=mugs[0])
    swapped = associate_client.post(line_url(session, line), {"counted": "4"}, **HTMX)
    assert "<html" not in text(swapped) and "✓ 4 counted — saved" in text(swapped)
    assert '<span id="count-progress" hx-swap-oob="true">1 of 3 counted</span>' in text(swapped)

    other = session.lines.get(sku=mugs[1])
    response = associate_client.post(line_url(session, other), {"counted": "5"})
    assert response.status_code == 302
    page = text(associate_client.get(response["Location"]))
    assert "MUG-1: 5 counted. Scan the next SKU." in page and "2 of 3 counted" in page
    assert StockLevel.objects.get(sku=mugs[0], location=session.location).on_hand == 5  # nothing posted yet


def test_a_bad_count_says_what_to_type(associate_client, session, mugs):
    line = session.lines.get(sku=mugs[0])
    response = associate_client.post(line_url(session, line), {"counted": "-2"}, **HTMX)
    assert response.status_code == 422 and "A count is 0 or more." in text(response)
    response = associate_client.post(line_url(session, line), {"counted": ""})
    assert response.status_code == 422 and "Enter the quantity you counted" in text(response)


def test_an_associate_submits_but_cannot_approve(associate_client, session, mugs):
    for mug in mugs:
        associate_client.post(line_url(session, session.lines.get(sku=mug)), {"counted": "5"})
    response = associate_client.post(reverse("inventory:count_submit", args=[session.pk]), follow=True)
    assert "submitted: a supervisor approves the variances" in text(response)
    assert "Waiting for a supervisor" in text(response)
    assert (
        associate_client.post(reverse("inventory:count_decide", args=[session.pk]), {"approve_all": "1"}).status_code
        == 403
    )


def test_a_supervisor_approves_per_line_with_a_reason_and_sees_the_variances(back_office_client, session, mugs):
    lines = {line.sku.code: line for line in session.lines.select_related("sku")}
    count_line_record(line=lines["MUG-0"], counted=4, actor=None)
    count_line_record(line=lines["MUG-1"], counted=5, actor=None)
    count_line_record(line=lines["MUG-2"], counted=20, actor=None)  # +15 units: needs a reason
    count_session_submit(session=session, actor=None)
    page = text(back_office_client.get(detail_url(session)))
    assert "Needs a reason" in page and "+15" in page and "150.00" in page
    assert "Net +14 units (140.00)" in page

    refused = back_office_client.post(
        reverse("inventory:count_decide", args=[session.pk]), {"line": [lines["MUG-2"].pk], "approve": "1"}, follow=True
    )
    assert "Choose a reason for the large variance of MUG-2" in text(refused)

    done = back_office_client.post(
        reverse("inventory:count_decide", args=[session.pk]),
        {"line": [lines["MUG-2"].pk], f"reason-{lines['MUG-2'].pk}": "found", "approve": "1"},
        follow=True,
    )
    assert f"{session.number}: 1 line approved and posted to the ledger." in text(done)
    assert StockLevel.objects.get(sku=mugs[2], location=session.location).on_hand == 20

    back_office_client.post(reverse("inventory:count_decide", args=[session.pk]), {"approve_all": "1"})
    session.refresh_from_db()
    assert session.status == CountSessionStatus.CLOSED
    assert StockLevel.objects.get(sku=mugs[0], location=session.location).on_hand == 4


def test_a_supervisor_sends_a_line_back_for_a_recount(back_office_client, session, mugs):
    for line in session.lines.all():
        count_line_record(line=line, counted=1, actor=None)
    count_session_submit(session=session, actor=None)
    line = session.lines.get(sku=mugs[0])

    response = back_office_client.post(reverse("inventory:count_recount", args=[session.pk, line.pk]), follow=True)

    assert "MUG-0 sent back for a recount" in text(response)
    line.refresh_from_db()
    assert line.status == CountLineStatus.PENDING


def test_another_stores_count_is_a_404_for_an_associate(client, other_store, mugs):
    elsewhere = count_session_create(location=other_store, sku_ids=[mugs[0].pk], actor=None, scope="x")
    client.force_login(user_with_role(STORE_ASSOCIATE, username="a2", locations=[]))
    assert client.get(detail_url(elsewhere)).status_code == 404


LIST_QUERIES = 7  # session, user, 2 permission lookups, status counts, page count, sessions with totals
DETAIL_QUERIES = 6  # session, user, permission lookup (scope), count session, lines, supervisor check


def test_the_list_and_the_detail_keep_a_constant_number_of_queries(
    back_office_client, django_assert_num_queries, store
):
    def open_sessions(n: int, skus: int) -> CountSession:
        items = [cast(SKU, SKUFactory()) for _ in range(skus)]
        session = None
        for _ in range(n):
            session = count_session_create(location=store, sku_ids=[i.pk for i in items], actor=None, scope="s")
        assert session is not None
        return session

    small = open_sessions(1, 2)
    with django_assert_num_queries(LIST_QUERIES):
        back_office_client.get(reverse("inventory:count_list"))
    with django_assert_num_queries(DETAIL_QUERIES):
        back_office_client.get(detail_url(small))
    big = open_sessions(6, 25)
    with django_assert_num_queries(LIST_QUERIES):
        body = text(back_office_client.get(reverse("inventory:count_list")))
    assert "0 / 25" in body and 'Counting <span class="count">7</span>' in body
    with django_assert_num_queries(DETAIL_QUERIES):
        back_office_client.get(detail_url(big))
    for line in big.lines.all():
        count_line_record(line=line, counted=3, actor=None)
    count_session_submit(session=big, actor=None)
    with django_assert_num_queries(DETAIL_QUERIES + 2):  # + on hand now and the newest ledger rows, once each
        back_office_client.get(detail_url(big))


def test_a_count_of_an_aisle_lists_its_bins_in_walk_order(associate_client, store, mugs):
    for mug, path in zip(mugs, ["A-10", "B-1", "A-2"], strict=True):
        bin_set(location=store, sku=mug, path=path)
    response = associate_client.post(
        reverse("inventory:count_create"),
        {
            "location": store.code,
            "choose_by": "bins",
            "bin_prefix": "A-",
            "reason_above_units": "5",
            "reason_above_value": "100",
        },
        follow=True,
    )

    body = text(response)
    assert "SKUs in bins A-* at nyc-store" in body
    assert body.index("Bin A-2") < body.index("Bin A-10") and "Bin B-1" not in body
    session = CountSession.objects.get()
    line = session.lines.get(sku=mugs[0])
    swapped = text(associate_client.post(line_url(session, line), {"counted": "2"}, **HTMX))
    assert "Bin A-10" in swapped
    empty = associate_client.post(
        reverse("inventory:count_create"),
        {
            "location": store.code,
            "choose_by": "bins",
            "bin_prefix": "Z",
            "reason_above_units": "5",
            "reason_above_value": "1",
        },
    )
    assert "No SKU matches this choice at nyc-store" in text(empty)


def test_an_associate_finds_their_one_store_chosen_on_the_new_count_form(associate_client, store):
    body = text(associate_client.get(reverse("inventory:count_create")))
    assert f'<option value="{store.code}" selected>' in body
