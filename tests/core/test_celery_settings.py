"""Which settings a worker, the scheduler and the other entry points start with.

Each case starts a fresh interpreter with DJANGO_SETTINGS_MODULE removed (or set) and looks at
what an operator would see: the exit status, the error message, the settings the app ended up with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION_SECRET_KEY = "p" * 64
PRODUCTION_CREDENTIALS_KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXkxMjM="  # a valid Fernet key, tests only
# Loads the Celery app as `celery -A config` does, then its configuration (which reads the Django settings).
REPORT = (
    "import json, os, config.celery as c; from django.conf import settings; "
    "print(json.dumps({'module': os.environ['DJANGO_SETTINGS_MODULE'], 'settings': settings.SETTINGS_MODULE, "
    "'debug': settings.DEBUG, 'sandbox': settings.MARKETPLACE_SANDBOX, 'broker': c.app.conf.broker_url}))"
)
REFUSAL = "DJANGO_SETTINGS_MODULE is not set, and this environment looks like production"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without anything that picks or hints at settings, plus `extra`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {
            "DJANGO_SETTINGS_MODULE",
            "SECRET_KEY",
            "CHANNEL_CREDENTIALS_KEY",
            "DEBUG",
            "MARKETPLACE_SANDBOX",
            "REDIS_URL",
            "CELERY_BROKER_URL",
        }
    }
    env.update(CELERY_BROKER_URL="memory://", VAR_DIR=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _report(env: dict[str, str]) -> dict[str, object]:
    result = _run(["-c", REPORT], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "production_env",
    [
        {"SECRET_KEY": PRODUCTION_SECRET_KEY},
        {"CHANNEL_CREDENTIALS_KEY": PRODUCTION_CREDENTIALS_KEY},
        {"SECRET_KEY": PRODUCTION_SECRET_KEY, "CHANNEL_CREDENTIALS_KEY": PRODUCTION_CREDENTIALS_KEY},
    ],
    ids=["secret-key", "credentials-key", "both"],
)
def test_in_a_production_environment_the_app_refuses_to_guess_the_settings(tmp_path, production_env):
    result = _run(["-c", REPORT], _env(tmp_path, **production_env))

    assert result.returncode != 0
    assert result.stdout == ""  # never got as far as reading any settings
    last_line = result.stderr.strip().splitlines()[-1]
    assert REFUSAL in last_line
    assert "Set DJANGO_SETTINGS_MODULE=config.settings.production" in last_line
    for name in production_env:
        assert name in last_line


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "celery", "-A", "config", "worker", "--pool", "solo", "--concurrency", "1"],
        ["-m", "celery", "-A", "config", "beat"],
        ["manage.py", "check"],
        ["-c", "import config.wsgi"],
        ["-c", "import config.asgi"],
    ],
    ids=["worker", "beat", "manage.py", "wsgi", "asgi"],
)
def test_every_entry_point_started_as_before_on_a_production_host_stops_with_the_message(tmp_path, command):
    env = _env(
        tmp_path,
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        CHANNEL_CREDENTIALS_KEY=PRODUCTION_CREDENTIALS_KEY,
        DATABASE_URL="postgres://fulfil@db-host.invalid:5432/fulfil",
    )
    result = _run(command, env)

    assert result.returncode != 0
    assert REFUSAL in result.stderr
    assert "Set DJANGO_SETTINGS_MODULE=config.settings.production" in result.stderr


def test_a_production_host_with_the_variable_set_gets_exactly_the_production_settings(tmp_path):
    env = _env(
        tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        CHANNEL_CREDENTIALS_KEY=PRODUCTION_CREDENTIALS_KEY,
    )

    assert _report(env) == {
        "module": "config.settings.production",
        "settings": "config.settings.production",
        "debug": False,
        "sandbox": False,
        "broker": "memory://",
    }


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.test"])
def test_an_explicit_settings_module_is_used_as_it_is_even_with_production_secrets(tmp_path, module):
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE=module, SECRET_KEY=PRODUCTION_SECRET_KEY)

    report = _report(env)

    assert report["module"] == module
    assert report["settings"] == module


def test_a_developer_machine_still_defaults_to_the_development_settings(tmp_path):
    report = _report(_env(tmp_path))

    assert report == {
        "module": "config.settings.local",
        "settings": "config.settings.local",
        "debug": True,
        "sandbox": True,
        "broker": "memory://",
    }


def test_an_empty_variable_counts_as_unset(tmp_path):
    assert _report(_env(tmp_path, DJANGO_SETTINGS_MODULE=""))["settings"] == "config.settings.local"
    result = _run(["-c", REPORT], _env(tmp_path, DJANGO_SETTINGS_MODULE="", SECRET_KEY=PRODUCTION_SECRET_KEY))
    assert result.returncode != 0
    assert REFUSAL in result.stderr
