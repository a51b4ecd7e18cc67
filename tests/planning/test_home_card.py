"""The home page tells the people who approve replenishment how many proposals wait, and which are stale."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from inventory.services import stock_adjust
from planning.models import ProposalKind
from planning.services.proposals import proposal_apply, proposals_compute

pytestmark = pytest.mark.django_db


def _card(body: str) -> tuple[int, str]:
    found = re.search(r'data-action="proposals".*?href="([^"]+)".*?data-count="proposals">(\d+)<', body, re.S)
    assert found, "no proposals card on the home page"
    return int(found.group(2)), found.group(1)


def test_proposals_waiting_are_counted_on_the_home_page_with_a_link(
    back_office_client: Any, network: dict[str, Any]
) -> None:
    proposals = proposals_compute()

    body = back_office_client.get(reverse("ui:dashboard")).content.decode()

    assert _card(body) == (len(proposals), reverse("planning:proposals"))
    assert "transfers and purchases to approve" in body


def test_a_stale_proposal_is_called_out_on_the_home_page(back_office_client: Any, network: dict[str, Any]) -> None:
    proposal = next(p for p in proposals_compute() if p.kind == ProposalKind.TRANSFER)
    stock_adjust(location=network["store"], sku=network["sku"], delta=3, reason_code="found", actor=None)
    with pytest.raises(Exception, match="Recompute"):
        proposal_apply(proposal=proposal, quantity=proposal.quantity, actor=None)

    body = back_office_client.get(reverse("ui:dashboard")).content.decode()

    assert "1 stale: recompute first" in body
