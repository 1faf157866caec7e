"""Products: what can be sold, identified by a SKU.

A :class:`Product` states the facts a line needs from the catalog: its SKU (stock keeping
unit, the key everything else refers to), the name printed on documents, the unit it is
counted in (a UN/ECE Recommendation 20 code, as EN 16931 requires on every invoice line:
``C62`` one, ``HUR`` hour, ``KGM`` kilogram), its *tax class* and what kind of line it
makes (goods, a service, a charge).

A tax class is a plain name chosen by the seller, such as ``"standard"``, ``"reduced"``
or ``"exempt-medical"``: the product does not know any tax rate. Which taxes a class
bears depends on who buys and where it ships, and that is for the tax rules
(:mod:`ordercore.pricing.tax_rules`) to say.

A product carries no price either: prices live in price books
(:mod:`ordercore.catalog.price_books`), so that one product can have a list price, a
reseller price and prices in several currencies. ``cost`` is optional and informative
(for margins); it never prices a line.

>>> from ordercore.catalog import Product
>>> from ordercore.pricing import LineKind
>>> Product(sku="WID-1", name="Widget", unit="C62", tax_class="standard")
Product(sku='WID-1', name='Widget')
>>> Product(sku="CONSULT", name="Consulting", unit="HUR", tax_class="standard",
...         kind=LineKind.SERVICE).kind
LineKind.SERVICE
"""

from __future__ import annotations

import attrs

from ordercore._codes import identifier, unit_code
from ordercore._convert import check_instance, to_money, to_text
from ordercore.errors import InvalidAmount
from ordercore.money.amount import Money
from ordercore.pricing.lines import LineKind

__all__ = ["Product"]


def to_sku(value: object, field: str = "sku") -> str:
    """A SKU: a non-empty printable string without surrounding spaces."""
    return identifier(value, field)


def _sku(value: object) -> str:
    return to_sku(value)


def _name(value: object) -> str:
    return to_text(value, "name")


def _unit(value: object) -> str:
    return unit_code(value, "unit")


def _tax_class(value: object) -> str:
    return identifier(value, "tax_class")


def _kind(value: object) -> LineKind:
    return check_instance(value, LineKind, "kind")


def _cost(value: object) -> Money | None:
    if value is None:
        return None
    cost = to_money(value, "cost")
    if cost.amount < 0:
        raise InvalidAmount(cost, reason="a cost cannot be negative", field="cost")
    return cost


@attrs.frozen(kw_only=True, repr=False)
class Product:
    """A product or service that can be sold.

    ``sku`` identifies it within a catalog; ``unit`` is a UN/ECE Recommendation 20 code;
    ``tax_class`` names the tax rules that apply to it; ``kind`` is the kind of line it
    makes; ``cost`` (optional) is what one unit costs the seller.
    """

    sku: str = attrs.field(converter=_sku)
    name: str = attrs.field(converter=_name)
    unit: str = attrs.field(converter=_unit)
    tax_class: str = attrs.field(converter=_tax_class)
    kind: LineKind = attrs.field(default=LineKind.GOODS, converter=_kind)
    cost: Money | None = attrs.field(default=None, converter=_cost)

    def __repr__(self) -> str:
        return f"Product(sku={self.sku!r}, name={self.name!r})"
