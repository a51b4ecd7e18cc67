"""Staff edit a channel's return policy and its reasons (permission `manage_return_policies`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.roles import STORE_ASSOCIATE
from returns.models import OutOfWindow, ReturnPolicy, ReturnReason
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def policy_data(**overrides):
    data = {
        "form": "policy",
        "window_days": "45",
        "late_action": OutOfWindow.REFUSE,
        "grace_days": "0",
        "restocking_fee_percent": "10",
        "refund_tax": "on",
        "instant_exchange_min_orders": "",
        "non_returnable_skus": "MUG-WHT",
    }
    data.update(overrides)
    return data


def test_the_back_office_gives_a_channel_its_own_policy_and_a_reason(
    net, back_office_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        listing = back_office_client.get("/returns/policies/")
    assert listing.status_code == 200 and b"Uses the default" in listing.content

    page = back_office_client.get("/returns/policies/web/")
    assert page.status_code == 200 and b"Give Web shop its own policy" in page.content

    saved = back_office_client.post("/returns/policies/web/", policy_data())
    assert saved.status_code == 302 and saved["Location"] == "/returns/policies/web/"
    policy = ReturnPolicy.objects.get(channel=net.channel)
    assert (policy.window_days, policy.late_action, policy.restocking_fee_percent) == (45, "refuse", Decimal("10"))
    assert list(policy.non_returnable_skus.values_list("code", flat=True)) == ["MUG-WHT"]
    assert policy.reasons.count() == 6  # starts with the default reasons

    added = back_office_client.post(
        "/returns/policies/web/",
        {"form": "reason", "reason-code": "too_late", "reason-label": "Arrived too late", "reason-is_active": "on"},
    )
    assert added.status_code == 302
    reason = ReturnReason.objects.get(policy=policy, code="too_late")
    assert reason.label == "Arrived too late" and reason.is_active and not reason.needs_approval
    assert b"Arrived too late" in back_office_client.get("/returns/policies/web/").content


def test_bad_input_is_refused_on_the_field_and_nothing_is_saved(net, back_office_client):
    response = back_office_client.post("/returns/policies/web/", policy_data(non_returnable_skus="NOPE-1"))
    assert response.status_code == 422 and b"Unknown SKU: NOPE-1." in response.content
    assert not ReturnPolicy.objects.filter(channel=net.channel).exists()
    too_long = back_office_client.post("/returns/policies/default/", policy_data(window_days="5000"))
    assert too_long.status_code == 422 and b"less than or equal to 3650" in too_long.content


def test_people_without_the_permission_cannot_edit_policies(net, client):
    client.force_login(user_with_role(STORE_ASSOCIATE, username="sam", locations=[net.store]))
    assert client.get("/returns/policies/").status_code == 403
    assert client.post("/returns/policies/web/", policy_data()).status_code == 403
    assert not ReturnPolicy.objects.filter(channel=net.channel).exists()
