"""Small helpers the inventory screens share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inventory.models import StockLevel


def level_atp(level: StockLevel) -> int:
    """The annotated available-to-promise of a level from a selector."""
    return int(getattr(level, "atp", level.available))


def model_initial(instance: Any, names: Iterable[str]) -> dict[str, Any]:
    """A form's initial values read from a model instance."""
    return {name: getattr(instance, name) for name in names}
