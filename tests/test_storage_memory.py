"""The in-memory adapter: units of work, optimistic saves, gapless numbers, idempotency."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    ConcurrencyConflict,
    Document,
    DraftInvoice,
    IdempotencyConflict,
    IssuedInvoice,
    Line,
    Money,
    NumberingSeries,
    RecordExists,
    Request,
    UnitOfWorkClosed,
    UnknownRecord,
    UnreadRecord,
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


def test_a_committed_record_is_seen_by_later_units_of_work() -> None:
    store = store_with(draft())
    with store() as uow:
        assert uow.documents.get("inv-1", DraftInvoice) == draft()


def test_leaving_the_block_without_commit_writes_nothing() -> None:
    store = MemoryStore()
    with store() as uow:
        uow.documents.add(draft())
        assert uow.documents.get("inv-1", DraftInvoice) == draft()  # it sees its own write
    with store() as uow, pytest.raises(UnknownRecord) as error:
        uow.documents.get("inv-1", DraftInvoice)
    assert error.value.record == "inv-1"


class Failure(Exception):
    """Raised by a test in the middle of a unit of work."""


def fail_after_saving(store: MemoryStore) -> None:
    with store() as uow:
        uow.documents.save(issue(uow.documents.get("inv-1", DraftInvoice), "INV-1"))
        raise Failure


def test_an_exception_in_the_block_writes_nothing() -> None:
    store = store_with(draft())
    with pytest.raises(Failure):
        fail_after_saving(store)
    with store() as uow:
        assert uow.documents.get("inv-1", DraftInvoice) == draft()


def test_other_units_of_work_see_writes_only_after_commit() -> None:
    store = MemoryStore()
    writer = store()
    writer.documents.add(draft())
    with store() as reader, pytest.raises(UnknownRecord):
        reader.documents.get("inv-1", DraftInvoice)
    writer.commit()
    with store() as reader:
        assert reader.documents.get("inv-1", DraftInvoice) == draft()


def test_a_closed_unit_of_work_refuses_every_use() -> None:
    store = MemoryStore()
    with store() as uow:
        uow.commit()
    for use in (
        lambda: uow.documents.get("inv-1", DraftInvoice),
        lambda: uow.documents.add(draft()),
        lambda: uow.numbers.take("INV"),
        lambda: uow.idempotency.get("k", "f"),
        uow.commit,
        uow.rollback,
    ):
        with pytest.raises(UnitOfWorkClosed) as error:
            use()
        assert error.value.state == "closed"


def test_a_record_of_another_kind_is_not_found() -> None:
    store = store_with(draft())
    with store() as uow, pytest.raises(UnknownRecord) as error:
        uow.documents.get("inv-1", IssuedInvoice)
    assert (error.value.record, error.value.what) == ("inv-1", "IssuedInvoice")


def test_adding_a_stored_id_is_refused() -> None:
    store = store_with(draft())
    with store() as uow, pytest.raises(RecordExists) as error:
        uow.documents.add(draft())
    assert error.value.record == "inv-1"


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


def test_a_record_not_read_in_the_unit_of_work_is_not_saved() -> None:
    store = store_with(draft())
    with store() as uow, pytest.raises(UnreadRecord) as error:
        uow.documents.save(issue(draft(), "INV-1"))
    assert error.value.record == "inv-1"


def test_a_unit_of_work_saves_a_record_as_often_as_it_likes() -> None:
    store = store_with(draft())
    with store() as uow:
        record = uow.documents.get("inv-1", DraftInvoice)
        revised = record.revise(record.content, request=request("rev")).document
        uow.documents.save(revised)
        uow.documents.save(issue(revised, "INV-1"))
        uow.commit()
    with store() as uow:
        assert uow.documents.get("inv-1", IssuedInvoice).version == 2


def test_concurrent_saves_of_one_record_commit_one_at_a_time() -> None:
    store = store_with(draft())
    barrier = threading.Barrier(8)

    def revise_once(key: str) -> tuple[int, int] | None:
        with store() as uow:
            record = uow.documents.get("inv-1", DraftInvoice)
            barrier.wait(timeout=5)  # every writer has read the same stored version
            try:
                uow.documents.save(record.revise(record.content, request=request(key)).document)
                uow.commit()
            except ConcurrencyConflict as error:
                return (error.expected, error.found)
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        conflicts = list(pool.map(revise_once, [f"w{i}" for i in range(8)]))
    assert sorted(conflicts, key=str) == [(1, 2)] * 7 + [None]
    with store() as uow:
        assert uow.documents.get("inv-1", DraftInvoice).version == 2


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


def test_the_queries_see_the_unit_of_works_own_writes() -> None:
    store = store_with(draft("inv-1"), draft("inv-2"), draft("inv-3", customer="globex"))
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


def test_a_number_taken_in_a_rolled_back_unit_of_work_is_not_consumed() -> None:
    store = store_with(series=NumberingSeries(prefix="INV-", width=3))
    assert take_and_commit(store) == "INV-001"
    with store() as uow:
        assert uow.numbers.take("INV") == "INV-002"
        assert uow.numbers.take("INV") == "INV-003"
        assert uow.numbers.get("INV").last == 3
    assert take_and_commit(store) == "INV-002"


def test_an_unknown_series_is_not_found() -> None:
    store = MemoryStore()
    with store() as uow, pytest.raises(UnknownRecord) as error:
        uow.numbers.take("INV")
    assert (error.value.record, error.value.what) == ("INV", "numbering series")


def test_a_series_added_in_the_unit_of_work_numbers_at_once() -> None:
    store = MemoryStore()
    with store() as uow:
        uow.numbers.add("INV", NumberingSeries(prefix="INV-", width=3))
        assert uow.numbers.take("INV") == "INV-001"
        uow.commit()
    assert take_and_commit(store) == "INV-002"
    with store() as uow, pytest.raises(RecordExists):
        uow.numbers.add("INV", NumberingSeries(prefix="X-"))


def test_concurrent_writers_issue_numbers_without_gap_or_duplicate() -> None:
    count = 200
    store = store_with(
        *(draft(f"inv-{i}") for i in range(count)), series=NumberingSeries(prefix="", width=6)
    )

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
        numbers = [n for n in pool.map(issue_one, range(count)) if n is not None]
    expected = count - len(range(0, count, 3))
    assert sorted(int(n) for n in numbers) == list(range(1, expected + 1))
    with store() as uow:
        assert uow.numbers.get("INV").last == expected
        assert len(uow.documents.in_state("issued", IssuedInvoice)) == expected


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


# -- idempotency -----------------------------------------------------------------------


def test_a_result_of_a_rolled_back_unit_of_work_is_forgotten() -> None:
    store = MemoryStore()
    with store() as uow:
        uow.idempotency.put("req-1", "issue inv-1", "INV-1")
    with store() as uow:
        assert uow.idempotency.get("req-1", "issue inv-2") is None


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


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=3), st.booleans()), max_size=30))
def test_committed_numbers_are_gapless_whatever_rolls_back(steps: list[tuple[int, bool]]) -> None:
    store = store_with(series=NumberingSeries(prefix="", width=4))
    committed: list[str] = []
    for taken, commits in steps:
        with store() as uow:
            numbers = [uow.numbers.take("INV") for _ in range(taken)]
            if commits:
                uow.commit()
                committed += numbers
    assert [int(n) for n in committed] == list(range(1, len(committed) + 1))


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
