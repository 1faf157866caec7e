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
DraftBill(id='bill-1', state='draft', version=1, currency='EUR', lines=1)
>>> bill = draft.issue(number="PAP-7781", issue_date=dt.date(2026, 11, 23),
...                    payment_term=PaymentTerm.end_of_month(days=30), request=request("r2"))
>>> bill.document
IssuedBill(number='PAP-7781', supplier='papyrus', state='issued', currency='EUR', total='50.40')
>>> bill.document.due_date
datetime.date(2026, 12, 30)
>>> duplicate = DraftBill.create(id="bill-2", supplier="papyrus", content=content,
...                              request=request("r3")).document
>>> duplicate.revise(content, request=request("r4")).document.version
2
>>> duplicate.void(reason="billed twice", request=request("r5")).document
VoidedBill(id='bill-2', state='voided', reason='billed twice')
"""

from __future__ import annotations

import datetime as dt

import attrs

from ordercore.documents import _fields as fields
from ordercore.documents import settling
from ordercore.documents.invoices import Changed
from ordercore.events import Event, Request
from ordercore.money.amount import Money
from ordercore.pricing.document import Document
from ordercore.pricing.engine import price
from ordercore.pricing.results import PricedDocument
from ordercore.settlement.open_items import OpenItem
from ordercore.settlement.terms import PaymentTerm, ScheduledInstallment

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
class BillDraftCreated(Event):
    """A draft bill was created."""

    version: int


@attrs.frozen(kw_only=True)
class BillDraftRevised(Event):
    """A draft bill's content was replaced; ``version`` is the new version."""

    version: int


@attrs.frozen(kw_only=True)
class BillDraftVoided(Event):
    """A draft bill was voided (only drafts can be; an issued bill is credited)."""

    reason: str


@attrs.frozen(kw_only=True)
class BillIssued(Event):
    """A supplier's invoice was recorded as an issued bill under the supplier's ``number``.

    ``installments`` is the schedule of the amount due under the supplier's payment term,
    empty when the bill was recorded without one.
    """

    number: str
    issue_date: dt.date
    due_date: dt.date | None
    amount_due: Money
    installments: tuple[ScheduledInstallment, ...] = ()


@attrs.frozen(kw_only=True, repr=False)
class DraftBill:
    """A bill we expect from a supplier: its content may still change before it is issued.

    ``purchase_order`` is the number of the purchase order it was made from, if any (EN
    16931 BT-13). Such a draft bills what its order recorded, so it is not revised: void
    it, release it on the order (``PurchaseOrder.release_bill``) and bill the order again.
    """

    id: str = attrs.field(converter=fields.document_id)
    supplier: str = attrs.field(converter=fields.supplier)
    content: Document = attrs.field(converter=fields.content)
    version: int = attrs.field(default=1, converter=fields.version)
    purchase_order: str | None = attrs.field(default=None, converter=_purchase_order)

    @classmethod
    def create(
        cls,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        supplier: str,
        content: Document,
        request: Request,
        purchase_order: str | None = None,
    ) -> Changed[DraftBill]:
        """Start a draft (version 1) of ``content`` from ``supplier``."""
        draft = cls(id=id, supplier=supplier, content=content, purchase_order=purchase_order)
        event = BillDraftCreated(document_id=draft.id, request=fields.request(request), version=1)
        return Changed(document=draft, events=(event,))

    def priced(self) -> PricedDocument:
        """Price the draft's content as it stands."""
        return price(self.content)

    def revise(self, content: Document, *, request: Request) -> Changed[DraftBill]:
        """Replace the content; the draft's version goes up by one."""
        fields.check_revisable(
            f"draft bill {self.id!r}", self.purchase_order, order="purchase order", again="bill"
        )
        revised = attrs.evolve(self, content=fields.content(content), version=self.version + 1)
        event = BillDraftRevised(
            document_id=self.id, request=fields.request(request), version=revised.version
        )
        return Changed(document=revised, events=(event,))

    def void(self, *, reason: str, request: Request) -> Changed[VoidedBill]:
        """End the draft without issuing it; it keeps its content for the record."""
        voided = VoidedBill(
            id=self.id,
            supplier=self.supplier,
            content=self.content,
            version=self.version,
            reason=reason,
            purchase_order=self.purchase_order,
        )
        event = BillDraftVoided(document_id=self.id, request=fields.request(request), reason=reason)
        return Changed(document=voided, events=(event,))

    def issue(
        self,
        *,
        number: str,
        issue_date: dt.date,
        due_date: dt.date | None = None,
        payment_term: PaymentTerm | None = None,
        request: Request,
    ) -> Changed[IssuedBill]:
        """Record the supplier's invoice ``number`` and dates: price the bill a last time, freeze it.

        Give the ``due_date`` the supplier states, or the supplier's ``payment_term``: as for
        an invoice, its schedule of the amount due becomes the bill's ``installments`` and
        the due date is when the last of them falls due.
        """
        request = fields.request(request)
        issue = fields.issue_terms(
            self.content, issue_date, due_date, payment_term, what=f"bill {self.id!r}"
        )
        issued = IssuedBill(
            id=self.id,
            number=number,
            supplier=self.supplier,
            issue_date=issue.issue_date,
            due_date=issue.due_date,
            installments=issue.installments,
            priced=issue.priced,
            version=self.version,
            purchase_order=self.purchase_order,
        )
        event = BillIssued(
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
            f"DraftBill(id={self.id!r}, state='draft', version={self.version}, "
            f"currency={self.content.currency.code!r}, lines={len(self.content.lines)})"
        )


@attrs.frozen(kw_only=True, repr=False)
class VoidedBill:
    """A draft bill that was voided. It was never issued, so it has no number."""

    id: str = attrs.field(converter=fields.document_id)
    supplier: str = attrs.field(converter=fields.supplier)
    content: Document = attrs.field(converter=fields.content)
    version: int = attrs.field(converter=fields.version)
    reason: str = attrs.field(converter=fields.reason)
    purchase_order: str | None = attrs.field(default=None, converter=_purchase_order)

    @property
    def state(self) -> str:
        """Always ``"voided"``."""
        return "voided"

    def __repr__(self) -> str:
        return f"VoidedBill(id={self.id!r}, state='voided', reason={self.reason!r})"


@attrs.frozen(kw_only=True, repr=False)
class IssuedBill(fields.PricedView):
    """A supplier's bill as recorded: the supplier's number, dated, priced once, never changed.

    ``installments`` is the schedule of its amount due under the supplier's payment term
    (empty without one), as on an :class:`~ordercore.documents.invoices.IssuedInvoice`.
    ``purchase_order`` is the number of the purchase order its draft was made from, if any.
    """

    id: str = attrs.field(converter=fields.document_id)
    number: str = attrs.field(converter=fields.number)
    supplier: str = attrs.field(converter=fields.supplier)
    issue_date: dt.date = attrs.field(converter=fields.issue_date)
    due_date: dt.date | None = attrs.field(default=None, converter=fields.due_date)
    installments: tuple[ScheduledInstallment, ...] = attrs.field(
        default=(), converter=fields.installments
    )
    priced: PricedDocument = attrs.field(converter=fields.priced)
    version: int = attrs.field(default=1, converter=fields.version)
    purchase_order: str | None = attrs.field(default=None, converter=_purchase_order)

    def __attrs_post_init__(self) -> None:
        fields.check_installments(
            self.installments, self.total, issue_date=self.issue_date, due_date=self.due_date
        )

    @property
    def total(self) -> Money:
        """The amount due to the supplier."""
        return self.priced.totals.amount_due

    def open_item(self) -> OpenItem:
        """What payments settle: our payable to the supplier, due as the installments say."""
        return settling.bill_open_item(self)

    @property
    def state(self) -> str:
        """Always ``"issued"``."""
        return "issued"

    def __repr__(self) -> str:
        return (
            f"IssuedBill(number={self.number!r}, supplier={self.supplier!r}, state='issued', "
            f"currency={self.currency!r}, total={str(self.total.amount)!r})"
        )
