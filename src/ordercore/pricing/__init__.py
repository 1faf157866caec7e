"""Pricing: lines in groups, discounts, charges, taxes, and the one computation of totals.

Build a :class:`Document` of :class:`Line` items (optionally in :class:`Group` s), with
:class:`Discount` s, :class:`Tax` es, :class:`Allowance` s and :class:`Charge` s, and a
:class:`Policy`; :func:`price` returns a :class:`PricedDocument`.
"""

from ordercore.pricing.discounts import Discount, DiscountKind, DiscountOverflow, Stacking
from ordercore.pricing.document import (
    AdjustmentMode,
    Allowance,
    Charge,
    Document,
    Group,
    NegativePrices,
    Policy,
    TaxCorrection,
)
from ordercore.pricing.engine import price
from ordercore.pricing.lines import Line, LineKind, PriceSource
from ordercore.pricing.results import (
    LineTax,
    PricedAdjustment,
    PricedDocument,
    PricedGroup,
    PricedLine,
    TaxSubtotal,
    Totals,
)
from ordercore.pricing.taxes import (
    DivisionTaxes,
    IncludedBackOut,
    IncludedRounding,
    ResidualCent,
    Tax,
    TaxKind,
    TaxRounding,
)

__all__ = [
    "AdjustmentMode",
    "Allowance",
    "Charge",
    "Discount",
    "DiscountKind",
    "DiscountOverflow",
    "DivisionTaxes",
    "Document",
    "Group",
    "IncludedBackOut",
    "IncludedRounding",
    "Line",
    "LineKind",
    "LineTax",
    "NegativePrices",
    "Policy",
    "PriceSource",
    "PricedAdjustment",
    "PricedDocument",
    "PricedGroup",
    "PricedLine",
    "ResidualCent",
    "Stacking",
    "Tax",
    "TaxCorrection",
    "TaxKind",
    "TaxRounding",
    "TaxSubtotal",
    "Totals",
    "price",
]
