"""The fast paths of billing give exactly what the public, checked paths give.

Each optimisation of the bill run (docs/performance.md, "Bill runs") has a differential
test here: the fast way against the public way it short-cuts, on generated subscriptions,
so that invoices stay identical and no check is weakened at the public boundary.
"""

from __future__ import annotations

import datetime as dt
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from ordercore import Line, Money, Tax
from ordercore.events import Request
from ordercore.subscriptions import (
    Interval,
    Meter,
    PerUnit,
    Schedule,
    Subscription,
    Timing,
    UsageRecord,
    bill_due,
    due_periods,
)
from ordercore.subscriptions.runs import _due

D = dt.date
VAT = Tax.percent("VAT", "20")
API = Meter(
    key="api",
    metric="api_calls",
    model=PerUnit(unit_price=Money("0.01", "EUR")),
    description="API calls",
    taxes=[VAT],
)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def subscribe(start: dt.date, timing: Timing, every: int, ends: int | None) -> Subscription:
    schedule = Schedule(
        start=start,
        interval=Interval.months(every),
        timing=timing,
        end=None if ends is None else start + dt.timedelta(days=ends),
    )
    plan = Line(description="Plan", quantity="1", unit_price=Money("31.00", "EUR"), taxes=[VAT])
    return Subscription.start(
        id="sub-1", customer="acme", schedule=schedule, items={"plan": plan}, meters=[API]
    )


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)),
    arrears=st.booleans(),
    every=st.integers(min_value=1, max_value=3),
    ends=st.none() | st.integers(min_value=1, max_value=400),
    days=st.integers(min_value=0, max_value=400),
    quantities=st.lists(st.integers(min_value=0, max_value=10**6), max_size=6),
    offsets=st.lists(st.integers(min_value=0, max_value=400), min_size=6, max_size=6),
)
def test_bill_due_invoices_what_the_public_invoice_does(
    *,
    start: dt.date,
    arrears: bool,
    every: int,
    ends: int | None,
    days: int,
    quantities: list[int],
    offsets: list[int],
) -> None:
    """``bill_due`` passes each period on (computed once): the invoices ``invoice(index)`` makes."""
    timing = Timing.IN_ARREARS if arrears else Timing.IN_ADVANCE
    subscription = subscribe(start, timing, every, ends)
    usage = [
        UsageRecord(metric="api_calls", quantity=str(q), at=at(start + dt.timedelta(days=d)))
        for q, d in zip(quantities, offsets, strict=False)
    ]
    on = start + dt.timedelta(days=days)
    due = _due(subscription, on)
    assert [p.index for p in due] == due_periods(subscription, on)
    assert due == [subscription.schedule.period(p.index) for p in due]
    fast = bill_due(subscription, on=on, usage=usage)
    current = subscription
    invoices = []
    when = dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC)
    for index in due_periods(subscription, on):
        request = Request(key=f"bill-run/{on}/sub-1/{index}", at=when, business_date=on)
        current, invoice = current.invoice(index, request=request, usage=usage)
        invoices.append(invoice)
    periods = [i for i in fast.invoices if i.period is not None]
    assert periods == invoices
    assert pickle.dumps(periods) == pickle.dumps(invoices)
    if len(periods) == len(fast.invoices):
        assert fast.subscription == current


@settings(max_examples=40, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)),
    arrears=st.booleans(),
    index=st.integers(min_value=0, max_value=5),
)
def test_billing_a_computed_period_is_billing_its_index(
    *, start: dt.date, arrears: bool, index: int
) -> None:
    timing = Timing.IN_ARREARS if arrears else Timing.IN_ADVANCE
    subscription = subscribe(start, timing, 1, None)
    for earlier in range(index):
        subscription, _ = subscription.bill(earlier)
    period = subscription.schedule.period(index)
    assert subscription._bill_period(period) == subscription.bill(index)
