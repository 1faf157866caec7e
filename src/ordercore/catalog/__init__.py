"""The catalog: products, price books, kits, and versioned catalog snapshots.

A :class:`Product` says what is sold and how it is taxed (its tax class); a
:class:`PriceBook` says what it costs, in one currency, with quantity breaks.
"""

from ordercore.catalog.price_books import PriceBook, PriceEntry
from ordercore.catalog.products import Product

__all__ = ["PriceBook", "PriceEntry", "Product"]
