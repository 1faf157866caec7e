"""Records: every stored aggregate as versioned, JSON-safe plain data, and back.

A record is a dict that names its ``kind`` (``"invoice.issued"``) and the ``schema``
version of that kind (an integer, ``1`` today), so a host can store it as JSON and read
it back years later. Amounts, quantities and rates are strings, dates ISO 8601 strings.
The content of a draft is the plain data of its pricing document
(:func:`~ordercore.interop.plain.document_to_data`); an issued document keeps its
priced document (:func:`~ordercore.interop.plain.priced_to_data`), which is priced again
when read and checked amount by amount. Reading rebuilds every object through its public
constructor, so a record that is not valid raises
:class:`~ordercore.errors.InvalidData` naming the field (``path``), in one line, and an
unknown kind or schema version is refused the same way.

>>> import datetime as dt
>>> from ordercore import DraftInvoice, Document, Line, Money, Request
>>> request = Request(key="r1", at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
...                   business_date=dt.date(2026, 11, 23))
>>> content = Document(currency="EUR", items=[
...     Line(description="Consulting", quantity="8", unit_price=Money("120.00", "EUR"))])
>>> draft = DraftInvoice.create(id="inv-1", customer="acme", content=content,
...                             request=request).document
>>> data = record_to_data(draft)
>>> data["kind"], data["schema"], data["version"]
('invoice.draft', 1, 1)
>>> record_from_data(data) == draft
True
>>> record_from_data(data | {"schema": 2})
Traceback (most recent call last):
...
ordercore.errors.InvalidData: schema: this reader knows schema 1 of 'invoice.draft', got 2; ...
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeVar

from ordercore.documents.bills import DraftBill, IssuedBill, VoidedBill
from ordercore.documents.invoices import DraftInvoice, IssuedInvoice, VoidedInvoice
from ordercore.errors import InvalidData, InvalidType, OrdercoreError, excerpt
from ordercore.interop.plain import (
    Data,
    _number,
    _Reader,
    document_from_data,
    document_to_data,
    priced_from_data,
    priced_to_data,
)
from ordercore.money.amount import Money
from ordercore.settlement.terms import ScheduledInstallment

__all__ = [
    "RECORD_KINDS",
    "RECORD_SCHEMA",
    "record_from_data",
    "record_to_data",
]

#: The schema version every record kind is written with today.
RECORD_SCHEMA = 1

T = TypeVar("T")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- small readers -----------------------------------------------------------------------


def _date(reader: _Reader) -> dt.date:
    text = reader.text()
    if not _DATE.fullmatch(text):
        raise reader.fail(f"expected a date written YYYY-MM-DD, got {excerpt(text)}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise reader.fail(f"{excerpt(text)} is not a date of the calendar") from None


def _optional_date(reader: _Reader) -> dt.date | None:
    return None if reader.value is None else _date(reader)


def _whole(reader: _Reader) -> int:
    value = reader.required().value
    if isinstance(value, bool) or not isinstance(value, int):
        raise reader.fail(f"expected a whole number, got {excerpt(value)}")
    return value


def _money(reader: _Reader, currency: str) -> Money:
    number = reader.number()
    return _build(reader, lambda: Money(number, currency))


def _optional_money(reader: _Reader, currency: str) -> Money | None:
    return None if reader.value is None else _money(reader, currency)


def _optional_money_data(value: Money | None) -> str | None:
    return None if value is None else _number(value.amount)


def _nested(reader: _Reader, read: Callable[[object], Any]) -> Any:
    """Read a nested document with ``read``; its errors get this reader's path in front."""
    try:
        return read(reader.required().value)
    except InvalidData as error:
        path = f"{reader.path}.{error.path}" if error.path else reader.path
        raise InvalidData(path, error.reason) from None


def _build(reader: _Reader, make: Callable[[], T]) -> T:
    """Run a constructor; report an ordercore error at the path of the field it names."""
    try:
        return make()
    except InvalidData:
        raise
    except OrdercoreError as error:
        field = getattr(error, "field", None)
        at = reader.child(field) if isinstance(field, str) and field else reader
        raise at.fail(str(error)) from None


# -- installments ------------------------------------------------------------------------


def _installment_to_data(installment: ScheduledInstallment) -> Data:
    data: Data = {
        "due_date": installment.due_date.isoformat(),
        "amount": _number(installment.amount.amount),
    }
    if installment.discount_amount is not None and installment.discount_deadline is not None:
        data["discount_amount"] = _number(installment.discount_amount.amount)
        data["discount_deadline"] = installment.discount_deadline.isoformat()
    if installment.discount_taxes is not None:
        data["discount_taxes"] = _number(installment.discount_taxes.amount)
    return data


def _installment(reader: _Reader, currency: str) -> ScheduledInstallment:
    reader.check_keys(
        {"due_date", "amount", "discount_amount", "discount_deadline", "discount_taxes"}
    )
    due_date = _date(reader.child("due_date"))
    amount = _money(reader.child("amount"), currency)
    discount_amount = _optional_money(reader.child("discount_amount"), currency)
    discount_deadline = _optional_date(reader.child("discount_deadline"))
    discount_taxes = _optional_money(reader.child("discount_taxes"), currency)
    return _build(
        reader,
        lambda: ScheduledInstallment(
            due_date=due_date,
            amount=amount,
            discount_amount=discount_amount,
            discount_deadline=discount_deadline,
            discount_taxes=discount_taxes,
        ),
    )


# -- invoices and bills: one lifecycle, two sides ----------------------------------------

_Side = tuple[str, str, str]  # the record's side name, its party field, its order field
_INVOICE: _Side = ("invoice", "customer", "sales_order")
_BILL: _Side = ("bill", "supplier", "purchase_order")


def _references(record: object, side: _Side) -> Data:
    _, party, order = side
    data: Data = {party: getattr(record, party)}
    if getattr(record, order) is not None:
        data[order] = getattr(record, order)
    return data


def _read_references(reader: _Reader, side: _Side) -> dict[str, str | None]:
    _, party, order = side
    return {
        party: reader.child(party).text(),
        order: reader.child(order).optional_text(),
    }


def _draft_to_data(draft: DraftInvoice | DraftBill, side: _Side) -> Data:
    return {
        "id": draft.id,
        "version": draft.version,
        **_references(draft, side),
        "content": document_to_data(draft.content),
    }


def _voided_to_data(voided: VoidedInvoice | VoidedBill, side: _Side) -> Data:
    return _draft_to_data(voided, side) | {"reason": voided.reason}  # type: ignore[arg-type]


def _issued_to_data(issued: IssuedInvoice | IssuedBill, side: _Side) -> Data:
    data: Data = {
        "id": issued.id,
        "version": issued.version,
        "number": issued.number,
        **_references(issued, side),
        "issue_date": issued.issue_date.isoformat(),
    }
    if issued.due_date is not None:
        data["due_date"] = issued.due_date.isoformat()
    if issued.installments:
        data["installments"] = [_installment_to_data(i) for i in issued.installments]
    data["priced"] = priced_to_data(issued.priced)
    return data


def _draft_reader(
    make: type[DraftInvoice] | type[DraftBill], side: _Side
) -> Callable[[_Reader], object]:
    def read(reader: _Reader) -> object:
        reader.check_keys({"kind", "schema", "id", "version", "content", side[1], side[2]})
        id_ = reader.child("id").text()
        version = _whole(reader.child("version"))
        references = _read_references(reader, side)
        content = _nested(reader.child("content"), document_from_data)
        return _build(reader, lambda: make(id=id_, version=version, content=content, **references))

    return read


def _voided_reader(
    make: type[VoidedInvoice] | type[VoidedBill], side: _Side
) -> Callable[[_Reader], object]:
    def read(reader: _Reader) -> object:
        reader.check_keys(
            {"kind", "schema", "id", "version", "content", "reason", side[1], side[2]}
        )
        id_ = reader.child("id").text()
        version = _whole(reader.child("version"))
        references = _read_references(reader, side)
        content = _nested(reader.child("content"), document_from_data)
        reason = reader.child("reason").text()
        return _build(
            reader,
            lambda: make(id=id_, version=version, content=content, reason=reason, **references),
        )

    return read


def _issued_reader(
    make: type[IssuedInvoice] | type[IssuedBill], side: _Side
) -> Callable[[_Reader], object]:
    def read(reader: _Reader) -> object:
        reader.check_keys(
            {
                "kind",
                "schema",
                "id",
                "version",
                "number",
                "issue_date",
                "due_date",
                "installments",
                "priced",
                side[1],
                side[2],
            }
        )
        id_ = reader.child("id").text()
        version = _whole(reader.child("version"))
        number = reader.child("number").text()
        references = _read_references(reader, side)
        issue_date = _date(reader.child("issue_date"))
        due_date = _optional_date(reader.child("due_date"))
        priced = _nested(reader.child("priced"), priced_from_data)
        currency = priced.currency.code
        installments = [_installment(i, currency) for i in reader.child("installments").items()]
        return _build(
            reader,
            lambda: make(
                id=id_,
                version=version,
                number=number,
                issue_date=issue_date,
                due_date=due_date,
                installments=installments,
                priced=priced,
                **references,
            ),
        )

    return read


# -- the kinds ---------------------------------------------------------------------------

_Writer = Callable[[Any], Data]
_ReaderOf = Callable[[_Reader], object]

#: Each record kind: the type it stores, how to write it, how to read it.
_KINDS: dict[str, tuple[type[Any], _Writer, _ReaderOf]] = {
    "invoice.draft": (
        DraftInvoice,
        lambda r: _draft_to_data(r, _INVOICE),
        _draft_reader(DraftInvoice, _INVOICE),
    ),
    "invoice.issued": (
        IssuedInvoice,
        lambda r: _issued_to_data(r, _INVOICE),
        _issued_reader(IssuedInvoice, _INVOICE),
    ),
    "invoice.voided": (
        VoidedInvoice,
        lambda r: _voided_to_data(r, _INVOICE),
        _voided_reader(VoidedInvoice, _INVOICE),
    ),
    "bill.draft": (DraftBill, lambda r: _draft_to_data(r, _BILL), _draft_reader(DraftBill, _BILL)),
    "bill.issued": (
        IssuedBill,
        lambda r: _issued_to_data(r, _BILL),
        _issued_reader(IssuedBill, _BILL),
    ),
    "bill.voided": (
        VoidedBill,
        lambda r: _voided_to_data(r, _BILL),
        _voided_reader(VoidedBill, _BILL),
    ),
}

_BY_TYPE: dict[type[Any], tuple[str, _Writer]] = {
    kind: (name, write) for name, (kind, write, _) in _KINDS.items()
}

#: The record kinds this version writes and reads, each with the type it stores.
RECORD_KINDS: dict[str, type[Any]] = {name: kind for name, (kind, _, _) in _KINDS.items()}


def record_to_data(record: object) -> Data:
    """Write ``record`` (any of :data:`RECORD_KINDS`) as versioned, JSON-safe plain data."""
    found = _BY_TYPE.get(type(record))
    if found is None:
        raise InvalidType(record, expected="one of the record kinds (RECORD_KINDS)", field="record")
    name, write = found
    return {"kind": name, "schema": RECORD_SCHEMA, **write(record)}


def record_from_data(data: object) -> Any:
    """Read a record written by :func:`record_to_data` (this or an earlier schema version)."""
    root = _Reader(data)
    kind = root.child("kind")
    name = kind.text()
    if name not in _KINDS:
        raise kind.fail(f"unknown record kind {excerpt(name)}; expected one of {sorted(_KINDS)}")
    schema = root.child("schema")
    version = _whole(schema)
    if version != RECORD_SCHEMA:
        raise schema.fail(
            f"this reader knows schema {RECORD_SCHEMA} of {name!r}, got {version}; "
            "read it with the ordercore version that wrote it, or a later one"
        )
    return _KINDS[name][2](root)
