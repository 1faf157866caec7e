r"""Payment terms: when an amount falls due, in which parts, and what paying early saves.

A :class:`PaymentTerm` is a name and an ordered tuple of :class:`Installment`\ s. Each
installment has

* a **share** of the amount (:class:`ShareKind`): a percentage of it, a percentage of
  the balance the installments before it leave, a fixed amount, or the remainder (what
  the other installments leave);
* a **due-date rule** (:class:`~ordercore.settlement.due_dates.DueRule`): steps applied
  to the invoice date one after another (days, weeks, months, day D of the month, the
  end of the month, the next weekday), clamped to the month's last day; and
* an optional **early-payment discount**
  (:class:`~ordercore.settlement.discounts.EarlyPaymentDiscount`): a percentage or an
  amount off for paying within a number of days of the invoice date, as in "2/10 net 30",
  on the total or on the untaxed amount.

:meth:`PaymentTerm.schedule` turns an amount and an invoice date into
:class:`ScheduledInstallment`\ s. Their amounts sum to the amount exactly: percentages
(of the whole and of the balance) are split together by largest remainder (the rule of
:func:`~ordercore.money.allocate`), fixed amounts are taken as stated, and the remainder
takes what is left. Month ends clamp (31 January + 1 month is 28 or 29 February), and no
due date is ever before the invoice date. :meth:`PaymentTerm.parse` reads the notations
people type ("Net 30", "2/10 Net 30", "30% now, 70% in 30 days") and
:attr:`PaymentTerm.notation` prints them back.

A term computes once, when it is made, what every schedule needs (the weights of the
split as integers, what each installment takes, each date step); a schedule then checks
its arguments and builds its installments without checking again what it computed.

>>> import datetime as dt
>>> from ordercore.money import Money
>>> term = PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="2", days=10))
>>> term
PaymentTerm(name='2/10 net 30', installments=1)
>>> for installment in term.schedule(Money("1152.00", "EUR"), dt.date(2026, 11, 23)):
...     print(installment)
2026-12-23 EUR 1152.00 (EUR 23.04 off if paid by 2026-12-03)
>>> PaymentTerm.deposit("30", days=30).schedule(Money("100.01", "EUR"), dt.date(2026, 1, 31))
(ScheduledInstallment(due_date=datetime.date(2026, 1, 31), amount=Money('30.00', 'EUR')),
 ScheduledInstallment(due_date=datetime.date(2026, 3, 2), amount=Money('70.01', 'EUR')))
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import re
from decimal import Decimal
from fractions import Fraction
from typing import NoReturn

import attrs
import moneyed

from ordercore._convert import check_instance, to_money, to_text, to_tuple
from ordercore.errors import (
    CurrencyMismatch,
    InstallmentsExceedTotal,
    InvalidAmount,
    InvalidPaymentTerm,
    InvalidTermNotation,
    InvalidType,
)
from ordercore.money.allocation import allocate, allocate_units
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT, exact
from ordercore.money.currency import get_currency, precision, quantum
from ordercore.money.decimals import decimal_places, to_decimal
from ordercore.money.rounding import RoundingMode
from ordercore.settlement.discounts import (
    AmountBreakdown,
    DiscountBase,
    DiscountSplit,
    EarlyPaymentDiscount,
    minor_units,
)
from ordercore.settlement.due_dates import (
    MAX_DAYS,
    MAX_MONTHS,
    MAX_STEPS,
    MAX_WEEKS,
    DueRule,
    DueStep,
    Weekday,
    check_date,
    shift,
    whole,
)

__all__ = [
    "MAX_DAYS",
    "MAX_MONTHS",
    "MAX_STEPS",
    "MAX_WEEKS",
    "NOTATIONS",
    "AmountBreakdown",
    "DiscountBase",
    "DiscountSplit",
    "DueRule",
    "DueStep",
    "EarlyPaymentDiscount",
    "Installment",
    "PaymentTerm",
    "ScheduledInstallment",
    "ShareKind",
    "Weekday",
]

_ZERO = Decimal(0)
_new = object.__new__
_set = object.__setattr__
_HUNDRED = Decimal(100)


def _sum(values: list[Decimal]) -> Decimal:
    """The exact sum of ``values`` under ordercore's context."""
    total = _ZERO
    for value in values:
        total = CONTEXT.add(total, value)
    return total


def _date(value: object, field: str) -> dt.date:
    return check_date(value, field)


def _optional_date(value: object, field: str) -> dt.date | None:
    return None if value is None else _date(value, field)


def _days(value: object) -> int:
    return whole(value, "days", low=0, high=MAX_DAYS)


# -- installments -----------------------------------------------------------------------------


class ShareKind(enum.Enum):
    """What part of the amount an installment takes."""

    #: a percentage of the whole amount
    PERCENT = "percent"
    #: a percentage of the balance, what the installments before it leave of the amount
    PERCENT_OF_BALANCE = "percent_of_balance"
    #: an amount, as stated
    FIXED = "fixed"
    #: what the other installments leave
    REMAINDER = "remainder"

    def __repr__(self) -> str:
        return f"ShareKind.{self.name}"


_PERCENT_KINDS = (ShareKind.PERCENT, ShareKind.PERCENT_OF_BALANCE)


def _share_kind(value: object) -> ShareKind:
    return check_instance(value, ShareKind, "kind")


def _due_rule(value: object) -> DueRule:
    return check_instance(value, DueRule, "due")


def _optional_percent(value: object) -> Decimal | None:
    if value is None:
        return None
    percent = to_decimal(value, field="percent")
    if not _ZERO < percent <= _HUNDRED:
        raise InvalidPaymentTerm(
            value,
            reason="an installment's share is more than 0 and at most 100 percent",
            field="percent",
        )
    return percent


def _optional_amount(value: object) -> Money | None:
    if value is None:
        return None
    amount = to_money(value, "amount")
    if amount.amount <= 0:
        raise InvalidPaymentTerm(
            amount,
            reason="a fixed installment is a positive amount (a credit note's schedule "
            "mirrors its invoice's)",
            field="amount",
        )
    places = precision(amount.currency)
    if decimal_places(amount.amount) > places:
        raise InvalidAmount(
            amount,
            reason=f"{amount.currency.code} amounts have {places} decimal places at most",
            field="amount",
        )
    return amount


def _optional_discount(value: object) -> EarlyPaymentDiscount | None:
    return None if value is None else check_instance(value, EarlyPaymentDiscount, "discount")


@attrs.frozen(kw_only=True, repr=False)
class Installment:
    """One part of a payment term: a share of the amount, a due-date rule, a discount.

    Make it with :meth:`percentage`, :meth:`percentage_of_balance`, :meth:`fixed` or
    :meth:`remainder`.
    ``percent`` is set for a percentage share (more than 0, at most 100; less than 100 of
    the balance), ``amount`` for a fixed one (positive, to the currency's minor unit); a
    remainder has neither. ``due`` says when it falls due, ``discount`` what paying early
    saves.

    >>> Installment.percentage("30", due=DueRule.days_after(0))
    Installment.percentage('30', due=DueRule.days_after(0))
    """

    kind: ShareKind = attrs.field(converter=_share_kind)
    due: DueRule = attrs.field(converter=_due_rule)
    percent: Decimal | None = attrs.field(default=None, converter=_optional_percent)
    amount: Money | None = attrs.field(default=None, converter=_optional_amount)
    discount: EarlyPaymentDiscount | None = attrs.field(default=None, converter=_optional_discount)

    def __attrs_post_init__(self) -> None:
        wants_percent = self.kind in _PERCENT_KINDS
        wants_amount = self.kind is ShareKind.FIXED
        make = (
            "make it with Installment.percentage, Installment.percentage_of_balance, "
            "Installment.fixed or Installment.remainder"
        )
        if (self.percent is not None) != wants_percent:
            needs = "needs its percent" if wants_percent else "has no percent"
            raise InvalidPaymentTerm(
                self.percent,
                reason=f"a {self.kind.value} installment {needs}: {make}",
                field="percent",
            )
        if (self.amount is not None) != wants_amount:
            needs = "needs its amount" if wants_amount else "has no amount"
            raise InvalidPaymentTerm(
                self.amount,
                reason=f"a {self.kind.value} installment {needs}: {make}",
                field="amount",
            )
        discount = self.discount
        if self.kind is ShareKind.PERCENT_OF_BALANCE and self.percent == _HUNDRED:
            raise InvalidPaymentTerm(
                self.percent,
                reason="100 percent of the balance is the remainder: use Installment.remainder",
                field="percent",
            )
        due_days = self.due.days_only
        if discount is not None and due_days is not None and discount.days > due_days:
            raise InvalidPaymentTerm(
                discount,
                reason=f"it lasts {discount.days} days, past the due date {due_days} days "
                "after the invoice date; an early-payment discount ends by the due date",
                field="discount",
            )

    @classmethod
    def percentage(
        cls, percent: object, *, due: DueRule, discount: EarlyPaymentDiscount | None = None
    ) -> Installment:
        """``percent`` % of the amount (``"30"`` is 30 %)."""
        return cls(kind=ShareKind.PERCENT, percent=percent, due=due, discount=discount)

    @classmethod
    def percentage_of_balance(
        cls, percent: object, *, due: DueRule, discount: EarlyPaymentDiscount | None = None
    ) -> Installment:
        """``percent`` % of what the installments before it leave of the amount."""
        return cls(kind=ShareKind.PERCENT_OF_BALANCE, percent=percent, due=due, discount=discount)

    @classmethod
    def fixed(
        cls, amount: moneyed.Money, *, due: DueRule, discount: EarlyPaymentDiscount | None = None
    ) -> Installment:
        """``amount`` exactly (a term with a fixed installment ends with a remainder)."""
        return cls(kind=ShareKind.FIXED, amount=amount, due=due, discount=discount)

    @classmethod
    def remainder(
        cls, *, due: DueRule, discount: EarlyPaymentDiscount | None = None
    ) -> Installment:
        """What the other installments leave (only the last installment may take it)."""
        return cls(kind=ShareKind.REMAINDER, due=due, discount=discount)

    def __repr__(self) -> str:
        discount = "" if self.discount is None else f", discount={self.discount!r}"
        if self.kind is ShareKind.PERCENT:
            share = f"percentage({str(self.percent)!r}, "
        elif self.kind is ShareKind.PERCENT_OF_BALANCE:
            share = f"percentage_of_balance({str(self.percent)!r}, "
        elif self.kind is ShareKind.FIXED:
            share = f"fixed({self.amount!r}, "
        else:
            share = "remainder("
        return f"Installment.{share}due={self.due!r}{discount})"


# -- schedules ------------------------------------------------------------------------------


def _scheduled_amount(value: object) -> Money:
    return to_money(value, "amount")


def _optional_discount_amount(value: object) -> Money | None:
    return None if value is None else to_money(value, "discount_amount")


def _optional_discount_taxes(value: object) -> Money | None:
    return None if value is None else to_money(value, "discount_taxes")


def _due_date(value: object) -> dt.date:
    return _date(value, "due_date")


def _deadline(value: object) -> dt.date | None:
    return _optional_date(value, "discount_deadline")


@attrs.frozen(kw_only=True, repr=False)
class ScheduledInstallment:
    """An installment of a scheduled amount: when it is due and how much.

    ``discount_amount`` and ``discount_deadline`` are both set when paying the whole
    installment by the deadline earns an early-payment discount, both ``None`` otherwise.
    The discount takes the sign of the amount and is never more than it.
    ``discount_taxes`` is the part of the discount that lowers the taxes, when the
    schedule was given the amount's breakdown (``None`` otherwise); the rest of it,
    :attr:`discount_untaxed`, lowers the untaxed amount.

    >>> early = ScheduledInstallment(due_date=dt.date(2026, 12, 23), amount=Money("100.00", "EUR"),
    ...     discount_amount=Money("2.00", "EUR"), discount_deadline=dt.date(2026, 12, 3))
    >>> early.amount_if_paid_early, early.discount_applies(dt.date(2026, 12, 4))
    (Money('98.00', 'EUR'), False)
    >>> early.amount_due_if_paid_on(dt.date(2026, 12, 3))
    Money('98.00', 'EUR')
    """

    due_date: dt.date = attrs.field(converter=_due_date)
    amount: Money = attrs.field(converter=_scheduled_amount)
    discount_amount: Money | None = attrs.field(default=None, converter=_optional_discount_amount)
    discount_deadline: dt.date | None = attrs.field(default=None, converter=_deadline)
    discount_taxes: Money | None = attrs.field(default=None, converter=_optional_discount_taxes)

    def __attrs_post_init__(self) -> None:
        discount = self.discount_amount
        if (discount is None) != (self.discount_deadline is None):
            raise InvalidPaymentTerm(
                discount,
                reason="an early-payment discount needs both its amount and its deadline",
                field="discount_amount",
            )
        if discount is None:
            if self.discount_taxes is not None:
                raise InvalidPaymentTerm(
                    self.discount_taxes,
                    reason="the taxes part of a discount needs the discount",
                    field="discount_taxes",
                )
            return
        for part in (discount, self.discount_taxes):
            if part is not None and part.currency != self.amount.currency:
                raise CurrencyMismatch(
                    self.amount.currency.code, part.currency.code, operation="discount"
                )
        amount = self.amount.amount
        opposite = discount.amount < 0 < amount or amount < 0 < discount.amount
        if opposite or abs(discount) > abs(self.amount):
            raise InvalidPaymentTerm(
                discount,
                reason=f"a discount takes the sign of its installment {self.amount} and is "
                "never more than it",
                field="discount_amount",
            )

    @classmethod
    def _unchecked(
        cls,
        due_date: dt.date,
        amount: Money,
        discount_amount: Money | None,
        discount_deadline: dt.date | None,
        discount_taxes: Money | None,
    ) -> ScheduledInstallment:
        """A scheduled installment from values a schedule computed and checked itself."""
        installment = _new(cls)
        _set(installment, "due_date", due_date)
        _set(installment, "amount", amount)
        _set(installment, "discount_amount", discount_amount)
        _set(installment, "discount_deadline", discount_deadline)
        _set(installment, "discount_taxes", discount_taxes)
        return installment

    @property
    def discount_untaxed(self) -> Money | None:
        """The part of the discount that lowers the untaxed amount, when the split is known."""
        if self.discount_amount is None or self.discount_taxes is None:
            return None
        return self.discount_amount - self.discount_taxes

    @property
    def amount_if_paid_early(self) -> Money:
        """What pays this installment by the discount's deadline (its amount without one)."""
        if self.discount_amount is None:
            return self.amount
        return self.amount - self.discount_amount

    def discount_applies(self, payment_date: dt.date) -> bool:
        """Whether paying the whole installment on ``payment_date`` earns the discount."""
        paid = _date(payment_date, "payment_date")
        return self.discount_deadline is not None and paid <= self.discount_deadline

    def amount_due_if_paid_on(self, payment_date: dt.date) -> Money:
        """What pays the whole installment on ``payment_date``, the discount taken if it applies."""
        return self.amount_if_paid_early if self.discount_applies(payment_date) else self.amount

    def __str__(self) -> str:
        text = f"{self.due_date.isoformat()} {self.amount}"
        if self.discount_amount is None or self.discount_deadline is None:
            return text
        return (
            f"{text} ({self.discount_amount} off if paid by {self.discount_deadline.isoformat()})"
        )

    def __repr__(self) -> str:
        discount = (
            ""
            if self.discount_amount is None
            else f", discount_amount={self.discount_amount!r}, "
            f"discount_deadline={self.discount_deadline!r}"
        )
        if self.discount_taxes is not None:
            discount += f", discount_taxes={self.discount_taxes!r}"
        return f"ScheduledInstallment(due_date={self.due_date!r}, amount={self.amount!r}{discount})"


# -- payment terms ----------------------------------------------------------------------------


def _name(value: object) -> str:
    return to_text(value, "name")


def _installments(value: object) -> tuple[Installment, ...]:
    installments: tuple[Installment, ...] = to_tuple(value, Installment, "installments")
    if not installments:
        raise InvalidPaymentTerm(
            value, reason="a payment term has at least one installment", field="installments"
        )
    return installments


@functools.cache
def _places(code: str) -> int:
    return precision(code)


@functools.cache
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _total(value: object) -> Money:
    if type(value) is Money:  # the common case, checked cheaply
        exponent = value.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent <= _places(value.currency.code):
            return value
    return minor_units(value, "total")  # anything else: its error, or a moneyed.Money


# what each installment takes in a schedule (see PaymentTerm._plan)
_SPLIT, _FIXED, _REST = 0, 1, 2


def _whole_weights(ratios: tuple[Decimal, ...]) -> tuple[int, ...]:
    """``ratios`` (percentages) scaled to whole numbers in the same proportions."""
    places = max(decimal_places(ratio) for ratio in ratios)
    return tuple(int(CONTEXT.scaleb(ratio, places)) for ratio in ratios)


#: The notations :meth:`PaymentTerm.parse` reads (N, D: whole days; P: a percentage).
NOTATIONS = (
    "Due on receipt",
    "Net N",
    "Net N EOM",
    "EOM",
    "P/D Net N",
    "P/D Net N EOM",
    "P% now, P% in N days, ...",
)
_NUMBER = r"\d{1,4}"
_PERCENT = r"\d{1,3}(?:\.\d{1,6})?"
_RECEIPT = re.compile(r"due (?:on|upon) receipt", re.IGNORECASE)
_EOM = re.compile(r"eom", re.IGNORECASE)
_NET = re.compile(
    rf"(?:(?P<percent>{_PERCENT}) ?%? ?/ ?(?P<window>{_NUMBER}) )?"
    rf"net (?P<days>{_NUMBER})(?: days?)?(?P<eom> eom)?",
    re.IGNORECASE,
)
_PART = re.compile(
    rf"(?P<percent>{_PERCENT}) ?% (?:now|in (?P<days>{_NUMBER}) days?)", re.IGNORECASE
)


def _single_notation(installment: Installment) -> str | None:
    """The notation of a term of one installment of 100 %, if it has one."""
    if installment.kind is not ShareKind.PERCENT or installment.percent != _HUNDRED:
        return None
    early = installment.discount
    prefix = ""
    if early is not None:
        if early.percent is None or early.base is not DiscountBase.TOTAL:
            return None
        prefix = f"{early.percent}/{early.days} "
    steps = installment.due.steps
    days = installment.due.days_only
    notation = None
    if days is not None:
        notation = f"{prefix}Net {days}" if days else "Due on receipt"
    elif len(steps) == 1:
        (step,) = steps
        month_end = step.day == 31 and step.month is None and step.weekday is None
        if month_end and not step.months and not step.weeks and step.days >= 0:
            notation = f"{prefix}Net {step.days} EOM" if step.days else "EOM"
    if early is not None and notation in ("Due on receipt", "EOM"):
        return None  # no notation gives these a discount
    return notation


def _breakdown(value: object, total: Money) -> AmountBreakdown:
    breakdown = check_instance(value, AmountBreakdown, "breakdown")
    if breakdown.total != total:
        raise InvalidPaymentTerm(
            breakdown.total,
            reason=f"the breakdown sums to {breakdown.total}, not to the total {total} it "
            "breaks down: give the untaxed amount and taxes of that total",
            field="breakdown",
        )
    return breakdown


def _month_later(months: int) -> str:
    """Names the month ``months`` after the invoice's, for the names of common terms."""
    if months == 0:
        return "month"
    return "next month" if months == 1 else f"month + {months} months"


@attrs.frozen(kw_only=True, repr=False)
class PaymentTerm:
    """A named payment term: its installments, in order.

    The shares follow these rules, checked when the term is made:

    * at most one installment takes the remainder, and it is the last;
    * without a remainder, every share is a percentage of the whole and they sum to
      exactly 100;
    * with a remainder, the percentages of the whole sum to less than 100 (fixed amounts
      and percentages of the balance may join);
    * the fixed amounts are all in one currency.

    Use the named constructors for the common terms: :meth:`net`, :meth:`due_on_receipt`,
    :meth:`end_of_month`, :meth:`day_of_month` and :meth:`deposit`.
    """

    name: str = attrs.field(converter=_name)
    installments: tuple[Installment, ...] = attrs.field(converter=_installments)
    # what schedule needs, computed once: the allocation ratios of a term without
    # percentages of the balance (None with them), and the sum of the fixed amounts
    _ratios: tuple[Decimal, ...] | None = attrs.field(init=False, eq=False, hash=False)
    _weights: tuple[int, ...] | None = attrs.field(init=False, eq=False, hash=False)
    _fixed: Decimal = attrs.field(init=False, eq=False, hash=False)
    _fixed_currency: moneyed.Currency | None = attrs.field(init=False, eq=False, hash=False)
    _whole: bool = attrs.field(init=False, eq=False, hash=False)
    # per installment: what it takes (_SPLIT, _FIXED, _REST), its fixed amount, rule, discount
    _plan: tuple[tuple[int, Decimal, DueRule, EarlyPaymentDiscount | None], ...] = attrs.field(
        init=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        last = len(self.installments) - 1
        for index, installment in enumerate(self.installments):
            if installment.kind is ShareKind.REMAINDER and index != last:
                raise InvalidPaymentTerm(
                    installment,
                    reason="only the last installment may take the remainder: move it to "
                    "the end, and give the others a percentage or an amount",
                    field=f"installments[{index}]",
                )
        percents = [
            i.percent
            for i in self.installments
            if i.percent is not None and i.kind is ShareKind.PERCENT
        ]
        percent_total = _sum(percents)
        shown = [str(percent) for percent in percents]
        if self.has_remainder:
            if percent_total >= _HUNDRED:
                raise InvalidPaymentTerm(
                    shown,
                    reason=f"the percentages sum to {percent_total}, which leaves nothing for "
                    "the remainder: make them sum to less than 100, or drop the remainder",
                    field="installments",
                )
        else:
            for index, installment in enumerate(self.installments):
                if installment.kind in (ShareKind.FIXED, ShareKind.PERCENT_OF_BALANCE):
                    what = "a fixed amount" if installment.amount else "a percentage of the balance"
                    raise InvalidPaymentTerm(
                        installment,
                        reason=f"a term with {what} ends with a remainder installment "
                        "to take what the other installments leave of the total",
                        field=f"installments[{index}]",
                    )
            if percent_total != _HUNDRED:
                raise InvalidPaymentTerm(
                    shown,
                    reason=f"the percentages sum to {percent_total}, not 100: make them sum to "
                    "100, or end the term with a remainder installment",
                    field="installments",
                )
        codes = sorted({i.amount.currency.code for i in self.installments if i.amount is not None})
        if len(codes) > 1:
            raise CurrencyMismatch(codes[0], codes[1], operation="use in one payment term")
        by_balance = any(i.kind is ShareKind.PERCENT_OF_BALANCE for i in self.installments)
        ratios = (
            (*percents, CONTEXT.subtract(_HUNDRED, percent_total))
            if self.has_remainder
            else tuple(percents)
        )
        object.__setattr__(self, "_ratios", None if by_balance else ratios)
        object.__setattr__(self, "_weights", None if by_balance else _whole_weights(ratios))
        object.__setattr__(
            self,
            "_fixed",
            _sum([i.amount.amount for i in self.installments if i.amount is not None]),
        )
        object.__setattr__(self, "_fixed_currency", get_currency(codes[0]) if codes else None)
        whole = len(self.installments) == 1 and self.installments[0].amount is None
        object.__setattr__(self, "_whole", whole)
        object.__setattr__(
            self,
            "_plan",
            tuple(
                (
                    _SPLIT
                    if i.kind in _PERCENT_KINDS
                    else _FIXED
                    if i.kind is ShareKind.FIXED
                    else _REST,
                    _ZERO if i.amount is None else i.amount.amount,
                    i.due,
                    i.discount,
                )
                for i in self.installments
            ),
        )

    # -- the common terms ------------------------------------------------------------------

    @classmethod
    def net(
        cls, days: int, *, discount: EarlyPaymentDiscount | None = None, name: str | None = None
    ) -> PaymentTerm:
        """The whole amount ``days`` days after the invoice date ("Net 30", "2/10 net 30")."""
        installment = Installment.percentage(
            _HUNDRED, due=DueRule.days_after(days), discount=discount
        )
        if name is None:
            due_days = installment.due.days_only
            early = installment.discount
            name = (
                f"Net {due_days}"
                if early is None
                else f"{early.percent}/{early.days} net {due_days}"
            )
        return cls(name=name, installments=(installment,))

    @classmethod
    def due_on_receipt(cls, *, name: str | None = None) -> PaymentTerm:
        """The whole amount on the invoice date."""
        installment = Installment.percentage(_HUNDRED, due=DueRule.days_after(0))
        return cls(name="Due on receipt" if name is None else name, installments=(installment,))

    @classmethod
    def end_of_month(
        cls,
        *,
        days: int = 0,
        months: int = 0,
        discount: EarlyPaymentDiscount | None = None,
        name: str | None = None,
    ) -> PaymentTerm:
        """The whole amount at the end of the invoice's month (``months`` later), plus ``days``."""
        rule = DueRule.end_of_month(days=days, months=months)
        installment = Installment.percentage(_HUNDRED, due=rule, discount=discount)
        if name is None:
            (step,) = rule.steps
            name = f"End of {_month_later(step.months)}"
            name += f" + {step.days} days" if step.days > 0 else ""
            name += f" - {-step.days} days" if step.days < 0 else ""
        return cls(name=name, installments=(installment,))

    @classmethod
    def day_of_month(
        cls,
        day: int,
        *,
        months: int = 1,
        discount: EarlyPaymentDiscount | None = None,
        name: str | None = None,
    ) -> PaymentTerm:
        """The whole amount on day ``day`` of a later month (31: its last day)."""
        rule = DueRule.day_of_month(day, months=months)
        installment = Installment.percentage(_HUNDRED, due=rule, discount=discount)
        if name is None:
            (step,) = rule.steps
            month = _month_later(step.months) if step.months else "this month"
            name = f"Day {step.day} of {month}"
        return cls(name=name, installments=(installment,))

    @classmethod
    def deposit(cls, percent: object, *, days: int, name: str | None = None) -> PaymentTerm:
        """``percent`` % on the invoice date, and the balance ``days`` days after it."""
        first = Installment.percentage(percent, due=DueRule.days_after(0))
        balance = Installment.remainder(due=DueRule.days_after(days))
        if name is None:
            name = f"{first.percent} % on receipt, balance net {balance.due.days_only}"
        return cls(name=name, installments=(first, balance))

    # -- the notation people type -------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> PaymentTerm:
        """The term a notation names: one of :data:`NOTATIONS`, in any letter case.

        >>> PaymentTerm.parse("2/10 Net 30") == PaymentTerm.net(
        ...     30, discount=EarlyPaymentDiscount(percent="2", days=10))
        True
        >>> PaymentTerm.parse("30% now, 70% in 30 days").notation
        '30% now, 70% in 30 days'

        Anything else raises :class:`~ordercore.errors.InvalidTermNotation`, which lists
        the accepted forms.
        """
        if not isinstance(text, str):
            raise InvalidType(
                text, expected="a payment-term notation such as 'Net 30'", field="text"
            )
        words = " ".join(text.split())
        if _RECEIPT.fullmatch(words):
            return cls.due_on_receipt()
        if _EOM.fullmatch(words):
            return cls.end_of_month()
        net = _NET.fullmatch(words)
        if net is not None:
            discount = None
            if net["percent"] is not None:
                discount = EarlyPaymentDiscount(percent=net["percent"], days=net["window"])
            days = int(net["days"])
            if net["eom"]:
                return cls.end_of_month(days=days, discount=discount)
            return cls.net(days, discount=discount)
        parts = [_PART.fullmatch(part.strip()) for part in words.split(",")]
        if len(parts) > 1 and all(parts):
            installments = [
                Installment.percentage(
                    part["percent"], due=DueRule.days_after(int(part["days"] or 0))
                )
                for part in parts
                if part is not None
            ]
            term = cls(name=words, installments=installments)
            notation = term.notation
            return term if notation is None else cls(name=notation, installments=installments)
        raise InvalidTermNotation(text=text, accepted=NOTATIONS)

    @property
    def notation(self) -> str | None:
        """This term in the notation :meth:`parse` reads, or ``None`` if it has none.

        >>> PaymentTerm.end_of_month(days=15).notation, PaymentTerm.net(30).notation
        ('Net 15 EOM', 'Net 30')
        """
        installments = self.installments
        if len(installments) == 1:
            return _single_notation(installments[0])
        parts = []
        for installment in installments:
            days = installment.due.days_only
            if installment.kind is not ShareKind.PERCENT or installment.discount or days is None:
                return None
            when = "now" if days == 0 else f"in {days} day{'' if days == 1 else 's'}"
            parts.append(f"{installment.percent}% {when}")
        return ", ".join(parts)

    # -- scheduling --------------------------------------------------------------------------

    @property
    def has_remainder(self) -> bool:
        """Whether the last installment takes the remainder."""
        return self.installments[-1].kind is ShareKind.REMAINDER

    def schedule(
        self,
        total: moneyed.Money,
        invoice_date: dt.date,
        rounding: RoundingMode = RoundingMode.HALF_UP,
        *,
        drop_zero: bool = False,
        breakdown: AmountBreakdown | None = None,
    ) -> tuple[ScheduledInstallment, ...]:
        """Split ``total`` into this term's installments for an invoice dated ``invoice_date``.

        The amounts sum to ``total`` exactly, and no due date is before ``invoice_date``.
        ``total`` is to its currency's minor unit. A negative total (a credit note) is
        scheduled as the negation of its positive twin, on the same dates; a zero total
        gives every installment zero, whatever its share. Early-payment discounts are the
        installment's amount times their percentage, rounded with ``rounding``.

        ``drop_zero=True`` leaves out the installments whose amount comes to zero (a 1 %
        share of EUR 0.10, a remainder that nothing is left for), except the last, so that
        the schedule still says when the whole falls due. The default keeps them: a
        schedule then has one installment per installment of the term, in its order.

        ``breakdown`` states ``total`` as its untaxed amount, taxes and per-unit taxes
        (:class:`AmountBreakdown`, summing to ``total``). Each installment is broken down
        in its proportions, and its discount computed on the base the discount names
        (:class:`DiscountBase`), with the part of it that lowers the taxes stated as
        ``discount_taxes``. Without it, a discount is on the whole installment, taxes
        included, and a discount on the untaxed amount cannot be computed.
        """
        start = (
            invoice_date if type(invoice_date) is dt.date else _date(invoice_date, "invoice_date")
        )
        if (
            self._whole
            and type(total) is Money
            and breakdown is None
            and type(rounding) is RoundingMode
            and (drop_zero is False or drop_zero is True)
        ):
            # one installment takes the whole amount: to the minor unit, it is the amount
            value = total.amount
            if value and value.as_tuple().exponent == -_places(total.currency.code):
                return (self._whole_installment(total, start, rounding),)
        money = _total(total)
        mode = (
            rounding
            if type(rounding) is RoundingMode
            else check_instance(rounding, RoundingMode, "rounding")
        )
        if drop_zero is not False and drop_zero is not True:
            raise InvalidType(drop_zero, expected="True or False", field="drop_zero")
        if breakdown is not None:
            return self._schedule_broken_down(
                money, start, mode, drop_zero, _breakdown(breakdown, money)
            )
        unchecked = ScheduledInstallment._unchecked
        amounts = self._amounts(money)
        kept: range | list[int]
        if drop_zero:
            last = len(amounts) - 1
            kept = [i for i, amount in enumerate(amounts) if amount.amount or i == last]
        else:
            kept = range(len(amounts))
        scheduled = []
        plan = self._plan
        for index in kept:
            _, _, rule, early = plan[index]
            amount = amounts[index]
            due = rule._due(start)
            if early is None:
                scheduled.append(unchecked(due, amount, None, None, None))
            else:
                # a percentage below 100, or a fixed amount checked against the
                # installment: never more than it, and of its sign
                discount = early._on_installment(amount, mode)
                deadline = shift(start, early._window, early)
                scheduled.append(unchecked(due, amount, discount, deadline, None))
        return tuple(scheduled)

    def _whole_installment(
        self, amount: Money, start: dt.date, mode: RoundingMode
    ) -> ScheduledInstallment:
        """The one installment of a term that takes the whole of ``amount`` (checked)."""
        _, _, rule, early = self._plan[0]
        due = rule._due(start)
        if early is None:
            return ScheduledInstallment._unchecked(due, amount, None, None, None)
        discount = early._on_installment(amount, mode)
        deadline = shift(start, early._window, early)
        return ScheduledInstallment._unchecked(due, amount, discount, deadline, None)

    def _schedule_broken_down(
        self,
        total: Money,
        start: dt.date,
        mode: RoundingMode,
        drop_zero: bool,
        breakdown: AmountBreakdown,
    ) -> tuple[ScheduledInstallment, ...]:
        """:meth:`schedule` with the total's breakdown: each discount split over the taxes."""
        with decimal.localcontext(CONTEXT):
            return self._split_schedule(total, start, mode, drop_zero, breakdown)

    def _split_schedule(
        self,
        total: Money,
        start: dt.date,
        mode: RoundingMode,
        drop_zero: bool,
        breakdown: AmountBreakdown,
    ) -> tuple[ScheduledInstallment, ...]:
        scheduled = []
        last = len(self.installments) - 1
        for index, (installment, amount) in enumerate(
            zip(self.installments, self._amounts(total), strict=True)
        ):
            if drop_zero and not amount.amount and index != last:
                continue
            early = installment.discount
            discount = taxes = deadline = None
            if early is not None:
                deadline = early.deadline(start)
                split = early.split(breakdown.part(amount), mode)
                discount, taxes = split.total, split.taxes
            scheduled.append(
                ScheduledInstallment(
                    due_date=installment.due.due_date(start),
                    amount=amount,
                    discount_amount=discount,
                    discount_deadline=deadline,
                    discount_taxes=taxes,
                )
            )
        return tuple(scheduled)

    def _amounts(self, total: Money) -> list[Money]:
        """Each installment's amount; together exactly ``total``."""
        currency = total.currency
        fixed_currency = self._fixed_currency
        if fixed_currency is not None and fixed_currency != currency:
            raise CurrencyMismatch(currency.code, fixed_currency.code, operation="schedule")
        places = _places(currency.code)
        exact_money = Money._exact
        scaleb = CONTEXT.scaleb
        if self._whole:  # one installment takes it all
            if total.amount.as_tuple().exponent == -places and total.amount:
                return [total]
            return [exact_money(CONTEXT.quantize(total.amount, _quantum(places)), currency)]
        if not total.amount:  # a zero total owes nothing, whatever the shares
            return [exact_money(scaleb(_ZERO, -places), currency)] * len(self.installments)
        units = int(scaleb(CONTEXT.abs(total.amount), places))  # exact: minor units
        weights = self._weights
        parts = (
            allocate_units(units, weights)
            if weights is not None
            else self._balance_units(total, units, places)
        )
        if self.has_remainder:
            left = parts[-1] - int(scaleb(self._fixed, places)) if self._fixed else parts[-1]
            if left < 0:
                self._exceeds(total, scaleb(Decimal(units - left), -places))
            parts[-1] = left
        if self._fixed:  # fixed amounts sit between the split parts
            shares = iter(parts)
            parts = [
                int(scaleb(fixed, places)) if share_kind == _FIXED else next(shares)
                for share_kind, fixed, _, _ in self._plan
            ]
        if total.amount < 0:
            return [exact_money(scaleb(Decimal(-share), -places), currency) for share in parts]
        return [exact_money(scaleb(Decimal(share), -places), currency) for share in parts]

    @exact
    def _balance_units(self, total: Money, units: int, places: int) -> list[int]:
        """The split in minor units of a term with percentages of the balance."""
        magnitude = CONTEXT.abs(total.amount)
        step = quantum(total.currency)
        parts = allocate(magnitude, self._exact_shares(total, magnitude), step)
        return [int(CONTEXT.scaleb(part, places)) for part in parts]

    def _exact_shares(self, total: Money, magnitude: Decimal) -> list[Fraction]:
        """The exact share of each percentage (of the whole or of the balance), in order.

        Last comes the remainder's share with the fixed amounts added back: they are
        taken as stated after the split.
        """
        whole = Fraction(magnitude)
        taken = Fraction(0)  # what the installments so far take, exactly
        shares = []
        for installment in self.installments:
            if installment.amount is not None:
                taken += Fraction(installment.amount.amount)
                continue
            if installment.percent is None:
                shares.append(whole - taken + Fraction(self._fixed))
                continue
            base = whole if installment.kind is ShareKind.PERCENT else whole - taken
            if base < 0:
                taken_amount = CONTEXT.divide(Decimal(taken.numerator), Decimal(taken.denominator))
                self._exceeds(total, taken_amount)
            share = base * Fraction(installment.percent) / 100
            shares.append(share)
            taken += share
        return shares

    def _exceeds(self, total: Money, taken: Decimal) -> NoReturn:
        """Refuse ``total``: the stated shares take ``taken`` (a magnitude), more than it."""
        raise InstallmentsExceedTotal(
            term=self.name,
            total=total,
            scheduled=Money(taken if total.amount > 0 else CONTEXT.minus(taken), total.currency),
        )

    def __repr__(self) -> str:
        return f"PaymentTerm(name={self.name!r}, installments={len(self.installments)})"
