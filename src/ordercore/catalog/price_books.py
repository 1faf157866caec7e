"""Price books: named price lists in one currency, with quantity breaks.

A :class:`PriceBook` is what a sales team calls a price list: "EUR list prices",
"Resellers 2024", "USD export". It has one currency and a list of
:class:`PriceEntry` s, each a unit price for a SKU from a minimum quantity on. A SKU
with one entry has one price; a SKU with several has *quantity breaks*:

=============  ==========
quantity       unit price
=============  ==========
0 and more     10.00
10 and more     9.50
100 and more    9.00
=============  ==========

The break reached by the ordered quantity prices the whole line (the highest minimum
not above the quantity): 9 units cost 10.00 each, 10 units 9.50 each, 250 units 9.00
each. A return (a negative quantity) takes the break of its magnitude, so a returned
unit is credited at the price it was sold at. A quantity below the lowest break has no
price, and asking for one raises :class:`~ordercore.errors.NoPrice` rather than guessing.

>>> from ordercore.catalog import PriceBook
>>> book = PriceBook.from_prices("List", "EUR", {
...     "WID-1": {"0": "10.00", "10": "9.50", "100": "9.00"},
...     "CABLE": "4.90",
... })
>>> book
PriceBook(name='List', currency='EUR', skus=2)
>>> book.unit_price("WID-1", "9"), book.unit_price("WID-1", "10"), book.unit_price("WID-1", "250")
(Money('10.00', 'EUR'), Money('9.50', 'EUR'), Money('9.00', 'EUR'))
"""

from __future__ import annotations

import bisect
import types
from collections.abc import Mapping
from decimal import Decimal

import attrs
import moneyed

from ordercore._codes import identifier
from ordercore._convert import to_money, to_tuple
from ordercore.catalog.products import to_sku
from ordercore.errors import (
    InvalidAmount,
    InvalidNumber,
    InvalidPriceBook,
    InvalidType,
    NoPrice,
    excerpt,
)
from ordercore.money.amount import Money
from ordercore.money.currency import get_currency
from ordercore.money.decimals import decimal_places, to_decimal
from ordercore.pricing.lines import QUANTITY_PLACES

__all__ = ["PRICE_PLACES", "PriceBook", "PriceEntry"]

#: Unit prices in a price book may carry up to this many decimal places.
PRICE_PLACES = 6
_ZERO = Decimal(0)


def _sku(value: object) -> str:
    return to_sku(value)


def _unit_price(value: object) -> Money:
    price = to_money(value, "unit_price")
    if price.amount < 0:
        raise InvalidAmount(price, reason="a unit price cannot be negative", field="unit_price")
    if decimal_places(price.amount) > PRICE_PLACES:
        raise InvalidAmount(
            price, reason=f"a unit price has at most {PRICE_PLACES} decimals", field="unit_price"
        )
    return price


def to_quantity(value: object, field: str = "quantity") -> Decimal:
    """A quantity as a line takes it: exact, up to 6 decimals, any sign."""
    return to_decimal(value, field=field, max_places=QUANTITY_PLACES)


def _min_quantity(value: object) -> Decimal:
    number = to_quantity(value, "min_quantity")
    if number < 0:
        raise InvalidNumber(
            value, reason="a quantity break starts at zero or more", field="min_quantity"
        )
    return number


@attrs.frozen(kw_only=True, repr=False)
class PriceEntry:
    """The unit price of ``sku`` for an ordered quantity of ``min_quantity`` or more."""

    sku: str = attrs.field(converter=_sku)
    unit_price: Money = attrs.field(converter=_unit_price)
    min_quantity: Decimal = attrs.field(default=_ZERO, converter=_min_quantity)

    def __repr__(self) -> str:
        return (
            f"PriceEntry(sku={self.sku!r}, unit_price={self.unit_price!r}, "
            f"min_quantity={str(self.min_quantity)!r})"
        )


def _name(value: object) -> str:
    return identifier(value, "name")


def _entries(value: object) -> tuple[PriceEntry, ...]:
    return to_tuple(value, PriceEntry, "entries")


@attrs.frozen(kw_only=True, repr=False)
class PriceBook:
    """A named price list in one currency: unit prices per SKU, with quantity breaks.

    Entries are kept as written; each (SKU, minimum quantity) appears once, and every
    price is in the book's currency.
    """

    name: str = attrs.field(converter=_name)
    currency: moneyed.Currency = attrs.field(converter=get_currency)
    entries: tuple[PriceEntry, ...] = attrs.field(default=(), converter=_entries)
    #: The entries of each SKU, by ascending minimum quantity.
    _breaks: Mapping[str, tuple[PriceEntry, ...]] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        breaks: dict[str, list[PriceEntry]] = {}
        for entry in self.entries:
            if entry.unit_price.currency != self.currency:
                raise InvalidPriceBook(
                    self.name,
                    reason=f"the price of {excerpt(entry.sku)} is in {entry.unit_price.currency.code}, "
                    f"the book's currency is {self.currency.code}: make one book per currency",
                    sku=entry.sku,
                )
            same = breaks.setdefault(entry.sku, [])
            if any(other.min_quantity == entry.min_quantity for other in same):
                raise InvalidPriceBook(
                    self.name,
                    reason=f"{excerpt(entry.sku)} has two prices from quantity {entry.min_quantity}",
                    sku=entry.sku,
                    quantity=entry.min_quantity,
                )
            same.append(entry)
        index = {
            sku: tuple(sorted(same, key=lambda entry: entry.min_quantity))
            for sku, same in breaks.items()
        }
        object.__setattr__(self, "_breaks", types.MappingProxyType(index))

    @classmethod
    def from_prices(cls, name: str, currency: str, prices: Mapping[str, object]) -> PriceBook:
        """Make a book from ``{sku: price}`` or ``{sku: {min_quantity: price}}``.

        Prices are numbers (a ``Decimal``, an ``int`` or a string) in ``currency``.
        """
        if not isinstance(prices, Mapping):
            raise InvalidType(prices, expected="a mapping of SKU to price", field="prices")
        entries: list[PriceEntry] = []
        for sku, price in prices.items():
            tiers = price if isinstance(price, Mapping) else {_ZERO: price}
            entries.extend(
                PriceEntry(
                    sku=sku,
                    unit_price=Money(amount, currency),
                    min_quantity=min_quantity,
                )
                for min_quantity, amount in tiers.items()
            )
        return cls(name=name, currency=currency, entries=entries)

    @property
    def skus(self) -> tuple[str, ...]:
        """The SKUs this book prices, in the order they first appear."""
        return tuple(self._breaks)

    def breaks(self, sku: str) -> tuple[PriceEntry, ...]:
        """The entries of ``sku`` by ascending minimum quantity (empty if it has none)."""
        return self._breaks.get(sku, ())

    def entry_for(self, sku: str, quantity: object) -> PriceEntry:
        """The entry that prices ``quantity`` of ``sku``: the highest break not above it.

        A negative quantity (a return) takes the break of its magnitude.
        """
        number = to_quantity(quantity).copy_abs()
        breaks = self._breaks.get(sku)
        if not breaks:
            raise NoPrice(
                sku,
                price_book=self.name,
                quantity=number,
                reason="the book lists no price for it; add one in a new catalog version",
            )
        position = bisect.bisect_right([entry.min_quantity for entry in breaks], number)
        if position == 0:
            raise NoPrice(
                sku,
                price_book=self.name,
                quantity=number,
                reason=f"its lowest quantity break is {breaks[0].min_quantity}; order at "
                "least that many, or add a price from a lower quantity",
                lowest=breaks[0].min_quantity,
            )
        return breaks[position - 1]

    def unit_price(self, sku: str, quantity: object) -> Money:
        """The unit price of ``sku`` for ``quantity`` (see :meth:`entry_for`)."""
        return self.entry_for(sku, quantity).unit_price

    def __repr__(self) -> str:
        return (
            f"PriceBook(name={self.name!r}, currency={self.currency.code!r}, "
            f"skus={len(self._breaks)})"
        )
