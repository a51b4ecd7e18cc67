"""Failed sign-ins are throttled per username and address (django-axes), and an administrator can unlock."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.support import PASSWORD, code_for, enrolled, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _throttling_on(settings: Any) -> None:
    settings.AXES_ENABLED = True  # off for the rest of the suite (config/settings/test.py)
    settings.AXES_FAILURE_LIMIT = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _sign_in(client: Client, username: str, password: str, address: str = "203.0.113.7") -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_wrong_passwords_lock_that_username_from_that_address(back_office_user):
    browser = Client()
    first = _sign_in(browser, "backoffice", "wrong-1")
    assert first.status_code == 200 and "Please enter a correct username and password" in text(first)
    _sign_in(browser, "backoffice", "wrong-2")
    locked = _sign_in(browser, "backoffice", "wrong-3")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in text(locked) and "Try again in 15 minutes" in text(locked)

    right_password = _sign_in(Client(), "backoffice", PASSWORD)
    assert right_password.status_code == 429  # even the right password waits
    assert _sign_in(Client(), "backoffice", PASSWORD, address="198.51.100.9").status_code == 302  # another address


def test_an_administrator_sees_the_lockout_and_unlocks(back_office_user, admin_user):
    for n in range(3):
        _sign_in(Client(), "backoffice", f"wrong-{n}")
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get(reverse("accounts:people")).content.decode()
    row = listing.split('data-person="backoffice"')[1].split("</tr>")[0]
    assert "Locked out" in row

    unlocked = admin.post(reverse("accounts:person_unlock", args=[back_office_user.pk]), follow=True)
    assert "can try signing in again now" in text(unlocked)
    assert _sign_in(Client(), "backoffice", PASSWORD).status_code == 302


def test_wrong_codes_count_as_failed_sign_ins(back_office_user):
    device = enrolled(back_office_user)
    browser = Client()
    assert _sign_in(browser, "backoffice", PASSWORD)["Location"] == reverse("login_code")
    for _ in range(2):
        assert browser.post(reverse("login_code"), {"token": "000000"}, REMOTE_ADDR="203.0.113.7").status_code == 422
    locked = browser.post(reverse("login_code"), {"token": "000001"}, REMOTE_ADDR="203.0.113.7")
    assert locked.status_code == 429 and "Too many failed sign-ins" in text(locked)
    still = browser.post(reverse("login_code"), {"token": code_for(device)}, REMOTE_ADDR="203.0.113.7")
    assert still.status_code == 429


def test_a_successful_sign_in_forgets_earlier_failures(back_office_user):
    _sign_in(Client(), "backoffice", "wrong-1")
    _sign_in(Client(), "backoffice", "wrong-2")
    assert _sign_in(Client(), "backoffice", PASSWORD).status_code == 302
    _sign_in(Client(), "backoffice", "wrong-3")
    assert _sign_in(Client(), "backoffice", PASSWORD).status_code == 302
