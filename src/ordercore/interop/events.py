"""Events: every domain event as versioned, JSON-safe plain data, and back.

An event is written as a dict that names its ``kind`` (``"invoice.issued"``) and the
``schema`` version of that kind (``1`` today), beside its own fields: the
``document_id``, the :class:`~ordercore.events.Request` that caused it (its ``key``, the
moment ``at`` with its UTC offset, the ``business_date`` and who it was ``by``), and the
facts of the event. Amounts are objects with their currency and the amount as a string,
dates ISO 8601 strings; a payment or an allocation an event holds is written as its
record (:func:`~ordercore.interop.records.record_to_data`). A host keeps the events of a
unit of work as JSON in an outbox, and reads them back to deliver them.

Reading is strict, as for records: every field is checked, an unknown field, kind or
schema version is refused, and a bad value raises :class:`~ordercore.errors.InvalidData`
naming the field (``path``), in one line.

>>> import datetime as dt
>>> from ordercore import Request
>>> from ordercore.documents import QuoteSent
>>> request = Request(key="r2", at=dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC),
...                   business_date=dt.date(2026, 11, 23), by="alice")
>>> sent = QuoteSent(document_id="q-1", request=request, version=2)
>>> data = event_to_data(sent)
>>> data["kind"], data["schema"], data["version"], data["request"]["at"]
('quote.sent', 1, 2, '2026-11-23T09:30:00+00:00')
>>> event_from_data(data) == sent
True
>>> event_from_data(data | {"version": "2"})
Traceback (most recent call last):
...
ordercore.errors.InvalidData: version: expected a whole number, got '2'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from ordercore.documents.bills import (
    BillDraftCreated,
    BillDraftRevised,
    BillDraftVoided,
    BillIssued,
)
from ordercore.documents.credit_notes import CreditBase, CreditedAmount, CreditNoteIssued
from ordercore.documents.invoices import (
    InvoiceDraftCreated,
    InvoiceDraftRevised,
    InvoiceDraftVoided,
    InvoiceIssued,
)
from ordercore.documents.purchase_orders import (
    BillCreditTakenIn,
    BilledFromOrder,
    BillReleased,
    PurchaseOrderConfirmed,
    PurchaseRemainderCancelled,
    ReceiptRecorded,
)
from ordercore.documents.quotes import (
    LINE_FIELDS,
    SETTINGS,
    Delta,
    LineChange,
    QuoteAccepted,
    QuoteCreated,
    QuoteDeclined,
    QuoteExpired,
    QuoteLine,
    QuoteRevised,
    QuoteSent,
    SettingChange,
    ValidityChange,
)
from ordercore.documents.sales_orders import (
    CreditTakenIn,
    DeliveryRecorded,
    DownPaymentBase,
    DownPaymentInvoiced,
    InvoicedFromOrder,
    InvoiceReleased,
    OrderConfirmed,
    RemainderCancelled,
)
from ordercore.errors import InvalidType, excerpt
from ordercore.events import Event, Request
from ordercore.interop.plain import (
    Data,
    _adjustment_to_data,
    _discount_to_data,
    _DocumentReader,
    _line_to_data,
    _number,
    _policy_to_data,
    _price_source_to_data,
    _Reader,
    _tax_to_data,
)
from ordercore.interop.records import (
    _build,
    _date,
    _installment,
    _installment_to_data,
    _nested,
    _whole,
    record_from_data,
    record_to_data,
)
from ordercore.money.amount import Money
from ordercore.money.currency import get_currency
from ordercore.money.decimals import to_decimal
from ordercore.pricing.discounts import Discount, Stacking
from ordercore.pricing.document import Allowance, Charge
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind
from ordercore.pricing.taxes import Tax
from ordercore.settlement.entries import Allocation
from ordercore.settlement.events import PaymentAllocated, PaymentRecorded, PaymentUnallocated
from ordercore.settlement.payments import Payment
from ordercore.settlement.terms import ScheduledInstallment

__all__ = [
    "EVENT_KINDS",
    "EVENT_SCHEMA",
    "event_from_data",
    "event_to_data",
]

#: The schema version every event kind is written with today.
EVENT_SCHEMA = 1

#: How :meth:`datetime.isoformat` writes an aware moment: seconds always, then its offset
#: (whose seconds and microseconds are read here: ``fromisoformat`` of Python 3.11 drops the
#: microseconds of an offset).
_MOMENT = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6})?)"
    r"([+-])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{6}))?)?"
)

#: How a value is written (``None``: the field is left out) and read back. A reader gets
#: the fields of the event read before it (installments take the currency of the amount due).
_Write = Callable[[Any], Any]
_Read = Callable[[_Reader, Mapping[str, Any]], Any]


# -- small values ------------------------------------------------------------------------


def _counted(reader: _Reader, least: int) -> int:
    number = _whole(reader)
    if number < least:
        raise reader.fail(f"expected a whole number of at least {least}, got {excerpt(number)}")
    return number


def _exact(reader: _Reader, max_places: int | None = None) -> Decimal:
    number = reader.number()
    return reader.build(lambda: to_decimal(number, max_places=max_places))


def _flag(reader: _Reader) -> bool:
    return reader.required().boolean(default=False)


def _currency(reader: _Reader) -> str:
    text = reader.text()
    return reader.build(lambda: str(get_currency(text).code))


def _money_to_data(money: Money) -> Data:
    return {"currency": money.currency.code, "amount": _number(money.amount)}


def _money(reader: _Reader) -> Money:
    reader.required().check_keys({"currency", "amount"})
    return _money_fields(reader)


def _money_fields(reader: _Reader) -> Money:
    """The amount written in the ``currency`` and ``amount`` fields of ``reader``."""
    currency = _currency(reader.child("currency"))
    number = reader.child("amount").number()
    return reader.child("amount").build(lambda: Money(number, currency))


def _moment(reader: _Reader) -> dt.datetime:
    text = reader.text()
    found = _MOMENT.fullmatch(text)
    if found is None:
        raise reader.fail(
            f"expected a moment written YYYY-MM-DDTHH:MM:SS with its UTC offset, got {excerpt(text)}"
        )
    local, sign, hours, minutes, seconds, micro = found.groups()
    if int(minutes) > 59 or int(seconds or 0) > 59:
        raise reader.fail(f"{excerpt(text)} has an offset that is not a time of day")
    offset = dt.timedelta(
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds or 0),
        microseconds=int(micro or 0),
    )
    try:
        zone = dt.timezone(-offset if sign == "-" else offset)
        return dt.datetime.fromisoformat(local).replace(tzinfo=zone)
    except ValueError:
        raise reader.fail(f"{excerpt(text)} is not a moment of the calendar") from None


def _request_to_data(request: Request) -> Data:
    data: Data = {
        "key": request.key,
        "at": request.at.isoformat(),
        "business_date": request.business_date.isoformat(),
    }
    if request.by is not None:
        data["by"] = request.by
    return data


def _request(reader: _Reader) -> Request:
    reader.required().check_keys({"key", "at", "business_date", "by"})
    key = reader.child("key").text()
    at = _moment(reader.child("at"))
    business_date = _date(reader.child("business_date"))
    by = reader.child("by").optional_text()
    return _build(reader, lambda: Request(key=key, at=at, business_date=business_date, by=by))


def _quantities_to_data(quantities: tuple[tuple[int, Decimal], ...]) -> list[Data]:
    return [{"index": index, "quantity": _number(quantity)} for index, quantity in quantities]


def _quantities(reader: _Reader) -> tuple[tuple[int, Decimal], ...]:
    pairs = []
    for entry in reader.required().items():
        entry.check_keys({"index", "quantity"})
        pairs.append((_counted(entry.child("index"), 0), _exact(entry.child("quantity"))))
    return tuple(pairs)


def _installments(reader: _Reader, before: Mapping[str, Any]) -> tuple[ScheduledInstallment, ...]:
    """An issued document's schedule, in the currency of its ``amount_due`` (read before)."""
    currency = before["amount_due"].currency.code
    return tuple(_installment(entry, currency) for entry in reader.items())


def _credited_amount_to_data(stated: CreditedAmount | None) -> Data | None:
    if stated is None:
        return None
    return _money_to_data(stated.amount) | {"base": stated.base.value}


def _credited_amount(reader: _Reader) -> CreditedAmount | None:
    if reader.value is None:
        return None
    reader.check_keys({"currency", "amount", "base"})
    amount = _money_fields(reader)
    base = reader.child("base").required().choice(CreditBase, CreditBase.TOTAL)
    return reader.build(lambda: CreditedAmount(amount=amount, base=base))


def _validity_to_data(change: ValidityChange | None) -> Data | None:
    if change is None:
        return None
    return {"old": change.old.isoformat(), "new": change.new.isoformat()}


def _validity(reader: _Reader) -> ValidityChange | None:
    if reader.value is None:
        return None
    reader.check_keys({"old", "new"})
    return ValidityChange(old=_date(reader.child("old")), new=_date(reader.child("new")))


def _record(kind: type[Any]) -> _Read:
    """Read a nested record of type ``kind`` (a payment, an allocation)."""

    def read(reader: _Reader, _: Mapping[str, Any]) -> Any:
        record = _nested(reader, record_from_data)
        if not isinstance(record, kind):
            raise reader.fail(f"expected a record of a {kind.__name__}, got another kind")
        return record

    return read


def _records(kind: type[Any]) -> _Read:
    read = _record(kind)
    return lambda reader, before: tuple(read(r, before) for r in reader.required().items())


# -- what a quote's revision changed -----------------------------------------------------


def _currency_of(value: object) -> str | None:
    """The currency an amount inside ``value`` is in (``None`` when it holds no amount)."""
    if isinstance(value, Money):
        return str(value.currency.code)
    if isinstance(value, Discount | Tax):
        return None if value.currency is None else str(value.currency.code)
    if isinstance(value, Allowance | Charge):
        return _currency_of(value.amount) or _currency_of(value.taxes)
    if isinstance(value, tuple):
        return next((c for c in map(_currency_of, value) if c is not None), None)
    return None


def _with_taxes(data: Data, taxes: tuple[Tax, ...]) -> Data:
    """``data`` with its taxes written in full instead of by name."""
    if taxes:
        data["taxes"] = [_tax_to_data(tax) for tax in taxes]
    return data


def _no_names(taxes: tuple[Tax, ...]) -> dict[Tax, str]:
    return dict.fromkeys(taxes, "")


def _line_data(line: Line) -> Data:
    return _with_taxes(_line_to_data(line, _no_names(line.taxes)), line.taxes)


def _adjustments_data(adjustments: tuple[Allowance | Charge, ...]) -> list[Data]:
    return [_with_taxes(_adjustment_to_data(a, _no_names(a.taxes)), a.taxes) for a in adjustments]


def _in_currency(reader: _Reader) -> tuple[_DocumentReader, _Reader]:
    """The reader of a value written with its currency, and the reader of the value."""
    reader.required().check_keys({"currency", "value"})
    document = _DocumentReader(None)
    if reader.child("currency").value is not None:
        document.currency = _currency(reader.child("currency"))
    return document, reader.child("value")


def _valued(write: _Write, read: Callable[[_DocumentReader, _Reader], Any]) -> tuple[_Write, _Read]:
    """A field whose value may hold amounts: written with the currency they are in."""

    def write_valued(value: Any) -> Data:
        currency = _currency_of(value)
        data: Data = {} if currency is None else {"currency": currency}
        return data | {"value": write(value)}

    def read_valued(reader: _Reader, _: Mapping[str, Any]) -> Any:
        document, value = _in_currency(reader)
        return read(document, value)

    return write_valued, read_valued


def _optional_discount(document: _DocumentReader, reader: _Reader) -> Discount | None:
    return None if reader.value is None else document.discount(reader)


def _optional_text(reader: _Reader, _: Mapping[str, Any]) -> str | None:
    return reader.optional_text()


def _text(reader: _Reader, _: Mapping[str, Any]) -> str:
    return reader.text()


#: How the old and new value of each field of :data:`LINE_FIELDS` and :data:`SETTINGS` are
#: written and read.
_CHANGES: dict[str, tuple[_Write, _Read]] = {
    "group": (lambda v: v, _optional_text),
    "description": (lambda v: v, _text),
    "product": (lambda v: v, _optional_text),
    "kind": (lambda v: v.value, lambda r, _: r.required().choice(LineKind, LineKind.GOODS)),
    "quantity": (_number, lambda r, _: _exact(r, QUANTITY_PLACES)),
    "unit_price": _valued(
        lambda v: _number(v.amount), lambda document, r: document.money(r.required())
    ),
    "base_quantity": (_number, lambda r, _: _exact(r)),
    "price_discount": _valued(
        lambda v: None if v is None else _discount_to_data(v), _optional_discount
    ),
    "discounts": _valued(
        lambda v: [_discount_to_data(d) for d in v],
        lambda document, r: tuple(document.discount(d) for d in r.required().items()),
    ),
    "taxes": _valued(
        lambda v: [_tax_to_data(t) for t in v],
        lambda document, r: tuple(document.tax(t.required()) for t in r.required().items()),
    ),
    "price_source": (
        lambda v: None if v is None else _price_source_to_data(v),
        lambda r, _: None if r.value is None else _DocumentReader(None).price_source(r),
    ),
    "stacking": (
        lambda v: None if v is None else v.value,
        lambda r, _: None if r.value is None else r.choice(Stacking, Stacking.SEQUENTIAL),
    ),
    "currency": (lambda v: v, lambda r, _: _currency(r)),
    "allowances": _valued(
        _adjustments_data,
        lambda document, r: tuple(document.adjustment(a, Allowance) for a in r.required().items()),
    ),
    "charges": _valued(
        _adjustments_data,
        lambda document, r: tuple(document.adjustment(c, Charge) for c in r.required().items()),
    ),
    "policy": (_policy_to_data, lambda r, _: _DocumentReader(None).policy(r.required())),
}


def _change(reader: _Reader, name: str, names: tuple[str, ...]) -> tuple[str, Any, Any]:
    """The field (``name``) a change names, and its old and new values."""
    field = reader.child(name)
    changed = field.text()
    if changed not in names:
        raise field.fail(f"expected one of {list(names)}, got {excerpt(changed)}")
    read = _CHANGES[changed][1]
    return changed, read(reader.child("old"), {}), read(reader.child("new"), {})


def _change_to_data(name: str, changed: str, old: object, new: object) -> Data:
    write = _CHANGES[changed][0]
    return {name: changed, "old": write(old), "new": write(new)}


def _quote_line_to_data(line: QuoteLine) -> Data:
    data: Data = {"key": line.key}
    if line.group is not None:
        data["group"] = line.group
    return data | {"currency": line.line.unit_price.currency.code, "line": _line_data(line.line)}


def _quote_line(reader: _Reader) -> QuoteLine:
    reader.check_keys({"key", "group", "currency", "line"})
    key = reader.child("key").text()
    group = reader.child("group").optional_text()
    document = _DocumentReader(None)
    document.currency = _currency(reader.child("currency"))
    line = document.line(reader.child("line").required())
    return reader.build(lambda: QuoteLine(key=key, line=line, group=group))


def _delta_to_data(delta: Delta) -> Data:
    data: Data = {
        "added": [_quote_line_to_data(line) for line in delta.added],
        "removed": [_quote_line_to_data(line) for line in delta.removed],
        "changed": [
            {"key": c.key} | _change_to_data("field", c.field, c.old, c.new) for c in delta.changed
        ],
        "settings": [_change_to_data("setting", s.setting, s.old, s.new) for s in delta.settings],
        "order": list(delta.order),
    }
    if delta.reordered:
        data["reordered"] = True
    return data


def _line_change(reader: _Reader) -> LineChange:
    reader.check_keys({"key", "field", "old", "new"})
    key = reader.child("key").text()
    field, old, new = _change(reader, "field", LINE_FIELDS)
    return LineChange(key=key, field=field, old=old, new=new)


def _setting_change(reader: _Reader) -> SettingChange:
    reader.check_keys({"setting", "old", "new"})
    setting, old, new = _change(reader, "setting", SETTINGS)
    return SettingChange(setting=setting, old=old, new=new)


def _delta(reader: _Reader) -> Delta:
    reader.required().check_keys({"added", "removed", "changed", "settings", "order", "reordered"})
    return Delta(
        added=tuple(_quote_line(line) for line in reader.child("added").required().items()),
        removed=tuple(_quote_line(line) for line in reader.child("removed").required().items()),
        changed=tuple(_line_change(c) for c in reader.child("changed").required().items()),
        settings=tuple(_setting_change(s) for s in reader.child("settings").required().items()),
        order=tuple(key.text() for key in reader.child("order").required().items()),
        reordered=reader.child("reordered").boolean(default=False),
    )


# -- one codec per field type ------------------------------------------------------------


def _optional(write: _Write) -> _Write:
    return lambda value: None if value is None else write(value)


def _iso(value: dt.date) -> str:
    return value.isoformat()


#: How a field of each type is written and read: the events' fields are all of these types.
_CODECS: dict[object, tuple[_Write, _Read]] = {
    str: (lambda v: v, _text),
    str | None: (lambda v: v, _optional_text),
    int: (lambda v: v, lambda r, _: _counted(r, 1)),  # a version, counted from 1
    bool: (lambda v: v, lambda r, _: _flag(r)),
    dt.date: (_iso, lambda r, _: _date(r)),
    dt.date | None: (_optional(_iso), lambda r, _: None if r.value is None else _date(r)),
    Decimal: (_number, lambda r, _: _exact(r)),
    Money: (_money_to_data, lambda r, _: _money(r)),
    Request: (_request_to_data, lambda r, _: _request(r)),
    tuple[tuple[int, Decimal], ...]: (_quantities_to_data, lambda r, _: _quantities(r)),
    tuple[ScheduledInstallment, ...]: (
        lambda v: [_installment_to_data(i) for i in v],
        _installments,
    ),
    CreditedAmount | None: (_credited_amount_to_data, lambda r, _: _credited_amount(r)),
    DownPaymentBase: (
        lambda v: v.value,
        lambda r, _: r.required().choice(DownPaymentBase, DownPaymentBase.TOTAL),
    ),
    ValidityChange | None: (_validity_to_data, lambda r, _: _validity(r)),
    Delta: (_delta_to_data, lambda r, _: _delta(r)),
    Payment: (record_to_data, _record(Payment)),
    Allocation: (record_to_data, _record(Allocation)),
    tuple[Allocation, ...]: (lambda v: [record_to_data(a) for a in v], _records(Allocation)),
}

_Field = tuple[str, _Write, _Read]


def _fields(kind: type[Event]) -> tuple[_Field, ...]:
    """Each field of the event type ``kind``, with how it is written and read (by its type)."""
    attrs.resolve_types(kind)
    found: list[_Field] = []
    for field in attrs.fields(kind):
        codec = _CODECS.get(field.type)
        if codec is None:  # pragma: no cover - a new field type needs a codec above
            message = f"{kind.__name__}.{field.name} has a type events cannot write yet"
            raise TypeError(message)
        found.append((field.name, *codec))
    return tuple(found)


#: Each event kind by its name.
_NAMES: dict[str, type[Event]] = {
    "quote.created": QuoteCreated,
    "quote.revised": QuoteRevised,
    "quote.sent": QuoteSent,
    "quote.accepted": QuoteAccepted,
    "quote.declined": QuoteDeclined,
    "quote.expired": QuoteExpired,
    "sales_order.confirmed": OrderConfirmed,
    "sales_order.delivery_recorded": DeliveryRecorded,
    "sales_order.remainder_cancelled": RemainderCancelled,
    "sales_order.invoiced": InvoicedFromOrder,
    "sales_order.invoice_released": InvoiceReleased,
    "sales_order.credit_taken_in": CreditTakenIn,
    "sales_order.down_payment_invoiced": DownPaymentInvoiced,
    "invoice.draft_created": InvoiceDraftCreated,
    "invoice.draft_revised": InvoiceDraftRevised,
    "invoice.draft_voided": InvoiceDraftVoided,
    "invoice.issued": InvoiceIssued,
    "credit_note.issued": CreditNoteIssued,
    "purchase_order.confirmed": PurchaseOrderConfirmed,
    "purchase_order.receipt_recorded": ReceiptRecorded,
    "purchase_order.remainder_cancelled": PurchaseRemainderCancelled,
    "purchase_order.billed": BilledFromOrder,
    "purchase_order.bill_released": BillReleased,
    "purchase_order.credit_taken_in": BillCreditTakenIn,
    "bill.draft_created": BillDraftCreated,
    "bill.draft_revised": BillDraftRevised,
    "bill.draft_voided": BillDraftVoided,
    "bill.issued": BillIssued,
    "payment.recorded": PaymentRecorded,
    "payment.allocated": PaymentAllocated,
    "payment.unallocated": PaymentUnallocated,
}

#: Each event kind: the type it is, and its fields with how each is written and read.
_KINDS: dict[str, tuple[type[Event], tuple[_Field, ...]]] = {
    name: (kind, _fields(kind)) for name, kind in _NAMES.items()
}

_BY_TYPE: dict[type[Event], tuple[str, tuple[_Field, ...]]] = {
    kind: (name, fields) for name, (kind, fields) in _KINDS.items()
}

#: The event kinds this version writes and reads, each with its event type.
EVENT_KINDS: dict[str, type[Event]] = dict(_NAMES)


def event_to_data(event: Event) -> Data:
    """Write ``event`` (any of :data:`EVENT_KINDS`) as versioned, JSON-safe plain data."""
    found = _BY_TYPE.get(type(event))
    if found is None:
        raise InvalidType(event, expected="one of the event kinds (EVENT_KINDS)", field="event")
    name, fields = found
    data: Data = {"kind": name, "schema": EVENT_SCHEMA}
    for field, write, _ in fields:
        written = write(getattr(event, field))
        if written is not None:
            data[field] = written
    return data


def event_from_data(data: object) -> Event:
    """Read an event written by :func:`event_to_data` (this or an earlier schema version)."""
    root = _Reader(data)
    kind = root.child("kind")
    name = kind.text()
    if name not in _KINDS:
        raise kind.fail(f"unknown event kind {excerpt(name)}; expected one of {sorted(_KINDS)}")
    schema = root.child("schema")
    version = _whole(schema)
    if version != EVENT_SCHEMA:
        raise schema.fail(
            f"this reader knows schema {EVENT_SCHEMA} of {name!r}, got {excerpt(version)}; "
            "read it with the ordercore version that wrote it, or a later one"
        )
    make, fields = _KINDS[name]
    root.check_keys({"kind", "schema", *(field for field, _, _ in fields)})
    values: dict[str, Any] = {}
    for field, _, read in fields:
        values[field] = read(root.child(field), values)
    return _build(root, lambda: make(**values))
