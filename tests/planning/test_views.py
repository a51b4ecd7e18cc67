"""The planning pages: forecasts with their chart and recompute, proposals approved from the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from core.roles import STORE_ASSOCIATE
from inventory.models import Transfer
from inventory.services import stock_adjust
from planning.models import (
    DemandForecast,
    ForecastRun,
    ForecastRunStatus,
    ProposalKind,
    ProposalStatus,
    ReplenishmentProposal,
    StockingPolicy,
)
from planning.services.proposals import proposals_compute
from tests.factories import LocationFactory, SKUFactory, user_with_role
from tests.planning.conftest import location_forecast

pytestmark = pytest.mark.django_db


def _forecasts(count: int) -> None:
    location: Any = LocationFactory()
    for n in range(count):
        sku: Any = SKUFactory()
        location_forecast(sku, location, float(n + 1))
        DemandForecast.objects.filter(sku=sku).update(recent=[[n, n % 7 == 0]] * 56)


def test_the_forecast_list_shows_each_series_and_charts_one_in_constant_queries(
    back_office_client: Any, django_assert_num_queries: Any
) -> None:
    _forecasts(3)
    back_office_client.get(reverse("planning:index"))  # warm the session and permission caches
    with django_assert_num_queries(8) as few:
        back_office_client.get(reverse("planning:index"))
    _forecasts(12)
    with django_assert_num_queries(len(few.captured_queries)):
        response = back_office_client.get(reverse("planning:index"))
    html = response.content.decode()
    assert html.count("data-series=") == 15
    assert "<svg" in html and 'class="band"' in html and "Stockout day (imputed)" in html
    assert "imputed" in html  # the page says how stockout days are treated


def test_recompute_now_runs_and_the_progress_says_how_long_it_took(
    back_office_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = back_office_client.post(reverse("planning:recompute"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    run = ForecastRun.objects.get()
    assert run.status == ForecastRunStatus.DONE
    progress = back_office_client.get(reverse("planning:progress")).content.decode()
    assert "series per" not in progress  # no series: no rate to show
    assert "Computed" in progress
    assert "every 2s" not in progress  # finished: the bar stops polling


def test_a_running_recompute_keeps_polling(back_office_client: Any) -> None:
    ForecastRun.objects.create(status=ForecastRunStatus.RUNNING, series_total=200, series_done=50)
    progress = back_office_client.get(reverse("planning:progress")).content.decode()
    assert "every 2s" in progress
    assert 'value="25"' in progress


def test_a_store_associate_cannot_see_planning(client: Any, store: Any) -> None:
    client.force_login(user_with_role(STORE_ASSOCIATE, locations=[store]))
    assert client.get(reverse("planning:index")).status_code == 403
    assert client.post(reverse("planning:proposals_recompute")).status_code == 403


def test_approving_from_the_page_creates_the_transfer_and_says_so(
    back_office_client: Any, network: dict[str, Any]
) -> None:
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)
    page = back_office_client.get(reverse("planning:proposals")).content.decode()
    assert proposal.number in page and "Approve transfer" in page

    response = back_office_client.post(
        reverse("planning:proposal_approve", args=[proposal.pk]), {"quantity": "4"}, HTTP_HX_REQUEST="true"
    )

    transfer = Transfer.objects.get()
    assert transfer.lines.get().quantity == 4
    assert f"transfer {transfer.number} requested" in response.content.decode()


def test_a_stale_proposal_is_refused_with_a_way_forward(back_office_client: Any, network: dict[str, Any]) -> None:
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)
    stock_adjust(location=network["warehouse"], sku=network["sku"], delta=-1, reason_code="damaged", actor=None)

    response = back_office_client.post(
        reverse("planning:proposal_approve", args=[proposal.pk]), {"quantity": str(proposal.quantity)}, follow=True
    )

    html = response.content.decode()
    assert "Stock changed since" in html and "Recompute the proposals" in html
    assert not Transfer.objects.exists()


def test_a_quantity_that_is_not_a_number_is_refused_with_what_to_enter(
    back_office_client: Any, network: dict[str, Any]
) -> None:
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)
    response = back_office_client.post(
        reverse("planning:proposal_approve", args=[proposal.pk]), {"quantity": "lots"}, HTTP_HX_REQUEST="true"
    )
    assert "Enter a whole number of units" in response.content.decode()
    assert not Transfer.objects.exists()


def test_the_proposals_page_reads_in_constant_queries(
    back_office_client: Any, network: dict[str, Any], django_assert_num_queries: Any
) -> None:
    proposals_compute()
    back_office_client.get(reverse("planning:proposals"))
    with django_assert_num_queries(7) as few:
        back_office_client.get(reverse("planning:proposals"))
    for n in range(4):  # more short stores: more proposals
        store: Any = LocationFactory(code=f"short-{n}", kind="store")
        location_forecast(network["sku"], store, 5.0)
    proposals_compute()
    with django_assert_num_queries(len(few.captured_queries)):
        html = back_office_client.get(reverse("planning:proposals")).content.decode()
    assert html.count("data-proposal=") >= 5


def test_a_stale_proposal_row_offers_to_recompute_in_place(back_office_client: Any, network: dict[str, Any]) -> None:
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)
    stock_adjust(location=network["store"], sku=network["sku"], delta=4, reason_code="found", actor=None)

    html = back_office_client.post(
        reverse("planning:proposal_approve", args=[proposal.pk]),
        {"quantity": str(proposal.quantity)},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "Stock changed since" in html and "Stale" in html
    assert f'action="{reverse("planning:proposals_recompute")}"' in html
    back_office_client.post(reverse("planning:proposals_recompute"))
    fresh = ReplenishmentProposal.objects.get(kind=ProposalKind.TRANSFER)
    assert fresh.status == ProposalStatus.OPEN and fresh.position == 6  # 2 + the 4 found


def _policy_post(**changes: str) -> dict[str, str]:
    data = {
        "warehouse-level": "95",
        "warehouse-review": "7",
        "3pl-level": "95",
        "3pl-review": "7",
        "store-level": "90",
        "store-review": "7",
    }
    return data | changes


def test_staff_set_a_class_service_level_and_review_period_and_the_next_proposals_follow(
    back_office_client: Any, network: dict[str, Any]
) -> None:
    weekly = next(p for p in proposals_compute() if p.location_id == network["store"].pk)

    response = back_office_client.post(
        reverse("planning:stocking_policies"),
        _policy_post(**{"store-level": "97.5", "store-review": "14"}),
        follow=True,
    )

    html = response.content.decode()
    assert "Stocking policies saved. Recompute the proposals to apply them." in html
    assert "Store 97.5%, every 14 days" in html
    fortnightly = next(p for p in proposals_compute() if p.location_id == network["store"].pk)
    assert (fortnightly.review_days, fortnightly.service_level) == (14, 0.975)
    assert fortnightly.order_up_to > weekly.order_up_to


def test_a_policy_out_of_range_is_refused_with_what_to_enter(back_office_client: Any, network: dict[str, Any]) -> None:
    response = back_office_client.post(
        reverse("planning:stocking_policies"), _policy_post(**{"warehouse-level": "100", "store-review": "0"})
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Warehouse: enter a service level of at most 99.9%" in html
    assert "Store: review at least once a day (1)." in html
    assert not StockingPolicy.objects.exists()


def test_a_store_associate_cannot_change_stocking_policies(client: Any, store: Any) -> None:
    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[store]))
    assert client.post(reverse("planning:stocking_policies"), _policy_post()).status_code == 403
    assert not StockingPolicy.objects.exists()
