"""What sales and purchase orders share (private): quantities, and exact completion.

An order, sold or bought, fixes its priced content once; each line then tracks what was
ordered, fulfilled (delivered or received), billed (invoiced) and cancelled, and how much
of its stated amount the bills and cancellations have ``taken``. The functions here are
the one way those amounts are shared out:

* a line's share for some units is its stated amount in proportion, rounded; the units
  that complete the line take exactly what is left (:func:`amount_for`);
* the order's standalone allowances and charges go in proportion to the line amounts
  taken, all of them on completion (:func:`adjustments_taken`, :func:`adjustment_parts`);
* the completing bill takes a rounding difference line so that the bills of an order sum
  to its total exactly (:func:`with_rounding_difference`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs
import moneyed

from ordercore.errors import InvalidDocument, InvalidNumber, InvalidType
from ordercore.money.amount import Money
from ordercore.money.currency import quantum
from ordercore.money.decimals import to_decimal
from ordercore.pricing.document import Allowance, Charge, Document
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind
from ordercore.pricing.results import PricedAdjustment, PricedDocument

ZERO = Decimal(0)

#: The description of the line by which a completing bill absorbs tax rounding.
ROUNDING_DIFFERENCE = "Rounding difference"


def quantity(value: object, field: str) -> Decimal:
    """A quantity a line has reached (ordered, received, ...): not negative."""
    number = to_decimal(value, field=field, max_places=QUANTITY_PLACES)
    if number < 0:
        raise InvalidNumber(value, reason="a quantity here cannot be negative", field=field)
    return number


def line_index(value: object, count: int, document: str) -> int:
    """A line index of ``document`` (such as ``"sales order SO-1"``), which has ``count`` lines."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="a line index (int)", field="quantities")
    if not 0 <= value < count:
        raise InvalidDocument(f"{document} has no line {value}")
    return value


def chosen_lines(value: object, count: int, document: str) -> list[int]:
    """The line indexes a change applies to, in line order: all of them when ``None``."""
    if value is None:
        return list(range(count))
    if not isinstance(value, list | tuple | set | frozenset | range):
        raise InvalidType(value, expected="a list of line indexes, or None for all", field="lines")
    return sorted({line_index(index, count, document) for index in value})


def quantities(value: object, count: int, document: str) -> dict[int, Decimal]:
    """A mapping of line index to a positive quantity, in line order."""
    if not isinstance(value, Mapping) or not value:
        raise InvalidType(value, expected="a mapping of line index to quantity", field="quantities")
    result: dict[int, Decimal] = {}
    for key, requested in value.items():
        index = line_index(key, count, document)
        number = to_decimal(requested, field=f"quantities[{index}]", max_places=QUANTITY_PLACES)
        if number <= 0:
            raise InvalidNumber(
                requested, reason="give a positive quantity", field=f"quantities[{index}]"
            )
        result[index] = number
    return dict(sorted(result.items()))


def rounding(priced: PricedDocument) -> tuple[Decimal, str]:
    """The step and rounding mode an order's shares are rounded with."""
    return quantum(priced.currency), priced.policy.rounding.value


def amount_for(
    amount: Decimal, ordered: Decimal, units: Decimal, step: Decimal, mode: str
) -> Decimal:
    """The share of a line's ``amount`` for ``units`` of it: the rest when it is all of it."""
    if units == ordered:
        return amount
    return (amount * units / ordered).quantize(step, mode)


def share(
    amount: Decimal, done: Decimal, whole: Decimal, *, completed: bool, priced: PricedDocument
) -> Decimal:
    """The share of ``amount`` that ``done`` of ``whole`` has taken (all of it on completion)."""
    if completed:
        return amount
    if whole <= 0:
        return ZERO
    step, mode = rounding(priced)
    return (amount * done / whole).quantize(step, mode)


def standalone(priced: PricedDocument) -> tuple[PricedAdjustment, ...]:
    """The order's document allowances and charges that stand alone (with their own taxes)."""
    return tuple(entry for entry in priced.adjustments if not entry.distributed)


def adjustments_taken(
    priced: PricedDocument, whole: Decimal, taken: Decimal, *, completed: bool
) -> tuple[Decimal, ...]:
    """How much of each standalone adjustment ``taken`` of the line amounts ``whole`` takes."""
    return tuple(
        share(entry.amount.amount, taken, whole, completed=completed, priced=priced)
        for entry in standalone(priced)
    )


def billing_line(
    source: Line, quantity: Decimal, amount: Decimal, currency: moneyed.Currency
) -> Line:
    """The line billing ``quantity`` of an order line for ``amount``, with its taxes."""
    return Line(
        description=source.description,
        quantity=quantity,
        unit_price=Money(amount, currency),
        base_quantity=quantity,
        taxes=source.taxes,
        kind=source.kind,
        product=source.product,
    )


def adjustment_parts(
    priced: PricedDocument, before: Sequence[Decimal], after: Sequence[Decimal]
) -> tuple[list[Allowance], list[Charge]]:
    """The parts of the standalone adjustments a bill takes: from ``before`` to ``after``."""
    currency = priced.currency
    allowances: list[Allowance] = []
    charges: list[Charge] = []
    for entry, old, new in zip(standalone(priced), before, after, strict=True):
        if new != old:
            part = Money(new - old, currency)
            adjustment = entry.adjustment
            if isinstance(adjustment, Allowance):
                allowances.append(
                    Allowance.fixed(part, reason=adjustment.reason, taxes=adjustment.taxes)
                )
            else:
                charges.append(Charge.fixed(part, reason=adjustment.reason, taxes=adjustment.taxes))
    return allowances, charges


def with_rounding_difference(
    content: Document, difference: Decimal, currency: moneyed.Currency
) -> Document:
    """``content`` with a line of ``difference``, so that it totals what it must."""
    line = Line(
        description=ROUNDING_DIFFERENCE,
        quantity=1 if difference > 0 else -1,
        unit_price=Money(abs(difference), currency),
        kind=LineKind.CHARGE,
    )
    return attrs.evolve(content, items=(*content.items, line))
