"""Lines from the catalog: a product, a quantity, a customer and a place make a priced line.

A :class:`LineBuilder` holds what prices a line besides the product and the quantity: a
catalog version, the name of one of its price books, a tax engine (a
:class:`~ordercore.pricing.tax_rules.TaxTable` or a host's own), the customer and the
ship-to address. Each :class:`~ordercore.pricing.Line` it builds

* describes the product by its name, and has the product's kind and its SKU as product
  reference;
* takes its unit price from the price book, at the quantity break the quantity reaches;
* takes its taxes from the tax engine, for the product's tax class, the customer and
  the ship-to address;
* records what priced it in its ``price_source`` (a
  :class:`~ordercore.pricing.PriceSource`: catalog version, price book, quantity break,
  and the kit it belongs to), which every document that keeps the line keeps with it.

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
from ordercore.money.context import CONTEXT
from ordercore.pricing.lines import Line, PriceSource
from ordercore.pricing.tax_rules import Place, TaxedParty, TaxEngine

__all__ = ["LineBuilder"]


def _book_name(value: object) -> str:
    return identifier(value, "price_book")


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

    def line(self, sku: str, quantity: object) -> Line:
        """One line of ``quantity`` x ``sku``; a kit sells as one line listing its contents."""
        product = self.catalog.product(to_sku(sku))
        kit = self.catalog.kit(product.sku)
        return self._build(product, to_quantity(quantity), kit=kit)

    def lines(self, sku: str, quantity: object, *, kits: KitMode) -> tuple[Line, ...]:
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

    def reprice(self, lines: Sequence[Line]) -> tuple[Line, ...]:
        """The ``lines``, each one that was priced from a catalog built anew by this builder.

        A line with a ``price_source`` keeps its SKU, quantity, kit membership and
        discounts; its description, unit price, taxes and price source come from this
        builder's catalog version and price book. A line without one was not priced from
        a catalog (a charge, a price agreed by hand): it is kept as it is. The lines come
        back in their order. A line whose product is gone from the catalog raises
        :class:`~ordercore.errors.UnknownProduct`, and no line is repriced.
        """
        repriced = []
        for old in to_tuple(lines, Line, "lines"):
            source, sku = old.price_source, old.product
            if source is None or sku is None:  # a line with a source always has its SKU
                repriced.append(old)
                continue
            product = self.catalog.product(sku)
            kit = None if source.kit is not None else self.catalog.kit(product.sku)
            new = self._build(product, old.quantity, kit=kit, in_kit=source.kit)
            repriced.append(
                attrs.evolve(new, discounts=old.discounts, price_discount=old.price_discount)
            )
        return tuple(repriced)

    def _build(
        self, product: Product, quantity: Decimal, *, kit: Kit | None, in_kit: str | None = None
    ) -> Line:
        entry = self.book.entry_for(product.sku, quantity)
        description = product.name
        if kit is not None:
            contents = ", ".join(
                f"{component.quantity} x {self.catalog.product(component.sku).name}"
                for component in kit.components
            )
            description = f"{product.name} ({contents})"
        return Line(
            description=description,
            quantity=quantity,
            unit_price=entry.unit_price,
            taxes=self.tax_engine.taxes_for(product, self.party, self.ship_to),
            kind=product.kind,
            product=product.sku,
            price_source=PriceSource(
                catalog_version=self.catalog.version,
                price_book=self.book.name,
                price_break=entry.min_quantity,
                kit=in_kit,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"LineBuilder(catalog_version={self.catalog.version!r}, price_book={self.price_book!r})"
        )
