"""Withholding on any kind of tax: a percentage, an amount per unit, a division rate.

docs/pricing.md, "Withholding taxes": the same rule made negative, on the same base, in
its place in the line's list of taxes; never included in the price; a zero tax has
nothing to withhold. Also: the same tax listed twice on a line stays refused.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from ordercore import (
    Document,
    InvalidData,
    InvalidLine,
    InvalidTax,
    Line,
    Money,
    OrdercoreError,
    Policy,
    Tax,
    TaxKind,
    TaxRounding,
    price,
)
from ordercore.interop.plain import document_from_data, document_to_data
from ordercore.testing.strategies import documents

VAT = Tax.percent("VAT", "10")
LEVY = Tax.per_unit("Levy", Money("0.02", "EUR"), withholding=True)
WITHHELD = Tax.division("Withheld", "2", withholding=True)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def apples(quantity: str = "120", *taxes: Tax) -> Line:
    return Line(
        description="Apples, kg",
        quantity=quantity,
        unit_price=eur("1.15"),
        taxes=taxes or (VAT, LEVY, WITHHELD),
    )


class TestAnyKind:
    def test_an_amount_per_unit_and_a_division_rate_are_withheld(self) -> None:
        priced = price(Document(currency="EUR", items=[apples()]))
        assert [row.amount for row in priced.tax_breakdown] == [
            eur("13.80"),
            eur("-2.40"),  # 120 x 0.02
            eur("-2.82"),  # 138.00 x 2 / 98 = 2.816...
        ]
        assert priced.totals.amount_due == eur("146.58")

    def test_they_are_the_same_rules_made_negative(self) -> None:
        levied = Tax.per_unit("Levy", eur("0.02"))
        division = Tax.division("Withheld", "2")
        plain = price(Document(currency="EUR", items=[apples("120", VAT, levied, division)]))
        withheld = price(Document(currency="EUR", items=[apples()]))
        assert [r.amount for r in withheld.tax_breakdown][1:] == [
            -r.amount for r in plain.tax_breakdown
        ][1:]
        assert LEVY.factor == -levied.factor
        assert WITHHELD.amount_of(Decimal(98)) == Decimal(-2)

    def test_a_return_reverses_what_is_withheld(self) -> None:
        sale = price(Document(currency="EUR", items=[apples()]))
        back = price(Document(currency="EUR", items=[apples("-120")]))
        assert back.totals.amount_due == -sale.totals.amount_due
        assert [r.amount for r in back.tax_breakdown] == [-r.amount for r in sale.tax_breakdown]

    @pytest.mark.parametrize("rounding", list(TaxRounding))
    def test_a_fee_and_as_much_withheld_keep_their_rows_whatever_the_rounding(
        self, rounding: TaxRounding
    ) -> None:
        # their amounts per unit cancel out: the rows still carry each one
        fee = Tax.per_unit("Fee", eur("0.02"))
        priced = price(
            Document(
                currency="EUR",
                items=[apples("120", fee, LEVY), apples("30", fee, LEVY)],
                policy=Policy(tax_rounding=rounding),
            )
        )
        assert [row.amount for row in priced.tax_breakdown] == [eur("3.00"), eur("-3.00")]
        assert priced.totals.tax == eur("0.00")

    def test_labels_and_reprs_say_it_is_withheld(self) -> None:
        assert LEVY.label == "Levy -EUR 0.02/unit"
        assert WITHHELD.label == "Withheld -2 %"
        assert (
            repr(LEVY) == "Tax.per_unit('Levy', Money('0.02', 'EUR'), code='S', withholding=True)"
        )
        assert repr(WITHHELD) == "Tax.division('Withheld', '2', code='S', withholding=True)"
        text = price(Document(currency="EUR", items=[apples()])).to_text()
        assert "Levy EUR -0.02/unit on 138.00" in text

    def test_plain_data_round_trips_and_says_withholding_only_when_set(self) -> None:
        document = Document(currency="EUR", items=[apples()])
        data = document_to_data(document)
        written = {tax["name"]: tax for tax in data["taxes"].values()}
        assert written["Levy"]["withholding"] is True
        assert written["Withheld"]["withholding"] is True
        assert "withholding" not in written["VAT"]
        assert document_from_data(data) == document

    def test_plain_data_of_a_percentage_says_its_kind_instead(self) -> None:
        data = {
            "currency": "EUR",
            "taxes": {"t": {"name": "IRPF", "rate": "15", "withholding": True}},
            "items": [{"description": "x", "quantity": "1", "unit_price": "1", "taxes": ["t"]}],
        }
        with pytest.raises(InvalidData) as caught:
            document_from_data(data)
        assert caught.value.path == "taxes.t.withholding"


class TestRefused:
    def test_a_zero_tax_has_nothing_to_withhold(self) -> None:
        with pytest.raises(InvalidTax) as caught:
            Tax(name="VAT", code="Z", kind=TaxKind.ZERO, rate=0, withholding=True)  # type: ignore[arg-type]
        assert caught.value.field == "withholding"

    @pytest.mark.parametrize(
        "make",
        [
            lambda: Tax.per_unit("Levy", eur("0.02"), withholding=True, included=True),
            lambda: Tax.division("Withheld", "2", withholding=True, included=True),
        ],
    )
    def test_what_is_withheld_is_never_included(self, make: object) -> None:
        with pytest.raises(InvalidTax) as caught:
            make()  # type: ignore[operator]
        assert caught.value.field == "included"

    def test_the_same_tax_listed_twice_is_refused(self) -> None:
        with pytest.raises(InvalidLine) as caught:
            apples("1", VAT, LEVY, LEVY)
        assert caught.value.field == "taxes"


@given(
    documents("EUR", returns=True, tax_rounding=None, included_rounding=None, residual_cent=None),
    st.sampled_from((LEVY, WITHHELD)),
)
def test_with_anything_withheld_the_totals_reconcile(document: Document, withheld: Tax) -> None:
    lines = [
        Line(description="Withheld from", quantity="3", unit_price=eur("9.99"), taxes=[withheld])
    ]
    try:
        priced = price(
            Document(currency="EUR", items=[*document.items, *lines], policy=document.policy)
        )
    except OrdercoreError:
        reject()
    totals, zero = priced.totals, Money.zero(priced.currency)
    assert totals.tax == sum((row.amount for row in priced.tax_breakdown), zero)
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax
    assert totals.amount_due == totals.tax_inclusive + totals.rounding - totals.prepaid
    for row in priced.tax_breakdown:  # (per group: a row of sales, one of returns)
        if row.tax == withheld:
            assert row.amount.amount * row.base.amount <= 0  # against the sign of its base
