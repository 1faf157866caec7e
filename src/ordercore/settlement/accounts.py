"""Accounts: one party's settlement, as the record a host stores.

An :class:`Account` is the stored record of everything that settles with one party: its
``id`` (chosen by the host, such as ``"account/acme"``), the ``party``, the
:class:`~ordercore.settlement.Ledger` of that party's open items, payments and entries,
and a ``version``. It satisfies the ``Record`` protocol of :mod:`ordercore.storage`, so a
repository stores it like a document, with optimistic concurrency: every payment
operation saves the account with :meth:`Account.with_ledger` (the new ledger, version
plus one), and of two writers that read the same version only the first to commit
succeeds; the second gets :class:`~ordercore.errors.ConcurrencyConflict` and reads again,
instead of both allocating the same payment or the same invoice.

An account holds its own party's facts only: a ledger with an item or a payment of
another party is refused (:class:`~ordercore.errors.OtherPartyInAccount`).

>>> import datetime as dt
>>> from ordercore.money import Money
>>> from ordercore.settlement import DocumentRef, Ledger, OpenItem, Payment
>>> account = Account.open(id="account/acme", party="acme")
>>> account
Account(id='account/acme', party='acme', version=1, items=0, payments=0, entries=0)
>>> ledger = account.ledger.add_items(OpenItem.single(
...     document=DocumentRef.invoice("INV-1"), party="acme", amount=Money("200.00", "EUR"),
...     issue_date=dt.date(2026, 10, 1), due_date=dt.date(2026, 10, 31),
... )).record(Payment.received(
...     amount=Money("150.00", "EUR"), date=dt.date(2026, 10, 20), reference="BANK-1",
...     method="transfer", party="acme", idempotency_key="req-1",
... )).allocate_oldest_first("BANK-1")
>>> account = account.with_ledger(ledger)
>>> account.version
2
>>> print(account)
account account/acme of acme (version 2): 1 item, 1 payment, 1 entry
"""

from __future__ import annotations

import attrs

from ordercore._convert import check_instance, to_text
from ordercore.errors import InvalidType, OtherPartyInAccount
from ordercore.settlement.ledger import Ledger

__all__ = ["Account"]

#: The highest version an account holds (an int of at most 63 bits, as storage has).
_MAX_VERSION = 2**63 - 1


def _id(value: object) -> str:
    return to_text(value, "id")


def _party(value: object) -> str:
    return to_text(value, "party")


def _ledger(value: object) -> Ledger:
    return check_instance(value, Ledger, "ledger")


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_VERSION:
        raise InvalidType(value, expected="a version number from 1 to 2**63 - 1", field="version")
    return value


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@attrs.frozen(kw_only=True, repr=False)
class Account:
    """The stored settlement of ``party``: its ``ledger`` under ``id``, at ``version``.

    Open one with :meth:`open`; :meth:`with_ledger` is the account after an operation.
    """

    id: str = attrs.field(converter=_id)
    party: str = attrs.field(converter=_party)
    ledger: Ledger = attrs.field(factory=Ledger, converter=_ledger)
    version: int = attrs.field(default=1, converter=_version)

    def __attrs_post_init__(self) -> None:
        other = self.ledger._other_party(self.party)
        if other is not None:
            raise OtherPartyInAccount(account=self.id, party=self.party, other=other)

    @classmethod
    def open(cls, *, id: str, party: str) -> Account:  # noqa: A002 (the record's id)
        """A new account of ``party`` under ``id``: an empty ledger, version 1."""
        return cls(id=id, party=party)

    def with_ledger(self, ledger: Ledger) -> Account:
        """The account holding ``ledger``, one version on (what a save stores next)."""
        if self.version >= _MAX_VERSION:
            raise InvalidType(
                self.version + 1, expected="a version number from 1 to 2**63 - 1", field="version"
            )
        return Account(id=self.id, party=self.party, ledger=ledger, version=self.version + 1)

    def __repr__(self) -> str:
        counts = self.ledger._counts()
        return (
            f"Account(id={self.id!r}, party={self.party!r}, version={self.version}, "
            f"items={counts[0]}, payments={counts[1]}, entries={counts[2]})"
        )

    def __str__(self) -> str:
        items, payments, entries = self.ledger._counts()
        return (
            f"account {self.id} of {self.party} (version {self.version}): "
            f"{_count(items, 'item', 'items')}, {_count(payments, 'payment', 'payments')}, "
            f"{_count(entries, 'entry', 'entries')}"
        )
