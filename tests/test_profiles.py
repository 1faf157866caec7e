"""Pricing profiles (docs/profiles.md): named bundles of the policy's conventions."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from ordercore import (
    CashRounding,
    CashRoundingStrategy,
    Discount,
    Document,
    IncludedRounding,
    InvalidType,
    Line,
    Money,
    OrdercoreError,
    Policy,
    ResidualCent,
    RoundingMode,
    Tax,
    TaxRounding,
    UnknownProfile,
    price,
)
from ordercore.money import quantum
from ordercore.testing.strategies import documents, hostile_numbers

PROFILES = Policy.profiles()


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def test_the_profiles_are_the_seven_documented_ones() -> None:
    assert PROFILES == (
        "en16931",
        "odoo_17",
        "odoo_17_round_globally",
        "odoo_14",
        "odoo_14_round_globally",
        "erpnext",
        "tryton",
    )


def test_en16931_is_the_default_policy() -> None:
    assert Policy.profile("en16931") == Policy()


def test_each_profile_sets_the_options_its_page_lists() -> None:
    odoo = Policy.profile("odoo_17")
    assert (odoo.rounding, odoo.tax_rounding, odoo.included_rounding) == (
        RoundingMode.HALF_UP,
        TaxRounding.PER_LINE,
        IncludedRounding.TAX_FIRST,
    )
    globally = Policy.profile("odoo_17_round_globally")
    assert (globally.rounding, globally.tax_rounding, globally.included_rounding) == (
        RoundingMode.HALF_UP,
        TaxRounding.PER_RATE,
        IncludedRounding.TAX_FIRST,
    )
    for name, tax_rounding in (
        ("odoo_14", TaxRounding.PER_LINE),
        ("odoo_14_round_globally", TaxRounding.PER_RATE),
    ):
        odoo_14 = Policy.profile(name)
        assert (
            odoo_14.rounding,
            odoo_14.tax_rounding,
            odoo_14.included_rounding,
            odoo_14.residual_cent,
        ) == (RoundingMode.HALF_UP, tax_rounding, IncludedRounding.NET_FIRST, ResidualCent.LAST_TAX)
    erpnext = Policy.profile("erpnext")
    assert (erpnext.rounding, erpnext.tax_rounding) == (RoundingMode.HALF_UP, TaxRounding.PER_RATE)
    tryton = Policy.profile("tryton")
    assert (tryton.rounding, tryton.tax_rounding, tryton.price_places) == (
        RoundingMode.HALF_EVEN,
        TaxRounding.PER_TAX_EXACT,
        4,
    )


def _clips(profile: str) -> tuple[Money, Money]:
    vat = Tax.percent("VAT", "20")
    lines = [
        Line(description=f"Clip {n}", quantity="1", unit_price=eur("0.125"), taxes=[vat])
        for n in range(10)
    ]
    totals = price(Document(currency="EUR", items=lines, policy=Policy.profile(profile))).totals
    return totals.lines_net, totals.tax


@pytest.mark.parametrize(
    ("profile", "nets", "tax"),
    [
        ("en16931", "1.30", "0.26"),  # 20 % of the rounded nets, 10 x 0.13, rounded once
        ("odoo_17", "1.30", "0.30"),  # each line's 0.026 rounded to 0.03
        # round globally, Odoo still rounds each line's amount and sums the unrounded
        # 0.026 of each: 20 % of 1.30, rounded once
        ("odoo_17_round_globally", "1.30", "0.26"),
        ("odoo_14", "1.30", "0.30"),  # as 17: each line's tax rounded
        ("odoo_14_round_globally", "1.30", "0.26"),
        ("erpnext", "1.30", "0.26"),
        ("tryton", "1.20", "0.25"),  # 0.125 half to even is 0.12; tax on the exact 1.25
    ],
)
def test_ten_clips_come_out_as_each_system_rounds_them(profile: str, nets: str, tax: str) -> None:
    assert _clips(profile) == (eur(nets), eur(tax))


def test_odoos_included_tax_is_rounded_first_and_the_net_takes_the_rest() -> None:
    # 12.15 including 20 % is exactly 10.125 net and 2.025 tax: EN 16931 rounds the net
    # (10.13, tax 2.02), Odoo the tax (2.03, net 10.12); the customer pays 12.15 either way
    vat = Tax.percent("VAT", "20", included=True)
    lamp = Line(description="Lamp", quantity="1", unit_price=eur("12.15"), taxes=[vat])
    got = {}
    for profile in ("en16931", "odoo_17"):
        result = price(Document(currency="EUR", items=[lamp], policy=Policy.profile(profile)))
        got[profile] = (result.lines[0].net, result.totals.tax, result.totals.tax_inclusive)
    assert got == {
        "en16931": (eur("10.13"), eur("2.02"), eur("12.15")),
        "odoo_17": (eur("10.12"), eur("2.03"), eur("12.15")),
    }


def _lamp(profile: str, lines: int = 1) -> tuple[list[Money], Money]:
    vat = Tax.percent("VAT", "20", included=True)
    lamps = [
        Line(description=f"Lamp {n}", quantity="1", unit_price=eur("12.15"), taxes=[vat])
        for n in range(lines)
    ]
    result = price(Document(currency="EUR", items=lamps, policy=Policy.profile(profile)))
    assert result.totals.tax_inclusive == eur("12.15") * lines
    return [line.net for line in result.lines], result.totals.tax


@pytest.mark.parametrize(
    ("profile", "net", "tax"),
    [
        # Odoo 17 rounds the included tax, 2.025, and the net takes the rest
        ("odoo_17", "10.12", "2.03"),
        ("odoo_17_round_globally", "10.12", "2.03"),
        # Odoo 14 rounds the net, 10.125, and the tax takes the rest
        ("odoo_14", "10.13", "2.02"),
        ("odoo_14_round_globally", "10.13", "2.02"),
    ],
)
def test_odoo_14_rounds_an_included_taxs_net_first_and_17_the_tax(
    profile: str, net: str, tax: str
) -> None:
    assert _lamp(profile) == ([eur(net)], eur(tax))


def test_per_line_odoo_backs_included_taxes_out_of_each_line() -> None:
    # two lamps: each line is backed out on its own, so the half cent goes the same way twice
    assert _lamp("odoo_17", lines=2) == ([eur("10.12")] * 2, eur("4.06"))
    assert _lamp("odoo_14", lines=2) == ([eur("10.13")] * 2, eur("4.04"))


def test_round_globally_odoo_backs_included_taxes_out_of_each_line_too() -> None:
    # IncludedBackOut.PER_LINE: as per line (17: 4.06, 14: 4.04), where the summed lines'
    # 24.30 including 20 % would be exactly 4.05 (the en16931 profile)
    assert _lamp("odoo_17_round_globally", lines=2) == ([eur("10.12")] * 2, eur("4.06"))
    assert _lamp("odoo_14_round_globally", lines=2) == ([eur("10.13")] * 2, eur("4.04"))
    assert _lamp("en16931", lines=2) == ([eur("10.13"), eur("10.12")], eur("4.05"))


def _bottle(profile: str) -> tuple[Money, list[Money]]:
    bottle = Line(
        description="Bottle",
        quantity="1",
        unit_price=eur("7.77"),
        taxes=[
            Tax.percent("VAT", "20", included=True),
            Tax.percent("Duty", "5", code="D", included=True),
            Tax.percent("Levy", "5", code="L", included=True),
        ],
    )
    result = price(Document(currency="EUR", items=[bottle], policy=Policy.profile(profile)))
    return result.lines[0].net, [row.amount for row in result.tax_breakdown]


def test_several_included_taxes_odoo_14_gives_the_last_the_rest_and_17_rounds_each() -> None:
    # 7.77 / 1.30 = 5.9769...: the taxes' exact amounts are 1.1954, 0.2988 and 0.2988
    # Odoo 14: the net 5.98; VAT 1.20 and duty 0.30 rounded, the levy takes 0.29
    assert _bottle("odoo_14") == (eur("5.98"), [eur("1.20"), eur("0.30"), eur("0.29")])
    # Odoo 17: each tax rounded, 1.20 + 0.30 + 0.30, and the net takes the rest
    assert _bottle("odoo_17") == (eur("5.97"), [eur("1.20"), eur("0.30"), eur("0.30")])


def test_odoo_14s_last_tax_rest_is_taken_after_the_others_on_the_exact_net() -> None:
    # ordercore's LAST_TAX rounds the other taxes from the exact net, 1.43 / 1.26 =
    # 1.1349...: VAT 0.2156 -> 0.22, the duty the 0.08 left. Odoo 14 takes the VAT on the
    # rounded net, 1.13 (0.2147 -> 0.21, duty 0.09): the gap docs/profiles.md names
    tonic = Line(
        description="Tonic",
        quantity="1",
        unit_price=eur("1.43"),
        taxes=[
            Tax.percent("VAT", "19", included=True),
            Tax.percent("Duty", "7", code="D", included=True),
        ],
    )
    result = price(Document(currency="EUR", items=[tonic], policy=Policy.profile("odoo_14")))
    assert result.lines[0].net == eur("1.13")
    assert [row.amount for row in result.tax_breakdown] == [eur("0.22"), eur("0.08")]


def test_odoo_cash_rounding_strategies_are_given_beside_the_profile() -> None:
    # Odoo 14 and 17 have the same two strategies. One soap at 2.04, 8.1 %: 2.04 + 0.17
    # (0.16524 rounded) = 2.21, paid in steps of 0.05 as 2.20 either way
    vat = Tax.percent("MWST", "8.1")
    item = Line(description="Soap", quantity="1", unit_price=Money("2.04", "CHF"), taxes=[vat])
    for name in ("odoo_17", "odoo_14"):
        for strategy in (CashRoundingStrategy.ROUNDING_LINE, CashRoundingStrategy.BIGGEST_TAX):
            policy = Policy.profile(
                name, cash_rounding=CashRounding(increment="0.05", strategy=strategy)
            )
            totals = price(Document(currency="CHF", items=[item], policy=policy)).totals
            assert totals.amount_due == Money("2.20", "CHF")
            assert totals.tax_inclusive == Money("2.20", "CHF")


def test_options_beside_the_name_are_set_on_top_and_checked() -> None:
    swiss = Policy.profile("odoo_17", cash_rounding=CashRounding(increment="0.05"))
    assert swiss.cash_rounding == CashRounding(increment="0.05")
    assert swiss.tax_rounding is TaxRounding.PER_LINE
    assert Policy.profile("tryton", price_places=2).price_places == 2
    with pytest.raises(InvalidType) as caught:
        Policy.profile("erpnext", rounding="half_up")
    assert caught.value.field == "rounding"
    with pytest.raises(InvalidType) as unknown:
        Policy.profile("erpnext", rounding_mode=RoundingMode.HALF_UP)
    assert unknown.value.field == "changes"


@pytest.mark.parametrize("name", ["sap", "Odoo_17", "", " en16931", None, 17, b"erpnext"])
def test_an_unknown_profile_is_refused_with_the_known_names(name: object) -> None:
    with pytest.raises(UnknownProfile) as caught:
        Policy.profile(name)  # type: ignore[arg-type]
    assert caught.value.name == name
    assert caught.value.known == PROFILES
    assert isinstance(caught.value, LookupError)


@given(st.text(max_size=50) | hostile_numbers() | st.binary(max_size=20))
def test_any_other_name_is_refused_in_bounded_time(name: object) -> None:
    if name in PROFILES:
        return
    with pytest.raises(UnknownProfile):
        Policy.profile(name)  # type: ignore[arg-type]


def test_a_huge_name_is_refused_with_a_short_message() -> None:
    with pytest.raises(UnknownProfile) as caught:
        Policy.profile("x" * 1_000_000)
    assert len(str(caught.value)) < 1_000


@given(documents(returns=True, tax_rounding=None), st.sampled_from(PROFILES))
def test_whatever_the_profile_the_totals_reconcile(document: Document, profile: str) -> None:
    policy = Policy.profile(
        profile,
        adjustments=document.policy.adjustments,
        stacking=document.policy.stacking,
        cash_rounding=document.policy.cash_rounding,
    )
    try:
        result = price(attrs.evolve(document, policy=policy))
    except OrdercoreError:
        reject()  # a unit price finer than Tryton's four places, a discount below zero...
    totals, currency = result.totals, document.currency
    zero = Money.zero(currency)
    assert result.policy == policy
    assert totals.lines_net == sum((line.net for line in result.lines), zero)
    assert totals.tax == sum((row.amount for row in result.tax_breakdown), zero)
    assert totals.tax_exclusive == totals.lines_net - totals.allowances + totals.charges
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax
    assert totals.amount_due == totals.tax_inclusive + totals.rounding - totals.prepaid
    step = Fraction(quantum(currency))
    for amount in (totals.tax_inclusive, totals.tax, *(line.net for line in result.lines)):
        assert (Fraction(amount.amount) / step).denominator == 1


def test_a_discount_odoo_takes_off_the_unit_price_is_a_price_discount() -> None:
    # Odoo: round(1 x 0.125 x 0.9) = round(0.1125) = 0.11; a line discount rounds the
    # gross first: 0.13 - round(0.013) = 0.12
    vat = Tax.percent("VAT", "20")
    as_odoo = Line(
        description="Clip",
        quantity="1",
        unit_price=eur("0.125"),
        price_discount=Discount.percent("10"),
        taxes=[vat],
    )
    on_the_line = attrs.evolve(as_odoo, price_discount=None, discounts=[Discount.percent("10")])
    policy = Policy.profile("odoo_17")
    assert price(Document(currency="EUR", items=[as_odoo], policy=policy)).lines[0].net == eur(
        "0.11"
    )
    assert price(Document(currency="EUR", items=[on_the_line], policy=policy)).lines[0].net == eur(
        "0.12"
    )
    assert Decimal("0.125") * Decimal("0.9") == Decimal("0.1125")
