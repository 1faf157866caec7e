"""Properties of payment terms: every kind of share sums exactly, every discount splits exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    AmountBreakdown,
    DiscountBase,
    DiscountExceedsBase,
    DueRule,
    EarlyPaymentDiscount,
    Installment,
    InstallmentsExceedTotal,
    Money,
    PaymentTerm,
    RoundingMode,
    ShareKind,
)
from ordercore.errors import InvalidAllocation, InvalidNumber, InvalidType, OrdercoreError
from ordercore.money import allocate, precision, quantum, round_to
from ordercore.money.allocation import allocate_units
from ordercore.money.rounding import quantizer
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
        if not total.amount:  # a zero total owes nothing, whatever the shares
            assert not scheduled.amount.amount
            continue
        if installment.kind is ShareKind.FIXED:
            assert abs(scheduled.amount) == installment.amount
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


# -- early-payment discounts -----------------------------------------------------------------


@st.composite
def breakdowns(draw: st.DrawFn, currency: str) -> AmountBreakdown:
    """An amount's untaxed part, rate taxes and per-unit taxes; negative for a credit."""
    places = precision(currency)
    sign = draw(st.sampled_from([1, -1]))

    def part(high: int) -> Money:
        return Money(Decimal(sign * draw(st.integers(0, high))).scaleb(-places), currency)

    fixed = draw(st.one_of(st.none(), st.just(True)))
    return AmountBreakdown(
        untaxed=part(10**9),
        taxes=part(10**8),
        fixed_taxes=None if fixed is None else part(10**6),
    )


@st.composite
def discounts(draw: st.DrawFn, currency: str) -> EarlyPaymentDiscount:
    base = draw(st.sampled_from(DiscountBase))
    days = draw(st.integers(0, 30))
    if draw(st.booleans()):
        percent = Decimal(draw(st.integers(1, 9999))).scaleb(-2)
        return EarlyPaymentDiscount(percent=percent, days=days, base=base)
    units = draw(st.integers(1, 10**5))
    amount = Money(Decimal(units).scaleb(-precision(currency)), currency)
    return EarlyPaymentDiscount(fixed_amount=amount, days=days, base=base)


DiscountCase = tuple[EarlyPaymentDiscount, AmountBreakdown, RoundingMode]


@st.composite
def discount_cases(draw: st.DrawFn) -> DiscountCase:
    currency = draw(ost.currencies())
    return (
        draw(discounts(currency)),
        draw(breakdowns(currency)),
        draw(st.sampled_from(RoundingMode)),
    )


@given(discount_cases())
def test_a_discount_s_split_sums_to_it_and_leaves_nothing_negative(case: DiscountCase) -> None:
    discount, breakdown, mode = case
    base = breakdown.untaxed
    if discount.base is DiscountBase.TOTAL:
        base = breakdown.untaxed + breakdown.taxes
    refusal = None
    try:
        split = discount.split(breakdown, mode)
    except DiscountExceedsBase as error:
        refusal = error
    if refusal is not None:
        assert discount.fixed_amount is not None
        assert discount.fixed_amount > abs(base)
        return
    assert split.untaxed + split.taxes == split.total
    assert abs(split.total) <= abs(base)  # what is left to pay early is never negative
    assert split.total.amount * base.amount >= 0  # a credit's discount is negative
    if discount.base is not DiscountBase.TOTAL:
        assert not split.taxes.amount
    elif base.amount:
        exact = Fraction(split.total.amount) * Fraction(breakdown.taxes.amount)
        exact /= Fraction(base.amount)
        assert abs(Fraction(split.taxes.amount) - exact) < Fraction(quantum(base.currency))
    if discount.percent is not None:
        exact_total = Fraction(base.amount) * Fraction(discount.percent) / 100
        assert abs(Fraction(split.total.amount) - exact_total) <= Fraction(quantum(base.currency))


DiscountedTerm = tuple[PaymentTerm, EarlyPaymentDiscount, AmountBreakdown, RoundingMode]


@st.composite
def discounted_terms(draw: st.DrawFn) -> DiscountedTerm:
    """A term whose installments all have one discount, and a breakdown to schedule."""
    currency = draw(ost.currencies())
    term, discount = draw(shares(currency)), draw(discounts(currency))
    installments = [
        Installment(kind=i.kind, due=i.due, percent=i.percent, amount=i.amount, discount=discount)
        if i.due.days_only is None or i.due.days_only >= discount.days
        else i
        for i in term.installments
    ]
    term = PaymentTerm(name=term.name, installments=installments)
    return term, discount, draw(breakdowns(currency)), draw(st.sampled_from(RoundingMode))


@given(discounted_terms(), ost.invoice_dates())
def test_every_installment_paid_early_owes_its_amount_less_a_split_discount(
    case: DiscountedTerm, invoice_date: dt.date
) -> None:
    term, discount, breakdown, mode = case
    total = breakdown.total
    try:
        schedule = term.schedule(total, invoice_date, mode, breakdown=breakdown)
    except (InstallmentsExceedTotal, DiscountExceedsBase):
        return
    assert sum(i.amount for i in schedule) == total
    for scheduled in schedule:
        if scheduled.discount_amount is None:
            assert scheduled.amount_if_paid_early == scheduled.amount
            continue
        assert scheduled.discount_deadline == invoice_date + dt.timedelta(days=discount.days)
        assert scheduled.discount_applies(scheduled.discount_deadline)
        early = scheduled.amount_if_paid_early
        assert early.amount * scheduled.amount.amount >= 0  # never past zero
        assert abs(early) <= abs(scheduled.amount)
        untaxed, taxes = scheduled.discount_untaxed, scheduled.discount_taxes
        assert untaxed is not None
        assert taxes is not None
        assert untaxed + taxes == scheduled.discount_amount


# -- the integer paths schedule takes are the library's one rule ----------------------------


@given(
    st.integers(-(10**15), 10**15),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=6).filter(any),
)
def test_allocating_units_is_allocate_in_quanta(units: int, weights: list[int]) -> None:
    cent = Decimal("0.01")
    expected = allocate(Decimal(units).scaleb(-2), weights, cent)
    assert [Decimal(part).scaleb(-2) for part in allocate_units(units, weights)] == expected


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=6),
    st.sampled_from([Decimal(1), Decimal("0.01"), Decimal("0.001")]),
    st.sampled_from(RoundingMode),
)
def test_a_quantizer_rounds_as_round_to(value: Decimal, step: Decimal, mode: RoundingMode) -> None:
    assert quantizer(step, mode)(value) == round_to(value, step, mode)


def test_allocating_units_refuses_what_is_no_split() -> None:
    refused = [
        ((10, []), InvalidType),
        ((10, [0, 0]), InvalidAllocation),
        ((10, [1, -1]), InvalidAllocation),
        ((10, [True]), InvalidAllocation),
        ((10, [[1]]), InvalidAllocation),
        ((1.0, [1]), InvalidType),
    ]
    for (units, weights), error in refused:
        with pytest.raises(error) as caught:
            allocate_units(units, weights)  # type: ignore[arg-type]
        assert type(caught.value) is error
    with pytest.raises(InvalidNumber):
        quantizer(Decimal("0.05"), RoundingMode.HALF_UP)


@given(ost.payment_terms(discounts=True))
def test_a_notation_reads_back_as_itself(term: PaymentTerm) -> None:
    notation = term.notation
    if notation is None:
        return
    again = PaymentTerm.parse(notation)
    assert again.notation == notation
    assert [i.percent for i in again.installments] == [i.percent for i in term.installments]
    for mine, theirs in zip(again.installments, term.installments, strict=True):
        assert mine.due.due_date(dt.date(2026, 11, 23)) == theirs.due.due_date(
            dt.date(2026, 11, 23)
        )


@given(st.one_of(st.text(max_size=40), st.from_regex(r"\d{1,6}(/\d{1,6})? ?[Nn]et \d{1,6}( EOM)?")))
def test_only_ordercore_errors_escape_parsing_a_notation(text: str) -> None:
    try:
        term = PaymentTerm.parse(text)
    except OrdercoreError:
        return
    notation = term.notation
    assert notation is None or PaymentTerm.parse(notation).notation == notation
