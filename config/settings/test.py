"""Settings for the test suite: fast hashing, in-memory mail, eager side effects off."""

import os

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
