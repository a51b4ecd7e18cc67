"""Helpers for the quality tests: rules, receipts that run their after-commit receivers, photos."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from channels.models import Channel
from inventory.models import SKU, Location, StockLevel
from inventory.services import ledger_verify, stock_receive
from quality.models import QcRule
from quality.services import RuleInput, qc_rule_save
from tests.factories.orders import ChannelFactory
from tests.factories.pages import make_sku


def make_channel(**kwargs: Any) -> Channel:
    """A saved sales channel (see ChannelFactory for the defaults)."""
    return cast(Channel, ChannelFactory(**kwargs))


def make_rule(
    name: str = "Inbound check",
    *,
    sku: SKU | None = None,
    locations: Sequence[Location] = (),
    checklist: Sequence[str] = ("Packaging intact", "Item matches the listing", "No damage"),
    **options: Any,
) -> QcRule:
    """A QC rule through the service (every unit of every SKU inbound, unless told otherwise)."""
    return qc_rule_save(data=RuleInput(name=name, sku=sku, locations=locations, checklist=checklist, **options))


def png(
    color: tuple[int, int, int] = (200, 30, 30),
    *,
    size: tuple[int, int] = (40, 30),
    name: str = "unit.png",
    fmt: str = "PNG",
) -> SimpleUploadedFile:
    """A real image file as a browser would upload it (each colour makes different bytes)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def level(location: Location, sku: SKU) -> StockLevel:
    """The (location, SKU) level as stored now."""
    return StockLevel.objects.get(location=location, sku=sku)


def atp(location: Location, sku: SKU) -> int:
    """Available to promise, as every reservation computes it."""
    row = level(location, sku)
    return max(row.on_hand - row.reserved - row.safety_stock, 0)


@pytest.fixture
def receive(django_capture_on_commit_callbacks: Any) -> Callable[..., None]:
    """Receive stock and run what runs after the receipt commits (the QC receiver among them)."""

    def _receive(location: Location, sku: SKU, quantity: int, **kwargs: Any) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            stock_receive(location=location, sku=sku, quantity=quantity, actor=None, **kwargs)

    return _receive


@pytest.fixture
def ledger_clean() -> Callable[[], None]:
    """Assert that replaying the ledger reproduces every level, quarantine included."""

    def _check() -> None:
        assert ledger_verify() == []

    return _check


@pytest.fixture
def high_value(db: Any) -> SKU:
    return make_sku(code="WATCH-GLD", name="Gold watch", price=Decimal("1200.00"))
