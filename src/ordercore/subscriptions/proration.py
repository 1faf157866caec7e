"""Proration: a share of a period's price, kept exact until the amount is rounded once.

A factor is a :class:`fractions.Fraction`: days used over days of the whole period
(:meth:`~ordercore.subscriptions.Schedule.factor`). 22 days of a 31-day month is 22/31,
which no decimal holds, so a factor never becomes a rounded quantity. A prorated line
carries it exactly in the two numbers a pricing line already has, EN 16931's quantity
and price base quantity:

    amount = quantity x numerator x unit price / (base quantity x denominator)

which :func:`~ordercore.pricing.price` computes as any line, rounded once to the
currency (it divides at 50 significant digits: a quotient of numbers this size is
never close enough to a rounding tie to round the wrong way, so rounding it is rounding
the exact fraction):

>>> from fractions import Fraction
>>> from ordercore.money import Money
>>> from ordercore.pricing import Document, Line, price
>>> plan = Line(description="Pro plan", quantity="1", unit_price=Money("31.00", "EUR"))
>>> line = prorate(plan, Fraction(22, 31))
>>> line.quantity, line.base_quantity
(Decimal('22'), Decimal('31'))
>>> price(Document(currency="EUR", items=[line])).lines[0].gross
Money('22.00', 'EUR')
>>> amount(plan, Fraction(1, 3))  # 31.00 / 3 = 10.333..., rounded once
Money('10.33', 'EUR')
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from ordercore.errors import InvalidNumber, InvalidType
from ordercore.money import Money, RoundingMode, quantum, round_to
from ordercore.money.context import CONTEXT
from ordercore.pricing import Line

__all__ = ["MAX_DENOMINATOR", "amount", "check_factor", "prorate"]

#: The largest denominator a factor may have: more days than any whole period counts.
MAX_DENOMINATOR = 10**6


def check_factor(value: object, *, field: str = "factor") -> Fraction:
    """Return ``value`` if it is a ``Fraction`` from 0 to 1 with a bounded denominator.

    An ``int`` 0 or 1 is accepted as the fraction it is; a float never is.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = Fraction(value)
    if not isinstance(value, Fraction):
        raise InvalidType(
            value, expected="a fractions.Fraction, such as Fraction(22, 31)", field=field
        )
    if not 0 <= value <= 1:
        raise InvalidNumber(value, reason="a proration factor is from 0 to 1", field=field)
    if value.denominator > MAX_DENOMINATOR:
        raise InvalidNumber(
            value,
            reason=f"a proration factor's denominator is at most {MAX_DENOMINATOR}",
            field=field,
        )
    return value


def prorate(
    line: Line, factor: Fraction, *, description: str | None = None, credit: bool = False
) -> Line:
    """``line`` billed for ``factor`` of its period: the factor goes into its quantities.

    The quantity is multiplied by the factor's numerator and the price base quantity by
    its denominator; taxes, discounts and kind stay. ``credit`` negates the quantity (a
    credit line); ``description`` replaces the line's own.
    """
    if not isinstance(line, Line):
        raise InvalidType(line, expected="a pricing Line", field="line")
    return prorated(line, check_factor(factor), description=description, credit=credit)


def prorated(line: Line, factor: Fraction, *, description: str | None, credit: bool) -> Line:
    """:func:`prorate` of a line and a factor checked already (for the package's own use)."""
    quantity = CONTEXT.multiply(line.quantity, factor.numerator)
    return attrs.evolve(
        line,
        description=line.description if description is None else description,
        quantity=-quantity if credit else quantity,
        base_quantity=CONTEXT.multiply(line.base_quantity, factor.denominator),
    )


def amount(
    line: Line, factor: Fraction, *, mode: RoundingMode = RoundingMode.HALF_UP, credit: bool = False
) -> Money:
    """The amount of ``factor`` of ``line`` (quantity x unit price x factor), rounded once.

    It is the gross the pricing engine gives :func:`prorate`'s line, before the line's
    discounts: the amount a subscription records as billed or credited.
    """
    if not isinstance(line, Line):
        raise InvalidType(line, expected="a pricing Line", field="line")
    factor = check_factor(factor)
    if not isinstance(mode, RoundingMode):
        raise InvalidType(mode, expected="a RoundingMode", field="mode")
    return amount_of(line, factor, mode=mode, credit=credit)


def amount_of(line: Line, factor: Fraction, *, mode: RoundingMode, credit: bool) -> Money:
    """:func:`amount` of values checked already (for the package's own use)."""
    quantity = CONTEXT.multiply(line.quantity, factor.numerator)
    numerator = CONTEXT.multiply(-quantity if credit else quantity, line.unit_price.amount)
    exact = CONTEXT.divide(numerator, CONTEXT.multiply(line.base_quantity, factor.denominator))
    return Money(round_to(exact, quantum(line.currency), mode), line.currency)
