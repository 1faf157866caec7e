"""Localized numbers in rendered documents: ordercore's digits, babel's (CLDR's) symbols.

The expectations are computed with babel in the test, never written out, so that a new
CLDR release (which changes separators from time to time) cannot break these tests.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from babel.localedata import locale_identifiers
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    Allowance,
    Charge,
    Discount,
    Document,
    Group,
    Line,
    Money,
    OrdercoreError,
    Policy,
    PricedDocument,
    Tax,
    price,
)
from ordercore.pricing.render import MAX_SHOWN, _Numbers, rows, shown
from ordercore.testing.strategies import documents

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


# -- the totals read as running sums -----------------------------------------------------


def parse(amount: str, locale: str) -> Decimal:
    """A number as the rendering printed it, read back with the locale's babel symbols."""
    group, point = get_group_symbol(locale), get_decimal_symbol(locale)
    body = amount.replace(group, "").replace(point, ".")
    negative = any(sign in body for sign in ("-", "\u2212"))
    digits = "".join(c for c in body if c.isdigit() or c == ".")
    return -Decimal(digits) if negative else Decimal(digits)


def total_rows(text: str, priced_labels: list[str]) -> list[tuple[str, str]]:
    """The (label, amount) rows of the totals block: after the second rule, before the policy."""
    lines = text.splitlines()
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"-"}]
    block = [line for line in lines[rules[1] + 1 : -1] if set(line.strip()) != {"-"}]
    assert len(block) == len(priced_labels)
    rows = []
    for line, label in zip(block, priced_labels, strict=True):
        assert line.strip().startswith(label)
        rows.append((label, line.strip()[len(label) :].strip()))
    return rows


def check_running_sums(priced: PricedDocument, locale: str) -> None:
    _, totals = rows(priced, locale=locale)
    text = priced.to_text(locale=locale)
    printed = total_rows(text, [row.label for row in totals])
    running: Decimal | None = None
    for row, (_, amount) in zip(totals, printed, strict=True):
        value = parse(amount, locale)
        if row.kind == "total":
            assert running is None or value == running, (row.label, value, running)
            running = value
        else:
            assert running is not None
            running += value
    amounts = [parse(amount, locale) for _, amount in printed]
    assert amounts[-1] == priced.totals.amount_due.amount
    due = babel_formats(priced.totals.amount_due.amount, priced.precision, locale)
    assert printed[-1][1] == due


@settings(max_examples=200)
@given(
    document=documents(),
    locale=st.sampled_from(["en_US", "de_DE", "fr_FR", "de_CH", "hi_IN", "ar_EG"]),
)
def test_the_totals_are_running_sums_to_the_cent(document: Document, locale: str) -> None:
    assume(not quotes_mangled(locale))
    try:
        priced = price(document)
    except OrdercoreError:
        assume(False)
        return
    check_running_sums(priced, locale)


def office_document() -> Document:
    eur = partial(Money, currency="EUR")
    vat20, vat7 = Tax.percent("VAT", "20"), Tax.percent("VAT", "7")
    office = Group(
        name="Office",
        lines=[
            Line(description="Desk", quantity="1", unit_price=eur("349.00"), taxes=[vat20]),
            Line(
                description="Chair",
                quantity="2",
                unit_price=eur("129.50"),
                discounts=[Discount.percent("10"), Discount.per_line(eur("5.00"))],
                taxes=[vat20],
            ),
            Line(
                description="Paper",
                quantity="300",
                base_quantity="100",
                unit_price=eur("4.20"),
                taxes=[vat7],
            ),
        ],
        allowances=[Allowance.percentage("10", reason="Bundle")],
    )
    return Document(
        currency="EUR",
        items=[
            office,
            Line(
                description="Tea",
                quantity="1",
                unit_price=eur("5.35"),
                taxes=[Tax.percent("VAT", "10", included=True)],
            ),
        ],
        charges=[Charge.fixed(eur("9.90"), reason="Shipping", taxes=[vat20])],
        policy=Policy(adjustments=AdjustmentMode.STANDALONE),
    )


def test_a_group_is_a_headed_section_and_its_allowance_counts_once() -> None:
    priced = price(office_document())
    text = priced.to_text(locale="en_US")
    lines = text.splitlines()
    assert lines[2].strip() == "Office"
    subtotal = next(line for line in lines if line.strip().startswith("Subtotal Office"))
    assert subtotal.split()[-1] == babel_formats(priced.groups[0].subtotal.amount, 2, "en_US")
    # the bundle allowance shows in its section and once in the totals
    assert sum("Allowance Bundle 10 %" in line for line in lines) == 2
    check_running_sums(priced, "en_US")


def test_every_line_shows_its_base_quantity_discounts_and_taxes() -> None:
    priced = price(office_document())
    body, _ = rows(priced, locale="en_US")
    cells = {row.cells[1]: row.cells for row in body if row.kind == "line"}
    money = partial(babel_formats, places=2, locale="en_US")
    assert cells["Paper"][3] == f"{money(Decimal('4.20'))} per 100"
    assert cells["Paper"][4] == money(Decimal("12.60"))
    assert cells["Desk"][3] == money(Decimal("349.00"))
    assert cells["Chair"][5] == f"{money(Decimal('30.90'))} (10 % + {money(Decimal('5.00'))})"
    assert cells["Chair"][6] == money(Decimal("228.10"))
    assert cells["Chair"][7] == "VAT 20 %"
    assert cells["Tea"][7] == "VAT 10 % incl."
    assert cells["Desk"][5] == ""


def test_a_line_made_for_a_whole_amount_shows_it_per_its_quantity() -> None:
    # what SalesOrder.invoice_delivered makes: the unit price is the line amount
    line = Line(
        description="Desk", quantity="2", base_quantity="2", unit_price=Money("658.00", "EUR")
    )
    cells = rows(price(Document(currency="EUR", items=[line])))[0][0].cells
    assert cells[2:5] == ("2", "658.00 per 2", "658.00")


def test_long_and_multiline_descriptions_are_cut_to_one_line() -> None:
    line = Line(description="x\ny" * 1000, quantity="1", unit_price=Money("1", "EUR"))
    text = price(Document(currency="EUR", items=[line])).to_text()
    row = text.splitlines()[2]
    assert "x yx yx y" in row
    assert len(row) < MAX_SHOWN + 60
    assert len(shown("a" * 1000)) == MAX_SHOWN
