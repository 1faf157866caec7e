"""Properties of payment terms with every kind of share: schedules always sum exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    DueRule,
    Installment,
    InstallmentsExceedTotal,
    Money,
    PaymentTerm,
    ShareKind,
)
from ordercore.money import precision, quantum
from ordercore.testing import strategies as ost

Case = tuple[PaymentTerm, Money, dt.date]


@st.composite
def shares(draw: st.DrawFn, currency: str) -> PaymentTerm:
    """Up to four percentages of the whole, of the balance and fixed amounts, then the rest."""
    installments = []
    left = Decimal(100)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["percent", "balance", "fixed"]))
        rule = draw(ost.due_rules(composed=True))
        if kind == "fixed":
            units = draw(st.integers(1, 100_000))
            amount = Money(Decimal(units).scaleb(-precision(currency)), currency)
            installments.append(Installment.fixed(amount, due=rule))
            continue
        percent = Decimal(draw(st.integers(1, 9999))).scaleb(-2)
        if kind == "balance":
            installments.append(Installment.percentage_of_balance(percent, due=rule))
        elif percent < left:
            left -= percent
            installments.append(Installment.percentage(percent, due=rule))
    installments.append(Installment.remainder(due=draw(ost.due_rules())))
    return PaymentTerm(name="Any", installments=installments)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    currency = draw(ost.currencies())
    units = draw(st.one_of(st.integers(-(10**6), 10**6), st.integers(-(10**13), 10**13)))
    total = Money(Decimal(units).scaleb(-precision(currency)), currency)
    return draw(shares(currency)), total, draw(ost.invoice_dates())


def exact_shares(term: PaymentTerm, total: Money) -> list[Fraction]:
    """Each installment's exact share of ``abs(total)``, computed from the definitions."""
    whole = Fraction(abs(total.amount))
    taken = Fraction(0)
    exact = []
    for installment in term.installments:
        if installment.kind is ShareKind.FIXED:
            assert installment.amount is not None
            share = Fraction(installment.amount.amount)
        elif installment.kind is ShareKind.PERCENT:
            share = whole * Fraction(installment.percent or 0) / 100
        elif installment.kind is ShareKind.PERCENT_OF_BALANCE:
            share = (whole - taken) * Fraction(installment.percent or 0) / 100
        else:
            share = whole - taken
        exact.append(share)
        taken += share
    return exact


@given(cases())
def test_a_schedule_sums_to_the_total_exactly(case: Case) -> None:
    term, total, invoice_date = case
    exact = exact_shares(term, total)
    refusal = None
    try:
        schedule = term.schedule(total, invoice_date)
    except InstallmentsExceedTotal as error:
        refusal = error
    if refusal is not None:
        # only when the stated shares take more than the whole, give or take the rounding
        slack = Fraction(quantum(total.currency)) * len(term.installments)
        assert exact[-1] < slack
        assert isinstance(refusal.scheduled, Money)
        assert abs(refusal.scheduled) > abs(total)
        return
    assert sum(i.amount for i in schedule) == total
    step = Fraction(quantum(total.currency))
    sign = -1 if total.amount < 0 else 1
    for installment, scheduled, share in zip(term.installments, schedule, exact, strict=True):
        assert scheduled.amount.amount * sign >= 0
        if installment.kind is ShareKind.FIXED:
            assert abs(scheduled.amount) == (installment.amount if total.amount else 0 * total)
        elif installment.kind is not ShareKind.REMAINDER:
            assert abs(Fraction(abs(scheduled.amount.amount)) - share) < step


@given(cases())
def test_dropping_zero_installments_keeps_the_sum_and_the_last(case: Case) -> None:
    term, total, invoice_date = case
    try:
        kept = term.schedule(total, invoice_date)
    except InstallmentsExceedTotal:
        return
    dropped = term.schedule(total, invoice_date, drop_zero=True)
    assert sum(i.amount for i in dropped) == total
    assert dropped[-1] == kept[-1]
    assert all(i.amount.amount for i in dropped[:-1])
    assert list(dropped[:-1]) == [i for i in kept[:-1] if i.amount.amount]


@given(cases())
def test_due_dates_of_composed_rules_are_never_before_the_invoice_date(case: Case) -> None:
    term, _, invoice_date = case
    for installment in term.installments:
        assert installment.due.due_date(invoice_date) >= invoice_date


def test_the_strategy_makes_every_kind_of_share() -> None:
    seen: set[ShareKind] = set()

    @given(cases())
    def collect(case: Case) -> None:
        seen.update(i.kind for i in case[0].installments)

    collect()
    assert seen == set(ShareKind)


def test_a_zero_total_owes_nothing_with_balances_too() -> None:
    term = PaymentTerm(
        name="Half of the balance",
        installments=[
            Installment.fixed(Money("10.00", "EUR"), due=DueRule.days_after(0)),
            Installment.percentage_of_balance("50", due=DueRule.days_after(30)),
            Installment.remainder(due=DueRule.days_after(60)),
        ],
    )
    schedule = term.schedule(Money("0.00", "EUR"), dt.date(2026, 11, 23))
    assert [str(i.amount) for i in schedule] == ["EUR 0.00"] * 3
