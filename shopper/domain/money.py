"""Money as shoppers are paid it: whole minor units (pence, cents) with a currency code,
never a float. Pure: no Flask, no database.

Amounts are typed by people ("12.50", "12", "£12.5") and exported for a bank or payroll
upload ("12.50"); both go through here so a penny is never lost to rounding. Currencies
with no minor unit (JPY) or three (BHD) keep their own number of digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ISO 4217 currencies whose minor unit is not 2 digits; any other code has 2.
MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "OMR": 3,
                "JOD": 3, "TND": 3}
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
CURRENCIES = ("GBP", "EUR", "USD", "CHF", "SEK", "NOK", "DKK", "PLN")  # offered for a fee
MAX_MINOR = 10**12  # far above any fee, far below SQLite's integer limit
_AMOUNT = re.compile(r"^\s*[£€$]?\s*(\d{1,12})(?:\.(\d*))?\s*$")
_CODE = re.compile(r"^[A-Z]{3}$")


class MoneyError(ValueError):
    """An amount or currency that cannot be taken; the message is for the person typing."""


@dataclass(frozen=True, order=True)
class Money:
    currency: str
    minor: int

    def __post_init__(self):
        if not _CODE.match(self.currency or ""):
            raise MoneyError(f"{self.currency!r} is not a currency code such as GBP.")
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise MoneyError("An amount is a whole number of minor units.")
        if abs(self.minor) > MAX_MINOR:
            raise MoneyError("That amount is too large.")

    def __add__(self, other: Money) -> Money:
        _same_currency(self, other)
        return Money(self.currency, self.minor + other.minor)

    def __sub__(self, other: Money) -> Money:
        _same_currency(self, other)
        return Money(self.currency, self.minor - other.minor)

    def capped(self, cap: Money) -> Money:
        """This amount, or the cap if it is more."""
        _same_currency(self, cap)
        return self if self.minor <= cap.minor else cap

    def plain(self) -> str:
        """The amount as a bank upload wants it: digits, a point, the minor digits."""
        digits = minor_digits(self.currency)
        sign = "-" if self.minor < 0 else ""
        whole, part = divmod(abs(self.minor), 10**digits)
        return f"{sign}{whole}" + (f".{part:0{digits}d}" if digits else "")

    def __str__(self) -> str:
        """As people read it: £12.50, or 12.50 CHF for a currency without a symbol."""
        symbol = SYMBOLS.get(self.currency)
        if symbol is None:
            return f"{self.plain()} {self.currency}"
        return f"-{symbol}{self.plain()[1:]}" if self.minor < 0 else f"{symbol}{self.plain()}"


def minor_digits(currency: str) -> int:
    return MINOR_DIGITS.get(currency, 2)


def parse(text: str, currency: str) -> Money:
    """An amount as a person types it ("12.50", "12", "£12.5") in `currency`. Refused: a
    negative amount, more minor digits than the currency has, anything not a number."""
    found = _AMOUNT.match(text or "")
    digits = minor_digits(currency)
    if found is None:
        raise MoneyError("Type an amount such as 12.50.")
    whole, part = found.group(1), found.group(2) or ""
    if len(part) > digits:
        raise MoneyError(f"{currency} amounts have {digits} digits after the point at most."
                         if digits else f"{currency} amounts have no digits after the point.")
    return Money(currency, int(whole) * 10**digits + int(part.ljust(digits, "0") or 0))


def total(amounts: list[Money], currency: str) -> Money:
    """The sum of amounts, all in `currency` (zero for none)."""
    result = Money(currency, 0)
    for amount in amounts:
        result += amount
    return result


def _same_currency(a: Money, b: Money) -> None:
    if a.currency != b.currency:
        raise MoneyError(f"Cannot combine {a.currency} and {b.currency}.")
