"""The SQL adapter: every port of :mod:`ordercore.storage.ports` on SQLAlchemy 2 Core.

Install the extra ``py-ordercore[sql]``. A :class:`SqlStore` wraps an SQLAlchemy
:class:`~sqlalchemy.engine.Engine` (SQLite, the embedded default, as a file or in memory;
PostgreSQL, through psycopg 3) and is a
:class:`~ordercore.storage.ports.UnitOfWorkFactory`: calling it opens a
:class:`SqlUnitOfWork`, which keeps the same promises as the in-memory adapter
(:mod:`ordercore.storage.memory`) and raises the same errors.

A unit of work reads what is committed, holds its own writes, and writes all of them in
one database transaction when it commits: each save is an ``UPDATE ... WHERE
stored_version =`` the version it read, and a save that finds another version (another
writer committed in between) raises :class:`~ordercore.errors.ConcurrencyConflict` and
rolls the whole transaction back. Documents are stored as the plain data of
:func:`~ordercore.interop.records.record_to_data` (JSON) beside the columns the queries
use (kind, state, number, party, due date, a subscription's next billing date). Taking a
number locks its series until the unit of work closes: ``SELECT ... FOR UPDATE`` of the series row in PostgreSQL, the
database's write lock (``BEGIN IMMEDIATE``) in SQLite. The number is written only by the
commit, so a unit of work that rolls back gives it back, and numbers stay gapless.

:func:`create_tables` makes the tables (and records :data:`SCHEMA_VERSION`); :data:`metadata`
is the SQLAlchemy ``MetaData`` to give Alembic as its ``target_metadata``.

>>> import datetime as dt
>>> from ordercore import NumberingSeries
>>> store = SqlStore.from_url("sqlite://")  # in memory: the tables are created
>>> with store() as uow:
...     uow.numbers.add("INV", NumberingSeries(prefix="INV-", width=4))
...     uow.commit()
>>> with store() as uow:  # rolled back: the number is given back
...     uow.numbers.take("INV")
'INV-0001'
>>> with store() as uow:
...     uow.numbers.take("INV")
...     uow.commit()
'INV-0001'
>>> schema_version(store.engine) == SCHEMA_VERSION
True
>>> store.close()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex

from ordercore.documents.credit_notes import CreditNote
from ordercore.documents.numbering import NumberingSeries
from ordercore.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    InvalidType,
    NumberOutOfRange,
    RecordExists,
    SchemaVersionMismatch,
    StorageBusy,
    TextTooLong,
    UnitOfWorkClosed,
    UnknownRecord,
    UnreadRecord,
    WriteLockHeldInThread,
)
from ordercore.events import Event
from ordercore.interop.events import event_from_data, event_to_data
from ordercore.interop.records import RECORD_KINDS, record_from_data, record_to_data
from ordercore.settlement.open_items import OpenItem
from ordercore.storage._outbox import events_given, ids_given, limit_given
from ordercore.storage.ports import OutboxMessage, Record
from ordercore.subscriptions.runs import due_date
from ordercore.subscriptions.subscription import Subscription

if TYPE_CHECKING:
    from ordercore.storage.ports import UnitOfWorkFactory

__all__ = [
    "SCHEMA_VERSION",
    "SqlStore",
    "SqlStoreOpener",
    "SqlUnitOfWork",
    "create_tables",
    "metadata",
    "schema_version",
]

T = TypeVar("T")

#: The version of the tables below; :func:`create_tables` records it in ``ordercore_schema``.
#: Version 2 added ``ordercore_documents.bill_date`` and its index (docs/storage-sql.md).
SCHEMA_VERSION = 2

#: The longest id, number, party, series name or idempotency key a column holds.
MAX_KEY_LENGTH = 255

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # an SQLite rowid is an INTEGER

#: ordercore's tables, for ``create_all`` and for Alembic (``target_metadata = metadata``).
metadata = sa.MetaData()

_schema = sa.Table(
    "ordercore_schema",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)


class _Credited(sa.sql.functions.FunctionElement[str]):
    """The number of the invoice or bill a credit note credits: its data's ``basis.invoice``.

    One expression for the index and the query (``credit_notes_of``), the JSON path
    written as a literal, so that SQLite and PostgreSQL match the query to the index.
    """

    type = sa.String()
    name = "ordercore_credited"
    inherit_cache = True


@compiles(_Credited)
def _credited_other(element: _Credited, compiler: Any, **options: Any) -> str:
    data = next(iter(element.clauses))
    return str(compiler.process(data["basis"]["invoice"].as_string(), **options))


@compiles(_Credited, "sqlite")
def _credited_sqlite(element: _Credited, compiler: Any, **options: Any) -> str:
    return f"json_extract({compiler.process(element.clauses, **options)}, '$.basis.invoice')"


@compiles(_Credited, "postgresql")
def _credited_postgresql(element: _Credited, compiler: Any, **options: Any) -> str:
    return f"(({compiler.process(element.clauses, **options)} -> 'basis') ->> 'invoice')"


_documents = sa.Table(
    "ordercore_documents",
    metadata,
    sa.Column("id", sa.String(MAX_KEY_LENGTH), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("state", sa.String(40)),
    sa.Column("number", sa.String(MAX_KEY_LENGTH)),
    sa.Column("party", sa.String(MAX_KEY_LENGTH)),
    sa.Column("due_date", sa.Date),
    sa.Column("bill_date", sa.Date),
    sa.Column("stored_version", sa.Integer, nullable=False),
    sa.Column("data", _JSON, nullable=False),
    sa.Index("ix_ordercore_documents_state_kind", "state", "kind"),
    sa.Index("ix_ordercore_documents_number", "number"),
    sa.Index("ix_ordercore_documents_party", "party"),
    sa.Index("ix_ordercore_documents_due_date", "due_date"),
    sa.Index("ix_ordercore_documents_bill_date", "bill_date"),
)

#: The invoice a credit note credits, for ``credit_notes_of`` (an index on an expression:
#: the tables stay as they were, and :func:`create_tables` adds it to older databases).
_CREDITED = _Credited(_documents.c.data)
sa.Index("ix_ordercore_documents_credited", _CREDITED)

_series = sa.Table(
    "ordercore_series",
    metadata,
    sa.Column("name", sa.String(MAX_KEY_LENGTH), primary_key=True),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("last", sa.BigInteger, nullable=False),
)

_results = sa.Table(
    "ordercore_results",
    metadata,
    sa.Column("key", sa.String(MAX_KEY_LENGTH), primary_key=True),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("result", _JSON, nullable=False),
)

_outbox = sa.Table(
    "ordercore_outbox",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("event", _JSON, nullable=False),
    sa.Column("delivered", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_ordercore_outbox_delivered", "delivered", "id"),
    sqlite_autoincrement=True,
)

_SCHEMA_NAME = "ordercore"


def _engine(value: object) -> Engine:
    if not isinstance(value, Engine):
        raise InvalidType(value, expected="an SQLAlchemy Engine", field="engine")
    return value


def _is_memory(engine: Engine) -> bool:
    url = engine.url
    return engine.dialect.name == "sqlite" and (
        url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    )


def create_tables(engine: Engine) -> None:
    """Create ordercore's tables (those missing) and record :data:`SCHEMA_VERSION`.

    Raises :class:`~ordercore.errors.SchemaVersionMismatch` when the database records
    another version: migrate it first. An SQLite file is switched to write-ahead logging,
    so that readers never wait for a writer.
    """
    engine = _engine(engine)
    with engine.begin() as connection:
        metadata.create_all(connection)
        found = connection.execute(
            sa.select(_schema.c.version).where(_schema.c.name == _SCHEMA_NAME)
        ).scalar()
        if found is None:
            connection.execute(sa.insert(_schema).values(name=_SCHEMA_NAME, version=SCHEMA_VERSION))
        elif found != SCHEMA_VERSION:
            raise SchemaVersionMismatch(found=found, expected=SCHEMA_VERSION)
        # indexes added within a version (they change no table): a database made before has
        # its tables already, which create_all leaves as they are. Only those missing are
        # created: a CREATE INDEX locks the table, even one that finds the index there.
        present = _index_names(connection, _documents.name)
        for index in sorted(_documents.indexes, key=lambda index: str(index.name)):
            if present is None or index.name not in present:
                connection.execute(CreateIndex(index, if_not_exists=True))
    if engine.dialect.name == "sqlite" and not _is_memory(engine):
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")


def _index_names(connection: Connection, table: str) -> set[str] | None:
    """The names of ``table``'s indexes, from the catalog (indexes on expressions too).

    ``None`` for a database whose catalog is not read here (neither SQLite nor PostgreSQL).
    """
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
    elif connection.dialect.name == "postgresql":
        query = (
            "SELECT indexname FROM pg_indexes WHERE tablename = %s "
            "AND schemaname = current_schema()"
        )
    else:
        return None
    return {str(row[0]) for row in connection.exec_driver_sql(query, (table,))}


def schema_version(engine: Engine) -> int | None:
    """The schema version recorded in the database; ``None`` when it has no ordercore tables."""
    engine = _engine(engine)
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(_schema.name):
            return None
        found = connection.execute(
            sa.select(_schema.c.version).where(_schema.c.name == _SCHEMA_NAME)
        ).scalar()
    return None if found is None else int(found)


# -- checks at the boundary --------------------------------------------------------------


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidType(value, expected="a string", field=field)
    return value


def _key(value: object, field: str) -> str:
    text = _text(value, field)
    if len(text) > MAX_KEY_LENGTH:
        raise TextTooLong(text, limit=MAX_KEY_LENGTH, field=field)
    return text


def _optional_key(value: object, field: str) -> str | None:
    return _key(value, field) if isinstance(value, str) else None


def _series_value(value: object) -> NumberingSeries:
    if not isinstance(value, NumberingSeries):
        raise InvalidType(value, expected="a NumberingSeries", field="series")
    return value


def _timeout(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidType(value, expected="a number of seconds", field="lock_timeout")
    if not 0 < value <= 3600:  # an hour: any longer wait is a hang
        raise NumberOutOfRange(
            value, limit=3600, reason="must be more than 0 and at most 3600", field="lock_timeout"
        )
    return float(value)


def _columns(record: object) -> dict[str, Any]:
    """The stored row of ``record``: its plain data and the columns the queries use."""
    record_id = getattr(record, "id", None)
    version = getattr(record, "version", None)
    if not isinstance(record_id, str) or isinstance(version, bool) or not isinstance(version, int):
        raise InvalidType(
            record, expected="a document with a string id and an int version", field="record"
        )
    data = record_to_data(record)
    due = getattr(record, "due_date", None)
    party = next(
        (
            value
            for value in (getattr(record, name, None) for name in ("party", "customer", "supplier"))
            if isinstance(value, str)
        ),
        None,
    )
    state = getattr(record, "state", None)
    bill_date = None
    if isinstance(record, Subscription):  # one that bills no more: after every day asked
        bill_date = due_date(record) or _BILLS_NO_MORE
    return {
        "id": _key(record_id, "id"),
        "kind": data["kind"],
        "state": state if isinstance(state, str) else None,
        "number": _optional_key(getattr(record, "number", None), "number"),
        "party": _optional_key(party, "party"),
        "due_date": due if isinstance(due, dt.date) else None,
        "bill_date": bill_date,
        "data": data,
    }


#: The ``bill_date`` of a subscription with nothing left to invoice: no query reaches it.
_BILLS_NO_MORE = dt.date.max


def _result_to_data(result: object) -> dict[str, Any]:
    if isinstance(result, tuple):
        return {"records": [_result_record(item) for item in result]}
    return {"record": _result_record(result)}


def _result_record(record: object) -> Any:
    try:
        return record_to_data(record)
    except InvalidType:
        raise InvalidType(
            record,
            expected="a record (one of RECORD_KINDS) or a tuple of records",
            field="result",
        ) from None


def _result_from_data(data: Any) -> object:
    if "records" in data:
        return tuple(record_from_data(item) for item in data["records"])
    return record_from_data(data["record"])


#: The stored kinds of credit notes: their data names what they credit at ``basis.invoice``.
_CREDIT_NOTE_KINDS = frozenset(
    name for name, made in RECORD_KINDS.items() if issubclass(made, CreditNote)
)


def _kinds_of(kind: type[Any]) -> list[str]:
    """The stored kinds whose type is a ``kind``."""
    if not isinstance(kind, type):
        raise InvalidType(kind, expected="a type", field="kind")
    return [name for name, made in RECORD_KINDS.items() if issubclass(made, kind)]


# -- the connection of a unit of work -----------------------------------------------------


#: The SQLite write locks held in this process: the database's key (:meth:`SqlStore.writer`)
#: and the thread whose unit of work holds it, to refuse that thread a second one at once.
_WRITERS: dict[tuple[int, str], tuple[int, _Link]] = {}
_WRITERS_LOCK = threading.Lock()


class _Link:
    """The database connection of one unit of work, and the locks it holds.

    An SQLite file or a PostgreSQL database: a connection of the engine's pool for each
    unit of work. Reads run outside a write transaction (SQLite) or in a READ COMMITTED
    one (PostgreSQL), so each sees what is committed. :meth:`lock` takes SQLite's write
    lock (``BEGIN IMMEDIATE``), held until the unit of work closes.
    """

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._connection: Connection | None = None
        self._locked = False
        self._begun = False
        self._holds: tuple[int, str] | None = None

    def _claim(self, operation: str) -> None:
        """Note that this thread takes the SQLite write lock; refuse it a second one.

        A thread whose other unit of work holds the lock would wait for itself (until
        the timeout): :class:`~ordercore.errors.WriteLockHeldInThread` instead, at once.
        """
        key = self._store.writer
        if key is None:
            return
        me = threading.get_ident()
        with _WRITERS_LOCK:
            held = _WRITERS.get(key)
            if held is not None and held[0] == me:
                raise WriteLockHeldInThread(database=key[1], operation=operation)
            # another thread's hold: wait for it below, as SQLite makes writers wait

    def _hold(self) -> None:
        key = self._store.writer
        if key is not None:
            with _WRITERS_LOCK:
                _WRITERS[key] = (threading.get_ident(), self)
            self._holds = key

    def _release(self) -> None:
        if self._holds is not None:
            with _WRITERS_LOCK:
                held = _WRITERS.get(self._holds)
                if held is not None and held[1] is self:  # closed from any thread
                    del _WRITERS[self._holds]
            self._holds = None

    def _open(self) -> Connection:
        if self._connection is None:
            self._connection = self._store.engine.connect()
        return self._connection

    def execute(self, statement: sa.Executable, *rows: dict[str, Any]) -> sa.CursorResult[Any]:
        connection = self._open()
        try:
            if self._store.dialect == "postgresql" and not self._begun:
                milliseconds = int(self._store.lock_timeout * 1000)
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds}")
                self._begun = True
            return (
                connection.execute(statement, list(rows)) if rows else connection.execute(statement)
            )
        except OperationalError as error:
            raise self._store.busy(error) from error

    def rows(self, statement: sa.Executable) -> Sequence[Row[Any]]:
        return self.execute(statement).all()

    def write(self, statement: sa.Executable, *rows: dict[str, Any]) -> int:
        return self.execute(statement, *rows).rowcount

    def lock(self, operation: str) -> None:
        if self._locked or self._store.dialect != "sqlite":
            return
        self._claim(operation)
        connection = self._open()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as error:
            raise self._store.busy(error) from error
        self._locked = True
        self._hold()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        yield

    def commit(self) -> None:
        try:
            self._open().commit()
        finally:
            self._locked = self._begun = False
            self._release()

    def rollback(self) -> None:
        try:
            if self._connection is not None:
                self._connection.rollback()
        finally:
            self._locked = self._begun = False
            self._release()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self.rollback()
            finally:
                self._connection.close()
                self._connection = None


class _SharedLink(_Link):
    """An SQLite database in memory: one connection for every unit of work of the store.

    Each statement runs under the store's lock of the connection; the database's write
    lock is a lock of the store, taken with a timeout and held until the unit of work
    closes; a commit writes and commits under the connection's lock, so no other unit of
    work ever sees a write before it is committed.
    """

    def _open(self) -> Connection:
        return self._store.shared_connection()

    def rows(self, statement: sa.Executable) -> Sequence[Row[Any]]:
        with self._store.using:
            return super().rows(statement)

    def write(self, statement: sa.Executable, *rows: dict[str, Any]) -> int:
        with self._store.using:
            return super().write(statement, *rows)

    def lock(self, operation: str) -> None:
        if self._locked:
            return
        self._claim(operation)
        if not self._store.write_lock.acquire(timeout=self._store.lock_timeout):
            raise StorageBusy(
                resource="the write lock of the SQLite database in memory",
                timeout=self._store.lock_timeout,
            )
        self._locked = True
        self._hold()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._store.using:
            yield

    def commit(self) -> None:
        with self._store.using:
            self._open().commit()

    def rollback(self) -> None:
        with self._store.using:
            self._open().rollback()

    def close(self) -> None:
        if self._locked:
            self._locked = False
            self._release()
            self._store.write_lock.release()


# -- the store -----------------------------------------------------------------------------


class SqlStore:
    """ordercore's tables in an SQL database: call it to open a unit of work.

    ``engine`` is an SQLAlchemy :class:`~sqlalchemy.engine.Engine` whose database has the
    tables (:func:`create_tables`); :meth:`from_url` makes both. ``lock_timeout`` is the
    longest a unit of work waits for a lock, in seconds (PostgreSQL's ``lock_timeout``;
    the write lock of an SQLite database in memory; an SQLite file's engine sets its own
    with ``connect_args={"timeout": ...}``, as :meth:`from_url` does): then
    :class:`~ordercore.errors.StorageBusy` is raised.

    An SQLite database in memory lives in one connection, shared by the units of work of
    the store: make its engine with ``poolclass=StaticPool`` and
    ``connect_args={"check_same_thread": False}`` (as :meth:`from_url` does) to use it
    from several threads.
    """

    def __init__(self, engine: Engine, *, lock_timeout: float = 30.0) -> None:
        self.engine = _engine(engine)
        self.lock_timeout = _timeout(lock_timeout)
        self.dialect = self.engine.dialect.name
        self._memory = _is_memory(self.engine)
        self._shared: Connection | None = None
        self.using = threading.RLock()
        self.write_lock = threading.Lock()
        self._owns_engine = False
        self._writer = _writer_name(self.engine, self)

    @property
    def writer(self) -> tuple[int, str] | None:
        """The key of this process's hold on the SQLite database's write lock (``None``: not SQLite).

        The process and the database: a file by its real path (so two stores of one file
        are one writer), a database in memory by its store.
        """
        return None if self._writer is None else (os.getpid(), self._writer)

    @classmethod
    def from_url(cls, url: str = "sqlite://", *, lock_timeout: float = 30.0) -> Self:
        """A store on the database at ``url``, with ordercore's tables created if missing.

        ``"sqlite://"`` is a database in memory (the default), ``"sqlite:///orders.db"``
        a file, ``"postgresql+psycopg://user@host/db"`` PostgreSQL.
        """
        url = _text(url, "url")
        timeout = _timeout(lock_timeout)
        parsed = sa.make_url(url)
        if parsed.drivername == "postgresql":  # the driver of the extra: psycopg 3
            parsed = parsed.set(drivername="postgresql+psycopg")
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
                options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
            else:
                options = {"connect_args": {"timeout": timeout}}
        engine = sa.create_engine(parsed, **options)
        try:
            create_tables(engine)
        except BaseException:  # a database of another version: no connection left open
            engine.dispose()
            raise
        store = cls(engine, lock_timeout=timeout)
        store._owns_engine = True
        return store

    def __call__(self) -> SqlUnitOfWork:
        """A new unit of work on this store."""
        return SqlUnitOfWork(self)

    def close(self) -> None:
        """Close the store's connections (an SQLite database in memory is gone then).

        The engine is disposed if :meth:`from_url` made it; one given to the constructor
        is the host's, to dispose of.
        """
        with self.using:
            if self._shared is not None:
                self._shared.close()
                self._shared = None
        if self._owns_engine:
            self.engine.dispose()

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    def link(self) -> _Link:
        """The connection of a new unit of work."""
        return _SharedLink(self) if self._memory else _Link(self)

    def shared_connection(self) -> Connection:
        """The one connection of an SQLite database in memory (under :attr:`using`)."""
        with self.using:
            if self._shared is None:
                self._shared = self.engine.connect()
            return self._shared

    def busy(self, error: OperationalError) -> Exception:
        """The ordercore error for a lock not had in time; any other error as it is."""
        code = getattr(error.orig, "sqlstate", None)
        if code == "55P03":  # PostgreSQL: lock_not_available
            return StorageBusy(resource="a row lock", timeout=self.lock_timeout)
        if self.dialect == "sqlite" and "locked" in str(error.orig):
            return StorageBusy(resource="the write lock of the SQLite database", timeout=None)
        return error


def _writer_name(engine: Engine, store: SqlStore) -> str | None:
    """What names an SQLite database's writer in messages and keys; ``None`` for others."""
    if engine.dialect.name != "sqlite":
        return None
    if _is_memory(engine):
        return f"in memory (store {id(store):#x})"
    return os.path.realpath(str(engine.url.database))


def _shared_url(value: object) -> str:
    url = _text(value, "url")
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and (
        parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
    ):
        raise InvalidType(
            url, expected="the URL of an SQLite file or a PostgreSQL database", field="url"
        )
    return url


_OPENED: dict[tuple[int, str, float], SqlStore] = {}
_OPENING = threading.Lock()


@attrs.frozen(kw_only=True)
class SqlStoreOpener:
    """A picklable way to the store at ``url``: each process that calls it opens its own.

    What an executor's workers take to open units of work of their own (an SQLite file or
    a PostgreSQL database; a database in memory lives in one process, and is refused):
    calling it gives this process's :class:`SqlStore` at ``url``, made by
    :meth:`SqlStore.from_url` on the first call and kept for the next ones.
    """

    url: str = attrs.field(converter=_shared_url)
    lock_timeout: float = attrs.field(default=30.0, converter=_timeout)

    def __call__(self) -> SqlStore:
        """This process's store at :attr:`url`."""
        key = (os.getpid(), self.url, self.lock_timeout)  # a forked child opens its own
        with _OPENING:
            store = _OPENED.get(key)
            if store is None:
                store = SqlStore.from_url(self.url, lock_timeout=self.lock_timeout)
                _OPENED[key] = store
        return store


class SqlUnitOfWork:
    """One unit of work on a :class:`SqlStore`: one database transaction; it sees its own writes."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._link = store.link()
        self._open = True
        self._read: dict[str, int] = {}
        self._writes: dict[str, tuple[object, dict[str, Any]]] = {}
        self._new_series: dict[str, NumberingSeries] = {}
        self._taken: dict[str, NumberingSeries] = {}
        self._series_read: dict[str, int] = {}
        self._results: dict[str, tuple[str, dict[str, Any]]] = {}
        self._events: list[dict[str, Any]] = []
        self._marked: set[int] = set()
        self.documents = _Documents(self)
        self.numbers = _Numbers(self)
        self.idempotency = _Results(self)
        self.outbox = _Outbox(self)

    def __repr__(self) -> str:
        return f"SqlUnitOfWork(open={self._open}, writes={len(self._writes)})"

    # -- the unit of work ----------------------------------------------------------------

    def __enter__(self) -> Self:
        self._check("enter")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._open:
            self.rollback()

    def commit(self) -> None:
        """Write everything in one transaction, or raise and write nothing; then close."""
        self._check("commit")
        try:
            if (
                self._writes
                or self._new_series
                or self._taken
                or self._results
                or (self._events or self._marked)
            ):
                link = self._link
                link.lock("commit to")
                with link.exclusive():
                    try:
                        self._write_all()
                        link.commit()
                    except BaseException:
                        link.rollback()
                        raise
        finally:
            self._close()

    def rollback(self) -> None:
        """Forget every write and give back every number taken; then close."""
        self._check("roll back")
        self._close()

    def _close(self) -> None:
        self._open = False
        for held in (self._writes, self._new_series, self._taken, self._results):
            held.clear()
        self._events.clear()
        self._marked.clear()
        self._link.close()

    def _check(self, operation: str) -> None:
        if not self._open:
            raise UnitOfWorkClosed(operation=operation)

    # -- reading -------------------------------------------------------------------------

    def _stored_version(self, record_id: str) -> int:
        found = self._link.rows(
            sa.select(_documents.c.stored_version).where(_documents.c.id == record_id)
        )
        return int(found[0].stored_version) if found else 0

    def _check_current(self, record_id: str) -> None:
        expected, found = self._read[record_id], self._stored_version(record_id)
        if found != expected:
            if expected == 0:
                raise RecordExists(record=record_id)
            raise ConcurrencyConflict(record=record_id, expected=expected, found=found)

    def _find(
        self, condition: sa.ColumnElement[bool], keep: Callable[[dict[str, Any]], bool]
    ) -> list[Any]:
        """The records that meet ``condition`` as stored, or ``keep`` as written here."""
        rows = self._link.rows(
            sa.select(_documents.c.id, _documents.c.stored_version, _documents.c.data)
            .where(condition)
            .order_by(_documents.c.id)
        )
        found: dict[str, object] = {}
        for row in rows:
            self._read.setdefault(row.id, int(row.stored_version))
            if row.id not in self._writes:
                found[row.id] = record_from_data(row.data)
        for record_id, (record, columns) in self._writes.items():
            if keep(columns):
                found[record_id] = record
        return [found[record_id] for record_id in sorted(found)]

    # -- writing at commit (the caller holds the write lock and the connection) ---------

    def _write_all(self) -> None:
        link = self._link
        for name in sorted(self._new_series):
            series = self._new_series[name]
            if link.rows(sa.select(_series.c.name).where(_series.c.name == name)):
                raise RecordExists(record=name)
            try:
                link.write(
                    sa.insert(_series).values(
                        name=name, prefix=series.prefix, width=series.width, last=series.last
                    )
                )
            except IntegrityError:
                raise RecordExists(record=name) from None
        for name in sorted(self._taken):
            series, expected = self._taken[name], self._series_read[name]
            count = link.write(
                sa.update(_series)
                .where(_series.c.name == name, _series.c.last == expected)
                .values(last=series.last)
            )
            if count != 1:  # someone wrote the series without its lock
                raise ConcurrencyConflict(record=name, expected=expected, found=-1)
        for record_id in sorted(self._writes):
            self._write_record(record_id, self._writes[record_id][1])
        for key in sorted(self._results):
            self._write_result(key, *self._results[key])
        if self._events:
            link.write(
                sa.insert(_outbox), *({"event": e, "delivered": False} for e in self._events)
            )
        marked = sorted(self._marked)
        for start in range(0, len(marked), 500):
            link.write(
                sa.update(_outbox)
                .where(_outbox.c.id.in_(marked[start : start + 500]))
                .values(delivered=True)
            )

    def _write_record(self, record_id: str, columns: dict[str, Any]) -> None:
        expected = self._read[record_id]
        if expected == 0:
            if self._stored_version(record_id):
                raise RecordExists(record=record_id)
            try:
                self._link.write(sa.insert(_documents).values(**columns, stored_version=1))
            except IntegrityError:
                raise RecordExists(record=record_id) from None
            return
        count = self._link.write(
            sa.update(_documents)
            .where(_documents.c.id == record_id, _documents.c.stored_version == expected)
            .values(**columns, stored_version=expected + 1)
        )
        if count != 1:
            found = self._stored_version(record_id)
            raise ConcurrencyConflict(record=record_id, expected=expected, found=found)

    def _write_result(self, key: str, fingerprint: str, result: dict[str, Any]) -> None:
        link = self._link
        query = sa.select(_results.c.fingerprint).where(_results.c.key == key)
        try:
            stored = link.rows(query)
            if not stored:
                link.write(
                    sa.insert(_results).values(key=key, fingerprint=fingerprint, result=result)
                )
                return
        except IntegrityError:  # another unit of work stored the key meanwhile
            link.rollback()
            stored = link.rows(query)
        if stored and stored[0].fingerprint != fingerprint:
            raise IdempotencyConflict(key=key)
        raise ConcurrencyConflict(record=key, expected=0, found=1)


class _Documents:
    """The :class:`~ordercore.storage.ports.Repository` of a :class:`SqlUnitOfWork`."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def get(self, record_id: str, kind: type[T]) -> T:
        uow = self._uow
        uow._check("get a record")
        record_id = _text(record_id, "record_id")
        kinds = _kinds_of(kind)
        if record_id in uow._writes:
            record = uow._writes[record_id][0]
        else:
            found = uow._link.rows(
                sa.select(_documents.c.kind, _documents.c.stored_version, _documents.c.data).where(
                    _documents.c.id == record_id
                )
            )
            if not found:
                raise UnknownRecord(record=record_id)
            row = found[0]
            uow._read.setdefault(record_id, int(row.stored_version))
            if row.kind not in kinds:
                raise UnknownRecord(record=record_id, what=kind.__name__)
            record = record_from_data(row.data)
        if not isinstance(record, kind):
            raise UnknownRecord(record=record_id, what=kind.__name__)
        return record

    def add(self, record: Record) -> None:
        uow = self._uow
        uow._check("add a record")
        columns = _columns(record)
        record_id = columns["id"]
        if record_id in uow._writes or uow._stored_version(record_id):
            raise RecordExists(record=record_id)
        uow._read[record_id] = 0
        uow._writes[record_id] = (record, columns)

    def save(self, record: Record) -> None:
        uow = self._uow
        uow._check("save a record")
        columns = _columns(record)
        record_id = columns["id"]
        if record_id not in uow._read:
            raise UnreadRecord(record=record_id)
        uow._check_current(record_id)
        uow._writes[record_id] = (record, columns)

    def with_number(self, number: str) -> tuple[Record, ...]:
        self._uow._check("find records")
        number = _text(number, "number")
        return tuple(
            self._uow._find(_documents.c.number == number, lambda c: c["number"] == number)
        )

    def in_state(self, state: str, kind: type[T]) -> tuple[T, ...]:
        uow = self._uow
        uow._check("find records")
        state = _text(state, "state")
        kinds = _kinds_of(kind)
        found = uow._find(
            (_documents.c.state == state) & _documents.c.kind.in_(kinds),
            lambda c: c["state"] == state and c["kind"] in kinds,
        )
        return tuple(record for record in found if isinstance(record, kind))

    def due_by(self, day: dt.date) -> tuple[Record, ...]:
        self._uow._check("find records")
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise InvalidType(day, expected="a datetime.date", field="day")
        return tuple(
            self._uow._find(
                (_documents.c.state == "issued") & (_documents.c.due_date <= day),
                lambda c: (
                    c["state"] == "issued" and c["due_date"] is not None and c["due_date"] <= day
                ),
            )
        )

    def subscriptions_due(self, day: dt.date) -> tuple[Subscription, ...]:
        self._uow._check("find records")
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise InvalidType(day, expected="a datetime.date", field="day")
        kinds = _kinds_of(Subscription)
        # A row written before schema version 2 has no bill date: read, and decided below.
        found = self._uow._find(
            _documents.c.kind.in_(kinds)
            & ((_documents.c.bill_date <= day) | _documents.c.bill_date.is_(None)),
            lambda c: c["kind"] in kinds and c["bill_date"] is not None and c["bill_date"] <= day,
        )
        return tuple(
            record
            for record in found
            if isinstance(record, Subscription)
            and (billing_date := due_date(record)) is not None
            and billing_date <= day
        )

    def credit_notes_of(self, invoice_number: str, kind: type[T]) -> tuple[T, ...]:
        uow = self._uow
        uow._check("find records")
        number = _text(invoice_number, "invoice_number")
        kinds = [name for name in _kinds_of(kind) if name in _CREDIT_NOTE_KINDS]
        found = uow._find(
            _documents.c.kind.in_(kinds) & (number == _CREDITED),  # the JSON's own field, indexed
            lambda c: c["kind"] in kinds and c["data"]["basis"].get("invoice") == number,
        )
        return tuple(record for record in found if isinstance(record, kind))

    def open_items(self, party: str) -> tuple[OpenItem, ...]:
        self._uow._check("find open items")
        party = _text(party, "party")
        found = self._uow._find(
            (_documents.c.state == "issued") & (_documents.c.party == party),
            lambda c: c["state"] == "issued" and c["party"] == party,
        )
        items = (record.open_item() for record in found if hasattr(record, "open_item"))
        return tuple(item for item in items if isinstance(item, OpenItem) and item.party == party)


class _Numbers:
    """The :class:`~ordercore.storage.ports.Numbers` of a :class:`SqlUnitOfWork`."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _stored(self, name: str, *, lock: bool) -> NumberingSeries | None:
        query = sa.select(_series.c.prefix, _series.c.width, _series.c.last).where(
            _series.c.name == name
        )
        found = self._uow._link.rows(query.with_for_update() if lock else query)
        if not found:
            return None
        row = found[0]
        return NumberingSeries(prefix=row.prefix, width=int(row.width), last=int(row.last))

    def add(self, name: str, series: NumberingSeries) -> None:
        uow = self._uow
        uow._check("add a numbering series")
        name, series = _key(name, "name"), _series_value(series)
        if name in uow._new_series or self._stored(name, lock=False) is not None:
            raise RecordExists(record=name)
        uow._new_series[name] = series

    def get(self, name: str) -> NumberingSeries:
        uow = self._uow
        uow._check("get a numbering series")
        name = _text(name, "name")
        if name in uow._taken:
            return uow._taken[name]
        if name in uow._new_series:
            return uow._new_series[name]
        series = self._stored(name, lock=False)
        if series is None:
            raise UnknownRecord(record=name, what="numbering series")
        return series

    def take(self, name: str) -> str:
        uow = self._uow
        uow._check("take a number")
        name = _text(name, "name")
        if name in uow._new_series:
            number, uow._new_series[name] = uow._new_series[name].next()
            return number
        if name in uow._taken:
            series = uow._taken[name]
        else:
            self.get(name)  # an unknown series is refused before any lock is taken
            uow._link.lock("take a number in")  # SQLite: the write lock, until it closes
            stored = self._stored(name, lock=True)  # PostgreSQL: the row lock, the same
            if stored is None:
                raise UnknownRecord(record=name, what="numbering series")
            series = stored
            uow._series_read[name] = series.last
        number, uow._taken[name] = series.next()
        return number


class _Results:
    """The :class:`~ordercore.storage.ports.IdempotencyStore` of a :class:`SqlUnitOfWork`."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _stored(self, key: str) -> tuple[str, Any] | None:
        uow = self._uow
        if key in uow._results:
            return uow._results[key]
        found = uow._link.rows(
            sa.select(_results.c.fingerprint, _results.c.result).where(_results.c.key == key)
        )
        return (found[0].fingerprint, found[0].result) if found else None

    def get(self, key: str, fingerprint: str) -> object | None:
        self._uow._check("look up a request")
        key, fingerprint = _text(key, "key"), _text(fingerprint, "fingerprint")
        stored = self._stored(key)
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise IdempotencyConflict(key=key)
        return _result_from_data(stored[1])

    def put(self, key: str, fingerprint: str, result: object) -> None:
        self._uow._check("store a result")
        key, fingerprint = _key(key, "key"), _text(fingerprint, "fingerprint")
        data = _result_to_data(result)
        own = key in self._uow._results
        stored = self._stored(key)
        if stored is None:
            self._uow._results[key] = (fingerprint, data)
        elif stored[0] != fingerprint:
            raise IdempotencyConflict(key=key)
        elif not own:  # another unit of work committed this request since: done twice else
            raise ConcurrencyConflict(record=key, expected=0, found=1)


class _Outbox:
    """The :class:`~ordercore.storage.ports.Outbox` of a :class:`SqlUnitOfWork`."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def add(self, events: Iterable[Event]) -> None:
        self._uow._check("add events")
        added = events_given(events)
        written = [event_to_data(event) for event in added]
        self._uow._events.extend(written)

    def pending(self, limit: int = 100) -> tuple[OutboxMessage, ...]:
        uow = self._uow
        uow._check("read the outbox")
        limit = limit_given(limit)
        query = sa.select(_outbox.c.id, _outbox.c.event).where(_outbox.c.delivered.is_(False))
        if uow._marked:
            query = query.where(_outbox.c.id.not_in(sorted(uow._marked)))
        rows = uow._link.rows(query.order_by(_outbox.c.id).limit(limit))
        return tuple(
            OutboxMessage(id=int(row.id), event=event_from_data(row.event)) for row in rows
        )

    def delivered(self, ids: Iterable[int]) -> None:
        uow = self._uow
        uow._check("mark events delivered")
        uow._marked.update(ids_given(ids))


if TYPE_CHECKING:  # the type checker proves that the adapter implements the ports
    _factory: UnitOfWorkFactory = SqlStore(sa.create_engine("sqlite://"))
