"""Payments: money that moved between us and a party, to be allocated to open items.

A :class:`Payment` is one movement of money, recorded once:

* its :class:`PaymentKind`: **received** from a customer, **sent** to a supplier, or a
  refund of either (a **refund sent** pays a customer back, a **refund received** is a
  supplier paying us back);
* its ``amount``, a positive ``Money`` in whole minor units of its currency;
* the ``date`` it moved (value date), the bank or cash ``reference``, the ``method``
  (bank transfer, card, cash, ... as the host names it) and the ``party``;
* the ``idempotency_key`` of the request that recorded it (the ``key`` of an
  :class:`ordercore.events.Request`), so that a retried request records it once.

A payment received or a refund received from a supplier settles what is owed to us or
what we were owed back; :attr:`Payment.direction` says which ledger of open items it
belongs to: receivable for money with customers, payable for money with suppliers.

>>> import datetime as dt
>>> from ordercore.money import Money
>>> payment = Payment.received(
...     amount=Money("1500.00", "EUR"), date=dt.date(2026, 12, 20), party="acme",
...     reference="BANK-0042", method="transfer", idempotency_key="req-17",
... )
>>> payment
Payment(kind=PaymentKind.RECEIVED, reference='BANK-0042', party='acme', amount=Money('1500.00', 'EUR'))
>>> print(payment)
received from acme: EUR 1500.00 on 2026-12-20 (transfer, BANK-0042)
>>> payment.direction
Direction.RECEIVABLE
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TypedDict, Unpack

import attrs
import moneyed

from ordercore._convert import check_instance, to_money, to_text
from ordercore.errors import InvalidPayment, InvalidType
from ordercore.money.amount import Money
from ordercore.money.currency import precision
from ordercore.money.decimals import decimal_places
from ordercore.settlement.open_items import Direction

__all__ = ["Payment", "PaymentKind"]


class _Named(enum.Enum):
    """An enum of settlement that prints short: ``Kind.NAME``, and its words for ``str``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"

    def __str__(self) -> str:
        return str(self.value).replace("_", " ")


class PaymentKind(_Named):
    """Which way a payment went, and whether it pays an item or pays money back."""

    #: From a customer to us: settles receivables.
    RECEIVED = "received"
    #: From us to a supplier: settles payables.
    SENT = "sent"
    #: From us back to a customer (a refund of customer credit).
    REFUND_SENT = "refund_sent"
    #: From a supplier back to us (a refund of what the supplier owed us).
    REFUND_RECEIVED = "refund_received"

    @property
    def direction(self) -> Direction:
        """The ledger the payment belongs to: with customers or with suppliers."""
        if self in (PaymentKind.RECEIVED, PaymentKind.REFUND_SENT):
            return Direction.RECEIVABLE
        return Direction.PAYABLE

    @property
    def is_refund(self) -> bool:
        """Whether the payment gives money back rather than paying an item."""
        return self in (PaymentKind.REFUND_SENT, PaymentKind.REFUND_RECEIVED)


def _kind(value: object) -> PaymentKind:
    return check_instance(value, PaymentKind, "kind")


def _amount(value: object) -> Money:
    money = to_money(value, "amount")
    if money.amount <= 0:
        raise InvalidPayment(
            money,
            reason="a payment moves a positive amount: record the other kind of payment "
            "(a refund, or sent instead of received) for money going the other way",
            field="amount",
        )
    places = precision(money.currency)
    if decimal_places(money.amount) > places:
        raise InvalidPayment(
            money,
            reason=f"a payment is in whole minor units: round it to the {places} decimal "
            f"places of {money.currency.code}",
            field="amount",
        )
    return money


def _day(value: object, field: str) -> dt.date:
    """Require a ``datetime.date`` that is not a ``datetime`` (settlement's dates)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidType(value, expected="a datetime.date", field=field)
    return value


def _date(value: object) -> dt.date:
    return _day(value, "date")


def _reference(value: object) -> str:
    return to_text(value, "reference")


def _method(value: object) -> str:
    return to_text(value, "method")


def _party(value: object) -> str:
    return to_text(value, "party")


def _idempotency_key(value: object) -> str:
    return to_text(value, "idempotency_key")


class _Fields(TypedDict):
    """The fields of a payment but its kind: what every named constructor takes."""

    amount: moneyed.Money
    date: dt.date
    reference: str
    method: str
    party: str
    idempotency_key: str


@attrs.frozen(kw_only=True, repr=False)
class Payment:
    """One payment, received or sent, or a refund of either; see the module docstring.

    The ``reference`` identifies the payment among all others (it is what allocations
    name); use :meth:`received`, :meth:`sent`, :meth:`refund_sent` and
    :meth:`refund_received`, or give ``kind`` yourself.
    """

    kind: PaymentKind = attrs.field(converter=_kind)
    amount: Money = attrs.field(converter=_amount)
    date: dt.date = attrs.field(converter=_date)
    reference: str = attrs.field(converter=_reference)
    method: str = attrs.field(converter=_method)
    party: str = attrs.field(converter=_party)
    idempotency_key: str = attrs.field(converter=_idempotency_key)

    @classmethod
    def received(cls, **fields: Unpack[_Fields]) -> Payment:
        """A payment from the customer ``party`` to us."""
        return cls(kind=PaymentKind.RECEIVED, **fields)

    @classmethod
    def sent(cls, **fields: Unpack[_Fields]) -> Payment:
        """A payment from us to the supplier ``party``."""
        return cls(kind=PaymentKind.SENT, **fields)

    @classmethod
    def refund_sent(cls, **fields: Unpack[_Fields]) -> Payment:
        """Money we pay back to the customer ``party``."""
        return cls(kind=PaymentKind.REFUND_SENT, **fields)

    @classmethod
    def refund_received(cls, **fields: Unpack[_Fields]) -> Payment:
        """Money the supplier ``party`` pays back to us."""
        return cls(kind=PaymentKind.REFUND_RECEIVED, **fields)

    @property
    def currency(self) -> moneyed.Currency:
        """The currency of the amount."""
        return self.amount.currency

    @property
    def direction(self) -> Direction:
        """The ledger of open items the payment belongs to (see :class:`PaymentKind`)."""
        return self.kind.direction

    def __str__(self) -> str:
        way = "from" if self.kind in (PaymentKind.RECEIVED, PaymentKind.REFUND_RECEIVED) else "to"
        return (
            f"{self.kind} {way} {self.party}: {self.amount} on {self.date.isoformat()} "
            f"({self.method}, {self.reference})"
        )

    def __repr__(self) -> str:
        return (
            f"Payment(kind={self.kind!r}, reference={self.reference!r}, party={self.party!r}, "
            f"amount={self.amount!r})"
        )
