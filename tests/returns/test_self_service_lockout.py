"""A stranger cannot lock a customer out of the returns look-up: failed guesses are counted per
client address and per order number from that address, and the wait grows with each failure."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from returns import ratelimit
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db
STRANGER = "198.51.100.66"
CUSTOMER = "203.0.113.10"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def order(net):
    return delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], email="ada@example.com")


@pytest.fixture
def clock(monkeypatch):
    now = [1_700_000_000.0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    return now


def look_up(client, number, email, address):
    return client.post("/returns/self/", {"order_number": number, "email": email}, REMOTE_ADDR=address)


def test_a_strangers_wrong_guesses_do_not_lock_the_customer_out_of_their_order(client, order):
    for _ in range(20):
        look_up(client, order.number, "guess@example.com", STRANGER)
    assert look_up(client, order.number, "guess@example.com", STRANGER).status_code == 429

    assert look_up(client, order.number, "ada@example.com", CUSTOMER).status_code == 302


def test_one_client_guessing_one_order_is_stopped_after_five_failures_however_it_is_spelt(client, order):
    spellings = [f"SO-{order.pk}", f"SO-{order.pk:03d}", f"so{order.pk:04d}", f"{order.pk:05d}", f"SO-{order.pk:06d}"]
    for spelling in spellings:
        assert look_up(client, spelling, "guess@example.com", STRANGER).status_code == 422
    blocked = look_up(client, order.number, "ada@example.com", STRANGER)
    assert blocked.status_code == 429 and b"Too many attempts" in blocked.content
    # Another order from the same address is still answered (the per-client limit is higher).
    assert look_up(client, "SO-424242", "x@example.com", STRANGER).status_code == 422


def test_the_wait_doubles_with_each_failure_after_the_allowance(order, clock):
    request = RequestFactory().post("/returns/self/", REMOTE_ADDR=STRANGER)
    waits = []
    for _ in range(ratelimit.PER_ORDER_AND_CLIENT.allowed):
        assert not ratelimit.lookup_blocked(request, order.number).blocked
        ratelimit.lookup_failed(request, order.number)
    for _ in range(4):
        limit = ratelimit.lookup_blocked(request, order.number)
        assert limit.blocked
        waits.append(limit.retry_after)
        clock[0] += limit.retry_after  # wait it out, then fail once more
        assert not ratelimit.lookup_blocked(request, order.number).blocked
        ratelimit.lookup_failed(request, order.number)
    assert waits == [60, 120, 240, 480]


def test_the_wait_is_capped_at_an_hour(order, clock):
    request = RequestFactory().post("/returns/self/", REMOTE_ADDR=STRANGER)
    for _ in range(40):
        clock[0] += 4000
        ratelimit.lookup_failed(request, order.number)
    assert ratelimit.lookup_blocked(request, order.number).retry_after == 3600
