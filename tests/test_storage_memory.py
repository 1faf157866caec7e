"""The in-memory adapter, where it goes beyond the ports (tests/test_storage_contract.py runs the contract on it)."""

from __future__ import annotations

import datetime as dt
import pickle
import threading
from collections.abc import Callable

import pytest

from ordercore import (
    ConcurrencyConflict,
    Document,
    DraftInvoice,
    IdempotencyConflict,
    InvoicingPolicy,
    IssuedInvoice,
    Line,
    Money,
    NumberingSeries,
    RecordExists,
    Request,
    SalesOrder,
    UnknownRecord,
    WriteLockHeldInThread,
)
from ordercore.errors import InvalidType, NumberOutOfRange
from ordercore.storage.memory import FixedClock, MemoryStore
from ordercore.storage.ports import Clock, UnitOfWork, UnitOfWorkFactory

DAY = dt.date(2026, 11, 23)


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=DAY)


def draft(record_id: str = "inv-1", customer: str = "acme") -> DraftInvoice:
    content = Document(
        currency="EUR",
        items=[Line(description="Consulting", quantity="8", unit_price=Money("120.00", "EUR"))],
    )
    return DraftInvoice.create(
        id=record_id, customer=customer, content=content, request=request(f"c-{record_id}")
    ).document


def issue(record: DraftInvoice, number: str) -> IssuedInvoice:
    return record.issue(
        number=number, issue_date=DAY, due_date=DAY + dt.timedelta(days=30), request=request(number)
    ).document


def store_with(*records: DraftInvoice, series: NumberingSeries | None = None) -> MemoryStore:
    store = MemoryStore()
    with store() as uow:
        for record in records:
            uow.documents.add(record)
        if series is not None:
            uow.numbers.add("INV", series)
        uow.commit()
    return store


# -- the adapter is what the ports say -------------------------------------------------


def test_the_memory_store_is_a_unit_of_work_factory() -> None:
    store: UnitOfWorkFactory = MemoryStore()
    uow: UnitOfWork = store()
    clock: Clock = FixedClock(at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
    with uow:
        assert uow.numbers is not None
    assert clock.now().tzinfo is dt.UTC


def test_a_clock_must_be_timezone_aware() -> None:
    with pytest.raises(InvalidType):
        FixedClock(at=dt.datetime(2026, 11, 23, 9, 0))  # noqa: DTZ001


# -- commit and rollback -----------------------------------------------------------------


def test_a_record_of_another_kind_is_not_found() -> None:
    store = store_with(draft())
    with store() as uow, pytest.raises(UnknownRecord) as error:
        uow.documents.get("inv-1", IssuedInvoice)
    assert (error.value.record, error.value.what) == ("inv-1", "IssuedInvoice")


def test_two_units_of_work_adding_one_id_commit_once() -> None:
    store = MemoryStore()
    first, second = store(), store()
    first.documents.add(draft())
    second.documents.add(draft(customer="globex"))
    first.commit()
    with pytest.raises(RecordExists):
        second.commit()
    with store() as uow:
        assert uow.documents.get("inv-1", DraftInvoice).customer == "acme"


# -- optimistic concurrency ------------------------------------------------------------


def test_a_stale_save_raises_and_writes_nothing() -> None:
    store = store_with(draft())
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


def test_a_conflict_at_commit_writes_none_of_the_unit_of_work() -> None:
    store = store_with(draft("inv-1"), draft("inv-2"))
    first, second = store(), store()
    second.documents.save(issue(second.documents.get("inv-2", DraftInvoice), "INV-2"))
    second.documents.save(issue(second.documents.get("inv-1", DraftInvoice), "INV-1b"))
    first.documents.save(issue(first.documents.get("inv-1", DraftInvoice), "INV-1"))
    first.commit()
    with pytest.raises(ConcurrencyConflict) as error:
        second.commit()
    assert (error.value.record, error.value.expected, error.value.found) == ("inv-1", 1, 2)
    with store() as uow:
        assert uow.documents.get("inv-2", DraftInvoice) == draft("inv-2")
        assert uow.documents.get("inv-1", IssuedInvoice).number == "INV-1"


def test_a_refused_commit_gives_back_its_numbers() -> None:
    store = store_with(draft(), series=NumberingSeries(prefix="", width=3))
    first, second = store(), store()
    second.documents.save(issue(second.documents.get("inv-1", DraftInvoice), "?"))
    assert second.numbers.take("INV") == "001"
    first.documents.save(issue(first.documents.get("inv-1", DraftInvoice), "X"))
    first.commit()
    with pytest.raises(ConcurrencyConflict):
        second.commit()
    assert take_and_commit(store) == "001"


# -- queries -----------------------------------------------------------------------------


def test_a_record_found_by_a_query_may_be_saved() -> None:
    store = store_with(draft())
    with store() as uow:
        (found,) = uow.documents.in_state("draft", DraftInvoice)
        uow.documents.save(issue(found, "INV-1"))
        uow.commit()
    with store() as uow:
        assert uow.documents.in_state("draft", DraftInvoice) == ()


# -- numbering -------------------------------------------------------------------------


def take_and_commit(store: MemoryStore) -> str:
    with store() as uow:
        number = uow.numbers.take("INV")
        uow.commit()
    return number


def test_an_unknown_series_is_not_found() -> None:
    store = MemoryStore()
    with store() as uow, pytest.raises(UnknownRecord) as error:
        uow.numbers.take("INV")
    assert (error.value.record, error.value.what) == ("INV", "numbering series")


def test_a_writer_waits_for_the_series_another_holds() -> None:
    store = store_with(series=NumberingSeries(prefix="", width=3))
    holder = store()
    assert holder.numbers.take("INV") == "001"
    taken: list[str] = []
    waiter = threading.Thread(target=lambda: taken.append(take_and_commit(store)))
    waiter.start()
    waiter.join(timeout=0.2)
    assert taken == []  # still waiting for the series
    holder.commit()
    waiter.join(timeout=5)
    assert taken == ["002"]


def bounded(work: Callable[[], None], seconds: float = 5.0) -> None:
    """Run ``work`` in a thread of its own; fail (not hang) if it is not done in ``seconds``."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # given back to the test
            failures.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s: the thread waits for itself"
    if failures:
        raise failures[0]


def test_a_second_unit_of_work_of_the_thread_that_holds_the_series_is_refused_at_once() -> None:
    store = store_with(draft("inv-1"), series=NumberingSeries(prefix="", width=3))

    def work() -> None:
        with store() as first:
            assert first.numbers.take("INV") == "001"  # holds the series until it closes
            with store() as second:
                second.documents.add(draft("inv-2"))
                with pytest.raises(WriteLockHeldInThread) as refused:
                    second.numbers.take("INV")  # would wait for its own thread, for ever
                assert second.numbers.get("INV").last == 0  # it can still read
            error = refused.value
            assert (error.database, error.series, error.operation) == (
                store.name,
                "INV",
                "take a number in",
            )
            back = pickle.loads(pickle.dumps(error))
            assert (back.database, back.series, back.operation) == (
                store.name,
                "INV",
                error.operation,
            )
            with store() as third:  # another series is not locked
                third.numbers.add("CN", NumberingSeries(prefix="CN-"))
                third.commit()
            with store() as fourth:
                assert fourth.numbers.take("CN") == "CN-000001"
                fourth.commit()
            first.commit()
        with store() as uow:  # nothing of the refused one was written; the series is free
            with pytest.raises(UnknownRecord):
                uow.documents.get("inv-2", DraftInvoice)
            assert uow.numbers.take("INV") == "002"
            uow.commit()

    bounded(work)


def test_a_refused_unit_of_work_does_not_release_the_lock_of_the_holder() -> None:
    store = store_with(series=NumberingSeries(prefix="", width=3))

    def work() -> None:
        with store() as first:
            first.numbers.take("INV")
            with store() as second, pytest.raises(WriteLockHeldInThread):
                second.numbers.take("INV")
            taken: list[str] = []
            waiter = threading.Thread(target=lambda: taken.append(take_and_commit(store)))
            waiter.start()
            waiter.join(timeout=0.2)
            assert taken == []  # another thread still waits for the holder
            first.commit()
        waiter.join(timeout=5)
        assert taken == ["002"]

    bounded(work, seconds=10)


def test_a_series_held_by_a_unit_of_work_closed_in_another_thread_is_free() -> None:
    store = store_with(series=NumberingSeries(prefix="", width=3))

    def work() -> None:
        holder = store()
        holder.numbers.take("INV")
        closer = threading.Thread(target=holder.rollback)
        closer.start()
        closer.join(timeout=5)
        assert take_and_commit(store) == "001"  # neither refused nor waiting

    bounded(work)


# -- idempotency -----------------------------------------------------------------------


def test_two_units_of_work_storing_one_key_commit_once() -> None:
    store = MemoryStore()
    first, second, third = store(), store(), store()
    first.idempotency.put("req-1", "issue inv-1", "INV-1")
    second.idempotency.put("req-1", "issue inv-1", "INV-1")
    third.idempotency.put("req-1", "issue inv-9", "INV-9")
    first.commit()
    with pytest.raises(ConcurrencyConflict) as conflict:
        second.commit()
    assert conflict.value.record == "req-1"
    with pytest.raises(IdempotencyConflict):
        third.commit()


# -- bad input is refused before anything changes --------------------------------------


@pytest.mark.parametrize("record", [object(), "inv-1", NumberingSeries(prefix="X-")])
def test_only_documents_with_an_id_and_a_version_are_stored(record: object) -> None:
    store = MemoryStore()
    with store() as uow:
        with pytest.raises(InvalidType) as error:
            uow.documents.add(record)  # type: ignore[arg-type]
        assert error.value.field == "record"
        assert uow.documents.in_state("draft", object) == ()


def test_a_series_must_be_a_numbering_series() -> None:
    store = MemoryStore()
    with store() as uow, pytest.raises(InvalidType) as error:
        uow.numbers.add("INV", "INV-")  # type: ignore[arg-type]
    assert error.value.field == "series"


# -- the outbox --------------------------------------------------------------------------


def created_events(*records: str) -> list[object]:
    content = Document(
        currency="EUR",
        items=[Line(description="Consulting", quantity="1", unit_price=Money("1.00", "EUR"))],
    )
    return [
        event
        for record in records
        for event in DraftInvoice.create(
            id=record, customer="acme", content=content, request=request(record)
        ).events
    ]


def test_events_are_pending_only_after_commit_and_until_delivered() -> None:
    store = MemoryStore()
    events = created_events("a", "b")
    with store() as uow:
        uow.outbox.add(events)
        assert uow.outbox.pending() == ()
    with store() as uow:
        assert uow.outbox.pending() == ()  # rolled back: nothing kept
        uow.outbox.add(events)
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


@pytest.mark.parametrize("bad", [["not an event"], "abc", 5])
def test_the_outbox_takes_only_events(bad: object) -> None:
    with MemoryStore()() as uow:
        with pytest.raises(InvalidType):
            uow.outbox.add(bad)  # type: ignore[arg-type]
        assert uow._events == []


@pytest.mark.parametrize("limit", [0, -1, 10**6])
def test_the_outbox_limit_is_bounded(limit: int) -> None:
    with MemoryStore()() as uow, pytest.raises(NumberOutOfRange) as caught:
        uow.outbox.pending(limit=limit)
    assert caught.value.field == "limit"


def test_orders_are_found_by_number_in_any_state() -> None:
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
    store = MemoryStore()
    with store() as uow:
        uow.documents.add(order)
        uow.documents.add(draft("inv-1"))
        assert uow.documents.with_number("SO-1") == (order,)
        uow.commit()
    with store() as uow:
        assert uow.documents.with_number("SO-1") == (order,)
