"""Two-factor sign-in: enrolling an app, the code step at sign-in, roles that require it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RoleSecurity
from core.roles import ADMINISTRATOR, SUPPLIER, WAREHOUSE_OPERATOR
from partners.models import PartnerUser
from tests.accounts.support import PASSWORD, code_for, enrolled, text
from tests.factories import user_with_role
from tests.factories.partners import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_device_wait(settings: Any) -> None:
    """A wrong code makes django-otp wait a second before the next; these tests type the next at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def supplier_person(db: Any) -> Any:
    """A supplier's person, linked to their partner (the portal's only users)."""
    partner: Any = PartnerFactory(code="acme", name="Acme Supplies")
    person = user_with_role(SUPPLIER, username="sam@acme.example")
    PartnerUser.objects.create(user=person, partner=partner)
    return person


def _sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_a_person_enrols_an_app_by_scanning_the_qr_code_and_typing_a_code(back_office_client, back_office_user):
    page = back_office_client.get(reverse("accounts:security"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode() and "Set up an authenticator app" in text(page)
    device = TOTPDevice.objects.get(user=back_office_user, confirmed=False)
    assert back_office_client.get(reverse("accounts:security")).content.decode().count(device.key[:4]) == 0
    assert TOTPDevice.objects.filter(user=back_office_user).count() == 1  # a reload shows the same QR

    wrong = back_office_client.post(reverse("accounts:security"), {"action": "confirm", "token": "000000"})
    assert wrong.status_code == 422 and "That code is not right" in text(wrong)
    letters = back_office_client.post(reverse("accounts:security"), {"action": "confirm", "token": "abc"})
    assert "Type the 6-digit code" in text(letters)

    done = back_office_client.post(
        reverse("accounts:security"), {"action": "confirm", "token": code_for(device)}, follow=True
    )
    assert "Two-factor sign-in is on" in text(done)
    device.refresh_from_db()
    assert device.confirmed
    assert back_office_client.get(reverse("ui:dashboard")).status_code == 200  # this session counts as verified


def test_sign_in_asks_for_the_code_after_the_password(back_office_user):
    device = enrolled(back_office_user)
    browser = Client()
    password_step = _sign_in(browser, "backoffice")
    assert password_step.status_code == 302 and password_step["Location"] == reverse("login_code")
    assert browser.get(reverse("ui:dashboard")).status_code == 302  # not signed in yet

    page = browser.get(reverse("login_code"))
    assert "Enter your code" in text(page)
    wrong = browser.post(reverse("login_code"), {"token": "123456"})
    assert wrong.status_code == 422 and "That code is not right" in text(wrong)

    right = browser.post(reverse("login_code"), {"token": code_for(device)})
    assert right.status_code == 302 and right["Location"] == reverse("ui:dashboard")
    assert browser.get(reverse("ui:dashboard")).status_code == 200


def test_the_code_step_keeps_the_page_asked_for(back_office_user):
    device = enrolled(back_office_user)
    browser = Client()
    browser.post(
        reverse("login"), {"username": "backoffice", "password": PASSWORD, "next": reverse("inventory:location_list")}
    )
    answer = browser.post(reverse("login_code"), {"token": code_for(device)})
    assert answer["Location"] == reverse("inventory:location_list")


def test_a_person_without_an_app_signs_in_with_the_password_alone(back_office_user):
    browser = Client()
    assert _sign_in(browser, "backoffice")["Location"] == reverse("ui:dashboard")
    assert browser.get(reverse("ui:dashboard")).status_code == 200


def test_a_role_that_requires_two_factor_sends_its_people_to_enrol_first(admin_user, operator_user):
    admin = Client()
    admin.force_login(admin_user)
    saved = admin.post(reverse("accounts:sign_in_rules"), {"required_roles": [WAREHOUSE_OPERATOR]}, follow=True)
    assert "Sign-in rules saved for Warehouse operator" in text(saved)
    assert RoleSecurity.objects.get(role__name=WAREHOUSE_OPERATOR).require_two_factor

    operator = Client()
    assert _sign_in(operator, "operator").status_code == 302
    blocked = operator.get(reverse("inventory:location_list"))
    assert blocked.status_code == 302 and blocked["Location"] == reverse("accounts:security")
    page = operator.get(reverse("accounts:security"))
    assert "Your role requires two-factor sign-in" in text(page)

    device = TOTPDevice.objects.get(user=operator_user, confirmed=False)
    operator.post(reverse("accounts:security"), {"action": "confirm", "token": code_for(device)})
    assert operator.get(reverse("inventory:location_list")).status_code == 200

    cannot_turn_off = operator.post(reverse("accounts:security"), {"action": "off"}, follow=True)
    assert "requires two-factor sign-in, so it cannot be turned off" in text(cannot_turn_off)
    assert TOTPDevice.objects.filter(user=operator_user, confirmed=True).exists()
    assert admin.get(reverse("ui:dashboard")).status_code == 200  # administrators are not required


def test_a_rule_reaches_people_already_signed_in(admin_user, operator_user, django_capture_on_commit_callbacks):
    operator = Client()
    operator.force_login(operator_user)
    assert operator.get(reverse("inventory:location_list")).status_code == 200
    admin = Client()
    admin.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("accounts:sign_in_rules"), {"required_roles": [WAREHOUSE_OPERATOR, ADMINISTRATOR]})
    assert operator.get(reverse("inventory:location_list"))["Location"] == reverse("accounts:security")


def test_a_session_signed_in_without_a_code_must_type_one(back_office_user):
    """Django's admin sign-in asks no code: such a session is sent to type one before anything else."""
    device = enrolled(back_office_user)
    browser = Client()
    browser.force_login(back_office_user)
    assert browser.get(reverse("ui:dashboard"))["Location"] == reverse("accounts:security")
    assert "This session was signed in without a code" in text(browser.get(reverse("accounts:security")))
    browser.post(reverse("accounts:security"), {"action": "verify", "token": code_for(device)})
    assert browser.get(reverse("ui:dashboard")).status_code == 200


def test_a_person_may_turn_an_optional_second_factor_off(back_office_user):
    device = enrolled(back_office_user)
    browser = Client()
    _sign_in(browser, "backoffice")
    browser.post(reverse("login_code"), {"token": code_for(device)})
    off = browser.post(reverse("accounts:security"), {"action": "off"}, follow=True)
    assert "Two-factor sign-in is off" in text(off)
    assert _sign_in(Client(), "backoffice")["Location"] == reverse("ui:dashboard")


def test_an_administrator_removes_a_lost_app(admin_user, back_office_user):
    enrolled(back_office_user)
    admin = Client()
    admin.force_login(admin_user)
    answer = admin.post(reverse("accounts:person_two_factor_reset", args=[back_office_user.pk]), follow=True)
    assert "authenticator app is removed" in text(answer)
    assert not TOTPDevice.objects.filter(user=back_office_user).exists()
    assert _sign_in(Client(), "backoffice")["Location"] == reverse("ui:dashboard")


def test_a_session_that_owes_a_code_gets_the_api_error_and_htmx_a_full_page_redirect(back_office_user):
    enrolled(back_office_user)
    browser = Client()
    browser.force_login(back_office_user)
    api = browser.get("/api/v1/locations/")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"
    partial = browser.get(reverse("inventory:location_list"), headers={"HX-Request": "true"})
    assert partial["HX-Redirect"] == reverse("accounts:security")


def test_a_supplier_enrols_on_the_security_page_under_accounts(supplier_person):
    device = enrolled(supplier_person)
    browser = Client()
    browser.force_login(supplier_person)  # Django's admin sign-in, say: no code asked
    portal = browser.get(reverse("partners:portal_home"))
    assert portal.status_code == 302 and portal["Location"] == reverse("accounts_security")
    page = browser.get(reverse("accounts_security"))
    assert page.status_code == 200 and "Confirm it is you" in text(page)
    browser.post(reverse("accounts_security"), {"action": "verify", "token": code_for(device)})
    assert browser.get(reverse("partners:portal_home")).status_code == 200
