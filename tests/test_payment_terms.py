"""Payment terms: due-date rules, installments, schedules, and issuing with a term."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from fractions import Fraction

import pytest
from dateutil.relativedelta import FR, relativedelta, weekday
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    AmountBreakdown,
    CurrencyMismatch,
    DiscountBase,
    DiscountExceedsBase,
    DiscountSplit,
    Document,
    DraftBill,
    DraftInvoice,
    DueBeforeInvoiceDate,
    DueDateAndTerm,
    DueRule,
    EarlyPaymentDiscount,
    FloatNotAllowed,
    Installment,
    InstallmentsDoNotPay,
    InstallmentsExceedTotal,
    InstallmentsOutOfDates,
    InvalidAmount,
    InvalidNumber,
    InvalidPaymentTerm,
    InvalidTermNotation,
    InvalidType,
    IssuedInvoice,
    Line,
    Money,
    PaymentTerm,
    Policy,
    Request,
    RoundingMode,
    ScheduledInstallment,
    Tax,
    allocate,
)
from ordercore.documents import BillIssued, InvoiceIssued
from ordercore.money import precision, quantum
from ordercore.settlement import MAX_DAYS, MAX_STEPS, DueStep, ShareKind, Weekday
from ordercore.settlement.terms import NOTATIONS
from ordercore.testing import strategies as ost

NOV_23 = dt.date(2026, 11, 23)
EUR = "EUR"


def eur(amount: str) -> Money:
    return Money(amount, EUR)


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=NOV_23)


def amounts(schedule: tuple[ScheduledInstallment, ...]) -> list[str]:
    return [str(installment.amount) for installment in schedule]


def due_dates(schedule: tuple[ScheduledInstallment, ...]) -> list[dt.date]:
    return [installment.due_date for installment in schedule]


# -- due-date rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "invoice_date", "due"),
    [
        (DueRule.days_after(0), NOV_23, NOV_23),
        (DueRule.days_after(30), NOV_23, dt.date(2026, 12, 23)),
        (DueRule.days_after(1), dt.date(2024, 2, 28), dt.date(2024, 2, 29)),
        (DueRule.days_after(1), dt.date(2023, 2, 28), dt.date(2023, 3, 1)),
        (DueRule.days_after(30), dt.date(2026, 1, 31), dt.date(2026, 3, 2)),
        # the end of the invoice's month, plus days
        (DueRule.end_of_month(), NOV_23, dt.date(2026, 11, 30)),
        (DueRule.end_of_month(), dt.date(2026, 11, 30), dt.date(2026, 11, 30)),
        (DueRule.end_of_month(days=10), dt.date(2026, 1, 15), dt.date(2026, 2, 10)),
        (DueRule.end_of_month(days=30), dt.date(2026, 2, 1), dt.date(2026, 3, 30)),
        # month ends clamp: 31 January + 1 month is 28 or 29 February
        (DueRule.end_of_month(months=1), dt.date(2023, 1, 31), dt.date(2023, 2, 28)),
        (DueRule.end_of_month(months=1), dt.date(2024, 1, 31), dt.date(2024, 2, 29)),
        (DueRule.end_of_month(months=1), dt.date(2100, 1, 31), dt.date(2100, 2, 28)),
        (DueRule.end_of_month(months=1), dt.date(2000, 1, 31), dt.date(2000, 2, 29)),
        (DueRule.end_of_month(months=12), dt.date(2023, 2, 28), dt.date(2024, 2, 29)),
        (DueRule.end_of_month(days=1, months=1), dt.date(2024, 1, 31), dt.date(2024, 3, 1)),
        # day D of a later month; day 31 is the month's last day
        (DueRule.day_of_month(10, months=1), NOV_23, dt.date(2026, 12, 10)),
        (DueRule.day_of_month(10, months=1), dt.date(2026, 12, 31), dt.date(2027, 1, 10)),
        (DueRule.day_of_month(31, months=1), dt.date(2026, 1, 15), dt.date(2026, 2, 28)),
        (DueRule.day_of_month(31, months=1), dt.date(2028, 1, 15), dt.date(2028, 2, 29)),
        (DueRule.day_of_month(31, months=1), dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        (DueRule.day_of_month(31, months=2), dt.date(2026, 3, 1), dt.date(2026, 5, 31)),
        (DueRule.day_of_month(30, months=2), dt.date(2023, 12, 31), dt.date(2024, 2, 29)),
        (DueRule.day_of_month(15, months=1), dt.date(2024, 1, 31), dt.date(2024, 2, 15)),
        (DueRule.day_of_month(1, months=1), dt.date(2026, 1, 31), dt.date(2026, 2, 1)),
        (DueRule.day_of_month(28, months=0), dt.date(2026, 2, 10), dt.date(2026, 2, 28)),
        # N months later on the same day, clamped
        (DueRule.months_after(1), dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (DueRule.months_after(1), dt.date(2024, 1, 31), dt.date(2024, 2, 29)),
        (DueRule.months_after(3), dt.date(2026, 11, 30), dt.date(2027, 2, 28)),
        (DueRule.months_after(12), dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
        # weeks, and the next given weekday (on or after the date reached)
        (DueRule.weeks_after(2), NOV_23, dt.date(2026, 12, 7)),
        (DueRule.next_weekday(Weekday.FRIDAY), NOV_23, dt.date(2026, 11, 27)),
        (DueRule.next_weekday(Weekday.MONDAY), NOV_23, NOV_23),
        (DueRule.next_weekday(Weekday.MONDAY, days=1), NOV_23, dt.date(2026, 11, 30)),
        (DueRule.next_weekday(Weekday.SUNDAY, days=30), NOV_23, dt.date(2026, 12, 27)),
        # steps may count backwards where the date stays on or after the invoice date
        (DueRule.end_of_month(days=-5), dt.date(2026, 11, 3), dt.date(2026, 11, 25)),
        (DueRule.end_of_month(days=-5), dt.date(2026, 11, 25), dt.date(2026, 11, 25)),
        # composed: 10 days, then the end of that month, then day 5 of the next
        (
            DueRule.days_after(10).then(DueRule.end_of_month()).then(DueRule.day_of_month(5)),
            dt.date(2026, 11, 20),
            dt.date(2026, 12, 5),
        ),
        (
            DueRule.days_after(10).then(DueRule.end_of_month()).then(DueRule.day_of_month(5)),
            dt.date(2026, 11, 21),
            dt.date(2027, 1, 5),
        ),
        # an absolute month of the same year; a step of months before it reaches next year's
        (DueRule(steps=[DueStep(month=3, day=15)]), dt.date(2026, 1, 10), dt.date(2026, 3, 15)),
        (
            DueRule(steps=[DueStep(months=9), DueStep(month=3, day=15)]),
            dt.date(2026, 6, 10),
            dt.date(2027, 3, 15),
        ),
        # each step clamps on its own: one month then one more is not two months
        (
            DueRule.months_after(1).then(DueRule.months_after(1)),
            dt.date(2026, 1, 31),
            dt.date(2026, 3, 28),
        ),
        (DueRule.months_after(2), dt.date(2026, 1, 31), dt.date(2026, 3, 31)),
    ],
    ids=repr,
)
def test_due_date_rules(rule: DueRule, invoice_date: dt.date, due: dt.date) -> None:
    assert rule.due_date(invoice_date) == due


def test_due_rules_print_as_their_constructor() -> None:
    for rule in (
        DueRule.days_after(30),
        DueRule.end_of_month(),
        DueRule.end_of_month(days=10),
        DueRule.end_of_month(days=10, months=1),
        DueRule.end_of_month(months=2),
        DueRule.day_of_month(31, months=1),
        DueRule.day_of_month(5, months=0),
        DueRule.end_of_month(days=-5),
        DueRule.months_after(2),
        DueRule.weeks_after(3),
        DueRule.next_weekday(Weekday.FRIDAY),
        DueRule.next_weekday(Weekday.FRIDAY, days=7),
        DueRule.days_after(10).then(DueRule.end_of_month()).then(DueRule.day_of_month(5)),
        DueRule(steps=[DueStep(month=3, day=15)]),
        DueRule(steps=[DueStep(days=-3)]),
        DueRule(steps=[DueStep(weeks=1, days=2)]),
        DueRule(steps=[DueStep(months=-1, day=31, weekday=Weekday.SUNDAY)]),
    ):
        assert eval(repr(rule)) == rule
    assert repr(DueRule.end_of_month(months=2)) == "DueRule.end_of_month(months=2)"
    assert DueRule.days_after("30") == DueRule.days_after(30)  # an integral string is exact
    assert DueRule.days_after(Decimal("30.0")).days_only == 30
    assert DueRule.days_after(0) == DueRule() == DueRule(steps=())
    assert repr(DueRule()) == "DueRule.days_after(0)"
    assert repr(DueRule(steps=[DueStep(day=10)])) == "DueRule.day_of_month(10, months=0)"
    assert (
        repr(DueRule.days_after(10).then(DueRule.end_of_month()))
        == "DueRule(steps=(DueStep(days=10), DueStep(day=31)))"
    )
    assert repr(DueRule(steps=[DueStep(days=-3)])) == "DueRule(steps=(DueStep(days=-3),))"


def test_a_rule_counts_days_only_when_it_only_counts_days_and_weeks() -> None:
    assert DueRule.days_after(30).days_only == 30
    assert DueRule.weeks_after(2).then(DueRule.days_after(3)).days_only == 17
    assert DueRule().days_only == 0
    assert DueRule.end_of_month().days_only is None
    assert DueRule.days_after(10).then(DueRule.months_after(1)).days_only is None
    assert DueRule.next_weekday(Weekday.FRIDAY).days_only is None


def test_a_step_applies_alone_and_is_what_relativedelta_does() -> None:
    step = DueStep(months=1, day=31, days=2, weekday=Weekday.FRIDAY)
    start = dt.date(2026, 1, 15)
    assert step.apply(start) == start + relativedelta(months=1, day=31, days=2, weekday=FR)
    assert DueStep(weeks=-1).apply(start) == dt.date(2026, 1, 8)
    with pytest.raises(InvalidType) as wrong:
        step.apply("2026-01-15")  # type: ignore[arg-type]
    assert wrong.value.field == "date"


def test_a_rule_that_lands_before_the_invoice_date_is_refused_not_moved() -> None:
    rule = DueRule.day_of_month(10, months=0)
    assert rule.due_date(dt.date(2026, 11, 10)) == dt.date(2026, 11, 10)
    with pytest.raises(DueBeforeInvoiceDate) as caught:
        rule.due_date(NOV_23)
    assert (caught.value.rule, caught.value.invoice_date, caught.value.due_date) == (
        "DueRule.day_of_month(10, months=0)",
        NOV_23,
        dt.date(2026, 11, 10),
    )
    assert isinstance(caught.value, InvalidPaymentTerm)
    term = PaymentTerm(
        name="Late", installments=[Installment.percentage("100", due=DueRule.end_of_month(days=-5))]
    )
    with pytest.raises(DueBeforeInvoiceDate) as caught:
        term.schedule(eur("10.00"), dt.date(2026, 11, 28))
    assert caught.value.due_date == dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("make", "error", "field", "value"),
    [
        (lambda: DueRule.days_after(-1), InvalidPaymentTerm, "days", -1),
        (lambda: DueRule.days_after(MAX_DAYS + 1), InvalidPaymentTerm, "days", MAX_DAYS + 1),
        (lambda: DueRule.days_after(30.0), FloatNotAllowed, "days", 30.0),
        (lambda: DueRule.days_after("1.5"), InvalidPaymentTerm, "days", "1.5"),
        (lambda: DueRule.days_after(True), InvalidType, "days", True),
        (lambda: DueRule.days_after("thirty"), InvalidNumber, "days", "thirty"),
        (lambda: DueRule.days_after(None), InvalidType, "days", None),
        (lambda: DueRule.end_of_month(months=-1), InvalidPaymentTerm, "months", -1),
        (lambda: DueRule.end_of_month(months=121), InvalidPaymentTerm, "months", 121),
        (lambda: DueRule.end_of_month(days=-MAX_DAYS - 1), InvalidPaymentTerm, "days", -3661),
        (lambda: DueRule.months_after(0), InvalidPaymentTerm, "months", 0),
        (lambda: DueRule.weeks_after(-1), InvalidPaymentTerm, "weeks", -1),
        (lambda: DueRule.next_weekday(4), InvalidType, "weekday", 4),  # type: ignore[arg-type]
        (lambda: DueRule.next_weekday(Weekday.FRIDAY, days=-1), InvalidPaymentTerm, "days", -1),
        (DueStep, InvalidPaymentTerm, "step", None),
        (lambda: DueStep(month=0), InvalidPaymentTerm, "month", 0),
        (lambda: DueStep(month=13), InvalidPaymentTerm, "month", 13),
        (lambda: DueStep(months=121), InvalidPaymentTerm, "months", 121),
        (lambda: DueStep(weeks=523), InvalidPaymentTerm, "weeks", 523),
        (lambda: DueStep(days=1.0), FloatNotAllowed, "days", 1.0),
        (
            lambda: DueRule(steps=[DueStep(days=1)] * (MAX_STEPS + 1)),
            InvalidPaymentTerm,
            "steps",
            MAX_STEPS + 1,
        ),
        (lambda: DueRule(steps=DueStep(days=1)), InvalidType, "steps", DueStep(days=1)),
        (lambda: DueRule.days_after(1).then(1), InvalidType, "other", 1),  # type: ignore[arg-type]
        (lambda: DueRule.day_of_month(0), InvalidPaymentTerm, "day", 0),
        (lambda: DueRule.day_of_month(32), InvalidPaymentTerm, "day", 32),
        (lambda: DueRule.day_of_month(31.0), FloatNotAllowed, "day", 31.0),
        (lambda: DueRule.day_of_month(15, months=-1), InvalidPaymentTerm, "months", -1),
    ],
)
def test_due_rules_refuse_bad_input(
    make: object, error: type[Exception], field: str, value: object
) -> None:
    with pytest.raises(error) as caught:
        make()  # type: ignore[operator]
    assert type(caught.value) is error
    assert (caught.value.field, caught.value.value) == (field, value)  # type: ignore[attr-defined]


def test_a_due_date_past_the_last_date_python_knows_is_an_ordercore_error() -> None:
    with pytest.raises(InvalidPaymentTerm) as caught:
        DueRule.end_of_month(months=1).due_date(dt.date(9999, 12, 1))
    assert (caught.value.field, caught.value.value) == ("invoice_date", dt.date(9999, 12, 1))
    with pytest.raises(InvalidPaymentTerm) as caught:
        DueRule.days_after(30).due_date(dt.date(9999, 12, 31))
    assert (caught.value.field, caught.value.value) == ("invoice_date", dt.date(9999, 12, 31))
    with pytest.raises(InvalidPaymentTerm) as caught:
        PaymentTerm.net(30).schedule(eur("10.00"), dt.date(9999, 12, 31))
    assert caught.value.field == "invoice_date"
    moment = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    with pytest.raises(InvalidType) as wrong:
        DueRule.days_after(30).due_date(moment)
    assert (wrong.value.field, wrong.value.value) == ("invoice_date", moment)


# -- installments and discounts ------------------------------------------------------------


def test_installments_print_as_their_constructor() -> None:
    two_ten = EarlyPaymentDiscount(percent="2", days=10)
    for installment in (
        Installment.percentage("30", due=DueRule.days_after(0)),
        Installment.fixed(eur("500.00"), due=DueRule.end_of_month()),
        Installment.remainder(due=DueRule.day_of_month(31, months=1), discount=two_ten),
    ):
        assert eval(repr(installment)) == installment
    assert repr(two_ten) == "EarlyPaymentDiscount(percent='2', days=10)"
    assert (
        repr(Installment.remainder(due=DueRule.days_after(30), discount=two_ten))
        == "Installment.remainder(due=DueRule.days_after(30), "
        "discount=EarlyPaymentDiscount(percent='2', days=10))"
    )


NET_30 = DueRule.days_after(30)


@pytest.mark.parametrize(
    ("make", "error", "field"),
    [
        (lambda: Installment.percentage(30.0, due=NET_30), FloatNotAllowed, "percent"),
        (lambda: Installment.percentage("0", due=NET_30), InvalidPaymentTerm, "percent"),
        (lambda: Installment.percentage("-5", due=NET_30), InvalidPaymentTerm, "percent"),
        (lambda: Installment.percentage("100.01", due=NET_30), InvalidPaymentTerm, "percent"),
        (lambda: Installment.percentage("abc", due=NET_30), InvalidNumber, "percent"),
        (lambda: Installment.fixed("500.00", due=NET_30), InvalidType, "amount"),
        (lambda: Installment.fixed(500.0, due=NET_30), InvalidType, "amount"),
        (lambda: Installment.fixed(eur("0"), due=NET_30), InvalidPaymentTerm, "amount"),
        (lambda: Installment.fixed(eur("-5.00"), due=NET_30), InvalidPaymentTerm, "amount"),
        (lambda: Installment.fixed(eur("5.001"), due=NET_30), InvalidAmount, "amount"),
        (lambda: Installment.fixed(Money("500.5", "JPY"), due=NET_30), InvalidAmount, "amount"),
        (lambda: Installment.percentage("30", due=30), InvalidType, "due"),
        (
            lambda: Installment.percentage("30", due=NET_30, discount="2/10"),
            InvalidType,
            "discount",
        ),
        (lambda: Installment(kind="percent", percent="30", due=NET_30), InvalidType, "kind"),
        (lambda: Installment(kind=ShareKind.PERCENT, due=NET_30), InvalidPaymentTerm, "percent"),
        (
            lambda: Installment(kind=ShareKind.PERCENT, percent="30", amount=eur("5"), due=NET_30),
            InvalidPaymentTerm,
            "amount",
        ),
        (lambda: Installment(kind=ShareKind.FIXED, due=NET_30), InvalidPaymentTerm, "amount"),
        (
            lambda: Installment(kind=ShareKind.REMAINDER, percent="30", due=NET_30),
            InvalidPaymentTerm,
            "percent",
        ),
        (
            lambda: Installment.remainder(
                due=NET_30, discount=EarlyPaymentDiscount(percent="2", days=31)
            ),
            InvalidPaymentTerm,
            "discount",
        ),
        (lambda: EarlyPaymentDiscount(percent="0", days=10), InvalidPaymentTerm, "percent"),
        (lambda: EarlyPaymentDiscount(percent="100", days=10), InvalidPaymentTerm, "percent"),
        (lambda: EarlyPaymentDiscount(percent=2.0, days=10), FloatNotAllowed, "percent"),
        (lambda: EarlyPaymentDiscount(percent="2", days=-1), InvalidPaymentTerm, "days"),
        (lambda: EarlyPaymentDiscount(percent="2", days=10.0), FloatNotAllowed, "days"),
    ],
)
def test_installments_refuse_bad_input(make: object, error: type[Exception], field: str) -> None:
    with pytest.raises(error) as caught:
        make()  # type: ignore[operator]
    assert type(caught.value) is error
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_a_discount_may_last_until_the_due_date() -> None:
    installment = Installment.remainder(
        due=NET_30, discount=EarlyPaymentDiscount(percent="2", days=30)
    )
    assert installment.discount is not None


# -- payment terms ---------------------------------------------------------------------------


def test_the_common_terms() -> None:
    assert PaymentTerm.net(30) == PaymentTerm(
        name="Net 30", installments=[Installment.percentage("100", due=DueRule.days_after(30))]
    )
    assert repr(PaymentTerm.net(30)) == "PaymentTerm(name='Net 30', installments=1)"
    two_ten = PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="2", days=10))
    assert two_ten.name == "2/10 net 30"
    assert PaymentTerm.net(14, name="14 days net").name == "14 days net"
    assert PaymentTerm.due_on_receipt().installments[0].due == DueRule.days_after(0)
    assert PaymentTerm.due_on_receipt().name == "Due on receipt"
    assert PaymentTerm.end_of_month().name == "End of month"
    assert PaymentTerm.end_of_month(days=30).name == "End of month + 30 days"
    assert PaymentTerm.end_of_month(months=1, days=10).name == "End of next month + 10 days"
    assert PaymentTerm.end_of_month(months=2).name == "End of month + 2 months"
    assert PaymentTerm.day_of_month(10).name == "Day 10 of next month"
    assert PaymentTerm.day_of_month(31, months=2).name == "Day 31 of month + 2 months"
    deposit = PaymentTerm.deposit("30", days=30)
    assert deposit.name == "30 % on receipt, balance net 30"
    assert [i.kind for i in deposit.installments] == [ShareKind.PERCENT, ShareKind.REMAINDER]
    assert deposit.has_remainder
    assert not PaymentTerm.net(30).has_remainder


def percent(value: str, days: int = 30) -> Installment:
    return Installment.percentage(value, due=DueRule.days_after(days))


def fixed(amount: Money, days: int = 0) -> Installment:
    return Installment.fixed(amount, due=DueRule.days_after(days))


def rest(days: int = 60) -> Installment:
    return Installment.remainder(due=DueRule.days_after(days))


@pytest.mark.parametrize(
    ("installments", "error", "field"),
    [
        ([], InvalidPaymentTerm, "installments"),
        ((percent("100"),) * 0, InvalidPaymentTerm, "installments"),
        ("Net 30", InvalidType, "installments"),
        ([percent("100"), "rest"], InvalidType, "installments[1]"),
        ([percent("30"), percent("60")], InvalidPaymentTerm, "installments"),
        ([percent("60"), percent("60")], InvalidPaymentTerm, "installments"),
        ([percent("30"), percent("70"), rest()], InvalidPaymentTerm, "installments"),
        ([percent("100"), rest()], InvalidPaymentTerm, "installments"),
        ([rest(30), rest(60)], InvalidPaymentTerm, "installments[0]"),
        ([rest(30), percent("50")], InvalidPaymentTerm, "installments[0]"),
        ([fixed(eur("100.00"))], InvalidPaymentTerm, "installments[0]"),
        ([fixed(eur("100.00")), percent("100")], InvalidPaymentTerm, "installments[0]"),
    ],
)
def test_terms_refuse_bad_installments(
    installments: object, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        PaymentTerm(name="Bad", installments=installments)  # type: ignore[arg-type]
    assert type(caught.value) is error
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_the_percentages_of_a_term_are_shown_in_the_error() -> None:
    with pytest.raises(InvalidPaymentTerm) as caught:
        PaymentTerm(name="Bad", installments=[percent("30"), percent("60")])
    assert caught.value.value == ["30", "60"]


def test_fixed_amounts_of_a_term_are_in_one_currency() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        PaymentTerm(
            name="Bad", installments=[fixed(eur("1.00")), fixed(Money("1.00", "USD")), rest()]
        )
    assert (caught.value.left, caught.value.right) == ("EUR", "USD")


def test_terms_refuse_a_missing_name_and_bad_named_arguments() -> None:
    with pytest.raises(InvalidType) as wrong:
        PaymentTerm(name=" ", installments=[percent("100")])
    assert wrong.value.field == "name"
    with pytest.raises(InvalidPaymentTerm) as caught:
        PaymentTerm.net(-30)
    assert (caught.value.field, caught.value.value) == ("days", -30)
    with pytest.raises(InvalidType) as wrong:
        PaymentTerm.net(30, discount=2)  # type: ignore[arg-type]
    assert wrong.value.field == "discount"
    with pytest.raises(InvalidPaymentTerm) as caught:
        PaymentTerm.deposit("100", days=30)
    assert (caught.value.field, caught.value.value) == ("installments", ["100"])
    with pytest.raises(FloatNotAllowed):
        PaymentTerm.deposit(0.3, days=30)


# -- schedules ------------------------------------------------------------------------------


class TestSchedule:
    def test_net_30(self) -> None:
        (only,) = PaymentTerm.net(30).schedule(eur("1152.00"), NOV_23)
        assert only == ScheduledInstallment(due_date=dt.date(2026, 12, 23), amount=eur("1152.00"))
        assert str(only) == "2026-12-23 EUR 1152.00"

    def test_percentages_are_split_by_largest_remainder(self) -> None:
        term = PaymentTerm(
            name="Quarters", installments=[percent("25"), percent("25"), percent("50")]
        )
        schedule = term.schedule(eur("10.01"), NOV_23)
        # exact shares 2.5025, 2.5025, 5.005: the missing cent goes to the largest remainder
        assert amounts(schedule) == ["EUR 2.50", "EUR 2.50", "EUR 5.01"]
        assert [i.amount.amount for i in schedule] == allocate(
            Decimal("10.01"), [25, 25, 50], Decimal("0.01")
        )
        halves = PaymentTerm(name="Halves", installments=[percent("50"), percent("50")])
        assert amounts(halves.schedule(eur("0.01"), NOV_23)) == ["EUR 0.01", "EUR 0.00"]

    def test_fixed_amounts_are_taken_as_stated_and_the_remainder_takes_the_rest(self) -> None:
        term = PaymentTerm(
            name="Deposit, half, rest",
            installments=[fixed(eur("100"), 0), percent("50", 30), rest(60)],
        )
        schedule = term.schedule(eur("1000.01"), NOV_23)
        assert amounts(schedule) == ["EUR 100.00", "EUR 500.01", "EUR 400.00"]
        assert due_dates(schedule) == [NOV_23, dt.date(2026, 12, 23), dt.date(2027, 1, 22)]
        assert sum(i.amount for i in schedule) == eur("1000.01")

    def test_a_remainder_alone_takes_everything(self) -> None:
        term = PaymentTerm(name="All at once", installments=[rest(14)])
        assert amounts(term.schedule(eur("99.99"), NOV_23)) == ["EUR 99.99"]

    def test_fixed_amounts_that_exceed_the_total_are_refused(self) -> None:
        term = PaymentTerm(
            name="Deposit, half, rest",
            installments=[fixed(eur("100.00")), percent("50"), rest()],
        )
        with pytest.raises(InstallmentsExceedTotal) as caught:
            term.schedule(eur("150.00"), NOV_23)
        assert (caught.value.term, caught.value.total, caught.value.scheduled) == (
            "Deposit, half, rest",
            eur("150.00"),
            eur("175.00"),
        )
        with pytest.raises(InstallmentsExceedTotal) as caught:
            term.schedule(eur("-150.00"), NOV_23)
        assert (caught.value.total, caught.value.scheduled) == (eur("-150.00"), eur("-175.00"))
        # exactly what the fixed and percentage installments take leaves a zero remainder
        assert amounts(term.schedule(eur("200.00"), NOV_23)) == [
            "EUR 100.00",
            "EUR 100.00",
            "EUR 0.00",
        ]

    def test_fixed_amounts_in_another_currency_are_refused(self) -> None:
        term = PaymentTerm(name="Deposit", installments=[fixed(eur("100.00")), rest()])
        with pytest.raises(CurrencyMismatch) as caught:
            term.schedule(Money("500.00", "USD"), NOV_23)
        assert (caught.value.left, caught.value.right, caught.value.operation) == (
            "USD",
            "EUR",
            "schedule",
        )

    def test_the_total_must_be_money_to_the_minor_unit(self) -> None:
        term = PaymentTerm.net(30)
        for fine in (eur("10.001"), Money("10.5", "JPY")):
            with pytest.raises(InvalidAmount) as caught:
                term.schedule(fine, NOV_23)
            assert (caught.value.field, caught.value.value) == ("total", fine)
        bad_calls = [
            ((Decimal("10.00"), NOV_23), "total"),
            ((10.0, NOV_23), "total"),
            ((eur("10.00"), "2026-11-23"), "invoice_date"),
            ((eur("10.00"), NOV_23, "half_up"), "rounding"),
        ]
        for arguments, field in bad_calls:
            with pytest.raises(InvalidType) as wrong:
                term.schedule(*arguments)  # type: ignore[arg-type]
            assert wrong.value.field == field

    def test_the_precision_is_the_currency_s(self) -> None:
        thirds = PaymentTerm(
            name="Thirds", installments=[percent("33.33"), percent("33.33"), rest()]
        )
        assert amounts(thirds.schedule(Money("1000", "JPY"), NOV_23)) == [
            "JPY 333",
            "JPY 333",
            "JPY 334",
        ]
        assert amounts(thirds.schedule(Money("1.000", "BHD"), NOV_23)) == [
            "BHD 0.333",
            "BHD 0.333",
            "BHD 0.334",
        ]

    def test_an_early_payment_discount(self) -> None:
        term = PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="2", days=10))
        (only,) = term.schedule(eur("1152.00"), NOV_23)
        assert (only.discount_amount, only.discount_deadline) == (
            eur("23.04"),
            dt.date(2026, 12, 3),
        )
        assert str(only) == "2026-12-23 EUR 1152.00 (EUR 23.04 off if paid by 2026-12-03)"
        names = {"datetime": dt, "Money": Money, "ScheduledInstallment": ScheduledInstallment}
        assert eval(repr(only), names) == only

    def test_the_discount_is_rounded_with_the_document_s_mode(self) -> None:
        term = PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="2", days=10))
        # 2 % of 100.25 is 2.005
        assert term.schedule(eur("100.25"), NOV_23)[0].discount_amount == eur("2.01")
        half_even = term.schedule(eur("100.25"), NOV_23, RoundingMode.HALF_EVEN)
        assert half_even[0].discount_amount == eur("2.00")

    def test_each_installment_has_its_own_discount(self) -> None:
        early = EarlyPaymentDiscount(percent="3", days=7)
        term = PaymentTerm(
            name="Halves",
            installments=[
                Installment.percentage("50", due=DueRule.days_after(14), discount=early),
                Installment.remainder(due=DueRule.end_of_month(months=1)),
            ],
        )
        first, second = term.schedule(eur("999.99"), NOV_23)
        assert (first.amount, first.discount_amount) == (eur("500.00"), eur("15.00"))
        assert (second.amount, second.discount_amount, second.discount_deadline) == (
            eur("499.99"),
            None,
            None,
        )
        assert second.due_date == dt.date(2026, 12, 31)

    def test_a_discount_window_counts_from_the_invoice_date_even_past_an_end_of_month(
        self,
    ) -> None:
        term = PaymentTerm.end_of_month(discount=EarlyPaymentDiscount(percent="2", days=10))
        (only,) = term.schedule(eur("100.00"), dt.date(2026, 11, 30))
        assert (only.due_date, only.discount_deadline) == (
            dt.date(2026, 11, 30),
            dt.date(2026, 12, 10),
        )

    def test_a_credit_note_mirrors_its_invoice(self) -> None:
        term = PaymentTerm(
            name="Deposit, half, rest",
            installments=[
                fixed(eur("100.00")),
                Installment.percentage(
                    "50", due=NET_30, discount=EarlyPaymentDiscount(percent="2", days=10)
                ),
                rest(),
            ],
        )
        invoice = term.schedule(eur("1000.01"), NOV_23)
        credit = term.schedule(eur("-1000.01"), NOV_23)
        assert amounts(credit) == ["EUR -100.00", "EUR -500.01", "EUR -400.00"]
        assert due_dates(credit) == due_dates(invoice)
        assert credit[1].discount_amount == eur("-10.00") == -invoice[1].discount_amount  # type: ignore[operator]

    def test_a_zero_total_owes_nothing_whatever_the_shares(self) -> None:
        term = PaymentTerm(
            name="Deposit and rest",
            installments=[fixed(eur("500.00")), percent("20"), rest()],
        )
        schedule = term.schedule(eur("0"), NOV_23)
        assert amounts(schedule) == ["EUR 0.00", "EUR 0.00", "EUR 0.00"]
        assert due_dates(schedule) == [NOV_23, dt.date(2026, 12, 23), dt.date(2027, 1, 22)]

    def test_the_host_s_decimal_context_changes_nothing(self) -> None:
        term = PaymentTerm(
            name="Thirds", installments=[percent("33.333"), percent("33.333"), rest()]
        )
        expected = term.schedule(eur("1000000.00"), NOV_23)
        with decimal.localcontext() as context:
            context.prec = 3
            context.rounding = decimal.ROUND_FLOOR
            assert term.schedule(eur("1000000.00"), NOV_23) == expected
        assert amounts(expected) == ["EUR 333330.00", "EUR 333330.00", "EUR 333340.00"]
        early = EarlyPaymentDiscount(percent="2.5", days=10)
        every_kind = PaymentTerm(
            name="Every kind",
            installments=[
                fixed(eur("1000.00")),
                Installment.percentage_of_balance("33.333", due=NET_30, discount=early),
                Installment.percentage("33.333", due=DueRule.end_of_month(months=1)),
                Installment.remainder(due=DueRule.day_of_month(31, months=2), discount=early),
            ],
        )
        parts = AmountBreakdown(untaxed=eur("833333.33"), taxes=eur("166666.67"))
        calls = [
            lambda: every_kind.schedule(eur("1000000.00"), NOV_23),
            lambda: every_kind.schedule(eur("1000000.00"), NOV_23, breakdown=parts),
            lambda: PaymentTerm.net(30, discount=early).schedule(eur("1000000.01"), NOV_23),
        ]
        for call in calls:
            plain = call()
            with decimal.localcontext() as context:
                context.prec = 3
                context.rounding = decimal.ROUND_FLOOR
                assert call() == plain


class TestShares:
    def test_a_percentage_of_the_balance_takes_a_part_of_what_is_left(self) -> None:
        term = PaymentTerm(
            name="Half, half of the rest, rest",
            installments=[
                percent("50", 0),
                Installment.percentage_of_balance("50", due=NET_30),
                rest(60),
            ],
        )
        assert amounts(term.schedule(eur("1000.00"), NOV_23)) == [
            "EUR 500.00",
            "EUR 250.00",
            "EUR 250.00",
        ]
        assert amounts(term.schedule(eur("-1000.00"), NOV_23)) == [
            "EUR -500.00",
            "EUR -250.00",
            "EUR -250.00",
        ]

    def test_the_balance_is_what_fixed_amounts_leave_too(self) -> None:
        term = PaymentTerm(
            name="Deposit, half of the rest, rest",
            installments=[
                fixed(eur("100.00")),
                Installment.percentage_of_balance("50", due=NET_30),
                rest(60),
            ],
        )
        # exact shares 450.005 and 450.005: the tie's cent goes to the earlier one
        assert amounts(term.schedule(eur("1000.01"), NOV_23)) == [
            "EUR 100.00",
            "EUR 450.01",
            "EUR 450.00",
        ]
        with pytest.raises(InstallmentsExceedTotal) as caught:
            term.schedule(eur("50.00"), NOV_23)
        assert (caught.value.total, caught.value.scheduled) == (eur("50.00"), eur("100.00"))

    def test_percentages_of_the_balance_compound(self) -> None:
        term = PaymentTerm(
            name="Tenths of the balance",
            installments=[
                *(
                    Installment.percentage_of_balance("10", due=DueRule.days_after(d))
                    for d in (0, 30)
                ),
                rest(60),
            ],
        )
        assert amounts(term.schedule(eur("100.00"), NOV_23)) == [
            "EUR 10.00",
            "EUR 9.00",
            "EUR 81.00",
        ]
        installment = term.installments[0]
        assert eval(repr(installment)) == installment
        assert repr(installment) == (
            "Installment.percentage_of_balance('10', due=DueRule.days_after(0))"
        )

    def test_a_percentage_of_the_balance_is_less_than_100_and_needs_a_remainder(self) -> None:
        with pytest.raises(InvalidPaymentTerm) as caught:
            Installment.percentage_of_balance("100", due=NET_30)
        assert (caught.value.field, caught.value.value) == ("percent", Decimal(100))
        with pytest.raises(InvalidPaymentTerm) as caught:
            PaymentTerm(
                name="No rest",
                installments=[
                    percent("50"),
                    Installment.percentage_of_balance("50", due=NET_30),
                    percent("50"),
                ],
            )
        assert caught.value.field == "installments[1]"

    def test_installments_that_round_to_zero_are_kept_unless_dropped(self) -> None:
        term = PaymentTerm(name="Tiny first", installments=[percent("1", 0), rest(30)])
        kept = term.schedule(eur("0.10"), NOV_23)
        assert amounts(kept) == ["EUR 0.00", "EUR 0.10"]
        dropped = term.schedule(eur("0.10"), NOV_23, drop_zero=True)
        assert dropped == kept[1:]
        # the last installment stays, so that the schedule still says when all is due
        assert term.schedule(eur("0.00"), NOV_23, drop_zero=True) == (
            ScheduledInstallment(due_date=dt.date(2026, 12, 23), amount=eur("0.00")),
        )
        assert term.schedule(eur("1.00"), NOV_23, drop_zero=True) == term.schedule(
            eur("1.00"), NOV_23
        )
        with pytest.raises(InvalidType) as wrong:
            term.schedule(eur("1.00"), NOV_23, drop_zero="yes")  # type: ignore[arg-type]
        assert wrong.value.field == "drop_zero"


VAT_20 = AmountBreakdown(untaxed=eur("1000.00"), taxes=eur("200.00"))


class TestEarlyPaymentDiscounts:
    def test_the_three_bases(self) -> None:
        breakdown = AmountBreakdown(
            untaxed=eur("100.00"), taxes=eur("20.00"), fixed_taxes=eur("5.00")
        )
        assert breakdown.total == eur("125.00")
        splits = {
            base: EarlyPaymentDiscount(percent="2", days=10, base=base).split(
                breakdown, RoundingMode.HALF_UP
            )
            for base in DiscountBase
        }
        # on the total: the per-unit taxes are never discounted
        assert splits[DiscountBase.TOTAL] == DiscountSplit(untaxed=eur("2.00"), taxes=eur("0.40"))
        assert splits[DiscountBase.TOTAL].total == eur("2.40")
        for base in (DiscountBase.UNTAXED, DiscountBase.MIXED):
            assert splits[base] == DiscountSplit(untaxed=eur("2.00"), taxes=eur("0.00"))

    def test_mixed_computes_vat_on_the_discounted_base(self) -> None:
        mixed = EarlyPaymentDiscount(percent="2", days=10, base=DiscountBase.MIXED)
        assert mixed.taxable_base(eur("1000.00"), RoundingMode.HALF_UP) == eur("980.00")
        assert mixed.taxable_base(eur("-1000.00"), RoundingMode.HALF_UP) == eur("-980.00")

    def test_a_fixed_discount_amount(self) -> None:
        fifteen = EarlyPaymentDiscount(fixed_amount=eur("15.00"), days=10)
        part = AmountBreakdown(untaxed=eur("100.00"), taxes=eur("20.00"))
        assert fifteen.split(part, RoundingMode.HALF_UP) == DiscountSplit(
            untaxed=eur("12.50"), taxes=eur("2.50")
        )
        assert fifteen.amount(eur("-120.00"), RoundingMode.HALF_UP) == eur("-15.00")
        assert fifteen.amount(eur("0.00"), RoundingMode.HALF_UP) == eur("0.00")
        untaxed = EarlyPaymentDiscount(
            fixed_amount=eur("15.00"), days=10, base=DiscountBase.UNTAXED
        )
        assert untaxed.split(part, RoundingMode.HALF_UP) == DiscountSplit(
            untaxed=eur("15.00"), taxes=eur("0.00")
        )
        with pytest.raises(DiscountExceedsBase) as caught:
            fifteen.amount(eur("-10.00"), RoundingMode.HALF_UP)
        assert (caught.value.requested, caught.value.remaining, caught.value.base) == (
            eur("15.00"),
            eur("10.00"),
            eur("-10.00"),
        )
        with pytest.raises(CurrencyMismatch):
            fifteen.amount(Money("100.00", "USD"), RoundingMode.HALF_UP)

    def test_discounts_print_as_their_constructor(self) -> None:
        for discount in (
            EarlyPaymentDiscount(percent="2", days=10),
            EarlyPaymentDiscount(percent="2.5", days=14, base=DiscountBase.MIXED),
            EarlyPaymentDiscount(fixed_amount=eur("15.00"), days=7, base=DiscountBase.UNTAXED),
        ):
            names = {"EarlyPaymentDiscount": EarlyPaymentDiscount, "Money": Money}
            assert eval(repr(discount), {**names, "DiscountBase": DiscountBase}) == discount

    @pytest.mark.parametrize(
        ("make", "error", "field"),
        [
            (lambda: EarlyPaymentDiscount(days=10), InvalidPaymentTerm, "percent"),
            (
                lambda: EarlyPaymentDiscount(percent="2", fixed_amount=eur("1.00"), days=10),
                InvalidPaymentTerm,
                "percent",
            ),
            (
                lambda: EarlyPaymentDiscount(fixed_amount=eur("0.00"), days=10),
                InvalidPaymentTerm,
                "fixed_amount",
            ),
            (
                lambda: EarlyPaymentDiscount(fixed_amount=eur("1.001"), days=10),
                InvalidAmount,
                "fixed_amount",
            ),
            (
                lambda: EarlyPaymentDiscount(percent="2", days=10, base="total"),
                InvalidType,
                "base",
            ),
            (lambda: AmountBreakdown(untaxed="1.00", taxes=eur("0.20")), InvalidType, "untaxed"),
            (
                lambda: AmountBreakdown(untaxed=eur("1.00"), taxes=eur("0.201")),
                InvalidAmount,
                "taxes",
            ),
            (
                lambda: EarlyPaymentDiscount(
                    percent="2", days=10, base=DiscountBase.UNTAXED
                ).amount(eur("100.00"), RoundingMode.HALF_UP),
                InvalidPaymentTerm,
                "installment",
            ),
            (
                lambda: EarlyPaymentDiscount(percent="2", days=10).split(
                    eur("100.00"),
                    RoundingMode.HALF_UP,  # type: ignore[arg-type]
                ),
                InvalidType,
                "part",
            ),
        ],
    )
    def test_refuse_bad_input(self, make: object, error: type[Exception], field: str) -> None:
        with pytest.raises(error) as caught:
            make()  # type: ignore[operator]
        assert type(caught.value) is error
        assert caught.value.field == field  # type: ignore[attr-defined]

    def test_a_breakdown_is_in_one_currency(self) -> None:
        with pytest.raises(CurrencyMismatch) as caught:
            AmountBreakdown(untaxed=eur("1.00"), taxes=Money("0.20", "USD"))
        assert (caught.value.left, caught.value.right) == ("EUR", "USD")

    def test_a_schedule_states_the_discount_s_split(self) -> None:
        term = PaymentTerm(
            name="Deposit, 2 % off the balance",
            installments=[
                percent("30", 0),
                Installment.remainder(
                    due=NET_30, discount=EarlyPaymentDiscount(percent="2", days=10)
                ),
            ],
        )
        deposit, balance = term.schedule(eur("1200.00"), NOV_23, breakdown=VAT_20)
        assert (deposit.amount, deposit.discount_amount) == (eur("360.00"), None)
        assert (balance.amount, balance.discount_amount) == (eur("840.00"), eur("16.80"))
        assert (balance.discount_untaxed, balance.discount_taxes) == (eur("14.00"), eur("2.80"))
        assert balance.amount_if_paid_early == eur("823.20")
        names = {"datetime": dt, "Money": Money, "ScheduledInstallment": ScheduledInstallment}
        assert eval(repr(balance), names) == balance
        # without the breakdown the discount is the same, its split unknown
        plain = term.schedule(eur("1200.00"), NOV_23)[1]
        assert (plain.discount_amount, plain.discount_taxes, plain.discount_untaxed) == (
            eur("16.80"),
            None,
            None,
        )

    def test_a_schedule_on_the_untaxed_base_needs_the_breakdown(self) -> None:
        term = PaymentTerm.net(
            30, discount=EarlyPaymentDiscount(percent="2", days=10, base=DiscountBase.UNTAXED)
        )
        (only,) = term.schedule(eur("1200.00"), NOV_23, breakdown=VAT_20)
        assert (only.discount_amount, only.discount_taxes) == (eur("20.00"), eur("0.00"))
        with pytest.raises(InvalidPaymentTerm) as caught:
            term.schedule(eur("1200.00"), NOV_23)
        assert caught.value.field == "installment"
        with pytest.raises(InvalidPaymentTerm) as caught:
            term.schedule(eur("1199.99"), NOV_23, breakdown=VAT_20)
        assert (caught.value.field, caught.value.value) == ("breakdown", eur("1200.00"))
        with pytest.raises(InvalidType) as wrong:
            term.schedule(eur("1200.00"), NOV_23, breakdown=eur("1000.00"))  # type: ignore[arg-type]
        assert wrong.value.field == "breakdown"

    def test_an_installment_knows_what_pays_it_on_a_date(self) -> None:
        (only,) = PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="2", days=10)).schedule(
            eur("100.00"), NOV_23
        )
        assert only.discount_applies(dt.date(2026, 12, 3))
        assert not only.discount_applies(dt.date(2026, 12, 4))
        assert only.discount_applies(NOV_23 - dt.timedelta(days=1))  # a prepayment earns it too
        assert only.amount_due_if_paid_on(dt.date(2026, 12, 3)) == eur("98.00")
        assert only.amount_due_if_paid_on(dt.date(2026, 12, 4)) == eur("100.00")
        (plain,) = PaymentTerm.net(30).schedule(eur("100.00"), NOV_23)
        assert not plain.discount_applies(NOV_23)
        assert plain.amount_if_paid_early == plain.amount_due_if_paid_on(NOV_23) == eur("100.00")
        with pytest.raises(InvalidType) as wrong:
            only.discount_applies("2026-12-03")  # type: ignore[arg-type]
        assert wrong.value.field == "payment_date"


class TestNotation:
    @pytest.mark.parametrize(
        ("text", "term", "notation"),
        [
            ("Net 30", PaymentTerm.net(30), "Net 30"),
            ("net   30", PaymentTerm.net(30), "Net 30"),
            ("Net 30 days", PaymentTerm.net(30), "Net 30"),
            ("Net 15 EOM", PaymentTerm.end_of_month(days=15), "Net 15 EOM"),
            ("EOM", PaymentTerm.end_of_month(), "EOM"),
            ("Due on receipt", PaymentTerm.due_on_receipt(), "Due on receipt"),
            ("due upon receipt", PaymentTerm.due_on_receipt(), "Due on receipt"),
            (
                "2/10 Net 30",
                PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="2", days=10)),
                "2/10 Net 30",
            ),
            (
                "1.5%/10 net 30",
                PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="1.5", days=10)),
                "1.5/10 Net 30",
            ),
            (
                "2/10 Net 30 EOM",
                PaymentTerm.end_of_month(
                    days=30, discount=EarlyPaymentDiscount(percent="2", days=10)
                ),
                "2/10 Net 30 EOM",
            ),
            (
                "30% now, 70% in 30 days",
                PaymentTerm(
                    name="30% now, 70% in 30 days",
                    installments=[percent("30", 0), percent("70", 30)],
                ),
                "30% now, 70% in 30 days",
            ),
            (
                "50 % now,25% in 1 day, 25% in 60 days",
                PaymentTerm(
                    name="50% now, 25% in 1 day, 25% in 60 days",
                    installments=[percent("50", 0), percent("25", 1), percent("25", 60)],
                ),
                "50% now, 25% in 1 day, 25% in 60 days",
            ),
        ],
    )
    def test_the_notations_people_type(self, text: str, term: PaymentTerm, notation: str) -> None:
        parsed = PaymentTerm.parse(text)
        assert parsed == term
        assert parsed.notation == notation
        assert PaymentTerm.parse(notation) == parsed

    def test_terms_without_a_notation(self) -> None:
        early = EarlyPaymentDiscount(percent="2", days=10)
        for term in (
            PaymentTerm.deposit("30", days=30),
            PaymentTerm.day_of_month(10),
            PaymentTerm.end_of_month(months=1),
            PaymentTerm.end_of_month(discount=early),
            PaymentTerm.net(
                30,
                discount=EarlyPaymentDiscount(percent="2", days=10, base=DiscountBase.UNTAXED),
            ),
            PaymentTerm(
                name="Halves",
                installments=[
                    Installment.percentage("50", due=NET_30, discount=early),
                    percent("50", 60),
                ],
            ),
        ):
            assert term.notation is None

    @pytest.mark.parametrize(
        "text",
        ["", "Net", "Net thirty", "2/10", "30% now, 70% later", "EOM + 5", "Net 30 days EOM 5"],
    )
    def test_anything_else_is_refused_with_the_accepted_forms(self, text: str) -> None:
        with pytest.raises(InvalidTermNotation) as caught:
            PaymentTerm.parse(text)
        assert (caught.value.text, caught.value.accepted) == (text, NOTATIONS)
        assert isinstance(caught.value, InvalidPaymentTerm)

    def test_a_notation_still_makes_a_valid_term(self) -> None:
        with pytest.raises(InvalidPaymentTerm) as caught:
            PaymentTerm.parse("30% now, 60% in 30 days")
        assert caught.value.field == "installments"
        with pytest.raises(InvalidType) as wrong:
            PaymentTerm.parse(30)  # type: ignore[arg-type]
        assert wrong.value.field == "text"


class TestScheduledInstallment:
    def test_refuses_inconsistent_values(self) -> None:
        with pytest.raises(InvalidPaymentTerm) as caught:
            ScheduledInstallment(due_date=NOV_23, amount=eur("10.00"), discount_amount=eur("0.20"))
        assert (caught.value.field, caught.value.value) == ("discount_amount", eur("0.20"))
        with pytest.raises(InvalidPaymentTerm) as caught:
            ScheduledInstallment(due_date=NOV_23, amount=eur("10.00"), discount_deadline=NOV_23)
        assert (caught.value.field, caught.value.value) == ("discount_amount", None)
        with pytest.raises(InvalidPaymentTerm) as caught:
            ScheduledInstallment(
                due_date=NOV_23,
                amount=eur("10.00"),
                discount_amount=eur("10.01"),
                discount_deadline=NOV_23,
            )
        assert (caught.value.field, caught.value.value) == ("discount_amount", eur("10.01"))
        with pytest.raises(InvalidPaymentTerm) as caught:
            ScheduledInstallment(
                due_date=NOV_23,
                amount=eur("-10.00"),
                discount_amount=eur("0.20"),
                discount_deadline=NOV_23,
            )
        assert (caught.value.field, caught.value.value) == ("discount_amount", eur("0.20"))
        with pytest.raises(CurrencyMismatch):
            ScheduledInstallment(
                due_date=NOV_23,
                amount=eur("10.00"),
                discount_amount=Money("0.20", "USD"),
                discount_deadline=NOV_23,
            )
        with pytest.raises(CurrencyMismatch):
            ScheduledInstallment(
                due_date=NOV_23,
                amount=eur("10.00"),
                discount_amount=eur("0.20"),
                discount_deadline=NOV_23,
                discount_taxes=Money("0.03", "USD"),
            )
        with pytest.raises(InvalidPaymentTerm) as caught:
            ScheduledInstallment(due_date=NOV_23, amount=eur("10.00"), discount_taxes=eur("0.03"))
        assert (caught.value.field, caught.value.value) == ("discount_taxes", eur("0.03"))
        with pytest.raises(InvalidType) as wrong:
            ScheduledInstallment(due_date="2026-11-23", amount=eur("10.00"))  # type: ignore[arg-type]
        assert wrong.value.field == "due_date"
        with pytest.raises(InvalidType) as wrong:
            ScheduledInstallment(due_date=NOV_23, amount="10.00")  # type: ignore[arg-type]
        assert wrong.value.field == "amount"


# -- issuing with a term -------------------------------------------------------------------


def content(price: str = "120.00", quantity: str = "8", policy: Policy | None = None) -> Document:
    return Document(
        currency=EUR,
        items=[
            Line(
                description="Consulting",
                quantity=quantity,
                unit_price=eur(price),
                taxes=[Tax.percent("VAT", "20")],
            )
        ],
        policy=policy or Policy(),
    )


def draft(document: Document | None = None) -> DraftInvoice:
    return DraftInvoice.create(
        id="inv-1", customer="acme", content=document or content(), request=request("r1")
    ).document


class TestIssuing:
    def test_issuing_with_a_term_schedules_the_amount_due(self) -> None:
        term = PaymentTerm(
            name="Deposit and balance",
            installments=[
                percent("30", 0),
                Installment.remainder(
                    due=DueRule.end_of_month(months=1),
                    discount=EarlyPaymentDiscount(percent="2", days=14),
                ),
            ],
        )
        issued = draft().issue(
            number="INV-1", issue_date=NOV_23, payment_term=term, request=request("r2")
        )
        invoice = issued.document
        assert amounts(invoice.installments) == ["EUR 345.60", "EUR 806.40"]
        # issuing gives the term the invoice's breakdown, so each discount says its tax part
        totals = invoice.priced.totals
        parts = AmountBreakdown(untaxed=totals.tax_exclusive, taxes=totals.tax)
        assert invoice.installments == term.schedule(invoice.total, NOV_23, breakdown=parts)
        assert invoice.installments[1].discount_taxes == eur("2.69")
        assert invoice.due_date == dt.date(2026, 12, 31)
        assert invoice.installments[1].discount_amount == eur("16.13")
        assert issued.events == (
            InvoiceIssued(
                document_id="inv-1",
                request=request("r2"),
                number="INV-1",
                issue_date=NOV_23,
                due_date=dt.date(2026, 12, 31),
                amount_due=eur("1152.00"),
                installments=invoice.installments,
            ),
        )

    def test_without_a_term_nothing_changes(self) -> None:
        invoice = draft().issue(number="INV-1", issue_date=NOV_23, request=request("r2")).document
        assert (invoice.due_date, invoice.installments) == (None, ())
        dated = draft().issue(
            number="INV-1", issue_date=NOV_23, due_date=dt.date(2026, 12, 1), request=request("r2")
        )
        assert dated.document.installments == ()
        assert dated.events[0].installments == ()  # type: ignore[attr-defined]

    def test_the_due_date_is_the_latest_installment_s(self) -> None:
        # installments keep the term's order even when it does not follow the calendar
        term = PaymentTerm(name="Odd order", installments=[percent("50", 60), percent("50", 30)])
        invoice = (
            draft()
            .issue(number="INV-1", issue_date=NOV_23, payment_term=term, request=request("r2"))
            .document
        )
        assert due_dates(invoice.installments) == [dt.date(2027, 1, 22), dt.date(2026, 12, 23)]
        assert invoice.due_date == dt.date(2027, 1, 22)

    def test_discounts_are_rounded_with_the_document_s_mode(self) -> None:
        # the amount due is 100.25 and 2 % of it is 2.005
        term = PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="2", days=10))
        for mode, discount in ((RoundingMode.HALF_UP, "2.01"), (RoundingMode.HALF_EVEN, "2.00")):
            document = Document(
                currency=EUR,
                items=[Line(description="Fee", quantity="1", unit_price=eur("100.25"))],
                policy=Policy(rounding=mode),
            )
            invoice = (
                draft(document)
                .issue(number="INV-1", issue_date=NOV_23, payment_term=term, request=request("r2"))
                .document
            )
            assert invoice.installments[0].discount_amount == eur(discount)

    def test_the_amount_due_after_a_prepayment_is_scheduled(self) -> None:
        document = Document(
            currency=EUR,
            items=[Line(description="Fee", quantity="1", unit_price=eur("1000.00"))],
            prepaid=eur("400.00"),
        )
        invoice = (
            draft(document)
            .issue(
                number="INV-1",
                issue_date=NOV_23,
                payment_term=PaymentTerm.deposit("50", days=30),
                request=request("r2"),
            )
            .document
        )
        assert amounts(invoice.installments) == ["EUR 300.00", "EUR 300.00"]

    def test_a_returns_invoice_schedules_a_negative_amount(self) -> None:
        invoice = (
            draft(content(quantity="-1"))
            .issue(
                number="INV-1",
                issue_date=NOV_23,
                payment_term=PaymentTerm.deposit("30", days=30),
                request=request("r2"),
            )
            .document
        )
        assert amounts(invoice.installments) == ["EUR -43.20", "EUR -100.80"]

    def test_checks_come_before_anything_is_issued(self) -> None:
        with pytest.raises(DueDateAndTerm) as both:
            draft().issue(
                number="INV-1",
                issue_date=NOV_23,
                due_date=dt.date(2026, 12, 23),
                payment_term=PaymentTerm.net(30),
                request=request("r2"),
            )
        assert (both.value.due_date, both.value.payment_term) == (dt.date(2026, 12, 23), "Net 30")
        with pytest.raises(InvalidType) as wrong:
            draft().issue(
                number="INV-1",
                issue_date=NOV_23,
                payment_term="Net 30",  # type: ignore[arg-type]
                request=request("r2"),
            )
        assert (wrong.value.field, wrong.value.value) == ("payment_term", "Net 30")
        deposit = PaymentTerm(name="Big deposit", installments=[fixed(eur("2000.00")), rest()])
        with pytest.raises(InstallmentsExceedTotal) as exceeded:
            draft().issue(
                number="INV-1", issue_date=NOV_23, payment_term=deposit, request=request("r2")
            )
        assert (exceeded.value.total, exceeded.value.scheduled) == (eur("1152.00"), eur("2000.00"))
        usd = PaymentTerm(name="USD deposit", installments=[fixed(Money("5.00", "USD")), rest()])
        with pytest.raises(CurrencyMismatch):
            draft().issue(
                number="INV-1", issue_date=NOV_23, payment_term=usd, request=request("r2")
            )

    def test_an_issued_invoice_refuses_installments_that_do_not_add_up(self) -> None:
        invoice = (
            draft()
            .issue(
                number="INV-1",
                issue_date=NOV_23,
                payment_term=PaymentTerm.deposit("30", days=30),
                request=request("r2"),
            )
            .document
        )
        first, second = invoice.installments
        values = {
            "id": invoice.id,
            "number": invoice.number,
            "customer": invoice.customer,
            "issue_date": invoice.issue_date,
            "priced": invoice.priced,
        }
        assert IssuedInvoice(**values, due_date=invoice.due_date, installments=[first, second])
        with pytest.raises(InstallmentsDoNotPay) as unpaid:
            IssuedInvoice(**values, due_date=invoice.due_date, installments=[first])
        assert (unpaid.value.scheduled, unpaid.value.amount_due) == (eur("345.60"), eur("1152.00"))
        with pytest.raises(InstallmentsOutOfDates) as out:
            IssuedInvoice(**values, due_date=NOV_23, installments=[first, second])
        assert (out.value.due_date, out.value.last_due) == (NOV_23, second.due_date)
        with pytest.raises(InstallmentsOutOfDates) as out:
            IssuedInvoice(**values, installments=[first, second])
        assert (out.value.due_date, out.value.last_due) == (None, second.due_date)
        early = ScheduledInstallment(due_date=dt.date(2026, 11, 1), amount=first.amount)
        with pytest.raises(InstallmentsOutOfDates) as out:
            IssuedInvoice(**values, due_date=invoice.due_date, installments=[early, second])
        assert (out.value.first_due, out.value.issue_date) == (dt.date(2026, 11, 1), NOV_23)
        with pytest.raises(CurrencyMismatch):
            IssuedInvoice(
                **values,
                due_date=NOV_23,
                installments=[ScheduledInstallment(due_date=NOV_23, amount=Money("1152", "USD"))],
            )
        with pytest.raises(InvalidType) as wrong:
            IssuedInvoice(**values, installments="all at once")
        assert wrong.value.field == "installments"

    def test_a_bill_takes_the_supplier_s_term(self) -> None:
        bill = DraftBill.create(
            id="bill-1", supplier="papyrus", content=content(), request=request("r1")
        ).document
        issued = bill.issue(
            number="PAP-1",
            issue_date=NOV_23,
            payment_term=PaymentTerm.end_of_month(days=30),
            request=request("r2"),
        )
        assert issued.document.due_date == dt.date(2026, 12, 30)
        assert amounts(issued.document.installments) == ["EUR 1152.00"]
        event = issued.events[0]
        assert isinstance(event, BillIssued)
        assert event.installments == issued.document.installments
        with pytest.raises(DueDateAndTerm) as both:
            bill.issue(
                number="PAP-1",
                issue_date=NOV_23,
                due_date=NOV_23,
                payment_term=PaymentTerm.net(30),
                request=request("r2"),
            )
        assert (both.value.due_date, both.value.payment_term) == (NOV_23, "Net 30")


# -- properties ------------------------------------------------------------------------------


@st.composite
def totals(draw: st.DrawFn, currency: str) -> Money:
    """Amounts to schedule: positive, negative (credit notes) or zero, to the minor unit."""
    units = draw(st.one_of(st.integers(-(10**6), 10**6), st.integers(-(10**14), 10**14)))
    return Money(Decimal(f"{units}E-{precision(currency)}"), currency)


Case = tuple[PaymentTerm, Money, dt.date]


@st.composite
def cases(
    draw: st.DrawFn, *, fixed: bool = True, ordered: bool = False, discounts: bool = True
) -> Case:
    """A term, a total in its currency and an invoice date; ``fixed`` allows fixed shares."""
    currency = draw(ost.currencies())
    term = draw(
        ost.payment_terms(currency if fixed else None, ordered=ordered, discounts=discounts)
    )
    return term, draw(totals(currency)), draw(ost.invoice_dates())


def taken_before_the_remainder(term: PaymentTerm, total: Money) -> Fraction:
    """What the percentage and fixed installments take of ``abs(total)``, exactly."""
    magnitude = Fraction(abs(total.amount))
    taken = Fraction(0)
    for installment in term.installments:
        if installment.percent is not None:
            taken += magnitude * Fraction(installment.percent) / 100
        elif installment.amount is not None:
            taken += Fraction(installment.amount.amount)
    return taken


@given(cases())
def test_installments_sum_to_the_total_exactly(case: Case) -> None:
    term, total, invoice_date = case
    refusal = None
    try:
        schedule = term.schedule(total, invoice_date)
    except InstallmentsExceedTotal as error:
        refusal = error
    if refusal is not None:
        # refused only when the stated shares really take more than there is
        slack = Fraction(quantum(total.currency)) * len(term.installments)
        assert total.amount != 0
        assert taken_before_the_remainder(term, total) > Fraction(abs(total.amount)) - slack
        assert isinstance(refusal.scheduled, Money)
        assert abs(refusal.scheduled) > abs(total)
        return
    assert len(schedule) == len(term.installments)
    assert sum(i.amount for i in schedule) == total
    places = precision(total.currency)
    for installment, scheduled in zip(term.installments, schedule, strict=True):
        assert scheduled.amount.currency == total.currency
        assert scheduled.amount.amount.as_tuple().exponent == -places
        assert scheduled.amount.amount * total.amount >= 0  # every part has the total's sign
        if total.amount and installment.amount is not None:
            assert abs(scheduled.amount) == installment.amount


@given(cases(fixed=False, discounts=False))
def test_percentages_are_within_a_quantum_of_their_exact_share(case: Case) -> None:
    term, total, invoice_date = case
    schedule = term.schedule(total, invoice_date)  # without fixed shares, nothing is refused
    step = Fraction(quantum(total.currency))
    for installment, scheduled in zip(term.installments, schedule, strict=True):
        if installment.percent is not None:
            exact = Fraction(total.amount) * Fraction(installment.percent) / 100
            assert abs(Fraction(scheduled.amount.amount) - exact) < step


def zero(term: PaymentTerm) -> Money:
    """A zero total in the currency of the term's fixed amounts (a zero total owes nothing)."""
    codes = {i.amount.currency.code for i in term.installments if i.amount is not None}
    return Money.zero(codes.pop() if codes else EUR)


@given(cases())
def test_due_dates_and_discount_deadlines_are_never_before_the_invoice_date(case: Case) -> None:
    term, _, invoice_date = case
    schedule = term.schedule(zero(term), invoice_date)
    for installment, scheduled in zip(term.installments, schedule, strict=True):
        assert scheduled.due_date >= invoice_date
        assert scheduled.due_date == installment.due.due_date(invoice_date)
        if installment.discount is None:
            assert scheduled.discount_deadline is None
            continue
        assert scheduled.discount_deadline is not None
        assert scheduled.discount_deadline >= invoice_date
        if installment.due.days_only is not None:
            assert scheduled.discount_deadline <= scheduled.due_date


@given(cases(ordered=True))
def test_due_dates_never_decrease_when_the_rules_do_not(case: Case) -> None:
    term, _, invoice_date = case
    dates = due_dates(term.schedule(zero(term), invoice_date))
    assert dates == sorted(dates)


@given(ost.due_rules(composed=True), ost.invoice_dates(), st.integers(1, 400))
def test_a_later_invoice_date_never_gives_an_earlier_due_date(
    rule: DueRule, invoice_date: dt.date, days: int
) -> None:
    later = invoice_date + dt.timedelta(days=days)
    assert rule.due_date(later) >= rule.due_date(invoice_date) >= invoice_date


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


@given(ost.due_rules(shapes=["end_of_month", "day_of_month"]), ost.invoice_dates())
def test_month_rules_land_in_the_right_month_and_clamp_to_its_end(
    rule: DueRule, invoice_date: dt.date
) -> None:
    due = rule.due_date(invoice_date)
    (step,) = rule.steps
    assert step.day is not None
    if step.day == 31:
        month_end = due - dt.timedelta(days=step.days)
        assert months_between(invoice_date, month_end) == step.months
        assert (month_end + dt.timedelta(days=1)).day == 1
    else:
        assert months_between(invoice_date, due) == step.months
        last_day = (due + dt.timedelta(days=1)).day == 1
        assert due.day == step.day or (last_day and due.day < step.day)


@given(ost.due_rules(composed=True), ost.invoice_dates())
def test_a_rule_is_its_steps_applied_one_after_another(
    rule: DueRule, invoice_date: dt.date
) -> None:
    date = invoice_date
    for step in rule.steps:
        date += relativedelta(
            month=step.month,
            months=step.months,
            day=step.day,
            weeks=step.weeks,
            days=step.days,
            weekday=None if step.weekday is None else weekday(step.weekday.value),
        )
    assert rule.due_date(invoice_date) == date >= invoice_date


@given(ost.currencies().flatmap(totals), ost.due_rules(), ost.invoice_dates())
def test_a_full_period_remainder_takes_the_whole_total(
    total: Money, rule: DueRule, invoice_date: dt.date
) -> None:
    term = PaymentTerm(name="Everything", installments=[Installment.remainder(due=rule)])
    (only,) = term.schedule(total, invoice_date)
    assert (only.amount, only.due_date) == (total, rule.due_date(invoice_date))


@given(cases(), st.sampled_from(RoundingMode))
def test_a_credit_note_schedule_mirrors_the_invoice_s(case: Case, mode: RoundingMode) -> None:
    term, total, invoice_date = case
    try:
        invoice = term.schedule(abs(total), invoice_date, mode)
    except InstallmentsExceedTotal:
        with pytest.raises(InstallmentsExceedTotal):
            term.schedule(-abs(total), invoice_date, mode)
        return
    credit = term.schedule(-abs(total), invoice_date, mode)
    assert [i.amount for i in credit] == [-i.amount for i in invoice]
    assert due_dates(credit) == due_dates(invoice)
    for scheduled in (*invoice, *credit):
        if scheduled.discount_amount is not None:
            assert abs(scheduled.discount_amount) <= abs(scheduled.amount)
    if mode.symmetric:
        assert [i.discount_amount for i in credit] == [
            None if i.discount_amount is None else -i.discount_amount for i in invoice
        ]


@pytest.mark.parametrize(
    ("installment", "mode", "field"),
    [
        (Decimal("10"), RoundingMode.HALF_UP, "installment"),
        ("10.00", RoundingMode.HALF_UP, "installment"),
        (None, RoundingMode.HALF_UP, "installment"),
        (Money("10.00", "EUR"), "ROUND_HALF_UP", "mode"),
        (Money("10.00", "EUR"), None, "mode"),
    ],
)
def test_an_early_payment_discount_refuses_what_is_no_installment_or_mode(
    installment: object, mode: object, field: str
) -> None:
    discount = EarlyPaymentDiscount(percent="2", days=10)
    with pytest.raises(InvalidType) as refused:
        discount.amount(installment, mode)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_an_early_payment_discount_refuses_floats_and_amounts_finer_than_the_currency() -> None:
    discount = EarlyPaymentDiscount(percent="2", days=10)
    with pytest.raises(InvalidType):
        discount.amount(10.0, RoundingMode.HALF_UP)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount) as refused:
        discount.amount(Money("10.005", "EUR"), RoundingMode.HALF_UP)
    assert refused.value.field == "installment"
    assert discount.amount(Money("10.00", "EUR"), RoundingMode.HALF_UP) == Money("0.20", "EUR")


@given(
    st.one_of(st.none(), st.decimals(allow_nan=False), st.text(max_size=3), st.integers()),
    st.one_of(st.none(), st.sampled_from(RoundingMode), st.text(max_size=3)),
)
def test_only_ordercore_errors_escape_an_early_payment_discount(
    installment: object, mode: object
) -> None:
    discount = EarlyPaymentDiscount(percent="2", days=10)
    with pytest.raises(InvalidType):
        discount.amount(installment, mode)  # type: ignore[arg-type]
