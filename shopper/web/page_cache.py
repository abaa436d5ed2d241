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
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from shopper.store import schema
from shopper.store.connection import Database

T = TypeVar("T")


class Lru:
    """At most `max_cost` worth of values, least recently used out first."""

    def __init__(self, max_cost: int):
        self.max_cost, self.cost = max_cost, 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item

    def put(self, key, value, cost: int) -> None:
        if cost > self.max_cost:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.cost -= old[1]
            self._items[key] = (value, cost)
            self.cost += cost
            while self.cost > self.max_cost:
                _, (_, dropped) = self._items.popitem(last=False)
                self.cost -= dropped

    def __len__(self) -> int:
        return len(self._items)


def kept_by(app, name: str, max_cost: int) -> Lru:
    """The app's Lru called `name`, made on first use (in each worker, after the fork)."""
    kept = app.extensions.get(name)
    if kept is None:
        kept = app.extensions.setdefault(name, Lru(max_cost))
    return kept


def remember(db: Database, key: tuple, make: Callable[[], T],
             cost: Callable[[T], int] = len) -> T:
    """What `make()` returns, built once per token for `key` (which names everything else
    the result depends on: the page, its parameters, the date if it counts back from
    today)."""
    limit = current_app.config["PAGE_CACHE_BYTES"]
    if db.conn.in_transaction or not limit:
        return make()
    pages = kept_by(current_app, "page_cache", limit)
    full_key = (schema.data_token(db), *key)
    kept = pages.get(full_key)
    if kept is not None:
        return kept[0]
    value = make()
    pages.put(full_key, value, cost(value))
    return value
