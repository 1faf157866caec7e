"""Workers for the SQL adapter's tests in separate processes (multiprocessing, spawn).

The functions live in a module of their own, importable by name in a spawned child (the
tests put this directory on ``sys.path``); it holds no tests.
"""

from __future__ import annotations

import datetime as dt
import time

from ordercore import Document, DraftInvoice, Line, Money, Request

DAY = dt.date(2026, 11, 23)


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=DAY)


def draft(record_id: str, customer: str = "acme") -> DraftInvoice:
    content = Document(
        currency="EUR",
        items=[Line(description="Consulting", quantity="8", unit_price=Money("120.00", "EUR"))],
    )
    return DraftInvoice.create(
        id=record_id, customer=customer, content=content, request=request(f"c-{record_id}")
    ).document


def issue_drafts(url: str, worker: int, count: int) -> list[str]:
    """Issue ``count`` new invoices from series ``INV``, one unit of work each; every third
    rolls back. The numbers committed."""
    from ordercore.storage.sql import SqlStore  # noqa: PLC0415 (the child imports it)

    store = SqlStore.from_url(url)
    committed = []
    try:
        for i in range(count):
            with store() as uow:
                record = draft(f"p{worker}-{i}")
                number = uow.numbers.take("INV")
                issued = record.issue(
                    number=number,
                    issue_date=DAY,
                    due_date=DAY + dt.timedelta(days=30),
                    request=request(number),
                ).document
                uow.documents.add(issued)
                if i % 3 == 2:
                    continue  # rolled back: its number goes to the next writer
                uow.commit()
                committed.append(number)
    finally:
        store.close()
    return committed


def issue_through_services(url: str, ids: list[str]) -> dict[str, str]:
    """Issue the drafts ``ids`` through the services, each under the key ``i-<id>``, in order.

    The number each was issued under (the first result, when another process sent the
    same request first)."""
    from ordercore.services import Services  # noqa: PLC0415 (the child imports it)
    from ordercore.storage.sql import SqlStore  # noqa: PLC0415

    store = SqlStore.from_url(url)
    try:
        services = Services(store)
        due = DAY + dt.timedelta(days=30)
        return {
            record_id: services.issue_invoice(
                record_id, due_date=due, request=request(f"i-{record_id}")
            ).number
            for record_id in ids
        }
    finally:
        store.close()


def write_and_hang(url: str, ready: object) -> None:
    """Take a number, write a record and a result inside the transaction, then wait to be killed."""
    from ordercore.storage.sql import SqlStore  # noqa: PLC0415

    store = SqlStore.from_url(url)
    uow = store()
    uow.numbers.take("INV")
    uow.documents.add(draft("half"))
    uow.idempotency.put("req-half", "issue half", draft("half"))
    uow._link.lock("commit to")  # what commit does, up to the point before the database commits
    uow._write_all()
    ready.set()  # type: ignore[attr-defined]
    time.sleep(120)  # killed long before
