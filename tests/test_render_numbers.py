"""Localized numbers in rendered documents: ordercore's digits, babel's (CLDR's) symbols.

The expectations are computed with babel in the test, never written out, so that a new
CLDR release (which changes separators from time to time) cannot break these tests.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.localedata import locale_identifiers
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from hypothesis import assume, given
from hypothesis import strategies as st

from ordercore import Document, Line, Money, Tax, price
from ordercore.pricing.render import _Numbers

LOCALES = sorted(locale_identifiers())
numbers = st.decimals(
    min_value=Decimal("-999999999999999"),
    max_value=Decimal("999999999999999"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)


def babel_formats(value: Decimal, places: int, locale: str) -> str:
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return str(format_decimal(value, format=pattern, locale=locale, decimal_quantization=False))


def quotes_mangled(locale: str) -> bool:
    # babel strips a pair of single quotes from its output as pattern quoting, so with
    # the apostrophe as group symbol (de_CH since CLDR 49) it prints 1000000 for 1'000'000
    return "'" in get_group_symbol(locale)


@given(value=numbers, places=st.integers(0, 4), locale=st.sampled_from(LOCALES))
def test_amounts_are_formatted_as_babel_formats_them(
    value: Decimal, places: int, locale: str
) -> None:
    assume(not quotes_mangled(locale))
    rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    assert _Numbers(locale, places).money(value) == babel_formats(rounded, places, locale)


@given(value=numbers, places=st.integers(0, 4), locale=st.sampled_from(LOCALES))
def test_amounts_read_back_in_groups_of_three(value: Decimal, places: int, locale: str) -> None:
    rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    text = _Numbers(locale, places).money(value)
    group, point = get_group_symbol(locale), get_decimal_symbol(locale)
    body = text.lstrip("-\u2212\u200e\u200f")  # a minus sign, and bidi marks of some locales
    whole, _, fraction = body.partition(point)
    head, *groups = whole.split(group)
    assert 1 <= len(head) <= 3
    assert all(len(part) == 3 for part in groups)
    assert len(fraction) == places
    assert Decimal(f"{head}{''.join(groups)}.{fraction or '0'}") == abs(rounded)


@given(value=numbers, locale=st.sampled_from(LOCALES))
def test_quantities_keep_all_their_digits(value: Decimal, locale: str) -> None:
    assume(not quotes_mangled(locale))
    places = max(0, -int(value.as_tuple().exponent))
    assert _Numbers(locale, 2).plain(value) == babel_formats(value, places, locale)


@given(value=numbers)
def test_without_a_locale_numbers_are_plain_and_never_scientific(value: Decimal) -> None:
    text = _Numbers(None, 2).plain(value)
    assert "E" not in text
    assert Decimal(text) == value


def test_a_table_of_no_lines_still_renders() -> None:
    priced = price(Document(currency="EUR", items=[]))
    assert priced.to_text().splitlines()[0].startswith("#")
    assert "<table" in priced._repr_html_()


def test_a_localized_table_shows_the_amounts_as_babel_formats_them() -> None:
    vat = Tax.percent("VAT", "20")
    line = Line(description="Desk", quantity="1", unit_price=Money("1234.5", "CHF"), taxes=[vat])
    text = price(Document(currency="CHF", items=[line])).to_text(locale="de_CH")
    assert babel_formats(Decimal("1234.50"), 2, "de_CH") in text
    assert babel_formats(Decimal("1481.40"), 2, "de_CH") in text
