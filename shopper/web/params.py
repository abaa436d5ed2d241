"""Query parameters, parsed one way for every page and the API: dates within a sane range,
ids within SQLite's integers, choices from a list, page numbers, bounded text. A value
that is not one of these is a 400 (`BadParameter`): a page shows the filters again with
the message beside the one at fault (templates/errors/bad_parameter.html); the API
answers its JSON error `bad_parameter`, naming the field. No view parses by hand."""

from __future__ import annotations

from datetime import date

from flask import request
from werkzeug.exceptions import BadRequest

from shopper.domain.sync_schema import MAX_ID

# Far enough for any programme's history and plans; near enough that a period and the
# one before it (comparisons look back as far again) stay within Python's dates.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
MAX_PAGE = 999_999


class BadParameter(BadRequest):
    """A query parameter that could not be used; `parameter` names it."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.parameter = name


def _raw(name: str) -> str:
    return request.args.get(name, "").strip()


def a_date(name: str, default: date | None = None) -> date | None:
    """?name=2026-11-25, between 2000 and 2099; `default` when absent or empty."""
    raw = _raw(name)
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, "Dates look like 2026-11-25.") from None
    if not EARLIEST <= value <= LATEST:
        raise BadParameter(name, f"Choose a date between {EARLIEST.year} and {LATEST.year}.")
    return value


def an_id(name: str, what: str = "item") -> int | None:
    """?name=42: a row's id, a whole number SQLite can hold; None when absent or empty."""
    raw = _raw(name)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= MAX_ID:
        raise BadParameter(name, f"Choose the {what} from the list.")
    return int(raw)


def one_of(name: str, choices, default: str = "") -> str:
    """?name=value where value is one of `choices`; `default` when absent or empty."""
    raw = _raw(name)
    if not raw:
        return default
    if raw not in choices:
        raise BadParameter(name, f"Choose {name} from the list.")
    return raw


def a_page() -> tuple[int, bool]:
    """The page of a long list that ?page=N (or ?show=all) asks for."""
    raw = _raw("page") or "1"
    if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadParameter("page", "The page is a number: 1, 2, 3…")
    return int(raw), one_of("show", ("all",)) == "all"


def some_text(name: str, longest: int = 200) -> str:
    """?name=free text, cut to `longest` characters (a search box)."""
    return request.args.get(name, "")[:longest]
