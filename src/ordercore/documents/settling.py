"""The open items of issued documents: what payments will settle.

Each issued document that leaves an amount open with a party says so as an
:class:`~ordercore.settlement.OpenItem` (``IssuedInvoice.open_item()``,
``IssuedBill.open_item()``, ``CreditNote.open_item()``); the functions here make them,
so that the settlement package never needs to know a document. The rules:

* an issued invoice is a **receivable** of its customer, for its amount due (taxes
  included, less what was prepaid, with any cash rounding), positive;
* an issued bill is a **payable** to its supplier, for its amount due, positive;
* a credit note takes from what is owed: ours (it names a customer) is a receivable,
  a supplier's (it names a supplier) a payable, for its total, negative. It names the
  invoice or bill it credits (``against``), if it credits one;
* the installments are the document's payment-term schedule of the amount due, with
  their early-payment discounts; a document issued without a term, and every credit
  note, falls due in one installment: on its due date, or on its issue date when it
  has none (a credit note is available at once).

>>> import datetime as dt
>>> from ordercore import Document, DraftInvoice, Line, Money, PaymentTerm, Request, Tax
>>> def request(key):
...     return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
...                    business_date=dt.date(2026, 11, 23))
>>> content = Document(currency="EUR", items=[
...     Line(description="Consulting", quantity="8", unit_price=Money("120.00", "EUR"),
...          taxes=[Tax.percent("VAT", "20")]),
... ])
>>> draft = DraftInvoice.create(id="inv-1", customer="acme", content=content,
...                             request=request("r1")).document
>>> invoice = draft.issue(number="INV-1", issue_date=dt.date(2026, 11, 23),
...                       payment_term=PaymentTerm.deposit("30", days=30),
...                       request=request("r2")).document
>>> print(invoice.open_item())
receivable invoice INV-1, acme: EUR 1152.00 in 2 installments: EUR 345.60 due 2026-11-23, EUR 806.40 due 2026-12-23
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ordercore.settlement.open_items import Direction, DocumentRef, OpenItem
from ordercore.settlement.terms import ScheduledInstallment

if TYPE_CHECKING:
    import datetime as dt

    from ordercore.documents._lifecycle import Issued
    from ordercore.documents.bills import IssuedBill
    from ordercore.documents.credit_notes import CreditNote
    from ordercore.documents.invoices import IssuedInvoice
    from ordercore.money.amount import Money

# The entry points are the documents' own ``open_item()`` methods.
__all__: list[str] = []


def _schedule(
    installments: tuple[ScheduledInstallment, ...],
    amount: Money,
    issue_date: dt.date,
    due_date: dt.date | None,
) -> tuple[ScheduledInstallment, ...]:
    """The document's installments, or one of the whole amount when it has none."""
    if installments:
        return installments
    return (
        ScheduledInstallment(due_date=issue_date if due_date is None else due_date, amount=amount),
    )


def invoice_open_item(invoice: IssuedInvoice) -> OpenItem:
    """The receivable an issued invoice leaves open with its customer."""
    return _issued_open_item(invoice, DocumentRef.invoice(invoice.number), invoice.customer)


def bill_open_item(bill: IssuedBill) -> OpenItem:
    """The payable an issued bill leaves open with its supplier."""
    return _issued_open_item(bill, DocumentRef.bill(bill.number), bill.supplier)


def _issued_open_item(document: Issued, ref: DocumentRef, party: str) -> OpenItem:
    """What an issued invoice or bill leaves open with ``party``: its amount due."""
    amount = document.amount_due
    return OpenItem(
        document=ref,
        party=party,
        amount=amount,
        issue_date=document.issue_date,
        installments=_schedule(
            document.installments, amount, document.issue_date, document.due_date
        ),
    )


def credit_note_open_item(note: CreditNote) -> OpenItem:
    """What a credit note takes from its party's open balance: a negative item, due at once."""
    if note.customer is not None:
        direction, party = Direction.RECEIVABLE, note.customer
        against = None if note.invoice_number is None else DocumentRef.invoice(note.invoice_number)
    else:
        # a credit note names a customer or a supplier (CreditNote checks it)
        direction, party = Direction.PAYABLE, str(note.supplier)
        against = None if note.invoice_number is None else DocumentRef.bill(note.invoice_number)
    due = note.amount_due
    amount = -due if due.amount else due  # never a negative zero
    return OpenItem(
        document=DocumentRef.credit_note(note.number, direction),
        party=party,
        amount=amount,
        issue_date=note.issue_date,
        installments=_schedule((), amount, note.issue_date, None),
        against=against,
    )
