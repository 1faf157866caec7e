"""Where a pure bill run spends its time: what bench_bill_run times, phase by phase and
under cProfile, per subscription.

From bench_bill_run's plain rows it times, without a profiler, building the
subscriptions and usage records, ``bill_run``, and pricing its invoices (``amount_due``),
with Python's cyclic garbage collector on (as the bench runs), off, and on with a first
threshold of 100,000 allocations, alternated, beside
the bare Decimal loop; then it runs the three under cProfile (collector off, so that its
pauses do not land on whichever function allocates) and prints the functions with the
most cumulative and the most own time, in microseconds per subscription. cProfile slows
what it measures (about 2-3x here): read the shares, not the absolute figures.

Run::

    python benchmarks/profile_bill_run.py            # 5,000 subscriptions, 5 repeats
    python benchmarks/profile_bill_run.py --count 1000 --top 40 --repeats 3
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import time

from bench_bill_run import ON, Row, UsageRow, build, by_hand, rows

from ordercore.subscriptions import bill_run


def _label(func: tuple[str, int, str]) -> str:
    path, line, name = func
    short = path.split("/src/")[-1] if "/src/" in path else path.rsplit("/", 1)[-1]
    return f"{short}:{line}({name})" if line else name


def report(stats: pstats.Stats, count: int, *, key: str, top: int) -> None:
    table = stats.stats  # type: ignore[attr-defined]
    column = {"cumulative": 3, "own": 2}[key]
    ranked = sorted(table.items(), key=lambda item: item[1][column], reverse=True)
    print(f"\n  by {key} time (us per subscription; calls per subscription)")
    for func, (_, calls, own, cumulative, _) in ranked[:top]:
        spent = cumulative if key == "cumulative" else own
        print(f"    {spent / count * 1e6:8.1f}  {calls / count:6.1f}  {_label(func)}")


#: How the cyclic garbage collector runs: as Python sets it, off, or with a first threshold
#: of 100,000 allocations (Python's default: 700), as a host may set it for a big run.
COLLECTOR = ("on", "off", "100k")


def phases(plain: list[Row], used: list[UsageRow], *, collect: str) -> dict[str, float]:
    """The seconds of each phase of what bench_bill_run times, the collector as ``collect``."""
    gc.collect()
    thresholds = gc.get_threshold()
    if collect == "off":
        gc.disable()
    elif collect == "100k":
        gc.set_threshold(100_000, *thresholds[1:])
    try:
        start = time.perf_counter()
        subscriptions, usage = build(plain, used)
        built = time.perf_counter()
        run = bill_run(subscriptions, on=ON, usage=usage)
        billed = time.perf_counter()
        for invoice in run.invoices:  # the invoices priced, as the bench reads their totals
            _ = invoice.amount_due
        priced = time.perf_counter()
    finally:
        gc.enable()
        gc.set_threshold(*thresholds)
    return {"build": built - start, "bill_run": billed - built, "price": priced - billed}


def collections(plain: list[Row], used: list[UsageRow]) -> dict[int, tuple[int, float, int]]:
    """Per generation, the collector's passes over one run (collector on): how many, the
    seconds they took, and the objects they freed."""
    found = {generation: [0, 0.0, 0] for generation in range(3)}
    began = [0.0]

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
            return
        seen = found[info["generation"]]
        seen[0] += 1
        seen[1] += time.perf_counter() - began[0]
        seen[2] += info["collected"]

    gc.collect()
    gc.callbacks.append(watch)
    try:
        subscriptions, usage = build(plain, used)
        for invoice in bill_run(subscriptions, on=ON, usage=usage).invoices:
            _ = invoice.amount_due
    finally:
        gc.callbacks.remove(watch)
    return {g: (int(n), float(t), int(freed)) for g, (n, t, freed) in found.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    count = options.count
    plain, used = rows(count)
    loops: list[float] = []
    runs: dict[str, list[dict[str, float]]] = {collect: [] for collect in COLLECTOR}
    for _ in range(options.repeats):  # alternated, so that load on the machine hits each
        for collect in COLLECTOR:
            runs[collect].append(phases(plain, used, collect=collect))
        start = time.perf_counter()
        by_hand(plain, used)
        loops.append(time.perf_counter() - start)
    loop = statistics.median(loops)
    print(f"what bench_bill_run times, {count:,} subscriptions, median of {options.repeats}:")
    print(f"  {'us per subscription, gc:':55}" + "".join(f"{c:>8}" for c in COLLECTOR))
    for name, label in (
        ("build", "building from rows (Subscription.start, UsageRecord)"),
        ("bill_run", "bill_run (periods, usage rated, drafts, events)"),
        ("price", "pricing the drafts (amount_due)"),
    ):
        spent = [statistics.median(r[name] for r in runs[c]) for c in COLLECTOR]
        print(f"  {label:55}" + "".join(f"{t / count * 1e6:8.1f}" for t in spent))
    wholes = [statistics.median(sum(r.values()) for r in runs[c]) for c in COLLECTOR]
    print(f"  {'all of it':55}" + "".join(f"{t / count * 1e6:8.1f}" for t in wholes))
    print(f"  {'the bare Decimal loop':55} {loop / count * 1e6:8.1f}")
    print(f"  {'ratio to the loop':55}" + "".join(f"{t / loop:7.1f}x" for t in wholes))
    print("  the collector's passes over one run (collector on):")
    for generation, (passes, spent, freed) in collections(plain, used).items():
        print(
            f"    generation {generation}: {passes:4} passes, "
            f"{spent / count * 1e6:7.1f} us per subscription, {freed} objects freed"
        )
    gc.collect()
    gc.disable()  # else the collector's pauses land on whichever function allocates then
    profiler = cProfile.Profile()
    profiler.enable()
    subscriptions, usage = build(plain, used)
    for invoice in bill_run(subscriptions, on=ON, usage=usage).invoices:
        _ = invoice.amount_due
    profiler.disable()
    gc.enable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"\nthe same under cProfile, gc off: {total / count * 1e6:.1f} us per subscription")
    report(stats, count, key="cumulative", top=options.top)
    report(stats, count, key="own", top=options.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
