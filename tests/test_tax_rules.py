"""Tax rules: the most specific rule gives a line's taxes, whatever order rules are written in."""

from collections.abc import Sequence

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ordercore import InvalidType, OrdercoreError, Tax
from ordercore.errors import ConflictingTaxRules, InvalidCode, NoTaxRule
from ordercore.pricing.tax_rules import TaxEngine, TaxRule, TaxTable, TaxZone

# The engine sees products, parties and places through protocols: these small stand-ins
# are enough (the catalog's Product and the parties' Party and Address are others).


@attrs.frozen
class Item:
    tax_class: str
    sku: str = "SKU"


@attrs.frozen
class Registration:
    scheme: str
    number: str


@attrs.frozen
class Customer:
    tax_registrations: Sequence[Registration] = ()


@attrs.frozen
class Place:
    country: str
    region: str | None = None


CONSUMER = Customer()
BUSINESS = Customer(tax_registrations=(Registration("VAT", "DE123456789"),))

EU_MEMBERS = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU = TaxZone(name="EU", countries=EU_MEMBERS.split(" "))
VAT20 = Tax.percent("VAT", "20")
VAT5_5 = Tax.percent("VAT", "5.5")
REVERSE = Tax.reverse_charge("VAT", reason="Reverse charge (Article 196, Directive 2006/112/EC)")
EXPORT = Tax.zero_rated("VAT", code="G", reason="Export outside the EU")
EXEMPT = Tax.exempt("VAT", reason="Article 132(1)(e), Directive 2006/112/EC")

# A French seller.
FRENCH_SELLER = TaxTable(
    rules=[
        TaxRule(tax_class="standard", where="FR", taxes=[VAT20]),
        TaxRule(tax_class="reduced", where="FR", taxes=[VAT5_5]),
        TaxRule(tax_class="exempt-medical", taxes=[EXEMPT]),
        TaxRule(where=EU, registered_for="VAT", taxes=[REVERSE]),
        TaxRule(
            tax_class="standard", where=EU, taxes=[VAT20]
        ),  # B2C distance sales below the OSS threshold
        TaxRule(tax_class="reduced", where=EU, taxes=[VAT5_5]),
        TaxRule(taxes=[EXPORT]),
    ]
)


@pytest.mark.parametrize(
    ("tax_class", "customer", "place", "taxes"),
    [
        ("standard", CONSUMER, Place("FR"), (VAT20,)),  # domestic B2C
        ("reduced", CONSUMER, Place("FR"), (VAT5_5,)),
        ("standard", BUSINESS, Place("FR"), (VAT20,)),  # domestic B2B: the country beats the zone
        ("standard", BUSINESS, Place("DE"), (REVERSE,)),  # intra-EU B2B with a VAT id
        ("reduced", BUSINESS, Place("IT"), (REVERSE,)),
        ("standard", CONSUMER, Place("DE"), (VAT20,)),  # intra-EU B2C
        ("standard", CONSUMER, Place("US", "US-CA"), (EXPORT,)),  # export
        ("standard", BUSINESS, Place("CH"), (EXPORT,)),
        ("exempt-medical", CONSUMER, Place("US"), (EXEMPT,)),
        ("exempt-medical", CONSUMER, Place("FR"), (EXEMPT,)),
        ("exempt-medical", BUSINESS, Place("DE"), (REVERSE,)),  # the zone beats anywhere
    ],
)
def test_the_most_specific_rule_wins(
    tax_class: str, customer: Customer, place: Place, taxes: tuple[Tax, ...]
) -> None:
    assert FRENCH_SELLER.taxes_for(Item(tax_class), customer, place) == taxes


def test_a_region_beats_its_country() -> None:
    table = TaxTable(
        rules=[
            TaxRule(where="ES", taxes=[Tax.percent("VAT", "21")]),
            TaxRule(where="ES-CN", taxes=[Tax.percent("IGIC", "7", code="L")]),
        ]
    )
    assert table.taxes_for(Item("standard"), CONSUMER, Place("ES", "ES-CN"))[0].name == "IGIC"
    assert table.taxes_for(Item("standard"), CONSUMER, Place("ES", "ES-MD"))[0].name == "VAT"
    assert table.taxes_for(Item("standard"), CONSUMER, Place("ES"))[0].name == "VAT"


def test_the_registration_beats_the_tax_class_at_the_same_place() -> None:
    table = TaxTable(
        rules=[
            TaxRule(where="DE", registered_for="VAT", taxes=[REVERSE]),
            TaxRule(where="DE", tax_class="exempt-medical", taxes=[EXEMPT]),
            TaxRule(where="DE", taxes=[VAT20]),
        ]
    )
    assert table.taxes_for(Item("exempt-medical"), BUSINESS, Place("DE")) == (REVERSE,)
    assert table.taxes_for(Item("exempt-medical"), CONSUMER, Place("DE")) == (EXEMPT,)
    assert table.taxes_for(Item("standard"), CONSUMER, Place("DE")) == (VAT20,)
    both = TaxRule(where="DE", registered_for="VAT", tax_class="exempt-medical", taxes=[EXEMPT])
    table = TaxTable(rules=[*table.rules, both])
    assert table.taxes_for(Item("exempt-medical"), BUSINESS, Place("DE")) == (EXEMPT,)


def test_rule_for_names_the_rule_and_a_rule_may_levy_no_tax() -> None:
    oregon = TaxRule(where="US-OR", taxes=[])
    table = TaxTable(rules=[oregon])
    assert table.rule_for(Item("standard"), CONSUMER, Place("US", "US-OR")) is oregon
    assert table.taxes_for(Item("standard"), CONSUMER, Place("US", "US-OR")) == ()


def test_a_sale_no_rule_matches_is_an_error_that_says_what_to_add() -> None:
    table = TaxTable(rules=[TaxRule(tax_class="standard", where="FR", taxes=[VAT20])])
    with pytest.raises(NoTaxRule) as raised:
        table.taxes_for(Item("reduced"), CONSUMER, Place("FR"))
    assert (raised.value.tax_class, raised.value.country, raised.value.region) == (
        "reduced",
        "FR",
        None,
    )
    assert isinstance(raised.value, LookupError)
    with pytest.raises(NoTaxRule) as raised:
        table.taxes_for(Item("standard"), CONSUMER, Place("US", "US-CA"))
    assert (raised.value.country, raised.value.region) == ("US", "US-CA")


def test_equally_specific_rules_that_can_meet_are_refused() -> None:
    with pytest.raises(ConflictingTaxRules) as raised:
        TaxTable(rules=[TaxRule(where="FR", taxes=[VAT20]), TaxRule(where="FR", taxes=[VAT5_5])])
    assert isinstance(raised.value, ValueError)
    assert raised.value.first == TaxRule(where="FR", taxes=[VAT20])
    benelux = TaxZone(name="Benelux", countries=["BE", "NL", "LU"])
    with pytest.raises(ConflictingTaxRules):
        TaxTable(rules=[TaxRule(where=EU, taxes=[VAT20]), TaxRule(where=benelux, taxes=[VAT5_5])])
    with pytest.raises(ConflictingTaxRules):
        TaxTable(rules=[TaxRule(taxes=[VAT20]), TaxRule(taxes=[EXPORT])])
    # Rules that cannot meet, or are not equally specific, live together.
    nordics = TaxZone(name="Nordics", countries=["DK", "NO", "SE"])
    TaxTable(
        rules=[
            TaxRule(where=benelux, taxes=[VAT20]),
            TaxRule(where=TaxZone(name="Iberia", countries=["ES", "PT"]), taxes=[VAT5_5]),
            TaxRule(where=nordics, registered_for="VAT", taxes=[REVERSE]),
            TaxRule(where=nordics, taxes=[VAT20]),
            TaxRule(where="FR", tax_class="reduced", taxes=[VAT5_5]),
            TaxRule(where="FR", tax_class="standard", taxes=[VAT20]),
        ]
    )


def test_rules_zones_and_tables_print_like_their_constructors() -> None:
    assert repr(TaxRule(tax_class="standard", where="FR", taxes=[VAT20])) == (
        "TaxRule(tax_class='standard', where='FR', taxes=[Tax.percent('VAT', '20', code='S')])"
    )
    assert repr(TaxRule(taxes=[])) == "TaxRule(taxes=[])"
    assert repr(EU) == "TaxZone(name='EU', countries=27)"
    assert repr(FRENCH_SELLER) == "TaxTable(rules=7)"
    assert "DE" in EU
    assert "CH" not in EU


def test_a_zone_keeps_its_countries_sorted_so_equal_zones_are_equal() -> None:
    assert TaxZone(name="Z", countries=["NL", "BE"]) == TaxZone(name="Z", countries=("BE", "NL"))


def test_a_tax_table_is_a_tax_engine() -> None:
    engine: TaxEngine = FRENCH_SELLER
    assert engine.taxes_for(Item("standard"), CONSUMER, Place("FR")) == (VAT20,)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: TaxRule(where="fr", taxes=[VAT20]), InvalidCode),
        (lambda: TaxRule(where="France", taxes=[VAT20]), InvalidCode),
        (lambda: TaxRule(where="US_CA", taxes=[VAT20]), InvalidCode),
        (lambda: TaxRule(where=33, taxes=[VAT20]), InvalidType),
        (lambda: TaxRule(tax_class="", taxes=[VAT20]), InvalidCode),
        (lambda: TaxRule(tax_class=1, taxes=[VAT20]), InvalidType),
        (lambda: TaxRule(registered_for=" VAT", taxes=[VAT20]), InvalidCode),
        (lambda: TaxRule(taxes=VAT20), InvalidType),
        (lambda: TaxRule(taxes=["VAT 20"]), InvalidType),
        (lambda: TaxZone(name="EU", countries="FR"), InvalidType),
        (lambda: TaxZone(name="EU", countries=[]), InvalidCode),
        (lambda: TaxZone(name="EU", countries=["FR", "FR"]), InvalidCode),
        (lambda: TaxZone(name="EU", countries=["fr"]), InvalidCode),
        (lambda: TaxZone(name="", countries=["FR"]), InvalidCode),
        (lambda: TaxTable(rules=TaxRule(taxes=[VAT20])), InvalidType),
        (lambda: TaxTable(rules=[{"taxes": [VAT20]}]), InvalidType),
    ],
)
def test_tax_rules_refuse_bad_input_with_ordercore_errors(
    make: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        make()  # type: ignore[operator]
    assert isinstance(raised.value, OrdercoreError)


# -- properties ---------------------------------------------------------------------------------

ZONES = (
    TaxZone(name="West", countries=["FR", "ES", "PT"]),
    TaxZone(name="North", countries=["DK", "SE"]),
)
PLACES = (
    Place("FR"),
    Place("FR", "FR-75C"),
    Place("ES", "ES-CN"),
    Place("SE"),
    Place("US", "US-CA"),
    Place("CH"),
)
rules = st.builds(
    lambda tax_class, where, registered_for, rate: TaxRule(
        tax_class=tax_class,
        where=where,
        registered_for=registered_for,
        taxes=[Tax.percent("VAT", str(rate))],
    ),
    st.sampled_from([None, "standard", "reduced"]),
    st.sampled_from([None, *ZONES, "FR", "SE", "US", "FR-75C", "ES-CN", "US-CA"]),
    st.sampled_from([None, "VAT"]),
    st.integers(0, 30),
)


@given(
    st.lists(rules, max_size=12),
    st.randoms(use_true_random=False),
    st.sampled_from(["standard", "reduced", "other"]),
    st.sampled_from([CONSUMER, BUSINESS]),
    st.sampled_from(PLACES),
)
def test_the_winner_is_the_most_specific_match_whatever_the_order(
    written: list[TaxRule], random: object, tax_class: str, customer: Customer, place: Place
) -> None:
    try:
        table = TaxTable(rules=written)
    except ConflictingTaxRules:
        assume(False)
        raise
    shuffled = list(written)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    schemes = frozenset(r.scheme for r in customer.tax_registrations)
    matching = [rule for rule in written if rule.matches(tax_class, place, schemes)]
    if not matching:
        with pytest.raises(NoTaxRule):
            table.rule_for(Item(tax_class), customer, place)
        return
    winner = table.rule_for(Item(tax_class), customer, place)
    assert winner == TaxTable(rules=shuffled).rule_for(Item(tax_class), customer, place)
    assert all(rule.specificity < winner.specificity for rule in matching if rule is not winner)


@pytest.mark.parametrize(
    ("product", "party", "place", "field"),
    [
        (None, CONSUMER, Place("FR"), "product"),
        ("standard", CONSUMER, Place("FR"), "product"),
        (Item(tax_class=None), CONSUMER, Place("FR"), "product"),  # type: ignore[arg-type]
        (Item("standard"), None, Place("FR"), "party"),
        (Item("standard"), Customer(tax_registrations=None), Place("FR"), "party"),  # type: ignore[arg-type]
        (Item("standard"), Customer(tax_registrations=("VAT",)), Place("FR"), "party"),  # type: ignore[arg-type]
        (Item("standard"), CONSUMER, None, "ship_to"),
        (Item("standard"), CONSUMER, "FR", "ship_to"),
        (Item("standard"), CONSUMER, Place(None), "ship_to"),  # type: ignore[arg-type]
        (Item("standard"), CONSUMER, Place("FR", region=75), "ship_to"),  # type: ignore[arg-type]
    ],
)
def test_what_the_engine_is_asked_about_is_checked_first(
    product: object, party: object, place: object, field: str
) -> None:
    for ask in (FRENCH_SELLER.taxes_for, FRENCH_SELLER.rule_for):
        with pytest.raises(InvalidType) as raised:
            ask(product, party, place)  # type: ignore[arg-type]
        assert raised.value.field == field
