"""Payment-term benchmark: scheduling an amount beside the same installments by hand.

For four common terms, in one run, it times scheduling 200 invoices (different totals and
dates) with ``PaymentTerm.schedule`` against a hand-written ``decimal.Decimal``
computation of the same installments: the same due dates, amounts (percentages split by
largest remainder), early-payment discounts and deadlines, with nothing checked.

* **Net 30**: the whole amount 30 days after the invoice date;
* **2/10 net 30**: the same with 2 % off within 10 days;
* **deposit**: 30 % on the invoice date, the balance in 30 days with 2 % off within 10;
* **thirds, end of month**: 33.33 %, 33.33 % and the rest at the ends of the invoice's
  month and the next two.

It checks that both give the same installments and exits with status 1 if they do not.
The target (from the issue) is reported, not asserted: scheduling at most 3x the
hand-written computation.

Run::

    python benchmarks/bench_terms.py            # about ten seconds
    python benchmarks/bench_terms.py --quick    # a second or two: a smoke test, noisy figures
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import decimal
import platform
import random
import sys
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from bench_pricing import fmt_time, medians, revision, verdict

import ordercore
from ordercore import DueRule, EarlyPaymentDiscount, Installment, Money, PaymentTerm

TARGET = 3.0  # scheduling at most 3x the hand-written Decimal computation
INVOICES = 200

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
TWO_TEN = EarlyPaymentDiscount(percent="2", days=10)

Input = tuple[Money, dt.date]
Row = tuple[dt.date, Decimal, Decimal | None, dt.date | None]


def inputs(count: int) -> list[Input]:
    """``count`` invoices: totals from EUR 0.01 to 100,000.00, dates over two years."""
    rng = random.Random(9)
    start = dt.date(2026, 1, 1)
    return [
        (
            Money(Decimal(rng.randint(1, 10_000_000)).scaleb(-2), "EUR"),
            start + dt.timedelta(days=rng.randint(0, 730)),
        )
        for _ in range(count)
    ]


# -- the terms, and their installments written by hand -------------------------------------

NET_30 = PaymentTerm.net(30)
TWO_TEN_NET_30 = PaymentTerm.net(30, discount=TWO_TEN)
DEPOSIT = PaymentTerm(
    name="30 % now, the balance in 30 days, 2 % off it within 10",
    installments=[
        Installment.percentage("30", due=DueRule.days_after(0)),
        Installment.remainder(due=DueRule.days_after(30), discount=TWO_TEN),
    ],
)
THIRDS = PaymentTerm(
    name="Thirds, end of month",
    installments=[
        Installment.percentage("33.33", due=DueRule.end_of_month()),
        Installment.percentage("33.33", due=DueRule.end_of_month(months=1)),
        Installment.remainder(due=DueRule.end_of_month(months=2)),
    ],
)


def discount(amount: Decimal) -> Decimal:
    return (amount * 2 / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def net_30_by_hand(amount: Decimal, date: dt.date) -> list[Row]:
    return [(date + dt.timedelta(days=30), amount, None, None)]


def two_ten_by_hand(amount: Decimal, date: dt.date) -> list[Row]:
    return [(date + dt.timedelta(days=30), amount, discount(amount), date + dt.timedelta(days=10))]


def split(amount: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """Largest remainder: each part rounded down, the missing cents to the largest rests."""
    exact = [amount * percent / HUNDRED for percent in percents]
    parts = [share.quantize(CENT, ROUND_DOWN) for share in exact]
    missing = int((amount - sum(parts)) / CENT)
    order = sorted(range(len(parts)), key=lambda i: (parts[i] - exact[i], i))
    for index in order[:missing]:
        parts[index] += CENT
    return parts


def deposit_by_hand(amount: Decimal, date: dt.date) -> list[Row]:
    first, rest = split(amount, [Decimal(30), Decimal(70)])
    return [
        (date, first, None, None),
        (date + dt.timedelta(days=30), rest, discount(rest), date + dt.timedelta(days=10)),
    ]


def month_end(date: dt.date, months: int) -> dt.date:
    year, month = divmod(date.month - 1 + months, 12)
    year, month = date.year + year, month + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


THIRDS_PERCENTS = [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]


def thirds_by_hand(amount: Decimal, date: dt.date) -> list[Row]:
    parts = split(amount, THIRDS_PERCENTS)
    return [(month_end(date, months), part, None, None) for months, part in enumerate(parts)]


CASES: dict[str, tuple[PaymentTerm, Callable[[Decimal, dt.date], list[Row]]]] = {
    "Net 30": (NET_30, net_30_by_hand),
    "2/10 net 30": (TWO_TEN_NET_30, two_ten_by_hand),
    "deposit": (DEPOSIT, deposit_by_hand),
    "thirds, EOM": (THIRDS, thirds_by_hand),
}


# -- the operations timed ---------------------------------------------------------------


def scheduler(term: PaymentTerm) -> Callable[[object], object]:
    def run(invoices: object) -> object:
        return [term.schedule(total, date) for total, date in invoices]  # type: ignore[attr-defined]

    return run


def by_hand(compute: Callable[[Decimal, dt.date], list[Row]]) -> Callable[[object], object]:
    def run(invoices: object) -> object:
        return [compute(total.amount, date) for total, date in invoices]  # type: ignore[attr-defined]

    return run


def rows(schedule: tuple[ordercore.ScheduledInstallment, ...]) -> list[Row]:
    return [
        (
            i.due_date,
            i.amount.amount,
            None if i.discount_amount is None else i.discount_amount.amount,
            i.discount_deadline,
        )
        for i in schedule
    ]


def check(invoices: list[Input]) -> list[str]:
    """Schedule each invoice both ways; return what does not agree (empty when all agree)."""
    problems = []
    for name, (term, compute) in CASES.items():
        for total, date in invoices:
            mine, theirs = rows(term.schedule(total, date)), compute(total.amount, date)
            if mine != theirs:
                problems.append(f"{name}: {total} on {date}: {mine} != by hand {theirs}")
                break
    return problems


# -- report -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--no-gc", action="store_true", help="disable the GC while timing")
    args = parser.parse_args(argv)
    repeats, budget = (3, 0.03) if args.quick else (7, 0.2)

    print(
        f"ordercore {ordercore.__version__} ({revision()}), Python {platform.python_version()} "
        f"({platform.python_implementation()}, libmpdec {decimal.__libmpdec_version__}), "
        f"{platform.machine()}, {platform.system()}; "
        f"{repeats} repeats of ~{budget:g} s each, GC {'off' if args.no_gc else 'on'}"
    )
    print(f"{INVOICES} invoices, EUR 0.01 to 100,000.00, dated over two years.\n")

    invoices = inputs(INVOICES)
    problems = check(invoices)
    cases: dict[str, tuple[Callable[[object], object], object]] = {}
    for name, (term, compute) in CASES.items():
        cases[f"{name} by hand"] = (by_hand(compute), invoices)
        cases[name] = (scheduler(term), invoices)
    timings = medians(cases, repeats, budget, collect=not args.no_gc)

    header = f"{'term':>12} | {'by hand':>10} | {'schedule':>10} | {'ratio':>7}"
    print("Median time per invoice")
    print(header)
    print("-" * len(header))
    ratios = {}
    for name in CASES:
        hand, mine = timings[f"{name} by hand"] / INVOICES, timings[name] / INVOICES
        ratios[name] = mine / hand
        print(f"{name:>12} | {fmt_time(hand):>10} | {fmt_time(mine):>10} | {ratios[name]:>6.2f}x")

    print("\nTargets")
    for name, ratio in ratios.items():
        print(verdict(f"{name}: schedule / by hand: {ratio:.2f}x", ratio, TARGET))

    if problems:
        print("\nMISMATCH: the implementations do not agree", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("\nAll agree: every schedule matches the installments computed by hand.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
