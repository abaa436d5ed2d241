"""Money in whole minor units: typed amounts parsed exactly, sums and caps without floats,
and the plain form a bank upload takes."""

from __future__ import annotations

import pytest

from shopper.domain.money import Money, MoneyError, parse, total


@pytest.mark.parametrize(("typed", "currency", "minor"), [
    ("12.50", "GBP", 1250), ("12", "GBP", 1200), ("£12.5", "GBP", 1250), (" 0.01 ", "GBP", 1),
    ("0.10", "EUR", 10), ("1500", "JPY", 1500), ("1.234", "BHD", 1234),
])
def test_typed_amounts_become_exact_minor_units(typed, currency, minor):
    assert parse(typed, currency) == Money(currency, minor)


@pytest.mark.parametrize(("typed", "currency", "says"), [
    ("12.505", "GBP", "2 digits after the point"), ("1.5", "JPY", "no digits after"),
    ("-3", "GBP", "such as 12.50"), ("ten", "GBP", "such as 12.50"), ("", "GBP", "such as"),
    ("1e3", "GBP", "such as"), ("9" * 13, "GBP", "such as"),
])
def test_amounts_that_cannot_be_exact_are_refused_with_a_reason(typed, currency, says):
    with pytest.raises(MoneyError, match=says):
        parse(typed, currency)


def test_ten_pence_ten_times_is_exactly_a_pound():
    """The classic float mistake (0.1 × 10 != 1.0) cannot happen."""
    assert total([parse("0.10", "GBP")] * 10, "GBP") == Money("GBP", 100)
    assert total([], "GBP") == Money("GBP", 0)


def test_expenses_are_capped_and_currencies_never_mix():
    cap = parse("15.00", "GBP")
    assert parse("18.40", "GBP").capped(cap) == cap
    assert parse("9.99", "GBP").capped(cap) == Money("GBP", 999)
    with pytest.raises(MoneyError, match="Cannot combine GBP and EUR"):
        parse("1", "GBP") + parse("1", "EUR")
    with pytest.raises(MoneyError):
        Money("GBP", 1.5)  # a float is never an amount
    with pytest.raises(MoneyError):
        Money("pounds", 1)


@pytest.mark.parametrize(("money", "plain", "shown"), [
    (Money("GBP", 1250), "12.50", "£12.50"), (Money("GBP", 5), "0.05", "£0.05"),
    (Money("GBP", -230), "-2.30", "-£2.30"), (Money("JPY", 1500), "1500", "1500 JPY"),
    (Money("CHF", 100001), "1000.01", "1000.01 CHF"), (Money("BHD", 1005), "1.005", "1.005 BHD"),
])
def test_amounts_are_written_plainly_for_banks_and_readably_for_people(money, plain, shown):
    assert money.plain() == plain
    assert str(money) == shown
    assert parse(plain.lstrip("-"), money.currency).minor == abs(money.minor)
