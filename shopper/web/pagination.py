"""Long lists a page at a time: a league of 2,000 branches is twenty pages of 100, with
every branch on one page a click away for those who want to scroll or print it."""

from __future__ import annotations

import math
from dataclasses import dataclass

PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    items: list
    number: int  # 1-based; 1 when showing all
    count: int  # how many pages at PER_PAGE
    total: int  # items in the whole list
    first: int  # position of the first item shown, 1-based (0 for an empty list)
    showing_all: bool

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def page_of(items: list, number: int = 1, show_all: bool = False,
            per_page: int = PER_PAGE) -> Page:
    """Page `number` of items (a number past the end shows the last page)."""
    per_page = max(1, per_page)
    count = max(1, math.ceil(len(items) / per_page))
    if show_all or count == 1:
        return Page(items, 1, count, len(items), 1 if items else 0, show_all)
    number = min(max(number, 1), count)
    start = (number - 1) * per_page
    return Page(items[start:start + per_page], number, count, len(items), start + 1, False)


def fetched_page(fetch, number: int = 1, show_all: bool = False,
                 per_page: int = PER_PAGE) -> Page:
    """Page `number` of a list the database pages for us: `fetch(limit, offset)` returns
    that slice and the whole list's length (limit -1: all of it). A number past the end
    shows the last page."""
    per_page, number = max(1, per_page), max(1, number)
    if show_all:
        items, total = fetch(-1, 0)
        return Page(items, 1, max(1, math.ceil(total / per_page)), total,
                    1 if items else 0, True)
    items, total = fetch(per_page, (number - 1) * per_page)
    count = max(1, math.ceil(total / per_page))
    if number > count:
        number = count
        items, total = fetch(per_page, (number - 1) * per_page)
    return Page(items, number, count, total, (number - 1) * per_page + 1 if items else 0,
                False)
