"""Supplier portal people: partners' services link a user to one partner and take them out again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.errors import ValidationFailed
from core.roles import SUPPLIER
from partners.models import PartnerUser
from partners.services import partner_user_remove, partner_user_set
from tests.factories import user_with_role
from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db


def test_a_person_acts_for_one_partner_and_moving_them_keeps_one_link() -> None:
    acme: Any = PartnerFactory(code="acme")
    globex: Any = PartnerFactory(code="globex")
    person = user_with_role(SUPPLIER, username="sam@acme.example")

    partner_user_set(user=person, partner=acme)
    partner_user_set(user=person, partner=globex)

    assert list(PartnerUser.objects.filter(user=person).values_list("partner__code", flat=True)) == ["globex"]
    assert partner_user_remove(user=person) is True
    assert partner_user_remove(user=person) is False
    assert not PartnerUser.objects.exists()


def test_an_inactive_partner_takes_no_new_portal_people() -> None:
    closed: Any = PartnerFactory(code="closed", is_active=False)
    person = user_with_role(SUPPLIER, username="kim@closed.example")

    with pytest.raises(ValidationFailed, match="inactive") as refused:
        partner_user_set(user=person, partner=closed)
    assert refused.value.field == "partner"
    assert not PartnerUser.objects.exists()


#: Django started with the apps up to partners only (no webhooks, nothing else that listens).
_WITHOUT_LISTENERS = """
import importlib, sys
from django.conf import settings
base = importlib.import_module("config.settings.test")
values = {key: getattr(base, key) for key in dir(base) if key.isupper()}
above = {"planning", "marketplaces", "returns", "notifications", "webhooks", "analytics", "audit", "accounts", "ui"}
values["INSTALLED_APPS"] = [app for app in values["INSTALLED_APPS"] if app.split(".")[0] not in above]
settings.configure(**values)
import django
django.setup()
from django.db.models.signals import post_save
print(sorted(entry[0][0] for entry in post_save.receivers if str(entry[0][0]).startswith("partners.signals")))
print("webhooks.receivers" in sys.modules)
"""


def test_partners_sends_its_po_signals_with_no_listener_app_installed() -> None:
    done = subprocess.run(  # noqa: S603  (our own interpreter and a fixed script)
        [sys.executable, "-c", _WITHOUT_LISTENERS],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    connected, webhooks_loaded = done.stdout.strip().splitlines()[-2:]
    assert connected == str(
        [
            "partners.signals.invoice_saved",
            "partners.signals.purchase_order_saved",
            "partners.signals.ship_notice_saved",
        ]
    )
    assert webhooks_loaded == "False"
