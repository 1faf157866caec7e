"""Lines keyed end to end: a quote line's key names its order line, and what invoices take."""

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Allowance,
    CreditNote,
    CreditNotTakenBack,
    CurrencyMismatch,
    Discount,
    DocumentWithoutLines,
    DownPayment,
    DownPaymentBase,
    DuplicateDocumentId,
    DuplicateLineKey,
    Group,
    InvalidNumber,
    InvalidOrderRecord,
    InvalidType,
    InvoicingPolicy,
    Line,
    Money,
    OverCrediting,
    PurchaseOrder,
    QuoteNotAccepted,
    Request,
    SalesOrder,
    TakenLine,
    Tax,
    TaxSum,
    TaxTally,
    TextTooLong,
    UnknownOrderLine,
    UntaxedSum,
    credit_amount,
    credit_lines,
)
from ordercore.documents.quotes import DraftQuote, QuoteContent, QuoteLine
from ordercore.pricing.document import AdjustmentMode, Document

VAT = Tax.percent("VAT", "20")
DAY = dt.date(2026, 12, 2)


def request(key: str = "r") -> Request:
    return Request(key=key, at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), business_date=DAY)


def credit(document: object, quantities: object, number: str, **more: object) -> CreditNote:
    """A credit note by lines of ``document``, numbered ``number``, dated DAY."""
    return credit_lines(
        document,  # type: ignore[arg-type]
        quantities,  # type: ignore[arg-type]
        id=number,
        number=number,
        issue_date=DAY,
        reason="Returned",
        request=request(),
        **more,  # type: ignore[arg-type]
    ).document


def item(key: str, quantity: str, price: str, group: str | None = None) -> QuoteLine:
    line = Line(
        description=key.title(), quantity=quantity, unit_price=Money(price, "EUR"), taxes=[VAT]
    )
    return QuoteLine(key=key, line=line, group=group)


def order_from_quote() -> SalesOrder:
    # "lamp" is in a section that appears before "chair": the order's lines come in the
    # document's order, which is not the order of the quote's lines
    content = QuoteContent(
        currency="EUR",
        lines=[
            item("lamp", "2", "25.00", group="Lighting"),
            item("desk", "3", "300.00"),
            item("bulb", "4", "2.50", group="Lighting"),
            item("chair", "4", "80.00"),
        ],
    )
    quote = DraftQuote.create(
        id="q-1",
        customer="acme",
        content=content,
        valid_until=dt.date(2026, 12, 31),
        request=request("q1"),
    ).document
    accepted = quote.send(request=request("q2")).document.accept(request=request("q3")).document
    return accepted.confirm_order(
        id="so-1",
        number="SO-1",
        invoicing_policy=InvoicingPolicy.ORDERED,
        line_policies={"chair": InvoicingPolicy.DELIVERED},
        request=request("q4"),
    ).document


def test_an_order_from_a_quote_keeps_each_line_s_key_in_document_order() -> None:
    order = order_from_quote()
    priced = [line.line.description for line in order.priced.lines]
    assert [line.key for line in order.lines] == [d.lower() for d in priced]
    chair = next(line for line in order.lines if line.key == "chair")
    assert chair.policy is InvoicingPolicy.DELIVERED
    assert all(
        line.policy is InvoicingPolicy.ORDERED for line in order.lines if line.key != "chair"
    )


def test_every_operation_names_a_line_by_key() -> None:
    order = order_from_quote()
    index = {line.key: i for i, line in enumerate(order.lines)}
    order = order.record_delivery({"desk": "2", "chair": 1}, request=request("d")).document
    assert order.lines[index["desk"]].delivered == 2
    invoicing = order.invoice_quantities({"desk": "1"}, invoice_id="inv-1", request=request("i"))
    [taken] = invoicing.order.invoices[0].lines
    assert (taken.key, taken.index, taken.quantity) == ("desk", index["desk"], 1)
    order = invoicing.order.cancel_remaining(lines=["lamp"], request=request("c")).document
    assert order.lines[index["lamp"]].cancelled == 2
    # keys and indexes mix, each line named once
    order = order.record_delivery({"bulb": "1", index["desk"]: "1"}, request=request()).document
    assert (order.lines[index["bulb"]].delivered, order.lines[index["desk"]].delivered) == (1, 3)


def test_a_line_named_by_a_key_it_does_not_have_is_not_found() -> None:
    order = order_from_quote()
    with pytest.raises(UnknownOrderLine) as caught:
        order.record_delivery({"sofa": "1"}, request=request())
    assert (caught.value.order, caught.value.line, caught.value.count) == (
        "sales order SO-1",
        "sofa",
        4,
    )
    with pytest.raises(UnknownOrderLine):
        order.cancel_remaining(lines=["sofa"], request=request())
    desk = [line.key for line in order.lines].index("desk")
    with pytest.raises(InvalidType) as twice:
        order.record_delivery({"desk": "1", desk: "1"}, request=request())
    assert twice.value.field == "quantities"
    with pytest.raises(InvalidType) as wrong:
        order.record_delivery({1.5: "1"}, request=request())  # type: ignore[dict-item]
    assert wrong.value.field == "quantities"
    with pytest.raises(InvalidNumber) as negative:
        order.record_delivery({"desk": "-1"}, request=request())
    assert negative.value.field == "quantities['desk']"


def content() -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(description="Desk", quantity="3", unit_price=Money("100.00", "EUR")),
            Line(description="Book", quantity="7", unit_price=Money("12.34", "EUR")),
        ],
    )


def test_keys_given_at_confirmation_are_one_per_line_and_distinct() -> None:
    def confirm(keys: object) -> SalesOrder:
        return SalesOrder.confirm(
            id="so-1",
            customer="acme",
            number="SO-1",
            content=content(),
            invoicing_policy=InvoicingPolicy.ORDERED,
            line_keys=keys,  # type: ignore[arg-type]
            request=request(),
        ).document

    assert [line.key for line in confirm(["desk", None]).lines] == ["desk", None]
    assert [line.key for line in confirm(None).lines] == [None, None]
    with pytest.raises(DuplicateLineKey) as duplicate:
        confirm(["x", "x"])
    assert (duplicate.value.key, duplicate.value.document) == ("x", "sales order SO-1")
    for bad in (["desk"], "desk", [1, 2], ["", "book"]):
        with pytest.raises(InvalidType) as caught:
            confirm(bad)
        assert str(caught.value.field).startswith("line_keys")


def test_a_stored_order_with_two_lines_of_one_key_is_refused() -> None:
    order = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=content(),
        invoicing_policy=InvoicingPolicy.ORDERED,
        line_keys=["a", "b"],
        request=request(),
    ).document
    lines = (order.lines[0], attrs.evolve(order.lines[1], key="a"))
    with pytest.raises(DuplicateLineKey) as caught:
        attrs.evolve(order, lines=lines)
    assert caught.value.key == "a"


def test_a_purchase_order_takes_keys_too() -> None:
    order = PurchaseOrder.confirm(
        id="po-1",
        supplier="woodworks",
        number="PO-1",
        content=content(),
        line_keys=["desk", "book"],
        request=request(),
    ).document
    order = order.record_receipt({"book": "7"}, request=request()).document
    billing = order.bill_received(bill_id="b-1", request=request())
    assert [(t.key, t.quantity) for t in billing.order.bills[0].lines] == [("book", 7)]
    with pytest.raises(DocumentWithoutLines):
        PurchaseOrder.confirm(
            id="po-2",
            supplier="woodworks",
            number="PO-2",
            content=Document(currency="EUR", items=[]),
            line_keys=[],
            request=request(),
        )


@given(st.data())
def test_naming_lines_by_key_or_by_index_gives_the_same_order(data: st.DataObject) -> None:
    order = order_from_quote()
    keys = [line.key for line in order.lines]
    steps = data.draw(st.integers(1, 5), label="steps")
    by_key, by_index = order, order
    for step in range(steps):
        index = data.draw(st.integers(0, len(keys) - 1), label="line")
        units = data.draw(st.integers(1, 4), label="units")
        if units > by_index.lines[index].open:
            continue
        action = data.draw(st.sampled_from(["deliver", "invoice"]), label="action")
        if action == "deliver" and units <= by_index.lines[index].back_order:
            by_key = by_key.record_delivery({keys[index]: units}, request=request()).document
            by_index = by_index.record_delivery({index: units}, request=request()).document
        elif action == "invoice":
            by_key = by_key.invoice_quantities(
                {keys[index]: units}, invoice_id=f"i{step}", request=request()
            ).order
            by_index = by_index.invoice_quantities(
                {index: units}, invoice_id=f"i{step}", request=request()
            ).order
    assert by_key == by_index


def test_lines_the_order_derives_equal_lines_checked_from_the_same_values() -> None:
    # confirming and invoicing make their line records without converting every field
    # again; a record rebuilt through the public, checking constructor is the same value
    order = order_from_quote()
    order = order.record_delivery({"desk": "2", "chair": "4"}, request=request()).document
    order = order.invoice_delivered(invoice_id="i1", request=request()).order
    order = order.cancel_remaining(lines=["bulb"], request=request()).document
    for line in order.lines:
        rebuilt = type(line)(**attrs.asdict(line, recurse=False))
        assert rebuilt == line
        assert hash(rebuilt) == hash(line)
    for taken in order.invoices[0].lines:
        assert type(taken)(**attrs.asdict(taken, recurse=False)) == taken


def test_an_invoice_made_from_an_order_is_credited_by_the_order_s_line_keys() -> None:
    order = order_from_quote()
    made = order.invoice_quantities({"chair": "2", "desk": "3"}, invoice_id="i", request=request())
    invoice = made.invoice.issue(number="INV-1", issue_date=DAY, request=request()).document
    note = credit(invoice, {"desk": "1"}, "CN-1", order=made.order)
    desk = next(i for i, t in enumerate(made.order.invoices[0].lines) if t.key == "desk")
    assert [(c.index, c.quantity) for c in note.credited] == [(desk, 1)]
    taken = made.order.take_in_credit(invoice, note, request=request()).document
    assert next(line for line in taken.lines if line.key == "desk").invoiced == 2
    with pytest.raises(UnknownOrderLine) as unknown:
        credit_lines(
            invoice,
            {"lamp": "1"},  # on the order, but not billed by this invoice
            order=made.order,
            id="cn",
            number="CN-2",
            issue_date=DAY,
            reason="x",
            request=request(),
        )
    assert unknown.value.line == "lamp"
    # the invoice carries its lines' keys: without the order, the same line is credited
    alone = credit(invoice, {"desk": "1"}, "CN-3")
    assert alone.credited == note.credited
    assert [c.key for c in alone.credited] == ["desk"]


def _keyed_order(document: Document) -> SalesOrder:
    return SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=document,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request(),
    ).document


def test_a_line_that_took_a_share_of_group_allowances_bills_its_share_as_one_amount() -> None:
    vat = Tax.percent("VAT", "20")
    document = Document(
        currency="EUR",
        items=[
            Line(
                description="Desk",
                quantity="3",
                unit_price=Money("219.33", "EUR"),
                discounts=[Discount.percent("10")],
                taxes=[vat],
            ),
            Group(
                name="G",
                lines=[
                    Line(
                        description="Chair",
                        quantity="7",
                        unit_price=Money("13.37", "EUR"),
                        taxes=[vat],
                    )
                ],
                allowances=[Allowance.percentage("5", reason="group")],
            ),
        ],
        allowances=[Allowance.percentage("3", reason="loyal")],
    )
    order = _keyed_order(document)
    made = order.invoice_quantities({0: "1", 1: "2"}, invoice_id="i1", request=request())
    lines = made.invoice.content.lines
    # no line stands for allowances as if they were rounding: only cents may be
    assert all(
        line.unit_price.amount <= Decimal("0.05")
        for line in lines
        if line.description == "Rounding difference"
    )
    taken = sum((t.amount.amount for t in made.order.invoices[0].lines), Decimal(0))
    assert made.invoice.priced.totals.tax_exclusive.amount == taken
    last = made.order.invoice_remaining(invoice_id="i2", request=request())
    assert (
        made.invoice.priced.totals.tax_inclusive + last.invoice.priced.totals.tax_inclusive
        == order.total
    )


def test_an_invoice_billed_at_order_prices_has_no_negative_line_and_credits_by_lines() -> None:
    vat = Tax.percent("VAT", "20")
    order = _keyed_order(
        Document(
            currency="EUR",
            items=[
                Line(
                    description="Desk", quantity="3", unit_price=Money("0.006", "EUR"), taxes=[vat]
                ),
                Line(
                    description="Chair", quantity="1", unit_price=Money("5.00", "EUR"), taxes=[vat]
                ),
            ],
        )
    )
    first = order.invoice_quantities({0: "1"}, invoice_id="i1", request=request())
    second = first.order.invoice_quantities({0: "1", 1: "1"}, invoice_id="i2", request=request())
    assert all(line.quantity > 0 for line in second.invoice.content.lines)
    # the second desk takes 0.00 of the line (round(0.0133) - 0.01); priced alone it is
    # 0.01: a line allowance "Rounding to the order" takes the cent off
    desk = second.invoice.content.lines[0]
    assert [d.reason for d in desk.discounts] == ["Rounding to the order"]
    issued = second.invoice.issue(number="INV-2", issue_date=DAY, request=request()).document
    note = credit(issued, {1: "1"}, "CN-1", order=second.order)
    assert note.total == Money("6.00", "EUR")


def test_an_order_never_takes_back_more_than_an_invoice_billed_of_a_line() -> None:
    order = _keyed_order(
        Document(
            currency="EUR",
            items=[Line(description="Desk", quantity="3", unit_price=Money("0.006", "EUR"))],
        )
    )
    made = order.invoice_quantities({0: "3"}, invoice_id="i1", request=request())
    invoice = made.invoice.issue(number="INV-1", issue_date=DAY, request=request()).document
    order = made.order

    def one_desk(number: str, previous: tuple[object, ...] = ()) -> CreditNote:
        return credit(invoice, {0: "1"}, number, previous=previous)

    notes: list[CreditNote] = []
    for number in ("CN-1", "CN-2", "CN-3"):
        notes.append(one_desk(number, tuple(notes)))
        order = order.take_in_credit(invoice, notes[-1], request=request()).document
    assert [note.credited[0].amount.amount for note in notes] == [
        Decimal("0.01"),
        Decimal("0.00"),
        Decimal("0.01"),
    ]
    assert (order.lines[0].invoiced, order.billed.amount) == (0, Decimal("0.00"))
    # a credit note made without the earlier ones (previous=) credits what nothing bills
    with pytest.raises(OverCrediting) as caught:
        order.take_in_credit(invoice, one_desk("CN-4"), request=request())
    assert (caught.value.requested, caught.value.remaining) == (1, 0)
    assert order.lines[0].taken.amount == 0
    # and one that would take back more money than the line still holds is refused too
    two = order_from_invoiced_desks()
    with pytest.raises(OverCrediting) as money:
        two[0].take_in_credit(two[1], two[2], request=request())
    assert (money.value.requested, money.value.remaining) == (
        Money("0.01", "EUR"),
        Money("0.00", "EUR"),
    )


def order_from_invoiced_desks() -> tuple[SalesOrder, object, CreditNote]:
    """An order whose invoice of 3 x EUR 0.006 (0.02) had two desks taken back at 0.01 each.

    The credit notes were made without ``previous=``, so each credited 0.01: the invoice
    still takes one desk, for 0.00, and a third such note would credit 0.01 of it.
    """
    order = _keyed_order(
        Document(
            currency="EUR",
            items=[Line(description="Desk", quantity="3", unit_price=Money("0.006", "EUR"))],
        )
    )
    made = order.invoice_quantities({0: "3"}, invoice_id="i1", request=request())
    invoice = made.invoice.issue(number="INV-1", issue_date=DAY, request=request()).document
    order = made.order

    def one(number: str) -> CreditNote:
        return credit(invoice, {0: "1"}, number)

    for number in ("CN-1", "CN-2"):
        order = order.take_in_credit(invoice, one(number), request=request()).document
    return order, invoice, one("CN-3")


def test_a_rebuilt_order_is_checked_across_its_records() -> None:
    order = order_from_quote()
    made = order.invoice_quantities({"desk": "1"}, invoice_id="i1", request=request()).order
    record = made.invoices[0]
    astray = attrs.evolve(record, lines=(attrs.evolve(record.lines[0], index=99),))
    with pytest.raises(InvalidOrderRecord) as caught:
        attrs.evolve(made, invoices=(astray,))
    assert (caught.value.field, caught.value.value) == ("lines", 99)
    with pytest.raises(DuplicateDocumentId):
        attrs.evolve(made, invoices=(record, record))
    with pytest.raises(CurrencyMismatch):
        attrs.evolve(made, billed=Money("0", "USD"))
    with pytest.raises(CurrencyMismatch):
        attrs.evolve(made, invoices=(attrs.evolve(record, total=Money("1", "USD")),))
    line = made.lines[0]
    with pytest.raises(InvalidNumber):
        attrs.evolve(line, ordered="0", billed="0", fulfilled="0", taken=Money("0", "EUR"))
    with pytest.raises(TextTooLong):
        attrs.evolve(line, description="x" * 100_000)


def test_an_order_is_confirmed_only_from_an_accepted_quote() -> None:
    content = QuoteContent(currency="EUR", lines=[item("desk", "1", "300.00")])
    draft = DraftQuote.create(
        id="q-9", customer="acme", content=content, valid_until=DAY, request=request()
    ).document
    sent = draft.send(request=request()).document
    for quote, state, first in (
        (draft, "draft", "send it and have it accepted"),
        (sent, "sent", "accept it"),
    ):
        with pytest.raises(QuoteNotAccepted) as caught:
            quote.confirm_order(
                id="so", number="SO-9", invoicing_policy=InvoicingPolicy.ORDERED, request=request()
            )
        assert (caught.value.quote, caught.value.state, caught.value.first) == ("q-9", state, first)


def test_a_draft_reads_its_total_and_amount_due_as_an_issued_invoice_does() -> None:
    made = order_from_quote().invoice_quantities({"desk": "1"}, invoice_id="i", request=request())
    draft = made.invoice
    issued = draft.issue(number="INV-1", issue_date=DAY, request=request()).document
    assert (draft.total, draft.amount_due, draft.currency) == (
        issued.total,
        issued.amount_due,
        issued.currency,
    )


def test_a_tax_tally_holds_money_in_one_currency_and_one_sum_per_set_of_taxes() -> None:
    order = order_from_quote()
    tally = order.invoice_quantities(
        {"desk": "1"}, invoice_id="i", request=request()
    ).order.billed_by_tax
    [untaxed] = tally.untaxed
    assert untaxed.amount == Money("300.00", "EUR")
    assert tally.by_taxes() == {untaxed.taxes: Decimal("300.00")}
    with pytest.raises(InvalidOrderRecord):
        TaxTally(untaxed=[untaxed, untaxed])
    with pytest.raises(CurrencyMismatch):
        TaxTally(
            untaxed=[untaxed], taxes=[TaxSum(tax=tally.taxes[0].tax, amount=Money("1", "USD"))]
        )
    with pytest.raises(InvalidType):
        UntaxedSum(taxes=untaxed.taxes, amount=Decimal("1"))  # type: ignore[arg-type]
    assert TaxTally().plus(tally) == tally


def test_a_supplier_credit_note_is_checked_against_its_purchase_order() -> None:
    order = PurchaseOrder.confirm(
        id="po-1",
        supplier="woodworks",
        number="PO-1",
        content=content(),
        line_keys=["desk", "book"],
        request=request(),
    ).document
    billing = order.bill_quantities({"desk": "2"}, bill_id="b-1", request=request())
    bill = billing.bill.issue(number="WW-1", issue_date=DAY, request=request()).document
    note = credit(bill, {"desk": "1"}, "WW-CN-1", order=billing.order)
    assert [(c.index, c.quantity) for c in note.credited] == [(0, 1)]
    taken = billing.order.take_in_credit(bill, note, request=request()).document
    assert taken.lines[0].billed == 1
    with pytest.raises(CreditNotTakenBack):
        credit_amount(
            bill,
            Money("5.00", "EUR"),
            order=billing.order,
            id="scn-2",
            number="WW-CN-2",
            issue_date=DAY,
            reason="Concession",
            request=request(),
        )


def test_indexes_and_versions_are_bounded_as_storage_holds_them() -> None:
    order = order_from_quote()
    with pytest.raises(InvalidType):
        attrs.evolve(order, version=10**100)
    with pytest.raises(InvalidType):
        TakenLine(index=10**100, quantity="1", amount=Money("1.00", "EUR"))
    assert TakenLine(index=2**63 - 1, quantity="1", amount=Money("1.00", "EUR")).index == 2**63 - 1


def _rebuilt(order: object) -> object:
    return type(order)(**attrs.asdict(order, recurse=False))  # type: ignore[call-arg]


def test_an_order_after_every_kind_of_step_equals_its_rebuilt_self() -> None:
    order = order_from_quote()
    steps = [order]
    order = order.record_delivery({"desk": "2"}, request=request()).document
    steps.append(order)
    made = order.invoice_delivered(invoice_id="i1", request=request())
    steps.append(made.order)
    invoice = made.invoice.issue(number="INV-1", issue_date=DAY, request=request()).document
    note = credit(invoice, {"desk": "1"}, "CN-1", order=made.order)
    taken = made.order.take_in_credit(invoice, note, request=request()).document
    steps.append(taken)
    down = taken.invoice_down_payment(
        DownPayment.percentage("10", base=DownPaymentBase.UNTAXED),
        invoice_id="dp",
        request=request(),
    )
    steps.append(down.order)
    draft = down.order.invoice_quantities({"bulb": "1"}, invoice_id="i2", request=request())
    steps.append(draft.order)
    voided = draft.invoice.void(reason="wrong", request=request()).document
    released = draft.order.release_invoice(voided, request=request()).document
    steps.append(released)
    steps.append(released.cancel_remaining(lines=["lamp"], request=request()).document)
    for step in steps:
        rebuilt = _rebuilt(step)
        assert rebuilt == step
        assert hash(rebuilt) == hash(step)
    purchase = PurchaseOrder.confirm(
        id="po", supplier="s", number="PO-1", content=content(), request=request()
    ).document
    billed = purchase.record_receipt({0: "1"}, request=request()).document
    billed = billed.bill_received(bill_id="b", request=request()).order
    assert _rebuilt(billed) == billed


def test_an_order_confirmed_from_a_quote_is_the_order_of_the_quote_s_document() -> None:
    # confirming from a quote keeps the quote's priced content (it is not priced again):
    # the order is the one confirming the quote's document with its keys gives
    order = order_from_quote()
    quote_content = QuoteContent(
        currency="EUR",
        lines=[
            item("lamp", "2", "25.00", group="Lighting"),
            item("desk", "3", "300.00"),
            item("bulb", "4", "2.50", group="Lighting"),
            item("chair", "4", "80.00"),
        ],
    )
    confirmed = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=quote_content.document(),
        invoicing_policy=InvoicingPolicy.ORDERED,
        line_policies={"chair": InvoicingPolicy.DELIVERED},
        line_keys=quote_content.line_keys(),
        request=request("q4"),
    ).document
    assert confirmed == order
    assert confirmed.priced == order.priced
    assert _rebuilt(confirmed) == confirmed
    assert hash(_rebuilt(order)) == hash(order)


def test_a_confirmed_order_equals_its_rebuilt_self_on_both_sides() -> None:
    allowance = Allowance.percentage("5", reason="Loyal", taxes=[VAT])
    standalone = attrs.evolve(
        content(),
        allowances=(allowance,),
        policy=attrs.evolve(content().policy, adjustments=AdjustmentMode.STANDALONE),
    )
    for document in (content(), standalone):
        sold = SalesOrder.confirm(
            id="so-1",
            customer="acme",
            number="SO-1",
            content=document,
            invoicing_policy=InvoicingPolicy.DELIVERED,
            line_keys=["a", None],
            request=request(),
        ).document
        bought = PurchaseOrder.confirm(
            id="po-1", supplier="s", number="PO-1", content=document, request=request()
        ).document
        zeros = [Money("0", "EUR")] * len(document.allowances)
        fresh = (
            SalesOrder(
                id="so-1",
                customer="acme",
                number="SO-1",
                priced=sold.priced,
                lines=sold.lines,
                adjustments=zeros,
            ),
            PurchaseOrder(
                id="po-1",
                supplier="s",
                number="PO-1",
                priced=bought.priced,
                lines=bought.lines,
                adjustments=zeros,
            ),
        )
        for order, made in zip((sold, bought), fresh, strict=True):
            # made unchecked, it is what the public constructor makes of the same values
            assert made == order
            assert hash(made) == hash(order)
            assert repr(made.adjustments) == repr(order.adjustments)
            assert repr(made.billed) == repr(order.billed)
            assert made.billed_by_tax == order.billed_by_tax
            assert _rebuilt(order) == order
            for line in order.lines:
                again = type(line)(**attrs.asdict(line, recurse=False))
                assert repr(attrs.asdict(again)) == repr(attrs.asdict(line))
