"""The catalog: products, price books, kits, versioned catalog snapshots, and lines from them.

A :class:`Product` says what is sold and how it is taxed (its tax class); a
:class:`PriceBook` says what it costs, in one currency, with quantity breaks; a
:class:`Kit` sells several products as one. A :class:`Catalog` is one immutable version
of all of them, and a :class:`LineBuilder` turns a SKU and a quantity into a priced,
taxed :class:`~ordercore.pricing.Line` that records the catalog version, price book and
quantity break it was priced with (its :class:`~ordercore.pricing.PriceSource`).
"""

from ordercore.catalog.builder import LineBuilder
from ordercore.catalog.kits import Component, Kit, KitMode
from ordercore.catalog.price_books import PriceBook, PriceEntry
from ordercore.catalog.products import Product
from ordercore.catalog.versions import Catalog

__all__ = [
    "Catalog",
    "Component",
    "Kit",
    "KitMode",
    "LineBuilder",
    "PriceBook",
    "PriceEntry",
    "Product",
]
