"""The users pages at 1440 px in headless Chromium: an administrator finds Users under More, invites a
warehouse operator (the locations appear once the role is chosen), then makes them a store associate.
On a phone (390 px), a store associate whose role requires it sets up two-factor sign-in and signs in with a code.

Screenshots land in tests/screenshots/accounts-*.png.
"""

from __future__ import annotations

import time
from base64 import b32decode
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django_otp.oath import TOTP

from accounts.models import RoleSecurity
from core.roles import ADMINISTRATOR, STORE_ASSOCIATE
from inventory.models import LocationAccess, LocationKind
from tests.browser.support import DUPLICATE_IDS, PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories import LocationFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


def looks_right(page: Any, name: str) -> None:
    assert fits_the_screen(page), f"{name} scrolls sideways"
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / f"accounts-{name}.png"), full_page=True)


def test_an_administrator_invites_an_operator_and_changes_their_role(chromium: Any, live_server: Any) -> None:
    LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    LocationFactory(code="nyc-store", name="New York Store", kind=LocationKind.STORE)
    user_with_role(ADMINISTRATOR, username="alex", first_name="Alex", last_name="Admin", is_staff=True)
    errors: list[str] = []
    page = chromium.new_context(viewport=WIDE).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.locator(".main-nav").get_by_text("More").click()
    page.locator(".main-nav").get_by_role("link", name="Users").click()
    page.wait_for_url("**/settings/users/")
    looks_right(page, "list")

    page.get_by_role("link", name="Invite someone").first.click()
    page.wait_for_url("**/settings/users/invite/")
    assert not page.get_by_text("Dallas DC").is_visible()  # no role chosen yet: no locations to pick
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Diaz")
    page.get_by_label("Warehouse operator", exact=False).check()
    page.get_by_label("dal-dc · Dallas DC", exact=False).check()
    looks_right(page, "invite")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url("**/settings/users/*/")
    assert "Invitation sent to dana@example.com" in page.locator("#messages").inner_text()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@example.com"]
    looks_right(page, "invited")

    page.get_by_label("Store associate", exact=False).check()
    page.get_by_label("dal-dc · Dallas DC", exact=False).uncheck()
    page.get_by_label("nyc-store · New York Store", exact=False).check()
    page.get_by_role("button", name="Save role and access").click()
    page.wait_for_url("**/settings/users/*/")
    assert "Dana Diaz is now Store associate" in page.locator("#messages").inner_text()
    looks_right(page, "role-changed")

    dana = get_user_model().objects.get(email="dana@example.com")
    assert list(dana.groups.values_list("name", flat=True)) == [STORE_ASSOCIATE]
    assert [grant.location.code for grant in LocationAccess.objects.filter(user=dana)] == ["nyc-store"]
    page.goto(f"{live_server.url}/settings/users/")
    row = page.locator('[data-person="dana@example.com"]')
    assert "Store associate" in row.inner_text() and "Invited" in row.inner_text()
    assert errors == []


def _code_from_key(shown_key: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key the page printed (as a person would type it in)."""
    totp = TOTP(b32decode(shown_key.replace(" ", "")))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def test_a_store_associate_whose_role_requires_it_sets_up_two_factor_on_a_phone(
    chromium: Any, live_server: Any
) -> None:
    store: Any = LocationFactory(code="nyc-store", name="New York Store", kind=LocationKind.STORE)
    user_with_role(STORE_ASSOCIATE, username="sam", first_name="Sam", locations=[store])
    RoleSecurity.objects.create(role=Group.objects.get(name=STORE_ASSOCIATE), require_two_factor=True)
    errors: list[str] = []
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def sign_in() -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill("sam")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    sign_in()
    page.wait_for_url("**/settings/security/")
    assert "Your role requires two-factor sign-in" in page.locator("#two-factor-required").inner_text()
    assert page.locator("#qr svg").is_visible()
    looks_right(page, "enrol-phone")
    key = page.locator("#secret").inner_text()
    page.get_by_label("Code from your app").fill(_code_from_key(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url("**/settings/security/")
    assert "Two-factor sign-in is on" in page.locator("#messages").inner_text()
    page.goto(f"{live_server.url}/inventory/")
    assert page.url.endswith("/inventory/")  # the rest of the back office opens now

    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in()
    page.wait_for_url("**/accounts/login/code/")
    looks_right(page, "code-phone")
    page.get_by_label("Code from your app").fill(_code_from_key(key, steps_ahead=1))  # a code is good once
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)  # signed in: wherever an associate lands
    assert page.locator(".user-menu").is_visible()
    assert errors == []
