r"""Money: a ``moneyed.Money`` with a strict boundary.

:class:`Money` is a subclass of py-moneyed's ``Money`` (so it works wherever a
``moneyed.Money`` is expected) that

* refuses floats and unknown currency codes when it is made,
* raises :class:`~ordercore.errors.CurrencyMismatch`, naming both currencies, when amounts
  of different currencies meet in ``+``, ``-`` or an ordering comparison,
* computes under ordercore's own decimal context, and
* is immutable and prints without a locale (``str`` gives ``EUR 19.99``); localized text
  comes only from :meth:`Money.format` with an explicit locale.

>>> price = Money("19.99", "EUR")
>>> price * 3
Money('59.97', 'EUR')
>>> str(price)
'EUR 19.99'
>>> from babel.numbers import format_currency  # the separators are CLDR's, through babel
>>> price.format("de_DE") == format_currency(Decimal("19.99"), "EUR", locale="de_DE")
True
>>> price + Money("1", "USD")
Traceback (most recent call last):
...
ordercore.errors.CurrencyMismatch: cannot add EUR and USD: amounts of different currencies never mix; ...
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext
from typing import Any, Self

import attrs
import moneyed
from babel.numbers import format_currency

from ordercore._codes import check_text
from ordercore.errors import (
    CurrencyMismatch,
    FloatNotAllowed,
    InvalidNumber,
    InvalidType,
    NumberOutOfRange,
)
from ordercore.money.context import CONTEXT
from ordercore.money.currency import check_locale, get_currency, quantum
from ordercore.money.decimals import MAX_INTEGER_DIGITS, to_decimal
from ordercore.money.rounding import RoundingMode, round_to

__all__ = ["ExchangeRate", "Money", "to_money"]

_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_new = object.__new__


class Money(moneyed.Money):
    """An exact amount of one currency."""

    # Slots of its own: no instance dict is ever made (py-moneyed's Money has none of
    # its own slots, so it would make one per amount), and a pickle holds two values.
    __slots__ = ("amount", "currency")

    def __init__(self, amount: object, currency: object) -> None:
        # past the refusing __setattr__, as in _exact
        _put_amount(self, to_decimal(amount, field="amount"))
        _put_currency(self, get_currency(currency))

    @classmethod
    def _exact(cls, amount: Decimal, currency: moneyed.Currency) -> Self:
        """Wrap a result ordercore computed itself (no input checks: it is already exact).

        A negative zero (what rounding -0.001 gives) becomes a plain zero.
        """
        money = _new(cls)
        # the slots' own setters: the cheapest way past the refusing __setattr__ (this
        # runs for every amount read)
        _put_amount(money, amount if amount else amount.copy_abs())
        _put_currency(money, currency)
        return money

    def __reduce__(self) -> tuple[object, tuple[Decimal, moneyed.Currency]]:
        # the amount and currency as they are (a negative zero stays one), no checks
        return _unpickled, (self.amount, self.currency)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # what a pickle made before the slots holds: the instance dict of the two fields
        _put_amount(self, state["amount"])
        _put_currency(self, state["currency"])

    def _result(self, amount: Decimal, operation: str) -> Self:
        """The result of arithmetic on this amount, if it stays below 10**15 in magnitude.

        Below that bound the product of two accepted numbers (at most 15 integer digits and
        12 places each) has at most 39 digits, so it is exact under ordercore's context.
        """
        if amount.copy_abs() >= _LIMIT:
            raise NumberOutOfRange(
                amount,
                limit=_LIMIT,
                reason=f"the result of this {operation} must be smaller than "
                f"10**{MAX_INTEGER_DIGITS} in magnitude",
                field="result",
            )
        return self._exact(amount, self.currency)

    @classmethod
    def of(cls, value: moneyed.Money) -> Money:
        """Bring any ``moneyed.Money`` inside the strict boundary (checking it on the way)."""
        if isinstance(value, Money):
            return value
        if not isinstance(value, moneyed.Money):
            raise InvalidType(value, expected="a Money")
        return cls(value.amount, value.currency)

    @classmethod
    def zero(cls, currency: object) -> Money:
        """Return zero in ``currency``."""
        return cls(Decimal(0), currency)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Money is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Money is immutable; cannot delete {name!r}")

    def __str__(self) -> str:
        return f"{self.currency.code} {self.amount}"

    def __hash__(self) -> int:
        return hash((self.amount, self.currency.code))

    def format(self, locale: str, *, mode: RoundingMode = RoundingMode.HALF_UP) -> str:
        """Format with babel for an explicit ``locale`` such as ``"de_CH"``.

        The amount is first rounded to the currency's precision with ``mode`` (babel would
        otherwise round with the host's decimal context).
        """
        code = check_locale(locale)
        amount = self.rounded(mode).amount
        with localcontext(CONTEXT):
            return str(format_currency(amount, self.currency.code, locale=code))

    def __rmod__(self, other: object) -> Self:
        """``5 % money`` is 5 percent of it, computed exactly (floats refused)."""
        percent = to_decimal(other, field="percent")
        return self._result(
            CONTEXT.divide(CONTEXT.multiply(self.amount, percent), 100), "percentage"
        )

    def _same_currency(self, other: moneyed.Money, operation: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency.code, other.currency.code, operation=operation)

    def __add__(self, other: object) -> Self:
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self  # lets sum() start from 0
        if not isinstance(other, moneyed.Money):
            return NotImplemented
        self._same_currency(other, "add")
        return self._result(CONTEXT.add(self.amount, other.amount), "addition")

    __radd__ = __add__

    def __sub__(self, other: object) -> Self:
        if not isinstance(other, moneyed.Money):
            return NotImplemented
        self._same_currency(other, "subtract")
        return self._result(CONTEXT.subtract(self.amount, other.amount), "subtraction")

    def __rsub__(self, other: object) -> Self:
        if not isinstance(other, moneyed.Money):
            return NotImplemented
        self._same_currency(other, "subtract")
        return self._result(CONTEXT.subtract(other.amount, self.amount), "subtraction")

    def __neg__(self) -> Self:
        return self._exact(CONTEXT.minus(self.amount), self.currency)

    def __pos__(self) -> Self:
        return self

    def __abs__(self) -> Self:
        return self._exact(CONTEXT.abs(self.amount), self.currency)

    def __mul__(self, other: object) -> Self:
        if isinstance(other, moneyed.Money):
            raise InvalidType(other, expected="a number (Decimal, int or str) to multiply Money by")
        factor = to_decimal(other, field="factor")
        return self._result(CONTEXT.multiply(self.amount, factor), "multiplication")

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Any:
        if isinstance(other, moneyed.Money):
            self._same_currency(other, "divide")
            if other.amount == 0:
                raise InvalidNumber(other, reason="cannot divide by a zero amount", field="divisor")
            return CONTEXT.divide(self.amount, other.amount)
        divisor = to_decimal(other, field="divisor")
        if divisor == 0:
            raise InvalidNumber(other, reason="cannot divide by zero", field="divisor")
        return self._result(CONTEXT.divide(self.amount, divisor), "division")

    def _compare(self, other: object, operation: str) -> tuple[Decimal, Decimal]:
        if isinstance(other, float):
            raise FloatNotAllowed(other, field="other")
        if not isinstance(other, moneyed.Money):
            raise InvalidType(other, expected="a Money of the same currency", field="other")
        self._same_currency(other, operation)
        return self.amount, other.amount

    def __lt__(self, other: object) -> bool:
        a, b = self._compare(other, "compare")
        return a < b

    def __le__(self, other: object) -> bool:
        a, b = self._compare(other, "compare")
        return a <= b

    def __gt__(self, other: object) -> bool:
        a, b = self._compare(other, "compare")
        return a > b

    def __ge__(self, other: object) -> bool:
        a, b = self._compare(other, "compare")
        return a >= b

    def round(self, ndigits: int | None = None) -> Self:
        """Round half-up to ``ndigits`` places, or to the currency's precision by default."""
        if ndigits is None:
            return self.rounded()
        if isinstance(ndigits, bool) or not isinstance(ndigits, int) or not -15 <= ndigits <= 12:
            raise InvalidType(
                ndigits, expected="an int number of places (0 to 12)", field="ndigits"
            )
        step = Decimal((0, (1,), -ndigits))
        return self._exact(round_to(self.amount, step, RoundingMode.HALF_UP), self.currency)

    def rounded(self, mode: RoundingMode = RoundingMode.HALF_UP) -> Self:
        """Round to the currency's minor unit (ISO 4217) with ``mode`` (half-up by default).

        >>> Money("2.345", "EUR").rounded(), Money("2.345", "EUR").rounded(RoundingMode.HALF_EVEN)
        (Money('2.35', 'EUR'), Money('2.34', 'EUR'))
        >>> Money("1234.5", "JPY").rounded()
        Money('1235', 'JPY')
        """
        if not isinstance(mode, RoundingMode):
            raise InvalidType(mode, expected="a RoundingMode", field="mode")
        return self._exact(round_to(self.amount, quantum(self.currency), mode), self.currency)


_put_amount = Money.__dict__["amount"].__set__
_put_currency = Money.__dict__["currency"].__set__


def _unpickled(amount: Decimal, currency: moneyed.Currency) -> Money:
    """A pickled :class:`Money`, as it was pickled."""
    money = _new(Money)
    _put_amount(money, amount)
    _put_currency(money, currency)
    return money


def to_money(value: object, currency: object, *, field: str | None = None) -> Money:
    """Return ``value`` as :class:`Money` in ``currency``.

    ``value`` may be a ``moneyed.Money`` (its currency must match) or a number.
    """
    if isinstance(value, moneyed.Money):
        money = Money.of(value)
        expected = get_currency(currency)
        if money.currency != expected:
            raise CurrencyMismatch(expected.code, money.currency.code, operation="use")
        return money
    return Money(to_decimal(value, field=field), currency)


def _positive_rate(value: object) -> Decimal:
    rate = to_decimal(value, field="rate")
    if rate <= 0:
        raise InvalidNumber(value, reason="an exchange rate must be positive", field="rate")
    return rate


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidType(value, expected="a datetime.date", field="date")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidType(value, expected="a non-empty string", field="source")
    return check_text(value, "source")


@attrs.frozen(kw_only=True)
class ExchangeRate:
    """One unit of ``base`` is worth ``rate`` units of ``quote``, per ``source`` on ``date``.

    Conversion is never implicit: it happens only through a rate that says where it came
    from and when.

    >>> usd = ExchangeRate(
    ...     base="EUR", quote="USD", rate="1.0832", source="ECB", date=dt.date(2026, 11, 20)
    ... )
    >>> usd.convert(Money("100.00", "EUR"))
    Money('108.32', 'USD')
    """

    base: moneyed.Currency = attrs.field(converter=get_currency)
    quote: moneyed.Currency = attrs.field(converter=get_currency)
    rate: Decimal = attrs.field(converter=_positive_rate)
    source: str = attrs.field(converter=_text)
    date: dt.date = attrs.field(converter=_date)

    def __attrs_post_init__(self) -> None:
        if self.base == self.quote:
            raise CurrencyMismatch(
                self.base.code, self.quote.code, operation="exchange (a rate needs two currencies)"
            )

    def convert(self, amount: moneyed.Money, *, mode: RoundingMode = RoundingMode.HALF_UP) -> Money:
        """Convert an amount in ``base`` to ``quote``, rounded to the quote currency."""
        money = Money.of(amount)
        if money.currency != self.base:
            raise CurrencyMismatch(self.base.code, money.currency.code, operation="convert")
        value = money._result(CONTEXT.multiply(money.amount, self.rate), "conversion").amount
        return Money(round_to(value, quantum(self.quote), mode), self.quote)
