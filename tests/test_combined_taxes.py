"""Taxes that combine: included taxes that are compound, or whose base carries a compound tax.

The worked examples are computed by hand in the comments; the properties hold whatever
the convention: each line's net and included taxes add up to its stated amount, the
lines' taxes add up to the breakdown, and the totals reconcile.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given

from ordercore import (
    Document,
    IncludedRounding,
    InvalidLine,
    Line,
    Money,
    Policy,
    Tax,
    TaxKind,
    TaxRounding,
)
from ordercore.errors import OrdercoreError
from ordercore.money import quantum
from ordercore.pricing import PricedDocument, price
from ordercore.testing.strategies import documents, taxes

EXCISE_INCLUDED = Tax.percent("Excise", "10", code="EXC", included=True, compound=True)
EXCISE = Tax.percent("Excise", "10", code="EXC", compound=True)
VAT_INCLUDED = Tax.percent("VAT", "20", included=True)
VAT = Tax.percent("VAT", "20")
ECO_FEE = Tax.per_unit("Eco fee", Money("0.50", "EUR"), code="ECO", compound=True)

POLICIES = [
    Policy(),
    Policy(tax_rounding=TaxRounding.PER_LINE),
    Policy(tax_rounding=TaxRounding.PER_TAX_EXACT),
    Policy(tax_rounding=TaxRounding.PER_GROUP),
    Policy(tax_rounding=TaxRounding.COMPENSATED),
    Policy(included_rounding=IncludedRounding.TAX_FIRST),
    Policy.profile("odoo_17"),
    Policy.profile("odoo_17_round_globally"),
    Policy.profile("odoo_14"),
    Policy.profile("erpnext"),
    Policy.profile("tryton"),
]


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def one_line(quantity: str, unit_price: str, *line_taxes: Tax, policy: Policy) -> PricedDocument:
    line = Line(
        description="Item", quantity=quantity, unit_price=eur(unit_price), taxes=list(line_taxes)
    )
    return price(Document(currency="EUR", items=[line], policy=policy))


def figures(priced: PricedDocument) -> tuple[list[str], list[tuple[str, str, str]], str]:
    return (
        [str(line.net.amount) for line in priced.lines],
        [
            (row.tax.name, str(row.base.amount), str(row.amount.amount))
            for row in priced.tax_breakdown
        ],
        str(priced.totals.tax_inclusive.amount),
    )


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_an_included_compound_excise_enters_the_included_vat_base(policy: Policy) -> None:
    # 132.00 = n + 10 % n + 20 % (n + 10 % n) = 1.32 n: n = 100, excise 10, VAT 22 on 110
    priced = one_line("1", "132.00", EXCISE_INCLUDED, VAT_INCLUDED, policy=policy)
    assert figures(priced) == (
        ["100.00"],
        [("Excise", "100.00", "10.00"), ("VAT", "110.00", "22.00")],
        "132.00",
    )


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_an_included_compound_excise_enters_an_added_vat_base(policy: Policy) -> None:
    # 110.00 = n + 10 % n: n = 100, excise 10; VAT added on 110: 22; 132 in all
    priced = one_line("1", "110.00", EXCISE_INCLUDED, VAT, policy=policy)
    assert figures(priced) == (
        ["100.00"],
        [("Excise", "100.00", "10.00"), ("VAT", "110.00", "22.00")],
        "132.00",
    )


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_an_added_compound_excise_enters_an_included_vat_base(policy: Policy) -> None:
    # 122.00 = n + 20 % (n + 10 % n) = 1.22 n: n = 100; excise 10 added; VAT 22 on 110
    priced = one_line("1", "122.00", EXCISE, VAT_INCLUDED, policy=policy)
    assert figures(priced) == (
        ["100.00"],
        [("Excise", "100.00", "10.00"), ("VAT", "110.00", "22.00")],
        "132.00",
    )


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_a_per_unit_fee_enters_the_base_of_an_included_vat(policy: Policy) -> None:
    # 4 x 60.00 = 240.00 = n + 20 % (n + 4 x 0.50) = 1.2 n + 0.40: n = 199.666..., 199.67;
    # the fee 2.00 is added to the price; VAT 20 % of 201.67 = 40.33 = 240.00 - 199.67
    priced = one_line("4", "60.00", ECO_FEE, VAT_INCLUDED, policy=policy)
    assert figures(priced) == (
        ["199.67"],
        [("Eco fee", "199.67", "2.00"), ("VAT", "201.67", "40.33")],
        "242.00",
    )
    # the customer pays the stated amount and the fee added to it
    assert priced.totals.tax_inclusive == eur("240.00") + eur("2.00")


def test_a_return_mirrors_the_sale() -> None:
    for policy in POLICIES:
        sale = one_line("3", "13.27", EXCISE_INCLUDED, VAT_INCLUDED, policy=policy)
        back = one_line("-3", "13.27", EXCISE_INCLUDED, VAT_INCLUDED, policy=policy)
        assert back.totals.tax_inclusive == -sale.totals.tax_inclusive
        assert [row.amount for row in back.tax_breakdown] == [
            -row.amount for row in sale.tax_breakdown
        ]


def test_an_included_compound_tax_that_no_later_tax_takes_prices_as_a_plain_one() -> None:
    plain = Tax.percent("Excise", "10", code="EXC", included=True)
    for policy in POLICIES:

        def priced_with(excise: Tax, policy: Policy = policy) -> PricedDocument:
            items = [
                Line(description="x", quantity=q, unit_price=eur(p), taxes=[VAT_INCLUDED, excise])
                for q, p in (("3", "13.27"), ("1", "0.99"), ("7", "4.05"))
            ]
            return price(Document(currency="EUR", items=items, policy=policy))

        compound, alone = priced_with(EXCISE_INCLUDED), priced_with(plain)
        assert compound.totals == alone.totals
        assert [line.net for line in compound.lines] == [line.net for line in alone.lines]


def test_a_stated_amount_that_does_not_cover_the_fee_in_the_vat_base_is_refused() -> None:
    # 0.05 = n + 20 % (n + 0.50): n = (0.05 - 0.10) / 1.2 < 0
    for policy in POLICIES:
        with pytest.raises(InvalidLine) as caught:
            one_line("1", "0.05", ECO_FEE, VAT_INCLUDED, policy=policy)
        assert (caught.value.line, caught.value.field) == ("Item", "taxes")


def test_a_compound_included_tax_is_made_and_shown() -> None:
    assert EXCISE_INCLUDED.included
    assert EXCISE_INCLUDED.compound
    assert "included=True, compound=True" in repr(EXCISE_INCLUDED)


# -- properties ---------------------------------------------------------------------------

_ANY_TAXES = functools.partial(
    taxes, kinds=(TaxKind.PERCENT, TaxKind.PER_UNIT, TaxKind.DIVISION), withholding=False
)


def _chain_factor(line_taxes: tuple[Tax, ...], *, included: bool) -> tuple[Fraction, Fraction]:
    """Per unit of net and per unit of quantity: what the (included or added) taxes come to."""
    per_net = per_quantity = compound_n = compound_q = Fraction(0)
    for tax in line_taxes:
        base_n, base_q = (
            (Fraction(1), Fraction(0))
            if tax.on_plain_net
            else (
                1 + compound_n,
                compound_q,
            )
        )
        rate = Fraction(tax.rate)
        if tax.kind is TaxKind.PER_UNIT:
            a, b = Fraction(0), rate
        else:
            own = rate / 100 if tax.kind is TaxKind.PERCENT else rate / (100 - rate)
            a, b = base_n * own, base_q * own
        if tax.compound:
            compound_n, compound_q = compound_n + a, compound_q + b
        if tax.included == included:
            per_net, per_quantity = per_net + a, per_quantity + b
    return per_net, per_quantity


@given(documents(line_taxes=_ANY_TAXES, included_rounding=None, residual_cent=None, returns=True))
def test_every_line_is_within_a_minor_unit_of_its_exact_chain_net(document: Document) -> None:
    try:
        result = price(document)
    except OrdercoreError:
        return  # refused as a whole (an allowance larger than its net, and so on)
    step = Fraction(quantum(document.currency))
    for entry in result.lines:
        line = entry.line
        if not line.has_included_tax or line.unit_price.amount < 0:
            continue
        a, b = _chain_factor(line.taxes, included=True)
        exact = (Fraction(entry.stated.amount) - Fraction(line.quantity) * b) / (1 + a)
        # backed out of the line alone, or of summed amounts and spread back: within a
        # minor unit of its own exact net either way (tax first: the rounded included taxes
        # may each move it by half a unit)
        slack = step * (1 + len(line.included_taxes))
        assert abs(Fraction(entry.net.amount) - exact) <= slack, (line, float(exact))


@given(documents(line_taxes=_ANY_TAXES, included_rounding=None, residual_cent=None, returns=True))
def test_a_line_net_and_its_included_taxes_add_up_to_its_stated_amount(document: Document) -> None:
    try:
        result = price(document)
    except OrdercoreError:
        return  # refused as a whole (an allowance larger than its net, and so on)
    totals = result.totals
    assert totals.tax_exclusive + totals.tax == totals.tax_inclusive
    for entry, amounts in zip(result.lines, result.taxes_per_line(), strict=True):
        included = sum((part.amount.amount for part in amounts if part.tax.included), Decimal(0))
        assert entry.net.amount + included == entry.stated.amount, entry
