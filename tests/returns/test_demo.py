"""`seed_demo_returns` adds returns in several states to the demo network, through the services, once."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from inventory.services import ledger_verify
from returns.models import ReturnAuthorization

pytestmark = pytest.mark.django_db


def test_demo_returns_cover_the_states_and_a_second_run_adds_nothing():
    call_command("seed_demo", "--seed", "7", "--skus", "40", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_returns", stdout=out)
    statuses = Counter(ReturnAuthorization.objects.values_list("status", flat=True))
    assert statuses == {"authorized": 1, "requested": 1, "received": 2, "inspected": 1}
    assert "Demo returns: 1 authorized, 1 inspected, 2 received, 1 requested." in out.getvalue()
    assert ReturnAuthorization.objects.get(status="requested").hold_reason.startswith("late:")
    assert ledger_verify() == []

    again = StringIO()
    call_command("seed_demo_returns", stdout=again)
    assert ReturnAuthorization.objects.count() == 5
    assert "already there" in again.getvalue()
