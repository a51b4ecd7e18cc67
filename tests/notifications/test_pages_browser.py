"""In headless Chromium: staff switch an email off on a channel's page and edit a template while the
preview follows their typing (htmx), on a desktop and on a phone.

Screenshots land in tests/screenshots/notifications-*.png.
"""

from __future__ import annotations

from typing import Any, cast

import pytest

from channels.models import Channel
from core.roles import BACK_OFFICE
from notifications.models import NotificationTemplate
from notifications.selectors import kind_enabled
from tests.browser.support import DESKTOP, DUPLICATE_IDS, PHONE, SCREENSHOTS, fits_the_screen
from tests.browser.test_inventory_browser import sign_in
from tests.factories import user_with_role
from tests.factories.orders import ChannelFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switch_an_email_off_and_edit_a_template_with_its_live_preview(chromium: Any, live_server: Any) -> None:
    user_with_role(BACK_OFFICE, username="pat")
    channel = cast(Channel, ChannelFactory(code="web", name="Web shop"))
    errors: list[str] = []
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server.url, "pat", "/notifications/")

    page.get_by_role("link", name="Web shop").click()
    page.wait_for_url("**/notifications/channels/web/")
    row = page.locator("#kind-delayed")
    assert row.get_attribute("data-enabled") == "on"
    row.get_by_role("button", name="Switch delayed emails off").click()
    page.wait_for_selector("#kind-delayed[data-enabled=off]")
    assert not kind_enabled(channel, "delayed")
    assert page.evaluate(DUPLICATE_IDS) == []
    page.screenshot(path=str(SCREENSHOTS / "notifications-channel-desktop.png"), full_page=True)

    page.locator("#kind-shipped").get_by_role("link", name="Edit (en)").click()
    page.wait_for_url("**/notifications/channels/web/shipped/en/")
    assert "has shipped in 2 boxes" in page.locator("[data-preview-subject]").inner_text()
    frame = page.frame_locator("iframe.preview-frame")
    assert "Box 2" in frame.locator("body").inner_text()
    assert frame.get_by_role("link", name="1Z999AA10123456791").get_attribute("href") == (
        "https://www.ups.com/track?tracknum=1Z999AA10123456791"
    )
    page.get_by_label("Subject").fill("{{ brand.name }}: {{ order.number }} is on the road")
    page.wait_for_function(
        "document.querySelector('[data-preview-subject]')?.textContent.includes('SO-001234 is on the road')"
    )
    page.get_by_label("Subject").fill("{% if %}")
    page.wait_for_selector("[data-preview-error][data-field=subject]")
    page.get_by_label("Subject").fill("{{ order.number }} is on the road")
    page.wait_for_function(
        "document.querySelector('[data-preview-subject]')?.textContent.trim() === 'SO-001234 is on the road'"
    )
    page.screenshot(path=str(SCREENSHOTS / "notifications-template-desktop.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#messages .msg-success")
    saved = NotificationTemplate.objects.get(channel=channel, kind="shipped", language="en")
    assert saved.subject == "{{ order.number }} is on the road"
    assert errors == []

    phone = chromium.new_context(viewport=PHONE)
    small = phone.new_page()
    sign_in(small, live_server.url, "pat", "/notifications/channels/web/shipped/en/")
    assert fits_the_screen(small), "the template page scrolls sideways at 390 px"
    assert "Box 2" in small.frame_locator("iframe.preview-frame").locator("body").inner_text()
    small.screenshot(path=str(SCREENSHOTS / "notifications-template-phone.png"), full_page=True)
    context.close()
    phone.close()
