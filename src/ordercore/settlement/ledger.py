"""A settlement ledger: open items, payments and the allocations between them.

A :class:`Ledger` is an immutable value: every operation returns a new ledger and leaves
the old one as it was, so an operation that fails changes nothing. Allocations are
entries of their own, numbered in the order they were made; reversing one adds a
reversal and restores every balance exactly. What an item has been paid and what it
still owes are derived from the entries, never stored apart.

>>> import datetime as dt
>>> from ordercore.money import Money
>>> from ordercore.settlement import DocumentRef, OpenItem, Payment
>>> def invoice(number, amount, due):
...     return OpenItem.single(
...         document=DocumentRef.invoice(number), party="acme", amount=Money(amount, "EUR"),
...         issue_date=dt.date(2026, 10, 1), due_date=due,
...     )
>>> ledger = Ledger().add_items(
...     invoice("INV-2", "300.00", dt.date(2026, 11, 30)),
...     invoice("INV-1", "200.00", dt.date(2026, 10, 31)),
... )
>>> ledger = ledger.record(Payment.received(
...     amount=Money("250.00", "EUR"), date=dt.date(2026, 12, 1), reference="BANK-1",
...     method="transfer", party="acme", idempotency_key="req-1",
... ))
>>> after = ledger.allocate_oldest_first("BANK-1")
>>> after.amount_paid(DocumentRef.invoice("INV-1")), after.amount_remaining(DocumentRef.invoice("INV-2"))
(Money('200.00', 'EUR'), Money('250.00', 'EUR'))
>>> after.reverse(1).amount_remaining(DocumentRef.invoice("INV-1"))
Money('200.00', 'EUR')
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ordercore._convert import check_instance, to_money, to_tuple
from ordercore.errors import (
    AllocationReversed,
    CurrencyMismatch,
    DuplicateOpenItem,
    DuplicatePayment,
    InvalidPayment,
    OverAllocation,
    UnknownAllocation,
    UnknownOpenItem,
    UnknownPayment,
)
from ordercore.money.amount import Money
from ordercore.settlement.open_items import DocumentRef, OpenItem
from ordercore.settlement.payments import Payment

__all__ = ["Allocation", "Ledger"]


def _number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidPayment(value, reason="an allocation number is a positive int", field="number")
    return value


def _payment_reference(value: object) -> str:
    return check_instance(value, str, "payment")


def _item(value: object) -> DocumentRef:
    return check_instance(value, DocumentRef, "item")


def _allocated(value: object) -> Money:
    money = to_money(value, "amount")
    if money.amount <= 0:
        raise InvalidPayment(money, reason="an allocation is a positive amount", field="amount")
    return money


@attrs.frozen(kw_only=True)
class Allocation:
    """Part of payment ``payment`` (its reference) applied to the open item ``item``."""

    number: int = attrs.field(converter=_number)
    payment: str = attrs.field(converter=_payment_reference)
    item: DocumentRef = attrs.field(converter=_item)
    amount: Money = attrs.field(converter=_allocated)


def _items(value: object) -> tuple[OpenItem, ...]:
    return to_tuple(value, OpenItem, "items")


def _payments(value: object) -> tuple[Payment, ...]:
    return to_tuple(value, Payment, "payments")


def _allocations(value: object) -> tuple[Allocation, ...]:
    return to_tuple(value, Allocation, "allocations")


def _reversed(value: object) -> frozenset[int]:
    return frozenset(check_instance(value, frozenset, "reversed"))


@attrs.frozen(kw_only=True)
class Ledger:
    """Open items, payments, allocations and their reversals; see the module docstring."""

    items: tuple[OpenItem, ...] = attrs.field(default=(), converter=_items)
    payments: tuple[Payment, ...] = attrs.field(default=(), converter=_payments)
    allocations: tuple[Allocation, ...] = attrs.field(default=(), converter=_allocations)
    reversed: frozenset[int] = attrs.field(default=frozenset(), converter=_reversed)

    def add_items(self, *items: OpenItem) -> Ledger:
        """The ledger with ``items`` added; an item's document may be added once."""
        known = {item.document for item in self.items}
        for item in items:
            check_instance(item, OpenItem, "item")
            if item.document in known:
                raise DuplicateOpenItem(str(item.document))
            known.add(item.document)
        return attrs.evolve(self, items=self.items + items)

    def record(self, payment: Payment) -> Ledger:
        """The ledger with ``payment`` recorded; a reference is recorded once."""
        check_instance(payment, Payment, "payment")
        if any(known.reference == payment.reference for known in self.payments):
            raise DuplicatePayment(payment.reference)
        return attrs.evolve(self, payments=(*self.payments, payment))

    def item(self, document: DocumentRef) -> OpenItem:
        """The open item of ``document``, or :class:`~ordercore.errors.UnknownOpenItem`."""
        for item in self.items:
            if item.document == document:
                return item
        raise UnknownOpenItem(str(document))

    def payment(self, reference: str) -> Payment:
        """The payment ``reference``, or :class:`~ordercore.errors.UnknownPayment`."""
        for payment in self.payments:
            if payment.reference == reference:
                return payment
        raise UnknownPayment(reference)

    def _live(self) -> tuple[Allocation, ...]:
        return tuple(a for a in self.allocations if a.number not in self.reversed)

    def amount_paid(self, document: DocumentRef) -> Money:
        """What allocations have paid of ``document``'s item, in its currency."""
        item = self.item(document)
        paid = Money.zero(item.currency)
        for allocation in self._live():
            if allocation.item == document:
                paid += allocation.amount
        return paid

    def amount_remaining(self, document: DocumentRef) -> Money:
        """What ``document``'s item still owes: its amount less what was paid."""
        return Money.of(self.item(document).amount - self.amount_paid(document))

    def unallocated(self, reference: str) -> Money:
        """What payment ``reference`` has left to allocate."""
        payment = self.payment(reference)
        left = payment.amount
        for allocation in self._live():
            if allocation.payment == reference:
                left -= allocation.amount
        return Money.of(left)

    def allocate(self, reference: str, amounts: Mapping[DocumentRef, Money]) -> Ledger:
        """The ledger with ``amounts`` of payment ``reference`` allocated to those items.

        Raises :class:`~ordercore.errors.OverAllocation` when the payment has not that
        much left, or an item owes less; :class:`~ordercore.errors.CurrencyMismatch` for
        an amount in another currency than the payment or item. Nothing changes then.
        """
        payment = self.payment(reference)
        left = self.unallocated(reference)
        new: list[Allocation] = []
        number = len(self.allocations)
        for document, amount in amounts.items():
            item = self.item(document)
            money = _allocated(amount)
            for currency in (payment.currency, item.currency):
                if money.currency != currency:
                    raise CurrencyMismatch(currency.code, money.currency.code, operation="allocate")
            owed = self.amount_remaining(document)
            if money > owed:
                raise OverAllocation(requested=money, available=owed, target=str(document))
            if money > left:
                raise OverAllocation(requested=money, available=left, target=reference)
            left = Money.of(left - money)
            number += 1
            new.append(Allocation(number=number, payment=reference, item=document, amount=money))
        return attrs.evolve(self, allocations=self.allocations + tuple(new))

    def allocate_oldest_first(self, reference: str) -> Ledger:
        """Allocate what payment ``reference`` has left to its party's items, oldest due first.

        Items of the payment's party, direction and currency that still owe are paid in
        order of due date, then issue date, then document number, until the payment is
        spent; the last may be paid in part.
        """
        payment = self.payment(reference)
        left = self.unallocated(reference)
        candidates = sorted(
            (
                item
                for item in self.items
                if item.party == payment.party
                and item.direction is payment.direction
                and item.currency == payment.currency
                and item.amount.amount > 0
            ),
            key=lambda item: (item.due_date, item.issue_date, item.document.number),
        )
        amounts: dict[DocumentRef, Money] = {}
        for item in candidates:
            if not left.amount:
                break
            owed = self.amount_remaining(item.document)
            if owed.amount > 0:
                part = min(owed, left)
                amounts[item.document] = part
                left = Money.of(left - part)
        return self.allocate(reference, amounts)

    def reverse(self, number: int) -> Ledger:
        """The ledger with allocation ``number`` reversed: every balance as before it."""
        if number in self.reversed:
            raise AllocationReversed(number)
        if not any(allocation.number == number for allocation in self.allocations):
            raise UnknownAllocation(number)
        return attrs.evolve(self, reversed=self.reversed | {number})
