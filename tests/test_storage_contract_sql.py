"""The storage contract suite on the SQL adapter: SQLite in memory, an SQLite file, PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ordercore.testing.contract import StorageContract

sql = pytest.importorskip("ordercore.storage.sql", reason="the SQL adapter needs the sql extra")


class TestSqliteInMemory(StorageContract):
    @pytest.fixture
    def uow_factory(self) -> Iterator[object]:
        store = sql.SqlStore.from_url("sqlite://")
        yield store
        store.close()


class TestSqliteFile(StorageContract):
    @pytest.fixture
    def uow_factory(self, tmp_path: Path) -> Iterator[object]:
        store = sql.SqlStore.from_url(f"sqlite:///{tmp_path / 'contract.sqlite'}")
        yield store
        store.close()


class TestPostgresql(StorageContract):
    @pytest.fixture
    def uow_factory(self) -> Iterator[object]:
        url = os.environ.get("ORDERCORE_TEST_POSTGRES_URL")
        if not url:
            if os.environ.get("ORDERCORE_REQUIRE_POSTGRES") == "1":
                pytest.fail("ORDERCORE_REQUIRE_POSTGRES=1 but ORDERCORE_TEST_POSTGRES_URL is unset")
            pytest.skip("PostgreSQL: set ORDERCORE_TEST_POSTGRES_URL to a database to run these")
        import sqlalchemy as sa  # noqa: PLC0415 - with the extra, as the adapter

        engine = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
        sql.metadata.drop_all(engine)  # a fresh database for every test, of whatever version
        engine.dispose()
        # a unit of work waiting for one of its own thread raises StorageBusy after this,
        # well within the contract's timeout
        store = sql.SqlStore.from_url(url, lock_timeout=5)
        yield store
        store.close()
