"""Invoices from draft to issued, numbering series, and the events every change yields."""

import concurrent.futures
import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    CashRounding,
    Document,
    DocumentWithoutLines,
    DraftBill,
    DraftInvoice,
    DueBeforeIssue,
    InvalidNumber,
    InvalidType,
    IssuedBill,
    IssuedInvoice,
    Line,
    Money,
    NotADraft,
    NumberingSeries,
    PaymentTerm,
    Policy,
    Request,
    Tax,
    VoidedBill,
    VoidedInvoice,
)
from ordercore.documents import (
    InvoiceDraftCreated,
    InvoiceDraftRevised,
    InvoiceDraftVoided,
    InvoiceIssued,
)
from ordercore.errors import DraftMadeFromOrder, DueDateAndTerm, InstallmentsDoNotPay
from ordercore.settlement import ScheduledInstallment

NOV_23 = dt.date(2026, 11, 23)


def request(key: str) -> Request:
    return Request(
        key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=NOV_23, by="alice"
    )


def consulting(hours: str = "8") -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(
                description="Consulting",
                quantity=hours,
                unit_price=Money("120.00", "EUR"),
                taxes=[Tax.percent("VAT", "20")],
            )
        ],
    )


def draft(hours: str = "8") -> DraftInvoice:
    return DraftInvoice.create(
        id="inv-1", customer="acme", content=consulting(hours), request=request("r1")
    ).document


class TestDraft:
    def test_creating_a_draft_yields_an_event(self) -> None:
        created = DraftInvoice.create(
            id="inv-1", customer="acme", content=consulting(), request=request("r1")
        )
        assert created.document.version == 1
        assert created.events == (
            InvoiceDraftCreated(document_id="inv-1", request=request("r1"), version=1),
        )

    def test_a_revision_is_a_new_version_and_leaves_the_old_one_alone(self) -> None:
        first = draft("8")
        revised = first.revise(consulting("10"), request=request("r2"))
        assert (first.version, revised.document.version) == (1, 2)
        assert first.priced.totals.amount_due == Money("1152.00", "EUR")
        assert revised.document.priced.totals.amount_due == Money("1440.00", "EUR")
        assert revised.events == (
            InvoiceDraftRevised(document_id="inv-1", request=request("r2"), version=2),
        )

    def test_voiding_keeps_the_content_for_the_record(self) -> None:
        voided = draft().void(reason="Duplicate", request=request("r3"))
        assert isinstance(voided.document, VoidedInvoice)
        assert voided.document.content == consulting()
        assert voided.events == (
            InvoiceDraftVoided(document_id="inv-1", request=request("r3"), reason="Duplicate"),
        )
        shown = repr(voided.document)
        assert shown.startswith("VoidedInvoice(id='inv-1', state='voided', ")
        assert "Duplicate" in str(voided.document)

    def test_repr_is_short(self) -> None:
        shown = repr(draft())
        assert shown.startswith("DraftInvoice(id='inv-1', state='draft', version=1, ")
        assert "customer='acme'" in shown
        assert "total='1152.00'" in shown
        assert "\n" not in shown

    def test_bad_input_is_refused(self) -> None:
        with pytest.raises(InvalidType):
            DraftInvoice(id="", customer="acme", content=consulting())
        with pytest.raises(InvalidType):
            DraftInvoice(id="x", customer="acme", content="a document")  # type: ignore[arg-type]
        with pytest.raises(InvalidType) as caught:
            draft().revise(consulting(), request="r2")  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.value) == ("request", "r2")


class TestIssue:
    def test_issuing_numbers_prices_and_freezes(self) -> None:
        series = NumberingSeries(prefix="INV-2026-", width=5)
        number, series = series.next()
        issued = draft().issue(
            number=number, issue_date=NOV_23, due_date=dt.date(2026, 12, 23), request=request("r2")
        )
        invoice = issued.document
        assert isinstance(invoice, IssuedInvoice)
        assert (invoice.number, invoice.issue_date, invoice.total) == (
            "INV-2026-00001",
            NOV_23,
            Money("1152.00", "EUR"),
        )
        shown = repr(invoice)
        assert shown.startswith("IssuedInvoice(number='INV-2026-00001', state='issued', ")
        assert "total='1152.00'" in shown
        assert issued.events == (
            InvoiceIssued(
                document_id="inv-1",
                request=request("r2"),
                number="INV-2026-00001",
                issue_date=NOV_23,
                due_date=dt.date(2026, 12, 23),
                amount_due=Money("1152.00", "EUR"),
            ),
        )
        assert issued.events[0].name == "InvoiceIssued"

    def test_an_issued_invoice_cannot_change(self) -> None:
        invoice = draft().issue(number="INV-1", issue_date=NOV_23, request=request("r2")).document
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            invoice.number = "INV-2"  # type: ignore[misc]
        for step in ("revise", "void", "issue"):
            with pytest.raises(NotADraft) as refused:
                getattr(invoice, step)()
            assert (refused.value.document, refused.value.state, refused.value.operation) == (
                "invoice INV-1",
                "issued",
                step,
            )
            assert refused.value.first is not None

    def test_the_invoice_keeps_what_it_was_priced_with(self) -> None:
        invoice = draft().issue(number="INV-1", issue_date=NOV_23, request=request("r2")).document
        assert invoice.content == consulting()
        assert invoice.priced.policy == consulting().policy
        assert invoice.priced.lines[0].net == Money("960.00", "EUR")

    def test_checks_come_before_anything_changes(self) -> None:
        with pytest.raises(DueBeforeIssue) as early:
            draft().issue(
                number="INV-1",
                issue_date=NOV_23,
                due_date=dt.date(2026, 11, 1),
                request=request("r2"),
            )
        assert (early.value.due_date, early.value.issue_date) == (dt.date(2026, 11, 1), NOV_23)
        with pytest.raises(DocumentWithoutLines) as empty:
            DraftInvoice(id="e", customer="acme", content=Document(currency="EUR", items=[])).issue(
                number="INV-1", issue_date=NOV_23, request=request("r2")
            )
        assert empty.value.document == "invoice 'e'"
        with pytest.raises(InvalidType) as bad_date:
            draft().issue(
                number="INV-1",
                issue_date=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
                request=request("r2"),
            )
        assert bad_date.value.field == "issue_date"
        with pytest.raises(InvalidType) as bad_number:
            draft().issue(number="", issue_date=NOV_23, request=request("r2"))
        assert (bad_number.value.field, bad_number.value.value) == ("number", "")


class TestNumbering:
    def test_numbers_are_zero_padded_with_the_prefix(self) -> None:
        assert NumberingSeries(prefix="CN-", width=3).next()[0] == "CN-001"

    def test_taking_a_number_leaves_the_old_series_alone(self) -> None:
        series = NumberingSeries(prefix="INV-")
        number, advanced = series.next()
        assert (series.last, advanced.last, number) == (0, 1, "INV-000001")

    def test_formatting_a_counter_checks_it(self) -> None:
        series = NumberingSeries(prefix="X", width=2)
        assert series.format(7) == "X07"
        with pytest.raises(InvalidNumber):
            series.format(100)
        with pytest.raises(InvalidType):
            series.format("a")  # type: ignore[arg-type]

    def test_a_full_series_says_so(self) -> None:
        with pytest.raises(InvalidNumber) as full:
            NumberingSeries(prefix="X", width=2, last=99).next()
        assert (full.value.field, full.value.value) == ("last", 100)

    @pytest.mark.parametrize(
        "fields",
        [
            {"prefix": 1},
            {"prefix": "X", "width": 0},
            {"prefix": "X", "last": -1},
            {"prefix": "X", "width": True},
        ],
    )
    def test_bad_series(self, fields: dict[str, object]) -> None:
        with pytest.raises((InvalidType, InvalidNumber)):
            NumberingSeries(**fields)  # type: ignore[arg-type]

    @given(st.integers(0, 10**6), st.integers(1, 50))
    def test_numbers_are_gapless_and_strictly_increasing(self, start: int, count: int) -> None:
        series = NumberingSeries(prefix="INV-", width=8, last=start)
        numbers = []
        for _ in range(count):
            number, series = series.next()
            numbers.append(int(number.removeprefix("INV-")))
        assert numbers == list(range(start + 1, start + count + 1))
        assert series.last == start + count


class TestRequests:
    def test_times_must_be_aware_and_dates_plain(self) -> None:
        with pytest.raises(InvalidType) as naive:
            Request(key="k", at=dt.datetime(2026, 11, 23, 9, 0), business_date=NOV_23)  # noqa: DTZ001 - naive on purpose
        assert naive.value.field == "at"
        with pytest.raises(InvalidType) as not_a_date:
            Request(
                key="k",
                at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
                business_date=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
            )
        assert not_a_date.value.field == "business_date"
        with pytest.raises(InvalidType):
            Request(key="", at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=NOV_23)


def test_a_numbering_series_is_a_value_that_threads_do_not_share_safely() -> None:
    # eight threads taking the next number of one series all get the same number: the
    # series holds no lock, and the host's store serializes issuing (docs/invoices.md)
    series = NumberingSeries(prefix="INV-", width=4, last=7)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(lambda _: series.next(), range(8)))
    assert {number for number, _ in taken} == {"INV-0008"}
    assert series.last == 7
    assert attrs.has(NumberingSeries)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        series.last = 8  # type: ignore[misc]
    assert hash(series) == hash(NumberingSeries(prefix="INV-", width=4, last=7))


class TestNames:
    """``total`` is the total with taxes, ``amount_due`` what is payable (docs/design.md)."""

    def test_with_cash_rounding_the_total_is_with_taxes_and_the_amount_due_is_rounded(
        self,
    ) -> None:
        content = Document(
            currency="CHF",
            items=[
                Line(
                    description="Coffee",
                    quantity="1",
                    unit_price=Money("10.03", "CHF"),
                    taxes=[Tax.percent("VAT", "8")],
                )
            ],
            policy=Policy(cash_rounding=CashRounding.for_currency("CHF")),
        )
        issued = (
            DraftInvoice.create(id="inv-2", customer="acme", content=content, request=request("r1"))
            .document.issue(number="INV-2", issue_date=NOV_23, request=request("r2"))
            .document
        )
        assert issued.total == issued.priced.totals.tax_inclusive == Money("10.83", "CHF")
        assert issued.amount_due == issued.priced.totals.amount_due == Money("10.85", "CHF")
        assert issued.open_item().amount == issued.amount_due

    def test_a_prepaid_amount_is_taken_from_the_amount_due_not_the_total(self) -> None:
        content = attrs.evolve(consulting(), prepaid=Money("152.00", "EUR"))
        bill = (
            DraftBill.create(id="b-1", supplier="papyrus", content=content, request=request("r1"))
            .document.issue(
                number="PAP-1",
                issue_date=NOV_23,
                payment_term=PaymentTerm.deposit("30", days=30),
                request=request("r2"),
            )
            .document
        )
        assert (bill.total, bill.amount_due) == (Money("1152.00", "EUR"), Money("1000.00", "EUR"))
        assert sum((i.amount for i in bill.installments), Money.zero("EUR")) == bill.amount_due


class TestOneLifecycle:
    def test_a_draft_is_priced_once_as_a_property(self) -> None:
        first = draft()
        assert first.priced is first.priced
        assert first.priced.totals.tax_inclusive == Money("1152.00", "EUR")
        assert first == draft()  # the cached price takes no part in equality
        assert hash(first) == hash(draft())

    def test_a_bill_goes_through_the_same_steps_with_its_own_events(self) -> None:
        created = DraftBill.create(
            id="b-1", supplier="papyrus", content=consulting(), request=request("r1")
        )
        revised = created.document.revise(consulting("10"), request=request("r2"))
        issued = revised.document.issue(number="PAP-1", issue_date=NOV_23, request=request("r3"))
        assert [e.name for e in (*created.events, *revised.events, *issued.events)] == [
            "BillDraftCreated",
            "BillDraftRevised",
            "BillIssued",
        ]
        assert isinstance(issued.document, IssuedBill)
        assert (issued.document.supplier, issued.document.version) == ("papyrus", 2)
        voided = created.document.void(reason="billed twice", request=request("r4")).document
        assert isinstance(voided, VoidedBill)
        assert (voided.supplier, voided.reason, voided.version) == ("papyrus", "billed twice", 1)

    def test_a_due_date_and_a_term_are_refused_together(self) -> None:
        with pytest.raises(DueDateAndTerm) as caught:
            draft().issue(
                number="INV-1",
                issue_date=NOV_23,
                due_date=dt.date(2026, 12, 23),
                payment_term=PaymentTerm.net(30),
                request=request("r2"),
            )
        assert (caught.value.document, caught.value.due_date) == (
            "invoice 'inv-1'",
            dt.date(2026, 12, 23),
        )

    def test_a_draft_made_from_an_order_is_not_revised(self) -> None:
        made = DraftBill(id="b-1", supplier="papyrus", content=consulting(), purchase_order="PO-1")
        with pytest.raises(DraftMadeFromOrder) as caught:
            made.revise(consulting("10"), request=request("r2"))
        assert (caught.value.document, caught.value.order, caught.value.operation) == (
            "draft bill 'b-1'",
            "purchase order PO-1",
            "revise",
        )

    def test_installments_must_pay_the_amount_due(self) -> None:
        issued = draft().issue(number="INV-1", issue_date=NOV_23, request=request("r2")).document
        short = (ScheduledInstallment(due_date=NOV_23, amount=Money("1000.00", "EUR")),)
        with pytest.raises(InstallmentsDoNotPay) as caught:
            attrs.evolve(issued, installments=short, due_date=NOV_23)
        assert (caught.value.scheduled, caught.value.amount_due) == (
            Money("1000.00", "EUR"),
            Money("1152.00", "EUR"),
        )

    def test_a_voided_reason_is_checked_before_anything_is_returned(self) -> None:
        with pytest.raises(InvalidType) as caught:
            draft().void(reason="", request=request("r3"))
        assert caught.value.field == "reason"
