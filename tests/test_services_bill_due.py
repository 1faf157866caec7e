"""Services.bill_due: a bill run through storage, each subscription in its own units of work."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import Line, Money, Request
from ordercore.documents.invoices import DraftInvoice
from ordercore.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    InvalidData,
    InvalidSubscription,
    InvalidType,
    InvalidUsage,
    NumberOutOfRange,
)
from ordercore.interop.records import record_from_data, record_to_data
from ordercore.services import (
    MAX_DERIVED_KEY,
    DueBilling,
    DueOutcome,
    DueRun,
    Services,
    derived_key,
    fingerprint,
)
from ordercore.storage.memory import MemoryStore
from ordercore.storage.ports import UnitOfWork, UnitOfWorkFactory
from ordercore.subscriptions import (
    DuePlan,
    Interval,
    Meter,
    Percentage,
    PerUnit,
    Planned,
    Schedule,
    Subscription,
    UsageRecord,
    bill_run,
)

ON = dt.date(2026, 12, 1)
PLAN = Line(description="Basic plan", quantity="1", unit_price=Money("9.00", "EUR"))


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC), business_date=ON)


def monthly(record_id: str, start: dt.date, meters: list[Meter] | None = None) -> Subscription:
    return Subscription.start(
        id=record_id,
        customer=f"customer-{record_id}",
        schedule=Schedule(start=start, interval=Interval.months(1)),
        items={"plan": PLAN},
        meters=meters or [],
    )


def calls(day: int, quantity: str) -> UsageRecord:
    return UsageRecord(
        metric="api_calls", quantity=quantity, at=dt.datetime(2026, 11, day, tzinfo=dt.UTC)
    )


API = Meter(key="api", metric="api_calls", model=PerUnit(unit_price=Money("0.01", "EUR")))
FEES = Meter(key="fees", metric="payments", model=Percentage(rate="1.5", currency="EUR"))
USAGE = {"sub-a": (calls(3, "100"), calls(20, "50"))}


@pytest.fixture(params=["memory", "sqlite-memory", "sqlite-file"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """A maker of empty storage (memory, SQLite in memory, an SQLite file)."""
    made: list[Any] = []

    def make() -> Any:
        if request.param == "memory":
            store: Any = MemoryStore()
        else:
            sql = pytest.importorskip("ordercore.storage.sql", reason="needs the sql extra")
            url = "sqlite://" if request.param == "sqlite-memory" else ""
            if not url:
                url = f"sqlite:///{tmp_path / f'orders-{len(made)}.db'}"
            store = sql.SqlStore.from_url(url)
        made.append(store)
        return store

    yield make
    for store in made:
        if hasattr(store, "close"):
            store.close()


def with_subscriptions(store: UnitOfWorkFactory) -> Services:
    """sub-a: monthly since 1 Oct, metered (3 periods due on 1 Dec); sub-b: since 1 Nov
    (2 due); sub-later: from 15 Dec (none due)."""
    services = Services(store)
    services.add_subscription(monthly("sub-a", dt.date(2026, 10, 1), [API]), request=request("a"))
    services.add_subscription(monthly("sub-b", dt.date(2026, 11, 1)), request=request("b"))
    services.add_subscription(monthly("sub-later", dt.date(2026, 12, 15)), request=request("c"))
    return services


def drafts(store: UnitOfWorkFactory) -> list[str]:
    with store() as uow:
        return sorted(draft.id for draft in uow.documents.in_state("draft", DraftInvoice))


def outcomes(run: DueRun) -> list[tuple[str, DueOutcome, tuple[int, ...]]]:
    return [(b.subscription, b.outcome, b.periods) for b in run.subscriptions]


EVERYTHING = [
    "sub-a/period-0",
    "sub-a/period-1",
    "sub-a/period-2",
    "sub-b/period-0",
    "sub-b/period-1",
]


class _Crash(Exception):
    """The process dies: not an ordercore error, so nothing reports it as a failure."""


class _Unit:
    """A unit of work of ``store`` whose ``commit`` and ``documents.get`` call hooks first."""

    def __init__(self, factory: Faulty) -> None:
        self._factory = factory
        self._uow: UnitOfWork = factory.store()
        self.numbers = self._uow.numbers
        self.idempotency = self._uow.idempotency
        self.outbox = self._uow.outbox
        self.documents = _Documents(self._uow, factory)

    def commit(self) -> None:
        self._factory.commits += 1
        if self._factory.commits == self._factory.crash_at:
            raise _Crash
        self._uow.commit()

    def rollback(self) -> None:
        self._uow.rollback()

    def __enter__(self) -> _Unit:
        self._uow.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._uow.__exit__(kind, error, traceback)


class _Documents:
    def __init__(self, uow: UnitOfWork, factory: Faulty) -> None:
        self._uow = uow
        self._factory = factory

    def get(self, record_id: str, kind: type[Any]) -> Any:
        found = self._uow.documents.get(record_id, kind)
        if record_id in self._factory.conflict_on:  # another writer saves it meanwhile
            self._factory.conflict_on.discard(record_id)
            with self._factory.store() as other:
                other.documents.save(other.documents.get(record_id, kind))
                other.commit()
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow.documents, name)


class Faulty:
    """A unit of work factory over ``store`` that crashes at commit number ``crash_at``, and
    lets another writer save each record of ``conflict_on`` right after it is read."""

    def __init__(
        self, store: Any, *, crash_at: int | None = None, conflict_on: set[str] | None = None
    ) -> None:
        self.store = store
        self.crash_at = crash_at
        self.conflict_on = set() if conflict_on is None else conflict_on
        self.commits = 0

    def __call__(self) -> Any:
        return _Unit(self)


# -- billing what is due -----------------------------------------------------------------


def test_every_due_period_of_every_due_subscription_is_billed_by_bill_period(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    run = services.bill_due(on=ON, usage=USAGE, request=request("run-1"))
    assert outcomes(run) == [
        ("sub-a", DueOutcome.BILLED, (0, 1, 2)),
        ("sub-b", DueOutcome.BILLED, (0, 1)),
    ]
    assert run.invoices == tuple(EVERYTHING)
    assert run.failed == ()
    assert drafts(store) == EVERYTHING
    with store() as uow:
        assert uow.documents.subscriptions_due(ON) == ()
        first = uow.documents.get("sub-a/period-1", DraftInvoice)
    # the very request of bill_period, key and fingerprint: it returns the first draft
    again = services.bill_period(
        "sub-a", 1, usage=USAGE["sub-a"], request=request("run-1/sub-a/period-1")
    )
    assert again == first
    assert drafts(store) == EVERYTHING
    assert repr(run) == "DueRun(on='2026-12-01', billed=2, skipped=0, failed=0, invoices=5)"


def test_the_same_run_again_bills_nothing_twice_and_returns_what_was_billed(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    first = services.bill_due(on=ON, usage=USAGE, request=request("run-1"))
    again = services.bill_due(on=ON, usage=USAGE, request=request("run-1"))
    assert again == first
    assert drafts(store) == EVERYTHING
    later = services.bill_due(on=ON, usage=USAGE, request=request("run-2"))  # a new run
    assert later.subscriptions == ()


@pytest.mark.parametrize("crash_at", [1, 2, 4, 6])
def test_a_run_retried_after_a_crash_half_way_bills_each_period_once(
    new_store: Callable[[], Any], crash_at: int
) -> None:
    """Commit 1 is the plan; 2 to 6 the five periods: the crash is before that commit."""
    store = new_store()
    with_subscriptions(store)
    with pytest.raises(_Crash):
        Services(Faulty(store, crash_at=crash_at)).bill_due(
            on=ON, usage=USAGE, request=request("run-1")
        )
    assert len(drafts(store)) == max(crash_at - 2, 0)  # the periods committed before
    run = Services(store).bill_due(on=ON, usage=USAGE, request=request("run-1"))
    assert run.invoices == tuple(EVERYTHING)
    assert drafts(store) == EVERYTHING
    uninterrupted = new_store()
    with_subscriptions(uninterrupted)
    assert Services(uninterrupted).bill_due(on=ON, usage=USAGE, request=request("run-1")) == run
    with store() as uow, uninterrupted() as theirs:
        for invoice in EVERYTHING:
            assert uow.documents.get(invoice, DraftInvoice) == theirs.documents.get(
                invoice, DraftInvoice
            )


def test_a_failing_subscription_does_not_stop_the_others_and_the_retry_bills_it(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    services.add_subscription(
        monthly("sub-c", dt.date(2026, 10, 1), [FEES]), request=request("add-c")
    )
    usage = {
        **USAGE,
        "sub-c": [
            UsageRecord(metric="payments", at=dt.datetime(2026, 10, 5, tzinfo=dt.UTC))
        ],  # a percentage charge without a transaction amount: bad usage
    }
    faulty = Faulty(store, conflict_on={"sub-a"})
    run = Services(faulty).bill_due(on=ON, usage=usage, request=request("run-1"))
    assert outcomes(run) == [
        ("sub-a", DueOutcome.FAILED, ()),
        ("sub-b", DueOutcome.BILLED, (0, 1)),
        ("sub-c", DueOutcome.FAILED, (0,)),  # period 0 billed; its usage fails period 1
    ]
    failed_a, _, failed_c = run.subscriptions
    assert isinstance(failed_a.error, ConcurrencyConflict)
    assert failed_a.error.record == "sub-a"
    assert isinstance(failed_c.error, InvalidUsage)
    assert failed_c.error.field == "amount"
    assert [billing.subscription for billing in run.failed] == ["sub-a", "sub-c"]
    assert str(run).splitlines() == [
        "Bill run on 2026-12-01: 1 billed, 0 skipped, 2 failed, 3 invoices",
        "  failed: sub-a: ConcurrencyConflict (periods billed before: 0)",
        "  failed: sub-c: InvalidUsage (periods billed before: 1)",
    ]
    assert run._repr_html_().startswith("<pre>Bill run on 2026-12-01")
    assert drafts(store) == ["sub-b/period-0", "sub-b/period-1", "sub-c/period-0"]
    retried = services.bill_due(on=ON, usage=usage, request=request("run-1"))
    assert outcomes(retried) == [
        ("sub-a", DueOutcome.BILLED, (0, 1, 2)),
        ("sub-b", DueOutcome.BILLED, (0, 1)),
        ("sub-c", DueOutcome.FAILED, (0,)),  # its usage is still bad
    ]
    assert drafts(store) == [*EVERYTHING, "sub-c/period-0"]


def test_a_period_billed_under_another_key_meanwhile_is_skipped(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    with pytest.raises(_Crash):  # the plan is kept, nothing billed
        Services(Faulty(store, crash_at=2)).bill_due(on=ON, usage=USAGE, request=request("r"))
    services.bill_period("sub-b", 0, request=request("by-hand-0"))
    services.bill_period("sub-b", 1, request=request("by-hand-1"))
    run = services.bill_due(on=ON, usage=USAGE, request=request("r"))
    assert outcomes(run) == [
        ("sub-a", DueOutcome.BILLED, (0, 1, 2)),
        ("sub-b", DueOutcome.SKIPPED, ()),
    ]
    assert run.subscriptions[1] == DueBilling(
        subscription="sub-b", outcome=DueOutcome.SKIPPED, skipped=(0, 1)
    )
    assert drafts(store) == EVERYTHING


# -- refused before anything changes -------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"on": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)}, "on"),
        ({"on": "2026-12-01"}, "on"),
        ({"usage": [calls(3, "1")]}, "usage"),
        ({"usage": {"sub-a": [PLAN]}}, "usage['sub-a'][0]"),
        ({"usage": {"sub-a": "api_calls"}}, "usage['sub-a']"),
        ({"usage": {7: []}}, "usage"),
        ({"request": 7}, "request"),
    ],
)
def test_bad_input_is_refused_before_anything_changes(
    new_store: Callable[[], Any], arguments: dict[str, Any], field: str
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    given: dict[str, Any] = {"on": ON, "usage": USAGE, "request": request("run-1"), **arguments}
    with pytest.raises(InvalidType) as refused:
        services.bill_due(**given)
    assert refused.value.field == field
    assert drafts(store) == []
    run = services.bill_due(on=ON, usage=USAGE, request=request("run-1"))  # the key is free
    assert run.invoices == tuple(EVERYTHING)


def test_the_same_key_with_another_day_or_usage_is_refused_and_bills_nothing(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    with pytest.raises(_Crash):  # the plan is kept, nothing billed
        Services(Faulty(store, crash_at=2)).bill_due(on=ON, usage=USAGE, request=request("r"))
    for other in ({"on": ON + dt.timedelta(days=1), "usage": USAGE}, {"on": ON, "usage": {}}):
        with pytest.raises(IdempotencyConflict) as refused:
            services.bill_due(request=request("r"), **other)
        assert refused.value.key == "r"
    assert drafts(store) == []


# -- on an executor --------------------------------------------------------------------------

WAIT = 120  # seconds: the longest a run on a pool may take (a hang fails, never blocks)


def bounded(run: Callable[[], DueRun]) -> DueRun:
    """``run()`` in a thread, waited for at most ``WAIT`` seconds."""
    outer = ThreadPoolExecutor(max_workers=1)
    try:
        return outer.submit(run).result(timeout=WAIT)
    finally:
        outer.shutdown(wait=False)  # after a timeout, the test fails rather than waits


def test_a_run_on_a_process_pool_over_an_sqlite_file_is_the_run_in_process(
    tmp_path: Path,
) -> None:
    sql = pytest.importorskip("ordercore.storage.sql", reason="needs the sql extra")
    here, there = (sql.SqlStore.from_url(f"sqlite:///{tmp_path / name}") for name in "ab")
    bad = {"sub-c": [UsageRecord(metric="payments", at=dt.datetime(2026, 10, 5, tzinfo=dt.UTC))]}
    usage = {**USAGE, **bad}
    for store in (here, there):
        with_subscriptions(store).add_subscription(
            monthly("sub-c", dt.date(2026, 10, 1), [FEES]), request=request("add-c")
        )
    in_process = Services(here).bill_due(on=ON, usage=usage, request=request("run-1"))
    opener = sql.SqlStoreOpener(url=f"sqlite:///{tmp_path / 'b'}")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:

        def run() -> DueRun:
            return Services(there).bill_due(
                on=ON,
                usage=usage,
                request=request("run-1"),
                executor=pool,
                opener=opener,
                chunk_size=1,
            )

        pooled = bounded(run)
        again = bounded(run)
    assert pooled == in_process
    assert again == pooled
    failed = pooled.subscriptions[-1]
    assert failed.outcome is DueOutcome.FAILED
    assert isinstance(failed.error, InvalidUsage)  # sent back whole from the worker
    assert failed.error.field == "amount"
    assert drafts(there) == drafts(here) == [*EVERYTHING, "sub-c/period-0"]
    with here() as mine, there() as theirs:
        for invoice in drafts(here):
            assert mine.documents.get(invoice, DraftInvoice) == theirs.documents.get(
                invoice, DraftInvoice
            )
    here.close()
    there.close()


def test_a_run_on_a_thread_pool_is_the_run_in_process() -> None:
    here, there = MemoryStore(), MemoryStore()
    with_subscriptions(here)
    with_subscriptions(there)
    in_process = Services(here).bill_due(on=ON, usage=USAGE, request=request("run-1"))
    with ThreadPoolExecutor(max_workers=3) as pool:
        pooled = Services(there).bill_due(
            on=ON,
            usage=USAGE,
            request=request("run-1"),
            executor=pool,
            opener=lambda: there,
            chunk_size=1,
        )
    assert pooled == in_process
    assert drafts(there) == EVERYTHING


@pytest.mark.parametrize(
    ("arguments", "error", "field"),
    [
        ({"executor": "pool", "opener": MemoryStore}, InvalidType, "executor"),
        ({"opener": None}, InvalidType, "opener"),
        ({"opener": "sqlite:///orders.db"}, InvalidType, "opener"),
        ({"chunk_size": 0}, NumberOutOfRange, "chunk_size"),
        ({"chunk_size": 1.5}, InvalidType, "chunk_size"),
    ],
)
def test_bad_executor_settings_are_refused_before_anything_changes(
    arguments: dict[str, Any], error: type[Exception], field: str
) -> None:
    store = MemoryStore()
    services = with_subscriptions(store)
    with ThreadPoolExecutor(max_workers=1) as pool:
        given: dict[str, Any] = {"executor": pool, "opener": lambda: store, **arguments}
        with pytest.raises(error) as refused:
            services.bill_due(on=ON, request=request("run-1"), **given)
    assert getattr(refused.value, "field", None) == field
    assert drafts(store) == []
    assert services.bill_due(on=ON, request=request("run-1")).invoices == tuple(EVERYTHING)


def test_an_opener_takes_a_database_other_processes_reach() -> None:
    sql = pytest.importorskip("ordercore.storage.sql", reason="needs the sql extra")
    for url in ("sqlite://", "sqlite:///:memory:"):
        with pytest.raises(InvalidType) as refused:
            sql.SqlStoreOpener(url=url)
        assert refused.value.field == "url"


def test_ordercore_errors_pickle_with_their_attributes() -> None:
    conflict = ConcurrencyConflict(record="sub-a", expected=2, found=3)
    back = pickle.loads(pickle.dumps(conflict))
    assert type(back) is ConcurrencyConflict
    assert (back.record, back.expected, back.found) == ("sub-a", 2, 3)
    assert back.args == conflict.args


def test_on_postgresql_a_run_with_a_failure_retried_on_a_process_pool_bills_each_period_once() -> (
    None
):
    sql = pytest.importorskip("ordercore.storage.sql", reason="needs the sql extra")
    url = os.environ.get("ORDERCORE_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("ORDERCORE_REQUIRE_POSTGRES") == "1":
            pytest.fail("ORDERCORE_REQUIRE_POSTGRES=1 but ORDERCORE_TEST_POSTGRES_URL is unset")
        pytest.skip("PostgreSQL: set ORDERCORE_TEST_POSTGRES_URL to a database to run these")
    import sqlalchemy as sa  # noqa: PLC0415 - with the extra, as the adapter

    engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    sql.metadata.drop_all(engine)  # a fresh database
    engine.dispose()
    store = sql.SqlStore.from_url(url)
    with_subscriptions(store)
    first = Services(Faulty(store, conflict_on={"sub-b"})).bill_due(
        on=ON, usage=USAGE, request=request("run-1")
    )
    assert outcomes(first) == [
        ("sub-a", DueOutcome.BILLED, (0, 1, 2)),
        ("sub-b", DueOutcome.FAILED, ()),
    ]
    assert isinstance(first.subscriptions[1].error, ConcurrencyConflict)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        retried = bounded(
            lambda: Services(store).bill_due(
                on=ON,
                usage=USAGE,
                request=request("run-1"),
                executor=pool,
                opener=sql.SqlStoreOpener(url=url),
                chunk_size=1,
            )
        )
    in_memory = MemoryStore()
    with_subscriptions(in_memory)
    assert retried == Services(in_memory).bill_due(on=ON, usage=USAGE, request=request("run-1"))
    assert drafts(store) == EVERYTHING
    store.close()


def test_a_preview_of_a_run_gives_its_result_and_writes_nothing(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    previewed = services.preview().bill_due(on=ON, usage=USAGE, request=request("run-1"))
    assert drafts(store) == []
    with store() as uow:
        assert [s.id for s in uow.documents.subscriptions_due(ON)] == ["sub-a", "sub-b"]
    assert services.bill_due(on=ON, usage=USAGE, request=request("run-1")) == previewed


@pytest.mark.parametrize("pooled", [False, True])
def test_the_events_of_a_run_reach_the_handler_after_their_commits(pooled: bool) -> None:
    store = MemoryStore()
    with_subscriptions(store)
    seen: list[object] = []
    services = Services(store, on_event=seen.append)
    with ThreadPoolExecutor(max_workers=2) as pool:
        pool_options: dict[str, Any] = (
            {"executor": pool, "opener": lambda: store, "chunk_size": 1} if pooled else {}
        )
        services.bill_due(on=ON, usage=USAGE, request=request("run-1"), **pool_options)
    with store() as uow:
        assert uow.outbox.pending() == ()  # every event delivered
    billed = sorted({str(getattr(event, "document_id", "")) for event in seen})
    assert billed == EVERYTHING


# -- the plan: ids and periods, read back through the repository --------------------------


def kept_plan(store: UnitOfWorkFactory, key: str, on: dt.date = ON, usage: Any = USAGE) -> object:
    """What the run ``key`` keeps under its key (the plan), as storage reads it back."""
    records = {subscription: tuple(found) for subscription, found in usage.items()}
    with store() as uow:
        return uow.idempotency.get(key, fingerprint("bill_due", on=on, usage=records))


def plan_bytes(plan: object) -> int:
    """The length of ``plan`` as the JSON text storage keeps (a record, or a tuple of them)."""
    if isinstance(plan, tuple):
        return len(json.dumps({"records": [record_to_data(item) for item in plan]}))
    return len(json.dumps({"record": record_to_data(plan)}))


def test_the_plan_kept_is_the_ids_and_due_periods_not_the_subscriptions(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    services.bill_due(on=ON, usage=USAGE, request=request("run-1"))
    assert kept_plan(store, "run-1") == DuePlan(
        on=ON,
        due=(
            Planned(subscription="sub-a", periods=(0, 1, 2)),
            Planned(subscription="sub-b", periods=(0, 1)),
        ),
    )


def test_the_plan_takes_tens_of_bytes_per_subscription_where_the_subscriptions_took_hundreds() -> (
    None
):
    subscriptions = [monthly(f"sub-{n:06d}", dt.date(2026, 12, 1), [API]) for n in range(1_000)]
    before = plan_bytes(tuple(subscriptions))  # what the plan was: the subscriptions due
    after = plan_bytes(DuePlan.of(subscriptions, on=ON))
    assert after / len(subscriptions) < 25  # ["sub-000001", [0]], : 20 bytes
    assert before / after > 20


def test_a_plan_kept_by_the_earlier_version_is_followed_as_it_was(
    new_store: Callable[[], Any],
) -> None:
    """The plan was the tuple of subscriptions due: a retry bills their due periods."""
    store = new_store()
    services = with_subscriptions(store)
    with store() as uow:
        due = uow.documents.subscriptions_due(ON)
        records = {"sub-a": USAGE["sub-a"]}
        uow.idempotency.put("run-1", fingerprint("bill_due", on=ON, usage=records), due)
        uow.commit()
    services.bill_period("sub-b", 0, request=request("by-hand"))  # billed meanwhile
    run = services.bill_due(on=ON, usage=USAGE, request=request("run-1"))
    assert outcomes(run) == [
        ("sub-a", DueOutcome.BILLED, (0, 1, 2)),
        ("sub-b", DueOutcome.BILLED, (1,)),
    ]
    assert run.subscriptions[1].skipped == (0,)
    assert drafts(store) == EVERYTHING
    assert services.bill_due(on=ON, usage=USAGE, request=request("run-1")) == run


def test_a_plan_reads_back_from_its_data_and_refuses_bad_data() -> None:
    plan = DuePlan(
        on=ON,
        due=(
            Planned(subscription="sub-a", periods=(0, 1)),
            Planned(subscription="sub-x", periods=(), pending=True),
        ),
    )
    data = record_to_data(plan)
    assert data == {
        "kind": "bill_due.plan",
        "schema": 1,
        "on": "2026-12-01",
        "due": [["sub-a", [0, 1]], ["sub-x", []]],
        "pending": ["sub-x"],
    }
    assert record_from_data(json.loads(json.dumps(data))) == plan
    assert repr(plan) == "DuePlan(on='2026-12-01', subscriptions=2, periods=2, pending=1)"
    for bad, path in [
        ({**data, "due": [["sub-a"]]}, "due[0]"),
        ({**data, "due": [["sub-a", [True]]]}, "due[0][1][0]"),
        ({**data, "due": [[7, [0]]]}, "due[0][0]"),
        ({**data, "pending": ["sub-b"]}, "pending"),
        ({**data, "on": "2026-13-01"}, "on"),
        ({**data, "extra": 1}, ""),
    ]:
        with pytest.raises(InvalidData) as refused:
            record_from_data(bad)
        assert refused.value.path == path


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"subscription": ""}, "subscription"),
        ({"periods": [1.0]}, "periods"),
        ({"periods": "01"}, "periods"),
        ({"pending": 1}, "pending"),
    ],
)
def test_a_planned_subscription_refuses_bad_values(arguments: dict[str, Any], field: str) -> None:
    given: dict[str, Any] = {"subscription": "sub-a", "periods": (0,), **arguments}
    with pytest.raises(InvalidType) as refused:
        Planned(**given)
    assert refused.value.field == field


def test_a_plan_refuses_bad_values() -> None:
    planned = Planned(subscription="sub-a", periods=(0,))
    with pytest.raises(InvalidType) as refused:
        DuePlan(on=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), due=(planned,))
    assert refused.value.field == "on"
    with pytest.raises(InvalidType) as refused:
        DuePlan(on=ON, due=(planned, "sub-b"))  # type: ignore[arg-type]
    assert refused.value.field == "due"
    with pytest.raises(InvalidSubscription) as twice:
        DuePlan(on=ON, due=(planned, planned))
    assert twice.value.field == "due"
    with pytest.raises(InvalidSubscription) as no_id:
        DuePlan.of([attrs.evolve(monthly("sub-a", ON), id=None)], on=ON)
    assert no_id.value.field == "id"


# -- what waits on a subscription that ended -----------------------------------------------


def cancelled(services: Services, record_id: str, *, billed: int, at: dt.date) -> None:
    """Store ``record_id`` (metered, monthly since 1 Oct), bill its first ``billed``
    periods, and cancel it at once on ``at``: the credit for the rest waits."""
    services.add_subscription(
        monthly(record_id, dt.date(2026, 10, 1), [API]), request=request(f"add-{record_id}")
    )
    for index in range(billed):
        services.bill_period(record_id, index, request=request(f"{record_id}-{index}"))
    services.cancel_subscription(record_id, at, request=request(f"cancel-{record_id}"))


#: The drafts of ``cancelled(..., "sub-x", billed=2, ...)``.
X_BILLED = ["sub-x/period-0", "sub-x/period-1"]


def stored(store: UnitOfWorkFactory, record_id: str, kind: type[Any]) -> Any:
    with store() as uow:
        return uow.documents.get(record_id, kind)


def test_what_waits_on_a_subscription_cancelled_is_invoiced_from_its_end_day_once(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = Services(store)
    cancelled(services, "sub-x", billed=2, at=dt.date(2026, 11, 20))  # credit: 20 Nov to 1 Dec
    usage = {"sub-x": (calls(3, "100"),)}
    before = stored(store, "sub-x", Subscription)
    assert services.bill_due(on=dt.date(2026, 11, 19), usage=usage, request=request("r0")) == (
        DueRun(on=dt.date(2026, 11, 19), subscriptions=())
    )
    run = services.bill_due(on=ON, usage=usage, request=request("run-1"))
    assert run.subscriptions == (
        DueBilling(
            subscription="sub-x",
            outcome=DueOutcome.BILLED,
            invoices=("sub-x/pending-4",),
            pending=True,
        ),
    )
    assert kept_plan(store, "run-1", usage=usage) == DuePlan(
        on=ON, due=(Planned(subscription="sub-x", periods=(), pending=True),)
    )
    draft = stored(store, "sub-x/pending-4", DraftInvoice)
    pure = bill_run([before], on=ON, usage=usage)  # the pure run invoices the same
    assert draft.content == pure.invoices[0].draft.content
    assert pure.invoices[0].amount_due == Money("-2.30", "EUR")  # 11/30 of 9.00 back, 1.00 used
    assert services.bill_due(on=ON, usage=usage, request=request("run-1")) == run
    later = services.bill_due(on=ON, usage=usage, request=request("run-2"))
    assert later.subscriptions == ()  # nothing waits any more
    with store() as uow:
        assert uow.documents.subscriptions_due(dt.date(2027, 12, 1)) == ()
    assert "sub-x/pending-4" in drafts(store)


def test_a_run_bills_the_due_periods_then_what_waits_as_the_pure_run_does(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = with_subscriptions(store)
    cancelled(services, "sub-x", billed=1, at=dt.date(2026, 11, 20))  # period 1 is due too
    cancelled(services, "sub-y", billed=3, at=dt.date(2026, 12, 15))  # ends after the day
    usage = {**USAGE, "sub-x": (calls(3, "100"), calls(25, "40"))}
    with store() as uow:
        everything = [uow.documents.get(s, Subscription) for s in ("sub-a", "sub-b", "sub-x")]
    run = services.bill_due(on=ON, usage=usage, request=request("run-1"))
    assert outcomes(run) == [
        ("sub-a", DueOutcome.BILLED, (0, 1, 2)),
        ("sub-b", DueOutcome.BILLED, (0, 1)),
        ("sub-x", DueOutcome.BILLED, (1,)),
    ]
    assert run.subscriptions[-1].pending
    assert run.subscriptions[-1].invoices == ("sub-x/period-1", "sub-x/pending-4")
    pure = bill_run(everything, on=ON, usage=usage)
    assert len(pure.invoices) == len(run.invoices)
    for made, expected in zip(run.invoices, pure.invoices, strict=True):
        assert stored(store, made, DraftInvoice).content == expected.draft.content


def test_what_waits_invoiced_by_another_request_meanwhile_is_skipped(
    new_store: Callable[[], Any],
) -> None:
    store = new_store()
    services = Services(store)
    cancelled(services, "sub-x", billed=2, at=dt.date(2026, 11, 20))
    with pytest.raises(_Crash):  # the plan is kept, nothing billed
        Services(Faulty(store, crash_at=2)).bill_due(on=ON, request=request("r"))
    by_hand = services.invoice_pending("sub-x", on=ON, request=request("by-hand"))
    run = services.bill_due(on=ON, request=request("r"))
    assert run.subscriptions == (DueBilling(subscription="sub-x", outcome=DueOutcome.SKIPPED),)
    assert drafts(store) == sorted(["sub-x/period-0", "sub-x/period-1", by_hand.id])


# -- long keys ---------------------------------------------------------------------------------


def test_a_derived_key_of_255_characters_is_kept_and_a_longer_one_is_its_digest() -> None:
    tail = "/sub-a/period-0"
    assert derived_key("k" * (MAX_DERIVED_KEY - len(tail)), "sub-a", "period-0") == (
        "k" * (MAX_DERIVED_KEY - len(tail)) + tail
    )
    long = derived_key("k" * (MAX_DERIVED_KEY - len(tail) + 1), "sub-a", "period-0")
    assert long.startswith("bill-due/")
    assert len(long) == 73
    assert long == derived_key("k" * (MAX_DERIVED_KEY - len(tail) + 1), "sub-a", "period-0")
    others = {
        derived_key("k" * 300, subscription, what)
        for subscription in ("sub-a", "sub-b")
        for what in ("period-0", "period-1", "pending")
    }
    assert len(others) == 6


@pytest.mark.parametrize("extra", [0, 1, len("/sub-a/period-0")])  # the last: a run key of 255
def test_a_run_whose_derived_keys_pass_255_characters_bills_and_retries_on_sql(
    new_store: Callable[[], Any], extra: int
) -> None:
    """The run's key at most 255 characters, as storage holds; its derived keys up to 255
    are kept as they are, longer ones digested: the run bills, and its retry finds them."""
    store = new_store()
    services = with_subscriptions(store)
    tail = len("/sub-a/period-0")  # as long as "/sub-b/period-1"
    key = "k" * (MAX_DERIVED_KEY - tail + extra)
    run = services.bill_due(on=ON, usage=USAGE, request=request(key))
    assert run.failed == ()
    assert run.invoices == tuple(EVERYTHING)
    assert services.bill_due(on=ON, usage=USAGE, request=request(key)) == run
    assert drafts(store) == EVERYTHING
    asked = derived_key(key, "sub-b", "period-1")
    assert (asked == f"{key}/sub-b/period-1") is (extra == 0)
    again = services.bill_period("sub-b", 1, request=request(asked))  # that very request
    assert again.id == "sub-b/period-1"


def test_a_run_on_a_dask_cluster_over_an_sqlite_file_is_the_run_in_process(
    tmp_path: Path,
) -> None:
    distributed = pytest.importorskip(
        "distributed", reason="the dask extra is not installed (pip install 'py-ordercore[dask]')"
    )
    sql = pytest.importorskip("ordercore.storage.sql", reason="needs the sql extra")
    here, there = (sql.SqlStore.from_url(f"sqlite:///{tmp_path / name}") for name in "ab")
    for store in (here, there):
        services = with_subscriptions(store)
        cancelled(services, "sub-x", billed=2, at=dt.date(2026, 11, 20))
    usage = {**USAGE, "sub-x": (calls(3, "100"),)}
    in_process = Services(here).bill_due(on=ON, usage=usage, request=request("run-1"))
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = bounded(
            lambda: Services(there).bill_due(
                on=ON,
                usage=usage,
                request=request("run-1"),
                executor=client.get_executor(),
                opener=sql.SqlStoreOpener(url=f"sqlite:///{tmp_path / 'b'}"),
                chunk_size=1,
            )
        )
    assert on_dask == in_process
    assert on_dask.subscriptions[-1].pending
    assert drafts(there) == drafts(here) == sorted([*EVERYTHING, *X_BILLED, "sub-x/pending-4"])
    with here() as mine, there() as theirs:
        for invoice in drafts(here):
            assert mine.documents.get(invoice, DraftInvoice) == theirs.documents.get(
                invoice, DraftInvoice
            )
    here.close()
    there.close()


def test_a_preview_takes_each_subscriptions_steps_in_order_as_the_run_does(
    new_store: Callable[[], Any],
) -> None:
    """Period 1, then what waits: the pending draft's id counts the versions the steps
    before it made, so the preview gives it only when each step sees the one before."""
    store = new_store()
    services = with_subscriptions(store)
    cancelled(services, "sub-x", billed=1, at=dt.date(2026, 11, 20))
    usage = {**USAGE, "sub-x": (calls(3, "100"), calls(25, "40"))}
    previewed = services.preview().bill_due(on=ON, usage=usage, request=request("run-1"))
    assert drafts(store) == ["sub-x/period-0"]  # nothing written
    run = services.bill_due(on=ON, usage=usage, request=request("run-1"))
    assert previewed == run
    assert run.subscriptions[-1].invoices == ("sub-x/period-1", "sub-x/pending-4")


_IDS = st.text(st.characters(codec="utf-8", categories=("L", "N", "P")), min_size=1, max_size=300)


@given(
    due=st.dictionaries(
        _IDS, st.tuples(st.lists(st.integers(0, 2_000), max_size=4), st.booleans()), max_size=8
    )
)
def test_any_plan_reads_back_from_its_json_equal(due: dict[str, tuple[list[int], bool]]) -> None:
    plan = DuePlan(
        on=ON,
        due=tuple(
            Planned(subscription=subscription, periods=periods, pending=pending)
            for subscription, (periods, pending) in sorted(due.items())
        ),
    )
    assert record_from_data(json.loads(json.dumps(record_to_data(plan)))) == plan


@given(key=_IDS, subscription=_IDS, index=st.integers(0, 10_000))
def test_a_derived_key_is_at_most_255_characters_and_stable(
    key: str, subscription: str, index: int
) -> None:
    derived = derived_key(key, subscription, f"period-{index}")
    assert len(derived) <= MAX_DERIVED_KEY
    assert derived == derived_key(key, subscription, f"period-{index}")
    full = f"{key}/{subscription}/period-{index}"
    if len(full) <= MAX_DERIVED_KEY:
        assert derived == full
    else:
        assert derived.startswith("bill-due/")
        assert len(derived) == 73
    assert derived != derived_key(key, subscription, f"period-{index + 1}")
