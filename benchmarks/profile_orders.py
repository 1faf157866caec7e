"""Where confirming and invoicing an order spend their time: bench_orders' workload, piece by
piece and under cProfile.

At ``--lines`` lines (1,000 by default), with the workload of ``bench_orders.py`` (every
fourth line delivered in full, then ``invoice_delivered``), it times without a profiler,
best of ``--repeats``, with the garbage collector off and on (as the bench runs):

* ``price()`` of the order's document and of the lines invoiced alone (the baselines);
* ``SalesOrder.confirm`` and ``invoice_delivered``, and their ratios to the baselines;
* the pieces of the invoice, each called alone: finding what was delivered and not
  invoiced, billing the lines (``bill_lines``: the order lines moved on, what the invoice
  takes of each, the invoice's lines priced), the invoice's tally (``TaxTally.of``);

then it runs the invoice under cProfile (collector off) and prints the functions with the
most own time, in microseconds per call. cProfile slows what it measures: read the
shares, not the absolute figures.

Run::

    python benchmarks/profile_orders.py                 # 1,000 lines
    python benchmarks/profile_orders.py --lines 10 --top 30
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
from collections.abc import Callable

from bench_orders import confirm, delivered_quarter, invoice_delivered
from bench_pricing import make_document, make_rows

from ordercore import price
from ordercore.documents import _ordering
from ordercore.documents.ordering import TaxTally


def best(function: Callable[[], object], repeats: int, *, collect: bool) -> float:
    """The best seconds per call of ``repeats`` runs of about 0.1 s each.

    Timed by hand, not by ``timeit`` (which turns the collector off while it times).
    """
    start = time.perf_counter()
    function()
    number = max(1, int(0.1 / max(time.perf_counter() - start, 1e-7)))
    results = []
    for _ in range(repeats):
        gc.collect()
        if not collect:
            gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(number):
                function()
            results.append((time.perf_counter() - start) / number)
        finally:
            gc.enable()
    return min(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)

    rows = make_rows(args.lines)
    document = make_document(rows)
    delivered, chosen = delivered_quarter(confirm(document), rows)
    quarter = make_document([rows[i] for i in chosen])
    wanted = _ordering.fulfilled_unbilled(delivered.lines)
    billed = invoice_delivered(delivered).invoice.priced

    cases: dict[str, Callable[[], object]] = {
        "price (the order's lines)": lambda: price(document),
        "price 1/4 (the lines invoiced)": lambda: price(quarter),
        "confirm": lambda: confirm(document),
        "invoice_delivered": lambda: invoice_delivered(delivered),
        "  what was delivered, not invoiced": lambda: _ordering.fulfilled_unbilled(delivered.lines),
        "  bill_lines (moved, taken, priced)": lambda: _ordering.bill_lines(
            delivered.lines, wanted, delivered.priced
        ),
        "  TaxTally.of (the invoice)": lambda: TaxTally.of(billed),
    }
    print(f"{args.lines:,} lines, {len(chosen):,} invoiced; best of {args.repeats}, us per call")
    print(f"{'':38} {'GC off':>10} {'GC on':>10}")
    times: dict[str, tuple[float, float]] = {}
    for name, function in cases.items():
        times[name] = (
            best(function, args.repeats, collect=False),
            best(function, args.repeats, collect=True),
        )
        off, on = times[name]
        print(f"{name:38} {off * 1e6:10.1f} {on * 1e6:10.1f}")
    for name, baseline in (
        ("confirm", "price (the order's lines)"),
        ("invoice_delivered", "price 1/4 (the lines invoiced)"),
    ):
        ratios = [times[name][i] / times[baseline][i] for i in (0, 1)]
        print(f"{name} / {baseline}: {ratios[0]:.2f}x (GC off), {ratios[1]:.2f}x (GC on)")

    calls = 200 if args.lines <= 100 else 20
    gc.disable()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(calls):
        invoice_delivered(delivered)
    profile.disable()
    gc.enable()
    stats = pstats.Stats(profile)
    table = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(table.items(), key=lambda item: item[1][2], reverse=True)
    print("\ninvoice_delivered under cProfile, by own time (us per call; calls per call)")
    for (path, line, name), (_, count, own, _, _) in ranked[: args.top]:
        where = path.split("/src/")[-1] if "/src/" in path else path.rsplit("/", 1)[-1]
        label = f"{where}:{line}({name})" if line else name
        print(f"  {own / calls * 1e6:8.1f}  {count / calls:7.1f}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
