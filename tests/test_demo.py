"""The demo: the whole flow through the services; a second run changes nothing."""

from __future__ import annotations

from ordercore import SalesOrder
from ordercore.demo import run
from ordercore.settlement.accounts import Account
from ordercore.storage.memory import MemoryStore


def test_the_demo_runs_the_whole_flow_and_a_second_run_changes_nothing() -> None:
    store = MemoryStore()
    first: list[str] = []
    delivered = run(store, first.append)
    assert delivered > 0
    with store() as uow:
        order = uow.documents.get("so-1", SalesOrder)
        ledger = uow.documents.get("account/acme", Account).ledger
        numbers = {name: uow.numbers.get(name).last for name in ("SO", "INV", "CN")}
    assert order.state == "done"
    assert numbers == {"SO": 1, "INV": 2, "CN": 1}
    assert len(ledger.allocations) == 2

    again: list[str] = []
    assert run(store, again.append) == 0
    with store() as uow:
        assert uow.documents.get("so-1", SalesOrder) == order
        assert {name: uow.numbers.get(name).last for name in numbers} == numbers
        assert uow.outbox.pending() == ()
    # the same documents print the same, but for the closing line
    assert again[:-1] == first[:-1]
