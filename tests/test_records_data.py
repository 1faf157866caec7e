"""Records: every stored aggregate as versioned plain data, and back."""

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from ordercore import (
    Account,
    Allowance,
    Charge,
    CustomerCreditNote,
    Document,
    DownPayment,
    DownPaymentBase,
    DraftBill,
    DraftInvoice,
    DraftQuote,
    ExchangeRate,
    InvalidData,
    InvalidType,
    IssuedBill,
    IssuedInvoice,
    Ledger,
    Line,
    Money,
    OpenItem,
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
    credit_amount,
    credit_in_full,
    credit_lines,
    standalone_credit,
)
from ordercore.interop.plain import document_to_data, loads
from ordercore.interop.records import (
    RECORD_KINDS,
    RECORD_SCHEMA,
    record_from_data,
    record_to_data,
)
from ordercore.testing import strategies as ost

DATA = Path(__file__).parent / "data"


def request(key: str) -> Request:
    return Request(
        key=key,
        at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
        business_date=dt.date(2026, 11, 23),
    )


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def consulting() -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(
                description="Consulting",
                quantity="8",
                unit_price=eur("120.00"),
                taxes=[Tax.percent("VAT", "20")],
            ),
        ],
    )


def through_json(data: dict[str, Any]) -> dict[str, Any]:
    """The data as a host reads it back from a JSON column (ordercore's strict reader)."""
    return loads(json.dumps(data))  # type: ignore[no-any-return]


def invoice_states() -> list[object]:
    draft = DraftInvoice.create(
        id="inv-1", customer="acme", content=consulting(), request=request("r1"), sales_order="SO-1"
    ).document
    issued = draft.issue(
        number="INV-1",
        issue_date=dt.date(2026, 11, 23),
        payment_term=PaymentTerm.deposit("30", days=30),
        request=request("r2"),
    ).document
    voided = draft.void(reason="made twice", request=request("r3")).document
    bill = DraftBill.create(
        id="bill-1", supplier="papyrus", content=consulting(), request=request("r4")
    ).document
    recorded = bill.issue(
        number="PAP-7781", issue_date=dt.date(2026, 11, 23), due_date=None, request=request("r5")
    ).document
    return [
        draft,
        issued,
        voided,
        bill,
        recorded,
        bill.void(reason="x", request=request("r6")).document,
    ]


class TestInvoicesAndBills:
    @pytest.mark.parametrize("record", invoice_states(), ids=lambda r: type(r).__name__)
    def test_every_state_round_trips_through_json(self, record: object) -> None:
        data = record_to_data(record)
        assert data["schema"] == RECORD_SCHEMA
        assert RECORD_KINDS[data["kind"]] is type(record)
        stored = through_json(data)
        assert stored == data  # JSON-safe: nothing changes on the way
        assert record_from_data(stored) == record
        assert record_to_data(record_from_data(stored)) == data

    def test_an_issued_invoice_keeps_its_installments(self) -> None:
        issued = invoice_states()[1]
        data = record_to_data(issued)
        assert [i["amount"] for i in data["installments"]] == ["345.60", "806.40"]
        assert data["due_date"] == "2026-12-23"

    def test_a_bad_field_is_named_with_its_path(self) -> None:
        data = record_to_data(invoice_states()[1])
        data["installments"][1]["amount"] = "806.41"
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "installments"  # they no longer pay the amount due
        data["installments"][1]["amount"] = 806.40
        with pytest.raises(InvalidData) as error:
            record_from_data(through_json(data))
        assert error.value.path == "installments[1].amount"  # a float is never taken
        data["installments"][1] |= {"amount": "806.40", "due_date": "2026-11-01"}
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "installments"  # due before the invoice was issued

    @pytest.mark.parametrize(
        ("field", "value", "path"),
        [
            ("issue_date", "23.11.2026", "issue_date"),
            ("issue_date", "2026-02-30", "issue_date"),
            ("version", "1", "version"),
            ("version", 0, "version"),
            ("customer", "", "customer"),
            ("number", None, "number"),
            ("colour", "red", ""),
        ],
    )
    def test_a_bad_field_raises_invalid_data_naming_it(
        self, field: str, value: object, path: str
    ) -> None:
        data = record_to_data(invoice_states()[1]) | {field: value}
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == path
        assert "\n" not in str(error.value)

    def test_an_error_inside_the_content_names_the_nested_path(self) -> None:
        data = record_to_data(invoice_states()[0])
        data["content"]["items"][0]["quantity"] = 8.5
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "content.items[0].quantity"

    def test_a_changed_stored_amount_is_refused(self) -> None:
        data = record_to_data(invoice_states()[1])
        data["priced"]["totals"]["tax"] = "0.00"
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "priced.totals.tax"


VAT = Tax.percent("VAT", "20")
REDUCED = Tax.percent("VAT", "5.5")


def furniture() -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(description="Desk", quantity="2", unit_price=eur("250.00"), taxes=[VAT]),
            Line(description="Manual", quantity="2", unit_price=eur("24.90"), taxes=[REDUCED]),
        ],
    )


def order_states() -> list[object]:
    """A sales order through its life (down payment, delivery, invoices, a credit), a purchase order."""
    order = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=furniture(),
        invoicing_policy=InvoicingPolicy.DELIVERED,
        line_keys=["desk", None],
        line_policies={1: InvoicingPolicy.ORDERED},
        request=request("o1"),
    ).document
    states: list[object] = [order]
    down = order.invoice_down_payment(
        DownPayment.percentage("30", base=DownPaymentBase.UNTAXED),
        invoice_id="inv-10",
        request=request("o2"),
    )
    order = down.order.record_delivery({"desk": "1"}, request=request("o3")).document
    partial = order.invoice_delivered(invoice_id="inv-11", request=request("o4"))
    states += [down.order, order, partial.order]
    chairs = SalesOrder.confirm(
        id="so-2",
        customer="acme",
        number="SO-2",
        content=consulting(),
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request("w1"),
    ).document
    made = chairs.invoice_remaining(invoice_id="inv-30", request=request("w2"))
    invoice = made.invoice.issue(
        number="INV-30", issue_date=dt.date(2026, 11, 23), request=request("w3")
    ).document
    note = credit_lines(
        invoice,
        {0: "2"},
        id="cn-1",
        number="CN-1",
        issue_date=dt.date(2026, 11, 30),
        reason="Returned",
        request=request("w4"),
    ).document
    states.append(made.order.take_in_credit(invoice, note, request=request("w5")).document)
    purchase = PurchaseOrder.confirm(
        id="po-1", supplier="papyrus", number="PO-1", content=furniture(), request=request("p1")
    ).document
    purchase = purchase.record_receipt({0: "1"}, request=request("p2")).document
    billed = purchase.bill_received(bill_id="bill-1", request=request("p3"))
    states += [purchase, billed.order]
    return states


class TestOrders:
    @pytest.mark.parametrize("record", order_states(), ids=lambda r: f"{type(r).__name__}")
    def test_every_order_state_round_trips_through_json(self, record: object) -> None:
        data = through_json(record_to_data(record))
        assert data["kind"] in {"sales_order", "purchase_order"}
        assert record_from_data(data) == record
        assert record_to_data(record_from_data(data)) == data

    def test_an_order_keeps_its_progress_down_payment_and_invoices(self) -> None:
        data = record_to_data(order_states()[3])
        desk, manual = data["lines"]
        assert (desk["key"], desk["fulfilled"], desk["policy"]) == ("desk", "1", "delivered")
        assert "key" not in manual
        assert manual["policy"] == "ordered"
        assert [made["document_id"] for made in data["invoices"]] == ["inv-10", "inv-11"]
        assert data["invoices"][0]["down_payment"] is True
        assert data["down_payments"][0]["base"] == "untaxed"
        assert data["invoices"][1]["deductions"][0]["down_payment"] == "inv-10"

    def test_records_that_do_not_add_up_are_refused(self) -> None:
        data = record_to_data(order_states()[2])
        data["lines"][0]["fulfilled"] = "5"  # more delivered than ordered
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "lines[0].fulfilled"

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            (lambda d: d["lines"][0].update(policy="sometimes"), "lines[0].policy"),
            (lambda d: d["lines"][0].pop("policy"), "lines[0].policy"),
            (
                lambda d: d["invoices"][0]["tally"]["taxes"][0].update(tax="vat"),
                "invoices[0].tally.taxes[0].tax",
            ),
            (lambda d: d.update(billed=1.5), "billed"),
            (lambda d: d["down_payments"][0].update(base=None), "down_payments[0].base"),
        ],
    )
    def test_a_bad_order_field_is_named(self, change: Any, path: str) -> None:
        data = record_to_data(order_states()[3])
        change(data)
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == path


def on(key: str, day: dt.date) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=day)


def quote_states() -> list[object]:
    content = QuoteContent(
        currency="EUR",
        lines=[
            QuoteLine(key="desk", line=furniture().lines[0], group="Office"),
            QuoteLine(key="manual", line=furniture().lines[1]),
            QuoteLine(key="chair", line=consulting().lines[0], group="Office"),
        ],
        allowances=[Allowance.percentage("5", reason="Loyal customer")],
        charges=[Charge.fixed(eur("25.00"), reason="Delivery")],
    )
    draft = DraftQuote.create(
        id="q-1",
        customer="acme",
        content=content,
        valid_until=dt.date(2026, 12, 31),
        request=request("q1"),
    ).document
    sent = draft.send(request=request("q2")).document
    return [
        draft,
        sent,
        sent.accept(request=request("q3")).document,
        sent.decline(request=request("q4"), reason="Too dear").document,
        sent.expire(request=on("q5", dt.date(2027, 1, 1))).document,
    ]


def credit_notes() -> list[object]:
    issued = invoice_states()[1]
    assert isinstance(issued, IssuedInvoice)
    common = {"issue_date": dt.date(2026, 11, 30), "reason": "Corrected"}
    bill = invoice_states()[4]
    assert isinstance(bill, IssuedBill)
    return [
        credit_lines(issued, {0: "2"}, id="cn-1", number="CN-1", request=request("c1"), **common),
        credit_in_full(issued, id="cn-2", number="CN-2", request=request("c2"), **common),
        credit_amount(
            issued,
            eur("100.00"),
            base=CreditBase.UNTAXED,
            id="cn-3",
            number="CN-3",
            request=request("c3"),
            **common,
        ),
        standalone_credit(
            eur("50.00"),
            tax=VAT,
            customer="acme",
            id="cn-4",
            number="CN-4",
            request=request("c4"),
            **common,
        ),
        credit_lines(
            bill, {0: "1"}, id="scn-1", number="PAP-CN-1", request=request("c5"), **common
        ),
    ]


class TestQuotesAndCreditNotes:
    @pytest.mark.parametrize(
        "record", [*quote_states(), *(c.document for c in credit_notes())], ids=repr
    )
    def test_every_state_round_trips_through_json(self, record: object) -> None:
        data = through_json(record_to_data(record))
        assert record_from_data(data) == record
        assert record_to_data(record_from_data(data)) == data

    def test_a_quote_keeps_its_keys_sections_and_validity(self) -> None:
        data = record_to_data(quote_states()[1])
        assert data["kind"] == "quote.sent"
        assert data["valid_until"] == "2026-12-31"
        assert [(line["key"], line.get("group")) for line in data["content"]["lines"]] == [
            ("desk", "Office"),
            ("manual", None),
            ("chair", "Office"),
        ]

    def test_a_credit_note_keeps_its_basis(self) -> None:
        kinds = [record_to_data(c.document)["basis"]["type"] for c in credit_notes()]
        assert kinds == ["lines", "in_full", "amount", "standalone", "lines"]
        assert record_to_data(credit_notes()[4].document)["kind"] == "credit_note.supplier"

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            (lambda d: d["basis"].update(type="gift"), "basis.type"),
            (lambda d: d["basis"]["lines"][0].update(quantity="-1"), "basis.lines[0].quantity"),
            (lambda d: d["basis"]["lines"][0].update(index=-1), "basis.lines[0].index"),
            (lambda d: d.update(issue_date=None), "issue_date"),
        ],
    )
    def test_a_bad_credit_note_field_is_named(self, change: Any, path: str) -> None:
        data = record_to_data(credit_notes()[0].document)
        change(data)
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == path

    def test_a_bad_quote_line_is_named(self) -> None:
        data = record_to_data(quote_states()[0])
        data["content"]["lines"][1]["line"]["taxes"] = ["gst"]
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "content.lines[1].line.taxes[0]"
        data = record_to_data(quote_states()[0])
        data["content"]["lines"][1]["key"] = "desk"
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "content"


def settlement_records() -> list[object]:
    item = invoice_states()[1]
    assert isinstance(item, IssuedInvoice)
    note = credit_notes()[0].document
    assert isinstance(note, CustomerCreditNote)
    payment = Payment.received(
        amount=eur("500.00"),
        date=dt.date(2026, 11, 25),
        reference="BANK-1",
        method="transfer",
        party="acme",
        idempotency_key="pay-1",
    )
    return [item.open_item(), note.open_item(), payment]


class TestSettlement:
    @pytest.mark.parametrize("record", settlement_records(), ids=repr)
    def test_payments_and_open_items_round_trip(self, record: object) -> None:
        data = through_json(record_to_data(record))
        assert record_from_data(data) == record
        assert record_to_data(record_from_data(data)) == data

    def test_a_credit_note_item_names_what_it_credits(self) -> None:
        data = record_to_data(settlement_records()[1])
        assert data["amount"].startswith("-")
        assert data["against"] == {"kind": "invoice", "number": "INV-1", "direction": "receivable"}

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            (lambda d: d.update(payment_kind="stolen"), "payment_kind"),
            (lambda d: d.update(amount="-5"), "amount"),
            (lambda d: d.update(currency="EURO"), "currency"),
            (lambda d: d.update(date="2026-13-01"), "date"),
        ],
    )
    def test_a_bad_payment_field_is_named(self, change: Any, path: str) -> None:
        data = record_to_data(settlement_records()[2])
        change(data)
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == path

    @settings(deadline=None)
    @given(record=st.one_of(ost.open_items(), ost.payments()))
    def test_any_payment_or_open_item_round_trips(self, record: object) -> None:
        data = through_json(record_to_data(record))
        assert record_from_data(data) == record
        assert record_to_data(record_from_data(data)) == data


def ledger_entries() -> list[object]:
    """Entries of every kind: allocations (one through an exchange rate), a write-off, a refund."""
    item, note, payment = settlement_records()
    assert isinstance(item, OpenItem)
    assert isinstance(note, OpenItem)
    assert isinstance(payment, Payment)
    dollars = Payment.received(
        amount=Money("110.00", "USD"),
        date=dt.date(2026, 11, 26),
        reference="BANK-2",
        method="transfer",
        party="acme",
        idempotency_key="pay-2",
    )
    refund = Payment.refund_sent(
        amount=eur("20.00"),
        date=dt.date(2026, 11, 27),
        reference="REFUND-1",
        method="transfer",
        party="acme",
        idempotency_key="pay-3",
    )
    rate = ExchangeRate(
        base="EUR", quote="USD", rate="1.0832", source="ECB", date=dt.date(2026, 11, 26)
    )
    ledger = Ledger().add_items(item, note).record(payment).record(dollars).record(refund)
    ledger = ledger.allocate(note.document, {item.document: -note.amount})
    ledger = ledger.allocate("BANK-1", {item.document: eur("500.00")})
    ledger = ledger.allocate(
        "BANK-2", {item.document: eur("100.00")}, rate=rate, on=dt.date(2026, 12, 1)
    )
    open_left = ledger.amount_remaining(item.document)
    ledger = ledger.record(
        Payment.received(
            amount=open_left + eur("30.00"),
            date=dt.date(2026, 11, 28),
            reference="BANK-3",
            method="transfer",
            party="acme",
            idempotency_key="pay-4",
        )
    )
    ledger = ledger.allocate("BANK-3", {item.document: open_left - eur("0.02")})
    ledger = ledger.write_off(
        item.document, tolerance=eur("0.05"), reason="Bank fee", date=dt.date(2026, 11, 28)
    )
    ledger = ledger.refund_credit("REFUND-1", payment="BANK-3", on=dt.date(2026, 11, 29))
    return list(ledger.entries)


class TestLedgerEntries:
    @pytest.mark.parametrize("entry", ledger_entries(), ids=repr)
    def test_every_entry_round_trips(self, entry: object) -> None:
        assert_round_trips(entry)

    def test_the_entries_cover_every_kind_and_an_exchange_rate(self) -> None:
        written = [record_to_data(entry) for entry in ledger_entries()]
        assert {data["kind"] for data in written} == {
            "allocation",
            "write_off",
            "credit_refunded",
        }
        through_dollars = next(data for data in written if "rate" in data)
        assert through_dollars["taken"] == {"currency": "USD", "amount": "108.32"}
        assert through_dollars["date"] == "2026-12-01"  # the day it was made
        assert "date" not in written[0]  # as soon as it could be: not written
        refunded = next(data for data in written if data["kind"] == "credit_refunded")
        assert refunded["date"] == "2026-11-29"  # the day the credit was paid back
        undated = {key: value for key, value in refunded.items() if key != "date"}
        assert record_from_data(undated) == attrs.evolve(ledger_entries()[-1], date=None)
        assert written[0]["source"] == {
            "kind": "credit_note",
            "number": "CN-1",
            "direction": "receivable",
        }

    def test_a_bad_entry_field_is_named(self) -> None:
        data = record_to_data(ledger_entries()[2])
        data["rate"]["quote"] = "EUR"  # a rate between one currency and itself
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "rate"
        data = record_to_data(ledger_entries()[1]) | {"amount": "0.00"}
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "amount"

    @settings(deadline=None)
    @given(ledger=ost.ledgers())
    def test_everything_a_ledger_holds_round_trips(self, ledger: Ledger) -> None:
        for record in (*ledger.items, *ledger.payments, *ledger.entries):
            assert_round_trips(record)
        assert_round_trips(ledger)  # and the ledger whole, rebuilt from its facts
        party = ledger.items[0].party
        mine = Ledger.from_facts(
            items=[i for i in ledger.items if i.party == party],
            payments=[p for p in ledger.payments if p.party == party],
            entries=(),
        )
        assert_round_trips(Account(id=f"account/{party}", party=party, ledger=mine, version=3))

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            (lambda d: d["entries"][0].update(kind="invoice.draft"), "entries[0].kind"),
            (lambda d: d["entries"][1].update(amount="0.00"), "entries[1].amount"),
            (lambda d: d["entries"].pop(0), "entries"),
            (lambda d: d["entries"][5].update(amount="442.97"), "entries"),
            (lambda d: d.update(reversed=[4, 4]), "reversed"),
            (lambda d: d.update(reversed=[11]), "reversed"),
            (lambda d: d.update(reversed=["4"]), "reversed[0]"),
            (lambda d: d["items"].append(d["items"][0]), "items"),
            (lambda d: d["payments"].append(d["payments"][0]), "payments"),
            (lambda d: d["payments"][0].update(party=""), "payments[0].party"),
        ],
    )
    def test_a_bad_ledger_field_is_named(self, change: Any, path: str) -> None:
        data = copy.deepcopy(next(r for r in STORED if r["kind"] == "ledger"))
        change(data)
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == path

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            (lambda d: d.update(party="globex"), "ledger"),
            (lambda d: d.update(version=0), "version"),
            (lambda d: d["ledger"].update(kind="ledger"), "ledger"),
            (lambda d: d["ledger"]["entries"][2]["rate"].update(rate="1.0833"), "ledger.entries"),
        ],
    )
    def test_a_bad_account_field_is_named(self, change: Any, path: str) -> None:
        data = copy.deepcopy(next(r for r in STORED if r["kind"] == "account"))
        change(data)
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == path


class TestKindsAndVersions:
    def test_an_unknown_kind_is_refused(self) -> None:
        data = record_to_data(invoice_states()[0]) | {"kind": "invoice.paid"}
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "kind"

    @pytest.mark.parametrize("schema", [0, 2, "1", None, True])
    def test_an_unknown_schema_version_is_refused(self, schema: object) -> None:
        data = record_to_data(invoice_states()[0]) | {"schema": schema}
        with pytest.raises(InvalidData) as error:
            record_from_data(data)
        assert error.value.path == "schema"

    def test_a_draft_given_to_document_to_data_says_to_use_record_to_data(self) -> None:
        with pytest.raises(InvalidType) as error:
            document_to_data(invoice_states()[0])  # type: ignore[arg-type]
        assert error.value.field == "document"

    def test_something_that_is_not_a_record_is_refused(self) -> None:
        with pytest.raises(OrdercoreError):
            record_to_data(consulting())
        with pytest.raises(InvalidData) as error:
            record_from_data([1])
        assert error.value.path == ""


class TestSchemaOne:
    """Records written by schema version 1 (tests/data/records-v1.json) still read."""

    def test_stored_records_still_read_and_write_the_same(self) -> None:
        stored = loads((DATA / "records-v1.json").read_text(encoding="utf-8"))
        kinds = {record["kind"] for record in stored}
        assert kinds == set(RECORD_KINDS)  # every kind this version writes
        for data in stored:
            record = record_from_data(data)
            assert record_to_data(record) == data


ISSUE_DATES = st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))


def _priceable(document: Document) -> bool:
    try:
        price(document)
    except OrdercoreError:
        return False
    return bool(document.lines)


PRICEABLE = ost.documents(max_items=2).filter(_priceable)


class TestRoundTripProperties:
    @settings(deadline=None)
    @given(document=PRICEABLE, date=ISSUE_DATES, term=ost.payment_terms())
    def test_an_invoice_lifecycle_round_trips(
        self, document: Document, date: dt.date, term: PaymentTerm
    ) -> None:
        draft = DraftInvoice.create(
            id="inv", customer="c", content=document, request=request("r")
        ).document
        revised = draft.revise(document, request=request("r2")).document
        try:
            issued = revised.issue(
                number="N-1", issue_date=date, payment_term=term, request=request("r3")
            ).document
        except OrdercoreError:  # a term that cannot schedule this amount (sign, dates)
            issued = None
        voided = revised.void(reason="v", request=request("r4")).document
        for record in (draft, revised, issued, voided):
            if record is None:
                continue
            data = through_json(record_to_data(record))
            assert record_from_data(data) == record  # object -> data -> object
            assert record_to_data(record_from_data(data)) == data  # data -> object -> data


def assert_round_trips(record: object) -> None:
    data = through_json(record_to_data(record))
    assert record_from_data(data) == record  # object -> data -> object
    assert record_to_data(record_from_data(data)) == data  # data -> object -> data


class TestMoreRoundTripProperties:
    @settings(deadline=None)
    @given(document=PRICEABLE, data=st.data())
    def test_orders_invoiced_and_billed_in_part_round_trip(
        self, document: Document, data: st.DataObject
    ) -> None:
        try:
            order = SalesOrder.confirm(
                id="so",
                customer="c",
                number="SO-1",
                content=document,
                invoicing_policy=InvoicingPolicy.ORDERED,
                request=request("o1"),
            ).document
            purchase = PurchaseOrder.confirm(
                id="po", supplier="s", number="PO-1", content=document, request=request("p1")
            ).document
        except OrdercoreError:  # content an order refuses (a line of nothing to bill, say)
            reject()
        assert_round_trips(order)
        assert_round_trips(purchase)
        index = data.draw(st.integers(0, len(order.lines) - 1))
        ordered = order.lines[index].ordered
        part = data.draw(st.sampled_from((ordered, ordered / 2)))
        try:
            made = order.invoice_quantities({index: part}, invoice_id="inv", request=request("o2"))
            billed = purchase.bill_quantities({index: part}, bill_id="bill", request=request("p2"))
        except OrdercoreError:  # a part the line cannot take (too many places, say)
            reject()
        for record in (made.order, made.invoice, billed.order, billed.bill):
            assert_round_trips(record)

    @settings(deadline=None)
    @given(document=PRICEABLE, date=ISSUE_DATES)
    def test_quotes_and_credit_notes_round_trip(self, document: Document, date: dt.date) -> None:
        content = QuoteContent(
            currency=document.currency.code,
            lines=[
                QuoteLine(key=f"line-{index}", line=line)
                for index, line in enumerate(document.lines)
            ],
            allowances=document.allowances,
            charges=document.charges,
            policy=document.policy,
        )
        try:
            quote = DraftQuote.create(
                id="q", customer="c", content=content, valid_until=date, request=request("q1")
            ).document
        except OrdercoreError:  # content a quote refuses, as an order would
            reject()
        assert_round_trips(quote)
        assert_round_trips(quote.send(request=on("q2", date)).document)
        draft = DraftInvoice.create(
            id="inv", customer="c", content=document, request=request("i1")
        ).document
        issued = draft.issue(number="N-1", issue_date=date, request=request("i2")).document
        try:
            note = credit_in_full(
                issued, id="cn", number="CN-1", issue_date=date, reason="r", request=request("c1")
            ).document
        except OrdercoreError:  # an invoice that cannot be credited (nothing to credit)
            reject()
        assert_round_trips(note)
        assert_round_trips(note.open_item())
        assert_round_trips(issued.open_item())


STORED = loads((DATA / "records-v1.json").read_text(encoding="utf-8"))


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
)


#: Every (stored record, path of one of its fields) pair, fixed before any test draws.
FIELDS = [(record, path) for record in STORED for path in _leaves(record)]


class TestHostileRecords:
    @settings(deadline=None)
    @given(data=st.data(), value=HOSTILE)
    def test_a_record_with_any_field_replaced_reads_or_raises_invalid_data(
        self, data: st.DataObject, value: object
    ) -> None:
        # the field is drawn as an index into a list fixed before the test, so that no
        # whole record is printed with the test's arguments (a huge repr); the hostile
        # value stays an argument (hypothesis guards its repr, which can raise)
        record, path = FIELDS[data.draw(st.integers(0, len(FIELDS) - 1), label="field")]
        changed = _replaced(record, path, value)
        message = ""
        try:
            record_from_data(changed)
        except InvalidData as error:  # only ordercore's own error may escape
            message = str(error)
        assert "\n" not in message  # and it is one line


def test_a_stored_value_that_cannot_be_compared_is_refused_as_invalid_data() -> None:
    # a Decimal sNaN raises on comparison; reading names the field instead
    record = next(r for r in STORED if "priced" in r)
    changed = _replaced(record, ("priced", "precision"), Decimal("sNaN"))
    with pytest.raises(InvalidData) as caught:
        record_from_data(changed)
    assert "precision" in caught.value.path


def test_a_schema_version_too_long_to_print_is_refused_as_invalid_data() -> None:
    record = dict(STORED[0])
    record["schema"] = 10**5000  # str() of it raises ValueError in Python 3.11+
    with pytest.raises(InvalidData) as caught:
        record_from_data(record)
    assert caught.value.path == "schema"
