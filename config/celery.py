"""The Celery application, and the one rule for choosing the settings module.

Workers: `DJANGO_SETTINGS_MODULE=config.settings.production celery -A config worker`;
scheduler: the same with `beat` (see docs/operations.md).

The settings rule lives here because `config/__init__.py` imports this module, so it runs
first for every entry point (`celery -A config`, `config.wsgi`, `config.asgi`, `manage.py`).
"""

from __future__ import annotations

import os

from celery import Celery
from django.core.exceptions import ImproperlyConfigured

SETTINGS_VARIABLE = "DJANGO_SETTINGS_MODULE"
DEVELOPMENT_SETTINGS = "config.settings.local"
# Production settings refuse to start without these, so every production process has them;
# a developer's machine needs neither. Either one set means "this is not a developer's machine".
PRODUCTION_MARKERS = ("SECRET_KEY", "CHANNEL_CREDENTIALS_KEY")


def ensure_settings_module() -> str:
    """Set DJANGO_SETTINGS_MODULE if it is unset, and return it.

    Set explicitly: used as it is. Unset (or empty): the development settings, unless the
    environment looks like production (SECRET_KEY or CHANNEL_CREDENTIALS_KEY set), where guessing
    would silently run a production process with DEBUG on, file e-mail and the marketplace
    sandboxes; there it raises ImproperlyConfigured naming the variable to set.
    """
    chosen = os.environ.get(SETTINGS_VARIABLE, "")
    if chosen:
        return chosen
    markers = [name for name in PRODUCTION_MARKERS if os.environ.get(name)]
    if markers:
        raise ImproperlyConfigured(
            f"{SETTINGS_VARIABLE} is not set, and this environment looks like production "
            f"({' and '.join(markers)} set): refusing to fall back to the development settings "
            f"({DEVELOPMENT_SETTINGS}). Set {SETTINGS_VARIABLE}=config.settings.production "
            f"(or {SETTINGS_VARIABLE}={DEVELOPMENT_SETTINGS} on a developer's machine)."
        )
    os.environ[SETTINGS_VARIABLE] = DEVELOPMENT_SETTINGS
    return DEVELOPMENT_SETTINGS


ensure_settings_module()

app = Celery("fulfil")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
