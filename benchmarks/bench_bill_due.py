"""A bill run through storage: ``Services.bill_due`` on an SQLite file, in process and on a pool.

It stores ``N`` monthly subscriptions (one plan line and one usage meter each, started on
the first of a month so that each has one period due) in an SQLite file, and bills them
with ``Services.bill_due``: in this process, and on a 2-process pool (each worker opening
the file with ``SqlStoreOpener``), each on its own copy of the file. Beside it, the
baseline: the pure ``bill_run`` of the same subscriptions, with no storage. It reports the
time per subscription, the ratio to the baseline, the pool's speed-up, and the size of the
run's plan (the due subscriptions kept under the run's key). It checks that both runs made
the same drafts and exits with status 1 if not.

Run::

    python benchmarks/bench_bill_due.py            # 2,000 subscriptions
    python benchmarks/bench_bill_due.py --count 200
    python benchmarks/bench_bill_due.py --quick    # 100: a smoke test, noisy figures
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from ordercore import Line, Money, Request, Tax
from ordercore.services import DueRun, Services
from ordercore.storage.sql import SqlStore, SqlStoreOpener
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
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, data FROM ordercore_documents WHERE kind LIKE 'invoice%' ORDER BY id"
        ).all()
    engine.dispose()
    return [(row[0], str(row[1])) for row in rows]


def plan_size(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT length(result) FROM ordercore_results WHERE key = 'run'"
        ).scalar()
    engine.dispose()
    return int(found or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--quick", action="store_true", help="100 subscriptions: a smoke test")
    options = parser.parse_args()
    count = 100 if options.quick else options.count
    subscriptions = fleet(count)
    records = usage(subscriptions)
    folder = Path(tempfile.mkdtemp(prefix="bench-bill-due-"))
    try:
        seed = f"sqlite:///{folder / 'seed.db'}"
        store = SqlStore.from_url(seed)
        with store() as uow:
            for subscription in subscriptions:
                uow.documents.add(subscription)  # type: ignore[arg-type]
            uow.commit()
        store.close()
        for name in ("here.db", "pool.db"):
            shutil.copy(folder / "seed.db", folder / name)

        start = time.perf_counter()
        baseline = bill_run(subscriptions, on=ON, usage=records)
        pure = time.perf_counter() - start

        here_url = f"sqlite:///{folder / 'here.db'}"
        here = SqlStore.from_url(here_url)
        start = time.perf_counter()
        in_process: DueRun = Services(here).bill_due(on=ON, usage=records, request=request("run"))
        alone = time.perf_counter() - start
        here.close()

        pool_url = f"sqlite:///{folder / 'pool.db'}"
        there = SqlStore.from_url(pool_url)
        with ProcessPoolExecutor(max_workers=2) as pool:
            pool.submit(sum, [1]).result()  # the workers are up before the clock starts
            start = time.perf_counter()
            pooled = Services(there).bill_due(
                on=ON,
                usage=records,
                request=request("run"),
                executor=pool,
                opener=SqlStoreOpener(url=pool_url),
                chunk_size=max(1, count // 8),
            )
            spread = time.perf_counter() - start
        there.close()

        same = pooled == in_process and drafts(here_url) == drafts(pool_url)
        print(f"ordercore bill_due on an SQLite file, {count:,} subscriptions, 1 period each")
        print(f"  pure bill_run (no storage)  {pure / count * 1e6:9.0f} us per subscription")
        print(
            f"  bill_due in process         {alone / count * 1e6:9.0f} us per subscription"
            f"  ({alone / pure:.1f}x the pure run)"
        )
        print(
            f"  bill_due on 2 processes     {spread / count * 1e6:9.0f} us per subscription"
            f"  (speed-up {alone / spread:.2f}x)"
        )
        print(
            f"  the run's plan              {plan_size(here_url) / count:9.0f} bytes per subscription"
        )
        print(f"  invoices {len(in_process.invoices):,} (bill_run: {len(baseline.invoices):,})")
        print(f"  same drafts in process and on the pool: {same}")
        return 0 if same and len(in_process.invoices) == len(baseline.invoices) else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
