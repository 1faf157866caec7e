"""Hypothesis strategies for ordercore values, in business terms.

Each strategy makes values that ordercore's constructors accept: a unit price never
negative and never more precise than the policy allows, a fixed discount in the line's
currency and to the cent, a tax listed at most once on a line, standalone document
allowances that carry their own tax category, and so on.

A valid document can still be refused when it is priced, for reasons only the whole
document shows (a discount larger than its line, an allowance larger than the net it
applies to, returns and sales sharing one group allowance). Such a refusal is always an
:class:`~ordercore.errors.OrdercoreError`; a property should skip those examples, and
only those::

    from hypothesis import given, reject
    from ordercore import OrdercoreError, price
    from ordercore.testing import strategies as ost

    @given(ost.documents(currency="EUR"))
    def test_my_invoice_view(document):
        try:
            priced = price(document)
        except OrdercoreError:
            reject()
        ...

Every amount a strategy makes is in the document's currency and rounded to its minor
unit, except unit prices and per-unit amounts, which may carry more decimals as real
price lists do.

Payment terms (:func:`payment_terms`) follow the rules :class:`~ordercore.PaymentTerm`
checks; a term with fixed installments can still be refused for a total they exceed,
with :class:`~ordercore.errors.InstallmentsExceedTotal`.

Two strategies do the opposite: :func:`hostile_numbers` and :func:`hostile_texts` make
what a probe would throw at a boundary (huge exponents, long digit strings, NaN
spellings, lone surrogates, control characters, megabytes of text, values of the wrong
type), for fuzz tests in which only ordercore's own errors may escape::

    @given(ost.hostile_numbers())
    def test_my_import_refuses_cleanly(value):
        try:
            Money(value, "EUR")
        except OrdercoreError:
            pass
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import itertools
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import attrs
from hypothesis import strategies as st

from ordercore.errors import OrdercoreError
from ordercore.money.allocation import Ratio
from ordercore.money.amount import Money
from ordercore.money.currency import precision
from ordercore.money.rounding import CashRounding, RoundingMode
from ordercore.pricing.discounts import Discount, Stacking
from ordercore.pricing.document import (
    AdjustmentMode,
    Allowance,
    Charge,
    Document,
    Group,
    Policy,
)
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind, PriceSource
from ordercore.pricing.taxes import (
    DivisionTaxes,
    IncludedBackOut,
    IncludedRounding,
    ResidualCent,
    Tax,
    TaxKind,
    TaxRounding,
    together,
)
from ordercore.settlement.ledger import Ledger
from ordercore.settlement.open_items import Direction, DocumentRef, OpenItem
from ordercore.settlement.payments import Payment, PaymentKind
from ordercore.settlement.terms import (
    MAX_DAYS,
    MAX_MONTHS,
    DueRule,
    EarlyPaymentDiscount,
    Installment,
    PaymentTerm,
    ScheduledInstallment,
    Weekday,
)

__all__ = [
    "CURRENCIES",
    "RULE_SHAPES",
    "TaxesOf",
    "adjustment_taxes",
    "allowances",
    "amounts_and_ratios",
    "cash_roundings",
    "charges",
    "currencies",
    "discounts",
    "documents",
    "due_rules",
    "early_payment_discounts",
    "groups",
    "hostile_numbers",
    "hostile_texts",
    "invoice_dates",
    "ledgers",
    "lines",
    "open_items",
    "payment_terms",
    "payments",
    "policies",
    "price_discounts",
    "quantities",
    "taxes",
    "unit_prices",
]

E = TypeVar("E")
A = TypeVar("A", Allowance, Charge)

#: The currencies :func:`currencies` draws from: two-decimal EUR, USD and CHF (CHF pays
#: cash to 0.05), zero-decimal JPY and three-decimal BHD.
CURRENCIES: tuple[str, ...] = ("EUR", "USD", "JPY", "BHD", "CHF")

#: Makes the tax strategy for a currency; :func:`taxes` is one.
TaxesOf = Callable[[str], st.SearchStrategy[Tax]]

# Strategies are made once and reused: hypothesis validates each new strategy object, and
# documents draw hundreds of small values.
_BOOLEANS = st.booleans()
_PERMILLE = st.integers(0, 1000)
_ONE_IN_TEN = st.integers(0, 9)
#: A small catalog: what a line sells (description, product reference, kind) and where
#: its price came from, if a catalog priced it.
_CATALOG = st.sampled_from(
    (
        (
            "Widget",
            "SKU-1",
            LineKind.GOODS,
            PriceSource(catalog_version="2024-01", price_book="List", price_break="0"),
        ),
        ("Cable 2 m", "SKU-2", LineKind.GOODS, None),
        ("Coffee beans", None, LineKind.GOODS, None),
        (
            "Consulting",
            "HOURS",
            LineKind.SERVICE,
            PriceSource(catalog_version="2024-02", price_book="Services", price_break="10"),
        ),
        ("Licence", None, LineKind.SERVICE, None),
        ("Delivery", None, LineKind.CHARGE, None),
    )
)
_GROUP_NAMES = st.sampled_from(("Hardware", "Services", "Spare parts", "Room 1"))
# Each draw below chooses several things at once: a document draws a hundred values, and
# every draw costs.
_DISCOUNT_KINDS = st.sampled_from(
    tuple(
        (kind, reason)
        for reason in (None, "Loyalty", "Early order")
        for kind in ("percent", "per_unit", "per_line")
    )
)
_ADJUSTMENT_KINDS = st.sampled_from(
    tuple(
        (percentage, reason)
        for reason in ("Loyalty", "Shipping", "Handling", "Volume")
        for percentage in (True, False)
    )
)
_PRICE_DISCOUNT_KINDS = st.sampled_from((None, None, "percent", "per_unit"))
_BASE_QUANTITIES = st.sampled_from(("1", "1", "1", "10", "100", "0.5")).map(Decimal)
_QUANTITY_PLACES = st.sampled_from((0, 0, 0, 1, 2, 3))
_CASH_STEPS = st.sampled_from((1, 5, 10, 50, 100))
_MODES = st.sampled_from(RoundingMode)
_COMMON_PERCENTAGES = st.sampled_from(("5", "10", "12.5", "15", "20", "33.33", "50", "100")).map(
    Decimal
)
_COMMON_RATES = st.sampled_from(("20", "19", "10", "7", "5.5", "8.1", "2.5", "21", "0")).map(
    Decimal
)


def _decimal(units: int, places: int) -> Decimal:
    """``units`` x 10**-places, made exactly (no decimal context is involved)."""
    return Decimal(f"{units}E-{places}")


@functools.cache
def _amounts(max_value: int, places: int) -> st.SearchStrategy[Decimal]:
    """Non-negative decimals with ``places`` decimals, up to ``max_value``."""
    return st.integers(0, max_value * 10**places).map(lambda units: _decimal(units, places))


@functools.cache
def _integers(high: int, low: int = 0) -> st.SearchStrategy[int]:
    return st.integers(low, high)


def _up_to(draw: st.DrawFn, limit: Decimal, places: int) -> Decimal:
    """A decimal with ``places`` decimals between zero and ``limit`` (inclusive)."""
    most = max(math.floor(Fraction(limit) * 10**places), 0)
    units = draw(_integers(most)) if most <= 1000 else most * draw(_PERMILLE) // 1000
    return _decimal(units, places)


@functools.cache
def _percentages(max_value: int) -> st.SearchStrategy[Decimal]:
    return st.one_of(
        _COMMON_PERCENTAGES.filter(lambda value: value <= max_value), _amounts(max_value, 2)
    )


@functools.cache
def _rates(max_value: int) -> st.SearchStrategy[Decimal]:
    return st.one_of(
        _COMMON_RATES, st.integers(0, max_value * 1000).map(lambda units: _decimal(units, 3))
    )


@functools.cache
def _strategy_of(make: TaxesOf, currency: str) -> st.SearchStrategy[Tax]:
    return make(currency)


def _choice(value: E | st.SearchStrategy[E] | None, options: tuple[E, ...]) -> st.SearchStrategy[E]:
    """A strategy for a policy field: any option (``None``), a given strategy, or one value."""
    if isinstance(value, st.SearchStrategy):
        return value
    return _sampled(options if value is None else (value,))


@functools.cache
def _sampled(options: tuple[E, ...]) -> st.SearchStrategy[E]:
    return st.sampled_from(options)


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes of currencies with 0, 2 and 3 decimals (see :data:`CURRENCIES`)."""
    return st.sampled_from(CURRENCIES)


# -- quantities and prices -----------------------------------------------------------------


def _quantity(draw: st.DrawFn, *, max_value: int, max_places: int, returns: bool) -> Decimal:
    places = min(draw(_QUANTITY_PLACES), max_places, QUANTITY_PLACES)
    quantity = draw(_amounts(max_value, places))
    if returns and draw(_BOOLEANS):
        return -quantity
    return quantity


@st.composite
def quantities(
    draw: st.DrawFn, *, max_value: int = 1000, max_places: int = 3, returns: bool = False
) -> Decimal:
    """Quantities: whole units mostly, fractional ones (hours, kilograms) too.

    With ``returns`` a quantity may be negative (a returned item).
    """
    return _quantity(draw, max_value=max_value, max_places=max_places, returns=returns)


def _unit_price(draw: st.DrawFn, currency: str, *, max_value: int, max_places: int) -> Money:
    minor = precision(currency)
    places = draw(_sampled((minor, minor, *range(max_places + 1))))
    return Money(draw(_amounts(max_value, min(places, max_places))), currency)


@st.composite
def unit_prices(
    draw: st.DrawFn, currency: str, *, max_value: int = 10_000, max_places: int = 6
) -> Money:
    """Unit prices: to the currency's minor unit mostly, up to ``max_places`` decimals."""
    return _unit_price(draw, currency, max_value=max_value, max_places=max_places)


def _money(draw: st.DrawFn, currency: str, max_value: int) -> Money:
    """An amount to the currency's minor unit (fixed discounts, allowances, prepayments)."""
    return Money(draw(_amounts(max_value, precision(currency))), currency)


# -- discounts ----------------------------------------------------------------------------


def _discount(
    draw: st.DrawFn,
    currency: str,
    *,
    max_percent: int,
    max_per_unit: Decimal,
    max_per_line: Decimal,
) -> Discount:
    kind, reason = draw(_DISCOUNT_KINDS)
    if kind == "percent":
        return Discount.percent(draw(_percentages(max_percent)), reason=reason)
    limit = max_per_unit if kind == "per_unit" else max_per_line
    amount = Money(_up_to(draw, limit, precision(currency)), currency)
    if kind == "per_unit":
        return Discount.per_unit(amount, reason=reason)
    return Discount.per_line(amount, reason=reason)


@st.composite
def discounts(
    draw: st.DrawFn,
    currency: str,
    *,
    max_percent: int = 100,
    max_per_unit: Decimal = Decimal(5),
    max_per_line: Decimal = Decimal(20),
) -> Discount:
    """Line discounts: a percentage, a fixed amount per unit, or a fixed amount per line.

    Fixed amounts are to the currency's minor unit and at most ``max_per_unit`` or
    ``max_per_line``; percentages at most ``max_percent``.
    """
    return _discount(
        draw,
        currency,
        max_percent=max_percent,
        max_per_unit=max_per_unit,
        max_per_line=max_per_line,
    )


def _price_discount(draw: st.DrawFn, unit_price: Money, kind: str = "") -> Discount:
    if (kind or draw(_sampled(("percent", "per_unit")))) == "percent":
        return Discount.percent(draw(_percentages(100)))
    places = precision(unit_price.currency)
    return Discount.per_unit(Money(_up_to(draw, unit_price.amount, places), unit_price.currency))


@st.composite
def price_discounts(draw: st.DrawFn, unit_price: Money) -> Discount:
    """Item price discounts (EN 16931): a percentage of the price, or an amount off it."""
    return _price_discount(draw, unit_price)


# -- taxes -------------------------------------------------------------------------------


def _tax_catalog(currency: str) -> tuple[Tax, ...]:
    """Taxes as tax tables list them, simplest first (hypothesis shrinks towards the first)."""
    found: list[Tax] = []
    for name, rate, code in (
        ("VAT", "20", "S"),
        ("VAT", "7", "L"),
        ("GST", "8.1", "S"),
        ("VAT", "5.5", "L"),
        ("City tax", "2.5", "M"),
        ("VAT", "21", "S"),
        ("VAT", "0", "Z"),
    ):
        for included, compound, on_plain_net in (
            (False, False, False),
            (True, False, False),
            (False, True, False),
            (False, False, True),
            (True, False, True),
            (True, True, False),
        ):
            found.append(
                Tax.percent(
                    name,
                    rate,
                    code=code,
                    included=included,
                    compound=compound,
                    on_plain_net=on_plain_net,
                )
            )
    for amount in ("0.50", "0.05", "1", "1.255"):
        for included, compound in ((False, False), (True, False), (False, True), (True, True)):
            money = Money(amount, currency)
            found.append(Tax.per_unit("Eco fee", money, included=included, compound=compound))
    for rate in ("5", "10", "21"):
        found.append(Tax.division("Sales tax", rate))
        found.append(Tax.division("Sales tax", rate, included=True))
    found.extend(Tax.withholding_tax("IRPF", rate) for rate in ("15", "19", "7"))
    found.append(Tax.per_unit("Levy withheld", Money("0.05", currency), withholding=True))
    found.append(Tax.division("Withheld", "2", withholding=True))
    found.append(Tax.exempt("VAT", reason="Article 132(1)(i) of Directive 2006/112/EC"))
    found.append(Tax.zero_rated("VAT"))
    found.append(Tax.zero_rated("VAT", code="G", reason="Export outside the EU"))
    found.append(Tax.reverse_charge("VAT"))
    found.append(Tax.exempt("VAT", reason_code="VATEX-EU-132-1I"))
    found.append(Tax.not_subject("VAT", reason_code="VATEX-EU-O"))
    return tuple(found)


@functools.cache
def _tax_templates(
    currency: str,
    kinds: tuple[TaxKind, ...],
    included: bool | None,
    compound: bool,
    withholding: bool,
) -> st.SearchStrategy[tuple[Tax, bool]]:
    chosen = tuple(
        tax
        for tax in _tax_catalog(currency)
        if tax.kind in kinds
        and (included is None or tax.included == included)
        and (compound or not tax.compound)
        and (withholding or not tax.withholding)
    )
    if not chosen:
        raise ValueError(f"no tax of kinds {kinds} with included={included}")
    # (tax, whether to draw another rate): one draw in four gets an arbitrary rate.
    odd_rates = tuple((tax, True) for tax in chosen if tax.kind is not TaxKind.ZERO)
    return st.sampled_from(tuple((tax, False) for tax in chosen * 3) + odd_rates)


@st.composite
def taxes(
    draw: st.DrawFn,
    currency: str,
    *,
    kinds: Sequence[TaxKind] = tuple(TaxKind),
    included: bool | None = None,
    compound: bool = True,
    withholding: bool = True,
) -> Tax:
    """Taxes of every rule: percent, per unit, division, zero (exempt, zero rated, reverse charge).

    Mostly rates found in tax tables (VAT 20 %, 7 %, GST 8.1 %, an eco fee per unit, ...);
    one tax in four at an arbitrary rate with up to three decimals (or an arbitrary amount
    per unit), where rounding is put to the test.

    ``included``: ``None`` lets a tax be included in the price or not, ``True`` makes only
    included taxes, ``False`` none. ``compound`` allows compound taxes (tax on tax);
    ``withholding`` allows withholding taxes (negative percentages, amounts per unit and
    division rates); included taxes may be compound, and may follow compound ones.
    Constructor rules are respected: a withholding tax is never included, a zero tax
    states its reason (but a zero-rated
    one, which states none).
    """
    tax, odd_rate = draw(_tax_templates(currency, tuple(kinds), included, compound, withholding))
    if not odd_rate:
        return tax
    if tax.kind is TaxKind.PER_UNIT:
        places = precision(currency) + draw(_integers(1))
        return attrs.evolve(tax, rate=draw(_amounts(5, places)))
    return attrs.evolve(tax, rate=draw(_rates(50 if tax.kind is TaxKind.DIVISION else 30)))


def adjustment_taxes(currency: str) -> st.SearchStrategy[Tax]:
    """Taxes a standalone document allowance or charge can carry (no units, nothing included)."""
    return taxes(currency, kinds=(TaxKind.PERCENT, TaxKind.DIVISION, TaxKind.ZERO), included=False)


def _distinct(
    draw: st.DrawFn, strategy: st.SearchStrategy[Tax], *, low: int, high: int
) -> list[Tax]:
    """Between ``low`` and ``high`` different taxes (a line lists a tax once)."""
    found: list[Tax] = []
    for _ in range(draw(_integers(high, low))):
        tax = draw(strategy)
        if tax not in found:
            found.append(tax)
    return found


# -- lines and groups ---------------------------------------------------------------------


def _net_unit_price(unit_price: Decimal, price_discount: Discount | None) -> Decimal:
    if price_discount is None:
        return unit_price
    if price_discount.amount is None:
        return unit_price * (1 - price_discount.value / 100)
    return unit_price - price_discount.value


_LINE_STACKINGS = st.sampled_from([None, None, Stacking.SEQUENTIAL, Stacking.ADDITIVE])


def _line(
    draw: st.DrawFn,
    currency: str,
    *,
    line_taxes: TaxesOf,
    price_places: int,
    returns: bool,
    any_discounts: bool,
    max_taxes: int = 3,
    max_discounts: int = 2,
) -> Line:
    unit_price = _unit_price(draw, currency, max_value=10_000, max_places=price_places)
    quantity = _quantity(draw, max_value=1000, max_places=3, returns=returns)
    base_quantity = draw(_BASE_QUANTITIES)
    price_discount_kind = draw(_PRICE_DISCOUNT_KINDS)
    price_discount = (
        _price_discount(draw, unit_price, price_discount_kind) if price_discount_kind else None
    )
    unit_value = _net_unit_price(unit_price.amount, price_discount) / base_quantity
    line_discounts = [
        _discount(
            draw,
            currency,
            max_percent=100 if any_discounts else 50,
            max_per_unit=Decimal(5) if any_discounts else unit_value / 4,
            max_per_line=Decimal(20) if any_discounts else abs(quantity * unit_value) / 4,
        )
        for _ in range(draw(_integers(max_discounts)))
    ]
    tax_strategy = _strategy_of(line_taxes, currency)
    description, product, kind, price_source = draw(_CATALOG)
    # a line of several discounts may stack them its own way (None: the policy's)
    stacking = draw(_LINE_STACKINGS) if len(line_discounts) > 1 else None
    return Line(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        discounts=line_discounts,
        price_discount=price_discount,
        taxes=_distinct(draw, tax_strategy, low=0, high=max_taxes),
        kind=kind,
        product=product,
        base_quantity=base_quantity,
        price_source=price_source,
        stacking=stacking,
    )


@st.composite
def lines(
    draw: st.DrawFn,
    currency: str,
    *,
    line_taxes: TaxesOf = taxes,
    max_taxes: int = 3,
    max_discounts: int = 2,
    price_places: int = 6,
    returns: bool = False,
    any_discounts: bool = False,
) -> Line:
    """Line items with quantities, unit prices, discounts, a price discount and taxes.

    ``line_taxes`` makes the taxes for a currency (default :func:`taxes`); pass, say,
    ``functools.partial(taxes, included=True)`` to price only tax-inclusive lines.
    ``returns`` lets quantities be negative. Discounts are sized so that the line bears
    them, unless ``any_discounts``: then a discount may take the line below zero, which
    pricing refuses with :class:`~ordercore.errors.InvalidDiscount`.
    """
    return _line(
        draw,
        currency,
        line_taxes=line_taxes,
        price_places=price_places,
        returns=returns,
        any_discounts=any_discounts,
        max_taxes=max_taxes,
        max_discounts=max_discounts,
    )


def _adjustment(draw: st.DrawFn, kind: type[A], currency: str, taxed_by: TaxesOf | None) -> A:
    own_taxes = (
        _distinct(draw, _strategy_of(taxed_by, currency), low=1, high=2)
        if taxed_by is not None
        else []
    )
    percentage, reason = draw(_ADJUSTMENT_KINDS)
    if percentage:
        return kind.percentage(draw(_percentages(30)), reason=reason, taxes=own_taxes)
    return kind.fixed(_money(draw, currency, 50), reason=reason, taxes=own_taxes)


@st.composite
def allowances(draw: st.DrawFn, currency: str, *, taxed_by: TaxesOf | None = None) -> Allowance:
    """Allowances: a percentage of the net they apply to, or a fixed amount.

    ``taxed_by`` gives each its own taxes (standalone document allowances need them).
    """
    return _adjustment(draw, Allowance, currency, taxed_by)


@st.composite
def charges(draw: st.DrawFn, currency: str, *, taxed_by: TaxesOf | None = None) -> Charge:
    """Charges (shipping, handling): a percentage of the net, or a fixed amount."""
    return _adjustment(draw, Charge, currency, taxed_by)


def _group(
    draw: st.DrawFn,
    currency: str,
    *,
    line_taxes: TaxesOf,
    price_places: int,
    returns: bool,
    any_discounts: bool,
    max_lines: int,
) -> Group:
    return Group(
        name=draw(_GROUP_NAMES),
        lines=[
            _line(
                draw,
                currency,
                line_taxes=line_taxes,
                price_places=price_places,
                returns=returns,
                any_discounts=any_discounts,
            )
            for _ in range(draw(_integers(max_lines, 1)))
        ],
        allowances=[
            _adjustment(draw, Allowance, currency, None) for _ in range(draw(_integers(2)))
        ],
        charges=[_adjustment(draw, Charge, currency, None) for _ in range(draw(_integers(1)))],
    )


@st.composite
def groups(
    draw: st.DrawFn,
    currency: str,
    *,
    line_taxes: TaxesOf = taxes,
    price_places: int = 6,
    returns: bool = False,
    any_discounts: bool = False,
    max_lines: int = 3,
) -> Group:
    """Groups of one or more lines, with their own allowances and charges (untaxed)."""
    return _group(
        draw,
        currency,
        line_taxes=line_taxes,
        price_places=price_places,
        returns=returns,
        any_discounts=any_discounts,
        max_lines=max_lines,
    )


# -- policies and documents ---------------------------------------------------------------


def _cash_rounding(draw: st.DrawFn, currency: str) -> CashRounding:
    mode = draw(_MODES)
    if draw(_BOOLEANS):
        return CashRounding.for_currency(currency, mode=mode)
    return CashRounding(increment=_decimal(draw(_CASH_STEPS), precision(currency)), mode=mode)


@st.composite
def cash_roundings(draw: st.DrawFn, currency: str) -> CashRounding:
    """Cash rounding: the currency's own cash increment, or a multiple of its minor unit."""
    return _cash_rounding(draw, currency)


@st.composite
def policies(
    draw: st.DrawFn,
    currency: str,
    *,
    stacking: Stacking | st.SearchStrategy[Stacking] | None = None,
    tax_rounding: TaxRounding | st.SearchStrategy[TaxRounding] | None = None,
    rounding: RoundingMode | st.SearchStrategy[RoundingMode] | None = None,
    adjustments: AdjustmentMode | st.SearchStrategy[AdjustmentMode] | None = None,
    cash_rounding: bool | None = None,
    included_rounding: IncludedRounding
    | st.SearchStrategy[IncludedRounding]
    | None = IncludedRounding.NET_FIRST,
    residual_cent: ResidualCent
    | st.SearchStrategy[ResidualCent]
    | None = ResidualCent.LARGEST_REMAINDER,
    division_taxes: DivisionTaxes | st.SearchStrategy[DivisionTaxes] | None = DivisionTaxes.EACH,
    included_back_out: IncludedBackOut
    | st.SearchStrategy[IncludedBackOut]
    | None = IncludedBackOut.SUMMED,
) -> Policy:
    """Pricing policies; each option is a value, a strategy, or ``None`` for any.

    ``cash_rounding``: ``None`` sometimes rounds the payable amount to a cash increment,
    ``True`` always does, ``False`` never. ``included_rounding``, ``residual_cent``,
    ``division_taxes`` and ``included_back_out`` are the defaults unless asked for
    (``None`` for any).
    """
    with_cash = draw(_BOOLEANS) if cash_rounding is None else cash_rounding
    return Policy(
        rounding=draw(_choice(rounding, tuple(RoundingMode))),
        stacking=draw(_choice(stacking, tuple(Stacking))),
        tax_rounding=draw(_choice(tax_rounding, tuple(TaxRounding))),
        adjustments=draw(_choice(adjustments, tuple(AdjustmentMode))),
        price_places=draw(_integers(6, precision(currency))),
        cash_rounding=_cash_rounding(draw, currency) if with_cash else None,
        included_rounding=draw(_choice(included_rounding, tuple(IncludedRounding))),
        residual_cent=draw(_choice(residual_cent, tuple(ResidualCent))),
        division_taxes=draw(_choice(division_taxes, tuple(DivisionTaxes))),
        included_back_out=draw(_choice(included_back_out, tuple(IncludedBackOut))),
    )


@st.composite
def documents(
    draw: st.DrawFn,
    currency: str | st.SearchStrategy[str] | None = None,
    *,
    stacking: Stacking | st.SearchStrategy[Stacking] | None = None,
    tax_rounding: TaxRounding | st.SearchStrategy[TaxRounding] | None = None,
    rounding: RoundingMode | st.SearchStrategy[RoundingMode] | None = None,
    adjustments: AdjustmentMode | st.SearchStrategy[AdjustmentMode] | None = None,
    cash_rounding: bool | None = None,
    included_rounding: IncludedRounding
    | st.SearchStrategy[IncludedRounding]
    | None = IncludedRounding.NET_FIRST,
    residual_cent: ResidualCent
    | st.SearchStrategy[ResidualCent]
    | None = ResidualCent.LARGEST_REMAINDER,
    division_taxes: DivisionTaxes | st.SearchStrategy[DivisionTaxes] | None = DivisionTaxes.EACH,
    included_back_out: IncludedBackOut
    | st.SearchStrategy[IncludedBackOut]
    | None = IncludedBackOut.SUMMED,
    prepaid: bool | None = None,
    line_taxes: TaxesOf = taxes,
    standalone_taxes: TaxesOf = adjustment_taxes,
    document_adjustments: bool = True,
    returns: bool = False,
    max_items: int = 3,
) -> Document:
    """Whole documents: lines and groups, document allowances and charges, a policy.

    ``currency`` and the policy options (``stacking``, ``tax_rounding``, ``rounding``,
    ``adjustments``; ``included_rounding``, ``residual_cent``, ``division_taxes`` and
    ``included_back_out``, which are the defaults unless given) each take a value, a
    strategy, or ``None`` for any. Standalone document allowances and charges carry taxes
    from ``standalone_taxes``; distributed ones carry none. ``cash_rounding`` and
    ``prepaid``: ``None`` sometimes, ``True`` always, ``False`` never.
    ``document_adjustments=False`` leaves out document-level allowances and charges;
    ``returns`` lets quantities be negative. One document in ten holds discounts that may
    exceed their line (pricing refuses those).
    """
    code = draw(_choice(currency, CURRENCIES))
    policy = draw(
        policies(
            code,
            stacking=stacking,
            tax_rounding=tax_rounding,
            rounding=rounding,
            adjustments=adjustments,
            cash_rounding=cash_rounding,
            included_rounding=included_rounding,
            residual_cent=residual_cent,
            division_taxes=division_taxes,
            included_back_out=included_back_out,
        )
    )
    any_discounts = draw(_ONE_IN_TEN) == 0
    items: list[Line | Group] = []
    for _ in range(draw(_integers(max_items))):
        if draw(_BOOLEANS):
            items.append(
                _group(
                    draw,
                    code,
                    line_taxes=line_taxes,
                    price_places=policy.price_places,
                    returns=returns,
                    any_discounts=any_discounts,
                    max_lines=3,
                )
            )
        else:
            items.append(
                _line(
                    draw,
                    code,
                    line_taxes=line_taxes,
                    price_places=policy.price_places,
                    returns=returns,
                    any_discounts=any_discounts,
                )
            )
    taxed_by = standalone_taxes if policy.adjustments is AdjustmentMode.STANDALONE else None
    with_adjustments = document_adjustments and bool(items)
    with_prepaid = draw(_BOOLEANS) if prepaid is None else prepaid
    allowances = [
        _adjustment(draw, Allowance, code, taxed_by)
        for _ in range(draw(_integers(2)) if with_adjustments else 0)
    ]
    charges = [
        _adjustment(draw, Charge, code, taxed_by)
        for _ in range(draw(_integers(2)) if with_adjustments else 0)
    ]
    prepaid_amount = _money(draw, code, 500) if with_prepaid else None
    if policy.division_taxes is DivisionTaxes.TOGETHER and not _levied_together(
        items, [*allowances, *charges]
    ):  # division rates that come to 100 % together on some line: each on its own then
        policy = attrs.evolve(policy, division_taxes=DivisionTaxes.EACH)
    return Document(
        currency=code,
        items=items,
        allowances=allowances,
        charges=charges,
        policy=policy,
        prepaid=prepaid_amount,
    )


def _levied_together(items: list[Line | Group], adjustments: list[Allowance | Charge]) -> bool:
    """Whether the division taxes of every line and adjustment can be levied together."""
    taxed = [
        line.taxes
        for item in items
        for line in (item.lines if isinstance(item, Group) else (item,))
    ]
    taxed.extend(adjustment.taxes for adjustment in adjustments)
    try:
        for taxes_of in taxed:
            together(taxes_of)
    except OrdercoreError:
        return False
    return True


# -- allocation ---------------------------------------------------------------------------

_QUANTA = st.sampled_from(((1, 2), (1, 0), (1, 3), (5, 2), (5, 1), (10, 0)))
_RATIOS: st.SearchStrategy[Ratio] = st.one_of(
    st.integers(0, 10**6),
    _amounts(1000, 3),
    st.builds(Fraction, st.integers(0, 10**6), st.integers(1, 1000)),
)


@functools.cache
def _ratio_lists(max_parts: int) -> st.SearchStrategy[list[Ratio]]:
    return st.lists(_RATIOS, min_size=1, max_size=max_parts)


@st.composite
def amounts_and_ratios(
    draw: st.DrawFn, *, max_parts: int = 8, mixed_signs: bool = False
) -> tuple[Decimal, list[Ratio], Decimal]:
    """A total, the ratios to split it by, and the quantum, as :func:`~ordercore.money.allocate` takes them.

    The total is a multiple of the quantum (positive, negative or zero); the ratios are
    ``Decimal``, ``Fraction`` or ``int``, all of one sign unless ``mixed_signs`` (a sale
    and a return sharing one allowance), and never summing to zero unless the total is
    zero.
    """
    steps, places = draw(_QUANTA)
    quantum = _decimal(steps, places)
    total = _decimal(steps * draw(_integers(10**9, -(10**9))), places)
    ratios: list[Ratio] = draw(_ratio_lists(max_parts))
    if mixed_signs:
        ratios = [-r if draw(_BOOLEANS) else r for r in ratios]
    elif draw(_BOOLEANS):
        ratios = [-r for r in ratios]
    if sum(Fraction(r) for r in ratios) == 0 and total != 0:
        ratios[0] = ratios[0] + 1 if ratios[0] >= 0 else ratios[0] - 1
    return total, ratios, quantum


# -- payment terms ------------------------------------------------------------------------

_COMMON_DAYS = st.sampled_from((0, 7, 10, 14, 15, 30, 45, 60, 90))
_DAYS = st.one_of(_COMMON_DAYS, st.integers(0, MAX_DAYS))
_MONTHS = st.one_of(st.integers(0, 3), st.integers(0, MAX_MONTHS))
_MONTHS_AHEAD = st.integers(0, 3)
_DAYS_OF_MONTH = st.one_of(st.sampled_from((31, 30, 29, 28)), st.integers(1, 31))
_DISCOUNT_PERCENTS = st.one_of(
    st.sampled_from(("2", "1", "3", "2.5")).map(Decimal),
    st.integers(1, 9999).map(lambda units: _decimal(units, 2)),
)
_PERCENT_PLACES = st.sampled_from((0, 0, 1, 2))
_ONE_IN_THREE = st.integers(0, 2)
_TERM_NAMES = st.sampled_from(("Net", "Instalments", "Deposit and balance", "Quarterly"))
#: Invoice dates: any day from 1900 to 2200, and often a month's last day or 29 February.
_ANY_DATE = st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))
_MONTH_ENDS = st.builds(
    lambda year, month: dt.date(year, month, calendar.monthrange(year, month)[1]),
    st.integers(1900, 2200),
    st.integers(1, 12),
)
_LEAP_DAYS = st.sampled_from((1904, 2000, 2024, 2028, 2096, 2104)).map(
    lambda year: dt.date(year, 2, 29)
)


def invoice_dates() -> st.SearchStrategy[dt.date]:
    """Invoice dates from 1900 to 2200; month ends and leap days come often."""
    return st.one_of(_ANY_DATE, _MONTH_ENDS, _LEAP_DAYS)


#: The shapes of the one-step rules :func:`due_rules` draws.
RULE_SHAPES = ("days_after", "end_of_month", "day_of_month")
_FORWARD_SHAPES = (*RULE_SHAPES, "weeks_after", "months_after", "next_weekday")


def _rule(shape: str, days: int, months: int, day: int) -> DueRule:
    if shape == "days_after":
        return DueRule.days_after(days)
    if shape == "end_of_month":
        return DueRule.end_of_month(days=days, months=months)
    if shape == "day_of_month":
        return DueRule.day_of_month(day, months=max(months, 1))
    if shape == "weeks_after":
        return DueRule.weeks_after(max(days // 7, 1))
    if shape == "months_after":
        return DueRule.months_after(max(months, 1))
    return DueRule.next_weekday(Weekday(day % 7), days=days)


@st.composite
def due_rules(
    draw: st.DrawFn, *, shapes: Sequence[str] = RULE_SHAPES, composed: bool = False
) -> DueRule:
    """Due-date rules of one of ``shapes`` (see :data:`RULE_SHAPES`), counting forward.

    With ``composed``, also rules of up to three steps of any forward shape (weeks,
    months, next weekday too), each applied to the date the one before gives: none of
    them ever falls before the invoice date.
    """
    shape = draw(_sampled(tuple(shapes)))
    rule = _rule(shape, draw(_DAYS), draw(_MONTHS), draw(_DAYS_OF_MONTH))
    if not composed:
        return rule
    for _ in range(draw(_integers(2))):
        step = _rule(
            draw(_sampled(_FORWARD_SHAPES)), draw(_DAYS), draw(_MONTHS_AHEAD), draw(_DAYS_OF_MONTH)
        )
        rule = rule.then(step)
    return rule


def _early_payment_discount(draw: st.DrawFn, max_days: int) -> EarlyPaymentDiscount:
    return EarlyPaymentDiscount(percent=draw(_DISCOUNT_PERCENTS), days=draw(_integers(max_days)))


@st.composite
def early_payment_discounts(draw: st.DrawFn, *, max_days: int = 30) -> EarlyPaymentDiscount:
    """Early-payment discounts: 2 % mostly, any percentage below 100 with 2 decimals too."""
    return _early_payment_discount(draw, max_days)


@functools.cache
def _cuts(whole: int, count: int) -> st.SearchStrategy[frozenset[int]]:
    return st.frozensets(st.integers(1, whole - 1), min_size=count, max_size=count)


def _percent_split(draw: st.DrawFn, parts: int) -> list[Decimal]:
    """``parts`` positive percentages, with up to two decimals, that sum to exactly 100."""
    places = draw(_PERCENT_PLACES)
    whole = 100 * 10**places
    bounds = [0, *sorted(draw(_cuts(whole, parts - 1))), whole]
    return [_decimal(high - low, places) for low, high in itertools.pairwise(bounds)]


def _rules(draw: st.DrawFn, count: int, *, ordered: bool) -> list[DueRule]:
    if not ordered:
        return [draw(due_rules(composed=True)) for _ in range(count)]
    # One kind, and every number sorted: each rule is then no earlier than the one before.
    shape = draw(_sampled(RULE_SHAPES))
    days = sorted(draw(_DAYS) for _ in range(count))
    months = sorted(draw(_MONTHS) for _ in range(count))
    days_of_month = sorted(draw(_DAYS_OF_MONTH) for _ in range(count))
    return [_rule(shape, *numbers) for numbers in zip(days, months, days_of_month, strict=True)]


@st.composite
def payment_terms(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    max_installments: int = 4,
    ordered: bool = False,
    discounts: bool = True,
) -> PaymentTerm:
    """Payment terms of 1 to ``max_installments`` installments, as the term's rules allow.

    Percentages have up to two decimals and sum to 100, or less with a remainder last.
    With a ``currency``, installments before a remainder may be fixed amounts in it
    (0.01 to 1,000.00 in a two-decimal currency). ``ordered`` gives every installment a
    rule of one kind whose numbers never decrease down the term, so that neither do its
    due dates. ``discounts`` lets one installment in three have an early-payment discount
    (ending by the due date for a days-after rule).
    """
    count = draw(_integers(max_installments, 1))
    with_remainder = draw(_BOOLEANS)
    installments = []
    shares = zip(_percent_split(draw, count), _rules(draw, count, ordered=ordered), strict=True)
    for index, (percent, rule) in enumerate(shares):
        discount = None
        if discounts and draw(_ONE_IN_THREE) == 0:
            window = 30 if rule.days_only is None else min(rule.days_only, MAX_DAYS)
            discount = _early_payment_discount(draw, window)
        if with_remainder and index == count - 1:
            installments.append(Installment.remainder(due=rule, discount=discount))
        elif with_remainder and currency is not None and draw(_BOOLEANS):
            amount = _decimal(draw(_integers(100_000, 1)), precision(currency))
            installments.append(
                Installment.fixed(Money(amount, currency), due=rule, discount=discount)
            )
        else:
            installments.append(Installment.percentage(percent, due=rule, discount=discount))
    return PaymentTerm(name=draw(_TERM_NAMES), installments=installments)


# -- hostile input ---------------------------------------------------------------------------

#: Larger than any limit ordercore has, and quick to make (a megabyte).
_HUGE = 1_000_000
_FRACTION_DIGITS = st.integers(0, 20)


@functools.cache
def _hostile_numbers() -> st.SearchStrategy[object]:
    exponents = st.one_of(
        st.integers(-40, 40), st.integers(-(10**25), 10**25), st.sampled_from((10**19, -(10**19)))
    )
    mantissas = st.sampled_from(("1", "0", "-1", "9.99", "0.000001", "-0", "123456789012345"))
    written_exponents = st.builds(
        lambda m, e, sep: f"{m}{sep}{e}", mantissas, exponents, st.sampled_from(("e", "E", "e+"))
    ).map(lambda text: text.replace("e+-", "e-"))
    long_digits = st.one_of(
        st.integers(14, 120).map(lambda n: "9" * n),
        st.integers(10, 120).map(lambda n: "0." + "0" * n + "1"),
        st.integers(10, 120).map(lambda n: "0" * n + "1"),
        st.just("1" + "0" * _HUGE),
        st.just("1e" + "9" * 100_000),
        st.just("0." + "0" * _HUGE),
    )
    spellings = st.sampled_from(
        (
            "NaN",
            "nan",
            "-NaN",
            "sNaN",
            "Infinity",
            "-Infinity",
            "inf",
            "-inf",
            "Inf",
            "1e",
            "e5",
            ".",
            "-",
            "+",
            "",
            " ",
            "1.2.3",
            "1_000",
            "1,5",
            "0x10",
            "1e1.5",
            "--1",
            "-0",
            "+0",
            "-0.00",
            "0e-20",
            "-0e5",
            "0e999999999999",
        )
    )
    non_ascii = st.sampled_from(
        ("\u0661\u0662\u0663", "\uff11\uff12", "\u00b2", "\u0663.\u0665", "1\u00a0000", "\u0967")
    )
    spaced = st.builds(
        lambda before, number, after: f"{before}{number}{after}",
        st.sampled_from(("", " ", "\t", "\n", "\u2003", "\x00")),
        st.sampled_from(("1", "19.99", "-3", "1e3")),
        st.sampled_from(("", " ", "\r\n", "\u00a0", "\x00")),
    )
    decimals = st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True),
        st.sampled_from(
            (
                Decimal("NaN"),
                Decimal("sNaN"),
                Decimal("-Infinity"),
                Decimal("-0"),
                Decimal("1E+999999999999999999"),
                Decimal("1E-999999999999999999"),
                Decimal("-0E+999999"),
                Decimal("999999999999999.999999999999"),
                Decimal("1E+15"),
                Decimal("1E-13"),
            )
        ),
    )
    integers = st.one_of(
        st.integers(10**14, 10**40), st.integers(-(10**40), -(10**14)), st.just(10**100_000)
    )
    return st.one_of(
        written_exponents,
        long_digits,
        spellings,
        non_ascii,
        spaced,
        decimals,
        integers,
        st.text(max_size=30),
        st.sampled_from((0.1, float("nan"), True, None, b"1", [1], {"1": 1}, object())),
    )


def hostile_numbers() -> st.SearchStrategy[object]:
    """Values a probe would give where a number belongs: few are acceptable.

    Huge and tiny exponents (``"1e9999999999999999999"``, ``"1e"`` followed by 100,000
    nines), long digit strings (up to a megabyte), NaN and infinity spellings, signed and
    exponent-written zeros, digits of other scripts, numbers wrapped in whitespace and
    NUL characters, extreme ``Decimal``s and ``int``s, floats, booleans and other types.
    """
    return _hostile_numbers()


@functools.cache
def _hostile_texts() -> st.SearchStrategy[object]:
    surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
    controls = st.characters(max_codepoint=0x9F, categories=["Cc"])
    hostile_chars = st.one_of(surrogates, controls, st.sampled_from(("\u202e", "\u200b", "\ufeff")))
    mixed = st.lists(
        st.one_of(hostile_chars, st.sampled_from(("Desk", " ", "\u00e9", "\u20ac"))),
        min_size=1,
        max_size=8,
    ).map("".join)
    huge = st.sampled_from(
        ("x" * _HUGE, "\u00e9" * _HUGE, "\ud800" * 1000, "\n" * _HUGE, "a" * 101, "a" * 4001)
    )
    return st.one_of(
        mixed,
        huge,
        st.sampled_from(("", " ", "\t", "\n")),
        st.text(max_size=30),
        st.sampled_from((None, 1, b"desk", ["desk"], Decimal(1))),
    )


def hostile_texts() -> st.SearchStrategy[object]:
    """Values a probe would give where a text belongs: few are acceptable.

    Lone surrogates, control characters, bidirectional overrides and zero-width marks,
    strings of a megabyte and just over each length limit, blank strings, and values
    that are not strings.
    """
    return _hostile_texts()


# -- settlement: ledgers of open items, payments and the entries between them ----------------

_LEDGER_PARTIES = ("acme", "globex")
_LEDGER_DAY = dt.date(2026, 1, 1)


def _ledger_items(draw: st.DrawFn, currency: str, count: int) -> list[OpenItem]:
    places = precision(currency)
    items = []
    for index in range(count):
        is_credit = index > 0 and draw(st.integers(0, 3)) == 0
        whole = draw(_integers(50_000, 1))
        amount = _decimal(whole, places)
        document = (
            DocumentRef.credit_note(f"CN-{index}", Direction.RECEIVABLE)
            if is_credit
            else DocumentRef.invoice(f"INV-{index}")
        )
        due = _LEDGER_DAY + dt.timedelta(days=draw(_integers(3)) * 30)
        party = draw(st.sampled_from(_LEDGER_PARTIES))
        money = Money(-amount if is_credit else amount, currency)
        units = whole * draw(_integers(3)) // 100  # a discount of 0 to 3 %, rounded down
        if is_credit or not units:
            items.append(
                OpenItem.single(
                    document=document,
                    party=party,
                    amount=money,
                    issue_date=_LEDGER_DAY,
                    due_date=None if is_credit else due,
                )
            )
            continue
        installment = ScheduledInstallment(
            due_date=due,
            amount=money,
            discount_amount=Money(_decimal(units, places), currency),
            discount_deadline=_LEDGER_DAY + dt.timedelta(days=10),
        )
        items.append(
            OpenItem(
                document=document,
                party=party,
                amount=money,
                issue_date=_LEDGER_DAY,
                installments=(installment,),
            )
        )
    return items


def _ledger_payments(draw: st.DrawFn, currency: str, count: int) -> list[Payment]:
    places = precision(currency)
    return [
        Payment.received(
            amount=Money(_decimal(draw(_integers(80_000, 1)), places), currency),
            date=_LEDGER_DAY + dt.timedelta(days=index),
            reference=f"BANK-{index}",
            method="transfer",
            party=draw(st.sampled_from(_LEDGER_PARTIES)),
            idempotency_key=f"req-{index}",
        )
        for index in range(count)
    ]


def _sources(ledger: Ledger) -> list[str | DocumentRef]:
    credit_notes: list[str | DocumentRef] = [
        i.document for i in ledger.items if i.amount.amount < 0
    ]
    return [*(p.reference for p in ledger.payments), *credit_notes]


def _left(ledger: Ledger, source: str | DocumentRef) -> Money:
    if isinstance(source, str):
        return ledger.unallocated(source)
    return -ledger.amount_remaining(source)


def _party_of(ledger: Ledger, source: str | DocumentRef) -> str:
    return ledger.payment(source).party if isinstance(source, str) else ledger.item(source).party


def _on(draw: st.DrawFn, ledger: Ledger, source: str | DocumentRef) -> dt.date | None:
    """No day (as soon as it could be), or a day on or after the source and every item."""
    if draw(st.booleans()):
        return None
    given = (
        ledger.payment(source).date if isinstance(source, str) else ledger.item(source).issue_date
    )
    return max(given, _LEDGER_DAY) + dt.timedelta(days=draw(_integers(20)))


def _step_oldest(draw: st.DrawFn, ledger: Ledger) -> Ledger:
    sources = _sources(ledger)
    if not sources:
        return ledger
    source = draw(st.sampled_from(sources))
    return ledger.allocate_oldest_first(source, on=_on(draw, ledger, source))


def _step_explicit(draw: st.DrawFn, ledger: Ledger) -> Ledger:
    sources = _sources(ledger)
    if not sources:
        return ledger
    source = draw(st.sampled_from(sources))
    party = _party_of(ledger, source)
    targets = [i for i in ledger.items if i.party == party and i.amount.amount > 0]
    if not targets:
        return ledger
    target = draw(st.sampled_from(targets))
    most = min(_left(ledger, source), ledger.amount_remaining(target.document))
    if most.amount <= 0:
        return ledger
    places = precision(most.currency)
    amount = max(_up_to(draw, most.amount, places), _decimal(1, places))
    on = _on(draw, ledger, source)
    return ledger.allocate(source, {target.document: Money(amount, most.currency)}, on=on)


def _step_credit(draw: st.DrawFn, ledger: Ledger) -> Ledger:
    currency = ledger.items[0].currency
    return ledger.allocate_credit_oldest_first(draw(st.sampled_from(_LEDGER_PARTIES)), currency)


def _step_write_off(draw: st.DrawFn, ledger: Ledger) -> Ledger:
    owing = [i for i in ledger.items if ledger.amount_remaining(i.document).amount]
    if not owing:
        return ledger
    item = draw(st.sampled_from(owing))
    tolerance = abs(ledger.amount_remaining(item.document))
    return ledger.write_off(
        item.document, tolerance=tolerance, reason="small remainder", date=_LEDGER_DAY
    )


def _step_reverse(draw: st.DrawFn, ledger: Ledger) -> Ledger:
    live = [e.number for e in ledger.entries if e.number not in ledger.reversed]
    return ledger.reverse(draw(st.sampled_from(live))) if live else ledger


def _step_discount(draw: st.DrawFn, ledger: Ledger) -> Ledger:
    on = _LEDGER_DAY + dt.timedelta(days=draw(_integers(12)))
    earning = [i for i in ledger.items if ledger.discount_available(i.document, on=on).amount]
    if not earning:
        return ledger
    return ledger.take_discount(draw(st.sampled_from(earning)).document, on=on)


_LEDGER_STEPS = (
    _step_oldest,
    _step_explicit,
    _step_credit,
    _step_write_off,
    _step_discount,
    _step_reverse,
)


@st.composite
def ledgers(
    draw: st.DrawFn,
    *,
    currency: str = "EUR",
    max_items: int = 8,
    max_payments: int = 4,
    max_steps: int = 10,
) -> Ledger:
    """A settlement :class:`~ordercore.Ledger` after a history of valid operations.

    Invoices and credit notes of two parties (added in any order), payments received
    from them, then up to ``max_steps`` allocations (oldest first, explicit, of credit),
    write-offs of what remains, and reversals, each valid where it is applied.
    """
    items = _ledger_items(draw, currency, draw(_integers(max_items, 1)))
    ledger = Ledger().add_items(*draw(st.permutations(items)))
    for payment in _ledger_payments(draw, currency, draw(_integers(max_payments))):
        ledger = ledger.record(payment)
    for _ in range(draw(_integers(max_steps))):
        ledger = draw(st.sampled_from(_LEDGER_STEPS))(draw, ledger)
    return ledger


# -- settlement records --------------------------------------------------------------------


@st.composite
def open_items(draw: st.DrawFn, currency: str | st.SearchStrategy[str] | None = None) -> OpenItem:
    """Open items of invoices (some with an early-payment discount) and of credit notes."""
    code = draw(_choice(currency, CURRENCIES))
    count = draw(_integers(4, 1))
    return draw(st.sampled_from(_ledger_items(draw, code, count)))


@st.composite
def payments(draw: st.DrawFn, currency: str | st.SearchStrategy[str] | None = None) -> Payment:
    """Payments of any kind (received, sent, refunds), each with its reference and key."""
    code = draw(_choice(currency, CURRENCIES))
    made = draw(st.sampled_from(PaymentKind))
    received = _ledger_payments(draw, code, 1)[0]
    return attrs.evolve(received, kind=made)
