"""Lines from the catalog: a product, a quantity, a customer and a place make a priced line.

A :class:`LineBuilder` holds what prices a line besides the product and the quantity: a
catalog version, the name of one of its price books, a tax engine (a
:class:`~ordercore.pricing.tax_rules.TaxTable` or a host's own), the customer and the
ship-to address. Each line it builds

* describes the product by its name, and has the product's kind and its SKU as product
  reference;
* takes its unit price from the price book, at the quantity break the quantity reaches;
* takes its taxes from the tax engine, for the product's tax class, the customer and
  the ship-to address;

and comes as a :class:`CatalogLine`: the :class:`~ordercore.pricing.Line` together with
the record of what priced it (catalog version, price book, quantity break, and the kit
it belongs to), so that a document can store and later prove it.

A newer catalog version changes nothing already built. To bring draft lines up to date,
reprice them explicitly with a builder on the new version (:meth:`LineBuilder.reprice`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from ordercore._codes import identifier
from ordercore._convert import check_instance, to_tuple
from ordercore.catalog.kits import Kit, KitMode
from ordercore.catalog.price_books import PriceBook, to_quantity
from ordercore.catalog.products import Product, to_sku
from ordercore.catalog.versions import Catalog
from ordercore.errors import InvalidType
from ordercore.money._context import CONTEXT
from ordercore.pricing.lines import Line
from ordercore.pricing.tax_rules import Place, TaxedParty, TaxEngine

__all__ = ["CatalogLine", "LineBuilder"]


def _line(value: object) -> Line:
    line = check_instance(value, Line, "line")
    if line.product is None:
        raise InvalidType(line, expected="a Line with a product reference (its SKU)", field="line")
    return line


def _version(value: object) -> str:
    return identifier(value, "catalog_version")


def _book_name(value: object) -> str:
    return identifier(value, "price_book")


def _price_break(value: object) -> Decimal:
    return to_quantity(value, "price_break")


def _kit(value: object) -> str | None:
    return None if value is None else to_sku(value, "kit")


@attrs.frozen(kw_only=True, repr=False)
class CatalogLine:
    """A line built from a catalog, and the record of what priced it.

    ``line.product`` is the SKU; ``catalog_version`` and ``price_book`` say where its
    unit price came from, ``price_break`` the minimum quantity of the break that priced
    it; ``kit`` is the SKU of the kit the line is a component of, or ``None``.
    """

    line: Line = attrs.field(converter=_line)
    catalog_version: str = attrs.field(converter=_version)
    price_book: str = attrs.field(converter=_book_name)
    price_break: Decimal = attrs.field(converter=_price_break)
    kit: str | None = attrs.field(default=None, converter=_kit)

    @property
    def sku(self) -> str:
        """The SKU of the product the line sells."""
        return str(self.line.product)

    def __repr__(self) -> str:
        kit = f", kit={self.kit!r}" if self.kit is not None else ""
        return (
            f"CatalogLine(sku={self.sku!r}, quantity={str(self.line.quantity)!r}, "
            f"unit_price={self.line.unit_price!r}, catalog_version={self.catalog_version!r}{kit})"
        )


def _catalog(value: object) -> Catalog:
    return check_instance(value, Catalog, "catalog")


def _tax_engine(value: object) -> TaxEngine:
    if not isinstance(value, TaxEngine):
        raise InvalidType(
            value,
            expected="a tax engine (a TaxTable, or an object with taxes_for)",
            field="tax_engine",
        )
    return value


def _party(value: object) -> TaxedParty:
    if not isinstance(value, TaxedParty):
        raise InvalidType(
            value, expected="a Party (an object with tax_registrations)", field="party"
        )
    return value


def _ship_to(value: object) -> Place:
    if not isinstance(value, Place):
        raise InvalidType(
            value, expected="an Address (an object with a country and a region)", field="ship_to"
        )
    return value


@attrs.frozen(kw_only=True, repr=False)
class LineBuilder:
    """Builds priced, taxed lines from one catalog version, for one customer and place.

    ``price_book`` names a price book of ``catalog``; ``tax_engine`` is any
    :class:`~ordercore.pricing.tax_rules.TaxEngine`; ``party`` the customer (an
    :class:`ordercore.parties.Party`, or anything with ``tax_registrations``) and
    ``ship_to`` where the goods go (an :class:`ordercore.parties.Address`).
    """

    catalog: Catalog = attrs.field(converter=_catalog)
    price_book: str = attrs.field(converter=_book_name)
    tax_engine: TaxEngine = attrs.field(converter=_tax_engine)
    party: TaxedParty = attrs.field(converter=_party)
    ship_to: Place = attrs.field(converter=_ship_to)
    #: The price book itself.
    book: PriceBook = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "book", self.catalog.price_book(self.price_book))

    def line(self, sku: str, quantity: object) -> CatalogLine:
        """One line of ``quantity`` x ``sku``; a kit sells as one line listing its contents."""
        product = self.catalog.product(to_sku(sku))
        kit = self.catalog.kit(product.sku)
        return self._build(product, to_quantity(quantity), kit=kit)

    def lines(self, sku: str, quantity: object, *, kits: KitMode) -> tuple[CatalogLine, ...]:
        """The lines of ``quantity`` x ``sku``: one line, or a kit's component lines.

        With ``kits=KitMode.EXPAND`` a kit gives one line per component, of the kit
        quantity times the component quantity, each priced and taxed as its own product;
        with ``KitMode.ONE_LINE`` it gives :meth:`line`. Any other SKU gives one line.
        """
        kits = check_instance(kits, KitMode, "kits")
        product = self.catalog.product(to_sku(sku))
        number = to_quantity(quantity)
        kit = self.catalog.kit(product.sku)
        if kit is None or kits is KitMode.ONE_LINE:
            return (self._build(product, number, kit=kit),)
        return tuple(
            self._build(
                self.catalog.product(component.sku),
                CONTEXT.multiply(number, component.quantity),
                kit=None,
                in_kit=kit.sku,
            )
            for component in kit.components
        )

    def reprice(self, lines: Sequence[CatalogLine]) -> tuple[CatalogLine, ...]:
        """The ``lines`` built anew from this builder's catalog version and price book.

        Each keeps its SKU, quantity, kit membership and discounts; its description,
        unit price, taxes and record come from this builder. A line whose product is
        gone from the catalog raises :class:`~ordercore.errors.UnknownProduct`, and no
        line is repriced.
        """
        repriced = []
        for old in to_tuple(lines, CatalogLine, "lines"):
            product = self.catalog.product(old.sku)
            kit = None if old.kit is not None else self.catalog.kit(product.sku)
            new = self._build(product, old.line.quantity, kit=kit, in_kit=old.kit)
            line = attrs.evolve(
                new.line, discounts=old.line.discounts, price_discount=old.line.price_discount
            )
            repriced.append(attrs.evolve(new, line=line))
        return tuple(repriced)

    def _build(
        self, product: Product, quantity: Decimal, *, kit: Kit | None, in_kit: str | None = None
    ) -> CatalogLine:
        entry = self.book.entry_for(product.sku, quantity)
        description = product.name
        if kit is not None:
            contents = ", ".join(
                f"{component.quantity} x {self.catalog.product(component.sku).name}"
                for component in kit.components
            )
            description = f"{product.name} ({contents})"
        line = Line(
            description=description,
            quantity=quantity,
            unit_price=entry.unit_price,
            taxes=self.tax_engine.taxes_for(product, self.party, self.ship_to),
            kind=product.kind,
            product=product.sku,
        )
        return CatalogLine(
            line=line,
            catalog_version=self.catalog.version,
            price_book=self.book.name,
            price_break=entry.min_quantity,
            kit=in_kit,
        )

    def __repr__(self) -> str:
        return (
            f"LineBuilder(catalog_version={self.catalog.version!r}, price_book={self.price_book!r})"
        )
