"""Invoices: a draft that may change, and an issued invoice that never does.

A :class:`DraftInvoice` holds the content to bill (a :class:`~ordercore.pricing.Document`)
for a customer. Revising it gives a new version; voiding it ends it. Issuing it prices the
content one last time, takes a number (from a
:class:`~ordercore.documents.numbering.NumberingSeries`), an issue date and either a due
date or a :class:`~ordercore.settlement.PaymentTerm` (whose installments set the due date),
and returns an :class:`IssuedInvoice`: a different type with no way to change it. A
mistake on an issued invoice is corrected by a credit note and a new invoice, never by
editing. Every change returns the new document and the events it caused
(:class:`Changed`).

>>> import datetime as dt
>>> from ordercore import Document, Line, Money, Request, Tax
>>> def request(key):
...     return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
...                    business_date=dt.date(2026, 11, 23))
>>> content = Document(currency="EUR", items=[
...     Line(description="Consulting", quantity="8", unit_price=Money("120.00", "EUR"),
...          taxes=[Tax.percent("VAT", "20")]),
... ])
>>> draft = DraftInvoice.create(id="inv-1", customer="acme", content=content,
...                             request=request("r1")).document
>>> issued = draft.issue(number="INV-2026-00001", issue_date=dt.date(2026, 11, 23),
...                      due_date=dt.date(2026, 12, 23), request=request("r2"))
>>> issued.document
IssuedInvoice(number='INV-2026-00001', state='issued', currency='EUR', total='1152.00')
>>> [event.name for event in issued.events]
['InvoiceIssued']
>>> from ordercore import PaymentTerm
>>> on_terms = draft.issue(number="INV-2026-00002", issue_date=dt.date(2026, 11, 23),
...                        payment_term=PaymentTerm.deposit("30", days=30),
...                        request=request("r3")).document
>>> on_terms.due_date, [str(installment.amount) for installment in on_terms.installments]
(datetime.date(2026, 12, 23), ['EUR 345.60', 'EUR 806.40'])
"""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

import attrs

from ordercore.documents import _fields as fields
from ordercore.documents import settling
from ordercore.events import Event, Request
from ordercore.money.amount import Money
from ordercore.pricing.document import Document
from ordercore.pricing.engine import price
from ordercore.pricing.results import PricedDocument
from ordercore.settlement.open_items import OpenItem
from ordercore.settlement.terms import PaymentTerm, ScheduledInstallment

__all__ = [
    "Changed",
    "DraftInvoice",
    "InvoiceDraftCreated",
    "InvoiceDraftRevised",
    "InvoiceDraftVoided",
    "InvoiceIssued",
    "IssuedInvoice",
    "VoidedInvoice",
]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Changed(Generic[T]):
    """The outcome of a state change: the new document and the events it caused."""

    document: T
    events: tuple[Event, ...]


# -- events ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class InvoiceDraftCreated(Event):
    """A draft invoice was created."""

    version: int


@attrs.frozen(kw_only=True)
class InvoiceDraftRevised(Event):
    """A draft invoice's content was replaced; ``version`` is the new version."""

    version: int


@attrs.frozen(kw_only=True)
class InvoiceDraftVoided(Event):
    """A draft invoice was voided (only drafts can be; an issued invoice is credited)."""

    reason: str


@attrs.frozen(kw_only=True)
class InvoiceIssued(Event):
    """An invoice was issued: it has its number and is immutable from now on.

    ``installments`` is the schedule of the amount due when it was issued with a payment
    term, empty otherwise.
    """

    number: str
    issue_date: dt.date
    due_date: dt.date | None
    amount_due: Money
    installments: tuple[ScheduledInstallment, ...] = ()


# -- converters --------------------------------------------------------------------------


def _sales_order(value: object) -> str | None:
    return fields.order_number(value, "sales_order")


# -- documents ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False)
class DraftInvoice:
    """An invoice being prepared: its content may change, each change a new version.

    ``sales_order`` is the number of the sales order it was made from, if any (EN 16931
    BT-14). Such a draft bills what its order recorded, so it is not revised: void it,
    release it on the order (``SalesOrder.release_invoice``) and invoice the order again.
    """

    id: str = attrs.field(converter=fields.document_id)
    customer: str = attrs.field(converter=fields.customer)
    content: Document = attrs.field(converter=fields.content)
    version: int = attrs.field(default=1, converter=fields.version)
    sales_order: str | None = attrs.field(default=None, converter=_sales_order)

    @classmethod
    def create(
        cls,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        customer: str,
        content: Document,
        request: Request,
        sales_order: str | None = None,
    ) -> Changed[DraftInvoice]:
        """Start a draft (version 1) of ``content`` for ``customer``."""
        draft = cls(id=id, customer=customer, content=content, sales_order=sales_order)
        event = InvoiceDraftCreated(
            document_id=draft.id, request=fields.request(request), version=1
        )
        return Changed(document=draft, events=(event,))

    def priced(self) -> PricedDocument:
        """Price the draft's content as it stands (a draft is priced anew each time)."""
        return price(self.content)

    def revise(self, content: Document, *, request: Request) -> Changed[DraftInvoice]:
        """Replace the content; the draft's version goes up by one."""
        fields.check_revisable(
            f"draft invoice {self.id!r}", self.sales_order, order="sales order", again="invoice"
        )
        revised = attrs.evolve(self, content=fields.content(content), version=self.version + 1)
        event = InvoiceDraftRevised(
            document_id=self.id, request=fields.request(request), version=revised.version
        )
        return Changed(document=revised, events=(event,))

    def void(self, *, reason: str, request: Request) -> Changed[VoidedInvoice]:
        """End the draft without issuing it; it keeps its content for the record."""
        voided = VoidedInvoice(
            id=self.id,
            customer=self.customer,
            content=self.content,
            version=self.version,
            reason=reason,
            sales_order=self.sales_order,
        )
        event = InvoiceDraftVoided(
            document_id=self.id, request=fields.request(request), reason=reason
        )
        return Changed(document=voided, events=(event,))

    def issue(
        self,
        *,
        number: str,
        issue_date: dt.date,
        due_date: dt.date | None = None,
        payment_term: PaymentTerm | None = None,
        request: Request,
    ) -> Changed[IssuedInvoice]:
        """Issue the invoice under ``number``: price it a last time and freeze it.

        The number comes from the document's numbering series (take it with
        ``series.next()`` and store the advanced series with the invoice). Give a
        ``due_date``, or a ``payment_term``: its schedule of the amount due becomes the
        invoice's ``installments``, and the due date is when the last of them falls due;
        discounts are rounded with the document's rounding mode. Everything is checked,
        and the content priced and scheduled, before anything is returned.
        """
        request = fields.request(request)
        issue = fields.issue_terms(
            self.content, issue_date, due_date, payment_term, what=f"invoice {self.id!r}"
        )
        issued = IssuedInvoice(
            id=self.id,
            number=number,
            customer=self.customer,
            issue_date=issue.issue_date,
            due_date=issue.due_date,
            installments=issue.installments,
            priced=issue.priced,
            version=self.version,
            sales_order=self.sales_order,
        )
        event = InvoiceIssued(
            document_id=self.id,
            request=request,
            number=issued.number,
            issue_date=issue.issue_date,
            due_date=issue.due_date,
            amount_due=issue.priced.totals.amount_due,
            installments=issue.installments,
        )
        return Changed(document=issued, events=(event,))

    @property
    def state(self) -> str:
        """Always ``"draft"``."""
        return "draft"

    def __repr__(self) -> str:
        return (
            f"DraftInvoice(id={self.id!r}, state='draft', version={self.version}, "
            f"currency={self.content.currency.code!r}, lines={len(self.content.lines)})"
        )


@attrs.frozen(kw_only=True, repr=False)
class VoidedInvoice:
    """A draft that was voided. It was never issued, so it has no number."""

    id: str = attrs.field(converter=fields.document_id)
    customer: str = attrs.field(converter=fields.customer)
    content: Document = attrs.field(converter=fields.content)
    version: int = attrs.field(converter=fields.version)
    reason: str = attrs.field(converter=fields.reason)
    sales_order: str | None = attrs.field(default=None, converter=_sales_order)

    @property
    def state(self) -> str:
        """Always ``"voided"``."""
        return "voided"

    def __repr__(self) -> str:
        return f"VoidedInvoice(id={self.id!r}, state='voided', reason={self.reason!r})"


@attrs.frozen(kw_only=True, repr=False)
class IssuedInvoice(fields.PricedView):
    """An issued invoice: numbered, dated, priced once, and never changed.

    It keeps the priced document it was issued with: the prices, taxes, rounding policy
    and every amount, so nothing done to a catalog or a policy later changes it.
    ``installments`` is the schedule of its amount due when it was issued with a payment
    term (they sum to it exactly, and the last falls due on ``due_date``), empty
    otherwise.
    """

    id: str = attrs.field(converter=fields.document_id)
    number: str = attrs.field(converter=fields.number)
    customer: str = attrs.field(converter=fields.customer)
    issue_date: dt.date = attrs.field(converter=fields.issue_date)
    due_date: dt.date | None = attrs.field(default=None, converter=fields.due_date)
    installments: tuple[ScheduledInstallment, ...] = attrs.field(
        default=(), converter=fields.installments
    )
    priced: PricedDocument = attrs.field(converter=fields.priced)
    version: int = attrs.field(default=1, converter=fields.version)
    sales_order: str | None = attrs.field(default=None, converter=_sales_order)

    def __attrs_post_init__(self) -> None:
        fields.check_installments(
            self.installments, self.total, issue_date=self.issue_date, due_date=self.due_date
        )

    @property
    def total(self) -> Money:
        """The amount due."""
        return self.priced.totals.amount_due

    def open_item(self) -> OpenItem:
        """What payments settle: the customer's receivable, due as the installments say."""
        return settling.invoice_open_item(self)

    @property
    def state(self) -> str:
        """Always ``"issued"``."""
        return "issued"

    def __repr__(self) -> str:
        return (
            f"IssuedInvoice(number={self.number!r}, state='issued', currency={self.currency!r}, "
            f"total={str(self.total.amount)!r})"
        )
