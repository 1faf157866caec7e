"""The domain events of settlement: payments recorded, allocated, and allocations reversed.

A :class:`~ordercore.settlement.ledger.Ledger` is a value and says nothing of what
happened; the application services (:mod:`ordercore.services`) that record a payment or
allocate it make these events, with the :class:`~ordercore.events.Request` that caused
them, so that a host's audit trail holds settlement beside the documents. The
``document_id`` of each is the payment's reference (or, for a credit note used as
payment, its number).
"""

from __future__ import annotations

import attrs

from ordercore.events import Event
from ordercore.money.amount import Money
from ordercore.settlement.entries import Allocation
from ordercore.settlement.payments import Payment

__all__ = ["PaymentAllocated", "PaymentRecorded", "PaymentUnallocated"]


@attrs.frozen(kw_only=True)
class PaymentRecorded(Event):
    """A payment was recorded: ``payment`` is what was recorded."""

    payment: Payment


@attrs.frozen(kw_only=True)
class PaymentAllocated(Event):
    """Part of a payment (or credit) was allocated: the ``allocations`` made, in order.

    ``unallocated`` is what of the source is left afterwards: it stays the party's credit.
    """

    allocations: tuple[Allocation, ...]
    unallocated: Money


@attrs.frozen(kw_only=True)
class PaymentUnallocated(Event):
    """The allocation ``allocation`` (entry ``allocation.number``) was reversed: undone."""

    allocation: Allocation
