"""Core background tasks."""

from celery import shared_task

from core.idempotency import idempotency_purge as purge


@shared_task(name="core.tasks.idempotency_purge")
def idempotency_purge() -> int:
    """Hourly: forget Idempotency-Key answers past their retention period."""
    return purge()
