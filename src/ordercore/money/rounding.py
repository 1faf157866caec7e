"""Rounding: every place in ordercore that rounds goes through this module.

Rounding is always explicit: a value is quantized to a quantum (the currency's minor unit,
or a cash increment) with a named :class:`RoundingMode`. The global ``decimal`` context is
never consulted. How each mode treats ties and negative amounts, for a quantum of 0.01:

=============  ======  ======  ======  =======  =======  =======
mode           1.005   1.015   1.011   -1.005   -1.015   -1.011
=============  ======  ======  ======  =======  =======  =======
HALF_UP        1.01    1.02    1.01    -1.01    -1.02    -1.01
HALF_EVEN      1.00    1.02    1.01    -1.00    -1.02    -1.01
HALF_DOWN      1.00    1.01    1.01    -1.00    -1.01    -1.01
UP             1.01    1.02    1.02    -1.01    -1.02    -1.02
DOWN           1.00    1.01    1.01    -1.00    -1.01    -1.01
CEILING        1.01    1.02    1.02    -1.00    -1.01    -1.01
FLOOR          1.00    1.01    1.01    -1.01    -1.02    -1.02
=============  ======  ======  ======  =======  =======  =======

HALF_UP (commercial rounding, the default) and HALF_EVEN (banker's rounding) are symmetric:
a negative amount rounds to the negation of its positive twin, so a return line mirrors a
sale to the cent. CEILING and FLOOR are not symmetric.

>>> from decimal import Decimal
>>> round_to(Decimal("2.345"), Decimal("0.01"), RoundingMode.HALF_UP)
Decimal('2.35')
>>> round_to(Decimal("2.345"), Decimal("0.01"), RoundingMode.HALF_EVEN)
Decimal('2.34')
>>> round_to(Decimal("12.33"), Decimal("0.05"), RoundingMode.HALF_UP)
Decimal('12.35')
"""

from __future__ import annotations

import decimal
import enum
import functools
from collections.abc import Callable
from decimal import Decimal

import attrs

from ordercore._fieldmeta import WHEN_SET
from ordercore.errors import InvalidNumber, InvalidType, NumberOutOfRange
from ordercore.money.context import CONTEXT
from ordercore.money.currency import cash_increment, get_currency
from ordercore.money.decimals import MAX_INTEGER_DIGITS, MAX_PLACES, to_decimal

__all__ = ["CashRounding", "CashRoundingStrategy", "RoundingMode", "quantizer", "round_to"]

_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
# Values up to 10**30 round to the finest quantum (10**-12) within 50 digits.
_ROUNDABLE = 2 * MAX_INTEGER_DIGITS


class RoundingMode(enum.Enum):
    """How a value is brought to a quantum; values are the ``decimal`` module's constants."""

    HALF_UP = decimal.ROUND_HALF_UP
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    HALF_DOWN = decimal.ROUND_HALF_DOWN
    UP = decimal.ROUND_UP
    DOWN = decimal.ROUND_DOWN
    CEILING = decimal.ROUND_CEILING
    FLOOR = decimal.ROUND_FLOOR

    def __repr__(self) -> str:
        return f"RoundingMode.{self.name}"

    @property
    def symmetric(self) -> bool:
        """Whether ``round(-x) == -round(x)`` for every ``x`` under this mode."""
        return self not in (RoundingMode.CEILING, RoundingMode.FLOOR)


def round_to(value: Decimal, quantum: Decimal, mode: RoundingMode) -> Decimal:
    """Round ``value`` to a multiple of ``quantum`` with ``mode``, under ordercore's context.

    A quantum that is a power of ten (0.01, 1, 0.001) quantizes directly; any other
    increment (a cash increment such as 0.05) rounds the number of increments.
    """
    if not isinstance(value, Decimal):
        value = to_decimal(value, field="value")  # a float is refused here
    if not isinstance(quantum, Decimal) or not quantum.is_finite() or quantum <= 0:
        raise InvalidType(quantum, expected="a positive Decimal quantum", field="quantum")
    if not isinstance(mode, RoundingMode):
        raise InvalidType(mode, expected="a RoundingMode", field="mode")
    if not value.is_finite():
        raise InvalidNumber(value, reason="must be a finite number", field="value")
    exponent = quantum.as_tuple().exponent
    if (
        quantum.adjusted() >= MAX_INTEGER_DIGITS
        or not isinstance(exponent, int)
        or exponent < -MAX_PLACES
    ):
        # written with more than MAX_PLACES places, its multiples outgrow the context
        raise NumberOutOfRange(
            quantum,
            limit=_LIMIT,
            reason=(
                f"a quantum is below 10**{MAX_INTEGER_DIGITS}"
                f" and has at most {MAX_PLACES} decimal places"
            ),
            field="quantum",
        )
    if value and value.adjusted() >= _ROUNDABLE:
        # its multiple of the quantum would need more digits than ordercore's context has
        raise NumberOutOfRange(
            value,
            limit=Decimal(10) ** _ROUNDABLE,
            reason=f"a value to round must be smaller than 10**{_ROUNDABLE} in magnitude",
            field="value",
        )
    if quantum.as_tuple().digits == (1,):
        return value.quantize(quantum, rounding=mode.value, context=CONTEXT)
    steps = CONTEXT.divide(value, quantum).quantize(Decimal(1), mode.value, CONTEXT)
    places = Decimal(1).scaleb(exponent, CONTEXT)
    return CONTEXT.multiply(steps, quantum).quantize(places, context=CONTEXT)


@functools.cache
def quantizer(quantum: Decimal, mode: RoundingMode) -> Callable[[Decimal], Decimal]:
    """:func:`round_to` with ``quantum`` and ``mode`` checked once, for a hot loop.

    ``quantum`` is a power of ten (a currency's minor unit); the function returned rounds
    a finite ``Decimal`` below 10**30 in magnitude, a value ordercore computed itself, to
    it exactly as ``round_to(value, quantum, mode)`` does, without checking it again.

    >>> quantizer(Decimal("0.01"), RoundingMode.HALF_UP)(Decimal("2.345"))
    Decimal('2.35')
    """
    round_to(Decimal(0), quantum, mode)  # refuses the quanta and modes round_to refuses
    if quantum.as_tuple().digits != (1,):
        raise InvalidNumber(
            quantum, reason="a quantizer's quantum is a power of ten", field="quantum"
        )
    rounding = mode.value

    def rounded(value: Decimal) -> Decimal:
        return value.quantize(quantum, rounding=rounding, context=CONTEXT)

    return rounded


def _increment(value: object) -> Decimal:
    number = to_decimal(value, field="increment")
    if number <= 0:
        raise InvalidNumber(
            value, reason="a rounding increment must be positive", field="increment"
        )
    return number


def _mode(value: object) -> RoundingMode:
    if not isinstance(value, RoundingMode):
        raise InvalidType(value, expected="a RoundingMode", field="mode")
    return value


class CashRoundingStrategy(enum.Enum):
    """Where a priced document books the difference that cash rounding makes.

    * ``SEPARATE`` (the default; EN 16931's rounding amount BT-114, ERPNext's rounding
      adjustment): a figure of its own in the totals, between the tax inclusive total
      and the amount due; no line and no tax changes;
    * ``ROUNDING_LINE`` (Odoo's "add a rounding line"): an untaxed rounding line, so the
      lines' net, the tax exclusive and the tax inclusive totals take it;
    * ``BIGGEST_TAX`` (Odoo's "modify tax amount"): the tax row with the largest amount
      takes it, and so do the tax and tax inclusive totals.

    docs/conventions.md shows each at work.
    """

    SEPARATE = "separate"
    ROUNDING_LINE = "rounding_line"
    BIGGEST_TAX = "biggest_tax"

    def __repr__(self) -> str:
        return f"CashRoundingStrategy.{self.name}"


def _strategy(value: object) -> CashRoundingStrategy:
    if not isinstance(value, CashRoundingStrategy):
        raise InvalidType(value, expected="a CashRoundingStrategy", field="strategy")
    return value


@attrs.frozen(kw_only=True)
class CashRounding:
    """Round the payable amount to a cash increment (CHF 0.05, SEK 1).

    ``strategy`` says where a priced document books the difference: by default as a
    separate rounding adjustment (EN 16931 BT-114), which never changes a line, a tax or
    the tax inclusive total; or as an untaxed rounding line, or on the largest tax row
    (see :class:`CashRoundingStrategy`).

    >>> CashRounding.for_currency("CHF")
    CashRounding(increment=Decimal('0.05'), mode=RoundingMode.HALF_UP, strategy=CashRoundingStrategy.SEPARATE)
    """

    increment: Decimal = attrs.field(converter=_increment)
    mode: RoundingMode = attrs.field(default=RoundingMode.HALF_UP, converter=_mode)
    strategy: CashRoundingStrategy = attrs.field(
        default=CashRoundingStrategy.SEPARATE, converter=_strategy, metadata=WHEN_SET
    )

    @classmethod
    def for_currency(
        cls,
        currency: object,
        *,
        mode: RoundingMode = RoundingMode.HALF_UP,
        strategy: CashRoundingStrategy = CashRoundingStrategy.SEPARATE,
    ) -> CashRounding:
        """Use the cash increment that CLDR records for ``currency``."""
        return cls(increment=cash_increment(get_currency(currency)), mode=mode, strategy=strategy)

    def adjustment(self, amount: Decimal) -> Decimal:
        """Return what must be added to ``amount`` to make it a multiple of the increment."""
        value = to_decimal(amount, field="amount")
        return CONTEXT.subtract(round_to(value, self.increment, self.mode), value)
