"""Credit notes: by lines and quantities, in full, and standalone."""

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    Allowance,
    Discount,
    Document,
    DraftInvoice,
    InvalidDocument,
    InvalidType,
    IssuedInvoice,
    Line,
    Money,
    OverCrediting,
    Policy,
    Request,
    Tax,
)
from ordercore.documents import CreditNote, credit_in_full, credit_lines, standalone_credit

DAY = dt.date(2026, 11, 30)
VAT = Tax.percent("VAT", "20")
REDUCED = Tax.percent("VAT", "5.5")


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), business_date=DAY)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def invoice(*, allowance: bool = True) -> IssuedInvoice:
    content = Document(
        currency="EUR",
        items=[
            Line(
                description="Chair",
                quantity="3",
                unit_price=eur("49.99"),
                taxes=[VAT],
                discounts=[Discount.percent("10")],
            ),
            Line(description="Book", quantity="7", unit_price=eur("12.34"), taxes=[REDUCED]),
        ],
        allowances=[Allowance.percentage("3", reason="Loyalty")] if allowance else [],
    )
    draft = DraftInvoice.create(
        id="inv-1", customer="acme", content=content, request=request("r1")
    ).document
    return draft.issue(
        number="INV-1", issue_date=dt.date(2026, 11, 23), request=request("r2")
    ).document


def credit(
    inv: IssuedInvoice,
    quantities: dict[int, object],
    previous: tuple[CreditNote, ...] = (),
    n: int = 1,
) -> CreditNote:
    return credit_lines(
        inv,
        quantities,
        previous=previous,
        id=f"cn-{n}",
        number=f"CN-{n}",
        issue_date=DAY,
        reason="Damaged",
        request=request(f"c{n}"),
    ).document


class TestByLines:
    def test_credits_at_the_invoice_prices_and_taxes(self) -> None:
        inv = invoice()
        note = credit(inv, {0: "1"})
        chair = inv.priced.lines[0]
        assert note.priced.lines[0].net == (chair.stated * 1 / 3).rounded()
        assert note.priced.tax_breakdown[0].tax == VAT
        assert note.invoice_number == "INV-1"
        assert repr(note).startswith(
            "CreditNote(number='CN-1', state='issued', invoice='INV-1', currency='EUR'"
        )

    def test_credits_of_a_line_add_up_to_what_was_billed(self) -> None:
        inv = invoice()
        first = credit(inv, {1: "3"})
        second = credit(inv, {1: "4"}, previous=(first,), n=2)
        billed = inv.priced.lines[1].stated
        assert first.priced.lines[0].net + second.priced.lines[0].net == billed

    def test_many_small_credits_of_a_cheap_line_are_never_negative(self) -> None:
        content = Document(
            currency="EUR", items=[Line(description="Clip", quantity="7", unit_price=eur("0.0071"))]
        )
        draft = DraftInvoice.create(
            id="inv-3", customer="acme", content=content, request=request("r1")
        ).document
        inv = draft.issue(
            number="INV-3", issue_date=dt.date(2026, 11, 23), request=request("r2")
        ).document
        assert inv.priced.lines[0].net == eur("0.05")
        notes: list[CreditNote] = []
        for n in range(1, 8):
            notes.append(credit(inv, {0: "1"}, previous=tuple(notes), n=n))
        amounts = [note.priced.lines[0].net.amount for note in notes]
        assert min(amounts) >= 0
        assert sum(amounts) == Decimal("0.05")

    def test_credits_by_lines_never_exceed_the_invoice_total(self) -> None:
        vat10 = Tax.percent("VAT", "10")
        lines = [
            Line(description=f"Item {i}", quantity="1", unit_price=eur("0.05"), taxes=[vat10])
            for i in range(3)
        ]
        draft = DraftInvoice.create(
            id="inv-5",
            customer="acme",
            content=Document(currency="EUR", items=lines),
            request=request("r1"),
        ).document
        inv = draft.issue(
            number="INV-5", issue_date=dt.date(2026, 11, 23), request=request("r2")
        ).document
        assert inv.total == eur("0.17")
        notes: list[CreditNote] = []
        for n in range(3):
            notes.append(credit(inv, {n: "1"}, previous=tuple(notes), n=n + 1))
        assert [note.total for note in notes] == [eur("0.06"), eur("0.06"), eur("0.05")]
        assert sum((note.total for note in notes), eur("0")) == inv.total

    def test_never_more_than_remains(self) -> None:
        inv = invoice()
        first = credit(inv, {0: "2"})
        with pytest.raises(OverCrediting) as error:
            credit(inv, {0: "2"}, previous=(first,), n=2)
        assert (error.value.requested, error.value.remaining) == (Decimal(2), Decimal(1))
        assert "only 1 remains" in str(error.value)

    def test_bad_requests(self) -> None:
        inv = invoice()
        with pytest.raises(InvalidDocument, match="no line 5"):
            credit(inv, {5: "1"})
        with pytest.raises(InvalidDocument, match="positive quantity"):
            credit(inv, {0: "0"})
        other = credit(invoice(), {0: "1"})
        with pytest.raises(InvalidDocument, match="credits invoice"):
            credit(standalone_invoice(), {0: "1"}, previous=(other,), n=2)

    @given(st.lists(st.integers(1, 7), min_size=1, max_size=7))
    def test_any_sequence_of_partial_credits_never_exceeds_and_completes_exactly(
        self, parts: list[int]
    ) -> None:
        inv = invoice()
        notes: list[CreditNote] = []
        credited = 0
        for n, part in enumerate(parts, 1):
            if credited + part > 7:
                with pytest.raises(OverCrediting):
                    credit(inv, {1: part}, previous=tuple(notes), n=n)
                continue
            notes.append(credit(inv, {1: part}, previous=tuple(notes), n=n))
            credited += part
        total = sum((note.priced.lines[0].net for note in notes), eur("0"))
        assert total <= inv.priced.lines[1].stated
        if credited == 7:
            assert total == inv.priced.lines[1].stated


def standalone_invoice() -> IssuedInvoice:
    content = Document(
        currency="EUR", items=[Line(description="Pen", quantity="2", unit_price=eur("1.50"))]
    )
    draft = DraftInvoice.create(
        id="inv-2", customer="acme", content=content, request=request("r1")
    ).document
    return draft.issue(
        number="INV-2", issue_date=dt.date(2026, 11, 23), request=request("r2")
    ).document


class TestInFull:
    def test_cancels_to_the_cent(self) -> None:
        inv = invoice()
        note = credit_in_full(
            inv, id="cn-9", number="CN-9", issue_date=DAY, reason="Cancelled", request=request("c9")
        )
        assert note.document.total == inv.total
        assert note.document.priced.tax_breakdown == inv.priced.tax_breakdown
        assert note.events[0].name == "CreditNoteIssued"

    def test_only_once_and_only_before_partial_credits(self) -> None:
        inv = invoice()
        full = credit_in_full(
            inv, id="cn-9", number="CN-9", issue_date=DAY, reason="Cancelled", request=request("c9")
        ).document
        with pytest.raises(InvalidDocument, match="credited in full"):
            credit(inv, {0: "1"}, previous=(full,), n=2)
        partial = credit(inv, {0: "1"})
        with pytest.raises(InvalidDocument, match="already has credit notes"):
            credit_in_full(
                inv,
                previous=(partial,),
                id="cn-9",
                number="CN-9",
                issue_date=DAY,
                reason="x",
                request=request("c9"),
            )


class TestStandalone:
    def test_an_amount_with_a_tax_and_a_reason(self) -> None:
        note = standalone_credit(
            eur("50.00"),
            tax=VAT,
            customer="acme",
            id="cn-5",
            number="CN-5",
            issue_date=DAY,
            reason="Goodwill",
            request=request("c5"),
        ).document
        assert note.invoice_number is None
        assert note.total == eur("60.00")
        assert note.priced.lines[0].line.description == "Goodwill"

    def test_must_be_positive(self) -> None:
        with pytest.raises(InvalidDocument, match="positive"):
            standalone_credit(
                eur("0"),
                tax=VAT,
                customer="acme",
                id="cn-5",
                number="CN-5",
                issue_date=DAY,
                reason="x",
                request=request("c5"),
            )


class TestRefusals:
    def test_previous_must_be_credit_notes(self) -> None:
        with pytest.raises(InvalidType):
            credit(invoice(), {0: "1"}, previous=None)  # type: ignore[arg-type]

    def test_a_credit_note_holds_only_credited_lines(self) -> None:
        note = credit(invoice(), {0: "1"})
        with pytest.raises(InvalidType):
            attrs.evolve(note, credited="x")
        with pytest.raises(InvalidType):
            attrs.evolve(note, in_full="yes")

    def test_standalone_document_adjustments_are_not_credited_by_lines(self) -> None:
        content = Document(
            currency="EUR",
            items=[Line(description="Desk", quantity="1", unit_price=eur("100.00"), taxes=[VAT])],
            allowances=[Allowance.fixed(eur("50.00"), reason="Voucher", taxes=[VAT])],
            policy=Policy(adjustments=AdjustmentMode.STANDALONE),
        )
        draft = DraftInvoice.create(
            id="inv-4", customer="acme", content=content, request=request("r1")
        ).document
        inv = draft.issue(
            number="INV-4", issue_date=dt.date(2026, 11, 23), request=request("r2")
        ).document
        with pytest.raises(InvalidDocument, match="standalone document allowances"):
            credit(inv, {0: "1"})
