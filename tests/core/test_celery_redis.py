"""A real Celery worker consumes a task through the real Redis broker (service-backed)."""

from __future__ import annotations

import os

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

import inventory.tasks  # noqa: F401  (registers the shared task on every app, this one included)
from config.celery import app as suite_app
from inventory.models import StockLevel
from tests.factories import stocked

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def redis_app():
    """A Celery app of its own on Redis (broker and results), so the suite's eager app is untouched."""
    if not REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    app = Celery("redis-test", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
    app.conf.update(task_default_queue="redis-test", broker_connection_retry_on_startup=True)
    app.finalize()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    app.close()
    # The test worker makes its app the current one; the tests after this one queue their tasks on
    # the suite's eager app again (otherwise they would go to this Redis queue and never run).
    suite_app.set_current()
    suite_app.set_default()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_runs_ledger_verification_through_redis(redis_app, warehouse, sku):
    stocked(warehouse, sku, 5)
    assert redis_app.send_task("inventory.tasks.ledger_verify").get(timeout=20) == 0

    # A level changed behind the services' back is reported as drift by the worker.
    StockLevel.objects.filter(location=warehouse, sku=sku).update(on_hand=9)
    assert redis_app.send_task("inventory.tasks.ledger_verify").get(timeout=20) == 1
