"""The news pages' cache: Redis in production, a small in-process cache in development and tests.

Values are JSON (plain dicts and lists), so both back ends hold the same thing and
nothing executable is ever read back from Redis. Every key carries a *generation*
number; ``invalidate()`` bumps it, which retires every cached list and article at
once (related articles and the home page's latest news change with any article).
It runs on the ``article_changed`` signal, which the newsroom sends after each
commit that changes what the public sees.
"""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from app.news.signals import article_changed

# Under the deployment's REDIS_PREFIX: several portals (or test runs) can share one Redis.
GENERATION_KEY = "news:generation"
PREFIX = "news:v1:"


class LocalCache:
    """A bounded in-process cache with a timeout per entry (thread-safe)."""

    def __init__(self, max_entries: int = 2000):
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0
        self.max_entries = max_entries

    def get(self, key: str) -> str | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires < time.monotonic():
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def set(self, key: str, value: str, timeout: int) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + timeout, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def generation(self) -> int:
        return self._generation

    def bump(self) -> None:
        with self._lock:
            self._generation += 1
            # Old generations can never be read again: free their memory now.
            self._data.clear()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._generation += 1


class RedisCache:
    """The same interface over Redis, shared by every worker and by the scheduled commands."""

    def __init__(self, url: str, prefix: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._generation_key = f"{prefix}:{GENERATION_KEY}"

    def get(self, key: str) -> str | None:
        try:
            value = self._redis.get(key)
        except Exception:  # noqa: BLE001 - a cache that is down is a miss, never an error page
            return None
        return value.decode() if isinstance(value, bytes) else value

    def set(self, key: str, value: str, timeout: int) -> None:
        try:
            self._redis.set(key, value, ex=timeout)
        except Exception:  # noqa: BLE001
            pass

    def generation(self) -> int:
        try:
            return int(self._redis.get(self._generation_key) or 0)
        except Exception:  # noqa: BLE001
            # Unknown generation: a value no entry was stored under, so nothing stale is served.
            return -int(time.time())

    def bump(self) -> None:
        try:
            self._redis.incr(self._generation_key)
        except Exception:  # noqa: BLE001
            pass

    def clear(self) -> None:
        self.bump()


def init_app(app: Flask) -> None:
    """Choose the back end from ``NEWS_CACHE_URL`` and clear the cache whenever an article changes."""
    url = app.config.get("NEWS_CACHE_URL") or ""
    app.extensions["news_cache"] = (RedisCache(url, app.config["REDIS_PREFIX"])
                                    if url.startswith(("redis://", "rediss://", "unix://")) else LocalCache())

    def on_change(sender, **kwargs) -> None:
        backend = app.extensions.get("news_cache")
        if backend is not None:
            backend.bump()

    # The receiver lives as long as the app (blinker holds it weakly otherwise).
    app.extensions["news_cache_receiver"] = on_change
    article_changed.connect(on_change, weak=True)


def backend():
    """The current app's cache."""
    return current_app.extensions["news_cache"]


def cached(key: str, build: Callable[[], Any]) -> Any:
    """The JSON value stored under ``key`` in this generation, or ``build()``'s result, stored on the way."""
    store = backend()
    full_key = f"{current_app.config['REDIS_PREFIX']}:{PREFIX}{store.generation()}:{key}"
    hit = store.get(full_key)
    if hit is not None:
        return json.loads(hit)
    value = build()
    store.set(full_key, json.dumps(value, separators=(",", ":")), current_app.config.get("NEWS_CACHE_TIMEOUT", 300))
    return value


def invalidate() -> None:
    """Retire every cached news value (the signal does this; tests and tools may call it too)."""
    backend().bump()


def clear(app: Flask) -> None:
    """Empty the cache of ``app`` (tests start each case from nothing)."""
    store = app.extensions.get("news_cache")
    if store is not None:
        store.clear()
