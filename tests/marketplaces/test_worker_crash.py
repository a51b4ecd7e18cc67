"""A real Celery worker on Redis is killed in the middle of a push: nothing is lost.

The sandbox is served over loopback HTTP by this test process (the worker is another
process), slowed down so the worker is mid-push when it is killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery import Celery
from django.db import connection
from kombu import Exchange, Queue

from channels.services.keys import channel_create
from inventory.services import stock_receive
from marketplaces.models import PushState, StockOutbox
from marketplaces.sandbox import sandbox_reset
from marketplaces.services.setup import channel_connection_update, listing_create
from tests.factories import LocationFactory, SKUFactory
from tests.factories.channels import sandbox_credentials

REDIS_URL = os.environ.get("REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[2]
QUEUE = "channels-crash-test"


def serve(sandbox):
    class Handler(BaseHTTPRequestHandler):
        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            request = httpx.Request(
                self.command,
                f"sandbox://{sandbox.name}{self.path}",
                headers=dict(self.headers.items()),
                content=self.rfile.read(length),
            )
            answer = sandbox.handle(request)
            self.send_response(answer.status_code)
            for key, value in answer.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PATCH = do_PUT = _any

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_worker():
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    database_url = (
        f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CHANNELS_CLAIM_LEASE_SECONDS="3",
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "-b",
            REDIS_URL,
            "worker",
            "-P",
            "solo",
            "-Q",
            QUEUE,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def wait_for(condition, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_push_loses_nothing(settings):
    if not REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_QUEUE_PUSHES = False  # this process queues nothing: the worker does the work
    settings.CHANNELS_RATE_LIMIT_REDIS_URL = REDIS_URL  # the buckets the worker shares
    sandbox = sandbox_reset("amazon.crash")
    sandbox.latency = 0.6  # a slow marketplace: each call takes 0.6 s
    server = serve(sandbox)
    app = Celery("crash-test", broker=REDIS_URL, set_as_current=False)
    app.conf.update(task_default_queue=QUEUE, broker_connection_retry_on_startup=True)
    with app.connection_for_write() as conn:
        # Declare the queue (Redis drops a message sent before any queue is bound), empty it of earlier runs.
        Queue(QUEUE, Exchange(QUEUE, "direct"), routing_key=QUEUE)(conn.default_channel).declare()
        conn.default_channel.queue_purge(QUEUE)  # type: ignore[attr-defined]
    worker = start_worker()
    try:
        dc: Any = LocationFactory(code="crash-dc")
        channel = channel_create(code="amazon-crash", name="Amazon US", kind="amazon")
        channel_connection_update(
            channel=channel,
            base_url=f"http://127.0.0.1:{server.server_port}",
            credentials=sandbox_credentials("amazon", sandbox)
            | {"lwa_url": f"http://127.0.0.1:{server.server_port}/auth/o2/token"},
        )
        skus: list[Any] = [SKUFactory(code=f"CR-{n:02d}") for n in range(8)]
        for n, sku in enumerate(skus):
            sandbox.add_product(sku.code, 0)
            listing_create(channel=channel, sku=sku)
            stock_receive(location=dc, sku=sku, quantity=10 + n, actor=None)
        assert StockOutbox.objects.filter(channel=channel, state=PushState.PENDING).count() == 8

        app.send_task("marketplaces.tasks.push_channel_task", args=[channel.pk], queue=QUEUE)
        assert wait_for(lambda: sandbox.count_calls("patchListingsItem") >= 2), (
            f"the worker never started pushing: {list(StockOutbox.objects.values_list('state', 'last_error'))[:2]}"
        )
        os.killpg(worker.pid, signal.SIGKILL)  # mid-push: its claimed rows stay in flight
        worker.wait(timeout=10)

        states = list(StockOutbox.objects.filter(channel=channel).values_list("state", flat=True))
        assert len(states) == 8 and states.count(PushState.APPLIED) < 8
        assert not any(sandbox.quantity_of(sku.code) == 10 + n for n, sku in enumerate(skus[4:], start=4))

        worker = start_worker()
        time.sleep(3.5)  # the dead worker's lease runs out
        app.send_task("marketplaces.tasks.sync_redrive", queue=QUEUE)  # what beat sends every 30 s
        assert wait_for(
            lambda: not StockOutbox.objects.filter(channel=channel).exclude(state=PushState.APPLIED).exists(), 60
        )
        assert [sandbox.quantity_of(sku.code) for sku in skus] == [10 + n for n in range(8)]
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=15)
        server.shutdown()
        app.close()
