"""Usage-rating benchmark: ``rate()`` beside the same charges computed by hand.

For four charge models, in one run, it rates 1,000 usages (quantities from 0 to 50,000,
with up to three decimals) with ``rate(model, usage)`` against a hand-written
``decimal.Decimal`` computation of the same charge: the same tier arithmetic, rounded once
half-up, with nothing checked, no steps kept and no explanation.

* **graduated**: three tiers (1,000 free, 9,000 at EUR 0.10 with a EUR 5.00 flat fee, the
  rest at EUR 0.08);
* **volume**: the same tiers, the reached tier pricing everything;
* **package**: EUR 5.00 per started 100 units, 100 units free;
* **percentage**: 2.9 % of the amount after EUR 100.00 free, plus EUR 0.30 per transaction
  after two free ones.

It checks that both give the same amounts and exits with status 1 if they do not. No
target is asserted: the ratio says what the checked, explained result costs.

Run::

    python benchmarks/bench_usage.py            # about ten seconds
    python benchmarks/bench_usage.py --quick    # a second or two: a smoke test, noisy figures
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import platform
import random
import sys
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from bench_pricing import fmt_time, medians, revision

import ordercore
from ordercore import Money
from ordercore.subscriptions import (
    GraduatedTiers,
    Package,
    Percentage,
    Tier,
    Usage,
    UsageModel,
    VolumeTiers,
    rate,
)

USAGES = 1000
CENT = Decimal("0.01")
START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)

TIERS = [
    Tier(up_to="1000", unit_price=Money("0", "EUR")),
    Tier(up_to="10000", unit_price=Money("0.10", "EUR"), flat_fee=Money("5.00", "EUR")),
    Tier(up_to=None, unit_price=Money("0.08", "EUR")),
]
MODELS: dict[str, UsageModel] = {
    "graduated": GraduatedTiers(tiers=TIERS),
    "volume": VolumeTiers(tiers=TIERS),
    "package": Package(size="100", price=Money("5.00", "EUR"), free_units="100"),
    "percentage": Percentage(
        currency="EUR",
        rate="2.9",
        fixed_fee=Money("0.30", "EUR"),
        free_transactions=2,
        free_amount=Money("100.00", "EUR"),
    ),
}
BOUNDS = [
    (Decimal(0), Decimal(1000), Decimal(0), Decimal(0)),
    (Decimal(1000), Decimal(10000), Decimal("0.10"), Decimal(5)),
    (Decimal(10000), None, Decimal("0.08"), Decimal(0)),
]


def usages(count: int) -> list[Usage]:
    rng = random.Random(11)
    made = []
    for _ in range(count):
        quantity = Decimal(rng.randint(0, 50_000_000)).scaleb(-3)
        amount = Money(Decimal(rng.randint(0, 10_000_000)).scaleb(-2), "EUR")
        made.append(
            Usage(
                metric="m",
                start=START,
                end=END,
                quantity=quantity,
                transactions=rng.randint(0, 500),
                amount=amount,
            )
        )
    return made


def graduated_by_hand(units: Decimal) -> Decimal:
    total = Decimal(0)
    for low, high, price, fee in BOUNDS:
        top = units if high is None else min(units, high)
        inside = top - low
        if inside <= 0 and low:
            break
        total += inside * price + (fee if inside > 0 else 0)
        if high is None or units <= high:
            break
    return total.quantize(CENT, ROUND_HALF_UP)


def volume_by_hand(units: Decimal) -> Decimal:
    for _low, high, price, fee in BOUNDS:
        if high is None or units <= high:
            return (units * price + (fee if units > 0 else 0)).quantize(CENT, ROUND_HALF_UP)
    raise AssertionError


def package_by_hand(units: Decimal) -> Decimal:
    billed = max(Decimal(0), units - 100)
    return ((billed / 100).to_integral_value(ROUND_CEILING) * Decimal(5)).quantize(
        CENT, ROUND_HALF_UP
    )


def percentage_by_hand(amount: Decimal, count: int) -> Decimal:
    base = max(Decimal(0), amount - 100)
    fees = max(0, count - 2) * Decimal("0.30")
    return (base * Decimal("0.029") + fees).quantize(CENT, ROUND_HALF_UP)


def by_hand(name: str, usage: Usage) -> Decimal:
    if name == "graduated":
        return graduated_by_hand(usage.quantity)
    if name == "volume":
        return volume_by_hand(usage.quantity)
    if name == "package":
        return package_by_hand(usage.quantity)
    assert usage.amount is not None
    return percentage_by_hand(usage.amount.amount, usage.transactions)


def runner(name: str) -> tuple[Callable[[object], object], Callable[[object], object]]:
    model = MODELS[name]

    def ordercore_run(batch: object) -> object:
        return [rate(model, usage).amount for usage in batch]  # type: ignore[attr-defined]

    def hand_run(batch: object) -> object:
        return [by_hand(name, usage) for usage in batch]  # type: ignore[attr-defined]

    return ordercore_run, hand_run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    args = parser.parse_args(argv)
    repeats, budget = (3, 0.03) if args.quick else (7, 0.2)
    print(
        f"ordercore {ordercore.__version__} ({revision()}), Python {platform.python_version()} "
        f"({platform.python_implementation()}, libmpdec {decimal.__libmpdec_version__}), "
        f"{platform.machine()}, {platform.system()}; {repeats} repeats of ~{budget:g} s each"
    )
    batch = usages(USAGES)
    problems = 0
    for name, model in MODELS.items():
        for usage in batch:
            if rate(model, usage).amount.amount != by_hand(name, usage):
                problems += 1
    if problems:
        print(f"{problems} charges disagree with the hand-written computation")
        return 1
    print(f"{USAGES} usages per model; time per usage, median of {repeats}:\n")
    print(f"{'model':<12} {'rate()':>10} {'by hand':>10} {'ratio':>7}")
    for name in MODELS:
        ours, hand = runner(name)
        times = medians(
            {"ordercore": (ours, batch), "hand": (hand, batch)}, repeats, budget, collect=True
        )
        mine, theirs = times["ordercore"] / USAGES, times["hand"] / USAGES
        print(f"{name:<12} {fmt_time(mine):>10} {fmt_time(theirs):>10} {mine / theirs:>6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
