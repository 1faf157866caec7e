"""Credit notes: by lines and quantities, by amount, in full, and standalone."""

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    Allowance,
    AlreadyCredited,
    CashRounding,
    Charge,
    CreditBeforeInvoice,
    CreditOfAnotherInvoice,
    CurrencyMismatch,
    Discount,
    Document,
    DraftInvoice,
    FloatNotAllowed,
    InvalidAmount,
    InvalidNumber,
    InvalidTax,
    InvalidType,
    IssuedInvoice,
    Line,
    Money,
    NotCreditableByAmount,
    NotCreditableByLines,
    NothingToCredit,
    NoUntaxedAmount,
    OverCrediting,
    PerUnitTaxByAmount,
    Policy,
    PriceSource,
    Request,
    RoundingMode,
    Tax,
    TaxIncludedAndAdded,
    TaxNotIncludable,
    TaxSetBelowZero,
    UnknownInvoiceLine,
    WrongState,
    price,
)
from ordercore.documents import (
    CreditBase,
    CreditByAmount,
    CreditByLines,
    CreditedAmount,
    CreditedLine,
    CreditNote,
    CustomerCreditNote,
    credit_amount,
    credit_in_full,
    credit_lines,
    standalone_credit,
)
from ordercore.documents.display import text
from ordercore.pricing import render

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
        shown = repr(note)
        assert shown.startswith("CustomerCreditNote(number='CN-1', state='issued', ")
        assert "customer='acme'" in shown
        assert "invoice='INV-1'" in shown
        assert f"total='{note.total.amount}'" in shown

    def test_a_credited_line_keeps_the_price_source_of_the_invoice_line(self) -> None:
        source = PriceSource(catalog_version="2024-01", price_book="List", price_break="0")
        chair = Line(
            description="Chair",
            quantity="3",
            unit_price=eur("49.99"),
            taxes=[VAT],
            product="CHAIR",
            price_source=source,
        )
        inv = issue(Document(currency="EUR", items=[chair, desk(VAT)]))
        note = credit(inv, {0: "1", 1: "1"})
        assert [line.line.price_source for line in note.priced.lines] == [source, None]

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
        assert (error.value.invoice, error.value.line) == ("INV-1", "Chair")

    def test_bad_requests(self) -> None:
        inv = invoice()
        with pytest.raises(UnknownInvoiceLine) as unknown:
            credit(inv, {5: "1"})
        assert (unknown.value.invoice, unknown.value.index, unknown.value.count) == ("INV-1", 5, 2)
        assert isinstance(unknown.value, LookupError)
        with pytest.raises(InvalidNumber) as zero:
            credit(inv, {0: "0"})
        assert (zero.value.value, zero.value.field) == ("0", "quantities[0]")
        other = credit(invoice(), {0: "1"})
        with pytest.raises(CreditOfAnotherInvoice) as another:
            credit(standalone_invoice(), {0: "1"}, previous=(other,), n=2)
        assert (another.value.credit_note, another.value.credited, another.value.invoice) == (
            "CN-1",
            "INV-1",
            "INV-2",
        )

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
        with pytest.raises(AlreadyCredited) as after:
            credit(inv, {0: "1"}, previous=(full,), n=2)
        assert (after.value.invoice, after.value.in_full, after.value.credit_notes) == (
            "INV-1",
            True,
            ("CN-9",),
        )
        assert isinstance(after.value, WrongState)
        assert after.value.first is None
        partial = credit(inv, {0: "1"})
        with pytest.raises(AlreadyCredited) as before:
            credit_in_full(
                inv,
                previous=(partial,),
                id="cn-9",
                number="CN-9",
                issue_date=DAY,
                reason="x",
                request=request("c9"),
            )
        assert (before.value.in_full, before.value.credit_notes) == (False, ("CN-1",))
        assert before.value.operation == "credit in full"


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
        with pytest.raises(InvalidAmount) as error:
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
        assert (error.value.value, error.value.field) == (eur("0"), "amount")


class TestRefusals:
    def test_previous_must_be_credit_notes(self) -> None:
        with pytest.raises(InvalidType):
            credit(invoice(), {0: "1"}, previous=None)  # type: ignore[arg-type]

    def test_a_credit_note_holds_only_credited_lines(self) -> None:
        note = credit(invoice(), {0: "1"})
        with pytest.raises(InvalidType):
            attrs.evolve(note, basis="x")
        with pytest.raises(InvalidType):
            CreditByLines(invoice="INV-1", lines=())
        with pytest.raises(FloatNotAllowed):
            CreditedLine(index=0, quantity="1", amount=1.0)
        with pytest.raises(InvalidType):
            CreditedLine(index=0, quantity="1", amount=[eur("1.00")])
        assert isinstance(note, CustomerCreditNote)
        assert note.credited == note.basis.lines  # type: ignore[union-attr]
        assert hash(note.basis) == hash(attrs.evolve(note.basis))

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
        with pytest.raises(NotCreditableByLines) as error:
            credit(inv, {0: "1"})
        assert (error.value.invoice, error.value.line) == ("INV-4", None)


# -- by amount ------------------------------------------------------------------------------


def issue(content: Document, number: str = "INV-7") -> IssuedInvoice:
    draft = DraftInvoice.create(
        id=f"id-{number}", customer="acme", content=content, request=request("r1")
    ).document
    return draft.issue(
        number=number, issue_date=dt.date(2026, 11, 23), request=request("r2")
    ).document


def by_amount(
    inv: IssuedInvoice,
    amount: object,
    previous: tuple[CreditNote, ...] = (),
    n: int = 1,
    base: CreditBase = CreditBase.TOTAL,
) -> CreditNote:
    return credit_amount(
        inv,
        amount,  # type: ignore[arg-type]
        base=base,
        previous=previous,
        id=f"cn-{n}",
        number=f"CN-{n}",
        issue_date=DAY,
        reason="Late delivery",
        request=request(f"c{n}"),
    ).document


def rates(note: CreditNote) -> list[str]:
    return [row.tax.label for row in note.priced.tax_breakdown]


def desk(*taxes: Tax, price: str = "100.00", quantity: str = "1") -> Line:
    return Line(description="Desk", quantity=quantity, unit_price=eur(price), taxes=taxes)


class TestByAmount:
    def test_credits_the_stated_amount_split_over_the_tax_sets(self) -> None:
        inv = invoice()
        changed = credit_amount(
            inv,
            eur("50.00"),
            id="cn-1",
            number="CN-1",
            issue_date=DAY,
            reason="Late delivery",
            request=request("c1"),
        )
        note = changed.document
        assert note.total == eur("50.00")
        assert note.by_amount == CreditedAmount(amount=eur("50.00"), base=CreditBase.TOTAL)
        assert (note.credited, note.in_full, note.invoice_number) == ((), False, "INV-1")
        # in proportion to the sets' totals: 157.10 with VAT 20 %, 88.40 with 5.5 %
        assert [line.stated for line in note.priced.lines] == [eur("32.00"), eur("18.00")]
        assert [line.line.description for line in note.priced.lines] == [
            "Late delivery (VAT 20 %)",
            "Late delivery (VAT 5.5 %)",
        ]
        assert rates(note) == ["VAT 20 %", "VAT 5.5 %"]
        assert all(tax.included for line in note.priced.lines for tax in line.line.taxes)
        event = changed.events[0]
        assert (event.name, event.total, event.amount_due, event.by_amount) == (
            "CreditNoteIssued",
            eur("50.00"),
            eur("50.00"),
            note.by_amount,
        )

    def test_an_untaxed_amount_takes_the_invoice_taxes_on_top(self) -> None:
        note = by_amount(invoice(), eur("50.00"), base=CreditBase.UNTAXED)
        assert note.priced.totals.tax_exclusive == eur("50.00")
        assert [line.net for line in note.priced.lines] == [eur("30.49"), eur("19.51")]
        assert note.total == eur("57.17")
        assert note.by_amount == CreditedAmount(amount=eur("50.00"), base=CreditBase.UNTAXED)
        assert not any(tax.included for line in note.priced.lines for tax in line.line.taxes)

    def test_one_tax_set_gives_one_line_named_by_the_reason(self) -> None:
        note = by_amount(standalone_invoice(), eur("1.00"))
        assert [(line.line.description, line.stated) for line in note.priced.lines] == [
            ("Late delivery", eur("1.00"))
        ]

    def test_credits_by_lines_leave_less_to_credit_by_amount(self) -> None:
        inv = invoice()
        chairs = credit(inv, {0: "3"})
        note = by_amount(inv, eur("20.00"), previous=(chairs,), n=2)
        assert [line.line.description for line in note.priced.lines] == ["Late delivery"]
        assert rates(note) == ["VAT 5.5 %"]
        left = inv.total - chairs.total - note.total
        with pytest.raises(OverCrediting) as error:
            by_amount(inv, left + eur("0.01"), previous=(chairs, note), n=3)
        assert (error.value.requested, error.value.remaining) == (left + eur("0.01"), left)

    def test_all_that_remains_leaves_nothing(self) -> None:
        inv = invoice()
        first = by_amount(inv, eur("50.00"))
        second = by_amount(inv, eur("50.00"), previous=(first,), n=2, base=CreditBase.UNTAXED)
        third = credit(inv, {0: "1"}, previous=(first, second), n=3)
        notes = (first, second, third)
        left = inv.total - sum((note.total for note in notes), eur("0"))
        last = by_amount(inv, left, previous=notes, n=4)
        notes = (*notes, last)
        assert sum((note.total for note in notes), eur("0")) == inv.total
        with pytest.raises(OverCrediting) as error:
            by_amount(inv, eur("0.01"), previous=notes, n=5)
        assert (error.value.requested, error.value.remaining) == (eur("0.01"), eur("0.00"))
        assert error.value.line is None

    def test_an_untaxed_amount_is_held_to_what_remains_with_its_taxes(self) -> None:
        inv = issue(Document(currency="EUR", items=[desk(VAT)]))
        with pytest.raises(OverCrediting) as error:
            by_amount(inv, eur("100.01"), base=CreditBase.UNTAXED)
        assert (error.value.requested, error.value.remaining) == (eur("120.01"), eur("120.00"))
        assert by_amount(inv, eur("100.00"), base=CreditBase.UNTAXED).total == inv.total

    def test_a_credit_by_amount_limits_later_credits_by_lines(self) -> None:
        inv = invoice()
        # what the chairs bill is still creditable by lines, but not past the total
        small = by_amount(inv, eur("50.00"))
        with pytest.raises(OverCrediting) as total:
            credit(inv, {0: "3", 1: "7"}, previous=(small,), n=2)
        assert (total.value.invoice, total.value.remaining) == ("INV-1", eur("195.50"))
        assert (total.value.line, total.value.taxes) == (None, None)
        # nor past what remains of the chairs' tax set, which the amount credited in part
        with pytest.raises(OverCrediting) as error:
            credit(inv, {0: "3"}, previous=(small,), n=2)
        assert error.value.taxes == "VAT 20 %"
        assert (error.value.requested, error.value.remaining) == (eur("130.92"), eur("104.25"))
        chair = credit(inv, {0: "1"}, previous=(small,), n=2)
        assert chair.priced.lines[0].net == (inv.priced.lines[0].stated * 1 / 3).rounded()

    def test_the_last_units_credited_after_an_amount_absorb_no_rounding(self) -> None:
        vat10 = Tax.percent("VAT", "10")
        items = [
            Line(description=f"Item {i}", quantity="1", unit_price=eur("0.05"), taxes=[vat10])
            for i in range(3)
        ]
        inv = issue(Document(currency="EUR", items=items))
        cent = by_amount(inv, eur("0.01"))
        notes = (cent, credit(inv, {0: "1"}, previous=(cent,), n=2))
        notes = (*notes, credit(inv, {1: "1"}, previous=notes, n=3))
        assert [note.total for note in notes] == [eur("0.01"), eur("0.06"), eur("0.06")]
        # what is left (0.04) is less than the last item's 0.06: no rounding line takes it
        with pytest.raises(OverCrediting):
            credit(inv, {2: "1"}, previous=notes, n=4)
        last = by_amount(inv, eur("0.04"), previous=notes, n=4)
        assert sum((note.total for note in (*notes, last)), eur("0")) == inv.total

    def test_in_full_only_before_and_never_after(self) -> None:
        inv = invoice()
        partial = by_amount(inv, eur("10.00"))
        with pytest.raises(AlreadyCredited):
            credit_in_full(
                inv,
                previous=(partial,),
                id="cn-9",
                number="CN-9",
                issue_date=DAY,
                reason="x",
                request=request("c9"),
            )
        full = credit_in_full(
            inv, id="cn-9", number="CN-9", issue_date=DAY, reason="x", request=request("c9")
        ).document
        with pytest.raises(AlreadyCredited) as error:
            by_amount(inv, eur("10.00"), previous=(full,), n=2)
        assert (error.value.in_full, error.value.operation) == (True, "credit an amount of")

    def test_prices_with_taxes_included_are_credited_in_the_same_sets(self) -> None:
        vat = Tax.percent("VAT", "20", included=True)
        inv = issue(Document(currency="EUR", items=[desk(vat, price="99.99", quantity="3")]))
        first = by_amount(inv, eur("100.00"))
        second = credit(inv, {0: "1"}, previous=(first,), n=2)
        last = by_amount(inv, eur("99.98"), previous=(first, second), n=3)
        assert [note.total for note in (first, second, last)] == [
            eur("100.00"),
            eur("99.99"),
            eur("99.98"),
        ]
        assert rates(first) == ["VAT 20 %"]

    def test_standalone_allowances_and_charges_count_in_their_own_tax_sets(self) -> None:
        shipping = Tax.percent("VAT", "10")
        inv = issue(
            Document(
                currency="EUR",
                items=[desk(VAT)],
                allowances=[Allowance.fixed(eur("50.00"), reason="Voucher", taxes=[VAT])],
                charges=[Charge.fixed(eur("10.00"), reason="Shipping", taxes=[shipping])],
                policy=Policy(adjustments=AdjustmentMode.STANDALONE),
            )
        )
        assert inv.total == eur("71.00")
        note = by_amount(inv, inv.total)
        assert [line.stated for line in note.priced.lines] == [eur("60.00"), eur("11.00")]
        assert rates(note) == ["VAT 20 %", "VAT 10 %"]

    def test_a_deduction_on_a_line_of_its_own_is_netted_in_its_tax_set(self) -> None:
        settled = Line(
            description="Down payment settled",
            quantity="-1",
            unit_price=eur("30.00"),
            taxes=[Tax.percent("VAT", "20", included=True)],
        )
        inv = issue(Document(currency="EUR", items=[desk(VAT), desk(REDUCED), settled]))
        assert inv.total == eur("195.50")
        note = by_amount(inv, inv.total)
        assert [line.stated for line in note.priced.lines] == [eur("90.00"), eur("105.50")]

    def test_a_tax_set_that_comes_to_less_than_nothing_is_refused(self) -> None:
        returned = desk(REDUCED, price="10.00", quantity="-1")
        inv = issue(Document(currency="EUR", items=[desk(VAT), returned]))
        with pytest.raises(TaxSetBelowZero) as error:
            by_amount(inv, eur("10.00"))
        assert (error.value.taxes, error.value.amount) == ("VAT 5.5 %", Decimal("-10.00"))
        assert isinstance(error.value, NotCreditableByAmount)

    def test_with_cash_rounding_a_stated_total_is_a_multiple_of_the_increment(self) -> None:
        content = Document(
            currency="CHF",
            items=[
                Line(
                    description="Coffee",
                    quantity="3",
                    unit_price=Money("4.17", "CHF"),
                    taxes=[Tax.percent("VAT", "8.1")],
                )
            ],
            policy=Policy(cash_rounding=CashRounding.for_currency("CHF")),
        )
        inv = issue(content)
        assert inv.amount_due == Money("13.50", "CHF")
        with pytest.raises(InvalidAmount) as error:
            by_amount(inv, Money("5.02", "CHF"))
        assert (error.value.value, error.value.field) == (Decimal("5.02"), "amount")
        first = by_amount(inv, Money("5.05", "CHF"))
        untaxed = by_amount(
            inv, Money("1.01", "CHF"), previous=(first,), n=2, base=CreditBase.UNTAXED
        )
        # total is with taxes, amount_due cash-rounded as the invoice's is
        assert (first.total, untaxed.total) == (Money("5.05", "CHF"), Money("1.09", "CHF"))
        assert (first.amount_due, untaxed.amount_due) == (
            Money("5.05", "CHF"),
            Money("1.10", "CHF"),
        )
        assert untaxed.open_item().amount == -untaxed.amount_due
        left = inv.amount_due - first.amount_due - untaxed.amount_due
        last = by_amount(inv, left, previous=(first, untaxed), n=3)
        assert last.amount_due == left  # the credit notes settle what the invoice is due

    def test_an_invoice_of_nothing_but_tax_has_no_untaxed_amount_to_credit(self) -> None:
        vat = Tax.percent("VAT", "20", included=True)
        content = Document(
            currency="EUR",
            items=[desk(vat, price="0.01")],
            policy=Policy(rounding=RoundingMode.DOWN),
        )
        inv = issue(content)
        assert (inv.priced.totals.lines_net, inv.total) == (eur("0.00"), eur("0.01"))
        with pytest.raises(NoUntaxedAmount) as error:
            by_amount(inv, eur("0.01"), base=CreditBase.UNTAXED)
        assert (error.value.invoice, error.value.taxes) == ("INV-7", None)
        assert by_amount(inv, eur("0.01")).total == eur("0.01")

    def test_a_cent_left_by_rounding_goes_as_the_invoice_billed(self) -> None:
        inv = issue(Document(currency="EUR", items=[desk(VAT)]))
        # an earlier credit note that took all of the desk's tax set but not a cent of the total
        content = Document(
            currency="EUR",
            items=[desk(VAT), desk(price="0.05", quantity="-1")],
        )
        earlier = CustomerCreditNote(
            id="cn-0",
            number="CN-0",
            customer="acme",
            issue_date=DAY,
            reason="x",
            priced=price(content),
            basis=CreditByAmount(
                invoice="INV-7",
                stated=CreditedAmount(amount=eur("119.95"), base=CreditBase.TOTAL),
            ),
        )
        assert earlier.total == eur("119.95")
        note = by_amount(inv, eur("0.05"), previous=(earlier,))
        assert rates(note) == ["VAT 20 %"]


class TestByAmountRefusals:
    def test_a_per_unit_tax_is_owed_per_unit_and_an_amount_has_none(self) -> None:
        eco = Tax.per_unit("Eco fee", eur("0.50"))
        inv = issue(Document(currency="EUR", items=[desk(VAT, eco)]))
        with pytest.raises(PerUnitTaxByAmount) as error:
            by_amount(inv, eur("10.00"))
        assert error.value.tax == str(eco)
        assert error.value.taxes == f"{VAT.label}, {eco.label}"

    def test_a_prepaid_amount_does_not_change_what_is_creditable(self) -> None:
        # what was paid in advance is a payment matter: the invoice's value is credited
        inv = issue(Document(currency="EUR", items=[desk(VAT)], prepaid=eur("20.00")))
        value = inv.priced.totals.tax_inclusive
        assert (inv.total, inv.amount_due) == (value, value - eur("20.00"))
        with pytest.raises(OverCrediting):
            by_amount(inv, value + eur("0.01"))
        assert by_amount(inv, value).total == value

    @pytest.mark.parametrize(
        "tax",
        [Tax.percent("PST", "7", compound=True), Tax.withholding_tax("IRPF", "15")],
        ids=["compound", "withholding"],
    )
    def test_a_tax_that_cannot_be_included_needs_an_untaxed_amount(self, tax: Tax) -> None:
        inv = issue(Document(currency="EUR", items=[desk(VAT, tax)]))
        with pytest.raises(TaxNotIncludable) as error:
            by_amount(inv, eur("10.00"))
        assert (error.value.tax, error.value.kind) == (
            str(tax),
            "compound" if tax.compound else "withholding",
        )
        note = by_amount(inv, eur("10.00"), base=CreditBase.UNTAXED)
        assert note.priced.lines[0].line.taxes == (VAT, tax)
        assert note.priced.totals.tax_exclusive == eur("10.00")

    def test_a_tax_both_included_and_added_on_one_line_is_refused(self) -> None:
        inv = issue(Document(currency="EUR", items=[desk(VAT, attrs.evolve(VAT, included=True))]))
        with pytest.raises(TaxIncludedAndAdded) as error:
            by_amount(inv, eur("10.00"))
        assert error.value.taxes == f"{VAT.label}, {VAT.label}"

    @pytest.mark.parametrize(
        ("amount", "error", "attributes"),
        [
            (10.0, FloatNotAllowed, {"value": 10.0, "field": "amount"}),
            ("10.00", InvalidType, {"value": "10.00", "field": "amount"}),
            (Decimal("10.00"), InvalidType, {"value": Decimal("10.00"), "field": "amount"}),
            (Money("10.00", "USD"), CurrencyMismatch, {"left": "EUR", "right": "USD"}),
            (eur("10.001"), InvalidAmount, {"value": Decimal("10.001"), "field": "amount"}),
            (eur("0"), InvalidAmount, {"value": Decimal("0"), "field": "amount"}),
            (eur("-5.00"), InvalidAmount, {"value": Decimal("-5.00"), "field": "amount"}),
        ],
    )
    def test_bad_amounts(
        self, amount: object, error: type[Exception], attributes: dict[str, object]
    ) -> None:
        with pytest.raises(error) as caught:
            by_amount(invoice(), amount)
        assert {name: getattr(caught.value, name) for name in attributes} == attributes

    def test_bad_invoices_bases_and_earlier_notes(self) -> None:
        draft = DraftInvoice.create(
            id="inv-9", customer="acme", content=invoice().content, request=request("r1")
        ).document
        with pytest.raises(InvalidType) as not_issued:
            by_amount(draft, eur("10.00"))  # type: ignore[arg-type]
        assert (not_issued.value.value, not_issued.value.field) == (draft, "invoice")
        with pytest.raises(InvalidType) as base:
            by_amount(invoice(), eur("10.00"), base="total")  # type: ignore[arg-type]
        assert (base.value.value, base.value.field) == ("total", "base")
        other = by_amount(standalone_invoice(), eur("1.00"))
        with pytest.raises(CreditOfAnotherInvoice) as another:
            by_amount(invoice(), eur("10.00"), previous=(other,), n=2)
        assert (another.value.credited, another.value.invoice) == ("INV-2", "INV-1")

    def test_a_credit_note_by_amount_credits_an_invoice_and_no_lines(self) -> None:
        note = by_amount(invoice(), eur("10.00"))
        assert isinstance(note.basis, CreditByAmount)
        assert (note.credited, note.in_full, note.invoice_number) == ((), False, "INV-1")
        with pytest.raises(InvalidType):
            attrs.evolve(note, basis=eur("10.00"))
        with pytest.raises(InvalidType):
            CreditedAmount(amount="10.00", base=CreditBase.TOTAL)  # type: ignore[arg-type]
        assert repr(CreditBase.UNTAXED) == "CreditBase.UNTAXED"


def test_a_prepaid_invoice_is_credited_by_lines_up_to_its_value() -> None:
    inv = issue(Document(currency="EUR", items=[desk(VAT)], prepaid=eur("20.00")))
    note = credit_lines(
        inv,
        {0: inv.priced.lines[0].line.quantity},
        id="cn",
        number="CN-1",
        issue_date=DAY,
        reason="Returned",
        request=request("cn"),
    ).document
    assert note.total == inv.priced.totals.tax_inclusive
    assert all(line.line.taxes for line in note.priced.lines)  # no untaxed balancing line


# -- what no credit note may do ---------------------------------------------------------------


CREDITS = {
    "lines": lambda inv, day: credit_lines(
        inv, {0: "1"}, id="cn", number="CN", issue_date=day, reason="x", request=request("c")
    ),
    "in full": lambda inv, day: credit_in_full(
        inv, id="cn", number="CN", issue_date=day, reason="x", request=request("c")
    ),
    "amount": lambda inv, day: credit_amount(
        inv, eur("1.00"), id="cn", number="CN", issue_date=day, reason="x", request=request("c")
    ),
}


@pytest.mark.parametrize("how", CREDITS)
def test_a_credit_note_is_not_dated_before_the_invoice_it_credits(how: str) -> None:
    inv = invoice()  # issued on 2026-11-23
    with pytest.raises(CreditBeforeInvoice) as error:
        CREDITS[how](inv, dt.date(2026, 11, 22))
    assert (error.value.invoice, error.value.issue_date, error.value.invoice_date) == (
        "INV-1",
        dt.date(2026, 11, 22),
        dt.date(2026, 11, 23),
    )
    assert CREDITS[how](inv, dt.date(2026, 11, 23)).document.issue_date == dt.date(2026, 11, 23)


@pytest.mark.parametrize("how", CREDITS)
@pytest.mark.parametrize(("price", "total"), [("-10.00", "-12.00"), ("0.00", "0.00")])
def test_an_invoice_that_bills_nothing_or_less_is_not_credited(
    how: str, price: str, total: str
) -> None:
    returned = Line(description="Chair", quantity="1", unit_price=eur("10.00"), taxes=[VAT])
    if price.startswith("-"):
        returned = attrs.evolve(returned, quantity="-1")
    else:
        returned = attrs.evolve(returned, unit_price=eur(price))
    inv = issue(Document(currency="EUR", items=[returned]), number="INV-8")
    assert inv.priced.totals.tax_inclusive == eur(total)
    with pytest.raises(NothingToCredit) as error:
        CREDITS[how](inv, DAY)
    assert (error.value.invoice, error.value.total) == ("INV-8", eur(total))
    assert error.value.owed == (-eur(total) if price.startswith("-") else None)


def test_an_invoice_that_owes_the_customer_says_how_much() -> None:
    returned = Line(description="Chair", quantity="-1", unit_price=eur("10.00"), taxes=[VAT])
    inv = issue(Document(currency="EUR", items=[returned]), number="INV-8")
    with pytest.raises(NothingToCredit) as error:
        CREDITS["in full"](inv, DAY)
    assert (error.value.invoice, error.value.total) == ("INV-8", eur("-12.00"))
    assert error.value.owed == eur("12.00")


def standalone(amount: object, **kwargs: object) -> CreditNote:
    arguments: dict[str, object] = {
        "tax": VAT,
        "customer": "acme",
        "id": "cn-5",
        "number": "CN-5",
        "issue_date": DAY,
        "reason": "Goodwill",
        "request": request("c5"),
        **kwargs,
    }
    return standalone_credit(amount, **arguments).document  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "kwargs", "error", "field"),
    [
        (eur("10.005"), {}, InvalidAmount, "amount"),
        (10.0, {}, FloatNotAllowed, "amount"),
        ("10.00", {}, InvalidType, "amount"),
        (eur("-10.00"), {}, InvalidAmount, "amount"),
        (eur("10.00"), {"policy": 0}, InvalidType, "policy"),
        (eur("10.00"), {"policy": ""}, InvalidType, "policy"),
        (eur("10.00"), {"policy": []}, InvalidType, "policy"),
        (eur("10.00"), {"policy": {}}, InvalidType, "policy"),
        (eur("10.00"), {"tax": None}, InvalidType, "tax"),
        (eur("10.00"), {"tax": [VAT]}, InvalidType, "tax"),
        (eur("10.00"), {"tax": Tax.per_unit("Eco fee", eur("0.50"))}, InvalidTax, "tax"),
    ],
)
def test_a_standalone_credit_refuses_what_it_cannot_credit(
    amount: object, kwargs: dict[str, object], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        standalone(amount, **kwargs)
    assert type(caught.value) is error
    assert caught.value.field == field  # type: ignore[attr-defined]
    if isinstance(caught.value, InvalidTax):
        assert caught.value.tax == "Eco fee"  # the tax's name, as every InvalidTax carries it


def test_a_standalone_credit_takes_its_policy_or_the_default() -> None:
    cash = Policy(cash_rounding=CashRounding.for_currency("CHF"))
    assert standalone(Money("10.02", "CHF"), policy=cash).priced.policy == cash
    assert standalone(eur("10.00"), policy=None).priced.policy == Policy()


def test_total_is_with_taxes_and_amount_due_is_cash_rounded_as_on_the_invoice() -> None:
    coffee = Line(description="Coffee", quantity="3", unit_price=Money("4.17", "CHF"), taxes=[VAT])
    policy = Policy(cash_rounding=CashRounding.for_currency("CHF"))
    inv = issue(Document(currency="CHF", items=[coffee], policy=policy))
    assert inv.total != inv.amount_due  # the case where the names differ
    changed = CREDITS["in full"](inv, DAY)
    note = changed.document  # type: ignore[attr-defined]
    assert (note.total, note.amount_due) == (inv.total, inv.amount_due)
    assert note.total == note.priced.totals.tax_inclusive
    assert note.open_item().amount == -inv.amount_due == -inv.open_item().amount
    event = changed.events[0]  # type: ignore[attr-defined]
    assert (event.total, event.amount_due) == (note.total, note.amount_due)
    assert f"total='{note.total.amount}'" in repr(note)
    assert f"amount_due='{note.amount_due.amount}'" in repr(note)


@pytest.mark.parametrize("how", ["lines", "in full", "amount"])
def test_a_printed_credit_note_adds_up_column_by_column_to_its_net(how: str) -> None:
    inv = invoice(allowance=False)
    note = {
        "lines": lambda: credit(inv, {0: "2", 1: "3"}),
        "in full": lambda: CREDITS["in full"](inv, DAY).document,  # type: ignore[attr-defined]
        "amount": lambda: by_amount(inv, eur("30.00")),
    }[how]()
    body, totals = render.rows(note.priced)
    printed = [row.cells for row in body if row.kind == "line"]
    assert len(printed) == len(note.priced.lines)
    for cells, priced_line in zip(printed, note.priced.lines, strict=True):
        quantity, price, gross, discount, amount = (cells[2], cells[3], *cells[4:7])
        unit_price, _, base = price.partition(" per ")
        line = priced_line.line
        assert Decimal(quantity) == line.quantity
        assert Decimal(unit_price) == line.unit_price.amount
        assert Decimal(base or "1") == line.base_quantity
        # quantity x unit price / base quantity = gross; gross - discount = amount
        assert (Decimal(quantity) * Decimal(unit_price) / Decimal(base or "1")).quantize(
            Decimal("0.01")
        ) == Decimal(gross)
        taken = Decimal(discount.split()[0]) if discount else Decimal(0)
        assert Decimal(gross) - taken == Decimal(amount) == priced_line.stated.amount
    lines_row = next(total for total in totals if total.label == "Lines")
    assert lines_row.amount == sum(Decimal(cells[6]) for cells in printed)
    assert text(note).count(lines_row.shown) >= 1


def test_a_credited_line_keeps_the_invoice_price_and_discounts_when_they_come_to_its_share() -> (
    None
):
    inv = invoice(allowance=False)
    note = credit(inv, {0: "2", 1: "3"})
    for priced_line, credited in zip(note.priced.lines, note.credited, strict=True):
        billed = inv.priced.lines[credited.index].line
        assert priced_line.line == attrs.evolve(billed, quantity=credited.quantity)
        assert priced_line.stated == credited.amount


def test_a_credited_line_whose_share_took_an_allowance_is_priced_as_that_share() -> None:
    inv = invoice()  # a 3 % allowance over the lines: their shares are not their prices
    note = credit(inv, {0: "2"})
    line = note.priced.lines[0].line
    assert (line.unit_price, line.base_quantity, line.discounts) == (
        note.credited[0].amount,
        Decimal(2),
        (),
    )
    assert line.taxes == inv.priced.lines[0].line.taxes


def test_a_fixed_discount_of_a_line_is_not_repeated_on_its_credit() -> None:
    fixed = Line(
        description="Desk",
        quantity="4",
        unit_price=eur("100.00"),
        discounts=[Discount.per_line(eur("40.00"))],
        taxes=[VAT],
    )
    inv = issue(Document(currency="EUR", items=[fixed]))
    note = credit(inv, {0: "1"})
    assert note.priced.lines[0].stated == eur("90.00")  # a quarter of 360.00
    assert note.priced.lines[0].line.discounts == ()
