"""Subscriptions: billing schedules, periods, proration and mid-period changes.

A :class:`Schedule` cuts time into periods from an anchor; a :class:`Subscription` bills
its items for each period, keeps a record of what it billed, and turns a change in the
middle of a period into credit and charge lines that the ordinary pricing engine prices.
Every share of a period is an exact :class:`fractions.Fraction`; only the amount a line
comes to is rounded, once.
"""

# -- schedules, proration and changes --------------------------------------------------------
from ordercore.subscriptions.proration import MAX_DENOMINATOR, amount, check_factor, prorate
from ordercore.subscriptions.schedules import (
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
from ordercore.subscriptions.subscription import (
    MAX_CHANGES,
    MAX_ITEMS,
    Bill,
    BilledPeriod,
    BillingRecord,
    Change,
    Entry,
    ItemVersion,
    LineRole,
    Pause,
    ProratedLine,
    Subscription,
)

__all__ = [
    # -- schedules, proration and changes
    "MAX_CHANGES",
    "MAX_DENOMINATOR",
    "MAX_ITEMS",
    "MAX_PERIODS",
    "Alignment",
    "Bill",
    "BilledPeriod",
    "BillingRecord",
    "Change",
    "DayCount",
    "Entry",
    "Interval",
    "IntervalUnit",
    "ItemVersion",
    "LineRole",
    "Pause",
    "Period",
    "ProratedLine",
    "Schedule",
    "StubPolicy",
    "Subscription",
    "Timing",
    "amount",
    "check_factor",
    "days_between",
    "prorate",
]
