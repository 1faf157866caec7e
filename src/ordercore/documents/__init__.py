"""Documents: invoices (draft, issued, voided) and their numbering.

Each state is its own type: a draft has the methods that change it, an issued invoice has
none. Every change returns the new document and the domain events it caused.
"""

from ordercore.documents.invoices import (
    Changed,
    DraftInvoice,
    InvoiceDraftCreated,
    InvoiceDraftRevised,
    InvoiceDraftVoided,
    InvoiceIssued,
    IssuedInvoice,
    VoidedInvoice,
)
from ordercore.documents.numbering import NumberingSeries

__all__ = [
    "Changed",
    "DraftInvoice",
    "InvoiceDraftCreated",
    "InvoiceDraftRevised",
    "InvoiceDraftVoided",
    "InvoiceIssued",
    "IssuedInvoice",
    "NumberingSeries",
    "VoidedInvoice",
]
