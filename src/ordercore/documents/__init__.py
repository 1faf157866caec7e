"""Documents: quotes, invoices (draft, issued, voided), credit notes, and their numbering.

Each state is its own type: a draft has the methods that change it, an issued invoice has
none. Every change returns the new document and the domain events it caused.
"""

from ordercore.documents.credit_notes import (
    CreditedLine,
    CreditNote,
    CreditNoteIssued,
    credit_in_full,
    credit_lines,
    standalone_credit,
)
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
from ordercore.documents.quotes import (
    AcceptedQuote,
    DeclinedQuote,
    Delta,
    DraftQuote,
    ExpiredQuote,
    LineChange,
    QuoteAccepted,
    QuoteContent,
    QuoteCreated,
    QuoteDeclined,
    QuoteExpired,
    QuoteLine,
    QuoteRevised,
    QuoteSent,
    SentQuote,
)

__all__ = [
    "AcceptedQuote",
    "Changed",
    "CreditNote",
    "CreditNoteIssued",
    "CreditedLine",
    "DeclinedQuote",
    "Delta",
    "DraftInvoice",
    "DraftQuote",
    "ExpiredQuote",
    "InvoiceDraftCreated",
    "InvoiceDraftRevised",
    "InvoiceDraftVoided",
    "InvoiceIssued",
    "IssuedInvoice",
    "LineChange",
    "NumberingSeries",
    "QuoteAccepted",
    "QuoteContent",
    "QuoteCreated",
    "QuoteDeclined",
    "QuoteExpired",
    "QuoteLine",
    "QuoteRevised",
    "QuoteSent",
    "SentQuote",
    "VoidedInvoice",
    "credit_in_full",
    "credit_lines",
    "standalone_credit",
]
