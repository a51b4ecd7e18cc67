"""Shared fixtures of the notification tests: notifications on, a small network, orders through intake,
and a mail backend that fails when told to."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.core.mail.backends.locmem import EmailBackend

from fulfillment.services.intake import order_import
from notifications.models import Notification
from orders.models import Order
from orders.services import LineInput, OrderInput
from tests.factories.returns import ReturnNetwork, return_network


@pytest.fixture(autouse=True)
def _notifications_on(settings):
    """The suite's settings switch customer notifications off for the other apps' tests; these need them."""
    settings.NOTIFICATIONS_ENABLED = True


@pytest.fixture
def net(db) -> ReturnNetwork:
    """A web shop (emails on by default), a Dallas warehouse with stock, a New York store, carriers."""
    return return_network()


def place(
    net: ReturnNetwork,
    lines: Sequence[tuple[str, int, str]] = (("TEE-BLK-M", 1, "20.00"),),
    *,
    external_id: str = "W-1",
    email: str = "ada@example.com",
    channel: Any = None,
    **extra: Any,
) -> Order:
    """Place an order through intake (lines: SKU, units, unit price), shipped to New York by default."""
    data = OrderInput(
        external_id=external_id,
        customer_name="Ada Lovelace",
        customer_email=email,
        lines=tuple(LineInput(sku, quantity, Decimal(price)) for sku, quantity, price in lines),
        postal_code=extra.pop("postal_code", "10001"),
        line1=extra.pop("line1", "12 Analytical Row"),
        city=extra.pop("city", "New York"),
        region=extra.pop("region", "NY"),
        **extra,
    )
    return order_import(channel=channel or net.channel, data=data).order


def rows(order: Order, kind: str = "") -> list[Notification]:
    """The order's outbox rows (of one kind), oldest first."""
    qs = Notification.objects.filter(order=order).order_by("pk")
    return list(qs.filter(kind=kind) if kind else qs)


class FlakyBackend(EmailBackend):
    """The in-memory backend, refusing the next `failures` sends as a mail server that hung up would."""

    failures: ClassVar[int] = 0
    calls: ClassVar[int] = 0

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        FlakyBackend.calls += 1
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionRefusedError("[Errno 111] Connection refused")
        return super().send_messages(email_messages)


@pytest.fixture
def flaky_mail(settings, mailoutbox):
    """Route mail through `FlakyBackend`; set `FlakyBackend.failures` to make sends fail."""
    FlakyBackend.failures = 0
    FlakyBackend.calls = 0
    settings.EMAIL_BACKEND = "tests.notifications.conftest.FlakyBackend"
    yield FlakyBackend
    FlakyBackend.failures = 0
