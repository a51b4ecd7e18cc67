"""Fixtures of the webhooks tests: a real HTTP receiver on 127.0.0.1, endpoints, an administrator.

The receiver is what a merchant's system would be: it reads each POST over a socket, remembers it,
answers what the test queued (or 200), and processes each `Webhook-Id` once, as the documentation
tells consumers to.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core.roles import ADMINISTRATOR
from tests.factories import user_with_role
from webhooks.models import EventType, Subscription
from webhooks.services import subscribed_types_forget, subscription_create


@dataclass
class Received:
    """One POST as the receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"ok":true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Receiver:
    """A merchant's endpoint over loopback HTTP: records every request, dedupes by Webhook-Id."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.processed: list[str] = []  # Webhook-Ids acted on, each once
        self.answers: deque[Answer] = deque()
        self.default = Answer()
        self.on_request: Callable[[Received], bool] | None = None  # return False to hang up without answering
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                with receiver.lock:
                    receiver.requests.append(got)
                if receiver.on_request is not None and not receiver.on_request(got):
                    self.close_connection = True
                    return
                with receiver.lock:
                    answer = receiver.answers.popleft() if receiver.answers else receiver.default
                    if 200 <= answer.status < 300 and got.webhook_id not in receiver.processed:
                        receiver.processed.append(got.webhook_id)
                time.sleep(answer.delay)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/fulfil"

    def answer(self, *answers: Answer) -> None:
        """Queue answers for the next requests (then the default)."""
        self.answers.extend(answers)

    def of_type(self, event_type: str) -> list[Received]:
        return [got for got in self.requests if json.loads(got.body)["type"] == event_type]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _local_endpoints_and_fresh_types(settings: Any) -> Iterator[None]:
    """http://127.0.0.1 endpoints are allowed here; the cached subscribed types start and end empty.

    The cache outlives a test's rolled-back database: left filled, it would make other apps' tests
    record events (and count an extra query) for endpoints that no longer exist.
    """
    settings.WEBHOOKS_ALLOW_LOCAL_HTTP = True
    subscribed_types_forget()
    yield
    subscribed_types_forget()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def make_endpoint(db: None, receiver: Receiver) -> Callable[..., tuple[Subscription, str]]:
    """An enabled endpoint at the receiver (or `url`), for the given types (default: all); (endpoint, secret)."""

    def make(types: list[str] | None = None, *, url: str | None = None, name: str = "ERP") -> tuple[Subscription, str]:
        issued = subscription_create(
            name=name, url=url or receiver.url, event_types=types or list(EventType.values), actor=None
        )
        return issued.subscription, issued.secret

    return make


@pytest.fixture
def administrator(db: None) -> Any:
    """A user in the Administrator role (not a superuser: the role must carry the permission)."""
    return user_with_role(ADMINISTRATOR, username="webhook-admin", email="admin@example.com")


@pytest.fixture
def administrator_client(client: Any, administrator: Any) -> Any:
    client.force_login(administrator)
    return client
