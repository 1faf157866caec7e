"""Bill-run benchmark: monthly subscriptions billed from plain values, beside a bare loop.

Each subscription has one plan line (VAT 20 %) and one metered charge (API calls at
EUR 0.002 each, VAT 20 %), is billed in arrears from an anniversary in January 2026, and
has a few usage records in its first period. A run on 28 February 2026 bills each one's
first period: one invoice with a plan line and a usage line.

Timed, per run of N subscriptions:

* **ordercore**: the subscriptions built from plain rows (``Subscription.start``), their
  usage records from plain rows (``UsageRecord``), then ``bill_run`` in this process:
  every invoice priced, its draft and events made;
* **by hand**: a loop on ``decimal.Decimal`` doing only the arithmetic from the same rows:
  the period's bounds (``relativedelta`` from the anchor), the usage summed over the
  period, the usage amount rounded once, the VAT per rate, the total. Nothing checked,
  nothing recorded beyond the totals;
* **pool**: the same ``bill_run`` on a ``ProcessPoolExecutor`` with 2 processes (chunks of
  1,000), building included, for the speed-up over the run in this process; beside it,
  the CPU time the calling process spent on it (building, sending the chunks, taking the
  results in), which the pool's workers do not share.

Both implementations must give the same total for every subscription (the script exits
with status 1 if they do not). Ratios are measured in the same run; the issue's targets,
reported and not asserted: ordercore at most 5x the loop, ten times the subscriptions at
most 11x the time.

Run::

    python benchmarks/bench_bill_run.py            # 10,000 and 100,000 subscriptions, ~5 min
    python benchmarks/bench_bill_run.py --quick    # 300 and 3,000: a smoke test
    python benchmarks/bench_bill_run.py --pickle   # what a pool's chunk costs to cross, step by step

``--pickle`` times, in this process, each step 10,000 subscriptions take on a process
pool in chunks of 1,000 (what ``bill_run`` hands ``executor.submit`` and gets back):
packing the chunks (pickles of 50 subscriptions), unpacking them, billing them, packing
the results and unpacking them, the last with the garbage collector on and off, and
beside the packing, one pickle per chunk; best of 3, µs per subscription. It checks
that what is unpacked is equal to what was packed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import gc
import os
import pickle
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from decimal import ROUND_HALF_UP, Decimal

from bench_pricing import fmt_time, revision
from dateutil.relativedelta import relativedelta

import ordercore
from ordercore.money import Money
from ordercore.pricing import Line, Tax
from ordercore.subscriptions import (
    Interval,
    Meter,
    PerUnit,
    Schedule,
    Subscription,
    Timing,
    UsageRecord,
    bill_run,
)
from ordercore.subscriptions.runs import _at, _bill_chunk

try:  # the parcels a process pool's chunks cross in (--pickle)
    from ordercore.subscriptions.runs import _packed, _unpacked

    PARCELS = True
except ImportError:  # an ordercore before them: one pickle per chunk, for comparison
    PARCELS = False

    def _packed(items: list[object]) -> list[bytes]:  # type: ignore[misc]
        return [pickle.dumps(items, pickle.HIGHEST_PROTOCOL)]

    def _unpacked(parcels: list[bytes]) -> list[object]:  # type: ignore[misc]
        return [item for parcel in parcels for item in pickle.loads(parcel)]


ON = dt.date(2026, 2, 28)
CENT = Decimal("0.01")
RATE = Decimal("0.20")
CALL_PRICE = Decimal("0.002")
Row = tuple[str, str, dt.date, str]  # id, customer, start, monthly price
UsageRow = tuple[str, dt.datetime, str]  # subscription id, instant, quantity


def rows(count: int) -> tuple[list[Row], list[UsageRow]]:
    rng = random.Random(5)
    subscriptions: list[Row] = []
    usage: list[UsageRow] = []
    for n in range(count):
        start = dt.date(2026, 1, 1 + n % 28)
        subscriptions.append(
            (
                f"sub-{n}",
                f"customer-{n % 997}",
                start,
                str(Decimal(rng.randint(500, 50_000)).scaleb(-2)),
            )
        )
        for _ in range(3):
            at = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC) + dt.timedelta(
                hours=rng.randint(0, 24 * 40)
            )
            usage.append((f"sub-{n}", at, str(rng.randint(0, 5_000))))
    return subscriptions, usage


VAT = Tax.percent("VAT", "20")
METER = Meter(
    key="api",
    metric="api_calls",
    description="API calls",
    model=PerUnit(unit_price=Money("0.002", "EUR")),
    taxes=[VAT],
)
MONTHLY = Interval.months(1)


def build(
    subscriptions: list[Row], usage: list[UsageRow]
) -> tuple[list[Subscription], dict[str, list[UsageRecord]]]:
    built = [
        Subscription.start(
            id=sid,
            customer=customer,
            schedule=Schedule(start=start, interval=MONTHLY, timing=Timing.IN_ARREARS),
            items={
                "plan": Line(
                    description="Plan", quantity="1", unit_price=Money(price, "EUR"), taxes=[VAT]
                )
            },
            meters=[METER],
        )
        for sid, customer, start, price in subscriptions
    ]
    records: dict[str, list[UsageRecord]] = {}
    for sid, at, quantity in usage:
        records.setdefault(sid, []).append(
            UsageRecord(metric="api_calls", quantity=quantity, at=at)
        )
    return built, records


def with_ordercore(
    executor: Executor | None = None,
) -> Callable[[list[Row], list[UsageRow]], dict[str, Decimal]]:
    def run(subscriptions: list[Row], usage: list[UsageRow]) -> dict[str, Decimal]:
        built, records = build(subscriptions, usage)
        result = bill_run(built, on=ON, usage=records, executor=executor)
        if result.failures:
            raise SystemExit(f"failures: {result.failures[:3]}")
        return {i.subscription: i.amount_due.amount for i in result.invoices}

    return run


def by_hand(subscriptions: list[Row], usage: list[UsageRow]) -> dict[str, Decimal]:
    used: dict[str, list[tuple[dt.datetime, Decimal]]] = {}
    for sid, at, quantity in usage:
        used.setdefault(sid, []).append((at, Decimal(quantity)))
    out: dict[str, Decimal] = {}
    for sid, _customer, start, price in subscriptions:
        end = start + relativedelta(months=1, day=start.day)
        if end > ON:  # billed in arrears, on the day after the period
            continue
        begin_at = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
        end_at = dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC)
        calls = sum((q for at, q in used.get(sid, ()) if begin_at <= at < end_at), Decimal(0))
        usage_amount = (calls * CALL_PRICE).quantize(CENT, ROUND_HALF_UP)
        net = Decimal(price) + usage_amount
        out[sid] = net + (net * RATE).quantize(CENT, ROUND_HALF_UP)
    return out


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """The median time of ``repeats`` calls of ``fn``, and what the last call returned."""
    times = []
    result: object = None
    for _ in range(repeats):
        result = None
        gc.collect()
        begin = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - begin)
    return statistics.median(times), result


def best(fn: Callable[[], object], repeats: int, *, collect: bool = True) -> float:
    """The shortest time of ``repeats`` calls of ``fn``, a collected heap before each."""
    times = []
    for _ in range(repeats):
        gc.collect()
        if not collect:
            gc.disable()
        try:
            begin = time.perf_counter()
            fn()
            times.append(time.perf_counter() - begin)
        finally:
            gc.enable()
    return min(times)


def crossing(count: int = 10_000, chunk_size: int = 1_000, repeats: int = 3) -> int:
    """What ``count`` subscriptions cost to cross a process boundary, step by step.

    As ``bill_run`` on a process pool: the chunks packed, unpacked, billed, their results
    packed and unpacked, each step over every chunk in turn, what it makes kept until
    the step ends (the caller keeps every result). Beside the parcels ``bill_run`` uses,
    one pickle per chunk (how a pool pickles a call and its result itself).
    """
    subscriptions, usage = build(*rows(count))
    work = [(s, tuple(usage.get(str(s.id), ()))) for s in subscriptions]
    chunks = [work[start : start + chunk_size] for start in range(0, count, chunk_size)]
    at = _at(None, ON)
    protocol = pickle.HIGHEST_PROTOCOL
    sent = [_packed(chunk) for chunk in chunks]
    sent_whole = [pickle.dumps(chunk, protocol) for chunk in chunks]
    results = [_bill_chunk(chunk, ON, at) for chunk in chunks]
    back = [_packed(result) for result in results]
    back_whole = [pickle.dumps(result, protocol) for result in results]

    def size(parts: list[list[bytes]] | list[bytes]) -> float:
        return sum(len(b) for p in parts for b in (p if isinstance(p, list) else [p])) / count

    steps: list[tuple[str, str, float | None, Callable[[], object], bool]] = [
        (
            "packing the chunks sent",
            "parent",
            size(sent),
            lambda: [_packed(c) for c in chunks],
            True,
        ),
        (
            "  as one pickle per chunk",
            "parent",
            size(sent_whole),
            lambda: [pickle.dumps(c, protocol) for c in chunks],
            True,
        ),
        ("unpacking them", "worker", None, lambda: [_unpacked(p) for p in sent], True),
        (
            "billing them (_bill_chunk)",
            "worker",
            None,
            lambda: [_bill_chunk(c, ON, at) for c in chunks],
            True,
        ),
        (
            "packing the results (Billed)",
            "worker",
            size(back),
            lambda: [_packed(r) for r in results],
            True,
        ),
        (
            "  as one pickle per chunk",
            "worker",
            size(back_whole),
            lambda: [pickle.dumps(r, protocol) for r in results],
            True,
        ),
        (
            "unpacking the results, collector on",
            "parent",
            None,
            lambda: [_unpacked(p) for p in back],
            True,
        ),
        (
            "  as one pickle per chunk",
            "parent",
            None,
            lambda: [pickle.loads(p) for p in back_whole],
            True,
        ),
        (
            "unpacking the results, collector off",
            "parent",
            None,
            lambda: [_unpacked(p) for p in back],
            False,
        ),
    ]
    print(
        f"{count:,} subscriptions in chunks of {chunk_size:,}, pickle protocol {protocol}, "
        f"best of {repeats}:"
    )
    if not PARCELS:
        print("  (this ordercore has no parcels: each chunk and result is one pickle)")
    print(f"  {'step':40} {'where':7} {'bytes':>6} {'us':>7}   (per subscription)")
    for label, where, size_of, fn, collect in steps:
        spent = best(fn, repeats, collect=collect) / count * 1e6
        shown = f"{size_of:6,.0f}" if size_of is not None else " " * 6
        print(f"  {label:40} {where:7} {shown} {spent:7.1f}")
    if [_unpacked(p) for p in back] != results or [_unpacked(p) for p in sent] != chunks:
        print("MISMATCH: an unpacked chunk or result differs", file=sys.stderr)
        return 1
    print("The unpacked chunks and results are equal to those packed.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 and 3,000 subscriptions")
    parser.add_argument(
        "--pickle", action="store_true", help="time what a chunk costs to cross a process boundary"
    )
    args = parser.parse_args(argv)
    if args.pickle:
        return crossing()
    sizes = (300, 3_000) if args.quick else (10_000, 100_000)
    repeats = 1 if args.quick else 3  # for the smaller size; the larger runs once
    print(
        f"ordercore {ordercore.__version__} ({revision()}), Python {platform.python_version()} "
        f"({platform.python_implementation()}, libmpdec {decimal.__libmpdec_version__}), "
        f"{platform.machine()}, {platform.system()}, {os.cpu_count()} CPUs; "
        f"median of {repeats} runs at {sizes[0]:,}, one run at {sizes[1]:,}"
    )
    problems: list[str] = []
    results: dict[int, dict[str, float]] = {}
    with ProcessPoolExecutor(max_workers=2) as pool:
        pool.submit(int).result()  # start the workers before timing
        for size in sizes:
            subscriptions, usage = rows(size)
            runs = repeats if size == sizes[0] else 1
            hand, expected = timed(lambda s=subscriptions, u=usage: by_hand(s, u), runs)
            mine, got = timed(lambda s=subscriptions, u=usage: with_ordercore()(s, u), runs)
            cpu = time.process_time()  # this process's own (all its threads), not the workers'
            pooled, got_pooled = timed(
                lambda s=subscriptions, u=usage: with_ordercore(pool)(s, u), 1
            )
            cpu = time.process_time() - cpu
            if got != expected or got_pooled != expected:
                problems.append(f"{size:,} subscriptions")
            results[size] = {
                "hand": hand,
                "mine": mine,
                "pool": pooled,
                "cpu": cpu,
                "invoices": len(expected),
            }
    small, large = sizes
    print(f"\nBill run on {ON}: time per subscription (building from plain rows included)")
    print(
        f"{'subscriptions':>13} | {'invoices':>8} | {'by hand':>9} | {'ordercore':>9} | "
        f"{'ratio':>6} | {'2-process pool':>14} | {'speed-up':>8} | {'its caller CPU':>14}"
    )
    for size in sizes:
        r = results[size]
        print(
            f"{size:>13,} | {int(r['invoices']):>8,} | {fmt_time(r['hand'] / size):>9} | "
            f"{fmt_time(r['mine'] / size):>9} | {r['mine'] / r['hand']:>5.2f}x | "
            f"{fmt_time(r['pool'] / size):>14} | {r['mine'] / r['pool']:>7.2f}x | "
            f"{fmt_time(r['cpu'] / size):>14}"
        )
    growth = results[large]["mine"] / results[small]["mine"]
    print(
        f"\n{large:,} subscriptions take {growth:.2f}x the time of {small:,} "
        f"(target: at most 11x); ordercore / by hand at {large:,}: "
        f"{results[large]['mine'] / results[large]['hand']:.2f}x (target: at most 5x)"
    )
    if problems:
        print(f"\nMISMATCH at {', '.join(problems)}", file=sys.stderr)
        return 1
    print("\nAll agree: every subscription's amount due matches the one computed by hand.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
