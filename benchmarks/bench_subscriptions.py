"""Subscription benchmark: billing periods and a mid-cycle upgrade beside the same by hand.

For 500 monthly subscriptions (anniversary on every day of the month, prices from EUR 1
to 1,000), one run times, per subscription:

* **bill**: ``Subscription.start`` then billing periods 0, 1 and 2;
* **upgrade**: the same, then an upgrade in the middle of period 1 (its credit and charge);

(the three periods are billed ahead, so the upgrade credits and charges periods 1 and 2)
against a hand-written loop doing only the arithmetic: boundaries from the anchor with
``relativedelta``, days, and each amount as ``quantity x price x days / period days``
rounded once with ``Decimal``, nothing checked and nothing recorded. Both must give the
same amounts (the script exits with status 1 if they do not). The ratio is reported, not
asserted: the issue's target for a whole bill run (pricing the invoices included) is at
most 5x a hand-written loop; this measures the schedule and proration part of it.

Run::

    python benchmarks/bench_subscriptions.py            # about ten seconds
    python benchmarks/bench_subscriptions.py --quick    # a smoke test, noisy figures
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import platform
import random
import sys
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from bench_pricing import fmt_time, medians, revision
from dateutil.relativedelta import relativedelta

import ordercore
from ordercore.money import Money
from ordercore.pricing import Line
from ordercore.subscriptions import Interval, Schedule, Subscription

SUBSCRIPTIONS = 500
CENT = Decimal("0.01")
Case = tuple[dt.date, Decimal, Decimal, int]  # start, old price, new price, day of the change


def inputs(count: int) -> list[Case]:
    rng = random.Random(11)
    return [
        (
            dt.date(2026, 1, 1 + i % 28) + dt.timedelta(days=i % 4),
            Decimal(rng.randint(100, 100_000)).scaleb(-2),
            Decimal(rng.randint(100, 100_000)).scaleb(-2),
            rng.randint(1, 27),
        )
        for i in range(count)
    ]


def with_ordercore(*, upgrade: bool) -> Callable[[list[Case]], list[Decimal]]:
    def run(cases: list[Case]) -> list[Decimal]:
        out = []
        for start, old, new, day in cases:
            schedule = Schedule(start=start, interval=Interval.months(1))
            line = Line(description="Plan", quantity="1", unit_price=Money(old, "EUR"))
            subscription = Subscription.start(schedule=schedule, items={"plan": line})
            for index in range(3):
                subscription, bill = subscription.bill(index)
                out.extend(p.amount.amount for p in bill.lines)
            if upgrade:
                at = schedule.period(1).start + dt.timedelta(days=day)
                better = Line(description="Plan", quantity="1", unit_price=Money(new, "EUR"))
                subscription, change = subscription.change(at, "plan", better)
                out.extend(p.amount.amount for p in change.lines)
        return out

    return run


def by_hand(*, upgrade: bool) -> Callable[[list[Case]], list[Decimal]]:
    def run(cases: list[Case]) -> list[Decimal]:
        out = []
        for start, old, new, day in cases:
            bounds = [start + relativedelta(months=k, day=start.day) for k in range(4)]
            out.extend(old for _ in range(3))
            if upgrade:
                begin, end = bounds[1], bounds[2]
                at = begin + dt.timedelta(days=day)
                whole, rest = (end - begin).days, (end - at).days
                # period 2 was billed ahead: it is credited and charged again in full
                out.append(-(old * rest / whole).quantize(CENT, ROUND_HALF_UP))
                out.append(-old)
                out.append((new * rest / whole).quantize(CENT, ROUND_HALF_UP))
                out.append(new)
        return out

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    args = parser.parse_args(argv)
    repeats, budget = (3, 0.05) if args.quick else (7, 0.3)
    print(
        f"ordercore {ordercore.__version__} ({revision()}), Python {platform.python_version()} "
        f"({platform.python_implementation()}, libmpdec {decimal.__libmpdec_version__}), "
        f"{platform.machine()}, {platform.system()}; {repeats} repeats of ~{budget:g} s each"
    )
    cases = inputs(SUBSCRIPTIONS)
    problems = [
        name
        for name, upgrade in (("bill", False), ("upgrade", True))
        if with_ordercore(upgrade=upgrade)(cases) != by_hand(upgrade=upgrade)(cases)
    ]
    timed: dict[str, tuple[Callable[[object], object], object]] = {
        "bill by hand": (by_hand(upgrade=False), cases),  # type: ignore[dict-item]
        "bill": (with_ordercore(upgrade=False), cases),  # type: ignore[dict-item]
        "upgrade by hand": (by_hand(upgrade=True), cases),  # type: ignore[dict-item]
        "upgrade": (with_ordercore(upgrade=True), cases),  # type: ignore[dict-item]
    }
    timings = medians(timed, repeats, budget, collect=True)
    print(f"\nMedian time per subscription ({SUBSCRIPTIONS} subscriptions)")
    print(f"{'case':>8} | {'by hand':>10} | {'ordercore':>10} | {'ratio':>7}")
    for name in ("bill", "upgrade"):
        hand = timings[f"{name} by hand"] / SUBSCRIPTIONS
        mine = timings[name] / SUBSCRIPTIONS
        print(f"{name:>8} | {fmt_time(hand):>10} | {fmt_time(mine):>10} | {mine / hand:>6.1f}x")
    if problems:
        print(f"\nMISMATCH in {', '.join(problems)}", file=sys.stderr)
        return 1
    print("\nAll agree: every amount matches the one computed by hand.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
