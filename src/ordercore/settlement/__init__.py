"""Settlement: how documents are paid.

For now, payment terms (:mod:`ordercore.settlement.terms`): the installments an amount is
paid in, their due dates, and early-payment discounts. Payments, their allocation to
open invoices, customer credit and aging are to follow.
"""

from ordercore.settlement.terms import (
    MAX_DAYS,
    MAX_MONTHS,
    DueKind,
    DueRule,
    EarlyPaymentDiscount,
    Installment,
    PaymentTerm,
    ScheduledInstallment,
    ShareKind,
)

__all__ = [
    "MAX_DAYS",
    "MAX_MONTHS",
    "DueKind",
    "DueRule",
    "EarlyPaymentDiscount",
    "Installment",
    "PaymentTerm",
    "ScheduledInstallment",
    "ShareKind",
]
