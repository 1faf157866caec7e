"""Events: every domain event as versioned plain data, and back."""

import contextlib
import datetime as dt
import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

import ordercore
from ordercore import (
    Allowance,
    Charge,
    Document,
    DownPayment,
    DownPaymentBase,
    DraftBill,
    DraftInvoice,
    DraftQuote,
    InvalidData,
    InvalidType,
    Ledger,
    Line,
    Money,
    OrdercoreError,
    Payment,
    PaymentTerm,
    PurchaseOrder,
    Request,
    SalesOrder,
    Tax,
    price,
)
from ordercore.documents import (
    CreditBase,
    InvoicingPolicy,
    QuoteContent,
    QuoteLine,
    QuoteRevised,
    QuoteSent,
    credit_amount,
    credit_in_full,
    credit_lines,
    standalone_credit,
)
from ordercore.events import Event
from ordercore.interop.events import EVENT_KINDS, EVENT_SCHEMA, event_from_data, event_to_data
from ordercore.interop.plain import loads
from ordercore.pricing import AdjustmentMode, Discount, Policy
from ordercore.settlement.entries import Allocation
from ordercore.settlement.events import PaymentAllocated, PaymentRecorded, PaymentUnallocated
from ordercore.testing import strategies as ost

DATA = Path(__file__).parent / "data"
VAT = Tax.percent("VAT", "20")
REDUCED = Tax.percent("VAT", "5.5")
#: Paris in winter: a request keeps the offset it was made at.
PARIS = dt.timezone(dt.timedelta(hours=1))


def request(key: str, by: str | None = None) -> Request:
    return Request(
        key=key,
        at=dt.datetime(2026, 11, 23, 9, 0, 0, 250_000, tzinfo=PARIS),
        business_date=dt.date(2026, 11, 23),
        by=by,
    )


def on(key: str, day: dt.date) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=day)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def furniture() -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(description="Desk", quantity="2", unit_price=eur("250.00"), taxes=[VAT]),
            Line(description="Manual", quantity="2", unit_price=eur("24.90"), taxes=[REDUCED]),
        ],
    )


def consulting() -> Document:
    return Document(
        currency="EUR",
        items=[Line(description="Consulting", quantity="8", unit_price=eur("120.00"), taxes=[VAT])],
    )


def through_json(data: dict[str, Any]) -> dict[str, Any]:
    """The data as the outbox reads it back from its JSON column (ordercore's strict reader)."""
    return loads(json.dumps(data))  # type: ignore[no-any-return]


def assert_round_trips(event: Event) -> None:
    data = event_to_data(event)
    stored = through_json(data)
    assert stored == data  # JSON-safe: nothing changes on the way
    read = event_from_data(stored)
    assert read == event  # object -> data -> object
    assert type(read) is type(event)
    assert read.request.at.utcoffset() == event.request.at.utcoffset()
    assert event_to_data(read) == data  # data -> object -> data


# -- a story: every kind of event, made by real operations --------------------------------


def quote_events() -> list[Event]:
    content = QuoteContent(
        currency="EUR",
        lines=[
            QuoteLine(key="desk", line=furniture().lines[0], group="Office"),
            QuoteLine(key="manual", line=furniture().lines[1]),
        ],
        charges=[Charge.fixed(eur("25.00"), reason="Delivery")],
    )
    made = DraftQuote.create(
        id="q-1",
        customer="acme",
        content=content,
        valid_until=dt.date(2026, 12, 31),
        request=request("q1", by="alice"),
    )
    desk = content.lines[0].line
    revised_content = QuoteContent(
        currency="EUR",
        lines=[
            QuoteLine(key="manual", line=furniture().lines[1], group="Office"),
            QuoteLine(
                key="desk",
                line=Line(
                    description="Standing desk",
                    quantity="3",
                    unit_price=eur("310.00"),
                    discounts=[Discount.percent("10"), Discount.per_line(eur("5.00"))],
                    price_discount=Discount.per_unit(eur("2.50")),
                    taxes=[REDUCED],
                    base_quantity=desk.base_quantity,
                ),
            ),
            QuoteLine(
                key="chair",
                line=Line(description="Chair", quantity="4", unit_price=eur("49.00"), taxes=[VAT]),
            ),
        ],
        allowances=[Allowance.percentage("5", reason="Loyal customer", taxes=[VAT])],
        policy=Policy(adjustments=AdjustmentMode.STANDALONE),
    )
    revised = made.document.revise(
        revised_content, valid_until=dt.date(2027, 1, 15), request=request("q2")
    )
    sent = revised.document.send(request=request("q3"))
    accepted = sent.document.accept(request=request("q4"))
    declined = sent.document.decline(request=request("q5"), reason="Too dear")
    expired = sent.document.expire(request=on("q6", dt.date(2027, 1, 16)))
    changes = [made, revised, sent, accepted, declined, expired]
    return [event for change in changes for event in change.events]


def order_events() -> list[Event]:
    made = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=furniture(),
        invoicing_policy=InvoicingPolicy.DELIVERED,
        line_keys=["desk", None],
        request=request("o1"),
    )
    events = list(made.events)
    down = made.document.invoice_down_payment(
        DownPayment.percentage("30", base=DownPaymentBase.UNTAXED),
        invoice_id="inv-10",
        request=request("o2"),
    )
    events += down.events
    delivered = down.order.record_delivery({"desk": "1", 1: "2"}, request=request("o3"))
    events += delivered.events
    partial = delivered.document.invoice_delivered(invoice_id="inv-11", request=request("o4"))
    events += partial.events
    voided = partial.invoice.void(reason="wrong address", request=request("o5"))
    released = partial.order.release_invoice(voided.document, request=request("o6"))
    events += [*voided.events, *released.events]
    again = released.document.invoice_delivered(invoice_id="inv-12", request=request("o7"))
    events += again.events
    issued = again.invoice.issue(
        number="INV-12",
        issue_date=dt.date(2026, 11, 23),
        payment_term=PaymentTerm.deposit("30", days=30),
        request=request("o9"),
    )
    events += issued.events
    note = credit_in_full(
        issued.document,
        id="cn-1",
        number="CN-1",
        issue_date=dt.date(2026, 11, 30),
        reason="Returned",
        request=request("o10"),
    )
    taken = again.order.take_in_credit(issued.document, note.document, request=request("o11"))
    cancelled = taken.document.cancel_remaining(request=request("o12"))
    events += [*note.events, *taken.events, *cancelled.events]
    by_amount = credit_amount(
        issued.document,
        eur("10.00"),
        base=CreditBase.UNTAXED,
        id="cn-2",
        number="CN-2",
        issue_date=dt.date(2026, 11, 30),
        reason="Goodwill",
        request=request("o13"),
    )
    alone = standalone_credit(
        eur("50.00"),
        tax=VAT,
        customer="acme",
        id="cn-3",
        number="CN-3",
        issue_date=dt.date(2026, 11, 30),
        reason="Apology",
        request=request("o14"),
    )
    return [*events, *by_amount.events, *alone.events]


def purchase_events() -> list[Event]:
    made = PurchaseOrder.confirm(
        id="po-1", supplier="papyrus", number="PO-1", content=furniture(), request=request("p1")
    )
    received = made.document.record_receipt({0: "2", 1: "1"}, request=request("p2"))
    billed = received.document.bill_received(bill_id="bill-1", request=request("p3"))
    voided = billed.bill.void(reason="typo", request=request("p4"))
    released = billed.order.release_bill(voided.document, request=request("p5"))
    again = released.document.bill_received(bill_id="bill-2", request=request("p6"))
    issued = again.bill.issue(
        number="PAP-7781",
        issue_date=dt.date(2026, 11, 23),
        due_date=dt.date(2026, 12, 23),
        request=request("p8"),
    )
    note = credit_lines(
        issued.document,
        {0: "1"},
        id="scn-1",
        number="PAP-CN-1",
        issue_date=dt.date(2026, 11, 30),
        reason="Damaged",
        request=request("p9"),
    )
    taken = again.order.take_in_credit(issued.document, note.document, request=request("p10"))
    cancelled = taken.document.cancel_remaining(request=request("p11"))
    loose = DraftBill.create(
        id="bill-3", supplier="papyrus", content=furniture(), request=request("p12")
    )
    revised = loose.document.revise(consulting(), request=request("p13"))
    changes = [made, received, voided, released, issued, note, taken, cancelled, loose, revised]
    return [*billed.events, *again.events, *(e for change in changes for e in change.events)]


def settlement_events() -> list[Event]:
    created = DraftInvoice.create(
        id="inv-1", customer="acme", content=consulting(), request=request("s1")
    )
    revised = created.document.revise(furniture(), request=request("s2"))
    issued = revised.document.issue(
        number="INV-1", issue_date=dt.date(2026, 11, 23), request=request("s3")
    ).document
    payment = Payment.received(
        amount=eur("500.00"),
        date=dt.date(2026, 11, 25),
        reference="BANK-1",
        method="transfer",
        party="acme",
        idempotency_key="pay-1",
    )
    item = issued.open_item()
    ledger = Ledger().add_items(item).record(payment)
    ledger = ledger.allocate("BANK-1", {item.document: eur("300.00")})
    allocation = ledger.entries[-1]
    return [
        *created.events,
        *revised.events,
        PaymentRecorded(document_id="BANK-1", request=request("s3"), payment=payment),
        PaymentAllocated(
            document_id="BANK-1",
            request=request("s4"),
            allocations=tuple(ledger.entries),
            unallocated=eur("200.00"),
        ),
        PaymentUnallocated(document_id="BANK-1", request=request("s5"), allocation=allocation),
    ]


def story() -> list[Event]:
    return [*quote_events(), *order_events(), *purchase_events(), *settlement_events()]


STORY = story()


def one_of_each() -> list[Event]:
    """The first event of each kind in the story, in the order of the kinds."""
    first = {type(event): event for event in reversed(STORY)}
    return [first[kind] for kind in EVENT_KINDS.values()]


def all_event_types() -> set[type[Event]]:
    for module in pkgutil.walk_packages(ordercore.__path__, "ordercore."):
        if not module.name.endswith("__main__"):  # running it is the command line
            importlib.import_module(module.name)
    found: set[type[Event]] = set()
    waiting = [Event]
    while waiting:
        for kind in waiting.pop().__subclasses__():
            if kind.__module__.startswith("ordercore.") and kind not in found:
                found.add(kind)
                waiting.append(kind)
    return found


class TestEveryKind:
    def test_every_event_type_in_ordercore_has_a_kind(self) -> None:
        # a base that only its subclasses instantiate (DraftCreated, IssuedEvent) needs none
        concrete = {kind for kind in all_event_types() if not kind.__subclasses__()}
        assert concrete == set(EVENT_KINDS.values())
        assert len(set(EVENT_KINDS.values())) == len(EVENT_KINDS)

    def test_the_story_makes_every_kind(self) -> None:
        assert {type(event) for event in STORY} == set(EVENT_KINDS.values())

    @pytest.mark.parametrize("event", STORY, ids=lambda e: e.name)
    def test_every_event_of_the_story_round_trips_through_json(self, event: Event) -> None:
        data = event_to_data(event)
        assert data["schema"] == EVENT_SCHEMA
        assert EVENT_KINDS[data["kind"]] is type(event)
        assert_round_trips(event)


class TestWhatIsWritten:
    def test_the_request_keeps_its_moment_offset_and_who(self) -> None:
        data = event_to_data(STORY[0])
        assert data["request"] == {
            "key": "q1",
            "at": "2026-11-23T09:00:00.250000+01:00",
            "business_date": "2026-11-23",
            "by": "alice",
        }
        assert "by" not in event_to_data(STORY[1])["request"]

    def test_an_issued_invoice_keeps_its_amount_due_and_installments(self) -> None:
        event = next(e for e in STORY if e.name == "InvoiceIssued" and e.installments)
        data = event_to_data(event)
        assert data["amount_due"] == {"currency": "EUR", "amount": _text(event.amount_due)}
        assert len(data["installments"]) == 2
        assert data["due_date"] == "2026-12-23"

    def test_a_revision_keeps_its_delta_and_validity(self) -> None:
        event = STORY[1]
        assert isinstance(event, QuoteRevised)
        data = event_to_data(event)
        assert data["validity"] == {"old": "2026-12-31", "new": "2027-01-15"}
        delta = data["delta"]
        assert [line["key"] for line in delta["added"]] == ["chair"]
        assert delta["order"] == ["manual", "desk", "chair"]
        assert delta["reordered"] is True
        assert {c["setting"] for c in delta["settings"]} == {"allowances", "charges", "policy"}
        price = next(c for c in delta["changed"] if c["field"] == "unit_price")
        assert price["old"] == {"currency": "EUR", "value": "250.00"}
        read = event_from_data(through_json(data))
        assert isinstance(read, QuoteRevised)
        before = quote_content_before()
        assert read.delta.apply(before) == event.delta.apply(before)  # the same new version

    def test_quantities_are_index_and_quantity_pairs(self) -> None:
        event = next(e for e in STORY if e.name == "DeliveryRecorded")
        assert event_to_data(event)["quantities"] == [
            {"index": 0, "quantity": "1"},
            {"index": 1, "quantity": "2"},
        ]

    def test_payments_and_allocations_are_written_as_records(self) -> None:
        recorded, allocated, reversed_ = (event_to_data(e) for e in settlement_events()[-3:])
        assert (recorded["payment"]["kind"], recorded["payment"]["schema"]) == ("payment", 1)
        assert [a["kind"] for a in allocated["allocations"]] == ["allocation"]
        assert reversed_["allocation"]["kind"] == "allocation"


def _text(money: Money) -> str:
    return str(money.amount)


def quote_content_before() -> QuoteContent:
    return QuoteContent(
        currency="EUR",
        lines=[
            QuoteLine(key="desk", line=furniture().lines[0], group="Office"),
            QuoteLine(key="manual", line=furniture().lines[1]),
        ],
        charges=[Charge.fixed(eur("25.00"), reason="Delivery")],
    )


def repr_or_huge(value: object) -> str:
    return "huge" if isinstance(value, int) and value > 10**100 else repr(value)


class TestKindsAndVersions:
    def test_an_unknown_kind_is_refused(self) -> None:
        data = event_to_data(STORY[0]) | {"kind": "quote.lost"}
        with pytest.raises(InvalidData) as error:
            event_from_data(data)
        assert error.value.path == "kind"

    @pytest.mark.parametrize("schema", [0, 2, "1", None, True, 10**5000], ids=repr_or_huge)
    def test_an_unknown_schema_version_is_refused(self, schema: object) -> None:
        data = event_to_data(STORY[0]) | {"schema": schema}
        with pytest.raises(InvalidData) as error:
            event_from_data(data)
        assert error.value.path == "schema"

    def test_an_unknown_field_is_refused(self) -> None:
        data = event_to_data(STORY[2]) | {"colour": "red"}
        with pytest.raises(InvalidData) as error:
            event_from_data(data)
        assert error.value.path == ""

    def test_something_that_is_not_an_event_is_refused(self) -> None:
        with pytest.raises(InvalidType) as caught:
            event_to_data(furniture())  # type: ignore[arg-type]
        assert caught.value.field == "event"
        with pytest.raises(InvalidData) as error:
            event_from_data([1])
        assert error.value.path == ""


class TestSchemaOne:
    """Events written by schema version 1 (tests/data/events-v1.json) still read."""

    def test_stored_events_still_read_and_write_the_same(self) -> None:
        stored = loads((DATA / "events-v1.json").read_text(encoding="utf-8"))
        assert [data["kind"] for data in stored] == list(EVENT_KINDS)  # one of each kind
        for data in stored:
            event = event_from_data(data)
            assert type(event) is EVENT_KINDS[data["kind"]]
            assert event_to_data(event) == data

    def test_the_file_holds_what_this_version_writes(self) -> None:
        stored = loads((DATA / "events-v1.json").read_text(encoding="utf-8"))
        assert stored == [event_to_data(event) for event in one_of_each()]


# -- properties ------------------------------------------------------------------------------

ISSUE_DATES = st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))


def _priceable(document: Document) -> bool:
    try:
        price(document)
    except OrdercoreError:
        return False
    return bool(document.lines)


PRICEABLE = ost.documents(max_items=2).filter(_priceable)

#: Any UTC offset a ``datetime.timezone`` can have, seconds and microseconds included.
OFFSETS = st.timedeltas(
    min_value=dt.timedelta(hours=-23, minutes=-59, seconds=-59),
    max_value=dt.timedelta(hours=23, minutes=59, seconds=59),
)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1)
    moment = draw(st.datetimes())
    offset = draw(OFFSETS)
    try:
        return Request(
            key=draw(text),
            at=moment.replace(tzinfo=dt.timezone(offset)),
            business_date=draw(ISSUE_DATES),
            by=draw(st.none() | text),
        )
    except OrdercoreError:  # a text ordercore refuses (blank, say)
        reject()


def quote_content(document: Document, prefix: str) -> QuoteContent:
    return QuoteContent(
        currency=document.currency.code,
        lines=[
            QuoteLine(key=f"{prefix}{index % 3}", line=line, group=None if index % 2 else "G")
            for index, line in enumerate(document.lines)
            if index < 3
        ],
        allowances=document.allowances,
        charges=document.charges,
        policy=document.policy,
    )


class TestRoundTripProperties:
    @settings(deadline=None)
    @given(request=requests(), version=st.integers(1, 10**6))
    def test_any_request_round_trips_with_its_offset(self, request: Request, version: int) -> None:
        assert_round_trips(QuoteSent(document_id="q", request=request, version=version))

    @settings(deadline=None)
    @given(document=PRICEABLE, date=ISSUE_DATES, term=ost.payment_terms())
    def test_the_events_of_an_invoice_lifecycle_round_trip(
        self, document: Document, date: dt.date, term: PaymentTerm
    ) -> None:
        created = DraftInvoice.create(
            id="inv", customer="c", content=document, request=on("r", date)
        )
        revised = created.document.revise(document, request=on("r2", date))
        events = [*created.events, *revised.events]
        with contextlib.suppress(OrdercoreError):  # a term that cannot schedule this amount
            events += revised.document.issue(
                number="N-1", issue_date=date, payment_term=term, request=on("r3", date)
            ).events
        events += revised.document.void(reason="v", request=on("r4", date)).events
        for event in events:
            assert_round_trips(event)

    @settings(deadline=None)
    @given(old=PRICEABLE, new=PRICEABLE, date=ISSUE_DATES)
    def test_any_quote_revision_round_trips_and_applies_the_same(
        self, old: Document, new: Document, date: dt.date
    ) -> None:
        try:
            before, after = quote_content(old, "k"), quote_content(new, "k")
            quote = DraftQuote.create(
                id="q", customer="c", content=before, valid_until=date, request=on("q1", date)
            ).document
            revised = quote.revise(after, request=on("q2", date))
        except OrdercoreError:  # content a quote refuses, or a revision that changes nothing
            reject()
        (event,) = revised.events
        assert isinstance(event, QuoteRevised)
        assert_round_trips(event)
        read = event_from_data(through_json(event_to_data(event)))
        assert isinstance(read, QuoteRevised)
        assert read.delta.apply(before) == after

    @settings(deadline=None)
    @given(ledger=ost.ledgers(), request=requests())
    def test_the_events_of_any_ledger_round_trip(self, ledger: Ledger, request: Request) -> None:
        allocations = tuple(e for e in ledger.entries if isinstance(e, Allocation))
        for payment in ledger.payments:
            assert_round_trips(
                PaymentRecorded(document_id=payment.reference, request=request, payment=payment)
            )
        for allocation in allocations:
            assert_round_trips(
                PaymentUnallocated(document_id="x", request=request, allocation=allocation)
            )
        if allocations:
            assert_round_trips(
                PaymentAllocated(
                    document_id="x",
                    request=request,
                    allocations=allocations,
                    unallocated=allocations[0].amount,
                )
            )

    @settings(deadline=None)
    @given(document=PRICEABLE, data=st.data())
    def test_order_events_of_any_order_round_trip(
        self, document: Document, data: st.DataObject
    ) -> None:
        try:
            made = SalesOrder.confirm(
                id="so",
                customer="c",
                number="SO-1",
                content=document,
                invoicing_policy=InvoicingPolicy.ORDERED,
                request=request("o1"),
            )
            index = data.draw(st.integers(0, len(made.document.lines) - 1))
            ordered = made.document.lines[index].ordered
            part = data.draw(st.sampled_from((ordered, ordered / 2)))
            delivered = made.document.record_delivery({index: part}, request=request("o2"))
            invoiced = delivered.document.invoice_quantities(
                {index: part}, invoice_id="inv", request=request("o3")
            )
        except OrdercoreError:  # content an order refuses, or a part a line cannot take
            reject()
        for event in (*made.events, *delivered.events, *invoiced.events):
            assert_round_trips(event)


# -- hostile data ----------------------------------------------------------------------------

STORED = loads((DATA / "events-v1.json").read_text(encoding="utf-8"))


def _leaves(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """The path of every field in ``value``, nested ones included."""
    if isinstance(value, dict):
        items: list[tuple[object, object]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [path]
    found = [path] if path else []
    for key, item in items:
        found += _leaves(item, (*path, key))
    return found


def _replaced(data: Any, path: tuple[Any, ...], value: object) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replaced(data[path[0]], path[1:], value)
    return copy


HOSTILE = st.one_of(
    ost.hostile_numbers(),
    ost.hostile_texts(),
    st.none(),
    st.booleans(),
    st.just([]),
    st.just({}),
    st.just("2026-02-29"),
    st.just("2026-11-23T09:00:00+24:00"),
    st.just({"currency": "EUR", "value": "1"}),
)

#: Every (stored event, path of one of its fields) pair, fixed before any test draws.
FIELDS = [(event, path) for event in STORED for path in _leaves(event)]


class TestHostileEvents:
    @settings(deadline=None)
    @given(data=st.data(), value=HOSTILE)
    def test_an_event_with_any_field_replaced_reads_or_raises_invalid_data(
        self, data: st.DataObject, value: object
    ) -> None:
        # the field is an index into a list fixed before the test (no huge repr is made)
        event, path = FIELDS[data.draw(st.integers(0, len(FIELDS) - 1), label="field")]
        message = ""
        try:
            event_from_data(_replaced(event, path, value))
        except InvalidData as error:  # only ordercore's own error may escape
            message = str(error)
        assert "\n" not in message  # and it is one line

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            (lambda d: d["request"].update(at="2026-11-23T09:00:00"), "request.at"),
            (lambda d: d["request"].update(at="2026-11-23 09:00:00+01:00"), "request.at"),
            (lambda d: d["request"].update(at="2026-13-23T09:00:00+01:00"), "request.at"),
            (lambda d: d["request"].update(at="2026-11-23T09:00:00+01:60"), "request.at"),
            (lambda d: d["request"].update(at="2026-11-23T09:00:00+24:00"), "request.at"),
            (lambda d: d["request"].update(business_date="23.11.2026"), "request.business_date"),
            (lambda d: d["request"].update(key=""), "request.key"),
            (lambda d: d["request"].update(shade="blue"), "request"),
            (lambda d: d.update(version=0), "version"),
            (lambda d: d.update(document_id=None), "document_id"),
        ],
    )
    def test_a_bad_request_or_field_is_named(self, change: Any, path: str) -> None:
        data = event_to_data(STORY[2])
        change(data)
        with pytest.raises(InvalidData) as error:
            event_from_data(data)
        assert error.value.path == path

    @pytest.mark.parametrize(
        ("kind", "change", "path"),
        [
            (
                "sales_order.delivery_recorded",
                lambda d: d["quantities"][0].update(index=-1),
                "quantities[0].index",
            ),
            (
                "sales_order.delivery_recorded",
                lambda d: d["quantities"][0].update(quantity=1.5),
                "quantities[0].quantity",
            ),
            ("sales_order.invoiced", lambda d: d.update(completing=None), "completing"),
            (
                "sales_order.invoiced",
                lambda d: d["amount"].update(currency="EURO"),
                "amount.currency",
            ),
            ("sales_order.invoiced", lambda d: d["amount"].update(amount="1e99"), "amount.amount"),
            (
                "sales_order.down_payment_invoiced",
                lambda d: d.update(base="half"),
                "base",
            ),
            (
                "invoice.issued",
                lambda d: d["installments"][0].update(amount="x"),
                "installments[0].amount",
            ),
            ("payment.recorded", lambda d: d["payment"].update(kind="allocation"), "payment"),
            ("payment.recorded", lambda d: d["payment"].update(amount="-1"), "payment.amount"),
            (
                "payment.allocated",
                lambda d: d["allocations"].append(d["allocations"][0] | {"kind": "write_off"}),
                "allocations[1]",
            ),
            (
                "quote.revised",
                lambda d: d["delta"]["changed"][0].update(field="colour"),
                "delta.changed[0].field",
            ),
            (
                "quote.revised",
                lambda d: d["delta"]["added"][0]["line"].update(quantity="-"),
                "delta.added[0].line.quantity",
            ),
            ("quote.revised", lambda d: d["validity"].update(new=None), "validity.new"),
            ("quote.revised", lambda d: d["delta"].update(reordered="yes"), "delta.reordered"),
        ],
    )
    def test_a_bad_nested_field_is_named_with_its_path(
        self, kind: str, change: Any, path: str
    ) -> None:
        data = json.loads(json.dumps(next(d for d in STORED if d["kind"] == kind)))
        change(data)
        with pytest.raises(InvalidData) as error:
            event_from_data(data)
        assert error.value.path == path
        assert "\n" not in str(error.value)
