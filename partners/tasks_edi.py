"""Celery task of the EDI drop folder: beat reads every EDI partner's inbox (see `partners.edi.inbox`).

Idempotent by construction: a file leaves the inbox once processed, and a file processed twice
(a worker died before moving it) applies nothing twice (idempotency keys per set, one 997 per group).
"""

from __future__ import annotations

from celery import shared_task

from partners.edi.inbox import inbox_process_all


@shared_task(name="partners.tasks_edi.edi_inbox_poll")
def edi_inbox_poll() -> dict[str, dict[str, int]]:
    """Process every EDI partner's inbox; per partner, how many files were processed and failed."""
    report = {}
    for code, results in inbox_process_all().items():
        report[code] = {
            "processed": sum(1 for result in results if result.ok),
            "failed": sum(1 for result in results if not result.ok),
        }
    return report
