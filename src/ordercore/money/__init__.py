"""Amounts and currencies, rounding, allocation and exchange rates.

This package is the strict boundary over py-moneyed and babel that the rest of
ordercore builds on: exact numbers only, currency data from CLDR, rounding always named,
and one splitting function that never loses a cent.
"""

from ordercore.money.allocation import allocate, apportion, share_of
from ordercore.money.amount import ExchangeRate, Money, to_money
from ordercore.money.currency import Currency, cash_increment, get_currency, precision, quantum
from ordercore.money.decimals import to_decimal
from ordercore.money.rounding import CashRounding, CashRoundingStrategy, RoundingMode, round_to

__all__ = [
    "CashRounding",
    "CashRoundingStrategy",
    "Currency",
    "ExchangeRate",
    "Money",
    "RoundingMode",
    "allocate",
    "apportion",
    "cash_increment",
    "get_currency",
    "precision",
    "quantum",
    "round_to",
    "share_of",
    "to_decimal",
    "to_money",
]
