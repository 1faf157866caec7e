"""The demo: the whole flow through the services; a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordercore import SalesOrder
from ordercore.cli import main
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


def test_the_command_runs_the_demo_twice_on_one_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ordercore.storage.sql", reason="the demo's command needs the sql extra")
    db = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(db)]) == 0
    first = capsys.readouterr().out
    assert main(["demo", "--db", str(db)]) == 0
    second = capsys.readouterr().out
    assert "events delivered" in first.splitlines()[-1]
    assert "nothing changed" in second.splitlines()[-1]
    assert first.splitlines()[:-1] == second.splitlines()[:-1]


def test_the_command_reports_a_database_it_cannot_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ordercore.storage.sql", reason="the demo's command needs the sql extra")
    assert main(["demo", "--db", str(tmp_path / "missing" / "demo.sqlite")]) == 2
    assert capsys.readouterr().err.startswith("ordercore: error:")


def test_the_command_reports_a_file_that_is_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ordercore.storage.sql", reason="the demo's command needs the sql extra")
    db = tmp_path / "not-a-database.sqlite"
    db.write_bytes(b"this is not SQLite" * 100)
    assert main(["demo", "--db", str(db)]) == 2
    assert capsys.readouterr().err.startswith("ordercore: error:")
