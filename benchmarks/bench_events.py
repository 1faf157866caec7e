"""Events benchmark: storing a quote's revision event as JSON and reading it back.

What an outbox pays for each event of a unit of work, at 10, 100 and 1,000 quote lines:
a revision that changes the quantity of every line (so its delta holds one change per
line) and adds as many lines again (each written in full, taxes and all). It times:

* **record**: ``record_to_data`` of the revised quote, ``json.dumps``, ``loads`` and
  ``record_from_data``: what storing the quote itself costs, the baseline;
* **event**: the same round trip of the ``QuoteRevised`` event through ``event_to_data``
  and ``event_from_data``, against the record.

It checks that the event reads back equal (and its delta applies to the old version as
the first did), and exits with status 1 if not. The targets are reported, not asserted:
the event costs at most the record it describes (the record holds the whole content, the
event what changed), and it is linear in lines (cost per line at 1,000 lines within 20 %
of that at 100).

Run::

    python benchmarks/bench_events.py            # about ten seconds
    python benchmarks/bench_events.py --quick    # a smoke test, noisy figures
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable

from ordercore import Line, Money, Request, Tax
from ordercore.documents import DraftQuote, QuoteContent, QuoteLine, QuoteRevised
from ordercore.interop.events import event_from_data, event_to_data
from ordercore.interop.plain import loads
from ordercore.interop.records import record_from_data, record_to_data

SIZES = (10, 100, 1_000)
TARGET_RATIO = 1.0
TARGET_LINEAR = 1.2
VAT = Tax.percent("VAT", "20")


def request(key: str) -> Request:
    return Request(
        key=key,
        at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
        business_date=dt.date(2026, 11, 23),
    )


def content(size: int, quantity: int, extra: int = 0) -> QuoteContent:
    lines = [
        QuoteLine(
            key=f"line-{i}",
            line=Line(
                description=f"Item {i}",
                quantity=str(quantity + i % 7),
                unit_price=Money(f"{i % 500}.{i % 100:02d}", "EUR"),
                taxes=[VAT],
            ),
            group=f"Section {i % 5}",
        )
        for i in range(size + extra)
    ]
    return QuoteContent(currency="EUR", lines=lines)


def revision(size: int) -> tuple[DraftQuote, QuoteRevised, QuoteContent]:
    old = content(size, 1)
    quote = DraftQuote.create(
        id="q",
        customer="acme",
        content=old,
        valid_until=dt.date(2026, 12, 31),
        request=request("1"),
    ).document
    revised = quote.revise(content(size, 2, extra=size), request=request("2"))
    event = revised.events[0]
    assert isinstance(event, QuoteRevised)
    return revised.document, event, old


def record_round_trip(record: object) -> object:
    return record_from_data(loads(json.dumps(record_to_data(record))))


def event_round_trip(event: object) -> object:
    return event_from_data(loads(json.dumps(event_to_data(event))))  # type: ignore[arg-type]


def median_time(function: Callable[[object], object], argument: object, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(argument)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke test")
    repeats = 3 if parser.parse_args().quick else 15
    per_line: dict[int, float] = {}
    print(f"{'lines':>6} {'record':>10} {'event':>10} {'event/record':>13}")
    for size in SIZES:
        quote, event, old = revision(size)
        read = event_round_trip(event)
        if (
            read != event
            or not isinstance(read, QuoteRevised)
            or read.delta.apply(old) != (quote.content)
        ):
            print(f"the event of {size} lines does not read back equal", file=sys.stderr)
            return 1
        record = median_time(record_round_trip, quote, repeats)
        written = median_time(event_round_trip, event, repeats)
        per_line[size] = written / size
        print(f"{size:>6} {record * 1e3:>8.2f}ms {written * 1e3:>8.2f}ms {written / record:>13.2f}")
        if size == SIZES[-1]:
            ratio = written / record
    linear = per_line[1_000] / per_line[100]
    print(
        f"  [{'met' if ratio <= TARGET_RATIO else 'NOT met'}] event/record at 1,000 lines "
        f"{ratio:.2f} (target <= {TARGET_RATIO:g})"
    )
    print(
        f"  [{'met' if linear <= TARGET_LINEAR else 'NOT met'}] cost per line 1,000 / 100 "
        f"{linear:.2f} (target <= {TARGET_LINEAR:g})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
