"""Django's PostgreSQL backend, with a connection health check that sends nothing while it can tell.

With `CONN_HEALTH_CHECKS` (on in our settings), Django checks a kept connection before the first
query of each request by sending `SELECT 1` and waiting for the answer: one round trip per
request, a tenth of the statements of an order. An idle connection the server has not closed has
nothing to read: when the server ends a connection (a restart, `pg_terminate_backend`, an idle
timeout) it sends its reason and closes the socket, which makes it readable. So when the socket
has nothing to read and no transaction is open, the connection is usable without asking; in
every other case Django's own check runs. What this cannot see is a peer that vanished without
closing (a dropped network path): Django's check would wait on the same dead socket, and the
request that finds it fails and closes the connection, as when a connection breaks mid-request.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        """True when the kept connection can run a statement: without a round trip when it is idle
        and the server has sent nothing; with Django's `SELECT 1` otherwise."""
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status == pq.TransactionStatus.IDLE and not _has_input(connection.fileno()):
            return True
        return bool(super().is_usable())


def _has_input(fd: int) -> bool:
    """Whether the server sent something (or closed the socket) that nobody has read."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
