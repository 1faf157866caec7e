"""The catalog: products, price books and quantity breaks, kits, versions, the line builder."""

import datetime as dt
import json
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Discount,
    Document,
    DraftInvoice,
    FloatNotAllowed,
    InvalidAmount,
    InvalidType,
    Line,
    LineKind,
    Money,
    OrdercoreError,
    PriceSource,
    Request,
    Tax,
    price,
)
from ordercore.catalog import (
    Catalog,
    Component,
    Kit,
    KitMode,
    LineBuilder,
    PriceBook,
    PriceEntry,
    Product,
)
from ordercore.errors import (
    InvalidCatalog,
    InvalidCode,
    InvalidKit,
    InvalidNumber,
    InvalidPriceBook,
    NoPrice,
    NoTaxRule,
    UnknownCurrency,
    UnknownPriceBook,
    UnknownProduct,
)
from ordercore.interop.plain import priced_from_data, priced_to_data
from ordercore.parties import Address, Party, Role, TaxRegistration
from ordercore.pricing.tax_rules import TaxRule, TaxTable, TaxZone


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
    with pytest.raises(NoPrice) as raised:
        book.unit_price("A", "5")
    assert (raised.value.sku, raised.value.price_book, raised.value.quantity) == (
        "A",
        "Wholesale",
        Decimal(5),
    )
    assert raised.value.lowest == Decimal(10)
    assert isinstance(raised.value, LookupError)
    with pytest.raises(NoPrice) as unlisted:
        book.unit_price("B", "5")
    assert (unlisted.value.sku, unlisted.value.lowest) == ("B", None)
    assert book.breaks("B") == ()


def test_a_price_book_reprs_short() -> None:
    assert repr(LIST) == "PriceBook(name='List', currency='EUR', skus=2)"
    assert repr(LIST.breaks("WID-1")[1]) == (
        "PriceEntry(sku='WID-1', unit_price=Money('9.50', 'EUR'), min_quantity='10')"
    )


def test_a_price_book_has_one_currency_and_one_price_per_break() -> None:
    with pytest.raises(InvalidPriceBook) as currency:
        PriceBook(
            name="List",
            currency="EUR",
            entries=[PriceEntry(sku="A", unit_price=Money("1.00", "USD"))],
        )
    assert (currency.value.name, currency.value.sku, currency.value.quantity) == ("List", "A", None)
    with pytest.raises(InvalidPriceBook) as twice:
        PriceBook(
            name="List",
            currency="EUR",
            entries=[
                PriceEntry(sku="A", unit_price=eur("1.00"), min_quantity="10"),
                PriceEntry(sku="A", unit_price=eur("0.90"), min_quantity="10.0"),
            ],
        )
    assert (twice.value.sku, twice.value.quantity) == ("A", Decimal(10))


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


# -- kits --------------------------------------------------------------------------------------


def test_a_kit_lists_positive_quantities_of_distinct_products() -> None:
    kit = Kit(sku="STARTER", components=[Component(sku="WID-1", quantity="2")])
    assert kit.components[0].quantity == 2
    assert repr(kit) == "Kit(sku='STARTER', components=[Component(sku='WID-1', quantity='2')])"
    assert repr(KitMode.EXPAND) == "KitMode.EXPAND"


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: Component(sku="A", quantity="0"), InvalidNumber),
        (lambda: Component(sku="A", quantity="-1"), InvalidNumber),
        (lambda: Component(sku="A", quantity=1.0), FloatNotAllowed),
        (lambda: Component(sku="", quantity="1"), InvalidCode),
        (lambda: Kit(sku="K", components=[]), InvalidKit),
        (lambda: Kit(sku="K", components=Component(sku="A", quantity="1")), InvalidType),
        (lambda: Kit(sku="K", components=[("A", "1")]), InvalidType),
        (
            lambda: Kit(
                sku="K",
                components=[Component(sku="A", quantity="1"), Component(sku="A", quantity="2")],
            ),
            InvalidKit,
        ),
        (lambda: Kit(sku="K", components=[Component(sku="K", quantity="1")]), InvalidKit),
    ],
)
def test_kits_refuse_bad_input_with_ordercore_errors(make: object, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        make()  # type: ignore[operator]
    assert isinstance(raised.value, OrdercoreError)


# -- catalog versions ---------------------------------------------------------------------------

WIDGET = product("WID-1", name="Widget", cost=eur("6.20"))
CABLE = product("CABLE", name="Cable")
MANUAL = product("MANUAL", "reduced", name="Manual")
STARTER = product("STARTER", name="Starter kit")
SUPPORT = product("SUPPORT", name="Support", unit="HUR", kind=LineKind.SERVICE)
STARTER_KIT = Kit(
    sku="STARTER",
    components=[
        Component(sku="WID-1", quantity="2"),
        Component(sku="CABLE", quantity="1"),
        Component(sku="MANUAL", quantity="1"),
    ],
)
V1 = Catalog(
    version="2024-01",
    products=[WIDGET, CABLE, MANUAL, STARTER, SUPPORT],
    kits=[STARTER_KIT],
    price_books=[
        PriceBook.from_prices(
            "List",
            "EUR",
            {
                "WID-1": WIDGET_BREAKS,
                "CABLE": "4.90",
                "MANUAL": "12.00",
                "STARTER": "29.00",
                "SUPPORT": "95.00",
            },
        ),
        PriceBook.from_prices("Resellers", "EUR", {"WID-1": "8.00"}),
    ],
)


def test_a_catalog_finds_products_kits_and_price_books() -> None:
    assert V1.product("WID-1") is WIDGET
    assert V1.kit("STARTER") is STARTER_KIT
    assert V1.kit("WID-1") is None
    assert V1.price_book("Resellers").unit_price("WID-1", "1") == eur("8.00")
    assert repr(V1) == "Catalog(version='2024-01', products=5, kits=1, price_books=2)"
    assert V1.previous_version is None


def test_unknown_products_and_price_books_are_lookup_errors_that_name_the_version() -> None:
    with pytest.raises(UnknownProduct) as raised:
        V1.product("NOPE")
    assert (raised.value.sku, raised.value.version) == ("NOPE", "2024-01")
    with pytest.raises(UnknownProduct):
        V1.kit("NOPE")
    with pytest.raises(UnknownProduct):
        V1.product(["WID-1"])  # type: ignore[arg-type]
    with pytest.raises(UnknownPriceBook) as missing:
        V1.price_book("Retail")
    assert (missing.value.name, missing.value.version) == ("Retail", "2024-01")
    assert missing.value.known == ("List", "Resellers")
    assert isinstance(missing.value, LookupError)


def test_revising_yields_a_new_version_and_leaves_the_old_one_unchanged() -> None:
    cheaper = PriceBook.from_prices("Resellers", "EUR", {"WID-1": "7.50", "CABLE": "3.00"})
    v2 = V1.revise(
        version="2024-02", products=[product("CABLE", name="USB-C cable")], price_books=[cheaper]
    )
    assert v2.previous_version == "2024-01"
    assert v2.product("CABLE").name == "USB-C cable"
    assert [p.sku for p in v2.products] == [p.sku for p in V1.products]  # replaced in place
    assert v2.price_book("Resellers").unit_price("WID-1", "1") == eur("7.50")
    assert V1.product("CABLE").name == "Cable"
    assert V1.price_book("Resellers").unit_price("WID-1", "1") == eur("8.00")
    v3 = v2.revise(version="2024-03", products=[product("HDMI")])
    assert [p.sku for p in v3.products] == [
        "WID-1",
        "CABLE",
        "MANUAL",
        "STARTER",
        "SUPPORT",
        "HDMI",
    ]
    # Support is priced in the List book: removing it needs a List book without it.
    with pytest.raises(InvalidCatalog) as raised:
        v3.revise(version="2024-04", removed=["SUPPORT"])
    assert (raised.value.version, raised.value.key) == ("2024-04", "SUPPORT")


def test_removing_a_kit_product_removes_its_kit_entry() -> None:
    v2 = V1.revise(
        version="2",
        removed=["STARTER", "SUPPORT"],
        price_books=[PriceBook.from_prices("List", "EUR", {"WID-1": "10.00"})],
    )
    assert v2.kits == ()
    assert v2.kit("WID-1") is None


@pytest.mark.parametrize(
    ("revise", "key"),
    [
        (lambda: V1.revise(version="2024-01"), None),
        (lambda: V1.revise(version="2", removed=["CABLE"]), "CABLE"),
        (
            lambda: V1.revise(
                version="2",
                removed=["MANUAL"],
                kits=[Kit(sku="STARTER", components=[Component(sku="WID-1", quantity="1")])],
            ),
            "MANUAL",
        ),
        (lambda: V1.revise(version="2", products=[CABLE, CABLE]), "CABLE"),
        (lambda: V1.revise(version="2", products=[CABLE], removed=["CABLE"]), "CABLE"),
    ],
)
def test_a_revision_that_leaves_the_catalog_inconsistent_is_refused(
    revise: object, key: str | None
) -> None:
    with pytest.raises(InvalidCatalog) as raised:
        revise()  # type: ignore[operator]
    assert raised.value.key == key


@pytest.mark.parametrize(
    ("fields", "error", "key"),
    [
        ({"products": [WIDGET, WIDGET]}, InvalidCatalog, "WID-1"),
        ({"kits": [STARTER_KIT]}, InvalidCatalog, "STARTER"),
        ({"products": [WIDGET, STARTER], "kits": [STARTER_KIT]}, InvalidCatalog, "CABLE"),
        (
            {
                "products": [WIDGET, STARTER, product("BIG")],
                "kits": [
                    Kit(sku="STARTER", components=[Component(sku="WID-1", quantity="1")]),
                    Kit(sku="BIG", components=[Component(sku="STARTER", quantity="2")]),
                ],
            },
            InvalidCatalog,
            "STARTER",
        ),
        ({"price_books": [LIST, LIST]}, InvalidCatalog, "List"),
        ({"price_books": [LIST]}, InvalidCatalog, "CABLE"),
        ({"version": ""}, InvalidCode, None),
        ({"version": 2}, InvalidType, None),
        ({"products": WIDGET}, InvalidType, None),
        ({"kits": [WIDGET]}, InvalidType, None),
        ({"price_books": LIST}, InvalidType, None),
        ({"previous_version": " 1"}, InvalidCode, None),
    ],
)
def test_a_catalog_refuses_inconsistent_or_bad_input(
    fields: dict[str, object], error: type[Exception], key: str | None
) -> None:
    values: dict[str, object] = {"version": "1", "products": [WIDGET]}
    values.update(fields)
    with pytest.raises(error) as raised:
        Catalog(**values)  # type: ignore[arg-type]
    assert isinstance(raised.value, OrdercoreError)
    if isinstance(raised.value, InvalidCatalog):
        assert (raised.value.version, raised.value.key) == (values["version"], key)


def test_revise_refuses_bad_input_with_ordercore_errors() -> None:
    with pytest.raises(InvalidType):
        V1.revise(version="2", removed="CABLE")  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        V1.revise(version="2", products=CABLE)  # type: ignore[arg-type]
    with pytest.raises(UnknownProduct):
        V1.revise(version="2", removed=["NOPE"])
    with pytest.raises(InvalidCode):
        V1.revise(version="")


# -- the line builder --------------------------------------------------------------------------

FRANCE = Address(street_lines=["1 rue de Rivoli"], postal_code="75001", city="Paris", country="FR")
BERLIN = Address(
    street_lines=["Unter den Linden 1"], postal_code="10117", city="Berlin", country="DE"
)
NEW_YORK = Address(
    street_lines=["1 Broadway"], postal_code="10004", city="New York", country="US", region="US-NY"
)
CONSUMER = Party(
    code="C-1", name="Jeanne Martin", roles=[Role.CUSTOMER], currency="EUR", billing_address=FRANCE
)
BUSINESS = Party(
    code="C-2",
    name="Beispiel GmbH",
    roles=[Role.CUSTOMER],
    currency="EUR",
    billing_address=BERLIN,
    tax_registrations=[TaxRegistration(scheme="VAT", number="DE123456789")],
)
EU = TaxZone(name="EU", countries=["AT", "BE", "DE", "ES", "FR", "IT", "NL"])
VAT20 = Tax.percent("VAT", "20")
VAT5_5 = Tax.percent("VAT", "5.5")
REVERSE = Tax.reverse_charge("VAT")
EXPORT = Tax.zero_rated("VAT", code="G", reason="Export outside the EU")
TAXES = TaxTable(
    rules=[
        TaxRule(tax_class="standard", where=EU, taxes=[VAT20]),
        TaxRule(tax_class="reduced", where=EU, taxes=[VAT5_5]),
        TaxRule(where=EU, registered_for="VAT", taxes=[REVERSE]),
        TaxRule(taxes=[EXPORT]),
    ]
)


def builder(catalog: Catalog = V1, party: Party = CONSUMER, book: str = "List") -> LineBuilder:
    return LineBuilder(
        catalog=catalog, price_book=book, tax_engine=TAXES, party=party, ship_to=party.ship_to
    )


def source(line: Line) -> PriceSource:
    """The price source of a line built from the catalog."""
    assert line.price_source is not None
    return line.price_source


def test_a_line_takes_its_price_from_the_book_and_its_taxes_from_the_engine() -> None:
    built = builder().line("WID-1", "12")
    assert built == Line(
        description="Widget",
        quantity="12",
        unit_price=eur("9.50"),
        taxes=[VAT20],
        product="WID-1",
        price_source=PriceSource(catalog_version="2024-01", price_book="List", price_break="10"),
    )
    assert (source(built).price_break, source(built).kit) == (Decimal(10), None)
    assert (
        repr(built) == "Line(description='Widget', quantity='12', unit_price=Money('9.50', 'EUR'))"
    )
    assert repr(builder()) == "LineBuilder(catalog_version='2024-01', price_book='List')"


def test_the_customer_and_the_place_choose_the_taxes() -> None:
    assert builder().line("MANUAL", "1").taxes == (VAT5_5,)
    assert builder(party=BUSINESS).line("WID-1", "1").taxes == (REVERSE,)
    abroad = attrs.evolve(builder(), ship_to=NEW_YORK)
    assert abroad.line("WID-1", "1").taxes == (EXPORT,)


def test_a_line_has_the_products_kind_and_the_books_currency() -> None:
    support = builder().line("SUPPORT", "1.5")
    assert support.kind is LineKind.SERVICE
    assert support.quantity == Decimal("1.5")
    resellers = builder(book="Resellers").line("WID-1", "1")
    assert resellers.unit_price == eur("8.00")
    assert source(resellers).price_book == "Resellers"


def test_a_kit_sells_as_one_line_listing_its_contents() -> None:
    (one,) = builder().lines("STARTER", "3", kits=KitMode.ONE_LINE)
    assert one == builder().line("STARTER", "3")
    assert one.description == "Starter kit (2 x Widget, 1 x Cable, 1 x Manual)"
    assert one.unit_price == eur("29.00")
    assert one.taxes == (VAT20,)
    assert source(one).kit is None  # the kit itself, not a component of one


def test_a_kit_expands_into_component_lines_priced_and_taxed_each_on_their_own() -> None:
    lines = builder().lines("STARTER", "5", kits=KitMode.EXPAND)
    assert [(c.product, c.quantity, c.unit_price, c.taxes, source(c).kit) for c in lines] == [
        ("WID-1", 10, eur("9.50"), (VAT20,), "STARTER"),  # 10 widgets reach the 10+ break
        ("CABLE", 5, eur("4.90"), (VAT20,), "STARTER"),
        ("MANUAL", 5, eur("12.00"), (VAT5_5,), "STARTER"),
    ]
    assert builder().lines("WID-1", "2", kits=KitMode.EXPAND) == (builder().line("WID-1", "2"),)


@given(
    st.decimals(min_value=-50, max_value=50, places=2),
    st.lists(st.decimals(min_value="0.001", max_value=20, places=3), min_size=1, max_size=4),
)
def test_kit_expansion_preserves_quantities(quantity: Decimal, per_kit: list[Decimal]) -> None:
    skus = [f"P{index}" for index in range(len(per_kit))]
    catalog = Catalog(
        version="1",
        products=[product(sku) for sku in [*skus, "KIT"]],
        kits=[
            Kit(
                sku="KIT",
                components=[
                    Component(sku=sku, quantity=q) for sku, q in zip(skus, per_kit, strict=True)
                ],
            )
        ],
        price_books=[PriceBook.from_prices("List", "EUR", dict.fromkeys([*skus, "KIT"], "1.00"))],
    )
    lines = builder(catalog).lines("KIT", quantity, kits=KitMode.EXPAND)
    assert [line.product for line in lines] == skus
    assert [line.quantity for line in lines] == [quantity * q for q in per_kit]
    assert {source(line).kit for line in lines} == {"KIT"}


def test_building_fails_with_the_catalogs_own_errors() -> None:
    with pytest.raises(UnknownProduct):
        builder().line("NOPE", "1")
    with pytest.raises(NoPrice) as raised:
        builder(book="Resellers").line("CABLE", "1")
    assert (raised.value.price_book, raised.value.sku) == ("Resellers", "CABLE")
    with pytest.raises(UnknownPriceBook):
        builder(book="Retail")
    with pytest.raises(NoTaxRule):
        LineBuilder(
            catalog=V1,
            price_book="List",
            tax_engine=TaxTable(rules=[]),
            party=CONSUMER,
            ship_to=FRANCE,
        ).line("WID-1", "1")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"catalog": "2024-01"}, InvalidType),
        ({"price_book": LIST}, InvalidType),
        ({"tax_engine": {"standard": VAT20}}, InvalidType),
        ({"party": "C-1"}, InvalidType),
        ({"ship_to": "Paris"}, InvalidType),
    ],
)
def test_a_builder_refuses_bad_input_with_ordercore_errors(
    fields: dict[str, object], error: type[Exception]
) -> None:
    values: dict[str, object] = {
        "catalog": V1,
        "price_book": "List",
        "tax_engine": TAXES,
        "party": CONSUMER,
        "ship_to": FRANCE,
    }
    values.update(fields)
    with pytest.raises(error):
        LineBuilder(**values)  # type: ignore[arg-type]


def test_builder_methods_refuse_bad_input_with_ordercore_errors() -> None:
    with pytest.raises(FloatNotAllowed):
        builder().line("WID-1", 1.5)
    with pytest.raises(InvalidCode):
        builder().line("", "1")
    with pytest.raises(InvalidType):
        builder().lines("STARTER", "1", kits="expand")  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        builder().reprice(builder().line("WID-1", "1"))  # type: ignore[arg-type]
    with pytest.raises(InvalidType) as raised:
        builder().reprice(["WID-1"])  # type: ignore[list-item]
    assert (raised.value.field, raised.value.value) == ("lines[0]", "WID-1")


def test_a_host_can_plug_in_its_own_tax_engine() -> None:
    @attrs.frozen
    class FlatRate:
        def taxes_for(self, product: object, party: object, ship_to: object) -> tuple[Tax, ...]:
            return (Tax.percent("Sales tax", "8.875", code="US-NY"),)

    built = LineBuilder(
        catalog=V1, price_book="List", tax_engine=FlatRate(), party=CONSUMER, ship_to=NEW_YORK
    ).line("CABLE", "1")
    assert built.taxes == (Tax.percent("Sales tax", "8.875", code="US-NY"),)


# -- repricing against a newer version ----------------------------------------------------------

V2 = V1.revise(
    version="2024-02",
    products=[product("WID-1", name="Widget Pro"), product("MANUAL", name="Manual")],
    price_books=[
        PriceBook.from_prices(
            "List",
            "EUR",
            {
                "WID-1": {"0": "11.00", "10": "10.50"},
                "CABLE": "5.20",
                "MANUAL": "12.00",
                "STARTER": "31.00",
                "SUPPORT": "99.00",
            },
        )
    ],
)


def test_a_new_version_never_changes_lines_built_from_the_old_one() -> None:
    before = builder().line("WID-1", "12")
    builder(V2).line("WID-1", "12")
    assert before.unit_price == eur("9.50")
    assert before == builder().line("WID-1", "12")


def test_repricing_builds_draft_lines_anew_from_the_new_version_keeping_quantities_and_discounts() -> (
    None
):
    ten_off = Discount.percent("10")
    old = attrs.evolve(builder().line("WID-1", "12"), discounts=[ten_off])
    five_off = Discount.per_unit(eur("0.50"))
    drafts = (
        old,
        *builder().lines("STARTER", "1", kits=KitMode.EXPAND),
        attrs.evolve(builder().line("STARTER", "2"), price_discount=five_off),
    )
    repriced = builder(V2).reprice(drafts)
    assert [(r.product, r.quantity, r.unit_price, source(r).kit) for r in repriced] == [
        ("WID-1", 12, eur("10.50"), None),
        ("WID-1", 2, eur("11.00"), "STARTER"),
        ("CABLE", 1, eur("5.20"), "STARTER"),
        ("MANUAL", 1, eur("12.00"), "STARTER"),
        ("STARTER", 2, eur("31.00"), None),
    ]
    assert {source(r).catalog_version for r in repriced} == {"2024-02"}
    assert [source(r).price_break for r in repriced] == [10, 0, 0, 0, 0]
    assert repriced[0].discounts == (ten_off,)
    assert repriced[4].price_discount == five_off
    assert repriced[0].description == "Widget Pro"
    assert repriced[4].description == "Starter kit (2 x Widget Pro, 1 x Cable, 1 x Manual)"
    assert drafts[0].unit_price == eur("9.50")  # the drafts themselves are unchanged
    assert source(drafts[0]).catalog_version == "2024-01"


def test_repricing_keeps_lines_not_priced_from_a_catalog_as_they_are() -> None:
    shipping = Line(
        description="Shipping", quantity="1", unit_price=eur("7.90"), kind=LineKind.CHARGE
    )
    agreed = Line(description="Widget", quantity="3", unit_price=eur("8.00"), product="WID-1")
    lines = (shipping, builder().line("CABLE", "2"), agreed)
    repriced = builder(V2).reprice(lines)
    assert repriced[0] is shipping
    assert repriced[2] is agreed  # a price set by hand has no catalog price to follow
    assert (repriced[1].unit_price, source(repriced[1]).catalog_version) == (
        eur("5.20"),
        "2024-02",
    )
    assert builder(V2).reprice([]) == ()


def request(key: str) -> Request:
    return Request(
        key=key,
        at=dt.datetime(2024, 1, 31, 9, 0, tzinfo=dt.UTC),
        business_date=dt.date(2024, 1, 31),
    )


def test_an_issued_invoice_keeps_what_priced_it_and_a_draft_is_repriced_from_its_content() -> None:
    shipping = Line(
        description="Shipping", quantity="1", unit_price=eur("7.90"), kind=LineKind.CHARGE
    )
    content = Document(
        currency="EUR",
        items=[
            attrs.evolve(builder().line("WID-1", "12"), discounts=[Discount.percent("10")]),
            *builder().lines("STARTER", "1", kits=KitMode.EXPAND),
            shipping,
        ],
    )
    draft = DraftInvoice.create(
        id="inv-1", customer="C-1", content=content, request=request("r1")
    ).document
    issued = draft.issue(
        number="INV-1", issue_date=dt.date(2024, 1, 31), due_date=None, request=request("r2")
    ).document
    assert issued.total == draft.priced.totals.amount_due == eur("173.56")

    # The catalog is revised: V2 is version 2024-02, with new prices and a renamed widget.
    newer = builder(V2)

    # The issued invoice still says which version priced each line, and its amounts stand.
    assert [line.price_source for line in issued.content.lines] == [
        PriceSource(catalog_version="2024-01", price_book="List", price_break="10"),
        PriceSource(catalog_version="2024-01", price_book="List", price_break="0", kit="STARTER"),
        PriceSource(catalog_version="2024-01", price_book="List", price_break="0", kit="STARTER"),
        PriceSource(catalog_version="2024-01", price_book="List", price_break="0", kit="STARTER"),
        None,
    ]
    assert [line.unit_price for line in issued.content.lines] == [
        eur("9.50"),
        eur("10.00"),
        eur("4.90"),
        eur("12.00"),
        eur("7.90"),
    ]
    assert issued.priced == price(content)
    assert issued.total == eur("173.56")  # 147.40 net, VAT 25.50 and 0.66

    # Stored as plain data and read back, it still says so.
    stored = json.loads(json.dumps(priced_to_data(issued.priced)))
    assert priced_from_data(stored).document == issued.content

    # A draft is repriced from what it holds, explicitly.
    revised = draft.revise(
        attrs.evolve(draft.content, items=newer.reprice(draft.content.lines)),
        request=request("r3"),
    ).document
    lines = revised.content.lines
    assert [(line.quantity, line.unit_price) for line in lines] == [
        (12, eur("10.50")),
        (2, eur("11.00")),
        (1, eur("5.20")),
        (1, eur("12.00")),
        (1, eur("7.90")),
    ]
    assert [source(line).catalog_version for line in lines[:4]] == ["2024-02"] * 4
    assert lines[4] is shipping
    assert lines[0].discounts == (Discount.percent("10"),)
    assert revised.version == 2
    assert lines[3].taxes == (VAT20,)  # V2 lists the manual in the standard tax class
    assert revised.priced.totals.amount_due == eur("191.02")  # 160.50 net, VAT 30.52
    assert issued.total == eur("173.56")


def test_repricing_a_line_whose_product_is_gone_fails_before_changing_anything() -> None:
    v3 = V2.revise(
        version="2024-03",
        removed=["SUPPORT"],
        price_books=[PriceBook.from_prices("List", "EUR", {"WID-1": "11.00"})],
    )
    with pytest.raises(UnknownProduct) as raised:
        builder(v3).reprice([builder().line("WID-1", "1"), builder().line("SUPPORT", "1")])
    assert (raised.value.sku, raised.value.version) == ("SUPPORT", "2024-03")


@given(
    st.sampled_from(["WID-1", "CABLE", "MANUAL", "STARTER", "SUPPORT"]),
    st.decimals(min_value=-500, max_value=500, places=2),
    st.integers(0, 10_000),
)
def test_no_new_version_changes_a_line_built_from_an_old_one(
    sku: str, quantity: Decimal, cents: int
) -> None:
    before = builder().line(sku, quantity)
    newer = V1.revise(
        version="next",
        price_books=[
            PriceBook.from_prices(
                "List", "EUR", dict.fromkeys(V1.price_book("List").skus, Decimal(cents) / 100)
            )
        ],
        products=[product(sku, "reduced", name="Renamed")],
    )
    after = builder(newer).line(sku, quantity)
    assert after.unit_price == Money(Decimal(cents) / 100, "EUR")
    assert builder().line(sku, quantity) == before
    assert V1.product(sku).name != "Renamed"
