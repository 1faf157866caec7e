"""Open items: what payments settle, made from issued invoices, bills and credit notes."""

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from ordercore import (
    CurrencyMismatch,
    Direction,
    Document,
    DocumentKind,
    DocumentRef,
    DraftBill,
    DraftInvoice,
    DueRule,
    EarlyPaymentDiscount,
    FloatNotAllowed,
    Installment,
    InstallmentsExceedTotal,
    InvalidInput,
    InvalidOpenItem,
    InvalidType,
    IssuedBill,
    IssuedInvoice,
    Line,
    Money,
    OpenItem,
    OrdercoreError,
    PaymentTerm,
    Request,
    ScheduledInstallment,
    Tax,
    credit_amount,
    credit_lines,
    standalone_credit,
)
from ordercore.testing import strategies as ost

NOV_23 = dt.date(2026, 11, 23)
DEC_23 = dt.date(2026, 12, 23)


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=NOV_23)


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
            )
        ],
    )


def invoice(**issue: object) -> IssuedInvoice:
    draft = DraftInvoice.create(
        id="inv-1", customer="acme", content=consulting(), request=request("r1")
    ).document
    return draft.issue(
        number="INV-1",
        issue_date=NOV_23,
        request=request("r2"),
        **issue,  # type: ignore[arg-type]
    ).document


def bill(**issue: object) -> IssuedBill:
    draft = DraftBill.create(
        id="bill-1", supplier="papyrus", content=consulting(), request=request("b1")
    ).document
    return draft.issue(
        number="PAP-77",
        issue_date=NOV_23,
        request=request("b2"),
        **issue,  # type: ignore[arg-type]
    ).document


def item(**changes: object) -> OpenItem:
    values: dict[str, object] = {
        "document": DocumentRef.invoice("INV-1"),
        "party": "acme",
        "amount": eur("100.00"),
        "issue_date": NOV_23,
        "installments": (ScheduledInstallment(due_date=DEC_23, amount=eur("100.00")),),
    } | changes
    return OpenItem(**values)  # type: ignore[arg-type]


# -- from documents -------------------------------------------------------------------------


def test_an_invoice_is_a_receivable_of_its_customer_for_its_amount_due() -> None:
    open_item = invoice(due_date=DEC_23).open_item()
    assert open_item == OpenItem(
        document=DocumentRef(
            kind=DocumentKind.INVOICE, number="INV-1", direction=Direction.RECEIVABLE
        ),
        party="acme",
        amount=eur("1152.00"),
        issue_date=NOV_23,
        installments=(ScheduledInstallment(due_date=DEC_23, amount=eur("1152.00")),),
    )
    assert (open_item.direction, open_item.currency.code, open_item.due_date) == (
        Direction.RECEIVABLE,
        "EUR",
        DEC_23,
    )
    assert open_item.against is None


def test_an_invoice_without_a_due_date_is_due_on_its_issue_date() -> None:
    open_item = invoice().open_item()
    assert open_item.installments == (ScheduledInstallment(due_date=NOV_23, amount=eur("1152.00")),)


def test_an_invoice_on_terms_falls_due_in_its_installments_with_their_discounts() -> None:
    term = PaymentTerm(
        name="Deposit, then 2/14 end of next month",
        installments=[
            Installment.percentage("30", due=DueRule.days_after(0)),
            Installment.remainder(
                due=DueRule.end_of_month(months=1),
                discount=EarlyPaymentDiscount(percent="2", days=14),
            ),
        ],
    )
    issued = invoice(payment_term=term)
    open_item = issued.open_item()
    assert open_item.installments == issued.installments
    assert [str(part.amount) for part in open_item.installments] == ["EUR 345.60", "EUR 806.40"]
    assert open_item.installments[1].discount_amount == eur("16.13")
    assert open_item.due_date == issued.due_date == dt.date(2026, 12, 31)


def test_a_prepaid_invoice_is_open_for_what_remains_due() -> None:
    content = attrs.evolve(consulting(), prepaid=eur("152.00"))
    draft = DraftInvoice.create(
        id="inv-2", customer="acme", content=content, request=request("p1")
    ).document
    issued = draft.issue(
        number="INV-2", issue_date=NOV_23, payment_term=PaymentTerm.net(30), request=request("p2")
    ).document
    assert issued.open_item().amount == eur("1000.00") == issued.amount_due


def test_a_bill_is_a_payable_to_its_supplier() -> None:
    issued = bill(payment_term=PaymentTerm.end_of_month(days=30))
    open_item = issued.open_item()
    assert open_item.document == DocumentRef.bill("PAP-77")
    assert (open_item.direction, open_item.party, open_item.amount) == (
        Direction.PAYABLE,
        "papyrus",
        eur("1152.00"),
    )
    assert open_item.installments == issued.installments
    assert open_item.due_date == dt.date(2026, 12, 30)


def test_our_credit_note_takes_from_the_customer_s_receivable_at_once() -> None:
    credited = invoice(due_date=DEC_23)
    note = credit_lines(
        credited,
        {0: 2},
        id="cn-1",
        number="CN-1",
        issue_date=dt.date(2026, 11, 30),
        reason="two hours too many",
        request=request("c1"),
    ).document
    open_item = note.open_item()
    assert open_item == OpenItem(
        document=DocumentRef.credit_note("CN-1", Direction.RECEIVABLE),
        party="acme",
        amount=eur("-288.00"),
        issue_date=dt.date(2026, 11, 30),
        installments=(ScheduledInstallment(due_date=dt.date(2026, 11, 30), amount=eur("-288.00")),),
        against=DocumentRef.invoice("INV-1"),
    )
    # together with the invoice, what stays open is what the customer still owes
    assert credited.open_item().amount + open_item.amount == eur("864.00")


def test_a_supplier_s_credit_note_takes_from_our_payable() -> None:
    note = credit_amount(
        bill(),
        eur("52.00"),
        id="scn-1",
        number="PAP-CN-3",
        issue_date=dt.date(2026, 11, 24),
        reason="damaged",
        request=request("s1"),
    ).document
    open_item = note.open_item()
    assert open_item.document == DocumentRef.credit_note("PAP-CN-3", Direction.PAYABLE)
    assert (open_item.party, open_item.amount, open_item.against) == (
        "papyrus",
        eur("-52.00"),
        DocumentRef.bill("PAP-77"),
    )


def test_a_credit_note_of_nothing_is_open_for_nothing() -> None:
    # 3 x EUR 0.006 credited one unit at a time: the second credit note credits 0.00.
    content = Document(
        currency="EUR",
        items=[Line(description="Bolt", quantity="3", unit_price=eur("0.006"))],
    )
    draft = DraftInvoice.create(
        id="i", customer="acme", content=content, request=request("z1")
    ).document
    issued = draft.issue(number="INV-3", issue_date=NOV_23, request=request("z2")).document
    notes = []
    for index in range(2):
        notes.append(
            credit_lines(
                issued,
                {0: 1},
                previous=notes,
                id=f"cn-{index}",
                number=f"CN-{index}",
                issue_date=NOV_23,
                reason="returned",
                request=request(f"z-{index}"),
            ).document
        )
    nothing = notes[1].open_item()
    assert nothing.amount == eur("0.00")
    assert str(nothing.amount) == "EUR 0.00"  # not a negative zero


def test_a_standalone_credit_note_credits_no_document() -> None:
    note = standalone_credit(
        eur("50.00"),
        tax=Tax.percent("VAT", "20"),
        customer="acme",
        id="cn-9",
        number="CN-9",
        issue_date=NOV_23,
        reason="goodwill",
        request=request("g1"),
    ).document
    open_item = note.open_item()
    assert (open_item.amount, open_item.against, open_item.due_date) == (
        eur("-60.00"),
        None,
        NOV_23,
    )


# -- printing -------------------------------------------------------------------------------


def test_printing() -> None:
    open_item = invoice(payment_term=PaymentTerm.deposit("30", days=30)).open_item()
    assert repr(open_item) == (
        "OpenItem(document='invoice INV-1', party='acme', amount=Money('1152.00', 'EUR'), "
        "due_date=datetime.date(2026, 12, 23))"
    )
    assert str(open_item) == (
        "receivable invoice INV-1, acme: EUR 1152.00 in 2 installments: "
        "EUR 345.60 due 2026-11-23, EUR 806.40 due 2026-12-23"
    )
    assert str(item()) == "receivable invoice INV-1, acme: EUR 100.00 due 2026-12-23"
    assert repr(DocumentRef.bill("B-1")) == (
        "DocumentRef(kind=DocumentKind.BILL, number='B-1', direction=Direction.PAYABLE)"
    )
    assert str(DocumentRef.credit_note("CN-1", Direction.RECEIVABLE)) == "credit note CN-1"


def test_open_items_are_frozen_and_hashable() -> None:
    open_item = item()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        open_item.party = "other"  # type: ignore[misc]
    assert len({open_item, item()}) == 1


def test_single_makes_one_installment() -> None:
    assert (
        OpenItem.single(
            document=DocumentRef.invoice("INV-1"),
            party="acme",
            amount=eur("100.00"),
            issue_date=NOV_23,
            due_date=DEC_23,
        )
        == item()
    )
    due_at_once = OpenItem.single(
        document=DocumentRef.credit_note("CN-1", Direction.RECEIVABLE),
        party="acme",
        amount=eur("-10.00"),
        issue_date=NOV_23,
        against=DocumentRef.invoice("INV-1"),
    )
    assert due_at_once.installments == (
        ScheduledInstallment(due_date=NOV_23, amount=eur("-10.00")),
    )


# -- bad input ------------------------------------------------------------------------------


def test_an_invoice_is_always_a_receivable_and_a_bill_a_payable() -> None:
    with pytest.raises(InvalidOpenItem) as caught:
        DocumentRef(kind=DocumentKind.INVOICE, number="INV-1", direction=Direction.PAYABLE)
    assert (caught.value.field, caught.value.value) == ("direction", Direction.PAYABLE)
    with pytest.raises(InvalidOpenItem):
        DocumentRef(kind=DocumentKind.BILL, number="B-1", direction=Direction.RECEIVABLE)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: DocumentRef(kind="invoice", number="1", direction=Direction.RECEIVABLE), "kind"),
        (
            lambda: DocumentRef(kind=DocumentKind.BILL, number="", direction=Direction.PAYABLE),
            "number",
        ),
        (lambda: DocumentRef(kind=DocumentKind.BILL, number="1", direction="payable"), "direction"),
        (lambda: item(document="INV-1"), "document"),
        (lambda: item(party=""), "party"),
        (lambda: item(party=7), "party"),
        (lambda: item(amount=Decimal("100.00")), "amount"),
        (lambda: item(issue_date="2026-11-23"), "issue_date"),
        (lambda: item(issue_date=dt.datetime(2026, 11, 23, tzinfo=dt.UTC)), "issue_date"),
        (lambda: item(installments=[{"due_date": DEC_23}]), "installments[0]"),
        (lambda: item(installments="at once"), "installments"),
        (lambda: item(against="INV-0"), "against"),
    ],
)
def test_values_of_the_wrong_type_are_refused(make: object, field: str) -> None:
    with pytest.raises(InvalidType) as caught:
        make()  # type: ignore[operator]
    assert caught.value.field == field


def test_a_float_amount_is_refused() -> None:
    with pytest.raises(FloatNotAllowed):
        item(amount=Money(100.0, "EUR"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": eur("100.001")}, "amount"),
        ({"installments": ()}, "installments"),
        (
            {
                "installments": (
                    ScheduledInstallment(due_date=DEC_23, amount=eur("60.00")),
                    ScheduledInstallment(due_date=DEC_23, amount=eur("30.00")),
                )
            },
            "installments",
        ),
        (
            {
                "installments": (
                    ScheduledInstallment(due_date=DEC_23, amount=eur("110.00")),
                    ScheduledInstallment(due_date=DEC_23, amount=eur("-10.00")),
                )
            },
            "installments[1]",
        ),
        (
            {
                "installments": (
                    ScheduledInstallment(due_date=dt.date(2026, 11, 22), amount=eur("100.00")),
                )
            },
            "installments[0]",
        ),
        (
            {
                "document": DocumentRef.credit_note("CN-1", Direction.RECEIVABLE),
                "against": None,
            },
            "amount",
        ),
        ({"against": DocumentRef.invoice("INV-0")}, "against"),
        (
            {
                "document": DocumentRef.credit_note("CN-1", Direction.RECEIVABLE),
                "amount": eur("-100.00"),
                "installments": (ScheduledInstallment(due_date=DEC_23, amount=eur("-100.00")),),
                "against": DocumentRef.bill("B-1"),
            },
            "against",
        ),
        (
            {
                "document": DocumentRef.credit_note("CN-1", Direction.PAYABLE),
                "amount": eur("-100.00"),
                "installments": (ScheduledInstallment(due_date=DEC_23, amount=eur("-100.00")),),
                "against": DocumentRef.credit_note("CN-0", Direction.PAYABLE),
            },
            "against",
        ),
    ],
)
def test_inconsistent_open_items_are_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidOpenItem) as caught:
        item(**changes)
    assert isinstance(caught.value, InvalidInput)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == field


def test_an_installment_in_another_currency_is_a_currency_mismatch() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        item(installments=(ScheduledInstallment(due_date=DEC_23, amount=Money("100.00", "USD")),))
    assert (caught.value.left, caught.value.right) == ("EUR", "USD")


def test_a_credit_note_s_open_amount_is_negative_or_nothing() -> None:
    zero = item(
        document=DocumentRef.credit_note("CN-1", Direction.RECEIVABLE),
        amount=eur("0.00"),
        installments=(ScheduledInstallment(due_date=DEC_23, amount=eur("0.00")),),
    )
    assert zero.amount == eur("0.00")
    with pytest.raises(InvalidOpenItem) as caught:
        item(document=DocumentRef.credit_note("CN-1", Direction.RECEIVABLE))
    assert caught.value.value == eur("100.00")


def test_a_returns_invoice_is_open_for_a_negative_amount() -> None:
    returned = item(
        amount=eur("-100.00"),
        installments=(ScheduledInstallment(due_date=DEC_23, amount=eur("-100.00")),),
    )
    assert returned.amount == eur("-100.00")


# -- properties -----------------------------------------------------------------------------


@st.composite
def scheduled_items(draw: st.DrawFn) -> OpenItem:
    """Open items of any currency, amount and payment term, of any kind of document."""
    currency = draw(ost.currencies())
    term = draw(ost.payment_terms(currency))
    units = draw(st.integers(-(10**12), 10**12))
    amount = Money(Decimal(units).scaleb(-ost.precision(currency)), currency)
    issued = draw(ost.invoice_dates())
    kind = draw(st.sampled_from(list(DocumentKind)))
    if kind is DocumentKind.CREDIT_NOTE:
        amount = -abs(amount)
        document = DocumentRef.credit_note("CN-1", draw(st.sampled_from(list(Direction))))
    else:
        document = (
            DocumentRef.invoice("INV-1")
            if kind is DocumentKind.INVOICE
            else (DocumentRef.bill("B-1"))
        )
    try:
        installments = term.schedule(amount, issued)
    except (InstallmentsExceedTotal, OrdercoreError):
        reject()
    return OpenItem(
        document=document,
        party="acme",
        amount=amount,
        issue_date=issued,
        installments=installments,
    )


@given(scheduled_items())
def test_the_installments_of_an_open_item_sum_to_its_amount(open_item: OpenItem) -> None:
    total = sum((part.amount for part in open_item.installments), Money.zero(open_item.currency))
    assert total == open_item.amount
    assert all(part.due_date >= open_item.issue_date for part in open_item.installments)
    assert open_item.due_date == max(part.due_date for part in open_item.installments)


@given(
    ost.documents(currency="EUR"),
    ost.payment_terms("EUR"),
    ost.invoice_dates(),
)
def test_every_issued_invoice_and_bill_is_open_for_its_amount_due(
    content: Document, term: PaymentTerm, issued_on: dt.date
) -> None:
    if not content.lines:
        reject()
    try:
        draft = DraftInvoice.create(
            id="i", customer="c", content=content, request=request("1")
        ).document
        issued = draft.issue(
            number="N", issue_date=issued_on, payment_term=term, request=request("2")
        ).document
        draft_bill = DraftBill.create(
            id="b", supplier="s", content=content, request=request("3")
        ).document
        received = draft_bill.issue(
            number="N", issue_date=issued_on, payment_term=term, request=request("4")
        ).document
    except OrdercoreError:
        reject()
    for document, open_item in ((issued, issued.open_item()), (received, received.open_item())):
        assert open_item.amount == document.amount_due
        assert open_item.installments == document.installments
        parts = sum(
            (part.amount for part in open_item.installments), Money.zero(open_item.currency)
        )
        assert parts == open_item.amount
