"""Settings for a developer's machine and the demo: debug on, embedded defaults."""

import os
from typing import Any, cast

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, LOGGING, VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
# `bin/demo.py` sets DEMO_MODE: the home page shows the "try this first" tour card, and every 404
# (even an address no URL matches) is the product's page, not Django's list of every URL.
DEMO_MODE = env_bool("DEMO_MODE", False)

# The file-system broker has no host, and kombu says so at every connection: expected, so not logged.
QUIET_LOGGERS: dict[str, dict[str, str]] = (
    {"kombu.connection": {"level": "ERROR"}} if CELERY_BROKER_URL == "filesystem://" else {}
)
LOGGING = {**LOGGING, "loggers": {**cast(dict[str, Any], LOGGING["loggers"]), **QUIET_LOGGERS}}

# The demo's processes each name a log file (DEMO_LOG_FILE, set by bin/demo.py): everything goes to
# var/log/<file>, and only errors reach the console, so the person trying the product sees the URL,
# the logins and what went wrong, not a request line every few seconds.
DEMO_LOG_FILE = os.environ.get("DEMO_LOG_FILE", "")
if DEMO_LOG_FILE:
    LOG_DIR = VAR_DIR / "log"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    _to_file_and_errors = {"handlers": ["file", "errors"], "level": "INFO", "propagate": False}
    LOGGING = {
        **LOGGING,
        "handlers": {
            "file": {
                "class": "logging.handlers.RotatingFileHandler",
                "filename": str(LOG_DIR / DEMO_LOG_FILE),
                "maxBytes": 5 * 1024 * 1024,
                "backupCount": 2,
                "formatter": "plain",
            },
            "errors": {"class": "logging.StreamHandler", "formatter": "plain", "level": "ERROR"},
        },
        "root": {"handlers": ["file", "errors"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        # Django's own loggers print to the console in DEBUG unless they are named here.
        "loggers": {
            "django": _to_file_and_errors,
            "django.server": _to_file_and_errors,
            "django.db.backends": {"level": "WARNING"},
            "py.warnings": {"handlers": ["file"], "level": "WARNING", "propagate": False},
            **QUIET_LOGGERS,
        },
    }
    # Celery keeps the logging above instead of printing every task to the console.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
