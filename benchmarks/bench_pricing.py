"""Pricing benchmark: ordercore's ``price()`` beside a hand-written Decimal loop and py-moneyed.

Prices invoices of 10, 100, 1,000 and 10,000 lines. Every line carries a 10 % discount,
VAT at 20 % and a fixed fee of 0.50 per unit, with per-rate tax rounding (the default).
The same invoices are priced three ways, in one run, side by side:

* **ordercore**: ``price(Document(...))``, which returns every per-line result;
* **Decimal loop**: the same arithmetic written by hand on ``decimal.Decimal``: gross =
  round(q x p), discount = round(gross x 0.10), net = gross - discount, line tax = net x 0.20
  + q x 0.50 (kept exact, as ordercore keeps it under per-rate rounding); nets and fees are
  summed, and VAT = round(sum of nets x 0.20), fee = round(sum of q x 0.50); every line's
  (gross, discount, net, tax) is kept in a list, as ordercore keeps it;
* **moneyed**: the very same arithmetic on ``moneyed.Money`` objects.

All three must produce the same totals (and the same per-line amounts): the script checks it
and exits with status 1 if they differ. The inputs are built before anything is timed; only
pricing is timed.

Two more cases time what comes before pricing, the document built inside the timing:

* **build + price**: ``price(Document(...))`` with every ``Line`` and ``Money`` made from
  plain Python values (the ``Decimal`` quantities and prices of the Decimal loop);
* **data + price**: ``price(document_from_data(data))`` from the plain, JSON-safe data of
  the same document (``document_to_data``), as a document read from a file or a request.

They too must agree with the Decimal loop. Their ratios are reported against the Decimal
loop and against ``price()`` alone. It reports per-invoice medians over several repeats, the ratios to the
Decimal loop, the cost per line, and the memory retained per priced line (tracemalloc: the
memory the result holds, the input document excluded). The targets are reported, not
asserted.

Run::

    python benchmarks/bench_pricing.py            # about half a minute
    python benchmarks/bench_pricing.py --quick    # a few seconds: a smoke test, noisy figures

Timings run with the garbage collector enabled, as in an application (``--no-gc`` turns it
off while timing, as ``timeit`` does by default).
"""

from __future__ import annotations

import argparse
import decimal
import gc
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import moneyed

import ordercore
from ordercore import Discount, Document, Line, Money, Policy, Tax, price
from ordercore.interop.plain import Data, document_from_data, document_to_data
from ordercore.pricing import TaxRounding

SIZES = (10, 100, 1_000, 10_000)
SEED = 16_931

CENT = Decimal("0.01")
DISCOUNT_RATE = Decimal("0.10")
VAT_RATE = Decimal("0.20")
FEE_PER_UNIT = Decimal("0.50")
ZERO = Decimal(0)

# Targets from the issues (the first three from the pricing engine's, the rest from issue 12's).
TARGET_RATIO_AT_1000 = 2.0
TARGET_FLATNESS = 1.20
TARGET_BYTES_PER_LINE = 600
TARGET_TIGHT_RATIO_AT_1000 = 1.5  # per-rate and per-line rounding alike
TARGET_FIXED_COST_10 = 10e-6  # seconds over the Decimal loop, for a 10-line invoice
TARGET_BUILD_RATIO_AT_1000 = 3.0  # built from plain values and priced, against the loop

Row = tuple[Decimal, Decimal]  # (quantity, unit price)
Totals = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]  # net, VAT, fee, tax, tax inclusive
LineResult = tuple[Decimal, Decimal, Decimal, Decimal]  # gross, discount, net, tax


# -- the workload -----------------------------------------------------------------------


def make_rows(count: int, seed: int = SEED) -> list[Row]:
    """Deterministic, varied quantities and unit prices (a prefix of the same stream)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.6:  # pieces, at a price in cents
            quantity = Decimal(rng.randint(1, 48))
            unit = Decimal(rng.randint(49, 49_999)).scaleb(-2)
        elif kind < 0.85:  # hours in quarter steps
            quantity = Decimal(rng.randint(1, 40) * 25).scaleb(-2)
            unit = Decimal(rng.randint(4_000, 18_000)).scaleb(-2)
        else:  # kilograms, with a price of four decimals per kilogram
            quantity = Decimal(rng.randint(100, 25_000)).scaleb(-3)
            unit = Decimal(rng.randint(5_000, 250_000)).scaleb(-4)
        rows.append((quantity, unit))
    return rows


VAT20 = Tax.percent("VAT", "20")
FEE = Tax.per_unit("Fee", Money("0.50", "EUR"))
TEN_OFF = Discount.percent("10")


PER_LINE = Policy(tax_rounding=TaxRounding.PER_LINE)


def make_document(rows: list[Row], policy: Policy | None = None) -> Document:
    return Document(
        currency="EUR",
        policy=policy if policy is not None else Policy(),
        items=[
            Line(
                description=f"Item {number}",
                quantity=quantity,
                unit_price=Money(unit, "EUR"),
                discounts=[TEN_OFF],
                taxes=[VAT20, FEE],
            )
            for number, (quantity, unit) in enumerate(rows, 1)
        ],
    )


def build_and_price(rows: list[Row]) -> ordercore.PricedDocument:
    """From plain values to the priced document: every Line and Money made here."""
    return price(
        Document(
            currency="EUR",
            items=[
                Line(
                    description=f"Item {number}",
                    quantity=quantity,
                    unit_price=Money(unit, "EUR"),
                    discounts=[TEN_OFF],
                    taxes=[VAT20, FEE],
                )
                for number, (quantity, unit) in enumerate(rows, 1)
            ],
        )
    )


def read_and_price(data: Data) -> ordercore.PricedDocument:
    """From plain data (strings for numbers, as JSON carries them) to the priced document."""
    return price(document_from_data(data))


# -- the three implementations ----------------------------------------------------------


def price_decimal(rows: list[Row]) -> tuple[list[LineResult], Totals]:
    """The arithmetic and nothing else, on Decimal."""
    lines = []
    append = lines.append
    sum_net = sum_fee = ZERO
    for quantity, unit in rows:
        gross = (quantity * unit).quantize(CENT, ROUND_HALF_UP)
        discount = (gross * DISCOUNT_RATE).quantize(CENT, ROUND_HALF_UP)
        net = gross - discount
        fee = quantity * FEE_PER_UNIT
        sum_net += net
        sum_fee += fee
        append((gross, discount, net, net * VAT_RATE + fee))
    vat = (sum_net * VAT_RATE).quantize(CENT, ROUND_HALF_UP)
    fee_total = sum_fee.quantize(CENT, ROUND_HALF_UP)
    tax = vat + fee_total
    return lines, (sum_net, vat, fee_total, tax, sum_net + tax)


def price_decimal_per_line(rows: list[Row]) -> tuple[list[LineResult], Totals]:
    """The same arithmetic with every tax rounded on its line (``TaxRounding.PER_LINE``)."""
    lines = []
    append = lines.append
    sum_net = sum_vat = sum_fee = ZERO
    for quantity, unit in rows:
        gross = (quantity * unit).quantize(CENT, ROUND_HALF_UP)
        discount = (gross * DISCOUNT_RATE).quantize(CENT, ROUND_HALF_UP)
        net = gross - discount
        vat = (net * VAT_RATE).quantize(CENT, ROUND_HALF_UP)
        fee = (quantity * FEE_PER_UNIT).quantize(CENT, ROUND_HALF_UP)
        sum_net += net
        sum_vat += vat
        sum_fee += fee
        append((gross, discount, net, vat + fee))
    tax = sum_vat + sum_fee
    return lines, (sum_net, sum_vat, sum_fee, tax, sum_net + tax)


M_ZERO = moneyed.Money(ZERO, "EUR")
M_FEE = moneyed.Money(FEE_PER_UNIT, "EUR")


def price_moneyed(rows: list[tuple[Decimal, moneyed.Money]]) -> tuple[list[object], Totals]:
    """The same arithmetic on moneyed.Money objects (its round() follows the context)."""
    with decimal.localcontext() as context:
        context.rounding = ROUND_HALF_UP
        lines = []
        append = lines.append
        sum_net = sum_fee = M_ZERO
        for quantity, unit in rows:
            gross = (unit * quantity).round(2)
            discount = (gross * DISCOUNT_RATE).round(2)
            net = gross - discount
            fee = M_FEE * quantity
            sum_net += net
            sum_fee += fee
            append((gross, discount, net, net * VAT_RATE + fee))
        vat = (sum_net * VAT_RATE).round(2)
        fee_total = sum_fee.round(2)
        tax = vat + fee_total
        total = sum_net + tax
    return lines, (sum_net.amount, vat.amount, fee_total.amount, tax.amount, total.amount)


# -- checking ---------------------------------------------------------------------------


def ordercore_results(
    priced: ordercore.PricedDocument,
) -> tuple[list[LineResult], Totals]:
    totals = priced.totals
    rows = {row.tax.name: row.amount.amount for row in priced.tax_breakdown}
    lines = [
        (line.gross.amount, line.discount.amount, line.net.amount, line.tax_exact.amount)
        for line in priced.lines
    ]
    return lines, (
        totals.lines_net.amount,
        rows["VAT"],
        rows["Fee"],
        totals.tax.amount,
        totals.tax_inclusive.amount,
    )


def check(
    size: int, document: Document, rows: list[Row], money_rows: list, data: Data
) -> list[str]:
    """Price once each way; return what differs (empty when all agree)."""
    problems = []
    per_line = ordercore_results(price(make_document(rows, PER_LINE)))
    if per_line != price_decimal_per_line(rows):
        problems.append(f"{size} lines: ordercore per line differs from the per-line Decimal loop")
    reference_lines, reference = price_decimal(rows)
    core_lines, core = ordercore_results(price(document))
    money_lines, money = price_moneyed(money_rows)
    names = ("lines net", "VAT", "fee", "tax", "tax inclusive")
    for who, built in (
        ("build + price", build_and_price(rows)),
        ("data + price", read_and_price(data)),
    ):
        built_lines, totals = ordercore_results(built)
        if totals != reference or built_lines != reference_lines:
            problems.append(f"{size} lines: {who} {totals} != Decimal loop {reference}")
    for who, totals in (("ordercore", core), ("moneyed", money)):
        for name, mine, theirs in zip(names, totals, reference, strict=True):
            if mine != theirs:
                problems.append(f"{size} lines: {who} {name} {mine} != Decimal loop {theirs}")
    money_plain = [tuple(m.amount if hasattr(m, "amount") else m for m in r) for r in money_lines]
    for who, lines in (("ordercore", core_lines), ("moneyed", money_plain)):
        bad = [i for i, (a, b) in enumerate(zip(lines, reference_lines, strict=True)) if a != b]
        if bad or len(lines) != len(reference_lines):
            first = bad[0] if bad else None
            problems.append(f"{size} lines: {who} per-line results differ (first at {first})")
    return problems


# -- measuring --------------------------------------------------------------------------


def run_once(function: Callable[[object], object], argument: object, number: int) -> float:
    """Seconds for ``number`` calls."""
    start = time.perf_counter()
    for _ in range(number):
        function(argument)
    return time.perf_counter() - start


def calibrate(function: Callable[[object], object], argument: object, budget: float) -> int:
    """How many calls fill about ``budget`` seconds (at least one)."""
    function(argument)  # warm up
    number = 1
    while True:
        elapsed = run_once(function, argument, number)
        if elapsed >= budget / 4:
            return max(1, round(number * budget / elapsed))
        number *= 4


def medians(
    cases: dict[str, tuple[Callable[[object], object], object]],
    repeats: int,
    budget: float,
    *,
    collect: bool,
) -> dict[str, float]:
    """Median seconds per call of each case; the cases take turns in every repeat."""
    numbers = {name: calibrate(f, a, budget) for name, (f, a) in cases.items()}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (function, argument) in cases.items():
            gc.collect()
            if not collect:
                gc.disable()
            try:
                elapsed = run_once(function, argument, numbers[name])
            finally:
                gc.enable()
            samples[name].append(elapsed / numbers[name])
    return {name: statistics.median(values) for name, values in samples.items()}


def retained(function: Callable[[object], object], argument: object) -> int:
    """Bytes still allocated after one call, held by its result (the input is made before)."""
    function(argument)  # warm caches outside the measurement
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = function(argument)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del result
    return after - before


# -- report -----------------------------------------------------------------------------


def revision() -> str:
    """The git revision of the ordercore being measured, when it runs from a checkout."""
    where = ordercore.__file__.rsplit("/src/", 1)[0]
    try:
        head = subprocess.run(
            ["git", "-C", where, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", where, "status", "--porcelain", "--untracked-files=no", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"git {head}{' + local changes in src/' if dirty else ''}"


def print_building(timings: dict[int, dict[str, float]]) -> None:
    """The table of building the document inside the timing, then pricing it."""
    print("\nBuilding the document inside the timing, then pricing it")
    header = (
        f"{'lines':>6} | {'build+price':>12} | {'data+price':>12} | {'build / Dec':>11} | "
        f"{'data / Dec':>10} | {'build / price':>13} | {'data / price':>12} | "
        f"{'build ns/line':>13} | {'data ns/line':>12}"
    )
    print(header)
    print("-" * len(header))
    for size in SIZES:
        t = timings[size]
        build, data, dec, core = t["build"], t["data"], t["decimal"], t["ordercore"]
        print(
            f"{size:>6} | {fmt_time(build):>12} | {fmt_time(data):>12} | {build / dec:>10.2f}x | "
            f"{data / dec:>9.2f}x | {build / core:>12.2f}x | {data / core:>11.2f}x | "
            f"{build / size * 1e9:>13,.0f} | {data / size * 1e9:>12,.0f}"
        )


def print_per_line(timings: dict[int, dict[str, float]]) -> None:
    """The table of the same invoices with every tax rounded on its line."""
    print("\nThe same invoices with per-line tax rounding (TaxRounding.PER_LINE)")
    header = (
        f"{'lines':>6} | {'ordercore':>12} | {'Decimal loop':>12} | {'core/Dec':>8} | "
        f"{'core ns/line':>12} | {'Dec ns/line':>11}"
    )
    print(header)
    print("-" * len(header))
    for size in SIZES:
        t = timings[size]
        core, dec = t["ordercore per line"], t["decimal per line"]
        print(
            f"{size:>6} | {fmt_time(core):>12} | {fmt_time(dec):>12} | {core / dec:>7.2f}x | "
            f"{core / size * 1e9:>12,.0f} | {dec / size * 1e9:>11,.0f}"
        )


def print_memory(memory: dict[int, dict[str, int]]) -> None:
    """The rows of the memory table: bytes retained per line."""
    for size in SIZES:
        m = memory[size]
        print(
            f"{size:>6} | {m['ordercore'] / size:>10,.0f} | {m['decimal'] / size:>12,.0f} | "
            f"{m['moneyed'] / size:>10,.0f}"
        )


def print_targets(timings: dict[int, dict[str, float]], memory: dict[int, dict[str, int]]) -> None:
    """The state of each target."""
    large = SIZES[-1]
    per_line = {size: timings[size]["ordercore"] / size for size in SIZES}
    ratio = timings[1_000]["ordercore"] / timings[1_000]["decimal"]
    spread = max(per_line.values()) / min(per_line.values())
    per_line_bytes = memory[large]["ordercore"] / large
    print("\nTargets")
    print(
        verdict(
            f"ordercore / Decimal loop at 1,000 lines: {ratio:.2f}x", ratio, TARGET_RATIO_AT_1000
        )
    )
    print(
        verdict(
            f"ordercore ns/line, slowest / fastest size (10 to 10,000 lines): {spread:.2f}",
            spread,
            TARGET_FLATNESS,
        )
    )
    print(
        verdict(
            f"retained per priced line at {large:,} lines: {per_line_bytes:,.0f} bytes",
            per_line_bytes,
            TARGET_BYTES_PER_LINE,
        )
    )
    at_1000 = timings[1_000]
    for name, core, dec in (
        ("per-rate", at_1000["ordercore"], at_1000["decimal"]),
        ("per-line", at_1000["ordercore per line"], at_1000["decimal per line"]),
    ):
        print(
            verdict(
                f"ordercore / Decimal loop at 1,000 lines, {name} tax rounding: {core / dec:.2f}x",
                core / dec,
                TARGET_TIGHT_RATIO_AT_1000,
            )
        )
    fixed = timings[10]["ordercore"] - timings[10]["decimal"]
    print(
        f"  [{'met' if fixed <= TARGET_FIXED_COST_10 else 'NOT met'}] a 10-line invoice's cost "
        f"over the Decimal loop: {fixed * 1e6:.1f} us (target <= {TARGET_FIXED_COST_10 * 1e6:g} us)"
    )
    build = at_1000["build"] / at_1000["decimal"]
    print(
        verdict(
            f"built from plain values and priced / Decimal loop at 1,000 lines: {build:.2f}x",
            build,
            TARGET_BUILD_RATIO_AT_1000,
        )
    )
    money_ratio = timings[1_000]["moneyed"] / timings[1_000]["decimal"]
    decimal_per_line = [timings[size]["decimal"] / size for size in SIZES]
    print(
        f"  (for reference: moneyed / Decimal loop at 1,000 lines: {money_ratio:.2f}x; "
        f"Decimal loop ns/line, slowest / fastest size: "
        f"{max(decimal_per_line) / min(decimal_per_line):.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument("--no-gc", action="store_true", help="disable the GC while timing")
    args = parser.parse_args(argv)
    repeats, budget = (3, 0.05) if args.quick else (9, 0.25)

    print(
        f"ordercore {ordercore.__version__} ({revision()}), Python {platform.python_version()} "
        f"({platform.python_implementation()}, libmpdec {decimal.__libmpdec_version__}), "
        f"{platform.machine()}, {platform.system()}; "
        f"{repeats} repeats of ~{budget:g} s each, GC {'off' if args.no_gc else 'on'}"
    )
    print("Each line: 10 % discount, VAT 20 %, fee EUR 0.50 per unit; per-rate tax rounding.\n")

    timings: dict[int, dict[str, float]] = {}
    memory: dict[int, dict[str, int]] = {}
    problems: list[str] = []
    for size in SIZES:
        rows = make_rows(size)
        document = make_document(rows)
        money_rows = [(q, moneyed.Money(p, "EUR")) for q, p in rows]
        data = document_to_data(document)
        problems += check(size, document, rows, money_rows, data)
        cases = {
            "ordercore": (price, document),
            "decimal": (price_decimal, rows),
            "moneyed": (price_moneyed, money_rows),
        }
        per_line_cases = {
            "ordercore per line": (price, make_document(rows, PER_LINE)),
            "decimal per line": (price_decimal_per_line, rows),
        }
        building = {"build": (build_and_price, rows), "data": (read_and_price, data)}
        timings[size] = medians(
            cases | per_line_cases | building, repeats, budget, collect=not args.no_gc
        )
        memory[size] = {name: retained(f, a) for name, (f, a) in cases.items()}

    header = (
        f"{'lines':>6} | {'ordercore':>12} | {'Decimal loop':>12} | {'moneyed':>12} | "
        f"{'core/Dec':>8} | {'money/Dec':>9} | {'core ns/line':>12} | {'Dec ns/line':>11} | "
        f"{'money ns/line':>13}"
    )
    print("Median time per invoice")
    print(header)
    print("-" * len(header))
    for size in SIZES:
        t = timings[size]
        core, dec, mon = t["ordercore"], t["decimal"], t["moneyed"]
        print(
            f"{size:>6} | {fmt_time(core):>12} | {fmt_time(dec):>12} | {fmt_time(mon):>12} | "
            f"{core / dec:>7.2f}x | {mon / dec:>8.2f}x | {core / size * 1e9:>12,.0f} | "
            f"{dec / size * 1e9:>11,.0f} | {mon / size * 1e9:>13,.0f}"
        )

    print_per_line(timings)
    print_building(timings)

    print("\nMemory retained by the result, bytes per line (tracemalloc, input excluded)")
    header = f"{'lines':>6} | {'ordercore':>10} | {'Decimal loop':>12} | {'moneyed':>10}"
    print(header)
    print("-" * len(header))
    print_memory(memory)
    small, large = SIZES[-2], SIZES[-1]
    marginal = {
        name: (memory[large][name] - memory[small][name]) / (large - small)
        for name in memory[large]
    }
    print(
        f"Each further line ({small:,} -> {large:,} lines): ordercore "
        f"{marginal['ordercore']:,.0f}, Decimal loop {marginal['decimal']:,.0f}, "
        f"moneyed {marginal['moneyed']:,.0f} bytes"
    )

    print_targets(timings, memory)

    if problems:
        print("\nMISMATCH: the implementations do not agree", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(
        "\nAll agree (ordercore, built from values and from data, the Decimal loop and "
        "py-moneyed) on every total and every line, at every size."
    )
    return 0


def fmt_time(seconds: float) -> str:
    if seconds >= 1e-1:
        return f"{seconds * 1e3:,.0f} ms"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:,.1f} us"


def verdict(text: str, value: float, limit: float) -> str:
    return f"  [{'met' if value <= limit else 'NOT met'}] {text} (target <= {limit:g})"


if __name__ == "__main__":
    sys.exit(main())
