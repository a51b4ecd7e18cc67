"""What every browser test shares: headless Chromium, screen sizes, the screenshot folder, and
checks a person would make of a page (it fits the screen, ids are unique)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PASSWORD = "correct-horse-battery"  # the UserFactory default
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

DUPLICATE_IDS = """
[...document.querySelectorAll('[id]')].map(e => e.id).filter((id, i, all) => all.indexOf(id) !== i)
"""


def chromium_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless Chromium driven through Playwright's sync API (the `chromium` fixture).

    Without /usr/bin/chromium the test skips, except under CI=true, where it fails.
    """
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if IN_CI:
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def fits_the_screen(page: Any) -> bool:
    """No sideways scroll, and no zoomed-out phone layout (tables may scroll inside their own box)."""
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
            " && window.innerWidth <= document.documentElement.clientWidth + 1"
        )
    )
