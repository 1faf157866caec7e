"""Settlement: how documents are paid.

Payment terms (:mod:`ordercore.settlement.terms`): the installments an amount is paid in,
their due dates, and early-payment discounts. Open items
(:mod:`ordercore.settlement.open_items`): what payments settle, an issued invoice, bill
or credit note as settlement sees it, without the document behind it. Payments
(:mod:`ordercore.settlement.payments`): money received from customers or sent to
suppliers, and refunds of either. Their allocation to open items, customer credit and
aging are to follow. This package never
imports the documents.
"""

from ordercore.settlement.ledger import Allocation, Ledger
from ordercore.settlement.open_items import Direction, DocumentKind, DocumentRef, OpenItem
from ordercore.settlement.payments import Payment, PaymentKind
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
    "Allocation",
    "AmountBreakdown",
    "Direction",
    "DiscountBase",
    "DiscountSplit",
    "DocumentKind",
    "DocumentRef",
    "DueRule",
    "DueStep",
    "EarlyPaymentDiscount",
    "Installment",
    "Ledger",
    "OpenItem",
    "Payment",
    "PaymentKind",
    "PaymentTerm",
    "ScheduledInstallment",
    "ShareKind",
    "Weekday",
]
