r"""Due-date rules: a sequence of calendar steps from the invoice date to the due date.

A :class:`DueRule` is a tuple of :class:`DueStep`\ s applied one after another. Each step
is one ``dateutil.relativedelta`` and moves the date in relativedelta's own order:

1. ``month``: an absolute month (1 to 12) of the same year;
2. ``months``: that many months later (earlier when negative), on the same day;
3. ``day``: day D of the month reached (1 to 31; a day past the month's end is its last
   day, so 31 is always the last day);
4. ``weeks`` and ``days``: that many weeks and days later (earlier when negative);
5. ``weekday``: the first such weekday on or after the date reached.

Month ends clamp at every step: 31 January plus one month is 28 (or 29) February. The
common rules have named constructors (:meth:`DueRule.days_after`,
:meth:`DueRule.end_of_month`, :meth:`DueRule.day_of_month`, :meth:`DueRule.months_after`,
:meth:`DueRule.weeks_after`, :meth:`DueRule.next_weekday`), and :meth:`DueRule.then`
composes them: "10 days, then the end of that month, then day 5 of the next" is

>>> import datetime as dt
>>> rule = DueRule.days_after(10).then(DueRule.end_of_month()).then(DueRule.day_of_month(5))
>>> rule
DueRule(steps=(DueStep(days=10), DueStep(day=31), DueStep(months=1, day=5)))
>>> rule.due_date(dt.date(2026, 11, 23)), rule.due_date(dt.date(2026, 11, 20))
(datetime.date(2027, 1, 5), datetime.date(2026, 12, 5))

A rule never gives a due date before the invoice date: the steps may count backwards
(``DueRule.end_of_month(days=-5)``, five days before the month's end), but where that
lands before the invoice date, :meth:`DueRule.due_date` raises
:class:`~ordercore.errors.DueBeforeInvoiceDate` instead of moving the date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum

import attrs
from dateutil.relativedelta import relativedelta
from dateutil.relativedelta import weekday as relative_weekday

from ordercore._convert import check_instance, to_tuple
from ordercore.errors import DueBeforeInvoiceDate, InvalidPaymentTerm, InvalidType
from ordercore.money.context import CONTEXT
from ordercore.money.decimals import to_decimal

__all__ = [
    "MAX_DAYS",
    "MAX_MONTHS",
    "MAX_STEPS",
    "MAX_WEEKS",
    "DueRule",
    "DueStep",
    "Weekday",
]

#: The most days a step or a discount may count (ten years): more is a typing mistake.
MAX_DAYS = 3660
#: The most weeks a step may count (ten years).
MAX_WEEKS = MAX_DAYS // 7
#: The most months a step may count (ten years).
MAX_MONTHS = 120
#: The most steps a rule may have.
MAX_STEPS = 12


def whole(value: object, field: str, *, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``: an int, or an integral Decimal or string."""
    number = to_decimal(value, field=field)  # floats and booleans are refused here
    if number != number.to_integral_value(context=CONTEXT) or not low <= number <= high:
        raise InvalidPaymentTerm(
            value, reason=f"give a whole number from {low} to {high}", field=field
        )
    return int(number)


def check_date(value: object, field: str) -> dt.date:
    """A ``datetime.date`` that is not a ``datetime``."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidType(value, expected="a datetime.date", field=field)
    return value


def shift(start: dt.date, step: relativedelta | dt.timedelta | _Calendar, rule: object) -> dt.date:
    """``start + step``, or an ordercore error when that leaves the dates Python knows."""
    try:
        shifted: dt.date = start + step
    except (ValueError, OverflowError):
        raise InvalidPaymentTerm(
            start,
            reason=f"{rule!r} would give a date outside {dt.date.min} to {dt.date.max}: "
            "use another date",
            field="invoice_date",
        ) from None
    return shifted


class Weekday(enum.Enum):
    """A day of the week, numbered as ``datetime.date.weekday`` numbers it."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    def __repr__(self) -> str:
        return f"Weekday.{self.name}"


def _months(value: object) -> int:
    return whole(value, "months", low=-MAX_MONTHS, high=MAX_MONTHS)


def _month(value: object) -> int | None:
    return None if value is None else whole(value, "month", low=1, high=12)


def _day(value: object) -> int | None:
    return None if value is None else whole(value, "day", low=1, high=31)


def _weeks(value: object) -> int:
    return whole(value, "weeks", low=-MAX_WEEKS, high=MAX_WEEKS)


def _days(value: object) -> int:
    return whole(value, "days", low=-MAX_DAYS, high=MAX_DAYS)


def _weekday(value: object) -> Weekday | None:
    return None if value is None else check_instance(value, Weekday, "weekday")


_FIELDS = ("month", "months", "day", "weeks", "days", "weekday")


@attrs.frozen(kw_only=True, repr=False)
class DueStep:
    """One step of a due-date rule: one ``relativedelta``, applied in its order.

    ``month`` (1 to 12) sets the month, ``months`` (-120 to 120) moves by months, ``day``
    (1 to 31, clamped to the month's last day) sets the day, ``weeks`` and ``days`` move by
    weeks and days (up to ten years either way), and ``weekday`` moves to the first such
    weekday on or after the date reached. A step changes something: a step with nothing
    set is refused.

    >>> DueStep(months=1, day=5).apply(dt.date(2026, 1, 31))
    datetime.date(2026, 2, 5)
    >>> DueStep(weekday=Weekday.FRIDAY).apply(dt.date(2026, 11, 23))
    datetime.date(2026, 11, 27)
    """

    month: int | None = attrs.field(default=None, converter=_month)
    months: int = attrs.field(default=0, converter=_months)
    day: int | None = attrs.field(default=None, converter=_day)
    weeks: int = attrs.field(default=0, converter=_weeks)
    days: int = attrs.field(default=0, converter=_days)
    weekday: Weekday | None = attrs.field(default=None, converter=_weekday)
    # how the step moves a date, computed once: a timedelta for whole days and weeks; a
    # _Calendar step for months and days of the month; a relativedelta for a weekday
    _delta: relativedelta | dt.timedelta | _Calendar = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if self.month is None and self.day is None and self.weekday is None:
            if not (self.months or self.weeks or self.days):
                raise InvalidPaymentTerm(
                    None,
                    reason="a step that changes nothing: give months, month, day, weeks, "
                    "days or weekday, or leave the step out",
                    field="step",
                )
            if not self.months:
                # whole days only: a timedelta is what relativedelta would add, and cheaper
                object.__setattr__(self, "_delta", dt.timedelta(weeks=self.weeks, days=self.days))
                return
        if self.weekday is None:
            days = dt.timedelta(weeks=self.weeks, days=self.days)
            object.__setattr__(self, "_delta", _Calendar(self.month, self.months, self.day, days))
            return
        object.__setattr__(
            self,
            "_delta",
            relativedelta(
                month=self.month,
                months=self.months,
                day=self.day,
                weeks=self.weeks,
                days=self.days,
                weekday=None if self.weekday is None else relative_weekday(self.weekday.value),
            ),
        )

    def apply(self, date: dt.date) -> dt.date:
        """``date`` moved by this step."""
        return shift(check_date(date, "date"), self._delta, self)

    def __repr__(self) -> str:
        parts = []
        for name in _FIELDS:
            value = getattr(self, name)
            if value is not None and value != 0:
                parts.append(f"{name}={value!r}")
        return f"DueStep({', '.join(parts)})"


class _Calendar:
    """A step of months and days of the month, applied as relativedelta applies it.

    The same arithmetic as ``relativedelta(month=, months=, day=, weeks=, days=)`` (the
    properties in the tests compare them), without building one per date.
    """

    __slots__ = ("day", "days", "month", "months")

    def __init__(self, month: int | None, months: int, day: int | None, days: dt.timedelta) -> None:
        self.month = month
        self.months = months
        self.day = day
        self.days = days

    def __radd__(self, date: dt.date) -> dt.date:
        year, month = date.year, self.month or date.month
        if self.months:
            year, index = divmod(year * 12 + month - 1 + self.months, 12)
            month = index + 1
        day = self.day or date.day
        if day > 28:  # every month has 28 days
            day = min(day, _month_length(year, month))
        moved = dt.date(year, month, day)  # a ValueError past the years Python knows
        return moved + self.days if self.days else moved


_LENGTHS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_length(year: int, month: int) -> int:
    """The number of days of ``month`` (1 to 12) of ``year``: ``calendar.monthrange``'s."""
    if month == 2 and calendar.isleap(year):  # February
        return 29
    return _LENGTHS[month]


def _steps(value: object) -> tuple[DueStep, ...]:
    steps: tuple[DueStep, ...] = to_tuple(value, DueStep, "steps")
    if len(steps) > MAX_STEPS:
        raise InvalidPaymentTerm(
            len(steps), reason=f"a rule has at most {MAX_STEPS} steps", field="steps"
        )
    return steps


@attrs.frozen(kw_only=True, repr=False)
class DueRule:
    """When an installment falls due: its steps, applied to the invoice date in order.

    No steps at all is due on the invoice date. Use the named constructors for the common
    rules and :meth:`then` to compose them.

    >>> rule = DueRule.day_of_month(31, months=1)
    >>> rule.due_date(dt.date(2028, 1, 15)), rule.due_date(dt.date(2027, 1, 15))
    (datetime.date(2028, 2, 29), datetime.date(2027, 2, 28))
    """

    steps: tuple[DueStep, ...] = attrs.field(default=(), converter=_steps)
    _days_only: int | None = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        days: int | None = 0
        for step in self.steps:
            if days is None or not isinstance(step._delta, dt.timedelta):
                days = None
                break
            days += step.weeks * 7 + step.days
        object.__setattr__(self, "_days_only", days)

    # -- the common rules ---------------------------------------------------------------

    @classmethod
    def days_after(cls, days: int) -> DueRule:
        """``days`` days after the invoice date (0 to :data:`MAX_DAYS`; 0: on the date)."""
        count = whole(days, "days", low=0, high=MAX_DAYS)
        return cls(steps=(DueStep(days=count),) if count else ())

    @classmethod
    def weeks_after(cls, weeks: int) -> DueRule:
        """``weeks`` weeks after the invoice date (1 to :data:`MAX_WEEKS`)."""
        return cls(steps=(DueStep(weeks=whole(weeks, "weeks", low=1, high=MAX_WEEKS)),))

    @classmethod
    def months_after(cls, months: int) -> DueRule:
        """The same day ``months`` months later, clamped to a shorter month's last day."""
        return cls(steps=(DueStep(months=whole(months, "months", low=1, high=MAX_MONTHS)),))

    @classmethod
    def end_of_month(cls, *, days: int = 0, months: int = 0) -> DueRule:
        """The last day of the invoice's month (``months`` later), plus ``days`` days.

        ``days`` may be negative ("5 days before the end of the month"): where that is
        before the invoice date, :meth:`due_date` refuses it.
        """
        count = whole(months, "months", low=0, high=MAX_MONTHS)
        return cls(steps=(DueStep(months=count, day=31, days=days),))

    @classmethod
    def day_of_month(cls, day: int, *, months: int = 1) -> DueRule:
        """Day ``day`` of the month ``months`` after the invoice's; 31 is the month's last day.

        ``months=0`` is the invoice's own month: where that day has passed,
        :meth:`due_date` refuses it.
        """
        count = whole(months, "months", low=0, high=MAX_MONTHS)
        return cls(steps=(DueStep(months=count, day=day),))

    @classmethod
    def next_weekday(cls, weekday: Weekday, *, days: int = 0) -> DueRule:
        """The first ``weekday`` on or after ``days`` days after the invoice date."""
        count = whole(days, "days", low=0, high=MAX_DAYS)
        return cls(steps=(DueStep(days=count, weekday=weekday),))

    def then(self, other: DueRule) -> DueRule:
        """This rule's steps, then ``other``'s, applied to the date this rule gives."""
        following = check_instance(other, DueRule, "other")
        return DueRule(steps=self.steps + following.steps)

    # -- applying -----------------------------------------------------------------------

    @property
    def days_only(self) -> int | None:
        """The number of days this rule counts, if it only counts days and weeks."""
        return self._days_only

    def due_date(self, invoice_date: dt.date) -> dt.date:
        """The due date for an invoice dated ``invoice_date`` (never before it)."""
        start = check_date(invoice_date, "invoice_date")
        return self._due(start)

    def _due(self, start: dt.date) -> dt.date:
        """:meth:`due_date` for a date already checked."""
        date = start
        for step in self.steps:
            try:
                date = date + step._delta
            except (ValueError, OverflowError):
                date = shift(date, step._delta, self)  # raises the ordercore error
        if date < start:
            raise DueBeforeInvoiceDate(rule=repr(self), invoice_date=start, due_date=date)
        return date

    def __repr__(self) -> str:
        steps = self.steps
        if not steps:
            return "DueRule.days_after(0)"
        if len(steps) == 1:
            named = _named(steps[0])
            if named is not None:
                return named
        return f"DueRule(steps=({', '.join(map(repr, steps))}{',' if len(steps) == 1 else ''}))"


def _named(step: DueStep) -> str | None:
    """The named constructor that makes a rule of ``step`` alone, if there is one."""
    months, day, weeks, days = step.months, step.day, step.weeks, step.days
    if step.month is not None or months < 0:
        return None
    if step.weekday is not None:
        plain = not (months or weeks or day is not None) and days >= 0
        extra = f", days={days}" if days else ""
        text = f"DueRule.next_weekday({step.weekday!r}{extra})"
    elif day == 31:
        plain = not weeks
        parts = [f"days={days}"] if days else []
        parts += [f"months={months}"] if months else []
        text = f"DueRule.end_of_month({', '.join(parts)})"
    elif day is not None:
        plain = not (weeks or days)
        text = f"DueRule.day_of_month({day}, months={months})"
    elif months:
        plain = not (weeks or days)
        text = f"DueRule.months_after({months})"
    elif weeks:
        plain = weeks > 0 and not days
        text = f"DueRule.weeks_after({weeks})"
    else:
        plain = days > 0
        text = f"DueRule.days_after({days})"
    return text if plain else None
