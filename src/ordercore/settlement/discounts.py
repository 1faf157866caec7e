"""Early-payment discounts: what paying early saves, on which base, split over tax and base.

An :class:`EarlyPaymentDiscount` is a percentage (or a fixed amount) off an installment
paid within a number of days of the invoice date, as in "2/10 net 30". ERPs compute it
on one of three bases (:class:`DiscountBase`), the names in brackets being Odoo's:

* :attr:`DiscountBase.TOTAL` (*included*): on the amount with its taxes. Paying early
  lowers the untaxed amount and the taxes both, so the discount is split over them in
  proportion, and the tax part is a tax adjustment the host books.
* :attr:`DiscountBase.UNTAXED` (*excluded*): on the untaxed amount only; the taxes stay as
  invoiced, the whole discount is untaxed.
* :attr:`DiscountBase.MIXED` (*mixed*, Belgium): on the untaxed amount only, and the
  invoice's VAT is computed on the discounted base (:meth:`EarlyPaymentDiscount.taxable_base`)
  whether or not the customer pays early; paying early then takes the untaxed discount
  only, since the tax was never charged on it.

Per-unit (fixed) taxes, such as an eco-fee per item, are never discounted: an
:class:`AmountBreakdown` states them apart. Every split goes through
:func:`~ordercore.money.allocate`, so the parts always sum to the discount.

>>> from ordercore.money import Money, RoundingMode
>>> invoice = AmountBreakdown(untaxed=Money("1000.00", "EUR"), taxes=Money("210.00", "EUR"))
>>> for base in DiscountBase:
...     two = EarlyPaymentDiscount(percent="2", days=10, base=base)
...     print(base.value, two.split(invoice, RoundingMode.HALF_UP))
total EUR 24.20 (EUR 20.00 untaxed, EUR 4.20 taxes)
untaxed EUR 20.00 (EUR 20.00 untaxed, EUR 0.00 taxes)
mixed EUR 20.00 (EUR 20.00 untaxed, EUR 0.00 taxes)
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Callable
from decimal import Decimal
from typing import cast

import attrs

from ordercore._convert import check_instance, to_money
from ordercore.errors import (
    CurrencyMismatch,
    DiscountExceedsBase,
    InvalidAmount,
    InvalidPaymentTerm,
)
from ordercore.money.allocation import allocate
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.currency import precision, quantum
from ordercore.money.decimals import decimal_places, to_decimal
from ordercore.money.rounding import RoundingMode, quantizer
from ordercore.settlement.due_dates import MAX_DAYS, check_date, shift, whole

__all__ = [
    "AmountBreakdown",
    "DiscountBase",
    "DiscountSplit",
    "EarlyPaymentDiscount",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


@functools.cache
def _rounder(code: str, mode: RoundingMode) -> Callable[[Decimal], Decimal]:
    """Rounds to the minor unit of the currency ``code`` with ``mode``."""
    return quantizer(quantum(code), mode)


def minor_units(value: object, field: str) -> Money:
    """A ``Money`` (``field``) in whole minor units of its currency."""
    money = to_money(value, field)
    places = precision(money.currency)
    if decimal_places(money.amount) > places:
        raise InvalidAmount(
            money,
            reason=f"round it to the {places} decimal places of {money.currency.code} first",
            field=field,
        )
    return money


class DiscountBase(enum.Enum):
    """What an early-payment discount is a percentage of (see the module's page)."""

    #: the amount with its taxes (per-unit taxes aside); the discount lowers both
    TOTAL = "total"
    #: the untaxed amount; the taxes stay as invoiced
    UNTAXED = "untaxed"
    #: the untaxed amount, with the invoice's VAT computed on the discounted base
    MIXED = "mixed"

    def __repr__(self) -> str:
        return f"DiscountBase.{self.name}"


def _untaxed(value: object) -> Money:
    return minor_units(value, "untaxed")


def _taxes(value: object) -> Money:
    return minor_units(value, "taxes")


def _fixed_taxes(value: object) -> Money | None:
    return None if value is None else minor_units(value, "fixed_taxes")


@attrs.frozen(kw_only=True)
class AmountBreakdown:
    """An amount as its untaxed part, its taxes, and its per-unit (fixed) taxes.

    ``taxes`` are the taxes computed as a rate of a base (VAT); ``fixed_taxes`` those
    charged per unit, which no early-payment discount lowers. All three are in one
    currency, to its minor unit; ``total`` is their sum.

    >>> AmountBreakdown(untaxed=Money("100.00", "EUR"), taxes=Money("20.00", "EUR")).total
    Money('120.00', 'EUR')
    """

    untaxed: Money = attrs.field(converter=_untaxed)
    taxes: Money = attrs.field(converter=_taxes)
    fixed_taxes: Money | None = attrs.field(default=None, converter=_fixed_taxes)

    def __attrs_post_init__(self) -> None:
        currency = self.untaxed.currency
        for other in (self.taxes, self.fixed_taxes):
            if other is not None and other.currency != currency:
                raise CurrencyMismatch(currency.code, other.currency.code, operation="break down")

    @property
    def total(self) -> Money:
        """The untaxed amount plus all the taxes."""
        total = self.untaxed + self.taxes
        return total if self.fixed_taxes is None else total + self.fixed_taxes

    def part(self, amount: Money) -> AmountBreakdown:
        """``amount`` (a part of :attr:`total`) broken down in this breakdown's proportions.

        The three parts are split with :func:`~ordercore.money.allocate` and sum to
        ``amount`` exactly; an amount equal to the total gives this breakdown back.
        """
        money = minor_units(amount, "amount")
        currency = self.untaxed.currency
        if money.currency != currency:
            raise CurrencyMismatch(currency.code, money.currency.code, operation="break down")
        if money == self.total:
            return self
        fixed = _ZERO if self.fixed_taxes is None else self.fixed_taxes.amount
        ratios = [self.untaxed.amount, self.taxes.amount, fixed]
        if not any(ratios):
            ratios = [Decimal(1), _ZERO, _ZERO]
        untaxed, taxes, fixed_part = allocate(money.amount, ratios, quantum(currency))
        return AmountBreakdown(
            untaxed=Money(untaxed, currency),
            taxes=Money(taxes, currency),
            fixed_taxes=None if self.fixed_taxes is None else Money(fixed_part, currency),
        )


@attrs.frozen(kw_only=True)
class DiscountSplit:
    """An early-payment discount in two parts: what lowers the untaxed amount, the taxes.

    ``total`` is their sum.
    """

    untaxed: Money
    taxes: Money

    @property
    def total(self) -> Money:
        """The whole discount."""
        return self.untaxed + self.taxes

    def __str__(self) -> str:
        return f"{self.total} ({self.untaxed} untaxed, {self.taxes} taxes)"


def _discount_percent(value: object) -> Decimal | None:
    if value is None:
        return None
    percent = to_decimal(value, field="percent")
    if not _ZERO < percent < _HUNDRED:
        raise InvalidPaymentTerm(
            value,
            reason="an early-payment discount is more than 0 and less than 100 percent",
            field="percent",
        )
    return percent


def _fixed_amount(value: object) -> Money | None:
    if value is None:
        return None
    amount = minor_units(value, "fixed_amount")
    if amount.amount <= 0:
        raise InvalidPaymentTerm(
            amount,
            reason="a fixed early-payment discount is a positive amount (a credit note's "
            "discount mirrors its invoice's)",
            field="fixed_amount",
        )
    return amount


def _days(value: object) -> int:
    return whole(value, "days", low=0, high=MAX_DAYS)


def _base(value: object) -> DiscountBase:
    return check_instance(value, DiscountBase, "base")


@attrs.frozen(kw_only=True, repr=False)
class EarlyPaymentDiscount:
    """``percent`` % (or ``fixed_amount``) off an installment paid within ``days`` days.

    The days count from the invoice date. ``base`` says what the percentage is of
    (:class:`DiscountBase`; the amount with its taxes unless told otherwise). A discount is
    rounded to the currency with the document's rounding mode (see
    :meth:`PaymentTerm.schedule <ordercore.settlement.terms.PaymentTerm.schedule>`), and
    is never more than its base: a fixed amount that would be is refused with
    :class:`~ordercore.errors.DiscountExceedsBase`.

    >>> EarlyPaymentDiscount(percent="2", days=10)
    EarlyPaymentDiscount(percent='2', days=10)
    >>> EarlyPaymentDiscount(fixed_amount=Money("15.00", "EUR"), days=7, base=DiscountBase.UNTAXED)
    EarlyPaymentDiscount(fixed_amount=Money('15.00', 'EUR'), days=7, base=DiscountBase.UNTAXED)
    """

    percent: Decimal | None = attrs.field(default=None, converter=_discount_percent)
    fixed_amount: Money | None = attrs.field(default=None, converter=_fixed_amount)
    days: int = attrs.field(converter=_days)
    base: DiscountBase = attrs.field(default=DiscountBase.TOTAL, converter=_base)
    _window: dt.timedelta = attrs.field(init=False, eq=False, hash=False)
    _rate: Decimal = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.fixed_amount is None):
            raise InvalidPaymentTerm(
                self.fixed_amount,
                reason="an early-payment discount is a percent or a fixed amount: give one of them",
                field="percent",
            )
        object.__setattr__(self, "_window", dt.timedelta(days=self.days))
        rate = _ZERO if self.percent is None else CONTEXT.divide(self.percent, _HUNDRED)
        object.__setattr__(self, "_rate", rate)  # exact: a percent has few digits

    def deadline(self, invoice_date: dt.date) -> dt.date:
        """The last day a payment earns the discount."""
        start = check_date(invoice_date, "invoice_date")
        return shift(start, self._window, self)

    def amount(self, installment: Money, mode: RoundingMode) -> Money:
        """The discount on ``installment``, taxes included, rounded to its currency with ``mode``.

        ``installment`` is a ``Money`` to its currency's minor unit and ``mode`` a
        :class:`~ordercore.money.RoundingMode`; anything else raises
        :class:`~ordercore.errors.InvalidType` (or
        :class:`~ordercore.errors.InvalidAmount` for finer amounts). A discount on the
        untaxed amount needs the installment's breakdown: use :meth:`split`.
        """
        money = minor_units(installment, "installment")
        mode = check_instance(mode, RoundingMode, "mode")
        return self._on_installment(money, mode)

    def _on_installment(self, installment: Money, mode: RoundingMode) -> Money:
        """:meth:`amount` of values already checked."""
        if self.base is not DiscountBase.TOTAL:
            raise InvalidPaymentTerm(
                installment,
                reason=f"a discount on the {self.base.value} base needs the untaxed amount: "
                "give an AmountBreakdown to split()",
                field="installment",
            )
        return self._on(installment, mode)

    def split(self, part: AmountBreakdown, mode: RoundingMode) -> DiscountSplit:
        """The discount on ``part`` (an installment broken down), split over base and taxes."""
        breakdown = check_instance(part, AmountBreakdown, "part")
        mode = check_instance(mode, RoundingMode, "mode")
        currency = breakdown.untaxed.currency
        if self.base is not DiscountBase.TOTAL:
            zero = Money(CONTEXT.quantize(_ZERO, quantum(currency)), currency)
            return DiscountSplit(untaxed=self._on(breakdown.untaxed, mode), taxes=zero)
        base = breakdown.untaxed + breakdown.taxes
        discount = self._on(base, mode)
        ratios = [breakdown.untaxed.amount, breakdown.taxes.amount]
        if not any(ratios):
            ratios = [Decimal(1), _ZERO]
        untaxed, taxes = allocate(discount.amount, ratios, quantum(currency))
        return DiscountSplit(untaxed=Money(untaxed, currency), taxes=Money(taxes, currency))

    def taxable_base(self, untaxed: Money, mode: RoundingMode) -> Money:
        """The base the invoice's VAT is computed on under :attr:`DiscountBase.MIXED`.

        That is ``untaxed`` less the discount on it, whether the customer pays early or not.
        """
        money = minor_units(untaxed, "untaxed")
        mode = check_instance(mode, RoundingMode, "mode")
        return money - self._on(money, mode)

    def _on(self, base: Money, mode: RoundingMode) -> Money:
        """The discount on ``base`` (signed: a credit's discount is negative)."""
        currency = base.currency
        if self.percent is not None:
            exact = CONTEXT.multiply(base.amount, self._rate)
            return Money._exact(_rounder(currency.code, mode)(exact), currency)
        step = quantum(currency)
        fixed = cast("Money", self.fixed_amount)  # a discount has a percent or a fixed amount
        if fixed.currency != currency:
            raise CurrencyMismatch(currency.code, fixed.currency.code, operation="discount")
        if not base.amount:
            return Money(CONTEXT.quantize(_ZERO, step), currency)
        if fixed.amount > CONTEXT.abs(base.amount):
            raise DiscountExceedsBase(discount=fixed, base=base, remaining=abs(base))
        return fixed if base.amount > 0 else -fixed

    def __repr__(self) -> str:
        share = (
            f"fixed_amount={self.fixed_amount!r}"
            if self.percent is None
            else f"percent={str(self.percent)!r}"
        )
        base = "" if self.base is DiscountBase.TOTAL else f", base={self.base!r}"
        return f"EarlyPaymentDiscount({share}, days={self.days}{base})"
