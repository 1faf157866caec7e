"""The storage contract suite: pytest tests that prove a host's storage keeps the ports' promises.

ordercore keeps no data; a host implements the ports of :mod:`ordercore.storage.ports` on
its own storage. :class:`StorageContract` is a plain class of ``test_*`` methods: a host's
test class subclasses it and provides one fixture, ``uow_factory``, that yields a
:class:`~ordercore.storage.ports.UnitOfWorkFactory` on *empty* storage, and pytest runs
every test of the contract against it::

    import pytest
    from ordercore.testing.contract import StorageContract

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def uow_factory(self):
            factory = make_my_store()  # empty storage, for this test alone
            yield factory
            factory.close()

The tests prove what DOMAIN.md section 8 and the ports' docstrings promise:

* a unit of work writes all of its writes when it commits, and none of them when it rolls
  back, when an exception leaves its block or when it leaves the block without committing;
  others see its writes only after the commit; once closed it refuses every use
  (:class:`~ordercore.errors.UnitOfWorkClosed`);
* documents are got by id and kind (:class:`~ordercore.errors.UnknownRecord`), added once
  (:class:`~ordercore.errors.RecordExists`), saved only after they were got
  (:class:`~ordercore.errors.UnreadRecord`), and a save from a stale version raises
  :class:`~ordercore.errors.ConcurrencyConflict` and writes nothing of the unit of work;
* the queries (``with_number``: issued documents and orders; ``in_state``, ``due_by``,
  ``open_items``, ``credit_notes_of``: by the number credited and the side;
  ``subscriptions_due``: by the billing date of the first unbilled period, or the end of
  a subscription that ended with something waiting) see the
  committed documents and the unit of work's own writes;
* numbering series are gapless: a number taken by a unit of work that rolls back is taken
  again by the next one; a second unit of work of the thread whose unit of work holds a
  series (took a number of it) never waits for ever to take a number of it: it raises
  :class:`~ordercore.errors.WriteLockHeldInThread` (at once: the in-memory store, SQLite)
  or :class:`~ordercore.errors.StorageBusy` (after the storage's lock timeout: PostgreSQL,
  whose ``lock_timeout`` must then be shorter than :attr:`StorageContract.timeout`), and
  writes nothing;
* an idempotency key keeps the first result of its request (a record or a tuple of
  records, read back equal), refuses another request
  (:class:`~ordercore.errors.IdempotencyConflict`) and forgets a result rolled back;
* the outbox holds the events of committed units of work, in order, until a committed unit
  of work marks them delivered;
* records of every kind a repository stores read back equal: draft, issued and voided
  invoices and bills (those made from an order with the keys of their lines), quotes in
  every state, sales and purchase orders in progress, subscriptions invoiced, changed and
  paused (filed under their ``state``) (and, as idempotency results, credit notes, by
  the keys of an invoice's lines too, and payments).

Each test uses only the fresh storage its ``uow_factory`` yields (a hypothesis property
gives each of its examples its own ids), and several writers are several units of work of
that one factory.

The tests with writers in threads (several units of work at the same time) carry the
marker ``storage_concurrency`` (:data:`CONCURRENCY_MARKER`): deselect them with
``-m "not storage_concurrency"`` for storage that has a single writer. Register the
marker, as ``--strict-markers`` wants, either in the host's pytest configuration::

    [tool.pytest.ini_options]
    markers = ["storage_concurrency: several writers at once (ordercore's storage contract)"]

or by loading this module as a plugin in the host's top-level ``conftest.py``, whose
:func:`pytest_configure` registers it::

    pytest_plugins = ["ordercore.testing.contract"]

Every wait on a thread is bounded by :attr:`StorageContract.timeout` (seconds): an
adapter that deadlocks fails the test instead of hanging it.

It needs the ``testing`` extra (``pip install "py-ordercore[testing]"``: pytest and
hypothesis).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar, cast

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordercore.documents import (
    AcceptedQuote,
    DeclinedQuote,
    DownPayment,
    DownPaymentBase,
    DraftBill,
    DraftInvoice,
    DraftQuote,
    ExpiredQuote,
    InvoicingPolicy,
    IssuedBill,
    IssuedInvoice,
    NumberingSeries,
    PurchaseOrder,
    QuoteContent,
    QuoteLine,
    SalesOrder,
    SentQuote,
    VoidedBill,
    VoidedInvoice,
    credit_amount,
    credit_lines,
    standalone_credit,
)
from ordercore.documents.credit_notes import (
    CreditBase,
    CreditNote,
    CustomerCreditNote,
    SupplierCreditNote,
)
from ordercore.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    InvalidType,
    RecordExists,
    StorageBusy,
    UnitOfWorkClosed,
    UnknownRecord,
    UnreadRecord,
    WriteLockHeldInThread,
)
from ordercore.events import Event, Request
from ordercore.money import Money
from ordercore.pricing import Allowance, Charge, Document, Line, Tax
from ordercore.settlement import Payment, PaymentTerm
from ordercore.storage.ports import Record, UnitOfWork, UnitOfWorkFactory
from ordercore.subscriptions import (
    Interval,
    Meter,
    PerUnit,
    Schedule,
    Subscription,
    UsageRecord,
)

__all__ = ["CONCURRENCY_MARKER", "StorageContract", "pytest_configure"]

#: The marker of the tests that run several writers in threads at the same time.
CONCURRENCY_MARKER = "storage_concurrency"

_MARKER_LINE = f"{CONCURRENCY_MARKER}: several writers at once (ordercore's storage contract)"

T = TypeVar("T")


def pytest_configure(config: pytest.Config) -> None:
    """Register :data:`CONCURRENCY_MARKER` (when this module is loaded as a pytest plugin)."""
    config.addinivalue_line("markers", _MARKER_LINE)


_concurrency: pytest.MarkDecorator = getattr(pytest.mark, CONCURRENCY_MARKER)

# -- documents made with real operations ---------------------------------------------------

_DAY = dt.date(2026, 11, 23)
_AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
_VAT = Tax.percent("VAT", "20")
_REDUCED = Tax.percent("VAT", "5.5")


def _request(key: str, day: dt.date = _DAY) -> Request:
    return Request(key=key, at=_AT, business_date=day)


def _eur(amount: str) -> Money:
    return Money(amount, "EUR")


def _consulting(hours: str = "8") -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(description="Consulting", quantity=hours, unit_price=_eur("120.00"), taxes=[_VAT])
        ],
    )


def _furniture() -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(description="Desk", quantity="2", unit_price=_eur("250.00"), taxes=[_VAT]),
            Line(description="Manual", quantity="2", unit_price=_eur("24.90"), taxes=[_REDUCED]),
        ],
    )


def _draft(record_id: str, customer: str = "acme") -> DraftInvoice:
    return DraftInvoice.create(
        id=record_id, customer=customer, content=_consulting(), request=_request(f"c-{record_id}")
    ).document


def _issue(draft: DraftInvoice, number: str, days: int = 30) -> IssuedInvoice:
    return draft.issue(
        number=number,
        issue_date=_DAY,
        due_date=_DAY + dt.timedelta(days=days),
        request=_request(f"i-{draft.id}"),
    ).document


def _revise(draft: DraftInvoice, hours: str) -> DraftInvoice:
    return draft.revise(_consulting(hours), request=_request(f"r-{draft.id}-{hours}")).document


def _bill(record_id: str) -> DraftBill:
    return DraftBill.create(
        id=record_id, supplier="papyrus", content=_consulting(), request=_request(f"c-{record_id}")
    ).document


def _issue_bill(draft: DraftBill, number: str, days: int | None) -> IssuedBill:
    return draft.issue(
        number=number,
        issue_date=_DAY,
        due_date=None if days is None else _DAY + dt.timedelta(days=days),
        request=_request(f"i-{draft.id}"),
    ).document


def _issued_with_term() -> IssuedInvoice:
    return (
        _draft("inv-issued")
        .issue(
            number="INV-7",
            issue_date=_DAY,
            payment_term=PaymentTerm.deposit("30", days=30),
            request=_request("i-inv-issued"),
        )
        .document
    )


def _quote(record_id: str) -> DraftQuote:
    content = QuoteContent(
        currency="EUR",
        lines=[
            QuoteLine(key="desk", line=_furniture().lines[0], group="Office"),
            QuoteLine(key="manual", line=_furniture().lines[1]),
        ],
        allowances=[Allowance.percentage("5", reason="Loyal customer")],
        charges=[Charge.fixed(_eur("25.00"), reason="Delivery")],
    )
    return DraftQuote.create(
        id=record_id,
        customer="acme",
        content=content,
        valid_until=dt.date(2026, 12, 31),
        request=_request(f"c-{record_id}"),
    ).document


def _sent(record_id: str) -> SentQuote:
    return _quote(record_id).send(request=_request(f"s-{record_id}")).document


def _sales_order() -> SalesOrder:
    """A sales order with a down payment invoiced, a desk delivered, and that desk invoiced."""
    order = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=_furniture(),
        invoicing_policy=InvoicingPolicy.DELIVERED,
        line_keys=["desk", None],
        request=_request("o1"),
    ).document
    order = order.invoice_down_payment(
        DownPayment.percentage("30", base=DownPaymentBase.UNTAXED),
        invoice_id="inv-so-1",
        request=_request("o2"),
    ).order
    order = order.record_delivery({"desk": "1"}, request=_request("o3")).document
    return order.invoice_delivered(invoice_id="inv-so-2", request=_request("o4")).order


def _purchase_order() -> PurchaseOrder:
    """A purchase order with a desk received and billed."""
    order = PurchaseOrder.confirm(
        id="po-1", supplier="papyrus", number="PO-1", content=_furniture(), request=_request("p1")
    ).document
    order = order.record_receipt({0: "1"}, request=_request("p2")).document
    return order.bill_received(bill_id="bill-po-1", request=_request("p3")).order


def _subscription(record_id: str = "sub-1") -> Subscription:
    """A subscription with a meter, invoiced twice, changed and paused."""
    plan = Line(description="Pro plan", quantity="1", unit_price=_eur("31.00"), taxes=[_VAT])
    api = Meter(key="api", metric="api_calls", model=PerUnit(unit_price=_eur("0.01")))
    subscription = Subscription.start(
        id=record_id,
        customer="acme",
        schedule=Schedule(start=dt.date(2026, 11, 10), interval=Interval.months(1)),
        items={"plan": plan},
        meters=[api],
    )
    calls = [
        UsageRecord(metric="api_calls", quantity="1200", at=_AT + dt.timedelta(days=days))
        for days in (0, 20)
    ]
    subscription = subscription.invoice(0, request=_request("s1"), usage=calls)[0]
    upgraded = attrs.evolve(plan, unit_price=_eur("45.50"))
    subscription = subscription.change(dt.date(2026, 11, 25), "plan", upgraded)[0]
    subscription = subscription.invoice(1, request=_request("s2"), usage=calls)[0]
    return subscription.pause(dt.date(2026, 12, 20))[0]


def _monthly(record_id: str, start: dt.date, *, billed: int = 0) -> Subscription:
    """A monthly subscription billed in advance from ``start``, its first ``billed`` periods billed."""
    plan = Line(description="Basic plan", quantity="1", unit_price=_eur("9.00"))
    subscription = Subscription.start(
        id=record_id,
        customer="acme",
        schedule=Schedule(start=start, interval=Interval.months(1)),
        items={"plan": plan},
    )
    for index in range(billed):
        subscription = subscription.invoice(index, request=_request(f"{record_id}/{index}"))[0]
    return subscription


def _subscription_record() -> Record:
    return cast(Record, _subscription())  # it has its id: a record as any other


def _order_invoice(record_id: str) -> DraftInvoice:
    """A draft invoice of both lines of a sales order whose lines have keys (one has none)."""
    order = SalesOrder.confirm(
        id=f"so-{record_id}",
        customer="acme",
        number=f"SO-{record_id}",
        content=_furniture(),
        invoicing_policy=InvoicingPolicy.ORDERED,
        line_keys=["desk", None],
        request=_request(f"o-{record_id}"),
    ).document
    wanted: dict[int | str, object] = {"desk": "1", 1: "1"}  # by key, and by index
    return order.invoice_quantities(
        wanted, invoice_id=record_id, request=_request(f"i-{record_id}")
    ).invoice


def _order_bill(record_id: str) -> DraftBill:
    """A draft bill of a purchase order line, which has a key."""
    order = PurchaseOrder.confirm(
        id=f"po-{record_id}",
        supplier="papyrus",
        number=f"PO-{record_id}",
        content=_furniture(),
        line_keys=["desk", "chair"],
        request=_request(f"p-{record_id}"),
    ).document
    return order.bill_quantities(
        {"chair": "1"}, bill_id=record_id, request=_request(f"b-{record_id}")
    ).bill


def _keyed_credit_note() -> CreditNote:
    """A credit note by the key of a line of an invoice made from an order."""
    invoice = _issue(_order_invoice("inv-keyed"), "INV-K1")
    return credit_lines(
        invoice,
        {"desk": "1"},
        id="cn-keyed",
        number="CN-K1",
        issue_date=dt.date(2026, 11, 30),
        reason="Returned",
        request=_request("n-keyed"),
    ).document


#: Every kind of record a repository stores, each made by real operations, with its own id.
_RECORDS: dict[str, Callable[[], Record]] = {
    "draft invoice": lambda: _draft("inv-draft"),
    "issued invoice": _issued_with_term,
    "voided invoice": lambda: (  # made from an order: it carries its lines' keys
        _order_invoice("inv-voided").void(reason="twice", request=_request("v1")).document
    ),
    "draft bill": lambda: _bill("bill-draft"),
    "issued bill": lambda: _issue_bill(_bill("bill-issued"), "PAP-7781", days=14),
    "voided bill": lambda: (  # made from an order: it carries its lines' keys
        _order_bill("bill-voided").void(reason="twice", request=_request("v2")).document
    ),
    "draft quote": lambda: _quote("q-draft"),
    "sent quote": lambda: _sent("q-sent"),
    "accepted quote": lambda: _sent("q-accepted").accept(request=_request("q3")).document,
    "declined quote": lambda: (
        _sent("q-declined").decline(request=_request("q4"), reason="Too dear").document
    ),
    "expired quote": lambda: (
        _sent("q-expired").expire(request=_request("q5", dt.date(2027, 1, 1))).document
    ),
    "sales order": _sales_order,
    "purchase order": _purchase_order,
    "subscription": _subscription_record,
}

_KINDS: dict[str, type] = {
    "draft invoice": DraftInvoice,
    "issued invoice": IssuedInvoice,
    "voided invoice": VoidedInvoice,
    "draft bill": DraftBill,
    "issued bill": IssuedBill,
    "voided bill": VoidedBill,
    "draft quote": DraftQuote,
    "sent quote": SentQuote,
    "accepted quote": AcceptedQuote,
    "declined quote": DeclinedQuote,
    "expired quote": ExpiredQuote,
    "sales order": SalesOrder,
    "purchase order": PurchaseOrder,
    "subscription": Subscription,
}


def _credit_notes() -> tuple[CreditNote, ...]:
    invoice = _issued_with_term()
    bill = _issue_bill(_bill("bill-credited"), "PAP-7782", days=None)
    common: dict[str, Any] = {"issue_date": dt.date(2026, 11, 30), "reason": "Corrected"}
    return (
        credit_lines(
            invoice, {0: "2"}, id="cn-1", number="CN-1", request=_request("n1"), **common
        ).document,
        credit_amount(
            invoice,
            _eur("100.00"),
            base=CreditBase.UNTAXED,
            id="cn-2",
            number="CN-2",
            request=_request("n2"),
            **common,
        ).document,
        standalone_credit(
            _eur("50.00"),
            tax=_VAT,
            customer="acme",
            id="cn-3",
            number="CN-3",
            request=_request("n3"),
            **common,
        ).document,
        credit_lines(
            bill, {0: "1"}, id="scn-1", number="PAP-CN-1", request=_request("n4"), **common
        ).document,
    )


def _payment(reference: str = "BANK-1") -> Payment:
    return Payment.received(
        amount=_eur("500.00"),
        date=dt.date(2026, 11, 25),
        reference=reference,
        method="transfer",
        party="acme",
        idempotency_key=f"pay-{reference}",
    )


#: What the services store as idempotency results: a record, or a tuple of records.
_RESULTS: dict[str, Callable[[], object]] = {
    "an issued invoice": _issued_with_term,
    "a sales order": _sales_order,
    "a customer credit note": lambda: _credit_notes()[0],
    "a supplier credit note": lambda: _credit_notes()[3],
    "an invoice of an order, keyed": lambda: _issue(_order_invoice("inv-k"), "INV-K"),
    "a credit note by key": _keyed_credit_note,
    "a payment": _payment,
    "a tuple of records": lambda: (_sales_order(), _issued_with_term(), *_credit_notes()),
    "a tuple of payments": lambda: (_payment("BANK-1"), _payment("BANK-2")),
    "an empty tuple": tuple,
}


def _events(*keys: str) -> list[Event]:
    return [
        event
        for key in keys
        for event in DraftInvoice.create(
            id=f"e-{key}", customer="acme", content=_consulting("1"), request=_request(key)
        ).events
    ]


# -- helpers -----------------------------------------------------------------------------

_fresh = itertools.count(1)


class _Failure(Exception):
    """Raised by a test inside a unit of work, to leave it by an exception."""


def _store(factory: UnitOfWorkFactory, *records: Record, series: str | None = None) -> None:
    """Commit ``records`` (and a series named ``series``, numbering from 1) to the storage."""
    with factory() as uow:
        for record in records:
            uow.documents.add(record)
        if series is not None:
            uow.numbers.add(series, NumberingSeries(prefix=f"{series}-", width=4))
        uow.commit()


def _get(factory: UnitOfWorkFactory, record_id: str, kind: type[T]) -> T:
    with factory() as uow:
        return uow.documents.get(record_id, kind)


def _absent(factory: UnitOfWorkFactory, record_id: str) -> bool:
    """Whether no draft invoice is stored under ``record_id``."""
    with factory() as uow:
        try:
            uow.documents.get(record_id, DraftInvoice)
        except UnknownRecord:
            return True
        return False


def _state(record: object) -> str:
    return str(getattr(record, "state", ""))


def _ids(records: Sequence[object]) -> list[str]:
    return sorted(str(getattr(record, "id", "")) for record in records)


def _in_order(number: str, series: str) -> int:
    return int(number.removeprefix(f"{series}-"))


_Wait = Callable[[], None]


def _together(timeout: float, *work: Callable[[_Wait], T]) -> list[T | Exception]:
    """Run each of ``work`` in its own thread; give what each returned or raised, in order.

    Each is given ``all_here``, to call where it waits until every writer got there (one
    that fails before breaks the wait, so the others do not wait for it). Every wait is
    bounded: a thread still running after ``timeout`` seconds fails the test (a deadlock),
    it does not hang it.
    """
    barrier = threading.Barrier(len(work), timeout=timeout)
    outcomes: list[T | Exception | None] = [None] * len(work)

    def run(index: int, job: Callable[[_Wait], T]) -> None:
        passed = False

        def all_here() -> None:
            nonlocal passed
            barrier.wait()
            passed = True

        try:
            outcomes[index] = job(all_here)
        except Exception as error:  # given back to the test, which judges it
            if not passed:
                barrier.abort()
            outcomes[index] = error

    threads = [
        threading.Thread(target=run, args=(i, job), name=f"writer-{i}", daemon=True)
        for i, job in enumerate(work)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        pytest.fail(f"{', '.join(stuck)} still running after {timeout} s: a deadlock?")
    return outcomes  # type: ignore[return-value]  # every slot was filled by its thread


def _within(timeout: float, work: Callable[[], T]) -> T:
    """What ``work`` returns, run in a thread of its own; a wait beyond ``timeout`` fails.

    For a test of one thread whose adapter might wait for itself: it fails, not hangs.
    """
    outcome: list[T | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # given back to the test
            outcome.append(error)

    thread = threading.Thread(target=run, name="alone", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"still waiting after {timeout} s: the thread waits for itself")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _raise_unexpected(outcomes: Sequence[object], *expected: type[Exception]) -> None:
    """Raise the first outcome that is an exception of none of the ``expected`` types.

    A writer's own error comes before the broken barrier it left the others.
    """
    unexpected = [
        outcome
        for outcome in outcomes
        if isinstance(outcome, Exception) and not isinstance(outcome, expected)
    ]
    for error in sorted(unexpected, key=lambda e: isinstance(e, threading.BrokenBarrierError)):
        raise error


_USES = (
    "enter",
    "commit",
    "rollback",
    "documents.get",
    "documents.add",
    "documents.save",
    "documents.with_number",
    "documents.in_state",
    "documents.due_by",
    "documents.subscriptions_due",
    "documents.open_items",
    "documents.credit_notes_of",
    "numbers.add",
    "numbers.get",
    "numbers.take",
    "idempotency.get",
    "idempotency.put",
    "outbox.add",
    "outbox.pending",
    "outbox.delivered",
)


def _uses(uow: UnitOfWork) -> dict[str, Callable[[], object]]:
    """Every use of a unit of work (named as in ``_USES``), each valid on an open one."""
    return {
        "enter": uow.__enter__,
        "commit": uow.commit,
        "rollback": uow.rollback,
        "documents.get": lambda: uow.documents.get("inv-1", DraftInvoice),
        "documents.add": lambda: uow.documents.add(_draft("inv-2")),
        "documents.save": lambda: uow.documents.save(_draft("inv-1")),
        "documents.with_number": lambda: uow.documents.with_number("INV-1"),
        "documents.in_state": lambda: uow.documents.in_state("draft", DraftInvoice),
        "documents.due_by": lambda: uow.documents.due_by(_DAY),
        "documents.subscriptions_due": lambda: uow.documents.subscriptions_due(_DAY),
        "documents.open_items": lambda: uow.documents.open_items("acme"),
        "documents.credit_notes_of": lambda: uow.documents.credit_notes_of(
            "INV-1", CustomerCreditNote
        ),
        "numbers.add": lambda: uow.numbers.add("B", NumberingSeries(prefix="B-")),
        "numbers.get": lambda: uow.numbers.get("A"),
        "numbers.take": lambda: uow.numbers.take("A"),
        "idempotency.get": lambda: uow.idempotency.get("k", "f"),
        "idempotency.put": lambda: uow.idempotency.put("k", "f", _draft("inv-3")),
        "outbox.add": lambda: uow.outbox.add(_events("x")),
        "outbox.pending": uow.outbox.pending,
        "outbox.delivered": lambda: uow.outbox.delivered([1]),
    }


_ENDINGS = ("rollback", "exception", "leave the block")


def _leaving(ending: str) -> AbstractContextManager[object]:
    """What surrounds the ``with`` block of a unit of work that ends in ``ending``."""
    return pytest.raises(_Failure) if ending == "exception" else contextlib.nullcontext()


def _end_without_commit(uow: UnitOfWork, ending: str) -> None:
    """Close an open unit of work (entered with ``with``) in one of the ways of ``_ENDINGS``."""
    if ending == "rollback":
        uow.rollback()
    elif ending == "exception":
        raise _Failure


# One unit of work of the model-based property: drafts to add, whether to issue the oldest
# committed draft (a save, with a number taken), a result to keep, and how it ends.
_units = st.lists(
    st.fixed_dictionaries(
        {
            "adds": st.integers(min_value=0, max_value=2),
            "issue": st.booleans(),
            "numbers": st.integers(min_value=0, max_value=2),
            "result": st.booleans(),
            "ending": st.sampled_from(("commit", *_ENDINGS)),
        }
    ),
    max_size=8,
)

_numbering = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3), st.sampled_from(("commit", *_ENDINGS))),
    max_size=10,
)

_requests = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),  # the key
        st.integers(min_value=0, max_value=1),  # the request (fingerprint)
        st.sampled_from(("commit", *_ENDINGS)),
    ),
    max_size=10,
)

_deliveries = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(min_value=0, max_value=3)),
        st.tuples(st.just("deliver"), st.lists(st.booleans(), max_size=6)),
    ).flatmap(lambda step: st.tuples(st.just(step), st.sampled_from(("commit", *_ENDINGS)))),
    max_size=8,
)

# The examples of a property share the storage of one test (each makes ids of its own), and
# every subclass runs the property: hypothesis checks for neither.
_property = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)


class StorageContract:
    """The contract of the storage ports, as tests; subclass it and give it ``uow_factory``.

    ``uow_factory`` is a pytest fixture that yields a
    :class:`~ordercore.storage.ports.UnitOfWorkFactory` on empty storage; each test gets
    its own. Set :attr:`timeout` higher for slow storage.
    """

    #: Seconds that a test waits at most for its writer threads (a deadlock fails, never hangs).
    timeout: float = 30.0

    # -- commit, rollback, closing ----------------------------------------------------------

    def test_commit_writes_every_write_of_the_unit_of_work(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _store(uow_factory, _draft("inv-1"), series="INV")
        events = _events("a")
        with uow_factory() as uow:
            uow.documents.add(_draft("inv-2"))
            issued = _issue(uow.documents.get("inv-1", DraftInvoice), uow.numbers.take("INV"))
            uow.documents.save(issued)
            uow.numbers.add("CN", NumberingSeries(prefix="CN-"))
            uow.idempotency.put("req-1", "issue inv-1", issued)
            uow.outbox.add(events)
            uow.commit()
        with uow_factory() as uow:
            assert uow.documents.get("inv-1", IssuedInvoice) == issued
            assert uow.documents.get("inv-2", DraftInvoice) == _draft("inv-2")
            assert issued.number == "INV-0001"
            assert uow.numbers.get("INV").last == 1
            assert uow.numbers.get("CN") == NumberingSeries(prefix="CN-")
            assert uow.idempotency.get("req-1", "issue inv-1") == issued
            assert [message.event for message in uow.outbox.pending()] == events

    @pytest.mark.parametrize("ending", _ENDINGS)
    def test_a_unit_of_work_not_committed_writes_nothing(
        self, uow_factory: UnitOfWorkFactory, ending: str
    ) -> None:
        _store(uow_factory, _draft("inv-1"), series="INV")
        with _leaving(ending), uow_factory() as uow:
            uow.documents.add(_draft("inv-2"))
            draft = uow.documents.get("inv-1", DraftInvoice)
            uow.documents.save(_issue(draft, uow.numbers.take("INV")))
            uow.numbers.add("CN", NumberingSeries(prefix="CN-"))
            uow.idempotency.put("req-1", "issue inv-1", draft)
            uow.outbox.add(_events("a"))
            assert uow.documents.get("inv-2", DraftInvoice) == _draft("inv-2")  # its own write
            _end_without_commit(uow, ending)
        with uow_factory() as uow:
            assert uow.documents.get("inv-1", DraftInvoice) == _draft("inv-1")
            with pytest.raises(UnknownRecord) as error:
                uow.documents.get("inv-2", DraftInvoice)
            assert error.value.record == "inv-2"
            assert uow.numbers.get("INV").last == 0
            with pytest.raises(UnknownRecord):
                uow.numbers.get("CN")
            assert uow.idempotency.get("req-1", "issue inv-1") is None
            assert uow.outbox.pending() == ()

    def test_other_units_of_work_see_writes_only_after_commit(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _store(uow_factory, _draft("inv-1"), series="INV")
        with uow_factory() as writer:
            writer.documents.add(_draft("inv-2"))
            issued = _issue(writer.documents.get("inv-1", DraftInvoice), writer.numbers.take("INV"))
            writer.documents.save(issued)
            writer.idempotency.put("req-1", "issue inv-1", issued)
            writer.outbox.add(_events("a"))
            with uow_factory() as reader:
                with pytest.raises(UnknownRecord):
                    reader.documents.get("inv-2", DraftInvoice)
                assert reader.documents.get("inv-1", DraftInvoice) == _draft("inv-1")
                assert reader.documents.in_state("issued", IssuedInvoice) == ()
                assert reader.documents.with_number(issued.number) == ()
                assert reader.idempotency.get("req-1", "issue inv-1") is None
                assert reader.outbox.pending() == ()
            writer.commit()
        with uow_factory() as reader:
            assert reader.documents.get("inv-2", DraftInvoice) == _draft("inv-2")
            assert reader.documents.in_state("issued", IssuedInvoice) == (issued,)
            assert reader.idempotency.get("req-1", "issue inv-1") == issued

    @pytest.mark.parametrize("ending", ["commit", *_ENDINGS])
    @pytest.mark.parametrize("use", _USES)
    def test_a_closed_unit_of_work_refuses_every_use(
        self, uow_factory: UnitOfWorkFactory, ending: str, use: str
    ) -> None:
        _store(uow_factory, _draft("inv-1"), series="A")
        with _leaving(ending), uow_factory() as uow:
            uow.documents.get("inv-1", DraftInvoice)
            if ending == "commit":
                uow.commit()
            else:
                _end_without_commit(uow, ending)
        with pytest.raises(UnitOfWorkClosed) as error:
            _uses(uow)[use]()
        assert error.value.state == "closed"
        assert _absent(uow_factory, "inv-2")
        assert _get(uow_factory, "inv-1", DraftInvoice) == _draft("inv-1")

    # -- documents by id and kind; add; save ---------------------------------------------

    def test_a_record_never_stored_is_unknown(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow, pytest.raises(UnknownRecord) as error:
            uow.documents.get("inv-1", DraftInvoice)
        assert error.value.record == "inv-1"

    def test_a_record_of_another_kind_is_unknown(self, uow_factory: UnitOfWorkFactory) -> None:
        _store(uow_factory, _draft("inv-1"))
        with uow_factory() as uow:
            for kind in (IssuedInvoice, DraftBill, SalesOrder):
                with pytest.raises(UnknownRecord) as error:
                    uow.documents.get("inv-1", kind)
                assert error.value.record == "inv-1"
            assert uow.documents.get("inv-1", DraftInvoice) == _draft("inv-1")

    def test_adding_an_id_stored_already_raises(self, uow_factory: UnitOfWorkFactory) -> None:
        _store(uow_factory, _draft("inv-1"))
        with uow_factory() as uow:
            with pytest.raises(RecordExists) as error:
                uow.documents.add(_draft("inv-1", customer="globex"))
            assert error.value.record == "inv-1"
            uow.documents.add(_draft("inv-2"))
            with pytest.raises(RecordExists) as error:  # added in this unit of work
                uow.documents.add(_draft("inv-2", customer="globex"))
            assert error.value.record == "inv-2"
            uow.commit()
        assert _get(uow_factory, "inv-1", DraftInvoice).customer == "acme"
        assert _get(uow_factory, "inv-2", DraftInvoice).customer == "acme"

    def test_two_units_of_work_adding_one_id_commit_once(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        first, second = uow_factory(), uow_factory()
        with first, second:
            first.documents.add(_draft("inv-1"))
            first.commit()
            with pytest.raises(RecordExists) as error:
                second.documents.add(_draft("inv-1", customer="globex"))
                second.commit()
            assert error.value.record == "inv-1"
        assert _get(uow_factory, "inv-1", DraftInvoice).customer == "acme"

    def test_a_record_not_got_first_is_not_saved(self, uow_factory: UnitOfWorkFactory) -> None:
        _store(uow_factory, _draft("inv-1"), _draft("inv-2"))
        with uow_factory() as uow:
            uow.documents.get("inv-2", DraftInvoice)
            with pytest.raises(UnreadRecord) as error:
                uow.documents.save(_issue(_draft("inv-1"), "INV-1"))
            assert error.value.record == "inv-1"
            with pytest.raises(UnreadRecord):  # never stored: added, not saved
                uow.documents.save(_draft("inv-9"))
            uow.commit()
        assert _get(uow_factory, "inv-1", DraftInvoice) == _draft("inv-1")
        assert _absent(uow_factory, "inv-9")

    def test_a_unit_of_work_saves_a_record_as_often_as_it_likes(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _store(uow_factory, _draft("inv-1"))
        with uow_factory() as uow:
            revised = _revise(uow.documents.get("inv-1", DraftInvoice), "9")
            uow.documents.save(revised)
            assert uow.documents.get("inv-1", DraftInvoice) == revised  # its own write
            uow.documents.save(_issue(revised, "INV-1"))
            uow.commit()
        assert _get(uow_factory, "inv-1", IssuedInvoice) == _issue(revised, "INV-1")
        with uow_factory() as uow:  # and the saved record may be saved again
            issued = uow.documents.get("inv-1", IssuedInvoice)
            uow.documents.save(issued)
            uow.commit()

    # -- optimistic concurrency --------------------------------------------------------------

    def test_a_stale_save_raises_and_writes_nothing_of_the_unit_of_work(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _store(uow_factory, _draft("inv-1"), _draft("inv-2"), series="INV")
        first, second = uow_factory(), uow_factory()
        with first, second:
            mine = first.documents.get("inv-1", DraftInvoice)
            theirs = second.documents.get("inv-1", DraftInvoice)
            first.documents.save(_revise(mine, "9"))
            first.commit()
            second.documents.add(_draft("inv-3"))
            second.documents.save(_issue(second.documents.get("inv-2", DraftInvoice), "X"))
            second.numbers.take("INV")
            second.idempotency.put("req-1", "revise inv-1", theirs)
            second.outbox.add(_events("a"))
            with pytest.raises(ConcurrencyConflict) as error:
                second.documents.save(_revise(theirs, "10"))
                second.commit()
            assert error.value.record == "inv-1"
            assert isinstance(error.value.expected, int)
            assert isinstance(error.value.found, int)
            assert error.value.found > error.value.expected
        with uow_factory() as uow:
            assert uow.documents.get("inv-1", DraftInvoice) == _revise(mine, "9")
            assert uow.documents.get("inv-2", DraftInvoice) == _draft("inv-2")
            assert uow.numbers.take("INV") == "INV-0001"
            assert uow.idempotency.get("req-1", "revise inv-1") is None
            assert uow.outbox.pending() == ()
        assert _absent(uow_factory, "inv-3")

    def test_a_save_from_a_fresh_read_after_a_conflict_succeeds(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _store(uow_factory, _draft("inv-1"))
        stale = uow_factory()
        with stale:
            old = stale.documents.get("inv-1", DraftInvoice)
            with uow_factory() as uow:
                uow.documents.save(_revise(uow.documents.get("inv-1", DraftInvoice), "9"))
                uow.commit()
            with pytest.raises(ConcurrencyConflict):
                stale.documents.save(_revise(old, "10"))
                stale.commit()
        with uow_factory() as uow:  # read again in a new unit of work and redo the change
            fresh = uow.documents.get("inv-1", DraftInvoice)
            uow.documents.save(_revise(fresh, "10"))
            uow.commit()
        assert _get(uow_factory, "inv-1", DraftInvoice) == _revise(fresh, "10")

    @_concurrency
    def test_concurrent_saves_of_one_record_commit_once(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        writers = 8
        _store(uow_factory, _draft("inv-1"), *(_draft(f"own-{i}") for i in range(writers)))

        def revise(i: int) -> Callable[[_Wait], DraftInvoice]:
            def work(all_here: _Wait) -> DraftInvoice:
                with uow_factory() as uow:
                    shared = uow.documents.get("inv-1", DraftInvoice)
                    own = uow.documents.get(f"own-{i}", DraftInvoice)
                    all_here()  # every writer has read the same stored version
                    uow.documents.save(_revise(own, "9"))
                    revised = _revise(shared, str(10 + i))
                    uow.documents.save(revised)
                    uow.commit()
                return revised

            return work

        outcomes = _together(self.timeout, *(revise(i) for i in range(writers)))
        _raise_unexpected(outcomes, ConcurrencyConflict)
        won = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, DraftInvoice)]
        assert len(won) == 1
        for outcome in outcomes:
            if isinstance(outcome, ConcurrencyConflict):
                assert outcome.record == "inv-1"
                assert outcome.found > outcome.expected
        with uow_factory() as uow:
            assert uow.documents.get("inv-1", DraftInvoice) == outcomes[won[0]]
            for i in range(writers):  # a loser wrote nothing, its own record neither
                own = uow.documents.get(f"own-{i}", DraftInvoice)
                assert own == (_revise(_draft(f"own-{i}"), "9") if i in won else _draft(f"own-{i}"))

    @_concurrency
    def test_concurrent_adds_of_one_id_commit_once(self, uow_factory: UnitOfWorkFactory) -> None:
        writers = 8

        def add(i: int) -> Callable[[_Wait], str]:
            def work(all_here: _Wait) -> str:
                with uow_factory() as uow:
                    with pytest.raises(UnknownRecord):
                        uow.documents.get("inv-1", DraftInvoice)
                    all_here()  # every writer has seen that the id is free
                    uow.documents.add(_draft(f"own-{i}"))
                    uow.documents.add(_draft("inv-1", customer=f"customer-{i}"))
                    uow.commit()
                return f"customer-{i}"

            return work

        outcomes = _together(self.timeout, *(add(i) for i in range(writers)))
        _raise_unexpected(outcomes, RecordExists)
        won = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, str)]
        assert len(won) == 1
        assert {o.record for o in outcomes if isinstance(o, RecordExists)} == {"inv-1"}
        assert _get(uow_factory, "inv-1", DraftInvoice).customer == outcomes[won[0]]
        for i in range(writers):
            assert _absent(uow_factory, f"own-{i}") is (i not in won)

    # -- queries ---------------------------------------------------------------------------

    def test_the_queries_see_committed_records_and_the_unit_of_works_own_writes(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        bill = _issue_bill(_bill("bill-1"), "INV-2", days=10)  # a supplier's number may be ours
        _store(
            uow_factory,
            _draft("inv-1"),
            _issue(_draft("inv-2"), "INV-2", days=30),
            _issue(_draft("inv-3", customer="globex"), "INV-3", days=60),
            bill,
            _draft("inv-4"),
            _sales_order(),
            _purchase_order(),
        )
        with uow_factory() as uow:
            own = _issue(uow.documents.get("inv-1", DraftInvoice), "INV-1", days=5)
            uow.documents.save(own)
            uow.documents.add(_draft("inv-5"))
            uow.documents.add(_issue(_draft("inv-6", customer="globex"), "INV-6", days=90))
            documents = uow.documents
            assert _ids(documents.with_number("INV-2")) == ["bill-1", "inv-2"]
            assert documents.with_number("INV-1") == (own,)
            assert _ids(documents.with_number("INV-6")) == ["inv-6"]
            assert documents.with_number("INV-4") == ()
            assert documents.with_number("SO-1") == (_sales_order(),)  # orders, in any state
            assert documents.with_number("PO-1") == (_purchase_order(),)
            assert _ids(documents.in_state("draft", DraftInvoice)) == ["inv-4", "inv-5"]
            assert _ids(documents.in_state("issued", IssuedInvoice)) == [
                "inv-1",
                "inv-2",
                "inv-3",
                "inv-6",
            ]
            assert documents.in_state("issued", IssuedBill) == (bill,)
            assert documents.in_state("voided", DraftInvoice) == ()
            assert _ids(documents.due_by(_DAY + dt.timedelta(days=10))) == ["bill-1", "inv-1"]
            assert _ids(documents.due_by(_DAY + dt.timedelta(days=60))) == [
                "bill-1",
                "inv-1",
                "inv-2",
                "inv-3",
            ]
            assert documents.due_by(_DAY + dt.timedelta(days=4)) == ()
            acme = sorted(documents.open_items("acme"), key=lambda item: item.document.number)
            assert acme == [own.open_item(), _issue(_draft("inv-2"), "INV-2").open_item()]
            assert [item.document.number for item in documents.open_items("globex")] in (
                ["INV-3", "INV-6"],
                ["INV-6", "INV-3"],
            )
            assert documents.open_items("papyrus") == (bill.open_item(),)
            assert documents.open_items("nobody") == ()

    def test_the_credit_notes_of_an_invoice_are_found_by_its_number(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        lines, amount, standalone, supplier = _credit_notes()  # of INV-7, INV-7, -, PAP-7782
        theirs = _issue_bill(_bill("bill-7"), "INV-7", days=None)  # a supplier's number like ours
        of_theirs = credit_lines(
            theirs,
            {0: "1"},
            id="scn-2",
            number="PAP-CN-2",
            request=_request("n5"),
            issue_date=dt.date(2026, 11, 30),
            reason="Corrected",
        ).document
        _store(uow_factory, _issued_with_term(), amount, standalone, supplier, of_theirs)
        both: Any = CreditNote  # either side (mypy takes no abstract class for a type[T])
        with uow_factory() as uow:
            documents = uow.documents
            assert documents.credit_notes_of("INV-7", CustomerCreditNote) == (amount,)
            uow.documents.add(lines)  # its own write, not committed yet
            assert documents.credit_notes_of("INV-7", CustomerCreditNote) == (lines, amount)
            assert documents.credit_notes_of("INV-7", SupplierCreditNote) == (of_theirs,)
            assert _ids(documents.credit_notes_of("INV-7", both)) == ["cn-1", "cn-2", "scn-2"]
            assert documents.credit_notes_of("PAP-7782", both) == (supplier,)
            assert documents.credit_notes_of("PAP-7782", CustomerCreditNote) == ()
            assert documents.credit_notes_of("CN-3", both) == ()  # a credit note's own number
            assert documents.credit_notes_of("INV-8", both) == ()
            assert documents.credit_notes_of("INV-7", IssuedInvoice) == ()  # credit notes only
            with pytest.raises(InvalidType) as refused:
                documents.credit_notes_of(7, CustomerCreditNote)  # type: ignore[arg-type]
            assert refused.value.field == "invoice_number"
            with pytest.raises(InvalidType) as refused:
                documents.credit_notes_of("INV-7", "CreditNote")  # type: ignore[arg-type]
            assert refused.value.field == "kind"
        with uow_factory() as uow:  # the other unit of work did not commit
            assert uow.documents.credit_notes_of("INV-7", CustomerCreditNote) == (amount,)

    def test_the_subscriptions_due_are_those_with_a_period_to_bill_by_the_day(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        billed_once = _monthly("sub-billed", dt.date(2026, 11, 10), billed=1)  # next: 10 Dec
        ended = billed_once.cancel(dt.date(2026, 11, 20), at_period_end=True)[0]
        _store(
            uow_factory,
            cast(Record, _monthly("sub-due", dt.date(2026, 11, 10))),  # bills on 10 Nov
            cast(Record, _monthly("sub-later", dt.date(2026, 12, 1))),
            cast(Record, billed_once),
            cast(Record, attrs.evolve(ended, id="sub-ended")),  # bills no more periods
            _draft("inv-1"),
        )
        with uow_factory() as uow:
            documents = uow.documents
            assert _ids(documents.subscriptions_due(_DAY)) == ["sub-due"]
            due = documents.get("sub-due", Subscription)
            billed = due.invoice(0, request=_request("own"))[0]
            documents.save(cast(Record, billed))  # its own write: due again on 10 Dec
            documents.add(cast(Record, _monthly("sub-new", dt.date(2026, 11, 1))))
            assert _ids(documents.subscriptions_due(_DAY)) == ["sub-new"]
            assert _ids(documents.subscriptions_due(dt.date(2026, 12, 1))) == [
                "sub-later",
                "sub-new",
            ]
            assert _ids(documents.subscriptions_due(dt.date(2026, 12, 10))) == [
                "sub-billed",
                "sub-due",
                "sub-later",
                "sub-new",
            ]
            assert documents.subscriptions_due(dt.date(2026, 10, 31)) == ()
            with pytest.raises(InvalidType) as refused:
                documents.subscriptions_due(_AT)  # a datetime is no day
            assert refused.value.field == "day"
        with uow_factory() as uow:  # the other unit of work did not commit
            assert uow.documents.subscriptions_due(_DAY) == (
                _monthly("sub-due", _DAY.replace(day=10)),
            )
            assert _ids(uow.documents.subscriptions_due(dt.date(2027, 6, 1))) == [
                "sub-billed",
                "sub-due",
                "sub-later",
            ]

    def test_a_subscription_ended_with_a_credit_waiting_is_due_on_its_end_day(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        billed_once = _monthly("sub-credit", dt.date(2026, 11, 10), billed=1)  # to 10 Dec
        ended = billed_once.cancel(dt.date(2026, 11, 20))[0]  # at once: 20 Nov to 10 Dec back
        _store(uow_factory, cast(Record, ended))
        with uow_factory() as uow:
            documents = uow.documents
            assert documents.subscriptions_due(dt.date(2026, 11, 19)) == ()
            assert documents.subscriptions_due(dt.date(2026, 11, 20)) == (ended,)
            assert documents.subscriptions_due(dt.date(2027, 11, 20)) == (ended,)
            invoiced = ended.invoice_pending(on=_DAY, request=_request("pending"))[0]
            documents.save(cast(Record, invoiced))  # its own write: nothing waits now
            assert documents.subscriptions_due(dt.date(2027, 11, 20)) == ()
            uow.commit()
        with uow_factory() as uow:
            assert uow.documents.subscriptions_due(dt.date(2027, 11, 20)) == ()

    def test_a_record_found_by_a_query_reads_back_equal(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        issued = _issued_with_term()
        _store(uow_factory, issued)
        with uow_factory() as uow:
            assert uow.documents.with_number("INV-7") == (issued,)
            assert uow.documents.in_state("issued", IssuedInvoice) == (issued,)
            assert uow.documents.due_by(_DAY + dt.timedelta(days=30)) == (issued,)
            assert uow.documents.open_items("acme") == (issued.open_item(),)

    # -- numbering -------------------------------------------------------------------------

    def test_numbers_are_taken_one_after_the_other(self, uow_factory: UnitOfWorkFactory) -> None:
        _store(uow_factory, series="INV")
        with uow_factory() as uow:
            assert [uow.numbers.take("INV") for _ in range(3)] == [
                "INV-0001",
                "INV-0002",
                "INV-0003",
            ]
            assert uow.numbers.get("INV").last == 3  # as this unit of work sees it
            uow.commit()
        with uow_factory() as uow:
            assert uow.numbers.take("INV") == "INV-0004"
            uow.commit()
        with uow_factory() as uow:
            assert uow.numbers.get("INV").last == 4

    @pytest.mark.parametrize("ending", _ENDINGS)
    def test_a_number_of_a_unit_of_work_not_committed_is_not_consumed(
        self, uow_factory: UnitOfWorkFactory, ending: str
    ) -> None:
        _store(uow_factory, series="INV")
        with _leaving(ending), uow_factory() as uow:
            assert uow.numbers.take("INV") == "INV-0001"
            assert uow.numbers.take("INV") == "INV-0002"
            _end_without_commit(uow, ending)
        with uow_factory() as uow:
            assert uow.numbers.get("INV").last == 0
            assert uow.numbers.take("INV") == "INV-0001"
            uow.commit()

    def test_a_series_is_added_once_and_numbers_at_once(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            uow.numbers.add("INV", NumberingSeries(prefix="INV-", width=3))
            assert uow.numbers.take("INV") == "INV-001"
            with pytest.raises(RecordExists) as error:
                uow.numbers.add("INV", NumberingSeries(prefix="X-"))
            assert error.value.record == "INV"
            uow.commit()
        with uow_factory() as uow:
            with pytest.raises(RecordExists) as error:
                uow.numbers.add("INV", NumberingSeries(prefix="X-"))
            assert error.value.record == "INV"
            assert uow.numbers.take("INV") == "INV-002"
            uow.commit()

    def test_an_unknown_series_is_not_found(self, uow_factory: UnitOfWorkFactory) -> None:
        _store(uow_factory, series="INV")
        with uow_factory() as uow:
            for use in (uow.numbers.get, uow.numbers.take):
                with pytest.raises(UnknownRecord) as error:
                    use("CN")
                assert error.value.record == "CN"

    def test_series_number_on_their_own(self, uow_factory: UnitOfWorkFactory) -> None:
        _store(uow_factory, series="INV")
        _store(uow_factory, series="CN")
        with uow_factory() as uow:
            assert uow.numbers.take("INV") == "INV-0001"
            assert uow.numbers.take("CN") == "CN-0001"
            assert uow.numbers.take("INV") == "INV-0002"
            uow.commit()
        with uow_factory() as uow:
            assert (uow.numbers.get("INV").last, uow.numbers.get("CN").last) == (2, 1)

    def test_a_second_unit_of_work_of_the_thread_holding_a_series_fails_and_writes_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _store(uow_factory, series="INV")

        def work() -> tuple[str, Exception]:
            with uow_factory() as first:
                number = first.numbers.take("INV")  # holds the series until it closes
                with uow_factory() as second:
                    try:  # it would wait for its own thread: it must fail instead
                        second.numbers.take("INV")
                    except (WriteLockHeldInThread, StorageBusy) as error:
                        refused: Exception = error
                    else:
                        pytest.fail("took a number of a series that its thread holds")
                first.commit()
            return number, refused

        number, refused = _within(self.timeout, work)
        assert number == "INV-0001"
        if isinstance(refused, WriteLockHeldInThread):
            assert refused.operation == "take a number in"
        with uow_factory() as uow:  # the first committed its number, the refused took none
            assert uow.numbers.get("INV").last == 1
            assert uow.numbers.take("INV") == "INV-0002"
            uow.commit()

    @_property
    @given(steps=_numbering)
    def test_committed_numbers_are_gapless_whatever_rolls_back(
        self, uow_factory: UnitOfWorkFactory, steps: list[tuple[int, str]]
    ) -> None:
        series = f"S{next(_fresh)}"  # each example numbers a series of its own
        _store(uow_factory, series=series)
        committed: list[str] = []
        for count, ending in steps:
            with _leaving(ending), uow_factory() as uow:
                numbers = [uow.numbers.take(series) for _ in range(count)]
                if ending == "commit":
                    uow.commit()
                    committed += numbers
                else:
                    _end_without_commit(uow, ending)
        assert [_in_order(n, series) for n in committed] == list(range(1, len(committed) + 1))
        with uow_factory() as uow:
            assert uow.numbers.get(series).last == len(committed)

    @_concurrency
    def test_concurrent_writers_issue_invoices_without_gap_or_duplicate(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        writers, each = 8, 6
        drafts = [_draft(f"inv-{w}-{n}") for w in range(writers) for n in range(each)]
        _store(uow_factory, *drafts, series="INV")

        def issue(writer: int) -> Callable[[_Wait], list[str]]:
            def work(all_here: _Wait) -> list[str]:
                all_here()  # all start together
                numbers = []
                for n in range(each):
                    with uow_factory() as uow:
                        draft = uow.documents.get(f"inv-{writer}-{n}", DraftInvoice)
                        issued = _issue(draft, uow.numbers.take("INV"))
                        uow.documents.save(issued)
                        if (writer + n) % 3 == 0:
                            continue  # left without commit: its number goes to another
                        uow.commit()
                    numbers.append(issued.number)
                return numbers

            return work

        outcomes = _together(self.timeout, *(issue(w) for w in range(writers)))
        _raise_unexpected(outcomes)
        numbers = [n for outcome in outcomes if isinstance(outcome, list) for n in outcome]
        committed = sum((w + n) % 3 != 0 for w in range(writers) for n in range(each))
        assert sorted(_in_order(n, "INV") for n in numbers) == list(range(1, committed + 1))
        with uow_factory() as uow:
            assert uow.numbers.get("INV").last == committed
            issued = uow.documents.in_state("issued", IssuedInvoice)
            assert sorted(i.number for i in issued) == sorted(numbers)
            assert len(uow.documents.in_state("draft", DraftInvoice)) == len(drafts) - committed

    # -- idempotency -----------------------------------------------------------------------

    def test_the_same_key_and_request_return_the_first_result(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        first, second = _draft("inv-1"), _draft("inv-2")
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", "issue inv-1") is None
            uow.idempotency.put("req-1", "issue inv-1", first)
            assert uow.idempotency.get("req-1", "issue inv-1") == first  # its own write
            uow.commit()
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", "issue inv-1") == first
            assert uow.idempotency.get("req-2", "issue inv-1") is None  # another key
            uow.idempotency.put("req-2", "issue inv-2", second)
            uow.commit()
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", "issue inv-1") == first
            assert uow.idempotency.get("req-2", "issue inv-2") == second

    def test_the_same_key_with_another_request_raises(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.idempotency.put("req-1", "issue inv-1", _draft("inv-1"))
            with pytest.raises(IdempotencyConflict) as error:  # in the same unit of work
                uow.idempotency.get("req-1", "issue inv-2")
            assert error.value.key == "req-1"
            uow.commit()
        with uow_factory() as uow:
            with pytest.raises(IdempotencyConflict) as error:
                uow.idempotency.get("req-1", "issue inv-2")
            assert error.value.key == "req-1"
            assert uow.idempotency.get("req-1", "issue inv-1") == _draft("inv-1")
        with uow_factory() as uow, pytest.raises(IdempotencyConflict) as error:
            uow.idempotency.put("req-1", "issue inv-2", _draft("inv-2"))
            uow.commit()  # an adapter may find out here
        assert error.value.key == "req-1"
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", "issue inv-1") == _draft("inv-1")

    def test_a_key_stored_by_another_unit_of_work_since_is_a_conflict(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        late = uow_factory()
        with late:
            assert late.idempotency.get("req-1", "issue inv-1") is None
            with uow_factory() as uow:
                uow.idempotency.put("req-1", "issue inv-1", _draft("inv-1"))
                uow.commit()
            late.documents.add(_draft("inv-2"))
            with pytest.raises(ConcurrencyConflict) as error:
                late.idempotency.put("req-1", "issue inv-1", _draft("inv-2"))
                late.commit()  # an adapter may find out here
            assert error.value.record == "req-1"
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", "issue inv-1") == _draft("inv-1")
        assert _absent(uow_factory, "inv-2")

    @pytest.mark.parametrize("ending", _ENDINGS)
    def test_a_result_not_committed_is_forgotten(
        self, uow_factory: UnitOfWorkFactory, ending: str
    ) -> None:
        with _leaving(ending), uow_factory() as uow:
            uow.idempotency.put("req-1", "issue inv-1", _draft("inv-1"))
            _end_without_commit(uow, ending)
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", "issue inv-2") is None  # not even its request
            uow.idempotency.put("req-1", "issue inv-2", _draft("inv-2"))
            uow.commit()
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", "issue inv-2") == _draft("inv-2")

    @pytest.mark.parametrize("result", list(_RESULTS))
    def test_every_kind_of_result_reads_back_equal(
        self, uow_factory: UnitOfWorkFactory, result: str
    ) -> None:
        value = _RESULTS[result]()
        with uow_factory() as uow:
            uow.idempotency.put("req-1", "the request", value)
            uow.commit()
        with uow_factory() as uow:
            stored: object = uow.idempotency.get("req-1", "the request")
        assert stored == value
        assert type(stored) is type(value)

    @_concurrency
    def test_concurrent_units_storing_one_key_commit_once(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        writers = 8

        def put(i: int) -> Callable[[_Wait], DraftInvoice]:
            def work(all_here: _Wait) -> DraftInvoice:
                with uow_factory() as uow:
                    assert uow.idempotency.get("req-1", "issue inv-1") is None
                    all_here()  # every writer has seen that the key is new
                    result = _draft(f"own-{i}")
                    uow.documents.add(result)
                    uow.idempotency.put("req-1", "issue inv-1", result)
                    uow.commit()
                return result

            return work

        outcomes = _together(self.timeout, *(put(i) for i in range(writers)))
        _raise_unexpected(outcomes, ConcurrencyConflict)
        won = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, DraftInvoice)]
        assert len(won) == 1
        assert {o.record for o in outcomes if isinstance(o, ConcurrencyConflict)} == {"req-1"}
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", "issue inv-1") == outcomes[won[0]]
        for i in range(writers):
            assert _absent(uow_factory, f"own-{i}") is (i not in won)

    @_concurrency
    def test_concurrent_units_storing_one_key_for_two_requests_commit_once(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        def put(i: int) -> Callable[[_Wait], DraftInvoice]:
            def work(all_here: _Wait) -> DraftInvoice:
                with uow_factory() as uow:
                    assert uow.idempotency.get("req-1", f"request {i}") is None
                    all_here()
                    result = _draft(f"own-{i}")
                    uow.documents.add(result)
                    uow.idempotency.put("req-1", f"request {i}", result)
                    uow.commit()
                return result

            return work

        outcomes = _together(self.timeout, put(0), put(1))
        _raise_unexpected(outcomes, IdempotencyConflict)
        (won,) = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, DraftInvoice)]
        (lost,) = [o for o in outcomes if isinstance(o, IdempotencyConflict)]
        assert lost.key == "req-1"
        with uow_factory() as uow:
            assert uow.idempotency.get("req-1", f"request {won}") == outcomes[won]
            with pytest.raises(IdempotencyConflict):
                uow.idempotency.get("req-1", f"request {1 - won}")
        assert _absent(uow_factory, f"own-{1 - won}")

    @_property
    @given(steps=_requests)
    def test_a_key_keeps_the_first_committed_result_whatever_the_sequence(
        self, uow_factory: UnitOfWorkFactory, steps: list[tuple[int, int, str]]
    ) -> None:
        prefix = f"k{next(_fresh)}"  # each example has keys of its own
        stored: dict[str, tuple[str, DraftInvoice]] = {}
        for step, (key_index, request, ending) in enumerate(steps):
            key, fingerprint = f"{prefix}-{key_index}", f"request {request}"
            result = _draft(f"{prefix}-result-{step}")
            with _leaving(ending), uow_factory() as uow:
                if key in stored and stored[key][0] != fingerprint:
                    with pytest.raises(IdempotencyConflict) as error:
                        uow.idempotency.get(key, fingerprint)
                    assert error.value.key == key
                elif key in stored:
                    assert uow.idempotency.get(key, fingerprint) == stored[key][1]
                else:
                    assert uow.idempotency.get(key, fingerprint) is None
                    uow.idempotency.put(key, fingerprint, result)
                    if ending == "commit":
                        stored[key] = (fingerprint, result)
                if ending == "commit":
                    uow.commit()
                else:
                    _end_without_commit(uow, ending)
        with uow_factory() as uow:
            for key_index in range(3):
                key = f"{prefix}-{key_index}"
                found = uow.idempotency.get(key, stored[key][0] if key in stored else "request 0")
                assert found == (stored[key][1] if key in stored else None)

    # -- the outbox ------------------------------------------------------------------------

    def test_events_are_pending_after_commit_in_order(self, uow_factory: UnitOfWorkFactory) -> None:
        first, second = _events("a", "b"), _events("c")
        with uow_factory() as uow:
            uow.outbox.add(first[:1])
            uow.outbox.add(first[1:])
            assert uow.outbox.pending() == ()  # not before the commit
            uow.commit()
        with uow_factory() as uow:
            uow.outbox.add(second)
            uow.commit()
        with uow_factory() as uow:
            pending = uow.outbox.pending()
            assert [message.event for message in pending] == first + second
            assert [m.id for m in pending] == sorted({m.id for m in pending})
            assert uow.outbox.pending(limit=2) == pending[:2]
            assert uow.outbox.pending(limit=1) == pending[:1]

    @pytest.mark.parametrize("ending", _ENDINGS)
    def test_events_of_a_unit_of_work_not_committed_are_forgotten(
        self, uow_factory: UnitOfWorkFactory, ending: str
    ) -> None:
        with _leaving(ending), uow_factory() as uow:
            uow.outbox.add(_events("a"))
            _end_without_commit(uow, ending)
        with uow_factory() as uow:
            assert uow.outbox.pending() == ()

    @pytest.mark.parametrize("ending", _ENDINGS)
    def test_events_stay_pending_until_marked_delivered_in_a_committed_unit_of_work(
        self, uow_factory: UnitOfWorkFactory, ending: str
    ) -> None:
        events = _events("a", "b", "c")
        with uow_factory() as uow:
            uow.outbox.add(events)
            uow.commit()
        with uow_factory() as uow:
            pending = uow.outbox.pending()
        with _leaving(ending), uow_factory() as uow:
            uow.outbox.delivered(m.id for m in pending)
            _end_without_commit(uow, ending)
        with uow_factory() as uow:
            assert uow.outbox.pending() == pending  # not committed: still pending
            uow.outbox.delivered([pending[1].id])
            uow.commit()
        with uow_factory() as uow:
            assert uow.outbox.pending() == (pending[0], pending[2])
            uow.outbox.delivered([pending[0].id, pending[1].id])  # once more is harmless
            uow.commit()
        with uow_factory() as uow:
            assert [m.event for m in uow.outbox.pending()] == events[2:]

    @_property
    @given(steps=_deliveries)
    def test_the_outbox_holds_what_was_committed_and_not_delivered(
        self, uow_factory: UnitOfWorkFactory, steps: list[tuple[tuple[str, Any], str]]
    ) -> None:
        with uow_factory() as uow:  # the examples share the outbox: start from an empty one
            uow.outbox.delivered(message.id for message in uow.outbox.pending(limit=1000))
            uow.commit()
        prefix = f"o{next(_fresh)}"  # each example has events of its own
        expected: list[Event] = []
        for step, ((action, what), ending) in enumerate(steps):
            with _leaving(ending), uow_factory() as uow:
                if action == "add":
                    added = _events(*(f"{prefix}-{step}-{n}" for n in range(what)))
                    uow.outbox.add(added)
                else:
                    pending = uow.outbox.pending()
                    chosen = [m for m, pick in zip(pending, what, strict=False) if pick]
                    uow.outbox.delivered(m.id for m in chosen)
                if ending == "commit":
                    uow.commit()
                else:
                    _end_without_commit(uow, ending)
            if ending == "commit" and action == "add":
                expected += added
            elif ending == "commit":
                gone = [m.event for m in chosen]
                expected = [event for event in expected if event not in gone]
            with uow_factory() as uow:
                assert [message.event for message in uow.outbox.pending()] == expected

    # -- records of every kind ---------------------------------------------------------------

    @pytest.mark.parametrize("kind", list(_RECORDS))
    def test_every_kind_of_record_reads_back_equal(
        self, uow_factory: UnitOfWorkFactory, kind: str
    ) -> None:
        record = _RECORDS[kind]()
        _store(uow_factory, record)
        with uow_factory() as uow:
            stored: object = uow.documents.get(record.id, _KINDS[kind])
            assert stored == record
            assert type(stored) is type(record)
            assert uow.documents.in_state(_state(record), _KINDS[kind]) == (record,)

    def test_records_of_every_kind_live_side_by_side(self, uow_factory: UnitOfWorkFactory) -> None:
        records = {kind: make() for kind, make in _RECORDS.items()}
        _store(uow_factory, *records.values())
        with uow_factory() as uow:
            for kind, record in records.items():
                assert uow.documents.get(record.id, _KINDS[kind]) == record
                state = _state(record)
                assert uow.documents.in_state(state, _KINDS[kind]) == (record,), kind

    def test_a_draft_saved_as_issued_reads_back_equal(self, uow_factory: UnitOfWorkFactory) -> None:
        _store(uow_factory, _bill("bill-1"), _draft("inv-1"))
        with uow_factory() as uow:
            bill = _issue_bill(uow.documents.get("bill-1", DraftBill), "PAP-1", days=14)
            invoice = _issue(uow.documents.get("inv-1", DraftInvoice), "INV-1")
            uow.documents.save(bill)
            uow.documents.save(invoice)
            uow.commit()
        with uow_factory() as uow:
            assert uow.documents.get("bill-1", IssuedBill) == bill
            assert uow.documents.get("inv-1", IssuedInvoice) == invoice
            with pytest.raises(UnknownRecord):
                uow.documents.get("inv-1", DraftInvoice)

    def test_a_subscription_saved_after_a_step_reads_back_in_its_new_state(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _store(uow_factory, _subscription_record())
        with uow_factory() as uow:
            paused = uow.documents.get("sub-1", Subscription)
            assert uow.documents.in_state("paused", Subscription) == (paused,)
            resumed = paused.resume(dt.date(2027, 1, 5))[0]
            uow.documents.save(cast(Record, resumed))
            uow.commit()
        with uow_factory() as uow:
            assert uow.documents.get("sub-1", Subscription) == resumed
            assert uow.documents.in_state("active", Subscription) == (resumed,)
            assert uow.documents.in_state("paused", Subscription) == ()

    # -- all or nothing, whatever the sequence ------------------------------------------------

    @_property
    @given(units=_units)
    def test_every_unit_of_work_writes_all_or_nothing(
        self, uow_factory: UnitOfWorkFactory, units: list[dict[str, Any]]
    ) -> None:
        prefix = f"p{next(_fresh)}"  # each example has ids and a series of its own
        series = f"{prefix}-INV"
        _store(uow_factory, series=series)
        drafts: list[str] = []  # committed, not yet issued, oldest first
        records: dict[str, Record] = {}
        results: dict[str, Record] = {}
        forgotten: list[str] = []  # in order, so that a failure replays the same way
        last = 0
        for step, unit in enumerate(units):
            added = [_draft(f"{prefix}-{step}-{n}") for n in range(unit["adds"])]
            with _leaving(unit["ending"]), uow_factory() as uow:
                for new in added:
                    uow.documents.add(new)
                issued = None
                if unit["issue"] and drafts:
                    draft = uow.documents.get(drafts[0], DraftInvoice)
                    issued = _issue(draft, uow.numbers.take(series))
                    uow.documents.save(issued)
                numbers = [uow.numbers.take(series) for _ in range(unit["numbers"])]
                key = f"{prefix}-req-{step}"
                if unit["result"]:
                    uow.idempotency.put(key, "a request", added[0] if added else _draft(key))
                if unit["ending"] == "commit":
                    uow.commit()
                else:
                    _end_without_commit(uow, unit["ending"])
            if unit["ending"] != "commit":
                forgotten += [*(record.id for record in added), key]
                continue
            drafts += [record.id for record in added]
            records |= {record.id: record for record in added}
            if issued is not None:
                drafts.pop(0)
                records[issued.id] = issued
            last += (issued is not None) + len(numbers)
            if unit["result"]:
                results[key] = added[0] if added else _draft(key)
        with uow_factory() as uow:
            for record_id, record in records.items():
                assert uow.documents.get(record_id, type(record)) == record
            for key, result in results.items():
                assert uow.idempotency.get(key, "a request") == result
            for name in forgotten:
                with pytest.raises(UnknownRecord):
                    uow.documents.get(name, DraftInvoice)
                assert uow.idempotency.get(name, "a request") is None
            assert uow.numbers.get(series).last == last
