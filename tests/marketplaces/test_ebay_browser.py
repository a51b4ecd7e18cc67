"""In headless Chromium: an eBay connection whose refresh token was revoked, on a desktop and a
390px phone. The channel page and its connection form say the seller must authorise the app
again; saving the new refresh token clears it. Screenshots land in tests/screenshots/.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.roles import BACK_OFFICE
from marketplaces.models import ChannelSync, CredentialStatus
from marketplaces.services.orders import orders_poll
from tests.browser.support import DESKTOP, PASSWORD, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories import user_with_role
from tests.factories.channels import sandbox_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def revoked_ebay(settings: Any) -> tuple[Any, Any]:
    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_RATE_LIMIT_REDIS_URL = ""
    user_with_role(BACK_OFFICE, username="pat", first_name="Pat", last_name="Lee")
    channel, sandbox = sandbox_channel("ebay", code="ebay-us")
    sandbox.refresh_token_revoked = True
    orders_poll(channel_id=channel.pk)
    return channel, sandbox


def test_a_revoked_ebay_grant_is_explained_and_fixed_on_the_connection_form(
    chromium: Any, live_server: Any, revoked_ebay: tuple[Any, Any]
) -> None:
    channel, sandbox = revoked_ebay
    url = f"{live_server.url}/channels/{channel.code}/connection/"
    page = chromium.new_context(viewport=DESKTOP).new_page()
    page.goto(url)
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url)

    alert = page.locator("[data-alert=credentials]")
    assert "needs to be authorised again" in alert.inner_text()
    assert "authorise the app on eBay again" in alert.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "ebay-reauthorise-desktop.png"), full_page=True)

    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.add_cookies(page.context.cookies())
    phone_page = phone.new_page()
    phone_page.goto(url)
    assert fits_the_screen(phone_page)
    phone_page.screenshot(path=str(SCREENSHOTS / "ebay-reauthorise-phone.png"), full_page=True)

    # The seller consents again; staff paste the new refresh token and the warning goes.
    sandbox.refresh_token = "v^1.1#i^1#r^1#after-consent"
    sandbox.refresh_token_revoked = False
    page.get_by_label("Refresh token").fill(sandbox.refresh_token)
    page.get_by_role("button", name="Save connection").click()
    page.wait_for_url(f"{live_server.url}/channels/{channel.code}/")
    assert page.locator("[data-alert=credentials]").count() == 0
    assert ChannelSync.objects.get(channel=channel).credential_status != CredentialStatus.EXPIRED
    assert orders_poll(channel_id=channel.pk) == 0
    assert ChannelSync.objects.get(channel=channel).credential_status != CredentialStatus.EXPIRED
