"""Billing schedules: anchors that never drift, alignments, stubs, terms, day counts, bounds."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from fractions import Fraction

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from ordercore.errors import InvalidSchedule, InvalidType, PeriodOutOfRange
from ordercore.subscriptions import (
    MAX_PERIODS,
    Alignment,
    DayCount,
    Interval,
    IntervalUnit,
    Period,
    Schedule,
    StubPolicy,
    Timing,
    days_between,
)

D = dt.date
MONTHLY = Interval.months(1)

dates = st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31))
month_intervals = st.builds(
    Interval,
    unit=st.sampled_from([IntervalUnit.MONTH, IntervalUnit.QUARTER, IntervalUnit.YEAR]),
    count=st.integers(1, 4),
)
day_intervals = st.builds(
    Interval, unit=st.sampled_from([IntervalUnit.DAY, IntervalUnit.WEEK]), count=st.integers(1, 30)
)
intervals = st.one_of(month_intervals, day_intervals)


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


# -- month-end anchors ------------------------------------------------------------------------


def test_an_anchor_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    schedule = Schedule(start=D(2026, 1, 31), interval=MONTHLY)
    starts = [schedule.period(k).start for k in range(5)]
    assert starts == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
        D(2026, 5, 31),
    ]


def test_a_leap_year_february_ends_on_the_29th() -> None:
    schedule = Schedule(start=D(2024, 1, 31), interval=MONTHLY)
    assert schedule.period(1) == Period(index=1, start=D(2024, 2, 29), end=D(2024, 3, 31))


def test_an_anchor_on_the_30th_comes_back_to_the_30th_after_february() -> None:
    schedule = Schedule(start=D(2026, 1, 30), interval=MONTHLY)
    assert [schedule.boundary(k) for k in range(3)] == [
        D(2026, 1, 30),
        D(2026, 2, 28),
        D(2026, 3, 30),
    ]


@given(start=dates, interval=month_intervals)
def test_boundaries_from_an_anchor_never_drift_over_120_periods(
    start: dt.date, interval: Interval
) -> None:
    schedule = Schedule(start=start, interval=interval)
    months = interval.in_months
    assert months is not None
    previous = None
    for k in range(120):
        period = schedule.period(k)
        target = start + relativedelta(months=k * months)
        assert (period.start.year, period.start.month) == (target.year, target.month)
        assert period.start.day == min(start.day, last_day(target.year, target.month))
        if previous is not None:
            assert previous.end == period.start  # contiguous, half-open
        previous = period


@given(start=dates, interval=day_intervals)
def test_day_and_week_boundaries_are_whole_intervals_from_the_anchor(
    start: dt.date, interval: Interval
) -> None:
    schedule = Schedule(start=start, interval=interval)
    step = interval.in_days
    assert step is not None
    for k in (0, 1, 7, 119):
        assert schedule.boundary(k) == start + dt.timedelta(days=k * step)


# -- alignment --------------------------------------------------------------------------------


def test_calendar_alignment_makes_a_stub_up_to_the_first_of_the_month() -> None:
    schedule = Schedule(start=D(2026, 1, 10), interval=MONTHLY, alignment=Alignment.CALENDAR)
    assert schedule.first_index == -1
    assert schedule.period(-1) == Period(index=-1, start=D(2026, 1, 10), end=D(2026, 2, 1))
    assert schedule.whole(-1) == Period(index=-1, start=D(2026, 1, 1), end=D(2026, 2, 1))
    assert schedule.factor(schedule.period(-1)) == Fraction(22, 31)
    assert schedule.period(0).start == D(2026, 2, 1)


def test_calendar_alignment_starting_on_a_boundary_has_no_stub() -> None:
    schedule = Schedule(
        start=D(2026, 4, 1), interval=Interval.quarters(1), alignment=Alignment.CALENDAR
    )
    assert schedule.first_index == 0
    assert [p.start for p in schedule.periods(3)] == [D(2026, 4, 1), D(2026, 7, 1), D(2026, 10, 1)]


@given(start=dates, interval=intervals)
def test_calendar_boundaries_fall_on_calendar_starts(start: dt.date, interval: Interval) -> None:
    schedule = Schedule(start=start, interval=interval, alignment=Alignment.CALENDAR)
    anchor = schedule.boundary(0)
    assert start <= anchor
    months = interval.in_months
    if interval.unit is IntervalUnit.WEEK:
        assert anchor.weekday() == 0
    if months is not None:
        assert anchor.day == 1
        if 12 % months == 0:
            assert (anchor.month - 1) % months == 0
    if schedule.first_index == -1:
        assert schedule.whole(-1).start < start < anchor


@given(start=dates, day=st.integers(1, 31), count=st.integers(1, 3))
def test_a_billing_day_aligns_every_subscription_of_an_account(
    start: dt.date, day: int, count: int
) -> None:
    schedule = Schedule(
        start=start,
        interval=Interval.months(count),
        alignment=Alignment.BILLING_DAY,
        billing_day=day,
    )
    for k in range(24):
        boundary = schedule.boundary(k)
        assert boundary.day == min(day, last_day(boundary.year, boundary.month))
    assert schedule.billing_start <= schedule.boundary(0)
    assert schedule.boundary(0) - schedule.billing_start < dt.timedelta(days=32)


def test_a_billing_day_of_31_is_the_last_day_of_each_month() -> None:
    schedule = Schedule(
        start=D(2026, 2, 10), interval=MONTHLY, alignment=Alignment.BILLING_DAY, billing_day=31
    )
    assert schedule.period(-1) == Period(index=-1, start=D(2026, 2, 10), end=D(2026, 2, 28))
    assert schedule.whole(-1).start == D(2026, 1, 31)
    assert schedule.factor(schedule.period(-1)) == Fraction(18, 28)
    assert schedule.boundary(1) == D(2026, 3, 31)


# -- stubs, trials, terms, timing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("stub", "factor"),
    [
        (StubPolicy.PRORATED, Fraction(22, 31)),
        (StubPolicy.FULL, Fraction(1)),
        (StubPolicy.FREE, Fraction(0)),
    ],
)
def test_the_stub_is_billed_by_its_policy(stub: StubPolicy, factor: Fraction) -> None:
    schedule = Schedule(
        start=D(2026, 1, 10), interval=MONTHLY, alignment=Alignment.CALENDAR, stub=stub
    )
    assert schedule.factor(schedule.period(-1)) == factor
    assert schedule.factor(schedule.period(0)) == 1


def test_a_trial_moves_the_anniversary_to_its_end() -> None:
    schedule = Schedule(start=D(2026, 1, 1), trial_end=D(2026, 1, 15), interval=MONTHLY)
    assert schedule.trial == (D(2026, 1, 1), D(2026, 1, 15))
    assert schedule.billing_start == D(2026, 1, 15)
    assert schedule.period(0) == Period(index=0, start=D(2026, 1, 15), end=D(2026, 2, 15))
    with pytest.raises(PeriodOutOfRange) as error:
        schedule.index_of(D(2026, 1, 5))
    assert error.value.limit == D(2026, 1, 15)


def test_a_term_that_does_not_renew_ends_the_schedule() -> None:
    schedule = Schedule(start=D(2026, 1, 1), interval=MONTHLY, term=12, renews=False)
    assert schedule.stop == D(2027, 1, 1)
    assert schedule.last_index == 11
    assert len(list(schedule.periods(24))) == 12
    with pytest.raises(PeriodOutOfRange) as error:
        schedule.period(12)
    assert error.value.index == 12


def test_a_renewing_term_does_not_end() -> None:
    schedule = Schedule(start=D(2026, 1, 1), interval=MONTHLY, term=12)
    assert schedule.stop is None
    assert schedule.last_index is None
    assert schedule.period(30).start == D(2028, 7, 1)


def test_an_end_date_cuts_the_last_period() -> None:
    schedule = Schedule(start=D(2026, 1, 1), interval=MONTHLY, end=D(2026, 3, 10))
    last = schedule.period(2)
    assert last == Period(index=2, start=D(2026, 3, 1), end=D(2026, 3, 10))
    assert schedule.factor(last) == Fraction(9, 31)
    assert schedule.last_index == 2


def test_in_advance_bills_on_the_first_day_in_arrears_after_the_last() -> None:
    advance = Schedule(start=D(2026, 1, 1), interval=MONTHLY)
    arrears = Schedule(start=D(2026, 1, 1), interval=MONTHLY, timing=Timing.IN_ARREARS)
    assert advance.billing_date(advance.period(0)) == D(2026, 1, 1)
    assert arrears.billing_date(arrears.period(0)) == D(2026, 2, 1)


@given(start=dates, interval=intervals, offset=st.integers(0, 5000))
def test_index_of_finds_the_period_holding_a_date(
    start: dt.date, interval: Interval, offset: int
) -> None:
    schedule = Schedule(start=start, interval=interval, alignment=Alignment.CALENDAR)
    date = start + dt.timedelta(days=offset)
    period = schedule.period_of(date)
    assert date in period
    assert schedule.whole(period.index).start <= date < schedule.whole(period.index).end


# -- day counts and factors -------------------------------------------------------------------


def test_day_counts() -> None:
    assert days_between(D(2024, 2, 1), D(2024, 3, 1)) == 29
    assert days_between(D(2024, 2, 1), D(2024, 3, 1), DayCount.ACTUAL_365) == 28
    assert days_between(D(2024, 1, 1), D(2025, 1, 1), DayCount.ACTUAL_365) == 365
    assert days_between(D(2026, 1, 31), D(2026, 2, 28), DayCount.THIRTY_360) == 30
    assert days_between(D(2026, 2, 28), D(2026, 3, 31), DayCount.THIRTY_360) == 30
    assert days_between(D(2026, 1, 1), D(2027, 1, 1), DayCount.THIRTY_360) == 360


@given(start=dates, interval=month_intervals, day_count=st.sampled_from(DayCount))
def test_a_whole_period_has_factor_exactly_one(
    start: dt.date, interval: Interval, day_count: DayCount
) -> None:
    schedule = Schedule(start=start, interval=interval, day_count=day_count)
    for k in range(13):
        factor = schedule.factor(schedule.period(k))
        assert factor == 1
        assert isinstance(factor, Fraction)


@given(
    start=dates,
    interval=month_intervals,
    day_count=st.sampled_from(DayCount),
    index=st.integers(0, 40),
    cuts=st.lists(st.integers(0, 400), max_size=6),
)
def test_factors_of_consecutive_sub_periods_sum_to_one(
    start: dt.date, interval: Interval, day_count: DayCount, index: int, cuts: list[int]
) -> None:
    schedule = Schedule(start=start, interval=interval, day_count=day_count)
    whole = schedule.period(index)
    inner = sorted({whole.start + dt.timedelta(days=c % whole.days) for c in cuts} - {whole.start})
    bounds = [whole.start, *inner, whole.end]
    parts = [
        Fraction(schedule.days(a, b), schedule.days(whole.start, whole.end))
        for a, b in itertools.pairwise(bounds)
    ]
    assert sum(parts) == 1
    assert all(0 <= part <= 1 for part in parts)


@given(a=dates, b=dates, c=dates, day_count=st.sampled_from(DayCount))
def test_day_counts_add_up_over_consecutive_spans(
    a: dt.date, b: dt.date, c: dt.date, day_count: DayCount
) -> None:
    first, middle, last = sorted((a, b, c))
    assert days_between(first, middle, day_count) + days_between(
        middle, last, day_count
    ) == days_between(first, last, day_count)
    assert days_between(first, middle, day_count) >= 0


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Interval.months(0), "interval"),
        (lambda: Interval.months(121), "interval"),
        (lambda: Interval.days(10**100), "interval"),
        (lambda: Schedule(start=D(2026, 1, 1), interval=MONTHLY, billing_day=5), "billing_day"),
        (
            lambda: Schedule(
                start=D(2026, 1, 1), interval=MONTHLY, alignment=Alignment.BILLING_DAY
            ),
            "billing_day",
        ),
        (
            lambda: Schedule(
                start=D(2026, 1, 1),
                interval=MONTHLY,
                alignment=Alignment.BILLING_DAY,
                billing_day=32,
            ),
            "billing_day",
        ),
        (
            lambda: Schedule(
                start=D(2026, 1, 1),
                interval=Interval.weeks(1),
                alignment=Alignment.BILLING_DAY,
                billing_day=3,
            ),
            "interval",
        ),
        (
            lambda: Schedule(
                start=D(2026, 1, 1), interval=Interval.days(1), day_count=DayCount.THIRTY_360
            ),
            "day_count",
        ),
        (
            lambda: Schedule(start=D(2026, 1, 1), interval=MONTHLY, trial_end=D(2026, 1, 1)),
            "trial_end",
        ),
        (lambda: Schedule(start=D(2026, 1, 1), interval=MONTHLY, end=D(2025, 1, 1)), "end"),
        (lambda: Schedule(start=D(2026, 1, 1), interval=MONTHLY, term=0), "term"),
        (lambda: Schedule(start=D(9500, 1, 1), interval=MONTHLY), "start"),
        (lambda: Period(index=0, start=D(2026, 1, 2), end=D(2026, 1, 2)), "end"),
    ],
)
def test_bad_schedules_are_refused_with_the_field_at_fault(make: object, field: str) -> None:
    with pytest.raises(InvalidSchedule) as error:
        make()  # type: ignore[operator]
    assert error.value.field == field


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Interval(unit="month"), "unit"),
        (lambda: Interval.months(1.0), "count"),  # type: ignore[arg-type]
        (lambda: Interval.months(True), "count"),
        (lambda: Schedule(start="2026-01-01", interval=MONTHLY), "start"),
        (lambda: Schedule(start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), interval=MONTHLY), "start"),
        (lambda: Schedule(start=D(2026, 1, 1), interval="monthly"), "interval"),
        (lambda: Schedule(start=D(2026, 1, 1), interval=MONTHLY, timing="in_advance"), "timing"),
        (lambda: Schedule(start=D(2026, 1, 1), interval=MONTHLY, renews=1), "renews"),
        (lambda: Schedule(start=D(2026, 1, 1), interval=MONTHLY).period("1"), "index"),
        (lambda: days_between(D(2026, 1, 1), "2026-02-01"), "end"),
    ],
)
def test_wrong_types_are_refused(make: object, field: str) -> None:
    with pytest.raises(InvalidType) as error:
        make()  # type: ignore[operator]
    assert error.value.field == field


@pytest.mark.parametrize("index", [-2, MAX_PERIODS + 1, 10**100, -(10**100)])
def test_period_indexes_are_bounded(index: int) -> None:
    schedule = Schedule(start=D(2026, 1, 1), interval=MONTHLY)
    with pytest.raises(PeriodOutOfRange) as error:
        schedule.period(index)
    assert error.value.index == index
    assert error.value.limit == MAX_PERIODS


def test_boundaries_past_the_year_9999_are_refused() -> None:
    schedule = Schedule(start=D(8999, 1, 1), interval=Interval.years(10))
    with pytest.raises(PeriodOutOfRange) as error:
        schedule.period(200)
    assert error.value.index == 200
    with pytest.raises(PeriodOutOfRange):
        schedule.index_of(D(9999, 12, 31) - dt.timedelta(days=0))


def test_a_stub_period_does_not_exist_without_a_stub() -> None:
    schedule = Schedule(start=D(2026, 1, 1), interval=MONTHLY)
    with pytest.raises(PeriodOutOfRange) as error:
        schedule.period(-1)
    assert error.value.index == -1


def test_a_period_outside_its_whole_period_has_no_factor() -> None:
    schedule = Schedule(start=D(2026, 1, 1), interval=MONTHLY)
    with pytest.raises(InvalidSchedule) as error:
        schedule.factor(Period(index=0, start=D(2026, 1, 1), end=D(2026, 3, 1)))
    assert error.value.field == "period"


# -- printing ---------------------------------------------------------------------------------


def test_schedules_print_their_rules_and_periods() -> None:
    schedule = Schedule(
        start=D(2026, 1, 10),
        interval=MONTHLY,
        alignment=Alignment.CALENDAR,
        trial_end=D(2026, 1, 20),
    )
    assert repr(schedule) == (
        "Schedule(start='2026-01-10', interval=Interval.months(1), "
        "alignment=Alignment.CALENDAR, trial_end='2026-01-20')"
    )
    text = schedule.to_text(3)
    assert text.splitlines()[0] == (
        "Billing schedule: every month, calendar, in advance, stub prorated, days actual"
    )
    assert "Trial: 2026-01-10 to 2026-01-20" in text
    assert "12/31" in text  # the stub's factor
    assert len(text.splitlines()) == 2 + 1 + 3
    html = schedule._repr_html_()
    assert html.count("<tr>") == 1 + 6
    assert "12/31" in html
    assert str(schedule.period(0)) == "2026-02-01 to 2026-03-01"
    assert schedule.period(0).last_day == D(2026, 2, 28)
    assert repr(Interval.quarters(2)) == "Interval.quarters(2)"
    assert str(MONTHLY) == "every month"


def test_terms_count_periods_from_the_anchor() -> None:
    schedule = Schedule(
        start=D(2026, 1, 10), interval=MONTHLY, alignment=Alignment.CALENDAR, term=12
    )
    assert [schedule.term_of(k) for k in (-1, 0, 11, 12, 25)] == [0, 0, 0, 1, 2]
    assert schedule.renewal(0) == D(2027, 2, 1)
    assert schedule.renewal(1) == D(2028, 2, 1)
    assert Schedule(start=D(2026, 1, 1), interval=MONTHLY).term_of(5) is None
    with pytest.raises(InvalidSchedule) as error:
        Schedule(start=D(2026, 1, 1), interval=MONTHLY).renewal(0)
    assert error.value.field == "term"
    with pytest.raises(PeriodOutOfRange):
        schedule.renewal(10**9)
