"""Rendering benchmark: printing a priced document beside pricing it, in one run.

What a user of ``python -m ordercore price FILE.json [--locale L]`` waits for, at 10, 100,
1,000 and 10,000 lines (one VAT rate, a 10 % discount on every line):

* **read + price**: from the JSON text to the priced document (``loads``,
  ``document_from_data``, ``price``): the baseline, what a user of the command line waits for;
* **price**: ``price()`` alone, on a document already read: a stricter baseline;
* **text**, **text de_CH**, **html**: rendering that priced document as a plain table, as a
  table localized for de_CH, and as notebook HTML;
* **loop**: a hand-written loop doing the same formatting work (each line's seven numbers
  rounded and formatted with Python's ``format`` and joined into a line of text), for scale.

The ratios are rendering time over each baseline, measured in the same run. The targets:
rendering stays linear in lines, costs no more than reading and pricing the document
(what the command line does before it prints), and at most twice the hand-written loop.
``price()`` alone is shown for scale: it runs in C-backed Decimal arithmetic on values
already checked, so any Python string work is a few times slower. The targets are
reported, not asserted. The script exits with status 1 if a rendering does not
show the document's amount due.

Run::

    python benchmarks/bench_render.py            # about twenty seconds
    python benchmarks/bench_render.py --quick    # a smoke test, noisy figures
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_decimal_symbol, get_group_symbol

from ordercore.interop.plain import document_from_data, loads
from ordercore.pricing.engine import price
from ordercore.pricing.results import PricedDocument

SIZES = (10, 100, 1_000, 10_000)
TARGET_READ_RATIO = 1.0  # printing costs no more than reading and pricing the file
TARGET_LOOP_RATIO = 2.0  # and at most twice a hand-written formatting loop
CENT = Decimal("0.01")
_SWISS = str.maketrans({",": get_group_symbol("de_CH"), ".": get_decimal_symbol("de_CH")})


def SWISS(amount: Decimal) -> str:  # noqa: N802 - reads as the locale it stands for
    # babel's own format_decimal drops a pair of apostrophes (de_CH's group symbol since
    # CLDR 49) as pattern quoting, so the expectation is built from babel's symbols
    return format(amount, ",.2f").translate(_SWISS)


def make_json(size: int) -> str:
    lines = [
        {
            "description": f"Item {i}",
            "quantity": str(1 + i % 7),
            "unit_price": f"{i % 500}.{i % 100:02d}",
            "discounts": [{"percent": "10"}],
            "taxes": ["vat"],
        }
        for i in range(size)
    ]
    data = {
        "currency": "EUR",
        "taxes": {"vat": {"name": "VAT", "rate": "20", "code": "S"}},
        "items": lines,
    }
    return json.dumps(data)


def priced_from(text: str) -> PricedDocument:
    return price(document_from_data(loads(text)))


def hand_loop(priced: PricedDocument) -> str:
    out = []
    for number, line in enumerate(priced.lines, 1):
        cells = [str(number), line.line.description, format(line.line.quantity, "f")]
        cells.append(format(line.line.unit_price.amount, "f"))
        cells.extend(format(line[i].quantize(CENT, ROUND_HALF_UP), "f") for i in (2, 3, 4, 5, 6))
        out.append("  ".join(cells))
    return "\n".join(out)


def median_time(function: Callable[[object], object], argument: object, repeats: int) -> float:
    number = 1
    while True:  # calibrate: enough calls for ~20 ms
        start = time.perf_counter()
        for _ in range(number):
            function(argument)
        if time.perf_counter() - start > 0.02:
            break
        number *= 2
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            function(argument)
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:>7.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 9

    cases: dict[str, Callable[[PricedDocument], str]] = {
        "text": lambda p: p.to_text(),
        "text de_CH": lambda p: p.to_text(locale="de_CH"),
        "html": lambda p: p._repr_html_(),
        "loop": hand_loop,
    }
    header = (
        f"{'lines':>6} | {'read+price':>10} | {'price':>10} | "
        + " | ".join(f"{name:>10}" for name in cases)
        + " | "
        + " | ".join(f"{name + ' / price':>18}" for name in cases)
    )
    print("Median times; then rendering as a multiple of price() alone")
    print(header)
    print("-" * len(header))
    problems: list[str] = []
    worst_read = worst_loop = 0.0
    per_line: dict[str, list[float]] = {name: [] for name in cases}
    for size in SIZES:
        text = make_json(size)
        priced = priced_from(text)
        due = priced.totals.amount_due.amount
        expected = {
            "text": str(due),
            "text de_CH": SWISS(due),
            "html": str(due),
            "loop": "",
        }
        for name, render in cases.items():
            if expected[name] not in render(priced):
                problems.append(f"{name} at {size} lines does not show {expected[name]}")
        read = median_time(priced_from, text, repeats)
        document = document_from_data(loads(text))
        base = median_time(price, document, repeats)  # type: ignore[arg-type]
        seconds = {}
        for name, render in cases.items():
            seconds[name] = median_time(render, priced, repeats)  # type: ignore[arg-type]
            per_line[name].append(seconds[name] / size)
        shown = [seconds[name] for name in ("text", "text de_CH", "html")]
        worst_read = max(worst_read, max(shown) / read)
        worst_loop = max(worst_loop, max(shown) / seconds["loop"])
        print(
            f"{size:>6} | {fmt(read)} | {fmt(base)} | "
            + " | ".join(fmt(seconds[name]) for name in cases)
            + " | "
            + " | ".join(f"{seconds[name] / base:>17.2f}x" for name in cases)
        )
    spread = max(
        max(values[1:]) / min(values[1:]) for name, values in per_line.items() if name != "loop"
    )
    print(
        f"\n  [{'met' if worst_read <= TARGET_READ_RATIO else 'NOT met'}] slowest rendering / "
        f"(read + price): {worst_read:.2f}x (target <= {TARGET_READ_RATIO:g})"
    )
    print(
        f"  [{'met' if worst_loop <= TARGET_LOOP_RATIO else 'NOT met'}] slowest rendering / "
        f"hand-written loop: {worst_loop:.2f}x (target <= {TARGET_LOOP_RATIO:g})"
    )
    print(f"  rendering time per line, slowest / fastest size from 100 lines on: {spread:.2f}")
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    print("Every rendering shows the amount due, at every size.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
