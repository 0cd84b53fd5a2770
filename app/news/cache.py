"""The news lists and articles as plain data, cached in the shared cache (``app.kit.cache``).

Values are JSON (plain dicts and lists), so a cached page and a fresh one are built from the same thing. An entry
is served while the tables it was built from are unchanged (any commit that writes to the articles, their texts,
tags or images retires it) and for at most ``NEWS_CACHE_TIMEOUT`` seconds.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from app.kit import cache


def cached(key: str, build: Callable[[], Any]) -> Any:
    """The JSON value stored under ``key`` while its tables are unchanged, or ``build()``'s result, stored."""
    return cache.cached_value(f"news:{key}", build, current_app.config.get("NEWS_CACHE_TIMEOUT", 300))
