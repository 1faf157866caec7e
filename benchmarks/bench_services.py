"""Service-layer benchmark: issuing invoices through ``Services`` on real storage.

For each backend, in one run, it creates and issues ``N`` invoices through the services
(two operations per invoice, each its own unit of work with an idempotency key and the
outbox), from plain values: a description, a quantity and a price per invoice. Beside it,
the baseline: the same domain steps (``DraftInvoice.create``, ``series.next()``,
``draft.issue``) in a hand-written loop that keeps the documents in a dict, with no storage
at all. It reports the time per operation, the ratio to the baseline, and the ratio of
``10 N`` invoices to ``N`` (linear: at most 11x, the issue's target; reported, not
asserted). It checks that every backend issued numbers 1..N and exits with status 1 if not.

Backends: ``memory`` always; ``sqlite`` (a file in a temporary directory) when the ``sql``
extra is installed; ``postgres`` when ``--postgres URL`` (or the environment variable
``ORDERCORE_TEST_POSTGRES_URL``) names a database, which is emptied first.

Run::

    python benchmarks/bench_services.py            # 10,000 and 100,000 invoices: minutes
    python benchmarks/bench_services.py --quick    # 200 and 2,000: a smoke test, noisy figures
    python benchmarks/bench_services.py --backend memory --no-gc   # one backend, the GC off
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench_pricing import fmt_time, revision, verdict

import ordercore
from ordercore import Document, DraftInvoice, Line, Money, NumberingSeries, Request, Tax
from ordercore.services import Services
from ordercore.storage.memory import MemoryStore
from ordercore.storage.ports import UnitOfWorkFactory

LINEAR = 11.0  # ten times the invoices in at most 11 times the time
DAY = dt.date(2026, 12, 1)
AT = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
VAT = Tax.percent("VAT", "20")
SERIES = NumberingSeries(prefix="INV-", width=7)

Plain = tuple[str, str, str]


def plain_invoices(count: int) -> list[Plain]:
    """``count`` invoices as plain values: description, quantity, unit price."""
    return [
        (f"Consulting {i}", str(1 + i % 9), f"{100 + i % 500}.{i % 100:02d}") for i in range(count)
    ]


def content(plain: Plain) -> Document:
    description, quantity, price = plain
    return Document(
        currency="EUR",
        items=[
            Line(
                description=description,
                quantity=quantity,
                unit_price=Money(price, "EUR"),
                taxes=[VAT],
            )
        ],
    )


def request(key: str) -> Request:
    return Request(key=key, at=AT, business_date=DAY)


def by_hand(invoices: list[Plain]) -> list[str]:
    """The baseline: the domain steps, documents kept in a dict; the numbers issued."""
    stored: dict[str, object] = {}
    series = SERIES
    numbers = []
    for i, plain in enumerate(invoices):
        draft = DraftInvoice.create(
            id=f"inv-{i}", customer="acme", content=content(plain), request=request(f"c{i}")
        ).document
        number, series = series.next()
        issued = draft.issue(
            number=number, issue_date=DAY, due_date=DAY, request=request(f"i{i}")
        ).document
        stored[issued.id] = issued
        numbers.append(issued.number)
    return numbers


def through_services(store: UnitOfWorkFactory, invoices: list[Plain]) -> list[str]:
    """Create and issue each invoice through the services; the numbers issued."""
    services = Services(store)
    services.add_series("INV", SERIES)
    numbers = []
    for i, plain in enumerate(invoices):
        services.create_invoice(
            id=f"inv-{i}", customer="acme", content=content(plain), request=request(f"c{i}")
        )
        issued = services.issue_invoice(f"inv-{i}", due_date=DAY, request=request(f"i{i}"))
        numbers.append(issued.number)
    return numbers


@contextmanager
def memory() -> Iterator[UnitOfWorkFactory]:
    yield MemoryStore()


def backends(postgres: str | None) -> dict[str, Callable[[], object]]:
    found: dict[str, Callable[[], object]] = {"memory": memory}
    try:
        from ordercore.storage import sql  # noqa: PLC0415 - only with the sql extra
    except ImportError:
        return found

    @contextmanager
    def sqlite() -> Iterator[UnitOfWorkFactory]:
        with tempfile.TemporaryDirectory() as folder:
            store = sql.SqlStore.from_url(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
            try:
                yield store
            finally:
                store.engine.dispose()

    found["sqlite"] = sqlite
    if postgres:

        @contextmanager
        def postgresql() -> Iterator[UnitOfWorkFactory]:
            store = sql.SqlStore.from_url(postgres)
            sql.metadata.drop_all(store.engine)  # an empty database for each run
            store = sql.SqlStore.from_url(postgres)
            try:
                yield store
            finally:
                sql.metadata.drop_all(store.engine)
                store.engine.dispose()

        found["postgres"] = postgresql
    return found


def timed(run: Callable[[], list[str]], collect: bool = True) -> tuple[float, list[str]]:
    """Seconds ``run`` takes, and what it returns; ``collect=False``: the GC off meanwhile."""
    gc.collect()
    if not collect:
        gc.disable()
    try:
        start = time.perf_counter()
        numbers = run()
        return time.perf_counter() - start, numbers
    finally:
        gc.enable()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 invoices")
    parser.add_argument("--postgres", default=os.environ.get("ORDERCORE_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--backend",
        action="append",
        choices=("memory", "sqlite", "postgres"),
        help="only this backend (repeatable; default: every one available)",
    )
    parser.add_argument("--no-gc", action="store_true", help="disable the GC while timing")
    args = parser.parse_args()
    collect = not args.no_gc
    small = 200 if args.quick else 10_000
    sizes = (small, small * 10)
    print(f"ordercore {ordercore.__version__} ({revision()}), Python {platform.python_version()}")
    print(f"creating and issuing invoices through the services: {sizes[0]:,} and {sizes[1]:,}")
    failed = False
    baseline: dict[int, float] = {}
    for size in sizes:
        seconds, numbers = timed(lambda size=size: by_hand(plain_invoices(size)), collect)
        baseline[size] = seconds
        print(f"  by hand (no storage)  {size:>7,}: {fmt_time(seconds / size)} per invoice")
    for name, backend in backends(args.postgres).items():
        if args.backend and name not in args.backend:
            continue
        totals = {}
        for size in sizes:
            with backend() as store:  # type: ignore[attr-defined]
                seconds, numbers = timed(
                    lambda store=store, size=size: through_services(store, plain_invoices(size)),
                    collect,
                )
            totals[size] = seconds
            expected = [SERIES.format(n) for n in range(1, size + 1)]
            if numbers != expected:
                print(f"  {name}: the numbers issued are not 1..{size}")
                failed = True
            per_operation = seconds / (2 * size)
            print(
                f"  {name:<8} {size:>7,}: {fmt_time(per_operation)} per operation, "
                f"{seconds / baseline[size]:.1f}x the baseline"
            )
        growth = totals[sizes[1]] / totals[sizes[0]]
        print(verdict(f"{name}: 10x the invoices took {growth:.1f}x the time", growth, LINEAR))
    if failed:
        return 1
    print("every backend issued numbers 1..N without gap or duplicate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
