"""Collection for the whole suite: the SQL adapter's module and page need the ``sql`` extra.

Without SQLAlchemy (``pip install -e ".[test]"`` only), its doctests are not collected;
tests/test_storage_sql*.py skip themselves, saying so.
"""

import importlib.util

collect_ignore: list[str] = []
if importlib.util.find_spec("sqlalchemy") is None:
    collect_ignore += ["src/ordercore/storage/sql.py", "docs/storage-sql.md"]
