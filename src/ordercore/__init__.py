"""ordercore: the order-to-invoice money core.

Exact pricing, discounts, taxes and totals as pure, immutable Python domain objects.

>>> from ordercore import Document, Line, Money, Tax, price
>>> priced = price(Document(currency="EUR", items=[
...     Line(description="Widget", quantity="3", unit_price=Money("17.99", "EUR"),
...          taxes=[Tax.percent("VAT", "20")]),
... ]))
>>> priced.totals.tax_inclusive
Money('64.76', 'EUR')
"""

from ordercore.documents import (
    AcceptedQuote,
    Changed,
    CreditNote,
    DraftInvoice,
    DraftQuote,
    IssuedInvoice,
    NumberingSeries,
    QuoteContent,
    QuoteLine,
    SentQuote,
    VoidedInvoice,
)
from ordercore.errors import (
    CurrencyMismatch,
    FloatNotAllowed,
    InvalidAdjustment,
    InvalidAllocation,
    InvalidAmount,
    InvalidData,
    InvalidDiscount,
    InvalidDocument,
    InvalidLine,
    InvalidNumber,
    InvalidTax,
    InvalidType,
    OrdercoreError,
    OverCrediting,
    UnknownCurrency,
    UnknownLocale,
)
from ordercore.events import Event, Request
from ordercore.money import CashRounding, ExchangeRate, Money, RoundingMode, allocate
from ordercore.pricing import (
    AdjustmentMode,
    Allowance,
    Charge,
    Discount,
    Document,
    Group,
    Line,
    LineKind,
    Policy,
    PricedDocument,
    PricedLine,
    Stacking,
    Tax,
    TaxRounding,
    TaxSubtotal,
    Totals,
    price,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "AcceptedQuote",
    "AdjustmentMode",
    "Allowance",
    "CashRounding",
    "Changed",
    "Charge",
    "CreditNote",
    "CurrencyMismatch",
    "Discount",
    "Document",
    "DraftInvoice",
    "DraftQuote",
    "Event",
    "ExchangeRate",
    "FloatNotAllowed",
    "Group",
    "InvalidAdjustment",
    "InvalidAllocation",
    "InvalidAmount",
    "InvalidData",
    "InvalidDiscount",
    "InvalidDocument",
    "InvalidLine",
    "InvalidNumber",
    "InvalidTax",
    "InvalidType",
    "IssuedInvoice",
    "Line",
    "LineKind",
    "Money",
    "NumberingSeries",
    "OrdercoreError",
    "OverCrediting",
    "Policy",
    "PricedDocument",
    "PricedLine",
    "QuoteContent",
    "QuoteLine",
    "Request",
    "RoundingMode",
    "SentQuote",
    "Stacking",
    "Tax",
    "TaxRounding",
    "TaxSubtotal",
    "Totals",
    "UnknownCurrency",
    "UnknownLocale",
    "VoidedInvoice",
    "allocate",
    "price",
]
