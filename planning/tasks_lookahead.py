"""Celery tasks that keep routing's shadow prices fresh (ids in, idempotent: a refresh replaces the prices).

- `shadow_prices_refresh_task(sku_ids=None)`: recompute the prices of these SKUs (all when None);
  beat runs it every few hours for every SKU.
- After a large receipt (`LARGE_RECEIPT_UNITS` or more units of a SKU at once: a purchase order,
  a transfer, a supplier feed) the received SKUs are recomputed at once: the stock that made a
  location's units scarce may no longer be.
Imported by `PlanningConfig.ready` (Celery's autodiscovery reads `tasks.py` only).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from inventory.signals import stock_received

LARGE_RECEIPT_UNITS = 50


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def shadow_prices_refresh_task(sku_ids: list[int] | None = None) -> int:
    """Recompute and store shadow prices; returns how many prices were stored."""
    from planning.services.shadow_prices import shadow_prices_refresh  # noqa: PLC0415 (loads the ORM in the worker)

    return shadow_prices_refresh(sku_ids=sku_ids).prices


def _large_receipt(sender: Any, *, quantities: dict[int, int] | None = None, **kwargs: Any) -> None:
    """A receipt big enough to change which stock is scarce: recompute the prices of what came in."""
    large = sorted(sku_id for sku_id, units in (quantities or {}).items() if units >= LARGE_RECEIPT_UNITS)
    if large:
        shadow_prices_refresh_task.delay(sku_ids=large)


stock_received.connect(_large_receipt, dispatch_uid="planning.shadow_prices_after_large_receipt")
