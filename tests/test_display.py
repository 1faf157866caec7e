"""Every document prints as text and notebook HTML: a header, the pricing table, the totals.

The HTML is parsed with the standard library's ``html.parser``; numbers are compared
with what babel prints for the locale, never with separators written out.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from babel.numbers import format_decimal

from ordercore import (
    Document,
    DraftQuote,
    InvoicingPolicy,
    Line,
    Money,
    NumberingSeries,
    OrdercoreError,
    PaymentTerm,
    PurchaseOrder,
    QuoteContent,
    QuoteLine,
    Request,
    Tax,
    credit_in_full,
    credit_lines,
    standalone_credit,
)
from ordercore.documents import credit_amount
from ordercore.documents.display import html, kind, short_repr, text
from ordercore.pricing.render import MAX_SHOWN

VAT = Tax.percent("VAT", "20")
DAY = dt.date(2026, 12, 10)


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 12, 10, 9, tzinfo=dt.UTC), business_date=DAY)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def quote(description: str = "Desk") -> DraftQuote:
    content = QuoteContent(
        currency="EUR",
        lines=[
            QuoteLine(
                key="desk",
                line=Line(
                    description=description, quantity="4", unit_price=eur("329.00"), taxes=[VAT]
                ),
            ),
            QuoteLine(
                key="chair",
                line=Line(description="Chair", quantity="6", unit_price=eur("89.90"), taxes=[VAT]),
            ),
        ],
    )
    return DraftQuote.create(
        id="q-1",
        customer="acme",
        content=content,
        valid_until=dt.date(2026, 12, 31),
        request=request("q1"),
    ).document


def documents() -> dict[str, object]:
    """One document of every type, made as a host makes them."""
    draft = quote()
    sent = draft.send(request=request("q2")).document
    accepted = sent.accept(request=request("q3")).document
    order = accepted.confirm_order(
        id="so-1",
        number="SO-1",
        invoicing_policy=InvoicingPolicy.DELIVERED,
        request=request("q4"),
    ).document
    order = order.record_delivery({0: "2", 1: "6"}, request=request("o1")).document
    invoicing = order.invoice_delivered(invoice_id="inv-1", request=request("o2"))
    number, _ = NumberingSeries(prefix="INV-", width=3).next()
    issued = invoicing.invoice.issue(
        number=number, issue_date=DAY, payment_term=PaymentTerm.net(30), request=request("o3")
    ).document
    voided = invoicing.invoice.void(reason="Wrong address", request=request("o4")).document
    note = credit_amount(
        issued,
        eur("107.88"),
        id="cn-1",
        number="CN-1",
        issue_date=DAY,
        reason="Chair damaged",
        request=request("c1"),
    ).document
    content = Document(
        currency="EUR",
        items=[Line(description="Chair", quantity="3", unit_price=eur("33.33"), taxes=[VAT])],
    )
    purchase = PurchaseOrder.confirm(
        id="po-1", supplier="chairs", number="PO-1", content=content, request=request("p1")
    ).document
    purchase = purchase.record_receipt({0: "1"}, request=request("p2")).document
    billing = purchase.bill_received(bill_id="bill-1", request=request("p3"))
    bill = billing.bill.issue(
        number="S-77", issue_date=DAY, due_date=dt.date(2027, 1, 9), request=request("p4")
    ).document
    voided_bill = billing.bill.void(reason="Duplicate", request=request("p5")).document
    supplier_note = standalone_credit(
        eur("10.00"),
        tax=VAT,
        supplier="chairs",
        id="scn-1",
        number="SC-9",
        issue_date=DAY,
        reason="Rebate",
        request=request("p6"),
    ).document
    return {
        "DraftQuote": draft,
        "SentQuote": sent,
        "AcceptedQuote": accepted,
        "SalesOrder": invoicing.order,
        "DraftInvoice": invoicing.invoice,
        "IssuedInvoice": issued,
        "VoidedInvoice": voided,
        "CustomerCreditNote": note,
        "PurchaseOrder": billing.order,
        "DraftBill": billing.bill,
        "IssuedBill": bill,
        "VoidedBill": voided_bill,
        "SupplierCreditNote": supplier_note,
    }


DOCUMENTS = documents()


class Parsed(HTMLParser):
    """The structure of rendered HTML: tags seen, text of each row, classes of rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[tuple[str, list[str]]] = []
        self.open: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script":
            self.scripts += 1
        if tag == "tr":
            self.rows.append((dict(attrs).get("class") or "", []))
        if tag not in ("br", "img", "input", "meta"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open, tag
        assert self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.rows and data.strip() and "tr" in self.open:
            self.rows[-1][1].append(data.strip())


def parse(markup: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(markup)
    parsed.close()
    assert parsed.open == []
    return parsed


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_prints_its_kind_number_state_and_amount_due(name: str) -> None:
    document = DOCUMENTS[name]
    assert type(document).__name__ == name
    printed = text(document)
    title = printed.splitlines()[0]
    assert title.startswith(kind(document))
    reference = getattr(document, "number", None) or document.id
    assert reference in title
    assert document.state in title
    priced = getattr(document, "priced", None)
    due = None if priced is None else (priced() if callable(priced) else priced).totals.amount_due
    if due is not None:
        assert printed.splitlines()[-2].endswith(str(due.amount))
    assert short_repr(document).startswith(f"{name}(")


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_renders_well_formed_html_with_the_same_totals(name: str) -> None:
    document = DOCUMENTS[name]
    parsed = parse(html(document))
    assert parsed.tags[0] == "div"
    sums = [cells for cls, cells in parsed.rows if cls == "sum"]
    last = (
        "Amount credited"
        if "CreditNote" in name
        else "Order total"
        if name.endswith("Order")
        else "Amount due"
    )
    assert [cells[0] for cells in sums][-1].startswith(last)
    printed = text(document).splitlines()
    assert printed[-2].endswith(sums[-1][1])


def test_an_issued_invoice_shows_its_dates_customer_installments_and_order() -> None:
    invoice = DOCUMENTS["IssuedInvoice"]
    lines = text(invoice).splitlines()
    assert lines[0] == "Invoice INV-001 (issued, version 1)"
    fields = dict(line.split(":", 1) for line in lines[1:7])
    assert fields["Customer"].strip() == "acme"
    assert fields["Issue date"].strip() == "2026-12-10"
    assert fields["Due date"].strip() == "2027-01-09"
    assert fields["Sales order"].strip() == "SO-1"
    due = str(invoice.priced.totals.amount_due.amount)  # type: ignore[attr-defined]
    assert fields["Installment 1"].split() == [due, "due", "2027-01-09"]


def test_an_order_shows_where_each_line_stands() -> None:
    printed = text(DOCUMENTS["SalesOrder"]).splitlines()
    start = printed.index("Progress")
    # the lines of an order confirmed from a quote keep the quote's keys: a column of its own
    assert printed[start + 1].split() == [
        "#",
        "Key",
        "Description",
        "Ordered",
        "Delivered",
        "Invoiced",
        "Cancelled",
    ]
    assert printed[start + 2].split() == ["1", "desk", "Desk", "4", "2", "2", "0"]
    purchase = text(DOCUMENTS["PurchaseOrder"]).splitlines()
    start = purchase.index("Progress")
    # without keys, no column for them
    assert purchase[start + 1].split() == [
        "#",
        "Description",
        "Ordered",
        "Received",
        "Billed",
        "Cancelled",
    ]
    assert purchase[start + 2].split() == ["1", "Chair", "3", "1", "1", "0"]


def test_an_order_in_html_shows_each_line_with_its_key() -> None:
    parsed = parse(html(DOCUMENTS["SalesOrder"]))
    rows = [cells for _, cells in parsed.rows]
    start = rows.index(["#", "Key", "Description", "Ordered", "Delivered", "Invoiced", "Cancelled"])
    assert rows[start + 1] == ["1", "desk", "Desk", "4", "2", "2", "0"]
    assert rows[start + 2][:3] == ["2", "chair", "Chair"]


def test_a_credit_note_names_what_it_credits_and_why() -> None:
    printed = text(DOCUMENTS["CustomerCreditNote"])
    assert "Credits:    INV-001, an amount of 107.88 (taxes included)" in printed
    assert "Reason:     Chair damaged" in printed
    assert "Supplier:   chairs" in text(DOCUMENTS["SupplierCreditNote"])


def test_the_numbers_follow_an_explicit_locale() -> None:
    invoice = DOCUMENTS["IssuedInvoice"]
    due = invoice.priced.totals.amount_due.amount  # type: ignore[attr-defined]
    expected = format_decimal(due, format="#,##0.00", locale="de_DE")
    assert text(invoice, locale="de_DE").splitlines()[-2].endswith(expected)
    cells = [cells for cls, cells in parse(html(invoice, locale="de_DE")).rows if cls == "sum"]
    assert cells[-1][1] == expected


def test_hostile_strings_are_escaped_and_cut() -> None:
    hostile = "<script>alert('x')</script>" + "y" * 3000
    document = quote(description=hostile)
    markup = html(document)
    parsed = parse(markup)
    assert parsed.scripts == 0
    assert "&lt;script&gt;" in markup
    assert len(markup) < 20_000
    line = next(cells for cls, cells in parsed.rows if cls == "line")
    assert len(line[1]) <= 5 * MAX_SHOWN
    row = text(document).splitlines()
    assert max(map(len, row)) < 3 * MAX_SHOWN


def test_a_bad_locale_is_refused_before_anything_is_printed() -> None:
    with pytest.raises(OrdercoreError):
        text(DOCUMENTS["IssuedInvoice"], locale="xx_NOWHERE")
    with pytest.raises(OrdercoreError):
        html(DOCUMENTS["IssuedInvoice"], locale="xx_NOWHERE")


#: The documents that print through the mixin: all of them.
HOOKED = sorted(DOCUMENTS)


@pytest.mark.parametrize("name", HOOKED)
def test_a_document_prints_itself_as_a_person_reads_it(name: str) -> None:
    document = DOCUMENTS[name]
    assert str(document) == text(document)
    assert document._repr_html_() == html(document)  # type: ignore[attr-defined]
    assert document.to_text(locale="de_DE") == text(document, locale="de_DE")  # type: ignore[attr-defined]
    parse(document._repr_html_())  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", HOOKED)
def test_a_documents_repr_is_one_line_with_its_number_state_party_and_total(name: str) -> None:
    document = DOCUMENTS[name]
    shown = repr(document)
    assert shown == short_repr(document)
    assert "\n" not in shown
    assert len(shown) < 160
    reference = getattr(document, "number", None) or document.id  # type: ignore[attr-defined]
    assert shown.startswith(f"{name}(")
    assert repr(reference) in shown
    assert f"state={document.state!r}" in shown  # type: ignore[attr-defined]
    party = getattr(document, "customer", None) or getattr(document, "supplier", None)
    assert isinstance(party, str)
    assert repr(party) in shown
    priced = getattr(document, "priced", None)
    if priced is not None:
        total = (priced() if callable(priced) else priced).totals.tax_inclusive
        assert f"total='{total.amount}'" in shown


def test_a_credit_note_says_whether_it_credits_lines_all_an_amount_or_no_invoice() -> None:
    invoice = DOCUMENTS["IssuedInvoice"]
    made = {"id": "cn-2", "number": "CN-2", "issue_date": DAY, "reason": "Returned"}
    by_lines = credit_lines(invoice, {0: "1", 1: "2"}, request=request("c2"), **made).document  # type: ignore[arg-type]
    in_full = credit_in_full(invoice, request=request("c3"), **made).document  # type: ignore[arg-type]

    def credited(note: object) -> str:
        line = next(line for line in text(note).splitlines() if line.startswith("Credits:"))
        return line.split(":", 1)[1].strip()

    assert credited(by_lines) == "INV-001, lines 1 desk (qty 1), 2 chair (qty 2)"
    assert credited(in_full) == "INV-001, in full"
    assert credited(DOCUMENTS["SupplierCreditNote"]) == "no invoice (a standalone credit)"


def test_a_credit_note_ends_with_what_it_credits_not_an_amount_due() -> None:
    for name in ("CustomerCreditNote", "SupplierCreditNote"):
        printed = text(DOCUMENTS[name]).splitlines()
        assert printed[-2].startswith("Amount credited (EUR)")
        assert not any(line.startswith("Amount due") for line in printed)
    assert text(DOCUMENTS["IssuedInvoice"]).splitlines()[-2].startswith("Amount due (EUR)")
