"""The storage contract suite, run on the in-memory adapter."""

from __future__ import annotations

import pytest

from ordercore.storage.memory import MemoryStore
from ordercore.testing.contract import StorageContract


class TestMemoryStore(StorageContract):
    @pytest.fixture
    def uow_factory(self) -> MemoryStore:
        return MemoryStore()
