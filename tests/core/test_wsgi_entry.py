"""What a web worker holds once `config.wsgi` is imported, before its first request.

Each case starts a fresh interpreter with the production settings, as gunicorn's worker does.
"""

from __future__ import annotations

import json
from typing import Any

from tests.core.test_celery_settings import PRODUCTION_CREDENTIALS_KEY, PRODUCTION_SECRET_KEY, _env, _run

# Imports the entry point as gunicorn does, then reports the collector's view of the process.
REPORT = (
    "import gc, json, sys, config.wsgi; "
    "from django.core.validators import EmailValidator; from django.utils.functional import empty; "
    "from config.celery import app; from core.geo import geocode_postal_code; "
    "print(json.dumps({'frozen': gc.get_freeze_count(), 'tracked': len(gc.get_objects()), "
    "'views_loaded': 'fulfillment.apis.orders' in sys.modules, 'tasks_registered': app.finalized, "
    "'zips_looked_up': geocode_postal_code.cache_info().currsize, "
    "'email_patterns_compiled': EmailValidator.domain_regex._wrapped is not empty}))"
)


def _worker_report(tmp_path) -> dict[str, Any]:
    env = _env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        CHANNEL_CREDENTIALS_KEY=PRODUCTION_CREDENTIALS_KEY,
    )
    result = _run(["-c", REPORT], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_web_worker_loads_its_views_and_keeps_them_out_of_full_collections(tmp_path):
    report = _worker_report(tmp_path)

    assert report["views_loaded"] is True  # the order API's view was imported at start-up, not by the first order
    # The start-up objects (modules, classes, URL patterns, serializers) are frozen: a full collection
    # walks only what requests create, a small fraction of the process.
    assert report["frozen"] > 100_000
    assert report["tracked"] < report["frozen"] / 4


def test_a_web_worker_builds_what_the_first_order_would_wait_for(tmp_path):
    report = _worker_report(tmp_path)

    # Each was built lazily by a worker's first order, about 0.3 s of its answer: the US ZIP
    # table (read on the first lookup), the Celery task registry (on the first task queued)
    # and the e-mail validator's patterns (on the first address checked).
    assert report["zips_looked_up"] >= 1
    assert report["tasks_registered"] is True
    assert report["email_patterns_compiled"] is True
