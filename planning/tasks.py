"""Celery tasks of the planning app: ids in, idempotent.

- `forecast_run_task(run_id)`: run one queued forecast recompute (a finished run is left as it is).
- `forecast_nightly_task`: beat, nightly: queue a recompute (or leave the one already active).
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def forecast_run_task(run_id: int) -> str:
    from planning.services.forecasts import forecast_run_execute

    return forecast_run_execute(run_id=run_id).status


@shared_task
def forecast_nightly_task() -> int:
    from planning.services.forecasts import forecast_run_request

    return forecast_run_request(actor=None, trigger="nightly").pk
