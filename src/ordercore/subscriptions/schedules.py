"""Billing schedules: when a subscription's periods start and end, and how days count.

A :class:`Schedule` cuts time into half-open periods ``[start, end)``: the period ends the
day before its ``end`` date, which is the next period's ``start``. Every boundary is
computed from the **anchor** and the period's index, never from the boundary before it,
so a month-end anchor never drifts (31 January, 28 or 29 February, 31 March, ...):

>>> import datetime as dt
>>> schedule = Schedule(start=dt.date(2026, 1, 31), interval=Interval.months(1))
>>> [str(schedule.period(k)) for k in range(3)]
['2026-01-31 to 2026-02-28', '2026-02-28 to 2026-03-31', '2026-03-31 to 2026-04-30']

Periods are numbered from the anchor: period 0 starts on it, period ``k`` starts on the
anchor plus ``k`` intervals. When the first anchor comes after the start (calendar
alignment, an account-wide billing day), the days before it form a **stub**, period
``-1``: part of the whole period that ends on the anchor.

>>> schedule = Schedule(start=dt.date(2026, 1, 10), interval=Interval.months(1),
...                     alignment=Alignment.CALENDAR)
>>> stub = schedule.period(-1)
>>> stub, schedule.whole(-1)
(Period(index=-1, start='2026-01-10', end='2026-02-01'), Period(index=-1, start='2026-01-01', end='2026-02-01'))
>>> schedule.factor(stub)
Fraction(22, 31)
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import html as _html
from collections.abc import Iterator
from fractions import Fraction
from typing import TypeVar

import attrs
from dateutil.relativedelta import relativedelta

from ordercore._convert import pickled_as_tuple, unchecked
from ordercore.errors import InvalidSchedule, InvalidType, PeriodOutOfRange

__all__ = [
    "MAX_PERIODS",
    "Alignment",
    "DayCount",
    "Interval",
    "IntervalUnit",
    "Period",
    "Schedule",
    "StubPolicy",
    "Timing",
    "days_between",
]

#: The highest period index a schedule reaches (1000 years of monthly periods).
MAX_PERIODS = 12_000
#: Calendar alignment counts intervals from this date, a Monday and a 1 January.
_EPOCH = dt.date(2001, 1, 1)
_ONE_DAY = dt.timedelta(days=1)
_WHOLE = Fraction(1)
E = TypeVar("E", bound=enum.Enum)


class IntervalUnit(enum.Enum):
    """The unit of a billing interval."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    def __repr__(self) -> str:
        return f"IntervalUnit.{self.name}"


#: The most of each unit one interval may span (ten years' worth).
_MAX_COUNT = {
    IntervalUnit.DAY: 3660,
    IntervalUnit.WEEK: 522,
    IntervalUnit.MONTH: 120,
    IntervalUnit.QUARTER: 40,
    IntervalUnit.YEAR: 10,
}
_MONTHS = {IntervalUnit.MONTH: 1, IntervalUnit.QUARTER: 3, IntervalUnit.YEAR: 12}


def _unit(value: object) -> IntervalUnit:
    if not isinstance(value, IntervalUnit):
        raise InvalidType(value, expected="an IntervalUnit", field="unit")
    return value


def _count(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidType(value, expected="an int", field="count")
    return value


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Interval:
    """How long one period is: ``count`` days, weeks, months, quarters or years.

    >>> Interval.months(3) == Interval.quarters(1), str(Interval.weeks(2))
    (False, 'every 2 weeks')

    A quarter is three months and a year twelve, counted from the anchor; the two
    intervals above cut the same periods but say different things, so they are not equal.
    """

    unit: IntervalUnit = attrs.field(converter=_unit)
    count: int = attrs.field(default=1, converter=_count)

    def __attrs_post_init__(self) -> None:
        limit = _MAX_COUNT[self.unit]
        if not 1 <= self.count <= limit:
            raise InvalidSchedule(
                self.count,
                reason=f"an interval is 1 to {limit} {self.unit.value}s",
                field="interval",
            )

    @classmethod
    def days(cls, count: int = 1) -> Interval:
        """Every ``count`` days."""
        return cls(unit=IntervalUnit.DAY, count=count)

    @classmethod
    def weeks(cls, count: int = 1) -> Interval:
        """Every ``count`` weeks."""
        return cls(unit=IntervalUnit.WEEK, count=count)

    @classmethod
    def months(cls, count: int = 1) -> Interval:
        """Every ``count`` months."""
        return cls(unit=IntervalUnit.MONTH, count=count)

    @classmethod
    def quarters(cls, count: int = 1) -> Interval:
        """Every ``count`` quarters (three months each)."""
        return cls(unit=IntervalUnit.QUARTER, count=count)

    @classmethod
    def years(cls, count: int = 1) -> Interval:
        """Every ``count`` years."""
        return cls(unit=IntervalUnit.YEAR, count=count)

    @property
    def in_months(self) -> int | None:
        """How many months one interval is, or ``None`` for days and weeks."""
        per = _MONTHS.get(self.unit)
        return None if per is None else per * self.count

    @property
    def in_days(self) -> int | None:
        """How many days one interval is, or ``None`` for months, quarters and years."""
        if self.unit is IntervalUnit.DAY:
            return self.count
        if self.unit is IntervalUnit.WEEK:
            return 7 * self.count
        return None

    def __repr__(self) -> str:
        return f"Interval.{self.unit.value}s({self.count})"

    def __str__(self) -> str:
        if self.count == 1:
            return f"every {self.unit.value}"
        return f"every {self.count} {self.unit.value}s"


class Alignment(enum.Enum):
    """Where a schedule's periods start.

    * ``ANNIVERSARY``: on the subscription's start (the end of its trial, if it has one),
      and on the same day of each later interval;
    * ``CALENDAR``: on calendar boundaries: the first of the month (of the quarter:
      January, April, July, October; of the year: 1 January), Mondays for weeks; intervals
      of several units count from 1 January 2001, a Monday;
    * ``BILLING_DAY``: on an account-wide day of the month (``billing_day``), shared by
      all of a customer's subscriptions, so they renew together.

    With ``CALENDAR`` and ``BILLING_DAY`` the days before the first boundary form a stub.
    """

    ANNIVERSARY = "anniversary"
    CALENDAR = "calendar"
    BILLING_DAY = "billing_day"

    def __repr__(self) -> str:
        return f"Alignment.{self.name}"


class Timing(enum.Enum):
    """When a period is billed: on its first day (in advance) or after its last (in arrears)."""

    IN_ADVANCE = "in_advance"
    IN_ARREARS = "in_arrears"

    def __repr__(self) -> str:
        return f"Timing.{self.name}"


class StubPolicy(enum.Enum):
    """How the stub (the days before the first anchor) is billed.

    * ``PRORATED``: its share of the whole period it is part of (the default);
    * ``FULL``: the whole period's price;
    * ``FREE``: nothing; the first charge is on the first anchor.
    """

    PRORATED = "prorated"
    FULL = "full"
    FREE = "free"

    def __repr__(self) -> str:
        return f"StubPolicy.{self.name}"


class DayCount(enum.Enum):
    """How the days of a span are counted for proration.

    * ``ACTUAL``: calendar days (the default);
    * ``THIRTY_360``: every month has 30 days, and a month's last day is its 30th
      (30E/360 with February's last day counted as the 30th, so that every month of a
      month-end anchor counts 30): a date counts as ``360 * year + 30 * month + day``;
    * ``ACTUAL_365``: calendar days but 29 February, so every year has 365 days.

    All three count the days of a span as the difference of two day numbers, so the
    days of consecutive spans add up to the days of the whole. The last two are for
    month, quarter and year intervals only.
    """

    ACTUAL = "actual"
    THIRTY_360 = "30/360"
    ACTUAL_365 = "actual/365"

    def __repr__(self) -> str:
        return f"DayCount.{self.name}"


def _day_number(date: dt.date, day_count: DayCount) -> int:
    """The number of ``date`` in the day count: spans count the difference of two."""
    if day_count is DayCount.ACTUAL:
        return date.toordinal()
    if day_count is DayCount.THIRTY_360:
        last = (date + _ONE_DAY).day == 1 if date < dt.date.max else True
        day = 30 if last else min(date.day, 30)
        return 360 * date.year + 30 * date.month + day
    # actual/365: leave out every 29 February up to the date
    year = date.year - 1
    leap_days = year // 4 - year // 100 + year // 400
    if _is_leap(date.year) and (date.month, date.day) > (2, 29):
        leap_days += 1
    return date.toordinal() - leap_days


@functools.lru_cache(maxsize=65536)
def _months_from(anchor: dt.date, months: int, day: int) -> dt.date:
    """``anchor`` plus ``months`` months on ``day`` (clamped to the month's last day).

    Bill runs ask for the same few boundaries over and over: they are cached.
    """
    return anchor + relativedelta(months=months, day=day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_between(start: dt.date, end: dt.date, day_count: DayCount = DayCount.ACTUAL) -> int:
    """The days of the half-open span ``[start, end)`` in ``day_count``.

    >>> days_between(dt.date(2024, 2, 1), dt.date(2024, 3, 1))
    29
    >>> days_between(dt.date(2024, 2, 1), dt.date(2024, 3, 1), DayCount.ACTUAL_365)
    28
    >>> days_between(dt.date(2024, 1, 31), dt.date(2024, 2, 29), DayCount.THIRTY_360)
    30
    """
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        raise InvalidType(start, expected="a datetime.date", field="start")
    if not isinstance(end, dt.date) or isinstance(end, dt.datetime):
        raise InvalidType(end, expected="a datetime.date", field="end")
    if not isinstance(day_count, DayCount):
        raise InvalidType(day_count, expected="a DayCount", field="day_count")
    if end < start:
        raise InvalidSchedule(end, reason=f"a span ends on or after its start {start}", field="end")
    return _day_number(end, day_count) - _day_number(start, day_count)


def _check_date(value: object, field: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidType(value, expected="a datetime.date", field=field)
    return value


def _start(value: object) -> dt.date:
    return _check_date(value, "start")


def _end(value: object) -> dt.date:
    return _check_date(value, "end")


def _trial_end(value: object) -> dt.date | None:
    return None if value is None else _check_date(value, "trial_end")


def _optional_end(value: object) -> dt.date | None:
    return None if value is None else _check_date(value, "end")


def _index(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidType(value, expected="an int", field="index")
    return value


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False, order=False)
class Period:
    """The half-open span ``[start, end)`` of a schedule's period ``index``.

    ``end`` is the first day after the period (the next period's start). A stub, or a
    period cut short by the subscription's end, is a part of its whole period
    (:meth:`Schedule.whole`).
    """

    index: int = attrs.field(converter=_index)
    start: dt.date = attrs.field(converter=_start)
    end: dt.date = attrs.field(converter=_end)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidSchedule(
                self.end, reason=f"a period ends after its start {self.start}", field="end"
            )

    @property
    def days(self) -> int:
        """How many calendar days the period has."""
        return (self.end - self.start).days

    @property
    def last_day(self) -> dt.date:
        """The period's last day (the day before ``end``)."""
        return self.end - _ONE_DAY

    def __contains__(self, date: object) -> bool:
        return isinstance(date, dt.date) and self.start <= date < self.end

    def __repr__(self) -> str:
        return f"Period(index={self.index}, start='{self.start}', end='{self.end}')"

    def __str__(self) -> str:
        return f"{self.start} to {self.end}"


def _interval(value: object) -> Interval:
    if not isinstance(value, Interval):
        raise InvalidType(
            value, expected="an Interval, such as Interval.months(1)", field="interval"
        )
    return value


def _check_enum(value: object, kind: type[E], field: str) -> E:
    if not isinstance(value, kind):
        raise InvalidType(value, expected=kind.__name__, field=field)
    return value


def _alignment(value: object) -> Alignment:
    return _check_enum(value, Alignment, "alignment")


def _timing(value: object) -> Timing:
    return _check_enum(value, Timing, "timing")


def _stub(value: object) -> StubPolicy:
    return _check_enum(value, StubPolicy, "stub")


def _day_count(value: object) -> DayCount:
    return _check_enum(value, DayCount, "day_count")


def _check_count(value: object, field: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidType(value, expected="an int or None", field=field)
    return value


def _billing_day(value: object) -> int | None:
    return _check_count(value, "billing_day")


def _term(value: object) -> int | None:
    return _check_count(value, "term")


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidType(value, expected="True or False", field="renews")
    return value


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Schedule:
    """When a subscription's periods fall, and how they are billed.

    * ``start``: the first day of service; ``trial_end``: the first day after a free
      trial (billing starts there); ``end``: the first day without service, or ``None``.
    * ``interval`` and ``alignment`` (with ``billing_day``, 1 to 31, for
      :attr:`Alignment.BILLING_DAY`) place the boundaries; a day past the end of a shorter
      month means its last day (31 means the last day of every month).
    * ``timing``: in advance or in arrears; ``stub``: how the days before the first anchor
      are billed; ``day_count``: how days count in a factor.
    * ``term``: the number of periods of a term, counted from the anchor (``None``: no
      term); ``renews``: whether a term renews when it ends. A term that does not renew
      ends the schedule at the term's end.
    """

    start: dt.date = attrs.field(converter=_start)
    interval: Interval = attrs.field(converter=_interval)
    alignment: Alignment = attrs.field(
        default=Alignment.ANNIVERSARY,
        converter=_alignment,
    )
    billing_day: int | None = attrs.field(
        default=None,
        converter=_billing_day,
    )
    timing: Timing = attrs.field(
        default=Timing.IN_ADVANCE,
        converter=_timing,
    )
    stub: StubPolicy = attrs.field(
        default=StubPolicy.PRORATED,
        converter=_stub,
    )
    day_count: DayCount = attrs.field(
        default=DayCount.ACTUAL,
        converter=_day_count,
    )
    trial_end: dt.date | None = attrs.field(
        default=None,
        converter=_trial_end,
    )
    end: dt.date | None = attrs.field(
        default=None,
        converter=_optional_end,
    )
    term: int | None = attrs.field(default=None, converter=_term)
    renews: bool = attrs.field(default=True, converter=_bool)
    #: The first boundary (period 0's start) and the day of the month boundaries fall on.
    anchor: dt.date = attrs.field(init=False, repr=False)
    anchor_day: int = attrs.field(init=False, repr=False, eq=False, hash=False)
    #: The first day after the last period: ``end``, or the end of a term that ends.
    stop: dt.date | None = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        self._check()
        months = self.interval.in_months
        begin = self.billing_start
        if self.alignment is Alignment.ANNIVERSARY:
            anchor, day = begin, begin.day
        elif self.alignment is Alignment.BILLING_DAY:
            day = self.billing_day if self.billing_day is not None else begin.day
            anchor = begin + relativedelta(day=day)
            if anchor < begin:
                anchor = begin + relativedelta(months=1, day=day)
        elif months is None:
            step = self.interval.in_days or 1
            anchor = begin + dt.timedelta(days=-(begin - _EPOCH).days % step)
            day = anchor.day
        else:
            elapsed = (begin.year - _EPOCH.year) * 12 + begin.month - 1
            ahead = -elapsed % months
            if ahead == 0 and begin.day != 1:
                ahead = months
            anchor = dt.date(begin.year, begin.month, 1) + relativedelta(months=ahead)
            day = 1
        object.__setattr__(self, "anchor", anchor)
        object.__setattr__(self, "anchor_day", day)
        stop = self.end
        if self.term is not None and not self.renews:
            term_end = self._boundary(self.term)
            stop = term_end if stop is None else min(stop, term_end)
        object.__setattr__(self, "stop", stop)

    def _check(self) -> None:
        if self.alignment is Alignment.BILLING_DAY:
            if self.billing_day is None or not 1 <= self.billing_day <= 31:
                raise InvalidSchedule(
                    self.billing_day,
                    reason="a billing day alignment needs a billing_day of 1 to 31",
                    field="billing_day",
                )
            if self.interval.in_months is None:
                raise InvalidSchedule(
                    self.interval,
                    reason="a billing day is a day of the month: use a month, quarter or "
                    "year interval, or another alignment",
                    field="interval",
                )
        elif self.billing_day is not None:
            raise InvalidSchedule(
                self.billing_day,
                reason="a billing_day is given with Alignment.BILLING_DAY only",
                field="billing_day",
            )
        if self.day_count is not DayCount.ACTUAL and self.interval.in_months is None:
            raise InvalidSchedule(
                self.day_count,
                reason="30/360 and actual/365 count months and years: use DayCount.ACTUAL "
                "for day and week intervals",
                field="day_count",
            )
        if self.trial_end is not None and self.trial_end <= self.start:
            raise InvalidSchedule(
                self.trial_end,
                reason=f"a trial ends after the start {self.start}",
                field="trial_end",
            )
        if self.end is not None and self.end <= self.billing_start:
            raise InvalidSchedule(
                self.end,
                reason=f"the end is after the start of billing {self.billing_start}",
                field="end",
            )
        if self.term is not None and not 1 <= self.term <= MAX_PERIODS:
            raise InvalidSchedule(
                self.term, reason=f"a term is 1 to {MAX_PERIODS} periods", field="term"
            )
        if self.billing_start > dt.date(9000, 1, 1):
            raise InvalidSchedule(
                self.billing_start,
                reason="billing starts before the year 9000",
                field="start",
            )

    # -- boundaries ------------------------------------------------------------------------

    @property
    def billing_start(self) -> dt.date:
        """The first day that is billed: the end of the trial, or the start."""
        return self.trial_end if self.trial_end is not None else self.start

    @property
    def trial(self) -> tuple[dt.date, dt.date] | None:
        """The free trial as the span ``(start, trial_end)``, or ``None``."""
        return None if self.trial_end is None else (self.start, self.trial_end)

    def _boundary(self, index: int) -> dt.date:
        """The start of period ``index``, from the anchor: never from another boundary."""
        months = self.interval.in_months
        try:
            if months is None:
                return self.anchor + dt.timedelta(days=index * (self.interval.in_days or 1))
            return _months_from(self.anchor, index * months, self.anchor_day)
        except (OverflowError, ValueError):
            raise PeriodOutOfRange(
                index,
                index=index,
                limit=dt.date.max,
                reason="its boundaries fall after 9999-12-31",
            ) from None

    def boundary(self, index: int) -> dt.date:
        """The date regular period ``index`` starts on (index ``0``: the anchor)."""
        return self._boundary(self._checked(index))

    def _checked(self, index: object) -> int:
        index = _index(index)
        if not -1 <= index <= MAX_PERIODS:
            raise PeriodOutOfRange(
                index,
                index=index,
                limit=MAX_PERIODS,
                reason=f"periods are numbered -1 to {MAX_PERIODS}",
            )
        return index

    @property
    def first_index(self) -> int:
        """The index of the first period: ``-1`` when there is a stub, else ``0``."""
        return -1 if self.billing_start < self.anchor else 0

    @property
    def last_index(self) -> int | None:
        """The index of the last period, or ``None`` when the schedule does not stop."""
        return None if self.stop is None else self.index_of(self.stop - _ONE_DAY)

    def whole(self, index: int) -> Period:
        """The whole regular period ``index``, stub and end aside: the denominator's span."""
        index = self._checked(index)
        # boundaries from the anchor always increase: a period of valid values, unchecked
        return unchecked(
            Period, index=index, start=self._boundary(index), end=self._boundary(index + 1)
        )

    def period(self, index: int) -> Period:
        """Period ``index`` as billed: the whole period, cut to the billing start and stop.

        Raises :class:`~ordercore.errors.PeriodOutOfRange` for an index before the first
        period or after the last.
        """
        whole = self.whole(index)
        start = max(whole.start, self.billing_start)
        end = whole.end if self.stop is None else min(whole.end, self.stop)
        if end <= start:
            raise PeriodOutOfRange(
                index,
                index=index,
                limit=self.first_index if start >= whole.end else self.last_index,
                reason="the schedule has no such period: it starts on "
                f"{self.billing_start}" + (f" and stops on {self.stop}" if self.stop else ""),
            )
        return unchecked(Period, index=index, start=start, end=end)

    def index_of(self, date: dt.date) -> int:
        """The index of the whole period holding ``date`` (``-1`` for the stub's days)."""
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            raise InvalidType(date, expected="a datetime.date", field="date")
        if date < self.billing_start:
            raise PeriodOutOfRange(
                date,
                index=None,
                limit=self.billing_start,
                reason=f"billing starts on {self.billing_start}",
            )
        months = self.interval.in_months
        if months is None:
            guess = (date - self.anchor).days // (self.interval.in_days or 1)
        else:
            elapsed = (date.year - self.anchor.year) * 12 + date.month - self.anchor.month
            guess = elapsed // months
        guess = max(guess, -1)
        if guess > MAX_PERIODS:
            raise PeriodOutOfRange(
                date, index=None, limit=MAX_PERIODS, reason=f"it is after period {MAX_PERIODS}"
            )
        while guess > -1 and self._boundary(guess) > date:
            guess -= 1
        while guess < MAX_PERIODS and self._boundary(guess + 1) <= date:
            guess += 1
        return guess

    def period_of(self, date: dt.date) -> Period:
        """The period (as billed) holding ``date``."""
        return self.period(self.index_of(date))

    def periods(self, count: int) -> Iterator[Period]:
        """The first ``count`` periods (fewer when the schedule stops before)."""
        count = _index(count)
        if not 0 <= count <= MAX_PERIODS:
            raise PeriodOutOfRange(
                count, index=None, limit=MAX_PERIODS, reason=f"ask for 0 to {MAX_PERIODS} periods"
            )
        last = self.last_index
        for index in range(self.first_index, self.first_index + count):
            if last is not None and index > last:
                return
            yield self.period(index)

    # -- terms -----------------------------------------------------------------------------

    def term_of(self, index: int) -> int | None:
        """The term (0 for the first) that period ``index`` is in, or ``None`` without terms.

        Terms count periods from the anchor; a stub is part of the first term.

        >>> yearly = Schedule(start=dt.date(2026, 3, 1), interval=Interval.months(1), term=12)
        >>> yearly.term_of(11), yearly.term_of(12), yearly.renewal(0)
        (0, 1, datetime.date(2027, 3, 1))
        """
        index = self._checked(index)
        return None if self.term is None else max(index, 0) // self.term

    def renewal(self, term: int) -> dt.date:
        """The day term ``term`` ends: the next term starts (or, without renewal, service ends)."""
        if self.term is None:
            raise InvalidSchedule(None, reason="the schedule has no term", field="term")
        term = _index(term)
        if not 0 <= term <= MAX_PERIODS // self.term:
            raise PeriodOutOfRange(
                term, index=None, limit=MAX_PERIODS // self.term, reason="no such term"
            )
        return self._boundary((term + 1) * self.term)

    # -- billing ---------------------------------------------------------------------------

    def billing_date(self, period: Period) -> dt.date:
        """The day ``period`` is billed on: its start in advance, its end in arrears."""
        return period.start if self.timing is Timing.IN_ADVANCE else period.end

    def days(self, start: dt.date, end: dt.date) -> int:
        """The days of ``[start, end)`` in the schedule's day count."""
        return days_between(start, end, self.day_count)

    def _days(self, start: dt.date, end: dt.date) -> int:
        """:meth:`days` of dates checked already, in order (for the package's own use)."""
        return _day_number(end, self.day_count) - _day_number(start, self.day_count)

    def factor(self, period: Period) -> Fraction:
        """The share of its whole period that ``period`` bills, by the stub policy.

        Days of the period over days of the whole period, in the day count: exactly 1
        for a whole period. A stub is billed by :attr:`stub`: its share, 1, or 0.
        """
        if not isinstance(period, Period):
            raise InvalidType(period, expected="a Period", field="period")
        whole = self.whole(period.index)
        if period.start < whole.start or period.end > whole.end:
            raise InvalidSchedule(
                period, reason=f"it is not inside its whole period {whole}", field="period"
            )
        if period.index == -1 and self.first_index == -1:
            if self.stub is StubPolicy.FULL:
                return Fraction(1)
            if self.stub is StubPolicy.FREE:
                return Fraction(0)
        days = self._days(period.start, period.end)
        whole_days = self._days(whole.start, whole.end)
        # a whole period's 1 is one value: equal to Fraction(n, n), and held once by a pickle
        return _WHOLE if days == whole_days and days else Fraction(days, whole_days)

    # -- printing --------------------------------------------------------------------------

    def __repr__(self) -> str:
        extra = "".join(
            f", {name}={value!r}"
            for name, value, default in (
                ("alignment", self.alignment, Alignment.ANNIVERSARY),
                ("billing_day", self.billing_day, None),
                ("timing", self.timing, Timing.IN_ADVANCE),
                ("stub", self.stub, StubPolicy.PRORATED),
                ("day_count", self.day_count, DayCount.ACTUAL),
                ("term", self.term, None),
                ("renews", self.renews, True),
            )
            if value != default
        )
        dates = "".join(
            f", {name}='{value}'"
            for name, value in (("trial_end", self.trial_end), ("end", self.end))
            if value is not None
        )
        return f"Schedule(start='{self.start}', interval={self.interval!r}{extra}{dates})"

    def _rows(self, count: int) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        for period in self.periods(count):
            factor = self.factor(period)
            rows.append(
                (
                    str(period.index),
                    str(period.start),
                    str(period.last_day),
                    str(period.days),
                    str(factor),
                    str(self.billing_date(period)),
                )
            )
        return rows

    _HEADERS = ("#", "From", "To (incl.)", "Days", "Factor", "Billed on")

    def to_text(self, count: int = 6) -> str:
        """The schedule's rules and its first ``count`` periods, as plain text."""
        rows = [self._HEADERS, *self._rows(count)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(self._HEADERS))]
        lines = [f"Billing schedule: {self.interval}, {self._rules()}"]
        if self.trial_end is not None:
            lines.append(f"Trial: {self.start} to {self.trial_end}")
        lines.extend(
            "  ".join(
                cell.ljust(width) if i in (1, 2) else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        )
        return "\n".join(lines)

    def to_html(self, count: int = 6) -> str:
        """The same as :meth:`to_text`, as an HTML table for notebooks."""
        esc = _html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self._HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
            for row in self._rows(count)
        )
        return (
            f'<div class="ordercore-schedule"><div>Billing schedule: {esc(str(self.interval))}, '
            f"{esc(self._rules())}</div><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def _rules(self) -> str:
        alignment = self.alignment.value.replace("_", " ")
        if self.billing_day is not None:
            alignment += f" {self.billing_day}"
        return (
            f"{alignment}, {self.timing.value.replace('_', ' ')}, stub {self.stub.value}, "
            f"days {self.day_count.value}"
        )
