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
IssuedInvoice(number='INV-2026-00001', state='issued', customer='acme', currency='EUR', total='1152.00')
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

import attrs

from ordercore._convert import pickled_as_tuple
from ordercore.documents import _fields as fields
from ordercore.documents import _lifecycle as lifecycle
from ordercore.documents import settling
from ordercore.documents._lifecycle import Changed
from ordercore.events import Request
from ordercore.pricing.document import Document
from ordercore.settlement.open_items import OpenItem

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


# -- events ------------------------------------------------------------------------------


@pickled_as_tuple
@attrs.frozen(kw_only=True)
class InvoiceDraftCreated(lifecycle.DraftCreated):
    """A draft invoice was created."""


@attrs.frozen(kw_only=True)
class InvoiceDraftRevised(lifecycle.DraftRevised):
    """A draft invoice's content was replaced; ``version`` is the new version."""


@attrs.frozen(kw_only=True)
class InvoiceDraftVoided(lifecycle.DraftVoided):
    """A draft invoice was voided (only drafts can be; an issued invoice is credited)."""


@attrs.frozen(kw_only=True)
class InvoiceIssued(lifecycle.IssuedEvent):
    """An invoice was issued: it has its number and is immutable from now on.

    ``amount_due`` is what the customer is to pay; ``installments`` is its schedule when
    the invoice was issued with a payment term, empty otherwise.
    """


# -- converters --------------------------------------------------------------------------


def _sales_order(value: object) -> str | None:
    return fields.order_number(value, "sales_order")


# -- documents ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False)
class VoidedInvoice(lifecycle.Voided):
    """A draft invoice that was voided. It was never issued, so it has no number."""

    customer: str = attrs.field(converter=fields.customer)
    sales_order: str | None = attrs.field(default=None, converter=_sales_order)


@attrs.frozen(kw_only=True, repr=False)
class IssuedInvoice(lifecycle.Issued):
    """An issued invoice: numbered, dated, priced once, and never changed.

    It keeps the priced document it was issued with: the prices, taxes, rounding policy
    and every amount, so nothing done to a catalog or a policy later changes it.
    ``total`` is its total with taxes, ``amount_due`` what the customer is to pay (after
    cash rounding and what was paid in advance). ``installments`` is the schedule of the
    amount due when it was issued with a payment term (they sum to it exactly, and the
    last falls due on ``due_date``), empty otherwise.
    """

    customer: str = attrs.field(converter=fields.customer)
    sales_order: str | None = attrs.field(default=None, converter=_sales_order)

    def open_item(self) -> OpenItem:
        """What payments settle: the customer's receivable, due as the installments say."""
        return settling.invoice_open_item(self)


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class DraftInvoice(lifecycle.Draft[IssuedInvoice, VoidedInvoice]):
    """An invoice being prepared: its content may change, each change a new version.

    ``priced`` is its content priced as it stands. ``sales_order`` is the number of the
    sales order it was made from, if any (EN 16931 BT-14). Such a draft bills what its
    order recorded, so it is not revised: void it, release it on the order
    (``SalesOrder.release_invoice``) and invoice the order again. The number it is issued
    under comes from the document's numbering series (take it with ``series.next()`` and
    store the advanced series with the invoice).
    """

    customer: str = attrs.field(converter=fields.customer)
    sales_order: str | None = attrs.field(default=None, converter=_sales_order)

    _kind = lifecycle.Kind(
        name="invoice",
        party="customer",
        order="sales_order",
        order_name="sales order",
        issued=IssuedInvoice,
        voided=VoidedInvoice,
        created_event=InvoiceDraftCreated,
        revised_event=InvoiceDraftRevised,
        voided_event=InvoiceDraftVoided,
        issued_event=InvoiceIssued,
    )

    @classmethod
    def create(
        cls,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        customer: str,
        content: Document,
        request: Request,
        sales_order: str | None = None,
        line_keys: tuple[str | None, ...] = (),
    ) -> Changed[DraftInvoice]:
        """Start a draft (version 1) of ``content`` for ``customer``.

        ``line_keys`` are the keys of its lines (one per line, ``None`` for a line without
        one), if it has any: a credit note then names its lines by key.
        """
        draft = cls(
            id=id, customer=customer, content=content, sales_order=sales_order, line_keys=line_keys
        )
        return draft._created(request)
