"""A real Celery worker consumes a task through the real Redis broker (service-backed)."""

from __future__ import annotations

import os

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from inventory.models import StockLevel
from inventory.tasks import ledger_verify
from tests.factories import stocked

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def redis_celery():
    """Point the Celery app at Redis (broker and results) for one test, then restore it."""
    if not REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_runs_ledger_verification_through_redis(redis_celery, warehouse, sku):
    stocked(warehouse, sku, 5)
    assert ledger_verify.delay().get(timeout=20) == 0

    # A level changed behind the services' back is reported as drift by the worker.
    StockLevel.objects.filter(location=warehouse, sku=sku).update(on_hand=9)
    assert ledger_verify.delay().get(timeout=20) == 1
