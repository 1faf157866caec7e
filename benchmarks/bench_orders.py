"""Order benchmark: building, confirming and invoicing beside pricing the same lines.

At 10, 100 and 1,000 lines, in one run, with the workload of ``bench_pricing.py`` (every
line with a 10 % discount, VAT at 20 % and a fee of EUR 0.50 per unit; per-rate tax
rounding), it times:

* **Decimal loop**: the same arithmetic written by hand on ``decimal.Decimal``
  (``bench_pricing.price_decimal``): the floor;
* **build + price**: ``price(Document(...))`` with every ``Line`` and ``Money`` made from
  plain Python values (``Decimal`` quantities and prices, as a host has them) inside the
  timing, against the Decimal loop;
* **price**: ``price()`` of the document built beforehand: the baseline of the rest;
* **confirm**: ``SalesOrder.confirm(content=document, ...)``, against pricing the document;
* **confirm from quote**: ``AcceptedQuote.confirm_order(...)`` of an accepted quote with
  the same lines (the quote's content becomes the order's document), against pricing it;
* **invoice 1/4**: ``invoice_delivered`` on the order after every fourth line was
  delivered in full, against pricing a document of those lines alone.

It checks that the implementations agree and exits with status 1 if they do not: the
built document, the confirmed orders and the Decimal loop give the same totals (and the
same per-line amounts), and the invoice comes to what pricing its lines alone and the
Decimal loop on them give. The targets (from the issue) are reported, not asserted:
invoicing at most 3x pricing the lines it bills, confirming at most 2x pricing the
order, and both linear in lines (cost per line at 1,000 lines within 20 % of that at
100).

Run::

    python benchmarks/bench_orders.py            # about half a minute
    python benchmarks/bench_orders.py --quick    # a few seconds: a smoke test, noisy figures
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import platform
import sys
from collections.abc import Callable

from bench_pricing import (
    Row,
    build_and_price,
    fmt_time,
    make_document,
    make_rows,
    medians,
    ordercore_results,
    price_decimal,
    revision,
    verdict,
)

import ordercore
from ordercore import (
    AcceptedQuote,
    Document,
    DraftQuote,
    InvoicingPolicy,
    QuoteContent,
    QuoteLine,
    Request,
    SalesOrder,
    price,
)

SIZES = (10, 100, 1_000)
TARGET_INVOICE = 3.0  # invoicing at most 3x pricing the lines it bills
TARGET_CONFIRM = 2.0  # confirming at most 2x pricing the order
TARGET_LINEAR = 1.20  # cost per line at 1,000 lines at most 1.2x that at 100

DAY = dt.date(2026, 11, 23)


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=DAY)


R_CONFIRM, R_DELIVER, R_INVOICE = request("confirm"), request("deliver"), request("invoice")


# -- the operations timed ---------------------------------------------------------------


def confirm(document: Document) -> SalesOrder:
    return SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=document,
        invoicing_policy=InvoicingPolicy.DELIVERED,
        request=R_CONFIRM,
    ).document


def confirm_from_quote(quote: AcceptedQuote) -> SalesOrder:
    return quote.confirm_order(
        id="so-1", number="SO-1", invoicing_policy=InvoicingPolicy.DELIVERED, request=R_CONFIRM
    ).document


def invoice_delivered(order: SalesOrder) -> ordercore.Invoicing:
    return order.invoice_delivered(invoice_id="inv-1", request=R_INVOICE)


# -- the inputs, built before anything is timed -----------------------------------------


def accepted_quote(document: Document) -> AcceptedQuote:
    content = QuoteContent(
        currency="EUR",
        lines=[QuoteLine(key=f"l{i}", line=line) for i, line in enumerate(document.lines)],
    )
    draft = DraftQuote.create(
        id="q-1", customer="acme", content=content, valid_until=DAY, request=request("q1")
    ).document
    sent = draft.send(request=request("q2")).document
    return sent.accept(request=request("q3")).document


def delivered_quarter(order: SalesOrder, rows: list[Row]) -> tuple[SalesOrder, list[int]]:
    """The order with every fourth line delivered in full; and those lines' indexes."""
    chosen = list(range(0, len(rows), 4))
    delivered = order.record_delivery({i: rows[i][0] for i in chosen}, request=R_DELIVER)
    return delivered.document, chosen


# -- checking ---------------------------------------------------------------------------


def check(
    size: int,
    rows: list[Row],
    *,
    document: Document,
    quote: AcceptedQuote,
    delivered: SalesOrder,
    quarter: list[Row],
) -> list[str]:
    """Run each operation once; return what does not agree (empty when all agree)."""
    problems = []
    reference_lines, reference = price_decimal(rows)
    built_lines, built = ordercore_results(build_and_price(rows))
    if built != reference or built_lines != reference_lines:
        problems.append(f"{size} lines: build + price {built} != Decimal loop {reference}")
    total = reference[-1]
    for who, order in (("confirm", confirm(document)), ("quote", confirm_from_quote(quote))):
        if order.total.amount != total or order.priced.totals.tax_inclusive.amount != total:
            problems.append(f"{size} lines: {who} total {order.total.amount} != {total}")
        if [line.amount.amount for line in order.lines] != [line[2] for line in reference_lines]:
            problems.append(f"{size} lines: {who} line amounts differ from the Decimal loop")
    invoicing = invoice_delivered(delivered)
    billed = invoicing.order.invoices[-1].total.amount
    alone = price(make_document(quarter)).totals.tax_inclusive.amount
    by_hand = price_decimal(quarter)[1][-1]
    if (
        not billed == alone == by_hand
        or invoicing.invoice.priced.totals.tax_inclusive.amount != alone
    ):
        problems.append(
            f"{size} lines: invoice of 1/4 comes to {billed}; its lines priced alone "
            f"{alone}, by the Decimal loop {by_hand}"
        )
    return problems


# -- report -----------------------------------------------------------------------------

Case = tuple[Callable[[object], object], object]


def _rule(header: str) -> None:
    print(header)
    print("-" * len(header))


def _compared(ratios: dict[int, dict[str, float]]) -> str:
    return (
        "\nFor comparison (not a target): invoicing 1/4 / building those lines from plain "
        "values and pricing them, as a host prices them: "
        + ", ".join(f"{ratios[size]['invoice built']:.2f}x at {size:,}" for size in SIZES)
    )


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
    print("Each line: 10 % discount, VAT 20 %, fee EUR 0.50 per unit; per-rate tax rounding.\n")

    timings: dict[int, dict[str, float]] = {}
    problems: list[str] = []
    for size in SIZES:
        rows = make_rows(size)
        document = make_document(rows)
        quote = accepted_quote(document)
        delivered, chosen = delivered_quarter(confirm(document), rows)
        quarter = [rows[i] for i in chosen]
        quarter_document = make_document(quarter)
        problems += check(
            size, rows, document=document, quote=quote, delivered=delivered, quarter=quarter
        )
        cases: dict[str, Case] = {
            "decimal": (price_decimal, rows),
            "build": (build_and_price, rows),
            "price": (price, document),
            "confirm": (confirm, document),
            "quote": (confirm_from_quote, quote),
            "invoice": (invoice_delivered, delivered),
            "price 1/4": (price, quarter_document),
            "build 1/4": (build_and_price, quarter),
        }
        timings[size] = medians(cases, repeats, budget, collect=not args.no_gc)

    print("Median time per call")
    columns = ("decimal", "build", "price", "confirm", "quote", "invoice", "price 1/4")
    titles = (
        "Decimal loop",
        "build+price",
        "price",
        "confirm",
        "from quote",
        "invoice 1/4",
        "price 1/4",
    )
    header = f"{'lines':>6} | " + " | ".join(f"{title:>12}" for title in titles)
    _rule(header)
    for size in SIZES:
        t = timings[size]
        print(f"{size:>6,} | " + " | ".join(f"{fmt_time(t[c]):>12}" for c in columns))

    print("\nRatios, each against its baseline in the same run")
    header = (
        f"{'lines':>6} | {'build+price / Decimal':>21} | {'price / Decimal':>15} | "
        f"{'confirm / price':>15} | {'from quote / price':>18} | {'invoice / price 1/4':>19}"
    )
    _rule(header)
    ratios: dict[int, dict[str, float]] = {}
    for size in SIZES:
        t = timings[size]
        r = ratios[size] = {
            "build": t["build"] / t["decimal"],
            "price": t["price"] / t["decimal"],
            "confirm": t["confirm"] / t["price"],
            "quote": t["quote"] / t["price"],
            "invoice": t["invoice"] / t["price 1/4"],
            "invoice built": t["invoice"] / t["build 1/4"],
        }
        print(
            f"{size:>6,} | {r['build']:>20.2f}x | {r['price']:>14.2f}x | "
            f"{r['confirm']:>14.2f}x | {r['quote']:>17.2f}x | {r['invoice']:>18.2f}x"
        )

    print("\nCost per order line (ns)")
    header = f"{'lines':>6} | " + " | ".join(f"{title:>12}" for title in titles[:6])
    _rule(header)
    for size in SIZES:
        t = timings[size]
        print(f"{size:>6,} | " + " | ".join(f"{t[c] / size * 1e9:>12,.0f}" for c in columns[:6]))

    print("\nTargets")
    for size in SIZES:
        print(
            verdict(
                f"invoicing 1/4 of {size:,} lines / pricing those lines: "
                f"{ratios[size]['invoice']:.2f}x",
                ratios[size]["invoice"],
                TARGET_INVOICE,
            )
        )
    for size in SIZES:
        worst = max(ratios[size]["confirm"], ratios[size]["quote"])
        print(
            verdict(
                f"confirming {size:,} lines / pricing them (worse of document and quote): "
                f"{worst:.2f}x",
                worst,
                TARGET_CONFIRM,
            )
        )
    print(_compared(ratios))
    for name, title in (("confirm", "confirming"), ("invoice", "invoicing")):
        growth = (timings[1_000][name] / 1_000) / (timings[100][name] / 100)
        print(
            verdict(
                f"{title}: cost per line at 1,000 lines / at 100 lines: {growth:.2f}",
                growth,
                TARGET_LINEAR,
            )
        )

    if problems:
        print("\nMISMATCH: the implementations do not agree", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("\nAll agree: built, confirmed and invoiced totals match pricing and the Decimal loop.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
