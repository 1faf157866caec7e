"""Splitting an amount into parts without losing or creating a cent.

:func:`allocate` is the one splitting function of ordercore: document discounts over
lines, included taxes over lines, installments, payments over invoices and proration
remainders all call it. It uses the largest-remainder method: every part is first rounded
towards zero to the quantum, then the quanta still missing go one each to the parts with
the largest remainders (ties: the earliest part). The parts always sum to the whole, and
no part is a full quantum or more away from its exact share.

>>> from decimal import Decimal
>>> allocate(Decimal("100.00"), [1, 1, 1], Decimal("0.01"))
[Decimal('33.34'), Decimal('33.33'), Decimal('33.33')]
>>> allocate(Decimal("-0.05"), [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")], Decimal("0.01"))
[Decimal('-0.03'), Decimal('-0.01'), Decimal('-0.01')]
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from ordercore.errors import FloatNotAllowed, InvalidAllocation, InvalidAmount, InvalidType
from ordercore.money._context import CONTEXT

__all__ = ["Ratio", "allocate"]

#: What a ratio may be: exact numbers only.
Ratio = Decimal | Fraction | int


def _as_fraction(ratio: object) -> Fraction:
    if isinstance(ratio, bool):
        raise InvalidType(ratio, expected="a Decimal, Fraction or int ratio", field="ratios")
    if isinstance(ratio, float):
        raise FloatNotAllowed(ratio, field="ratios")
    if isinstance(ratio, Decimal):
        if not ratio.is_finite():
            raise InvalidAllocation([ratio], reason="ratios must be finite")
        return Fraction(ratio)
    if isinstance(ratio, int | Fraction):
        return Fraction(ratio)
    raise InvalidType(ratio, expected="a Decimal, Fraction or int ratio", field="ratios")


def allocate(total: Decimal, ratios: Sequence[Ratio], quantum: Decimal) -> list[Decimal]:
    """Split ``total`` into ``len(ratios)`` parts proportional to ``ratios``.

    ``total`` must be a multiple of ``quantum``. Ratios are exact numbers (``Decimal``,
    ``Fraction`` or ``int``), all of one sign (zeros allowed) and not all zero unless the
    total is zero. A negative total is split as the negation of its positive twin, so the
    result is symmetric.
    """
    if not isinstance(total, Decimal) or not total.is_finite():
        raise InvalidType(total, expected="a finite Decimal total", field="total")
    if not isinstance(quantum, Decimal) or not quantum.is_finite() or quantum <= 0:
        raise InvalidType(quantum, expected="a positive Decimal quantum", field="quantum")
    if not ratios:
        raise InvalidAllocation(list(ratios), reason="there must be at least one part")
    fractions = [_as_fraction(r) for r in ratios]
    units_fraction = Fraction(total) / Fraction(quantum)
    if units_fraction.denominator != 1:
        raise InvalidAmount(
            total, reason=f"the total must be a multiple of {quantum}", field="total"
        )
    units = units_fraction.numerator
    if any(f < 0 for f in fractions):
        if any(f > 0 for f in fractions):
            raise InvalidAllocation(
                list(ratios),
                reason="ratios mix positive and negative values; split each sign apart",
            )
        fractions = [-f for f in fractions]
    weight = sum(fractions, Fraction(0))
    if weight == 0:
        if units == 0:
            return [_units_to_decimal(0, quantum) for _ in fractions]
        raise InvalidAllocation(
            list(ratios), reason="all ratios are zero, so there is nothing to split by"
        )
    sign = -1 if units < 0 else 1
    magnitude = abs(units)
    exact = [magnitude * f / weight for f in fractions]
    floors = [e.numerator // e.denominator for e in exact]
    missing = magnitude - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:missing]:
        floors[index] += 1
    return [_units_to_decimal(sign * part, quantum) for part in floors]


def _units_to_decimal(units: int, quantum: Decimal) -> Decimal:
    return CONTEXT.multiply(Decimal(units), quantum)
