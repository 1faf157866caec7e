"""Per tax on the exact amounts (``TaxRounding.PER_TAX_EXACT``) takes each line's discounts as pricing does.

The exact, unrounded line amount that the tax is taken on follows the line's own
stacking (``Line.stacking``) and, for an additive stack past 100 %, the policy's
``DiscountOverflow.CLAMP`` (the line stops at zero, and so does its exact amount).
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given, reject
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    Discount,
    DiscountKind,
    DiscountOverflow,
    Document,
    Line,
    Money,
    OrdercoreError,
    Policy,
    Stacking,
    Tax,
    TaxRounding,
    price,
)
from ordercore.money import quantum
from ordercore.testing.strategies import documents

VAT = Tax.percent("VAT", "20")
EXACT = TaxRounding.PER_TAX_EXACT


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def line(*discounts: Discount, stacking: Stacking | None = None) -> Line:
    return Line(
        description="Desk",
        quantity="1",
        unit_price=eur("100.00"),
        discounts=discounts,
        taxes=[VAT],
        stacking=stacking,
    )


def test_a_line_of_its_own_additive_stacking_is_taken_additively() -> None:
    ten = Discount.percent("10")
    priced = price(
        Document(
            currency="EUR",
            items=[line(ten, ten, stacking=Stacking.ADDITIVE)],
            policy=Policy(tax_rounding=EXACT, stacking=Stacking.SEQUENTIAL),
        )
    )
    assert priced.lines[0].net == eur("80.00")  # 100 - 20 %, not 100 - 10 % - 10 %
    assert priced.tax_breakdown[0].amount == eur("16.00")  # not 81.00 x 20 % = 16.20


def test_a_line_of_its_own_sequential_stacking_is_taken_in_sequence() -> None:
    ten = Discount.percent("10")
    priced = price(
        Document(
            currency="EUR",
            items=[line(ten, ten, stacking=Stacking.SEQUENTIAL)],
            policy=Policy(tax_rounding=EXACT, stacking=Stacking.ADDITIVE),
        )
    )
    assert priced.lines[0].net == eur("81.00")
    assert priced.tax_breakdown[0].amount == eur("16.20")


def test_a_clamped_stack_has_no_tax() -> None:
    over = (Discount.percent("60"), Discount.percent("50"))
    for discounts in (over, (*over, Discount.per_line(eur("5.00")))):
        priced = price(
            Document(
                currency="EUR",
                items=[line(*discounts)],
                policy=Policy(
                    tax_rounding=EXACT,
                    stacking=Stacking.ADDITIVE,
                    discount_overflow=DiscountOverflow.CLAMP,
                ),
            )
        )
        assert (priced.lines[0].net, priced.tax_breakdown[0].amount) == (eur("0.00"), eur("0.00"))


plain = st.sampled_from((VAT, Tax.percent("VAT", "7"), Tax.percent("GST", "8.1", code="G")))


@given(
    documents(
        tax_rounding=EXACT,
        adjustments=AdjustmentMode.DISTRIBUTED,
        line_taxes=lambda _currency: plain,
        returns=True,
    ),
    st.sampled_from(tuple(DiscountOverflow)),
)
def test_the_exact_amount_is_within_the_roundings_of_the_line(
    document: Document, overflow: DiscountOverflow
) -> None:
    document = attrs.evolve(
        document, policy=attrs.evolve(document.policy, discount_overflow=overflow)
    )
    try:
        priced = price(document)
    except OrdercoreError:
        reject()
    step = quantum(document.currency)
    price_step = Decimal(1).scaleb(-document.policy.price_places)
    for entry, parts in zip(priced.lines, priced.taxes_per_line(), strict=True):
        line_ = entry.line
        roundings = step * (2 + len(line_.discounts))
        off = line_.price_discount
        if off is not None and off.kind is DiscountKind.PERCENT:
            roundings += line_.quantity.copy_abs() * price_step / line_.base_quantity
        for part in parts:
            taken = part.tax.factor * entry.net.amount
            assert abs(part.amount.amount - taken) <= part.tax.factor * roundings, (entry, part)
