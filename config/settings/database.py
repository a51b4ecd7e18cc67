"""The database settings: `DATABASE_URL`, or the embedded SQLite file when it is unset."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

from config.settings.env import env_bool


def databases(var_dir: Path) -> dict[str, dict[str, Any]]:
    """`DATABASES` for this environment."""
    default: dict[str, Any] = dict(
        dj_database_url.config(
            default=f"sqlite:///{var_dir / 'fulfil.sqlite3'}",
            conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    )
    if default["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite is the embedded default: wait for the writer lock instead of failing at once.
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of deadlocking.
        default.setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
        default["CONN_MAX_AGE"] = 0
    elif default["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, with a health check that needs no round trip on an idle, open connection.
        default["ENGINE"] = "core.postgresql"
        default.setdefault("OPTIONS", {}).update(_postgresql_options())
    return {"default": default}


def _postgresql_options() -> dict[str, Any]:
    """Parameters travel apart from the statement (server-side binding), and a statement a
    connection runs DB_PREPARE_THRESHOLD times is prepared (psycopg's own default: a statement run
    once or twice, such as a page's, is not worth a round trip to prepare): PostgreSQL stops parsing
    and planning the order path's statements on every order (about a third of its CPU per order),
    and the driver stops quoting every parameter into the text. A connection pooler in transaction
    mode needs PgBouncer 1.21+ with max_prepared_statements set, or DB_PREPARE_THRESHOLD=off
    (binding alone works through any pooler)."""
    threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5").strip().lower()
    return {
        "server_side_binding": env_bool("DB_SERVER_SIDE_BINDING", True),
        "prepare_threshold": None if threshold in ("", "off", "none") else int(threshold),
    }
