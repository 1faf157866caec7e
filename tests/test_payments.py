"""Payments received and sent, and refunds of either (issue 9)."""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal

import attrs
import pytest

from ordercore import (
    Allocation,
    AllocationReversed,
    AllocationTooEarly,
    Candidate,
    CreditRefunded,
    CurrencyMismatch,
    Direction,
    DiscountTaken,
    DocumentRef,
    DuplicateOpenItem,
    DuplicatePayment,
    ExchangeRate,
    InvalidPayment,
    InvalidType,
    ItemStatus,
    Ledger,
    LimitExceeded,
    NoDiscountAvailable,
    NotAllocatable,
    NothingToWriteOff,
    OldestFirst,
    OpenItem,
    OrdercoreError,
    OverAllocation,
    Payment,
    PaymentKind,
    RefundBeforePayment,
    ScheduledInstallment,
    UnknownAllocation,
    UnknownOpenItem,
    UnknownPayment,
    WriteOff,
    WriteOffExceedsTolerance,
)
from ordercore.money import Money

EUR = "EUR"

DAY = dt.date(2026, 12, 20)


def received(amount: str = "100.00", currency: str = "EUR", **changes: object) -> Payment:
    fields: dict[str, object] = {
        "amount": Money(amount, currency),
        "date": DAY,
        "reference": "BANK-1",
        "method": "transfer",
        "party": "acme",
        "idempotency_key": "req-1",
    }
    fields.update(changes)
    return Payment.received(**fields)  # type: ignore[arg-type]


class TestPayment:
    def test_received_keeps_its_facts(self) -> None:
        payment = received()
        assert payment.kind is PaymentKind.RECEIVED
        assert payment.amount == Money("100.00", "EUR")
        assert payment.currency.code == "EUR"
        assert (payment.date, payment.reference, payment.method) == (DAY, "BANK-1", "transfer")
        assert (payment.party, payment.idempotency_key) == ("acme", "req-1")

    @pytest.mark.parametrize(
        ("make", "kind", "direction", "refund"),
        [
            (Payment.received, PaymentKind.RECEIVED, Direction.RECEIVABLE, False),
            (Payment.sent, PaymentKind.SENT, Direction.PAYABLE, False),
            (Payment.refund_sent, PaymentKind.REFUND_SENT, Direction.RECEIVABLE, True),
            (Payment.refund_received, PaymentKind.REFUND_RECEIVED, Direction.PAYABLE, True),
        ],
    )
    def test_each_kind_belongs_to_one_ledger(
        self, make: object, kind: PaymentKind, direction: Direction, refund: bool
    ) -> None:
        payment = make(  # type: ignore[operator]
            amount=Money("5.00", "USD"),
            date=DAY,
            reference="R",
            method="card",
            party="p",
            idempotency_key="k",
        )
        assert payment.kind is kind
        assert payment.direction is direction
        assert kind.is_refund is refund

    def test_is_frozen_and_hashable(self) -> None:
        payment = received()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            payment.amount = Money("1.00", "EUR")  # type: ignore[misc]
        assert hash(payment) == hash(received())
        assert payment != received(reference="BANK-2")

    @pytest.mark.parametrize("amount", ["0.00", "-1.00"])
    def test_refuses_an_amount_that_is_not_positive(self, amount: str) -> None:
        with pytest.raises(InvalidPayment) as error:
            received(amount)
        assert error.value.field == "amount"
        assert error.value.value == Money(amount, "EUR")

    def test_refuses_fractions_of_a_minor_unit(self) -> None:
        with pytest.raises(InvalidPayment) as error:
            received("1.005")
        assert error.value.field == "amount"
        with pytest.raises(InvalidPayment):
            received("1.5", "JPY")

    def test_refuses_a_bare_number(self) -> None:
        with pytest.raises(InvalidType) as error:
            Payment.received(
                amount="100.00",  # type: ignore[arg-type]
                date=DAY,
                reference="R",
                method="m",
                party="p",
                idempotency_key="k",
            )
        assert error.value.field == "amount"

    @pytest.mark.parametrize("field", ["reference", "method", "party", "idempotency_key"])
    def test_refuses_empty_text(self, field: str) -> None:
        with pytest.raises(InvalidType) as error:
            received(**{field: " "})
        assert error.value.field == field

    def test_refuses_a_datetime_for_the_date(self) -> None:
        with pytest.raises(InvalidType) as error:
            received(date=dt.datetime(2026, 12, 20, tzinfo=dt.UTC))
        assert error.value.field == "date"

    def test_refuses_a_kind_that_is_not_a_payment_kind(self) -> None:
        with pytest.raises(InvalidType) as error:
            Payment(
                kind="received",  # type: ignore[arg-type]
                amount=Money("1.00", "EUR"),
                date=DAY,
                reference="R",
                method="m",
                party="p",
                idempotency_key="k",
            )
        assert error.value.field == "kind"

    def test_prints_short_and_locale_free(self) -> None:
        payment = Payment.sent(
            amount=Money("7.50", "EUR"),
            date=DAY,
            reference="OUT-9",
            method="transfer",
            party="supplier",
            idempotency_key="k",
        )
        assert str(payment) == "sent to supplier: EUR 7.50 on 2026-12-20 (transfer, OUT-9)"
        assert repr(payment).startswith("Payment(kind=PaymentKind.SENT, reference='OUT-9'")


class TestOverAllocation:
    def test_is_a_limit_exceeded_carrying_the_amounts(self) -> None:
        error = OverAllocation(
            requested=Money("10.00", "EUR"), available=Money("4.00", "EUR"), target="BANK-1"
        )
        assert isinstance(error, LimitExceeded)
        assert isinstance(error, ValueError)
        assert error.requested == Money("10.00", "EUR")
        assert error.available == Money("4.00", "EUR")
        assert error.target == "BANK-1"


def invoice(number: str, amount: str, due: dt.date, party: str = "acme") -> OpenItem:
    return OpenItem.single(
        document=DocumentRef.invoice(number),
        party=party,
        amount=Money(amount, "EUR"),
        issue_date=dt.date(2026, 10, 1),
        due_date=due,
    )


INV1 = DocumentRef.invoice("INV-1")
INV2 = DocumentRef.invoice("INV-2")
INV3 = DocumentRef.invoice("INV-3")


def three_invoices(paid: str = "250.00") -> Ledger:
    return (
        Ledger()
        .add_items(
            invoice("INV-2", "300.00", dt.date(2026, 11, 30)),
            invoice("INV-1", "200.00", dt.date(2026, 10, 31)),
            invoice("INV-3", "100.00", dt.date(2026, 11, 30)),
            invoice("OTHER", "100.00", dt.date(2026, 10, 2), party="globex"),
        )
        .record(received(paid))
    )


class TestLedger:
    def test_explicit_amounts_pay_items_in_part(self) -> None:
        ledger = three_invoices().allocate(
            "BANK-1", {INV2: Money("50.00", "EUR"), INV3: Money("100.00", "EUR")}
        )
        assert ledger.amount_paid(INV2) == Money("50.00", "EUR")
        assert ledger.amount_remaining(INV2) == Money("250.00", "EUR")
        assert ledger.amount_remaining(INV3) == Money("0.00", "EUR")
        assert ledger.unallocated("BANK-1") == Money("100.00", "EUR")
        assert [a.number for a in ledger.allocations] == [1, 2]

    def test_oldest_due_first_then_issue_date_then_number(self) -> None:
        ledger = three_invoices("550.00").allocate_oldest_first("BANK-1")
        paid = {a.item: a.amount for a in ledger.allocations}
        assert paid == {
            INV1: Money("200.00", "EUR"),
            INV2: Money("300.00", "EUR"),
            INV3: Money("50.00", "EUR"),
        }
        assert ledger.amount_remaining(DocumentRef.invoice("OTHER")) == Money("100.00", "EUR")
        assert ledger.unallocated("BANK-1") == Money("0.00", "EUR")

    def test_over_payment_stays_unallocated(self) -> None:
        ledger = three_invoices("700.00").allocate_oldest_first("BANK-1")
        assert ledger.unallocated("BANK-1") == Money("100.00", "EUR")
        assert all(ledger.amount_remaining(d).amount == 0 for d in (INV1, INV2, INV3))

    def test_more_than_the_payment_has_changes_nothing(self) -> None:
        before = three_invoices("100.00")
        with pytest.raises(OverAllocation) as error:
            before.allocate("BANK-1", {INV1: Money("60.00", "EUR"), INV2: Money("60.00", "EUR")})
        assert error.value.requested == Money("60.00", "EUR")
        assert error.value.available == Money("40.00", "EUR")
        assert error.value.target == "BANK-1"
        assert before.allocations == ()

    def test_more_than_the_item_owes(self) -> None:
        with pytest.raises(OverAllocation) as error:
            three_invoices("500.00").allocate("BANK-1", {INV3: Money("100.01", "EUR")})
        assert error.value.available == Money("100.00", "EUR")
        assert error.value.target == str(INV3)

    def test_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            three_invoices().allocate("BANK-1", {INV1: Money("10.00", "USD")})

    def test_reversal_restores_every_balance(self) -> None:
        before = three_invoices("550.00")
        after = before.allocate_oldest_first("BANK-1")
        for allocation in after.allocations:
            after = after.reverse(allocation.number)
        for document in (INV1, INV2, INV3):
            assert after.amount_remaining(document) == before.amount_remaining(document)
        assert after.unallocated("BANK-1") == before.unallocated("BANK-1")
        with pytest.raises(AllocationReversed) as error:
            after.reverse(1)
        assert error.value.number == 1

    def test_unknown_names(self) -> None:
        ledger = three_invoices()
        with pytest.raises(UnknownPayment) as payment:
            ledger.allocate_oldest_first("NOPE")
        assert payment.value.reference == "NOPE"
        with pytest.raises(UnknownOpenItem) as item:
            ledger.amount_paid(DocumentRef.invoice("NOPE"))
        assert item.value.document == "invoice NOPE"
        with pytest.raises(UnknownAllocation) as allocation:
            ledger.reverse(7)
        assert allocation.value.number == 7

    def test_duplicates_are_refused(self) -> None:
        ledger = three_invoices()
        with pytest.raises(DuplicatePayment) as payment:
            ledger.record(received())
        assert payment.value.reference == "BANK-1"
        with pytest.raises(DuplicateOpenItem) as item:
            ledger.add_items(invoice("INV-1", "1.00", dt.date(2026, 10, 1)))
        assert item.value.document == "invoice INV-1"


def eur(amount: str) -> Money:
    return Money(amount, EUR)


CN1 = DocumentRef.credit_note("CN-1", Direction.RECEIVABLE)


def credit_note(number: str = "CN-1", amount: str = "-50.00", party: str = "acme") -> OpenItem:
    return OpenItem.single(
        document=DocumentRef.credit_note(number, Direction.RECEIVABLE),
        party=party,
        amount=eur(amount),
        issue_date=dt.date(2026, 10, 5),
    )


class TestScale:
    def test_an_operation_leaves_the_ledger_it_came_from_as_it_was(self) -> None:
        before = three_invoices("550.00")
        after = before.allocate_oldest_first("BANK-1")
        assert before.allocations == ()
        assert before.amount_remaining(INV1) == eur("200.00")
        assert after.amount_remaining(INV1) == eur("0.00")
        assert before != after
        assert before == three_invoices("550.00")
        assert hash(before) == hash(three_invoices("550.00"))

    def test_record_and_allocate_is_record_then_oldest_first_for_each(self) -> None:
        payments = [received(a, reference=f"B-{a}", idempotency_key=a) for a in ("120.00", "90.00")]
        base = three_invoices("1.00")
        one_by_one = base
        for payment in payments:
            one_by_one = one_by_one.record(payment).allocate_oldest_first(payment.reference)
        batch = base.record_and_allocate(payments)
        assert batch == one_by_one
        assert batch.allocations == one_by_one.allocations

    def test_a_refused_payment_in_a_batch_records_none(self) -> None:
        base = three_invoices()
        with pytest.raises(DuplicatePayment):
            base.record_and_allocate([received(reference="NEW"), received()])
        assert base.payments == (received("250.00"),)

    def test_the_facts_come_back_in_the_order_added(self) -> None:
        ledger = three_invoices()
        assert [item.document.number for item in ledger.items] == [
            "INV-2",
            "INV-1",
            "INV-3",
            "OTHER",
        ]
        assert repr(ledger) == "Ledger(items=4, payments=1, entries=0, reversed=0)"


class TestCredit:
    def test_an_over_payment_stays_as_credit_of_the_party_and_currency(self) -> None:
        ledger = three_invoices("700.00").allocate_oldest_first("BANK-1")
        assert ledger.credit("acme", EUR) == eur("100.00")
        assert ledger.credit("acme", "USD") == Money("0.00", "USD")
        assert ledger.credit("globex", EUR) == eur("0.00")
        assert ledger.credit("acme", EUR, direction=Direction.PAYABLE) == eur("0.00")

    def test_credit_is_allocated_like_a_payment(self) -> None:
        ledger = three_invoices("700.00").allocate_oldest_first("BANK-1")
        ledger = ledger.add_items(invoice("INV-4", "60.00", dt.date(2026, 12, 31)))
        after = ledger.allocate_credit_oldest_first("acme", EUR)
        assert after.amount_remaining(DocumentRef.invoice("INV-4")) == eur("0.00")
        assert after.credit("acme", EUR) == eur("40.00")
        assert after.allocations[-1].source == "BANK-1"

    def test_a_credit_note_pays_like_a_payment(self) -> None:
        ledger = three_invoices().add_items(credit_note())
        assert ledger.credit("acme", EUR) == eur("300.00")
        after = ledger.allocate(CN1, {INV1: eur("30.00")})
        assert after.amount_remaining(INV1) == eur("170.00")
        assert after.amount_remaining(CN1) == eur("-20.00")
        assert after.amount_paid(CN1) == eur("-30.00")
        assert after.credit("acme", EUR) == eur("270.00")
        rest = after.allocate_oldest_first(CN1)
        assert rest.amount_remaining(INV1) == eur("150.00")
        assert rest.amount_remaining(CN1) == eur("0.00")
        with pytest.raises(OverAllocation) as error:
            rest.allocate(CN1, {INV2: eur("0.01")})
        assert error.value.available == eur("0.00")
        assert error.value.target == str(CN1)

    def test_reversing_a_credit_note_allocation_restores_the_credit(self) -> None:
        ledger = three_invoices().add_items(credit_note())
        after = ledger.allocate(CN1, {INV1: eur("50.00")}).reverse(1)
        assert after.amount_remaining(CN1) == eur("-50.00")
        assert after.credit("acme", EUR) == ledger.credit("acme", EUR)

    def test_a_refund_pays_back_a_credit_note(self) -> None:
        refund = Payment.refund_sent(
            amount=eur("50.00"),
            date=DAY,
            reference="OUT-1",
            method="transfer",
            party="acme",
            idempotency_key="req-2",
        )
        ledger = three_invoices("1.00").add_items(credit_note()).record(refund)
        assert ledger.credit("acme", EUR) == eur("51.00")
        after = ledger.allocate("OUT-1", {CN1: eur("50.00")})
        assert after.amount_remaining(CN1) == eur("0.00")
        assert after.credit("acme", EUR) == eur("1.00")
        with pytest.raises(NotAllocatable):
            ledger.allocate("OUT-1", {INV1: eur("1.00")})
        with pytest.raises(NotAllocatable):
            ledger.allocate_oldest_first("OUT-1")

    @pytest.mark.parametrize(
        ("source", "item"),
        [
            ("BANK-1", DocumentRef.invoice("OTHER")),  # another party
            ("BANK-1", CN1),  # a payment does not pay a credit note
            (INV1, INV2),  # an invoice does not pay
            (CN1, CN1),  # nor pays itself
        ],
    )
    def test_what_cannot_settle_an_item_is_refused(
        self, source: str | DocumentRef, item: DocumentRef
    ) -> None:
        ledger = three_invoices().add_items(credit_note())
        with pytest.raises(NotAllocatable) as error:
            ledger.allocate(source, {item: eur("1.00")})
        assert error.value.source == str(source)


class TestHowMuchGoesWhere:
    def test_by_reference_pays_the_invoices_named_in_that_order(self) -> None:
        ledger = three_invoices("1.00").record(
            received("350.00", reference="INV-3, INV-1; INV-9", idempotency_key="req-2")
        )
        after = ledger.allocate_by_reference("INV-3, INV-1; INV-9")
        assert [(a.item, a.amount) for a in after.allocations] == [
            (INV3, eur("100.00")),
            (INV1, eur("200.00")),
        ]
        assert after.unallocated("INV-3, INV-1; INV-9") == eur("50.00")

    def test_a_policy_the_host_plugs_in(self) -> None:
        def newest_first(
            available: Money, candidates: tuple[Candidate, ...]
        ) -> dict[DocumentRef, Money]:
            return OldestFirst()(available, tuple(reversed(candidates)))

        ledger = three_invoices("350.00").allocate_with("BANK-1", newest_first)
        paid = {a.item: a.amount for a in ledger.allocations}
        assert paid == {INV3: eur("100.00"), INV2: eur("250.00")}

    def test_oldest_first_as_a_policy_is_allocate_oldest_first(self) -> None:
        ledger = three_invoices("550.00")
        assert ledger.allocate_with("BANK-1", OldestFirst()) == ledger.allocate_oldest_first(
            "BANK-1"
        )

    def test_what_a_policy_returns_is_checked_before_anything_changes(self) -> None:
        ledger = three_invoices("100.00")

        def greedy(available: Money, candidates: tuple[Candidate, ...]) -> dict[DocumentRef, Money]:
            return {c.item.document: c.remaining for c in candidates}

        def elsewhere(
            available: Money, candidates: tuple[Candidate, ...]
        ) -> dict[DocumentRef, Money]:
            return {DocumentRef.invoice("OTHER"): eur("1.00")}

        with pytest.raises(OverAllocation) as error:
            ledger.allocate_with("BANK-1", greedy)
        assert error.value.target == "BANK-1"
        with pytest.raises(NotAllocatable) as refused:
            ledger.allocate_with("BANK-1", elsewhere)
        assert refused.value.item == "invoice OTHER"
        assert ledger.allocations == ()


class TestWriteOffs:
    def short_paid(self) -> Ledger:
        return three_invoices("199.50").allocate("BANK-1", {INV1: eur("199.50")})

    def test_a_small_remainder_is_written_off_with_a_reason(self) -> None:
        ledger = self.short_paid().write_off(
            INV1, tolerance=eur("1.00"), reason="bank fee", date=DAY
        )
        assert ledger.amount_remaining(INV1) == eur("0.00")
        assert ledger.amount_paid(INV1) == eur("199.50")
        assert ledger.amount_written_off(INV1) == eur("0.50")
        assert ledger.write_offs == (
            WriteOff(number=2, item=INV1, amount=eur("0.50"), reason="bank fee", date=DAY),
        )
        assert ledger.status(INV1, as_of=DAY) is ItemStatus.PAID

    def test_more_than_the_tolerance_is_refused_with_the_amounts(self) -> None:
        ledger = self.short_paid()
        with pytest.raises(WriteOffExceedsTolerance) as error:
            ledger.write_off(INV1, tolerance=eur("0.49"), reason="bank fee", date=DAY)
        assert error.value.remainder == eur("0.50")
        assert error.value.tolerance == eur("0.49")
        assert error.value.document == str(INV1)
        assert isinstance(error.value, LimitExceeded)

    def test_a_write_off_is_reversed_like_an_allocation(self) -> None:
        ledger = self.short_paid()
        after = ledger.write_off(INV1, tolerance=eur("1.00"), reason="fee", date=DAY).reverse(2)
        assert after.amount_remaining(INV1) == eur("0.50")
        assert after.amount_written_off(INV1) == eur("0.00")
        assert after.reversed == frozenset({2})
        with pytest.raises(AllocationReversed):
            after.reverse(2)

    def test_nothing_to_write_off(self) -> None:
        ledger = three_invoices("200.00").allocate("BANK-1", {INV1: eur("200.00")})
        with pytest.raises(NothingToWriteOff) as error:
            ledger.write_off(INV1, tolerance=eur("1.00"), reason="fee", date=DAY)
        assert error.value.document == str(INV1)

    def test_a_tolerance_in_another_currency_is_refused(self) -> None:
        with pytest.raises(CurrencyMismatch):
            self.short_paid().write_off(
                INV1, tolerance=Money("1.00", "USD"), reason="fee", date=DAY
            )


class TestStatus:
    def test_status_is_derived_from_the_entries(self) -> None:
        before_due, after_due = dt.date(2026, 10, 15), dt.date(2026, 11, 1)
        ledger = three_invoices("250.00").record(
            received("50.00", reference="EARLY", date=dt.date(2026, 10, 10))
        )
        assert ledger.status(INV1, as_of=before_due) is ItemStatus.OPEN
        assert ledger.status(INV1, as_of=after_due) is ItemStatus.OVERDUE
        part = ledger.allocate("EARLY", {INV1: eur("50.00")})
        assert part.status(INV1, as_of=before_due) is ItemStatus.PARTIALLY_PAID
        assert part.status(INV1, as_of=after_due) is ItemStatus.OVERDUE
        paid = part.allocate("BANK-1", {INV1: eur("150.00")})
        assert paid.status(INV1, as_of=DAY) is ItemStatus.PAID

    def test_status_as_of_a_day_counts_the_entries_of_that_day(self) -> None:
        # BANK-1 is paid on DAY (20 December), after INV-1 fell due (31 October)
        paid = three_invoices("250.00").allocate("BANK-1", {INV1: eur("200.00")})
        assert paid.status(INV1, as_of=dt.date(2026, 10, 15)) is ItemStatus.OPEN
        assert paid.status(INV1, as_of=DAY - dt.timedelta(days=1)) is ItemStatus.OVERDUE
        assert paid.status(INV1, as_of=DAY) is ItemStatus.PAID
        assert paid.amount_remaining(INV1, as_of=DAY - dt.timedelta(days=1)) == eur("200.00")
        assert paid.amount_paid(INV1, as_of=DAY - dt.timedelta(days=1)) == eur("0.00")
        assert paid.amount_paid(INV1, as_of=DAY) == paid.amount_paid(INV1) == eur("200.00")
        # allocated a week after the payment: paid from that day on
        later = DAY + dt.timedelta(days=7)
        dated = three_invoices("250.00").allocate("BANK-1", {INV1: eur("200.00")}, on=later)
        assert dated.status(INV1, as_of=DAY) is ItemStatus.OVERDUE
        assert dated.status(INV1, as_of=later) is ItemStatus.PAID
        assert dated.amount_remaining(INV1, as_of=later - dt.timedelta(days=1)) == eur("200.00")
        # a reversed entry counts on no day
        assert dated.reverse(1).amount_paid(INV1, as_of=later) == eur("0.00")

    def test_write_offs_discounts_and_credit_notes_as_of_a_day(self) -> None:
        ledger = (
            three_invoices("199.50")
            .allocate("BANK-1", {INV1: eur("199.50")})
            .write_off(INV1, tolerance=eur("1.00"), reason="fee", date=DAY + dt.timedelta(3))
        )
        assert ledger.amount_written_off(INV1, as_of=DAY) == eur("0.00")
        assert ledger.amount_remaining(INV1, as_of=DAY) == eur("0.50")
        assert ledger.status(INV1, as_of=DAY) is ItemStatus.OVERDUE
        assert ledger.amount_written_off(INV1, as_of=DAY + dt.timedelta(3)) == eur("0.50")
        assert ledger.status(INV1, as_of=DAY + dt.timedelta(3)) is ItemStatus.PAID
        assert ledger.amount_discounted(INV1, as_of=DAY) == eur("0.00")
        noted = three_invoices().add_items(credit_note(amount="-100.00"))
        credited = noted.allocate(CN1, {INV3: eur("100.00")}, on=DAY)
        before = DAY - dt.timedelta(days=1)
        assert credited.amount_paid(CN1, as_of=before) == eur("0.00")
        assert credited.amount_remaining(CN1, as_of=before) == eur("-100.00")
        assert credited.status(CN1, as_of=before) is ItemStatus.OPEN
        assert credited.amount_paid(CN1, as_of=DAY) == eur("-100.00")
        assert credited.status(CN1, as_of=DAY) is ItemStatus.CREDITED
        assert credited.status(INV3, as_of=DAY) is ItemStatus.CREDITED

    @pytest.mark.parametrize(
        "method",
        ["amount_paid", "amount_remaining", "amount_written_off", "amount_discounted"],
    )
    def test_the_amounts_as_of_take_a_date(self, method: str) -> None:
        with pytest.raises(InvalidType) as error:
            getattr(three_invoices(), method)(INV1, as_of=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        assert error.value.field == "as_of"

    def test_an_invoice_settled_by_credit_notes_alone_is_credited(self) -> None:
        ledger = three_invoices().add_items(credit_note(amount="-100.00"))
        credited = ledger.allocate(CN1, {INV3: eur("100.00")})
        assert credited.status(INV3, as_of=DAY) is ItemStatus.CREDITED
        assert credited.status(CN1, as_of=DAY) is ItemStatus.CREDITED
        assert ledger.status(CN1, as_of=DAY) is ItemStatus.OPEN

    def test_as_of_is_a_date(self) -> None:
        with pytest.raises(InvalidType) as error:
            three_invoices().status(INV1, as_of=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # type: ignore[arg-type]
        assert error.value.field == "as_of"


class TestForeignCurrency:
    RATE = ExchangeRate(base="EUR", quote="USD", rate="1.0832", source="ECB", date=DAY)
    BOOKED = ExchangeRate(
        base="EUR", quote="USD", rate="1.0500", source="ECB", date=dt.date(2026, 10, 1)
    )

    def ledger(self, paid: str = "110.00") -> Ledger:
        return three_invoices().record(
            received(paid, "USD", reference="BANK-USD", idempotency_key="req-usd")
        )

    def test_a_payment_in_another_currency_pays_through_an_explicit_rate(self) -> None:
        ledger = self.ledger().allocate("BANK-USD", {INV3: eur("100.00")}, rate=self.RATE)
        assert ledger.amount_remaining(INV3) == eur("0.00")
        allocation = ledger.allocations[-1]
        assert allocation.amount == eur("100.00")
        assert allocation.taken == Money("108.32", "USD")
        assert allocation.rate == self.RATE
        assert ledger.unallocated("BANK-USD") == Money("1.68", "USD")
        assert ledger.credit("acme", "USD") == Money("1.68", "USD")

    def test_the_realized_exchange_difference_is_its_own_figure(self) -> None:
        ledger = self.ledger().allocate("BANK-USD", {INV3: eur("100.00")}, rate=self.RATE)
        assert ledger.exchange_difference(1, booked=self.BOOKED) == Money("3.32", "USD")
        plain = three_invoices().allocate("BANK-1", {INV1: eur("10.00")})
        with pytest.raises(CurrencyMismatch):
            plain.exchange_difference(1, booked=self.BOOKED)

    def test_what_the_rate_takes_is_checked_against_the_payment(self) -> None:
        ledger = self.ledger("100.00")
        with pytest.raises(OverAllocation) as error:
            ledger.allocate("BANK-USD", {INV3: eur("100.00")}, rate=self.RATE)
        assert error.value.requested == Money("108.32", "USD")
        assert error.value.available == Money("100.00", "USD")
        assert ledger.allocations == ()

    def test_currencies_must_fit_the_rate(self) -> None:
        ledger = self.ledger()
        with pytest.raises(CurrencyMismatch):
            ledger.allocate("BANK-USD", {INV3: eur("1.00")})  # no rate
        with pytest.raises(CurrencyMismatch):
            ledger.allocate("BANK-1", {INV3: eur("1.00")}, rate=self.RATE)  # a EUR payment
        with pytest.raises(CurrencyMismatch):
            ledger.allocate("BANK-USD", {INV3: Money("1.00", "USD")}, rate=self.RATE)

    def test_a_reversal_gives_back_what_was_taken(self) -> None:
        before = self.ledger()
        after = before.allocate("BANK-USD", {INV3: eur("100.00")}, rate=self.RATE).reverse(1)
        assert after.unallocated("BANK-USD") == Money("110.00", "USD")
        assert after.credit("acme", "USD") == before.credit("acme", "USD")
        assert after.amount_remaining(INV3) == eur("100.00")


class TestForeignCurrencyOldestFirstAndByReference:
    """A payment in another currency allocated oldest first or by reference, through a rate."""

    RATE = TestForeignCurrency.RATE  # 1 EUR = 1.0832 USD

    def ledger(self, paid: str, reference: str = "BANK-USD") -> Ledger:
        return three_invoices().record(
            received(paid, "USD", reference=reference, idempotency_key="req-usd")
        )

    def test_oldest_first_pays_in_full_while_the_conversion_fits_then_the_largest_part(
        self,
    ) -> None:
        ledger = self.ledger("600.00").allocate_oldest_first("BANK-USD", rate=self.RATE)
        made = [(a.item, a.amount, a.taken, a.rate) for a in ledger.allocations]
        assert made == [
            (INV1, eur("200.00"), Money("216.64", "USD"), self.RATE),
            (INV2, eur("300.00"), Money("324.96", "USD"), self.RATE),
            # 58.40 USD left: 53.91 EUR converts to 58.3953 -> 58.40; 53.92 to 58.41
            (INV3, eur("53.91"), Money("58.40", "USD"), self.RATE),
        ]
        assert ledger.unallocated("BANK-USD") == Money("0.00", "USD")
        assert ledger.amount_remaining(INV3) == eur("46.09")
        # another party's item is never touched
        assert ledger.amount_remaining(DocumentRef.invoice("OTHER")) == eur("100.00")

    def test_what_the_items_do_not_need_stays_credit_in_the_payments_currency(self) -> None:
        ledger = self.ledger("700.00").allocate_oldest_first("BANK-USD", rate=self.RATE)
        assert all(ledger.amount_remaining(d) == eur("0.00") for d in (INV1, INV2, INV3))
        taken = sum((a.source_amount.amount for a in ledger.allocations), Decimal(0))
        assert taken == Decimal("649.92")
        assert ledger.credit("acme", "USD") == Money("50.08", "USD")
        assert ledger.credit("acme", "EUR") == eur("250.00")  # BANK-1, untouched

    def test_each_allocation_has_its_realized_exchange_difference(self) -> None:
        ledger = self.ledger("600.00").allocate_oldest_first("BANK-USD", rate=self.RATE)
        booked = TestForeignCurrency.BOOKED  # 1 EUR = 1.0500 USD
        differences = [
            ledger.exchange_difference(a.number, booked=booked) for a in ledger.allocations
        ]
        assert differences == [
            Money("6.64", "USD"),  # 216.64 - 210.00
            Money("9.96", "USD"),  # 324.96 - 315.00
            Money("1.79", "USD"),  # 58.40 - 56.61 (53.91 * 1.05 = 56.6055)
        ]

    def test_oldest_first_through_a_rate_is_explicit_allocation_of_the_same_amounts(
        self,
    ) -> None:
        ledger = self.ledger("600.00")
        oldest = ledger.allocate_oldest_first("BANK-USD", rate=self.RATE)
        amounts = {a.item: a.amount for a in oldest.allocations}
        assert ledger.allocate("BANK-USD", amounts, rate=self.RATE) == oldest

    def test_a_reversal_restores_the_payment_and_the_items(self) -> None:
        before = self.ledger("600.00")
        after = before.allocate_oldest_first("BANK-USD", rate=self.RATE)
        for allocation in after.allocations:
            after = after.reverse(allocation.number)
        assert after.unallocated("BANK-USD") == Money("600.00", "USD")
        assert [after.amount_remaining(d) for d in (INV1, INV2, INV3)] == [
            before.amount_remaining(d) for d in (INV1, INV2, INV3)
        ]
        again = after.allocate_oldest_first("BANK-USD", rate=self.RATE)
        assert [(a.item, a.amount) for a in again.allocations[3:]] == [
            (a.item, a.amount) for a in before.allocate_oldest_first(
                "BANK-USD", rate=self.RATE
            ).allocations
        ]  # fmt: skip

    def test_by_reference_pays_the_named_items_through_the_rate(self) -> None:
        ledger = self.ledger("150.00", reference="INV-3 INV-1")
        after = ledger.allocate_by_reference("INV-3 INV-1", rate=self.RATE)
        assert [(a.item, a.amount, a.taken) for a in after.allocations] == [
            (INV3, eur("100.00"), Money("108.32", "USD")),
            # 41.68 USD left: 38.48 EUR converts to 41.6815 -> 41.68
            (INV1, eur("38.48"), Money("41.68", "USD")),
        ]
        assert after.unallocated("INV-3 INV-1") == Money("0.00", "USD")

    def test_a_payment_too_small_for_one_minor_unit_allocates_nothing(self) -> None:
        yen = ExchangeRate(base="EUR", quote="JPY", rate="160", source="ECB", date=DAY)
        ledger = three_invoices().record(
            received("1", "JPY", reference="BANK-JPY", idempotency_key="req-jpy")
        )
        # 0.01 EUR costs 1.6 -> 2 JPY: more than the payment has
        assert ledger.allocate_oldest_first("BANK-JPY", rate=yen) == ledger
        assert ledger.allocate_by_reference("BANK-JPY", rate=yen) == ledger
        two = ledger.record(received("2", "JPY", reference="BANK-J2", idempotency_key="r-j2"))
        paid = two.allocate_oldest_first("BANK-J2", rate=yen)
        assert [(a.item, a.amount, a.taken) for a in paid.allocations] == [
            (INV1, eur("0.01"), Money("2", "JPY"))
        ]

    def test_an_item_whose_open_amount_converts_to_zero_is_left_open(self) -> None:
        tiny = ExchangeRate(base="JPY", quote="EUR", rate="0.004", source="ECB", date=DAY)
        ledger = (
            Ledger()
            .add_items(
                OpenItem.single(
                    document=DocumentRef.invoice("JP-1"),
                    party="acme",
                    amount=Money("1", "JPY"),
                    issue_date=dt.date(2026, 10, 1),
                    due_date=dt.date(2026, 10, 2),
                ),
                OpenItem.single(
                    document=DocumentRef.invoice("JP-2"),
                    party="acme",
                    amount=Money("1000", "JPY"),
                    issue_date=dt.date(2026, 10, 1),
                    due_date=dt.date(2026, 10, 3),
                ),
            )
            .record(received("1.00"))
        )
        after = ledger.allocate_oldest_first("BANK-1", rate=tiny)
        # 1 JPY would cost 0.004 -> 0.00 EUR: it cannot be paid for nothing
        assert after.amount_remaining(DocumentRef.invoice("JP-1")) == Money("1", "JPY")
        assert [(a.item, a.amount, a.taken) for a in after.allocations] == [
            (DocumentRef.invoice("JP-2"), Money("251", "JPY"), eur("1.00"))
        ]
        with pytest.raises(InvalidPayment) as error:  # explicitly, the same refusal
            ledger.allocate("BANK-1", {DocumentRef.invoice("JP-1"): Money("1", "JPY")}, rate=tiny)
        assert error.value.field == "amount"

    def test_a_rate_that_does_not_fit_the_payment_is_refused_and_changes_nothing(self) -> None:
        ledger = self.ledger("600.00")
        with pytest.raises(CurrencyMismatch) as error:
            ledger.allocate_oldest_first("BANK-1", rate=self.RATE)  # a EUR payment
        assert (error.value.left, error.value.right) == ("EUR", "USD")
        with pytest.raises(CurrencyMismatch):
            ledger.allocate_by_reference("BANK-1", rate=self.RATE)
        with pytest.raises(InvalidType) as wrong:
            ledger.allocate_oldest_first("BANK-USD", rate="1.0832")  # type: ignore[arg-type]
        assert wrong.value.field == "rate"
        with pytest.raises(InvalidType):
            ledger.allocate_by_reference("BANK-USD", rate=Decimal("1.0832"))  # type: ignore[arg-type]
        assert ledger.allocations == ()

    def test_a_refund_never_pays_through_a_rate(self) -> None:
        ledger = three_invoices().add_items(credit_note()).record(
            Payment.refund_sent(
                amount=Money("10.00", "USD"), date=DAY, reference="OUT-1",
                method="transfer", party="acme", idempotency_key="req-out",
            )
        )  # fmt: skip
        with pytest.raises(NotAllocatable) as error:
            ledger.allocate_oldest_first("OUT-1", rate=self.RATE)
        assert error.value.source == "OUT-1"
        with pytest.raises(NotAllocatable):
            ledger.allocate_by_reference("OUT-1", rate=self.RATE)


class TestAllocationDate:
    """``on=``: the day an allocation is made, for the balances of a day."""

    LATER = DAY + dt.timedelta(days=10)

    def test_an_allocation_made_on_a_day_records_it(self) -> None:
        ledger = three_invoices().allocate_oldest_first("BANK-1", on=self.LATER)
        assert [a.date for a in ledger.allocations] == [self.LATER, self.LATER]
        assert [ledger.entry_date(a.number) for a in ledger.allocations] == [self.LATER] * 2
        plain = three_invoices().allocate_oldest_first("BANK-1")
        assert [a.date for a in plain.allocations] == [None, None]
        # as soon as it could be: the payment's date (the items were issued before it)
        assert [plain.entry_date(a.number) for a in plain.allocations] == [DAY, DAY]
        assert plain != ledger

    def test_every_way_to_allocate_takes_the_day(self) -> None:
        ledger = three_invoices()
        made = [
            ledger.allocate("BANK-1", {INV1: eur("10.00")}, on=self.LATER),
            ledger.allocate_with("BANK-1", OldestFirst(), on=self.LATER),
            ledger.allocate_credit_oldest_first("acme", "EUR", on=self.LATER),
            ledger.record(
                received("50.00", reference="INV-2", idempotency_key="req-2")
            ).allocate_by_reference("INV-2", on=self.LATER),
        ]
        for after in made:
            assert {a.date for a in after.allocations} == {self.LATER}

    def test_a_day_before_the_payment_is_refused_and_changes_nothing(self) -> None:
        ledger = three_invoices()
        early = DAY - dt.timedelta(days=1)
        with pytest.raises(AllocationTooEarly) as error:
            ledger.allocate_oldest_first("BANK-1", on=early)
        assert isinstance(error.value, ValueError)
        assert (error.value.on, error.value.earliest) == (early, DAY)
        assert (error.value.source, error.value.item) == ("BANK-1", str(INV1))
        assert ledger.allocations == ()

    def test_a_day_before_the_item_was_issued_is_refused(self) -> None:
        later = OpenItem.single(
            document=DocumentRef.invoice("INV-L"),
            party="acme",
            amount=eur("10.00"),
            issue_date=self.LATER,
            due_date=self.LATER,
        )
        ledger = three_invoices().add_items(later)
        with pytest.raises(AllocationTooEarly) as error:
            ledger.allocate("BANK-1", {later.document: eur("10.00")}, on=DAY)
        assert (error.value.earliest, error.value.item) == (self.LATER, str(later.document))
        after = ledger.allocate("BANK-1", {later.document: eur("10.00")})
        assert after.entry_date(1) == self.LATER

    def test_a_credit_note_is_dated_by_its_issue(self) -> None:
        ledger = three_invoices().add_items(credit_note())  # issued 2026-10-05
        with pytest.raises(AllocationTooEarly) as error:
            ledger.allocate(CN1, {INV1: eur("5.00")}, on=dt.date(2026, 10, 4))
        assert error.value.earliest == dt.date(2026, 10, 5)
        assert ledger.allocate(CN1, {INV1: eur("5.00")}).entry_date(1) == dt.date(2026, 10, 5)

    def test_the_day_is_a_date(self) -> None:
        with pytest.raises(InvalidType) as error:
            three_invoices().allocate_oldest_first("BANK-1", on="2026-12-30")  # type: ignore[arg-type]
        assert error.value.field == "on"

    def test_a_ledger_rebuilt_from_its_facts_keeps_the_days(self) -> None:
        ledger = three_invoices().allocate_oldest_first("BANK-1", on=self.LATER)
        rebuilt = Ledger.from_facts(
            items=ledger.items, payments=ledger.payments, entries=ledger.entries
        )
        assert rebuilt == ledger
        too_early = attrs.evolve(ledger.allocations[0], date=DAY - dt.timedelta(days=1))
        with pytest.raises(AllocationTooEarly):
            Ledger.from_facts(items=ledger.items, payments=ledger.payments, entries=[too_early])


class TestIndex:
    def test_an_older_item_added_later_is_paid_first(self) -> None:
        ledger = three_invoices("200.00").allocate_oldest_first("BANK-1")
        ledger = ledger.add_items(invoice("INV-0", "30.00", dt.date(2026, 10, 15)))
        ledger = ledger.record(received("50.00", reference="BANK-2", idempotency_key="req-2"))
        after = ledger.allocate_oldest_first("BANK-2")
        assert after.amount_remaining(DocumentRef.invoice("INV-0")) == eur("0.00")
        assert after.amount_remaining(INV2) == eur("280.00")

    def test_an_item_reopened_by_a_reversal_is_paid_first_again(self) -> None:
        ledger = three_invoices("250.00").allocate_oldest_first("BANK-1").reverse(1)
        ledger = ledger.record(received("20.00", reference="BANK-2", idempotency_key="req-2"))
        after = ledger.allocate_oldest_first("BANK-2")
        assert after.allocations[-1].item == INV1


class TestEarlyPaymentDiscount:
    ISSUED = dt.date(2026, 11, 1)
    DEADLINE = dt.date(2026, 11, 11)
    INV = DocumentRef.invoice("INV-D")

    def ledger(self) -> Ledger:
        item = OpenItem(
            document=self.INV,
            party="acme",
            amount=eur("1000.00"),
            issue_date=self.ISSUED,
            installments=(
                ScheduledInstallment(
                    due_date=dt.date(2026, 12, 1),
                    amount=eur("1000.00"),
                    discount_amount=eur("20.00"),
                    discount_deadline=self.DEADLINE,
                ),
            ),
        )
        return (
            Ledger()
            .add_items(item)
            .record(received("500.00", reference="BANK-D", idempotency_key="req-d"))
        )

    def test_the_discount_is_recomputed_on_what_remains(self) -> None:
        ledger = self.ledger()
        assert ledger.discount_available(self.INV, on=self.DEADLINE) == eur("20.00")
        part = ledger.allocate("BANK-D", {self.INV: eur("500.00")})
        assert part.discount_available(self.INV, on=self.DEADLINE) == eur("10.00")
        assert part.discount_available(self.INV, on=self.DEADLINE + dt.timedelta(days=1)) == eur(
            "0.00"
        )

    def test_taking_it_is_its_own_entry_and_can_be_reversed(self) -> None:
        part = self.ledger().allocate("BANK-D", {self.INV: eur("500.00")})
        taken = part.take_discount(self.INV, on=self.DEADLINE)
        assert taken.discounts == (
            DiscountTaken(number=2, item=self.INV, amount=eur("10.00"), date=self.DEADLINE),
        )
        assert taken.amount_remaining(self.INV) == eur("490.00")
        assert taken.amount_discounted(self.INV) == eur("10.00")
        assert taken.discount_available(self.INV, on=self.DEADLINE) == eur("0.00")
        with pytest.raises(NoDiscountAvailable) as error:
            taken.take_discount(self.INV, on=self.DEADLINE)
        assert error.value.document == str(self.INV)
        back = taken.reverse(2)
        assert back.amount_remaining(self.INV) == eur("500.00")
        assert back.discount_available(self.INV, on=self.DEADLINE) == eur("10.00")

    def test_after_the_deadline_there_is_none(self) -> None:
        with pytest.raises(NoDiscountAvailable):
            self.ledger().take_discount(self.INV, on=self.DEADLINE + dt.timedelta(days=1))


HOSTILE = (
    None,
    1.5,
    "",
    " ",
    b"x",
    ["BANK-1"],
    {"a": 1},
    Decimal("1"),
    dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
)


class TestHostileInput:
    @pytest.mark.parametrize("value", HOSTILE)
    def test_only_ordercore_errors_escape_and_nothing_changes(self, value: object) -> None:
        ledger = three_invoices()
        calls = [
            lambda: ledger.allocate(value, {INV1: eur("1.00")}),  # type: ignore[arg-type]
            lambda: ledger.allocate("BANK-1", value),  # type: ignore[arg-type]
            lambda: ledger.allocate("BANK-1", {INV1: value}),  # type: ignore[dict-item]
            lambda: ledger.allocate("BANK-1", {"INV-1": eur("1.00")}),  # type: ignore[dict-item]
            lambda: ledger.allocate("BANK-1", {INV1: eur("1.00")}, rate=value or 1),  # type: ignore[arg-type]
            lambda: ledger.allocate_oldest_first(value),  # type: ignore[arg-type]
            lambda: ledger.allocate_with("BANK-1", lambda a, c: value),  # type: ignore[arg-type, return-value]
            lambda: ledger.record(value),  # type: ignore[arg-type]
            lambda: ledger.record_and_allocate([value]),  # type: ignore[list-item]
            lambda: ledger.write_off(INV1, tolerance=value, reason="r", date=DAY),  # type: ignore[arg-type]
            lambda: ledger.write_off(INV1, tolerance=eur("1.00"), reason=value, date=DAY),  # type: ignore[arg-type]
            lambda: ledger.write_off(INV1, tolerance=eur("1.00"), reason="r", date=value),  # type: ignore[arg-type]
            lambda: ledger.reverse(value),  # type: ignore[arg-type]
            lambda: ledger.status(INV1, as_of=value),  # type: ignore[arg-type]
            lambda: ledger.credit("acme", value),  # type: ignore[arg-type]
            lambda: ledger.take_discount(INV1, on=value),  # type: ignore[arg-type]
            lambda: ledger.item(value),  # type: ignore[arg-type]
            lambda: ledger.amount_remaining(value),  # type: ignore[arg-type]
            lambda: ledger.payment(value),  # type: ignore[arg-type]
            lambda: ledger.unallocated(value),  # type: ignore[arg-type]
            lambda: ledger.entry(value),  # type: ignore[arg-type]
            lambda: ledger.credit(value, "EUR"),  # type: ignore[arg-type]
            lambda: ledger.credit("acme", "EUR", direction=value),  # type: ignore[arg-type]
            lambda: ledger.allocate_by_reference(value),  # type: ignore[arg-type]
            lambda: ledger.allocate_oldest_first("BANK-1", rate=value or 1),  # type: ignore[arg-type]
            lambda: ledger.allocate_oldest_first("BANK-1", on=value or 1),  # type: ignore[arg-type]
            lambda: ledger.allocate("BANK-1", {INV1: eur("1.00")}, on=value or 1),  # type: ignore[arg-type]
            lambda: ledger.allocate_by_reference("BANK-1", rate=value or 1),  # type: ignore[arg-type]
            lambda: ledger.exchange_difference(value, booked=value),  # type: ignore[arg-type]
            lambda: ledger.allocate_with("BANK-1", OldestFirst(), rate=value or 1),  # type: ignore[arg-type]
            lambda: ledger.allocate_with("BANK-1", OldestFirst(), on=value or 1),  # type: ignore[arg-type]
            lambda: ledger.record_and_allocate([received("1.00", reference="R2")], rate=value or 1),  # type: ignore[arg-type]
            lambda: ledger.record_and_allocate([received("1.00", reference="R2")], on=value or 1),  # type: ignore[arg-type]
            lambda: ledger.refund_credit("BANK-1", on=value or 1),  # type: ignore[arg-type]
            lambda: ledger.amount_remaining(INV1, as_of=value or 1),  # type: ignore[arg-type]
            lambda: ledger.amount_paid(INV1, as_of=value or 1),  # type: ignore[arg-type]
            lambda: ledger.payment_exchange_difference(value, booked=value),  # type: ignore[arg-type]
            lambda: ledger.payment_exchange_difference("BANK-1", booked=value or 1),  # type: ignore[arg-type]
            lambda: ledger.payment_exchange_difference("BANK-1", booked={INV1: value}),  # type: ignore[dict-item]
        ]
        for call in calls:
            with pytest.raises(OrdercoreError):
                call()
        assert ledger == three_invoices()


class TestRefundOfCredit:
    def refund(self, amount: str, party: str = "acme") -> Payment:
        return Payment.refund_sent(
            amount=eur(amount),
            date=DAY,
            reference="OUT-1",
            method="transfer",
            party=party,
            idempotency_key="req-out",
        )

    def over_paid(self) -> Ledger:
        return three_invoices("700.00").allocate_oldest_first("BANK-1")  # EUR 100.00 credit

    def test_a_refund_pays_back_an_over_payment(self) -> None:
        ledger = self.over_paid().record(self.refund("60.00")).refund_credit("OUT-1")
        assert ledger.credit("acme", EUR) == eur("40.00")
        assert ledger.unallocated("BANK-1") == eur("40.00")
        assert ledger.unallocated("OUT-1") == eur("0.00")
        assert ledger.entries[-1] == CreditRefunded(
            number=4, refund="OUT-1", payment="BANK-1", amount=eur("60.00")
        )

    def test_then_from_credit_notes_and_the_rest_stays_on_the_refund(self) -> None:
        ledger = self.over_paid().add_items(credit_note()).record(self.refund("170.00"))
        after = ledger.refund_credit("OUT-1")
        assert after.credit("acme", EUR) == eur("0.00")
        assert after.amount_remaining(CN1) == eur("0.00")
        assert after.unallocated("OUT-1") == eur("20.00")
        assert after.entries[-1] == Allocation(
            number=5, source="OUT-1", item=CN1, amount=eur("50.00")
        )

    def test_from_a_named_payment_and_reversed(self) -> None:
        before = self.over_paid().record(self.refund("60.00"))
        after = before.refund_credit("OUT-1", payment="BANK-1").reverse(4)
        assert after.credit("acme", EUR) == before.credit("acme", EUR)
        assert after.unallocated("OUT-1") == eur("60.00")
        assert after.unallocated("BANK-1") == eur("100.00")

    def test_only_a_refund_of_the_same_party_pays_back_credit(self) -> None:
        ledger = self.over_paid().record(self.refund("60.00", party="globex"))
        with pytest.raises(NotAllocatable) as error:
            ledger.refund_credit("BANK-1")
        assert error.value.source == "BANK-1"
        with pytest.raises(NotAllocatable) as other:
            ledger.refund_credit("OUT-1", payment="BANK-1")
        assert other.value.item == "BANK-1"

    def early_refund(self) -> Ledger:
        # the refund went out the day before BANK-1 (EUR 100.00 over-paid) came in
        return self.over_paid().record(
            attrs.evolve(self.refund("60.00"), date=DAY - dt.timedelta(days=1))
        )

    def test_without_a_day_no_credit_of_a_later_payment_is_paid_back(self) -> None:
        ledger = self.early_refund()
        with pytest.raises(RefundBeforePayment) as error:
            ledger.refund_credit("OUT-1", payment="BANK-1")
        found = error.value
        assert (found.refund, found.payment) == ("OUT-1", "BANK-1")
        assert (found.refund_date, found.payment_date) == (DAY - dt.timedelta(days=1), DAY)
        # an AllocationTooEarly of the day it would have been paid back on
        assert isinstance(found, AllocationTooEarly)
        assert (found.on, found.earliest, found.source, found.item) == (
            DAY - dt.timedelta(days=1),
            DAY,
            "OUT-1",
            "BANK-1",
        )
        restored = pickle.loads(pickle.dumps(found))
        assert (restored.refund_date, restored.payment_date) == (found.refund_date, DAY)
        # from the party's sources, the later payment is passed over: nothing to pay back
        passed = ledger.refund_credit("OUT-1")
        assert passed.entries == ledger.entries
        assert passed.unallocated("OUT-1") == eur("60.00")
        assert passed.credit("acme", EUR) == eur("100.00")

    def test_a_ledger_stored_before_the_rule_still_reads(self) -> None:
        # an earlier version paid back a later payment's credit without a day: kept
        ledger = self.early_refund()
        stored = CreditRefunded(number=4, refund="OUT-1", payment="BANK-1", amount=eur("60.00"))
        rebuilt = Ledger.from_facts(
            items=ledger.items, payments=ledger.payments, entries=(*ledger.entries, stored)
        )
        assert rebuilt.entries[-1] == stored
        assert rebuilt.entry_date(4) == DAY  # counted from the payment's date, as it was
        assert rebuilt.credit("acme", EUR) == eur("40.00")

    def test_a_later_payment_credit_is_paid_back_on_a_day_said(self) -> None:
        ledger = self.early_refund()
        for payment in (None, "BANK-1"):
            after = ledger.refund_credit("OUT-1", payment=payment, on=DAY)
            assert after.entries[-1] == CreditRefunded(
                number=4, refund="OUT-1", payment="BANK-1", amount=eur("60.00"), date=DAY
            )
            assert after.credit("acme", EUR) == eur("40.00")

    def test_a_credit_note_issued_after_the_refund_is_drawn_on(self) -> None:
        # what a refund paid beyond the credit a later credit note settles (an allocation)
        note = OpenItem.single(document=CN1, party="acme", amount=eur("-50.00"), issue_date=DAY)
        ledger = three_invoices("600.00").allocate_oldest_first("BANK-1").add_items(note)
        ledger = ledger.record(attrs.evolve(self.refund("50.00"), date=DAY - dt.timedelta(1)))
        after = ledger.refund_credit("OUT-1")
        assert after.amount_remaining(CN1) == eur("0.00")
        assert after.entry_date(after.entries[-1].number) == DAY

    def test_the_credit_and_the_rest_of_a_payment_as_of_a_day(self) -> None:
        later = DAY + dt.timedelta(days=3)
        ledger = self.over_paid().record(attrs.evolve(self.refund("60.00"), date=later))
        after = ledger.refund_credit("OUT-1")  # counted from the refund's day
        before_it = later - dt.timedelta(days=1)
        assert after.credit("acme", EUR, as_of=before_it) == eur("100.00")
        assert after.unallocated("BANK-1", as_of=before_it) == eur("100.00")
        assert after.unallocated("OUT-1", as_of=before_it) == eur("60.00")
        assert after.credit("acme", EUR, as_of=later) == eur("40.00")
        assert after.unallocated("BANK-1", as_of=later) == after.unallocated("BANK-1")
        assert after.unallocated("OUT-1", as_of=later) == eur("0.00")
        # before BANK-1 came in: no credit, and all of BANK-1 still to allocate
        assert after.credit("acme", EUR, as_of=DAY - dt.timedelta(days=1)) == eur("0.00")
        assert after.unallocated("BANK-1", as_of=DAY - dt.timedelta(days=1)) == eur("700.00")
        # a reversed entry counts on no day
        undone = after.reverse(after.entries[-1].number)
        assert undone.credit("acme", EUR, as_of=later) == eur("100.00")
        for call in (
            lambda: after.credit("acme", EUR, as_of="2026-12-01"),  # type: ignore[arg-type]
            lambda: after.unallocated("BANK-1", as_of=1),  # type: ignore[arg-type]
        ):
            with pytest.raises(InvalidType) as wrong:
                call()
            assert wrong.value.field == "as_of"

    def test_credit_notes_in_the_credit_of_a_day(self) -> None:
        ledger = self.over_paid().add_items(credit_note())  # CN-1 of 5 October, EUR 50.00
        assert ledger.credit("acme", EUR, as_of=dt.date(2026, 10, 4)) == eur("0.00")
        assert ledger.credit("acme", EUR, as_of=dt.date(2026, 10, 5)) == eur("50.00")
        assert ledger.credit("acme", EUR, as_of=DAY) == ledger.credit("acme", EUR) == eur("150.00")
        more = ledger.add_items(invoice("INV-4", "10.00", DAY))
        used = more.allocate(CN1, {DocumentRef.invoice("INV-4"): eur("10.00")}, on=DAY)
        assert used.credit("acme", EUR, as_of=DAY - dt.timedelta(days=1)) == eur("50.00")
        assert used.credit("acme", EUR, as_of=DAY) == eur("140.00")
        assert used.credit("globex", EUR, as_of=DAY) == eur("0.00")


class TestRateAndDayOnTheOtherWays:
    """``rate=`` and ``on=`` on allocate_with, record_and_allocate and refund_credit."""

    RATE = TestForeignCurrency.RATE  # 1 EUR = 1.0832 USD
    LATER = DAY + dt.timedelta(days=10)

    def usd(self, paid: str) -> Ledger:
        return three_invoices().record(
            received(paid, "USD", reference="BANK-USD", idempotency_key="req-usd")
        )

    def test_a_policy_divides_the_payment_in_its_own_currency(self) -> None:
        seen: list[tuple[Money, tuple[Candidate, ...]]] = []

        def newest_first(
            available: Money, candidates: tuple[Candidate, ...]
        ) -> dict[DocumentRef, Money]:
            seen.append((available, candidates))
            return {candidates[-1].item.document: available}

        after = self.usd("100.00").allocate_with("BANK-USD", newest_first, rate=self.RATE)
        available, candidates = seen[0]
        assert available == Money("100.00", "USD")
        # each candidate at what paying it in full costs the payment
        assert [(c.item.document, c.remaining) for c in candidates] == [
            (INV1, Money("216.64", "USD")),
            (INV2, Money("324.96", "USD")),
            (INV3, Money("108.32", "USD")),
        ]
        # USD 100.00 buys EUR 92.32 of INV-3 (USD 100.00 exactly); nothing is left
        allocation = after.allocations[-1]
        assert (allocation.item, allocation.amount, allocation.taken) == (
            INV3,
            eur("92.32"),
            Money("100.00", "USD"),
        )

    def test_oldest_first_as_a_policy_through_a_rate_is_oldest_first(self) -> None:
        ledger = self.usd("600.00")
        assert ledger.allocate_with(
            "BANK-USD", OldestFirst(), rate=self.RATE, on=self.LATER
        ) == ledger.allocate_oldest_first("BANK-USD", rate=self.RATE, on=self.LATER)

    def test_what_a_policy_returns_through_a_rate_is_checked(self) -> None:
        ledger = self.usd("150.00")

        def in_full(
            available: Money, candidates: tuple[Candidate, ...]
        ) -> dict[DocumentRef, Money]:
            return {c.item.document: c.remaining for c in candidates[:2]}

        def too_much(
            available: Money, candidates: tuple[Candidate, ...]
        ) -> dict[DocumentRef, Money]:
            return {INV3: Money("108.33", "USD")}

        def in_euros(
            available: Money, candidates: tuple[Candidate, ...]
        ) -> dict[DocumentRef, Money]:
            return {INV3: eur("10.00")}

        with pytest.raises(OverAllocation) as error:
            ledger.allocate_with("BANK-USD", in_full, rate=self.RATE)
        assert (error.value.requested, error.value.available) == (
            Money("216.64", "USD"),
            Money("150.00", "USD"),
        )
        assert error.value.target == "BANK-USD"
        with pytest.raises(OverAllocation) as item:
            ledger.allocate_with("BANK-USD", too_much, rate=self.RATE)
        assert (item.value.available, item.value.target) == (Money("108.32", "USD"), str(INV3))
        with pytest.raises(CurrencyMismatch):
            ledger.allocate_with("BANK-USD", in_euros, rate=self.RATE)
        with pytest.raises(CurrencyMismatch):
            three_invoices().allocate_with("BANK-1", OldestFirst(), rate=self.RATE)
        with pytest.raises(InvalidType) as wrong:
            ledger.allocate_with("BANK-USD", OldestFirst(), rate="1.0832")  # type: ignore[arg-type]
        assert wrong.value.field == "rate"
        assert ledger.allocations == ()

    def test_record_and_allocate_through_a_rate_on_a_day(self) -> None:
        payments = [
            received("300.00", "USD", reference="USD-1", idempotency_key="k1"),
            received("300.00", "USD", reference="USD-2", idempotency_key="k2"),
        ]
        start = three_invoices()
        batch = start.record_and_allocate(payments, rate=self.RATE, on=self.LATER)
        one_by_one = start
        for payment in payments:
            one_by_one = one_by_one.record(payment).allocate_oldest_first(
                payment.reference, rate=self.RATE, on=self.LATER
            )
        assert batch == one_by_one
        assert {a.date for a in batch.allocations} == {self.LATER}
        assert {a.rate for a in batch.allocations} == {self.RATE}

    def test_record_and_allocate_refuses_the_whole_batch(self) -> None:
        start = three_invoices()
        mixed = [
            received("300.00", "USD", reference="USD-1", idempotency_key="k1"),
            received("300.00", "EUR", reference="EUR-1", idempotency_key="k2"),
        ]
        with pytest.raises(CurrencyMismatch):
            start.record_and_allocate(mixed, rate=self.RATE)
        with pytest.raises(AllocationTooEarly) as error:
            start.record_and_allocate(
                [received("50.00", reference="EUR-2", idempotency_key="k3")],
                on=DAY - dt.timedelta(days=1),
            )
        assert error.value.source == "EUR-2"
        assert start.payments == three_invoices().payments

    def refund(self, amount: str) -> Payment:
        return Payment.refund_sent(
            amount=eur(amount),
            date=DAY,
            reference="OUT-1",
            method="transfer",
            party="acme",
            idempotency_key="req-out",
        )

    def test_a_refund_of_credit_on_a_day(self) -> None:
        ledger = (
            three_invoices("700.00")
            .allocate_oldest_first("BANK-1")  # EUR 100.00 credit
            .add_items(credit_note())
            .record(self.refund("170.00"))
        )
        after = ledger.refund_credit("OUT-1", on=self.LATER)
        refunded, allocated = after.entries[-2:]
        assert isinstance(refunded, CreditRefunded)
        assert isinstance(allocated, Allocation)
        assert (refunded.date, allocated.date) == (self.LATER, self.LATER)
        assert after.entry_date(refunded.number) == self.LATER
        assert after.entry_date(allocated.number) == self.LATER
        undated = ledger.refund_credit("OUT-1", payment="BANK-1")
        assert undated.entries[-1].date is None  # type: ignore[union-attr]
        assert undated.entry_date(undated.entries[-1].number) == DAY
        rebuilt = Ledger.from_facts(
            items=after.items, payments=after.payments, entries=after.entries
        )
        assert rebuilt == after

    def test_a_refund_of_credit_before_the_refund_is_refused(self) -> None:
        ledger = (
            three_invoices("700.00").allocate_oldest_first("BANK-1").record(self.refund("60.00"))
        )
        early = DAY - dt.timedelta(days=1)
        for payment in (None, "BANK-1"):
            with pytest.raises(AllocationTooEarly) as error:
                ledger.refund_credit("OUT-1", payment=payment, on=early)
            assert (error.value.on, error.value.earliest) == (early, DAY)
            assert (error.value.source, error.value.item) == ("OUT-1", "BANK-1")
        made = ledger.refund_credit("OUT-1", on=self.LATER)
        too_early = attrs.evolve(made.entries[-1], date=early)
        with pytest.raises(AllocationTooEarly):
            Ledger.from_facts(
                items=made.items, payments=made.payments, entries=(*ledger.entries, too_early)
            )
        with pytest.raises(InvalidType) as wrong:
            ledger.refund_credit("OUT-1", on="2026-12-30")  # type: ignore[arg-type]
        assert wrong.value.field == "on"


class TestPaymentExchangeDifference:
    """A payment's realized exchange difference: the sum of its allocations'."""

    RATE = TestForeignCurrency.RATE  # 1 EUR = 1.0832 USD, the day paid
    BOOKED = TestForeignCurrency.BOOKED  # 1 EUR = 1.0500 USD, the day booked

    def paid(self) -> Ledger:
        return (
            three_invoices()
            .record(received("600.00", "USD", reference="BANK-USD", idempotency_key="req-usd"))
            .allocate_oldest_first("BANK-USD", rate=self.RATE)
        )

    def test_sums_the_differences_of_its_allocations(self) -> None:
        ledger = self.paid()
        each = [
            ledger.exchange_difference(a.number, booked=self.BOOKED) for a in ledger.allocations
        ]
        assert each == [Money("6.64", "USD"), Money("9.96", "USD"), Money("1.79", "USD")]
        assert ledger.payment_exchange_difference("BANK-USD", booked=self.BOOKED) == Money(
            "18.39", "USD"
        )

    def test_each_item_at_its_own_booked_rate(self) -> None:
        ledger = self.paid()
        later = attrs.evolve(self.BOOKED, rate=Decimal("1.1000"))
        rates = {INV1: self.BOOKED, INV2: later, INV3: later}
        expected = sum(
            (
                ledger.exchange_difference(a.number, booked=rates[a.item]).amount
                for a in ledger.allocations
            ),
            Decimal(0),
        )
        figure = ledger.payment_exchange_difference("BANK-USD", booked=rates)
        assert figure == Money(expected, "USD")
        # INV-1 gained 6.64; INV-2 and INV-3, booked dearer than paid, lost 5.04 and 0.90
        assert figure == Money("0.70", "USD")
        with pytest.raises(InvalidType) as missing:
            ledger.payment_exchange_difference("BANK-USD", booked={INV1: self.BOOKED})
        assert missing.value.field == "booked"

    def test_a_reversed_allocation_realized_nothing(self) -> None:
        ledger = self.paid().reverse(2)
        assert ledger.payment_exchange_difference("BANK-USD", booked=self.BOOKED) == Money(
            "8.43", "USD"
        )

    def test_without_a_rate_there_is_no_difference(self) -> None:
        ledger = three_invoices().allocate_oldest_first("BANK-1")
        assert ledger.payment_exchange_difference("BANK-1", booked=self.BOOKED) == eur("0.00")
        noted = three_invoices().add_items(credit_note())
        assert noted.payment_exchange_difference(CN1, booked=self.BOOKED) == eur("0.00")

    def test_bad_input_is_refused(self) -> None:
        ledger = self.paid()
        other = ExchangeRate(
            base="EUR", quote="GBP", rate="0.85", source="ECB", date=dt.date(2026, 10, 1)
        )
        with pytest.raises(CurrencyMismatch):
            ledger.payment_exchange_difference("BANK-USD", booked=other)
        with pytest.raises(InvalidType) as wrong:
            ledger.payment_exchange_difference("BANK-USD", booked="1.05")  # type: ignore[arg-type]
        assert wrong.value.field == "booked"
        with pytest.raises(InvalidType):
            ledger.payment_exchange_difference("BANK-USD", booked={INV1: "1.05"})  # type: ignore[dict-item]
        with pytest.raises(UnknownPayment):
            ledger.payment_exchange_difference("BANK-9", booked=self.BOOKED)

    def test_a_ledger_rebuilt_from_its_facts_has_the_same_figure(self) -> None:
        ledger = self.paid().reverse(3)
        rebuilt = Ledger.from_facts(
            items=ledger.items,
            payments=ledger.payments,
            entries=ledger.entries,
            reversed=ledger.reversed,
        )
        assert rebuilt.payment_exchange_difference(
            "BANK-USD", booked=self.BOOKED
        ) == ledger.payment_exchange_difference("BANK-USD", booked=self.BOOKED)
