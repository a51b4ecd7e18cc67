"""In headless Chromium: a channel's sync page on a desktop and a phone, re-sync with its progress bar."""

from __future__ import annotations

from typing import Any

import pytest

from inventory.services import stock_receive
from marketplaces.services.log import sync_log
from tests.browser.support import DESKTOP, PHONE, SCREENSHOTS, fits_the_screen
from tests.factories import SKUFactory
from tests.factories.channels import sandbox_channel
from tests.marketplaces.test_browser_pages import demo, shoot, sign_in  # noqa: F401 (demo is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_channel_sync_page_and_resync(chromium: Any, live_server: Any, demo: None, settings: Any) -> None:  # noqa: F811
    from inventory.models import Location
    from marketplaces.services.stock_sync import channel_push
    from tests.factories.inventory import user_with_role

    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_QUEUE_PUSHES = False  # the page shows pending pushes until a worker runs
    from core.roles import ADMINISTRATOR

    user_with_role(ADMINISTRATOR, username="pat-admin", is_staff=True, is_superuser=True)
    location = Location.objects.get(code="dal-dc")
    skus: list[Any] = [SKUFactory(code=f"TEE-{n:02d}", name=f"Tee {n}") for n in range(6)]
    for n, sku in enumerate(skus):
        stock_receive(location=location, sku=sku, quantity=20 + n, actor=None)
    channel, sandbox = sandbox_channel("amazon", skus=skus, code="amazon-us")
    sandbox.item_failures["TEE-03"] = 1
    channel_push(channel_id=channel.pk)
    sync_log(
        channel_id=channel.pk,
        kind="order",
        level="error",
        message="Order 902-0001001-7919000 held: SKU AB-12 is not listed on Amazon US.",
        action="List the SKU on the channel page (or fix the order's data), then import the held order again.",
    )

    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/channels/amazon-us/")
    page.get_by_label("Username").fill("pat-admin")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/channels/amazon-us/")
    assert page.get_by_text("What to do:").first.is_visible()
    assert page.locator('tr[data-sku="TEE-03"]').get_by_text("Pending").is_visible()
    page.get_by_role("button", name="Re-sync all SKUs").click()
    page.wait_for_url(f"{live_server.url}/channels/amazon-us/")
    assert page.locator("#resync-bar").is_visible()
    assert fits_the_screen(page)
    shoot(page, "channel-sync-desktop")
    page.goto(f"{live_server.url}/channels/")
    shoot(page, "channels-health-desktop")
    context.close()

    phone = chromium.new_context(viewport=PHONE)
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/channels/amazon-us/")
    page.get_by_label("Username").fill("pat-admin")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/channels/amazon-us/")
    assert fits_the_screen(page)
    shoot(page, "channel-sync-phone")
    phone.close()


def test_order_notices_set_up_from_the_channel_page(chromium: Any, live_server: Any, demo: None, settings: Any) -> None:  # noqa: F811
    """A key that may not open the queue to Amazon: the card says what to add; once granted, one click subscribes."""
    from django.utils import timezone

    from core.roles import ADMINISTRATOR
    from marketplaces.models import ChannelSync
    from marketplaces.services.notices_setup import order_notices_setup_requested
    from marketplaces.services.setup import channel_connection_update
    from tests.factories.channels import sandbox_credentials
    from tests.factories.inventory import user_with_role

    settings.MARKETPLACE_SANDBOX = True
    user_with_role(ADMINISTRATOR, username="pat-admin", is_staff=True, is_superuser=True)
    channel, sandbox = sandbox_channel("amazon", code="amazon-eu")
    sandbox.aws_key_actions.discard("AddPermission")
    channel_connection_update(
        channel=channel,
        base_url=f"sandbox://{sandbox.name}",
        credentials=sandbox_credentials("amazon", sandbox, queue=True),
    )

    phone = chromium.new_context(viewport=PHONE)
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/channels/amazon-eu/")
    page.get_by_label("Username").fill("pat-admin")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/channels/amazon-eu/")
    card = page.locator("#order-notices")
    page.get_by_role("button", name="Set up notifications").click()
    card.get_by_text("The last attempt failed").wait_for()  # htmx swapped the card in place
    assert card.get_by_text("Not subscribed").is_visible()
    assert card.get_by_text("principal 437568002678 sqs:SendMessage").is_visible()
    assert fits_the_screen(page)
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "channel-notices-refused-phone.png"))

    sandbox.aws_key_actions.add("AddPermission")  # the merchant lets the key open the queue
    page.get_by_role("button", name="Set up notifications").click()
    card.locator('[data-notices="subscribed"]').wait_for()
    assert card.get_by_text("Subscribed", exact=True).is_visible()
    assert page.get_by_role("button", name="Check again").is_visible()
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "channel-notices-subscribed-phone.png"))

    # "Check again" while a worker is busy: the card says so, then polls in the outcome by itself.
    ChannelSync.objects.filter(channel=channel).update(notices_setup_requested_at=timezone.now())
    page.reload()
    assert card.get_by_text("Setting up").is_visible()
    assert page.get_by_role("button", name="Check again").is_disabled()
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "channel-notices-setting-up-phone.png"))
    assert (
        outcome := order_notices_setup_requested(channel_id=channel.pk)
    ) is not None and outcome.ok  # the worker runs it
    card.locator('[data-notices="subscribed"]').wait_for(timeout=10_000)
    assert page.get_by_role("button", name="Check again").is_enabled()
    phone.close()
