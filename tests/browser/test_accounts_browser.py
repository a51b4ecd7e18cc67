"""The users pages at 1440 px in headless Chromium: an administrator finds Users under More, invites a
warehouse operator (the locations appear once the role is chosen), then makes them a store associate.

Screenshots land in tests/screenshots/accounts-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from core.roles import ADMINISTRATOR, STORE_ASSOCIATE
from inventory.models import LocationAccess, LocationKind
from tests.browser.support import DUPLICATE_IDS, PASSWORD, SCREENSHOTS, fits_the_screen
from tests.factories import LocationFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


def looks_right(page: Any, name: str) -> None:
    assert fits_the_screen(page), f"{name} scrolls sideways at 1440 px"
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
