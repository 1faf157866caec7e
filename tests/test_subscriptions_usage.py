"""Usage rating: aggregation, the charge models, rounding once, explanations and lines."""

import ast
import contextlib
import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore.errors import (
    CurrencyMismatch,
    FloatNotAllowed,
    InvalidTax,
    InvalidTiers,
    InvalidType,
    InvalidUsage,
    InvalidUsageModel,
    NumberOutOfRange,
    OrdercoreError,
    TextTooLong,
)
from ordercore.money import Money, RoundingMode, quantum
from ordercore.pricing import Document, LineKind, Policy, Tax, TaxRounding, price
from ordercore.subscriptions import usage as usage_module
from ordercore.subscriptions.usage import (
    MAX_TIERS,
    Aggregation,
    GraduatedPercentage,
    GraduatedTiers,
    Package,
    Percentage,
    PercentTier,
    PerUnit,
    RatedCharge,
    StepKind,
    Tier,
    Usage,
    UsageModel,
    UsageRecord,
    VolumeTiers,
    aggregate,
    check_usage_records,
    rate,
)
from ordercore.testing.strategies import hostile_numbers, hostile_texts

START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def units(quantity: object, metric: str = "api_calls") -> Usage:
    return Usage(metric=metric, start=START, end=END, quantity=quantity)


def transactions(amount: Money, count: int) -> Usage:
    return Usage(metric="payments", start=START, end=END, transactions=count, amount=amount)


def fonts() -> list[Tier]:
    """Stripe's example ladder: 1-5 at 7, 6-10 at 6.50, 11 and more at 6."""
    return [
        Tier(up_to="5", unit_price=Money("7", "USD")),
        Tier(up_to="10", unit_price=Money("6.50", "USD")),
        Tier(up_to=None, unit_price=Money("6", "USD")),
    ]


def api_tiers() -> list[Tier]:
    return [
        Tier(up_to="1000", unit_price=eur("0")),
        Tier(up_to="10000", unit_price=eur("0.10"), flat_fee=eur("5.00")),
        Tier(up_to=None, unit_price=eur("0.08")),
    ]


def engine_total(charge: RatedCharge, policy: Policy | None = None) -> Money:
    document = Document(currency=charge.currency, items=charge.lines(), policy=policy or Policy())
    return price(document).totals.tax_exclusive


# -- strategies ---------------------------------------------------------------------------

CURRENCIES = ("EUR", "JPY", "BHD", "USD")


def scaled(low: int, high: int, places: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-places))


@st.composite
def quantities(draw: st.DrawFn, high: int = 10**7) -> Decimal:
    places = draw(st.integers(0, 6))
    return draw(scaled(0, high * 10**places, places))


@st.composite
def unit_prices(draw: st.DrawFn, currency: str) -> Money:
    places = draw(st.integers(0, 6))
    return Money(draw(scaled(0, 5 * 10**places, places)), currency)


@st.composite
def whole_amounts(draw: st.DrawFn, currency: str, high: int = 10**4) -> Money:
    step = quantum(currency)
    return Money(draw(st.integers(0, high)) * step * draw(st.sampled_from([1, 100])), currency)


@st.composite
def ladders(draw: st.DrawFn, currency: str) -> list[Tier]:
    bounds = sorted(draw(st.sets(quantities(high=10**5).filter(bool), max_size=4)))
    fees = st.none() | whole_amounts(currency)
    return [
        Tier(up_to=up_to, unit_price=draw(unit_prices(currency)), flat_fee=draw(fees))
        for up_to in [*bounds, None]
    ]


@st.composite
def bounds(draw: st.DrawFn, currency: str) -> tuple[Money | None, Money | None]:
    low = draw(st.none() | whole_amounts(currency, 10**6))
    high = draw(st.none() | whole_amounts(currency, 10**6))
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


@st.composite
def unit_models(draw: st.DrawFn) -> UsageModel:
    currency = draw(st.sampled_from(CURRENCIES))
    low, high = draw(bounds(currency))
    kind = draw(st.sampled_from(["per unit", "graduated", "volume", "package"]))
    if kind == "per unit":
        return PerUnit(unit_price=draw(unit_prices(currency)), minimum=low, maximum=high)
    if kind == "package":
        return Package(
            # from a tenth of a unit: smaller packages of the priciest blocks over the
            # largest usage leave the range of amounts (NumberOutOfRange, tested apart)
            size=draw(quantities(high=1000).filter(lambda size: size >= Decimal("0.1"))),
            price=draw(whole_amounts(currency)),
            free_units=draw(quantities(high=1000)),
            minimum=low,
            maximum=high,
        )
    model = GraduatedTiers if kind == "graduated" else VolumeTiers
    return model(tiers=draw(ladders(currency)), minimum=low, maximum=high)


@st.composite
def percentage_models(draw: st.DrawFn) -> UsageModel:
    currency = draw(st.sampled_from(CURRENCIES))
    low, high = draw(bounds(currency))
    rates = scaled(0, 100 * 10**4, 4)
    if draw(st.booleans()):
        fee = draw(st.none() | whole_amounts(currency, 100))
        return Percentage(
            currency=currency,
            rate=draw(rates),
            fixed_fee=fee,
            free_transactions=draw(st.integers(0, 20)) if fee is not None else 0,
            free_amount=draw(st.none() | whole_amounts(currency)),
            minimum=low,
            maximum=high,
        )
    edges = sorted(draw(st.sets(st.integers(1, 10**6).map(Decimal), max_size=3)))
    tiers = [
        PercentTier(
            up_to=up_to, rate=draw(rates), flat_fee=draw(st.none() | whole_amounts(currency))
        )
        for up_to in [*edges, None]
    ]
    return GraduatedPercentage(currency=currency, tiers=tiers, minimum=low, maximum=high)


@st.composite
def rated(draw: st.DrawFn) -> RatedCharge:
    if draw(st.booleans()):
        model = draw(unit_models())
        usage = units(draw(quantities()))
    else:
        model = draw(percentage_models())
        currency = model.currency.code
        usage = transactions(draw(whole_amounts(currency, 10**7)), draw(st.integers(0, 10**4)))
    mode = draw(st.sampled_from([RoundingMode.HALF_UP, RoundingMode.HALF_EVEN]))
    return rate(model, usage, rounding=mode)


def half_up(value: Decimal, currency: str) -> Decimal:
    return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)


# -- the models on the examples of Stripe and Lago -------------------------------------------


def test_graduated_and_volume_on_stripes_fonts() -> None:
    for count, volume, graduated in [
        ("1", "7", "7"),
        ("5", "35", "35"),
        ("6", "39.0", "41.50"),
        ("20", "120", "127.50"),
    ]:
        assert rate(VolumeTiers(tiers=fonts()), units(count)).amount == Money(volume, "USD")
        assert rate(GraduatedTiers(tiers=fonts()), units(count)).amount == Money(graduated, "USD")


def test_a_quantity_exactly_at_a_boundary_stays_in_the_lower_tier() -> None:
    volume = VolumeTiers(tiers=fonts())
    assert volume.reached("5") == 0
    assert volume.reached("5.000001") == 1
    at = rate(volume, units("5"))
    assert (at.steps[0].tier, at.amount) == (1, Money("35.00", "USD"))
    above = rate(volume, units("5.5"))
    assert (above.steps[0].tier, above.amount) == (2, Money("35.75", "USD"))


def test_zero_usage_reaches_no_tier_and_pays_no_flat_fee() -> None:
    tiers = [Tier(up_to="10", unit_price=eur("1"), flat_fee=eur("20.00")), *api_tiers()[2:]]
    for model in (GraduatedTiers(tiers=tiers), VolumeTiers(tiers=tiers)):
        charge = rate(model, units("0"))
        assert charge.amount == eur("0.00")
        assert [step.kind for step in charge.steps] == [StepKind.UNITS]
        assert charge.steps[0].quantity == 0


def test_a_tiers_flat_fee_comes_once_a_unit_falls_in_it() -> None:
    graduated = GraduatedTiers(tiers=api_tiers())
    below = rate(graduated, units("1000"))
    assert below.amount == eur("0.00")
    entered = rate(graduated, units("1000.5"))
    assert entered.amount == eur("5.05")
    assert [(s.kind, s.tier) for s in entered.steps] == [
        (StepKind.UNITS, 1),
        (StepKind.UNITS, 2),
        (StepKind.FLAT_FEE, 2),
    ]
    volume = rate(VolumeTiers(tiers=api_tiers()), units("2000"))
    assert volume.amount == eur("205.00")


def test_lagos_package_with_free_units() -> None:
    package = Package(size="100", price=Money("5", "USD"), free_units="100")
    charge = rate(package, units("201"))
    assert charge.amount == Money("10.00", "USD")
    assert [(s.kind, s.quantity) for s in charge.steps] == [
        (StepKind.FREE, Decimal(100)),
        (StepKind.PACKAGE, Decimal(2)),
    ]
    assert rate(package, units("100")).amount == Money("0.00", "USD")
    assert rate(package, units("100.000001")).amount == Money("5.00", "USD")
    assert rate(package, units("30")).steps[0].quantity == 30  # free units used, not offered


def test_lagos_graduated_percentage() -> None:
    model = GraduatedPercentage(
        currency="USD",
        tiers=[
            PercentTier(up_to="1000", rate="1", flat_fee=Money("200", "USD")),
            PercentTier(up_to="10000", rate="2", flat_fee=Money("300", "USD")),
            PercentTier(up_to=None, rate="3", flat_fee=Money("400", "USD")),
        ],
    )
    assert rate(model, transactions(Money("500", "USD"), 1)).amount == Money("205.00", "USD")
    # a whole period of 1,050: 1,000 at 1 percent, 50 at 2 percent, both flat fees
    assert rate(model, transactions(Money("1050", "USD"), 2)).amount == Money("511.00", "USD")


def test_percentage_with_a_fixed_fee_free_transactions_and_a_free_amount() -> None:
    model = Percentage(
        currency="EUR",
        rate="2.9",
        fixed_fee=eur("0.30"),
        free_transactions=2,
        free_amount=eur("100.00"),
    )
    charge = rate(model, transactions(eur("1234.57"), 12))
    # 2.9% of 1134.57 = 32.90253, and 10 fees of 0.30
    assert charge.subtotal == eur("35.90253")
    assert charge.amount == eur("35.90")
    assert rate(model, transactions(eur("50.00"), 1)).amount == eur("0.00")
    plain = Percentage(currency="EUR", rate="1.5")
    assert rate(plain, transactions(eur("200.00"), 40)).amount == eur("3.00")


def test_the_charge_is_rounded_once_not_per_step() -> None:
    # three tiers of 0.005 each: rounded per step 0.03, rounded once 0.02
    tiers = [
        Tier(up_to="1", unit_price=eur("0.005")),
        Tier(up_to="2", unit_price=eur("0.005")),
        Tier(up_to=None, unit_price=eur("0.005")),
    ]
    charge = rate(GraduatedTiers(tiers=tiers), units("3"))
    assert charge.subtotal == eur("0.015")
    assert charge.amount == eur("0.02")
    assert sum(half_up(s.amount.amount, "EUR") for s in charge.steps) == Decimal("0.03")
    assert engine_total(charge) == charge.amount
    assert rate(
        GraduatedTiers(tiers=tiers), units("3"), rounding=RoundingMode.HALF_EVEN
    ).amount == (eur("0.02"))


def test_minimum_trues_up_and_maximum_caps() -> None:
    per_unit = PerUnit(unit_price=eur("0.0125"), minimum=eur("5.00"), maximum=eur("50.00"))
    low = rate(per_unit, units("333"))
    assert (low.rounded, low.amount) == (eur("4.16"), eur("5.00"))
    assert low.bound is not None
    assert (low.bound.kind, low.bound.amount) == (StepKind.MINIMUM, eur("0.84"))
    high = rate(per_unit, units("10000"))
    assert high.bound is not None
    assert (high.bound.kind, high.bound.amount, high.amount) == (
        StepKind.MAXIMUM,
        eur("-75.00"),
        eur("50.00"),
    )
    within = rate(per_unit, units("1000"))
    assert (within.bound, within.amount) == (None, eur("12.50"))
    assert rate(per_unit, units("0")).amount == eur("5.00")  # a commitment is owed unused too
    for charge in (low, high, within):
        assert engine_total(charge) == charge.amount


# -- properties ---------------------------------------------------------------------------


@given(rated())
def test_the_charge_is_its_steps_rounded_once_then_bounded(charge: RatedCharge) -> None:
    currency = charge.currency
    exact = sum((s.amount.amount for s in charge.steps), Decimal(0))
    assert charge.subtotal.amount == exact
    for step in charge.steps:
        assert step.amount.amount == step.quantity * step.unit_price.amount
    assert charge.rounded.amount == exact.quantize(
        quantum(currency), rounding=charge.rounding.value
    )
    low, high = charge.model.minimum, charge.model.maximum
    expected = charge.rounded
    if low is not None and expected < low:
        expected = low
    if high is not None and expected > high:
        expected = high
    assert charge.amount == expected
    assert charge.amount.amount == charge.amount.amount.quantize(quantum(currency))
    if low is not None:
        assert charge.amount >= low
    if high is not None:
        assert charge.amount <= high


@given(rated(), st.sampled_from([RoundingMode.HALF_UP, RoundingMode.HALF_EVEN, RoundingMode.DOWN]))
def test_the_engine_prices_the_lines_to_exactly_the_rated_amount(
    charge: RatedCharge, mode: RoundingMode
) -> None:
    vat = Tax.percent("VAT", "20")
    lines = charge.lines(taxes=[vat])
    for tax_rounding in (TaxRounding.PER_RATE, TaxRounding.PER_LINE):
        priced = price(
            Document(
                currency=charge.currency,
                items=lines,
                policy=Policy(rounding=mode, tax_rounding=tax_rounding),
            )
        )
        assert priced.totals.tax_exclusive == charge.amount
        assert sum((line.net for line in priced.lines), Money.zero(charge.currency)) == (
            charge.amount
        )
        assert priced.totals.tax_inclusive == charge.amount + priced.totals.tax


@given(st.sampled_from(CURRENCIES).flatmap(ladders), quantities())
def test_graduated_is_the_sum_of_its_tier_steps(tiers: list[Tier], quantity: Decimal) -> None:
    charge = rate(GraduatedTiers(tiers=tiers), units(quantity))
    unit_steps = [s for s in charge.steps if s.kind is StepKind.UNITS]
    assert sum(s.quantity for s in unit_steps) == quantity
    expected = Decimal(0)
    below = Decimal(0)
    for tier in tiers:
        top = quantity if tier.up_to is None else min(quantity, tier.up_to)
        inside = max(Decimal(0), top - below)
        expected += inside * tier.unit_price.amount
        if inside > 0 and tier.flat_fee is not None:
            expected += tier.flat_fee.amount
        if tier.up_to is None or quantity <= tier.up_to:
            break
        below = tier.up_to
    assert charge.subtotal.amount == expected


@given(st.sampled_from(CURRENCIES).flatmap(ladders), quantities(), quantities())
def test_graduated_is_monotone_in_units(tiers: list[Tier], a: Decimal, b: Decimal) -> None:
    model = GraduatedTiers(tiers=tiers)
    low, high = sorted((a, b))
    assert rate(model, units(low)).subtotal <= rate(model, units(high)).subtotal
    assert rate(model, units(low)).amount <= rate(model, units(high)).amount


@given(st.sampled_from(CURRENCIES).flatmap(ladders), quantities())
def test_volume_is_units_times_the_reached_tiers_price(
    tiers: list[Tier], quantity: Decimal
) -> None:
    model = VolumeTiers(tiers=tiers)
    index = model.reached(quantity)
    tier = tiers[index]
    assert tier.up_to is None or quantity <= tier.up_to
    assert index == 0 or quantity > tiers[index - 1].up_to  # type: ignore[operator]
    fee = tier.flat_fee.amount if tier.flat_fee is not None and quantity > 0 else 0
    expected = quantity * tier.unit_price.amount + fee
    assert rate(model, units(quantity)).subtotal.amount == expected


@given(
    quantities(high=10**6),
    quantities(high=1000).filter(bool),
    quantities(high=1000),
    st.integers(0, 10**4),
)
def test_package_is_started_packages_times_the_price(
    quantity: Decimal, size: Decimal, free: Decimal, cents: int
) -> None:
    package = Package(size=size, price=Money(cents, "EUR") / 100, free_units=free)
    packages = math.ceil(Fraction(max(Decimal(0), quantity - free)) / Fraction(size))
    assert package.packages(quantity) == packages
    charge = rate(package, units(quantity))
    assert charge.subtotal.amount == packages * package.price.amount


@given(percentage_models(), st.integers(0, 10**9), st.integers(0, 10**5))
def test_percentage_charges_follow_their_rule(model: UsageModel, cents: int, count: int) -> None:
    currency = model.currency.code
    amount = Money(Decimal(cents) * quantum(currency), currency)
    charge = rate(model, transactions(amount, count))
    if isinstance(model, Percentage):
        free = model.free_amount.amount if model.free_amount is not None else 0
        expected = model.rate / 100 * max(Decimal(0), amount.amount - free)
        if model.fixed_fee is not None:
            expected += model.fixed_fee.amount * max(0, count - model.free_transactions)
        assert charge.subtotal.amount == expected
    else:
        assert charge.subtotal.amount == sum(s.amount.amount for s in charge.steps)
        more = rate(model, transactions(amount + Money(quantum(currency), currency), count))
        assert charge.subtotal <= more.subtotal


@given(rated())
def test_a_charge_prints_in_one_line_that_names_every_step(charge: RatedCharge) -> None:
    text = str(charge)
    assert "\n" not in text
    assert text == charge.explanation
    for step in charge.steps:
        assert step.text in text
    assert text.endswith(f"charge {charge.amount}.")
    assert repr(charge).startswith("RatedCharge(description=")
    assert "<table>" in charge._repr_html_()


# -- aggregation --------------------------------------------------------------------------


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)


def test_usage_records_are_checked_once_and_kept_in_order() -> None:
    records = [UsageRecord(metric="api_calls", quantity=str(n), at=at(1)) for n in (1, 2)]
    assert check_usage_records(iter(records)) == tuple(records)
    assert check_usage_records(()) == ()


@pytest.mark.parametrize(
    ("value", "field"),
    [("api_calls", "meters"), (b"api", "meters"), (5, "meters"), ([object()], "meters[0]")],
)
def test_usage_records_name_the_field_they_fail_in(value: object, field: str) -> None:
    with pytest.raises(InvalidType) as caught:
        check_usage_records(value, field="meters")
    assert caught.value.field == field


def test_subscriptions_and_services_share_the_one_usage_check() -> None:
    from ordercore import services  # noqa: PLC0415 - only this test looks at the layers
    from ordercore.subscriptions import subscription  # noqa: PLC0415

    assert services.check_usage_records is check_usage_records
    assert subscription.check_usage_records is check_usage_records


def test_records_aggregate_per_metric_within_the_period() -> None:
    records = [
        UsageRecord(metric="api_calls", quantity="100", at=at(1)),
        UsageRecord(metric="api_calls", quantity="250.5", at=at(15, 12)),
        UsageRecord(metric="api_calls", quantity="999", at=END),  # the period's end is out
        UsageRecord(metric="storage_gb", quantity="12", at=at(3)),
        UsageRecord(metric="storage_gb", quantity="30", at=at(20)),
        UsageRecord(metric="api_calls", quantity="7", at=START - dt.timedelta(seconds=1)),
    ]
    summed = aggregate(records, start=START, end=END)
    assert list(summed) == ["api_calls", "storage_gb"]
    assert (summed["api_calls"].quantity, summed["api_calls"].transactions) == (
        Decimal("350.5"),
        2,
    )
    assert aggregate(records, start=START, end=END, aggregation=Aggregation.MAX)[
        "storage_gb"
    ].quantity == Decimal(30)
    counted = Usage.of(
        records, metric="storage_gb", start=START, end=END, aggregation=Aggregation.COUNT
    )
    assert counted.quantity == 2
    empty = Usage.of(records, metric="seats", start=START, end=END)
    assert (empty.quantity, empty.transactions, empty.amount) == (Decimal(0), 0, None)


def test_a_period_in_another_timezone_is_the_same_instants() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    record = UsageRecord(metric="m", at=dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC))
    local_end = dt.datetime(2026, 12, 1, 0, 0, tzinfo=paris)  # 23:00 UTC
    assert Usage.of([record], metric="m", start=START, end=local_end).transactions == 0
    assert Usage.of([record], metric="m", start=START, end=END).transactions == 1


def test_transaction_amounts_are_summed_and_keys_counted() -> None:
    records = [
        UsageRecord(metric="payments", at=at(d), amount=eur(a), key=k)
        for d, a, k in ((2, "10.00", "ann"), (3, "20.50", "bob"), (4, "5.25", "ann"))
    ]
    usage = Usage.of(records, metric="payments", start=START, end=END)
    assert (usage.amount, usage.transactions) == (eur("35.75"), 3)
    unique = Usage.of(
        records, metric="payments", start=START, end=END, aggregation=Aggregation.UNIQUE_COUNT
    )
    assert unique.quantity == 2


@given(st.lists(st.tuples(quantities(high=1000), st.integers(0, 40)), max_size=30))
def test_aggregation_sums_counts_and_maxes_what_falls_in_the_period(
    entries: list[tuple[Decimal, int]],
) -> None:
    records = [
        UsageRecord(metric="m", quantity=q, at=START + dt.timedelta(days=d)) for q, d in entries
    ]
    inside = [q for q, d in entries if d < 30]
    found = {
        kind: Usage.of(records, metric="m", start=START, end=END, aggregation=kind).quantity
        for kind in Aggregation
        if kind is not Aggregation.UNIQUE_COUNT
    }
    assert found[Aggregation.SUM] == sum(inside, Decimal(0))
    assert found[Aggregation.COUNT] == len(inside)
    assert found[Aggregation.MAX] == max(inside, default=Decimal(0))


# -- bad input ----------------------------------------------------------------------------


def test_usage_records_and_periods_are_checked() -> None:
    with pytest.raises(InvalidUsage) as naive:
        UsageRecord(metric="m", at=dt.datetime(2026, 11, 1))  # noqa: DTZ001
    assert naive.value.field == "at"
    with pytest.raises(InvalidType):
        UsageRecord(metric="m", at=dt.date(2026, 11, 1))
    with pytest.raises(InvalidUsage) as negative:
        UsageRecord(metric="m", at=START, quantity="-1")
    assert negative.value.field == "quantity"
    with pytest.raises(FloatNotAllowed):
        UsageRecord(metric="m", at=START, quantity=1.5)
    with pytest.raises(InvalidUsage) as backwards:
        Usage(metric="m", start=END, end=START)
    assert backwards.value.field == "end"
    with pytest.raises(InvalidUsage) as cents:
        UsageRecord(metric="m", at=START, amount=eur("1.001"))
    assert cents.value.field == "amount"
    with pytest.raises(TextTooLong):
        UsageRecord(metric="m" * 201, at=START)
    with pytest.raises(InvalidUsage):
        Usage(metric="m", start=START, end=END, transactions=-1)


def test_records_of_a_metric_carry_amounts_in_one_currency_or_none() -> None:
    mixed = [
        UsageRecord(metric="p", at=at(2), amount=eur("1.00")),
        UsageRecord(metric="p", at=at(3)),
    ]
    with pytest.raises(InvalidUsage) as error:
        aggregate(mixed, start=START, end=END)
    assert error.value.field == "records[1].amount"
    with pytest.raises(InvalidUsage):
        aggregate(mixed[::-1], start=START, end=END)
    two = [mixed[0], UsageRecord(metric="p", at=at(3), amount=Money("1.00", "USD"))]
    with pytest.raises(CurrencyMismatch):
        aggregate(two, start=START, end=END)
    with pytest.raises(InvalidUsage) as keyless:
        aggregate(mixed[:1], start=START, end=END, aggregation=Aggregation.UNIQUE_COUNT)
    assert keyless.value.field == "records[0].key"
    with pytest.raises(InvalidType):
        aggregate([mixed[0], "record"], start=START, end=END)  # type: ignore[list-item]
    with pytest.raises(InvalidType):
        aggregate("records", start=START, end=END)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tiers", "index"),
    [
        ([], None),
        ([Tier(up_to="10", unit_price=eur("1"))], 0),
        ([Tier(up_to=None, unit_price=eur("1")), Tier(up_to=None, unit_price=eur("1"))], 0),
        ([Tier(up_to="0", unit_price=eur("1")), Tier(up_to=None, unit_price=eur("1"))], 0),
        (
            [
                Tier(up_to="10", unit_price=eur("1")),
                Tier(up_to="10", unit_price=eur("1")),
                Tier(up_to=None, unit_price=eur("1")),
            ],
            1,
        ),
        (
            [
                Tier(up_to="10", unit_price=eur("1")),
                Tier(up_to="5", unit_price=eur("1")),
                Tier(up_to=None, unit_price=eur("1")),
            ],
            1,
        ),
        (
            [
                *(Tier(up_to=str(n + 1), unit_price=eur("1")) for n in range(MAX_TIERS)),
                Tier(up_to=None, unit_price=eur("1")),
            ],
            None,
        ),
    ],
)
def test_tiers_ascend_from_zero_to_an_open_end(tiers: list[Tier], index: int | None) -> None:
    for model in (GraduatedTiers, VolumeTiers):
        with pytest.raises(InvalidTiers) as error:
            model(tiers=tiers)
        assert (error.value.index, error.value.field) == (index, "tiers")
        assert error.value.model == model.name


def test_tier_prices_are_checked() -> None:
    open_end = Tier(up_to=None, unit_price=eur("1"))
    with pytest.raises(CurrencyMismatch):
        GraduatedTiers(tiers=[Tier(up_to="5", unit_price=Money("1", "USD")), open_end])
    for bad, field in [
        (Tier(up_to=None, unit_price=eur("-1")), "unit_price"),
        (Tier(up_to=None, unit_price=eur("0.0000001")), "unit_price"),
        (Tier(up_to=None, unit_price=eur("1"), flat_fee=eur("0.001")), "flat_fee"),
    ]:
        with pytest.raises(InvalidUsageModel) as error:
            VolumeTiers(tiers=[bad])
        assert error.value.field == field
    with pytest.raises(InvalidType):
        GraduatedTiers(tiers=["1000"])  # type: ignore[list-item]
    with pytest.raises(FloatNotAllowed):
        Tier(up_to=10.0, unit_price=eur("1"))


def test_package_percentage_and_bounds_are_checked() -> None:
    for kwargs, field in [
        ({"size": "0"}, "size"),
        ({"size": "0.0000001"}, "size"),
        ({"free_units": "-1"}, "free_units"),
        ({"price": eur("0.001")}, "price"),
        ({"minimum": eur("10"), "maximum": eur("5")}, "minimum"),
        ({"minimum": eur("-1")}, "minimum"),
        ({"maximum": eur("1.005")}, "maximum"),
    ]:
        given_kwargs: dict[str, object] = {"size": "100", "price": eur("5"), **kwargs}
        with pytest.raises(InvalidUsageModel) as error:
            Package(**given_kwargs)  # type: ignore[arg-type]
        assert (error.value.model, error.value.field) == ("package", field)
    with pytest.raises(CurrencyMismatch):
        PerUnit(unit_price=eur("1"), minimum=Money("1", "USD"))
    for kwargs, field in [
        ({"rate": "100.01"}, "rate"),
        ({"rate": "-1"}, "rate"),
        ({"rate": "1.23456"}, "rate"),
        ({"rate": "1", "free_transactions": 3}, "free_transactions"),
        ({"rate": "1", "fixed_fee": eur("0.001")}, "fixed_fee"),
        ({"rate": "1", "free_amount": eur("-5")}, "free_amount"),
    ]:
        with pytest.raises(InvalidUsageModel) as error:
            Percentage(currency="EUR", **kwargs)  # type: ignore[arg-type]
        assert error.value.field == field
    with pytest.raises(InvalidType):
        Percentage(currency="EUR", rate="1", fixed_fee=eur("1"), free_transactions=True)
    with pytest.raises(InvalidUsageModel):
        GraduatedPercentage(currency="EUR", tiers=[PercentTier(up_to=None, rate="200")])


def test_rating_refuses_what_it_cannot_rate() -> None:
    with pytest.raises(InvalidUsage) as no_amounts:
        rate(Percentage(currency="EUR", rate="1"), units("10"))
    assert no_amounts.value.field == "amount"
    with pytest.raises(CurrencyMismatch):
        rate(Percentage(currency="EUR", rate="1"), transactions(Money("1", "USD"), 1))
    with pytest.raises(InvalidType):
        rate("per unit", units("1"))  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        rate(UsageModel(), units("1"))
    with pytest.raises(InvalidType):
        rate(PerUnit(unit_price=eur("1")), "10")  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        rate(PerUnit(unit_price=eur("1")), units("1"), rounding="half-up")  # type: ignore[arg-type]
    with pytest.raises(InvalidTax) as included:
        rate(PerUnit(unit_price=eur("1")), units("1")).lines(
            taxes=[Tax.percent("VAT", "20", included=True)]
        )
    assert included.value.field == "included"


def test_a_charge_too_large_is_refused_in_bounded_time() -> None:
    tiny = Package(size="0.000001", price=eur("1000000.00"))
    with pytest.raises(NumberOutOfRange) as error:
        rate(tiny, units("999999999999999"))
    assert error.value.field == "amount"
    with pytest.raises(NumberOutOfRange):
        rate(PerUnit(unit_price=eur("999999")), units("999999999999"))
    with pytest.raises(NumberOutOfRange):
        Usage.of(
            [UsageRecord(metric="m", quantity="999999999999999", at=START)] * 2,
            metric="m",
            start=START,
            end=END,
        )


@given(hostile_numbers(), st.integers(0, 5))
def test_hostile_numbers_raise_only_ordercore_errors(value: object, where: int) -> None:
    makers = [
        lambda: Tier(up_to=value, unit_price=eur("1")),
        lambda: Package(size=value, price=eur("1")),
        lambda: Percentage(currency="EUR", rate=value),
        lambda: UsageRecord(metric="m", at=START, quantity=value),
        lambda: Usage(metric="m", start=START, end=END, quantity=value),
        lambda: PercentTier(up_to=None, rate=value),
    ]
    try:
        made = makers[where]()
    except OrdercoreError:
        return
    if isinstance(made, Usage):
        rate(PerUnit(unit_price=eur("0.01")), made)


@given(hostile_texts())
def test_hostile_texts_raise_only_ordercore_errors(value: object) -> None:
    for make in (
        lambda: UsageRecord(metric=value, at=START),
        lambda: UsageRecord(metric="m", at=START, key=value),
        lambda: rate(PerUnit(unit_price=eur("1")), units("1"), description=value),  # type: ignore[arg-type]
    ):
        with contextlib.suppress(OrdercoreError):
            make()


# -- printing and shape -------------------------------------------------------------------


def test_values_print_like_their_constructors() -> None:
    assert repr(Tier(up_to="5", unit_price=Money("7", "USD"))) == (
        "Tier(up_to='5', unit_price=Money('7', 'USD'))"
    )
    assert repr(units("12.5")) == (
        "Usage(metric='api_calls', quantity='12.5', transactions=0, aggregation=Aggregation.SUM)"
    )
    charge = rate(GraduatedTiers(tiers=api_tiers()), units("12500"), description="API calls")
    assert repr(charge) == (
        "RatedCharge(description='API calls', model='graduated', quantity='12500', "
        "amount=Money('1105.00', 'EUR'))"
    )
    assert str(charge).startswith(
        "API calls, 2026-11-01T00:00:00+00:00 to 2026-12-01T00:00:00+00:00: graduated charge"
    )
    lines = charge.lines()
    assert [line.quantity for line in lines] == [Decimal(1000), Decimal(9000), 1, Decimal(2500)]
    assert all(line.description.startswith("API calls: ") for line in lines)


def test_values_are_frozen_and_hashable() -> None:
    model = GraduatedTiers(tiers=api_tiers())
    assert hash(model) == hash(GraduatedTiers(tiers=api_tiers()))
    record = UsageRecord(metric="m", at=START)
    with pytest.raises(AttributeError):
        record.quantity = Decimal(2)  # type: ignore[misc]


def test_the_usage_module_has_no_float_and_does_no_io() -> None:
    tree = ast.parse(Path(usage_module.__file__).read_text(encoding="utf-8"))
    floats = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, float)
    ]
    assert not floats
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"os", "sys", "io", "socket", "time", "random", "json", "pathlib"}


def test_a_huge_list_of_tiers_is_refused_before_it_is_read() -> None:
    huge = [Tier(up_to=None, unit_price=eur("1"))] * 1_000_000
    with pytest.raises(InvalidTiers) as error:
        GraduatedTiers(tiers=huge)
    assert (error.value.index, error.value.value) == (None, 1_000_000)
    with pytest.raises(InvalidTiers) as percent:
        GraduatedPercentage(currency="EUR", tiers=[PercentTier(up_to=None, rate="1")] * 101)
    assert percent.value.model == "graduated percentage"


def test_lines_carry_the_product_kind_and_taxes() -> None:
    charge = rate(PerUnit(unit_price=eur("0.10")), units("42"), description="API calls")
    vat = Tax.percent("VAT", "20")
    (line,) = charge.lines(taxes=[vat], kind=LineKind.CHARGE, product="API-CALLS")
    assert (line.product, line.kind, line.taxes, line.quantity, line.unit_price) == (
        "API-CALLS",
        LineKind.CHARGE,
        (vat,),
        Decimal(42),
        eur("0.10"),
    )
    assert charge.lines(taxes=(vat,)) == charge.lines(taxes=iter([vat]))


@given(unit_models() | percentage_models())
def test_a_models_repr_is_its_constructor_call(model: UsageModel) -> None:
    names = {
        cls.__name__: cls
        for cls in (
            GraduatedPercentage,
            GraduatedTiers,
            Package,
            Percentage,
            PercentTier,
            PerUnit,
            Tier,
            VolumeTiers,
        )
    }
    assert eval(repr(model), {**names, "Money": Money}) == model
