"""A settlement ledger: open items, payments and the entries between them.

A :class:`Ledger` is an immutable value: every operation returns a new ledger and leaves
the old one as it was, so an operation that fails changes nothing. What settles an item
is an entry of its own, numbered in the order made: an :class:`Allocation` of part of a
payment or of a credit note to an item, a :class:`WriteOff` of a small remainder, or a
:class:`DiscountTaken`, an early-payment discount the item earned.
Reversing an entry restores every balance exactly. What an item has been paid, what it
still owes, a payment's unallocated rest and a party's credit are derived from the
entries, never stored apart.

What pays
    A payment received pays receivables (our invoices), a payment sent pays payables
    (supplier bills). A **credit note**, or any item of negative amount, pays like a
    payment: allocated to invoices (or bills) of its ledger, it takes from its own open
    amount what it gives. A **refund** pays back credit: allocated to a credit note, it
    brings the credit note's open amount back towards zero.

Credit
    What payments have not allocated and what credit notes have not given stays the
    party's :meth:`Ledger.credit`, per currency, and is allocated like a payment
    (:meth:`Ledger.allocate_credit_oldest_first`): from its payments as recorded, then
    from its credit notes as added. The order follows from the facts alone, so that two
    equal ledgers draw credit alike, whichever came first.

How much goes where
    :meth:`Ledger.allocate` takes explicit amounts per item;
    :meth:`Ledger.allocate_oldest_first` pays the oldest due first;
    :meth:`Ledger.allocate_by_reference` pays the invoices whose numbers the payment's
    reference names; :meth:`Ledger.allocate_with` asks an :class:`AllocationPolicy` the
    host implements (:class:`OldestFirst` is one). Every amount is checked before
    anything changes (:class:`~ordercore.errors.OverAllocation`,
    :class:`~ordercore.errors.NotAllocatable`, ...). :meth:`Ledger.record_and_allocate`
    records and allocates many payments in one pass.

Other currencies
    A payment in another currency than the items pays through an explicit
    :class:`~ordercore.money.ExchangeRate` (``allocate(..., rate=...)``, and
    ``allocate_oldest_first`` and ``allocate_by_reference`` with ``rate=``): the amounts
    are the items', the allocation records the rate and what it took from the payment,
    and :meth:`Ledger.exchange_difference` gives the realized difference against the
    rate an item was booked at (:meth:`Ledger.payment_exchange_difference`, a payment's,
    over its allocations). ``allocate_with`` and ``record_and_allocate`` take ``rate=``
    too.

Early-payment discounts
    :meth:`Ledger.discount_available` is each installment's discount on what of it is
    still open, while its deadline has not passed; :meth:`Ledger.take_discount` takes it.

Scale
    The ledger keeps its items, payments and entries in persistent maps indexed by key
    (:mod:`ordercore.settlement._pmap`) with running totals per item, payment and party:
    a balance is one look-up, and an operation copies only the few nodes it changes.

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

import bisect
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Generic, TypeVar

import attrs
import moneyed

from ordercore._convert import check_instance, to_money, to_text
from ordercore.errors import (
    AllocationReversed,
    AllocationTooEarly,
    CurrencyMismatch,
    DuplicateOpenItem,
    DuplicatePayment,
    EntriesOutOfSequence,
    EntryDoesNotReplay,
    InvalidPayment,
    InvalidType,
    NoDiscountAvailable,
    NotAllocatable,
    NothingToWriteOff,
    OverAllocation,
    RefundBeforePayment,
    UnknownAllocation,
    UnknownOpenItem,
    UnknownPayment,
    WriteOffExceedsTolerance,
)
from ordercore.money.amount import ExchangeRate, Money
from ordercore.money.context import CONTEXT
from ordercore.money.currency import precision, quantum
from ordercore.money.rounding import RoundingMode, round_to
from ordercore.settlement._pmap import PMap
from ordercore.settlement.entries import (
    Allocation,
    CreditRefunded,
    DiscountTaken,
    Entry,
    ItemStatus,
    Source,
    WriteOff,
    _allocated,
    _item,
    _name,
    _optional_rate,
    _reason,
    _source,
    _unchecked_allocation,
)
from ordercore.settlement.open_items import Direction, DocumentRef, OpenItem
from ordercore.settlement.payments import Payment, _date, _day
from ordercore.settlement.policies import AllocationPolicy, Candidate
from ordercore.settlement.terms import ScheduledInstallment

__all__ = ["Ledger"]

_ZERO = Decimal(0)

#: A party's ledger in one currency: (party, direction, currency code).
_Group = tuple[str, str, str]

#: Entry numbers as a persistent list, the newest first: ``(number, older)``, ``()`` at the end.
_Chain = tuple[int, "_Chain"] | tuple[()]


def _group(party: str, direction: Direction, currency: moneyed.Currency) -> _Group:
    # plain strings: an enum member hashes in Python, a string once
    return (party, direction._value_, currency.code)


def _order(item: OpenItem) -> tuple[dt.date, dt.date, str, str]:
    return (item.due_date, item.issue_date, item.document.number, item.document.kind.value)


@attrs.frozen
class _Queue:
    """The positive items of one group, oldest due first, with their sort keys."""

    keys: tuple[tuple[dt.date, dt.date, str, str], ...]
    documents: tuple[DocumentRef, ...]


_EMPTY_QUEUE = _Queue((), ())


def _pmap(value: object) -> PMap[Any, Any]:
    return check_instance(value, PMap, "map")


def _count(value: object) -> int:
    return check_instance(value, int, "count")


@attrs.frozen(kw_only=True, repr=False, eq=False)
class Ledger:
    """Open items, payments and the entries that settle them; see the module docstring.

    Start from ``Ledger()`` and add to it; the state is private and indexed.
    """

    # the facts, each with the order it was added in
    _items: PMap[str, tuple[int, OpenItem]] = attrs.field(
        factory=PMap, converter=_pmap, alias="_items"
    )
    _payments: PMap[str, tuple[int, Payment]] = attrs.field(
        factory=PMap, converter=_pmap, alias="_payments"
    )
    _entries: PMap[int, Entry] = attrs.field(factory=PMap, converter=_pmap, alias="_entries")
    _reversed: PMap[int, bool] = attrs.field(factory=PMap, converter=_pmap, alias="_reversed")
    _entry_count: int = attrs.field(default=0, converter=_count, alias="_entry_count")
    # running totals derived from the entries (magnitudes, in the currency's units)
    _paid: PMap[str, Decimal] = attrs.field(factory=PMap, converter=_pmap, alias="_paid")
    _credited: PMap[str, Decimal] = attrs.field(factory=PMap, converter=_pmap, alias="_credited")
    _written: PMap[str, Decimal] = attrs.field(factory=PMap, converter=_pmap, alias="_written")
    _discounted: PMap[str, Decimal] = attrs.field(
        factory=PMap, converter=_pmap, alias="_discounted"
    )
    _used: PMap[str, Decimal] = attrs.field(factory=PMap, converter=_pmap, alias="_used")
    _credit: PMap[_Group, Decimal] = attrs.field(factory=PMap, converter=_pmap, alias="_credit")
    # the entries that settle each item (as its item, or as the credit note that paid), for
    # the balances of a day: an item's own few entries, not every entry of the ledger
    _settling: PMap[str, _Chain] = attrs.field(factory=PMap, converter=_pmap, alias="_settling")
    # the allocations through an exchange rate of each source (0 and a payment's reference,
    # or 1 and a credit note's key), for its exchange difference
    _converted: PMap[tuple[int, str], _Chain] = attrs.field(
        factory=PMap, converter=_pmap, alias="_converted"
    )
    # indexes for oldest first: items per group, sources (payments, credit notes) per group
    _queues: PMap[_Group, _Queue] = attrs.field(factory=PMap, converter=_pmap, alias="_queues")
    _hints: PMap[_Group, int] = attrs.field(factory=PMap, converter=_pmap, alias="_hints")
    # sources by (group, 0 for payments or 1 for credit notes, index in the order added)
    _sources: PMap[tuple[_Group, int, int], Source] = attrs.field(
        factory=PMap, converter=_pmap, alias="_sources"
    )
    _source_count: PMap[tuple[_Group, int], int] = attrs.field(
        factory=PMap, converter=_pmap, alias="_source_count"
    )
    _source_hints: PMap[_Group, int] = attrs.field(
        factory=PMap, converter=_pmap, alias="_source_hints"
    )
    # the parties of the items and payments (an account checks its own is the only one)
    _parties: PMap[str, bool] = attrs.field(factory=PMap, converter=_pmap, alias="_parties")

    @classmethod
    def from_facts(
        cls,
        *,
        items: Iterable[OpenItem],
        payments: Iterable[Payment],
        entries: Iterable[Entry],
        reversed: Iterable[int] = (),  # noqa: A002 (the name of the fact it rebuilds)
    ) -> Ledger:
        """The ledger of the facts a host stored, as a ledger gives them.

        The facts are a ledger's :attr:`items`, :attr:`payments`, :attr:`entries` and
        :attr:`reversed`. The items are added in the order given, then the payments recorded in the order
        given; the entries (in any order) are replayed by number through the checks of
        the operations that made them, each reversed one right after it is replayed.
        So ``Ledger.from_facts(items=l.items, payments=l.payments, entries=l.entries,
        reversed=l.reversed) == l`` for every ledger ``l``, and facts no ledger could
        hold are refused before anything is built:
        :class:`~ordercore.errors.EntriesOutOfSequence` unless the entries are numbered
        1 to n without gaps or repeats; :class:`~ordercore.errors.UnknownOpenItem` or
        :class:`~ordercore.errors.UnknownPayment` for an entry on what is not there;
        :class:`~ordercore.errors.OverAllocation` for an entry that takes from a source
        more than it had left, or gives an item more than it still owed;
        :class:`~ordercore.errors.EntryDoesNotReplay` for an entry the operations
        would not have made (what a rate took, a discount larger than the item earned);
        :class:`~ordercore.errors.AllocationTooEarly` for an allocation dated before its
        source or its item, or a refund of credit dated before the refund or the payment;
        :class:`~ordercore.errors.UnknownAllocation` for a reversed number that is not
        an entry's, :class:`~ordercore.errors.AllocationReversed` for one given twice;
        :class:`~ordercore.errors.DuplicateOpenItem` and
        :class:`~ordercore.errors.DuplicatePayment` as when adding them.

        A reversal is not dated: an entry reversed is taken back before the entries
        after it are checked, the order in which they leave the most room.
        """
        draft = _Draft(cls())
        draft.add_items(_facts(items, "items"))
        for payment in _facts(payments, "payments"):
            draft.record(payment)
        draft.replay(_facts(entries, "entries"), _facts(reversed, "reversed"))
        return draft.commit()

    # -- facts -----------------------------------------------------------------------

    @property
    def items(self) -> tuple[OpenItem, ...]:
        """Every open item, in the order added (built on each call: not for hot loops)."""
        return tuple(item for _, item in sorted(self._items.values(), key=_first))

    @property
    def payments(self) -> tuple[Payment, ...]:
        """Every payment, in the order recorded (built on each call)."""
        return tuple(payment for _, payment in sorted(self._payments.values(), key=_first))

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every allocation and write-off, reversed or not, by number (built on each call)."""
        return tuple(self.entry(number) for number in range(1, self._entry_count + 1))

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        """Every allocation, reversed or not, by number."""
        return tuple(e for e in self.entries if isinstance(e, Allocation))

    @property
    def write_offs(self) -> tuple[WriteOff, ...]:
        """Every write-off, reversed or not, by number."""
        return tuple(e for e in self.entries if isinstance(e, WriteOff))

    @property
    def discounts(self) -> tuple[DiscountTaken, ...]:
        """Every early-payment discount taken, reversed or not, by number."""
        return tuple(e for e in self.entries if isinstance(e, DiscountTaken))

    @property
    def reversed(self) -> frozenset[int]:
        """The numbers of the entries reversed."""
        return frozenset(number for number, _ in self._reversed.items())

    def item(self, document: DocumentRef) -> OpenItem:
        """The open item of ``document``, or :class:`~ordercore.errors.UnknownOpenItem`."""
        found = self._items.get(_key(_item(document)))
        if found is None:
            raise UnknownOpenItem(str(document))
        return found[1]

    def payment(self, reference: str) -> Payment:
        """The payment ``reference``, or :class:`~ordercore.errors.UnknownPayment`."""
        found = self._payments.get(_reference(reference))
        if found is None:
            raise UnknownPayment(reference)
        return found[1]

    def entry(self, number: int) -> Entry:
        """Entry ``number``, or :class:`~ordercore.errors.UnknownAllocation`."""
        found = self._entries.get(_entry_number(number))
        if found is None:
            raise UnknownAllocation(number)
        return found

    def entry_date(self, number: int) -> dt.date:
        """The day entry ``number`` counts from, for balances as of a day (the reports).

        An entry is dated by the facts, never by a clock: an allocation counts from the
        day it was made on (``on=``, its :attr:`Allocation.date`), or without one from
        the later of its source's date (a payment's date, a credit note's issue date) and
        its item's issue date; a write-off and an early-payment discount from their own
        date, a :class:`CreditRefunded` from its ``on`` day or else the later of the
        refund's and the payment's dates; and none before its item was issued. Reversals
        are not dated: a reversed entry counts on no day.
        """
        entry = self.entry(number)
        if isinstance(entry, CreditRefunded):
            if entry.date is not None:
                return entry.date  # never before the refund and the payment (AllocationTooEarly)
            return max(self.payment(entry.refund).date, self.payment(entry.payment).date)
        issued = self.item(entry.item).issue_date
        if not isinstance(entry, Allocation):
            return max(entry.date, issued)
        if entry.date is not None:
            return entry.date  # never before the source and the item (AllocationTooEarly)
        source = entry.source
        given = (
            self.payment(source).date if isinstance(source, str) else self.item(source).issue_date
        )
        return max(given, issued)

    # -- balances --------------------------------------------------------------------

    def amount_paid(self, document: DocumentRef, *, as_of: dt.date | None = None) -> Money:
        """What allocations have settled of ``document``'s item, signed like it.

        For an invoice, what payments and credit notes paid; for a credit note, what of
        it was used (negative). Write-offs are not in it (:meth:`amount_written_off`).
        ``as_of`` a day, only the entries counted by then (:meth:`entry_date`), as the
        reports count them; without it, every entry not reversed.
        """
        item = self.item(document)
        return _signed(item, self._settled(item, as_of)[0])

    def amount_discounted(self, document: DocumentRef, *, as_of: dt.date | None = None) -> Money:
        """What early-payment discounts taken have settled of ``document``'s item.

        ``as_of`` a day, only those counted by then (:meth:`entry_date`).
        """
        item = self.item(document)
        return _signed(item, self._settled(item, as_of)[3])

    def discount_available(self, document: DocumentRef, *, on: dt.date) -> Money:
        """The early-payment discount ``document``'s item earns if settled on ``on``.

        For each installment whose discount deadline is on or after ``on``, its discount
        in proportion to what of it is still open (what settled the item counts against
        its earliest installments first), rounded half up to the currency: a partial
        payment leaves the discount on what remains. Zero once a discount was taken.
        """
        return Money._exact(
            _discount(self, self.item(document), _date(on)), self.item(document).currency
        )

    def amount_written_off(self, document: DocumentRef, *, as_of: dt.date | None = None) -> Money:
        """What write-offs have settled of ``document``'s item, signed like it.

        ``as_of`` a day, only those counted by then (:meth:`entry_date`).
        """
        item = self.item(document)
        return _signed(item, self._settled(item, as_of)[2])

    def amount_remaining(self, document: DocumentRef, *, as_of: dt.date | None = None) -> Money:
        """What ``document``'s item still owes: its amount less what settled it.

        ``as_of`` a day, less only what settled it by then (:meth:`entry_date`): what
        :func:`~ordercore.settlement.aging` of that day shows open of it (an item issued
        after that day owes all of it; the reports leave it out).
        """
        item = self.item(document)
        if as_of is None:
            return Money._exact(_remaining(self, item), item.currency)
        paid, _, written, discounted = self._settled(item, as_of)
        amount = item.amount.amount
        settled = paid + written + discounted
        return Money._exact(amount + settled if amount < 0 else amount - settled, item.currency)

    def _settled(self, item: OpenItem, as_of: object) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """What settled ``item``: paid, of it by credit notes, written off, discounted.

        Magnitudes; without ``as_of``, the running totals; with it, from the item's own
        entries (its index) that count by then.
        """
        key = _key(item.document)
        if as_of is None:
            return (
                self._paid.get(key, _ZERO),
                self._credited.get(key, _ZERO),
                self._written.get(key, _ZERO),
                self._discounted.get(key, _ZERO),
            )
        day = _day(as_of, "as_of")
        paid = credited = written = discounted = _ZERO
        chain = self._settling.get(key, ())
        while chain:
            number, chain = chain
            if number in self._reversed or self.entry_date(number) > day:
                continue
            entry = self.entry(number)
            if isinstance(entry, Allocation):
                if entry.item != item.document:  # the credit note that paid
                    paid += entry.source_amount.amount
                    continue
                paid += entry.amount.amount
                if not isinstance(entry.source, str):
                    credited += entry.amount.amount
            elif isinstance(entry, WriteOff):
                written += entry.amount.amount
            elif isinstance(entry, DiscountTaken):
                discounted += entry.amount.amount
        return paid, credited, written, discounted

    def unallocated(self, reference: str, *, as_of: dt.date | None = None) -> Money:
        """What payment ``reference`` has left to allocate.

        ``as_of`` a day, what it had left then: its amount less what the entries counted
        by then (:meth:`entry_date`) took from it (a payment made after that day has all
        of it; the reports leave it out). Built from the entries: not for hot loops.
        """
        payment = self.payment(reference)
        if as_of is None:
            used = self._used.get(reference, _ZERO)
        else:
            used = self._spent(_day(as_of, "as_of")).get(payment.reference, _ZERO)
        return Money._exact(payment.amount.amount - used, payment.currency)

    def _spent(self, day: dt.date) -> dict[str, Decimal]:
        """What the entries counted by ``day`` took from each payment (refunds too)."""
        used: dict[str, Decimal] = {}
        for number, entry in self._entries.items():
            if number in self._reversed or self.entry_date(number) > day:
                continue
            if isinstance(entry, CreditRefunded):
                for reference in (entry.refund, entry.payment):
                    used[reference] = used.get(reference, _ZERO) + entry.amount.amount
            elif isinstance(entry, Allocation) and isinstance(entry.source, str):
                used[entry.source] = used.get(entry.source, _ZERO) + entry.source_amount.amount
        return used

    def credit(
        self,
        party: str,
        currency: moneyed.Currency | str,
        *,
        direction: Direction = Direction.RECEIVABLE,
        as_of: dt.date | None = None,
    ) -> Money:
        """What ``party`` has to its credit in ``currency``, not yet allocated.

        The unallocated rest of its payments (not refunds) and the open amount of its
        credit notes, as a positive amount; ``direction`` PAYABLE for a supplier. It is
        what :meth:`allocate_credit_oldest_first` and :meth:`refund_credit` can draw on,
        and never negative.

        ``as_of`` a day, the credit of that day: the payments made and credit notes
        issued by then, less what the entries counted by then (:meth:`entry_date`) took
        from them. Built from the entries: not for hot loops.

        The aging's credit column (:class:`~ordercore.settlement.AgingRow`) is this
        credit less what the party's refunds (by that day) have not yet paid back
        (their :meth:`unallocated` rests): money sent that no credit covers is owed back,
        so the aging's credit can be negative where this one cannot.
        """
        money = Money.zero(currency)
        group = _group(to_text(party, "party"), _direction(direction), money.currency)
        if as_of is None:
            total = self._credit.get(group)
            return zero(money.currency) if total is None else Money._exact(total, money.currency)
        day = _day(as_of, "as_of")
        spent = self._spent(day)
        amount = zero(money.currency).amount
        for _, payment in self._payments.values():
            if payment.kind.is_refund or payment.date > day:
                continue
            if _group(payment.party, payment.direction, payment.currency) == group:
                amount += payment.amount.amount - spent.get(payment.reference, _ZERO)
        for _, item in self._items.values():
            if item.amount.amount >= 0 or item.issue_date > day:
                continue
            if _group(item.party, item.direction, item.currency) == group:
                amount -= self.amount_remaining(item.document, as_of=day).amount
        return Money._exact(amount, money.currency)

    def status(self, document: DocumentRef, *, as_of: dt.date) -> ItemStatus:
        """Where ``document``'s item stands on ``as_of``: derived, never stored.

        PAID or CREDITED when it owes nothing (CREDITED when credit notes alone settled
        it), OVERDUE when an installment due before ``as_of`` is not settled (never for a
        credit note) (what settled it counts against the earliest installments first),
        else PARTIALLY_PAID when anything settled it, else OPEN. Only the entries counted
        by ``as_of`` settle it (:meth:`entry_date`), as in the reports of that day: a
        payment allocated later leaves it OPEN or OVERDUE on that day.
        """
        item = self.item(document)
        paid, credited, written, discounted = self._settled(item, _day(as_of, "as_of"))
        settled = paid + written + discounted
        owed = abs(item.amount.amount)
        if settled >= owed:
            if item.amount.amount < 0:
                return ItemStatus.CREDITED
            return ItemStatus.CREDITED if credited and credited == settled else ItemStatus.PAID
        if item.amount.amount < 0:  # a credit note is never overdue
            return ItemStatus.PARTIALLY_PAID if settled else ItemStatus.OPEN
        due = sum(
            (abs(part.amount.amount) for part in item.installments if part.due_date < as_of),
            _ZERO,
        )
        if due > settled:
            return ItemStatus.OVERDUE
        return ItemStatus.PARTIALLY_PAID if settled else ItemStatus.OPEN

    # -- adding facts ----------------------------------------------------------------

    def add_items(self, *items: OpenItem) -> Ledger:
        """The ledger with ``items`` added; an item's document may be added once."""
        draft = _Draft(self)
        draft.add_items(items)
        return draft.commit()

    def record(self, payment: Payment) -> Ledger:
        """The ledger with ``payment`` recorded; a reference is recorded once."""
        draft = _Draft(self)
        draft.record(payment)
        return draft.commit()

    # -- allocating ------------------------------------------------------------------

    def allocate(
        self,
        source: Source,
        amounts: Mapping[DocumentRef, moneyed.Money],
        *,
        rate: ExchangeRate | None = None,
        on: dt.date | None = None,
    ) -> Ledger:
        """The ledger with ``amounts`` of ``source`` allocated to those items.

        ``source`` is a payment's reference or a credit note's document. Raises
        :class:`~ordercore.errors.OverAllocation` when the source has not that much
        left, or an item owes less; :class:`~ordercore.errors.CurrencyMismatch` for an
        amount in another currency than the source or item;
        :class:`~ordercore.errors.NotAllocatable` for an item of another ledger or of a
        sign the source cannot settle. Nothing changes then.

        With an exchange ``rate``, ``source`` (a payment or credit note in ``rate.quote``)
        pays items in ``rate.base``: the amounts are in the items' currency, and each
        takes ``rate.convert(amount)`` from the source (see :class:`Allocation` and
        :meth:`exchange_difference`).

        ``on`` is the day the allocation is made, for the balances of a day (the reports,
        :meth:`entry_date`); without it, the allocation counts from the first day it could
        have been made. :class:`~ordercore.errors.AllocationTooEarly` for a day before the
        source was paid or issued, or the item issued. Every way to allocate takes it.
        """
        draft = _Draft(self, on)
        draft.allocate(source, _pairs(amounts), rate)
        return draft.commit()

    def exchange_difference(self, number: int, *, booked: ExchangeRate) -> Money:
        """The realized exchange difference of allocation ``number``, in its source's currency.

        What the allocation took from the source less what the amount it settled was
        worth at ``booked``, the rate the item was booked at (the same two currencies as
        the allocation's rate): positive when the source gave more than the booked
        value. :class:`~ordercore.errors.CurrencyMismatch` for a rate of other currencies
        (an allocation without conversion has none).
        """
        entry = self.entry(number)
        if not isinstance(entry, Allocation):
            raise UnknownAllocation(number)
        rate = check_instance(booked, ExchangeRate, "booked")
        taken = entry.source_amount
        for expected, given in ((entry.amount.currency, rate.base), (taken.currency, rate.quote)):
            if expected != given:
                raise CurrencyMismatch(expected.code, given.code, operation="exchange difference")
        return Money.of(taken - rate.convert(entry.amount))

    def payment_exchange_difference(
        self, source: Source, *, booked: ExchangeRate | Mapping[DocumentRef, ExchangeRate]
    ) -> Money:
        """The realized exchange difference of payment ``source``: its allocations', summed.

        ``source`` is a payment's reference (or a credit note's document). The sum of
        :meth:`exchange_difference` over its allocations through an exchange rate that
        are not reversed, in its currency: what they took from it less what they settled
        was worth at the rate each item was booked at. ``booked`` is that rate, one for
        every item, or a mapping of each item's document to its own. Zero when nothing
        of it paid through a rate. :class:`~ordercore.errors.CurrencyMismatch` for a rate
        of other currencies than an allocation's; :class:`~ordercore.errors.InvalidType`
        for a mapping without the rate of an item the source paid through a rate.
        """
        name = _source(source)
        found = self.payment(name) if isinstance(name, str) else self.item(name)
        currency = found.currency
        one, rates = _booked(booked)
        total = zero(currency).amount
        chain = self._converted.get(_source_key(name), ())
        while chain:
            number, chain = chain
            entry = self.entry(number)
            if number in self._reversed or not isinstance(entry, Allocation):
                continue  # (the index holds allocations only)
            item = entry.item
            rate = one if one is not None else rates.get(item)
            if rate is None:
                raise InvalidType(
                    booked,
                    expected=f"an ExchangeRate, or a mapping with the rate of {item}",
                    field="booked",
                )
            total += self.exchange_difference(number, booked=rate).amount
        return Money._exact(total, currency)

    def allocate_oldest_first(
        self, source: Source, *, rate: ExchangeRate | None = None, on: dt.date | None = None
    ) -> Ledger:
        """Allocate what ``source`` has left to its party's items, oldest due first.

        Items of the source's party, direction and currency that still owe are paid in
        order of due date, then issue date, then document number, until the source is
        spent; the last may be paid in part (the policy :class:`OldestFirst`).

        With an exchange ``rate``, the source (in ``rate.quote``) pays the items in
        ``rate.base`` instead, each allocation as :meth:`allocate` with that rate makes
        it: an item is paid in full when ``rate.convert`` of what it owes fits in what
        the source has left, else by the largest amount in its minor units whose
        conversion still fits, and what is left (less than one more minor unit of it
        costs) goes on to the next. An item whose open amount converts to zero is left
        as it is (it cannot be paid for nothing): write it off instead.
        """
        draft = _Draft(self, on)
        draft.oldest_first(source, _optional_rate(rate))
        return draft.commit()

    def allocate_with(
        self,
        source: Source,
        policy: AllocationPolicy,
        *,
        rate: ExchangeRate | None = None,
        on: dt.date | None = None,
    ) -> Ledger:
        """Allocate ``source`` as ``policy`` says (see :class:`AllocationPolicy`).

        With an exchange ``rate``, the source (in ``rate.quote``) pays items in
        ``rate.base``, and the policy divides the source in its own currency: it gets
        what the source has left, and each candidate with what paying it in full costs
        (``rate.convert`` of what it owes; an item whose open amount converts to zero is
        no candidate). Each amount it returns, in the source's currency, pays the largest
        amount of its item, in the item's minor units, whose conversion fits in it, as
        :meth:`allocate_oldest_first` pays its last item; what that amount cannot buy
        (less than one more minor unit of the item costs) stays on the source. So
        ``OldestFirst()`` pays in full what the source covers, as oldest first does.
        More than the source has, or than paying an item in full costs, is an
        :class:`~ordercore.errors.OverAllocation`, an amount in another currency a
        :class:`~ordercore.errors.CurrencyMismatch`; nothing changes then.
        """
        draft = _Draft(self, on)
        draft.with_policy(source, policy, _optional_rate(rate))
        return draft.commit()

    def allocate_by_reference(
        self, reference: str, *, rate: ExchangeRate | None = None, on: dt.date | None = None
    ) -> Ledger:
        """Pay the items whose document numbers payment ``reference``'s reference names.

        The reference is read as words (split at spaces, commas and semicolons); each
        word that is the number of an item of the payment's party, ledger and currency
        that still owes is paid, in the order named, as far as the payment goes. What
        is left stays unallocated: the party's credit.

        With an exchange ``rate``, the payment (in ``rate.quote``) pays the named items
        in ``rate.base``, each as far as it goes as in :meth:`allocate_oldest_first`.
        """
        draft = _Draft(self, on)
        draft.by_reference(reference, _optional_rate(rate))
        return draft.commit()

    def allocate_credit_oldest_first(
        self,
        party: str,
        currency: moneyed.Currency | str,
        *,
        direction: Direction = Direction.RECEIVABLE,
        on: dt.date | None = None,
    ) -> Ledger:
        """Allocate ``party``'s :meth:`credit` to its items, oldest due first.

        The credit is drawn from its sources in order: its payments as recorded, then
        its credit notes as added (whichever came first), each allocated like a payment.
        """
        draft = _Draft(self, on)
        draft.credit_oldest_first(_group(party, direction, Money.zero(currency).currency))
        return draft.commit()

    def record_and_allocate(
        self,
        payments: Iterable[Payment],
        *,
        rate: ExchangeRate | None = None,
        on: dt.date | None = None,
    ) -> Ledger:
        """Record ``payments`` and allocate each oldest first, in one pass.

        The same as :meth:`record` then :meth:`allocate_oldest_first` (with ``rate`` and
        ``on``) for each in turn, without making a ledger in between; if any is refused,
        none is recorded. With a ``rate``, every payment is in ``rate.quote`` and pays
        the items in ``rate.base`` (:class:`~ordercore.errors.CurrencyMismatch` for one
        that is not); ``on`` dates every allocation, on or after each payment's date
        (:class:`~ordercore.errors.AllocationTooEarly`).
        """
        checked = _optional_rate(rate)
        draft = _Draft(self, on)
        for payment in payments:
            draft.record(payment)
            draft.oldest_first(payment.reference, checked)
        return draft.commit()

    # -- write-offs and reversals ----------------------------------------------------

    def write_off(
        self, document: DocumentRef, *, tolerance: moneyed.Money, reason: str, date: dt.date
    ) -> Ledger:
        """Write off on ``date`` what ``document``'s item still owes, if at most ``tolerance``.

        The write-off is an entry of its own, with ``reason`` (a short payment, a bank
        fee) and the ``date`` it is booked on, and can be reversed. Raises
        :class:`~ordercore.errors.WriteOffExceedsTolerance` when the item owes more,
        :class:`~ordercore.errors.NothingToWriteOff` when it owes nothing.
        """
        draft = _Draft(self)
        draft.write_off(document, tolerance, reason, date)
        return draft.commit()

    def take_discount(self, document: DocumentRef, *, on: dt.date) -> Ledger:
        """Take the early-payment discount ``document``'s item earns on ``on``.

        An entry of its own (:class:`DiscountTaken`) of :meth:`discount_available`;
        :class:`~ordercore.errors.NoDiscountAvailable` when that is zero (no deadline on
        or after ``on``, nothing open, or a discount taken already).
        """
        draft = _Draft(self)
        draft.take_discount(document, on)
        return draft.commit()

    def refund_credit(
        self, refund: str, *, payment: str | None = None, on: dt.date | None = None
    ) -> Ledger:
        """Let refund ``refund`` pay back its party's credit, as far as it goes.

        From ``payment``'s unallocated rest when given; else from the party's sources:
        its payments' unallocated rests as recorded (each a :class:`CreditRefunded`
        entry), then its credit notes' open amounts as added (each an
        :class:`Allocation`). What the credit cannot cover stays unallocated on the refund.
        :class:`~ordercore.errors.NotAllocatable` for a refund that is not one, or a
        payment of another party, ledger or currency.

        ``on`` is the day the credit is paid back (``CreditRefunded.date``,
        ``Allocation.date``), for the balances of a day; without it, the later of the
        refund's date and the payment's (or the credit note's issue).
        :class:`~ordercore.errors.AllocationTooEarly` for a day before either.

        Without ``on``, a refund pays back only the credit of payments made by its own
        date: a ``payment`` named that was made after the refund is
        :class:`~ordercore.errors.RefundBeforePayment` (with both dates), and the party's
        later payments are passed over. Credit notes are drawn on as allocations are
        (one issued after the refund settles what the refund paid beyond the credit). To
        pay back a later payment's credit, say the day it was matched: ``on=`` on or
        after both dates.
        """
        draft = _Draft(self, on)
        draft.refund_credit(refund, payment)
        return draft.commit()

    def reverse(self, number: int) -> Ledger:
        """The ledger with entry ``number`` reversed: every balance as before it."""
        draft = _Draft(self)
        draft.reverse(number)
        return draft.commit()

    # -- values ----------------------------------------------------------------------

    def _counts(self) -> tuple[int, int, int]:
        """How many items, payments and entries the ledger holds."""
        return len(self._items), len(self._payments), self._entry_count

    def _other_party(self, party: str) -> str | None:
        """The party of an item or payment that is not ``party``'s, if there is one."""
        return min((other for other, _ in self._parties.items() if other != party), default=None)

    def _facts(self) -> tuple[object, ...]:
        return (self._items, self._payments, self._entries, self._reversed)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ledger):
            return NotImplemented
        return self._facts() == other._facts()

    def __hash__(self) -> int:
        return hash(self._facts())

    def __repr__(self) -> str:
        return (
            f"Ledger(items={len(self._items)}, payments={len(self._payments)}, "
            f"entries={self._entry_count}, reversed={len(self._reversed)})"
        )


def zero(currency: moneyed.Currency) -> Money:
    """Zero in ``currency``, to its minor unit (``EUR 0.00``, not ``EUR 0``)."""
    return Money._exact(_ZERO.scaleb(-precision(currency), CONTEXT), currency)


def _reference(value: object) -> str:
    return check_instance(value, str, "reference")


def _entry_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="an entry number (an int)", field="number")
    return value


def _direction(value: object) -> Direction:
    return check_instance(value, Direction, "direction")


def _key(document: DocumentRef) -> str:
    """The key of a document in the ledger's maps: a string hashes once, a DocumentRef each time."""
    return f"{document.kind._value_}:{document.direction._value_}:{document.number}"


def _source_key(source: Source) -> tuple[int, str]:
    """The key of a source: a payment's reference and a credit note's key never meet."""
    return (0, source) if isinstance(source, str) else (1, _key(source))


def _facts(value: object, field: str) -> tuple[Any, ...]:
    """The facts ``value`` (an iterable, not a text or a mapping) as a tuple."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidType(value, expected="an iterable of facts (a tuple or a list)", field=field)
    return tuple(value)


def _first(pair: tuple[int, object]) -> int:
    return pair[0]


def _signed(item: OpenItem, magnitude: Decimal) -> Money:
    value = -magnitude if item.amount.amount < 0 else magnitude
    return Money._exact(value, item.currency)


def _remaining(ledger: Ledger | _Draft, item: OpenItem) -> Decimal:
    document = item.document
    key = _key(document)
    settled = (
        ledger._paid.get(key, _ZERO)
        + ledger._written.get(key, _ZERO)
        + ledger._discounted.get(key, _ZERO)
    )
    amount = item.amount.amount
    return amount + settled if amount < 0 else amount - settled


def _discount(ledger: Ledger | _Draft, item: OpenItem, on: dt.date) -> Decimal:
    """The discount ``item`` earns on ``on``, on what of each installment is open."""
    if item.amount.amount <= 0 or ledger._discounted.get(_key(item.document), _ZERO):
        return _ZERO
    settled = item.amount.amount - _remaining(ledger, item)
    places = quantum(item.currency)
    total = _ZERO
    for installment in sorted(item.installments, key=_due):
        part = installment.amount.amount
        taken = min(part, settled)
        settled -= taken
        deadline, discount = installment.discount_deadline, installment.discount_amount
        if deadline is None or discount is None or on > deadline or not part - taken:
            continue
        share = CONTEXT.divide(CONTEXT.multiply(discount.amount, part - taken), part)
        total += round_to(share, places, RoundingMode.HALF_UP)
    return total


_ENTRY_TYPES = (Allocation, WriteOff, DiscountTaken, CreditRefunded)


def _due(installment: ScheduledInstallment) -> dt.date:
    return installment.due_date


def _pairs(amounts: object) -> list[tuple[DocumentRef, Money]]:
    if not isinstance(amounts, Mapping):
        raise InvalidType(amounts, expected="a mapping of DocumentRef to Money", field="amounts")
    return [(_item(document), _allocated(amount)) for document, amount in amounts.items()]


def _booked(
    value: object,
) -> tuple[ExchangeRate | None, dict[DocumentRef, ExchangeRate]]:
    """One booked rate for every item, or the rates per item (checked)."""
    if isinstance(value, ExchangeRate):
        return value, {}
    if not isinstance(value, Mapping):
        raise InvalidType(
            value, expected="an ExchangeRate, or a mapping of DocumentRef to one", field="booked"
        )
    return None, {
        _item(document): check_instance(rate, ExchangeRate, "booked")
        for document, rate in value.items()
    }


def _item_currency(source: Source, group: _Group, refund: bool, rate: ExchangeRate | None) -> str:
    """The currency code of the items ``source`` pays (in ``group``), through ``rate`` if any."""
    if rate is None:
        return group[2]
    check_instance(rate, ExchangeRate, "rate")
    if rate.quote.code != group[2]:
        raise CurrencyMismatch(group[2], rate.quote.code, operation="allocate through a rate")
    if refund:
        raise NotAllocatable(
            source=_name(source),
            item="credit notes in another currency",
            reason="a refund pays back credit in its own currency",
        )
    return rate.base.code


def _through(rate: ExchangeRate, owed: Decimal, left: Decimal) -> tuple[Decimal, Decimal] | None:
    """How much of ``owed`` (in ``rate.base``) ``left`` (in ``rate.quote``) pays, and its cost.

    All of it when its conversion fits in ``left``; else the largest amount in whole
    minor units of ``rate.base`` whose conversion (half up) still fits: ``a`` with
    ``a * rate < left + q / 2``, ``q`` the quote's minor unit (such an ``a`` never
    converts to zero). ``(0, 0)`` when what is owed converts to zero (it cannot be paid
    for nothing); ``None`` when ``left`` buys not even one minor unit of ``rate.base``.
    """
    cost = rate.convert(Money._exact(owed, rate.base)).amount
    if cost <= left:
        return (owed, cost) if cost else (_ZERO, _ZERO)
    step = quantum(rate.base)
    limit = (Fraction(left) + Fraction(quantum(rate.quote)) / 2) / Fraction(rate.rate)
    units = math.ceil(limit / Fraction(step)) - 1
    if units < 1:
        return None
    part = CONTEXT.multiply(Decimal(units), step)
    return part, rate.convert(Money._exact(part, rate.base)).amount


K = TypeVar("K")
V = TypeVar("V")


class _Layer(Generic[K, V]):
    """Changes to one persistent map, read through to it, applied at once on commit."""

    __slots__ = ("base", "changes")

    def __init__(self, base: PMap[K, V]) -> None:
        self.base = base
        self.changes: dict[K, V] = {}

    def get(self, key: K, default: V) -> V:
        if key in self.changes:
            return self.changes[key]
        found = self.base.get(key)
        return default if found is None else found

    def find(self, key: K) -> V | None:
        if key in self.changes:
            return self.changes[key]
        return self.base.get(key)

    def __contains__(self, key: K) -> bool:
        return key in self.changes or key in self.base

    def __setitem__(self, key: K, value: V) -> None:
        self.changes[key] = value

    def commit(self) -> PMap[K, V]:
        return self.base.update(self.changes.items()) if self.changes else self.base


class _Draft:
    """A ledger being changed: every operation of :class:`Ledger` runs on one of these.

    Reads go through to the ledger it started from, writes stay in layers; ``commit``
    makes the new ledger. An operation that raises leaves the ledger untouched.
    """

    def __init__(self, ledger: Ledger, on: object = None) -> None:
        self.ledger = ledger
        # the day the operation's allocations are made (None: as soon as each could be)
        self.on = None if on is None else _day(on, "on")
        self._items = _Layer(ledger._items)
        self._payments = _Layer(ledger._payments)
        self._entries = _Layer(ledger._entries)
        self._reversed = _Layer(ledger._reversed)
        self._entry_count = ledger._entry_count
        self._paid = _Layer(ledger._paid)
        self._credited = _Layer(ledger._credited)
        self._written = _Layer(ledger._written)
        self._discounted = _Layer(ledger._discounted)
        self._used = _Layer(ledger._used)
        self._credit = _Layer(ledger._credit)
        self._settling = _Layer(ledger._settling)
        self._converted = _Layer(ledger._converted)
        self._queues = _Layer(ledger._queues)
        self._hints = _Layer(ledger._hints)
        self._sources = _Layer(ledger._sources)
        self._source_count = _Layer(ledger._source_count)
        self._source_hints = _Layer(ledger._source_hints)
        self._parties = _Layer(ledger._parties)

    def commit(self) -> Ledger:
        return Ledger(
            _items=self._items.commit(),
            _payments=self._payments.commit(),
            _entries=self._entries.commit(),
            _reversed=self._reversed.commit(),
            _entry_count=self._entry_count,
            _paid=self._paid.commit(),
            _credited=self._credited.commit(),
            _written=self._written.commit(),
            _discounted=self._discounted.commit(),
            _used=self._used.commit(),
            _credit=self._credit.commit(),
            _settling=self._settling.commit(),
            _converted=self._converted.commit(),
            _queues=self._queues.commit(),
            _hints=self._hints.commit(),
            _sources=self._sources.commit(),
            _source_count=self._source_count.commit(),
            _source_hints=self._source_hints.commit(),
            _parties=self._parties.commit(),
        )

    # -- look-ups --------------------------------------------------------------------

    def item(self, document: DocumentRef) -> OpenItem:
        found = self._items.find(_key(_item(document)))
        if found is None:
            raise UnknownOpenItem(str(document))
        return found[1]

    def payment(self, reference: str) -> Payment:
        found = self._payments.find(_reference(reference))
        if found is None:
            raise UnknownPayment(reference)
        return found[1]

    def remaining(self, item: OpenItem) -> Decimal:
        return _remaining(self, item)

    def payer(self, source: Source) -> tuple[_Group, Decimal, bool]:
        """The group a source pays in, what it has left, and whether it pays back credit."""
        if isinstance(source, str):
            payment = self.payment(source)
            left = payment.amount.amount - self._used.get(source, _ZERO)
            group = _group(payment.party, payment.direction, payment.currency)
            return group, left, payment.kind.is_refund
        if not isinstance(source, DocumentRef):
            raise InvalidType(
                source, expected="a payment reference or a DocumentRef", field="source"
            )
        item = self.item(source)
        if item.amount.amount >= 0:
            raise NotAllocatable(
                source=str(source),
                item=str(source),
                reason="only a credit note (an item of negative amount) pays like a payment",
            )
        return _group(item.party, item.direction, item.currency), -self.remaining(item), False

    def _source_date(self, source: Source) -> dt.date:
        """The day ``source`` was paid (a payment) or issued (a credit note)."""
        if isinstance(source, str):
            return self.payment(source).date
        return self.item(source).issue_date

    # -- adding facts ----------------------------------------------------------------

    def add_items(self, items: Iterable[OpenItem]) -> None:
        added: dict[_Group, list[OpenItem]] = {}
        count = len(self._items.base) + len(self._items.changes)
        for item in items:
            check_instance(item, OpenItem, "item")
            if _key(item.document) in self._items:
                raise DuplicateOpenItem(str(item.document))
            self._items[_key(item.document)] = (count, item)
            self._parties[item.party] = True
            count += 1
            group = _group(item.party, item.direction, item.currency)
            if item.amount.amount > 0:
                added.setdefault(group, []).append(item)
            elif item.amount.amount < 0:
                self._add_source(group, item.document)
                self._credit[group] = self._credit.get(group, _ZERO) - item.amount.amount
        for group, new in added.items():
            queue = self._queues.get(group, _EMPTY_QUEUE)
            pairs = sorted(
                [
                    *zip(queue.keys, queue.documents, strict=True),
                    *((_order(i), i.document) for i in new),
                ]
            )
            self._queues[group] = _Queue(
                tuple(key for key, _ in pairs), tuple(document for _, document in pairs)
            )
            first = min(
                bisect.bisect_left(self._queues.get(group, _EMPTY_QUEUE).keys, _order(i))
                for i in new
            )
            self._hints[group] = min(self._hints.get(group, 0), first)

    # A group's sources in the order credit is drawn from them: its payments in the order
    # recorded, then its credit notes in the order added. The order follows from the
    # facts alone, so that equal ledgers (and a ledger rebuilt from its facts) draw alike.

    def _add_source(self, group: _Group, source: Source) -> None:
        kind = 0 if isinstance(source, str) else 1
        index = self._source_count.get((group, kind), 0)
        self._sources[(group, kind, index)] = source
        self._source_count[(group, kind)] = index + 1
        if not kind and self._source_hints.get(group, 0) > index:
            # a payment goes before the credit notes the hint may have passed
            self._source_hints[group] = index

    def _source_total(self, group: _Group) -> int:
        return self._source_count.get((group, 0), 0) + self._source_count.get((group, 1), 0)

    def _source_at(self, group: _Group, position: int) -> Source:
        payments = self._source_count.get((group, 0), 0)
        if position < payments:
            return self._sources.get((group, 0, position), "")
        return self._sources.get((group, 1, position - payments), "")

    def record(self, payment: Payment) -> None:
        check_instance(payment, Payment, "payment")
        if payment.reference in self._payments:
            raise DuplicatePayment(payment.reference)
        count = len(self._payments.base) + len(self._payments.changes)
        self._payments[payment.reference] = (count, payment)
        self._parties[payment.party] = True
        if not payment.kind.is_refund:
            group = _group(payment.party, payment.direction, payment.currency)
            self._add_source(group, payment.reference)
            self._credit[group] = self._credit.get(group, _ZERO) + payment.amount.amount

    # -- allocating ------------------------------------------------------------------

    def allocate(
        self,
        source: Source,
        pairs: list[tuple[DocumentRef, Money]],
        rate: ExchangeRate | None = None,
    ) -> None:
        group, left, refund = self.payer(_source(source))
        currency = _item_currency(source, group, refund, rate)
        checked: list[tuple[OpenItem, Decimal, Decimal]] = []
        owed_now: dict[DocumentRef, Decimal] = {}
        for document, money in pairs:
            item = self.item(document)
            for code in (currency, item.currency.code):
                if money.currency.code != code:
                    raise CurrencyMismatch(code, money.currency.code, operation="allocate")
            if document == source or (item.party, item.direction._value_) != group[:2]:
                raise NotAllocatable(
                    source=_name(source),
                    item=str(document),
                    reason="a source settles items of its own party and ledger "
                    f"({group[0]}, {group[1]})",
                )
            if refund != (item.amount.amount < 0):
                wanted = "a credit note" if refund else "an invoice or bill"
                raise NotAllocatable(
                    source=_name(source),
                    item=str(document),
                    reason=f"{'a refund' if refund else 'a payment'} settles {wanted}",
                )
            owed = owed_now.get(document)
            if owed is None:
                owed = abs(self.remaining(item))
            amount = money.amount
            if amount > owed:
                raise OverAllocation(
                    requested=money,
                    available=Money._exact(owed, item.currency),
                    target=str(document),
                )
            taken = amount if rate is None else rate.convert(money).amount
            if taken > left:
                source_currency = item.currency if rate is None else rate.quote
                raise OverAllocation(
                    requested=Money._exact(taken, source_currency),
                    available=Money._exact(left, source_currency),
                    target=_name(source),
                )
            if self.on is not None:
                earliest = max(self._source_date(source), item.issue_date)
                if self.on < earliest:
                    raise AllocationTooEarly(
                        on=self.on, earliest=earliest, source=_name(source), item=str(document)
                    )
            owed_now[document] = owed - amount
            left -= taken
            checked.append((item, amount, taken))
        for item, amount, taken in checked:
            self._apply(source, item, amount, taken=taken, group=group, rate=rate)

    def _apply(
        self,
        source: Source,
        item: OpenItem,
        amount: Decimal,
        *,
        taken: Decimal,
        group: _Group,
        rate: ExchangeRate | None,
    ) -> None:
        self._entry_count += 1
        document = item.document
        if rate is None:
            entry = _unchecked_allocation(
                self._entry_count, source, document, Money._exact(amount, item.currency), self.on
            )
        else:
            entry = Allocation(
                number=self._entry_count,
                source=source,
                item=document,
                amount=Money._exact(amount, item.currency),
                taken=Money._exact(taken, rate.quote),
                rate=rate,
                date=self.on,
            )
            key = _source_key(source)
            self._converted[key] = (self._entry_count, self._converted.get(key, ()))
        self._entries[self._entry_count] = entry
        self._index(document)
        if not isinstance(source, str):
            self._index(source)
        self._settle(source, item, amount, taken=taken, group=group, way=1)

    def _index(self, document: DocumentRef) -> None:
        """Note the newest entry among those that settle ``document``'s item."""
        key = _key(document)
        self._settling[key] = (self._entry_count, self._settling.get(key, ()))

    def _settle(
        self,
        source: Source,
        item: OpenItem,
        amount: Decimal,
        *,
        taken: Decimal,
        group: _Group,
        way: int,
    ) -> None:
        """Add (``way`` 1) or take back (``way`` -1) an allocation's running totals.

        ``amount`` is in the item's currency, ``taken`` in the source's (the same
        unless an exchange rate converted it), ``group`` the source's.
        """
        change = amount if way > 0 else -amount
        used = taken if way > 0 else -taken
        document = item.document
        self._paid[_key(document)] = self._paid.get(_key(document), _ZERO) + change
        if isinstance(source, str):
            self._used[source] = self._used.get(source, _ZERO) + used
        else:
            self._paid[_key(source)] = self._paid.get(_key(source), _ZERO) + used
            self._credited[_key(document)] = self._credited.get(_key(document), _ZERO) + change
        # a payment's rest, a credit note's open amount, or (for a refund) the credit
        # note it pays back: each allocation takes exactly what it took from the credit
        self._credit[group] = self._credit.get(group, _ZERO) - used
        if way < 0:
            self._reopen_source(group, source)
            self._reopen(item)

    def _reopen(self, item: OpenItem) -> None:
        """Let oldest first look at ``item`` again: it owes more than it did."""
        if item.amount.amount <= 0:
            if item.amount.amount < 0:
                group = _group(item.party, item.direction, item.currency)
                self._reopen_source(group, item.document)
            return
        group = _group(item.party, item.direction, item.currency)
        queue = self._queues.get(group, _EMPTY_QUEUE)
        position = bisect.bisect_left(queue.keys, _order(item))
        if position < self._hints.get(group, 0):
            self._hints[group] = position

    def _reopen_source(self, group: _Group, source: Source) -> None:
        # sources are few per party and reopened rarely: a scan from the hint back is enough
        hint = self._source_hints.get(group, 0)
        for index in range(hint - 1, -1, -1):
            if self._source_at(group, index) == source:
                self._source_hints[group] = index
                return

    def _open_in(
        self, group: _Group, left: Decimal, rate: ExchangeRate | None = None
    ) -> list[tuple[DocumentRef, Money]]:
        """Amounts for oldest first: from the group's first item that may still owe.

        ``left`` is in the group's currency, or in ``rate.quote`` when a rate converts
        it (``group`` is then the items' group, in ``rate.base``).
        """
        queue = self._queues.get(group, _EMPTY_QUEUE)
        index = self._hints.get(group, 0)
        documents = queue.documents
        pairs: list[tuple[DocumentRef, Money]] = []
        skipping = True
        while left > 0 and index < len(documents):
            document = documents[index]
            item = self.item(document)
            owed = self.remaining(item)
            if owed > 0:
                if rate is None:
                    part = cost = min(owed, left)
                else:
                    through = _through(rate, owed, left)
                    if through is None:  # the source cannot buy one minor unit more
                        break
                    part, cost = through
                if part:
                    pairs.append((document, Money._exact(part, item.currency)))
                    left -= cost
                if part < owed:
                    skipping = False
            if skipping:
                self._hints[group] = index + 1
            index += 1
        return pairs

    def oldest_first(self, source: Source, rate: ExchangeRate | None = None) -> None:
        group, left, refund = self.payer(_source(source))
        if refund:
            raise NotAllocatable(
                source=_name(source),
                item="its party's items",
                reason="a refund pays back credit: allocate it to credit notes explicitly",
            )
        code = _item_currency(source, group, refund, rate)
        pairs = self._open_in((group[0], group[1], code), left, rate)
        self.allocate(source, pairs, rate)
        # the items paid in full are settled: the hint may pass them

    def candidates(self, group: _Group, rate: ExchangeRate | None = None) -> tuple[Candidate, ...]:
        """The items of ``group`` that owe, oldest first; through ``rate``, at their cost."""
        queue = self._queues.get(group, _EMPTY_QUEUE)
        found: list[Candidate] = []
        # every item of the group, not from the hint: a policy sees what the host would
        # see, and the fast path of oldest first is checked against this one
        for document in queue.documents:
            item = self.item(document)
            owed = self.remaining(item)
            if owed <= 0:
                continue
            remaining = Money._exact(owed, item.currency)
            if rate is not None:
                remaining = rate.convert(remaining)
                if not remaining.amount:  # it cannot be paid for nothing
                    continue
            found.append(Candidate(item=item, remaining=remaining))
        return tuple(found)

    def with_policy(
        self, source: Source, policy: AllocationPolicy, rate: ExchangeRate | None = None
    ) -> None:
        group, left, refund = self.payer(_source(source))
        code = _item_currency(source, group, refund, rate)
        candidates = self.candidates((group[0], group[1], code), rate)
        available = Money._exact(left, Money.zero(group[2]).currency)
        pairs = _pairs(policy(available, candidates))
        allowed = {candidate.item.document for candidate in candidates}
        for document, _amount in pairs:
            if document not in allowed:
                raise NotAllocatable(
                    source=_name(source),
                    item=str(document),
                    reason="the policy returned an item that was not among its candidates",
                )
        if rate is not None:
            pairs = self._bought(source, pairs, available, rate)
        self.allocate(source, pairs, rate)

    def _bought(
        self,
        source: Source,
        pairs: list[tuple[DocumentRef, Money]],
        available: Money,
        rate: ExchangeRate,
    ) -> list[tuple[DocumentRef, Money]]:
        """What of each item ``pairs``' amounts (in ``rate.quote``) pay, in its currency."""
        total = _ZERO
        bought: list[tuple[DocumentRef, Money]] = []
        for document, money in pairs:
            if money.currency != rate.quote:
                raise CurrencyMismatch(rate.quote.code, money.currency.code, operation="allocate")
            item = self.item(document)
            owed = self.remaining(item)
            cost = rate.convert(Money._exact(owed, item.currency))
            if money.amount > cost.amount:
                raise OverAllocation(requested=money, available=cost, target=str(document))
            total += money.amount
            if total > available.amount:
                raise OverAllocation(
                    requested=Money._exact(total, rate.quote),
                    available=available,
                    target=_name(source),
                )
            through = _through(rate, owed, money.amount)
            if through is not None and through[0]:
                bought.append((document, Money._exact(through[0], item.currency)))
        return bought

    def by_reference(self, reference: str, rate: ExchangeRate | None = None) -> None:
        payment = self.payment(reference)
        group, left, refund = self.payer(reference)
        code = _item_currency(reference, group, refund, rate)
        make = (
            DocumentRef.invoice if payment.direction is Direction.RECEIVABLE else DocumentRef.bill
        )
        pairs: list[tuple[DocumentRef, Money]] = []
        seen: set[DocumentRef] = set()
        for word in re.split(r"[\s,;]+", payment.reference):
            if not word or left <= 0:
                continue
            document = make(word)
            found = self._items.find(_key(document))
            if found is None or document in seen:
                continue
            item = found[1]
            owed = self.remaining(item)
            if item.party != payment.party or item.currency.code != code or owed <= 0:
                continue
            if rate is None:
                part = cost = min(owed, left)
            else:
                through = _through(rate, owed, left)
                if through is None or not through[0]:
                    continue
                part, cost = through
            seen.add(document)
            pairs.append((document, Money._exact(part, item.currency)))
            left -= cost
        self.allocate(reference, pairs, rate)

    def credit_oldest_first(self, group: _Group) -> None:
        index = self._source_hints.get(group, 0)
        count = self._source_total(group)
        skipping = True
        while index < count:
            source = self._source_at(group, index)
            _, left, _ = self.payer(source)
            if left > 0:
                pairs = self._open_in(group, left)
                if not pairs:
                    return
                self.allocate(source, pairs)
                if self.payer(source)[1] > 0:
                    skipping = False
            if skipping:
                self._source_hints[group] = index + 1
            index += 1

    def refund_credit(self, refund: object, payment: object) -> None:
        reference = _reference(refund)
        group, left, is_refund = self.payer(reference)
        if not is_refund:
            raise NotAllocatable(
                source=reference, item="credit", reason="only a refund pays back credit"
            )
        # without a day to pay back on, a refund pays back the credit there was on its date
        dated = self.payment(reference).date if self.on is None else None
        if payment is not None:
            paid = _reference(payment)
            paid_group, available, paid_refund = self.payer(paid)
            if paid_refund or paid_group != group:
                raise NotAllocatable(
                    source=reference,
                    item=paid,
                    reason="a refund pays back credit of a payment of its own party, "
                    "ledger and currency",
                )
            if dated is not None and self.payment(paid).date > dated:
                raise RefundBeforePayment(
                    refund=reference,
                    payment=paid,
                    refund_date=dated,
                    payment_date=self.payment(paid).date,
                )
            if min(left, available) > 0:
                self._refund(reference, paid, min(left, available), group)
            return
        currency = Money.zero(group[2]).currency
        count = self._source_total(group)
        for index in range(self._source_hints.get(group, 0), count):
            if left <= 0:
                return
            source = self._source_at(group, index)
            if isinstance(source, str) and dated is not None and self.payment(source).date > dated:
                continue  # not credit yet on the refund's date
            part = min(left, self.payer(source)[1])
            if part <= 0:
                continue
            if isinstance(source, str):
                self._refund(reference, source, part, group)
            else:
                self.allocate(reference, [(source, Money._exact(part, currency))])
            left -= part

    def _refund(self, refund: str, payment: str, amount: Decimal, group: _Group) -> None:
        if self.on is not None:
            earliest = max(self.payment(refund).date, self.payment(payment).date)
            if self.on < earliest:
                raise AllocationTooEarly(on=self.on, earliest=earliest, source=refund, item=payment)
        self._entry_count += 1
        self._entries[self._entry_count] = CreditRefunded(
            number=self._entry_count,
            refund=refund,
            payment=payment,
            amount=Money._exact(amount, self.payment(payment).currency),
            date=self.on,
        )
        self._used[refund] = self._used.get(refund, _ZERO) + amount
        self._used[payment] = self._used.get(payment, _ZERO) + amount
        self._credit[group] = self._credit.get(group, _ZERO) - amount

    # -- write-offs and reversals ----------------------------------------------------

    def write_off(
        self, document: DocumentRef, tolerance: object, reason: object, date: object
    ) -> None:
        item = self.item(_item(document))
        limit = to_money(tolerance, "tolerance")
        if limit.currency != item.currency:
            raise CurrencyMismatch(item.currency.code, limit.currency.code, operation="write off")
        if limit.amount < 0:
            raise InvalidPayment(limit, reason="a tolerance is not negative", field="tolerance")
        text = _reason(reason)
        day = _date(date)
        owed = self.remaining(item)
        if not owed:
            raise NothingToWriteOff(str(document))
        if abs(owed) > limit.amount:
            raise WriteOffExceedsTolerance(
                document=str(document),
                remainder=Money._exact(owed, item.currency),
                tolerance=limit,
            )
        self._write_off(item, abs(owed), text, day)

    def _write_off(self, item: OpenItem, amount: Decimal, reason: str, day: dt.date) -> None:
        self._entry_count += 1
        document = item.document
        self._entries[self._entry_count] = WriteOff(
            number=self._entry_count,
            item=document,
            amount=Money._exact(amount, item.currency),
            reason=reason,
            date=day,
        )
        self._index(document)
        self._written[_key(document)] = self._written.get(_key(document), _ZERO) + amount
        if item.amount.amount < 0:
            group = _group(item.party, item.direction, item.currency)
            self._credit[group] = self._credit.get(group, _ZERO) - amount

    def take_discount(self, document: DocumentRef, on: object) -> None:
        item = self.item(_item(document))
        day = _date(on)
        amount = _discount(self, item, day)
        if not amount:
            raise NoDiscountAvailable(str(document))
        self._take_discount(item, amount, day)

    def _take_discount(self, item: OpenItem, amount: Decimal, day: dt.date) -> None:
        self._entry_count += 1
        self._entries[self._entry_count] = DiscountTaken(
            number=self._entry_count,
            item=item.document,
            amount=Money._exact(amount, item.currency),
            date=day,
        )
        self._index(item.document)
        key = _key(item.document)
        self._discounted[key] = self._discounted.get(key, _ZERO) + amount

    # -- replaying stored facts ------------------------------------------------------

    def replay(self, entries: tuple[object, ...], reversed_: tuple[object, ...]) -> None:
        """Make ``entries`` again by number, reversing those of ``reversed_`` at once."""
        count = len(entries)
        by_number: dict[int, Entry] = {}
        for entry in entries:
            if not isinstance(entry, _ENTRY_TYPES):
                raise InvalidType(
                    entry,
                    expected="an entry (Allocation, WriteOff, DiscountTaken, CreditRefunded)",
                    field="entries",
                )
            number = entry.number
            if number > count or number in by_number:
                raise EntriesOutOfSequence(number=number, count=count)
            by_number[number] = entry
        undone: set[int] = set()
        for value in reversed_:
            number = _entry_number(value)
            if not 1 <= number <= count:
                raise UnknownAllocation(number)
            if number in undone:
                raise AllocationReversed(number)
            undone.add(number)
        for number in range(1, count + 1):
            self._replay(by_number[number])
            if number in undone:
                self.reverse(number)

    def _replay(self, entry: Entry) -> None:
        if isinstance(entry, Allocation):
            self.on = entry.date
            self.allocate(entry.source, [(entry.item, entry.amount)], entry.rate)
            self.on = None
            made = self._entries.find(entry.number)
            if made != entry:
                raise EntryDoesNotReplay(
                    number=entry.number,
                    reason="it took from its source another amount than its rate gives "
                    f"({made.source_amount if isinstance(made, Allocation) else None})",
                )
            return
        if isinstance(entry, CreditRefunded):
            self._replay_refund(entry)
            return
        item = self.item(entry.item)
        amount = entry.amount
        if amount.currency != item.currency:
            raise CurrencyMismatch(
                item.currency.code, amount.currency.code, operation="replay an entry"
            )
        if isinstance(entry, WriteOff):
            owed = abs(self.remaining(item))
            if amount.amount > owed:
                raise OverAllocation(
                    requested=amount,
                    available=Money._exact(owed, item.currency),
                    target=str(item.document),
                )
            self._write_off(item, amount.amount, entry.reason, entry.date)
            return
        earned = _discount(self, item, entry.date)
        if amount.amount > earned:
            raise EntryDoesNotReplay(
                number=entry.number,
                reason=f"a discount of {amount} is more than the item earned on "
                f"{entry.date.isoformat()} ({Money._exact(earned, item.currency)})",
            )
        self._take_discount(item, amount.amount, entry.date)

    def _replay_refund(self, entry: CreditRefunded) -> None:
        group, left, is_refund = self.payer(entry.refund)
        paid_group, available, paid_refund = self.payer(entry.payment)
        if not is_refund or paid_refund or paid_group != group:
            raise NotAllocatable(
                source=entry.refund,
                item=entry.payment,
                reason="a refund pays back credit of a payment of its own party, "
                "ledger and currency",
            )
        amount = entry.amount
        if amount.currency.code != group[2]:
            raise CurrencyMismatch(group[2], amount.currency.code, operation="replay an entry")
        for target, has in ((entry.refund, left), (entry.payment, available)):
            if amount.amount > has:
                raise OverAllocation(
                    requested=amount, available=Money._exact(has, amount.currency), target=target
                )
        self.on = entry.date
        self._refund(entry.refund, entry.payment, amount.amount, group)
        self.on = None

    def reverse(self, number: int) -> None:
        if _entry_number(number) in self._reversed:
            raise AllocationReversed(number)
        entry = self._entries.find(number)
        if entry is None:
            raise UnknownAllocation(number)
        self._reversed[number] = True
        if isinstance(entry, CreditRefunded):
            amount = entry.amount.amount
            group = self.payer(entry.payment)[0]
            self._used[entry.refund] = self._used.get(entry.refund, _ZERO) - amount
            self._used[entry.payment] = self._used.get(entry.payment, _ZERO) - amount
            self._credit[group] = self._credit.get(group, _ZERO) + amount
            self._reopen_source(group, entry.payment)
            return
        item = self.item(entry.item)
        group = _group(item.party, item.direction, item.currency)
        if isinstance(entry, DiscountTaken):
            key = _key(entry.item)
            self._discounted[key] = self._discounted.get(key, _ZERO) - entry.amount.amount
            self._reopen(item)
            return
        if isinstance(entry, WriteOff):
            amount = entry.amount.amount
            self._written[_key(entry.item)] = self._written.get(_key(entry.item), _ZERO) - amount
            if item.amount.amount < 0:
                self._credit[group] = self._credit.get(group, _ZERO) + amount
            self._reopen(item)
            return
        source_group = self.payer(entry.source)[0]
        taken = entry.source_amount.amount
        self._settle(
            entry.source, item, entry.amount.amount, taken=taken, group=source_group, way=-1
        )
