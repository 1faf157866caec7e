"""A bill run through storage: ``Services.bill_due`` on an SQLite file, in process and on a pool.

It stores ``N`` monthly subscriptions (one plan line and one usage meter each, started on
the first of a month so that each has one period due) in an SQLite file (and, with
``--postgres URL``, in that PostgreSQL database, whose ordercore tables it empties first),
and bills them with ``Services.bill_due``: in this process, and then, stored afresh, on a
2-process pool (each worker opening the database with ``SqlStoreOpener``). Beside it, the
baseline: the pure ``bill_run`` of the same subscriptions, with no storage. It reports the
time per subscription, the ratio to the baseline, the pool's speed-up, and the size of the
run's plan (the ids and due periods kept under the run's key, a ``DuePlan``). It checks
that both runs made the same drafts and exits with status 1 if not.

Run::

    python benchmarks/bench_bill_due.py            # 2,000 subscriptions
    python benchmarks/bench_bill_due.py --count 200 --postgres postgresql+psycopg://...
    python benchmarks/bench_bill_due.py --quick    # 100: a smoke test, noisy figures
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from ordercore import Line, Money, Request, Tax
from ordercore.services import DueRun, Services
from ordercore.storage.sql import SqlStore, SqlStoreOpener, metadata
from ordercore.subscriptions import (
    Interval,
    Meter,
    PerUnit,
    Schedule,
    Subscription,
    UsageRecord,
    bill_run,
)

ON = dt.date(2026, 12, 1)
AT = dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC)
VAT = Tax.percent("VAT", "20")
API = Meter(key="api", metric="api_calls", model=PerUnit(unit_price=Money("0.01", "EUR")))


def fleet(count: int) -> list[Subscription]:
    return [
        Subscription.start(
            id=f"sub-{n:06d}",
            customer=f"customer-{n}",
            schedule=Schedule(start=ON, interval=Interval.months(1)),
            items={
                "plan": Line(
                    description="Basic",
                    quantity="1",
                    unit_price=Money(f"{9 + n % 7}.00", "EUR"),
                    taxes=[VAT],
                )
            },
            meters=[API],
        )
        for n in range(count)
    ]


def usage(subscriptions: list[Subscription]) -> dict[str, list[UsageRecord]]:
    at = dt.datetime(2026, 11, 15, tzinfo=dt.UTC)
    return {
        str(s.id): [UsageRecord(metric="api_calls", quantity=str(100 + n), at=at)]
        for n, s in enumerate(subscriptions)
    }


def request(key: str) -> Request:
    return Request(key=key, at=AT, business_date=ON)


def drafts(url: str) -> list[tuple[str, str]]:
    """The drafts stored at ``url``: id and data, as JSON text."""
    documents = metadata.tables["ordercore_documents"]
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(documents.c.id, documents.c.data)
            .where(documents.c.kind.like("invoice%"))
            .order_by(documents.c.id)
        ).all()
    engine.dispose()
    return [(row.id, json.dumps(row.data, sort_keys=True)) for row in rows]


def plan_size(url: str) -> int:
    """The length of the run's plan as JSON text."""
    results = metadata.tables["ordercore_results"]
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            sa.select(results.c.result).where(results.c.key == "run")
        ).scalar()
    engine.dispose()
    return len(json.dumps(found))


def prepare(url: str, subscriptions: list[Subscription]) -> None:
    """Empty ordercore's tables at ``url`` and store ``subscriptions``."""
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
    store = SqlStore.from_url(url)
    with store() as uow:
        for subscription in subscriptions:
            uow.documents.add(subscription)  # type: ignore[arg-type]
        uow.commit()
    store.close()


def bill(url: str, records: dict[str, list[UsageRecord]], *, workers: int) -> tuple[DueRun, float]:
    """``bill_due`` at ``url``, in process (``workers=0``) or on a pool; the run and its time."""
    store = SqlStore.from_url(url)
    try:
        if not workers:
            start = time.perf_counter()
            run = Services(store).bill_due(on=ON, usage=records, request=request("run"))
            return run, time.perf_counter() - start
        with ProcessPoolExecutor(max_workers=workers) as pool:
            pool.submit(sum, [1]).result()  # the workers are up before the clock starts
            start = time.perf_counter()
            run = Services(store).bill_due(
                on=ON,
                usage=records,
                request=request("run"),
                executor=pool,
                opener=SqlStoreOpener(url=url),
                chunk_size=max(1, len(records) // (4 * workers)),
            )
            return run, time.perf_counter() - start
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="100 subscriptions: a smoke test")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database")
    options = parser.parse_args()
    count = 100 if options.quick else options.count
    subscriptions = fleet(count)
    records = usage(subscriptions)
    start = time.perf_counter()
    baseline = bill_run(subscriptions, on=ON, usage=records)
    pure = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp(prefix="bench-bill-due-"))
    backends = [("SQLite file", f"sqlite:///{folder / 'orders.db'}")]
    if options.postgres:
        backends.append(("PostgreSQL", options.postgres))
    print(f"ordercore bill_due, {count:,} subscriptions, 1 period each")
    print(f"  pure bill_run (no storage)  {pure / count * 1e6:9.0f} us per subscription")
    agree = True
    try:
        for name, url in backends:
            prepare(url, subscriptions)
            in_process, alone = bill(url, records, workers=0)
            made, size = drafts(url), plan_size(url)
            prepare(url, subscriptions)
            pooled, spread = bill(url, records, workers=2)
            same = pooled == in_process and drafts(url) == made
            same = same and len(in_process.invoices) == len(baseline.invoices)
            agree = agree and same
            print(f"  {name}:")
            print(
                f"    in process                {alone / count * 1e6:9.0f} us per subscription"
                f"  ({alone / pure:.1f}x the pure run)"
            )
            print(
                f"    on 2 processes            {spread / count * 1e6:9.0f} us per subscription"
                f"  (speed-up {alone / spread:.2f}x)"
            )
            print(f"    the run's plan            {size / count:9.0f} bytes per subscription")
            print(f"    {len(in_process.invoices):,} invoices, the same on the pool: {same}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"in process and on the pool, the same drafts: {agree}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
