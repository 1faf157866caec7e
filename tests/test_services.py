"""Application services: one unit of work per operation, idempotency keys, events after commit."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordercore import (
    AllocationTooEarly,
    AlreadyCredited,
    ConcurrencyConflict,
    CurrencyMismatch,
    CustomerCreditNote,
    Document,
    DraftBill,
    DraftInvoice,
    DraftQuote,
    ExchangeRate,
    IdempotencyConflict,
    InvalidPayment,
    InvalidSubscription,
    InvalidType,
    InvoicingPolicy,
    IssuedInvoice,
    Line,
    Money,
    NothingRemains,
    NothingToInvoice,
    NumberingSeries,
    OverCrediting,
    OverInvoicing,
    Payment,
    PeriodBilledAlready,
    QuoteContent,
    QuoteLine,
    RecordExists,
    Request,
    SalesOrder,
    SubscriptionEnded,
    SupplierCreditNote,
    Tax,
    UnknownRecord,
    credit_in_full,
)
from ordercore.errors import EventDeliveryFailed, NotAnAllocation
from ordercore.events import Event
from ordercore.services import Allocate, Services, fingerprint
from ordercore.settlement import Allocation, DocumentRef
from ordercore.settlement.accounts import Account
from ordercore.settlement.events import PaymentAllocated, PaymentRecorded, PaymentUnallocated
from ordercore.storage.memory import FixedClock, MemoryStore
from ordercore.subscriptions import (
    Interval,
    Meter,
    PerUnit,
    Schedule,
    Subscription,
    Timing,
    UsageRecord,
)

DAY = dt.date(2026, 12, 1)
VAT = Tax.percent("VAT", "20")


def request(key: str, day: dt.date = DAY) -> Request:
    return Request(
        key=key, at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC), business_date=day
    )


def content(price: str = "100.00", quantity: str = "1") -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(description="Work", quantity=quantity, unit_price=Money(price, "EUR"), taxes=[VAT])
        ],
    )


def new_store() -> Any:
    return MemoryStore()


@pytest.fixture(autouse=True, params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on the memory store and on SQLite (in memory), when installed."""
    if request.param == "sqlite":
        sql = pytest.importorskip("ordercore.storage.sql", reason="needs the sql extra")
        monkeypatch.setattr(sys.modules[__name__], "new_store", sql.SqlStore.from_url)
    return str(request.param)


def services_with_series(**options: Any) -> tuple[Any, Services]:
    store = new_store()
    services = Services(store, **options)
    for name, prefix in (("INV", "INV-"), ("CN", "CN-"), ("SO", "SO-")):
        services.add_series(name, NumberingSeries(prefix=prefix, width=4))
    return store, services


def drafts(services: Services, *ids: str, price: str = "100.00") -> None:
    for invoice_id in ids:
        services.create_invoice(
            id=invoice_id,
            customer="acme",
            content=content(price),
            request=request(f"c-{invoice_id}"),
        )


def stored(store: Any, record_id: str, kind: type[Any]) -> Any:
    with store() as uow:
        return uow.documents.get(record_id, kind)


def last_number(store: Any, series: str = "INV") -> int:
    with store() as uow:
        return uow.numbers.get(series).last


# -- idempotency ---------------------------------------------------------------------------


def test_the_same_key_and_request_return_the_first_result_and_change_nothing() -> None:
    store, services = services_with_series()
    drafts(services, "inv-1")
    first = services.issue_invoice("inv-1", due_date=DAY, request=request("r1"))
    again = services.issue_invoice("inv-1", due_date=DAY, request=request("r1", DAY.replace(day=2)))
    assert again == first
    assert first.number == "INV-0001"
    assert last_number(store) == 1  # no second number taken


def test_the_same_key_with_another_request_raises_and_changes_nothing() -> None:
    store, services = services_with_series()
    drafts(services, "inv-1", "inv-2")
    services.issue_invoice("inv-1", due_date=DAY, request=request("r1"))
    with pytest.raises(IdempotencyConflict) as refused:
        services.issue_invoice("inv-2", due_date=DAY, request=request("r1"))
    assert refused.value.key == "r1"
    assert isinstance(stored(store, "inv-2", DraftInvoice), DraftInvoice)
    assert last_number(store) == 1


def test_a_failed_operation_writes_nothing_and_its_key_stays_free() -> None:
    store, services = services_with_series()
    drafts(services, "inv-1")
    with pytest.raises(UnknownRecord) as missing:
        services.issue_invoice("inv-9", due_date=DAY, request=request("r1"))
    assert missing.value.record == "inv-9"
    assert last_number(store) == 0
    issued = services.issue_invoice("inv-1", due_date=DAY, request=request("r1"))
    assert issued.number == "INV-0001"


def test_a_bare_key_needs_a_clock_and_takes_its_time() -> None:
    at = dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC)
    store, services = services_with_series(clock=FixedClock(at=at))
    drafts(services, "inv-1")
    issued = services.issue_invoice("inv-1", request="r1")
    assert issued.issue_date == at.date()
    with pytest.raises(InvalidType) as refused:
        Services(store).issue_invoice("inv-1", request="r1")
    assert refused.value.field == "request"


def test_fingerprints_tell_requests_apart_by_every_argument() -> None:
    a = fingerprint("op", quantity=Decimal("2"), price=Money("1.00", "EUR"), day=DAY)
    assert a == fingerprint("op", quantity=Decimal("2"), price=Money("1.00", "EUR"), day=DAY)
    assert a != fingerprint("op", quantity=Decimal("3"), price=Money("1.00", "EUR"), day=DAY)
    assert a != fingerprint("op", quantity=Decimal("2"), price=Money("1.00", "USD"), day=DAY)
    assert a != fingerprint("other", quantity=Decimal("2"), price=Money("1.00", "EUR"), day=DAY)
    assert fingerprint("op", lines={0: 1, 1: 2}) == fingerprint("op", lines={1: 2, 0: 1})
    assert fingerprint("op", document=content()) != fingerprint("op", document=content("1.00"))
    with pytest.raises(InvalidType):
        fingerprint("op", thing=object())


# -- concurrency ---------------------------------------------------------------------------


def test_concurrent_issuers_number_without_gap_or_duplicate() -> None:
    _, services = services_with_series()
    ids = [f"inv-{i}" for i in range(40)]
    drafts(services, *ids)

    def issue(invoice_id: str) -> str:
        return services.issue_invoice(
            invoice_id, due_date=DAY, request=request(f"i-{invoice_id}")
        ).number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(issue, ids, timeout=60))
    assert sorted(numbers) == [f"INV-{n:04d}" for n in range(1, 41)]


def test_one_request_sent_twice_at_once_is_done_once() -> None:
    store, services = services_with_series()
    drafts(services, "inv-1")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda _: services.issue_invoice("inv-1", due_date=DAY, request=request("r1")),
                range(2),
                timeout=60,
            )
        )
    assert results[0] == results[1]
    assert last_number(store) == 1


class PausingStore:
    """A memory store whose first unit of work waits at commit until told to go on."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.reached = threading.Event()
        self.go_on = threading.Event()
        self.first = True

    def __call__(self) -> Any:
        uow = self.store()
        if self.first:
            self.first = False
            commit = uow.commit

            def paused() -> None:
                self.reached.set()
                assert self.go_on.wait(timeout=30)
                commit()

            uow.commit = paused  # type: ignore[method-assign]
        return uow


def open_invoice(services: Services, invoice_id: str, price: str = "100.00") -> IssuedInvoice:
    drafts(services, invoice_id, price=price)
    return services.issue_invoice(invoice_id, due_date=DAY, request=request(f"i-{invoice_id}"))


def payment(reference: str, amount: str, party: str = "acme") -> Payment:
    return Payment.received(
        amount=Money(amount, "EUR"),
        date=DAY,
        reference=reference,
        method="transfer",
        party=party,
        idempotency_key=f"k-{reference}",
    )


@pytest.mark.parametrize("opened", [True, False], ids=["account-open", "account-new"])
def test_concurrent_allocations_on_one_account_conflict_and_never_over_allocate(
    opened: bool,
) -> None:
    store, services = services_with_series()
    open_invoice(services, "inv-1")  # 120.00
    if opened:
        services.record_payment(payment("P0", "1.00"), request=request("p0"))
    pausing = PausingStore(store)
    slow = Services(pausing)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(slow.record_payment, payment("P1", "120.00"), request=request("p1"))
        assert pausing.reached.wait(timeout=30)
        services.record_payment(payment("P2", "120.00"), request=request("p2"))
        pausing.go_on.set()
        with pytest.raises(ConcurrencyConflict) as lost:
            first.result(timeout=30)
    assert lost.value.record == "account/acme"
    ledger = stored(store, "account/acme", Account).ledger
    invoice = DocumentRef.invoice("INV-0001")
    assert ledger.amount_remaining(invoice) == Money("0.00", "EUR")
    # the loser retries with the same key: now there is nothing left to pay, P1 is credit
    retried = services.record_payment(payment("P1", "120.00"), request=request("p1"))
    assert retried == (payment("P1", "120.00"),)
    ledger = stored(store, "account/acme", Account).ledger
    assert ledger.unallocated("P1") == Money("120.00", "EUR")


# -- events after commit -------------------------------------------------------------------


def test_events_reach_the_handler_only_after_commit() -> None:
    seen: list[Event] = []
    store, services = services_with_series(on_event=seen.append)
    drafts(services, "inv-1")
    with pytest.raises(UnknownRecord):
        services.issue_invoice("inv-2", due_date=DAY, request=request("r0"))
    before = len(seen)
    services.issue_invoice("inv-1", due_date=DAY, request=request("r1"))
    assert [event.name for event in seen[before:]] == ["InvoiceIssued"]
    services.issue_invoice("inv-1", due_date=DAY, request=request("r1"))  # the retry
    assert len(seen) == before + 1
    with store() as uow:
        assert uow.outbox.pending() == ()


def test_a_failing_handler_leaves_its_event_pending_for_the_next_delivery() -> None:
    seen: list[Event] = []
    failing = [True]

    def handler(event: Event) -> None:
        if failing[0]:
            raise RuntimeError("the message bus is down")
        seen.append(event)

    store, services = services_with_series(on_event=handler)
    with pytest.raises(EventDeliveryFailed) as failed:
        drafts(services, "inv-1")
    assert isinstance(failed.value.__cause__, RuntimeError)
    assert isinstance(failed.value.result, DraftInvoice)  # the operation was done
    assert isinstance(stored(store, "inv-1", DraftInvoice), DraftInvoice)
    failing[0] = False
    assert services.deliver_events() == 1
    assert [event.name for event in seen] == ["InvoiceDraftCreated"]
    assert services.deliver_events() == 0


def test_without_a_handler_events_wait_in_the_outbox() -> None:
    store, services = services_with_series()
    drafts(services, "inv-1")
    services.issue_invoice("inv-1", due_date=DAY, request=request("r1"))
    with store() as uow:
        names = [message.event.name for message in uow.outbox.pending()]
    assert names == ["InvoiceDraftCreated", "InvoiceIssued"]
    assert services.deliver_events() == 0


# -- quote to cash -------------------------------------------------------------------------


def quote_content(chairs: str = "6") -> QuoteContent:
    return QuoteContent(
        currency="EUR",
        lines=[
            QuoteLine(
                key="desk",
                line=Line(
                    description="Desk", quantity="4", unit_price=Money("329.00", "EUR"), taxes=[VAT]
                ),
            ),
            QuoteLine(
                key="chair",
                line=Line(
                    description="Chair",
                    quantity=chairs,
                    unit_price=Money("89.90", "EUR"),
                    taxes=[VAT],
                ),
            ),
        ],
    )


def confirmed_order(services: Services) -> SalesOrder:
    quote = DraftQuote.create(
        id="q-1",
        customer="acme",
        content=quote_content("8"),
        valid_until=dt.date(2026, 12, 31),
        request=request("q0"),
    )
    services.add(quote, request=request("q0"))
    services.revise_quote("q-1", quote_content("6"), request=request("q1"))
    services.send_quote("q-1", request=request("q2"))
    return services.accept_quote(
        "q-1", order_id="so-1", invoicing_policy=InvoicingPolicy.DELIVERED, request=request("q3")
    )


def test_an_order_delivered_and_invoiced_in_parts_sums_to_its_total() -> None:
    store, services = services_with_series()
    order = confirmed_order(services)
    assert order.number == "SO-0001"
    services.record_delivery("so-1", {"desk": "2", "chair": "6"}, request=request("d1"))
    first = services.invoice_order("so-1", invoice_id="inv-1", due_date=DAY, request=request("i1"))
    services.record_delivery("so-1", {"desk": "2"}, request=request("d2"))
    last = services.invoice_order(
        "so-1", invoice_id="inv-2", remaining=True, due_date=DAY, request=request("i2")
    )
    assert isinstance(first, IssuedInvoice)
    assert isinstance(last, IssuedInvoice)
    assert [first.number, last.number] == ["INV-0001", "INV-0002"]
    done = stored(store, "so-1", SalesOrder)
    assert done.state == "done"
    assert first.total + last.total == done.total
    with pytest.raises(NothingRemains):
        services.invoice_order("so-1", invoice_id="inv-3", request=request("i3"))
    assert last_number(store) == 2


def test_an_order_invoice_may_stay_a_draft() -> None:
    store, services = services_with_series()
    confirmed_order(services)
    services.record_delivery("so-1", {"desk": "1"}, request=request("d1"))
    draft = services.invoice_order("so-1", invoice_id="inv-1", issue=False, request=request("i1"))
    assert isinstance(draft, DraftInvoice)
    assert last_number(store) == 0
    issued = services.issue_invoice("inv-1", due_date=DAY, request=request("i2"))
    assert issued.total == draft.total


def test_over_invoicing_an_order_changes_nothing() -> None:
    store, services = services_with_series()
    confirmed_order(services)
    before = stored(store, "so-1", SalesOrder)
    with pytest.raises(OverInvoicing):
        services.invoice_order(
            "so-1", invoice_id="inv-1", quantities={"desk": "5"}, request=request("i1")
        )
    assert stored(store, "so-1", SalesOrder) == before
    assert last_number(store) == 0


def test_a_credit_by_lines_goes_back_to_the_order_in_the_same_unit_of_work() -> None:
    store, services = services_with_series()
    confirmed_order(services)
    services.record_delivery("so-1", {"desk": "2", "chair": "6"}, request=request("d1"))
    invoice = services.invoice_order(
        "so-1", invoice_id="inv-1", due_date=DAY, request=request("i1")
    )
    note = services.credit_invoice(
        "inv-1",
        credit_note_id="cn-1",
        reason="damaged",
        lines={"chair": "1"},
        request=request("c1"),
    )
    assert note.number == "CN-0001"
    assert note.invoice_number == invoice.number
    order = stored(store, "so-1", SalesOrder)
    chair = order.lines[1]
    assert chair.invoiced == Decimal("5")
    # a second credit counts the first: the rest of the chairs, then no more
    services.credit_invoice(
        "inv-1",
        credit_note_id="cn-2",
        reason="returned",
        lines={"chair": "5"},
        request=request("c2"),
    )
    with pytest.raises(OverCrediting):
        services.credit_invoice(
            "inv-1", credit_note_id="cn-3", reason="x", lines={"chair": "1"}, request=request("c3")
        )
    assert last_number(store, "CN") == 2


def test_a_price_concession_leaves_the_order_as_it_is() -> None:
    store, services = services_with_series()
    confirmed_order(services)
    services.record_delivery("so-1", {"desk": "4", "chair": "6"}, request=request("d1"))
    services.invoice_order("so-1", invoice_id="inv-1", due_date=DAY, request=request("i1"))
    order = stored(store, "so-1", SalesOrder)
    note = services.credit_invoice(
        "inv-1",
        credit_note_id="cn-1",
        reason="late delivery",
        amount=Money("50.00", "EUR"),
        request=request("c1"),
    )
    assert isinstance(note, CustomerCreditNote)
    assert note.total == Money("50.00", "EUR")
    assert stored(store, "so-1", SalesOrder) == order


def test_only_the_invoices_own_credit_notes_count_against_it() -> None:
    store, services = services_with_series()
    drafts(services, "inv-1")
    invoice = services.issue_invoice("inv-1", due_date=DAY, request=request("i1"))
    bill = DraftBill.create(  # a supplier's bill that carries our invoice's number
        id="bill-1", supplier="papyrus", content=content(), request=request("b1")
    ).document.issue(number=invoice.number, issue_date=DAY, due_date=DAY, request=request("b2"))
    theirs = credit_in_full(
        bill.document,
        id="scn-1",
        number="P-CN-1",
        issue_date=DAY,
        reason="x",
        request=request("b3"),
    ).document
    with store() as uow:
        uow.documents.add(bill.document)
        uow.documents.add(theirs)
        uow.commit()
    note = services.credit_invoice(
        "inv-1", credit_note_id="cn-1", reason="cancelled", request=request("c1")
    )
    assert note.in_full
    assert note.total == invoice.total
    with store() as uow:
        assert uow.documents.credit_notes_of(invoice.number, CustomerCreditNote) == (note,)
        assert uow.documents.credit_notes_of(invoice.number, SupplierCreditNote) == (theirs,)
    with pytest.raises(AlreadyCredited) as refused:  # ours counts: nothing remains
        services.credit_invoice(
            "inv-1",
            credit_note_id="cn-2",
            reason="x",
            amount=Money("1.00", "EUR"),
            request=request("c2"),
        )
    assert refused.value.credit_notes == (note.number,)


def test_crediting_lines_and_an_amount_at_once_is_refused() -> None:
    _, services = services_with_series()
    with pytest.raises(InvalidType):
        services.credit_invoice(
            "inv-1",
            credit_note_id="cn-1",
            reason="x",
            lines={0: "1"},
            amount=Money("1.00", "EUR"),
            request=request("c1"),
        )


# -- payments ------------------------------------------------------------------------------


def test_a_payment_over_two_invoices_keeps_the_rest_as_credit() -> None:
    seen: list[Event] = []
    store, services = services_with_series(on_event=seen.append)
    open_invoice(services, "inv-1", "100.00")  # 120.00 with VAT
    open_invoice(services, "inv-2", "50.00")  # 60.00
    result = services.record_payment(payment("P1", "200.00"), request=request("p1"))
    paid, *allocations = result
    assert paid == payment("P1", "200.00")
    assert [(a.item.number, a.amount) for a in allocations if isinstance(a, Allocation)] == [
        ("INV-0001", Money("120.00", "EUR")),
        ("INV-0002", Money("60.00", "EUR")),
    ]
    ledger = stored(store, "account/acme", Account).ledger
    assert ledger.credit("acme", "EUR") == Money("20.00", "EUR")
    assert [type(e) for e in seen[-2:]] == [PaymentRecorded, PaymentAllocated]
    assert services.record_payment(payment("P1", "200.00"), request=request("p1")) == result


def test_explicit_amounts_and_a_reversal() -> None:
    store, services = services_with_series()
    open_invoice(services, "inv-1")
    result = services.record_payment(
        payment("P1", "50.00"), allocate={"INV-0001": Money("50.00", "EUR")}, request=request("p1")
    )
    allocation = result[1]
    assert isinstance(allocation, Allocation)
    undone = services.reverse_allocation(allocation.number, party="acme", request=request("u1"))
    assert undone == allocation
    ledger = stored(store, "account/acme", Account).ledger
    assert ledger.amount_remaining(DocumentRef.invoice("INV-0001")) == Money("120.00", "EUR")
    with store() as uow:
        assert isinstance(uow.outbox.pending()[-1].event, PaymentUnallocated)
    with pytest.raises(UnknownRecord):
        services.record_payment(
            payment("P2", "5.00"), allocate={"INV-9": Money("5.00", "EUR")}, request=request("p2")
        )


def test_a_write_off_is_not_reversed_as_an_allocation() -> None:
    store, services = services_with_series()
    open_invoice(services, "inv-1")
    services.record_payment(payment("P1", "119.99"), request=request("p1"))
    with store() as uow:
        account = uow.documents.get("account/acme", Account)
        ledger = account.ledger.write_off(
            DocumentRef.invoice("INV-0001"),
            tolerance=Money("0.05", "EUR"),
            date=DAY,
            reason="rounding",
        )
        uow.documents.save(account.with_ledger(ledger))
        uow.commit()
    number = max(entry.number for entry in ledger.entries)
    with pytest.raises(NotAnAllocation) as refused:
        services.reverse_allocation(number, party="acme", request=request("u1"))
    assert refused.value.number == number


def usd_payment(reference: str, amount: str) -> Payment:
    return attrs.evolve(payment(reference, "1.00"), amount=Money(amount, "USD"))


USD = ExchangeRate(base="EUR", quote="USD", rate="1.0832", source="ECB", date=DAY)


def test_a_payment_in_another_currency_on_a_day() -> None:
    store, services = services_with_series()
    open_invoice(services, "inv-1", "100.00")  # EUR 120.00 with VAT
    later = DAY + dt.timedelta(days=3)
    result = services.record_payment(
        usd_payment("P1", "200.00"), rate=USD, on=later, request=request("p1")
    )
    allocation = result[1]
    assert isinstance(allocation, Allocation)
    assert (allocation.amount, allocation.taken) == (Money("120.00", "EUR"), Money("129.98", "USD"))
    assert (allocation.rate, allocation.date) == (USD, later)
    ledger = stored(store, "account/acme", Account).ledger
    assert ledger.credit("acme", "USD") == Money("70.02", "USD")
    # the same key and request: the first result; another rate or day: a conflict
    again = services.record_payment(
        usd_payment("P1", "200.00"), rate=USD, on=later, request=request("p1")
    )
    assert again == result
    other = attrs.evolve(USD, rate=Decimal("1.0900"))
    for changes in ({"rate": other, "on": later}, {"rate": USD, "on": DAY}, {"rate": USD}):
        with pytest.raises(IdempotencyConflict):
            services.record_payment(
                usd_payment("P1", "200.00"),
                request=request("p1"),
                **changes,  # type: ignore[arg-type]
            )
    assert stored(store, "account/acme", Account).ledger == ledger


def test_a_rate_and_a_day_by_reference_and_by_explicit_amounts() -> None:
    _, services = services_with_series()
    open_invoice(services, "inv-1", "100.00")
    open_invoice(services, "inv-2", "50.00")
    later = DAY + dt.timedelta(days=1)
    by_reference = services.record_payment(
        usd_payment("INV-0002", "100.00"),
        allocate=Allocate.BY_REFERENCE,
        rate=USD,
        on=later,
        request=request("p1"),
    )
    assert [(a.item.number, a.date) for a in by_reference[1:] if isinstance(a, Allocation)] == [
        ("INV-0002", later)
    ]
    explicit = services.record_payment(
        usd_payment("P2", "20.00"),
        allocate={"INV-0001": Money("10.00", "EUR")},
        rate=USD,
        on=later,
        request=request("p2"),
    )
    allocation = explicit[1]
    assert isinstance(allocation, Allocation)
    assert (allocation.taken, allocation.date) == (Money("10.83", "USD"), later)


def test_a_bad_rate_or_day_is_refused_before_anything_changes() -> None:
    _, services = services_with_series()
    open_invoice(services, "inv-1", "100.00")
    with pytest.raises(InvalidType) as rate:
        services.record_payment(
            usd_payment("P1", "200.00"),
            rate="1.0832",  # type: ignore[arg-type]
            request=request("p1"),
        )
    assert rate.value.field == "rate"
    with pytest.raises(InvalidType) as day:
        services.record_payment(
            payment("P1", "20.00"),
            on=dt.datetime(2026, 12, 2, tzinfo=dt.UTC),
            request=request("p1"),
        )
    assert day.value.field == "on"
    with pytest.raises(InvalidPayment) as nothing:
        services.record_payment(
            payment("P1", "20.00"), allocate=Allocate.NOTHING, on=DAY, request=request("p1")
        )
    assert nothing.value.field == "on"
    with pytest.raises(CurrencyMismatch):  # a EUR payment through a USD rate
        services.record_payment(payment("P1", "20.00"), rate=USD, request=request("p1"))
    with pytest.raises(AllocationTooEarly) as early:
        services.record_payment(
            payment("P1", "20.00"), on=DAY - dt.timedelta(days=1), request=request("p1")
        )
    assert early.value.source == "P1"
    assert services.ledger("acme").payments == ()
    # the key is still free: the request goes through as made
    assert services.record_payment(payment("P1", "20.00"), request=request("p1"))[0] == payment(
        "P1", "20.00"
    )


def test_a_request_without_rate_or_day_keeps_its_fingerprint() -> None:
    # the fingerprint of a request made before rate= and on= existed
    arguments = {"payment": payment("P1", "1.00"), "allocate": Allocate.OLDEST_FIRST}
    before = fingerprint("record_payment", **arguments, account="account/acme")
    assert before == fingerprint("record_payment", account="account/acme", **arguments)
    store, services = services_with_series()
    services.record_payment(payment("P1", "1.00"), request=request("p1"))
    with store() as uow:
        assert uow.idempotency.get("p1", before) is not None


def test_payments_wait_as_credit_when_not_allocated() -> None:
    store, services = services_with_series()
    open_invoice(services, "inv-1")
    services.record_payment(payment("P1", "10.00"), allocate=Allocate.NOTHING, request=request("p"))
    ledger = stored(store, "account/acme", Account).ledger
    assert ledger.unallocated("P1") == Money("10.00", "EUR")
    with pytest.raises(InvalidType):
        services.record_payment("P1", request=request("p2"))  # type: ignore[arg-type]


# -- previews ------------------------------------------------------------------------------


def test_a_preview_gives_the_very_result_and_changes_nothing() -> None:
    seen: list[Event] = []
    store, services = services_with_series(on_event=seen.append)
    confirmed_order(services)
    services.record_delivery("so-1", {"desk": "2"}, request=request("d1"))
    before = len(seen)
    order = stored(store, "so-1", SalesOrder)
    preview = services.preview().invoice_order(
        "so-1", invoice_id="inv-1", due_date=DAY, request=request("i1")
    )
    assert stored(store, "so-1", SalesOrder) == order
    assert last_number(store) == 0
    assert len(seen) == before
    real = services.invoice_order("so-1", invoice_id="inv-1", due_date=DAY, request=request("i1"))
    assert real == preview


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{"on_event": 5}, {"invoice_series": ""}, {"order_series": 7}],
    ids=["handler", "empty-series", "series-type"],
)
def test_services_refuse_bad_options(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidType):
        Services(new_store(), **options)


def test_services_need_a_unit_of_work_factory() -> None:
    with pytest.raises(InvalidType) as refused:
        Services("sqlite://")  # type: ignore[arg-type]
    assert refused.value.field == "uow_factory"


def test_quantities_must_be_a_mapping() -> None:
    _, services = services_with_series()
    with pytest.raises(InvalidType) as refused:
        services.record_delivery("so-1", [("desk", 1)], request=request("d1"))  # type: ignore[arg-type]
    assert refused.value.field == "quantities"


# -- a property: retries and failures never leave a gap or a double ---------------------------


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=15))
def test_issuing_with_retries_and_failures_numbers_each_invoice_once(
    steps: list[tuple[int, bool]],
) -> None:
    store, services = services_with_series()
    drafts(services, *(f"inv-{i}" for i in range(6)))
    issued: dict[int, str] = {}
    for index, exists in steps:
        invoice_id = f"inv-{index}" if exists else f"missing-{index}"
        try:
            result = services.issue_invoice(invoice_id, due_date=DAY, request=request(invoice_id))
        except UnknownRecord:
            assert not exists
            continue
        assert issued.setdefault(index, result.number) == result.number
    numbers = sorted(issued.values())
    assert numbers == [f"INV-{n:04d}" for n in range(1, len(numbers) + 1)]
    assert last_number(store) == len(numbers)


def test_adding_a_series_again_keeps_its_numbers_and_another_is_refused() -> None:
    store, services = services_with_series()
    drafts(services, "inv-1")
    services.issue_invoice("inv-1", due_date=DAY, request=request("r1"))
    again = services.add_series("INV", NumberingSeries(prefix="INV-", width=4))
    assert again.last == 1
    with pytest.raises(RecordExists) as refused:
        services.add_series("INV", NumberingSeries(prefix="X-", width=4))
    assert refused.value.record == "INV"
    with pytest.raises(InvalidType):
        services.add_series("NEW", "X-")  # type: ignore[arg-type]
    assert services.preview().add_series("NEW", NumberingSeries(prefix="N-")).last == 0
    with store() as uow, pytest.raises(UnknownRecord):
        uow.numbers.get("NEW")


# -- subscriptions -------------------------------------------------------------------------

API = Meter(
    key="api", metric="api_calls", model=PerUnit(unit_price=Money("0.01", "EUR")), taxes=[VAT]
)


def monthly(subscription_id: str = "sub-1") -> Subscription:
    return Subscription.start(
        id=subscription_id,
        customer="acme",
        schedule=Schedule(start=DAY, interval=Interval.months(1), timing=Timing.IN_ARREARS),
        items={
            "plan": Line(
                description="Pro plan", quantity="1", unit_price=Money("31.00", "EUR"), taxes=[VAT]
            )
        },
        meters=[API],
    )


CALLS = (
    UsageRecord(
        metric="api_calls", quantity="1200", at=dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC)
    ),
    UsageRecord(
        metric="api_calls", quantity="300", at=dt.datetime(2026, 12, 28, 12, tzinfo=dt.UTC)
    ),
)
BILLED = dt.date(2027, 1, 1)  # period 0 (December) is billed in arrears on 1 January


def subscribed(**options: Any) -> tuple[Any, Services]:
    store = new_store()
    services = Services(store, **options)
    services.add_subscription(monthly(), request=request("s-add"))
    return store, services


def test_billing_a_period_saves_the_subscription_and_adds_its_draft() -> None:
    seen: list[Event] = []
    store, services = subscribed(on_event=seen.append)
    draft = services.bill_period("sub-1", 0, usage=CALLS, request=request("b0", BILLED))
    assert draft.id == "sub-1/period-0"
    assert draft.customer == "acme"
    assert draft.total == Money("55.20", "EUR")  # 31.00 + 1,500 calls at 0.01, VAT 20 %
    assert stored(store, "sub-1/period-0", DraftInvoice) == draft
    subscription = stored(store, "sub-1", Subscription)
    assert subscription.record.is_billed(0)
    assert subscription.version == 2
    assert [event.document_id for event in seen] == ["sub-1/period-0"]  # after the commit
    _, expected = monthly().invoice(0, request=request("b0", BILLED), usage=CALLS)
    assert draft == expected.draft  # the domain's own step, stored


def test_billing_a_period_again_under_its_key_returns_the_first_draft() -> None:
    seen: list[Event] = []
    store, services = subscribed(on_event=seen.append)
    first = services.bill_period("sub-1", 0, usage=CALLS, request=request("b0", BILLED))
    again = services.bill_period(
        "sub-1", 0, usage=CALLS, request=request("b0", BILLED + dt.timedelta(days=1))
    )
    assert again == first
    assert stored(store, "sub-1", Subscription).version == 2  # billed once
    assert len(seen) == 1


def test_another_request_under_the_same_key_is_a_conflict() -> None:
    store, services = subscribed()
    services.bill_period("sub-1", 0, usage=CALLS, request=request("b0", BILLED))
    with pytest.raises(IdempotencyConflict) as refused:
        services.bill_period("sub-1", 1, request=request("b0", BILLED))
    assert refused.value.key == "b0"
    with pytest.raises(IdempotencyConflict):
        services.bill_period("sub-1", 0, usage=CALLS[:1], request=request("b0", BILLED))
    assert stored(store, "sub-1", Subscription).version == 2


def test_a_period_billed_under_another_key_is_refused_and_nothing_changes() -> None:
    store, services = subscribed()
    services.bill_period("sub-1", 0, usage=CALLS, request=request("b0", BILLED))
    before = stored(store, "sub-1", Subscription)
    with pytest.raises(PeriodBilledAlready) as refused:
        services.bill_period("sub-1", 0, usage=CALLS, request=request("b0-again", BILLED))
    assert refused.value.index == 0
    assert stored(store, "sub-1", Subscription) == before
    # the key stays free for a request that can be done
    draft = services.bill_period("sub-1", 1, request=request("b0-again", BILLED))
    assert draft.id == "sub-1/period-1"


def test_a_subscription_saved_by_another_writer_since_is_a_concurrency_conflict() -> None:
    store, services = subscribed()
    pausing = PausingStore(store)
    slow = Services(pausing)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(
            slow.bill_period, "sub-1", 0, usage=CALLS, request=request("slow", BILLED)
        )
        assert pausing.reached.wait(timeout=30)
        fast = services.bill_period("sub-1", 0, usage=CALLS, request=request("fast", BILLED))
        pausing.go_on.set()
        with pytest.raises(ConcurrencyConflict) as lost:
            first.result(timeout=30)
    assert lost.value.record == "sub-1"
    assert stored(store, "sub-1/period-0", DraftInvoice) == fast
    assert stored(store, "sub-1", Subscription).version == 2
    # the loser retries with its key: it reads the subscription again, billed already
    with pytest.raises(PeriodBilledAlready):
        services.bill_period("sub-1", 0, usage=CALLS, request=request("slow", BILLED))


def test_a_preview_bills_nothing_and_gives_the_very_draft() -> None:
    seen: list[Event] = []
    store, services = subscribed(on_event=seen.append)
    before = stored(store, "sub-1", Subscription)
    preview = services.preview().bill_period("sub-1", 0, usage=CALLS, request=request("b0", BILLED))
    assert stored(store, "sub-1", Subscription) == before
    with store() as uow, pytest.raises(UnknownRecord):
        uow.documents.get("sub-1/period-0", DraftInvoice)
    assert seen == []
    real = services.bill_period("sub-1", 0, usage=CALLS, request=request("b0", BILLED))
    assert real == preview


def test_adding_a_subscription_is_idempotent_and_needs_an_id() -> None:
    store, services = subscribed()
    assert services.add_subscription(monthly(), request=request("s-add")) == monthly()
    with pytest.raises(RecordExists) as taken:
        services.add_subscription(monthly(), request=request("s-add-2"))
    assert taken.value.record == "sub-1"
    with pytest.raises(InvalidSubscription) as nameless:
        services.add_subscription(attrs.evolve(monthly(), id=None), request=request("s-3"))
    assert nameless.value.field == "id"
    with pytest.raises(InvalidType) as other:
        services.add_subscription("sub-2", request=request("s-4"))  # type: ignore[arg-type]
    assert other.value.field == "subscription"
    assert stored(store, "sub-1", Subscription) == monthly()


@pytest.mark.parametrize(
    ("usage", "field"), [("calls", "usage"), (3, "usage"), ([CALLS[0], "x"], "usage[1]")]
)
def test_bad_usage_is_refused_before_anything_is_read(usage: object, field: str) -> None:
    _, services = subscribed()
    with pytest.raises(InvalidType) as refused:
        services.bill_period("sub-1", 0, usage=usage, request=request("b0", BILLED))  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_stored_subscription_is_changed_cancelled_and_billed_to_its_end() -> None:
    store, services = subscribed()
    services.bill_period("sub-1", 0, usage=CALLS, request=request("b0", BILLED))
    better = Line(
        description="Team plan", quantity="1", unit_price=Money("62.00", "EUR"), taxes=[VAT]
    )
    changed = services.change_subscription(
        "sub-1", dt.date(2027, 1, 11), "plan", better, request=request("c1", BILLED)
    )
    assert stored(store, "sub-1", Subscription) == changed
    assert changed.version == 3
    again = services.change_subscription(
        "sub-1", dt.date(2027, 1, 11), "plan", better, request=request("c1", BILLED)
    )
    assert again == changed  # the same request: done once
    cancelled = services.cancel_subscription(
        "sub-1", dt.date(2027, 1, 21), request=request("x1", BILLED)
    )
    assert cancelled.ended == dt.date(2027, 1, 21)
    assert stored(store, "sub-1", Subscription).version == 4
    last = services.bill_period("sub-1", 1, request=request("b1", dt.date(2027, 2, 1)))
    # 1 to 10 January at 31.00 and 11 to 20 January at 62.00, of 31 days: 10.00 + 20.00
    assert last.priced.totals.tax_exclusive == Money("30.00", "EUR")
    with pytest.raises(NothingToInvoice):
        services.invoice_pending("sub-1", on=dt.date(2027, 2, 1), request=request("p1"))
    with pytest.raises(SubscriptionEnded):
        services.change_subscription(
            "sub-1", dt.date(2027, 1, 25), "plan", None, request=request("c2")
        )
    assert stored(store, "sub-1", Subscription).version == 5


def test_a_cancellation_credit_is_invoiced_as_a_negative_draft() -> None:
    seen: list[Event] = []
    store, services = subscribed(on_event=seen.append)
    advance = attrs.evolve(
        monthly("sub-2"),
        schedule=Schedule(start=DAY, interval=Interval.months(1)),
        meters=(),
    )
    services.add_subscription(advance, request=request("s2"))
    services.bill_period("sub-2", 0, request=request("b2"))
    services.cancel_subscription("sub-2", dt.date(2026, 12, 21), request=request("x2"))
    draft = services.invoice_pending(
        "sub-2", on=dt.date(2026, 12, 21), request=request("p2", dt.date(2026, 12, 21))
    )
    assert draft.id == "sub-2/pending-3"
    assert draft.amount_due == Money("-13.20", "EUR")  # 11 of 31 days of 31.00, VAT 20 %
    assert stored(store, "sub-2/pending-3", DraftInvoice) == draft
    assert stored(store, "sub-2", Subscription).pending == ()
    again = services.invoice_pending(
        "sub-2", on=dt.date(2026, 12, 21), request=request("p2", dt.date(2026, 12, 22))
    )
    assert again == draft
    assert [event.document_id for event in seen] == ["sub-2/period-0", "sub-2/pending-3"]


def test_subscription_services_refuse_bad_input_and_unknown_subscriptions() -> None:
    store, services = subscribed()
    before = stored(store, "sub-1", Subscription)
    with pytest.raises(InvalidType) as flag:
        services.cancel_subscription(
            "sub-1",
            dt.date(2026, 12, 5),
            at_period_end="yes",  # type: ignore[arg-type]
            request=request("x"),
        )
    assert flag.value.field == "at_period_end"
    with pytest.raises(UnknownRecord):
        services.cancel_subscription("sub-9", dt.date(2026, 12, 5), request=request("x"))
    with pytest.raises(InvalidType):
        services.invoice_pending("sub-1", on=dt.date(2027, 1, 1), usage=5, request=request("p"))  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        services.change_subscription(
            "sub-1",
            dt.date(2026, 12, 5),
            "plan",
            "Pro",
            request=request("c"),  # type: ignore[arg-type]
        )
    assert stored(store, "sub-1", Subscription) == before
