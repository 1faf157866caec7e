"""The in-memory adapter: every port of :mod:`ordercore.storage.ports`, in one process.

A :class:`MemoryStore` holds the committed documents (immutable values, stored as they
are), numbering series and request results behind a lock. Calling it opens a
:class:`MemoryUnitOfWork`: its writes stay its own until :meth:`~MemoryUnitOfWork.commit`,
which checks every write against what is committed and then writes all of it, or raises
and writes nothing. Another unit of work sees them only after the commit.

Each record carries a *stored version*, counted by the store from 1 (added) up by one
per committed save; a unit of work remembers the stored version of each record it read,
and a save made from an older one raises :class:`~ordercore.errors.ConcurrencyConflict`.
Taking a number locks its series until the unit of work closes (as a database row lock
would), so concurrent writers take numbers one after the other, without gaps, and a
rolled-back unit of work gives its numbers back. Open a unit of work in a ``with``
block, so that the lock is always released. A second unit of work of the same thread
that takes a number of a series locked by the first would wait for itself: it raises
:class:`~ordercore.errors.WriteLockHeldInThread` at once instead (another thread waits).

It is thread-safe, and it is the fake that service tests run against.

>>> import datetime as dt
>>> from ordercore import NumberingSeries
>>> from ordercore.errors import UnitOfWorkClosed
>>> store = MemoryStore()
>>> with store() as uow:
...     uow.numbers.add("INV", NumberingSeries(prefix="INV-", width=4))
...     uow.commit()
>>> with store() as uow:
...     uow.numbers.take("INV")
'INV-0001'
>>> with store() as uow:  # the first unit of work rolled back: its number is free again
...     first = uow.numbers.take("INV")
...     uow.commit()
>>> first
'INV-0001'
>>> try:
...     uow.numbers.take("INV")
... except UnitOfWorkClosed as error:
...     error.state
'closed'
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import attrs

from ordercore.documents.credit_notes import CreditNote
from ordercore.documents.numbering import NumberingSeries
from ordercore.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    InvalidType,
    RecordExists,
    UnitOfWorkClosed,
    UnknownRecord,
    UnreadRecord,
    WriteLockHeldInThread,
)
from ordercore.events import Event
from ordercore.settlement.open_items import OpenItem
from ordercore.storage._outbox import events_given, ids_given, limit_given
from ordercore.storage.ports import OutboxMessage, Record
from ordercore.subscriptions.runs import due_date
from ordercore.subscriptions.subscription import Subscription

if TYPE_CHECKING:
    from ordercore.storage.ports import Clock, UnitOfWorkFactory

__all__ = ["FixedClock", "MemoryStore", "MemoryUnitOfWork"]

T = TypeVar("T")


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidType(value, expected="a string", field=field)
    return value


def _record_id(record: object) -> str:
    record_id = getattr(record, "id", None)
    version = getattr(record, "version", None)
    if not isinstance(record_id, str) or isinstance(version, bool) or not isinstance(version, int):
        raise InvalidType(
            record, expected="a document with a string id and an int version", field="record"
        )
    return record_id


def _kind(value: object) -> type[Any]:
    if not isinstance(value, type):
        raise InvalidType(value, expected="a type", field="kind")
    return value


def _series(value: object) -> NumberingSeries:
    if not isinstance(value, NumberingSeries):
        raise InvalidType(value, expected="a NumberingSeries", field="series")
    return value


def _aware(value: object) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidType(value, expected="a timezone-aware datetime", field="at")
    return value


@attrs.frozen(kw_only=True)
class FixedClock:
    """A :class:`~ordercore.storage.ports.Clock` that always says ``at`` (for tests, demos)."""

    at: dt.datetime = attrs.field(converter=_aware)

    def now(self) -> dt.datetime:
        """Always ``at``."""
        return self.at


class MemoryStore:
    """Committed documents, numbering series and request results, behind one lock.

    Call the store to open a unit of work: it is a
    :class:`~ordercore.storage.ports.UnitOfWorkFactory`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, tuple[int, object]] = {}
        self._series: dict[str, NumberingSeries] = {}
        self._series_locks: dict[str, threading.Lock] = {}
        # the thread and unit of work that hold each series' lock, under ``_lock``
        self._series_holders: dict[str, tuple[int, MemoryUnitOfWork]] = {}
        self._results: dict[str, tuple[str, object]] = {}
        self._messages: dict[int, Event] = {}
        self._message_count = 0

    @property
    def name(self) -> str:
        """The store's name in errors: ``"MemoryStore 0x..."``, by its identity."""
        return f"MemoryStore {id(self):#x}"

    def __call__(self) -> MemoryUnitOfWork:
        """A new unit of work on this store."""
        return MemoryUnitOfWork(self)


class MemoryUnitOfWork:
    """One unit of work on a :class:`MemoryStore`; it sees its own writes."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._open = True
        self._read: dict[str, int] = {}
        self._writes: dict[str, object] = {}
        self._new_series: dict[str, NumberingSeries] = {}
        self._taken: dict[str, NumberingSeries] = {}
        self._held: list[tuple[str, threading.Lock]] = []
        self._results: dict[str, tuple[str, object]] = {}
        self._events: list[Event] = []
        self._marked: set[int] = set()
        self.documents = _Documents(self)
        self.numbers = _Numbers(self)
        self.idempotency = _Results(self)
        self.outbox = _Outbox(self)

    # -- the unit of work ------------------------------------------------------------

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
        """Write everything, or raise and write nothing; the unit of work closes either way."""
        self._check("commit")
        store = self._store
        try:
            with store._lock:
                for record_id in self._writes:
                    self._check_current(record_id)
                for name in self._new_series:
                    if name in store._series:
                        raise RecordExists(record=name)
                for key, (fingerprint, _) in self._results.items():
                    if key in store._results:
                        if store._results[key][0] != fingerprint:
                            raise IdempotencyConflict(key=key)
                        raise ConcurrencyConflict(record=key, expected=0, found=1)
                for record_id, record in self._writes.items():
                    stored = store._records.get(record_id)
                    store._records[record_id] = ((stored[0] if stored else 0) + 1, record)
                store._series.update(self._new_series)
                store._series.update(self._taken)
                store._results.update(self._results)
                for event in self._events:
                    store._message_count += 1
                    store._messages[store._message_count] = event
                for message in self._marked:
                    store._messages.pop(message, None)
        finally:
            self._close()

    def rollback(self) -> None:
        """Forget every write and give back every number taken; then close."""
        self._check("roll back")
        self._close()

    def _close(self) -> None:
        self._open = False
        self._writes.clear()
        self._new_series.clear()
        self._taken.clear()
        self._results.clear()
        self._events.clear()
        self._marked.clear()
        holders = self._store._series_holders
        for name, lock in reversed(self._held):
            with self._store._lock:  # closed from any thread: the hold ends before the lock
                held = holders.get(name)
                if held is not None and held[1] is self:
                    del holders[name]
            lock.release()
        self._held.clear()

    def _check(self, operation: str) -> None:
        if not self._open:
            raise UnitOfWorkClosed(operation=operation)

    # -- documents (the caller holds the store's lock where it says so) ----------------

    def _stored_version(self, record_id: str) -> int:
        stored = self._store._records.get(record_id)
        return stored[0] if stored else 0

    def _check_current(self, record_id: str) -> None:
        """Under the store's lock: refuse a write made from an older stored version."""
        expected, found = self._read[record_id], self._stored_version(record_id)
        if found != expected:
            if expected == 0:
                raise RecordExists(record=record_id)
            raise ConcurrencyConflict(record=record_id, expected=expected, found=found)

    def _view(self) -> list[object]:
        """Every record as this unit of work sees it, by id; each is remembered as read."""
        with self._store._lock:
            seen = dict(self._store._records)
        for record_id, (version, _) in seen.items():
            self._read.setdefault(record_id, version)
        records = {record_id: record for record_id, (_, record) in seen.items()}
        records.update(self._writes)
        return [records[record_id] for record_id in sorted(records)]


class _Documents:
    """The :class:`~ordercore.storage.ports.Repository` of a :class:`MemoryUnitOfWork`."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def get(self, record_id: str, kind: type[T]) -> T:
        uow = self._uow
        uow._check("get a record")
        record_id = _text(record_id, "record_id")
        if record_id in uow._writes:
            record = uow._writes[record_id]
        else:
            with uow._store._lock:
                version, record = uow._store._records.get(record_id, (0, None))
            if version == 0:
                raise UnknownRecord(record=record_id)
            uow._read.setdefault(record_id, version)
        if not isinstance(record, kind):
            raise UnknownRecord(record=record_id, what=kind.__name__)
        return record

    def add(self, record: Record) -> None:
        uow = self._uow
        uow._check("add a record")
        record_id = _record_id(record)
        with uow._store._lock:
            if record_id in uow._writes or uow._stored_version(record_id):
                raise RecordExists(record=record_id)
        uow._read[record_id] = 0
        uow._writes[record_id] = record

    def save(self, record: Record) -> None:
        uow = self._uow
        uow._check("save a record")
        record_id = _record_id(record)
        if record_id not in uow._read:
            raise UnreadRecord(record=record_id)
        with uow._store._lock:
            uow._check_current(record_id)
        uow._writes[record_id] = record

    def with_number(self, number: str) -> tuple[Record, ...]:
        self._uow._check("find records")
        number = _text(number, "number")
        view: list[Any] = self._uow._view()
        return tuple(r for r in view if getattr(r, "number", None) == number)

    def in_state(self, state: str, kind: type[T]) -> tuple[T, ...]:
        self._uow._check("find records")
        state = _text(state, "state")
        return tuple(
            r
            for r in self._uow._view()
            if isinstance(r, kind) and getattr(r, "state", None) == state
        )

    def due_by(self, day: dt.date) -> tuple[Record, ...]:
        self._uow._check("find records")
        day = _day(day)
        return tuple(r for r in self._issued() if (due := _due(r)) is not None and due <= day)

    def subscriptions_due(self, day: dt.date) -> tuple[Subscription, ...]:
        self._uow._check("find records")
        day = _day(day)
        return tuple(
            r for r in self._uow._view() if isinstance(r, Subscription) and _due_on(r, day)
        )

    def credit_notes_of(self, invoice_number: str, kind: type[T]) -> tuple[T, ...]:
        self._uow._check("find records")
        invoice_number = _text(invoice_number, "invoice_number")
        kind = _kind(kind)
        notes = [
            r
            for r in self._uow._view()
            if isinstance(r, CreditNote) and r.invoice_number == invoice_number
        ]
        return tuple(note for note in notes if isinstance(note, kind))

    def open_items(self, party: str) -> tuple[OpenItem, ...]:
        self._uow._check("find open items")
        party = _text(party, "party")
        items = (r.open_item() for r in self._issued() if hasattr(r, "open_item"))
        return tuple(item for item in items if isinstance(item, OpenItem) and item.party == party)

    def _issued(self) -> list[Any]:
        return [r for r in self._uow._view() if getattr(r, "state", None) == "issued"]


def _day(value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidType(value, expected="a datetime.date", field="day")
    return value


def _due_on(subscription: Subscription, day: dt.date) -> bool:
    billing_date = due_date(subscription)
    return billing_date is not None and billing_date <= day


def _due(record: object) -> dt.date | None:
    due = getattr(record, "due_date", None)
    return due if isinstance(due, dt.date) else None


class _Numbers:
    """The :class:`~ordercore.storage.ports.Numbers` of a :class:`MemoryUnitOfWork`."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def add(self, name: str, series: NumberingSeries) -> None:
        uow = self._uow
        uow._check("add a numbering series")
        name, series = _text(name, "name"), _series(series)
        with uow._store._lock:
            if name in uow._new_series or name in uow._store._series:
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
        with uow._store._lock:
            series = uow._store._series.get(name)
        if series is None:
            raise UnknownRecord(record=name, what="numbering series")
        return series

    def take(self, name: str) -> str:
        uow = self._uow
        uow._check("take a number")
        series = self.get(name)
        if name not in uow._taken and name not in uow._new_series:
            store, me = uow._store, threading.get_ident()
            with store._lock:
                lock = store._series_locks.setdefault(name, threading.Lock())
                holder = store._series_holders.get(name)
            if holder is not None and holder[0] == me:  # it would wait for its own thread
                raise WriteLockHeldInThread(
                    database=store.name, operation="take a number in", series=name
                )
            lock.acquire()  # held until the unit of work closes, like a row lock
            with store._lock:
                store._series_holders[name] = (me, uow)
            uow._held.append((name, lock))
            series = self.get(name)  # what the writer before us committed
        number, advanced = series.next()
        if name in uow._new_series:
            uow._new_series[name] = advanced
        else:
            uow._taken[name] = advanced
        return number


class _Results:
    """The :class:`~ordercore.storage.ports.IdempotencyStore` of a :class:`MemoryUnitOfWork`."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def get(self, key: str, fingerprint: str) -> object | None:
        uow = self._uow
        uow._check("look up a request")
        key, fingerprint = _text(key, "key"), _text(fingerprint, "fingerprint")
        stored = uow._results.get(key)
        if stored is None:
            with uow._store._lock:
                stored = uow._store._results.get(key)
        if stored is None:
            return None
        if stored[0] != fingerprint:
            raise IdempotencyConflict(key=key)
        return stored[1]

    def put(self, key: str, fingerprint: str, result: object) -> None:
        if self.get(key, fingerprint) is None:
            self._uow._results[key] = (fingerprint, result)
        elif key not in self._uow._results:  # another unit of work did the request since
            raise ConcurrencyConflict(record=key, expected=0, found=1)


class _Outbox:
    """The :class:`~ordercore.storage.ports.Outbox` of a :class:`MemoryUnitOfWork`."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def add(self, events: Iterable[Event]) -> None:
        self._uow._check("add events")
        added = events_given(events)
        self._uow._events.extend(added)

    def pending(self, limit: int = 100) -> tuple[OutboxMessage, ...]:
        uow = self._uow
        uow._check("read the outbox")
        limit = limit_given(limit)
        with uow._store._lock:
            ids = sorted(i for i in uow._store._messages if i not in uow._marked)[:limit]
            return tuple(OutboxMessage(id=i, event=uow._store._messages[i]) for i in ids)

    def delivered(self, ids: Iterable[int]) -> None:
        uow = self._uow
        uow._check("mark events delivered")
        uow._marked.update(ids_given(ids))


if TYPE_CHECKING:  # the type checker proves that the adapter implements the ports
    _factory: UnitOfWorkFactory = MemoryStore()
    _clock: Clock = FixedClock(at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
