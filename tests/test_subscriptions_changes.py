"""Subscriptions: billing periods, mid-period changes, cancellations and pauses."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.errors import (
    ChangeOutOfOrder,
    CurrencyMismatch,
    InvalidSubscription,
    InvalidType,
    OrdercoreError,
    PeriodBilledAlready,
    SubscriptionEnded,
    TextTooLong,
)
from ordercore.money import Money
from ordercore.pricing import Discount, Line, Tax
from ordercore.subscriptions import (
    Alignment,
    BillingRecord,
    Change,
    Interval,
    LineRole,
    Pause,
    Period,
    Schedule,
    StubPolicy,
    Subscription,
    Timing,
)

D = dt.date
VAT = Tax.percent("VAT", "20")


def plan(price: str, quantity: str = "1", name: str = "Pro plan") -> Line:
    return Line(description=name, quantity=quantity, unit_price=Money(price, "EUR"), taxes=[VAT])


def monthly(**options: object) -> Schedule:
    return Schedule(start=D(2026, 1, 1), interval=Interval.months(1), **options)  # type: ignore[arg-type]


def subscribe(schedule: Schedule | None = None, **items: Line) -> Subscription:
    return Subscription.start(
        schedule=schedule or monthly(), items=items or {"plan": plan("31.00")}
    )


def total(changes: list[Change]) -> Money:
    return sum((c.total for c in changes[1:]), changes[0].total)


# -- billing periods --------------------------------------------------------------------------


def test_a_whole_period_is_billed_at_factor_one() -> None:
    subscription, bill = subscribe().bill(0)
    [line] = bill.lines
    assert (line.role, line.item, line.factor, line.amount) == (
        LineRole.CHARGE,
        "plan",
        1,
        Money("31.00", "EUR"),
    )
    assert line.span == Period(index=0, start=D(2026, 1, 1), end=D(2026, 2, 1))
    assert line.line.description == "Pro plan, 2026-01-01 to 2026-01-31"
    assert bill.priced().totals.tax_inclusive == Money("37.20", "EUR")
    assert subscription.record.billed("plan", 0) == Money("31.00", "EUR")
    assert subscription.record.is_billed(0)


def test_a_period_is_billed_once() -> None:
    subscription, _ = subscribe().bill(0)
    with pytest.raises(PeriodBilledAlready) as error:
        subscription.bill(0)
    assert (error.value.index, error.value.start, error.value.end) == (
        0,
        D(2026, 1, 1),
        D(2026, 2, 1),
    )


@pytest.mark.parametrize(
    ("stub", "factor", "lines"),
    [
        (StubPolicy.PRORATED, Fraction(22, 31), 1),
        (StubPolicy.FULL, Fraction(1), 1),
        (StubPolicy.FREE, Fraction(0), 1),
    ],
)
def test_a_stub_is_billed_by_its_policy(stub: StubPolicy, factor: Fraction, lines: int) -> None:
    schedule = Schedule(
        start=D(2026, 1, 10), interval=Interval.months(1), alignment=Alignment.CALENDAR, stub=stub
    )
    _, bill = subscribe(schedule).bill(-1)
    assert len(bill.lines) == lines
    assert bill.lines[0].factor == factor
    assert bill.total == Money(Decimal(31) * Decimal(factor.numerator) / factor.denominator, "EUR")


def test_a_free_stub_credits_nothing_when_changed() -> None:
    schedule = Schedule(
        start=D(2026, 1, 10),
        interval=Interval.months(1),
        alignment=Alignment.CALENDAR,
        stub=StubPolicy.FREE,
    )
    subscription, _ = subscribe(schedule).bill(-1)
    _, change = subscription.change(D(2026, 1, 20), "plan", plan("62.00"))
    assert change.total == Money("0.00", "EUR")


def test_billing_in_arrears_splits_the_period_at_a_change() -> None:
    subscription = subscribe(monthly(timing=Timing.IN_ARREARS))
    subscription, change = subscription.change(
        D(2026, 1, 10), "plan", plan("62.00", name="Team plan")
    )
    assert change.lines == ()  # nothing was billed yet: nothing to credit or charge
    _, bill = subscription.bill(0)
    assert [(p.span.start, p.factor, p.amount.amount) for p in bill.lines] == [
        (D(2026, 1, 1), Fraction(9, 31), Decimal("9.00")),
        (D(2026, 1, 10), Fraction(22, 31), Decimal("44.00")),
    ]


# -- mid-period changes -----------------------------------------------------------------------


def test_a_mid_cycle_upgrade_credits_the_unused_days_and_charges_the_new_price() -> None:
    subscription, _ = subscribe().bill(0)
    subscription, change = subscription.change(
        D(2026, 1, 10), "plan", plan("62.00", name="Team plan")
    )
    [credit] = change.credits
    [charge] = change.charges
    assert (credit.factor, credit.amount) == (Fraction(22, 31), Money("-22.00", "EUR"))
    assert (charge.factor, charge.amount) == (Fraction(22, 31), Money("44.00", "EUR"))
    assert credit.span == charge.span == Period(index=0, start=D(2026, 1, 10), end=D(2026, 2, 1))
    assert (
        credit.line.description
        == "Credit: Pro plan, 2026-01-10 to 2026-01-31 (22/31 of the period)"
    )
    assert (credit.line.quantity, credit.line.base_quantity) == (Decimal(-22), Decimal(31))
    priced = change.priced()
    assert [line.gross for line in priced.lines] == [credit.amount, charge.amount]
    assert priced.totals.tax_inclusive == Money("26.40", "EUR")
    assert subscription.record.billed("plan", 0) == Money("75.00", "EUR")
    assert subscription.record.credited("plan", 0) == Money("22.00", "EUR")


def test_a_quantity_change_adds_and_removes_seats() -> None:
    subscription, _ = subscribe(seats=plan("10.00", "5", "Seats")).bill(0)
    subscription, more = subscription.change(D(2026, 1, 17), "seats", plan("10.00", "8", "Seats"))
    assert more.total == Money("14.52", "EUR")  # 8 - 5 seats for 15 of 31 days
    assert [p.amount.amount for p in more.lines] == [Decimal("-24.19"), Decimal("38.71")]


def test_adding_and_removing_items() -> None:
    subscription, _ = subscribe().bill(0)
    subscription, added = subscription.change(
        D(2026, 1, 21), "support", plan("31.00", name="Support")
    )
    assert [(p.role, p.factor) for p in added.lines] == [(LineRole.CHARGE, Fraction(11, 31))]
    subscription, removed = subscription.change(D(2026, 1, 26), "support", None)
    assert [(p.role, p.factor) for p in removed.lines] == [(LineRole.CREDIT, Fraction(6, 31))]
    _, bill = subscription.bill(1)
    assert [p.item for p in bill.lines] == ["plan"]
    assert subscription.keys == ("plan", "support")


def test_a_change_credits_periods_billed_ahead_too() -> None:
    subscription, _ = subscribe().bill(0)
    subscription, _ = subscription.bill(1)
    _, change = subscription.change(D(2026, 1, 10), "plan", plan("62.00"))
    assert [(p.period.index, p.role, p.factor) for p in change.lines] == [
        (0, LineRole.CREDIT, Fraction(22, 31)),
        (1, LineRole.CREDIT, Fraction(1)),
        (0, LineRole.CHARGE, Fraction(22, 31)),
        (1, LineRole.CHARGE, Fraction(1)),
    ]


def test_changes_come_in_time_order() -> None:
    subscription, _ = subscribe().bill(0)
    subscription, _ = subscription.change(D(2026, 1, 20), "plan", plan("62.00"))
    with pytest.raises(ChangeOutOfOrder) as error:
        subscription.change(D(2026, 1, 10), "plan", plan("31.00"))
    assert (error.value.at, error.value.last) == (D(2026, 1, 10), D(2026, 1, 20))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.change(D(2025, 12, 31), "plan", plan("1.00")), "at"),
        (lambda s: s.change(D(2026, 1, 5), "", plan("1.00")), "key"),
        (lambda s: s.change(D(2026, 1, 5), "k" * 101, plan("1.00")), "key"),
        (lambda s: s.change(D(2026, 1, 5), "plan", plan("1.00", "-1")), "quantity"),
        (
            lambda s: s.change(
                D(2026, 1, 5),
                "plan",
                Line(
                    description="Plan",
                    quantity="1",
                    unit_price=Money("9.00", "EUR"),
                    discounts=[Discount.per_line(Money("1.00", "EUR"))],
                ),
            ),
            "discounts",
        ),
    ],
)
def test_bad_changes_are_refused_before_anything_changes(change: object, field: str) -> None:
    subscription, _ = subscribe().bill(0)
    with pytest.raises((InvalidSubscription, InvalidType)) as error:
        change(subscription)  # type: ignore[operator]
    assert error.value.field == field  # type: ignore[union-attr]
    assert subscription.record.last_change is None


def test_wrong_types_and_currencies_are_refused() -> None:
    subscription, _ = subscribe().bill(0)
    with pytest.raises(InvalidType) as error:
        subscription.change("2026-01-05", "plan", plan("1.00"))  # type: ignore[arg-type]
    assert error.value.field == "at"
    with pytest.raises(InvalidType) as error:
        subscription.change(D(2026, 1, 5), "plan", "Pro")  # type: ignore[arg-type]
    assert error.value.field == "line"
    usd = Line(description="Plan", quantity="1", unit_price=Money("1.00", "USD"))
    with pytest.raises(CurrencyMismatch):
        subscription.change(D(2026, 1, 5), "plan", usd)
    with pytest.raises(CurrencyMismatch):
        Subscription.start(schedule=monthly(), items={"a": plan("1.00"), "b": usd})
    with pytest.raises(InvalidSubscription) as invalid:
        Subscription.start(schedule=monthly(), items={})
    assert invalid.value.field == "items"
    with pytest.raises(TextTooLong):
        subscription.change(D(2026, 1, 5), "k" * 10_000_000, plan("1.00"))


# -- cancellation and pauses ------------------------------------------------------------------


def test_cancelling_at_once_credits_the_rest_of_the_period() -> None:
    subscription, _ = subscribe().bill(0)
    subscription, change = subscription.cancel(D(2026, 1, 20))
    assert [(p.role, p.factor, p.amount.amount) for p in change.lines] == [
        (LineRole.CREDIT, Fraction(12, 31), Decimal("-12.00"))
    ]
    assert subscription.ended == D(2026, 1, 20)
    with pytest.raises(SubscriptionEnded) as error:
        subscription.bill(1)
    assert error.value.ended == D(2026, 1, 20)
    with pytest.raises(SubscriptionEnded):
        subscription.change(D(2026, 1, 25), "plan", plan("1.00"))


def test_cancelling_at_period_end_credits_nothing_billed_for_the_period() -> None:
    subscription, _ = subscribe().bill(0)
    subscription, change = subscription.cancel(D(2026, 1, 20), at_period_end=True)
    assert change.lines == ()
    assert subscription.ended == D(2026, 2, 1)
    with pytest.raises(SubscriptionEnded):
        subscription.bill(1)


def test_a_cancelled_period_billed_in_arrears_is_prorated() -> None:
    subscription = subscribe(monthly(timing=Timing.IN_ARREARS))
    subscription, _ = subscription.cancel(D(2026, 1, 11))
    _, bill = subscription.bill(0)
    assert [(p.factor, p.amount.amount) for p in bill.lines] == [
        (Fraction(10, 31), Decimal("10.00"))
    ]


def test_a_pause_credits_its_days_and_later_periods_skip_them() -> None:
    subscription, _ = subscribe().bill(0)
    subscription, change = subscription.pause(D(2026, 1, 21), until=D(2026, 2, 11))
    assert [(p.role, p.span.start, p.span.end, p.factor) for p in change.lines] == [
        (LineRole.CREDIT, D(2026, 1, 21), D(2026, 2, 1), Fraction(11, 31))
    ]
    _, bill = subscription.bill(1)
    assert [(p.span.start, p.factor) for p in bill.lines] == [(D(2026, 2, 11), Fraction(18, 28))]
    assert subscription.pauses == (Pause(start=D(2026, 1, 21), until=D(2026, 2, 11)),)


def test_a_pause_inside_a_billed_period_charges_the_days_after_it_again() -> None:
    subscription, _ = subscribe().bill(0)
    _, change = subscription.pause(D(2026, 1, 11), until=D(2026, 1, 21))
    assert [(p.role, p.span.start, p.factor) for p in change.lines] == [
        (LineRole.CREDIT, D(2026, 1, 11), Fraction(21, 31)),
        (LineRole.CHARGE, D(2026, 1, 21), Fraction(11, 31)),
    ]
    assert change.total == Money("-10.00", "EUR")


def test_an_open_pause_lasts_until_resumed() -> None:
    subscription, _ = subscribe().bill(0)
    subscription, _ = subscription.pause(D(2026, 1, 11))
    with pytest.raises(InvalidSubscription):
        subscription.pause(D(2026, 1, 12))
    subscription, _ = subscription.bill(1)
    subscription, resumed = subscription.resume(D(2026, 2, 15))
    assert [(p.period.index, p.role, p.factor) for p in resumed.lines] == [
        (1, LineRole.CHARGE, Fraction(14, 28))
    ]
    _, bill = subscription.bill(2)
    assert [p.factor for p in bill.lines] == [1]
    with pytest.raises(InvalidSubscription):
        subscription.resume(D(2026, 3, 15))


# -- printing ---------------------------------------------------------------------------------


def test_bills_changes_and_subscriptions_print_well() -> None:
    subscription, bill = subscribe().bill(0)
    assert (
        repr(bill)
        == "Bill(period='2026-01-01 to 2026-02-01', lines=1, total=Money('31.00', 'EUR'))"
    )
    subscription, change = subscription.change(D(2026, 1, 10), "plan", plan("62.00"))
    assert repr(change) == (
        "Change(at='2026-01-10', what='plan: 1 x 31.00 -> 1 x 62.00 EUR', credits=1, charges=1, "
        "total=Money('22.00', 'EUR'))"
    )
    text = change.to_text()
    assert text.splitlines()[0] == "Change on 2026-01-10: plan: 1 x 31.00 -> 1 x 62.00 EUR"
    assert "22/31" in text
    assert "Amount due" in text
    assert "<table" in change._repr_html_()
    assert repr(subscription) == (
        "Subscription(schedule=Schedule(start='2026-01-01', interval=Interval.months(1)), "
        "items=['plan'], currency='EUR', billed=1)"
    )
    assert "period 0 plan: 75.00 billed, 22.00 credited" in subscription.to_text()
    assert "<pre>" in subscription._repr_html_()
    assert repr(change.credits[0]).startswith("ProratedLine(role=LineRole.CREDIT, item='plan'")
    assert repr(subscription.record) == "BillingRecord(periods=1, entries=2)"


# -- properties -------------------------------------------------------------------------------

prices = st.integers(1, 10**6).map(lambda cents: Money(Decimal(cents) / 100, "EUR"))
quantities = st.integers(0, 20)


@st.composite
def changes(draw: st.DrawFn) -> list[tuple[int, str, Line | None]]:
    """Up to eight changes of two items, on days from 0 to 80 after the start, in order."""
    days = sorted(draw(st.lists(st.integers(0, 80), min_size=1, max_size=8)))
    out = []
    for day in days:
        key = draw(st.sampled_from(["plan", "seats"]))
        line = None
        if draw(st.booleans()):
            line = Line(
                description=key, quantity=Decimal(draw(quantities)), unit_price=draw(prices)
            )
        out.append((day, key, line))
    return out


schedules = st.builds(
    Schedule,
    start=st.just(D(2026, 1, 10)),
    interval=st.sampled_from([Interval.months(1), Interval.weeks(2), Interval.quarters(1)]),
    alignment=st.sampled_from([Alignment.ANNIVERSARY, Alignment.CALENDAR]),
    stub=st.sampled_from(StubPolicy),
)


@given(schedule=schedules, steps=changes(), ahead=st.integers(1, 3))
def test_credits_never_exceed_what_was_billed(
    schedule: Schedule, steps: list[tuple[int, str, Line | None]], ahead: int
) -> None:
    subscription = Subscription.start(
        schedule=schedule,
        items={"plan": Line(description="plan", quantity="1", unit_price=Money("99.99", "EUR"))},
    )
    for index in range(schedule.first_index, schedule.first_index + ahead):
        subscription, _ = subscription.bill(index)
    credited: dict[tuple[str, int], Money] = {}
    for day, key, line in steps:
        subscription, change = subscription.change(
            schedule.start + dt.timedelta(days=day), key, line
        )
        for credit in change.credits:
            slot = (credit.item, credit.period.index)
            credited[slot] = credited.get(slot, Money("0", "EUR")) - credit.amount
            billed = subscription.record.billed(*slot)
            assert billed is not None
            assert credited[slot] <= billed
    for entry in subscription.record.entries:
        assert Money("0", "EUR") <= entry.credited <= entry.amount
    for (key, index), amount in credited.items():
        assert subscription.record.credited(key, index) == amount


@given(
    schedule=schedules,
    day=st.integers(0, 60),
    old=prices,
    new=prices,
    quantity=st.integers(1, 50),
    ahead=st.integers(1, 3),
)
def test_an_upgrade_then_a_downgrade_back_at_the_same_instant_nets_to_zero(
    *, schedule: Schedule, day: int, old: Money, new: Money, quantity: int, ahead: int
) -> None:
    first = Line(description="plan", quantity=Decimal(quantity), unit_price=old, taxes=[VAT])
    subscription = Subscription.start(schedule=schedule, items={"plan": first})
    for index in range(schedule.first_index, schedule.first_index + ahead):
        subscription, _ = subscription.bill(index)
    at = schedule.start + dt.timedelta(days=day)
    upgraded = Line(description="plan", quantity=Decimal(quantity), unit_price=new, taxes=[VAT])
    subscription, up = subscription.change(at, "plan", upgraded)
    subscription, down = subscription.change(at, "plan", first)
    assert total([up, down]) == Money("0", "EUR")
    assert up.priced().totals.tax_inclusive + down.priced().totals.tax_inclusive == Money(
        "0", "EUR"
    )


@given(schedule=schedules, cut=st.integers(1, 80), ahead=st.integers(1, 3))
def test_what_is_left_of_each_period_after_changes_is_its_share_of_the_whole(
    schedule: Schedule, cut: int, ahead: int
) -> None:
    line = Line(description="plan", quantity="1", unit_price=Money("100.00", "EUR"))
    subscription = Subscription.start(schedule=schedule, items={"plan": line})
    for index in range(schedule.first_index, schedule.first_index + ahead):
        subscription, _ = subscription.bill(index)
    subscription, _ = subscription.change(schedule.start + dt.timedelta(days=cut), "plan", line)
    for billed in subscription.record.periods:
        live = sum(
            (
                e.factor
                * (
                    Fraction(schedule.days(e.start, e.live_end), schedule.days(e.start, e.end))
                    if schedule.days(e.start, e.end)
                    else Fraction(e.live_end == e.end)
                )
                for e in subscription.record.entries
                if e.index == billed.period.index
            ),
            Fraction(0),
        )
        assert live == billed.factor


def test_a_change_in_the_trial_bills_from_the_trials_end() -> None:
    schedule = monthly(trial_end=D(2026, 1, 15))
    subscription = subscribe(schedule)
    subscription, change = subscription.change(D(2026, 1, 5), "plan", plan("62.00"))
    assert change.lines == ()
    _, bill = subscription.bill(0)
    assert [(p.span.start, p.amount.amount) for p in bill.lines] == [
        (D(2026, 1, 15), Decimal("62.00"))
    ]


def test_a_cancellation_in_the_trial_bills_nothing() -> None:
    subscription, _ = subscribe(monthly(trial_end=D(2026, 1, 15))).cancel(D(2026, 1, 5))
    with pytest.raises(SubscriptionEnded):
        subscription.bill(0)


# -- hostile input ----------------------------------------------------------------------------

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates(),
    st.decimals(allow_nan=True),
    st.fractions(),
    st.sampled_from([Interval.months(1), Alignment.CALENDAR, StubPolicy.FREE, Timing.IN_ARREARS]),
)


@given(
    start=st.one_of(st.dates(), anything),
    interval=st.one_of(st.just(Interval.months(1)), anything),
    alignment=st.one_of(st.sampled_from(Alignment), anything),
    billing_day=anything,
    trial_end=anything,
    end=anything,
    term=anything,
)
def test_only_ordercore_errors_escape_a_schedule(
    *,
    start: object,
    interval: object,
    alignment: object,
    billing_day: object,
    trial_end: object,
    end: object,
    term: object,
) -> None:
    try:
        schedule = Schedule(
            start=start,  # type: ignore[arg-type]
            interval=interval,  # type: ignore[arg-type]
            alignment=alignment,  # type: ignore[arg-type]
            billing_day=billing_day,  # type: ignore[arg-type]
            trial_end=trial_end,  # type: ignore[arg-type]
            end=end,  # type: ignore[arg-type]
            term=term,  # type: ignore[arg-type]
        )
        subscription = Subscription.start(schedule=schedule, items={"plan": plan("9.99")})
        subscription, _ = subscription.bill(schedule.first_index)
        subscription.change(schedule.billing_start, "plan", plan("19.99"))
    except OrdercoreError:
        pass


@given(at=anything, key=anything, line=st.one_of(anything, st.just(plan("5.00"))))
def test_only_ordercore_errors_escape_a_change(at: object, key: object, line: object) -> None:
    subscription, _ = subscribe().bill(0)
    with contextlib.suppress(OrdercoreError):
        subscription.change(at, key, line)  # type: ignore[arg-type]


def test_a_record_is_made_of_its_own_values() -> None:
    with pytest.raises(InvalidType) as error:
        BillingRecord(entries=[])  # type: ignore[arg-type]
    assert error.value.field == "entries"
    with pytest.raises(InvalidType) as error:
        BillingRecord(last_change="2026-01-01")
    assert error.value.field == "last_change"


def test_printing_escapes_what_users_wrote() -> None:
    item = Line(description="<b>Pro</b> & co", quantity="1", unit_price=Money("10.00", "EUR"))
    subscription = Subscription.start(schedule=monthly(), items={"<i>": item})
    subscription, bill = subscription.bill(0)
    html = bill.to_html()
    assert "<b>" not in html
    assert "&lt;b&gt;Pro&lt;/b&gt; &amp; co" in html
    assert "&lt;i&gt;" in html
    assert "<i>" not in subscription._repr_html_()
    assert str(bill) == bill.to_text()
    assert str(subscription) == subscription.to_text()
    assert str(subscription.schedule) == subscription.schedule.to_text()


@given(
    days=st.lists(st.integers(1, 30), max_size=6),
    prices=st.lists(prices, min_size=6, max_size=6),
)
def test_the_factors_of_a_period_billed_in_arrears_after_changes_sum_to_one(
    days: list[int], prices: list[Money]
) -> None:
    schedule = monthly(timing=Timing.IN_ARREARS)
    subscription = subscribe(schedule)
    for day, price in zip(sorted(days), prices, strict=False):
        line = Line(description="plan", quantity="1", unit_price=price)
        subscription, _ = subscription.change(D(2026, 1, 1) + dt.timedelta(days=day), "plan", line)
    _, bill = subscription.bill(0)
    assert sum(p.factor for p in bill.lines) == 1
    assert [p.span.start for p in bill.lines] == sorted({p.span.start for p in bill.lines})
    assert bill.lines[0].span.start == D(2026, 1, 1)
    assert bill.lines[-1].span.end == D(2026, 2, 1)
