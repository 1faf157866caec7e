"""Ledger entries: what settles an open item, and where the item stands.

An entry is numbered in the order the :class:`~ordercore.settlement.Ledger` made it:

* an :class:`Allocation` of part of a payment, or of a credit note, to an item (through
  an explicit exchange rate when their currencies differ);
* a :class:`WriteOff` of a small remainder, with its reason and date;
* a :class:`DiscountTaken`, an early-payment discount the item earned;
* a :class:`CreditRefunded`: a refund paying back a payment's unallocated credit.

:class:`ItemStatus` is where an item stands, derived from them
(:meth:`~ordercore.settlement.Ledger.status`).
"""

from __future__ import annotations

import datetime as dt

import attrs

from ordercore._convert import check_instance, to_money, to_text
from ordercore.errors import InvalidPayment
from ordercore.money.amount import ExchangeRate, Money
from ordercore.settlement.open_items import DocumentRef
from ordercore.settlement.payments import _date, _Named

__all__ = [
    "Allocation",
    "CreditRefunded",
    "DiscountTaken",
    "Entry",
    "ItemStatus",
    "Source",
    "WriteOff",
]


#: What pays: a payment's reference, or the document of a credit note (a negative item).
Source = str | DocumentRef


def _number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidPayment(value, reason="an entry number is a positive int", field="number")
    return value


def _source(value: object) -> Source:
    if isinstance(value, DocumentRef):
        return value
    return check_instance(value, str, "source")


def _item(value: object) -> DocumentRef:
    return check_instance(value, DocumentRef, "item")


def _allocated(value: object) -> Money:
    money = to_money(value, "amount")
    if money.amount <= 0:
        raise InvalidPayment(money, reason="an allocation is a positive amount", field="amount")
    return money


def _optional_allocated(value: object) -> Money | None:
    return None if value is None else _allocated(value)


def _optional_rate(value: object) -> ExchangeRate | None:
    return None if value is None else check_instance(value, ExchangeRate, "rate")


def _optional_date(value: object) -> dt.date | None:
    return None if value is None else _date(value)


def _reason(value: object) -> str:
    return to_text(value, "reason")


def _name(source: Source) -> str:
    return source if isinstance(source, str) else str(source)


@attrs.frozen(kw_only=True)
class Allocation:
    """Part of ``source`` applied to the open item ``item``: entry ``number``.

    ``source`` is a payment's reference, or the :class:`DocumentRef` of a credit note
    (or other negative item) used as payment. ``amount`` is positive, in the item's
    currency: what the item's open amount moves towards zero, and the source's with it.

    A source in another currency than the item pays through an explicit exchange
    ``rate`` (one unit of the item's currency in the source's, with its source and
    date): ``taken`` is then what the allocation took from the source, in its currency
    (``rate.convert(amount)``, rounded half up); both are ``None`` otherwise.

    ``date`` is the day the allocation was made, when the caller said it (``on=``);
    ``None`` means as soon as it could be: the later of the source's date and the
    item's issue date (:meth:`Ledger.entry_date`).
    """

    number: int = attrs.field(converter=_number)
    source: Source = attrs.field(converter=_source)
    item: DocumentRef = attrs.field(converter=_item)
    amount: Money = attrs.field(converter=_allocated)
    taken: Money | None = attrs.field(default=None, converter=_optional_allocated)
    rate: ExchangeRate | None = attrs.field(default=None, converter=_optional_rate)
    date: dt.date | None = attrs.field(default=None, converter=_optional_date)

    @property
    def source_amount(self) -> Money:
        """What the allocation took from its source, in the source's currency."""
        return self.amount if self.taken is None else self.taken


@attrs.frozen(kw_only=True)
class WriteOff:
    """What item ``item`` still owed, written off on ``date`` for ``reason``: entry ``number``.

    ``amount`` is positive, in the item's currency: how far the write-off moved the
    item's open amount towards zero.
    """

    number: int = attrs.field(converter=_number)
    item: DocumentRef = attrs.field(converter=_item)
    amount: Money = attrs.field(converter=_allocated)
    reason: str = attrs.field(converter=_reason)
    date: dt.date = attrs.field(converter=_date)


@attrs.frozen(kw_only=True)
class DiscountTaken:
    """An early-payment discount item ``item`` earned, taken on ``date``: entry ``number``.

    ``amount`` is positive, in the item's currency: the discount of each installment
    whose deadline is on or after ``date``, on what of it was still open (see
    :meth:`Ledger.discount_available`).
    """

    number: int = attrs.field(converter=_number)
    item: DocumentRef = attrs.field(converter=_item)
    amount: Money = attrs.field(converter=_allocated)
    date: dt.date = attrs.field(converter=_date)


def _reference(value: object) -> str:
    return check_instance(value, str, "reference")


@attrs.frozen(kw_only=True)
class CreditRefunded:
    """Part of payment ``payment``'s credit paid back by refund ``refund``: entry ``number``.

    Both are payment references of one party, ledger and currency; ``amount`` is
    positive, in their currency: what the refund took from the payment's unallocated rest.
    ``date`` is the day it was paid back, when the caller said it (``on=``); ``None``
    means the later of the refund's and the payment's dates.
    """

    number: int = attrs.field(converter=_number)
    refund: str = attrs.field(converter=_reference)
    payment: str = attrs.field(converter=_reference)
    amount: Money = attrs.field(converter=_allocated)
    date: dt.date | None = attrs.field(default=None, converter=_optional_date)


Entry = Allocation | WriteOff | DiscountTaken | CreditRefunded


class ItemStatus(_Named):
    """Where an open item stands, derived from its entries (see :meth:`Ledger.status`)."""

    #: Nothing settled yet, and nothing past due.
    OPEN = "open"
    #: Part settled, nothing past due left unsettled.
    PARTIALLY_PAID = "partially_paid"
    #: Settled in full by payments (and write-offs).
    PAID = "paid"
    #: An installment due before the day asked about is not settled.
    OVERDUE = "overdue"
    #: Settled in full, by credit notes alone (for a credit note: used up in full).
    CREDITED = "credited"


def _unchecked_allocation(
    number: int, source: Source, item: DocumentRef, amount: Money, date: dt.date | None
) -> Allocation:
    """An allocation of values the ledger checked already (no converters: a hot loop)."""
    allocation = object.__new__(Allocation)
    object.__setattr__(allocation, "number", number)
    object.__setattr__(allocation, "source", source)
    object.__setattr__(allocation, "item", item)
    object.__setattr__(allocation, "amount", amount)
    object.__setattr__(allocation, "taken", None)
    object.__setattr__(allocation, "rate", None)
    object.__setattr__(allocation, "date", date)
    return allocation
