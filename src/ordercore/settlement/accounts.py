"""TEMPORARY stand-in until the ledger branch lands (replaced by its accounts.py)."""

from __future__ import annotations

import attrs

from ordercore.settlement.ledger import Ledger


@attrs.frozen(kw_only=True)
class Account:
    id: str
    party: str
    ledger: Ledger = attrs.field(factory=Ledger)
    version: int = 1

    @classmethod
    def open(cls, *, id: str, party: str) -> Account:  # noqa: A002
        return cls(id=id, party=party)

    def with_ledger(self, ledger: Ledger) -> Account:
        return attrs.evolve(self, ledger=ledger, version=self.version + 1)
