"""The rate-card drift report: card prices against what labels cost, proposals, and applying them."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import Package, PackageStatus, RateCardRow, Shipment, ShipmentStatus
from fulfillment.selectors.drift import rate_card_drift
from fulfillment.services.rates import RateRowInput, carrier_create, carrier_service_create, rate_table_set
from orders.models import Order
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DRIFT = reverse("fulfillment:rate_drift")
#: Near the Dallas warehouse (zone 1) and Houston, about 225 miles away (zone 3 by the default bands).
DALLAS = (Decimal("32.780000"), Decimal("-96.800000"))
HOUSTON = (Decimal("29.760400"), Decimal("-95.369800"))
ONE_LB, TWO_LB, FIVE_LB = 454, 907, 2268
_numbers = itertools.count(1)


@pytest.fixture
def ground(db):
    """Parcelway Ground: 1, 2 and 5 lb brackets in zones 1 and 3."""
    carrier = carrier_create(code="parcelway", name="Parcelway")
    service = carrier_service_create(carrier=carrier, code="ground", name="Ground", level="standard")
    rate_table_set(
        service=service,
        rows=[
            RateRowInput(ONE_LB, {1: Decimal("8.00"), 3: Decimal("10.00")}),
            RateRowInput(TWO_LB, {1: Decimal("10.00"), 3: Decimal("12.00")}),
            RateRowInput(FIVE_LB, {1: Decimal("13.00"), 3: Decimal("15.00")}),
        ],
        transit_days={1: 1, 3: 3},
    )
    return service


@pytest.fixture
def manager(client, back_office_user):
    client.force_login(back_office_user)
    return client


def label(
    location: Any,
    channel: Any,
    *,
    paid: str,
    grams: int,
    to: tuple[Decimal, Decimal] = DALLAS,
    carrier: str = "parcelway",
    service: str = "ground",
    days_ago: int = 1,
    status: str = PackageStatus.LABELLED,
) -> Package:
    """A box whose label was bought at `paid`, on a shipment routing planned with carrier/service."""
    now = timezone.now()
    number = next(_numbers)
    order = Order.objects.create(
        channel=channel,
        external_id=f"D-{number}",
        placed_at=now,
        customer_name="Grace Hopper",
        ship_postal_code="75201",
        ship_latitude=to[0],
        ship_longitude=to[1],
    )
    shipment = Shipment.objects.create(
        order=order,
        location=location,
        status=ShipmentStatus.SHIPPED,
        carrier=carrier,
        service=service,
        weight_grams=grams,
        cost=Decimal("9.99"),
    )
    return Package.objects.create(
        shipment=shipment,
        weight_grams=grams,
        packed_at=now,
        status=status,
        label_rate=Decimal(paid),
        label_created_at=now - timedelta(days=days_ago),
    )


def price(service: Any, zone: int, grams: int) -> Decimal:
    return RateCardRow.objects.get(service=service, zone=zone, max_weight_grams=grams).price


def test_labels_dearer_than_the_card_get_a_proposal_that_one_click_applies(manager, ground, warehouse, web):
    for paid in ("9.50", "9.60", "9.70"):  # median 9.60: 20% above the 8.00 card
        label(warehouse, web, paid=paid, grams=400)
    page = manager.get(DRIFT).content.decode()
    row = page[page.index('data-cell="parcelway/ground/1/454"') :].split("</tr>")[0]
    assert "$8.00" in row and "$9.60" in row and "+20.0%" in row and "<strong>$9.60</strong>" in row
    assert "Apply proposed prices" in page
    token = re.search(r'name="change" value="([^"]+)"', page)
    assert token is not None
    response = manager.post(DRIFT, {"change": [token.group(1)]}, follow=True)
    assert price(ground, 1, ONE_LB) == Decimal("9.60")
    assert price(ground, 1, TWO_LB) == Decimal("10.00")  # the rest of the table is untouched
    after = response.content.decode()
    assert "1 card price updated: Parcelway Ground, zone 1, up to 1 lb: $8.00 → $9.60" in after
    assert "Apply proposed prices" not in after
    assert "nothing to change" in after


def test_cells_within_five_percent_or_with_too_few_labels_are_not_proposed(ground, warehouse, web):
    for paid in ("12.30", "12.40", "12.50"):  # median 12.40 against 12.00: +3.3%
        label(warehouse, web, paid=paid, grams=800, to=HOUSTON)
    for paid in ("20.00", "21.00"):  # far above the 13.00 card, but only two labels
        label(warehouse, web, paid=paid, grams=2000)
    report = rate_card_drift()
    assert [(row.zone, row.max_weight_grams, row.labels) for row in report.rows] == [(3, TWO_LB, 3)]
    only = report.rows[0]
    assert (only.card_price, only.median_paid, only.difference_pct) == (
        Decimal("12.00"),
        Decimal("12.40"),
        Decimal("3.3"),
    )
    assert only.proposed_price is None
    assert report.thin_cells == 1
    assert report.proposals == []


def test_cheaper_labels_propose_a_lower_price_too(ground, warehouse, web):
    for paid in ("10.20", "10.30", "10.25"):  # zone 3, 1 lb: card 10.00, median 10.25 (+2.5%): kept
        label(warehouse, web, paid=paid, grams=300, to=HOUSTON)
    for paid in ("14.00", "14.10", "14.20"):  # zone 3, 5 lb: card 15.00, median 14.10 (-6%)
        label(warehouse, web, paid=paid, grams=2200, to=HOUSTON)
    proposals = rate_card_drift().proposals
    assert [(p.max_weight_grams, p.proposed_price, p.difference_pct, p.applicable) for p in proposals] == [
        (FIVE_LB, Decimal("14.10"), Decimal("-6.0"), True)
    ]


def test_a_proposal_that_would_break_the_tables_order_is_marked_and_left_out(manager, ground, warehouse, web):
    for paid in ("11.00", "11.10", "11.20"):  # zone 3, 5 lb: 11.10 would undercut the 12.00 of 2 lb
        label(warehouse, web, paid=paid, grams=2200, to=HOUSTON)
    for paid in ("9.50", "9.60", "9.70"):  # zone 1, 1 lb: 8.00 -> 9.60, fine
        label(warehouse, web, paid=paid, grams=400)
    report = rate_card_drift()
    assert [(row.zone, row.applicable) for row in report.proposals] == [(1, True), (3, False)]
    page = manager.get(DRIFT).content.decode()
    assert "Cheaper than the lighter 2 lb bracket ($12.00): change the rate table by hand." in page
    tokens = re.findall(r'name="change" value="([^"]+)"', page)
    assert len(tokens) == 1
    manager.post(DRIFT, {"change": tokens})
    assert (price(ground, 1, ONE_LB), price(ground, 3, FIVE_LB)) == (Decimal("9.60"), Decimal("15.00"))


def test_of_two_clashing_proposals_the_one_that_fits_stays_applicable(ground, warehouse, web):
    for paid in ("12.40", "12.50", "12.60"):  # zone 1, 1 lb: 12.50, above the 2 lb card (10.00) ...
        label(warehouse, web, paid=paid, grams=400)
    for paid in ("11.90", "12.00", "12.10"):  # ... and 2 lb: 12.00, below the 1 lb proposal
        label(warehouse, web, paid=paid, grams=800)
    rows = rate_card_drift().proposals
    assert [(row.max_weight_grams, row.applicable) for row in rows] == [(ONE_LB, False), (TWO_LB, True)]
    assert rows[0].blocked_reason.startswith("Dearer than the heavier 2 lb bracket ($12.00)")


def test_old_voided_and_unpriced_labels_are_left_out_and_the_page_says_why(manager, ground, warehouse, web):
    label(warehouse, web, paid="20.00", grams=400, days_ago=40)
    label(warehouse, web, paid="20.00", grams=400, status=PackageStatus.VOIDED)
    label(warehouse, web, paid="20.00", grams=400, carrier="swiftship", service="air")
    label(warehouse, web, paid="20.00", grams=9000)  # heavier than the card's last bracket
    report = rate_card_drift()
    assert (report.labels_seen, report.labels_compared, report.rows) == (2, 0, [])
    page = manager.get(DRIFT).content.decode()
    assert "Not enough labels to compare yet" in page
    assert "labels bought through live carrier rates" in page
    assert "1 label shipped with a carrier service that has no active rate card" in page
    assert "1 label outside the card" in page


def test_a_report_gone_stale_is_refused_and_changes_nothing(manager, ground, warehouse, web):
    for paid in ("9.50", "9.60", "9.70"):
        label(warehouse, web, paid=paid, grams=400)
    token = re.search(r'name="change" value="([^"]+)"', manager.get(DRIFT).content.decode())
    assert token is not None
    RateCardRow.objects.filter(service=ground, zone=1, max_weight_grams=ONE_LB).update(price=Decimal("8.50"))
    response = manager.post(DRIFT, {"change": [token.group(1)]}, follow=True)
    assert "is now $8.50, not $8.00 as the report showed: reload the report." in response.content.decode()
    assert price(ground, 1, ONE_LB) == Decimal("8.50")


def test_a_proposal_the_rate_table_refuses_changes_nothing_and_says_why(manager, ground, warehouse, web):
    for paid in ("14.00", "14.10", "14.20"):  # zone 1, 5 lb: 13.00 -> 14.10, fine on its own
        label(warehouse, web, paid=paid, grams=2000)
    [token] = re.findall(r'name="change" value="([^"]+)"', manager.get(DRIFT).content.decode())
    # Posted with it, a 1 lb price above the 2 lb bracket (as a hand-made post could): the table refuses both.
    too_dear = f"{ground.pk}:1:{ONE_LB}:8.00:10.50"
    response = manager.post(DRIFT, {"change": [token, too_dear]}, follow=True)
    page = response.content.decode()
    assert "Parcelway Ground, zone 1, up to 2 lb: Costs less than the lighter 1 lb bracket (10.50)" in page
    assert "Nothing was changed" in page
    assert (price(ground, 1, ONE_LB), price(ground, 1, FIVE_LB)) == (Decimal("8.00"), Decimal("13.00"))


def test_applying_with_nothing_ticked_says_so(manager, ground):
    response = manager.post(DRIFT, {}, follow=True)
    assert "Tick at least one proposed price to apply." in response.content.decode()


def test_a_forged_post_is_a_bad_request(manager, ground):
    assert manager.post(DRIFT, {"change": ["1:2:three"]}).status_code == 400
    assert manager.post(DRIFT, {"change": [f"{ground.pk}:1:{ONE_LB}:8.00:lots"]}).status_code == 400
    assert price(ground, 1, ONE_LB) == Decimal("8.00")


def test_only_rate_managers_may_open_or_apply_it(client, operator_user, ground):
    viewer: Any = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_carrier", content_type__app_label="fulfillment"))
    for user in (operator_user, viewer):
        client.force_login(user)
        assert client.get(DRIFT).status_code == 403
        assert client.post(DRIFT, {"change": [f"{ground.pk}:1:{ONE_LB}:8.00:1.00"]}).status_code == 403
    assert price(ground, 1, ONE_LB) == Decimal("8.00")


def test_the_page_draws_card_and_paid_bars_without_a_script(manager, ground, warehouse, web):
    for paid in ("9.50", "9.60", "9.70"):
        label(warehouse, web, paid=paid, grams=400)
    page = manager.get(DRIFT).content.decode()
    assert 'role="img" aria-label="Card $8.00, paid $9.60"' in page
    # The dearest figure on the page fills the bar; the card is 8.00 / 9.60 of it.
    assert 'class="drift-bar paid" style="width:100.0%"' in page
    assert 'class="drift-bar card" style="width:83.3%"' in page
    assert "<script" not in page.split('<main id="main"')[1]


def test_the_report_costs_the_same_queries_for_few_labels_or_many(
    manager, ground, warehouse, web, django_assert_num_queries
):
    for paid in ("9.50", "9.60", "9.70"):
        label(warehouse, web, paid=paid, grams=400)
    manager.get(DRIFT)
    with django_assert_num_queries(11) as few:  # 4 for the session and user, 5 for the cost model
        manager.get(DRIFT)
    for grams, to in ((800, HOUSTON), (2000, DALLAS), (300, HOUSTON)):
        for paid in ("15.00", "15.50", "16.00"):
            label(warehouse, web, paid=paid, grams=grams, to=to)
    with django_assert_num_queries(len(few.captured_queries)):
        page = manager.get(DRIFT).content.decode()
    assert page.count("data-cell=") == 4
