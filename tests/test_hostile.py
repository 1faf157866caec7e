"""Probes: hostile numbers and texts at every boundary; only ordercore's own errors escape.

Each probe feeds :func:`ordercore.testing.strategies.hostile_numbers` or
:func:`~ordercore.testing.strategies.hostile_texts` to a public constructor, or puts
them in place of each leaf of the shipped example invoice, and checks that whatever
escapes is an :class:`~ordercore.errors.OrdercoreError` whose message is one short line.
"""

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercore import (
    Address,
    Allowance,
    CashRounding,
    CashRoundingStrategy,
    Charge,
    Discount,
    Document,
    DuplicateKey,
    EarlyPaymentDiscount,
    ExchangeRate,
    Group,
    Installment,
    InvalidData,
    InvalidText,
    Line,
    Money,
    NumberOutOfRange,
    OrdercoreError,
    Party,
    PaymentTerm,
    Policy,
    PriceBook,
    PriceEntry,
    PriceSource,
    Product,
    Role,
    Tax,
    TaxesTooLarge,
    TaxRegistration,
    TaxRounding,
    TextTooLong,
    price,
)
from ordercore.cli import main
from ordercore.errors import MAX_MESSAGE_LENGTH, excerpt
from ordercore.interop.plain import document_from_data, loads
from ordercore.money import to_decimal
from ordercore.money.rounding import RoundingMode, round_to
from ordercore.pricing.taxes import MAX_TAX_FACTOR
from ordercore.settlement import DueRule
from ordercore.testing import strategies as ost

# One example per leaf and value kind is many: a quarter of the profile's examples each.
FEW = max(settings.default.max_examples // 4, 10)
EXAMPLE = Path(__file__).parent.parent / "examples" / "invoice.json"
EUR = "EUR"
TODAY = dt.date(2026, 1, 31)
DUE = DueRule.days_after(30)
PARIS = Address(street_lines=["1 rue de la Paix"], postal_code="75002", city="Paris", country="FR")


def check_message(error: OrdercoreError) -> None:
    message = str(error)
    assert len(message) <= MAX_MESSAGE_LENGTH
    assert message.isprintable()  # one line, no control characters, no lone surrogates
    message.encode("utf-8")


def only_ordercore_errors(make: Callable[[], object]) -> object:
    """Run ``make``; an OrdercoreError (with a short message) is the only failure allowed."""
    try:
        return make()
    except OrdercoreError as error:
        check_message(error)
        return error


def line(**fields: object) -> Line:
    values: dict[str, Any] = {
        "description": "Desk",
        "quantity": "1",
        "unit_price": Money("10.00", EUR),
    }
    return Line(**(values | fields))


def key(value: object) -> object:
    """``value`` as a dict key, or its text if it cannot be one (a list, a signaling NaN)."""
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def price_line(made: object) -> None:
    if isinstance(made, Line):
        only_ordercore_errors(lambda: price(Document(currency=EUR, items=[made])))


# -- numbers ---------------------------------------------------------------------------


NUMBER_CONSTRUCTORS: dict[str, Callable[[Any], object]] = {
    "to_decimal": to_decimal,
    "to_decimal(max_places)": lambda v: to_decimal(v, max_places=2),
    "Money": lambda v: Money(v, EUR),
    "Money * n": lambda v: Money("999999.99", EUR) * v,
    "Money / n": lambda v: Money("999999.99", EUR) / v,
    "n % Money": lambda v: Money("999999.99", EUR).__rmod__(v),  # a str would format
    "Money + Money(n)": lambda v: Money("999999999999999", EUR) + Money(v, EUR),
    "Money(n) * n": lambda v: Money(v, EUR) * v,
    "ExchangeRate": lambda v: ExchangeRate(
        base=EUR, quote="USD", rate=v, source="ECB", date=TODAY
    ).convert(Money("999999999999.99", EUR)),
    "round_to": lambda v: round_to(v, Decimal("0.01"), RoundingMode.HALF_UP),
    "round_to quantum": lambda v: round_to(Decimal("1.5"), v, RoundingMode.HALF_UP),
    "quantity": lambda v: line(quantity=v),
    "unit price": lambda v: line(unit_price=Money(v, EUR)),
    "base quantity": lambda v: line(base_quantity=v),
    "Tax.percent": lambda v: line(taxes=[Tax.percent("VAT", v)]),
    "Tax.division": lambda v: line(taxes=[Tax.division("Levy", v, code="O")]),
    "Tax.withholding_tax": lambda v: line(taxes=[Tax.withholding_tax("WHT", v)]),
    "Tax.per_unit": lambda v: line(taxes=[Tax.per_unit("Eco", Money(v, EUR))]),
    "Discount.percent": lambda v: line(discounts=[Discount.percent(v)]),
    "Discount.per_unit": lambda v: line(price_discount=Discount.per_unit(Money(v, EUR))),
    "Discount.per_line": lambda v: line(discounts=[Discount.per_line(Money(v, EUR))]),
    "Allowance.percentage": lambda v: Allowance.percentage(v, reason="Loyalty"),
    "Charge.fixed": lambda v: Charge.fixed(Money(v, EUR), reason="Shipping"),
    "price break": lambda v: PriceSource(catalog_version="2024", price_book="List", price_break=v),
    "PriceEntry": lambda v: PriceEntry(sku="WID", unit_price=Money("1", EUR), min_quantity=v),
    "PriceBook.from_prices": lambda v: PriceBook.from_prices("List", EUR, {"WID": {key(v): "1"}}),
    "PriceBook price": lambda v: PriceBook.from_prices("List", EUR, {"WID": v}),
    "PriceBook.unit_price": lambda v: PriceBook.from_prices("List", EUR, {"WID": "1"}).unit_price(
        "WID", v
    ),
    "CashRounding": lambda v: CashRounding(increment=v),
    "EarlyPaymentDiscount": lambda v: EarlyPaymentDiscount(percent=v, days=10),
    "Installment.percentage": lambda v: Installment.percentage(v, due=DUE),
    "PaymentTerm.deposit": lambda v: PaymentTerm.deposit(v, days=30).schedule(
        Money("100.00", EUR), TODAY
    ),
    "Policy price places": lambda v: Policy(price_places=v),
    "Policy tax increment": lambda v: price(
        Document(
            currency=EUR,
            items=[line(taxes=[Tax.percent("VAT", "20")])],
            policy=Policy(tax_increment=v),
        )
    ),
    "CashRounding on the biggest tax": lambda v: price(
        Document(
            currency=EUR,
            items=[line(unit_price=Money("10.01", EUR), taxes=[Tax.percent("VAT", "20")])],
            policy=Policy(
                cash_rounding=CashRounding(increment=v, strategy=CashRoundingStrategy.BIGGEST_TAX)
            ),
        )
    ),
}


@pytest.mark.parametrize("make", NUMBER_CONSTRUCTORS.values(), ids=NUMBER_CONSTRUCTORS.keys())
@given(value=ost.hostile_numbers())
def test_hostile_numbers_raise_only_ordercore_errors(
    make: Callable[[Any], object], value: object
) -> None:
    price_line(only_ordercore_errors(lambda: make(value)))


@pytest.mark.parametrize(
    "text", ["1e9999999999999999999", "-1e9999999999999999999", "1e" + "9" * 100_000]
)
def test_huge_exponents_are_out_of_range(text: str) -> None:
    with pytest.raises(NumberOutOfRange) as caught:
        to_decimal(text, field="quantity")
    assert caught.value.field == "quantity"
    assert caught.value.value == text
    check_message(caught.value)


def test_a_huge_digit_string_is_refused_in_bounded_time() -> None:
    digits = "9" * 10_000_000
    start = time.perf_counter()
    with pytest.raises(NumberOutOfRange) as caught:
        Money(digits, EUR)
    assert time.perf_counter() - start < 1
    assert caught.value.limit == 100
    check_message(caught.value)


def test_tiny_exponents_have_too_many_places() -> None:
    with pytest.raises(OrdercoreError) as caught:
        to_decimal("1e-9999999999999999999")
    assert not isinstance(caught.value, NumberOutOfRange)


def test_zeros_written_with_exponents_are_zero() -> None:
    assert str(to_decimal("0e9999999999999999999")) == "0"
    assert str(to_decimal("-0E+3")) == "0"


@given(
    a=st.decimals(min_value=-(10**15) + 1, max_value=10**15 - 1, places=12),
    b=st.decimals(min_value=-(10**15) + 1, max_value=10**15 - 1, places=12),
)
def test_products_of_accepted_numbers_are_exact_or_out_of_range(a: Decimal, b: Decimal) -> None:
    with localcontext() as context:
        context.prec = 100
        exact = a * b
    try:
        product = Money(a, EUR) * b
    except NumberOutOfRange as error:
        assert abs(exact) >= 10**15
        check_message(error)
    else:
        assert product.amount == exact


@given(st.lists(st.sampled_from(["999999999999999", "-999999999999999", "0.000000000001"])))
def test_sums_stay_below_the_limit_or_raise(amounts: list[str]) -> None:
    total: object = only_ordercore_errors(lambda: sum(Money(a, EUR) for a in amounts))
    if isinstance(total, Money):
        assert abs(total.amount) < 10**15


# -- compound taxes --------------------------------------------------------------------------


@pytest.mark.parametrize("count", [20, 170, 400])
def test_long_chains_of_compound_taxes_are_refused_when_the_line_is_made(count: int) -> None:
    taxes = [Tax.percent(f"T{i}", "100", compound=True) for i in range(count)]
    with pytest.raises(TaxesTooLarge) as caught:
        line(taxes=taxes)
    assert caught.value.limit == MAX_TAX_FACTOR
    assert caught.value.factor > MAX_TAX_FACTOR
    check_message(caught.value)
    with pytest.raises(TaxesTooLarge):
        Allowance.percentage("5", reason="Loyalty", taxes=taxes)


def test_the_longest_accepted_chain_prices() -> None:
    taxes = [Tax.percent(f"T{i}", "100", compound=True) for i in range(19)]
    made = line(quantity="1", unit_price=Money("0.01", EUR), taxes=taxes)
    priced = price(Document(currency=EUR, items=[made]))
    assert priced.totals.tax.amount == Decimal("5242.87")


_RATES = st.sampled_from(["0", "1", "19.5", "99", "100", "99.999999", "0.000001"])


@st.composite
def chains(draw: st.DrawFn) -> list[Tax]:
    taxes = []
    for index in range(draw(st.integers(1, 30))):
        kind = draw(st.sampled_from(["percent", "division", "per_unit", "withholding"]))
        compound = draw(st.booleans())
        name = f"T{index}"
        if kind == "percent":
            on_plain = draw(st.booleans())
            tax = Tax.percent(name, draw(_RATES), compound=compound, on_plain_net=on_plain)
        elif kind == "division":
            tax = Tax.division(name, draw(_RATES.filter(lambda r: r != "100")))
        elif kind == "per_unit":
            amount = draw(st.sampled_from(["0.01", "999999999999999", "123.456789"]))
            tax = Tax.per_unit(name, Money(amount, EUR), compound=compound)
        else:
            tax = Tax.withholding_tax(name, draw(_RATES))
        taxes.append(tax)
    return taxes


@given(
    taxes=chains(),
    quantity=st.sampled_from(["1", "-1", "999999999", "0.000001", "999999999999999"]),
    unit_price=st.sampled_from(["0.01", "999999.99", "0.999999", "1"]),
    tax_rounding=st.sampled_from(TaxRounding),
    charges=st.integers(0, 3),
)
def test_every_accepted_chain_prices_or_is_refused_by_name(
    taxes: list[Tax], quantity: str, unit_price: str, tax_rounding: TaxRounding, charges: int
) -> None:
    def make() -> object:
        made = line(quantity=quantity, unit_price=Money(unit_price, EUR), taxes=taxes)
        charge = Charge.percentage("100", reason="Handling")
        return price(
            Document(
                currency=EUR,
                items=[Group(name="G", lines=[made, made], charges=[charge] * charges)],
                policy=Policy(tax_rounding=tax_rounding),
            )
        )

    only_ordercore_errors(make)


# -- text ---------------------------------------------------------------------------


TEXT_CONSTRUCTORS: dict[str, Callable[[Any], object]] = {
    "description": lambda v: line(description=v),
    "product": lambda v: line(product=v),
    "tax name": lambda v: line(taxes=[Tax.percent(v, "20")]),
    "tax code": lambda v: line(taxes=[Tax.percent("VAT", "20", code=v)]),
    "tax reason": lambda v: line(taxes=[Tax.exempt("VAT", reason=v)]),
    "discount reason": lambda v: line(discounts=[Discount.percent("5", reason=v)]),
    "allowance reason": lambda v: Allowance.percentage("5", reason=v),
    "group name": lambda v: Group(name=v, lines=[line()]),
    "currency": lambda v: Money("1", v),
    "exchange rate source": lambda v: ExchangeRate(
        base=EUR, quote="USD", rate="1.1", source=v, date=TODAY
    ),
    "price source": lambda v: PriceSource(catalog_version=v, price_book=v, price_break="1"),
    "price book": lambda v: PriceBook.from_prices(v, EUR, {key(v): "1.00"}),
    "product sku and name": lambda v: Product(sku=v, name=v, unit="C62", tax_class=v),
    "payment term name": lambda v: PaymentTerm.net(30, name=v),
    "address": lambda v: Address(street_lines=[v], postal_code=v, city=v, country="FR"),
    "party": lambda v: Party(
        code=v, name=v, roles=[Role.CUSTOMER], currency=EUR, billing_address=PARIS
    ),
    "tax registration": lambda v: TaxRegistration(scheme=v, number=v),
    "locale": lambda v: Money("1", EUR).format(v),
}


@pytest.mark.parametrize("make", TEXT_CONSTRUCTORS.values(), ids=TEXT_CONSTRUCTORS.keys())
@given(value=ost.hostile_texts())
def test_hostile_texts_raise_only_ordercore_errors(
    make: Callable[[Any], object], value: object
) -> None:
    made = only_ordercore_errors(lambda: make(value))
    price_line(made)
    if isinstance(value, str) and not isinstance(made, OrdercoreError):
        value.encode("utf-8")  # what is accepted is valid text


@pytest.mark.parametrize("make", TEXT_CONSTRUCTORS.values(), ids=TEXT_CONSTRUCTORS.keys())
def test_a_lone_surrogate_is_refused(make: Callable[[Any], object]) -> None:
    with pytest.raises(OrdercoreError) as caught:
        make("Desk \ud800")
    check_message(caught.value)


def test_refusals_of_text_name_the_field_and_the_limit() -> None:
    with pytest.raises(InvalidText) as caught:
        line(description="Desk \ud800")
    assert caught.value.field == "description"
    start = time.perf_counter()
    with pytest.raises(TextTooLong) as long:
        line(description="x" * 10_000_000)
    assert time.perf_counter() - start < 1
    assert (long.value.limit, long.value.length) == (4000, 10_000_000)
    check_message(long.value)


def test_tabs_and_line_breaks_are_text() -> None:
    assert line(description="Desk\n\toak\r\n").description == "Desk\n\toak\r\n"


@given(st.one_of(ost.hostile_texts(), ost.hostile_numbers()))
def test_excerpts_are_short_and_printable(value: object) -> None:
    text = excerpt(value)
    assert len(text) <= 110
    assert text.isprintable()


# -- the JSON reader -----------------------------------------------------------------------


def leaves(data: object, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, (*path, index))
    else:
        yield path


def replaced(data: Any, path: tuple[object, ...], value: object) -> Any:
    copy = json.loads(json.dumps(data))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


EXAMPLE_DATA = json.loads(EXAMPLE.read_text(encoding="utf-8"))
LEAVES = list(leaves(EXAMPLE_DATA))


def read_and_price(data: object) -> None:
    """Read and price; through JSON text too, where the hostile value survives JSON."""
    only_ordercore_errors(lambda: price(document_from_data(data)))
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):
        return  # not JSON data (bytes, objects, NaN floats are refused by JSON itself)
    only_ordercore_errors(lambda: price(document_from_data(loads(text))))


def test_the_example_is_valid() -> None:
    price(document_from_data(EXAMPLE_DATA))
    assert len(LEAVES) > 30


def json_like(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | list | dict)


JSON_VALUES = st.one_of(
    ost.hostile_numbers().filter(json_like),
    ost.hostile_texts().filter(json_like),
    st.sampled_from([None, True, [], {}, {"x": 1}, [None], 1.5]),
)


@pytest.mark.parametrize("path", LEAVES, ids=lambda p: ".".join(map(str, p)))
@settings(max_examples=FEW)
@given(value=JSON_VALUES)
def test_every_leaf_of_the_example_takes_hostile_values(
    path: tuple[object, ...], value: object
) -> None:
    read_and_price(replaced(EXAMPLE_DATA, path, value))


@given(key=ost.hostile_texts().filter(lambda v: isinstance(v, str)), where=st.sampled_from(LEAVES))
def test_hostile_keys(key: str, where: tuple[object, ...]) -> None:
    data = json.loads(json.dumps(EXAMPLE_DATA))
    target = data
    for step in where[:-1]:
        target = target[step]
    if isinstance(target, dict):
        target[key] = target.pop(where[-1])
    data["taxes"][key] = data["taxes"].pop("vat")
    read_and_price(data)


def test_a_key_with_a_lone_surrogate_is_quoted_escaped_in_the_path() -> None:
    data = json.loads(json.dumps(EXAMPLE_DATA))
    data["taxes"]["\ud800" * 100] = {"name": "VAT", "rate": "1e9999999999999999999"}
    with pytest.raises(InvalidData) as caught:
        document_from_data(data)
    assert caught.value.path.startswith("taxes['\\ud800")
    check_message(caught.value)


def test_a_description_with_a_lone_surrogate_is_refused_at_its_path() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("Desk lamp", "Desk \\ud800 lamp")
    with pytest.raises(InvalidData) as caught:
        document_from_data(loads(text))
    assert caught.value.path == "items[0].lines[1].description"


@pytest.mark.parametrize(
    "text",
    [
        '{"currency": "EUR", "currency": "USD"}',
        '{"items": [{"quantity": "1", "quantity": "2"}]}',
    ],
)
def test_duplicate_keys_are_refused(text: str) -> None:
    with pytest.raises(DuplicateKey) as caught:
        loads(text)
    assert caught.value.key in {"currency", "quantity"}


def test_a_huge_integer_literal_is_refused_before_it_is_converted() -> None:
    with pytest.raises(NumberOutOfRange):
        loads('{"quantity": ' + "9" * 100_000 + "}")


def test_non_string_keys_in_plain_data_are_refused() -> None:
    data = json.loads(json.dumps(EXAMPLE_DATA)) | {1: "x"}
    with pytest.raises(InvalidData):
        document_from_data(data)


# -- the command line ---------------------------------------------------------------------


def hostile_files() -> dict[str, str]:
    example = EXAMPLE.read_text(encoding="utf-8")
    first_quantity = '"quantity": "2"'
    assert first_quantity in example
    chain = {f"t{i}": {"name": f"T{i}", "rate": "100", "compound": True} for i in range(400)}
    compound = json.loads(example)
    compound["taxes"] = chain
    compound["items"] = [
        {"description": "x", "quantity": "1", "unit_price": "1", "taxes": list(chain)}
    ]
    return {
        "huge exponent": example.replace(first_quantity, '"quantity": "1e9999999999999999999"'),
        "huge exponent digits": example.replace(
            first_quantity, '"quantity": "1e' + "9" * 100_000 + '"'
        ),
        "10 MB of digits": example.replace(first_quantity, '"quantity": "' + "9" * 10**7 + '"'),
        "10 MB description": example.replace("Desk lamp", "x" * 10**7),
        "lone surrogate": example.replace("Desk lamp", "Desk \\ud800 lamp"),
        "lone surrogate tax name": example.replace('"Eco fee"', '"Eco \\udfff"'),
        "control characters": example.replace("Desk lamp", "Desk\\u001b[2J\\n\\u0000"),
        "duplicate currency": example.replace(
            '"currency": "EUR"', '"currency": "EUR", "currency": "USD"'
        ),
        "huge integer": example.replace(first_quantity, '"quantity": ' + "9" * 100_000),
        "huge float": example.replace(first_quantity, '"quantity": 1.' + "5" * 10**6),
        "400 compound taxes": json.dumps(compound),
        "10 MB unknown key": example.replace('"schema"', '"' + "k" * 10**7 + '": 1, "schema"'),
        "deep nesting": "[" * 100_000,
        "not JSON": "{" + "x" * 10**6,
    }


HOSTILE_FILES = hostile_files()


@pytest.mark.parametrize("content", HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_the_command_line_refuses_hostile_files_in_one_short_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(content, encoding="utf-8")
    start = time.perf_counter()
    assert main(["price", str(path)]) == 2
    assert time.perf_counter() - start < 10
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("ordercore: error: ")
    assert len(lines[0]) <= MAX_MESSAGE_LENGTH + len(f"ordercore: error: {path}: ")
    assert "Traceback" not in captured.err
