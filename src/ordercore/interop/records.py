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
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from ordercore.documents.bills import DraftBill, IssuedBill, VoidedBill
from ordercore.documents.credit_notes import (
    CreditBase,
    CreditBasis,
    CreditByAmount,
    CreditByLines,
    CreditedAmount,
    CreditedLine,
    CreditInFull,
    CustomerCreditNote,
    StandaloneCredit,
    SupplierCreditNote,
)
from ordercore.documents.invoices import DraftInvoice, IssuedInvoice, VoidedInvoice
from ordercore.documents.ordering import (
    Deduction,
    LineProgress,
    TakenFromOrder,
    TakenLine,
    TaxSum,
    TaxTally,
    UntaxedSum,
)
from ordercore.documents.purchase_orders import PurchaseLine, PurchaseOrder
from ordercore.documents.quotes import (
    AcceptedQuote,
    DeclinedQuote,
    DraftQuote,
    ExpiredQuote,
    QuoteContent,
    QuoteLine,
    SentQuote,
)
from ordercore.documents.sales_orders import (
    DownPaymentBase,
    DownPaymentPart,
    DownPaymentRecord,
    InvoicingPolicy,
    OrderLine,
    SalesOrder,
)
from ordercore.errors import (
    AllocationReversed,
    CurrencyMismatch,
    DuplicateLineKey,
    DuplicateOpenItem,
    DuplicatePayment,
    InstallmentsDoNotPay,
    InstallmentsOutOfDates,
    InvalidData,
    InvalidType,
    OrdercoreError,
    OtherPartyInAccount,
    UnknownAllocation,
    excerpt,
)
from ordercore.interop.plain import (
    Data,
    _DocumentReader,
    _line_to_data,
    _names_of_taxes,
    _number,
    _policy_to_data,
    _Reader,
    _rounding_mode,
    _tax_names,
    _tax_to_data,
    document_from_data,
    document_to_data,
    priced_from_data,
    priced_to_data,
)
from ordercore.money.amount import ExchangeRate, Money
from ordercore.money.currency import get_currency
from ordercore.money.decimals import to_decimal
from ordercore.pricing.document import Allowance, Charge
from ordercore.pricing.lines import Line
from ordercore.pricing.taxes import Tax
from ordercore.settlement.accounts import Account
from ordercore.settlement.entries import Allocation, CreditRefunded, DiscountTaken, WriteOff
from ordercore.settlement.ledger import Ledger
from ordercore.settlement.open_items import Direction, DocumentKind, DocumentRef, OpenItem
from ordercore.settlement.payments import Payment, PaymentKind
from ordercore.settlement.terms import ScheduledInstallment
from ordercore.subscriptions.proration import check_factor
from ordercore.subscriptions.runs import DuePlan, Planned
from ordercore.subscriptions.schedules import (
    Alignment,
    DayCount,
    Interval,
    IntervalUnit,
    Period,
    Schedule,
    StubPolicy,
    Timing,
)
from ordercore.subscriptions.subscription import (
    BilledPeriod,
    BillingRecord,
    Entry,
    ItemVersion,
    LineRole,
    Pause,
    ProratedLine,
    Subscription,
)
from ordercore.subscriptions.usage import (
    Aggregation,
    GraduatedPercentage,
    GraduatedTiers,
    Meter,
    Package,
    Percentage,
    PercentTier,
    PerUnit,
    Tier,
    UsageModel,
    VolumeTiers,
)

__all__ = [
    "RECORD_KINDS",
    "RECORD_SCHEMA",
    "record_from_data",
    "record_to_data",
]

#: The schema version every record kind is written with today.
RECORD_SCHEMA = 1

T = TypeVar("T")
L = TypeVar("L", bound=LineProgress)
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


def _build(
    reader: _Reader, make: Callable[[], T], fields: Mapping[type[Exception], str] | None = None
) -> T:
    """Run a constructor; report an ordercore error at the path of the field it names.

    An error names its field with a ``field`` attribute, or by its type in ``fields``
    (error type -> key); any other is reported at this reader's path.
    """
    try:
        return make()
    except InvalidData:
        raise
    except OrdercoreError as error:
        field = getattr(error, "field", None)
        if not isinstance(field, str) and fields is not None:
            field = next((key for kind, key in fields.items() if isinstance(error, kind)), None)
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


def _keys_to_data(record: object) -> Data:
    """The keys of a document's lines, when it carries any (a record without reads as none)."""
    keys: tuple[str | None, ...] = getattr(record, "line_keys", ())
    return {"line_keys": list(keys)} if keys else {}


def _read_keys(reader: _Reader) -> tuple[str | None, ...]:
    return tuple(item.optional_text() for item in reader.items())


#: The errors about a document's line keys that name no field of their own.
_KEY_ERRORS: dict[type[Exception], str] = {DuplicateLineKey: "line_keys"}


def _draft_to_data(
    draft: DraftInvoice | DraftBill | VoidedInvoice | VoidedBill, side: _Side
) -> Data:
    return {
        "id": draft.id,
        "version": draft.version,
        **_references(draft, side),
        "content": document_to_data(draft.content),
        **_keys_to_data(draft),
    }


def _voided_to_data(voided: VoidedInvoice | VoidedBill, side: _Side) -> Data:
    return _draft_to_data(voided, side) | {"reason": voided.reason}


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
    data.update(_keys_to_data(issued))
    return data


def _draft_reader(
    make: type[DraftInvoice] | type[DraftBill], side: _Side
) -> Callable[[_Reader], object]:
    def read(reader: _Reader) -> object:
        reader.check_keys(
            {"kind", "schema", "id", "version", "content", "line_keys", side[1], side[2]}
        )
        id_ = reader.child("id").text()
        version = _whole(reader.child("version"))
        references = _read_references(reader, side)
        content = _nested(reader.child("content"), document_from_data)
        keys = _read_keys(reader.child("line_keys"))
        return _build(
            reader,
            lambda: make(id=id_, version=version, content=content, line_keys=keys, **references),
            _KEY_ERRORS,
        )

    return read


def _voided_reader(
    make: type[VoidedInvoice] | type[VoidedBill], side: _Side
) -> Callable[[_Reader], object]:
    def read(reader: _Reader) -> object:
        reader.check_keys(
            {"kind", "schema", "id", "version", "content", "reason", "line_keys", side[1], side[2]}
        )
        id_ = reader.child("id").text()
        version = _whole(reader.child("version"))
        references = _read_references(reader, side)
        content = _nested(reader.child("content"), document_from_data)
        reason = reader.child("reason").text()
        keys = _read_keys(reader.child("line_keys"))
        return _build(
            reader,
            lambda: make(
                id=id_,
                version=version,
                content=content,
                reason=reason,
                line_keys=keys,
                **references,
            ),
            _KEY_ERRORS,
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
                "line_keys",
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
        keys = _read_keys(reader.child("line_keys"))
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
                line_keys=keys,
                **references,
            ),
            _INSTALLMENT_ERRORS | _KEY_ERRORS,
        )

    return read


#: The errors of an issued document's constructor that are about its installments.
_INSTALLMENT_ERRORS: dict[type[Exception], str] = {
    InstallmentsDoNotPay: "installments",
    InstallmentsOutOfDates: "installments",
    CurrencyMismatch: "installments",
}


# -- taxes and tallies -------------------------------------------------------------------


def _tax(reader: _Reader, currency: str) -> Tax:
    if isinstance(reader.value, str):
        raise reader.fail("expected a tax written in full (an object), got a string")
    taxes = _DocumentReader(None)
    taxes.currency = currency
    return taxes.tax(reader.required())


def _taxes_to_data(taxes: tuple[Tax, ...]) -> list[Data]:
    return [_tax_to_data(tax) for tax in taxes]


def _taxes(reader: _Reader, currency: str) -> list[Tax]:
    return [_tax(tax, currency) for tax in reader.items()]


def _tally_to_data(tally: TaxTally) -> Data:
    return {
        "untaxed": [
            {"taxes": _taxes_to_data(entry.taxes), "amount": _number(entry.amount.amount)}
            for entry in tally.untaxed
        ],
        "taxes": [
            {"tax": _tax_to_data(row.tax), "amount": _number(row.amount.amount)}
            for row in tally.taxes
        ],
    }


def _decimal(reader: _Reader, field: str) -> Decimal:
    number = reader.number()
    return _build(reader, lambda: to_decimal(number, field=field))


def _untaxed_sum(reader: _Reader, currency: str) -> UntaxedSum:
    reader.check_keys({"taxes", "amount"})
    taxes = _taxes(reader.child("taxes"), currency)
    amount = _money(reader.child("amount"), currency)
    return _build(reader, lambda: UntaxedSum(taxes=taxes, amount=amount))


def _tax_sum(reader: _Reader, currency: str) -> TaxSum:
    reader.check_keys({"tax", "amount"})
    tax = _tax(reader.child("tax"), currency)
    amount = _money(reader.child("amount"), currency)
    return _build(reader, lambda: TaxSum(tax=tax, amount=amount))


def _tally(reader: _Reader, currency: str) -> TaxTally:
    reader.check_keys({"untaxed", "taxes"})
    untaxed = [_untaxed_sum(entry, currency) for entry in reader.child("untaxed").items()]
    rows = [_tax_sum(row, currency) for row in reader.child("taxes").items()]
    return _build(reader, lambda: TaxTally(untaxed=untaxed, taxes=rows))


# -- orders: lines, what documents took, down payments -----------------------------------

_PROGRESS = ("ordered", "fulfilled", "billed", "cancelled")


def _progress_to_data(line: LineProgress) -> Data:
    data: Data = {"description": line.description}
    if line.key is not None:
        data["key"] = line.key
    data |= {name: _number(getattr(line, name)) for name in _PROGRESS}
    data["amount"] = _number(line.amount.amount)
    data["taken"] = _number(line.taken.amount)
    if isinstance(line, OrderLine):
        data["policy"] = line.policy.value
    return data


def _progress(reader: _Reader, currency: str, make: type[L]) -> L:
    keys = {"description", "key", "amount", "taken", *_PROGRESS}
    extra: dict[str, object] = {}
    if make is OrderLine:
        keys.add("policy")
        extra["policy"] = reader.child("policy").required().choice(InvoicingPolicy, None)
    reader.check_keys(keys)
    description = reader.child("description").text()
    key = reader.child("key").optional_text()
    numbers = {name: _decimal(reader.child(name), name) for name in _PROGRESS}
    amount = _money(reader.child("amount"), currency)
    taken = _money(reader.child("taken"), currency)
    return _build(
        reader,
        lambda: make(
            description=description, key=key, amount=amount, taken=taken, **numbers, **extra
        ),
    )


def _taken_to_data(taken: TakenFromOrder) -> Data:
    data: Data = {
        "document_id": taken.document_id,
        "lines": [
            {"index": line.index}
            | ({"key": line.key} if line.key is not None else {})
            | {"quantity": _number(line.quantity), "amount": _number(line.amount.amount)}
            for line in taken.lines
        ],
        "adjustments": [_number(amount.amount) for amount in taken.adjustments],
        "deductions": [
            {
                "down_payment": deduction.down_payment,
                "part": deduction.part,
                "amount": _number(deduction.amount.amount),
            }
            for deduction in taken.deductions
        ],
        "total": _number(taken.total.amount),
        "tally": _tally_to_data(taken.tally),
    }
    if taken.down_payment:
        data["down_payment"] = True
    if taken.credit_notes:
        data["credit_notes"] = list(taken.credit_notes)
    return data


def _taken_line(reader: _Reader, currency: str) -> TakenLine:
    reader.check_keys({"index", "key", "quantity", "amount"})
    index = _whole(reader.child("index"))
    key = reader.child("key").optional_text()
    quantity = _decimal(reader.child("quantity"), "quantity")
    amount = _money(reader.child("amount"), currency)
    return _build(reader, lambda: TakenLine(index=index, key=key, quantity=quantity, amount=amount))


def _deduction(reader: _Reader, currency: str) -> Deduction:
    reader.check_keys({"down_payment", "part", "amount"})
    down_payment = reader.child("down_payment").text()
    part = _whole(reader.child("part"))
    amount = _money(reader.child("amount"), currency)
    return _build(reader, lambda: Deduction(down_payment=down_payment, part=part, amount=amount))


def _taken(reader: _Reader, currency: str) -> TakenFromOrder:
    reader.check_keys(
        {
            "document_id",
            "lines",
            "adjustments",
            "deductions",
            "total",
            "tally",
            "down_payment",
            "credit_notes",
        }
    )
    document_id = reader.child("document_id").text()
    lines = [_taken_line(line, currency) for line in reader.child("lines").items()]
    adjustments = [_money(a, currency) for a in reader.child("adjustments").items()]
    deductions = [_deduction(d, currency) for d in reader.child("deductions").items()]
    total = _money(reader.child("total"), currency)
    tally = _tally(reader.child("tally").required(), currency)
    down_payment = reader.child("down_payment").boolean(default=False)
    credit_notes = [note.text() for note in reader.child("credit_notes").items()]
    return _build(
        reader,
        lambda: TakenFromOrder(
            document_id=document_id,
            lines=lines,
            adjustments=adjustments,
            deductions=deductions,
            total=total,
            tally=tally,
            down_payment=down_payment,
            credit_notes=credit_notes,
        ),
    )


def _down_payment_to_data(record: DownPaymentRecord) -> Data:
    return {
        "invoice_id": record.invoice_id,
        "description": record.description,
        "base": record.base.value,
        "amount": _number(record.amount.amount),
        "total": _number(record.total.amount),
        "parts": [
            {
                "taxes": _taxes_to_data(part.taxes),
                "amount": _number(part.amount.amount),
                "deducted": _number(part.deducted.amount),
            }
            for part in record.parts
        ],
    }


def _down_payment_part(reader: _Reader, currency: str) -> DownPaymentPart:
    reader.check_keys({"taxes", "amount", "deducted"})
    taxes = _taxes(reader.child("taxes"), currency)
    amount = _money(reader.child("amount"), currency)
    deducted = _money(reader.child("deducted"), currency)
    return _build(reader, lambda: DownPaymentPart(taxes=taxes, amount=amount, deducted=deducted))


def _down_payment(reader: _Reader, currency: str) -> DownPaymentRecord:
    reader.check_keys({"invoice_id", "description", "base", "amount", "total", "parts"})
    invoice_id = reader.child("invoice_id").text()
    description = reader.child("description").text()
    base = reader.child("base").required().choice(DownPaymentBase, DownPaymentBase.TOTAL)
    amount = _money(reader.child("amount"), currency)
    total = _money(reader.child("total"), currency)
    parts = [_down_payment_part(p, currency) for p in reader.child("parts").items()]
    return _build(
        reader,
        lambda: DownPaymentRecord(
            invoice_id=invoice_id,
            description=description,
            base=base,
            amount=amount,
            total=total,
            parts=parts,
        ),
    )


_OrderSide = tuple[str, str, str]  # the party field, the field of what was made, its line type


def _order_to_data(order: SalesOrder | PurchaseOrder) -> Data:
    sales = isinstance(order, SalesOrder)
    party, made = ("customer", "invoices") if sales else ("supplier", "bills")
    data: Data = {
        "id": order.id,
        "version": order.version,
        "number": order.number,
        party: getattr(order, party),
        "priced": priced_to_data(order.priced),
        "lines": [_progress_to_data(line) for line in order.lines],
        "adjustments": [_number(amount.amount) for amount in order.adjustments],
    }
    if isinstance(order, SalesOrder):
        data["down_payments"] = [_down_payment_to_data(r) for r in order.down_payments]
    data[made] = [_taken_to_data(taken) for taken in getattr(order, made)]
    data["billed"] = _number(order.billed.amount)
    data["billed_by_tax"] = _tally_to_data(order.billed_by_tax)
    return data


def _order_reader(make: type[SalesOrder] | type[PurchaseOrder]) -> Callable[[_Reader], object]:
    sales = make is SalesOrder
    party, made = ("customer", "invoices") if sales else ("supplier", "bills")
    line_type: type[LineProgress] = OrderLine if sales else PurchaseLine

    def read(reader: _Reader) -> object:
        keys = {"kind", "schema", "id", "version", "number", party, "priced", "lines"}
        keys |= {"adjustments", made, "billed", "billed_by_tax"}
        if sales:
            keys.add("down_payments")
        reader.check_keys(keys)
        id_ = reader.child("id").text()
        version = _whole(reader.child("version"))
        number = reader.child("number").text()
        party_id = reader.child(party).text()
        priced = _nested(reader.child("priced"), priced_from_data)
        currency = priced.currency.code
        lines = [_progress(line, currency, line_type) for line in reader.child("lines").items()]
        adjustments = [_money(a, currency) for a in reader.child("adjustments").items()]
        extra: dict[str, object] = {
            party: party_id,
            made: [_taken(taken, currency) for taken in reader.child(made).items()],
        }
        if sales:
            extra["down_payments"] = [
                _down_payment(record, currency) for record in reader.child("down_payments").items()
            ]
        billed = _money(reader.child("billed"), currency)
        tally = _tally(reader.child("billed_by_tax").required(), currency)
        return _build(
            reader,
            lambda: make(
                id=id_,
                version=version,
                number=number,
                priced=priced,
                lines=lines,
                adjustments=adjustments,
                billed=billed,
                billed_by_tax=tally,
                **extra,
            ),
        )

    return read


# -- quotes ------------------------------------------------------------------------------


def _quote_content_to_data(content: QuoteContent) -> Data:
    document = content.document()
    taxes = _tax_names(document)
    written = document_to_data(document)
    data: Data = {
        "currency": content.currency,
        "policy": written["policy"],
        "taxes": written["taxes"],
        "lines": [
            {"key": line.key}
            | ({"group": line.group} if line.group is not None else {})
            | {"line": _line_to_data(line.line, taxes)}
            for line in content.lines
        ],
    }
    for name in ("allowances", "charges"):
        if name in written:
            data[name] = written[name]
    return data


def _quote_content(reader: _Reader) -> QuoteContent:
    reader.check_keys({"currency", "policy", "taxes", "lines", "allowances", "charges"})
    document = _DocumentReader(None)
    document.root = reader
    currency = reader.child("currency")
    document.currency = _build(currency, lambda: get_currency(currency.text()).code)
    taxes = reader.child("taxes")
    if taxes.value is not None:
        for name in taxes.mapping():
            document.taxes[name] = document.tax(taxes.child(name))
    policy = document.policy(reader.child("policy"))
    lines = []
    for entry in reader.child("lines").required().items():
        entry.check_keys({"key", "group", "line"})
        key = entry.child("key").text()
        group = entry.child("group").optional_text()
        line = document.line(entry.child("line").required())
        lines.append(_quote_line(entry, key, line, group))
    allowances = [document.adjustment(a, Allowance) for a in reader.child("allowances").items()]
    charges = [document.adjustment(c, Charge) for c in reader.child("charges").items()]
    return _build(
        reader,
        lambda: QuoteContent(
            currency=document.currency,
            lines=lines,
            allowances=allowances,
            charges=charges,
            policy=policy,
        ),
    )


def _quote_line(reader: _Reader, key: str, line: Line, group: str | None) -> QuoteLine:
    return _build(reader, lambda: QuoteLine(key=key, line=line, group=group))


_Quote = DraftQuote | SentQuote | AcceptedQuote | DeclinedQuote | ExpiredQuote


def _quote_to_data(quote: _Quote) -> Data:
    return {
        "id": quote.id,
        "version": quote.version,
        "customer": quote.customer,
        "valid_until": quote.valid_until.isoformat(),
        "content": _quote_content_to_data(quote.content),
    }


def _quote_reader(make: type[_Quote]) -> Callable[[_Reader], object]:
    def read(reader: _Reader) -> object:
        reader.check_keys({"kind", "schema", "id", "version", "customer", "valid_until", "content"})
        id_ = reader.child("id").text()
        version = _whole(reader.child("version"))
        customer = reader.child("customer").text()
        valid_until = _date(reader.child("valid_until"))
        content = _quote_content(reader.child("content").required())
        return _build(
            reader,
            lambda: make(
                id=id_, version=version, customer=customer, valid_until=valid_until, content=content
            ),
        )

    return read


# -- credit notes ------------------------------------------------------------------------


def _credited_to_data(lines: tuple[CreditedLine, ...]) -> list[Data]:
    return [
        {
            "index": line.index,
            "quantity": _number(line.quantity),
            "amount": _number(line.amount.amount),
            **({"key": line.key} if line.key is not None else {}),
        }
        for line in lines
    ]


def _basis_to_data(basis: CreditBasis) -> Data:
    if isinstance(basis, CreditByLines | CreditInFull):
        name = "lines" if isinstance(basis, CreditByLines) else "in_full"
        return {"type": name, "invoice": basis.invoice, "lines": _credited_to_data(basis.lines)}
    if isinstance(basis, CreditByAmount):
        return {
            "type": "amount",
            "invoice": basis.invoice,
            "amount": _number(basis.stated.amount.amount),
            "base": basis.stated.base.value,
        }
    return {
        "type": "standalone",
        "amount": _number(basis.amount.amount),
        "tax": _tax_to_data(basis.tax),
    }


def _credited_line(reader: _Reader, currency: str) -> CreditedLine:
    reader.check_keys({"index", "quantity", "amount", "key"})
    index = _whole(reader.child("index"))
    quantity = _decimal(reader.child("quantity"), "quantity")
    amount = _money(reader.child("amount"), currency)
    key = reader.child("key").optional_text()
    return _build(
        reader, lambda: CreditedLine(index=index, quantity=quantity, amount=amount, key=key)
    )


_BASES = ("lines", "in_full", "amount", "standalone")


def _basis(reader: _Reader, currency: str) -> CreditBasis:
    kind = reader.child("type")
    name = kind.text()
    if name not in _BASES:
        raise kind.fail(f"expected one of {list(_BASES)}, got {excerpt(name)}")
    if name in ("lines", "in_full"):
        reader.check_keys({"type", "invoice", "lines"})
        invoice = reader.child("invoice").text()
        lines = [_credited_line(line, currency) for line in reader.child("lines").items()]
        make = CreditByLines if name == "lines" else CreditInFull
        return _build(reader, lambda: make(invoice=invoice, lines=lines))
    if name == "amount":
        reader.check_keys({"type", "invoice", "amount", "base"})
        invoice = reader.child("invoice").text()
        amount = _money(reader.child("amount"), currency)
        base = reader.child("base").required().choice(CreditBase, CreditBase.TOTAL)
        stated = _build(reader, lambda: CreditedAmount(amount=amount, base=base))
        return _build(reader, lambda: CreditByAmount(invoice=invoice, stated=stated))
    reader.check_keys({"type", "amount", "tax"})
    amount = _money(reader.child("amount"), currency)
    tax = _tax(reader.child("tax"), currency)
    return _build(reader, lambda: StandaloneCredit(amount=amount, tax=tax))


def _credit_note_to_data(note: CustomerCreditNote | SupplierCreditNote) -> Data:
    party = "customer" if isinstance(note, CustomerCreditNote) else "supplier"
    return {
        "id": note.id,
        "number": note.number,
        party: note.party,
        "issue_date": note.issue_date.isoformat(),
        "reason": note.reason,
        "basis": _basis_to_data(note.basis),
        "priced": priced_to_data(note.priced),
    }


def _credit_note_reader(
    make: type[CustomerCreditNote] | type[SupplierCreditNote],
) -> Callable[[_Reader], object]:
    party = "customer" if make is CustomerCreditNote else "supplier"

    def read(reader: _Reader) -> object:
        reader.check_keys(
            {"kind", "schema", "id", "number", party, "issue_date", "reason", "basis", "priced"}
        )
        id_ = reader.child("id").text()
        number = reader.child("number").text()
        party_id = reader.child(party).text()
        issue_date = _date(reader.child("issue_date"))
        reason = reader.child("reason").text()
        priced = _nested(reader.child("priced"), priced_from_data)
        basis = _basis(reader.child("basis").required(), priced.currency.code)
        return _build(
            reader,
            lambda: make(
                id=id_,
                number=number,
                issue_date=issue_date,
                reason=reason,
                priced=priced,
                basis=basis,
                **{party: party_id},
            ),
        )

    return read


# -- settlement: payments and open items -------------------------------------------------


def _payment_to_data(payment: Payment) -> Data:
    return {
        "payment_kind": payment.kind.value,
        "currency": payment.amount.currency.code,
        "amount": _number(payment.amount.amount),
        "date": payment.date.isoformat(),
        "reference": payment.reference,
        "method": payment.method,
        "party": payment.party,
        "idempotency_key": payment.idempotency_key,
    }


def _currency(reader: _Reader) -> str:
    return _build(reader, lambda: str(get_currency(reader.text()).code))


def _read_payment(reader: _Reader) -> object:
    texts = ("reference", "method", "party", "idempotency_key")
    reader.check_keys({"kind", "schema", "payment_kind", "currency", "amount", "date", *texts})
    kind = reader.child("payment_kind").required().choice(PaymentKind, PaymentKind.RECEIVED)
    amount = _money(reader.child("amount"), _currency(reader.child("currency")))
    date = _date(reader.child("date"))
    values = {name: reader.child(name).text() for name in texts}
    return _build(reader, lambda: Payment(kind=kind, amount=amount, date=date, **values))


def _ref_to_data(ref: DocumentRef) -> Data:
    return {"kind": ref.kind.value, "number": ref.number, "direction": ref.direction.value}


def _ref(reader: _Reader) -> DocumentRef:
    reader.check_keys({"kind", "number", "direction"})
    kind = reader.child("kind").required().choice(DocumentKind, DocumentKind.INVOICE)
    number = reader.child("number").text()
    direction = reader.child("direction").required().choice(Direction, Direction.RECEIVABLE)
    return _build(reader, lambda: DocumentRef(kind=kind, number=number, direction=direction))


def _open_item_to_data(item: OpenItem) -> Data:
    data: Data = {
        "document": _ref_to_data(item.document),
        "party": item.party,
        "currency": item.amount.currency.code,
        "amount": _number(item.amount.amount),
        "issue_date": item.issue_date.isoformat(),
        "installments": [_installment_to_data(i) for i in item.installments],
    }
    if item.against is not None:
        data["against"] = _ref_to_data(item.against)
    return data


def _read_open_item(reader: _Reader) -> object:
    reader.check_keys(
        {"kind", "schema", "document", "party", "currency", "amount", "issue_date"}
        | {"installments", "against"}
    )
    document = _ref(reader.child("document").required())
    party = reader.child("party").text()
    currency = _currency(reader.child("currency"))
    amount = _money(reader.child("amount"), currency)
    issue_date = _date(reader.child("issue_date"))
    installments = [_installment(i, currency) for i in reader.child("installments").items()]
    against_reader = reader.child("against")
    against = None if against_reader.value is None else _ref(against_reader)
    return _build(
        reader,
        lambda: OpenItem(
            document=document,
            party=party,
            amount=amount,
            issue_date=issue_date,
            installments=installments,
            against=against,
        ),
    )


# -- settlement entries: allocations, write-offs, discounts taken, refunds ---------------


def _money_fields(money: Money) -> Data:
    return {"currency": money.currency.code, "amount": _number(money.amount)}


def _read_money_fields(reader: _Reader) -> Money:
    return _money(reader.child("amount"), _currency(reader.child("currency")))


def _rate_to_data(rate: ExchangeRate) -> Data:
    return {
        "base": rate.base.code,
        "quote": rate.quote.code,
        "rate": _number(rate.rate),
        "source": rate.source,
        "date": rate.date.isoformat(),
    }


def _rate(reader: _Reader) -> ExchangeRate:
    reader.check_keys({"base", "quote", "rate", "source", "date"})
    base = _currency(reader.child("base"))
    quote = _currency(reader.child("quote"))
    rate = _decimal(reader.child("rate"), "rate")
    source = reader.child("source").text()
    date = _date(reader.child("date"))
    return _build(
        reader, lambda: ExchangeRate(base=base, quote=quote, rate=rate, source=source, date=date)
    )


def _allocation_to_data(entry: Allocation) -> Data:
    source = entry.source
    data: Data = {
        "number": entry.number,
        "source": source if isinstance(source, str) else _ref_to_data(source),
        "item": _ref_to_data(entry.item),
        **_money_fields(entry.amount),
    }
    if entry.taken is not None:
        data["taken"] = _money_fields(entry.taken)
    if entry.rate is not None:
        data["rate"] = _rate_to_data(entry.rate)
    if entry.date is not None:
        data["date"] = entry.date.isoformat()
    return data


def _money_object(reader: _Reader) -> Money:
    reader.check_keys({"currency", "amount"})
    return _read_money_fields(reader)


def _read_allocation(reader: _Reader) -> object:
    keys = {
        *("kind", "schema", "number", "source", "item", "currency", "amount", "taken", "rate"),
        "date",
    }
    reader.check_keys(keys)
    number = _whole(reader.child("number"))
    source_reader = reader.child("source").required()
    source: str | DocumentRef = (
        source_reader.text() if isinstance(source_reader.value, str) else _ref(source_reader)
    )
    item = _ref(reader.child("item").required())
    amount = _read_money_fields(reader)
    taken_reader = reader.child("taken")
    taken = None if taken_reader.value is None else _money_object(taken_reader)
    rate_reader = reader.child("rate")
    rate = None if rate_reader.value is None else _rate(rate_reader)
    date_reader = reader.child("date")
    date = None if date_reader.value is None else _date(date_reader)
    return _build(
        reader,
        lambda: Allocation(
            number=number,
            source=source,
            item=item,
            amount=amount,
            taken=taken,
            rate=rate,
            date=date,
        ),
    )


def _write_off_to_data(entry: WriteOff) -> Data:
    return {
        "number": entry.number,
        "item": _ref_to_data(entry.item),
        **_money_fields(entry.amount),
        "reason": entry.reason,
        "date": entry.date.isoformat(),
    }


def _read_write_off(reader: _Reader) -> object:
    reader.check_keys({"kind", "schema", "number", "item", "currency", "amount", "reason", "date"})
    number = _whole(reader.child("number"))
    item = _ref(reader.child("item").required())
    amount = _read_money_fields(reader)
    reason = reader.child("reason").text()
    date = _date(reader.child("date"))
    return _build(
        reader,
        lambda: WriteOff(number=number, item=item, amount=amount, reason=reason, date=date),
    )


def _discount_taken_to_data(entry: DiscountTaken) -> Data:
    return {
        "number": entry.number,
        "item": _ref_to_data(entry.item),
        **_money_fields(entry.amount),
        "date": entry.date.isoformat(),
    }


def _read_discount_taken(reader: _Reader) -> object:
    reader.check_keys({"kind", "schema", "number", "item", "currency", "amount", "date"})
    number = _whole(reader.child("number"))
    item = _ref(reader.child("item").required())
    amount = _read_money_fields(reader)
    date = _date(reader.child("date"))
    return _build(reader, lambda: DiscountTaken(number=number, item=item, amount=amount, date=date))


def _credit_refunded_to_data(entry: CreditRefunded) -> Data:
    data: Data = {
        "number": entry.number,
        "refund": entry.refund,
        "payment": entry.payment,
        **_money_fields(entry.amount),
    }
    if entry.date is not None:
        data["date"] = entry.date.isoformat()
    return data


def _read_credit_refunded(reader: _Reader) -> object:
    reader.check_keys(
        {"kind", "schema", "number", "refund", "payment", "currency", "amount", "date"}
    )
    number = _whole(reader.child("number"))
    refund = reader.child("refund").text()
    payment = reader.child("payment").text()
    amount = _read_money_fields(reader)
    date_reader = reader.child("date")
    date = None if date_reader.value is None else _date(date_reader)
    return _build(
        reader,
        lambda: CreditRefunded(
            number=number, refund=refund, payment=payment, amount=amount, date=date
        ),
    )


# -- settlement: a ledger's facts, and the account that keeps them ----------------------

#: The record kinds of a ledger's entries, which an entry inside a ledger names.
_ENTRY_KINDS = ("allocation", "write_off", "discount_taken", "credit_refunded")

#: The errors of rebuilding a ledger, by the field of its facts they are about.
_LEDGER_ERRORS: dict[type[Exception], str] = {
    UnknownAllocation: "reversed",
    AllocationReversed: "reversed",
    DuplicateOpenItem: "items",
    DuplicatePayment: "payments",
    OrdercoreError: "entries",  # what is left is about an entry (it names its number)
}


def _ledger_facts_to_data(ledger: Ledger) -> Data:
    entries = []
    for entry in ledger.entries:
        name, write = _BY_TYPE[type(entry)]
        entries.append({"kind": name, **write(entry)})
    return {
        "items": [_open_item_to_data(item) for item in ledger.items],
        "payments": [_payment_to_data(payment) for payment in ledger.payments],
        "entries": entries,
        "reversed": sorted(ledger.reversed),
    }


def _entry(reader: _Reader) -> object:
    kind = reader.child("kind")
    name = kind.text()
    if name not in _ENTRY_KINDS:
        raise kind.fail(f"expected one of {list(_ENTRY_KINDS)}, got {excerpt(name)}")
    return _KINDS[name][2](reader)


def _ledger_facts(reader: _Reader, keys: set[str]) -> Ledger:
    reader.check_keys({"items", "payments", "entries", "reversed"} | keys)
    # each reader returns the object it read (typed ``object``: checked by from_facts)
    items: list[Any] = [_read_open_item(i.required()) for i in reader.child("items").items()]
    payments: list[Any] = [_read_payment(p.required()) for p in reader.child("payments").items()]
    entries: list[Any] = [_entry(e.required()) for e in reader.child("entries").items()]
    reversed_ = [_whole(number) for number in reader.child("reversed").items()]
    return _build(
        reader,
        lambda: Ledger.from_facts(
            items=items, payments=payments, entries=entries, reversed=reversed_
        ),
        _LEDGER_ERRORS,
    )


def _read_ledger(reader: _Reader) -> object:
    return _ledger_facts(reader, {"kind", "schema"})


def _account_to_data(account: Account) -> Data:
    return {
        "id": account.id,
        "version": account.version,
        "party": account.party,
        "ledger": _ledger_facts_to_data(account.ledger),
    }


def _read_account(reader: _Reader) -> object:
    reader.check_keys({"kind", "schema", "id", "version", "party", "ledger"})
    id_ = reader.child("id").text()
    version = _whole(reader.child("version"))
    party = reader.child("party").text()
    ledger = _ledger_facts(reader.child("ledger").required(), set())
    return _build(
        reader,
        lambda: Account(id=id_, party=party, ledger=ledger, version=version),
        {OtherPartyInAccount: "ledger"},
    )


# -- subscriptions -----------------------------------------------------------------------

_FRACTION = re.compile(r"\d{1,7}(/\d{1,7})?")


def _fraction_to_data(value: Fraction) -> str:
    return str(value)


def _factor(reader: _Reader) -> Fraction:
    """A proration factor written exactly, ``"22/31"`` (or ``"1"``, ``"0"``)."""
    text = reader.text()
    if not _FRACTION.fullmatch(text):
        raise reader.fail(
            f"expected a fraction written 'numerator/denominator', such as '22/31', got "
            f"{excerpt(text)}"
        )
    try:
        value = Fraction(text)
    except ZeroDivisionError:
        raise reader.fail("a fraction's denominator is not 0") from None
    return reader.build(lambda: check_factor(value))


def _made(reader: _Reader, make: Callable[[], T], renames: Mapping[str, str] | None = None) -> T:
    """Run a constructor; report an ordercore error at the path of the field it names.

    The field may be a path of its own (``meters[0].key``); ``renames`` maps a field the
    constructor names to the one the data holds.
    """
    try:
        return make()
    except InvalidData:
        raise
    except OrdercoreError as error:
        field = getattr(error, "field", None)
        path = reader.path
        if isinstance(field, str) and field:
            field = (renames or {}).get(field, field)
            path = f"{path}.{field}" if path else field
        raise InvalidData(path, str(error)) from None


def _period_to_data(period: Period) -> Data:
    return {
        "index": period.index,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def _period(reader: _Reader, keys: set[str] | None = None) -> Period:
    if keys is None:
        reader.check_keys({"index", "start", "end"})
    index = _whole(reader.child("index"))
    start = _date(reader.child("start"))
    end = _date(reader.child("end"))
    return _made(reader, lambda: Period(index=index, start=start, end=end))


def _schedule_to_data(schedule: Schedule) -> Data:
    data: Data = {
        "start": schedule.start.isoformat(),
        "interval": {"unit": schedule.interval.unit.value, "count": schedule.interval.count},
        "alignment": schedule.alignment.value,
        "timing": schedule.timing.value,
        "stub": schedule.stub.value,
        "day_count": schedule.day_count.value,
        "renews": schedule.renews,
    }
    if schedule.billing_day is not None:
        data["billing_day"] = schedule.billing_day
    if schedule.trial_end is not None:
        data["trial_end"] = schedule.trial_end.isoformat()
    if schedule.end is not None:
        data["end"] = schedule.end.isoformat()
    if schedule.term is not None:
        data["term"] = schedule.term
    return data


def _interval(reader: _Reader) -> Interval:
    reader.check_keys({"unit", "count"})
    unit = reader.child("unit").required().choice(IntervalUnit, IntervalUnit.MONTH)
    count = _whole(reader.child("count"))
    return reader.build(lambda: Interval(unit=unit, count=count))


def _optional_whole(reader: _Reader) -> int | None:
    return None if reader.value is None else _whole(reader)


def _schedule(reader: _Reader) -> Schedule:
    reader.check_keys(
        {"start", "interval", "alignment", "billing_day", "timing", "stub", "day_count"}
        | {"trial_end", "end", "term", "renews"}
    )
    start = _date(reader.child("start"))
    interval = _interval(reader.child("interval").required())
    alignment = reader.child("alignment").choice(Alignment, Alignment.ANNIVERSARY)
    billing_day = _optional_whole(reader.child("billing_day"))
    timing = reader.child("timing").choice(Timing, Timing.IN_ADVANCE)
    stub = reader.child("stub").choice(StubPolicy, StubPolicy.PRORATED)
    day_count = reader.child("day_count").choice(DayCount, DayCount.ACTUAL)
    trial_end = _optional_date(reader.child("trial_end"))
    end = _optional_date(reader.child("end"))
    term = _optional_whole(reader.child("term"))
    renews = reader.child("renews").boolean(default=True)
    return _made(
        reader,
        lambda: Schedule(
            start=start,
            interval=interval,
            alignment=alignment,
            billing_day=billing_day,
            timing=timing,
            stub=stub,
            day_count=day_count,
            trial_end=trial_end,
            end=end,
            term=term,
            renews=renews,
        ),
    )


#: The plain-data name of each usage charge model.
_MODELS: dict[type[UsageModel], str] = {
    PerUnit: "per_unit",
    GraduatedTiers: "graduated",
    VolumeTiers: "volume",
    Package: "package",
    Percentage: "percentage",
    GraduatedPercentage: "graduated_percentage",
}


def _tier_to_data(tier: Tier | PercentTier) -> Data:
    data: Data = {}
    if tier.up_to is not None:
        data["up_to"] = _number(tier.up_to)
    if isinstance(tier, Tier):
        data["unit_price"] = _number(tier.unit_price.amount)
    else:
        data["rate"] = _number(tier.rate)
    if tier.flat_fee is not None:
        data["flat_fee"] = _number(tier.flat_fee.amount)
    return data


def _model_to_data(model: UsageModel) -> Data:
    name = _MODELS.get(type(model))
    if name is None:
        raise InvalidType(
            model,
            expected=f"a usage charge model of ordercore's ({sorted(_MODELS.values())})",
            field="model",
        )
    data: Data = {"type": name}
    if isinstance(model, PerUnit):
        data["unit_price"] = _number(model.unit_price.amount)
    elif isinstance(model, GraduatedTiers | VolumeTiers | GraduatedPercentage):
        data["tiers"] = [_tier_to_data(tier) for tier in model.tiers]
    elif isinstance(model, Package):
        data |= {
            "size": _number(model.size),
            "price": _number(model.price.amount),
            "free_units": _number(model.free_units),
        }
    elif isinstance(model, Percentage):
        data["rate"] = _number(model.rate)
        if model.fixed_fee is not None:
            data["fixed_fee"] = _number(model.fixed_fee.amount)
        if model.free_transactions:
            data["free_transactions"] = model.free_transactions
        if model.free_amount is not None:
            data["free_amount"] = _number(model.free_amount.amount)
    for bound in ("minimum", "maximum"):
        value = getattr(model, bound)
        if value is not None:
            data[bound] = _number(value.amount)
    return data


def _tier(reader: _Reader, currency: str) -> Tier:
    reader.check_keys({"up_to", "unit_price", "flat_fee"})
    up_to = (
        None if reader.child("up_to").value is None else _decimal(reader.child("up_to"), "up_to")
    )
    unit_price = _money(reader.child("unit_price"), currency)
    flat_fee = _optional_money(reader.child("flat_fee"), currency)
    return _made(reader, lambda: Tier(up_to=up_to, unit_price=unit_price, flat_fee=flat_fee))


def _percent_tier(reader: _Reader, currency: str) -> PercentTier:
    reader.check_keys({"up_to", "rate", "flat_fee"})
    up_to = (
        None if reader.child("up_to").value is None else _decimal(reader.child("up_to"), "up_to")
    )
    rate = _decimal(reader.child("rate"), "rate")
    flat_fee = _optional_money(reader.child("flat_fee"), currency)
    return _made(reader, lambda: PercentTier(up_to=up_to, rate=rate, flat_fee=flat_fee))


#: The fields a tiered model's errors name that are fields of its tiers.
_TIER_FIELDS = {"unit_price": "tiers", "flat_fee": "tiers", "rate": "tiers"}


def _model(reader: _Reader, currency: str) -> UsageModel:
    kind = reader.child("type")
    name = kind.text()
    if name not in _MODELS.values():
        raise kind.fail(f"expected one of {sorted(_MODELS.values())}, got {excerpt(name)}")
    bounds = {
        bound: _optional_money(reader.child(bound), currency) for bound in ("minimum", "maximum")
    }
    common = {"type", "minimum", "maximum"}
    if name == "per_unit":
        reader.check_keys(common | {"unit_price"})
        unit_price = _money(reader.child("unit_price"), currency)
        return _made(reader, lambda: PerUnit(unit_price=unit_price, **bounds))
    if name in ("graduated", "volume"):
        reader.check_keys(common | {"tiers"})
        tiers = [_tier(tier, currency) for tier in reader.child("tiers").required().items()]
        make = GraduatedTiers if name == "graduated" else VolumeTiers
        return _made(reader, lambda: make(tiers=tiers, **bounds), _TIER_FIELDS)
    if name == "graduated_percentage":
        reader.check_keys(common | {"tiers"})
        rates = [_percent_tier(t, currency) for t in reader.child("tiers").required().items()]
        return _made(
            reader,
            lambda: GraduatedPercentage(currency=currency, tiers=rates, **bounds),
            _TIER_FIELDS,
        )
    if name == "package":
        reader.check_keys(common | {"size", "price", "free_units"})
        size = _decimal(reader.child("size"), "size")
        price = _money(reader.child("price"), currency)
        free = reader.child("free_units")
        free_units = Decimal(0) if free.value is None else _decimal(free, "free_units")
        return _made(
            reader, lambda: Package(size=size, price=price, free_units=free_units, **bounds)
        )
    reader.check_keys(common | {"rate", "fixed_fee", "free_transactions", "free_amount"})
    rate = _decimal(reader.child("rate"), "rate")
    fixed_fee = _optional_money(reader.child("fixed_fee"), currency)
    free_count = reader.child("free_transactions")
    free_transactions = 0 if free_count.value is None else _whole(free_count)
    free_amount = _optional_money(reader.child("free_amount"), currency)
    return _made(
        reader,
        lambda: Percentage(
            currency=currency,
            rate=rate,
            fixed_fee=fixed_fee,
            free_transactions=free_transactions,
            free_amount=free_amount,
            **bounds,
        ),
    )


def _meter_to_data(meter: Meter, taxes: dict[Tax, str]) -> Data:
    data: Data = {"key": meter.key, "metric": meter.metric}
    if meter.description is not None:
        data["description"] = meter.description
    data |= {
        "aggregation": meter.aggregation.value,
        "rounding": meter.rounding.name.lower(),
        "model": _model_to_data(meter.model),
    }
    if meter.taxes:
        data["taxes"] = [taxes[tax] for tax in meter.taxes]
    return data


def _meter(reader: _Reader, document: _DocumentReader) -> Meter:
    reader.check_keys({"key", "metric", "description", "aggregation", "rounding", "model", "taxes"})
    key = reader.child("key").text()
    metric = reader.child("metric").text()
    description = reader.child("description").optional_text()
    aggregation = reader.child("aggregation").choice(Aggregation, Aggregation.SUM)
    rounding = _rounding_mode(reader.child("rounding"))
    model = _model(reader.child("model").required(), document.currency)
    taxes = [document.tax(tax) for tax in reader.child("taxes").items()]
    return _made(
        reader,
        lambda: Meter(
            key=key,
            metric=metric,
            model=model,
            description=description,
            aggregation=aggregation,
            taxes=taxes,
            rounding=rounding,
        ),
    )


def _entry_to_data(entry: Entry, taxes: dict[Tax, str]) -> Data:
    data: Data = {
        "item": entry.item,
        "index": entry.index,
        "start": entry.start.isoformat(),
        "end": entry.end.isoformat(),
        "factor": _fraction_to_data(entry.factor),
        "line": _line_to_data(entry.line, taxes),
        "amount": _number(entry.amount.amount),
        "credited": _number(entry.credited.amount),
    }
    if entry.credited_from is not None:
        data["credited_from"] = entry.credited_from.isoformat()
    return data


def _billing_entry(reader: _Reader, document: _DocumentReader) -> Entry:
    reader.check_keys(
        {"item", "index", "start", "end", "factor", "line", "amount", "credited", "credited_from"}
    )
    currency = document.currency
    item = reader.child("item").text()
    index = _whole(reader.child("index"))
    start = _date(reader.child("start"))
    end = _date(reader.child("end"))
    factor = _factor(reader.child("factor"))
    line = document.line(reader.child("line").required())
    amount = _money(reader.child("amount"), currency)
    credited = _money(reader.child("credited"), currency)
    credited_from = _optional_date(reader.child("credited_from"))
    return _made(
        reader,
        lambda: Entry(
            item=item,
            index=index,
            start=start,
            end=end,
            factor=factor,
            line=line,
            amount=amount,
            credited=credited,
            credited_from=credited_from,
        ),
    )


def _billing_record_to_data(record: BillingRecord, taxes: dict[Tax, str]) -> Data:
    data: Data = {
        "periods": [
            _period_to_data(billed.period)
            | {"factor": _fraction_to_data(billed.factor), "days": billed.days}
            for billed in record.periods
        ],
        "entries": [_entry_to_data(entry, taxes) for entry in record.entries],
    }
    if record.last_change is not None:
        data["last_change"] = record.last_change.isoformat()
    if record.usage_through is not None:
        data["usage_through"] = record.usage_through
    return data


def _billed_period(reader: _Reader) -> BilledPeriod:
    reader.check_keys({"index", "start", "end", "factor", "days"})
    period = _period(reader, keys=set())
    factor = _factor(reader.child("factor"))
    days = _whole(reader.child("days"))
    return _made(reader, lambda: BilledPeriod(period=period, factor=factor, days=days))


def _billing_record(reader: _Reader, document: _DocumentReader) -> BillingRecord:
    reader.check_keys({"periods", "entries", "last_change", "usage_through"})
    periods = tuple(_billed_period(p) for p in reader.child("periods").items())
    entries = tuple(_billing_entry(e, document) for e in reader.child("entries").items())
    last_change = _optional_date(reader.child("last_change"))
    usage_through = _optional_whole(reader.child("usage_through"))
    return _made(
        reader,
        lambda: BillingRecord(
            periods=periods, entries=entries, last_change=last_change, usage_through=usage_through
        ),
    )


def _prorated_to_data(line: ProratedLine, taxes: dict[Tax, str]) -> Data:
    return {
        "role": line.role.value,
        "item": line.item,
        "period": _period_to_data(line.period),
        "span": _period_to_data(line.span),
        "factor": _fraction_to_data(line.factor),
        "line": _line_to_data(line.line, taxes),
        "amount": _number(line.amount.amount),
    }


def _prorated(reader: _Reader, document: _DocumentReader) -> ProratedLine:
    reader.check_keys({"role", "item", "period", "span", "factor", "line", "amount"})
    role = reader.child("role").required().choice(LineRole, LineRole.CHARGE)
    item = reader.child("item").text()
    period = _period(reader.child("period").required())
    span = _period(reader.child("span").required())
    factor = _factor(reader.child("factor"))
    line = document.line(reader.child("line").required())
    amount = _money(reader.child("amount"), document.currency)
    return _made(
        reader,
        lambda: ProratedLine(
            role=role, item=item, period=period, span=span, factor=factor, line=line, amount=amount
        ),
    )


def _subscription_lines(subscription: Subscription) -> list[Line]:
    lines = [v.line for v in subscription.versions if v.line is not None]
    lines += [entry.line for entry in subscription.record.entries]
    lines += [pending.line for pending in subscription.pending]
    return lines


def _subscription_to_data(subscription: Subscription) -> Data:
    every = [tax for line in _subscription_lines(subscription) for tax in line.taxes]
    every += [tax for meter in subscription.meters for tax in meter.taxes]
    taxes = _names_of_taxes(every)
    data: Data = {}
    if subscription.id is not None:
        data["id"] = subscription.id
    data["version"] = subscription.version
    if subscription.customer is not None:
        data["customer"] = subscription.customer
    data |= {
        "currency": subscription.currency.code,
        "timezone": subscription.timezone,
        "policy": _policy_to_data(subscription.policy),
        "taxes": {name: _tax_to_data(tax) for tax, name in taxes.items()},
        "schedule": _schedule_to_data(subscription.schedule),
        "versions": [
            {"key": version.key, "since": version.since.isoformat()}
            | ({"line": _line_to_data(version.line, taxes)} if version.line is not None else {})
            for version in subscription.versions
        ],
        "pauses": [
            {"start": pause.start.isoformat()}
            | ({"until": pause.until.isoformat()} if pause.until is not None else {})
            for pause in subscription.pauses
        ],
    }
    if subscription.ended is not None:
        data["ended"] = subscription.ended.isoformat()
    data |= {
        "record": _billing_record_to_data(subscription.record, taxes),
        "meters": [_meter_to_data(meter, taxes) for meter in subscription.meters],
        "pending": [_prorated_to_data(line, taxes) for line in subscription.pending],
    }
    return data


#: The fields of a plan line that an item version's errors name.
_LINE_FIELDS = {"discounts": "line", "price_discount": "line", "quantity": "line"}


def _item_version(reader: _Reader, document: _DocumentReader) -> ItemVersion:
    reader.check_keys({"key", "since", "line"})
    key = reader.child("key").text()
    since = _date(reader.child("since"))
    found = reader.child("line")
    line = None if found.value is None else document.line(found)
    return _made(reader, lambda: ItemVersion(key=key, line=line, since=since), _LINE_FIELDS)


def _pause(reader: _Reader) -> Pause:
    reader.check_keys({"start", "until"})
    start = _date(reader.child("start"))
    until = _optional_date(reader.child("until"))
    return _made(reader, lambda: Pause(start=start, until=until))


def _read_subscription(reader: _Reader) -> object:
    reader.check_keys(
        {"kind", "schema", "id", "version", "customer", "currency", "timezone", "policy"}
        | {"taxes", "schedule", "versions", "pauses", "ended", "record", "meters", "pending"}
    )
    document = _DocumentReader(None)
    document.root = reader
    document.currency = _currency(reader.child("currency"))
    taxes = reader.child("taxes")
    if taxes.value is not None:
        for name in taxes.mapping():
            document.taxes[name] = document.tax(taxes.child(name))
    id_ = reader.child("id").optional_text()
    version = _whole(reader.child("version"))
    customer = reader.child("customer").optional_text()
    timezone = reader.child("timezone")
    zone = "UTC" if timezone.value is None else timezone.text()
    policy = document.policy(reader.child("policy"))
    schedule = _schedule(reader.child("schedule").required())
    versions = tuple(
        _item_version(v, document) for v in reader.child("versions").required().items()
    )
    pauses = tuple(_pause(p) for p in reader.child("pauses").items())
    ended = _optional_date(reader.child("ended"))
    found = reader.child("record")
    record = BillingRecord() if found.value is None else _billing_record(found, document)
    meters = tuple(_meter(m, document) for m in reader.child("meters").items())
    pending = tuple(_prorated(p, document) for p in reader.child("pending").items())
    return _made(
        reader,
        lambda: Subscription(
            schedule=schedule,
            currency=document.currency,
            versions=versions,
            policy=policy,
            pauses=pauses,
            ended=ended,
            record=record,
            id=id_,
            customer=customer,
            meters=meters,
            pending=pending,
            timezone=zone,
            version=version,
        ),
    )


# -- the plan of a bill run through storage ------------------------------------------------


def _due_plan_to_data(plan: DuePlan) -> Data:
    """Compact: a row ``[id, [period, ...]]`` per subscription, and the ids with ``pending``."""
    data: Data = {
        "on": plan.on.isoformat(),
        "due": [[planned.subscription, list(planned.periods)] for planned in plan.due],
    }
    pending = [planned.subscription for planned in plan.due if planned.pending]
    if pending:
        data["pending"] = pending
    return data


def _read_due_plan(reader: _Reader) -> object:
    reader.check_keys({"kind", "schema", "on", "due", "pending"})
    on = _date(reader.child("on"))
    rows: list[tuple[str, tuple[int, ...]]] = []
    for row in reader.child("due").required().items():
        if not isinstance(row.value, list) or len(row.value) != 2:
            raise row.fail("expected a row [subscription id, [period, ...]]")
        periods = tuple(_whole(index) for index in row.at(1).required().items())
        rows.append((row.at(0).text(), periods))
    pending = {item.text() for item in reader.child("pending").items()}
    unknown = pending - {subscription for subscription, _ in rows}
    if unknown:
        raise reader.child("pending").fail(
            f"{excerpt(sorted(unknown)[0])} is not a subscription of the plan"
        )
    return _made(
        reader,
        lambda: DuePlan(
            on=on,
            due=tuple(
                Planned(subscription=subscription, periods=periods, pending=subscription in pending)
                for subscription, periods in rows
            ),
        ),
    )


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
    **{
        f"quote.{make.state}": (make, _quote_to_data, _quote_reader(make))
        for make in (DraftQuote, SentQuote, AcceptedQuote, DeclinedQuote, ExpiredQuote)
    },
    "credit_note.customer": (
        CustomerCreditNote,
        _credit_note_to_data,
        _credit_note_reader(CustomerCreditNote),
    ),
    "credit_note.supplier": (
        SupplierCreditNote,
        _credit_note_to_data,
        _credit_note_reader(SupplierCreditNote),
    ),
    "payment": (Payment, _payment_to_data, _read_payment),
    "open_item": (OpenItem, _open_item_to_data, _read_open_item),
    "allocation": (Allocation, _allocation_to_data, _read_allocation),
    "write_off": (WriteOff, _write_off_to_data, _read_write_off),
    "discount_taken": (DiscountTaken, _discount_taken_to_data, _read_discount_taken),
    "credit_refunded": (CreditRefunded, _credit_refunded_to_data, _read_credit_refunded),
    "ledger": (Ledger, _ledger_facts_to_data, _read_ledger),
    "account": (Account, _account_to_data, _read_account),
    "sales_order": (SalesOrder, _order_to_data, _order_reader(SalesOrder)),
    "purchase_order": (PurchaseOrder, _order_to_data, _order_reader(PurchaseOrder)),
    "bill.voided": (
        VoidedBill,
        lambda r: _voided_to_data(r, _BILL),
        _voided_reader(VoidedBill, _BILL),
    ),
    "subscription": (Subscription, _subscription_to_data, _read_subscription),
    "bill_due.plan": (DuePlan, _due_plan_to_data, _read_due_plan),
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
            f"this reader knows schema {RECORD_SCHEMA} of {name!r}, got {excerpt(version)}; "
            "read it with the ordercore version that wrote it, or a later one"
        )
    return _KINDS[name][2](root)
