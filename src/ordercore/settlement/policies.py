"""Allocation policies: how much of a payment goes to which open item.

A policy is the host's rule (some jurisdictions prescribe costs, then interest, then
principal): given what a payment has free and the :class:`Candidate` items, oldest due
first, it returns the amount per item. :meth:`~ordercore.settlement.Ledger.allocate_with`
checks what it returns before changing anything. :class:`OldestFirst` is the rule of
:meth:`~ordercore.settlement.Ledger.allocate_oldest_first`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

from ordercore._convert import check_instance, to_money
from ordercore.money.amount import Money
from ordercore.settlement.open_items import DocumentRef, OpenItem

__all__ = ["AllocationPolicy", "Candidate", "OldestFirst"]


def _open_item(value: object) -> OpenItem:
    return check_instance(value, OpenItem, "item")


def _candidate_remaining(value: object) -> Money:
    return to_money(value, "remaining")


@attrs.frozen(kw_only=True)
class Candidate:
    """An item an allocation policy may pay, with what it still owes (``remaining``)."""

    item: OpenItem = attrs.field(converter=_open_item)
    remaining: Money = attrs.field(converter=_candidate_remaining)


class AllocationPolicy(Protocol):
    """How much of ``available`` goes to which of ``candidates``: the host's rule.

    ``candidates`` are the items of the payer's party, ledger and currency that still
    owe, oldest due first; the policy returns the amount per document it pays (any it
    leaves out get nothing). The ledger checks what it returns before changing
    anything: more than ``available`` or than an item owes is an
    :class:`~ordercore.errors.OverAllocation`, an item not among the candidates a
    :class:`~ordercore.errors.NotAllocatable`.
    """

    def __call__(
        self, available: Money, candidates: tuple[Candidate, ...]
    ) -> Mapping[DocumentRef, Money]:
        """The amounts to allocate, per document."""
        ...


@attrs.frozen
class OldestFirst:
    """The policy of :meth:`Ledger.allocate_oldest_first`: in the candidates' order until spent.

    >>> from ordercore.money import Money
    >>> OldestFirst()(Money("5.00", "EUR"), ())
    {}
    """

    def __call__(
        self, available: Money, candidates: tuple[Candidate, ...]
    ) -> dict[DocumentRef, Money]:
        """Each candidate in turn, as much as it owes, until ``available`` is spent."""
        left = available.amount
        amounts: dict[DocumentRef, Money] = {}
        for candidate in candidates:
            if not left:
                break
            part = min(candidate.remaining.amount, left)
            if part > 0:
                amounts[candidate.item.document] = Money._exact(part, available.currency)
                left -= part
        return amounts
