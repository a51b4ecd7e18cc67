"""Quality background tasks: the defect-rate exclusion run (beat). Idempotent, retried on database errors."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from quality.services import defect_exclusions_apply, quality_policy_get

logger = logging.getLogger(__name__)


@shared_task(
    name="quality.tasks.defect_exclusions_task",
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def defect_exclusions_task() -> dict[str, list[str]]:
    """Apply the defect policy to routing: exclude partner locations above its rate, let back those under it."""
    policy = quality_policy_get()
    report = defect_exclusions_apply(
        threshold=policy.exclude_above_percent, days=policy.window_days, minimum_units=policy.minimum_units
    )
    if report.excluded or report.lifted:
        logger.info("Defect exclusions: excluded %s, lifted %s", report.excluded, report.lifted)
    return {"excluded": report.excluded, "kept": report.kept, "lifted": report.lifted}
