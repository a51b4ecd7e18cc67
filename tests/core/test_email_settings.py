"""The SMTP server is configured from the environment; with none given, mail goes to the console."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
]
READ = "; ".join(
    [
        "import json",
        "from config.settings import base",
        f"print(json.dumps({{n: getattr(base, n, None) for n in {NAMES}}}))",
    ]
)


def settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the base settings in a fresh interpreter with exactly these mail variables set."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("EMAIL_")}
    clean.pop("DEFAULT_FROM_EMAIL", None)
    return subprocess.run(  # noqa: S603 - our own interpreter on a fixed snippet
        [sys.executable, "-c", READ], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=False
    )


def read(**env: str) -> dict:
    result = settings_with(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_smtp_server_comes_from_the_environment():
    mail = read(
        EMAIL_HOST="smtp.example.net",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="postmaster",
        EMAIL_HOST_PASSWORD="hunter2",
        EMAIL_USE_TLS="true",
        DEFAULT_FROM_EMAIL="Shop <shop@example.net>",
    )
    assert mail["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"]) == ("smtp.example.net", 2525)
    assert (mail["EMAIL_HOST_USER"], mail["EMAIL_HOST_PASSWORD"]) == ("postmaster", "hunter2")
    assert (mail["EMAIL_USE_TLS"], mail["EMAIL_USE_SSL"]) == (True, False)
    assert mail["DEFAULT_FROM_EMAIL"] == "Shop <shop@example.net>"
    assert mail["EMAIL_TIMEOUT"] > 0  # a dead server cannot hang a worker forever


def test_implicit_tls_and_an_explicit_backend_are_honoured():
    mail = read(EMAIL_HOST="smtp.example.net", EMAIL_PORT="465", EMAIL_USE_SSL="1")
    assert (mail["EMAIL_USE_TLS"], mail["EMAIL_USE_SSL"], mail["EMAIL_PORT"]) == (False, True, 465)
    assert read(EMAIL_BACKEND="anymail.backends.example.EmailBackend")["EMAIL_BACKEND"] == (
        "anymail.backends.example.EmailBackend"
    )


def test_without_a_host_mail_is_written_to_the_console():
    mail = read()
    assert mail["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert mail["DEFAULT_FROM_EMAIL"]


def test_starttls_and_implicit_tls_together_are_refused_at_start():
    result = settings_with(EMAIL_HOST="smtp.example.net", EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert result.returncode != 0
    assert "EMAIL_USE_TLS" in result.stderr and "EMAIL_USE_SSL" in result.stderr
