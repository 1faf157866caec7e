"""Settlement reports: aging, days sales outstanding, statements (issue 9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ordercore import (
    Aging,
    Direction,
    DocumentRef,
    InvalidReport,
    InvalidType,
    Ledger,
    OpenItem,
    Payment,
    ScheduledInstallment,
    UnknownAllocation,
    aging,
    days_sales_outstanding,
    statement,
)
from ordercore.money import Money

AS_OF = dt.date(2026, 11, 15)
ISSUED = dt.date(2026, 7, 1)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def invoice(number: str, amount: str, due: dt.date, party: str = "acme") -> OpenItem:
    return OpenItem.single(
        document=DocumentRef.invoice(number),
        party=party,
        amount=eur(amount),
        issue_date=ISSUED,
        due_date=due,
    )


def books() -> Ledger:
    split = OpenItem(
        document=DocumentRef.invoice("INV-S"),
        party="acme",
        amount=eur("100.00"),
        issue_date=ISSUED,
        installments=(
            ScheduledInstallment(due_date=dt.date(2026, 9, 1), amount=eur("60.00")),
            ScheduledInstallment(due_date=dt.date(2026, 12, 1), amount=eur("40.00")),
        ),
    )
    return (
        Ledger()
        .add_items(
            invoice("INV-1", "100.00", dt.date(2026, 11, 10)),  # 5 days late
            invoice("INV-2", "300.00", dt.date(2026, 8, 1)),  # 106 days late
            invoice("INV-3", "50.00", dt.date(2026, 12, 1)),  # not due
            invoice("INV-4", "70.00", dt.date(2026, 9, 30), party="globex"),  # 46 days late
            split,
        )
        .record(
            Payment.received(
                amount=eur("130.00"),
                date=dt.date(2026, 11, 1),
                reference="BANK-1",
                method="transfer",
                party="acme",
                idempotency_key="req-1",
            )
        )
        .allocate("BANK-1", {DocumentRef.invoice("INV-2"): eur("100.00")})
        .allocate("BANK-1", {DocumentRef.invoice("INV-S"): eur("20.00")})
    )


class TestAging:
    def test_open_amounts_by_days_past_due(self) -> None:
        report = aging(books(), as_of=AS_OF)
        assert report.labels == ("current", "1-30", "31-60", "61-90", "over 90")
        acme, globex = report.rows
        assert (acme.party, globex.party) == ("acme", "globex")
        # INV-S: the 20.00 paid counts against the installment due first
        assert acme.buckets == (
            eur("90.00"),  # INV-3 50 + INV-S's second installment 40
            eur("100.00"),  # INV-1
            eur("0.00"),
            eur("40.00"),  # INV-S's first installment, 75 days late, 60 - 20
            eur("200.00"),  # INV-2, 300 - 100
        )
        assert acme.credit == eur("10.00")
        assert acme.balance == eur("420.00")
        assert globex.buckets[2] == eur("70.00")

    def test_the_edges_are_a_parameter(self) -> None:
        report = aging(books(), as_of=AS_OF, edges=(15, 45))
        assert report.labels == ("current", "1-15", "16-45", "over 45")
        assert report.rows[1].buckets == (eur("0.00"), eur("0.00"), eur("0.00"), eur("70.00"))

    @pytest.mark.parametrize("edges", [(), (0, 30), (30, 30), (60, 30), (True,)])
    def test_edges_must_be_increasing_positive_days(self, edges: tuple[int, ...]) -> None:
        with pytest.raises(InvalidReport) as error:
            aging(books(), as_of=AS_OF, edges=edges)
        assert error.value.field == "edges"

    def test_items_issued_later_and_payables_are_left_out(self) -> None:
        # before the items were issued and the payment made: nothing at all
        assert aging(books(), as_of=dt.date(2026, 6, 30)).rows == ()
        assert aging(books(), as_of=AS_OF, direction=Direction.PAYABLE).rows == ()

    def test_prints_as_text_and_html(self) -> None:
        report = aging(books(), as_of=AS_OF)
        lines = str(report).splitlines()
        assert lines[0] == "receivable aging as of 2026-11-15"
        assert lines[1].split() == [
            "party", "currency", "current", "1-30", "31-60", "61-90", "over", "90", "credit", "balance",
        ]  # fmt: skip
        assert lines[2].split() == [
            "acme", "EUR", "90.00", "100.00", "0.00", "40.00", "200.00", "10.00", "420.00",
        ]  # fmt: skip
        page = report._repr_html_()
        assert page.startswith("<table><caption>receivable aging as of 2026-11-15</caption>")
        assert "<td>420.00</td>" in page

    def test_html_escapes_what_the_host_named(self) -> None:
        ledger = Ledger().add_items(invoice("INV-9", "1.00", AS_OF, party="<b>&co"))
        page = aging(ledger, as_of=AS_OF)._repr_html_()
        assert "<b>&co" not in page
        assert "&lt;b&gt;&amp;co" in page

    def test_as_of_is_a_date(self) -> None:
        with pytest.raises(InvalidType):
            aging(books(), as_of="2026-11-15")  # type: ignore[arg-type]
        assert isinstance(aging(books(), as_of=AS_OF), Aging)


class TestAsOf:
    """Balances as of a day: entries count from their entry date, later ones not at all."""

    BEFORE = dt.date(2026, 10, 31)  # before BANK-1 (2026-11-01)

    def test_a_payment_made_after_as_of_leaves_that_days_balances(self) -> None:
        ledger = books()
        report = aging(ledger, as_of=self.BEFORE)
        acme = report.rows[0]
        assert acme.credit == eur("0.00")
        # INV-2 all open (300, 91 days late), INV-S's first installment all open (60)
        assert acme.buckets == (
            eur("190.00"),  # INV-1 100 + INV-3 50 + INV-S's second 40
            eur("0.00"),
            eur("60.00"),  # INV-S first installment, 60 days late
            eur("0.00"),
            eur("300.00"),  # INV-2, 91 days late
        )
        assert acme.balance == eur("550.00")
        closing = statement(ledger, party="acme", currency="EUR", as_of=self.BEFORE)
        assert closing.closing_balance == acme.balance

    def test_a_payment_allocated_to_an_item_issued_later_counts_from_that_issue(
        self,
    ) -> None:
        later = OpenItem.single(
            document=DocumentRef.invoice("INV-L"),
            party="acme",
            amount=eur("10.00"),
            issue_date=dt.date(2026, 11, 10),
            due_date=dt.date(2026, 11, 20),
        )
        ledger = books().add_items(later).allocate("BANK-1", {later.document: eur("10.00")})
        (allocation,) = [a for a in ledger.allocations if a.item == later.document]
        assert ledger.entry_date(allocation.number) == dt.date(2026, 11, 10)
        assert ledger.entry_date(1) == dt.date(2026, 11, 1)  # the payment's date
        on_the_5th = aging(ledger, as_of=dt.date(2026, 11, 5)).rows[0]
        # INV-L is not issued yet: absent, and the 10.00 is still BANK-1's credit
        assert on_the_5th.credit == eur("10.00")
        assert on_the_5th.balance == eur("420.00")
        on_the_15th = aging(ledger, as_of=AS_OF).rows[0]
        assert on_the_15th.credit == eur("0.00")
        # INV-L issued (+10.00) and paid from BANK-1's credit (which it used up)
        assert on_the_15th.balance == eur("430.00")
        for day in (dt.date(2026, 11, 5), AS_OF):
            row = aging(ledger, as_of=day).rows[0]
            report = statement(ledger, party="acme", currency="EUR", as_of=day)
            assert report.closing_balance == row.balance

    def test_a_payment_allocated_after_as_of_does_not_reduce_that_days_balance(
        self,
    ) -> None:
        ledger = books().allocate(
            "BANK-1", {DocumentRef.invoice("INV-1"): eur("10.00")}, on=dt.date(2026, 11, 20)
        )
        assert ledger.entry_date(3) == dt.date(2026, 11, 20)
        on_the_15th = aging(ledger, as_of=AS_OF).rows[0]
        assert on_the_15th.buckets[1] == eur("100.00")  # INV-1 still all open that day
        assert on_the_15th.credit == eur("10.00")  # the 10.00 still BANK-1's
        on_the_20th = aging(ledger, as_of=dt.date(2026, 11, 20)).rows[0]
        assert on_the_20th.buckets[1] == eur("90.00")
        assert on_the_20th.credit == eur("0.00")
        assert on_the_15th.balance == on_the_20th.balance == eur("420.00")

    def test_a_write_off_and_a_discount_count_from_their_dates(self) -> None:
        ledger = books().write_off(
            DocumentRef.invoice("INV-3"), tolerance=eur("50.00"), reason="goodwill", date=AS_OF
        )
        before = aging(ledger, as_of=AS_OF - dt.timedelta(days=1)).rows[0]
        after = aging(ledger, as_of=AS_OF).rows[0]
        assert Money.of(before.balance - after.balance) == eur("50.00")
        assert ledger.entry_date(3) == AS_OF

    def test_a_credit_note_counts_from_its_issue_date(self) -> None:
        note = OpenItem.single(
            document=DocumentRef.credit_note("CN-1", Direction.RECEIVABLE),
            party="acme",
            amount=eur("-25.00"),
            issue_date=dt.date(2026, 11, 12),
        )
        ledger = (
            books()
            .add_items(note)
            .allocate(note.document, {DocumentRef.invoice("INV-1"): eur("25.00")})
        )
        assert ledger.entry_date(3) == dt.date(2026, 11, 12)
        on_the_11th = aging(ledger, as_of=dt.date(2026, 11, 11)).rows[0]
        assert on_the_11th.buckets[1] == eur("100.00")  # INV-1, all of it
        on_the_15th = aging(ledger, as_of=AS_OF).rows[0]
        assert on_the_15th.buckets[1] == eur("75.00")
        assert on_the_15th.credit == eur("10.00")  # the note used up, BANK-1's rest

    def test_a_reversed_entry_counts_on_no_day(self) -> None:
        ledger = books().reverse(1)  # BANK-1's 100.00 to INV-2
        row = aging(ledger, as_of=AS_OF).rows[0]
        assert row.buckets[4] == eur("300.00")
        assert row.credit == eur("110.00")

    def test_days_sales_outstanding_is_that_of_as_of(self) -> None:
        ledger = books()
        # on the 31st of October nothing was paid: 620.00 open over 620.00 invoiced
        assert days_sales_outstanding(
            ledger, as_of=self.BEFORE, currency="EUR", days=150
        ) == Decimal("150.0")

    def test_an_entry_number_that_is_no_entry(self) -> None:
        with pytest.raises(UnknownAllocation) as error:
            books().entry_date(9)
        assert error.value.number == 9
        with pytest.raises(InvalidType) as wrong:
            books().entry_date("1")  # type: ignore[arg-type]
        assert wrong.value.field == "number"


class TestRefundOfPartlyAppliedCredit:
    """A refund of credit a payment partly applied: statement and aging close alike."""

    def refund(self, amount: str, day: dt.date) -> Payment:
        return Payment.refund_sent(
            amount=eur(amount),
            date=day,
            reference="OUT-1",
            method="transfer",
            party="acme",
            idempotency_key="req-out",
        )

    def agree(self, ledger: Ledger, *days: dt.date) -> list[Money]:
        balances = []
        for day in days:
            rows = {row.party: row for row in aging(ledger, as_of=day).rows}
            closing = statement(ledger, party="acme", currency="EUR", as_of=day).closing_balance
            assert closing == (rows["acme"].balance if "acme" in rows else eur("0.00"))
            balances.append(closing)
        return balances

    def test_a_refund_of_the_rest_of_a_payment_partly_applied(self) -> None:
        # BANK-1 (130.00, 1 November) paid 120.00 of INV-2 and INV-S: 10.00 credit left
        ledger = books().record(self.refund("10.00", dt.date(2026, 11, 5))).refund_credit("OUT-1")
        assert ledger.credit("acme", "EUR") == eur("0.00")
        days = (dt.date(2026, 11, 4), dt.date(2026, 11, 5))
        assert self.agree(ledger, *days) == [eur("420.00"), eur("430.00")]
        assert aging(ledger, as_of=days[1]).rows[0].credit == eur("0.00")

    def test_a_refund_larger_than_the_credit_left_leaves_the_party_owing_the_rest(
        self,
    ) -> None:
        ledger = books().record(self.refund("25.00", dt.date(2026, 11, 5))).refund_credit("OUT-1")
        assert ledger.unallocated("OUT-1") == eur("15.00")
        acme = aging(ledger, as_of=dt.date(2026, 11, 5)).rows[0]
        assert acme.credit == eur("-15.00")  # paid 15.00 beyond the credit it paid back
        assert self.agree(ledger, dt.date(2026, 11, 5), AS_OF) == [eur("445.00")] * 2
        # a credit note issued later takes the rest of the refund: the party owes nothing more
        note = OpenItem.single(
            document=DocumentRef.credit_note("CN-9", Direction.RECEIVABLE),
            party="acme",
            amount=eur("-15.00"),
            issue_date=dt.date(2026, 11, 10),
        )
        settled = ledger.add_items(note).refund_credit("OUT-1")
        assert settled.unallocated("OUT-1") == eur("0.00")
        assert aging(settled, as_of=AS_OF).rows[0].credit == eur("0.00")
        assert self.agree(settled, dt.date(2026, 11, 9), dt.date(2026, 11, 10)) == [
            eur("445.00"),
            eur("430.00"),
        ]

    def test_a_refund_dated_before_the_payment_it_pays_back(self) -> None:
        # the refund's money moved on 25 October, the payment with credit left on 1 November
        early = books().record(self.refund("10.00", dt.date(2026, 10, 25)))
        # without on=, BANK-1 was no credit yet on the refund's day: passed over
        ledger = early.refund_credit("OUT-1")
        assert ledger.unallocated("OUT-1") == eur("10.00")
        balances = self.agree(ledger, dt.date(2026, 10, 24), dt.date(2026, 10, 25), AS_OF)
        assert balances == [eur("550.00"), eur("560.00"), eur("430.00")]
        # matched on the payment's day, said so: the same balances, the credit paid back
        matched = early.refund_credit("OUT-1", on=dt.date(2026, 11, 1))
        assert matched.unallocated("OUT-1") == eur("0.00")
        assert matched.credit("acme", "EUR") == eur("0.00")
        balances = self.agree(matched, dt.date(2026, 10, 24), dt.date(2026, 10, 25), AS_OF)
        assert balances == [eur("550.00"), eur("560.00"), eur("430.00")]
        # the aging's credit on the 25th is negative (the party owes the refund back),
        # the ledger's is what could be drawn on then: nothing
        on_the_day = aging(matched, as_of=dt.date(2026, 10, 25)).rows[0]
        assert on_the_day.credit == eur("-10.00")
        assert matched.credit("acme", "EUR", as_of=dt.date(2026, 10, 25)) == eur("0.00")
        assert matched.unallocated("OUT-1", as_of=dt.date(2026, 10, 25)) == eur("10.00")

    def test_a_refund_paid_back_on_a_later_day(self) -> None:
        ledger = books().record(self.refund("10.00", dt.date(2026, 11, 5)))
        dated = ledger.refund_credit("OUT-1", on=dt.date(2026, 11, 12))
        # money moved on the 5th: the reports say so, whenever the credit was matched
        assert self.agree(dated, dt.date(2026, 11, 5), dt.date(2026, 11, 12)) == [eur("430.00")] * 2
        assert aging(dated, as_of=dt.date(2026, 11, 5)).rows[0].credit == eur("0.00")


class TestDaysSalesOutstanding:
    def test_open_over_invoiced_times_days(self) -> None:
        ledger = books()
        # everything was issued on 2026-07-01: within 150 days of the 15th of November
        open_total = Decimal("500.00") - Decimal("10.00")  # 430 acme + 70 globex, less credit
        expected = (open_total / Decimal("620.00") * 150).quantize(Decimal("0.1"))
        assert days_sales_outstanding(ledger, as_of=AS_OF, currency="EUR", days=150) == expected
        assert days_sales_outstanding(ledger, as_of=AS_OF, currency="EUR", days=90) is None

    @pytest.mark.parametrize("days", [0, -1, True])
    def test_days_is_a_positive_int(self, days: int) -> None:
        with pytest.raises(InvalidReport) as error:
            days_sales_outstanding(books(), as_of=AS_OF, currency="EUR", days=days)
        assert error.value.field == "days"


class TestStatement:
    def test_documents_and_money_in_date_order_with_a_running_balance(self) -> None:
        ledger = books().write_off(
            DocumentRef.invoice("INV-3"), tolerance=eur("50.00"), reason="goodwill", date=AS_OF
        )
        report = statement(ledger, party="acme", currency="EUR", as_of=AS_OF)
        assert [(line.description, line.amount, line.balance) for line in report.lines] == [
            ("invoice INV-1", eur("100.00"), eur("100.00")),
            ("invoice INV-2", eur("300.00"), eur("400.00")),
            ("invoice INV-3", eur("50.00"), eur("450.00")),
            ("invoice INV-S", eur("100.00"), eur("550.00")),
            ("received BANK-1", eur("-130.00"), eur("420.00")),
            ("write-off invoice INV-3: goodwill", eur("-50.00"), eur("370.00")),
        ]
        assert report.closing_balance == eur("370.00")
        open_items = sum(
            (ledger.amount_remaining(i.document) for i in ledger.items if i.party == "acme"),
            eur("0.00"),
        )
        assert report.closing_balance == open_items - ledger.credit("acme", "EUR")

    def test_a_reversed_write_off_and_later_money_are_left_out(self) -> None:
        ledger = (
            books()
            .write_off(DocumentRef.invoice("INV-3"), tolerance=eur("50.00"), reason="x", date=AS_OF)
            .reverse(3)
        )
        report = statement(ledger, party="acme", currency="EUR", as_of=dt.date(2026, 10, 31))
        assert [line.description for line in report.lines][-1] == "invoice INV-S"
        assert report.closing_balance == eur("550.00")
        assert statement(
            ledger, party="nobody", currency="EUR", as_of=AS_OF
        ).closing_balance == eur("0.00")

    def test_prints_as_text_and_html(self) -> None:
        report = statement(books(), party="acme", currency="EUR", as_of=AS_OF)
        lines = str(report).splitlines()
        assert lines[0] == "statement of acme in EUR as of 2026-11-15"
        assert lines[-1].split() == ["closing", "balance", "420.00"]
        assert "<td>received BANK-1</td>" in report._repr_html_()


class TestPayables:
    def test_bills_are_paid_by_payments_sent_and_aged_as_payables(self) -> None:
        bill = OpenItem.single(
            document=DocumentRef.bill("SUP-77"),
            party="supplier",
            amount=eur("80.00"),
            issue_date=ISSUED,
            due_date=dt.date(2026, 10, 1),
        )
        sent = Payment.sent(
            amount=eur("30.00"),
            date=dt.date(2026, 10, 20),
            reference="OUT-1",
            method="transfer",
            party="supplier",
            idempotency_key="req-out",
        )
        ledger = Ledger().add_items(bill).record(sent).allocate_oldest_first("OUT-1")
        assert ledger.amount_remaining(bill.document) == eur("50.00")
        report = aging(ledger, as_of=AS_OF, direction=Direction.PAYABLE)
        assert [(row.party, row.buckets[2]) for row in report.rows] == [("supplier", eur("50.00"))]
        assert str(report).startswith("payable aging as of 2026-11-15")
        assert aging(ledger, as_of=AS_OF).rows == ()
        lines = statement(
            ledger, party="supplier", currency="EUR", as_of=AS_OF, direction=Direction.PAYABLE
        ).lines
        assert [(line.description, line.balance) for line in lines] == [
            ("bill SUP-77", eur("80.00")),
            ("sent OUT-1", eur("50.00")),
        ]
