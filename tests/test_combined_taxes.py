"""Taxes that combine: included taxes that are compound, or whose base carries a compound tax.

The worked examples are computed by hand in the comments; the properties hold whatever
the convention: each line's net and included taxes add up to its stated amount, the
lines' taxes add up to the breakdown, and the totals reconcile.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given

from ordercore import (
    AdjustmentMode,
    Charge,
    DivisionTaxes,
    Document,
    IncludedRounding,
    InvalidData,
    InvalidLine,
    InvalidTax,
    Line,
    Money,
    Policy,
    Tax,
    TaxKind,
    TaxRounding,
)
from ordercore.documents.credit_notes import _by_tax_set
from ordercore.errors import OrdercoreError, TaxesTooLarge
from ordercore.interop.plain import document_from_data, document_to_data
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


# -- division taxes levied together -------------------------------------------------------

STAMP = Tax.division("Stamp", "3", code="ST")
LEVY = Tax.division("Levy", "2", code="LV")
TOGETHER = Policy(division_taxes=DivisionTaxes.TOGETHER)


def test_neighbouring_division_taxes_share_one_gross_when_levied_together() -> None:
    # each on its own gross: 100 / 0.97 - 100 = 3.0928, 100 / 0.98 - 100 = 2.0408;
    # on one gross of 100 / 0.95: 3 % and 2 % of it, 3.1579 and 2.1053
    apart = one_line("1", "100.00", STAMP, LEVY, policy=Policy())
    assert figures(apart)[1] == [("Stamp", "100.00", "3.09"), ("Levy", "100.00", "2.04")]
    shared = one_line("1", "100.00", STAMP, LEVY, policy=TOGETHER)
    assert figures(shared)[1] == [("Stamp", "100.00", "3.16"), ("Levy", "100.00", "2.11")]
    assert [
        str(part.amount.amount.quantize(Decimal("0.0001"))) for part in shared.line_taxes(0)
    ] == [
        "3.1579",
        "2.1053",
    ]
    # the rows show the taxes the line was given
    assert [row.tax for row in shared.tax_breakdown] == [STAMP, LEVY]
    assert shared.tax_breakdown[0].tax.factor == STAMP.factor


def test_included_division_taxes_levied_together_are_their_rates_of_the_stated_amount() -> None:
    stamp, levy = (attrs.evolve(tax, included=True) for tax in (STAMP, LEVY))
    priced = one_line("1", "100.00", stamp, levy, policy=TOGETHER)
    assert figures(priced) == (
        ["95.00"],
        [("Stamp", "95.00", "3.00"), ("Levy", "95.00", "2.00")],
        "100.00",
    )
    # each on its own: 100 = n (1 + 3/97 + 2/98), n = 95.12
    assert figures(one_line("1", "100.00", stamp, levy, policy=Policy()))[0] == ["95.12"]


def test_odoo_17_levies_division_taxes_together_and_odoo_14_each() -> None:
    assert Policy.profile("odoo_17").division_taxes is DivisionTaxes.TOGETHER
    assert Policy.profile("odoo_17_round_globally").division_taxes is DivisionTaxes.TOGETHER
    assert Policy.profile("odoo_14").division_taxes is DivisionTaxes.EACH
    assert Policy().division_taxes is DivisionTaxes.EACH


@pytest.mark.parametrize(
    "line_taxes",
    [
        (STAMP, VAT, LEVY),  # a percentage between them: two grosses
        (attrs.evolve(STAMP, compound=True), LEVY),  # the first joins the second's base
        (STAMP, attrs.evolve(LEVY, included=True)),  # one included, one not
        (STAMP,),
    ],
    ids=["apart", "compound first", "included and not", "alone"],
)
def test_division_taxes_that_do_not_share_a_base_are_levied_each_on_its_own(
    line_taxes: tuple[Tax, ...],
) -> None:
    assert figures(one_line("2", "51.37", *line_taxes, policy=TOGETHER)) == figures(
        one_line("2", "51.37", *line_taxes, policy=Policy())
    )


def test_a_compound_division_tax_last_in_its_run_is_levied_with_the_others() -> None:
    priced = one_line("1", "100.00", STAMP, attrs.evolve(LEVY, compound=True), VAT, policy=TOGETHER)
    # 3.1579 and 2.1053 on one gross; VAT on 100 + 2.1053 (the compound levy)
    assert figures(priced)[1] == [
        ("Stamp", "100.00", "3.16"),
        ("Levy", "100.00", "2.11"),
        ("VAT", "102.11", "20.42"),
    ]


def test_division_rates_that_come_to_100_percent_together_are_refused() -> None:
    line = Line(
        description="Fee",
        quantity="1",
        unit_price=eur("1.00"),
        taxes=[Tax.division("A", "60"), Tax.division("B", "40")],
    )
    Document(currency="EUR", items=[line])  # each on its own gross: fine
    with pytest.raises(InvalidTax) as caught:
        Document(currency="EUR", items=[line], policy=TOGETHER)
    assert caught.value.field == "rate"
    huge = Line(
        description="Fee",
        quantity="1",
        unit_price=eur("1.00"),
        taxes=[Tax.division("A", "50"), Tax.division("B", "49.99999")],
    )
    with pytest.raises(TaxesTooLarge) as too_large:  # a divisor of 0.00001: 10**7 times
        Document(currency="EUR", items=[huge], policy=TOGETHER)
    assert too_large.value.field == "rate"
    assert all(a is b for a, b in zip(too_large.value.taxes, huge.taxes, strict=True))


def test_a_standalone_charge_levies_its_division_taxes_together() -> None:
    document = Document(
        currency="EUR",
        items=[Line(description="Fee", quantity="1", unit_price=eur("100.00"), taxes=[VAT])],
        charges=[Charge.fixed(eur("100.00"), reason="Handling", taxes=[STAMP, LEVY])],
        policy=Policy(division_taxes=DivisionTaxes.TOGETHER, adjustments=AdjustmentMode.STANDALONE),
    )
    priced = price(document)
    assert [
        str(part.amount.amount.quantize(Decimal("0.0001"))) for part in priced.adjustment_taxes(0)
    ] == [
        "3.1579",
        "2.1053",
    ]


def test_plain_data_names_the_line_whose_rates_cannot_be_levied_together() -> None:
    line = Line(
        description="Fee",
        quantity="1",
        unit_price=eur("1.00"),
        taxes=[Tax.division("A", "60"), Tax.division("B", "40")],
    )
    data = document_to_data(Document(currency="EUR", items=[line, line]))
    data["policy"]["division_taxes"] = "together"
    with pytest.raises(InvalidData) as caught:
        document_from_data(data)
    assert caught.value.path == "items[0].taxes"


def test_the_option_round_trips_through_plain_data() -> None:
    document = Document(
        currency="EUR",
        items=[Line(description="Fee", quantity="1", unit_price=eur("1.00"), taxes=[STAMP, LEVY])],
        policy=TOGETHER,
    )
    data = document_to_data(document)
    assert data["policy"]["division_taxes"] == "together"
    assert document_from_data(data) == document
    assert (
        "division_taxes" not in document_to_data(attrs.evolve(document, policy=Policy()))["policy"]
    )


def test_a_division_tax_levied_with_no_other_keeps_its_row_of_base_times_rate() -> None:
    # 10.73 + 10 % excise = 11.80; the stamp's row is round(11.80 x 3 / 97) = 0.36 either way
    excise = Tax.percent("Excise", "10", code="EXC", compound=True)
    for policy in (Policy(), TOGETHER, Policy.profile("odoo_17_round_globally")):
        rows = figures(one_line("1", "10.73", excise, STAMP, policy=policy))[1]
        assert rows == [("Excise", "10.73", "1.07"), ("Stamp", "11.80", "0.36")], policy


def test_rows_show_the_taxes_given_even_when_the_cache_of_levied_taxes_is_cleared() -> None:
    # more distinct tax sets than the cache keeps: it is cleared while the document prices
    lines = [
        Line(
            description=f"Fee {n}",
            quantity="1",
            unit_price=eur("100.00"),
            taxes=[STAMP, LEVY, Tax.percent(f"T{n}", "1", code="T")],
        )
        for n in range(4200)
    ]
    priced = price(Document(currency="EUR", items=lines, policy=TOGETHER))
    stamp_row, levy_row = priced.tax_breakdown[:2]
    assert stamp_row.tax is STAMP
    assert levy_row.tax is LEVY
    assert stamp_row.amount == eur("13263.16")  # 420,000 x 3 / 95 = 13,263.157...
    assert priced.line_taxes(4199)[0].tax is STAMP


def test_an_included_tax_on_an_amount_withheld_is_refused_when_the_line_is_made() -> None:
    withheld = Tax(
        name="WH",
        code="WH",
        kind=TaxKind.DIVISION,
        rate=Decimal(75),
        withholding=True,
        compound=True,
    )
    with pytest.raises(InvalidLine) as caught:
        Line(description="x", quantity="1", unit_price=eur("10.00"), taxes=[withheld, VAT_INCLUDED])
    assert caught.value.field == "taxes"
    # on the plain net, or before the withheld tax, it is fine
    plain = attrs.evolve(VAT_INCLUDED, on_plain_net=True)
    for taxes_of in ([withheld, plain], [VAT_INCLUDED, withheld]):
        Line(description="x", quantity="1", unit_price=eur("10.00"), taxes=taxes_of)


def test_a_credit_by_amount_weighs_standalone_charges_as_they_were_levied() -> None:
    document = Document(
        currency="EUR",
        items=[Line(description="Fee", quantity="1", unit_price=eur("100.00"), taxes=[VAT])],
        charges=[Charge.fixed(eur("100.00"), reason="Handling", taxes=[STAMP, LEVY])],
        policy=Policy(division_taxes=DivisionTaxes.TOGETHER, adjustments=AdjustmentMode.STANDALONE),
    )
    priced = price(document)
    charged = sum((part.amount.amount for part in priced.adjustment_taxes(0)), Decimal(0))
    weights = _by_tax_set(priced, taxed=True)
    assert weights[(STAMP, LEVY)] == Decimal("100.00") + charged  # 105.263...
