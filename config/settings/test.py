"""Settings for the test suite: fast hashing, in-memory mail, eager side effects off."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests of other apps do not expect customer notifications; tests/notifications switch them on.
NOTIFICATIONS_ENABLED = False
# Sign-in throttling needs a request at every authenticate(); test clients' login() gives none.
# tests/accounts switch it on.
AXES_ENABLED = False
# Tests sell and poll within milliseconds, so the estimate of sales not imported yet would read a
# pace from the clock of the test run; tests/marketplaces/test_unheard.py switches it on, at set times.
CHANNELS_UNHEARD_LOOKBACK_SECONDS = 0.0
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# CI=true forbids skipping tests that need PostgreSQL, Redis or a browser.
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _worker_redis_url(url: str, worker: str) -> str:
    """The Redis URL with a database of the parallel test worker's own (gw0 the next one, gw1 the one after)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + 1 + int(worker[2:])) % 16}"))


# Parallel workers (`pytest -n N`) each cache in a Redis database of their own: a test's cache.clear()
# empties the whole database (FLUSHDB, whatever the key prefix), and must not wipe what a test running
# beside it in another worker cached (a session's two-factor rules version, a throttle's counts).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _WORKER[2:].isdigit():  # noqa: F405
    CACHES["default"]["LOCATION"] = _worker_redis_url(REDIS_URL, _WORKER)  # noqa: F405
