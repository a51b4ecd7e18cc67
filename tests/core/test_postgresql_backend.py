"""The kept connection's health check: no round trip while the connection is idle and open, and a
connection the server ended is still found out and replaced before a request uses it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections

from core.postgresql.base import DatabaseWrapper

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def kept() -> Iterator[Any]:
    """A second connection to the test database, as a web worker keeps one between requests."""
    wrapper: Any = connections.create_connection("default")
    wrapper.ensure_connection()
    wrapper.health_check_enabled = True
    yield wrapper
    wrapper.close()


def pid_of(wrapper: Any) -> int:
    return int(wrapper.connection.info.backend_pid)


def last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row[0] if row else ""


def run(wrapper: Any, sql: str) -> Any:
    with wrapper.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_the_settings_use_this_backend_and_it_is_still_postgresql():
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.vendor == "postgresql"


def test_an_idle_open_connection_is_usable_without_a_statement(kept):
    assert run(kept, "SELECT 'the last request'") == "the last request"

    assert kept.is_usable()

    assert last_statement(pid_of(kept)) == "SELECT 'the last request'"  # no SELECT 1 went out


def test_a_connection_the_server_ended_is_closed_and_the_next_request_gets_a_new_one(kept):
    ended = pid_of(kept)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [ended])
    deadline = time.monotonic() + 5
    while last_statement(ended) and time.monotonic() < deadline:  # the server has let it go
        time.sleep(0.02)

    assert not kept.is_usable()

    kept.health_check_done = False
    kept.close_if_health_check_failed()  # what Django does when the next request starts
    assert kept.connection is None
    assert run(kept, "SELECT 1") == 1
    assert pid_of(kept) != ended


def test_inside_a_transaction_the_check_asks_the_server(kept):
    kept.connection.execute("BEGIN")

    assert kept.is_usable()

    assert last_statement(pid_of(kept)) == "SELECT 1"
    kept.connection.execute("ROLLBACK")
