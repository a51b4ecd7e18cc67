"""Sorting a list by a column the person clicked (`?sort=placed`, `?sort=-placed`), whitelisted.

The list views of several apps and the CSV export of the same lists read `?sort=` the same
way, so the parsing lives here, at the bottom of the layers: a list names its sortable columns
and the fields each one orders by; anything else in the URL falls back to the list's default,
never an error page and never an `order_by` on a field the list did not offer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sort:
    """The chosen column (`key`), its direction, and the `order_by` fields it stands for."""

    key: str
    descending: bool
    fields: tuple[str, ...]

    @property
    def param(self) -> str:
        """The value of `?sort=` that asks for this order."""
        return f"-{self.key}" if self.descending else self.key

    def order_by(self) -> list[str]:
        """`order_by` arguments: every field in the chosen direction (the last one breaks ties)."""
        return [f"-{name}" if self.descending else name for name in self.fields]


def sort_from(value: str | None, *, columns: Mapping[str, Sequence[str]], default: str) -> Sort:
    """The sort `value` asks for if `columns` offers it, else `default` (same `[-]key` syntax)."""
    for candidate in (value or "", default):
        key = candidate.removeprefix("-")
        if key in columns:
            return Sort(key=key, descending=candidate.startswith("-"), fields=tuple(columns[key]))
    raise ValueError(f"The default sort {default!r} is not one of the columns.")
