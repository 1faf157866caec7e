"""Kits: products sold as a set of other products.

A :class:`Kit` (a bundle, an assembly) is a product of the catalog made of component
products in fixed quantities: a "Starter kit" of 2 widgets and 1 cable. The kit has its
own :class:`~ordercore.catalog.Product` entry (its SKU, name, unit and tax class), and a
kit entry listing its :class:`Component` s.

A kit sells in one of two ways (:class:`KitMode`), chosen when the line is built
(:class:`~ordercore.catalog.LineBuilder`):

* ``EXPAND``: as its component lines, each priced from the price book and taxed by its
  own tax class; ordering 3 kits makes a line of 6 widgets and a line of 3 cables;
* ``ONE_LINE``: as one line priced at the kit's own price in the book, whose description
  lists what it contains ("Starter kit (2 x Widget, 1 x Cable)"), taxed by the kit's tax
  class.

Components are plain products: a kit does not contain kits (the catalog refuses it), so
an expansion is always one level deep.

>>> from ordercore.catalog import Component, Kit
>>> Kit(sku="STARTER", components=[Component(sku="WID-1", quantity="2"),
...                                Component(sku="CABLE", quantity="1")])
Kit(sku='STARTER', components=[Component(sku='WID-1', quantity='2'), Component(sku='CABLE', quantity='1')])
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from ordercore._convert import to_tuple
from ordercore.catalog.price_books import to_quantity
from ordercore.catalog.products import to_sku
from ordercore.errors import InvalidKit, InvalidNumber

__all__ = ["Component", "Kit", "KitMode"]


class KitMode(enum.Enum):
    """How a kit sells: as its component lines, or as one line."""

    EXPAND = "expand"
    ONE_LINE = "one_line"

    def __repr__(self) -> str:
        return f"KitMode.{self.name}"


def _sku(value: object) -> str:
    return to_sku(value)


def _quantity(value: object) -> Decimal:
    number = to_quantity(value)
    if number <= 0:
        raise InvalidNumber(
            value, reason="a kit holds a positive quantity of each component", field="quantity"
        )
    return number


@attrs.frozen(kw_only=True, repr=False)
class Component:
    """``quantity`` units of the product ``sku`` in one kit."""

    sku: str = attrs.field(converter=_sku)
    quantity: Decimal = attrs.field(converter=_quantity)

    def __repr__(self) -> str:
        return f"Component(sku={self.sku!r}, quantity={str(self.quantity)!r})"


def _components(value: object) -> tuple[Component, ...]:
    return to_tuple(value, Component, "components")


@attrs.frozen(kw_only=True, repr=False)
class Kit:
    """The components of the kit product ``sku``, in the order they are listed."""

    sku: str = attrs.field(converter=_sku)
    components: tuple[Component, ...] = attrs.field(converter=_components)

    def __attrs_post_init__(self) -> None:
        skus = [component.sku for component in self.components]
        if not skus:
            raise InvalidKit(self.sku, reason="a kit has at least one component")
        if len(set(skus)) != len(skus):
            raise InvalidKit(
                self.sku, reason="a component is listed twice; give its total quantity once"
            )
        if self.sku in skus:
            raise InvalidKit(self.sku, reason="a kit cannot contain itself")

    def __repr__(self) -> str:
        return f"Kit(sku={self.sku!r}, components={list(self.components)!r})"
