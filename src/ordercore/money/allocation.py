"""Splitting an amount into parts without losing or creating a cent, at once or over time.

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
>>> allocate(Decimal("-5.00"), [100, -50], Decimal("0.01"))  # a sale and a return share a discount
[Decimal('-10.00'), Decimal('5.00')]

:func:`share_of` is the one rule for an amount taken in parts over time (an order line
invoiced, cancelled or credited a few units at a time): after parts covering ``q`` of
``Q`` units, the parts have taken ``round(total * q / Q)``, and each part takes the
difference from what the parts before it took. Three units of EUR 0.006 (a line of
EUR 0.02) taken one at a time:

>>> line, cent, taken = Decimal("0.02"), Decimal("0.01"), []
>>> for done in range(3):
...     taken.append(share_of(line, 1, of=3, done_before=done, taken_before=sum(taken, Decimal(0)),
...                           quantum=cent))
>>> taken
[Decimal('0.01'), Decimal('0.00'), Decimal('0.01')]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from ordercore.errors import (
    FloatNotAllowed,
    InvalidAllocation,
    InvalidAmount,
    InvalidNumber,
    InvalidType,
    NumberOutOfRange,
    PartsExceedWhole,
)
from ordercore.money.context import CONTEXT
from ordercore.money.decimals import to_decimal
from ordercore.money.rounding import RoundingMode, round_to

__all__ = ["Ratio", "allocate", "allocate_units", "apportion", "share_of"]

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
        if ratio and not -_RATIO_EXPONENT <= ratio.adjusted() <= _RATIO_EXPONENT:
            raise InvalidAllocation([ratio], reason="a ratio must lie between 1e-60 and 1e60")
        fraction = Fraction(ratio)
    elif isinstance(ratio, int | Fraction):
        fraction = Fraction(ratio)
    else:
        raise InvalidType(ratio, expected="a Decimal, Fraction or int ratio", field="ratios")
    if max(fraction.numerator.bit_length(), fraction.denominator.bit_length()) > _RATIO_BITS:
        raise InvalidAllocation([ratio], reason="a ratio must lie between 1e-60 and 1e60")
    return fraction


# Bounds that keep the exact arithmetic quick; exact shares of a division carry 50 digits.
_RATIO_EXPONENT = 60
_RATIO_BITS = 400


def allocate(total: Decimal, ratios: Sequence[Ratio], quantum: Decimal) -> list[Decimal]:
    """Split ``total`` into ``len(ratios)`` parts proportional to ``ratios``.

    ``total`` must be a multiple of ``quantum``. Ratios are exact numbers (``Decimal``,
    ``Fraction`` or ``int``); they may be of mixed sign (a sale and a return sharing a
    discount) as long as they do not sum to zero, unless the total is zero too. A negative
    total is split as the negation of its positive twin, so the result is symmetric.
    """
    units = _units(total, quantum, "total")
    if not isinstance(ratios, list | tuple):
        raise InvalidType(ratios, expected="a list or tuple of ratios", field="ratios")
    if not ratios:
        raise InvalidAllocation(list(ratios), reason="there must be at least one part")
    fractions = [_as_fraction(r) for r in ratios]
    weight = sum(fractions, Fraction(0))
    if weight == 0:
        if units == 0:
            return [_units_to_decimal(0, quantum) for _ in fractions]
        raise InvalidAllocation(
            list(ratios), reason="the ratios sum to zero, so there is nothing to split by"
        )
    return [
        _units_to_decimal(part, quantum)
        for part in _apportion(units, [units * f / weight for f in fractions])
    ]


def allocate_units(units: int, weights: Sequence[int]) -> list[int]:
    r""":func:`allocate` counted in whole quanta, for whole non-negative weights.

    ``units`` is the total as a number of quanta (EUR 10.01 is 1001 cents) and ``weights``
    are ``int``\ s of at least 0 with a positive sum. The parts are the ones
    :func:`allocate` gives for the same total and ratios, counted in quanta, computed in
    integers alone: the path for a hot loop whose ratios were checked once (a payment
    term's percentages), where building fractions would cost more than the split.

    >>> allocate_units(1001, [25, 25, 50]), allocate_units(-1001, [25, 25, 50])
    ([250, 250, 501], [-250, -250, -501])
    """
    if not isinstance(units, int) or isinstance(units, bool):
        raise InvalidType(units, expected="an int number of quanta", field="units")
    if not isinstance(weights, list | tuple) or not weights:
        raise InvalidType(weights, expected="a list or tuple of int weights", field="weights")
    try:
        weight = _weight(tuple(weights))
    except TypeError:  # an unhashable item is no int
        raise InvalidAllocation(list(weights), reason="weights are ints of at least 0") from None
    if units < 0:
        return [-part for part in allocate_units(-units, weights)]
    parts = [units * item // weight for item in weights]
    missing = units - sum(parts)  # fewer than len(weights): each remainder is below weight
    if missing:
        # the largest remainders first, ties to the earliest part
        order = sorted([(-(units * item % weight), i) for i, item in enumerate(weights)])
        for _, index in order[:missing]:
            parts[index] += 1
    return parts


@functools.lru_cache(maxsize=1024)
def _weight(weights: tuple[object, ...]) -> int:
    """The sum of ``weights``, once they are checked (a term's weights recur: cached)."""
    weight = 0
    for item in weights:
        if not isinstance(item, int) or isinstance(item, bool) or item < 0:
            raise InvalidAllocation(list(weights), reason="weights are ints of at least 0")
        weight += item
    if not weight:
        raise InvalidAllocation(list(weights), reason="the weights sum to zero")
    return weight


def apportion(
    total: Decimal, exact_parts: Sequence[Decimal | Fraction], quantum: Decimal
) -> list[Decimal]:
    """Round ``exact_parts`` to ``quantum`` so that they sum to ``total`` exactly.

    This is the largest-remainder step on its own, for splits whose exact shares are
    known (such as the nets backed out of several tax-inclusive prices): each part ends up
    within one quantum of its exact value. ``total`` must lie within ``len(exact_parts)``
    quanta of the exact sum.

    >>> from decimal import Decimal
    >>> apportion(Decimal("0.00"), [Decimal("8.395"), Decimal("-8.395")], Decimal("0.01"))
    [Decimal('8.40'), Decimal('-8.40')]
    """
    units = _units(total, quantum, "total")
    if not isinstance(exact_parts, list | tuple):
        raise InvalidType(
            exact_parts, expected="a list or tuple of exact parts", field="exact_parts"
        )
    if not exact_parts:
        raise InvalidAllocation([], reason="there must be at least one part")
    step = Fraction(quantum)
    exact = [_as_fraction(part) / step for part in exact_parts]
    try:
        parts = _apportion(units, exact)
    except InvalidAllocation as error:  # counted in quanta: name the parts as given
        raise InvalidAllocation(list(exact_parts), reason=error.reason) from None
    return [_units_to_decimal(part, quantum) for part in parts]


def share_of(
    total: Decimal,
    part: Ratio,
    *,
    of: Ratio,
    done_before: Ratio = 0,
    taken_before: Decimal = Decimal(0),
    quantum: Decimal,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> Decimal:
    """What a part covering ``part`` of ``of`` units takes of ``total``, by cumulative rounding.

    ``done_before`` units were covered by the parts taken before it (and not given
    back), which took ``taken_before`` of the total. The part takes

        ``round(total * (done_before + part) / of) - taken_before``

    rounded to ``quantum`` with ``rounding``: the rounded share of all units covered so
    far, less what the earlier parts took. So the parts always sum to the whole (the part
    that covers the last units takes exactly what is left), each is within one quantum
    of its exact share while nothing has been given back, and what parts have taken is
    never more than the whole and never decreases as more is taken.

    A part given back (a voided invoice, a credit) gives back exactly what it took, and
    ``done_before`` and ``taken_before`` go down by its units and amount. The next part
    then takes the rounded share again, or nothing when the parts still held already take
    more than that share: a part never takes the opposite sign of the total. A part of
    nothing takes nothing.

    ``total`` and ``taken_before`` are multiples of ``quantum``, and ``taken_before`` lies
    between nothing and ``total``. Units are exact numbers (``Decimal``, ``Fraction`` or
    ``int``: quantities, or any measure of progress such as the net amount taken);
    ``of`` is positive, ``part`` and ``done_before`` are not negative, and a part beyond
    the units left raises :class:`~ordercore.errors.PartsExceedWhole`.
    """
    units = _units(total, quantum, "total")
    taken = _units(taken_before, quantum, "taken_before")
    if not isinstance(rounding, RoundingMode):
        raise InvalidType(rounding, expected="a RoundingMode", field="rounding")
    # Exact arithmetic on integer ratios (numerator, positive denominator): quicker than
    # Fraction, and as exact.
    whole, whole_d = _progress(of, "of")
    covered, covered_d = _progress(part, "part")
    before, before_d = _progress(done_before, "done_before")
    if whole <= 0:
        raise InvalidNumber(of, reason="the whole is more than nothing", field="of")
    if covered < 0:
        raise InvalidNumber(
            part,
            reason="a part covers nothing or more; to give a part back, take what it took "
            "off done_before and taken_before",
            field="part",
        )
    if before < 0:
        raise InvalidNumber(
            done_before, reason="earlier parts covered nothing or more", field="done_before"
        )
    done, done_d = before * covered_d + covered * before_d, before_d * covered_d
    if done * whole_d > whole * done_d:
        raise _beyond(part, of, done_before)
    if not min(units, 0) <= taken <= max(units, 0):
        raise InvalidAmount(
            taken_before,
            reason=f"what earlier parts took lies between nothing and the whole {total}",
            field="taken_before",
        )
    if not covered:
        return _units_to_decimal(0, quantum)
    # round(total * done / whole), counted in quanta
    so_far = _rounded(units * done * whole_d, done_d * whole, quantum, rounding)
    share = so_far - taken
    # After a give-back the parts still held may take more than the rounded share: the
    # part then takes nothing, never the opposite sign of the total.
    share = max(share, 0) if units >= 0 else min(share, 0)
    return _units_to_decimal(share, quantum)


def _progress(value: object, field: str) -> tuple[int, int]:
    """Units of progress (a quantity, or another exact measure) as an exact integer ratio."""
    if isinstance(value, bool):
        raise InvalidType(value, expected="a Decimal, Fraction or int", field=field)
    if isinstance(value, float):
        raise FloatNotAllowed(value, field=field)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidNumber(value, reason="must be a finite number", field=field)
    elif not isinstance(value, int | Fraction):
        raise InvalidType(value, expected="a Decimal, Fraction or int", field=field)
    numerator, denominator = value.as_integer_ratio()
    if max(numerator.bit_length(), denominator.bit_length()) > _RATIO_BITS:
        raise NumberOutOfRange(
            value,
            limit=Decimal(10) ** _RATIO_EXPONENT,
            reason=f"units lie between 1e-{_RATIO_EXPONENT} and 1e{_RATIO_EXPONENT}",
            field=field,
        )
    return numerator, denominator


def _beyond(part: Ratio, of: Ratio, done_before: Ratio) -> PartsExceedWhole:
    """The error for a part beyond the units left, its values in the type they came in."""
    if (
        isinstance(part, Decimal | int)
        and isinstance(of, Decimal | int)
        and isinstance(done_before, Decimal | int)
    ):
        left: Ratio = CONTEXT.subtract(Decimal(of), Decimal(done_before))
        return PartsExceedWhole(requested=Decimal(part), remaining=left, whole=Decimal(of))
    left = Fraction(of) - Fraction(done_before)
    return PartsExceedWhole(requested=Fraction(part), remaining=left, whole=Fraction(of))


_QUARTER, _HALF, _THREE_QUARTERS = Decimal("0.25"), Decimal("0.5"), Decimal("0.75")


def _rounded(numerator: int, denominator: int, quantum: Decimal, rounding: RoundingMode) -> int:
    """``numerator / denominator`` quanta, rounded to a whole number of quanta with ``rounding``.

    The rounding goes through :func:`~ordercore.money.round_to`, on a stand-in that lies
    on the same side of every tie as the exact value: its floor plus 0, 1/4, 1/2 or 3/4.
    So a share with endless decimals (a third) is rounded exactly, never first cut to the
    context's 50 digits. ``denominator`` is positive.
    """
    floor, rest = divmod(numerator, denominator)
    if not rest:
        return floor
    twice = 2 * rest
    step = _HALF if twice == denominator else _QUARTER if twice < denominator else _THREE_QUARTERS
    stand_in = CONTEXT.multiply(CONTEXT.add(Decimal(floor), step), quantum)
    return _units(round_to(stand_in, quantum, rounding), quantum, "value")


def _apportion(units: int, exact: list[Fraction]) -> list[int]:
    """The largest-remainder method on exact shares counted in quanta (the one core)."""
    # Work on the side where the total is positive (or, for a zero total, where the first
    # non-zero share is), so that negating every input negates every output.
    first = next((e for e in exact if e), Fraction(0))
    if units < 0 or (units == 0 and first < 0):
        return [-part for part in _apportion(-units, [-e for e in exact])]
    floors = [e.numerator // e.denominator for e in exact]
    missing = units - sum(floors)
    if missing < 0:
        # Below the floors (a total rounded down from exact shares that are whole quanta
        # or nearly): start from the ceilings and take a quantum from the parts they
        # overshoot most.
        ceilings = [-(-e.numerator // e.denominator) for e in exact]
        surplus = sum(ceilings) - units
        if surplus > len(exact):
            raise _too_far(units, exact)
        order = sorted(range(len(exact)), key=lambda i: (exact[i] - ceilings[i], i))
        for index in order[:surplus]:
            ceilings[index] -= 1
        return ceilings
    if missing > len(exact):
        raise _too_far(units, exact)
    order = sorted(range(len(exact)), key=lambda i: (floors[i] - exact[i], i))
    for index in order[:missing]:
        floors[index] += 1
    return floors


def _too_far(units: int, exact: list[Fraction]) -> InvalidAllocation:
    return InvalidAllocation(
        [str(e) for e in exact],
        reason=f"a total of {units} quanta is more than one quantum a part away from their "
        f"sum {sum(exact)}",
    )


def _units(total: object, quantum: object, field: str) -> int:
    if not isinstance(quantum, Decimal):
        raise InvalidType(quantum, expected="a positive Decimal quantum", field="quantum")
    if to_decimal(quantum, field="quantum") <= 0:
        raise InvalidNumber(quantum, reason="the quantum must be positive", field="quantum")
    if not isinstance(total, Decimal):
        raise InvalidType(total, expected="a finite Decimal total", field=field)
    to_decimal(total, field=field)  # finite, below 10**15, at most 12 places
    numerator, denominator = total.as_integer_ratio()
    step, step_denominator = quantum.as_integer_ratio()
    units, rest = divmod(numerator * step_denominator, denominator * step)
    if rest:
        raise InvalidAmount(total, reason=f"the total must be a multiple of {quantum}", field=field)
    return units


def _units_to_decimal(units: int, quantum: Decimal) -> Decimal:
    return CONTEXT.multiply(Decimal(units), quantum)
