"""Supplier bills: what a supplier bills us, prepared as a draft and recorded once received.

A bill is the payables mirror of an invoice, with its own types so that one is never taken
for the other: a :class:`DraftBill` is what we expect to be billed (made from a purchase
order, say), for a ``supplier``; revising it gives a new version, and voiding it ends it
(a :class:`VoidedBill`). Recording the supplier's invoice makes it an :class:`IssuedBill`,
priced one last time and never changed. The number of an issued bill is the supplier's
invoice number, not one of our numbering series: the supplier numbered it. A mistake on
an issued bill is corrected by a supplier credit note
(:func:`~ordercore.documents.credit_notes.credit_lines` accepts a bill).

>>> import datetime as dt
>>> from ordercore import Document, Line, Money, PaymentTerm, Request, Tax
>>> def request(key):
...     return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
...                    business_date=dt.date(2026, 11, 23))
>>> content = Document(currency="EUR", items=[
...     Line(description="Paper", quantity="10", unit_price=Money("4.20", "EUR"),
...          taxes=[Tax.percent("VAT", "20")]),
... ])
>>> draft = DraftBill.create(id="bill-1", supplier="papyrus", content=content,
...                          request=request("r1")).document
>>> draft
DraftBill(id='bill-1', state='draft', version=1, supplier='papyrus', currency='EUR', total='50.40')
>>> bill = draft.issue(number="PAP-7781", issue_date=dt.date(2026, 11, 23),
...                    payment_term=PaymentTerm.end_of_month(days=30), request=request("r2"))
>>> bill.document
IssuedBill(number='PAP-7781', state='issued', supplier='papyrus', currency='EUR', total='50.40')
>>> bill.document.due_date
datetime.date(2026, 12, 30)
>>> duplicate = DraftBill.create(id="bill-2", supplier="papyrus", content=content,
...                              request=request("r3")).document
>>> duplicate.revise(content, request=request("r4")).document.version
2
>>> duplicate.void(reason="billed twice", request=request("r5")).document
VoidedBill(id='bill-2', state='voided', version=1, supplier='papyrus', currency='EUR', total='50.40')
"""

from __future__ import annotations

import attrs

from ordercore.documents import _fields as fields
from ordercore.documents import _lifecycle as lifecycle
from ordercore.documents import settling
from ordercore.documents._lifecycle import Changed
from ordercore.events import Request
from ordercore.pricing.document import Document
from ordercore.settlement.open_items import OpenItem

__all__ = [
    "BillDraftCreated",
    "BillDraftRevised",
    "BillDraftVoided",
    "BillIssued",
    "DraftBill",
    "IssuedBill",
    "VoidedBill",
]


def _purchase_order(value: object) -> str | None:
    return fields.order_number(value, "purchase_order")


@attrs.frozen(kw_only=True)
class BillDraftCreated(lifecycle.DraftCreated):
    """A draft bill was created."""


@attrs.frozen(kw_only=True)
class BillDraftRevised(lifecycle.DraftRevised):
    """A draft bill's content was replaced; ``version`` is the new version."""


@attrs.frozen(kw_only=True)
class BillDraftVoided(lifecycle.DraftVoided):
    """A draft bill was voided (only drafts can be; an issued bill is credited)."""


@attrs.frozen(kw_only=True)
class BillIssued(lifecycle.IssuedEvent):
    """A supplier's invoice was recorded as an issued bill under the supplier's ``number``.

    ``amount_due`` is what we are to pay the supplier; ``installments`` is its schedule
    under the supplier's payment term, empty when the bill was recorded without one.
    """


@attrs.frozen(kw_only=True, repr=False)
class VoidedBill(lifecycle.Voided):
    """A draft bill that was voided. It was never issued, so it has no number."""

    supplier: str = attrs.field(converter=fields.supplier)
    purchase_order: str | None = attrs.field(default=None, converter=_purchase_order)


@attrs.frozen(kw_only=True, repr=False)
class IssuedBill(lifecycle.Issued):
    """A supplier's bill as recorded: the supplier's number, dated, priced once, never changed.

    ``number`` is the supplier's own invoice number. ``installments`` is the schedule of
    its amount due under the supplier's payment term (empty without one), as on an
    :class:`~ordercore.documents.invoices.IssuedInvoice`. ``purchase_order`` is the
    number of the purchase order its draft was made from, if any.
    """

    supplier: str = attrs.field(converter=fields.supplier)
    purchase_order: str | None = attrs.field(default=None, converter=_purchase_order)

    def open_item(self) -> OpenItem:
        """What payments settle: our payable to the supplier, due as the installments say."""
        return settling.bill_open_item(self)


@attrs.frozen(kw_only=True, repr=False)
class DraftBill(lifecycle.Draft[IssuedBill, VoidedBill]):
    """A bill we expect from a supplier: its content may still change before it is issued.

    ``purchase_order`` is the number of the purchase order it was made from, if any (EN
    16931 BT-13). Such a draft bills what its order recorded, so it is not revised: void
    it, release it on the order (``PurchaseOrder.release_bill``) and bill the order again.
    Issuing it records the supplier's invoice: ``number`` is the supplier's own number,
    and the due date the one the supplier states, or the supplier's payment term.
    """

    supplier: str = attrs.field(converter=fields.supplier)
    purchase_order: str | None = attrs.field(default=None, converter=_purchase_order)

    _kind = lifecycle.Kind(
        name="bill",
        party="supplier",
        order="purchase_order",
        order_name="purchase order",
        issued=IssuedBill,
        voided=VoidedBill,
        created_event=BillDraftCreated,
        revised_event=BillDraftRevised,
        voided_event=BillDraftVoided,
        issued_event=BillIssued,
    )

    @classmethod
    def create(
        cls,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        supplier: str,
        content: Document,
        request: Request,
        purchase_order: str | None = None,
        line_keys: tuple[str | None, ...] = (),
    ) -> Changed[DraftBill]:
        """Start a draft (version 1) of ``content`` from ``supplier``.

        ``line_keys`` are the keys of its lines (one per line, ``None`` for a line without
        one), if it has any: a credit note then names its lines by key.
        """
        draft = cls(
            id=id,
            supplier=supplier,
            content=content,
            purchase_order=purchase_order,
            line_keys=line_keys,
        )
        return draft._created(request)
