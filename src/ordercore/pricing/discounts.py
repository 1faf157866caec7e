"""Discounts on a line, and how several of them stack.

A :class:`Discount` is a percentage, a fixed amount per unit, or a fixed amount for the
whole line. A line applies its discounts in list order; how percentages combine is the
document's :class:`Stacking`:

* ``SEQUENTIAL`` (compound, the default): each percentage applies to what remains after
  the discounts before it, so 10 % then 5 % takes 14.5 % off;
* ``ADDITIVE``: the percentages are summed and applied once to the amount before any
  discount, so 10 % + 5 % takes 15 % off; fixed amounts follow, in list order.

Each discount amount is rounded to the currency's precision as it is applied. A discount
that would take a line below zero is refused with :class:`~ordercore.errors.InvalidDiscount`,
never clamped.

The same class serves as a line's *price discount* (EN 16931's item price discount):
there a percentage or per-unit amount lowers the unit price itself before the quantity
multiplies it (see :class:`~ordercore.pricing.lines.Line`).

>>> Discount.percent("10")
Discount.percent('10')
>>> Discount.percent("120")
Traceback (most recent call last):
...
ordercore.errors.InvalidDiscount: invalid discount 120 %: a percentage must be between 0 and 100
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs
import moneyed

from ordercore._convert import optional_currency, optional_reason, pickled_as_tuple
from ordercore.errors import InvalidDiscount
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.decimals import to_decimal

__all__ = ["Discount", "DiscountKind", "DiscountOverflow", "Stacking"]


class DiscountKind(enum.Enum):
    """What a discount's value means."""

    PERCENT = "percent"
    PER_UNIT = "per_unit"
    PER_LINE = "per_line"

    def __repr__(self) -> str:
        return f"DiscountKind.{self.name}"


class Stacking(enum.Enum):
    """How the percentage discounts of one line combine."""

    SEQUENTIAL = "sequential"
    ADDITIVE = "additive"

    def __repr__(self) -> str:
        return f"Stacking.{self.name}"


class DiscountOverflow(enum.Enum):
    """What an additive stack of discounts that takes a line past zero does.

    ``REFUSE`` (the default) raises :class:`~ordercore.errors.InvalidDiscount`;
    ``CLAMP`` takes the line to zero and no further (60 % + 50 % off is 100 % off).
    """

    REFUSE = "refuse"
    CLAMP = "clamp"

    def __repr__(self) -> str:
        return f"DiscountOverflow.{self.name}"


_HUNDRED = Decimal(100)


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False, cache_hash=True)
class Discount:
    """One discount: use :meth:`percent`, :meth:`per_unit` or :meth:`per_line` to make it.

    ``value`` is the percentage (``10`` for 10 %) or the amount; ``amount`` is that amount
    as :class:`~ordercore.money.Money` for the fixed kinds (its currency must be the
    document's), ``None`` for a percentage.
    """

    kind: DiscountKind
    value: Decimal
    currency: moneyed.Currency | None = attrs.field(default=None, converter=optional_currency)
    reason: str | None = attrs.field(default=None, converter=optional_reason)
    #: ``value / 100`` for a percentage, ``value`` otherwise: precomputed for the pricing loop.
    factor: Decimal = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, DiscountKind):
            raise InvalidDiscount(self.kind, reason="kind must be a DiscountKind", field="kind")
        value = to_decimal(self.value, field="discount value")
        if value < 0:
            raise InvalidDiscount(
                self._label(value),
                reason="a discount cannot be negative; use a Charge to add",
                field="value",
            )
        if self.kind is DiscountKind.PERCENT:
            if value > _HUNDRED:
                raise InvalidDiscount(
                    self._label(value),
                    reason="a percentage must be between 0 and 100",
                    field="value",
                )
            if self.currency is not None:
                raise InvalidDiscount(
                    self._label(value), reason="a percentage has no currency", field="currency"
                )
            factor = CONTEXT.divide(value, _HUNDRED)
        else:
            if self.currency is None:
                raise InvalidDiscount(
                    self._label(value),
                    reason="a fixed discount needs the currency of its amount",
                    field="currency",
                )
            factor = value
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "factor", factor)

    @classmethod
    def percent(cls, value: object, *, reason: str | None = None) -> Discount:
        """A percentage of the amount it applies to (``"10"`` is 10 %)."""
        return cls(
            kind=DiscountKind.PERCENT, value=to_decimal(value, field="percent"), reason=reason
        )

    @classmethod
    def per_unit(cls, amount: moneyed.Money, *, reason: str | None = None) -> Discount:
        """A fixed amount off each unit (multiplied by the line's quantity)."""
        money = _money(amount)
        return cls(
            kind=DiscountKind.PER_UNIT, value=money.amount, currency=money.currency, reason=reason
        )

    @classmethod
    def per_line(cls, amount: moneyed.Money, *, reason: str | None = None) -> Discount:
        """A fixed amount off the whole line (it takes the sign of the line, so a return mirrors a sale)."""
        money = _money(amount)
        return cls(
            kind=DiscountKind.PER_LINE, value=money.amount, currency=money.currency, reason=reason
        )

    @property
    def amount(self) -> Money | None:
        """The fixed amount, or ``None`` for a percentage."""
        return None if self.currency is None else Money(self.value, self.currency)

    def _label(self, value: Decimal) -> str:
        if self.kind is DiscountKind.PERCENT:
            return f"{value} %"
        code = self.currency.code if self.currency is not None else "?"
        unit = " per unit" if self.kind is DiscountKind.PER_UNIT else ""
        return f"{code} {value}{unit}"

    def __str__(self) -> str:
        label = self._label(self.value)
        return f"{label} ({self.reason})" if self.reason else label

    def __repr__(self) -> str:
        reason = f", reason={self.reason!r}" if self.reason else ""
        if self.kind is DiscountKind.PERCENT:
            return f"Discount.percent({str(self.value)!r}{reason})"
        return f"Discount.{self.kind.value}({self.amount!r}{reason})"


def _money(amount: object) -> Money:
    if not isinstance(amount, moneyed.Money):
        raise InvalidDiscount(
            amount,
            reason="a fixed discount is a Money, such as Money('5.00', 'EUR')",
            field="amount",
        )
    return Money.of(amount)
