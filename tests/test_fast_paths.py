"""The fast paths of the pricing and money layers give exactly what the checked paths give.

Each optimisation of the hot path (docs/performance.md) has a differential test here: the
fast way against the plain way it replaced, on generated values, so that results stay
bit-identical and no check is weakened at the public boundary.
"""

from __future__ import annotations

import decimal
import functools
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    CurrencyMismatch,
    Discount,
    Document,
    Group,
    InvalidLine,
    InvalidNumber,
    Line,
    LineKind,
    Money,
    NumberOutOfRange,
    OrdercoreError,
    Policy,
    Tax,
    price,
)
from ordercore._codes import _NOT_TEXT, check_text
from ordercore.money.context import CONTEXT
from ordercore.money.decimals import (
    MAX_INTEGER_DIGITS,
    MAX_PLACES,
    _convert,
    _exponent,
    decimal_places,
    to_decimal,
)
from ordercore.money.rounding import RoundingMode
from ordercore.pricing import TaxRounding, engine
from ordercore.testing.strategies import documents, hostile_numbers, lines, taxes

finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)
any_decimals = st.decimals() | st.sampled_from(
    [Decimal("NaN"), Decimal("-Infinity"), Decimal("-0"), Decimal("0E+5"), Decimal("1E-7")]
)


# -- numbers ----------------------------------------------------------------------------


@given(number=finite_decimals, capitals=st.sampled_from([0, 1]))
def test_the_exponent_read_from_text_is_the_exponent(number: Decimal, capitals: int) -> None:
    # the host's context decides between "1E-7" and "1e-7"; the exponent is the same
    with decimal.localcontext() as host:
        host.capitals = capitals
        assert _exponent(number) == number.as_tuple().exponent


@given(number=any_decimals)
def test_decimal_places_counts_the_digits_after_the_point(number: Decimal) -> None:
    exponent = number.as_tuple().exponent
    expected = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    assert decimal_places(number) == expected


def _to_decimal_before(value: object, field: str | None, max_places: int | None) -> Decimal:
    """to_decimal as it was before the fast path: checks through ``as_tuple()``."""
    limit = Decimal(10) ** MAX_INTEGER_DIGITS
    number = value if type(value) is Decimal else _convert(value, field)
    if not number.is_finite():
        raise InvalidNumber(value, reason="must be a finite number", field=field)
    if not number.is_zero() and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise NumberOutOfRange(value, limit=limit, reason="", field=field)
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > MAX_PLACES or (max_places is not None and places > max_places):
        raise InvalidNumber(value, reason="", field=field)
    if number.is_zero():
        return number.copy_abs() if places else Decimal(0)
    if isinstance(exponent, int) and exponent > 0:
        number = number.quantize(Decimal(1), context=CONTEXT)
    return number


def _outcome(convert: Any, value: object, max_places: int | None) -> tuple[object, ...]:
    try:
        result = convert(value, "n", max_places)
    except OrdercoreError as error:
        return (type(error), getattr(error, "field", None))
    return (type(result), str(result))


@given(
    value=hostile_numbers() | any_decimals | st.integers() | finite_decimals.map(str),
    max_places=st.sampled_from([None, 0, 2, 6]),
)
def test_to_decimal_decides_as_it_did_before(value: object, max_places: int | None) -> None:
    def now(value: object, field: str, max_places: int | None) -> Decimal:
        return to_decimal(value, field=field, max_places=max_places)

    assert _outcome(now, value, max_places) == _outcome(_to_decimal_before, value, max_places)


# -- money ------------------------------------------------------------------------------


@given(amount=finite_decimals.filter(lambda d: d.is_zero() or d.adjusted() < 15))
def test_an_exact_money_is_the_money_of_its_amount(amount: Decimal) -> None:
    money = Money._exact(amount, Money.zero("EUR").currency)
    checked = Money(amount, "EUR") if decimal_places(amount) <= MAX_PLACES else None
    if checked is not None:
        assert money == checked
        assert hash(money) == hash(checked)
        assert str(money.amount) == str(checked.amount)
    if amount.is_zero():
        assert not money.amount.is_signed()  # no negative zero
    with pytest.raises(AttributeError):
        money.amount = Decimal(1)  # type: ignore[misc]


# -- lines ------------------------------------------------------------------------------

_FIELDS = (
    "description",
    "quantity",
    "unit_price",
    "discounts",
    "price_discount",
    "taxes",
    "kind",
    "product",
    "base_quantity",
    "price_source",
    "stacking",
)
_DERIVED = ("has_included_tax", "included_taxes", "single_percent", "unit_base", "price_places")


def _unchecked_copy(line: Line) -> Line:
    return Line._unchecked(**{name: getattr(line, name) for name in _FIELDS})


@given(line=lines("EUR") | lines("JPY", returns=True) | lines("BHD"))
def test_an_unchecked_line_is_the_line_its_values_make(line: Line) -> None:
    copy = _unchecked_copy(line)
    assert copy == line
    assert hash(copy) == hash(line)
    assert repr(copy) == repr(line)
    for name in (*_FIELDS, *_DERIVED):
        assert getattr(copy, name) == getattr(line, name), name
    assert copy.taxes is line.taxes  # the shared tuple the pricing loop recognises
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        copy.quantity = Decimal(1)  # type: ignore[misc]


@given(
    line=lines("EUR") | lines("JPY", returns=True) | lines("BHD"),
    quantity=st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=3),
)
def test_a_line_for_another_quantity_is_the_line_its_values_make(
    line: Line, quantity: Decimal
) -> None:
    # Line._for_quantity copies every slot but the quantity (what the line precomputes
    # does not depend on it): the line an invoice bills part of an order line with
    quantity = quantity.normalize() if quantity else Decimal(0)
    try:
        expected = Line(**{**{name: getattr(line, name) for name in _FIELDS}, "quantity": quantity})
    except OrdercoreError:
        return  # too large at that quantity: an order never bills more than it ordered
    copy = line._for_quantity(quantity)
    assert copy == expected
    assert [getattr(copy, f.name) for f in attrs.fields(Line)] == [
        getattr(expected, f.name) for f in attrs.fields(Line)
    ]
    assert copy.taxes is line.taxes


@given(line=lines("EUR") | lines("JPY", returns=True) | lines("BHD"))
def test_a_line_for_its_own_quantity_is_itself_and_for_other_digits_a_copy(line: Line) -> None:
    assert line._for_quantity(Decimal(str(line.quantity))) is line
    longer = line.quantity.quantize(Decimal("0.000001"))  # the same value, other digits
    if longer.compare_total(line.quantity):
        copy = line._for_quantity(longer)
        assert copy is not line
        assert str(copy.quantity) == str(longer)


@given(document=documents())
def test_a_document_of_checked_lines_made_unchecked_is_the_checked_one(document: Document) -> None:
    lines = document.lines
    try:
        checked = Document(currency=document.currency, items=lines, policy=document.policy)
    except OrdercoreError:
        return  # lines only a document with groups or adjustments accepts
    unchecked = Document._of_lines(document.currency, lines, document.policy)
    assert unchecked == checked
    assert hash(unchecked) == hash(checked)
    assert unchecked.lines == checked.lines
    assert [getattr(unchecked, f.name) for f in attrs.fields(Document)] == [
        getattr(checked, f.name) for f in attrs.fields(Document)
    ]


def _copied(document: Document) -> Document:
    items = [
        attrs.evolve(item, lines=[_unchecked_copy(line) for line in item.lines])
        if isinstance(item, Group)
        else _unchecked_copy(item)
        for item in document.items
    ]
    return attrs.evolve(document, items=items)


@given(document=documents())
def test_unchecked_lines_price_exactly_like_checked_ones(document: Document) -> None:
    try:
        expected: object = price(document)
    except OrdercoreError as error:
        expected = type(error)
    try:
        got: object = price(_copied(document))
    except OrdercoreError as error:
        got = type(error)
    assert got == expected
    if not isinstance(expected, type):
        assert [tuple(line) for line in got.lines] == [tuple(line) for line in expected.lines]  # type: ignore[attr-defined]
        assert got.totals == expected.totals  # type: ignore[attr-defined]
        assert got.tax_breakdown == expected.tax_breakdown  # type: ignore[attr-defined]


def test_an_unchecked_billing_line_prices_like_the_checked_one() -> None:
    # the shape of the line an invoice bills part of an order line with
    vat = Tax.percent("VAT", "20")
    order_line = Line(
        description="Desk", quantity="4", unit_price=Money("99.99", "EUR"), taxes=[vat]
    )
    share = Money._exact(Decimal("199.98"), order_line.currency)
    fields = {
        "description": order_line.description,
        "quantity": Decimal(2),
        "unit_price": share,
        "base_quantity": Decimal(2),
        "taxes": order_line.taxes,
        "kind": LineKind.GOODS,
    }
    checked, unchecked = Line(**fields), Line._unchecked(**fields)
    assert unchecked == checked
    assert not unchecked.unit_base
    assert unchecked.taxes is checked.taxes
    priced = [price(Document(currency="EUR", items=[line])) for line in (checked, unchecked)]
    assert priced[0].totals == priced[1].totals
    assert priced[1].totals.tax_inclusive == Money("239.98", "EUR")


# -- the checks a line makes once per set of taxes --------------------------------------


@given(
    tax_list=st.lists(taxes("EUR"), min_size=1, max_size=4),
    currency=st.sampled_from(["EUR", "USD"]),
)
def test_a_line_refuses_its_taxes_whatever_line_saw_them_first(
    tax_list: list[Tax], currency: str
) -> None:
    def make(description: str) -> object:
        try:
            return Line(
                description=description,
                quantity="1",
                unit_price=Money("10", currency),
                taxes=tax_list,
            )
        except (InvalidLine, CurrencyMismatch) as error:
            return error

    first, second = make("First"), make("Second")
    assert type(first) is type(second)
    if isinstance(first, InvalidLine):
        assert isinstance(second, InvalidLine)
        assert (first.line, second.line) == ("First", "Second")  # each names its own line
    if isinstance(first, CurrencyMismatch):
        assert isinstance(second, CurrencyMismatch)
        assert vars(first) == vars(second)


def test_a_tax_listed_twice_is_refused_on_every_line() -> None:
    vat = Tax.percent("VAT", "20")
    for description in ("One", "Two"):
        with pytest.raises(InvalidLine) as caught:
            Line(
                description=description,
                quantity="1",
                unit_price=Money("1", "EUR"),
                taxes=[vat, vat],
            )
        assert caught.value.line == description


def test_a_per_unit_tax_in_another_currency_is_refused_on_every_line() -> None:
    fee = Tax.per_unit("Fee", Money("0.50", "USD"))
    for _ in range(2):
        with pytest.raises(CurrencyMismatch) as caught:
            Line(description="Cable", quantity="1", unit_price=Money("1", "EUR"), taxes=[fee])
        assert (caught.value.left, caught.value.right) == ("EUR", "USD")


# -- documents --------------------------------------------------------------------------


@given(document=documents())
def test_a_document_keeps_its_lines_in_document_order(document: Document) -> None:
    expected = tuple(
        line
        for item in document.items
        for line in (item.lines if isinstance(item, Group) else (item,))
    )
    assert document.lines == expected
    assert attrs.evolve(document, policy=document.policy).lines == expected


def test_an_evolved_document_has_the_lines_of_its_new_items() -> None:
    one, two = (Line(description=name, quantity="1", unit_price=Money("1", "EUR")) for name in "AB")
    document = Document(currency="EUR", items=[one, Group(name="G", lines=[two])])
    assert document.lines == (one, two)
    assert attrs.evolve(document, items=[two]).lines == (two,)


def test_a_unit_price_finer_than_the_policy_is_still_refused() -> None:
    line = Line(description="Gas", quantity="10", unit_price=Money("1.2345", "EUR"))
    assert line.price_places == 4
    with pytest.raises(InvalidLine) as caught:
        Document(currency="EUR", items=[line], policy=Policy(price_places=3))
    assert caught.value.line == "Gas"
    assert Document(currency="EUR", items=[line], policy=Policy(price_places=4)).lines == (line,)


def test_a_tax_keeps_its_breakdown_key_through_evolve() -> None:
    vat = Tax.percent("VAT", "20", included=True)
    plain = attrs.evolve(vat, included=False)
    assert plain.breakdown_key == vat.breakdown_key
    assert attrs.evolve(vat, rate=Decimal(10)).breakdown_key != vat.breakdown_key
    key = (vat.name, vat.code, vat.kind, vat.rate, None, False, None, None, None)  # ..., note
    assert vat.breakdown_key == key


@functools.cache
def _discounted_line() -> Line:
    return Line(
        description="Chair",
        quantity="3",
        unit_price=Money("17.99", "EUR"),
        discounts=[Discount.percent("10")],
    )


def test_an_unchecked_line_precomputes_a_lone_percentage() -> None:
    line = _discounted_line()
    copy = _unchecked_copy(line)
    assert copy.single_percent == Decimal("0.1") == line.single_percent


# -- the per-line kernel ------------------------------------------------------------------


def _price_through_the_chain(document: Document) -> object:
    """``price(document)`` with no tax set given a per-line kernel: every line by the chain."""
    original = engine._Kernel.__init__

    def general(self: engine._Kernel, taxes: Any, *, linear: bool, rounded: bool = False) -> None:
        original(self, taxes, linear=linear, rounded=False)

    engine._Kernel.__init__ = general  # type: ignore[method-assign]
    try:
        return price(document)
    except OrdercoreError as error:
        return type(error)
    finally:
        engine._Kernel.__init__ = original  # type: ignore[method-assign]


@given(
    document=documents(tax_rounding=TaxRounding.PER_LINE, returns=True)
    | documents("JPY", tax_rounding=TaxRounding.PER_LINE)
    | documents("BHD", tax_rounding=TaxRounding.PER_LINE, rounding=st.sampled_from(RoundingMode))
)
def test_the_per_line_kernel_prices_as_the_chain_does(document: Document) -> None:
    # per-line rounding prices the lines that include no tax by their tax set's steps
    # (engine._Kernel.rounded_tax); the chain, tax by tax, is the plain way it replaced
    try:
        fast: object = price(document)
    except OrdercoreError as error:
        fast = type(error)
    assert fast == _price_through_the_chain(document)


def test_the_per_line_kernel_rounds_a_per_unit_tax_on_its_line() -> None:
    fee = Tax.per_unit("Fee", Money("0.50", "EUR"))
    vat = Tax.percent("VAT", "20", compound=False)
    item = Line(description="Flour", quantity="9.972", unit_price=Money("3.9597", "EUR"))
    priced = price(
        Document(
            currency="EUR",
            items=[attrs.evolve(item, taxes=[vat, fee])] * 2,
            policy=Policy(tax_rounding=TaxRounding.PER_LINE),
        )
    )
    # 9.972 x 3.9597 = 39.4861... -> 39.49; VAT 7.898 -> 7.90; fee 4.986 -> 4.99
    assert [line.tax.amount for line in priced.lines] == [Decimal("12.89")] * 2
    assert {row.tax.name: row.amount.amount for row in priced.tax_breakdown} == {
        "VAT": Decimal("15.80"),
        "Fee": Decimal("9.98"),
    }
    assert priced == _price_through_the_chain(priced.document)


# -- building lines -------------------------------------------------------------------------


@given(text=st.text(max_size=40) | st.text(st.characters(max_codepoint=127), max_size=40))
def test_text_is_judged_as_the_pattern_judges_it(text: str) -> None:
    # check_text takes printable ASCII without its pattern; the pattern is the plain way
    try:
        check_text(text, "description")
        accepted = True
    except OrdercoreError:
        accepted = False
    assert accepted is (_NOT_TEXT.search(text) is None)


@given(
    quantity=st.decimals(min_value=-(10**15) + 1, max_value=10**15 - 1, places=6),
    price=st.decimals(min_value=0, max_value=10**15 - 1, places=6),
    base=st.sampled_from(["1", "1.000", "0.5", "0.001", "12", "1000"]),
)
def test_a_line_refuses_exactly_the_amounts_past_the_bound(
    quantity: Decimal, price: Decimal, base: str
) -> None:
    # Line skips the product when the exponents show it is small; the product decides
    try:
        money = Money(price, "EUR")
    except OrdercoreError:
        return  # a price too large for an amount at all
    with decimal.localcontext(CONTEXT):
        amount = abs(quantity * price / Decimal(base))
    if amount >= Decimal(10) ** MAX_INTEGER_DIGITS:
        with pytest.raises(InvalidLine) as refused:
            Line(description="x", quantity=quantity, unit_price=money, base_quantity=base)
        assert refused.value.field == "quantity"
    else:
        Line(description="x", quantity=quantity, unit_price=money, base_quantity=base)


def test_lines_given_the_same_tax_objects_share_the_tuple_of_equal_taxes() -> None:
    vat, fee = Tax.percent("VAT", "20"), Tax.per_unit("Fee", Money("0.50", "EUR"))
    first = Line(description="a", quantity="1", unit_price=Money("1", "EUR"), taxes=[vat, fee])
    again = Line(description="b", quantity="2", unit_price=Money("1", "EUR"), taxes=(vat, fee))
    equal = Line(
        description="c",
        quantity="1",
        unit_price=Money("1", "EUR"),
        taxes=[Tax.percent("VAT", "20"), Tax.per_unit("Fee", Money("0.50", "EUR"))],
    )
    written = Line(
        description="d",
        quantity="1",
        unit_price=Money("1", "EUR"),
        taxes=[Tax.percent("VAT", "20.00"), fee],
    )
    assert again.taxes is first.taxes
    assert equal.taxes is first.taxes
    assert written.taxes == first.taxes
    assert written.taxes is not first.taxes
    assert str(written.taxes[0].rate) == "20.00"
