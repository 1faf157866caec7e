"""Parties, addresses and tax registrations."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import InvalidType, OrdercoreError, PaymentTerm, UnknownCurrency
from ordercore.errors import InvalidCode
from ordercore.parties import Address, Party, Role, TaxRegistration
from ordercore.pricing.tax_rules import Place, TaxedParty

PARIS = Address(street_lines=["12 rue de la Paix"], postal_code="75002", city="Paris", country="FR")
LYON = Address(
    street_lines=["Entrepot 4", "ZI Nord"], postal_code="69007", city="Lyon", country="FR"
)
VAT_FR = TaxRegistration(scheme="VAT", number="FR12345678901")


def party(**fields: object) -> Party:
    values: dict[str, object] = {
        "code": "C-1001",
        "name": "Acme SARL",
        "roles": [Role.CUSTOMER],
        "currency": "EUR",
        "billing_address": PARIS,
    }
    values.update(fields)
    return Party(**values)  # type: ignore[arg-type]


def test_an_address_has_the_parts_en_16931_asks_for() -> None:
    address = Address(
        street_lines=["1 Infinite Loop"],
        postal_code="95014",
        city="Cupertino",
        country="US",
        region="US-CA",
    )
    assert (address.country, address.region, address.city) == ("US", "US-CA", "Cupertino")
    assert repr(address) == "Address(city='Cupertino', country='US')"
    assert Address(street_lines=("Main Street",), postal_code=None, city="Dublin", country="IE")


def test_a_party_ships_to_its_shipping_address_or_else_its_billing_address() -> None:
    assert party().ship_to is PARIS
    assert party(shipping_address=LYON).ship_to is LYON


def test_a_party_knows_its_roles_and_registrations() -> None:
    acme = party(tax_registrations=[VAT_FR], payment_term=PaymentTerm.net(30))
    assert acme.is_customer
    assert not acme.is_supplier
    assert party(roles=[Role.CUSTOMER, Role.SUPPLIER]).is_supplier
    assert acme.registered_for("VAT")
    assert not acme.registered_for("GST")
    assert acme.registration("VAT") == VAT_FR
    assert acme.registration("GST") is None
    assert acme.currency.code == "EUR"
    assert acme.payment_term == PaymentTerm.net(30)
    assert repr(acme) == "Party(code='C-1001', name='Acme SARL')"
    assert repr(VAT_FR) == "TaxRegistration(scheme='VAT', number='FR12345678901')"
    assert repr(Role.SUPPLIER) == "Role.SUPPLIER"


def test_parties_are_frozen_hashable_values() -> None:
    assert party() == party()
    assert hash(party(tax_registrations=[VAT_FR])) == hash(party(tax_registrations=(VAT_FR,)))
    with pytest.raises(AttributeError):
        party().name = "Other"  # type: ignore[misc]


def test_parties_and_addresses_are_what_tax_engines_see() -> None:
    customer: TaxedParty = party(tax_registrations=[VAT_FR])
    place: Place = LYON
    assert customer.tax_registrations[0].scheme == "VAT"
    assert (place.country, place.region) == ("FR", None)


@pytest.mark.parametrize(
    "number", ["DE123456789", "EL123456789", "XI123456789", "ATU12345678", "FR1A345678901"]
)
def test_vat_numbers_of_the_eu_form_are_accepted(number: str) -> None:
    assert TaxRegistration(scheme="VAT", number=number).number == number


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"street_lines": "12 rue de la Paix"}, InvalidType),
        ({"street_lines": []}, InvalidType),
        ({"street_lines": ["a", "b", "c", "d"]}, InvalidType),
        ({"street_lines": [""]}, InvalidType),
        ({"street_lines": [12]}, InvalidType),
        ({"postal_code": ""}, InvalidCode),
        ({"postal_code": 75002}, InvalidType),
        ({"city": ""}, InvalidType),
        ({"city": None}, InvalidType),
        ({"country": "fr"}, InvalidCode),
        ({"country": "FRA"}, InvalidCode),
        ({"country": "F1"}, InvalidCode),
        ({"country": None}, InvalidType),
        ({"region": "CA"}, InvalidCode),
        ({"region": "US-CA"}, InvalidCode),  # not a region of France
        ({"region": "FR-"}, InvalidCode),
    ],
)
def test_an_address_refuses_bad_parts(fields: dict[str, object], error: type[Exception]) -> None:
    values: dict[str, object] = {
        "street_lines": ["12 rue de la Paix"],
        "postal_code": "75002",
        "city": "Paris",
        "country": "FR",
    }
    values.update(fields)
    with pytest.raises(error) as raised:
        Address(**values)  # type: ignore[arg-type]
    assert isinstance(raised.value, OrdercoreError)


@pytest.mark.parametrize(
    ("scheme", "number", "error"),
    [
        ("VAT", "DE 123456789", InvalidCode),
        ("VAT", "de123456789", InvalidCode),
        ("VAT", "123456789", InvalidCode),
        ("VAT", "DE1", InvalidCode),
        ("VAT", "DE1234567890123", InvalidCode),
        ("VAT", "", InvalidCode),
        ("VAT", 123456789, InvalidType),
        ("GST", "12 345 678 901", InvalidCode),
        ("", "123", InvalidCode),
        (None, "123", InvalidType),
    ],
)
def test_a_tax_registration_refuses_a_malformed_number(
    scheme: object, number: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        TaxRegistration(scheme=scheme, number=number)  # type: ignore[arg-type]
    assert isinstance(raised.value, OrdercoreError)


def test_other_schemes_take_any_number_without_spaces() -> None:
    assert TaxRegistration(scheme="GST", number="12345678901").scheme == "GST"
    assert TaxRegistration(scheme="US-EIN", number="12-3456789").number == "12-3456789"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"code": ""}, InvalidCode),
        ({"code": None}, InvalidType),
        ({"name": ""}, InvalidType),
        ({"roles": []}, InvalidType),
        ({"roles": Role.CUSTOMER}, InvalidType),
        ({"roles": ["customer"]}, InvalidType),
        ({"roles": [Role.CUSTOMER, Role.CUSTOMER]}, InvalidType),
        ({"currency": "EURO"}, UnknownCurrency),
        ({"billing_address": "12 rue de la Paix, Paris"}, InvalidType),
        ({"billing_address": None}, InvalidType),
        ({"shipping_address": {"city": "Lyon"}}, InvalidType),
        ({"tax_registrations": VAT_FR}, InvalidType),
        ({"tax_registrations": ["FR12345678901"]}, InvalidType),
        ({"tax_registrations": [VAT_FR, VAT_FR]}, InvalidType),
        ({"payment_term": "30 days net"}, InvalidType),
        ({"payment_term": 30}, InvalidType),
    ],
)
def test_a_party_refuses_bad_fields(fields: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        party(**fields)
    assert isinstance(raised.value, OrdercoreError)


@given(st.text(max_size=6))
def test_only_two_capital_letters_make_a_country(text: str) -> None:
    valid = len(text) == 2 and all("A" <= char <= "Z" for char in text)
    try:
        address = Address(street_lines=["x"], postal_code=None, city="x", country=text)
    except InvalidCode:
        assert not valid
    else:
        assert valid
        assert address.country == text
