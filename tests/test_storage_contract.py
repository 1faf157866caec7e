"""The storage contract suite: run on the in-memory adapter, and shown to catch broken ones."""

from __future__ import annotations

import inspect
from types import TracebackType

import pytest

from ordercore.errors import OrdercoreError
from ordercore.storage.memory import MemoryStore, MemoryUnitOfWork, _Results
from ordercore.testing import contract
from ordercore.testing.contract import CONCURRENCY_MARKER, StorageContract


class TestMemoryStore(StorageContract):
    @pytest.fixture
    def uow_factory(self) -> MemoryStore:
        return MemoryStore()


# -- the marker ------------------------------------------------------------------------------


class RecordingConfig:
    """What the plugin hook uses of a pytest config: it records the ini lines added."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def addinivalue_line(self, name: str, line: str) -> None:
        self.lines.append((name, line))


def test_the_plugin_registers_the_concurrency_marker(pytestconfig: pytest.Config) -> None:
    config = RecordingConfig()
    contract.pytest_configure(config)  # type: ignore[arg-type]
    ((name, line),) = config.lines
    assert name == "markers"
    assert line.startswith(f"{CONCURRENCY_MARKER}:")
    assert line in pytestconfig.getini("markers")  # our own config registers the same


def marked(name: str) -> bool:
    marks = getattr(getattr(StorageContract, name), "pytestmark", [])
    return any(mark.name == CONCURRENCY_MARKER for mark in marks)


def test_exactly_the_tests_with_writer_threads_carry_the_marker() -> None:
    tests = [name for name in dir(StorageContract) if name.startswith("test_")]
    threaded = {
        name for name in tests if "_together(" in inspect.getsource(getattr(StorageContract, name))
    }
    assert threaded
    assert {name for name in tests if marked(name)} == threaded


def test_the_contract_class_is_not_collected_by_itself() -> None:
    assert not StorageContract.__name__.startswith("Test")


# -- the contract catches broken adapters -------------------------------------------------------


class CommitsOnLeaving(MemoryUnitOfWork):
    """Broken: leaving the block without commit() commits."""

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._open and kind is None:
            self.commit()
        super().__exit__(kind, error, traceback)


class SavesBlindly(MemoryUnitOfWork):
    """Broken: a save never compares the stored version (last writer wins)."""

    def _check_current(self, record_id: str) -> None:
        pass


class KeepsFirstResultSilently(MemoryUnitOfWork):
    """Broken: storing a key another unit of work committed since is silently a no-op."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.idempotency = SilentResults(self)


class SilentResults(_Results):
    def put(self, key: str, fingerprint: str, result: object) -> None:
        if self.get(key, fingerprint) is None:
            self._uow._results[key] = (fingerprint, result)


class Broken(MemoryStore):
    def __init__(self, make: type[MemoryUnitOfWork]) -> None:
        super().__init__()
        self.make = make

    def __call__(self) -> MemoryUnitOfWork:
        return self.make(self)


@pytest.mark.parametrize(
    ("unit_of_work", "test", "arguments"),
    [
        (CommitsOnLeaving, "test_a_unit_of_work_not_committed_writes_nothing", ["leave the block"]),
        (
            CommitsOnLeaving,
            "test_a_number_of_a_unit_of_work_not_committed_is_not_consumed",
            ["leave the block"],
        ),
        (SavesBlindly, "test_a_stale_save_raises_and_writes_nothing_of_the_unit_of_work", []),
        (SavesBlindly, "test_concurrent_saves_of_one_record_commit_once", []),
        (
            KeepsFirstResultSilently,
            "test_a_key_stored_by_another_unit_of_work_since_is_a_conflict",
            [],
        ),
    ],
)
def test_the_contract_fails_a_broken_adapter(
    unit_of_work: type[MemoryUnitOfWork], test: str, arguments: list[object]
) -> None:
    check = getattr(TestMemoryStore(), test)
    check(MemoryStore(), *arguments)  # the sound adapter passes
    with pytest.raises((AssertionError, OrdercoreError, pytest.fail.Exception)):
        check(Broken(unit_of_work), *arguments)
