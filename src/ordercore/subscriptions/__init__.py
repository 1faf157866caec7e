"""Subscriptions: billing schedules, periods, proration, mid-period changes and usage.

A :class:`Schedule` cuts time into periods from an anchor; a :class:`Subscription` bills
its items for each period, keeps a record of what it billed, and turns a change in the
middle of a period into credit and charge lines that the ordinary pricing engine prices.
Every share of a period is an exact :class:`fractions.Fraction`; only the amount a line
comes to is rounded, once.

Usage rating (:mod:`ordercore.subscriptions.usage`): metered records aggregated per
metric and period, rated by a charge model (per unit, graduated or volume tiers,
packages, percentages) into a :class:`RatedCharge` that explains itself and becomes
pricing lines.
"""

# -- schedules, proration and changes --------------------------------------------------------
from ordercore.subscriptions.proration import MAX_DENOMINATOR, amount, check_factor, prorate
from ordercore.subscriptions.runs import (
    MAX_CHUNK,
    Billed,
    BillRun,
    DuePlan,
    Planned,
    RunFailure,
    bill_due,
    bill_run,
    due_date,
    due_periods,
    next_billing_date,
    pending_date,
)
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
    PeriodInvoice,
    ProratedLine,
    Subscription,
)

# -- usage rating --
from ordercore.subscriptions.usage import (
    Aggregation,
    GraduatedPercentage,
    GraduatedTiers,
    Meter,
    Package,
    Percentage,
    PercentTier,
    PerUnit,
    RatedCharge,
    RatingStep,
    StepKind,
    Tier,
    Usage,
    UsageModel,
    UsageRecord,
    VolumeTiers,
    aggregate,
    check_usage_records,
    rate,
)

__all__ = [
    "MAX_CHANGES",
    "MAX_CHUNK",
    "MAX_DENOMINATOR",
    "MAX_ITEMS",
    "MAX_PERIODS",
    "Aggregation",
    "Alignment",
    "Bill",
    "BillRun",
    "Billed",
    "BilledPeriod",
    "BillingRecord",
    "Change",
    "DayCount",
    "DuePlan",
    "Entry",
    "GraduatedPercentage",
    "GraduatedTiers",
    "Interval",
    "IntervalUnit",
    "ItemVersion",
    "LineRole",
    "Meter",
    "Package",
    "Pause",
    "PerUnit",
    "PercentTier",
    "Percentage",
    "Period",
    "PeriodInvoice",
    "Planned",
    "ProratedLine",
    "RatedCharge",
    "RatingStep",
    "RunFailure",
    "Schedule",
    "StepKind",
    "StubPolicy",
    "Subscription",
    "Tier",
    "Timing",
    "Usage",
    "UsageModel",
    "UsageRecord",
    "VolumeTiers",
    "aggregate",
    "amount",
    "bill_due",
    "bill_run",
    "check_factor",
    "check_usage_records",
    "days_between",
    "due_date",
    "due_periods",
    "next_billing_date",
    "pending_date",
    "prorate",
    "rate",
]
