"""Credit notes: how an issued invoice is corrected or cancelled.

An issued invoice never changes. What was billed wrongly is credited:

* :func:`credit_lines` credits chosen lines and quantities of one issued invoice, at that
  invoice's own prices and taxes, never more than remains creditable after the earlier
  credit notes (:class:`~ordercore.errors.OverCrediting`). Each credit takes the line's
  stated amount for all the units credited so far, in proportion and rounded, less what
  earlier credits took: no credit is ever negative, and the credit that takes a line's
  last units takes exactly what is left, so the credits of a line sum to what it was
  billed.
* :func:`credit_in_full` cancels an invoice that has not been credited yet: the credit
  note repeats its content, so every total matches to the cent.
* :func:`standalone_credit` credits an amount with a tax category and a reason, without
  an invoice (a goodwill gesture, a price adjustment agreed later).

The same functions record a supplier's credit note: given an issued
:class:`~ordercore.documents.bills.IssuedBill` instead of an invoice (or a ``supplier``
instead of a ``customer`` for a standalone credit), they check it the same way and the
credit note names the ``supplier``; its number is the supplier's.

A credit note's amounts are positive: it is the invoice's counterpart, and a host books it
as such. Each credit line is a pricing :class:`~ordercore.pricing.Line` of the credited
quantity, priced for that quantity as a whole (its price base quantity is the credited
quantity), with the invoice line's taxes, so the pricing engine computes the credit note
like any other document and the line formula of EN 16931 still holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs

from ordercore._convert import to_optional_text, to_text, to_tuple
from ordercore.documents import _fields as fields
from ordercore.documents import _ordering as ordering
from ordercore.documents.bills import IssuedBill
from ordercore.documents.invoices import Changed, IssuedInvoice
from ordercore.errors import InvalidDocument, InvalidType, OverCrediting
from ordercore.events import Event, Request
from ordercore.money._context import exact
from ordercore.money.amount import Money
from ordercore.money.currency import quantum
from ordercore.money.decimals import to_decimal
from ordercore.pricing.document import Document, Policy
from ordercore.pricing.engine import price
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind
from ordercore.pricing.results import PricedDocument
from ordercore.pricing.taxes import Tax

__all__ = [
    "CreditNote",
    "CreditNoteIssued",
    "CreditedLine",
    "credit_in_full",
    "credit_lines",
    "standalone_credit",
]


@attrs.frozen(kw_only=True)
class CreditedLine:
    """What a credit note took of one invoice line: its index, quantity and stated amount."""

    index: int
    quantity: Decimal
    amount: Decimal


@attrs.frozen(kw_only=True)
class CreditNoteIssued(Event):
    """A credit note was issued (against ``invoice_number``, or standalone when it is None)."""

    number: str
    invoice_number: str | None
    amount: Money


def _invoice_number(value: object) -> str | None:
    return to_optional_text(value, "invoice_number")


def _customer(value: object) -> str | None:
    return None if value is None else fields.customer(value)


def _supplier(value: object) -> str | None:
    return None if value is None else fields.supplier(value)


#: What a credit note credits: an invoice we issued, or a supplier's bill.
_Credited = IssuedInvoice | IssuedBill


def _check(invoice: object) -> _Credited:
    if not isinstance(invoice, IssuedInvoice | IssuedBill):
        raise InvalidType(invoice, expected="an IssuedInvoice or an IssuedBill", field="invoice")
    return invoice


def _parties(invoice: _Credited) -> dict[str, str | None]:
    if isinstance(invoice, IssuedBill):
        return {"customer": None, "supplier": invoice.supplier}
    return {"customer": invoice.customer, "supplier": None}


def _credited(value: object) -> tuple[CreditedLine, ...]:
    return to_tuple(value, CreditedLine, "credited")


def _in_full(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidType(value, expected="True or False", field="in_full")
    return value


@attrs.frozen(kw_only=True, repr=False)
class CreditNote:
    """An issued credit note: numbered, dated, priced once, and never changed.

    It names a ``customer`` (a credit note we issue) or a ``supplier`` (a supplier's
    credit note we record), never both.
    """

    id: str = attrs.field(converter=fields.document_id)
    number: str = attrs.field(converter=fields.number)
    customer: str | None = attrs.field(default=None, converter=_customer)
    supplier: str | None = attrs.field(default=None, converter=_supplier)
    issue_date: dt.date = attrs.field(converter=fields.issue_date)
    reason: str = attrs.field(converter=fields.reason)
    priced: PricedDocument = attrs.field(converter=fields.priced)
    invoice_number: str | None = attrs.field(default=None, converter=_invoice_number)
    credited: tuple[CreditedLine, ...] = attrs.field(default=(), converter=_credited)
    in_full: bool = attrs.field(default=False, converter=_in_full)

    def __attrs_post_init__(self) -> None:
        if (self.customer is None) == (self.supplier is None):
            raise InvalidDocument("a credit note names either a customer or a supplier")

    @property
    def total(self) -> Money:
        """The amount credited, tax included."""
        return self.priced.totals.amount_due

    @property
    def state(self) -> str:
        """Always ``"issued"``."""
        return "issued"

    def __repr__(self) -> str:
        against = f", invoice={self.invoice_number!r}" if self.invoice_number else ""
        return (
            f"CreditNote(number={self.number!r}, state='issued'{against}, "
            f"currency={self.priced.currency.code!r}, total={str(self.total.amount)!r})"
        )


def _earlier(invoice: _Credited, previous: Sequence[CreditNote]) -> list[CreditNote]:
    notes: list[CreditNote] = list(to_tuple(previous, CreditNote, "previous"))
    for note in notes:
        if not isinstance(note, CreditNote):
            raise InvalidType(note, expected="a CreditNote", field="previous")
        if note.invoice_number != invoice.number:
            raise InvalidDocument(
                f"credit note {note.number} credits invoice {note.invoice_number}, "
                f"not {invoice.number}"
            )
        parties = _parties(invoice)
        if (note.customer, note.supplier) != (parties["customer"], parties["supplier"]):
            raise InvalidDocument(
                f"credit note {note.number} is not from the party of invoice {invoice.number}"
            )
    return notes


def _issue(
    *,
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    customer: str | None,
    supplier: str | None,
    issue_date: dt.date,
    reason: str,
    content: Document,
    invoice_number: str | None,
    credited: tuple[CreditedLine, ...],
    in_full: bool,
    request: Request,
) -> Changed[CreditNote]:
    note = CreditNote(
        id=id,
        number=number,
        customer=customer,
        supplier=supplier,
        issue_date=issue_date,
        reason=reason,
        priced=price(content),
        invoice_number=invoice_number,
        credited=credited,
        in_full=in_full,
    )
    event = CreditNoteIssued(
        document_id=note.id,
        request=fields.request(request),
        number=note.number,
        invoice_number=invoice_number,
        amount=note.total,
    )
    return Changed(document=note, events=(event,))


@exact
def credit_lines(
    invoice: IssuedInvoice | IssuedBill,
    quantities: Mapping[int, object],
    *,
    previous: Sequence[CreditNote] = (),
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    issue_date: dt.date,
    reason: str,
    request: Request,
) -> Changed[CreditNote]:
    """Credit ``quantities`` (invoice line index -> quantity) of ``invoice``.

    ``previous`` are the credit notes already issued against this invoice; what they
    credited is no longer creditable. ``invoice`` may be a supplier's bill.
    """
    invoice = _check(invoice)
    if not isinstance(quantities, Mapping) or not quantities:
        raise InvalidType(
            quantities, expected="a mapping of line index to quantity", field="quantities"
        )
    earlier = _earlier(invoice, previous)
    if any(note.in_full for note in earlier):
        raise InvalidDocument(f"invoice {invoice.number} was already credited in full")
    if invoice.priced.adjustments and not invoice.priced.adjustments[0].distributed:
        raise InvalidDocument(
            f"invoice {invoice.number} has standalone document allowances or charges, which a "
            "credit by lines would not take back; credit it in full, or credit an amount with "
            "standalone_credit"
        )
    if any(line.line.quantity < 0 for line in invoice.priced.lines):
        raise InvalidDocument(
            f"invoice {invoice.number} deducts a down payment or takes back goods on a line of "
            "its own, which a credit by lines would not take back; credit it in full, or credit "
            "an amount with standalone_credit"
        )
    priced_lines = invoice.priced.lines
    credited: list[CreditedLine] = []
    lines: list[Line] = []
    for index, requested in sorted(quantities.items(), key=lambda item: _index(item[0])):
        if not 0 <= index < len(priced_lines):
            raise InvalidDocument(f"invoice {invoice.number} has no line {index}")
        quantity = to_decimal(requested, field=f"quantities[{index}]", max_places=QUANTITY_PLACES)
        priced_line = priced_lines[index]
        line = priced_line.line
        if line.quantity <= 0:
            raise InvalidDocument(
                f"line {index} of invoice {invoice.number} is a return; credit only what was sold"
            )
        if quantity <= 0:
            raise InvalidDocument(f"credit a positive quantity of line {index}, not {quantity}")
        done = [c for note in earlier for c in note.credited if c.index == index]
        remaining = line.quantity - sum((c.quantity for c in done), Decimal(0))
        if quantity > remaining:
            raise OverCrediting(
                invoice=invoice.number,
                line=line.description,
                requested=quantity,
                remaining=remaining,
            )
        # The share of all units credited so far, rounded, less what was credited before:
        # never negative, never more than is left, and the last units take exactly the rest.
        stated = priced_line.stated.amount
        before = sum((c.amount for c in done), Decimal(0))
        units = line.quantity - remaining + quantity
        amount = (stated * units / line.quantity).quantize(
            quantum(invoice.priced.currency), invoice.priced.policy.rounding.value
        ) - before
        credited.append(CreditedLine(index=index, quantity=quantity, amount=amount))
        lines.append(
            Line(
                description=line.description,
                quantity=quantity,
                unit_price=Money(amount, invoice.priced.currency),
                base_quantity=quantity,
                taxes=line.taxes,
                kind=line.kind,
                product=line.product,
            )
        )
    content = Document(currency=invoice.priced.currency, items=lines, policy=invoice.priced.policy)
    content = _within_total(invoice, earlier, credited, content)
    return _issue(
        id=id,
        number=number,
        **_parties(invoice),
        issue_date=issue_date,
        reason=reason,
        content=content,
        invoice_number=invoice.number,
        credited=tuple(credited),
        in_full=False,
        request=request,
    )


def _within_total(
    invoice: IssuedInvoice | IssuedBill,
    earlier: Sequence[CreditNote],
    credited: Sequence[CreditedLine],
    content: Document,
) -> Document:
    """Keep the credit notes of an invoice within its total.

    Each credit note rounds its own taxes, so credits by lines can add up to a cent or so
    more (or less) than the invoice. The credit note that takes the invoice's last units
    takes exactly what is left of its total, rate by rate (with tax corrections, as the
    completing invoice of an order does); any other that would go past the total is
    refused.
    """
    left = invoice.total.amount - sum((note.total.amount for note in earlier), Decimal(0))
    total = price(content).totals.amount_due.amount
    done: dict[int, Decimal] = {}
    for entry in (*[c for note in earlier for c in note.credited], *credited):
        done[entry.index] = done.get(entry.index, Decimal(0)) + entry.quantity
    completes = all(
        done.get(index, Decimal(0)) == line.line.quantity
        for index, line in enumerate(invoice.priced.lines)
    )
    if completes and total != left:
        tally = ordering.TaxTally()
        for note in earlier:
            tally = tally.plus(ordering.TaxTally.of(note.priced))
        content = ordering.completing(content, ordering.TaxTally.of(invoice.priced), tally)
        total = price(content).totals.amount_due.amount
    if total > left:
        raise OverCrediting(
            invoice=invoice.number, line="(the invoice total)", requested=total, remaining=left
        )
    return content


def _index(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="a line index (int)", field="quantities")
    return value


def credit_in_full(
    invoice: IssuedInvoice | IssuedBill,
    *,
    previous: Sequence[CreditNote] = (),
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    issue_date: dt.date,
    reason: str,
    request: Request,
) -> Changed[CreditNote]:
    """Cancel ``invoice``: credit all of it, which is possible only if nothing was credited yet.

    The credit note repeats the invoice's content, so its totals are the invoice's.
    ``invoice`` may be a supplier's bill.
    """
    invoice = _check(invoice)
    if _earlier(invoice, previous):
        raise InvalidDocument(
            f"invoice {invoice.number} already has credit notes; credit what remains by lines"
        )
    content = attrs.evolve(invoice.content, prepaid=None)
    credited = tuple(
        CreditedLine(index=i, quantity=line.line.quantity, amount=line.stated.amount)
        for i, line in enumerate(invoice.priced.lines)
    )
    return _issue(
        id=id,
        number=number,
        **_parties(invoice),
        issue_date=issue_date,
        reason=reason,
        content=content,
        invoice_number=invoice.number,
        credited=credited,
        in_full=True,
        request=request,
    )


def standalone_credit(
    amount: Money,
    *,
    tax: Tax,
    customer: str | None = None,
    supplier: str | None = None,
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    issue_date: dt.date,
    reason: str,
    request: Request,
    policy: Policy | None = None,
) -> Changed[CreditNote]:
    """Credit ``amount`` (before tax) with ``tax`` for ``reason``, without an invoice.

    Name the ``customer`` for a credit note we issue, or the ``supplier`` for one we record.
    """
    line = Line(
        description=to_text(reason, "reason"),
        quantity=1,
        unit_price=amount,
        taxes=[tax],
        kind=LineKind.SERVICE,
    )
    if line.unit_price.amount <= 0:
        raise InvalidDocument("a standalone credit is a positive amount")
    content = Document(currency=line.currency, items=[line], policy=policy or Policy())
    return _issue(
        id=id,
        number=number,
        customer=customer,
        supplier=supplier,
        issue_date=issue_date,
        reason=reason,
        content=content,
        invoice_number=None,
        credited=(),
        in_full=False,
        request=request,
    )
