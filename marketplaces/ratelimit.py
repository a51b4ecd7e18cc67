"""A token bucket per (channel, operation), shared by every worker through Redis.

`bucket_acquire` takes `cost` tokens, waiting (sleeping) until the bucket holds them; the
bucket refills at `rate` tokens per second up to `burst`. `bucket_block` empties it until a
time the marketplace named (Retry-After, Shopify's restore rate), so no worker calls during
a throttle. Without Redis (the embedded default) the bucket lives in this process.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

_LUA_TAKE = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', key, 'tokens', 'ts', 'blocked')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
local blocked = tonumber(state[3]) or 0
if now < blocked then return tostring(blocked - now) end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
if tokens >= cost then
  redis.call('HSET', key, 'tokens', tokens - cost, 'ts', now)
  redis.call('EXPIRE', key, 3600)
  return '0'
end
redis.call('HSET', key, 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', key, 3600)
return tostring((cost - tokens) / rate)
"""

_LUA_PEEK = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', key, 'tokens', 'ts', 'blocked')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
local blocked = tonumber(state[3]) or 0
if now < blocked then return '0' end
return tostring(math.min(burst, tokens + math.max(0, now - ts) * rate))
"""

_LUA_BLOCK = """
local key = KEYS[1]
local untilts = tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', key, 'blocked')) or 0
if untilts > current then
  redis.call('HSET', key, 'blocked', untilts, 'tokens', 0, 'ts', untilts)
  redis.call('EXPIRE', key, 3600)
end
return 1
"""


@lru_cache(maxsize=4)
def _redis(url: str) -> Any:

    client = redis.Redis.from_url(url)
    return client, client.register_script(_LUA_TAKE), client.register_script(_LUA_BLOCK)


@lru_cache(maxsize=4)
def _redis_peek(url: str) -> Any:
    client = _redis(url)[0]
    return client.register_script(_LUA_PEEK)


class _LocalBucket:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.state: dict[str, tuple[float, float, float]] = {}

    def take(self, key: str, rate: float, burst: float, cost: float, now: float) -> float:
        with self.lock:
            tokens, ts, blocked = self.state.get(key, (burst, now, 0.0))
            if now < blocked:
                return blocked - now
            tokens = min(burst, tokens + max(0.0, now - ts) * rate)
            if tokens >= cost:
                self.state[key] = (tokens - cost, now, blocked)
                return 0.0
            self.state[key] = (tokens, now, blocked)
            return (cost - tokens) / rate

    def peek(self, key: str, rate: float, burst: float, now: float) -> float:
        with self.lock:
            tokens, ts, blocked = self.state.get(key, (burst, now, 0.0))
            if now < blocked:
                return 0.0
            return min(burst, tokens + max(0.0, now - ts) * rate)

    def block(self, key: str, until: float) -> None:
        with self.lock:
            blocked = self.state.get(key, (0.0, until, 0.0))[2]
            if until > blocked:
                self.state[key] = (0.0, until, until)


_local = _LocalBucket()


def _url() -> str:
    """Redis for the buckets: CHANNELS_RATE_LIMIT_REDIS_URL if set (even to "" for in-process), else REDIS_URL."""
    explicit = getattr(settings, "CHANNELS_RATE_LIMIT_REDIS_URL", None)
    return str(explicit if explicit is not None else getattr(settings, "REDIS_URL", "") or "")


def bucket_try(key: str, *, rate: float, burst: float, cost: float = 1.0) -> float:
    """Take `cost` tokens now if the bucket holds them (0.0), else the seconds to wait."""
    now = time.time()
    url = _url()
    if url:
        _client, take, _block = _redis(url)
        return float(take(keys=[f"channels:bucket:{key}"], args=[rate, burst, cost, now]))
    return _local.take(key, rate, burst, cost, now)


def bucket_available(key: str, *, rate: float, burst: float) -> float:
    """The tokens the bucket holds now, without taking any (0 while blocked)."""
    now = time.time()
    url = _url()
    if url:
        return float(_redis_peek(url)(keys=[f"channels:bucket:{key}"], args=[rate, burst, now]))
    return _local.peek(key, rate, burst, now)


def bucket_acquire(key: str, *, rate: float, burst: float, cost: float = 1.0, max_wait: float = 120.0) -> float:
    """Wait until `cost` tokens are available and take them; returns the seconds waited.

    Raises TimeoutError past `max_wait` (the caller leaves the work pending for later).
    """
    waited = 0.0
    while True:
        wait = bucket_try(key, rate=rate, burst=burst, cost=min(cost, burst))
        if wait <= 0:
            return waited
        if waited + wait > max_wait:
            raise TimeoutError(f"rate limit bucket {key} busy for {wait:.1f}s more")
        time.sleep(min(wait, 5.0))
        waited += min(wait, 5.0)


def bucket_block(key: str, *, seconds: float) -> None:
    """Empty the bucket for `seconds` (the marketplace said to wait): no worker calls meanwhile."""
    until = time.time() + max(0.0, seconds)
    url = _url()
    if url:
        _client, _take, block = _redis(url)
        block(keys=[f"channels:bucket:{key}"], args=[until])
    else:
        _local.block(key, until)
