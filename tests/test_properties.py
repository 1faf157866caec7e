"""Properties of pricing and credit notes: one hypothesis property per invariant of DOMAIN.md.

Documents come from :mod:`ordercore.testing.strategies`. A generated document that is
valid on its own can still be refused as a whole when it is priced (a discount larger than
its line, an allowance larger than its net); those examples are skipped, and only when the
refusal is one of ordercore's own errors: anything else fails the property.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import assume, given, reject
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    Allowance,
    AlreadyCredited,
    CashRounding,
    Charge,
    Discount,
    Document,
    DraftBill,
    DraftInvoice,
    ExchangeRate,
    Group,
    InvalidAmount,
    IssuedBill,
    IssuedInvoice,
    Line,
    LineKind,
    Money,
    NotADraft,
    NoUntaxedAmount,
    OrdercoreError,
    OverCrediting,
    Policy,
    PricedDocument,
    Request,
    RoundingMode,
    Stacking,
    Tax,
    TaxRounding,
    TaxSetBelowZero,
    allocate,
    price,
)
from ordercore.documents import (
    CreditBase,
    CreditNote,
    credit_amount,
    credit_in_full,
    credit_lines,
)
from ordercore.money import apportion, get_currency, precision, quantum, round_to, to_decimal
from ordercore.pricing import DiscountKind, TaxKind
from ordercore.testing.strategies import (
    amounts_and_ratios,
    currencies,
    discounts,
    documents,
    lines,
    taxes,
    unit_prices,
)

# -- helpers ----------------------------------------------------------------------------

ZERO = Decimal(0)


def priced(document: Document) -> PricedDocument:
    """Price a generated document; skip it if ordercore refuses it (and only then)."""
    try:
        return price(document)
    except OrdercoreError:
        reject()


def is_whole_minor_units(amount: Money) -> bool:
    """Whether ``amount`` is a whole number of its currency's minor units (exactly)."""
    return (Fraction(amount.amount) / Fraction(quantum(amount.currency))).denominator == 1


def total(amounts: Iterator[Money] | list[Money], currency: Any) -> Money:
    return sum(amounts, Money.zero(currency))


def tax_rate(tax: Tax) -> Fraction:
    """The multiplier a percent tax applies to its base: rate / 100, negative if withheld."""
    rate = Fraction(tax.rate) / 100
    return -rate if tax.withholding else rate


def rounded(value: Fraction, currency: Any, mode: RoundingMode) -> Decimal:
    """Round an exact value to the currency with ``mode`` (exact: no context precision)."""
    with decimal.localcontext(prec=200):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    return round_to(exact, quantum(currency), mode)


def standalone_entries(result: PricedDocument) -> list[tuple[Money, tuple[Tax, ...]]]:
    """Standalone document allowances and charges: their signed amount and their taxes."""
    return [(a.effect, a.adjustment.taxes) for a in result.adjustments if not a.distributed]


plain_percent_taxes = functools.partial(
    taxes, kinds=(TaxKind.PERCENT,), included=False, compound=False
)
included_taxes = functools.partial(taxes, included=True)
symmetric_modes = st.sampled_from((RoundingMode.HALF_UP, RoundingMode.HALF_EVEN))
splits = st.one_of(amounts_and_ratios(), amounts_and_ratios(mixed_signs=True))


# -- DOMAIN 4: totals -------------------------------------------------------------------


@given(documents(division_taxes=None))
def test_totals_are_whole_minor_units_and_add_up_exactly(document: Document) -> None:
    result = priced(document)
    totals, currency = result.totals, document.currency
    for name, amount in attrs.asdict(totals, recurse=False).items():
        assert is_whole_minor_units(amount), f"{name} = {amount}"
    assert totals.lines_net == total((line.net for line in result.lines), currency)
    assert totals.tax_exclusive == totals.lines_net - totals.allowances + totals.charges
    assert totals.tax == total((row.amount for row in result.tax_breakdown), currency)
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax
    assert totals.amount_due == totals.tax_inclusive + totals.rounding - totals.prepaid


@given(documents(division_taxes=None))
def test_every_line_amount_and_breakdown_row_is_whole_minor_units(document: Document) -> None:
    result = priced(document)
    for line in result.lines:
        for amount in (line.gross, line.discount, line.distributed, line.net):
            assert is_whole_minor_units(amount), f"{line}: {amount}"
    for row in result.tax_breakdown:
        assert is_whole_minor_units(row.base), f"{row}"
        assert is_whole_minor_units(row.amount), f"{row}"


@given(documents(cash_rounding=True))
def test_cash_rounding_makes_the_payable_amount_a_multiple_of_the_increment(
    document: Document,
) -> None:
    totals = priced(document).totals
    cash = document.policy.cash_rounding
    assert cash is not None
    payable = Fraction(totals.amount_due.amount)
    assert totals.amount_due == totals.tax_inclusive + totals.rounding - totals.prepaid
    assert (payable / Fraction(cash.increment)).denominator == 1
    assert abs(Fraction(totals.rounding.amount)) < Fraction(cash.increment)


ODD_AMOUNT_PLACES = (
    "prepaid",
    "standalone allowance",
    "standalone charge",
    "line discount",
    "cash increment",
)


@st.composite
def documents_with_an_amount_finer_than_the_minor_unit(
    draw: st.DrawFn,
) -> tuple[Callable[[], Document], Money]:
    """Make a document in which one fixed amount (or the cash increment) has too many decimals.

    Gives the function that makes it, and the amount.
    """
    document = draw(documents(cash_rounding=False, prepaid=False))
    code = document.currency.code
    minor = precision(code)
    extra = draw(st.integers(1, 3))
    units = draw(st.integers(1, 5 * 10 ** (minor + extra)).filter(lambda u: u % 10**extra != 0))
    odd = Money(Decimal(f"{units}E-{minor + extra}"), code)
    place = draw(st.sampled_from(ODD_AMOUNT_PLACES))
    if place == "prepaid":
        return (lambda: attrs.evolve(document, prepaid=odd)), odd
    if place == "cash increment":
        cash = CashRounding(increment=odd.amount)
        return (
            lambda: attrs.evolve(document, policy=attrs.evolve(document.policy, cash_rounding=cash))
        ), odd
    if place == "line discount":
        wrap = Line(
            description="Gift wrap",
            quantity="1",
            unit_price=Money("10", code),
            discounts=[Discount.per_line(odd)],
        )
        return (lambda: attrs.evolve(document, items=[*document.items, wrap])), odd
    vat = [Tax.percent("VAT", "20")]
    return (
        lambda: attrs.evolve(
            document,
            items=document.items
            or [Line(description="Widget", quantity="1", unit_price=Money("10", code))],
            allowances=[Allowance.fixed(odd, reason="Loyalty", taxes=vat)]
            if "allowance" in place
            else [],
            charges=[Charge.fixed(odd, reason="Shipping", taxes=vat)] if "charge" in place else [],
            policy=attrs.evolve(document.policy, adjustments=AdjustmentMode.STANDALONE),
        )
    ), odd


@given(documents_with_an_amount_finer_than_the_minor_unit())
def test_an_amount_finer_than_the_minor_unit_is_refused_when_the_document_is_made(
    case: tuple[Callable[[], Document], Money],
) -> None:
    make, odd = case
    with pytest.raises(InvalidAmount) as error:
        make()
    assert error.value.value == odd.amount


# -- DOMAIN 2: groups and document adjustments ------------------------------------------


@given(documents(adjustments=AdjustmentMode.DISTRIBUTED, document_adjustments=False))
def test_group_allowances_and_charges_are_spread_over_its_lines_to_the_cent(
    document: Document,
) -> None:
    result = priced(document)
    for group in result.groups:
        effect = total((a.effect for a in group.adjustments), document.currency)
        spread = total((line.distributed for line in group.lines), document.currency)
        assert spread == effect, group.name


@given(documents(adjustments=AdjustmentMode.DISTRIBUTED))
def test_document_allowances_and_charges_are_spread_over_all_lines_to_the_cent(
    document: Document,
) -> None:
    result = priced(document)
    effects = total((a.effect for a in result.all_adjustments()), document.currency)
    spread = total((line.distributed for line in result.lines), document.currency)
    assert spread == effects
    assert result.totals.allowances == result.totals.charges == Money.zero(document.currency)


@given(documents(adjustments=AdjustmentMode.STANDALONE))
def test_standalone_allowances_and_charges_stay_out_of_the_lines(document: Document) -> None:
    result = priced(document)
    group_effects = total(
        (a.effect for g in result.groups for a in g.adjustments), document.currency
    )
    spread = total((line.distributed for line in result.lines), document.currency)
    assert spread == group_effects
    assert result.totals.allowances == total(
        (a.amount for a in result.adjustments if a.adjustment.sign < 0), document.currency
    )
    assert result.totals.charges == total(
        (a.amount for a in result.adjustments if a.adjustment.sign > 0), document.currency
    )


@given(documents())
def test_a_group_subtotal_is_its_lines_after_the_groups_own_adjustments(
    document: Document,
) -> None:
    for group in priced(document).groups:
        lines_after_discounts = total(
            (line.gross - line.discount for line in group.lines), document.currency
        )
        effects = total((a.effect for a in group.adjustments), document.currency)
        assert group.subtotal == lines_after_discounts + effects, group.name


# -- DOMAIN 1: allocation ---------------------------------------------------------------


@given(splits)
def test_allocated_parts_sum_to_the_whole(case: tuple[Decimal, list[Any], Decimal]) -> None:
    whole, ratios, step = case
    parts = allocate(whole, ratios, step)
    assert len(parts) == len(ratios)
    assert sum(parts, ZERO) == whole
    assert all((Fraction(p) / Fraction(step)).denominator == 1 for p in parts)


@given(splits)
def test_allocation_is_deterministic(case: tuple[Decimal, list[Any], Decimal]) -> None:
    whole, ratios, step = case
    first = allocate(whole, ratios, step)
    assert allocate(whole, ratios, step) == first
    assert allocate(whole, tuple(ratios), step) == first


@given(splits, st.integers(2, 1000))
def test_allocation_depends_only_on_the_proportions(
    case: tuple[Decimal, list[Any], Decimal], factor: int
) -> None:
    whole, ratios, step = case
    scaled = [r * factor for r in ratios]
    assert allocate(whole, scaled, step) == allocate(whole, ratios, step)


@given(
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=6),
    st.lists(st.integers(0, 9), min_size=6, max_size=6),
    st.data(),
)
def test_apportion_sums_to_the_total_each_part_within_a_quantum_of_its_exact_share(
    cents: list[int], tenths: list[int], data: st.DataObject
) -> None:
    # exact parts of a tenth of a cent, often whole cents; any total from the parts'
    # ceilings less one cent a part to their floors plus one cent a part
    exact = [Decimal(c) / 100 + Decimal(t) / 1000 for c, t in zip(cents, tenths, strict=False)]
    cent = Decimal("0.01")
    floors = sum((e.quantize(cent, "ROUND_FLOOR") for e in exact), Decimal(0))
    ceilings = sum((e.quantize(cent, "ROUND_CEILING") for e in exact), Decimal(0))
    lowest = ceilings - len(exact) * cent
    steps = int((floors + len(exact) * cent - lowest) / cent)
    total = lowest + cent * data.draw(st.integers(0, steps), label="total")
    parts = apportion(total, exact, cent)
    assert sum(parts, Decimal(0)) == total
    assert all(abs(part - e) <= cent for part, e in zip(parts, exact, strict=True))


@given(splits)
def test_no_allocated_part_is_a_full_quantum_away_from_its_exact_share(
    case: tuple[Decimal, list[Any], Decimal],
) -> None:
    whole, ratios, step = case
    weight = sum(Fraction(r) for r in ratios)
    parts = allocate(whole, ratios, step)
    for part, ratio in zip(parts, ratios, strict=True):
        share = Fraction(whole) * Fraction(ratio) / weight if weight else Fraction(0)
        assert abs(Fraction(part) - share) < Fraction(step), (part, share)


@given(splits)
def test_a_negative_whole_is_split_as_the_mirror_of_its_positive_twin(
    case: tuple[Decimal, list[Any], Decimal],
) -> None:
    whole, ratios, step = case
    assert allocate(-whole, ratios, step) == [-p for p in allocate(whole, ratios, step)]
    assert allocate(whole, [-r for r in ratios], step) == allocate(whole, ratios, step)


@given(
    st.integers(-(10**6), 10**6),
    st.integers(1, 12),
    st.sampled_from((Decimal("0.01"), Decimal(1), Decimal("0.001"))),
)
def test_leftover_quanta_go_to_the_earliest_parts_on_ties(
    units: int, parts: int, step: Decimal
) -> None:
    whole = Decimal(units) * step
    shares = [abs(p) for p in allocate(whole, [1] * parts, step)]
    assert shares == sorted(shares, reverse=True)
    assert max(shares) - min(shares) <= step


# -- DOMAIN 3: included taxes keep the stated price ------------------------------------


@given(
    documents(
        tax_rounding=TaxRounding.PER_LINE,
        adjustments=AdjustmentMode.DISTRIBUTED,
        line_taxes=included_taxes,
    )
)
def test_per_line_an_included_tax_line_keeps_its_stated_amount(document: Document) -> None:
    for line in priced(document).lines:
        assert line.net + line.tax == line.stated, line


@given(
    documents(
        tax_rounding=TaxRounding.PER_RATE,
        adjustments=AdjustmentMode.DISTRIBUTED,
        line_taxes=included_taxes,
    )
)
def test_per_rate_included_taxes_keep_the_sum_of_stated_amounts(document: Document) -> None:
    result = priced(document)
    stated = total((line.stated for line in result.lines), document.currency)
    assert result.totals.lines_net + result.totals.tax == stated
    assert result.totals.tax_inclusive == stated


@given(
    documents(
        tax_rounding=TaxRounding.PER_RATE,
        adjustments=AdjustmentMode.DISTRIBUTED,
        line_taxes=functools.partial(
            taxes, kinds=(TaxKind.PERCENT, TaxKind.DIVISION), included=True
        ),
    )
)
def test_per_rate_no_line_net_is_more_than_a_minor_unit_off_its_own_backed_out_net(
    document: Document,
) -> None:
    result = priced(document)
    step = Fraction(quantum(document.currency))
    for line in result.lines:
        # each tax's amount per unit of net, compound ones joining the later bases
        factor = compounded = Fraction(0)
        for t in line.line.taxes:
            rate = Fraction(t.rate)
            own_rate = rate / 100 if t.kind is TaxKind.PERCENT else rate / (100 - rate)
            base = 1 if t.on_plain_net else 1 + compounded
            factor += base * own_rate
            if t.compound:
                compounded += base * own_rate
        own = Fraction(line.stated.amount) / (1 + factor)
        assert abs(Fraction(line.net.amount) - own) <= step, (line, float(own))


# -- DOMAIN 3: tax rounding is exact to its own rule ----------------------------------


def expected_bases(result: PricedDocument) -> dict[tuple[object, ...], Fraction]:
    """For each tax breakdown row: the sum of the bases of the lines and entries it taxes."""
    bases: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for line in result.lines:
        for tax in line.line.taxes:
            bases[tax.breakdown_key] += Fraction(line.net.amount)
    for signed, entry_taxes in standalone_entries(result):
        for tax in entry_taxes:
            bases[tax.breakdown_key] += Fraction(signed.amount)
    return bases


@given(
    documents(
        tax_rounding=TaxRounding.PER_RATE,
        line_taxes=plain_percent_taxes,
        standalone_taxes=plain_percent_taxes,
    )
)
def test_per_rate_each_rate_is_rounded_once_from_the_sum_of_its_bases(
    document: Document,
) -> None:
    result = priced(document)
    bases = expected_bases(result)
    mode = document.policy.rounding
    assert {row.tax.breakdown_key for row in result.tax_breakdown} == set(bases)
    for row in result.tax_breakdown:
        base = bases[row.tax.breakdown_key]
        assert Fraction(row.base.amount) == base
        assert row.amount.amount == rounded(base * tax_rate(row.tax), document.currency, mode)


@given(
    documents(
        tax_rounding=TaxRounding.PER_LINE,
        line_taxes=plain_percent_taxes,
        standalone_taxes=plain_percent_taxes,
    )
)
def test_per_line_each_rate_is_the_sum_of_individually_rounded_line_taxes(
    document: Document,
) -> None:
    result = priced(document)
    currency, mode = document.currency, document.policy.rounding
    amounts: dict[tuple[object, ...], Decimal] = defaultdict(Decimal)
    for line in result.lines:
        line_tax = ZERO
        for tax in line.line.taxes:
            amount = rounded(Fraction(line.net.amount) * tax_rate(tax), currency, mode)
            amounts[tax.breakdown_key] += amount
            line_tax += amount
        assert line.tax.amount == line_tax, line
    for signed, entry_taxes in standalone_entries(result):
        for tax in entry_taxes:
            amounts[tax.breakdown_key] += rounded(
                Fraction(signed.amount) * tax_rate(tax), currency, mode
            )
    assert {row.tax.breakdown_key: row.amount.amount for row in result.tax_breakdown} == amounts


@given(documents(tax_rounding=TaxRounding.PER_LINE, adjustments=AdjustmentMode.DISTRIBUTED))
def test_per_line_the_tax_total_is_the_sum_of_rounded_line_taxes(document: Document) -> None:
    result = priced(document)
    assert all(is_whole_minor_units(line.tax) for line in result.lines)
    assert result.totals.tax == total((line.tax for line in result.lines), document.currency)


# -- DOMAIN 1: a return mirrors a sale -------------------------------------------------


def with_quantities_negated(document: Document) -> Document:
    """The same document with every quantity negated (every sale a return, and back)."""

    def flip(line: Line) -> Line:
        return attrs.evolve(line, quantity=-line.quantity)

    items = [
        attrs.evolve(item, lines=[flip(line) for line in item.lines])
        if isinstance(item, Group)
        else flip(item)
        for item in document.items
    ]
    return attrs.evolve(document, items=items)


@given(documents(rounding=symmetric_modes, cash_rounding=False, prepaid=False, returns=True))
def test_negating_every_quantity_negates_every_amount(document: Document) -> None:
    result = priced(document)
    # A fixed standalone amount on a zero net has no sign to follow: skip that one case.
    assume(result.totals.lines_net or not document.adjustments)
    # Lines that mix sales and returns take fixed standalone amounts as stated (the next
    # property): only the rest mirrors whole.
    assume(not (_mixes_signs(result) and document.policy.adjustments is AdjustmentMode.STANDALONE))
    mirror = price(with_quantities_negated(document))
    for line, twin in zip(result.lines, mirror.lines, strict=True):
        for field in ("gross", "discount", "distributed", "stated", "net", "tax"):
            assert getattr(twin, field) == -getattr(line, field), (field, line, twin)
    for entry, twin_entry in zip(result.all_adjustments(), mirror.all_adjustments(), strict=True):
        assert (twin_entry.base, twin_entry.amount) == (-entry.base, -entry.amount)
    # per group, a rate may have a row for sales and one for returns: compare every row. A
    # row of zero base and zero tax has no sign (a line of quantity 0 is neither a sale nor
    # a return, and stays with the sales when its twins change sides): compare the others,
    # and that both list the same taxes.
    rows = Counter(
        (row.tax.breakdown_key, -row.base, -row.amount)
        for row in result.tax_breakdown
        if row.base or row.amount
    )
    mirrored = Counter(
        (row.tax.breakdown_key, row.base, row.amount)
        for row in mirror.tax_breakdown
        if row.base or row.amount
    )
    assert mirrored == rows
    assert {row.tax.breakdown_key for row in mirror.tax_breakdown} == {
        row.tax.breakdown_key for row in result.tax_breakdown
    }
    for name, amount in attrs.asdict(result.totals, recurse=False).items():
        assert getattr(mirror.totals, name) == -amount, name


def _mixes_signs(result: PricedDocument) -> bool:
    amounts = [line.stated.amount for line in result.lines]
    return any(amount < 0 for amount in amounts) and any(amount > 0 for amount in amounts)


@given(
    documents(
        rounding=symmetric_modes,
        cash_rounding=False,
        prepaid=False,
        returns=True,
        adjustments=AdjustmentMode.STANDALONE,
    )
)
def test_on_lines_that_mix_sales_and_returns_a_fixed_standalone_amount_is_as_stated(
    document: Document,
) -> None:
    currency = document.currency
    mixed = attrs.evolve(
        document,
        items=(
            *document.items,
            Line(description="Sold", quantity="1", unit_price=Money("1", currency)),
            Line(description="Returned", quantity="-3", unit_price=Money("1", currency)),
        ),
    )
    result = priced(mixed)
    assert _mixes_signs(result)
    for entry in result.adjustments:
        if entry.adjustment.percent is None:
            assert entry.amount == entry.adjustment.amount


# -- DOMAIN 5: credit notes ---------------------------------------------------------------

#: Taxes a tax-inclusive amount can carry: no units, nothing compound, nothing withheld.
creditable_taxes = functools.partial(
    taxes,
    kinds=(TaxKind.PERCENT, TaxKind.DIVISION, TaxKind.ZERO),
    compound=False,
    withholding=False,
)
creditable_standalone_taxes = functools.partial(creditable_taxes, included=False)
CREDIT_DAY = dt.date(2026, 11, 30)
CREDIT_REQUEST = Request(
    key="r", at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), business_date=CREDIT_DAY
)


def issued(document: Document) -> IssuedInvoice:
    """Issue a generated document; skip it if ordercore refuses it, or if nothing is due."""
    # A line may list one tax both included in its price and added to it; a credit by
    # amount refuses that invoice (tested on its own).
    assume(
        not any(
            attrs.evolve(tax, included=not tax.included) in line.taxes
            for line in document.lines
            for tax in line.taxes
            if not (tax.compound or tax.withholding)  # (these are never included)
        )
    )
    try:
        draft = DraftInvoice.create(
            id="inv", customer="acme", content=document, request=CREDIT_REQUEST
        ).document
        invoice = draft.issue(number="INV-1", issue_date=CREDIT_DAY, request=CREDIT_REQUEST)
    except OrdercoreError:
        reject()
    assume(invoice.document.priced.totals.tax_inclusive.amount >= cash_step(invoice.document))
    return invoice.document


def issued_bill(document: Document) -> IssuedBill:
    """A supplier's bill of a generated document, skipped as :func:`issued` skips invoices."""
    issued(document)
    draft = DraftBill.create(
        id="bill", supplier="woodworks", content=document, request=CREDIT_REQUEST
    ).document
    return draft.issue(number="WW-1", issue_date=CREDIT_DAY, request=CREDIT_REQUEST).document


def cash_step(invoice: IssuedInvoice | IssuedBill) -> Decimal:
    """The step a tax-inclusive credit is stated in: the cash increment, or the minor unit."""
    cash = invoice.priced.policy.cash_rounding
    return cash.increment if cash is not None else quantum(invoice.priced.currency)


def credited(invoice: IssuedInvoice | IssuedBill, notes: list[CreditNote]) -> Money:
    """What the notes credited of the invoice's value (totals with taxes)."""
    return total((note.priced.totals.tax_inclusive for note in notes), invoice.priced.currency)


def by_amount(
    invoice: IssuedInvoice | IssuedBill,
    amount: Decimal,
    notes: list[CreditNote],
    base: CreditBase = CreditBase.TOTAL,
) -> CreditNote:
    return credit_amount(
        invoice,
        Money(amount, invoice.priced.currency),
        base=base,
        previous=tuple(notes),
        id=f"cn-{len(notes)}",
        number=f"CN-{len(notes)}",
        issue_date=CREDIT_DAY,
        reason="Goodwill",
        request=CREDIT_REQUEST,
    ).document


#: One credit to try: what kind, which line, and what share (in %) of the line's quantity or
#: of what remains of the total (more than 100 % to try crediting too much).
credit_steps = st.tuples(
    st.sampled_from(("lines", "total", "untaxed", "in full")),
    st.integers(0, 100),
    st.integers(1, 120),
)


def run_credits(
    invoice: IssuedInvoice | IssuedBill,
    steps: list[tuple[str, int, int]],
    *,
    check: bool = True,
    earlier: Sequence[CreditNote] = (),
) -> list[CreditNote]:
    """Try each credit in turn, after the ``earlier`` ones, keeping those ordercore accepts.

    A credit is refused only for taking more than remains (or, in full, after another
    credit, or untaxed, of an invoice with no untaxed amount); the credits kept never
    exceed the invoice's value (its total with taxes). Returns the new credit notes.
    """
    notes: list[CreditNote] = list(earlier)
    value = invoice.priced.totals.tax_inclusive
    step = cash_step(invoice)
    for kind, index, share in steps:
        try:
            if kind == "lines":
                line = invoice.priced.lines[index % len(invoice.priced.lines)].line
                quantity = (line.quantity * share / 100).quantize(Decimal("0.000001"), "ROUND_DOWN")
                if quantity <= 0:
                    continue
                note = credit_lines(
                    invoice,
                    {index % len(invoice.priced.lines): quantity},
                    previous=tuple(notes),
                    id="cn",
                    number="CN",
                    issue_date=CREDIT_DAY,
                    reason="Returned",
                    request=CREDIT_REQUEST,
                ).document
            elif kind == "in full":
                note = credit_in_full(
                    invoice,
                    previous=tuple(notes),
                    id="cn",
                    number="CN",
                    issue_date=CREDIT_DAY,
                    reason="Cancelled",
                    request=CREDIT_REQUEST,
                ).document
            else:
                whole = (value - credited(invoice, notes)).amount * share / 100
                amount = (whole / step).to_integral_value("ROUND_DOWN") * step
                if amount <= 0:
                    continue
                base = CreditBase.TOTAL if kind == "total" else CreditBase.UNTAXED
                note = by_amount(invoice, amount, notes, base)
        except OverCrediting:
            continue
        except NoUntaxedAmount:
            # an untaxed amount of an invoice whose lines come to no untaxed amount (all
            # of a cent is tax) is refused for what it is (tested on its own)
            continue
        except AlreadyCredited:
            # in full after another credit, or anything after a credit in full
            continue
        notes.append(note)
        if check:
            assert credited(invoice, notes) <= value
    return notes[len(earlier) :]


@given(
    documents(
        line_taxes=creditable_taxes, standalone_taxes=creditable_standalone_taxes, prepaid=False
    ),
    st.data(),
)
def test_a_credit_by_amount_totals_the_stated_amount_exactly(
    document: Document, data: st.DataObject
) -> None:
    invoice = issued(document)
    step = cash_step(invoice)
    value = invoice.priced.totals.tax_inclusive.amount
    amount = step * data.draw(st.integers(1, int(value / step)))
    try:
        note = by_amount(invoice, amount, [])
    except TaxSetBelowZero:
        # a standalone allowance with taxes of its own can leave a tax set below zero
        reject()
    assert note.total.amount == note.priced.totals.tax_inclusive.amount == amount
    assert all(line.stated.amount > 0 for line in note.priced.lines)


@given(
    documents(line_taxes=creditable_taxes, adjustments=AdjustmentMode.DISTRIBUTED),
    st.lists(credit_steps, min_size=1, max_size=6),
)
def test_credits_by_amount_and_by_lines_never_exceed_the_invoice_total(
    document: Document, steps: list[tuple[str, int, int]]
) -> None:
    run_credits(issued(document), steps)


@given(
    documents(line_taxes=creditable_taxes, adjustments=AdjustmentMode.DISTRIBUTED),
    st.lists(credit_steps.filter(lambda step: step[0] != "in full"), min_size=1, max_size=4),
)
def test_crediting_all_that_remains_leaves_exactly_nothing(
    document: Document, steps: list[tuple[str, int, int]]
) -> None:
    invoice = issued(document)
    notes = run_credits(invoice, steps, check=False)
    value = invoice.priced.totals.tax_inclusive
    left = value - credited(invoice, notes)
    if left.amount:
        notes.append(by_amount(invoice, left.amount, notes))
    assert credited(invoice, notes) == value
    with pytest.raises(OverCrediting):
        by_amount(invoice, cash_step(invoice), notes)


#: An issued document (an invoice, a supplier's bill, a credit note) as it was made.
Issued = IssuedInvoice | IssuedBill | CreditNote


def as_made(document: Issued) -> tuple[dict[str, Any], int]:
    return attrs.asdict(document, recurse=False), hash(document)


def assert_never_changed(document: Issued, made: tuple[dict[str, Any], int]) -> None:
    fields, fingerprint = made
    assert attrs.asdict(document, recurse=False) == fields
    assert hash(document) == fingerprint
    assert document.priced == price(document.priced.document)  # it keeps what it was priced with
    for name in fields:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(document, name, None)
    assert "credit" not in set(dir(document))
    if isinstance(document, CreditNote):  # issued as it is made: it never had a draft's steps
        assert not {"revise", "void", "issue"} & set(dir(document))
        return
    for step in ("revise", "void", "issue"):  # a draft's steps only say what to do instead
        with pytest.raises(NotADraft) as refused:
            getattr(document, step)()
        assert (refused.value.state, refused.value.operation) == ("issued", step)
    assert attrs.asdict(document, recurse=False) == fields


@pytest.mark.parametrize("make", [issued, issued_bill], ids=["invoice", "bill"])
@given(
    document=documents(line_taxes=creditable_taxes, adjustments=AdjustmentMode.DISTRIBUTED),
    steps=st.lists(credit_steps, max_size=4),
)
def test_an_issued_invoice_or_bill_never_changes(
    make: Callable[[Document], IssuedInvoice | IssuedBill],
    document: Document,
    steps: list[tuple[str, int, int]],
) -> None:
    invoice = make(document)
    made = as_made(invoice)
    run_credits(invoice, steps, check=False)  # what can happen to it afterwards
    assert_never_changed(invoice, made)


@given(
    documents(line_taxes=creditable_taxes, adjustments=AdjustmentMode.DISTRIBUTED),
    st.lists(credit_steps, min_size=1, max_size=3),
    st.lists(credit_steps, max_size=3),
)
def test_a_credit_note_never_changes(
    document: Document, first: list[tuple[str, int, int]], then: list[tuple[str, int, int]]
) -> None:
    invoice = issued(document)
    notes = run_credits(invoice, first, check=False)
    made = [as_made(note) for note in notes]
    later = run_credits(invoice, then, check=False, earlier=notes)  # credits that follow them
    for note, before in zip(notes, made, strict=True):
        assert_never_changed(note, before)
    for note in later:
        assert_never_changed(note, as_made(note))


#: Credits by lines to try, one list per credit note: which line (any index, taken modulo
#: the invoice's lines) and what share (in %) of its quantity, more than 100 % to try
#: crediting too much, or 0 for all that remains of it.
line_credits = st.lists(
    st.lists(st.tuples(st.integers(0, 100), st.integers(0, 120)), min_size=1, max_size=3),
    min_size=1,
    max_size=6,
)


def credited_of_line(notes: list[CreditNote], index: int) -> tuple[Decimal, Decimal]:
    """The quantity and the amount the credit notes credited of one invoice line."""
    entries = [entry for note in notes for entry in note.credited if entry.index == index]
    return sum((e.quantity for e in entries), ZERO), sum((e.amount.amount for e in entries), ZERO)


@pytest.mark.parametrize("make", [issued, issued_bill], ids=["invoice", "bill"])
@given(document=documents(adjustments=AdjustmentMode.DISTRIBUTED), steps=line_credits)
def test_credits_by_lines_never_exceed_what_each_line_billed(
    make: Callable[[Document], IssuedInvoice | IssuedBill],
    document: Document,
    steps: list[list[tuple[int, int]]],
) -> None:
    invoice = make(document)
    billed = invoice.priced.lines
    notes: list[CreditNote] = []
    for n, step in enumerate(steps):
        wanted: dict[int, Decimal] = {}
        for index, share in step:
            line = billed[index % len(billed)].line
            quantity = (
                line.quantity - credited_of_line(notes, index % len(billed))[0]
                if share == 0
                else (line.quantity * share / 100).quantize(Decimal("0.000001"), "ROUND_DOWN")
            )
            if quantity > 0:
                wanted[index % len(billed)] = quantity
        if not wanted:
            continue
        too_much = sorted(
            index
            for index, quantity in wanted.items()
            if quantity > billed[index].line.quantity - credited_of_line(notes, index)[0]
        )
        try:
            note = credit_lines(
                invoice,
                wanted,
                previous=tuple(notes),
                id=f"cn-{n}",
                number=f"CN-{n}",
                issue_date=CREDIT_DAY,
                reason="Returned",
                request=CREDIT_REQUEST,
            ).document
        except OverCrediting as error:
            refused: OverCrediting | None = error
        else:
            refused = None
        if refused is not None:
            # more units than remain of a line (quantities), or (rounding) more than the
            # invoice total (amounts)
            if too_much:
                assert refused.line == billed[too_much[0]].line.description
                assert isinstance(refused.requested, Decimal)
                assert isinstance(refused.remaining, Decimal)
            else:
                assert refused.line is None
                assert isinstance(refused.requested, Money)
                assert isinstance(refused.remaining, Money)
            continue
        assert not too_much
        notes.append(note)
        # the note's lines are what it says it credited, line by line
        assert [(line.line.quantity, line.stated.amount) for line in note.priced.lines][
            : len(note.credited)
        ] == [(entry.quantity, entry.amount.amount) for entry in note.credited]
        for index, priced_line in enumerate(billed):
            quantity, amount = credited_of_line(notes, index)
            assert quantity <= priced_line.line.quantity
            assert ZERO <= amount <= priced_line.stated.amount
            if quantity == priced_line.line.quantity:
                assert amount == priced_line.stated.amount


# -- DOMAIN 1: nothing depends on the global decimal context ----------------------------

SIGNALS = (
    decimal.Clamped,
    decimal.DivisionByZero,
    decimal.Inexact,
    decimal.InvalidOperation,
    decimal.Overflow,
    decimal.Rounded,
    decimal.Subnormal,
    decimal.Underflow,
    decimal.FloatOperation,
)
ROUNDINGS = (
    decimal.ROUND_FLOOR,
    decimal.ROUND_CEILING,
    decimal.ROUND_DOWN,
    decimal.ROUND_UP,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_05UP,
)


@st.composite
def host_contexts(draw: st.DrawFn) -> decimal.Context:
    """A host's global decimal context: low precision, odd rounding, other traps."""
    return decimal.Context(
        prec=draw(st.integers(1, 4)),
        rounding=draw(st.sampled_from(ROUNDINGS)),
        traps=draw(st.lists(st.sampled_from(SIGNALS), unique=True)),
        Emax=draw(st.sampled_from((decimal.MAX_EMAX, 99))),
        Emin=draw(st.sampled_from((decimal.MIN_EMIN, -99))),
    )


def every_amount(result: PricedDocument) -> list[object]:
    """Every amount a priced document shows, read while the caller's context is active."""
    amounts: list[object] = []
    for line in result.lines:
        amounts += [line.gross, line.discount, line.distributed, line.stated, line.net]
        amounts += [line.tax, line.total]
    for entry in result.all_adjustments():
        amounts += [entry.base, entry.amount, entry.effect]
    for group in result.groups:
        amounts.append(group.subtotal)
    for row in result.tax_breakdown:
        amounts += [row.base, row.amount]
    amounts += list(attrs.asdict(result.totals, recurse=False).values())
    return [(a.amount, a.currency.code) if isinstance(a, Money) else a for a in amounts]


@given(documents(), host_contexts())
def test_a_host_decimal_context_changes_no_priced_amount(
    document: Document, context: decimal.Context
) -> None:
    expected = every_amount(priced(document))
    with decimal.localcontext(context):
        seen = every_amount(price(document))
    assert seen == expected


def remade(document: Document) -> Document:
    """The same document made again from strings, as a host reading a form would."""

    def money(value: Money) -> Money:
        return Money(str(value.amount), value.currency.code)

    def discount(value: Discount) -> Discount:
        if value.kind is DiscountKind.PERCENT:
            return Discount.percent(str(value.value), reason=value.reason)
        assert value.amount is not None
        make = Discount.per_unit if value.kind is DiscountKind.PER_UNIT else Discount.per_line
        return make(money(value.amount), reason=value.reason)

    def tax(value: Tax) -> Tax:
        return attrs.evolve(value, rate=str(value.rate))

    def line(value: Line) -> Line:
        return attrs.evolve(
            value,
            quantity=str(value.quantity),
            unit_price=money(value.unit_price),
            discounts=[discount(d) for d in value.discounts],
            price_discount=None if value.price_discount is None else discount(value.price_discount),
            taxes=[tax(t) for t in value.taxes],
            base_quantity=str(value.base_quantity),
        )

    def adjustment(value: Allowance | Charge) -> Allowance | Charge:
        return attrs.evolve(
            value,
            percent=None if value.percent is None else str(value.percent),
            amount=None if value.amount is None else money(value.amount),
            taxes=[tax(t) for t in value.taxes],
        )

    def item(value: Line | Group) -> Line | Group:
        if isinstance(value, Line):
            return line(value)
        return attrs.evolve(
            value,
            lines=[line(v) for v in value.lines],
            allowances=[adjustment(a) for a in value.allowances],
            charges=[adjustment(c) for c in value.charges],
        )

    cash = document.policy.cash_rounding
    return Document(
        currency=document.currency.code,
        items=[item(i) for i in document.items],
        allowances=[adjustment(a) for a in document.allowances],
        charges=[adjustment(c) for c in document.charges],
        policy=attrs.evolve(
            document.policy,
            cash_rounding=None
            if cash is None
            else attrs.evolve(cash, increment=str(cash.increment)),
        ),
        prepaid=None if document.prepaid is None else money(document.prepaid),
    )


@given(documents(), host_contexts())
def test_a_host_decimal_context_changes_no_value_made_from_strings(
    document: Document, context: decimal.Context
) -> None:
    expected = every_amount(priced(document))
    with decimal.localcontext(context):
        again = remade(document)
    assert again == document
    assert every_amount(price(again)) == expected


def every_kind_of_tax(rate: str, amount: Money) -> list[Tax]:
    return [
        Tax.percent("VAT", rate),
        Tax.percent("VAT", rate, included=True),
        Tax.percent("Surcharge", rate, compound=True),
        Tax.division("Sales tax", rate),
        Tax.withholding_tax("IRPF", rate),
        Tax.per_unit("Eco fee", amount),
    ]


@given(
    rate=st.decimals(0, 30, places=3),
    amount=unit_prices("EUR", max_value=5),
    context=host_contexts(),
)
def test_a_host_decimal_context_changes_no_tax_made_from_strings(
    rate: Decimal, amount: Money, context: decimal.Context
) -> None:
    expected = every_kind_of_tax(str(rate), amount)
    with decimal.localcontext(context):
        made = every_kind_of_tax(str(rate), Money(str(amount.amount), "EUR"))
    line = Line(description="Fee", quantity="7", unit_price=Money("123.45", "EUR"))
    for tax, again in zip(expected, made, strict=True):
        assert again == tax
        one_line = Document(currency="EUR", items=[attrs.evolve(line, taxes=[tax])])
        same_line = Document(currency="EUR", items=[attrs.evolve(line, taxes=[again])])
        assert every_amount(price(same_line)) == every_amount(price(one_line)), tax


# -- the public boundary: only ordercore's errors escape ------------------------------

NASTY_VALUES: tuple[object, ...] = (
    None,
    True,
    0.1,
    float("nan"),
    float("inf"),
    -0.0,
    Decimal("NaN"),
    Decimal("-sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    Decimal("-0"),
    10**5000,
    -(10**5000),
    "1e1000000",
    "1e-1000000",
    "NaN",
    "sNaN",
    "-Infinity",
    "",
    "   ",
    "1_000",
    "\u0661\u0662",
    "0x10",
    "EUR",
    "eur",
    "XXX",
    [],
    [1, "2"],
    (),
    {},
    {"EUR": 1},
    object(),
    b"19.99",
    Fraction(1, 3),
    1j,
    dt.date(2026, 1, 31),
    dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC),
    get_currency("EUR"),
    RoundingMode.HALF_UP,
    Stacking.ADDITIVE,
    TaxKind.PER_UNIT,
    DiscountKind.PER_LINE,
    LineKind.CHARGE,
    Money("19.99", "EUR"),
    Money("1", "JPY"),
)


#: Finite decimals no invoice needs; ordercore must refuse or handle them at once.
ENORMOUS_VALUES: tuple[Decimal, ...] = (
    Decimal("1E+1000000"),
    Decimal("-1E+1000000"),
    Decimal("1E-1000000"),
    Decimal("1E+999999999999999999"),
)
_NASTY = st.sampled_from(NASTY_VALUES + ENORMOUS_VALUES)
_NOT_ENORMOUS = st.sampled_from(NASTY_VALUES)
_ARBITRARY = st.one_of(
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(max_size=12),
    st.fractions(),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.decimals()), max_size=3),
    st.from_type(object),
)


def anything(*, enormous: bool = True) -> st.SearchStrategy[Any]:
    """Any value a caller might pass by mistake: half of them from the nastiest ones."""
    nastiest = _NASTY if enormous else _NOT_ENORMOUS
    return st.booleans().flatmap(lambda nasty: nastiest if nasty else _ARBITRARY)


def maybe(valid: st.SearchStrategy[Any], *, enormous: bool = True) -> st.SearchStrategy[Any]:
    """A valid value or, as often, any value at all."""
    return st.one_of(valid, anything(enormous=enormous))


def only_ordercore_errors(make: Callable[[], object]) -> None:
    """Run ``make``: it may refuse its input only with one of ordercore's errors."""
    with contextlib.suppress(OrdercoreError):
        make()


CURRENCY_CODES = ("EUR", "JPY", "BHD")
amounts = st.one_of(*(unit_prices(code) for code in CURRENCY_CODES))
texts = st.sampled_from(("VAT", "Widget", "Loyalty", "S", "ECB"))
tax_values = st.one_of(*(taxes(code) for code in CURRENCY_CODES))
discount_values = st.one_of(*(discounts(code) for code in CURRENCY_CODES))
line_values = st.one_of(*(lines(code) for code in CURRENCY_CODES))


@given(value=anything(), places=st.one_of(st.none(), st.integers(0, 12)))
def test_to_decimal_refuses_with_ordercore_errors_only(value: object, places: int | None) -> None:
    only_ordercore_errors(lambda: to_decimal(value, field="quantity", max_places=places))


@given(
    amount=maybe(st.decimals(allow_nan=False, allow_infinity=False)), currency=maybe(currencies())
)
def test_money_refuses_with_ordercore_errors_only(amount: object, currency: object) -> None:
    only_ordercore_errors(lambda: Money(amount, currency))
    only_ordercore_errors(lambda: Money.of(amount))  # type: ignore[arg-type]
    only_ordercore_errors(lambda: Money.zero(currency))


@given(value=maybe(amounts), reason=maybe(texts), kind=maybe(st.sampled_from(DiscountKind)))
def test_discounts_refuse_with_ordercore_errors_only(
    value: object, reason: object, kind: object
) -> None:
    only_ordercore_errors(lambda: Discount.percent(value, reason=reason))  # type: ignore[arg-type]
    only_ordercore_errors(lambda: Discount.per_unit(value, reason=reason))  # type: ignore[arg-type]
    only_ordercore_errors(lambda: Discount.per_line(value, reason=reason))  # type: ignore[arg-type]


@given(
    kind=maybe(st.sampled_from(DiscountKind)),
    value=maybe(st.decimals(0, 100, places=2)),
    currency=maybe(currencies().map(get_currency)),
    reason=maybe(texts),
)
def test_a_discount_made_directly_refuses_with_ordercore_errors_only_wherever_it_goes(
    kind: object, value: object, currency: object, reason: object
) -> None:
    def make_and_use() -> None:
        discount = Discount(kind=kind, value=value, currency=currency, reason=reason)  # type: ignore[arg-type]
        str(discount), repr(discount), hash(discount), discount.amount
        line = Line(
            description="Widget",
            quantity="2",
            unit_price=Money("10.00", "EUR"),
            discounts=[discount],
        )
        price(Document(currency="EUR", items=[line]))

    only_ordercore_errors(make_and_use)


@given(
    words=st.fixed_dictionaries(
        {"name": maybe(texts), "code": maybe(texts), "reason": maybe(texts)}
    ),
    rate=maybe(st.decimals(0, 30, places=2)),
    amount=maybe(amounts),
    flags=st.fixed_dictionaries(
        {"included": maybe(st.booleans()), "compound": maybe(st.booleans())}
    ),
)
def test_taxes_refuse_with_ordercore_errors_only(
    words: dict[str, Any], rate: Any, amount: Any, flags: dict[str, Any]
) -> None:
    name, code, reason = words["name"], words["code"], words["reason"]
    included, compound = flags["included"], flags["compound"]
    only_ordercore_errors(
        lambda: Tax.percent(
            name,
            rate,
            code=code,
            included=included,
            compound=compound,
            on_plain_net=compound,
            reason=reason,
        )
    )
    only_ordercore_errors(
        lambda: Tax.per_unit(name, amount, code=code, included=included, compound=compound)
    )
    only_ordercore_errors(lambda: Tax.division(name, rate, code=code, included=included))
    only_ordercore_errors(lambda: Tax.exempt(name, reason=reason, code=code))
    only_ordercore_errors(lambda: Tax.zero_rated(name, reason=reason, code=code))
    only_ordercore_errors(lambda: Tax.reverse_charge(name, reason=reason, code=code))
    only_ordercore_errors(lambda: Tax.withholding_tax(name, rate, code=code))


@given(
    fields=st.fixed_dictionaries(
        {
            "name": maybe(texts),
            "code": maybe(texts),
            "kind": maybe(st.sampled_from(TaxKind)),
            "rate": maybe(st.decimals(0, 30, places=2)),
        },
        optional={
            "currency": maybe(currencies().map(get_currency)),
            "included": maybe(st.booleans()),
            "compound": maybe(st.booleans()),
            "on_plain_net": maybe(st.booleans()),
            "withholding": maybe(st.booleans()),
            "reason": maybe(texts),
        },
    )
)
def test_a_tax_made_directly_refuses_with_ordercore_errors_only_wherever_it_goes(
    fields: dict[str, Any],
) -> None:
    def make_and_use() -> None:
        tax = Tax(**fields)
        str(tax), repr(tax), hash(tax), tax.amount, tax.breakdown_key
        line = Line(
            description="Widget", quantity="2", unit_price=Money("10.00", "EUR"), taxes=[tax]
        )
        price(Document(currency="EUR", items=[line]))

    only_ordercore_errors(make_and_use)


@given(
    fields=st.fixed_dictionaries(
        {
            "description": maybe(texts),
            "quantity": maybe(st.decimals(-100, 100, places=3)),
            "unit_price": maybe(amounts),
        },
        optional={
            "discounts": maybe(st.lists(maybe(discount_values), max_size=2)),
            "price_discount": maybe(discount_values),
            "taxes": maybe(st.lists(maybe(tax_values), max_size=2)),
            "kind": maybe(st.sampled_from(LineKind)),
            "product": maybe(texts),
            "base_quantity": maybe(st.decimals(-10, 10, places=1)),
        },
    )
)
def test_lines_refuse_with_ordercore_errors_only_wherever_they_go(fields: dict[str, Any]) -> None:
    def make_and_use() -> None:
        line = Line(**fields)
        price(Document(currency=line.currency, items=[line]))

    only_ordercore_errors(make_and_use)


@given(
    kind=st.sampled_from((Allowance, Charge)),
    percent=maybe(st.decimals(0, 100, places=2)),
    amount=maybe(amounts),
    reason=maybe(texts),
    adjustment_taxes=maybe(st.lists(maybe(tax_values), max_size=2)),
)
def test_allowances_and_charges_refuse_with_ordercore_errors_only(
    kind: type[Allowance | Charge], percent: Any, amount: Any, reason: Any, adjustment_taxes: Any
) -> None:
    only_ordercore_errors(lambda: kind.percentage(percent, reason=reason, taxes=adjustment_taxes))
    only_ordercore_errors(lambda: kind.fixed(amount, reason=reason, taxes=adjustment_taxes))
    only_ordercore_errors(
        lambda: kind(reason=reason, percent=percent, amount=amount, taxes=adjustment_taxes)
    )


@given(
    name=maybe(texts),
    group_lines=maybe(st.lists(maybe(line_values), max_size=3)),
    allowances=maybe(st.lists(maybe(st.just(Allowance.percentage("5", reason="Loyalty"))))),
    charges=maybe(st.lists(maybe(st.just(Charge.fixed(Money("5", "EUR"), reason="Shipping"))))),
)
def test_groups_refuse_with_ordercore_errors_only_wherever_they_go(
    name: Any, group_lines: Any, allowances: Any, charges: Any
) -> None:
    def make_and_use() -> None:
        group = Group(name=name, lines=group_lines, allowances=allowances, charges=charges)
        price(Document(currency="EUR", items=[group]))

    only_ordercore_errors(make_and_use)


@given(
    fields=st.fixed_dictionaries(
        {
            "rounding": maybe(st.sampled_from(RoundingMode)),
            "stacking": maybe(st.sampled_from(Stacking)),
            "tax_rounding": maybe(st.sampled_from(TaxRounding)),
            "adjustments": maybe(st.sampled_from(AdjustmentMode)),
            "price_places": maybe(st.integers(0, 12)),
            "cash_rounding": maybe(st.just(CashRounding.for_currency("CHF"))),
        }
    ),
    increment=maybe(st.sampled_from(("0.05", "1", "0.10"))),
    mode=maybe(st.sampled_from(RoundingMode)),
    currency=maybe(currencies()),
)
def test_policies_refuse_with_ordercore_errors_only(
    fields: dict[str, Any], increment: Any, mode: Any, currency: Any
) -> None:
    only_ordercore_errors(lambda: Policy(**fields))
    only_ordercore_errors(lambda: CashRounding(increment=increment, mode=mode))
    only_ordercore_errors(lambda: CashRounding.for_currency(currency, mode=mode))


@given(
    fields=st.fixed_dictionaries(
        {"currency": maybe(currencies()), "items": maybe(st.lists(maybe(line_values), max_size=3))},
        optional={
            "allowances": maybe(st.lists(st.just(Allowance.percentage("5", reason="Loyalty")))),
            "charges": maybe(st.lists(st.just(Charge.fixed(Money("5", "EUR"), reason="Post")))),
            "policy": maybe(st.just(Policy())),
            "prepaid": maybe(amounts),
        },
    )
)
def test_documents_refuse_with_ordercore_errors_only_wherever_they_go(
    fields: dict[str, Any],
) -> None:
    only_ordercore_errors(lambda: price(Document(**fields)))


@given(
    fields=st.fixed_dictionaries(
        {
            "base": maybe(currencies()),
            "quote": maybe(currencies()),
            "rate": maybe(st.decimals(0, 1000, places=4)),
            "source": maybe(texts),
            "date": maybe(st.dates()),
        }
    ),
    amount=maybe(amounts),
)
def test_exchange_rates_refuse_with_ordercore_errors_only(
    fields: dict[str, Any], amount: Any
) -> None:
    def make_and_use() -> None:
        ExchangeRate(**fields).convert(amount)

    only_ordercore_errors(make_and_use)


# Enormous totals and quanta are tried in a child process below: today they hang allocate.
@given(
    whole=maybe(st.decimals(-1000, 1000, places=2), enormous=False),
    ratios=maybe(st.lists(maybe(st.integers(0, 10), enormous=False), max_size=4), enormous=False),
    step=maybe(st.sampled_from((Decimal("0.01"), Decimal(1))), enormous=False),
)
def test_allocate_refuses_with_ordercore_errors_only(whole: Any, ratios: Any, step: Any) -> None:
    only_ordercore_errors(lambda: allocate(whole, ratios, step))


@pytest.mark.parametrize("field", ["total", "quantum"])
@pytest.mark.parametrize("value", ENORMOUS_VALUES, ids=str)
def test_allocate_answers_enormous_numbers_within_seconds(field: str, value: Decimal) -> None:
    split = f"""
from decimal import Decimal
from ordercore import OrdercoreError, allocate
arguments = {{"total": Decimal("10.00"), "ratios": [1, 2], "quantum": Decimal("0.01")}}
arguments[{field!r}] = Decimal({str(value)!r})
try:
    allocate(**arguments)
except OrdercoreError:
    pass
"""
    try:
        subprocess.run([sys.executable, "-c", split], check=True, timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail(f"allocate({field}=Decimal({str(value)!r}), ...) runs for more than 3 s")


@given(value=anything())
def test_price_refuses_anything_but_a_document_with_an_ordercore_error(value: object) -> None:
    with pytest.raises(OrdercoreError):
        price(value)  # type: ignore[arg-type]


# Every field of every public constructor, given each of the nastiest values in turn
# (the others valid): what is accepted must then work everywhere (printing, hashing,
# pricing); what is refused must be refused with one of ordercore's errors.

A_LINE = Line(
    description="Widget",
    quantity="2",
    unit_price=Money("10.00", "EUR"),
    taxes=[Tax.percent("VAT", "20")],
)
LOYALTY = Allowance.percentage("5", reason="Loyalty")
SHIPPING = Charge.fixed(Money("4.90", "EUR"), reason="Shipping")

BOUNDARY: dict[str, tuple[Callable[..., object], dict[str, object]]] = {
    "to_decimal": (to_decimal, {"value": "1.5"}),
    "Money": (Money, {"amount": "19.99", "currency": "EUR"}),
    "Money.of": (Money.of, {"value": Money("1.00", "EUR")}),
    "Money.zero": (Money.zero, {"currency": "EUR"}),
    "Discount": (
        Discount,
        {
            "kind": DiscountKind.PER_LINE,
            "value": Decimal(1),
            "currency": get_currency("EUR"),
            "reason": "Loyalty",
        },
    ),
    "Discount.percent": (Discount.percent, {"value": "10", "reason": "Loyalty"}),
    "Discount.per_unit": (Discount.per_unit, {"amount": Money("1.00", "EUR"), "reason": None}),
    "Discount.per_line": (Discount.per_line, {"amount": Money("1.00", "EUR"), "reason": None}),
    "Tax": (
        Tax,
        {
            "name": "Eco fee",
            "code": "S",
            "kind": TaxKind.PER_UNIT,
            "rate": Decimal("0.50"),
            "currency": get_currency("EUR"),
            "included": False,
            "compound": False,
            "on_plain_net": False,
            "withholding": False,
            "reason": None,
        },
    ),
    "Tax.percent": (
        Tax.percent,
        {
            "name": "VAT",
            "rate": "20",
            "code": "S",
            "included": False,
            "compound": False,
            "on_plain_net": False,
            "reason": None,
        },
    ),
    "Tax.per_unit": (
        Tax.per_unit,
        {
            "name": "Eco fee",
            "amount": Money("0.50", "EUR"),
            "code": "S",
            "included": True,
            "compound": False,
        },
    ),
    "Tax.division": (Tax.division, {"name": "Sales tax", "rate": "5", "code": "S"}),
    "Tax.exempt": (Tax.exempt, {"name": "VAT", "reason": "Export", "code": "E"}),
    "Tax.zero_rated": (Tax.zero_rated, {"name": "VAT", "reason": "Export", "code": "G"}),
    "Tax.reverse_charge": (Tax.reverse_charge, {"name": "VAT", "reason": "B2B", "code": "AE"}),
    "Tax.withholding_tax": (Tax.withholding_tax, {"name": "IRPF", "rate": "15", "code": "WHT"}),
    "Line": (
        Line,
        {
            "description": "Widget",
            "quantity": "2",
            "unit_price": Money("10.00", "EUR"),
            "discounts": [Discount.percent("10")],
            "price_discount": None,
            "taxes": [Tax.percent("VAT", "20")],
            "kind": LineKind.GOODS,
            "product": None,
            "base_quantity": "1",
        },
    ),
    "Allowance": (Allowance, {"reason": "Loyalty", "percent": "5", "amount": None, "taxes": ()}),
    "Allowance.percentage": (Allowance.percentage, {"percent": "5", "reason": "Loyalty"}),
    "Allowance.fixed": (Allowance.fixed, {"amount": Money("5.00", "EUR"), "reason": "Loyalty"}),
    "Charge": (
        Charge,
        {"reason": "Shipping", "percent": None, "amount": Money("4.90", "EUR"), "taxes": ()},
    ),
    "Charge.percentage": (Charge.percentage, {"percent": "2", "reason": "Handling"}),
    "Charge.fixed": (Charge.fixed, {"amount": Money("4.90", "EUR"), "reason": "Shipping"}),
    "Group": (
        Group,
        {"name": "Hardware", "lines": [A_LINE], "allowances": [LOYALTY], "charges": [SHIPPING]},
    ),
    "Document": (
        Document,
        {
            "currency": "EUR",
            "items": [A_LINE],
            "allowances": [LOYALTY],
            "charges": [SHIPPING],
            "policy": Policy(),
            "prepaid": Money("10.00", "EUR"),
        },
    ),
    "Policy": (
        Policy,
        {
            "rounding": RoundingMode.HALF_EVEN,
            "stacking": Stacking.ADDITIVE,
            "tax_rounding": TaxRounding.PER_LINE,
            "adjustments": AdjustmentMode.DISTRIBUTED,
            "price_places": 4,
            "cash_rounding": CashRounding.for_currency("CHF"),
        },
    ),
    "CashRounding": (CashRounding, {"increment": "0.05", "mode": RoundingMode.HALF_UP}),
    "CashRounding.for_currency": (
        CashRounding.for_currency,
        {"currency": "CHF", "mode": RoundingMode.HALF_UP},
    ),
    "ExchangeRate": (
        ExchangeRate,
        {
            "base": "EUR",
            "quote": "USD",
            "rate": "1.0832",
            "source": "ECB",
            "date": dt.date(2026, 11, 20),
        },
    ),
    "allocate": (
        allocate,
        {"total": Decimal("10.00"), "ratios": [1, 2], "quantum": Decimal("0.01")},
    ),
    "price": (price, {"document": Document(currency="EUR", items=[A_LINE])}),
}
BOUNDARY_FIELDS = [(name, field) for name, (_, fields) in BOUNDARY.items() for field in fields]


def put_to_use(value: object) -> None:
    """Use a value a constructor accepted: print it, hash it, price a document with it."""
    str(value), repr(value)
    document: Document | None = None
    match value:
        case Money():
            hash(value), value + value, value.rounded()
        case Discount():
            document = Document(currency="EUR", items=[attrs.evolve(A_LINE, discounts=[value])])
        case Tax():
            document = Document(currency="EUR", items=[attrs.evolve(A_LINE, taxes=[value])])
        case Line():
            document = Document(currency=value.currency, items=[value])
        case Group():
            document = Document(currency="EUR", items=[value])
        case Allowance() | Charge():
            mode = AdjustmentMode.STANDALONE if value.taxes else AdjustmentMode.DISTRIBUTED
            document = Document(
                currency="EUR",
                items=[A_LINE],
                allowances=[value] if isinstance(value, Allowance) else [],
                charges=[value] if isinstance(value, Charge) else [],
                policy=Policy(adjustments=mode),
            )
        case Policy():
            document = Document(currency="EUR", items=[A_LINE], policy=value)
        case CashRounding():
            document = Document(currency="EUR", items=[A_LINE], policy=Policy(cash_rounding=value))
        case ExchangeRate():
            value.convert(Money("10.00", value.base))
        case Document():
            document = value
    if document is not None:
        str(price(document))


def shown(value: object) -> str:
    try:
        return repr(value)[:40]
    except ValueError:  # an int too long to print
        return f"<{type(value).__name__}>"


@pytest.mark.parametrize(("constructor", "field"), BOUNDARY_FIELDS)
def test_every_field_refuses_the_nastiest_values_with_ordercore_errors_only(
    constructor: str, field: str
) -> None:
    make, valid = BOUNDARY[constructor]
    put_to_use(make(**valid))  # the valid call works
    escaped = []
    # allocate's enormous totals and quanta: see test_allocate_answers_enormous_numbers...
    values = NASTY_VALUES if make is allocate else NASTY_VALUES + ENORMOUS_VALUES
    for value in values:
        try:
            put_to_use(make(**{**valid, field: value}))
        except OrdercoreError:
            pass
        except Exception as error:  # every escape is collected and reported
            escaped.append(f"{field}={shown(value)}: {type(error).__name__}: {error}"[:200])
    assert not escaped, "\n".join(escaped)
