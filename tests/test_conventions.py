"""Pricing conventions (docs/conventions.md): each option of the policy on numbers worked by hand.

Tax rounding granularity (``TaxRounding``), which figure of a tax-inclusive amount is
rounded first (``IncludedRounding``) and where several included taxes' residual cent goes
(``ResidualCent``); then the properties that hold whatever the options.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    CashRounding,
    CashRoundingStrategy,
    Discount,
    DiscountOverflow,
    Document,
    FloatNotAllowed,
    IncludedBackOut,
    IncludedRounding,
    InvalidAmount,
    InvalidData,
    InvalidDiscount,
    InvalidLine,
    InvalidNumber,
    InvalidType,
    Line,
    Money,
    NumberOutOfRange,
    OrdercoreError,
    Policy,
    PricedDocument,
    Request,
    ResidualCent,
    RoundingMode,
    SalesOrder,
    Stacking,
    Tax,
    TaxCorrection,
    TaxRounding,
    price,
)
from ordercore.documents import InvoicingPolicy
from ordercore.interop.plain import (
    document_from_data,
    document_to_data,
    priced_from_data,
    priced_to_data,
)
from ordercore.money import quantum, round_to
from ordercore.testing.strategies import documents, taxes

VAT10 = Tax.percent("VAT", "10")
VAT19 = Tax.percent("VAT", "19")
VAT20 = Tax.percent("VAT", "20")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def line(quantity: str, unit_price: str, *line_taxes: Tax, **fields: object) -> Line:
    return Line(
        description=str(fields.pop("description", "Item")),
        quantity=quantity,
        unit_price=eur(unit_price),
        taxes=list(line_taxes),
        **fields,  # type: ignore[arg-type]
    )


def priced(*lines: Line, **policy: object) -> PricedDocument:
    return price(Document(currency="EUR", items=list(lines), policy=Policy(**policy)))  # type: ignore[arg-type]


def rows(result: PricedDocument) -> list[tuple[str, str]]:
    return [(str(row.base.amount), str(row.amount.amount)) for row in result.tax_breakdown]


def line_taxes(result: PricedDocument) -> list[str]:
    return [str(priced_line.tax.amount) for priced_line in result.lines]


# -- tax rounding granularity ---------------------------------------------------------


def test_the_default_is_per_rate_on_rounded_line_nets() -> None:
    assert Policy().tax_rounding is TaxRounding.PER_RATE
    # seven lines of 0.105 at 10 %: each net rounds to 0.11, 0.77 in all, 10 % is 0.077
    seven = [line("1", "0.105", VAT10) for _ in range(7)]
    assert rows(priced(*seven)) == [("0.77", "0.08")]
    assert rows(priced(*seven)) == rows(priced(*seven, tax_rounding=TaxRounding.PER_RATE))


def test_per_line_rounds_each_lines_tax() -> None:
    # 10 % of 0.11 is 0.011, 0.01 on each of seven lines
    seven = [line("1", "0.105", VAT10) for _ in range(7)]
    result = priced(*seven, tax_rounding=TaxRounding.PER_LINE)
    assert rows(result) == [("0.77", "0.07")]
    assert line_taxes(result) == ["0.01"] * 7


def test_per_tax_exact_takes_the_tax_on_the_unrounded_line_amounts() -> None:
    # exactly 7 x 0.105 = 0.735, 10 % of it 0.0735: 0.07, where per rate gives 0.08
    seven = [line("1", "0.105", VAT10) for _ in range(7)]
    result = priced(*seven, tax_rounding=TaxRounding.PER_TAX_EXACT)
    assert rows(result) == [("0.77", "0.07")]
    assert result.totals.lines_net == eur("0.77")
    assert result.totals.tax_inclusive == eur("0.84")


def test_per_tax_exact_takes_discounts_exactly_too() -> None:
    # 10.05 less 50 %: rounded, the discount is 5.03 and the net 5.02, whose 20 % is 1.004;
    # exactly, the net is 5.025 and its 20 % 1.005, rounded half up to 1.01
    half = line("1", "10.05", VAT20, discounts=[Discount.percent("50")])
    assert rows(priced(half)) == [("5.02", "1.00")]
    assert rows(priced(half, tax_rounding=TaxRounding.PER_TAX_EXACT)) == [("5.02", "1.01")]


def test_per_tax_exact_takes_a_price_base_quantity_exactly() -> None:
    # 1.00 per 3 units, 10 lines of one unit: each 0.333... rounds to 0.33 (3.30 in all, 20 %
    # is 0.66); exactly the lines make 3.333..., whose 20 % is 0.666..., so 0.67
    thirds = [line("1", "1.00", VAT20, base_quantity="3") for _ in range(10)]
    assert rows(priced(*thirds)) == [("3.30", "0.66")]
    assert rows(priced(*thirds, tax_rounding=TaxRounding.PER_TAX_EXACT)) == [("3.30", "0.67")]


def test_per_group_keeps_sales_and_returns_on_rows_of_their_own() -> None:
    # sales 2 x 2.50 at 19 %: 0.95; the return -2.50: -0.475, half up -0.48; per rate the
    # base 2.50 gives 0.475, so 0.48
    lines = [line("1", "2.50", VAT19), line("1", "2.50", VAT19), line("-1", "2.50", VAT19)]
    assert rows(priced(*lines)) == [("2.50", "0.48")]
    result = priced(*lines, tax_rounding=TaxRounding.PER_GROUP)
    assert rows(result) == [("5.00", "0.95"), ("-2.50", "-0.48")]
    assert result.totals.tax == eur("0.47")
    assert result.totals.tax_inclusive == eur("2.97")


def test_per_group_rounds_each_set_of_taxes_apart() -> None:
    # one line with VAT and a fee, three without: 19 % of 2.50 is 0.475 (0.48), of 7.50 1.425
    # (1.43): 1.91, where per rate 19 % of 10.00 is 1.90
    fee = Tax.per_unit("Fee", eur("0.10"), code="F")
    lines = [line("1", "2.50", VAT19, fee), line("3", "2.50", VAT19)]
    assert rows(priced(*lines)) == [("10.00", "1.90"), ("2.50", "0.10")]
    assert rows(priced(*lines, tax_rounding=TaxRounding.PER_GROUP)) == [
        ("10.00", "1.91"),
        ("2.50", "0.10"),
    ]


def test_per_group_backs_included_taxes_out_of_each_group() -> None:
    # 9.99 including 19 %: per rate, two sales and a return back out of 9.99 (8.39 net, 1.60
    # tax); per group, the sales back out of 19.98 (16.79, 3.19) and the return of -9.99
    # (-8.39, -1.60): 1.59 of tax in all
    vat = Tax.percent("VAT", "19", included=True)
    lines = [line("1", "9.99", vat), line("1", "9.99", vat), line("-1", "9.99", vat)]
    assert rows(priced(*lines)) == [("8.39", "1.60")]
    result = priced(*lines, tax_rounding=TaxRounding.PER_GROUP)
    assert rows(result) == [("16.79", "3.19"), ("-8.39", "-1.60")]
    assert result.totals.tax_inclusive == eur("9.99")


def test_compensated_corrects_each_lines_tax_by_the_running_sum() -> None:
    # exact running sums 0.475, 0.95, 1.425, 1.90 round to 0.48, 0.95, 1.43, 1.90: the lines
    # take 0.48, 0.47, 0.48, 0.47; per line each would be 0.48 (1.92)
    four = [line("1", "2.50", VAT19) for _ in range(4)]
    result = priced(*four, tax_rounding=TaxRounding.COMPENSATED)
    assert line_taxes(result) == ["0.48", "0.47", "0.48", "0.47"]
    assert rows(result) == [("10.00", "1.90")]
    assert rows(priced(*four, tax_rounding=TaxRounding.PER_LINE)) == [("10.00", "1.92")]


def test_compensated_keeps_a_running_sum_per_rate() -> None:
    # 19 %: 0.475 -> 0.48, then 0.95 -> 0.95 (0.47); 10 % on 0.15 is 0.015 -> 0.02, then
    # 0.03 -> 0.03 (0.01)
    lines = [
        line("1", "2.50", VAT19),
        line("1", "0.15", VAT10),
        line("1", "2.50", VAT19),
        line("1", "0.15", VAT10),
    ]
    result = priced(*lines, tax_rounding=TaxRounding.COMPENSATED)
    assert line_taxes(result) == ["0.48", "0.02", "0.47", "0.01"]
    assert rows(result) == [("5.00", "0.95"), ("0.30", "0.03")]


def test_every_granularity_agrees_where_nothing_is_to_round() -> None:
    lines = [line("2", "10.00", VAT20), line("-1", "5.00", VAT20)]
    for mode in TaxRounding:
        result = priced(*lines, tax_rounding=mode)
        assert result.totals.tax == eur("3.00"), mode
        assert sum(Decimal(tax) for tax in line_taxes(result)) == Decimal("3.00"), mode


# -- included taxes ---------------------------------------------------------------------


def test_net_first_is_the_default_and_the_tax_takes_the_rest() -> None:
    # 0.15 including 20 %: exactly 0.125 net, 0.025 tax; the net rounds to 0.13
    result = priced(line("1", "0.15", Tax.percent("VAT", "20", included=True)))
    assert Policy().included_rounding is IncludedRounding.NET_FIRST
    assert (result.lines[0].net, result.totals.tax) == (eur("0.13"), eur("0.02"))


def test_tax_first_rounds_the_tax_and_the_net_takes_the_rest() -> None:
    vat = Tax.percent("VAT", "20", included=True)
    result = priced(line("1", "0.15", vat), included_rounding=IncludedRounding.TAX_FIRST)
    assert (result.lines[0].net, result.totals.tax) == (eur("0.12"), eur("0.03"))
    assert result.totals.tax_inclusive == eur("0.15")


def test_tax_first_per_line_and_per_rate() -> None:
    # two lines of 0.15 including 20 %: per line each is 0.12 + 0.03 (tax first) or
    # 0.13 + 0.02 (net first); per rate 0.30 is exactly 0.25 + 0.05 either way
    vat = Tax.percent("VAT", "20", included=True)
    lines = [line("1", "0.15", vat), line("1", "0.15", vat)]
    tax_first = IncludedRounding.TAX_FIRST
    per_line = TaxRounding.PER_LINE
    assert rows(priced(*lines, tax_rounding=per_line)) == [("0.26", "0.04")]
    assert rows(priced(*lines, tax_rounding=per_line, included_rounding=tax_first)) == [
        ("0.24", "0.06")
    ]
    assert rows(priced(*lines)) == [("0.25", "0.05")]
    assert rows(priced(*lines, included_rounding=tax_first)) == [("0.25", "0.05")]


WINE = (
    Tax.percent("VAT", "20", included=True),
    Tax.percent("Duty", "5", code="D", included=True),
)


def split(result: PricedDocument) -> tuple[str, list[str]]:
    return str(result.lines[0].net.amount), [str(row.amount.amount) for row in result.tax_breakdown]


def test_the_residual_cent_of_several_included_taxes() -> None:
    # 1.03 including 20 % and 5 %: net 1.03 / 1.25 = 0.824, so 0.82, and the taxes share 0.21;
    # exactly 0.1648 and 0.0412, rounded 0.16 and 0.04 (0.20): one cent to place
    wine = line("1", "1.03", *WINE)
    assert Policy().residual_cent is ResidualCent.LARGEST_REMAINDER
    assert split(priced(wine)) == ("0.82", ["0.17", "0.04"])  # remainder 0.0048 > 0.0012
    last = priced(wine, residual_cent=ResidualCent.LAST_TAX)
    assert split(last) == ("0.82", ["0.16", "0.05"])
    first = priced(wine, residual_cent=ResidualCent.FIRST_TAX)
    assert split(first) == ("0.82", ["0.17", "0.04"])
    tax_first = priced(wine, included_rounding=IncludedRounding.TAX_FIRST)
    assert split(tax_first) == ("0.83", ["0.16", "0.04"])
    for result in (last, first, tax_first):
        assert result.totals.tax_inclusive == eur("1.03")


def test_the_first_tax_takes_the_residual() -> None:
    # 1.08: net 0.864 -> 0.86, taxes share 0.22; exactly 0.1728 and 0.0432 (0.17 + 0.04)
    wine = line("1", "1.08", *WINE)
    assert split(priced(wine)) == ("0.86", ["0.17", "0.05"])
    assert split(priced(wine, residual_cent=ResidualCent.FIRST_TAX)) == ("0.86", ["0.18", "0.04"])
    assert split(priced(wine, residual_cent=ResidualCent.LAST_TAX)) == ("0.86", ["0.17", "0.05"])


def test_tax_first_refuses_taxes_that_would_take_the_net_past_zero() -> None:
    # 0.01 including two taxes of 100 %: each is 0.00333..., rounded up 0.01, net -0.01
    tiny = line(
        "1",
        "0.01",
        Tax.percent("A", "100", code="A", included=True),
        Tax.percent("B", "100", code="B", included=True),
        description="Sticker",
    )
    with pytest.raises(InvalidLine) as caught:
        priced(tiny, rounding=RoundingMode.UP, included_rounding=IncludedRounding.TAX_FIRST)
    assert type(caught.value) is InvalidLine
    assert (caught.value.line, caught.value.field) == ("Sticker", "taxes")
    # rounding the net first, the same line prices
    assert priced(tiny, rounding=RoundingMode.UP).totals.tax_inclusive == eur("0.01")


# -- wrong values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tax_rounding", "per_group"),
        ("tax_rounding", None),
        ("tax_rounding", IncludedRounding.TAX_FIRST),
        ("included_rounding", "tax_first"),
        ("included_rounding", TaxRounding.PER_LINE),
        ("residual_cent", "last_tax"),
        ("residual_cent", 0),
        ("residual_cent", IncludedRounding.NET_FIRST),
    ],
)
def test_a_wrong_option_value_is_refused_naming_its_field(field: str, value: object) -> None:
    with pytest.raises(InvalidType) as caught:
        Policy(**{field: value})  # type: ignore[arg-type]
    assert type(caught.value) is InvalidType
    assert caught.value.field == field
    assert isinstance(caught.value, TypeError)


def test_options_travel_as_plain_data() -> None:
    policy = Policy(
        tax_rounding=TaxRounding.COMPENSATED,
        included_rounding=IncludedRounding.TAX_FIRST,
        residual_cent=ResidualCent.FIRST_TAX,
    )
    document = Document(currency="EUR", items=[line("1", "1.03", *WINE)], policy=policy)
    data = document_to_data(document)
    assert data["policy"]["tax_rounding"] == "compensated"
    assert data["policy"]["included_rounding"] == "tax_first"
    assert data["policy"]["residual_cent"] == "first_tax"
    assert document_from_data(json.loads(json.dumps(data))).policy == policy
    default = document_to_data(attrs.evolve(document, policy=Policy()))
    assert "included_rounding" not in default["policy"]
    assert "residual_cent" not in default["policy"]


def test_an_unknown_option_value_in_plain_data_is_refused() -> None:
    data = document_to_data(Document(currency="EUR", items=[line("1", "1.00", VAT20)]))
    data["policy"]["residual_cent"] = "middle_tax"
    with pytest.raises(InvalidData) as caught:
        document_from_data(data)
    assert type(caught.value) is InvalidData


# -- properties: whatever the options ---------------------------------------------------

any_options = {
    "tax_rounding": None,
    "included_rounding": None,
    "residual_cent": None,
    "division_taxes": None,
    "included_back_out": None,
}


def priced_or_skip(document: Document) -> PricedDocument:
    try:
        return price(document)
    except OrdercoreError:
        reject()


@given(documents(returns=True, **any_options))  # type: ignore[arg-type]
def test_whatever_the_options_the_totals_reconcile(document: Document) -> None:
    result = priced_or_skip(document)
    totals, currency = result.totals, document.currency
    zero = Money.zero(currency)
    assert totals.lines_net == sum((line.net for line in result.lines), zero)
    assert totals.tax == sum((row.amount for row in result.tax_breakdown), zero)
    assert totals.tax_exclusive == totals.lines_net - totals.allowances + totals.charges
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax
    assert totals.amount_due == totals.tax_inclusive + totals.rounding - totals.prepaid
    step = Fraction(quantum(currency))
    for row in result.tax_breakdown:
        assert (Fraction(row.amount.amount) / step).denominator == 1, row


@given(
    documents(
        adjustments=AdjustmentMode.DISTRIBUTED,
        line_taxes=lambda currency: taxes(currency, included=True),
        returns=True,
        **any_options,  # type: ignore[arg-type]
    )
)
def test_whatever_the_options_included_taxes_keep_the_stated_prices(document: Document) -> None:
    result = priced_or_skip(document)
    stated = sum((line.stated for line in result.lines), Money.zero(document.currency))
    assert result.totals.tax_inclusive == stated


@given(
    documents(
        tax_rounding=TaxRounding.COMPENSATED,
        adjustments=AdjustmentMode.DISTRIBUTED,
        returns=True,
        included_rounding=None,
        residual_cent=None,
    )
)
def test_compensated_line_taxes_add_up_to_the_tax_total(document: Document) -> None:
    result = priced_or_skip(document)
    step = Fraction(quantum(document.currency))
    for priced_line in result.lines:
        assert (Fraction(priced_line.tax_exact.amount) / step).denominator == 1, priced_line
    zero = Money.zero(document.currency)
    assert result.totals.tax == sum((line.tax for line in result.lines), zero)


plain_percent = st.sampled_from(
    (VAT19, VAT20, VAT10, Tax.percent("GST", "8.1", code="G"), Tax.percent("VAT", "7"))
)


@given(
    documents(
        tax_rounding=st.sampled_from((TaxRounding.COMPENSATED, TaxRounding.PER_RATE)),
        adjustments=AdjustmentMode.DISTRIBUTED,
        line_taxes=lambda _currency: plain_percent,
        returns=True,
    )
)
def test_compensated_rows_are_the_per_rate_rows(document: Document) -> None:
    """On plain percentages, cent compensation only moves cents between lines."""
    result = priced_or_skip(document)
    compensated = document.policy.tax_rounding is TaxRounding.COMPENSATED
    other = TaxRounding.PER_RATE if compensated else TaxRounding.COMPENSATED
    twin = price(attrs.evolve(document, policy=attrs.evolve(document.policy, tax_rounding=other)))
    assert rows(result) == rows(twin)


@given(
    documents(
        tax_rounding=TaxRounding.PER_GROUP,
        adjustments=AdjustmentMode.DISTRIBUTED,
        line_taxes=lambda _currency: plain_percent,
        returns=True,
    )
)
def test_per_group_rounds_each_group_of_same_taxes_and_sign_once(document: Document) -> None:
    result = priced_or_skip(document)
    mode = document.policy.rounding
    bases: dict[tuple[tuple[Tax, ...], bool], Fraction] = defaultdict(Fraction)
    for priced_line in result.lines:
        net = Fraction(priced_line.net.amount)
        returned = net < 0 or (net == 0 and priced_line.line.quantity < 0)
        bases[priced_line.line.taxes, returned] += net
    expected: dict[tuple[object, bool], Decimal] = defaultdict(Decimal)
    for (group_taxes, negative), base in bases.items():
        for tax in group_taxes:
            exact = base * Fraction(tax.rate) / 100
            amount = round_to(
                Decimal(exact.numerator) / Decimal(exact.denominator),
                quantum(document.currency),
                mode,
            )
            expected[tax.breakdown_key, negative] += amount
    found: dict[tuple[object, bool], Decimal] = defaultdict(Decimal)
    for row in result.tax_breakdown:  # a return row of zero base reads as a sale's
        found[row.tax.breakdown_key, row.base.amount < 0] += row.amount.amount
    # a row of zero base cannot tell its sign; it has no tax either
    assert {k: v for k, v in found.items() if v} == {k: v for k, v in expected.items() if v}


@given(
    documents(
        tax_rounding=TaxRounding.PER_TAX_EXACT,
        line_taxes=lambda _currency: plain_percent,
        standalone_taxes=lambda _currency: plain_percent,
        returns=True,
    )
)
def test_per_tax_exact_rows_carry_the_rounded_line_nets(document: Document) -> None:
    result = priced_or_skip(document)
    bases: dict[tuple[object, ...], Decimal] = defaultdict(Decimal)
    for priced_line in result.lines:
        for tax in priced_line.line.taxes:
            bases[tax.breakdown_key] += priced_line.net.amount
    for entry in result.adjustments:
        if not entry.distributed:
            for tax in entry.adjustment.taxes:
                bases[tax.breakdown_key] += entry.effect.amount
    assert {row.tax.breakdown_key: row.base.amount for row in result.tax_breakdown} == bases


# -- discount stacking per line, and clamping (docs/conventions.md) -------------------


def _chair(*percents: str, **options: object) -> Line:
    return Line(
        description="Chair",
        quantity=options.pop("quantity", "1"),
        unit_price=eur("100.00"),
        discounts=[Discount.percent(p) for p in percents] + list(options.pop("fixed", [])),  # type: ignore[call-overload]
        **options,  # type: ignore[arg-type]
    )


def test_a_line_stacks_its_discounts_as_it_says_whatever_the_document_says() -> None:
    for document_stacking in (Stacking.SEQUENTIAL, Stacking.ADDITIVE):
        result = priced(
            *[_chair("10", "20", stacking=Stacking.ADDITIVE), _chair("10", "20")],
            stacking=document_stacking,
        )
        own, default = (line.net for line in result.lines)
        assert own == eur("70.00")
        assert default == (
            eur("72.00") if document_stacking is Stacking.SEQUENTIAL else eur("70.00")
        )
    sequential = priced(
        *[_chair("10", "20", stacking=Stacking.SEQUENTIAL)], stacking=Stacking.ADDITIVE
    )
    assert sequential.lines[0].net == eur("72.00")


def test_an_additive_stack_past_100_percent_is_refused_unless_clamped() -> None:
    line = _chair("60", "50", stacking=Stacking.ADDITIVE)
    with pytest.raises(InvalidDiscount) as caught:
        priced(*[line])
    assert caught.value.field == "discounts"
    clamped = priced(*[line], discount_overflow=DiscountOverflow.CLAMP)
    assert (clamped.lines[0].net, clamped.lines[0].discount) == (eur("0.00"), eur("100.00"))
    assert clamped.totals.tax_inclusive == eur("0.00")


def test_clamping_takes_fixed_discounts_of_an_additive_stack_to_zero_too() -> None:
    line = _chair("80", fixed=[Discount.per_line(eur("30.00"))], stacking=Stacking.ADDITIVE)
    with pytest.raises(InvalidDiscount):
        priced(*[line])
    assert priced(*[line], discount_overflow=DiscountOverflow.CLAMP).lines[0].net == eur("0.00")
    # a return mirrors: clamped at zero from below
    returned = _chair("60", "50", stacking=Stacking.ADDITIVE, quantity="-1")
    result = priced(*[returned], discount_overflow=DiscountOverflow.CLAMP)
    assert result.lines[0].net == eur("0.00")
    assert not result.lines[0].net.amount.is_signed()


def test_a_sequential_stack_is_not_clamped() -> None:
    line = _chair("50", fixed=[Discount.per_line(eur("60.00"))])
    with pytest.raises(InvalidDiscount):
        priced(*[line], discount_overflow=DiscountOverflow.CLAMP)


def test_a_stack_within_100_percent_prices_the_same_clamped_or_not() -> None:
    line = _chair("60", "40", stacking=Stacking.ADDITIVE)
    assert priced(*[line]).lines[0].net == eur("0.00")
    assert priced(*[line], discount_overflow=DiscountOverflow.CLAMP).lines[0].net == eur("0.00")


@pytest.mark.parametrize("bad", ["additive", 1, Stacking, DiscountOverflow.CLAMP])
def test_a_line_stacking_that_is_not_a_stacking_is_refused(bad: object) -> None:
    with pytest.raises(InvalidType) as caught:
        _chair("10", stacking=bad)
    assert caught.value.field == "stacking"


@pytest.mark.parametrize("bad", ["clamp", True, Stacking.ADDITIVE, None])
def test_a_discount_overflow_that_is_not_one_is_refused(bad: object) -> None:
    with pytest.raises(InvalidType) as caught:
        Policy(discount_overflow=bad)  # type: ignore[arg-type]
    assert caught.value.field == "discount_overflow"


def test_a_lines_stacking_and_the_overflow_rule_survive_plain_data() -> None:
    document = Document(
        currency="EUR",
        items=[_chair("10", "20", stacking=Stacking.ADDITIVE), _chair("10")],
        policy=Policy(discount_overflow=DiscountOverflow.CLAMP),
    )
    data = document_to_data(document)
    assert document_from_data(json.loads(json.dumps(data))) == document
    assert data["items"][0]["stacking"] == "additive"  # type: ignore[index]
    assert "stacking" not in data["items"][1]  # type: ignore[index]
    assert data["policy"]["discount_overflow"] == "clamp"  # type: ignore[index]
    assert (
        "discount_overflow"
        not in document_to_data(attrs.evolve(document, policy=Policy()))["policy"]
    )  # type: ignore[operator]


@given(documents(returns=True), st.sampled_from([Stacking.SEQUENTIAL, Stacking.ADDITIVE]))
def test_a_line_of_its_own_stacking_prices_as_a_document_of_that_stacking(
    document: Document, stacking: Stacking
) -> None:
    """Each line with ``stacking`` set prices as it does in a document whose policy says it."""
    lines = [attrs.evolve(line, stacking=None) for line in document.lines]
    own = [attrs.evolve(line, stacking=stacking) for line in lines]
    try:
        expected: object = price(
            Document(currency=document.currency, items=lines, policy=Policy(stacking=stacking))
        )
    except OrdercoreError as error:
        expected = type(error)
    try:
        got: object = price(Document(currency=document.currency, items=own, policy=Policy()))
    except OrdercoreError as error:
        got = type(error)
    if isinstance(expected, type) or isinstance(got, type):
        assert got == expected
        return
    assert [line.net for line in got.lines] == [line.net for line in expected.lines]  # type: ignore[attr-defined]
    assert got.totals == expected.totals  # type: ignore[attr-defined]


@given(documents(returns=True, stacking=Stacking.ADDITIVE))
def test_clamped_stacks_never_take_a_line_past_zero_and_change_nothing_else(
    document: Document,
) -> None:
    clamped_policy = attrs.evolve(document.policy, discount_overflow=DiscountOverflow.CLAMP)
    try:
        clamped = price(attrs.evolve(document, policy=clamped_policy))
    except OrdercoreError:
        reject()
    try:
        refused: PricedDocument | None = price(document)
    except InvalidDiscount:
        refused = None
    except OrdercoreError:
        reject()
    for line in clamped.lines:
        stated = line.gross - line.discount
        assert stated.amount == 0 or (stated.amount > 0) == (line.line.quantity > 0)
    if refused is not None:  # nothing overflowed: clamping changed nothing
        assert clamped.totals == refused.totals


# -- cash rounding strategies -----------------------------------------------------------

MWST = Tax.percent("MWST", "8.1")
MWST_REDUCED = Tax.percent("MWST", "2.6", code="AA")


def chf_line(quantity: str, unit_price: str, *line_taxes: Tax) -> Line:
    return Line(
        description="Coffee",
        quantity=quantity,
        unit_price=Money(unit_price, "CHF"),
        taxes=list(line_taxes),
    )


def cash_priced(
    *lines: Line, strategy: CashRoundingStrategy, prepaid: str | None = None
) -> PricedDocument:
    cash = CashRounding.for_currency("CHF", strategy=strategy)
    return price(
        Document(
            currency="CHF",
            items=list(lines),
            policy=Policy(cash_rounding=cash),
            prepaid=None if prepaid is None else Money(prepaid, "CHF"),
        )
    )


def chf(amount: str) -> Money:
    return Money(amount, "CHF")


def test_cash_rounding_is_a_figure_of_its_own_by_default() -> None:
    # 3 x 4.20 = 12.60, 8.1 % of it 1.0206, so 1.02: 13.62, payable in 0.05 as 13.60
    assert CashRounding(increment="0.05").strategy is CashRoundingStrategy.SEPARATE
    result = cash_priced(chf_line("3", "4.20", MWST), strategy=CashRoundingStrategy.SEPARATE)
    totals = result.totals
    assert (totals.lines_net, totals.tax, totals.tax_inclusive) == (
        chf("12.60"),
        chf("1.02"),
        chf("13.62"),
    )
    assert (totals.rounding, totals.rounding_line, totals.amount_due) == (
        chf("-0.02"),
        chf("0.00"),
        chf("13.60"),
    )
    assert result.tax_breakdown[0].cash_rounding is None


def test_a_rounding_line_is_untaxed_and_changes_the_untaxed_total() -> None:
    result = cash_priced(chf_line("3", "4.20", MWST), strategy=CashRoundingStrategy.ROUNDING_LINE)
    totals = result.totals
    assert totals.rounding_line == chf("-0.02")
    assert (totals.lines_net, totals.tax_exclusive) == (chf("12.58"), chf("12.58"))
    # the tax is the tax of the lines, on their base: the rounding line bears none
    assert rows(result) == [("12.60", "1.02")]
    assert (totals.tax_inclusive, totals.rounding, totals.amount_due) == (
        chf("13.60"),
        chf("0.00"),
        chf("13.60"),
    )
    assert "Rounding line (untaxed)" in str(result)


def test_the_biggest_tax_takes_the_difference_as_a_correction_of_its_row() -> None:
    # 8.1 % of 12.60 is 1.02; 2.6 % of 4.00 is 0.104, so 0.10: 13.62 + 4.10 = 17.72,
    # payable as 17.70; the 8.1 % row, the larger, takes -0.02
    lines = (chf_line("3", "4.20", MWST), chf_line("1", "4.00", MWST_REDUCED))
    result = cash_priced(*lines, strategy=CashRoundingStrategy.BIGGEST_TAX)
    assert rows(result) == [("12.60", "1.00"), ("4.00", "0.10")]
    first, second = result.tax_breakdown
    assert (first.cash_rounding, second.cash_rounding) == (chf("-0.02"), None)
    totals = result.totals
    assert (totals.tax, totals.tax_inclusive, totals.amount_due) == (
        chf("1.10"),
        chf("17.70"),
        chf("17.70"),
    )
    assert (totals.rounding, totals.rounding_line) == (chf("0.00"), chf("0.00"))
    assert "(incl. cash rounding -0.02)" in str(result)


def test_the_biggest_tax_on_a_tie_is_the_first_row() -> None:
    # two lines of 4.01 at 2.6 %, under two taxes: 0.10426, so 0.10 on each row; 8.22 is
    # payable as 8.20, and the first of the two equal rows takes -0.02
    other = Tax.percent("Levy", "2.6", code="L")
    lines = (chf_line("1", "4.01", MWST_REDUCED), chf_line("1", "4.01", other))
    result = cash_priced(*lines, strategy=CashRoundingStrategy.BIGGEST_TAX)
    assert rows(result) == [("4.01", "0.08"), ("4.01", "0.10")]


def test_a_credit_note_mirrors_the_invoice_under_each_strategy() -> None:
    for strategy in CashRoundingStrategy:
        sale = cash_priced(chf_line("3", "4.20", MWST), strategy=strategy)
        credit = cash_priced(chf_line("-3", "4.20", MWST), strategy=strategy)
        for name in ("lines_net", "rounding_line", "tax", "tax_inclusive", "rounding"):
            assert getattr(credit.totals, name) == -getattr(sale.totals, name), (strategy, name)
        assert rows(credit) == [(f"-{base}", f"-{tax}") for base, tax in rows(sale)]


def test_the_biggest_tax_takes_the_difference_whatever_its_size() -> None:
    # 1 % of 1.01 is 0.0101, so 0.01: 1.02 is payable as 1.00, and the row reads -0.01
    one_percent = Tax.percent("Levy", "1", code="L")
    result = cash_priced(
        chf_line("1", "1.01", one_percent), strategy=CashRoundingStrategy.BIGGEST_TAX
    )
    assert rows(result) == [("1.01", "-0.01")]
    assert result.totals.amount_due == chf("1.00")


def test_with_no_tax_to_take_it_the_difference_stays_a_figure_of_its_own() -> None:
    exempt = Tax.exempt("VAT", reason="Exempt")
    result = cash_priced(chf_line("1", "4.22", exempt), strategy=CashRoundingStrategy.BIGGEST_TAX)
    assert result.totals.rounding == chf("-0.02")
    assert result.totals.tax == chf("0.00")
    assert result.totals.amount_due == chf("4.20")


def test_a_withholding_tax_on_a_sale_does_not_take_the_difference() -> None:
    # 10.00, VAT 8.1 % 0.81, withholding 15 % -1.50: 9.31, payable as 9.30
    withholding = Tax.withholding_tax("WHT", "15")
    result = cash_priced(
        chf_line("1", "10.00", MWST, withholding), strategy=CashRoundingStrategy.BIGGEST_TAX
    )
    assert [row.amount for row in result.tax_breakdown] == [chf("0.80"), chf("-1.50")]
    assert result.totals.amount_due == chf("9.30")


def test_the_payable_amount_is_rounded_after_the_prepaid_amount() -> None:
    # 13.62 less 10.01 prepaid is 3.61, payable as 3.60: the tax row takes -0.01
    result = cash_priced(
        chf_line("3", "4.20", MWST), strategy=CashRoundingStrategy.BIGGEST_TAX, prepaid="10.01"
    )
    assert rows(result) == [("12.60", "1.01")]
    assert (result.totals.tax_inclusive, result.totals.amount_due) == (chf("13.61"), chf("3.60"))


@pytest.mark.parametrize("value", ["biggest_tax", None, RoundingMode.HALF_UP, 1])
def test_a_wrong_cash_rounding_strategy_is_refused(value: object) -> None:
    with pytest.raises(InvalidType) as caught:
        CashRounding(increment="0.05", strategy=value)  # type: ignore[arg-type]
    assert caught.value.field == "strategy"


def test_the_cash_rounding_strategy_travels_as_plain_data() -> None:
    cash = CashRounding(increment="0.05", strategy=CashRoundingStrategy.ROUNDING_LINE)
    document = Document(
        currency="CHF", items=[chf_line("3", "4.20", MWST)], policy=Policy(cash_rounding=cash)
    )
    data = document_to_data(document)
    assert data["policy"]["cash_rounding"]["strategy"] == "rounding_line"
    assert document_from_data(json.loads(json.dumps(data))).policy == document.policy
    result = price(document)
    stored = json.loads(json.dumps(priced_to_data(result)))
    assert stored["totals"]["rounding_line"] == "-0.02"
    assert priced_from_data(stored).totals == result.totals
    data["policy"]["cash_rounding"]["strategy"] = "smallest_tax"
    with pytest.raises(InvalidData):
        document_from_data(data)
    separate = attrs.evolve(cash, strategy=CashRoundingStrategy.SEPARATE)
    plain = document_to_data(attrs.evolve(document, policy=Policy(cash_rounding=separate)))
    assert "strategy" not in plain["policy"]["cash_rounding"]


@given(
    documents(returns=True, cash_rounding=True, **any_options),  # type: ignore[arg-type]
    st.sampled_from(CashRoundingStrategy),
)
def test_whatever_the_cash_rounding_strategy_the_totals_reconcile(
    document: Document, strategy: CashRoundingStrategy
) -> None:
    cash = document.policy.cash_rounding
    assert cash is not None
    policy = attrs.evolve(document.policy, cash_rounding=attrs.evolve(cash, strategy=strategy))
    result = priced_or_skip(attrs.evolve(document, policy=policy))
    separate = price(document)  # the same document, the difference a figure of its own
    totals, currency = result.totals, document.currency
    zero = Money.zero(currency)
    assert totals.lines_net == sum((line.net for line in result.lines), zero) + totals.rounding_line
    assert totals.tax == sum((row.amount for row in result.tax_breakdown), zero)
    assert totals.tax_exclusive == totals.lines_net - totals.allowances + totals.charges
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax
    assert totals.amount_due == totals.tax_inclusive + totals.rounding - totals.prepaid
    # wherever it lands, the difference is the same, and so is what is payable
    on_rows = sum(
        (row.cash_rounding for row in result.tax_breakdown if row.cash_rounding is not None), zero
    )
    assert totals.rounding + totals.rounding_line + on_rows == separate.totals.rounding
    assert totals.amount_due == separate.totals.amount_due
    assert len([m for m in (totals.rounding, totals.rounding_line, on_rows) if m.amount]) <= 1
    if strategy is CashRoundingStrategy.ROUNDING_LINE:
        assert totals.rounding == zero
    if strategy is CashRoundingStrategy.BIGGEST_TAX and totals.rounding:
        # only when no row has tax on the document's side (a sale's positive tax)
        sign = -1 if separate.totals.tax_inclusive.amount < 0 else 1
        assert all(row.amount.amount * sign <= 0 for row in result.tax_breakdown)


# -- tax increments ---------------------------------------------------------------------

AFA = Tax.percent("AFA", "27")


def huf_priced(*lines: Line, **policy: object) -> PricedDocument:
    return price(Document(currency="HUF", items=list(lines), policy=Policy(**policy)))  # type: ignore[arg-type]


def huf_line(quantity: str, unit_price: str, *line_taxes: Tax) -> Line:
    return Line(
        description="Chair",
        quantity=quantity,
        unit_price=Money(unit_price, "HUF"),
        taxes=list(line_taxes),
    )


def test_a_tax_increment_rounds_each_row_to_whole_forints() -> None:
    # 27 % of 1001.50 is 270.405: 270.41 to the filler, 270 to the forint
    chair = huf_line("1", "1001.50", AFA)
    assert rows(huf_priced(chair)) == [("1001.50", "270.41")]
    result = huf_priced(chair, tax_increment="1")
    assert rows(result) == [("1001.50", "270.00")]
    assert result.totals.tax_inclusive == Money("1271.50", "HUF")
    assert result.policy.tax_increment == Decimal(1)


def test_a_tax_increment_of_five_cents() -> None:
    # 8.1 % of 12.60 is 1.0206: 1.00 in steps of 0.05; 8.1 % of 13.00 is 1.053: 1.05
    result = cash_priced_taxes("0.05", chf_line("3", "4.20", MWST), chf_line("1", "13.00", VAT10))
    assert rows(result) == [("12.60", "1.00"), ("13.00", "1.30")]


def cash_priced_taxes(increment: str, *lines: Line, **policy: object) -> PricedDocument:
    return price(
        Document(
            currency="CHF",
            items=list(lines),
            policy=Policy(tax_increment=increment, **policy),  # type: ignore[arg-type]
        )
    )


def test_a_tax_increment_rounds_the_exact_sum_once_per_tax_exact_and_per_group() -> None:
    # 27 % of 3 x 0.505 forints: exactly 0.40905; per tax exact, once, to 0 forints; per
    # group (one group) on the rounded nets 3 x 0.51 = 1.53: 0.4131, 0 forints too
    cheap = [huf_line("1", "0.505", AFA) for _ in range(3)]
    for mode in (TaxRounding.PER_TAX_EXACT, TaxRounding.PER_GROUP, TaxRounding.PER_RATE):
        assert rows(huf_priced(*cheap, tax_rounding=mode, tax_increment="1")) == [
            ("1.53", "0.00")
        ], mode
    # and a withholding row rounds as its mirror: -15 % of 1001.50 is -150.225, so -150
    wht = Tax.withholding_tax("WHT", "15")
    result = huf_priced(huf_line("1", "1001.50", AFA, wht), tax_increment="1")
    assert rows(result) == [("1001.50", "270.00"), ("1001.50", "-150.00")]


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("0", InvalidNumber),
        ("-1", InvalidNumber),
        ("1e999999999", NumberOutOfRange),
        (Decimal("1E+99"), NumberOutOfRange),
        ("1e-99", InvalidNumber),
        ("NaN", InvalidNumber),
        (0.05, FloatNotAllowed),
    ],
)
def test_a_bad_tax_increment_is_refused_by_the_policy(value: object, error: type) -> None:
    with pytest.raises(error) as caught:
        Policy(tax_increment=value)  # type: ignore[arg-type]
    assert caught.value.field == "tax_increment"


def test_a_tax_increment_does_not_fit_line_sums_included_taxes_or_fine_steps() -> None:
    for mode in (TaxRounding.PER_LINE, TaxRounding.COMPENSATED):
        with pytest.raises(InvalidNumber) as number:
            Policy(tax_rounding=mode, tax_increment="1")
        assert number.value.field == "tax_increment"
    included = huf_line("1", "1270.00", Tax.percent("AFA", "27", included=True))
    with pytest.raises(InvalidLine) as line_error:
        huf_priced(included, tax_increment="1")
    assert line_error.value.field == "taxes"
    with pytest.raises(InvalidAmount) as amount:
        huf_priced(huf_line("1", "1.00", AFA), tax_increment="0.001")
    assert amount.value.field == "tax_increment"
    correction = TaxCorrection(tax=AFA, amount=Money("0.50", "HUF"), reason="Rounding")
    with pytest.raises(InvalidAmount) as corrected:
        Document(
            currency="HUF",
            items=[huf_line("1", "1.00", AFA)],
            policy=Policy(tax_increment="1"),
            tax_corrections=[correction],
        )
    assert corrected.value.field == "tax_corrections"
    # cash rounding's difference (1271.50 payable in fives as 1270: -1.50) would take the
    # row off its increment: it cannot land on the biggest tax, but on a line it can
    biggest = CashRounding(increment="5", strategy=CashRoundingStrategy.BIGGEST_TAX)
    with pytest.raises(InvalidAmount) as cash:
        huf_priced(huf_line("1", "1001.50", AFA), tax_increment="1", cash_rounding=biggest)
    assert cash.value.field == "cash_rounding"
    on_line = attrs.evolve(biggest, strategy=CashRoundingStrategy.ROUNDING_LINE)
    result = huf_priced(huf_line("1", "1001.50", AFA), tax_increment="1", cash_rounding=on_line)
    assert rows(result) == [("1001.50", "270.00")]
    assert result.totals.rounding_line == Money("-1.50", "HUF")
    assert result.totals.amount_due == Money("1270.00", "HUF")


def test_a_tax_increment_travels_as_plain_data() -> None:
    document = Document(
        currency="HUF", items=[huf_line("1", "1001.50", AFA)], policy=Policy(tax_increment="1")
    )
    data = json.loads(json.dumps(document_to_data(document)))
    assert data["policy"]["tax_increment"] == "1"
    assert document_from_data(data).policy == document.policy
    data["policy"]["tax_increment"] = "-1"
    with pytest.raises(InvalidData):
        document_from_data(data)
    assert (
        "tax_increment" not in document_to_data(attrs.evolve(document, policy=Policy()))["policy"]
    )


increments = st.sampled_from(("1", "0.05", "0.10", "5", "100"))


@given(
    documents(
        tax_rounding=st.sampled_from(
            (TaxRounding.PER_RATE, TaxRounding.PER_TAX_EXACT, TaxRounding.PER_GROUP)
        ),
        line_taxes=lambda currency: taxes(currency, included=False),
        returns=True,
    ),
    increments,
)
def test_whatever_the_tax_increment_rows_are_multiples_and_totals_reconcile(
    document: Document, increment: str
) -> None:
    policy = attrs.evolve(document.policy, tax_increment=increment)
    try:
        result = priced_or_skip(attrs.evolve(document, policy=policy))
    except OrdercoreError:
        reject()
    totals, zero = result.totals, Money.zero(document.currency)
    step = Fraction(increment)
    for row in result.tax_breakdown:
        assert (Fraction(row.amount.amount) / step).denominator == 1, row
    assert totals.tax == sum((row.amount for row in result.tax_breakdown), zero)
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax
    assert totals.amount_due == totals.tax_inclusive + totals.rounding - totals.prepaid
    # the lines and their nets are those of the minor unit: only the taxes change
    plain = price(document)
    assert totals.lines_net == plain.totals.lines_net
    assert [row.base for row in result.tax_breakdown] == [row.base for row in plain.tax_breakdown]


def _request() -> Request:
    return Request(
        key="r",
        at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
        business_date=dt.date(2026, 11, 30),
    )


@given(
    documents(
        prepaid=False,
        tax_rounding=TaxRounding.PER_RATE,
        line_taxes=lambda currency: taxes(currency, included=False),
    ),
    increments,
    st.data(),
)
def test_with_a_tax_increment_the_invoices_of_an_order_add_up_to_it(
    document: Document, increment: str, data: st.DataObject
) -> None:
    assume(document.lines and all(line.quantity > 0 for line in document.lines))
    order = _ordered(document, tax_increment=increment)
    order, invoices = _invoiced_in_parts(order, data)
    assert sum(i.totals.tax_inclusive.amount for i in invoices) == order.total.amount


def _confirmed(content: Document) -> SalesOrder:
    """The sales order SO-1 of ``content``, every line invoiced as ordered."""
    return SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=_request(),
    ).document


def _ordered(document: Document, **policy: object) -> SalesOrder:
    """An order of ``document`` priced with ``policy`` options set on its own (or reject)."""
    try:
        order = _confirmed(attrs.evolve(document, policy=attrs.evolve(document.policy, **policy)))
    except OrdercoreError:
        reject()
    assume(order.total.amount >= 0)
    return order


def _invoiced_in_parts(
    order: SalesOrder, data: st.DataObject
) -> tuple[SalesOrder, list[PricedDocument]]:
    """``order`` invoiced in a few parts drawn from ``data``, then the rest; its invoices."""
    invoices = []
    for step in range(data.draw(st.integers(0, 3), label="partial invoices")):
        wanted = {
            index: (line.open * data.draw(st.integers(1, 100)) / 100).quantize(
                Decimal("0.000001"), ROUND_DOWN
            )
            for index, line in enumerate(order.lines)
            if line.open and data.draw(st.booleans(), label="bill line")
        }
        wanted = {index: quantity for index, quantity in wanted.items() if quantity > 0}
        if wanted:
            made = order.invoice_quantities(wanted, invoice_id=f"inv-{step}", request=_request())
            invoices.append(made.invoice.priced)
            order = made.order
    if not order.completed:
        last = order.invoice_remaining(invoice_id="last", request=_request())
        invoices.append(last.invoice.priced)
        order = last.order
    return order, invoices


@given(
    documents("EUR", prepaid=False, line_taxes=lambda currency: taxes(currency, included=False)),
    st.sampled_from(list(CashRoundingStrategy)),
    st.sampled_from(["0.05", "0.10", "1"]),
    st.data(),
)
def test_whatever_the_cash_strategy_the_invoices_of_an_order_add_up_before_cash_rounding(
    document: Document, strategy: CashRoundingStrategy, increment: str, data: st.DataObject
) -> None:
    assume(document.lines and all(line.quantity > 0 for line in document.lines))
    cash = CashRounding(increment=increment, strategy=strategy)
    order = _ordered(document, cash_rounding=cash)
    order, invoices = _invoiced_in_parts(order, data)
    assert order.completed
    assert sum(i.before_cash_rounding.amount for i in invoices) == order.total.amount
    assert order.billed == order.total
    for invoice in invoices:  # each rounds its own payable amount
        assert invoice.totals.amount_due.amount % Decimal(increment) == 0


@pytest.mark.parametrize(
    "strategy", [CashRoundingStrategy.ROUNDING_LINE, CashRoundingStrategy.BIGGEST_TAX]
)
def test_an_order_invoiced_in_parts_adds_up_before_each_invoice_rounds_its_own_cash(
    strategy: CashRoundingStrategy,
) -> None:
    # 14.5 x 0.01 = 0.145, so 0.15 (VAT 20 % on it 0.03: 0.18), payable in steps of 0.10:
    # the order's total is stated before cash rounding, and each invoice rounds its own
    cash = CashRounding(increment="0.10", strategy=strategy)
    vat = Tax.percent("VAT", "20")
    content = Document(
        currency="EUR",
        items=[line("14.5", "0.01", vat)],
        policy=Policy(cash_rounding=cash),
    )
    order = _confirmed(content)
    assert order.total == eur("0.18") == order.priced.before_cash_rounding
    assert order.priced.totals.amount_due == eur("0.20")
    first = order.invoice_quantities({0: "0.58"}, invoice_id="inv-1", request=_request())
    last = first.order.invoice_remaining(invoice_id="inv-2", request=_request())
    invoices = [made.invoice.priced for made in (first, last)]
    assert sum((i.before_cash_rounding for i in invoices), eur("0")) == order.total
    assert last.order.billed == order.total
    for invoice in invoices:  # each payable amount is a multiple of the cash increment
        assert invoice.totals.amount_due.amount % Decimal("0.10") == 0
        assert abs(invoice.totals.amount_due.amount - invoice.before_cash_rounding.amount) <= (
            Decimal("0.05")
        )


# -- where included taxes are backed out (IncludedBackOut) --------------------------------

LAMP_VAT = Tax.percent("VAT", "20", included=True)


def _lamps_and_a_fee(**options: object) -> PricedDocument:
    lamps = [
        Line(
            description=f"Lamp {n}",
            quantity="1",
            unit_price=Money("12.15", "EUR"),
            taxes=[LAMP_VAT],
        )
        for n in (1, 2)
    ]
    fees = [
        Line(description=f"Fee {n}", quantity="1", unit_price=Money("0.05", "EUR"), taxes=[VAT10])
        for n in (1, 2)
    ]
    return price(Document(currency="EUR", items=[*lamps, *fees], policy=Policy(**options)))


@pytest.mark.parametrize(
    ("options", "nets", "rows"),
    [
        # summed: 24.30 / 1.2 = 20.25 net once, 4.05 VAT; the fees' 10 % on 0.10 once, 0.01
        ({}, ["10.13", "10.12", "0.05", "0.05"], ["4.05", "0.01"]),
        # each lamp: 12.15 / 1.2 = 10.125, net 10.13 and 2.02; the fees still once per row
        (
            {"included_back_out": IncludedBackOut.PER_LINE},
            ["10.13", "10.13", "0.05", "0.05"],
            ["4.04", "0.01"],
        ),
        # tax first on each lamp: 2.025 is 2.03, net 10.12
        (
            {
                "included_back_out": IncludedBackOut.PER_LINE,
                "included_rounding": IncludedRounding.TAX_FIRST,
            },
            ["10.12", "10.12", "0.05", "0.05"],
            ["4.06", "0.01"],
        ),
        # per group (each group of lines taxed alike rounded once): the same by line
        (
            {"included_back_out": IncludedBackOut.PER_LINE, "tax_rounding": TaxRounding.PER_GROUP},
            ["10.13", "10.13", "0.05", "0.05"],
            ["4.04", "0.01"],
        ),
        # per line rounding backs out each line whatever the option, and rounds each fee
        (
            {"tax_rounding": TaxRounding.PER_LINE},
            ["10.13", "10.13", "0.05", "0.05"],
            ["4.04", "0.02"],
        ),
    ],
)
def test_included_taxes_are_backed_out_where_the_policy_says(
    options: dict[str, object], nets: list[str], rows: list[str]
) -> None:
    result = _lamps_and_a_fee(**options)
    assert [str(line.net.amount) for line in result.lines] == nets
    by_rate = {str(row.tax): str(row.amount.amount) for row in result.tax_breakdown}
    assert by_rate == {"VAT 20 %": rows[0], "VAT 10 %": rows[1]}
    fees_tax = Decimal(rows[1])
    assert result.totals.tax_inclusive.amount == Decimal("24.30") + Decimal("0.10") + fees_tax


def test_the_back_out_option_is_checked_and_round_trips_through_plain_data() -> None:
    with pytest.raises(InvalidType) as caught:
        Policy(included_back_out="per_line")  # type: ignore[arg-type]
    assert caught.value.field == "included_back_out"
    document = attrs.evolve(
        _lamps_and_a_fee().document, policy=Policy(included_back_out=IncludedBackOut.PER_LINE)
    )
    data = document_to_data(document)
    assert data["policy"]["included_back_out"] == "per_line"
    assert document_from_data(data) == document
