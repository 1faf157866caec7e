"""Rebuilding a ledger from its facts, against making it by its operations.

The ledger of ``bench_allocation.py`` (100 invoices and 10 payments a party, every
payment allocated oldest first) at 10,000 items and 1,000 payments, and at 100,000 and
10,000 (``--quick``: 1,000 and 10,000 items). For each it times:

* **operations**: ``Ledger().add_items(*items).record_and_allocate(payments)``;
* **from_facts**: ``Ledger.from_facts(items=..., payments=..., entries=..., reversed=...)``
  of that ledger's facts, which replays every entry through the operations' checks;
* **account save**: ``Account.with_ledger(ledger)``, which checks every item and payment
  is the account's party (here one party holds the whole ledger).

It reports from_facts / operations (the price of replaying rather than computing the
allocations: the target is at most 2) and how each scales from the smaller size to the
larger (ten times the work: at most 12 times the time), and checks that the rebuilt
ledger equals the original (exit status 1 if not). Figures are reported, not asserted.

Run::

    python benchmarks/bench_ledger_facts.py           # about half a minute
    python benchmarks/bench_ledger_facts.py --quick   # a few seconds, noisy
"""

from __future__ import annotations

import argparse
import sys

import attrs
from bench_allocation import ITEMS_PER_PARTY, best_time, make_items, make_payments
from bench_pricing import fmt_time

from ordercore import Account, Ledger

TARGET_REPLAY = 2.0
TARGET_SCALING = 12.0


def measure(count: int, repeats: int) -> dict[str, float]:
    items = make_items(count)
    payments = make_payments(count // 10, count // ITEMS_PER_PARTY)
    made = Ledger().add_items(*items).record_and_allocate(payments)
    facts = {
        "items": made.items,
        "payments": made.payments,
        "entries": made.entries,
        "reversed": made.reversed,
    }
    if Ledger.from_facts(**facts) != made:
        print("from_facts did not rebuild the ledger")
        sys.exit(1)
    # one party holding every item and payment: the most an account save checks
    account = Account(id="account/P", party="P")
    whole = Ledger().add_items(*(attrs.evolve(i, party="P") for i in items))
    for payment in payments:
        whole = whole.record(attrs.evolve(payment, party="P"))
    times = {
        "operations": best_time(
            lambda: Ledger().add_items(*items).record_and_allocate(payments), repeats
        ),
        "from_facts": best_time(lambda: Ledger.from_facts(**facts), repeats),
        "account save": best_time(lambda: account.with_ledger(whole), repeats),
    }
    print(
        f"{count:>7} items, {len(payments):>6} payments, {len(made.entries):>6} entries: "
        + ", ".join(f"{name} {fmt_time(seconds)}" for name, seconds in times.items())
    )
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    args = parser.parse_args()
    small, large = (1_000, 10_000) if args.quick else (10_000, 100_000)
    repeats = 1 if args.quick else 3
    low = measure(small, repeats)
    high = measure(large, repeats)
    replay = high["from_facts"] / high["operations"]
    print(f"from_facts / operations at {large}: {replay:.2f} (target at most {TARGET_REPLAY})")
    for name in low:
        scaling = high[name] / low[name]
        print(f"{name} scaling x10 work: {scaling:.1f}x time (target at most {TARGET_SCALING})")


if __name__ == "__main__":
    main()
