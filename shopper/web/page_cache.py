"""Pages built from published results, kept by each worker process until the results change.

A scorecard, the league table and the heat map are read far more often than the published
visits behind them change, and building one is most of a request's time. The database
keeps a token that every change to what such a page shows replaces, in the same
transaction (`schema.track_changes`): a page kept under the current token is the page that
would be built now. The token is read before the page is built, so a page is never older
than the token it is kept under; a change committed meanwhile only makes it miss next time.

Tokens are random, not counted: a restored backup brings back an old token along with the
old data it stood for, never a token that once meant something else.

Nothing is kept from inside a transaction (its writes may yet roll back). Each app keeps
its own pages, in memory, least recently used out first past PAGE_CACHE_BYTES (HTML
counts its length; a kept object, what it is reckoned to hold). 0 keeps nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from cachetools import LRUCache
from flask import current_app

from shopper.store import schema
from shopper.store.connection import Database

T = TypeVar("T")


class Pages:
    """A worker's kept pages: at most `max_cost` worth, least recently used out first (a
    cachetools LRU cache weighing each page by its cost), shared by the worker's threads."""

    def __init__(self, max_cost: int):
        self._cache = LRUCache(maxsize=max_cost, getsizeof=lambda kept: kept[1])
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            kept = self._cache.get(key)
        return None if kept is None else kept[0]

    def put(self, key, value, cost: int) -> None:
        if cost > self._cache.maxsize:
            return  # more than the whole limit: not kept, nothing pushed out
        with self._lock:
            self._cache[key] = (value, cost)

    def __len__(self) -> int:
        return len(self._cache)


def remember(db: Database, key: tuple, make: Callable[[], T],
             cost: Callable[[T], int] = len) -> T:
    """What `make()` returns, built once per token for `key` (which names everything else
    the result depends on: the page, its parameters, the date if it counts back from
    today)."""
    limit = current_app.config["PAGE_CACHE_BYTES"]
    if db.conn.in_transaction or not limit:
        return make()
    pages = current_app.extensions.get("page_cache")
    if pages is None:  # made on first use: in each worker, after the fork
        pages = current_app.extensions.setdefault("page_cache", Pages(limit))
    full_key = (schema.data_token(db), *key)
    kept = pages.get(full_key)
    if kept is not None:
        return kept
    value = make()
    pages.put(full_key, value, cost(value))
    return value
