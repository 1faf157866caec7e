"""Catalog versions: immutable snapshots of products, price books and kits.

A :class:`Catalog` is one *version* of the catalog: its products, kits and price books
as they stood, under a version identifier chosen by the host (``"2024-06"``, ``"v42"``).
It never changes. Changing the catalog means making a new version with
:meth:`Catalog.revise`, which names the version it came from; the old version stays as
it was, and so does everything priced from it.

This is what lets a document prove what it was priced with (DOMAIN.md, section 5):
lines built from a catalog record its version, the price book and the quantity break
in their ``price_source`` (a :class:`~ordercore.pricing.PriceSource`), documents keep
their lines, and a version identifier always means the same prices. Repricing a draft
against a newer version is an explicit step (:meth:`~ordercore.catalog.LineBuilder.reprice`),
never a side effect.

A catalog is consistent: every SKU appears once, every kit is a product whose
components are products (and not kits), and every SKU a price book prices is a product.

>>> from ordercore.catalog import Catalog, PriceBook, Product
>>> v1 = Catalog(
...     version="2024-01",
...     products=[Product(sku="WID-1", name="Widget", unit="C62", tax_class="standard")],
...     price_books=[PriceBook.from_prices("List", "EUR", {"WID-1": "10.00"})],
... )
>>> v2 = v1.revise(version="2024-02",
...                price_books=[PriceBook.from_prices("List", "EUR", {"WID-1": "10.50"})])
>>> v2
Catalog(version='2024-02', products=1, kits=0, price_books=1)
>>> v2.previous_version
'2024-01'
>>> v1.price_book("List").unit_price("WID-1", "1"), v2.price_book("List").unit_price("WID-1", "1")
(Money('10.00', 'EUR'), Money('10.50', 'EUR'))
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NoReturn, TypeVar

import attrs

from ordercore._codes import identifier
from ordercore._convert import to_tuple
from ordercore.catalog.kits import Kit
from ordercore.catalog.price_books import PriceBook
from ordercore.catalog.products import Product
from ordercore.errors import InvalidCatalog, UnknownPriceBook, UnknownProduct, excerpt

__all__ = ["Catalog"]

T = TypeVar("T")


def _version(value: object) -> str:
    return identifier(value, "version")


def _previous(value: object) -> str | None:
    return None if value is None else identifier(value, "previous_version")


def _products(value: object) -> tuple[Product, ...]:
    return to_tuple(value, Product, "products")


def _kits(value: object) -> tuple[Kit, ...]:
    return to_tuple(value, Kit, "kits")


def _price_books(value: object) -> tuple[PriceBook, ...]:
    return to_tuple(value, PriceBook, "price_books")


@attrs.frozen(kw_only=True, repr=False)
class Catalog:
    """One version of the catalog: products, kits and price books, never changed."""

    version: str = attrs.field(converter=_version)
    products: tuple[Product, ...] = attrs.field(converter=_products)
    kits: tuple[Kit, ...] = attrs.field(default=(), converter=_kits)
    price_books: tuple[PriceBook, ...] = attrs.field(default=(), converter=_price_books)
    #: The version this one was revised from, if any.
    previous_version: str | None = attrs.field(default=None, converter=_previous)
    _by_sku: Mapping[str, Product] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _kit_by_sku: Mapping[str, Kit] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _book_by_name: Mapping[str, PriceBook] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        products = self._index("product SKU", ((p.sku, p) for p in self.products))
        kits = self._index("kit SKU", ((k.sku, k) for k in self.kits))
        books = self._index("price book name", ((b.name, b) for b in self.price_books))
        for kit in self.kits:
            if kit.sku not in products:
                self._fail(
                    f"the kit {excerpt(kit.sku)} is not a product; add its product entry",
                    key=kit.sku,
                )
            for component in kit.components:
                if component.sku not in products:
                    self._fail(
                        f"the kit {excerpt(kit.sku)} holds {excerpt(component.sku)}, not a product",
                        key=component.sku,
                    )
                if component.sku in kits:
                    self._fail(
                        f"the kit {excerpt(kit.sku)} holds the kit {excerpt(component.sku)}; "
                        "list that kit's components instead (kits are one level deep)",
                        key=component.sku,
                    )
        for book in self.price_books:
            for sku in book.skus:
                if sku not in products:
                    self._fail(
                        f"the price book {excerpt(book.name)} prices {excerpt(sku)}, not a product; "
                        "replace the book in the same revision",
                        key=sku,
                    )
        object.__setattr__(self, "_by_sku", types.MappingProxyType(products))
        object.__setattr__(self, "_kit_by_sku", types.MappingProxyType(kits))
        object.__setattr__(self, "_book_by_name", types.MappingProxyType(books))

    def _fail(self, reason: str, *, key: str | None = None) -> NoReturn:
        raise InvalidCatalog(self.version, reason=reason, key=key)

    def _index(self, what: str, pairs: Iterable[tuple[str, T]]) -> dict[str, T]:
        index: dict[str, T] = {}
        for key, value in pairs:
            if key in index:
                self._fail(f"the {what} {key!r} appears twice", key=key)
            index[key] = value
        return index

    # -- lookups ----------------------------------------------------------------------------

    def product(self, sku: str) -> Product:
        """The product ``sku``; :class:`~ordercore.errors.UnknownProduct` if there is none."""
        try:
            return self._by_sku[sku]
        except (KeyError, TypeError):
            raise UnknownProduct(sku, version=self.version) from None

    def kit(self, sku: str) -> Kit | None:
        """The kit entry of ``sku``, or ``None`` when ``sku`` is not a kit."""
        self.product(sku)
        return self._kit_by_sku.get(sku)

    def price_book(self, name: str) -> PriceBook:
        """The price book ``name``; :class:`~ordercore.errors.UnknownPriceBook` if none."""
        try:
            return self._book_by_name[name]
        except (KeyError, TypeError):
            raise UnknownPriceBook(
                name, version=self.version, known=tuple(self._book_by_name)
            ) from None

    # -- new versions -----------------------------------------------------------------------

    def revise(
        self,
        *,
        version: str,
        products: Sequence[Product] = (),
        kits: Sequence[Kit] = (),
        price_books: Sequence[PriceBook] = (),
        removed: Sequence[str] = (),
    ) -> Catalog:
        """A new version, changed as given; this one stays as it is.

        ``products``, ``kits`` and ``price_books`` are added, or replace those of the same
        SKU or name; the SKUs ``removed`` are taken out (with their kit entries).
        ``version`` must be new; the result records this version as its previous one. A
        price book that still prices a removed SKU must be replaced in the same revision.
        """
        new_version = _version(version)
        if new_version == self.version:
            self._fail(f"a revision needs a new version identifier, not {self.version!r} again")
        gone = {identifier(sku, "removed") for sku in to_tuple(removed, str, "removed")}
        for sku in gone:
            self.product(sku)
        return Catalog(
            version=new_version,
            products=_upsert(self, self.products, _products(products), lambda p: p.sku, gone),
            kits=_upsert(self, self.kits, _kits(kits), lambda k: k.sku, gone),
            price_books=_upsert(
                self, self.price_books, _price_books(price_books), lambda b: b.name, set()
            ),
            previous_version=self.version,
        )

    def __repr__(self) -> str:
        return (
            f"Catalog(version={self.version!r}, products={len(self.products)}, "
            f"kits={len(self.kits)}, price_books={len(self.price_books)})"
        )


def _upsert(
    catalog: Catalog,
    old: tuple[T, ...],
    new: tuple[T, ...],
    key: Callable[[T], str],
    gone: set[str],
) -> tuple[T, ...]:
    """``old`` with ``new`` replacing items of the same key (or appended), minus ``gone``."""
    replacing = {key(item): item for item in new}
    if len(replacing) != len(new):
        keys = [key(i) for i in new]
        repeated = next(k for n, k in enumerate(keys) if k in keys[:n])
        catalog._fail(f"a revision lists {sorted(keys)} with a repeated key", key=repeated)
    if both := sorted(gone & replacing.keys()):
        catalog._fail(f"a revision both removes and adds {both}", key=both[0])
    kept = [replacing.pop(key(item), item) for item in old if key(item) not in gone]
    return (*kept, *replacing.values())
