"""Tax rules: which taxes a sale bears, like an ERP's fiscal positions.

A product does not know its tax rate, only its *tax class* (``"standard"``,
``"reduced"``, ``"exempt-medical"``). Which taxes apply depends on the class, on the
customer (is it registered for VAT?) and on where the goods go (the ship-to country or
region). A :class:`TaxTable` is a list of :class:`TaxRule` s, each saying "for this
class, this customer and this place: these taxes"; any of the three may be left open
(``None``) to match everything.

The most specific matching rule wins. Rules are compared on three things, in this order:

======  =====================================================  ====================
order   what                                                    more specific first
======  =====================================================  ====================
1       where the goods ship (``where``)                        region (``"ES-CN"``),
                                                                country (``"FR"``),
                                                                zone (:class:`TaxZone`),
                                                                anywhere (``None``)
2       the customer's registration (``registered_for``)        a scheme, then anyone
3       the product's tax class (``tax_class``)                 named, then any
======  =====================================================  ====================

This is the order of a fiscal position: where the goods go and who buys them choose the
position (domestic, intra-EU business, intra-EU consumer, export), and within it the
product's tax class chooses the rate. A rule for intra-EU businesses
(``where=EU, registered_for="VAT"``) therefore beats the rates for EU consumers
(``where=EU, tax_class="standard"``) without naming every class.

The answer never depends on the order the rules are written in: a table in which two
equally specific rules could match the same sale is refused when it is made
(:class:`~ordercore.errors.ConflictingTaxRules`), and a sale no rule matches raises
:class:`~ordercore.errors.NoTaxRule`.

A host that computes taxes elsewhere (an external tax service) implements
:class:`TaxEngine`, the one method a :class:`TaxTable` also has. The engine sees the
product, the party and the ship-to place through small structural protocols, so
pricing does not depend on the catalog or on parties: any object with the right
attributes will do.

>>> from ordercore.pricing import Tax
>>> from ordercore.pricing.tax_rules import TaxRule, TaxTable, TaxZone
>>> EU = TaxZone(name="EU", countries=["AT", "BE", "DE", "ES", "FR", "IT", "NL"])
>>> table = TaxTable(rules=[
...     TaxRule(tax_class="standard", where="FR", taxes=[Tax.percent("VAT", "20")]),
...     TaxRule(tax_class="reduced", where="FR", taxes=[Tax.percent("VAT", "5.5")]),
...     TaxRule(where=EU, registered_for="VAT", taxes=[Tax.reverse_charge("VAT")]),
...     TaxRule(taxes=[Tax.zero_rated("VAT", code="G", reason="Export outside the EU")]),
... ])
>>> table
TaxTable(rules=4)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import attrs

from ordercore._codes import country_code, identifier, region_code
from ordercore._convert import to_tuple
from ordercore.errors import ConflictingTaxRules, InvalidCode, InvalidType, NoTaxRule
from ordercore.pricing.taxes import Tax

__all__ = [
    "Place",
    "TaxEngine",
    "TaxIdentity",
    "TaxRule",
    "TaxTable",
    "TaxZone",
    "TaxedParty",
    "TaxedProduct",
]


# -- what a tax engine sees -----------------------------------------------------------------


@runtime_checkable
class TaxedProduct(Protocol):
    """What a tax engine needs of a product (``ordercore.catalog.Product`` has it)."""

    @property
    def sku(self) -> str:
        """The product's SKU."""
        ...

    @property
    def tax_class(self) -> str:
        """The product's tax class, such as ``"standard"``."""
        ...


class TaxIdentity(Protocol):
    """A tax registration: a scheme (``"VAT"``, ``"GST"``) and a number in it."""

    @property
    def scheme(self) -> str:
        """The scheme, such as ``"VAT"``."""
        ...

    @property
    def number(self) -> str:
        """The registration number, such as ``"DE123456789"``."""
        ...


@runtime_checkable
class TaxedParty(Protocol):
    """What a tax engine needs of a customer (``ordercore.parties.Party`` has it)."""

    @property
    def tax_registrations(self) -> Sequence[TaxIdentity]:
        """The customer's tax registrations (none for a consumer)."""
        ...


@runtime_checkable
class Place(Protocol):
    """Where goods go (``ordercore.parties.Address`` has it)."""

    @property
    def country(self) -> str:
        """An ISO 3166-1 alpha-2 country code."""
        ...

    @property
    def region(self) -> str | None:
        """An ISO 3166-2 subdivision code, or ``None``."""
        ...


@runtime_checkable
class TaxEngine(Protocol):
    """Anything that says which taxes apply to a product sold to a party, shipped to a place.

    :class:`TaxTable` is one; a host can plug in its own (an external tax service), and
    the line builder (:func:`ordercore.catalog.build_line`) takes either.
    """

    def taxes_for(
        self, product: TaxedProduct, party: TaxedParty, ship_to: Place
    ) -> tuple[Tax, ...]:
        """The taxes of one line, in the order they apply."""
        ...


# -- zones and rules ------------------------------------------------------------------------


def _zone_name(value: object) -> str:
    return identifier(value, "zone name")


def _countries(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple | frozenset | set):
        raise InvalidType(value, expected="a list or tuple of country codes", field="countries")
    codes = tuple(country_code(code, "countries") for code in value)
    if not codes:
        raise InvalidCode(value, expected="at least one country code", field="countries")
    if len(set(codes)) != len(codes):
        raise InvalidCode(value, expected="each country once", field="countries")
    return tuple(sorted(codes))


@attrs.frozen(kw_only=True, repr=False)
class TaxZone:
    """A named group of countries, such as the EU member states, that rules can name at once.

    ordercore ships no list of countries: membership changes, and the host states it.
    """

    name: str = attrs.field(converter=_zone_name)
    countries: tuple[str, ...] = attrs.field(converter=_countries)

    def __contains__(self, country: object) -> bool:
        return country in self.countries

    def __repr__(self) -> str:
        return f"TaxZone(name={self.name!r}, countries={len(self.countries)})"


def _where(value: object) -> str | TaxZone | None:
    if value is None or isinstance(value, TaxZone):
        return value
    if isinstance(value, str) and len(value) == 2:
        return country_code(value, "where")
    return region_code(value, "where")


def _tax_class(value: object) -> str | None:
    return None if value is None else identifier(value, "tax_class")


def _registered_for(value: object) -> str | None:
    return None if value is None else identifier(value, "registered_for")


def _taxes(value: object) -> tuple[Tax, ...]:
    return to_tuple(value, Tax, "taxes")


@attrs.frozen(kw_only=True, repr=False)
class TaxRule:
    """One rule: the taxes of products of a class, shipped to a place, sold to some customers.

    For products of ``tax_class``, shipped to ``where``, sold to customers registered for
    ``registered_for``: the ``taxes``, in the order they apply. ``where`` is an ISO 3166-1
    country (``"FR"``), an ISO 3166-2 region (``"US-CA"``), a :class:`TaxZone`, or ``None``
    for anywhere. ``tax_class`` and ``registered_for`` (a scheme such as ``"VAT"``) are
    ``None`` to match any. ``taxes`` may be empty: no tax is due.
    """

    taxes: tuple[Tax, ...] = attrs.field(converter=_taxes)
    tax_class: str | None = attrs.field(default=None, converter=_tax_class)
    where: str | TaxZone | None = attrs.field(default=None, converter=_where)
    registered_for: str | None = attrs.field(default=None, converter=_registered_for)

    @property
    def specificity(self) -> tuple[int, int, int]:
        """How specific the rule is: greater wins (place, then registration, then tax class)."""
        if self.where is None:
            place = 0
        elif isinstance(self.where, TaxZone):
            place = 1
        else:
            place = 2 if len(self.where) == 2 else 3
        return (place, self.registered_for is not None, self.tax_class is not None)

    def matches(self, tax_class: str, place: Place, schemes: frozenset[str]) -> bool:
        """Whether the rule applies to a sale.

        The sale is of a product of ``tax_class``, shipped to ``place``, to a customer
        registered for ``schemes``.
        """
        return (
            (self.tax_class is None or self.tax_class == tax_class)
            and (self.registered_for is None or self.registered_for in schemes)
            and self._covers(place)
        )

    def _covers(self, place: Place) -> bool:
        where = self.where
        if where is None:
            return True
        if isinstance(where, TaxZone):
            return place.country in where
        return where == (place.country if len(where) == 2 else place.region)

    def overlaps(self, other: TaxRule) -> bool:
        """Whether the two rules are equally specific and some sale matches both."""
        if self.specificity != other.specificity:
            return False
        if self.tax_class != other.tax_class or self.registered_for != other.registered_for:
            return False
        if isinstance(self.where, TaxZone) and isinstance(other.where, TaxZone):
            return not set(self.where.countries).isdisjoint(other.where.countries)
        return self.where == other.where

    def __repr__(self) -> str:
        fields = [
            f"{name}={value!r}"
            for name, value in (
                ("tax_class", self.tax_class),
                ("where", self.where),
                ("registered_for", self.registered_for),
            )
            if value is not None
        ]
        taxes = ", ".join(repr(tax) for tax in self.taxes)
        return f"TaxRule({', '.join([*fields, f'taxes=[{taxes}]'])})"


def _tax_class_of(product: object) -> str:
    """The tax class of what a tax engine is asked about: a :class:`TaxedProduct`."""
    if not isinstance(product, TaxedProduct) or not isinstance(product.tax_class, str):
        raise InvalidType(
            product,
            expected="a product with a sku and a tax_class string (such as a catalog Product)",
            field="product",
        )
    return product.tax_class


def _schemes_of(party: object) -> frozenset[str]:
    """The schemes the customer is registered for: a :class:`TaxedParty`."""
    expected = "a party whose tax_registrations each have a scheme string (such as a Party)"
    if not isinstance(party, TaxedParty):
        raise InvalidType(party, expected=expected, field="party")
    registrations = party.tax_registrations
    if isinstance(registrations, str) or not isinstance(registrations, Sequence):
        raise InvalidType(party, expected=expected, field="party")
    schemes = [getattr(registration, "scheme", None) for registration in registrations]
    if not all(isinstance(scheme, str) for scheme in schemes):
        raise InvalidType(party, expected=expected, field="party")
    return frozenset(str(scheme) for scheme in schemes)


def _place(ship_to: object) -> Place:
    """Where the goods go: a :class:`Place`."""
    if (
        not isinstance(ship_to, Place)
        or not isinstance(ship_to.country, str)
        or not isinstance(ship_to.region, str | None)
    ):
        raise InvalidType(
            ship_to,
            expected="a place with a country code and a region code or None (such as an Address)",
            field="ship_to",
        )
    return ship_to


def _rules(value: object) -> tuple[TaxRule, ...]:
    return to_tuple(value, TaxRule, "rules")


@attrs.frozen(kw_only=True, repr=False)
class TaxTable:
    """A table of :class:`TaxRule` s; the most specific matching rule gives a line's taxes.

    It implements :class:`TaxEngine`.
    """

    rules: tuple[TaxRule, ...] = attrs.field(converter=_rules)

    def __attrs_post_init__(self) -> None:
        for index, rule in enumerate(self.rules):
            for other in self.rules[index + 1 :]:
                if rule.overlaps(other):
                    raise ConflictingTaxRules(rule, other)

    def rule_for(self, product: TaxedProduct, party: TaxedParty, ship_to: Place) -> TaxRule:
        """The rule that applies: the most specific one that matches.

        ``product``, ``party`` and ``ship_to`` are checked first: anything without the
        attributes of :class:`TaxedProduct`, :class:`TaxedParty` and :class:`Place`, of
        their types, is refused with :class:`~ordercore.errors.InvalidType`.
        """
        tax_class = _tax_class_of(product)
        schemes = _schemes_of(party)
        place = _place(ship_to)
        matching = [rule for rule in self.rules if rule.matches(tax_class, place, schemes)]
        if not matching:
            raise NoTaxRule(tax_class, country=place.country, region=place.region)
        # Unique: equally specific rules that could both match were refused in __init__.
        return max(matching, key=lambda rule: rule.specificity)

    def taxes_for(
        self, product: TaxedProduct, party: TaxedParty, ship_to: Place
    ) -> tuple[Tax, ...]:
        """The taxes of the rule that applies (see :meth:`rule_for`)."""
        return self.rule_for(product, party, ship_to).taxes

    def __repr__(self) -> str:
        return f"TaxTable(rules={len(self.rules)})"
