"""Which expected unit a scanned code is: the one matcher of every scan screen and service.

Staff scan a unit's barcode or type its SKU code, at the packing bench and at the store's
pick screen; the pack and mark-ready services check the same scans again. All of them match
through `ScanMatcher`, so a code the screen counted is never refused by the service:

- a SKU is found by its code or by its barcode;
- codes compare by `scan_key`: surrounding spaces dropped, SKU codes without case, barcodes
  without leading zeros (a UPC-A read as EAN-13);
- every scan is either matched to one expected item or reported as unknown, never dropped.

Pure: no query, no model import; the callers give the SKUs they already loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")


class ScannableSku(Protocol):
    """What a scan can name: a SKU's code and (possibly empty) barcode."""

    @property
    def code(self) -> str: ...

    @property
    def barcode(self) -> str: ...


def scan_key(code: str) -> str:
    """The form two scans are compared in: barcodes without leading zeros, SKU codes without case."""
    code = code.strip()
    return (code.lstrip("0") or "0") if code.isdigit() else code.upper()


@dataclass(frozen=True)
class ScanMatches(Generic[T]):
    """Scans split in two: those that are an expected item (with it) and those that are not."""

    matched: list[tuple[str, T]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


class ScanMatcher(Generic[T]):
    """Finds the expected item a scanned SKU code or barcode stands for.

    Built from `(sku, item)` pairs: the item is whatever the caller counts (a SKU id, a SKU
    code, a line on screen). When two pairs share a key (one SKU listed on two lines, or a
    barcode equal to another SKU's code) the first pair given wins, so callers pass them in
    a stable order.
    """

    def __init__(self, entries: Iterable[tuple[ScannableSku, T]]) -> None:
        self._by_key: dict[str, T] = {}
        for sku, item in entries:
            self._by_key.setdefault(scan_key(sku.code), item)
            if sku.barcode:
                self._by_key.setdefault(scan_key(sku.barcode), item)

    def match(self, code: str) -> T | None:
        """The item this scan is, or None if it is none of them."""
        return self._by_key.get(scan_key(code))

    def partition(self, codes: Iterable[object]) -> ScanMatches[T]:
        """Every non-blank scan, in order, either matched (as scanned, spaces trimmed) or unknown."""
        result: ScanMatches[T] = ScanMatches()
        for raw in codes:
            code = str(raw).strip()
            if not code:
                continue
            item = self.match(code)
            if item is None:
                result.unknown.append(code)
            else:
                result.matched.append((code, item))
        return result
