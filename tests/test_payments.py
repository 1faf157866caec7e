"""Payments received and sent, and refunds of either (issue 9)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from ordercore import (
    Direction,
    InvalidPayment,
    InvalidType,
    LimitExceeded,
    OverAllocation,
    Payment,
    PaymentKind,
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
