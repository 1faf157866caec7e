"""The SQL adapter on SQLite (memory and file) and PostgreSQL: the ports, concurrency, faults.

The PostgreSQL tests run against the database at ``ORDERCORE_TEST_POSTGRES_URL`` (such as
``postgresql+psycopg://postgres@127.0.0.1:5432/ordercore_test``; its ordercore tables are
dropped and made again for each test) and skip, saying why, when it is unset or not
reachable; with ``ORDERCORE_REQUIRE_POSTGRES=1`` (as CI sets) they fail instead.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sa = pytest.importorskip(
    "sqlalchemy", reason="the sql extra is not installed: pip install -e '.[sql]'"
)

from ordercore import (  # noqa: E402 (after the skip)
    ConcurrencyConflict,
    CustomerCreditNote,
    Document,
    DraftInvoice,
    IdempotencyConflict,
    InvoicingPolicy,
    IssuedInvoice,
    Line,
    Money,
    NumberingSeries,
    RecordExists,
    SalesOrder,
    SchemaVersionMismatch,
    StorageBusy,
    TextTooLong,
    UnitOfWorkClosed,
    UnknownRecord,
    UnreadRecord,
    WriteLockHeldInThread,
    credit_amount,
)
from ordercore.documents import InvoiceIssued  # noqa: E402
from ordercore.errors import InvalidType, NumberOutOfRange  # noqa: E402
from ordercore.services import Services  # noqa: E402
from ordercore.storage.ports import UnitOfWorkFactory  # noqa: E402
from ordercore.storage.sql import (  # noqa: E402
    SCHEMA_VERSION,
    SqlStore,
    create_tables,
    metadata,
    schema_version,
)
from ordercore.subscriptions import Interval, Schedule, Subscription  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))  # the workers, by name, for spawned children
workers = pytest.importorskip("test_storage_sql_workers")

DAY = workers.DAY
draft = workers.draft
request = workers.request

POSTGRES_URL = os.environ.get("ORDERCORE_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("ORDERCORE_REQUIRE_POSTGRES") == "1"
WAIT = 60  # seconds: the longest any test waits for a thread, a process or a lock


def issue(record: DraftInvoice, number: str) -> IssuedInvoice:
    return record.issue(
        number=number, issue_date=DAY, due_date=DAY + dt.timedelta(days=30), request=request(number)
    ).document


def postgres_url() -> str:
    """The test database's URL, its ordercore tables fresh; skip (or fail) without one."""

    def unavailable(reason: str) -> None:
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason}, and ORDERCORE_REQUIRE_POSTGRES=1")
        pytest.skip(reason)

    if not POSTGRES_URL:
        unavailable("ORDERCORE_TEST_POSTGRES_URL is not set: no PostgreSQL to test against")
    url = sa.make_url(POSTGRES_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as connection:
            metadata.drop_all(connection)
    except sa.exc.OperationalError as error:
        unavailable(f"PostgreSQL at ORDERCORE_TEST_POSTGRES_URL is not reachable: {error.orig}")
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


BACKENDS = ["sqlite-memory", "sqlite-file", "postgresql"]
SHARED_BACKENDS = ["sqlite-file", "postgresql"]  # reachable from other processes


def backend_url(name: str, tmp_path: Path) -> str:
    if name == "sqlite-memory":
        return "sqlite://"
    if name == "sqlite-file":
        return f"sqlite:///{tmp_path / 'orders.db'}"
    return postgres_url()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    made = SqlStore.from_url(backend_url(request.param, tmp_path))
    yield made
    made.close()


@pytest.fixture
def memory() -> Iterator[SqlStore]:
    made = SqlStore.from_url()
    yield made
    made.close()


@pytest.fixture(params=SHARED_BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request.param, tmp_path)


def fill(store: SqlStore, *records: object, series: NumberingSeries | None = None) -> SqlStore:
    with store() as uow:
        for record in records:
            uow.documents.add(record)  # type: ignore[arg-type]
        if series is not None:
            uow.numbers.add("INV", series)
        uow.commit()
    return store


def take_and_commit(store: SqlStore) -> str:
    with store() as uow:
        number = uow.numbers.take("INV")
        uow.commit()
    return number


# -- the adapter is what the ports say ---------------------------------------------------


def test_the_sql_store_is_a_unit_of_work_factory(memory: SqlStore) -> None:
    store: UnitOfWorkFactory = memory
    with store() as uow:
        assert uow.numbers is not None


def test_a_store_needs_an_engine_and_a_sensible_timeout() -> None:
    with pytest.raises(InvalidType) as error:
        SqlStore("sqlite://")  # type: ignore[arg-type]
    assert error.value.field == "engine"
    engine = sa.create_engine("sqlite://")
    for bad in (0, -1, 10**6, float("nan"), float("inf")):
        with pytest.raises(NumberOutOfRange):
            SqlStore(engine, lock_timeout=bad)
    with pytest.raises(InvalidType):
        SqlStore(engine, lock_timeout="5")  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        SqlStore(engine, lock_timeout=True)


# -- tables and schema version -------------------------------------------------------------


def test_create_tables_records_the_schema_version_and_may_run_again(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert schema_version(engine) is None
    create_tables(engine)
    create_tables(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    assert set(sa.inspect(engine).get_table_names()) == set(metadata.tables)
    engine.dispose()


def test_a_database_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_tables(engine)
    with engine.begin() as connection:
        connection.execute(
            metadata.tables["ordercore_schema"].update().values(version=SCHEMA_VERSION + 1)
        )
    with pytest.raises(SchemaVersionMismatch) as error:
        create_tables(engine)
    assert (error.value.found, error.value.expected) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    engine.dispose()


def monthly(record_id: str, start: dt.date) -> Subscription:
    plan = Line(description="Basic plan", quantity="1", unit_price=Money("9.00", "EUR"))
    return Subscription.start(
        id=record_id,
        customer="acme",
        schedule=Schedule(start=start, interval=Interval.months(1)),
        items={"plan": plan},
    )


def test_a_subscription_is_stored_with_its_next_billing_date_indexed(store: SqlStore) -> None:
    ended = monthly("sub-2", dt.date(2026, 11, 10)).cancel(dt.date(2026, 11, 10))[0]
    fill(store, monthly("sub-1", dt.date(2026, 11, 10)), ended, draft("inv-1"))
    documents = metadata.tables["ordercore_documents"]
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(documents.c.id, documents.c.bill_date).order_by(documents.c.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("inv-1", None),
        ("sub-1", dt.date(2026, 11, 10)),
        ("sub-2", dt.date.max),  # it bills no more periods: after every day
    ]
    with store() as uow:
        assert [s.id for s in uow.documents.subscriptions_due(dt.date.max)] == ["sub-1"]
    assert "ix_ordercore_documents_bill_date" in index_names(store.engine)


def test_a_database_of_schema_version_1_migrated_as_documented_finds_its_subscriptions_due(
    url: str,
) -> None:
    """Version 1 had no ``bill_date``: the rows it wrote have none, and are found all the same."""
    store = fill(SqlStore.from_url(url), monthly("sub-old", dt.date(2026, 11, 10)))
    store.close()
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # back to version 1, as an older ordercore left it
        connection.exec_driver_sql("DROP INDEX ix_ordercore_documents_bill_date")
        connection.exec_driver_sql("ALTER TABLE ordercore_documents DROP COLUMN bill_date")
        connection.exec_driver_sql("UPDATE ordercore_schema SET version = 1")
    with pytest.raises(SchemaVersionMismatch) as refused:
        SqlStore.from_url(url)
    assert (refused.value.found, refused.value.expected) == (1, SCHEMA_VERSION)
    with engine.begin() as connection:  # the migration of docs/storage-sql.md, by hand
        connection.exec_driver_sql("ALTER TABLE ordercore_documents ADD COLUMN bill_date DATE")
        connection.exec_driver_sql(
            "CREATE INDEX ix_ordercore_documents_bill_date ON ordercore_documents (bill_date)"
        )
        connection.exec_driver_sql(
            "UPDATE ordercore_schema SET version = 2 WHERE name = 'ordercore'"
        )
    engine.dispose()
    store = fill(SqlStore.from_url(url), monthly("sub-new", dt.date(2026, 12, 1)))
    with store() as uow:
        assert [s.id for s in uow.documents.subscriptions_due(dt.date(2026, 11, 30))] == ["sub-old"]
        assert [s.id for s in uow.documents.subscriptions_due(dt.date(2026, 12, 1))] == [
            "sub-new",
            "sub-old",
        ]
        billed = uow.documents.get("sub-old", Subscription).invoice(0, request=request("b"))[0]
        uow.documents.save(billed)  # type: ignore[arg-type]
        uow.commit()
    with store() as uow:  # saved again: its bill date is written
        assert [s.id for s in uow.documents.subscriptions_due(dt.date(2026, 12, 1))] == ["sub-new"]
    store.close()


def credited(invoice: IssuedInvoice, record_id: str) -> CustomerCreditNote:
    note = credit_amount(
        invoice,
        Money("10.00", "EUR"),
        id=record_id,
        number=record_id.upper(),
        issue_date=DAY,
        reason="Corrected",
        request=request(record_id),
    ).document
    assert isinstance(note, CustomerCreditNote)
    return note


CREDITED_INDEX = "ix_ordercore_documents_credited"


def index_names(engine: sa.Engine) -> set[str]:
    """The indexes of ordercore_documents, from the database's catalog (expressions too)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
            return {row[0] for row in connection.exec_driver_sql(query, ("ordercore_documents",))}
        query = "SELECT indexname FROM pg_indexes WHERE tablename = %s"
        return {row[0] for row in connection.exec_driver_sql(query, ("ordercore_documents",))}


def plan_of_credit_notes_of(store: SqlStore, number: str) -> str:
    """The query plan of the statement ``credit_notes_of(number, ...)`` runs, as text."""
    statements: list[tuple[str, object]] = []

    def seen(_c: object, _cur: object, statement: str, parameters: object, *_: object) -> None:
        if "ordercore_documents" in statement and "kind IN" in statement:
            statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        with store() as uow:
            assert uow.documents.credit_notes_of(number, CustomerCreditNote)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    ((statement, parameters),) = statements
    with store.engine.connect() as connection:
        if store.dialect == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return " ".join(str(row[-1]) for row in rows)
        # a table of a few rows is read whole unless the planner must take an index
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return " ".join(str(row[0]) for row in rows)


def test_credit_notes_of_reads_the_index_of_the_number_credited(store: SqlStore) -> None:
    invoice = issue(draft("inv-1"), "INV-1")
    fill(store, invoice, credited(invoice, "cn-1"), credited(invoice, "cn-2"), draft("inv-2"))
    assert CREDITED_INDEX in index_names(store.engine)
    assert CREDITED_INDEX in plan_of_credit_notes_of(store, "INV-1")
    with store() as uow:
        found = uow.documents.credit_notes_of("INV-1", CustomerCreditNote)
        assert [note.id for note in found] == ["cn-1", "cn-2"]
        assert uow.documents.credit_notes_of("INV-2", CustomerCreditNote) == ()


def test_a_database_made_before_the_index_gets_it_from_create_tables(url: str) -> None:
    """The index changes no table: create_tables adds it, the schema version stays."""
    invoice = issue(draft("inv-1"), "INV-1")
    store = fill(SqlStore.from_url(url), invoice, credited(invoice, "cn-old"))
    store.close()
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # as an ordercore before the index left it
        connection.exec_driver_sql(f"DROP INDEX {CREDITED_INDEX}")
    assert CREDITED_INDEX not in index_names(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    create_tables(engine)
    assert CREDITED_INDEX in index_names(engine)
    create_tables(engine)  # and again: nothing to do
    assert schema_version(engine) == SCHEMA_VERSION
    engine.dispose()
    store = SqlStore.from_url(url)
    assert CREDITED_INDEX in plan_of_credit_notes_of(store, "INV-1")  # rows written before
    with store() as uow:
        assert [n.id for n in uow.documents.credit_notes_of("INV-1", CustomerCreditNote)] == [
            "cn-old"
        ]
    store.close()


# -- the SQLite write lock and one thread ------------------------------------------------------


SQLITE_BACKENDS = ["sqlite-memory", "sqlite-file"]


@pytest.fixture(params=SQLITE_BACKENDS)
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request.param, tmp_path)


def test_a_second_writer_in_the_thread_that_holds_the_write_lock_is_refused_at_once(
    sqlite_url: str,
) -> None:
    store = fill(
        SqlStore.from_url(sqlite_url, lock_timeout=WAIT), series=NumberingSeries(prefix="", width=3)
    )
    with store() as first:
        assert first.numbers.take("INV") == "001"  # holds the write lock until it closes
        with store() as second, pytest.raises(WriteLockHeldInThread) as taking:
            second.numbers.take("INV")  # would wait WAIT seconds for its own thread
        assert taking.value.operation == "take a number in"
        with store() as third:
            third.documents.add(draft("inv-9"))
            with pytest.raises(WriteLockHeldInThread) as committing:
                third.commit()
        assert committing.value.operation == "commit to"
        assert taking.value.database == committing.value.database
        back = pickle.loads(pickle.dumps(taking.value))  # reaches an executor's caller whole
        assert (back.database, back.operation) == (taking.value.database, "take a number in")
        if sqlite_url != "sqlite://":  # a file, by its real path
            assert taking.value.database == os.path.realpath(store.engine.url.database or "")
        first.commit()
    with store() as uow:  # nothing of the refused ones was written; the lock is free again
        with pytest.raises(UnknownRecord):
            uow.documents.get("inv-9", DraftInvoice)
        assert uow.numbers.take("INV") == "002"
        uow.commit()
    store.close()


def test_another_thread_still_waits_for_the_write_lock(sqlite_url: str) -> None:
    store = fill(SqlStore.from_url(sqlite_url), series=NumberingSeries(prefix="", width=3))
    holder = store()
    assert holder.numbers.take("INV") == "001"
    taken: list[str] = []
    waiter = threading.Thread(target=lambda: taken.append(take_and_commit(store)))
    waiter.start()
    waiter.join(timeout=0.2)
    assert taken == []  # it waits, as SQLite makes writers wait: it is not refused
    holder.commit()
    waiter.join(timeout=WAIT)
    assert taken == ["002"]
    # a unit of work that held the lock and was closed in another thread lets it go
    holder = store()
    holder.numbers.take("INV")
    closer = threading.Thread(target=holder.rollback)
    closer.start()
    closer.join(timeout=WAIT)
    assert take_and_commit(store) == "003"
    store.close()


def test_two_stores_of_one_file_are_one_writer(tmp_path: Path) -> None:
    url = backend_url("sqlite-file", tmp_path)
    one = fill(SqlStore.from_url(url), series=NumberingSeries(prefix="", width=3))
    other = SqlStore.from_url(url)
    with one() as first:
        first.numbers.take("INV")
        with other() as second, pytest.raises(WriteLockHeldInThread):
            second.numbers.take("INV")
    assert take_and_commit(other) == "001"
    one.close()
    other.close()


def test_a_writer_is_a_file_by_its_real_path_or_a_store_in_memory(tmp_path: Path) -> None:
    (tmp_path / "here").mkdir()
    file = SqlStore.from_url(f"sqlite:///{tmp_path / 'here' / '..' / 'orders.db'}")
    assert file.writer == (os.getpid(), os.path.realpath(tmp_path / "orders.db"))
    one, two = SqlStore.from_url(), SqlStore.from_url()
    assert one.writer is not None
    assert two.writer is not None
    assert one.writer != two.writer  # each database in memory is its own
    for store in (file, one, two):
        store.close()


def test_postgresql_has_no_write_lock_of_the_database() -> None:
    postgres = SqlStore.from_url(postgres_url())  # row locks of the series only
    assert postgres.writer is None
    postgres.close()


# -- commit and rollback ---------------------------------------------------------------------


def test_a_committed_record_is_seen_by_later_units_of_work(store: SqlStore) -> None:
    fill(store, draft("inv-1"))
    with store() as uow:
        assert uow.documents.get("inv-1", DraftInvoice) == draft("inv-1")


def test_leaving_the_block_without_commit_writes_nothing(store: SqlStore) -> None:
    with store() as uow:
        uow.documents.add(draft("inv-1"))
        assert uow.documents.get("inv-1", DraftInvoice) == draft("inv-1")  # its own write
    with store() as uow, pytest.raises(UnknownRecord) as error:
        uow.documents.get("inv-1", DraftInvoice)
    assert error.value.record == "inv-1"


class Failure(Exception):
    """Raised by a test in the middle of a unit of work."""


def test_an_exception_in_the_block_writes_nothing(store: SqlStore) -> None:
    fill(store, draft("inv-1"), series=NumberingSeries(prefix="", width=3))

    def fail_halfway() -> None:
        with store() as uow:
            number = uow.numbers.take("INV")
            uow.documents.save(issue(uow.documents.get("inv-1", DraftInvoice), number))
            uow.documents.add(draft("inv-2"))
            uow.idempotency.put("req-1", "issue inv-1", draft("inv-2"))
            raise Failure

    with pytest.raises(Failure):
        fail_halfway()
    with store() as uow:
        assert uow.documents.get("inv-1", DraftInvoice) == draft("inv-1")
        assert uow.documents.in_state("draft", DraftInvoice) == (draft("inv-1"),)
        assert uow.idempotency.get("req-1", "issue inv-1") is None
        assert uow.numbers.take("INV") == "001"


def test_a_closed_unit_of_work_refuses_every_use(store: SqlStore) -> None:
    with store() as uow:
        uow.commit()
    for use in (
        lambda: uow.documents.get("inv-1", DraftInvoice),
        lambda: uow.documents.add(draft("inv-1")),
        lambda: uow.documents.in_state("draft", DraftInvoice),
        lambda: uow.numbers.take("INV"),
        lambda: uow.idempotency.get("k", "f"),
        uow.outbox.pending,
        uow.commit,
        uow.rollback,
    ):
        with pytest.raises(UnitOfWorkClosed) as error:
            use()
        assert error.value.state == "closed"


def test_a_record_of_another_kind_is_not_found(store: SqlStore) -> None:
    fill(store, draft("inv-1"))
    with store() as uow, pytest.raises(UnknownRecord) as error:
        uow.documents.get("inv-1", IssuedInvoice)
    assert (error.value.record, error.value.what) == ("inv-1", "IssuedInvoice")


def test_adding_a_stored_id_is_refused(store: SqlStore) -> None:
    fill(store, draft("inv-1"))
    with store() as uow, pytest.raises(RecordExists) as error:
        uow.documents.add(draft("inv-1"))
    assert error.value.record == "inv-1"


def test_two_units_of_work_adding_one_id_commit_once(store: SqlStore) -> None:
    first, second = store(), store()
    first.documents.add(draft("inv-1"))
    second.documents.add(draft("inv-1", customer="globex"))
    first.commit()
    with pytest.raises(RecordExists) as error:
        second.commit()
    assert error.value.record == "inv-1"
    with store() as uow:
        assert uow.documents.get("inv-1", DraftInvoice).customer == "acme"


# -- optimistic concurrency ----------------------------------------------------------------


def test_a_stale_save_raises_and_writes_nothing(store: SqlStore) -> None:
    fill(store, draft("inv-1"))
    first, second = store(), store()
    mine = first.documents.get("inv-1", DraftInvoice)
    theirs = second.documents.get("inv-1", DraftInvoice)
    first.documents.save(issue(mine, "INV-1"))
    first.commit()
    with pytest.raises(ConcurrencyConflict) as error:
        second.documents.save(issue(theirs, "INV-2"))
    assert (error.value.record, error.value.expected, error.value.found) == ("inv-1", 1, 2)
    second.rollback()
    with store() as uow:
        assert uow.documents.get("inv-1", IssuedInvoice).number == "INV-1"


def test_a_conflict_at_commit_writes_none_of_the_unit_of_work(store: SqlStore) -> None:
    fill(store, draft("inv-1"), draft("inv-2"))
    first, second = store(), store()
    second.documents.save(issue(second.documents.get("inv-2", DraftInvoice), "INV-2"))
    second.documents.save(issue(second.documents.get("inv-1", DraftInvoice), "INV-1b"))
    second.documents.add(draft("inv-3"))
    first.documents.save(issue(first.documents.get("inv-1", DraftInvoice), "INV-1"))
    first.commit()
    with pytest.raises(ConcurrencyConflict) as error:
        second.commit()
    assert (error.value.record, error.value.expected, error.value.found) == ("inv-1", 1, 2)
    with store() as uow:
        assert uow.documents.get("inv-2", DraftInvoice) == draft("inv-2")
        assert uow.documents.get("inv-1", IssuedInvoice).number == "INV-1"
        with pytest.raises(UnknownRecord):
            uow.documents.get("inv-3", DraftInvoice)


def test_a_record_not_read_in_the_unit_of_work_is_not_saved(store: SqlStore) -> None:
    fill(store, draft("inv-1"))
    with store() as uow, pytest.raises(UnreadRecord) as error:
        uow.documents.save(issue(draft("inv-1"), "INV-1"))
    assert error.value.record == "inv-1"


def test_a_unit_of_work_saves_a_record_as_often_as_it_likes(store: SqlStore) -> None:
    fill(store, draft("inv-1"))
    with store() as uow:
        record = uow.documents.get("inv-1", DraftInvoice)
        revised = record.revise(record.content, request=request("rev")).document
        uow.documents.save(revised)
        uow.documents.save(issue(revised, "INV-1"))
        uow.commit()
    with store() as uow:
        assert uow.documents.get("inv-1", IssuedInvoice).version == 2


def test_concurrent_saves_of_one_record_one_wins(store: SqlStore) -> None:
    fill(store, draft("inv-1"))
    barrier = threading.Barrier(8)

    def revise_once(key: str) -> tuple[int, int] | None:
        with store() as uow:
            record = uow.documents.get("inv-1", DraftInvoice)
            barrier.wait(timeout=WAIT)  # every writer has read the same stored version
            try:
                uow.documents.save(record.revise(record.content, request=request(key)).document)
                uow.commit()
            except ConcurrencyConflict as error:
                return (error.expected, error.found)
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(revise_once, f"w{i}") for i in range(8)]
        conflicts = [future.result(timeout=WAIT) for future in futures]
    assert sorted(conflicts, key=str) == [(1, 2)] * 7 + [None]
    with store() as uow:
        assert uow.documents.get("inv-1", DraftInvoice).version == 2


# -- queries -----------------------------------------------------------------------------------


def test_the_queries_see_the_unit_of_works_own_writes(store: SqlStore) -> None:
    fill(store, draft("inv-1"), draft("inv-2"), draft("inv-3", customer="globex"))
    with store() as uow:
        for record_id, number in (("inv-1", "INV-1"), ("inv-3", "INV-3")):
            uow.documents.save(issue(uow.documents.get(record_id, DraftInvoice), number))
        assert [r.id for r in uow.documents.in_state("draft", DraftInvoice)] == ["inv-2"]
        assert [r.id for r in uow.documents.in_state("issued", IssuedInvoice)] == ["inv-1", "inv-3"]
        assert [r.id for r in uow.documents.with_number("INV-3")] == ["inv-3"]
        assert uow.documents.with_number("INV-2") == ()
        due = uow.documents.due_by(DAY + dt.timedelta(days=30))
        assert [r.id for r in due] == ["inv-1", "inv-3"]
        assert uow.documents.due_by(DAY) == ()
        items = uow.documents.open_items("acme")
        assert [item.document.number for item in items] == ["INV-1"]
        assert items[0].amount == Money("960.00", "EUR")
        uow.commit()
    with store() as uow:  # and the same from the stored columns
        assert [r.id for r in uow.documents.in_state("issued", IssuedInvoice)] == ["inv-1", "inv-3"]
        assert [r.id for r in uow.documents.with_number("INV-3")] == ["inv-3"]
        assert [r.id for r in uow.documents.due_by(DAY + dt.timedelta(days=31))] == [
            "inv-1",
            "inv-3",
        ]
        assert [i.document.number for i in uow.documents.open_items("globex")] == ["INV-3"]
        assert uow.documents.in_state("issued", DraftInvoice) == ()


def test_orders_are_found_by_number_in_any_state(store: SqlStore) -> None:
    content = Document(
        currency="EUR",
        items=[Line(description="Desk", quantity="1", unit_price=Money("10.00", "EUR"))],
    )
    order = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request("so"),
    ).document
    with store() as uow:
        uow.documents.add(order)
        uow.documents.add(draft("inv-1"))
        assert uow.documents.with_number("SO-1") == (order,)
        uow.commit()
    with store() as uow:
        assert uow.documents.with_number("SO-1") == (order,)
        assert uow.documents.get("so-1", SalesOrder) == order


def test_a_record_found_by_a_query_may_be_saved(store: SqlStore) -> None:
    fill(store, draft("inv-1"))
    with store() as uow:
        (found,) = uow.documents.in_state("draft", DraftInvoice)
        uow.documents.save(issue(found, "INV-1"))
        uow.commit()
    with store() as uow:
        assert uow.documents.in_state("draft", DraftInvoice) == ()


# -- numbering ---------------------------------------------------------------------------------


def test_a_number_taken_in_a_rolled_back_unit_of_work_is_not_consumed(store: SqlStore) -> None:
    fill(store, series=NumberingSeries(prefix="INV-", width=3))
    assert take_and_commit(store) == "INV-001"
    with store() as uow:
        assert uow.numbers.take("INV") == "INV-002"
        assert uow.numbers.take("INV") == "INV-003"
        assert uow.numbers.get("INV").last == 3
    assert take_and_commit(store) == "INV-002"


def test_an_unknown_series_is_not_found(store: SqlStore) -> None:
    with store() as uow, pytest.raises(UnknownRecord) as error:
        uow.numbers.take("INV")
    assert (error.value.record, error.value.what) == ("INV", "numbering series")


def test_a_series_added_in_the_unit_of_work_numbers_at_once(store: SqlStore) -> None:
    with store() as uow:
        uow.numbers.add("INV", NumberingSeries(prefix="INV-", width=3))
        assert uow.numbers.take("INV") == "INV-001"
        uow.commit()
    assert take_and_commit(store) == "INV-002"
    with store() as uow, pytest.raises(RecordExists) as error:
        uow.numbers.add("INV", NumberingSeries(prefix="X-"))
    assert error.value.record == "INV"


def test_concurrent_writers_take_numbers_without_gap_or_duplicate(store: SqlStore) -> None:
    count = 80
    fill(store, *(draft(f"inv-{i}") for i in range(count)), series=NumberingSeries(prefix=""))

    def issue_one(i: int) -> str | None:
        with store() as uow:
            record = uow.documents.get(f"inv-{i}", DraftInvoice)
            issued = issue(record, uow.numbers.take("INV"))
            uow.documents.save(issued)
            if i % 3 == 0:
                return None  # rolled back: its number goes to the next writer
            uow.commit()
            return issued.number

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(issue_one, i) for i in range(count)]
        numbers = [n for n in (f.result(timeout=WAIT) for f in futures) if n is not None]
    expected = count - len(range(0, count, 3))
    assert sorted(int(n) for n in numbers) == list(range(1, expected + 1))
    with store() as uow:
        assert uow.numbers.get("INV").last == expected
        assert len(uow.documents.in_state("issued", IssuedInvoice)) == expected


def test_a_writer_waits_for_the_series_another_holds(store: SqlStore) -> None:
    fill(store, series=NumberingSeries(prefix="", width=3))
    holder = store()
    assert holder.numbers.take("INV") == "001"
    taken: list[str] = []
    waiter = threading.Thread(target=lambda: taken.append(take_and_commit(store)))
    waiter.start()
    waiter.join(timeout=0.2)
    assert taken == []  # still waiting for the series
    holder.commit()
    waiter.join(timeout=WAIT)
    assert taken == ["002"]


def test_a_lock_not_had_in_time_raises_storage_busy(url: str) -> None:
    store = SqlStore.from_url(url, lock_timeout=0.2)
    fill(store, series=NumberingSeries(prefix="", width=3))
    holder = store()
    holder.numbers.take("INV")
    errors: list[StorageBusy] = []

    def wait_too_long() -> None:
        try:
            take_and_commit(store)
        except StorageBusy as error:
            errors.append(error)

    waiter = threading.Thread(target=wait_too_long)
    waiter.start()
    waiter.join(timeout=WAIT)
    holder.rollback()
    assert len(errors) == 1
    assert take_and_commit(store) == "001"
    store.close()


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.booleans(), max_size=12))
def test_committed_numbers_are_gapless_whatever_rolls_back(steps: list[bool]) -> None:
    store = fill(SqlStore.from_url(), series=NumberingSeries(prefix="", width=4))
    committed = []
    for commit in steps:
        with store() as uow:
            number = uow.numbers.take("INV")
            if commit:
                uow.commit()
                committed.append(int(number))
    store.close()
    assert committed == list(range(1, len(committed) + 1))


# -- idempotency -------------------------------------------------------------------------------


def test_the_same_key_and_request_return_the_first_result(store: SqlStore) -> None:
    first, second = draft("inv-1"), (draft("inv-2"), issue(draft("inv-3"), "INV-3"))
    with store() as uow:
        assert uow.idempotency.get("req-1", "issue inv-1") is None
        uow.idempotency.put("req-1", "issue inv-1", first)
        uow.idempotency.put("req-2", "issue two", second)
        assert uow.idempotency.get("req-1", "issue inv-1") == first
        uow.commit()
    with store() as uow, pytest.raises(ConcurrencyConflict) as done_before:
        uow.idempotency.put("req-1", "issue inv-1", draft("other"))  # done twice otherwise
    assert done_before.value.record == "req-1"
    with store() as uow:
        assert uow.idempotency.get("req-1", "issue inv-1") == first
        assert uow.idempotency.get("req-2", "issue two") == second


def test_the_same_key_with_another_request_raises(store: SqlStore) -> None:
    with store() as uow:
        uow.idempotency.put("req-1", "issue inv-1", draft("inv-1"))
        uow.commit()
    with store() as uow:
        with pytest.raises(IdempotencyConflict) as error:
            uow.idempotency.get("req-1", "issue inv-2")
        assert error.value.key == "req-1"
        with pytest.raises(IdempotencyConflict):
            uow.idempotency.put("req-1", "issue inv-2", draft("inv-2"))


def test_two_units_of_work_storing_one_key_commit_once(store: SqlStore) -> None:
    first, second = store(), store()
    first.idempotency.put("req-1", "issue inv-1", draft("inv-1"))
    second.idempotency.put("req-1", "issue inv-1", draft("inv-9"))
    second.documents.add(draft("inv-9"))
    third = store()
    third.idempotency.put("req-1", "issue other", draft("inv-8"))
    first.commit()
    with pytest.raises(ConcurrencyConflict) as error:
        second.commit()
    assert error.value.record == "req-1"
    with store() as uow:
        assert uow.idempotency.get("req-1", "issue inv-1") == draft("inv-1")
        with pytest.raises(UnknownRecord):
            uow.documents.get("inv-9", DraftInvoice)
    with pytest.raises(IdempotencyConflict):
        third.commit()


@pytest.mark.parametrize("result", ["INV-1", 7, None, [draft("inv-1")], (draft("inv-1"), "x")])
def test_a_result_is_a_record_or_a_tuple_of_records(result: object, memory: SqlStore) -> None:
    store = memory
    with store() as uow, pytest.raises(InvalidType) as error:
        uow.idempotency.put("req-1", "f", result)
    assert error.value.field == "result"


# -- hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize("record", ["inv-1", 42, None, object(), NumberingSeries(prefix="")])
def test_only_records_are_stored(record: object, memory: SqlStore) -> None:
    store = memory
    with store() as uow, pytest.raises(InvalidType):
        uow.documents.add(record)  # type: ignore[arg-type]


def test_keys_too_long_for_their_columns_are_refused(memory: SqlStore) -> None:
    store = memory
    huge = "x" * 10**6
    with store() as uow:
        with pytest.raises(TextTooLong) as error:
            uow.documents.add(draft("x" * 256))  # a valid document, its id too long to store
        assert (error.value.field, error.value.limit, error.value.length) == ("id", 255, 256)
        with pytest.raises(TextTooLong):
            uow.numbers.add(huge, NumberingSeries(prefix=""))
        with pytest.raises(TextTooLong):
            uow.idempotency.put(huge, "f", draft("inv-1"))
        with pytest.raises(UnknownRecord):
            uow.documents.get(huge, DraftInvoice)
        assert uow.documents.with_number(huge) == ()


@pytest.mark.parametrize("bad", [None, 7, b"INV", ["INV"]])
def test_names_and_keys_must_be_strings(bad: object, memory: SqlStore) -> None:
    store = memory
    with store() as uow:
        for use in (
            lambda: uow.documents.get(bad, DraftInvoice),  # type: ignore[arg-type]
            lambda: uow.numbers.take(bad),  # type: ignore[arg-type]
            lambda: uow.numbers.add(bad, NumberingSeries(prefix="")),  # type: ignore[arg-type]
            lambda: uow.idempotency.get(bad, "f"),  # type: ignore[arg-type]
            lambda: uow.documents.in_state(bad, DraftInvoice),  # type: ignore[arg-type]
        ):
            with pytest.raises(InvalidType):
                use()
        with pytest.raises(InvalidType):
            uow.numbers.add("INV", bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidType):
            uow.documents.due_by(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        with pytest.raises(InvalidType):
            uow.documents.get("inv-1", "DraftInvoice")  # type: ignore[arg-type]


# -- other processes -----------------------------------------------------------------------------


def test_writers_in_eight_processes_take_numbers_without_gap_or_duplicate(url: str) -> None:
    fill(SqlStore.from_url(url), series=NumberingSeries(prefix="", width=6)).close()
    each = 12
    context = multiprocessing.get_context("spawn")
    with context.Pool(8) as pool:
        pending = pool.starmap_async(workers.issue_drafts, [(url, w, each) for w in range(8)])
        numbers = [n for committed in pending.get(timeout=WAIT * 3) for n in committed]
    expected = 8 * (each - each // 3)
    assert sorted(int(n) for n in numbers) == list(range(1, expected + 1))
    store = SqlStore.from_url(url)
    with store() as uow:
        assert uow.numbers.get("INV").last == expected
        issued = uow.documents.in_state("issued", IssuedInvoice)
    assert sorted(r.number for r in issued) == sorted(numbers)
    store.close()


def test_eight_processes_issue_invoices_through_the_services_numbered_1_to_n(url: str) -> None:
    """Issue 48 invoices through ``Services`` from 8 spawned processes, in one series.

    Each request is sent by two processes at once (its writer's and the next one's, in the
    other order): each invoice gets one number, both senders get that one, and the numbers
    are 1..48 with no gap and no duplicate, one ``InvoiceIssued`` event each.
    """
    writers, each = 8, 6
    ids = [[f"inv-{w}-{n}" for n in range(each)] for w in range(writers)]
    everyone = [record_id for group in ids for record_id in group]
    store = SqlStore.from_url(url)
    services = Services(store)
    services.add_series("INV", NumberingSeries(prefix="INV-", width=4))
    for record_id in everyone:
        services.create_invoice(
            id=record_id,
            customer="acme",
            content=draft(record_id).content,
            request=request(f"c-{record_id}"),
        )
    store.close()
    work = [(url, ids[w] + ids[(w + 1) % writers][::-1]) for w in range(writers)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(writers) as pool:
        pending = pool.starmap_async(workers.issue_through_services, work)
        answers = pending.get(timeout=WAIT * 3)
    given: dict[str, set[str]] = {}
    for answer in answers:
        for record_id, number in answer.items():
            given.setdefault(record_id, set()).add(number)
    assert sorted(given) == sorted(everyone)
    assert all(len(numbers) == 1 for numbers in given.values())  # one result per request
    numbers = sorted(number for (number,) in given.values())
    assert numbers == [f"INV-{n:04d}" for n in range(1, writers * each + 1)]
    store = SqlStore.from_url(url)
    with store() as uow:
        assert uow.numbers.get("INV").last == writers * each
        issued = uow.documents.in_state("issued", IssuedInvoice)
        events = [message.event for message in uow.outbox.pending(limit=1000)]
    store.close()
    assert sorted(invoice.number for invoice in issued) == numbers
    assert sorted(e.document_id for e in events if isinstance(e, InvoiceIssued)) == sorted(everyone)


def test_a_process_killed_in_the_middle_of_a_commit_leaves_nothing(url: str) -> None:
    store = fill(SqlStore.from_url(url), series=NumberingSeries(prefix="", width=3))
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    child = context.Process(target=workers.write_and_hang, args=(url, ready))
    child.start()
    try:
        assert ready.wait(timeout=WAIT), "the child did not write in time"
    finally:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(timeout=WAIT)
    assert child.exitcode == -signal.SIGKILL
    assert take_and_commit(store) == "001"  # the series is free again, its number not used
    with store() as uow:
        with pytest.raises(UnknownRecord):
            uow.documents.get("half", DraftInvoice)
        assert uow.idempotency.get("req-half", "issue half") is None
    store.close()


# -- the outbox ----------------------------------------------------------------------------------


def created_events(*records: str) -> list[object]:
    return [
        event
        for record in records
        for event in DraftInvoice.create(
            id=record, customer="acme", content=draft(record).content, request=request(record)
        ).events
    ]


def test_events_are_pending_only_after_commit_and_until_delivered(store: SqlStore) -> None:
    events = created_events("a", "b")
    with store() as uow:
        uow.outbox.add(events)  # type: ignore[arg-type]
        assert uow.outbox.pending() == ()
    with store() as uow:
        assert uow.outbox.pending() == ()  # rolled back: nothing kept
        uow.outbox.add(events)  # type: ignore[arg-type]
        uow.commit()
    with store() as uow:
        pending = uow.outbox.pending()
        assert [m.event for m in pending] == events
        assert [m.id for m in pending] == sorted(m.id for m in pending)
        assert [m.event for m in uow.outbox.pending(limit=1)] == events[:1]
        uow.outbox.delivered([pending[0].id])
        assert [m.event for m in uow.outbox.pending()] == events[1:]
    with store() as uow:  # not committed: still pending
        assert len(uow.outbox.pending()) == 2
        uow.outbox.delivered(m.id for m in pending)
        uow.outbox.delivered([pending[0].id])  # marking twice is harmless
        uow.commit()
    with store() as uow:
        assert uow.outbox.pending() == ()


@pytest.mark.parametrize("bad", [["not an event"], "abc", 5, None])
def test_the_outbox_takes_only_events(bad: object, memory: SqlStore) -> None:
    with memory() as uow:
        with pytest.raises(InvalidType):
            uow.outbox.add(bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidType):
            uow.outbox.delivered(bad)  # type: ignore[arg-type]
        assert uow.outbox.pending() == ()
        uow.commit()


@pytest.mark.parametrize("limit", [0, -1, 10**6, 10**100])
def test_the_outbox_limit_is_bounded(limit: int, memory: SqlStore) -> None:
    with memory() as uow, pytest.raises(NumberOutOfRange) as caught:
        uow.outbox.pending(limit=limit)
    assert caught.value.field == "limit"
