"""Currencies: ISO 4217 codes, their precision and cash increments, from CLDR via babel.

Nothing here is typed in by hand: the minor unit of a currency (ISO 4217: JPY 0, EUR 2,
BHD 3, IQD 3) comes from the currency data that babel (CLDR) and py-moneyed (ISO 4217)
ship, and its cash rounding increment (CHF 0.05, SEK 1) from CLDR.

>>> from ordercore.money.currency import cash_increment, get_currency, precision
>>> precision("JPY"), precision("EUR"), precision("BHD"), precision("IQD")
(0, 2, 3, 3)
>>> cash_increment("CHF"), cash_increment("SEK"), cash_increment("EUR")
(Decimal('0.05'), Decimal('1'), Decimal('0.01'))

Currencies are immutable: every amount of a currency shares one :class:`Currency`, so
none can be changed through another.

>>> get_currency("EUR").code = "USD"
Traceback (most recent call last):
...
ordercore.errors.ImmutableCurrency: currency EUR is immutable: cannot change its 'code'; ...
>>> get_currency("XYZ")
Traceback (most recent call last):
...
ordercore.errors.UnknownCurrency: unknown currency 'XYZ': pass an ISO 4217 code of three capital letters, ...
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

import moneyed
from babel.core import Locale, UnknownLocaleError, get_global
from babel.numbers import get_currency_precision, list_currencies

from ordercore.errors import ImmutableCurrency, InvalidType, UnknownCurrency, UnknownLocale

__all__ = ["Currency", "cash_increment", "check_locale", "get_currency", "precision", "quantum"]


class Currency(moneyed.Currency):
    """An ISO 4217 currency, as py-moneyed's ``Currency``, that cannot be changed.

    ``get_currency`` gives the one instance of each code, which every :class:`Money` of
    it shares: setting or deleting an attribute raises
    :class:`~ordercore.errors.ImmutableCurrency`. It equals a ``moneyed.Currency`` of the
    same code (and hashes alike), so amounts and currencies from py-moneyed still compare.
    """

    def __init__(
        self,
        code: str = "",
        numeric: str | None = None,
        sub_unit: int = 1,
        name: str | None = None,
        countries: list[str] | None = None,
    ) -> None:
        for attribute, value in (
            ("code", code),
            ("numeric", numeric),
            ("sub_unit", sub_unit),
            ("_name", name),
            ("_countries", None if countries is None else tuple(countries)),
        ):
            object.__setattr__(self, attribute, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise ImmutableCurrency(self.code, attribute=name)

    def __delattr__(self, name: str) -> None:
        raise ImmutableCurrency(self.code, attribute=name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, moneyed.Currency) and self.code == other.code

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.code)

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return get_currency, (self.code,)

    def __copy__(self) -> Currency:
        return self

    def __deepcopy__(self, memo: object) -> Currency:
        return self


_CODE = re.compile(r"[A-Z]{3}")


@functools.cache
def _known_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def get_currency(code: object) -> Currency:
    """Return the currency for an ISO 4217 code (or pass a ``Currency`` through).

    Codes are checked against CLDR's list before anything else is asked of them.
    """
    if isinstance(code, moneyed.Currency):
        code = code.code
    if not isinstance(code, str):
        raise InvalidType(code, expected="an ISO 4217 currency code such as 'EUR'")
    return _currency(code)


@functools.cache
def _currency(code: str) -> Currency:
    if not _CODE.fullmatch(code) or code not in _known_codes():
        raise UnknownCurrency(code)
    try:
        known = moneyed.get_currency(code)
    except moneyed.CurrencyDoesNotExist:
        return Currency(code=code)
    return Currency(
        code=known.code,
        numeric=known.numeric,
        sub_unit=known.sub_unit,
        name=known._name,
        countries=known._countries,
    )


def _code(currency: object) -> str:
    return get_currency(currency).code


def precision(currency: object) -> int:
    """Return the number of decimal places of the currency's minor unit (ISO 4217)."""
    return _precision(_code(currency))


@functools.cache
def _precision(code: str) -> int:
    # The ISO 4217 minor unit. Both data sets ordercore ships agree on nearly every code;
    # where they differ, one of them lists no minor unit at all: CLDR gives 0 for currencies
    # whose minor unit is rarely used in cash (IQD, RSD, ...) while ISO 4217, as py-moneyed
    # records it, gives 3 or 2; py-moneyed gives none for withdrawn codes that CLDR knows.
    # The one that lists the minor unit wins, so IQD has 3 places as ISO 4217 says.
    cldr = int(get_currency_precision(code))
    sub_unit = _currency(code).sub_unit
    iso = len(str(sub_unit)) - 1 if str(sub_unit).rstrip("0") == "1" else 0
    return max(cldr, iso)


def quantum(currency: object) -> Decimal:
    """Return the smallest amount of the currency as a ``Decimal`` (``0.01`` for EUR, ``1`` for JPY)."""
    return _quantum(_code(currency))


@functools.cache
def _quantum(code: str) -> Decimal:
    return Decimal((0, (1,), -_precision(code)))


def cash_increment(currency: object) -> Decimal:
    """Return the smallest amount that can be paid in cash (CLDR's cash digits and rounding)."""
    return _cash_increment(_code(currency))


@functools.cache
def _cash_increment(code: str) -> Decimal:
    fractions = get_global("currency_fractions")
    _digits, _rounding, cash_digits, cash_rounding = fractions.get(code, fractions["DEFAULT"])
    return Decimal((0, tuple(int(d) for d in str(cash_rounding or 1)), -int(cash_digits)))


def check_locale(locale: object) -> str:
    """Return ``locale`` if CLDR knows it; raise :class:`~ordercore.errors.UnknownLocale` if not.

    >>> check_locale("de_CH")
    'de_CH'
    """
    if not isinstance(locale, str):
        raise InvalidType(locale, expected="a locale identifier such as 'de_CH'", field="locale")
    return _check_locale(locale)


@functools.cache
def _check_locale(locale: str) -> str:
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError, TypeError):
        raise UnknownLocale(locale) from None
    return locale
