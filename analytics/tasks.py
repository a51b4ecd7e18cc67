"""Celery tasks of the analytics app.

- `facts_refresh_task`: beat, every few minutes: rewrite the days of facts whose orders changed
  since the last run (idempotent: a second run finds nothing new).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def facts_refresh_task() -> int:
    """Refresh the daily facts of the days touched since the last run; the number of days rewritten."""
    from analytics.services import facts_refresh

    return len(facts_refresh().days)
