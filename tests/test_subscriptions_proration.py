"""Proration: a factor is carried exactly through the ordinary pricing engine, rounded once."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.errors import InvalidNumber, InvalidType
from ordercore.money import Money, RoundingMode, quantum
from ordercore.pricing import Discount, Document, Line, Policy, Tax, price
from ordercore.subscriptions import MAX_DENOMINATOR, amount, check_factor, prorate

factors = st.builds(Fraction, st.integers(0, 366), st.integers(1, 366)).filter(lambda f: f <= 1)
modes = st.sampled_from([RoundingMode.HALF_UP, RoundingMode.HALF_EVEN])
currencies = st.sampled_from(["EUR", "JPY", "BHD"])


def exact_rounding(value: Fraction, step: Decimal, mode: RoundingMode) -> Decimal:
    """An oracle: round an exact fraction with integers only, no decimal division."""
    units = value / Fraction(step)
    whole, rest = divmod(abs(units.numerator), units.denominator)
    twice = 2 * rest
    if twice > units.denominator or (
        twice == units.denominator and (mode is RoundingMode.HALF_UP or whole % 2 == 1)
    ):
        whole += 1
    signed = whole if units >= 0 else -whole
    return (Decimal(signed) * step).quantize(step)


@given(
    units=st.integers(0, 10**9),
    quantity=st.integers(1, 1000),
    factor=factors,
    mode=modes,
    currency=currencies,
    credit=st.booleans(),
)
def test_a_prorated_line_is_priced_exactly_and_rounded_once(
    *, units: int, quantity: int, factor: Fraction, mode: RoundingMode, currency: str, credit: bool
) -> None:
    step = quantum(currency)
    unit_price = Money(Decimal(units) * step, currency)
    plan = Line(description="Plan", quantity=Decimal(quantity), unit_price=unit_price)
    line = prorate(plan, factor, credit=credit)
    priced = price(Document(currency=currency, items=[line], policy=Policy(rounding=mode)))
    exact = Fraction(quantity) * Fraction(unit_price.amount) * factor * (-1 if credit else 1)
    expected = Money(exact_rounding(exact, step, mode), currency)
    assert priced.lines[0].gross == expected
    assert amount(plan, factor, mode=mode, credit=credit) == expected


def test_a_factor_is_not_forced_through_a_six_decimal_quantity() -> None:
    plan = Line(description="Plan", quantity="1", unit_price=Money("1000000.00", "EUR"))
    factor = Fraction(22, 31)
    six_places = Decimal(factor.numerator) / Decimal(factor.denominator)
    rounded_quantity = Line(
        description="Plan",
        quantity=six_places.quantize(Decimal("0.000001")),
        unit_price=plan.unit_price,
    )
    assert price(Document(currency="EUR", items=[rounded_quantity])).lines[0].gross == Money(
        "709677.00", "EUR"
    )
    assert amount(plan, factor) == Money("709677.42", "EUR")  # 22/31 of a million, exactly


def test_a_prorated_line_keeps_its_taxes_discounts_and_base_quantity() -> None:
    plan = Line(
        description="Seats",
        quantity="3",
        unit_price=Money("12.00", "EUR"),
        base_quantity="2",
        discounts=[Discount.percent("10")],
        taxes=[Tax.percent("VAT", "20")],
    )
    line = prorate(plan, Fraction(10, 30), description="Seats, 10 days")
    assert (line.quantity, line.base_quantity) == (Decimal(3), Decimal(6))
    assert line.taxes == plan.taxes
    assert line.discounts == plan.discounts
    assert line.description == "Seats, 10 days"
    priced = price(Document(currency="EUR", items=[line]))
    assert priced.lines[0].gross == Money("6.00", "EUR")  # 3 x 12.00 / 2 x 1/3
    assert priced.totals.lines_net == Money("5.40", "EUR")


def test_a_full_factor_prices_the_line_as_it_is() -> None:
    plan = Line(description="Plan", quantity="2", unit_price=Money("9.99", "EUR"))
    line = prorate(plan, Fraction(1))
    assert (line.quantity, line.base_quantity) == (Decimal(2), Decimal(1))
    assert amount(plan, 1) == Money("19.98", "EUR")


def test_rounding_modes_apply_to_the_amount_only() -> None:
    plan = Line(description="Plan", quantity="1", unit_price=Money("0.05", "EUR"))
    half = Fraction(1, 2)  # 0.025: a tie
    assert amount(plan, half, mode=RoundingMode.HALF_UP) == Money("0.03", "EUR")
    assert amount(plan, half, mode=RoundingMode.HALF_EVEN) == Money("0.02", "EUR")
    assert Decimal("0.025").quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal("0.03")
    assert Decimal("0.025").quantize(Decimal("0.01"), ROUND_HALF_EVEN) == Decimal("0.02")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (0.5, InvalidType),
        (Decimal("0.5"), InvalidType),
        ("1/2", InvalidType),
        (True, InvalidType),
        (Fraction(3, 2), InvalidNumber),
        (Fraction(-1, 2), InvalidNumber),
        (2, InvalidNumber),
        (Fraction(1, MAX_DENOMINATOR + 1), InvalidNumber),
        (Fraction(1, 10**1000), InvalidNumber),
    ],
)
def test_bad_factors_are_refused(value: object, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        check_factor(value)
    assert raised.value.field == "factor"  # type: ignore[attr-defined]


def test_prorate_and_amount_take_pricing_lines_only() -> None:
    with pytest.raises(InvalidType) as error:
        prorate("Plan", Fraction(1, 2))  # type: ignore[arg-type]
    assert error.value.field == "line"
    plan = Line(description="Plan", quantity="1", unit_price=Money("1.00", "EUR"))
    with pytest.raises(InvalidType) as error:
        amount(plan, Fraction(1, 2), mode="half_up")  # type: ignore[arg-type]
    assert error.value.field == "mode"
    with pytest.raises(InvalidType):
        amount("Plan", Fraction(1, 2))  # type: ignore[arg-type]


def test_a_prorated_quantity_too_large_for_a_line_is_refused() -> None:
    plan = Line(description="Plan", quantity="10000000000000", unit_price=Money("1.00", "EUR"))
    with pytest.raises(InvalidNumber):
        prorate(plan, Fraction(999, 1000))
