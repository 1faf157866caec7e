"""Payments received and sent, and refunds of either (issue 9)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from ordercore import (
    AllocationReversed,
    CurrencyMismatch,
    Direction,
    DocumentRef,
    DuplicateOpenItem,
    DuplicatePayment,
    InvalidPayment,
    InvalidType,
    Ledger,
    LimitExceeded,
    OpenItem,
    OverAllocation,
    Payment,
    PaymentKind,
    UnknownAllocation,
    UnknownOpenItem,
    UnknownPayment,
)
from ordercore.money import Money

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
