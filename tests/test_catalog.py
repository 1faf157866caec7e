"""The catalog: products, price books and quantity breaks, kits, versions, the line builder."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import FloatNotAllowed, InvalidAmount, InvalidType, LineKind, Money, OrdercoreError
from ordercore.catalog import PriceBook, PriceEntry, Product
from ordercore.errors import InvalidCode, InvalidNumber, InvalidPriceBook, NoPrice, UnknownCurrency


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def product(sku: str = "WID-1", tax_class: str = "standard", **fields: object) -> Product:
    return Product(
        sku=sku,
        name=str(fields.pop("name", sku.title())),
        unit=str(fields.pop("unit", "C62")),
        tax_class=tax_class,
        **fields,  # type: ignore[arg-type]
    )


WIDGET_BREAKS = {"0": "10.00", "10": "9.50", "100": "9.00"}
LIST = PriceBook.from_prices("List", "EUR", {"WID-1": WIDGET_BREAKS, "CABLE": "4.90"})


# -- products -----------------------------------------------------------------------------


def test_a_product_states_what_a_line_needs_and_no_price() -> None:
    widget = product(cost=eur("6.20"))
    assert (widget.sku, widget.name, widget.unit, widget.tax_class) == (
        "WID-1",
        "Wid-1",
        "C62",
        "standard",
    )
    assert widget.kind is LineKind.GOODS
    assert widget.cost == eur("6.20")
    assert repr(widget) == "Product(sku='WID-1', name='Wid-1')"
    assert product(kind=LineKind.SERVICE, unit="HUR").kind is LineKind.SERVICE


def test_products_are_frozen_hashable_values() -> None:
    assert product() == product()
    assert hash(product()) == hash(product())
    with pytest.raises(AttributeError):
        product().sku = "X"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"sku": ""}, InvalidCode),
        ({"sku": " WID"}, InvalidCode),
        ({"sku": "WID\n1"}, InvalidCode),
        ({"sku": 17}, InvalidType),
        ({"name": ""}, InvalidType),
        ({"unit": "piece"}, InvalidCode),
        ({"unit": "c62"}, InvalidCode),
        ({"unit": None}, InvalidType),
        ({"tax_class": ""}, InvalidCode),
        ({"tax_class": 20}, InvalidType),
        ({"kind": "goods"}, InvalidType),
        ({"cost": "6.20"}, InvalidType),
        ({"cost": 6.2}, InvalidType),
        ({"cost": eur("-1")}, InvalidAmount),
    ],
)
def test_a_product_refuses_bad_fields(fields: dict[str, object], error: type[Exception]) -> None:
    values: dict[str, object] = {
        "sku": "WID-1",
        "name": "Widget",
        "unit": "C62",
        "tax_class": "standard",
    }
    values.update(fields)
    with pytest.raises(error) as raised:
        Product(**values)  # type: ignore[arg-type]
    assert isinstance(raised.value, OrdercoreError)


# -- price books and quantity breaks ---------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit_price"),
    [
        ("0", "10.00"),
        ("1", "10.00"),
        ("9.999", "10.00"),
        ("10", "9.50"),
        ("99", "9.50"),
        ("100", "9.00"),
        ("100000", "9.00"),
        ("-12", "9.50"),  # a return takes the break of its magnitude
    ],
)
def test_the_break_reached_by_the_quantity_prices_the_line(quantity: str, unit_price: str) -> None:
    assert LIST.unit_price("WID-1", quantity) == eur(unit_price)
    assert LIST.unit_price("WID-1", Decimal(quantity)) == eur(unit_price)


def test_a_single_price_applies_from_zero() -> None:
    assert LIST.entry_for("CABLE", "0.5") == PriceEntry(sku="CABLE", unit_price=eur("4.90"))
    assert LIST.breaks("CABLE") == (PriceEntry(sku="CABLE", unit_price=eur("4.90")),)
    assert LIST.skus == ("WID-1", "CABLE")


def test_breaks_are_sorted_whatever_the_order_written() -> None:
    book = PriceBook(
        name="List",
        currency="EUR",
        entries=[
            PriceEntry(sku="A", unit_price=eur("9.00"), min_quantity="100"),
            PriceEntry(sku="A", unit_price=eur("10.00"), min_quantity="1"),
        ],
    )
    assert [entry.min_quantity for entry in book.breaks("A")] == [1, 100]
    assert book.unit_price("A", "150") == eur("9.00")


def test_no_price_below_the_lowest_break_or_for_an_unlisted_sku() -> None:
    book = PriceBook.from_prices("Wholesale", "EUR", {"A": {"10": "8.00"}})
    with pytest.raises(NoPrice, match="lowest quantity break is 10") as raised:
        book.unit_price("A", "5")
    assert (raised.value.sku, raised.value.price_book, raised.value.quantity) == (
        "A",
        "Wholesale",
        Decimal(5),
    )
    assert isinstance(raised.value, LookupError)
    with pytest.raises(NoPrice, match="lists no price"):
        book.unit_price("B", "5")
    assert book.breaks("B") == ()


def test_a_price_book_reprs_short() -> None:
    assert repr(LIST) == "PriceBook(name='List', currency='EUR', skus=2)"
    assert repr(LIST.breaks("WID-1")[1]) == (
        "PriceEntry(sku='WID-1', unit_price=Money('9.50', 'EUR'), min_quantity='10')"
    )


def test_a_price_book_has_one_currency_and_one_price_per_break() -> None:
    with pytest.raises(InvalidPriceBook, match="in USD, the book's currency is EUR"):
        PriceBook(
            name="List",
            currency="EUR",
            entries=[PriceEntry(sku="A", unit_price=Money("1.00", "USD"))],
        )
    with pytest.raises(InvalidPriceBook, match="two prices from quantity 10"):
        PriceBook(
            name="List",
            currency="EUR",
            entries=[
                PriceEntry(sku="A", unit_price=eur("1.00"), min_quantity="10"),
                PriceEntry(sku="A", unit_price=eur("0.90"), min_quantity="10.0"),
            ],
        )


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: PriceEntry(sku="A", unit_price="1.00"), InvalidType),
        (lambda: PriceEntry(sku="A", unit_price=eur("-1.00")), InvalidAmount),
        (lambda: PriceEntry(sku="A", unit_price=eur("1.0000001")), InvalidAmount),
        (lambda: PriceEntry(sku="A", unit_price=eur("1"), min_quantity=10.0), FloatNotAllowed),
        (lambda: PriceEntry(sku="A", unit_price=eur("1"), min_quantity="-1"), InvalidNumber),
        (lambda: PriceEntry(sku="A", unit_price=eur("1"), min_quantity="0.0000001"), InvalidNumber),
        (lambda: PriceEntry(sku="", unit_price=eur("1")), InvalidCode),
        (lambda: PriceBook(name="", currency="EUR"), InvalidCode),
        (lambda: PriceBook(name="List", currency="XXY"), UnknownCurrency),
        (lambda: PriceBook(name="List", currency="EUR", entries="A"), InvalidType),
        (lambda: PriceBook(name="List", currency="EUR", entries=[("A", "1")]), InvalidType),
        (lambda: PriceBook.from_prices("List", "EUR", [("A", "1")]), InvalidType),  # type: ignore[arg-type]
        (lambda: PriceBook.from_prices("List", "EUR", {"A": 1.5}), FloatNotAllowed),
        (lambda: LIST.unit_price("WID-1", 2.0), FloatNotAllowed),
        (lambda: LIST.unit_price("WID-1", "two"), InvalidNumber),
    ],
)
def test_price_books_refuse_bad_input_with_ordercore_errors(
    make: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        make()  # type: ignore[operator]
    assert isinstance(raised.value, OrdercoreError)


@st.composite
def books_with_breaks(draw: st.DrawFn) -> tuple[PriceBook, list[Decimal]]:
    minima = draw(
        st.lists(
            st.decimals(min_value=0, max_value=1000, places=2), min_size=1, max_size=6, unique=True
        )
    )
    prices = draw(st.lists(st.integers(0, 10_000), min_size=len(minima), max_size=len(minima)))
    entries = [
        PriceEntry(sku="A", unit_price=Money(Decimal(cents) / 100, "EUR"), min_quantity=minimum)
        for minimum, cents in zip(minima, prices, strict=True)
    ]
    return PriceBook(name="B", currency="EUR", entries=entries), minima


@given(books_with_breaks(), st.decimals(min_value=-2000, max_value=2000, places=3))
def test_the_break_chosen_is_the_highest_not_above_the_quantity(
    book_and_minima: tuple[PriceBook, list[Decimal]], quantity: Decimal
) -> None:
    book, minima = book_and_minima
    reached = [minimum for minimum in minima if minimum <= abs(quantity)]
    if not reached:
        with pytest.raises(NoPrice):
            book.entry_for("A", quantity)
        return
    entry = book.entry_for("A", quantity)
    assert entry.min_quantity == max(reached)
