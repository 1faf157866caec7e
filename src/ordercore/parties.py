"""Parties: the customers and suppliers a document is made out to, and their addresses.

A :class:`Party` is a customer, a supplier or both. It carries what a document needs to
know about it: a code (the customer or supplier number of the host), a name, the
currency it is invoiced in, its default payment term (by name: the host resolves the name
to a :class:`~ordercore.settlement.PaymentTerm` and passes the term when it issues), its
tax registrations and its billing and shipping addresses.

An :class:`Address` has up to three street lines, a postal code, a city, an optional
region (ISO 3166-2, such as ``US-CA``) and a country (ISO 3166-1 alpha-2, such as
``FR``): the parts EN 16931 asks for. Codes are checked for their form only; ordercore
ships no list of countries.

A :class:`TaxRegistration` is a scheme and a number: ``VAT`` ``DE123456789``. A VAT
number must have the EU form, a two-letter country prefix and 2 to 12 letters or
digits; whether the number is *valid* (VIES, check digits) is for the host to verify
before it records it. Tax rules (:mod:`ordercore.pricing.tax_rules`) look at the
schemes a customer is registered for, and at where the goods ship.

>>> from ordercore.parties import Address, Party, Role, TaxRegistration
>>> paris = Address(street_lines=["12 rue de la Paix"], postal_code="75002", city="Paris",
...                 country="FR")
>>> acme = Party(code="C-1001", name="Acme SARL", roles=[Role.CUSTOMER], currency="EUR",
...              billing_address=paris,
...              tax_registrations=[TaxRegistration(scheme="VAT", number="FR12345678901")])
>>> acme
Party(code='C-1001', name='Acme SARL')
>>> acme.ship_to
Address(city='Paris', country='FR')
>>> acme.registered_for("VAT")
True
"""

from __future__ import annotations

import enum
import re

import attrs
import moneyed

from ordercore._codes import country_code, identifier, region_code
from ordercore._convert import check_instance, to_text, to_tuple
from ordercore.errors import InvalidCode, InvalidType
from ordercore.money.currency import get_currency
from ordercore.settlement.terms import PaymentTerm

__all__ = ["Address", "Party", "Role", "TaxRegistration"]

#: An EU VAT number: a two-letter prefix (``EL`` for Greece, ``XI`` for Northern Ireland)
#: and 2 to 12 letters or digits, written without spaces.
_VAT_NUMBER = re.compile(r"[A-Z]{2}[0-9A-Z+*]{2,12}")
_MAX_STREET_LINES = 3


class Role(enum.Enum):
    """What a party is to the seller."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"

    def __repr__(self) -> str:
        return f"Role.{self.name}"


# -- addresses ------------------------------------------------------------------------------


def _street_lines(value: object) -> tuple[str, ...]:
    lines: tuple[str, ...] = to_tuple(value, str, "street_lines")
    if not 1 <= len(lines) <= _MAX_STREET_LINES:
        raise InvalidType(value, expected="1 to 3 street lines", field="street_lines")
    for index, line in enumerate(lines):
        to_text(line, f"street_lines[{index}]")
    return lines


def _postal_code(value: object) -> str | None:
    return None if value is None else identifier(value, "postal_code")


def _city(value: object) -> str:
    return to_text(value, "city")


def _country(value: object) -> str:
    return country_code(value, "country")


def _region(value: object) -> str | None:
    return None if value is None else region_code(value, "region")


@attrs.frozen(kw_only=True, repr=False)
class Address:
    """A postal address: 1 to 3 street lines, postal code, city, region and country.

    ``postal_code`` may be ``None`` (not every country has them); ``region`` is an
    ISO 3166-2 code of the same country, or ``None``.
    """

    street_lines: tuple[str, ...] = attrs.field(converter=_street_lines)
    postal_code: str | None = attrs.field(converter=_postal_code)
    city: str = attrs.field(converter=_city)
    country: str = attrs.field(converter=_country)
    region: str | None = attrs.field(default=None, converter=_region)

    def __attrs_post_init__(self) -> None:
        if self.region is not None and not self.region.startswith(f"{self.country}-"):
            raise InvalidCode(
                self.region,
                expected=f"a region of {self.country}, such as '{self.country}-...'",
                field="region",
            )

    def __repr__(self) -> str:
        return f"Address(city={self.city!r}, country={self.country!r})"


# -- tax registrations ----------------------------------------------------------------------


def _scheme(value: object) -> str:
    return identifier(value, "scheme")


def _number(value: object) -> str:
    return identifier(value, "number")


@attrs.frozen(kw_only=True, repr=False)
class TaxRegistration:
    """A tax registration: a scheme (``"VAT"``, ``"GST"``, ...) and the number in it."""

    scheme: str = attrs.field(converter=_scheme)
    number: str = attrs.field(converter=_number)

    def __attrs_post_init__(self) -> None:
        if " " in self.number:
            raise InvalidCode(
                self.number, expected="a number written without spaces", field="number"
            )
        if self.scheme == "VAT" and not _VAT_NUMBER.fullmatch(self.number):
            raise InvalidCode(
                self.number,
                expected="a VAT number: a two-letter country prefix and 2 to 12 capital letters "
                "or digits, such as 'DE123456789'",
                field="number",
            )

    def __repr__(self) -> str:
        return f"TaxRegistration(scheme={self.scheme!r}, number={self.number!r})"


# -- parties --------------------------------------------------------------------------------


def _code(value: object) -> str:
    return identifier(value, "code")


def _name(value: object) -> str:
    return to_text(value, "name")


def _roles(value: object) -> tuple[Role, ...]:
    roles: tuple[Role, ...] = to_tuple(value, Role, "roles")
    if not roles or len(set(roles)) != len(roles):
        raise InvalidType(value, expected="one or both roles, each once", field="roles")
    return roles


def _address(value: object) -> Address:
    return check_instance(value, Address, "billing_address")


def _optional_address(value: object) -> Address | None:
    return None if value is None else check_instance(value, Address, "shipping_address")


def _registrations(value: object) -> tuple[TaxRegistration, ...]:
    registrations: tuple[TaxRegistration, ...] = to_tuple(
        value, TaxRegistration, "tax_registrations"
    )
    if len(set(registrations)) != len(registrations):
        raise InvalidType(value, expected="each registration once", field="tax_registrations")
    return registrations


def _payment_term(value: object) -> PaymentTerm | None:
    if value is None:
        return None
    return check_instance(value, PaymentTerm, "payment_term")


@attrs.frozen(kw_only=True, repr=False)
class Party:
    """A customer or supplier (or both).

    ``currency`` is the currency it is invoiced in; ``payment_term`` is its default
    :class:`~ordercore.settlement.PaymentTerm` (issue its invoices with it);
    ``shipping_address`` is ``None`` when goods go to the billing address
    (see :attr:`ship_to`).
    """

    code: str = attrs.field(converter=_code)
    name: str = attrs.field(converter=_name)
    roles: tuple[Role, ...] = attrs.field(converter=_roles)
    currency: moneyed.Currency = attrs.field(converter=get_currency)
    billing_address: Address = attrs.field(converter=_address)
    shipping_address: Address | None = attrs.field(default=None, converter=_optional_address)
    tax_registrations: tuple[TaxRegistration, ...] = attrs.field(
        default=(), converter=_registrations
    )
    payment_term: PaymentTerm | None = attrs.field(default=None, converter=_payment_term)

    @property
    def ship_to(self) -> Address:
        """Where goods go: the shipping address, or else the billing address."""
        return self.shipping_address or self.billing_address

    @property
    def is_customer(self) -> bool:
        """Whether the party buys from the seller."""
        return Role.CUSTOMER in self.roles

    @property
    def is_supplier(self) -> bool:
        """Whether the party sells to the seller."""
        return Role.SUPPLIER in self.roles

    def registered_for(self, scheme: str) -> bool:
        """Whether the party has a registration in ``scheme`` (such as ``"VAT"``)."""
        return any(registration.scheme == scheme for registration in self.tax_registrations)

    def registration(self, scheme: str) -> TaxRegistration | None:
        """The party's first registration in ``scheme``, or ``None``."""
        return next((r for r in self.tax_registrations if r.scheme == scheme), None)

    def __repr__(self) -> str:
        return f"Party(code={self.code!r}, name={self.name!r})"
