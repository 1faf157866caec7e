"""Documents made from an order carry the keys of their lines: invoices, bills, credit notes."""

import datetime as dt
import pickle
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercore import (
    CreditNote,
    CreditNotTakenBack,
    DownPayment,
    DownPaymentBase,
    DraftBill,
    DraftInvoice,
    DuplicateLineKey,
    InvalidData,
    InvalidType,
    InvoicingPolicy,
    IssuedBill,
    IssuedInvoice,
    Line,
    Money,
    PurchaseOrder,
    Request,
    SalesOrder,
    Tax,
    UnknownLineKey,
    credit_in_full,
    credit_lines,
)
from ordercore.documents import display
from ordercore.documents.credit_notes import CreditByLines, CreditedLine
from ordercore.interop.records import record_from_data, record_to_data
from ordercore.pricing.document import Document

VAT = Tax.percent("VAT", "20")
DAY = dt.date(2026, 12, 4)


def request(key: str = "r") -> Request:
    return Request(key=key, at=dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC), business_date=DAY)


def content(*prices: str) -> Document:
    prices = prices or ("100.00", "12.34", "0.01")
    return Document(
        currency="EUR",
        items=[
            Line(
                description=f"Item {n}",
                quantity="3",
                unit_price=Money(price, "EUR"),
                taxes=[VAT],
            )
            for n, price in enumerate(prices)
        ],
    )


def sales_order(keys: list[str | None] | None = None) -> SalesOrder:
    return SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=content(),
        invoicing_policy=InvoicingPolicy.ORDERED,
        line_keys=keys if keys is not None else ["desk", None, "chair"],
        request=request(),
    ).document


def purchase_order() -> PurchaseOrder:
    return PurchaseOrder.confirm(
        id="po-1",
        supplier="woodworks",
        number="PO-1",
        content=content(),
        line_keys=["desk", "book", None],
        request=request(),
    ).document


def issue(draft: DraftInvoice, number: str = "INV-1") -> IssuedInvoice:
    return draft.issue(
        number=number, issue_date=DAY, due_date=DAY + dt.timedelta(days=30), request=request()
    ).document


def credit(document: object, quantities: object, number: str, **more: object) -> CreditNote:
    return credit_lines(
        document,  # type: ignore[arg-type]
        quantities,  # type: ignore[arg-type]
        id=number,
        number=number,
        issue_date=DAY,
        reason="Returned",
        request=request(number),
        **more,  # type: ignore[arg-type]
    ).document


# -- examples ------------------------------------------------------------------------------


def test_an_invoice_made_from_an_order_carries_the_key_of_each_line_through_issue() -> None:
    made = sales_order().invoice_quantities(
        {"chair": "1", 1: "2", "desk": "3"}, invoice_id="inv-1", request=request()
    )
    draft = made.invoice
    taken = made.order.invoices[0].lines
    assert draft.line_keys == tuple(t.key for t in taken) == ("desk", None, "chair")
    assert [draft.line_key(i) for i in range(3)] == ["desk", None, "chair"]
    assert draft.line_index("chair") == 2
    issued = issue(draft)
    assert issued.line_keys == draft.line_keys
    assert issued.line_index("desk") == 0
    assert issued.line_key(7) is None  # beyond its lines: no key
    assert "1 desk, 3 chair" in next(
        row for row in display.text(issued).splitlines() if row.startswith("Line keys:")
    )


def test_a_voided_invoice_keeps_its_keys_and_the_order_invoices_again_with_them() -> None:
    made = sales_order().invoice_quantities({"desk": "1"}, invoice_id="inv-1", request=request())
    voided = made.invoice.void(reason="wrong", request=request()).document
    assert voided.line_keys == ("desk",)
    released = made.order.release_invoice(voided, request=request()).document
    again = released.invoice_quantities({"chair": "2"}, invoice_id="inv-2", request=request())
    assert again.invoice.line_keys == ("chair",)


def test_a_credit_note_names_lines_by_the_invoice_s_keys_without_the_order() -> None:
    made = sales_order().invoice_quantities(
        {"desk": "3", "chair": "3"}, invoice_id="inv-1", request=request()
    )
    invoice = issue(made.invoice)
    note = credit(invoice, {"chair": "1"}, "CN-1")
    assert [(c.index, c.quantity, c.key) for c in note.credited] == [(1, 1, "chair")]
    assert note.line_keys == ("chair",)
    assert note.line_key(0) == "chair"
    assert "INV-1, line 2 chair (qty 1)" in display.text(note)
    # the same as by index, and as through the order
    assert credit(invoice, {1: "1"}, "CN-1").credited == note.credited
    assert credit(invoice, {"chair": "1"}, "CN-1", order=made.order).credited == note.credited
    order = made.order.take_in_credit(invoice, note, request=request()).document
    assert next(line for line in order.lines if line.key == "chair").invoiced == 2
    # in full: every line keeps its key
    full = credit_in_full(
        invoice, id="cn-2", number="CN-2", issue_date=DAY, reason="x", request=request()
    ).document
    assert [c.key for c in full.credited] == ["desk", "chair"]
    assert full.line_keys == ("desk", "chair")


def test_a_bill_and_a_supplier_credit_note_carry_keys_too() -> None:
    billing = purchase_order().bill_quantities(
        {"book": "3", "desk": "2"}, bill_id="b-1", request=request()
    )
    assert isinstance(billing.bill, DraftBill)
    assert billing.bill.line_keys == ("desk", "book")
    bill = billing.bill.issue(number="WW-1", issue_date=DAY, request=request()).document
    assert isinstance(bill, IssuedBill)
    assert bill.line_keys == ("desk", "book")
    note = credit(bill, {"book": "2"}, "WW-CN-1")
    assert note.supplier == "woodworks"
    assert [(c.index, c.key) for c in note.credited] == [(1, "book")]
    order = billing.order.take_in_credit(bill, note, request=request()).document
    assert order.lines[1].billed == 1
    voided = billing.bill.void(reason="x", request=request()).document
    assert voided.line_keys == ("desk", "book")


def test_lines_that_bill_no_order_line_carry_no_key() -> None:
    order = sales_order()
    down = order.invoice_down_payment(
        DownPayment.percentage("10", base=DownPaymentBase.UNTAXED),
        invoice_id="inv-d",
        request=request(),
    )
    assert down.invoice.line_keys == (None,) * len(down.invoice.content.lines)
    rest = down.order.invoice_quantities({"desk": "3"}, invoice_id="inv-1", request=request())
    lines = rest.invoice.content.lines
    assert lines[-1].quantity < 0  # the down payment's deduction
    assert rest.invoice.line_keys == ("desk", *((None,) * (len(lines) - 1)))
    invoice = issue(rest.invoice)
    assert invoice.line_key(len(lines) - 1) is None


def test_an_invoice_not_made_from_an_order_may_carry_keys_given_by_the_caller() -> None:
    draft = DraftInvoice.create(
        id="inv-1",
        customer="acme",
        content=content(),
        line_keys=["a", None, "c"],
        request=request(),
    ).document
    assert draft.line_keys == ("a", None, "c")
    revised = draft.revise(content("1.00", "2.00", "3.00"), request=request()).document
    assert revised.line_keys == ("a", None, "c")  # kept: still one per line
    with pytest.raises(InvalidType) as wrong:
        draft.revise(content("1.00"), request=request())  # one line, three keys
    assert wrong.value.field == "line_keys"
    assert draft.revise(content("1.00"), request=request(), line_keys=()).document.line_keys == ()
    plain = DraftInvoice.create(
        id="inv-2", customer="acme", content=content(), request=request()
    ).document
    assert plain.line_keys == ()
    assert plain.line_key(0) is None


# -- bad keys ------------------------------------------------------------------------------


def test_bad_keys_on_a_document_are_refused_with_specific_errors() -> None:
    def draft(keys: object) -> DraftInvoice:
        return DraftInvoice(id="inv-1", customer="acme", content=content(), line_keys=keys)

    with pytest.raises(InvalidType) as count:
        draft(["a", "b"])  # three lines
    assert count.value.field == "line_keys"
    with pytest.raises(DuplicateLineKey) as twice:
        draft(["a", None, "a"])
    assert twice.value.key == "a"
    with pytest.raises(InvalidType) as not_text:
        draft(["a", 2, None])
    assert not_text.value.field == "line_keys[1]"
    with pytest.raises(InvalidType) as empty:
        draft(["", None, None])
    assert empty.value.field == "line_keys[0]"
    with pytest.raises(InvalidType) as not_a_sequence:
        draft("abc")
    assert not_a_sequence.value.field == "line_keys"
    issued = issue(
        sales_order().invoice_quantities({"desk": "1"}, invoice_id="i", request=request()).invoice
    )
    with pytest.raises(InvalidType):
        attrs.evolve(issued, line_keys=("desk", "more"))
    with pytest.raises(InvalidType) as index:
        issued.line_key(-1)
    assert index.value.field == "index"
    with pytest.raises(UnknownLineKey) as unknown:
        issued.line_index("sofa")
    assert (unknown.value.key, unknown.value.keys) == ("sofa", ("desk",))
    assert unknown.value.document == "invoice INV-1"
    back = pickle.loads(pickle.dumps(unknown.value))
    assert (back.key, back.keys, back.document) == ("sofa", ("desk",), "invoice INV-1")


def test_a_credit_by_a_key_the_invoice_lacks_is_refused() -> None:
    made = sales_order().invoice_quantities({"desk": "3"}, invoice_id="inv-1", request=request())
    invoice = issue(made.invoice)
    with pytest.raises(UnknownLineKey) as unknown:
        credit(invoice, {"chair": "1"}, "CN-1")  # on the order, not on this invoice
    assert (unknown.value.key, unknown.value.keys) == ("chair", ("desk",))
    with pytest.raises(InvalidType) as twice:
        credit(invoice, {"desk": "1", 0: "1"}, "CN-1")  # one line, named twice
    assert twice.value.field == "quantities"
    with pytest.raises(InvalidType):
        credit(invoice, {"": "1"}, "CN-1")
    plain = issue(
        DraftInvoice.create(
            id="inv-2", customer="acme", content=content(), request=request()
        ).document,
        "INV-2",
    )
    with pytest.raises(UnknownLineKey) as keyless:
        credit(plain, {"desk": "1"}, "CN-2")
    assert keyless.value.keys == ()


def test_credited_lines_of_a_credit_note_carry_distinct_keys() -> None:
    eur = Money("1.00", "EUR")
    with pytest.raises(InvalidType) as empty:
        CreditedLine(index=0, quantity="1", amount=eur, key="")
    assert empty.value.field == "key"
    with pytest.raises(InvalidType):
        CreditedLine(index=0, quantity="1", amount=eur, key=3)
    with pytest.raises(DuplicateLineKey):
        CreditByLines(
            invoice="INV-1",
            lines=[
                CreditedLine(index=0, quantity="1", amount=eur, key="a"),
                CreditedLine(index=1, quantity="1", amount=eur, key="a"),
            ],
        )
    assert repr(CreditedLine(index=0, quantity="1", amount=eur)) == (
        "CreditedLine(index=0, quantity=Decimal('1'), amount=Money('1.00', 'EUR'))"
    )


def test_an_order_refuses_a_credited_line_whose_key_is_not_the_line_it_bills() -> None:
    made = sales_order().invoice_quantities(
        {"desk": "3", "chair": "3"}, invoice_id="inv-1", request=request()
    )
    invoice = issue(made.invoice)
    note = credit(invoice, {"chair": "1"}, "CN-1")
    [line] = note.credited
    forged = attrs.evolve(
        note,
        basis=CreditByLines(invoice="INV-1", lines=[attrs.evolve(line, key="desk")]),
    )
    with pytest.raises(CreditNotTakenBack) as refused:
        made.order.take_in_credit(invoice, forged, request=request())
    assert refused.value.credit_note == "CN-1"


# -- stored records ------------------------------------------------------------------------


def test_stored_records_keep_the_keys_and_records_written_before_still_read() -> None:
    made = sales_order().invoice_quantities(
        {"desk": "3", "chair": "3"}, invoice_id="inv-1", request=request()
    )
    invoice = issue(made.invoice)
    voided = made.invoice.void(reason="x", request=request()).document
    note = credit(invoice, {"chair": "1"}, "CN-1")
    for record in (made.invoice, invoice, voided, note):
        data = record_to_data(record)
        assert record_from_data(data) == record
    data = record_to_data(invoice)
    assert data["line_keys"] == ["desk", "chair"]
    assert record_to_data(note)["basis"]["lines"][0]["key"] == "chair"
    # written before documents carried keys: no field, no keys
    old = {k: v for k, v in data.items() if k != "line_keys"}
    assert record_from_data(old).line_keys == ()
    old_note = record_to_data(note)
    del old_note["basis"]["lines"][0]["key"]
    assert record_from_data(old_note).credited[0].key is None
    # a document without keys writes none
    plain = DraftInvoice.create(id="i", customer="a", content=content(), request=request())
    assert "line_keys" not in record_to_data(plain.document)
    with pytest.raises(InvalidData) as bad:
        record_from_data(data | {"line_keys": ["desk", "desk"]})
    assert bad.value.path == "line_keys"
    with pytest.raises(InvalidData) as short:
        record_from_data(data | {"line_keys": ["desk"]})
    assert short.value.path == "line_keys"
    with pytest.raises(InvalidData) as not_text:
        record_from_data(data | {"line_keys": ["desk", 3]})
    assert not_text.value.path.startswith("line_keys")


# -- the whole flow ------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    keys=st.lists(st.one_of(st.none(), st.sampled_from("abcdef")), min_size=1, max_size=5),
    data=st.data(),
)
def test_keys_survive_the_whole_flow(keys: list[str | None], data: st.DataObject) -> None:
    # distinct keys (None repeats freely)
    seen: set[str] = set()
    keys = [k if k is None or (k not in seen and not seen.add(k)) else None for k in keys]
    prices = data.draw(
        st.lists(
            st.decimals("0.01", "500", places=2).map(str),
            min_size=len(keys),
            max_size=len(keys),
        ),
        label="prices",
    )
    order = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=content(*prices),
        invoicing_policy=InvoicingPolicy.ORDERED,
        line_keys=keys,
        request=request(),
    ).document
    wanted = data.draw(
        st.dictionaries(
            st.integers(0, len(keys) - 1), st.sampled_from(["1", "2", "3"]), min_size=1
        ),
        label="wanted",
    )
    named = {(keys[i] if keys[i] is not None else i): q for i, q in wanted.items()}
    made = order.invoice_quantities(named, invoice_id="inv-1", request=request())
    invoice = issue(made.invoice)
    taken = made.order.invoices[0].lines
    # each line bills the order line whose key it carries
    for i, line_taken in enumerate(taken):
        assert invoice.line_keys[i] == order.lines[line_taken.index].key
    assert invoice.line_keys[len(taken) :] == (None,) * (len(invoice.line_keys) - len(taken))
    assert record_from_data(record_to_data(invoice)) == invoice
    # credit one unit of some lines, by key where they have one
    chosen = data.draw(st.sets(st.integers(0, len(taken) - 1), min_size=1), label="credit")
    by = {(invoice.line_keys[i] or i): "1" for i in chosen}
    note = credit(invoice, by, "CN-1")
    assert [(c.index, c.key) for c in note.credited] == [
        (i, invoice.line_keys[i]) for i in sorted(chosen)
    ]
    assert record_from_data(record_to_data(note)) == note
    back = made.order.take_in_credit(invoice, note, request=request()).document
    for i in chosen:
        index = taken[i].index
        assert back.lines[index].invoiced == made.order.lines[index].invoiced - Decimal(1)
