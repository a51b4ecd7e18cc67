"""History for rows written with `bulk_create`, which sends no signal.

Some services replace a whole set at once (a service's rate table, a user's locations) with a
delete and a `bulk_create`. The delete is recorded by the signals; the new rows would not be.
The audited model's manager gets a `bulk_create` that records a "created" history row per
object, in the same transaction, attributed like any other change.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from audit.records import history_reason, history_user


def record_bulk_creates(model: type[models.Model]) -> None:
    """Make `model.objects.bulk_create` record history for what it creates (once per model)."""
    manager = model._default_manager
    if getattr(manager, "_audit_bulk_wrapped", False):
        return
    original = manager.bulk_create

    def bulk_create(objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic(using=manager.db):
            created = original(objs, *args, **kwargs)
            saved = [obj for obj in created if obj.pk is not None]
            if saved and not kwargs.get("ignore_conflicts") and not kwargs.get("update_conflicts"):
                model.history.bulk_history_create(  # type: ignore[attr-defined]
                    saved, default_user=history_user(), default_change_reason=history_reason(saved[0])
                )
        return created

    manager.bulk_create = bulk_create  # type: ignore[method-assign]
    manager._audit_bulk_wrapped = True  # type: ignore[attr-defined]
