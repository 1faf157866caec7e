"""Application services: the operations of a host application, each in one unit of work.

A :class:`Services` wraps the host's
:class:`~ordercore.storage.ports.UnitOfWorkFactory` (its storage) and runs each business
operation as one unit of work: it reads the documents it needs, applies the domain's own
step (``DraftInvoice.issue``, ``SalesOrder.invoice_delivered``, ``Ledger.allocate``, ...),
writes the new documents, takes document numbers from the series, stores the result
under the request's idempotency key and the domain events in the outbox, and commits:
all of it, or nothing.

Idempotency
    Every operation takes a :class:`~ordercore.events.Request` (or just its key, when the
    services have a :class:`~ordercore.storage.ports.Clock`). Its ``key`` names the
    request: the same key with the same request returns the first result and changes
    nothing; the same key with another request raises
    :class:`~ordercore.errors.IdempotencyConflict`. Two requests are the same when the
    operation and every argument are equal (the :class:`~ordercore.events.Request`'s
    time and business date are not part of it, so that a retry made later is the same
    request).

Concurrency
    Saving a document that another writer changed since this unit of work read it raises
    :class:`~ordercore.errors.ConcurrencyConflict` and writes nothing: read again and
    retry (with the same key, which is safe). Numbers are taken under the series' lock,
    so concurrent issuers get consecutive numbers without gaps.

Events
    The events of an operation are written to the outbox with its commit, and handed to
    the ``on_event`` handler only after it (:meth:`Services.deliver_events`): a handler
    never sees an event of an operation that rolled back. A handler that raises leaves its
    event pending, for the next delivery; the operation has committed all the same
    (:class:`~ordercore.errors.EventDeliveryFailed` says so, and a retry with the same
    key returns the result).

Previews
    :meth:`Services.preview` gives services that run the very same operations in a unit
    of work that is always rolled back: the result is what the operation would produce,
    numbers included, and nothing is written, no number consumed, no event delivered.

>>> import datetime as dt
>>> from ordercore import Document, DraftInvoice, Line, Money, NumberingSeries, Request
>>> from ordercore.storage.memory import MemoryStore
>>> store = MemoryStore()
>>> services = Services(store)
>>> def request(key):
...     return Request(key=key, at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC),
...                    business_date=dt.date(2026, 12, 1))
>>> content = Document(currency="EUR", items=[
...     Line(description="Consulting", quantity="8", unit_price=Money("120.00", "EUR"))])
>>> services.add_series("INV", NumberingSeries(prefix="INV-", width=4))
NumberingSeries(prefix='INV-', width=4, last=0)
>>> draft = services.create_invoice(id="inv-1", customer="acme", content=content,
...                                 request=request("r1"))
>>> services.issue_invoice("inv-1", due_date=dt.date(2026, 12, 31), request=request("r2"))
IssuedInvoice(number='INV-0001', state='issued', customer='acme', currency='EUR', total='960.00')
>>> services.issue_invoice("inv-1", due_date=dt.date(2026, 12, 31), request=request("r2"))
IssuedInvoice(number='INV-0001', state='issued', customer='acme', currency='EUR', total='960.00')
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import html
import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar, cast

import attrs
import moneyed

from ordercore._fieldmeta import WHEN_SET
from ordercore.documents import Changed
from ordercore.documents.credit_notes import (
    CreditBase,
    CreditNote,
    CustomerCreditNote,
    credit_amount,
    credit_in_full,
    credit_lines,
)
from ordercore.documents.invoices import DraftInvoice, IssuedInvoice
from ordercore.documents.numbering import NumberingSeries
from ordercore.documents.quotes import AcceptedQuote, DraftQuote, QuoteContent, SentQuote
from ordercore.documents.sales_orders import (
    DownPayment,
    InvoicingPolicy,
    SalesOrder,
)
from ordercore.errors import (
    ConcurrencyConflict,
    EventDeliveryFailed,
    InvalidPayment,
    InvalidSubscription,
    InvalidType,
    NotAnAllocation,
    NothingToInvoice,
    OrdercoreError,
    PeriodBilledAlready,
    RecordExists,
    SubscriptionEnded,
    UnknownRecord,
)
from ordercore.events import Event, Request
from ordercore.money.amount import ExchangeRate, Money
from ordercore.pricing.document import Document
from ordercore.pricing.lines import Line
from ordercore.settlement.accounts import Account
from ordercore.settlement.entries import Allocation
from ordercore.settlement.events import PaymentAllocated, PaymentRecorded, PaymentUnallocated
from ordercore.settlement.ledger import Ledger
from ordercore.settlement.open_items import DocumentRef
from ordercore.settlement.payments import Payment
from ordercore.settlement.terms import PaymentTerm
from ordercore.storage.ports import Clock, Record, UnitOfWork, UnitOfWorkFactory
from ordercore.subscriptions.runs import (
    DuePlan,
    Planned,
    chunk_size_given,
    due_periods,
    executor_given,
)
from ordercore.subscriptions.subscription import Subscription
from ordercore.subscriptions.usage import UsageRecord, check_usage_records

__all__ = [
    "MAX_DERIVED_KEY",
    "Allocate",
    "DueBilling",
    "DueOutcome",
    "DueRun",
    "Services",
    "derived_key",
    "fingerprint",
]

T = TypeVar("T")

#: How many events one delivery round hands over at most.
_DELIVERY_BATCH = 100

#: The longest idempotency key a bill run derives as it is (the SQL adapter's
#: ``MAX_KEY_LENGTH``); a longer one is replaced by its digest (:func:`derived_key`).
MAX_DERIVED_KEY = 255


class Allocate(enum.Enum):
    """What :meth:`Services.record_payment` does with a payment once recorded."""

    #: Nothing: the payment stays unallocated (the party's credit) until allocated.
    NOTHING = "nothing"
    #: The open items of the party, the oldest due first.
    OLDEST_FIRST = "oldest_first"
    #: The invoices whose numbers the payment's reference names.
    BY_REFERENCE = "by_reference"

    def __repr__(self) -> str:
        return f"Allocate.{self.name}"


# -- what makes two requests the same ------------------------------------------------------
#
# A request's fingerprint is the SHA-256 of one JSON text, format 1 (what hosts' idempotency
# stores hold since the first release, so it stays as it is): ``[operation, [[name, value],
# ...]]`` with the arguments sorted by name, compact separators (``","`` and ``":"``) and
# ASCII escapes, each value written as
#
# ========================  =================================================================
# None, bool, int, str      itself (an int or str subclass as the plain int or str)
# Decimal                   ``["decimal", str(value)]``
# Money                     ``["money", str(amount), currency code]``
# list, tuple               a list of the items
# attrs instance            ``["module.QualName", {field: value, ...}]``: the fields that its
#                           equality compares, in their order
# Currency                  ``["currency", code]``
# Fraction                  ``["fraction", str(value)]``
# datetime, date            ``["datetime", isoformat]``, ``["date", isoformat]``
# Enum member               ``[QualName, value]``
# Mapping                   ``["map", [[key, value], ...]]``, the pairs sorted by
#                           ``json.dumps(key, sort_keys=True)`` of the key as written here
# ========================  =================================================================
#
# The text is written directly, piece by piece, by a writer chosen once per type (the
# branch the table gives the type, in the table's order), instead of building the nested
# lists and dictionaries first and handing them to ``json.dumps``: the same text, so the
# same fingerprint, two to four times faster (benchmarks/bench_fingerprint.py). The code it
# replaced is kept as the format's reference in tests/fingerprint_format1.py, and
# tests/test_fingerprints.py proves the two agree and holds fingerprints the old code wrote.

_Writer = Callable[[Any, list[str]], None]

#: JSON text of a string, as ``json.dumps`` writes it (ASCII, the C implementation).
_quoted: Callable[[str], str] = json.encoder.encode_basestring_ascii

_FIELDS: dict[type, tuple[str, ...]] = {}
_WRITERS: dict[type, _Writer] = {}


def _compared(kind: type) -> tuple[str, ...]:
    """The names of the fields that equality of an attrs class compares (cached)."""
    names = _FIELDS.get(kind)
    if names is None:
        names = tuple(field.name for field in attrs.fields(kind) if field.eq)
        _FIELDS[kind] = names
    return names


def _write(value: object, out: list[str]) -> None:
    """Append the JSON text of ``value`` (format 1) to ``out``."""
    kind = type(value)
    if kind is str:  # the commonest leaves, without a call
        out.append(_quoted(cast(str, value)))
    elif value is None:
        out.append("null")
    else:
        writer = _WRITERS.get(kind)
        if writer is None:
            writer = _writer(kind, value)
        writer(value, out)


def _writer(kind: type, value: object) -> _Writer:  # noqa: PLR0912 - one branch per row
    """The writer of the values of type ``kind``: the first row of the table that fits."""
    writer: _Writer
    if value is None:
        writer = _write_none
    elif issubclass(kind, bool):
        writer = _write_bool
    elif issubclass(kind, int):
        writer = _write_int
    elif issubclass(kind, str):
        writer = _write_str
    elif issubclass(kind, Decimal):
        writer = _tagged("decimal", str)
    elif issubclass(kind, moneyed.Money):
        writer = _write_money
    elif issubclass(kind, (list, tuple)):
        writer = _write_items
    elif attrs.has(kind):
        writer = _record_writer(kind)
    elif issubclass(kind, moneyed.Currency):
        writer = _tagged("currency", lambda currency: currency.code)
    elif issubclass(kind, Fraction):
        writer = _tagged("fraction", str)
    elif issubclass(kind, dt.datetime):
        writer = _tagged("datetime", lambda moment: moment.isoformat())
    elif issubclass(kind, dt.date):
        writer = _tagged("date", lambda day: day.isoformat())
    elif issubclass(kind, enum.Enum):
        writer = _enum_writer(kind)
    elif isinstance(value, Mapping):  # isinstance: a Mapping may be one by registration
        writer = _write_map
    else:
        raise InvalidType(value, expected="a value ordercore can compare (no objects of its own)")
    _WRITERS[kind] = writer
    return writer


def _write_none(value: None, out: list[str]) -> None:
    out.append("null")


def _write_bool(value: bool, out: list[str]) -> None:
    out.append("true" if value else "false")


def _write_int(value: int, out: list[str]) -> None:
    out.append(int.__repr__(value))  # an IntEnum as its number, as json.dumps writes it


def _write_str(value: str, out: list[str]) -> None:
    out.append(_quoted(value))


def _tagged(tag: str, text: Callable[[Any], str]) -> _Writer:
    """The writer of ``[tag, text(value)]``."""
    head = "[" + _quoted(tag) + ","

    def write(value: object, out: list[str]) -> None:
        out.append(head)
        out.append(_quoted(text(value)))
        out.append("]")

    return write


def _write_money(value: moneyed.Money, out: list[str]) -> None:
    out.append('["money",')
    out.append(_quoted(str(value.amount)))
    out.append(",")
    out.append(_quoted(value.currency.code))
    out.append("]")


def _write_items(value: Iterable[object], out: list[str]) -> None:
    out.append("[")
    separator = ""
    for item in value:
        out.append(separator)
        _write(item, out)
        separator = ","
    out.append("]")


def _record_writer(kind: type) -> _Writer:
    """The writer of an attrs class: its name, then the fields its equality compares.

    A field added after format 1 was fixed (its metadata is ``WHEN_SET``) is written only
    when it is not its default: a request that does not use it keeps its fingerprint.
    """
    head = "[" + _quoted(kind.__module__ + "." + kind.__qualname__) + ",{"
    compared = set(_compared(kind))
    fields = [
        (_quoted(field.name) + ":", field.name, field.metadata == WHEN_SET, field.default)
        for field in attrs.fields(kind)
        if field.name in compared
    ]

    def write(value: object, out: list[str]) -> None:
        out.append(head)
        separator = ""
        for key, name, when_set, default in fields:
            item = getattr(value, name)
            if when_set and item == default:
                continue
            out.append(separator)
            out.append(key)
            _write(item, out)
            separator = ","
        out.append("}]")

    return write


def _enum_writer(kind: type) -> _Writer:
    head = "[" + _quoted(kind.__qualname__) + ","

    def write(value: enum.Enum, out: list[str]) -> None:
        out.append(head)
        _write(value.value, out)
        out.append("]")

    return write


def _write_map(value: Mapping[object, object], out: list[str]) -> None:
    pairs = []
    for key, item in value.items():
        key_text, item_text = _text(key), _text(item)
        # The order of format 1: by the key's data written with sort_keys and json's
        # default separators (read back from its text: lists, dicts, strings and numbers).
        pairs.append((json.dumps(json.loads(key_text), sort_keys=True), key_text, item_text))
    pairs.sort(key=lambda pair: pair[0])
    out.append('["map",[')
    out.append(",".join(f"[{key},{item}]" for _, key, item in pairs))
    out.append("]]")


def _text(value: object) -> str:
    """The JSON text of ``value`` in format 1."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def fingerprint(operation: str, **arguments: object) -> str:
    """What identifies a request: a digest of the operation's name and its arguments.

    Equal arguments give equal fingerprints; the :class:`~ordercore.events.Request` is
    not an argument here (its time changes on a retry). The digest is the same in every
    process and every version of ordercore (format 1), so a retry finds the result that
    an older process stored.

    >>> fingerprint("issue_invoice", invoice="inv-1") == fingerprint("issue_invoice", invoice="inv-1")
    True
    >>> fingerprint("issue_invoice", invoice="inv-1") == fingerprint("issue_invoice", invoice="inv-2")
    False
    """
    if not isinstance(operation, str):
        raise InvalidType(operation, expected="an operation name (a string)", field="operation")
    out = ["[", _quoted(operation), ",["]
    separator = "["
    for name in sorted(arguments):
        out.append(separator)
        out.append(_quoted(name))
        out.append(",")
        _write(arguments[name], out)
        separator = "],["
    out.append("]]]" if arguments else "]]")
    return hashlib.sha256("".join(out).encode()).hexdigest()


# -- what a bill run through storage did ------------------------------------------------------


class DueOutcome(enum.Enum):
    """What :meth:`Services.bill_due` did with one subscription."""

    #: Its due periods were billed (by this run, or by an earlier try with the same key).
    BILLED = "billed"
    #: Nothing was left to bill: another request billed its periods, or it ended, meanwhile.
    SKIPPED = "skipped"
    #: A period could not be billed: the error says why; the periods before it were billed.
    FAILED = "failed"

    def __repr__(self) -> str:
        return f"DueOutcome.{self.name}"


@attrs.frozen(kw_only=True)
class DueBilling:
    """One subscription of a :class:`DueRun`: the periods billed, their drafts, or the error.

    ``periods`` and ``invoices`` (the ids of the draft invoices) are what this run billed,
    in order, also when it then ``FAILED`` on a later period (``error``, an ordercore
    error, kept as it was raised); ``skipped`` the due periods that were billed or ended
    otherwise. ``pending`` says that the last of ``invoices`` is what waited on the
    subscription after its end (:meth:`Services.invoice_pending`).
    """

    subscription: str
    outcome: DueOutcome
    periods: tuple[int, ...] = ()
    invoices: tuple[str, ...] = ()
    skipped: tuple[int, ...] = ()
    error: OrdercoreError | None = attrs.field(default=None, eq=False)
    pending: bool = False


@attrs.frozen(kw_only=True, repr=False)
class DueRun:
    """What :meth:`Services.bill_due` did on ``on``: one :class:`DueBilling` per subscription.

    In the order of the subscriptions' ids, every subscription that was due when the run
    (its idempotency key) first ran.
    """

    on: dt.date
    subscriptions: tuple[DueBilling, ...]

    @property
    def invoices(self) -> tuple[str, ...]:
        """The ids of every draft invoice the run made, subscription by subscription."""
        return tuple(invoice for billing in self.subscriptions for invoice in billing.invoices)

    def having(self, outcome: DueOutcome) -> tuple[DueBilling, ...]:
        """The subscriptions whose outcome is ``outcome``."""
        return tuple(billing for billing in self.subscriptions if billing.outcome is outcome)

    @property
    def failed(self) -> tuple[DueBilling, ...]:
        """The subscriptions that failed: retry the run with its key to bill them."""
        return self.having(DueOutcome.FAILED)

    def to_text(self) -> str:
        """A summary: the day, the counts, and each failure with its error's type."""
        counts = ", ".join(f"{len(self.having(outcome))} {outcome.value}" for outcome in DueOutcome)
        out = [f"Bill run on {self.on}: {counts}, {len(self.invoices)} invoices"]
        out.extend(
            f"  failed: {billing.subscription}: {type(billing.error).__name__}"
            f" (periods billed before: {len(billing.periods)})"
            for billing in self.failed
        )
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.to_text())}</pre>"

    def __repr__(self) -> str:
        counts = ", ".join(f"{outcome.value}={len(self.having(outcome))}" for outcome in DueOutcome)
        return f"DueRun(on='{self.on}', {counts}, invoices={len(self.invoices)})"


# -- the services --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Step:
    """What an operation did in its unit of work: its result and the events it caused."""

    result: object
    events: tuple[Event, ...]


class Services:
    """The operations of a host application on its storage, each in one unit of work.

    ``uow_factory`` opens the host's units of work (a
    :class:`~ordercore.storage.memory.MemoryStore`, an SQL store, or the host's own).
    ``clock`` lets operations take a bare idempotency key instead of a
    :class:`~ordercore.events.Request` (its time and business date are then the clock's).
    ``on_event`` receives every committed domain event, after the commit. Document numbers
    come from the series named ``invoice_series``, ``credit_note_series`` and
    ``order_series`` unless an operation names another.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        clock: Clock | None = None,
        on_event: Callable[[Event], object] | None = None,
        invoice_series: str = "INV",
        credit_note_series: str = "CN",
        order_series: str = "SO",
    ) -> None:
        if not callable(uow_factory):
            raise InvalidType(uow_factory, expected="a unit of work factory", field="uow_factory")
        if on_event is not None and not callable(on_event):
            raise InvalidType(on_event, expected="a callable or None", field="on_event")
        self._factory = uow_factory
        self._clock = clock
        self._on_event = on_event
        self._series = {
            "invoice": _name(invoice_series, "invoice_series"),
            "credit_note": _name(credit_note_series, "credit_note_series"),
            "order": _name(order_series, "order_series"),
        }
        self._preview = False

    def preview(self) -> Services:
        """Services that run every operation on a copy: rolled back, nothing delivered.

        The result is the very one the operation would give (its numbers too), computed by
        the same code; no document, number, result or event is written.
        """
        copy = Services(
            self._factory,
            clock=self._clock,
            invoice_series=self._series["invoice"],
            credit_note_series=self._series["credit_note"],
            order_series=self._series["order"],
        )
        copy._preview = True
        return copy

    # -- running an operation ----------------------------------------------------------

    def _request(self, request: Request | str) -> Request:
        if isinstance(request, Request):
            return request
        if isinstance(request, str) and self._clock is not None:
            now = self._clock.now()
            return Request(key=request, at=now, business_date=now.date())
        expected = "a Request" if self._clock is None else "a Request or an idempotency key"
        raise InvalidType(request, expected=expected, field="request")

    def _run(
        self,
        operation: str,
        request: Request,
        arguments: Mapping[str, object],
        work: Callable[[UnitOfWork], _Step],
    ) -> Any:
        """Run ``work`` once per idempotency key, in one unit of work; deliver its events."""
        print_ = fingerprint(operation, **dict(arguments))
        if self._preview:
            with self._factory() as uow:
                return work(uow).result  # never committed
        try:
            with self._factory() as uow:
                first = uow.idempotency.get(request.key, print_)
                if first is not None:
                    return first
                step = work(uow)
                uow.idempotency.put(request.key, print_, step.result)
                uow.outbox.add(step.events)
                uow.commit()
        except OrdercoreError:
            # Another unit of work may have run this very request meanwhile (the draft it
            # issued is no draft any more, the record it added is taken): its result wins.
            with self._factory() as uow:
                first = uow.idempotency.get(request.key, print_)
            if first is None:
                raise
            return first
        self.deliver_events(result=step.result)
        return step.result

    def deliver_events(self, *, result: object = None) -> int:
        """Hand every pending event to the handler, oldest first; how many were delivered.

        Each delivered event is marked so in the outbox; an event whose handler raised
        stays pending (and the ones after it), and
        :class:`~ordercore.errors.EventDeliveryFailed` is raised with the error as its
        cause. Without a handler, events stay in the outbox for the host to read.
        """
        handler = self._on_event
        if handler is None or self._preview:
            return 0
        count = 0
        while True:
            with self._factory() as uow:
                pending = uow.outbox.pending(_DELIVERY_BATCH)
                done: list[int] = []
                failed: tuple[Event, BaseException] | None = None
                for message in pending:
                    try:
                        handler(message.event)
                    except Exception as raised:  # reported below, not lost
                        failed = (message.event, raised)
                        break
                    done.append(message.id)
                uow.outbox.delivered(done)
                uow.commit()
            count += len(done)
            if failed is not None:
                event, cause = failed
                raise EventDeliveryFailed(event=event, result=result) from cause
            if len(pending) < _DELIVERY_BATCH:
                return count

    # -- setting up -----------------------------------------------------------------------

    def add_series(self, name: str, series: NumberingSeries) -> NumberingSeries:
        """Add the numbering series ``name``, or find it there already; the series stored.

        Adding is idempotent by itself: a series of that name with the same prefix and
        width is taken as it is (its numbers kept); one with another prefix or width
        raises :class:`~ordercore.errors.RecordExists`.
        """
        if not isinstance(series, NumberingSeries):
            raise InvalidType(series, expected="a NumberingSeries", field="series")
        with self._factory() as uow:
            try:
                stored = uow.numbers.get(name)
            except UnknownRecord:
                uow.numbers.add(name, series)
                if not self._preview:
                    uow.commit()
                return series
        if (stored.prefix, stored.width) != (series.prefix, series.width):
            raise RecordExists(record=name)
        return stored

    def add(self, changed: Changed[Any], *, request: Request | str) -> Any:
        """Store a new document made by a domain step (``DraftQuote.create(...)``, ...).

        ``changed`` is what the step returned: its document is added (``RecordExists``
        if the id is taken), its events go to the outbox.
        """
        request = self._request(request)
        if not isinstance(changed, Changed):
            raise InvalidType(changed, expected="what a domain step returns", field="changed")

        def work(uow: UnitOfWork) -> _Step:
            uow.documents.add(changed.document)
            return _Step(result=changed.document, events=changed.events)

        return self._run("add", request, {"document": changed.document}, work)

    def create_invoice(
        self,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        customer: str,
        content: Document,
        request: Request | str,
    ) -> DraftInvoice:
        """Create and store a draft invoice for ``customer``."""
        request = self._request(request)
        arguments = {"id": id, "customer": customer, "content": content}

        def work(uow: UnitOfWork) -> _Step:
            made = DraftInvoice.create(id=id, customer=customer, content=content, request=request)
            uow.documents.add(made.document)
            return _Step(result=made.document, events=made.events)

        result: DraftInvoice = self._run("create_invoice", request, arguments, work)
        return result

    # -- quotes and orders -------------------------------------------------------------------

    def revise_quote(
        self, quote_id: str, content: QuoteContent, *, request: Request | str
    ) -> DraftQuote | SentQuote:
        """Revise the quote ``quote_id`` (a draft or sent one) to ``content``: a new version."""
        request = self._request(request)

        def work(uow: UnitOfWork) -> _Step:
            quote = _get_quote(uow, quote_id)
            changed = quote.revise(content, request=request)
            uow.documents.save(changed.document)
            return _Step(result=changed.document, events=changed.events)

        return self._run("revise_quote", request, {"quote": quote_id, "content": content}, work)  # type: ignore[no-any-return]

    def send_quote(self, quote_id: str, *, request: Request | str) -> SentQuote:
        """Send the draft quote ``quote_id`` to the customer."""
        request = self._request(request)

        def work(uow: UnitOfWork) -> _Step:
            changed = uow.documents.get(quote_id, DraftQuote).send(request=request)
            uow.documents.save(changed.document)
            return _Step(result=changed.document, events=changed.events)

        result: SentQuote = self._run("send_quote", request, {"quote": quote_id}, work)
        return result

    def accept_quote(
        self,
        quote_id: str,
        *,
        order_id: str,
        invoicing_policy: InvoicingPolicy,
        series: str | None = None,
        request: Request | str,
    ) -> SalesOrder:
        """The customer accepts the sent quote ``quote_id``: confirm its sales order.

        The order is numbered from ``series`` (the services' order series by default)
        and stored under ``order_id``; the quote is saved as accepted.
        """
        request = self._request(request)
        name = self._series_name("order", series)
        arguments = {
            "quote": quote_id,
            "order": order_id,
            "policy": invoicing_policy,
            "series": name,
        }

        def work(uow: UnitOfWork) -> _Step:
            accepted = uow.documents.get(quote_id, SentQuote).accept(request=request)
            quote: AcceptedQuote = accepted.document
            order = quote.confirm_order(
                id=order_id,
                number=uow.numbers.take(name),
                invoicing_policy=invoicing_policy,
                request=request,
            )
            uow.documents.save(quote)
            uow.documents.add(order.document)
            return _Step(result=order.document, events=accepted.events + order.events)

        result: SalesOrder = self._run("accept_quote", request, arguments, work)
        return result

    def record_delivery(
        self, order_id: str, quantities: Mapping[Any, Any], *, request: Request | str
    ) -> SalesOrder:
        """Record a delivery on the sales order ``order_id`` (line key or index -> quantity)."""
        request = self._request(request)
        quantities = _mapping(quantities, "quantities")

        def work(uow: UnitOfWork) -> _Step:
            order = uow.documents.get(order_id, SalesOrder)
            changed = order.record_delivery(quantities, request=request)
            uow.documents.save(changed.document)
            return _Step(result=changed.document, events=changed.events)

        arguments = {"order": order_id, "quantities": quantities}
        result: SalesOrder = self._run("record_delivery", request, arguments, work)
        return result

    def invoice_order(
        self,
        order_id: str,
        *,
        invoice_id: str,
        quantities: Mapping[Any, Any] | None = None,
        down_payment: DownPayment | None = None,
        remaining: bool = False,
        issue: bool = True,
        series: str | None = None,
        issue_date: dt.date | None = None,
        due_date: dt.date | None = None,
        payment_term: PaymentTerm | None = None,
        request: Request | str,
    ) -> DraftInvoice | IssuedInvoice:
        """Invoice the sales order ``order_id``; issue the invoice unless ``issue=False``.

        What is invoiced: the chosen ``quantities`` (line key or index -> quantity), a
        ``down_payment``, all that ``remaining`` as the lines' policies allow, or (none of
        them) what was delivered and not invoiced. Issued, the invoice takes its number
        from ``series`` and is dated ``issue_date`` (the request's business date by
        default), due on ``due_date`` or as ``payment_term`` says.
        """
        request = self._request(request)
        if quantities is not None:
            quantities = _mapping(quantities, "quantities")
        chosen = [quantities is not None, down_payment is not None, bool(remaining)]
        if sum(chosen) > 1:
            raise InvalidType(
                (quantities, down_payment, remaining),
                expected="at most one of quantities, down_payment and remaining",
                field="invoice_order",
            )
        name = self._series_name("invoice", series)
        arguments = {
            "order": order_id,
            "invoice": invoice_id,
            "quantities": quantities,
            "down_payment": down_payment,
            "remaining": bool(remaining),
            "issue": bool(issue),
            "series": name,
            "issue_date": issue_date,
            "due_date": due_date,
            "payment_term": payment_term,
        }

        def work(uow: UnitOfWork) -> _Step:
            order = uow.documents.get(order_id, SalesOrder)
            if quantities is not None:
                made = order.invoice_quantities(quantities, invoice_id=invoice_id, request=request)
            elif down_payment is not None:
                made = order.invoice_down_payment(
                    down_payment, invoice_id=invoice_id, request=request
                )
            elif remaining:
                made = order.invoice_remaining(invoice_id=invoice_id, request=request)
            else:
                made = order.invoice_delivered(invoice_id=invoice_id, request=request)
            uow.documents.save(made.order)
            events = made.events
            invoice: DraftInvoice | IssuedInvoice = made.invoice
            if issue:
                issued = made.invoice.issue(
                    number=uow.numbers.take(name),
                    issue_date=request.business_date if issue_date is None else issue_date,
                    due_date=due_date,
                    payment_term=payment_term,
                    request=request,
                )
                invoice, events = issued.document, events + issued.events
            uow.documents.add(invoice)
            return _Step(result=invoice, events=events)

        return self._run("invoice_order", request, arguments, work)  # type: ignore[no-any-return]

    # -- subscriptions -------------------------------------------------------------------

    def add_subscription(
        self, subscription: Subscription, *, request: Request | str
    ) -> Subscription:
        """Store a new subscription (``Subscription.start(...)``, with its ``id``).

        :class:`~ordercore.errors.RecordExists` if the id is taken. The subscription is
        stored as it is: :meth:`bill_period` bills it from there.
        """
        request = self._request(request)
        stored = _stored_subscription(subscription)

        def work(uow: UnitOfWork) -> _Step:
            uow.documents.add(stored)
            return _Step(result=subscription, events=())

        result: Subscription = self._run(
            "add_subscription", request, {"subscription": subscription}, work
        )
        return result

    def bill_period(
        self,
        subscription_id: str,
        index: int,
        *,
        usage: Iterable[UsageRecord] = (),
        request: Request | str,
    ) -> DraftInvoice:
        """Bill period ``index`` of the stored subscription ``subscription_id``: its draft.

        In one unit of work: the subscription is read, invoiced
        (:meth:`Subscription.invoice <ordercore.subscriptions.Subscription.invoice>`, with
        the ``usage`` records its meters rate), saved one version on, and its draft
        invoice ``"<subscription id>/period-<index>"`` is added, its events to the outbox.
        The same key with the same request returns the first draft again; the period
        billed under another key raises
        :class:`~ordercore.errors.PeriodBilledAlready`, and a subscription saved by
        another writer since it was read raises
        :class:`~ordercore.errors.ConcurrencyConflict`: nothing is written then.

        It returns the draft invoice, as :meth:`invoice_order` does (the order it changes
        is saved, not returned): the result is what the idempotency store keeps, a record,
        so a retry gets the very draft, read back from any storage. Each line of the draft
        states its span and factor; :meth:`Subscription.preview
        <ordercore.subscriptions.Subscription.preview>` of the stored subscription gives
        the whole :class:`~ordercore.subscriptions.PeriodInvoice` (rated usage tier by
        tier) before it is billed.
        """
        request = self._request(request)
        records = check_usage_records(usage)
        arguments = {"subscription": subscription_id, "index": index, "usage": records}

        def work(uow: UnitOfWork) -> _Step:
            subscription = uow.documents.get(subscription_id, Subscription)
            billed, invoice = subscription.invoice(index, request=request, usage=records)
            uow.documents.save(_stored_subscription(billed))
            uow.documents.add(invoice.draft)
            return _Step(result=invoice.draft, events=invoice.events)

        result: DraftInvoice = self._run("bill_period", request, arguments, work)
        return result

    def bill_due(
        self,
        *,
        on: dt.date,
        usage: Mapping[str, Iterable[UsageRecord]] | None = None,
        request: Request | str,
        executor: Executor | None = None,
        opener: Callable[[], UnitOfWorkFactory] | None = None,
        chunk_size: int = 100,
    ) -> DueRun:
        """Bill every period due on ``on`` of every stored subscription: a bill run.

        First, in one unit of work, the subscriptions due on ``on``
        (:meth:`~ordercore.storage.ports.Repository.subscriptions_due`) are read and kept
        under the request's key: the run's plan. Then each due period of each of them is
        billed by :meth:`bill_period`, in a unit of work of its own, under the key
        ``"<key>/<subscription id>/period-<index>"``, with the subscription's records of
        ``usage`` (a mapping of subscription ids to usage records). So a run retried with
        its key, after a crash or a failure half-way, follows the same plan, bills what is
        left and returns every period as billed once, and the same key with another
        ``on`` or ``usage`` raises :class:`~ordercore.errors.IdempotencyConflict` before
        anything is billed.

        A subscription whose billing raises an ordercore error
        (:class:`~ordercore.errors.ConcurrencyConflict`,
        :class:`~ordercore.errors.InvalidUsage`, ...) is reported ``FAILED`` with its
        error, and the others are billed; a period billed under another key, or after
        the subscription ended, meanwhile is ``skipped``. Any other error stops the run:
        retry it with the same key. Events the ``on_event`` handler refuses stay in the
        outbox for :meth:`deliver_events`; the periods are billed all the same.

        With an ``executor`` (a :class:`concurrent.futures.ProcessPoolExecutor`, a thread
        pool, ...), the subscriptions are billed in chunks of ``chunk_size`` by
        ``executor.submit``: each worker opens its own storage with ``opener()`` (for a
        process pool, a picklable one, such as
        :class:`~ordercore.storage.sql.SqlStoreOpener` of an SQLite file or a PostgreSQL
        database), bills as above, and sends back only the :class:`DueBilling` summaries;
        the events are delivered here afterwards. The result is the same as in process.
        """
        request = self._request(request)
        if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
            raise InvalidType(on, expected="a datetime.date", field="on")
        records = _usage_by_subscription(usage)
        if executor is not None:
            executor_given(executor)
            if not callable(opener):
                raise InvalidType(
                    opener, expected="a callable that opens the storage", field="opener"
                )
            chunk_size = chunk_size_given(chunk_size)

        def plan(uow: UnitOfWork) -> _Step:
            return _Step(result=DuePlan.of(uow.documents.subscriptions_due(on), on=on), events=())

        try:
            kept: object = self._run("bill_due", request, {"on": on, "usage": records}, plan)
        except EventDeliveryFailed as undelivered:  # others' events: the plan is kept
            kept = undelivered.result
        work: _DueWork = [
            (planned, records.get(planned.subscription, ())) for planned in _plan(kept, on).due
        ]
        if executor is None:
            billings = [self._bill_due_periods(*item, on, request) for item in work]
        else:
            series = (self._series["invoice"], self._series["credit_note"], self._series["order"])
            futures: list[Future[list[DueBilling]]] = [
                executor.submit(
                    _bill_due_chunk,
                    cast(Callable[[], UnitOfWorkFactory], opener),  # checked above
                    series,
                    self._preview,
                    work[start : start + chunk_size],
                    on=on,
                    request=request,
                )
                for start in range(0, len(work), chunk_size)
            ]
            billings = [billing for future in futures for billing in future.result()]
            self.deliver_events()
        return DueRun(on=on, subscriptions=tuple(billings))

    def _bill_due_periods(
        self, planned: Planned, records: tuple[UsageRecord, ...], on: dt.date, request: Request
    ) -> DueBilling:
        """Bill the planned periods of a subscription one by one, then what waits on it.

        A preview takes the steps in one unit of work, rolled back at the end, so that each
        step sees the subscription as the one before left it, as the real run does.
        """
        if self._preview:
            with self._factory() as uow:
                steps = Services(
                    _Within(uow),
                    invoice_series=self._series["invoice"],
                    credit_note_series=self._series["credit_note"],
                    order_series=self._series["order"],
                )
                steps._preview = True
                return steps._bill_due_steps(planned, records, on, request)
        return self._bill_due_steps(planned, records, on, request)

    def _bill_due_steps(
        self, planned: Planned, records: tuple[UsageRecord, ...], on: dt.date, request: Request
    ) -> DueBilling:
        subscription_id = planned.subscription
        periods: list[int] = []
        invoices: list[str] = []
        skipped: list[int] = []

        def asked(what: str) -> Request:
            key = derived_key(request.key, subscription_id, what)
            return Request(
                key=key, at=request.at, business_date=request.business_date, by=request.by
            )

        def failed(error: OrdercoreError) -> DueBilling:
            return DueBilling(
                subscription=subscription_id,
                outcome=DueOutcome.FAILED,
                periods=tuple(periods),
                invoices=tuple(invoices),
                skipped=tuple(skipped),
                error=error,
            )

        for index in planned.periods:
            try:
                draft = self.bill_period(
                    subscription_id, index, usage=records, request=asked(f"period-{index}")
                )
            except EventDeliveryFailed as undelivered:  # billed and committed all the same
                draft = cast(DraftInvoice, undelivered.result)
            except (PeriodBilledAlready, SubscriptionEnded):
                skipped.append(index)
                continue
            except OrdercoreError as error:
                return failed(error)
            periods.append(index)
            invoices.append(draft.id)
        pending = False
        if planned.pending:
            try:
                draft = self.invoice_pending(
                    subscription_id, on=on, usage=records, request=asked("pending")
                )
            except EventDeliveryFailed as undelivered:
                draft = cast(DraftInvoice, undelivered.result)
                pending = True
            except NothingToInvoice:  # the periods took it, or another request did
                pass
            except OrdercoreError as error:
                return failed(error)
            else:
                pending = True
            if pending:
                invoices.append(draft.id)
        return DueBilling(
            subscription=subscription_id,
            outcome=DueOutcome.BILLED if periods or pending else DueOutcome.SKIPPED,
            periods=tuple(periods),
            invoices=tuple(invoices),
            skipped=tuple(skipped),
            pending=pending,
        )

    def change_subscription(
        self,
        subscription_id: str,
        at: dt.date,
        key: str,
        line: Line | None,
        *,
        request: Request | str,
    ) -> Subscription:
        """From ``at`` on, bill item ``key`` of the stored subscription as ``line``.

        :meth:`Subscription.change <ordercore.subscriptions.Subscription.change>` in one
        unit of work (``None`` removes the item, a new key adds it): the credit and charge
        lines wait in the subscription's ``pending`` for its next invoice. The subscription
        is saved one version on and returned.
        """
        return self._step_subscription(
            "change_subscription",
            subscription_id,
            {"at": at, "key": key, "line": line},
            lambda subscription: subscription.change(at, key, line)[0],
            request=request,
        )

    def cancel_subscription(
        self,
        subscription_id: str,
        at: dt.date,
        *,
        at_period_end: bool = False,
        request: Request | str,
    ) -> Subscription:
        """End the stored subscription on ``at`` (or at the end of the period holding it).

        :meth:`Subscription.cancel <ordercore.subscriptions.Subscription.cancel>` in one
        unit of work: what was billed for the days after the end is credited, in
        ``pending`` until :meth:`invoice_pending` invoices it. Saved one version on and
        returned.
        """
        if not isinstance(at_period_end, bool):
            raise InvalidType(at_period_end, expected="True or False", field="at_period_end")
        return self._step_subscription(
            "cancel_subscription",
            subscription_id,
            {"at": at, "at_period_end": at_period_end},
            lambda subscription: subscription.cancel(at, at_period_end=at_period_end)[0],
            request=request,
        )

    def _step_subscription(
        self,
        operation: str,
        subscription_id: str,
        arguments: Mapping[str, object],
        step: Callable[[Subscription], Subscription],
        *,
        request: Request | str,
    ) -> Subscription:
        """Read the stored subscription, take ``step``, save it one version on: the result."""
        request = self._request(request)

        def work(uow: UnitOfWork) -> _Step:
            after = step(uow.documents.get(subscription_id, Subscription))
            uow.documents.save(_stored_subscription(after))
            return _Step(result=after, events=())

        result: Subscription = self._run(
            operation, request, {"subscription": subscription_id, **arguments}, work
        )
        return result

    def invoice_pending(
        self,
        subscription_id: str,
        *,
        on: dt.date,
        usage: Iterable[UsageRecord] = (),
        request: Request | str,
    ) -> DraftInvoice:
        """Invoice what waits on the stored subscription, without billing a period: its draft.

        :meth:`Subscription.invoice_pending
        <ordercore.subscriptions.Subscription.invoice_pending>` in one unit of work: the
        changes' lines and the usage ended by ``on`` become the draft
        ``"<subscription id>/pending-<version>"`` (its amount due negative when credits
        exceed charges: customer credit once issued), added with its events; the
        subscription is saved one version on. Idempotent by key, as :meth:`bill_period`;
        :class:`~ordercore.errors.NothingToInvoice` when nothing waits.
        """
        request = self._request(request)
        records = check_usage_records(usage)
        arguments = {"subscription": subscription_id, "on": on, "usage": records}

        def work(uow: UnitOfWork) -> _Step:
            subscription = uow.documents.get(subscription_id, Subscription)
            after, invoice = subscription.invoice_pending(on=on, request=request, usage=records)
            uow.documents.save(_stored_subscription(after))
            uow.documents.add(invoice.draft)
            return _Step(result=invoice.draft, events=invoice.events)

        result: DraftInvoice = self._run("invoice_pending", request, arguments, work)
        return result

    # -- invoices and credit notes -------------------------------------------------------

    def issue_invoice(
        self,
        invoice_id: str,
        *,
        series: str | None = None,
        issue_date: dt.date | None = None,
        due_date: dt.date | None = None,
        payment_term: PaymentTerm | None = None,
        request: Request | str,
    ) -> IssuedInvoice:
        """Issue the draft invoice ``invoice_id`` under the next number of ``series``.

        It is dated ``issue_date`` (the request's business date by default) and falls due
        on ``due_date``, or as ``payment_term`` says.
        """
        request = self._request(request)
        name = self._series_name("invoice", series)
        arguments = {
            "invoice": invoice_id,
            "series": name,
            "issue_date": issue_date,
            "due_date": due_date,
            "payment_term": payment_term,
        }

        def work(uow: UnitOfWork) -> _Step:
            draft = uow.documents.get(invoice_id, DraftInvoice)
            issued = draft.issue(
                number=uow.numbers.take(name),
                issue_date=request.business_date if issue_date is None else issue_date,
                due_date=due_date,
                payment_term=payment_term,
                request=request,
            )
            uow.documents.save(issued.document)
            return _Step(result=issued.document, events=issued.events)

        result: IssuedInvoice = self._run("issue_invoice", request, arguments, work)
        return result

    def credit_invoice(
        self,
        invoice_id: str,
        *,
        credit_note_id: str,
        reason: str,
        lines: Mapping[Any, Any] | None = None,
        amount: Money | None = None,
        base: CreditBase = CreditBase.TOTAL,
        series: str | None = None,
        issue_date: dt.date | None = None,
        request: Request | str,
    ) -> CustomerCreditNote:
        """Credit the issued invoice ``invoice_id``: chosen ``lines``, an ``amount``, or all.

        ``lines`` maps invoice line indexes (or the keys of the order lines they bill) to
        quantities; ``amount`` is what the customer gets back (on ``base``); neither
        credits the invoice in full. The credit note takes its number from ``series`` and
        counts what earlier credit notes of the invoice took. When the invoice was made
        from a sales order, the order takes the credit back (its lines may be invoiced
        again) and is saved in the same unit of work.
        """
        request = self._request(request)
        if lines is not None:
            lines = _mapping(lines, "lines")
        if lines is not None and amount is not None:
            raise InvalidType(
                (lines, amount), expected="lines or an amount, not both", field="credit_invoice"
            )
        name = self._series_name("credit_note", series)
        arguments = {
            "invoice": invoice_id,
            "credit_note": credit_note_id,
            "reason": reason,
            "lines": lines,
            "amount": amount,
            "base": base,
            "series": name,
            "issue_date": issue_date,
        }

        def work(uow: UnitOfWork) -> _Step:
            invoice = uow.documents.get(invoice_id, IssuedInvoice)
            order = _order_of(uow, invoice)
            if order is not None and amount is not None and not _down_payment_of(order, invoice):
                order = None  # a price concession: the order has nothing to take back
            previous = uow.documents.credit_notes_of(invoice.number, CustomerCreditNote)
            common: dict[str, Any] = {
                "previous": previous,
                "id": credit_note_id,
                "number": uow.numbers.take(name),
                "issue_date": request.business_date if issue_date is None else issue_date,
                "reason": reason,
                "request": request,
                "order": order,
            }
            made: Changed[CreditNote]
            if lines is not None:
                made = credit_lines(invoice, lines, **common)
            elif amount is not None:
                made = credit_amount(invoice, amount, base=base, **common)
            else:
                made = credit_in_full(invoice, **common)
            note = made.document
            uow.documents.add(note)
            events = made.events
            if order is not None:
                taken = order.take_in_credit(invoice, note, request=request)
                uow.documents.save(taken.document)
                events += taken.events
            return _Step(result=note, events=events)

        result: CustomerCreditNote = self._run("credit_invoice", request, arguments, work)
        return result

    # -- payments ------------------------------------------------------------------------

    def record_payment(
        self,
        payment: Payment,
        *,
        allocate: Allocate | Mapping[str, Money] = Allocate.OLDEST_FIRST,
        rate: ExchangeRate | None = None,
        on: dt.date | None = None,
        account: str | None = None,
        request: Request | str,
    ) -> tuple[Payment | Allocation, ...]:
        """Record ``payment`` in its party's account and allocate it.

        ``allocate`` is an :class:`Allocate` rule, or explicit amounts by invoice number.
        ``rate`` (an :class:`~ordercore.money.ExchangeRate`) lets a payment in another
        currency pay the invoices in ``rate.base``, and ``on`` dates the allocations, as
        the :class:`~ordercore.settlement.Ledger`'s ways to allocate take them; with
        :attr:`Allocate.NOTHING` there is nothing to apply them to
        (:class:`~ordercore.errors.InvalidPayment`). They are part of the request: the
        same key with another rate or day is an
        :class:`~ordercore.errors.IdempotencyConflict`.
        The account (``account``, by default ``"account/<party>"``) is opened on first use;
        the open items of the party's issued documents join it as they appear. What the
        payment does not allocate stays the party's credit. The result is the payment and
        the allocations made, in order. Two payments allocated at once on one account
        conflict (:class:`~ordercore.errors.ConcurrencyConflict`): one of them retries.
        """
        request = self._request(request)
        if not isinstance(payment, Payment):
            raise InvalidType(payment, expected="a Payment", field="payment")
        if not isinstance(allocate, Allocate):
            allocate = _mapping(allocate, "allocate")
        if rate is not None and not isinstance(rate, ExchangeRate):
            raise InvalidType(rate, expected="an ExchangeRate", field="rate")
        if on is not None and (isinstance(on, dt.datetime) or not isinstance(on, dt.date)):
            raise InvalidType(on, expected="a datetime.date", field="on")
        if allocate is Allocate.NOTHING and (rate is not None or on is not None):
            field = "rate" if rate is not None else "on"
            raise InvalidPayment(
                rate if rate is not None else on,
                reason="Allocate.NOTHING allocates nothing: give a rate or a day to allocate",
                field=field,
            )
        account_id = _account_id(account, payment.party)
        arguments: dict[str, object] = {
            "payment": payment,
            "allocate": allocate,
            "account": account_id,
        }
        # only when given: the requests made before these existed keep their fingerprints
        if rate is not None:
            arguments["rate"] = rate
        if on is not None:
            arguments["on"] = on

        def work(uow: UnitOfWork) -> _Step:
            def change(ledger: Ledger) -> Ledger:
                ledger = ledger.record(payment)
                reference = payment.reference
                if allocate is Allocate.OLDEST_FIRST:
                    return ledger.allocate_oldest_first(reference, rate=rate, on=on)
                if allocate is Allocate.BY_REFERENCE:
                    return ledger.allocate_by_reference(reference, rate=rate, on=on)
                if isinstance(allocate, Mapping):
                    amounts = {_item(ledger, number): money for number, money in allocate.items()}
                    return ledger.allocate(reference, amounts, rate=rate, on=on)
                return ledger

            before, after = _settle(uow, account_id, payment.party, change)
            made = _new_allocations(before, after)
            events: tuple[Event, ...] = (
                PaymentRecorded(document_id=payment.reference, request=request, payment=payment),
            )
            if made:
                allocated = PaymentAllocated(
                    document_id=payment.reference,
                    request=request,
                    allocations=made,
                    unallocated=after.unallocated(payment.reference),
                )
                events += (allocated,)
            return _Step(result=(payment, *made), events=events)

        result: tuple[Payment | Allocation, ...] = _settling(
            account_id, lambda: self._run("record_payment", request, arguments, work)
        )
        return result

    def reverse_allocation(
        self, number: int, *, party: str, account: str | None = None, request: Request | str
    ) -> Allocation:
        """Reverse the allocation ``number`` of ``party``'s account: every balance restored."""
        request = self._request(request)
        account_id = _account_id(account, party)

        def work(uow: UnitOfWork) -> _Step:
            reversed_: list[Allocation] = []

            def change(ledger: Ledger) -> Ledger:
                entry = ledger.entry(number)
                if not isinstance(entry, Allocation):
                    raise NotAnAllocation(number=number, entry=entry)
                reversed_.append(entry)
                return ledger.reverse(number)

            _settle(uow, account_id, party, change)
            entry = reversed_[0]
            event = PaymentUnallocated(
                document_id=_source_id(entry), request=request, allocation=entry
            )
            return _Step(result=entry, events=(event,))

        arguments = {"number": number, "account": account_id}
        result: Allocation = _settling(
            account_id, lambda: self._run("reverse_allocation", request, arguments, work)
        )
        return result

    def ledger(self, party: str, *, account: str | None = None) -> Ledger:
        """``party``'s ledger as it stands, with every open item of its issued documents.

        It is read in a unit of work that writes nothing: what the account holds, and the
        open items of documents issued since its last payment operation.
        """
        account_id = _account_id(account, party)
        with self._factory() as uow:
            return _current(uow, account_id, party)[1]

    # -- helpers -------------------------------------------------------------------------

    def _series_name(self, kind: str, series: str | None) -> str:
        return self._series[kind] if series is None else _name(series, "series")


def _name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidType(value, expected="a series name (a non-empty string)", field=field)
    return value


def _mapping(value: object, field: str) -> dict[Any, Any]:
    if not isinstance(value, Mapping):
        raise InvalidType(value, expected="a mapping", field=field)
    return dict(value)


class _Within:
    """One open unit of work, handed out again and again, never closed (a preview's steps).

    Its commit and rollback do nothing: the unit of work it wraps is rolled back by the
    one who opened it.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.documents = uow.documents
        self.numbers = uow.numbers
        self.idempotency = uow.idempotency
        self.outbox = uow.outbox

    def __call__(self) -> _Within:
        return self

    def commit(self) -> None:
        """Nothing: a preview never commits."""

    def rollback(self) -> None:
        """Nothing: the wrapped unit of work is rolled back when its opener closes it."""

    def __enter__(self) -> _Within:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


#: What a bill run bills: per subscription, what its plan says, and its usage records.
_DueWork = list[tuple[Planned, tuple[UsageRecord, ...]]]


def _plan(kept: object, on: dt.date) -> DuePlan:
    """The plan a run keeps under its key, as a :class:`DuePlan`.

    A plan kept before :class:`DuePlan` was the subscriptions due themselves: it reads as
    it was billed then (their due periods, nothing pending).
    """
    if isinstance(kept, DuePlan):
        return kept
    due = cast(tuple[Subscription, ...], kept)
    return DuePlan(
        on=on,
        due=tuple(Planned(subscription=str(s.id), periods=tuple(due_periods(s, on))) for s in due),
    )


def derived_key(key: str, subscription: str, what: str) -> str:
    """The idempotency key of one step of a run through storage: ``"<key>/<id>/<what>"``.

    ``what`` is ``"period-<index>"`` or ``"pending"``. A key longer than
    :data:`MAX_DERIVED_KEY` characters (a long run key and a long subscription id) is
    replaced by ``"bill-due/<sha-256 of it>"``, 73 characters: stable, so that a retry
    finds it, and within what every storage holds.

    >>> derived_key("run-1", "sub-a", "period-0")
    'run-1/sub-a/period-0'
    >>> derived_key("r" * 250, "sub-a", "period-0")[:20]
    'bill-due/88dcf5551e2'
    """
    full = f"{key}/{subscription}/{what}"
    if len(full) <= MAX_DERIVED_KEY:
        return full
    return f"bill-due/{hashlib.sha256(full.encode()).hexdigest()}"


def _bill_due_chunk(
    opener: Callable[[], UnitOfWorkFactory],
    series: tuple[str, str, str],
    preview: bool,
    chunk: _DueWork,
    *,
    on: dt.date,
    request: Request,
) -> list[DueBilling]:
    """Bill a chunk of a run on the storage ``opener()`` opens (what an executor runs)."""
    invoices, credit_notes, orders = series
    services = Services(
        opener(), invoice_series=invoices, credit_note_series=credit_notes, order_series=orders
    )
    if preview:
        services = services.preview()
    return [services._bill_due_periods(*item, on, request) for item in chunk]


def _usage_by_subscription(usage: object) -> dict[str, tuple[UsageRecord, ...]]:
    """``usage`` checked: subscription ids to tuples of usage records."""
    if usage is None:
        return {}
    if not isinstance(usage, Mapping):
        raise InvalidType(usage, expected="a mapping of subscription ids to records", field="usage")
    checked: dict[str, tuple[UsageRecord, ...]] = {}
    for subscription_id, records in usage.items():
        if not isinstance(subscription_id, str):
            raise InvalidType(
                subscription_id, expected="a subscription id (a string)", field="usage"
            )
        checked[subscription_id] = check_usage_records(records, field=f"usage[{subscription_id!r}]")
    return checked


def _stored_subscription(subscription: object) -> Record:
    """``subscription`` as a repository stores it: a :class:`Subscription` with an id."""
    if not isinstance(subscription, Subscription):
        raise InvalidType(subscription, expected="a Subscription", field="subscription")
    if subscription.id is None:
        raise InvalidSubscription(
            None, reason="give the subscription an id to store it", field="id"
        )
    return cast(Record, subscription)  # its id is a string now: a record as any other


def _get_quote(uow: UnitOfWork, quote_id: str) -> DraftQuote | SentQuote:
    try:
        return uow.documents.get(quote_id, DraftQuote)
    except UnknownRecord:
        return uow.documents.get(quote_id, SentQuote)


def _order_of(uow: UnitOfWork, invoice: IssuedInvoice) -> SalesOrder | None:
    """The sales order ``invoice`` was made from, if any (found by its number)."""
    if invoice.sales_order is None:
        return None
    for record in uow.documents.with_number(invoice.sales_order):
        if isinstance(record, SalesOrder):
            return record
    raise UnknownRecord(record=invoice.sales_order, what="sales order")


def _down_payment_of(order: SalesOrder, invoice: IssuedInvoice) -> bool:
    """Whether ``invoice`` is the invoice of one of ``order``'s down payments."""
    return any(record.invoice_id == invoice.id for record in order.down_payments)


def _account_id(account: str | None, party: str) -> str:
    if account is None:
        return f"account/{party}"
    return _name(account, "account")


def _settling(account_id: str, run: Callable[[], T]) -> T:
    """``run()``; two units of work that both opened account ``account_id`` conflict."""
    try:
        return run()
    except RecordExists as error:
        if error.record != account_id:
            raise
        raise ConcurrencyConflict(record=account_id, expected=0, found=1) from error


def _settle(
    uow: UnitOfWork, account_id: str, party: str, change: Callable[[Ledger], Ledger]
) -> tuple[Ledger, Ledger]:
    """Apply ``change`` to the ledger of account ``account_id``, opened on first use.

    The open items of ``party``'s issued documents that the ledger does not hold yet join
    it first. Returns the ledger before and after the change; the account is saved.
    """
    account, before = _current(uow, account_id, party)
    after = change(before)
    if account is None:
        uow.documents.add(Account.open(id=account_id, party=party).with_ledger(after))
    else:
        uow.documents.save(account.with_ledger(after))
    return before, after


def _current(uow: UnitOfWork, account_id: str, party: str) -> tuple[Account | None, Ledger]:
    """The account ``account_id`` (``None`` if not opened yet) and its up-to-date ledger."""
    if not isinstance(party, str):
        raise InvalidType(party, expected="a party code (a string)", field="party")
    try:
        account: Account | None = uow.documents.get(account_id, Account)
    except UnknownRecord:
        account = None
    ledger = Ledger() if account is None else account.ledger
    known = {item.document for item in ledger.items}
    fresh = [item for item in uow.documents.open_items(party) if item.document not in known]
    return account, ledger.add_items(*fresh) if fresh else ledger


def _new_allocations(before: Ledger, after: Ledger) -> tuple[Allocation, ...]:
    last = max((entry.number for entry in before.entries), default=0)
    return tuple(entry for entry in after.allocations if entry.number > last)


def _item(ledger: Ledger, number: object) -> DocumentRef:
    """The open item of the invoice numbered ``number`` in ``ledger``."""
    for item in ledger.items:
        if item.document.number == number:
            return item.document
    raise UnknownRecord(record=str(number), what="open item")


def _source_id(entry: Allocation) -> str:
    source = entry.source
    return source if isinstance(source, str) else source.number
