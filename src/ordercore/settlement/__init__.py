"""Settlement: how documents are paid.

Payment terms (:mod:`ordercore.settlement.terms`): the installments an amount is paid in,
their due dates, and early-payment discounts. Open items
(:mod:`ordercore.settlement.open_items`): what payments settle, an issued invoice, bill
or credit note as settlement sees it, without the document behind it. Payments
(:mod:`ordercore.settlement.payments`): money received from customers or sent to
suppliers, and refunds of either. The ledger (:mod:`ordercore.settlement.ledger`): open
items, payments and the entries between them (:mod:`ordercore.settlement.entries`:
allocations, write-offs, discounts taken), customer credit, allocation policies
(:mod:`ordercore.settlement.policies`). Accounts (:mod:`ordercore.settlement.accounts`):
one party's ledger as the record a host stores. Reports (:mod:`ordercore.settlement.reports`):
aging, days sales outstanding, statements. This package never imports the documents.
"""

from ordercore.settlement.accounts import Account
from ordercore.settlement.entries import (
    Allocation,
    CreditRefunded,
    DiscountTaken,
    ItemStatus,
    WriteOff,
)
from ordercore.settlement.ledger import Ledger
from ordercore.settlement.open_items import Direction, DocumentKind, DocumentRef, OpenItem
from ordercore.settlement.payments import Payment, PaymentKind
from ordercore.settlement.policies import AllocationPolicy, Candidate, OldestFirst
from ordercore.settlement.reports import (
    Aging,
    AgingRow,
    Statement,
    StatementLine,
    aging,
    days_sales_outstanding,
    statement,
)
from ordercore.settlement.terms import (
    MAX_DAYS,
    MAX_MONTHS,
    MAX_STEPS,
    MAX_WEEKS,
    AmountBreakdown,
    DiscountBase,
    DiscountSplit,
    DueRule,
    DueStep,
    EarlyPaymentDiscount,
    Installment,
    PaymentTerm,
    ScheduledInstallment,
    ShareKind,
    Weekday,
)

__all__ = [
    "MAX_DAYS",
    "MAX_MONTHS",
    "MAX_STEPS",
    "MAX_WEEKS",
    "Account",
    "Aging",
    "AgingRow",
    "Allocation",
    "AllocationPolicy",
    "AmountBreakdown",
    "Candidate",
    "CreditRefunded",
    "Direction",
    "DiscountBase",
    "DiscountSplit",
    "DiscountTaken",
    "DocumentKind",
    "DocumentRef",
    "DueRule",
    "DueStep",
    "EarlyPaymentDiscount",
    "Installment",
    "ItemStatus",
    "Ledger",
    "OldestFirst",
    "OpenItem",
    "Payment",
    "PaymentKind",
    "PaymentTerm",
    "ScheduledInstallment",
    "ShareKind",
    "Statement",
    "StatementLine",
    "Weekday",
    "WriteOff",
    "aging",
    "days_sales_outstanding",
    "statement",
]
