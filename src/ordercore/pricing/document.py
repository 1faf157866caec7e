"""What is priced: lines in groups, allowances and charges, and the pricing policy.

A :class:`Document` is the priceable content of a quote, an order or an invoice: its
currency, its items (lines and groups of lines, in order), its document-level allowances
and charges, and the :class:`Policy` that says how it is priced. It holds facts only;
:func:`ordercore.pricing.price` derives every amount from it.

>>> from ordercore.money import Money
>>> from ordercore.pricing import Charge, Document, Group, Line, Tax
>>> vat = Tax.percent("VAT", "20")
>>> doc = Document(
...     currency="EUR",
...     items=[
...         Group(
...             name="Hardware",
...             lines=[Line(description="Router", quantity="2", unit_price=Money("89.00", "EUR"), taxes=[vat])],
...             charges=[Charge.fixed(Money("9.90", "EUR"), reason="Shipping")],
...         ),
...     ],
... )
>>> doc
Document(currency='EUR', lines=1, groups=1)
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import attrs
import moneyed

from ordercore._convert import check_instance, pickled_as_tuple, to_money, to_text, to_tuple
from ordercore._fieldmeta import WHEN_SET
from ordercore.errors import (
    CurrencyMismatch,
    InvalidAdjustment,
    InvalidAmount,
    InvalidLine,
    InvalidNumber,
    InvalidType,
    UnknownProfile,
    excerpt,
)
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.currency import get_currency, precision
from ordercore.money.decimals import decimal_places, to_decimal
from ordercore.money.rounding import CashRounding, CashRoundingStrategy, RoundingMode
from ordercore.pricing.discounts import DiscountKind, DiscountOverflow, Stacking
from ordercore.pricing.lines import Line
from ordercore.pricing.taxes import (
    DivisionTaxes,
    IncludedBackOut,
    IncludedRounding,
    ResidualCent,
    Tax,
    TaxKind,
    TaxRounding,
    check_taxes,
    together,
)

if TYPE_CHECKING:
    from ordercore.pricing.results import PricedDocument, PricedLine

__all__ = [
    "AdjustmentMode",
    "Allowance",
    "Charge",
    "Document",
    "Group",
    "NegativePrices",
    "Policy",
    "TaxCorrection",
]

_HUNDRED = Decimal(100)


def _optional_percent(value: object) -> Decimal | None:
    if value is None:
        return None
    number = to_decimal(value, field="percent", max_places=6)
    if not 0 <= number <= _HUNDRED:
        raise InvalidNumber(value, reason="a percentage must be between 0 and 100", field="percent")
    return number


def _optional_money(value: object) -> Money | None:
    return None if value is None else to_money(value, "amount")


def _money(value: object) -> Money:
    return to_money(value, "amount")


def _reason(value: object) -> str:
    return to_text(value, "reason")


def _name(value: object) -> str:
    return to_text(value, "name")


def _taxes(value: object) -> tuple[Tax, ...]:
    return check_taxes(to_tuple(value, Tax, "taxes"))


def _lines(value: object) -> tuple[Line, ...]:
    return to_tuple(value, Line, "lines")


def _allowances(value: object) -> tuple[Allowance, ...]:
    return to_tuple(value, Allowance, "allowances")


def _charges(value: object) -> tuple[Charge, ...]:
    return to_tuple(value, Charge, "charges")


def _corrections(value: object) -> tuple[TaxCorrection, ...]:
    return to_tuple(value, TaxCorrection, "tax_corrections")


def _tax(value: object) -> Tax:
    return check_instance(value, Tax, "tax")


def _items(value: object) -> tuple[Line | Group, ...]:
    return to_tuple(value, (Line, Group), "items")


def _rounding(value: object) -> RoundingMode:
    return check_instance(value, RoundingMode, "rounding")


def _stacking(value: object) -> Stacking:
    return check_instance(value, Stacking, "stacking")


def _tax_rounding(value: object) -> TaxRounding:
    return check_instance(value, TaxRounding, "tax_rounding")


def _included_rounding(value: object) -> IncludedRounding:
    return check_instance(value, IncludedRounding, "included_rounding")


def _residual_cent(value: object) -> ResidualCent:
    return check_instance(value, ResidualCent, "residual_cent")


def _adjustment_mode(value: object) -> AdjustmentMode:
    return check_instance(value, AdjustmentMode, "adjustments")


def _policy(value: object) -> Policy:
    return check_instance(value, Policy, "policy")


@attrs.frozen(kw_only=True, repr=False)
class _Adjustment:
    """An allowance or a charge: a percentage of its base, or a fixed amount."""

    sign: ClassVar[int]
    noun: ClassVar[str]

    reason: str = attrs.field(converter=_reason)
    percent: Decimal | None = attrs.field(default=None, converter=_optional_percent)
    amount: Money | None = attrs.field(default=None, converter=_optional_money)
    taxes: tuple[Tax, ...] = attrs.field(default=(), converter=_taxes)

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise InvalidAdjustment(
                self, reason="give exactly one of a percent and an amount", field="percent"
            )
        if self.amount is not None and self.amount.amount < 0:
            raise InvalidAdjustment(
                self, reason=f"the amount must not be negative; use {self._other}", field="amount"
            )
        for tax in self.taxes:
            if tax.kind is TaxKind.PER_UNIT or tax.included:
                raise InvalidAdjustment(
                    self,
                    reason=f"the tax {tax} cannot apply to an {self.noun}: it has no units or stated price",
                    field="taxes",
                )

    @property
    def _other(self) -> str:
        return "a Charge" if self.sign < 0 else "an Allowance"

    @property
    def fixed_amount(self) -> Decimal:
        """The fixed amount as a ``Decimal`` (zero for a percentage)."""
        return self.amount.amount if self.amount is not None else Decimal(0)

    @property
    def rate(self) -> Decimal | None:
        """The percentage as a fraction (``0.05`` for 5 %), or ``None`` for a fixed amount."""
        return None if self.percent is None else CONTEXT.divide(self.percent, _HUNDRED)

    def __str__(self) -> str:
        value = f"{self.percent} %" if self.percent is not None else str(self.amount)
        return f"{self.noun} {self.reason} {value}"

    def __repr__(self) -> str:
        kind = type(self).__name__
        if self.percent is not None:
            return f"{kind}.percentage({str(self.percent)!r}, reason={self.reason!r})"
        return f"{kind}.fixed({self.amount!r}, reason={self.reason!r})"


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Allowance(_Adjustment):
    """A discount on a group or the whole document (EN 16931 document level allowance).

    >>> Allowance.percentage("5", reason="Loyalty")
    Allowance.percentage('5', reason='Loyalty')
    """

    sign: ClassVar[int] = -1
    noun: ClassVar[str] = "allowance"

    @classmethod
    def percentage(
        cls, percent: object, *, reason: str, taxes: tuple[Tax, ...] | list[Tax] = ()
    ) -> Allowance:
        """Take ``percent`` % of the base (the lines' net) off."""
        return cls(reason=reason, percent=percent, taxes=taxes)

    @classmethod
    def fixed(
        cls, amount: moneyed.Money, *, reason: str, taxes: tuple[Tax, ...] | list[Tax] = ()
    ) -> Allowance:
        """Take a fixed amount off."""
        return cls(reason=reason, amount=amount, taxes=taxes)


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Charge(_Adjustment):
    """A charge on a group or the whole document, such as shipping or handling.

    >>> Charge.fixed(Money("9.90", "EUR"), reason="Shipping")
    Charge.fixed(Money('9.90', 'EUR'), reason='Shipping')
    """

    sign: ClassVar[int] = 1
    noun: ClassVar[str] = "charge"

    @classmethod
    def percentage(
        cls, percent: object, *, reason: str, taxes: tuple[Tax, ...] | list[Tax] = ()
    ) -> Charge:
        """Add ``percent`` % of the base (the lines' net)."""
        return cls(reason=reason, percent=percent, taxes=taxes)

    @classmethod
    def fixed(
        cls, amount: moneyed.Money, *, reason: str, taxes: tuple[Tax, ...] | list[Tax] = ()
    ) -> Charge:
        """Add a fixed amount."""
        return cls(reason=reason, amount=amount, taxes=taxes)


Adjustment = Allowance | Charge


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class TaxCorrection:
    """An amount added to one row of the tax breakdown, with the reason for it.

    A document that completes others, such as the last invoice of a sales order, uses it
    so that the taxes of all of them add up, rate by rate, to the tax of the whole: each
    document rounds its own tax, and the cents those roundings gain or lose are given
    back on the row of the rate they came from. The row (the one of ``tax``'s name, code
    and rate; how the tax combines on a line does not matter) then reads its computed
    tax plus ``amount``; a row the document's lines do not have is added with a zero base.

    >>> TaxCorrection(tax=Tax.percent("VAT", "20"), amount=Money("-0.01", "EUR"),
    ...               reason="Rounding difference")
    TaxCorrection(tax=Tax.percent('VAT', '20', code='S'), amount=Money('-0.01', 'EUR'), reason='Rounding difference')
    """

    tax: Tax = attrs.field(converter=_tax)
    amount: Money = attrs.field(converter=_money)
    reason: str = attrs.field(converter=_reason)

    def __attrs_post_init__(self) -> None:
        if self.amount.amount == 0:
            raise InvalidAmount(
                self.amount.amount, reason="a correction is not zero", field="amount"
            )
        if self.tax.kind is TaxKind.ZERO:
            raise InvalidAmount(
                self.amount.amount,
                reason=f"the tax {self.tax} is zero by definition; there is nothing to correct",
                field="amount",
            )

    def __repr__(self) -> str:
        return f"TaxCorrection(tax={self.tax!r}, amount={self.amount!r}, reason={self.reason!r})"


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Group:
    """An ordered set of lines with a name and its own allowances and charges.

    A group's allowances and charges are computed on the group's net (its lines after
    their own discounts) and distributed over its lines in proportion to their nets,
    by largest remainder, so that every line knows its final taxable base and takes
    its own taxes on its share.
    """

    name: str = attrs.field(converter=_name)
    lines: tuple[Line, ...] = attrs.field(converter=_lines)
    allowances: tuple[Allowance, ...] = attrs.field(default=(), converter=_allowances)
    charges: tuple[Charge, ...] = attrs.field(default=(), converter=_charges)

    def __attrs_post_init__(self) -> None:
        for adjustment in self.adjustments:
            if adjustment.taxes:
                raise InvalidAdjustment(
                    adjustment,
                    reason="a group's allowances and charges take the taxes of its lines; give them none",
                    field="taxes",
                )
        if self.adjustments and not self.lines:
            raise InvalidAdjustment(
                self.adjustments[0],
                reason=f"group {excerpt(self.name)} has no lines to carry it",
                field="lines",
            )

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Allowances first, then charges."""
        return (*self.allowances, *self.charges)

    def __repr__(self) -> str:
        return f"Group(name={self.name!r}, lines={len(self.lines)})"


class AdjustmentMode(enum.Enum):
    """What happens to document-level allowances and charges.

    * ``DISTRIBUTED`` (the default): spread over all lines in proportion to their nets;
      each line's taxes then apply to its share;
    * ``STANDALONE``: they stay separate entries with their own taxes, as EN 16931
      models document level allowances and charges (each must state its taxes).
    """

    DISTRIBUTED = "distributed"
    STANDALONE = "standalone"

    def __repr__(self) -> str:
        return f"AdjustmentMode.{self.name}"


class NegativePrices(enum.Enum):
    """Whether a line's unit price may be negative.

    * ``REFUSE`` (the default, as EN 16931 BR-27 has it: an item net price is never
      negative): a document with such a line raises
      :class:`~ordercore.errors.InvalidLine`; a return has a negative quantity, a
      discount is an allowance;
    * ``ALLOW``: a line may state a negative unit price, as ERPs let a discount or a
      deposit be billed as a line of its own. Such a line is priced as the same line with
      the sign moved from its price to its quantity (quantity x unit price is the same
      product): what follows the sign of a line follows its amount's, so its per-unit
      taxes, per-unit and fixed discounts are negative on a positive quantity, and the
      line counts with the returns where the side matters (docs/pricing.md).
    """

    REFUSE = "refuse"
    ALLOW = "allow"

    def __repr__(self) -> str:
        return f"NegativePrices.{self.name}"


def _negative_prices(value: object) -> NegativePrices:
    return check_instance(value, NegativePrices, "negative_prices")


def _discount_overflow(value: object) -> DiscountOverflow:
    return check_instance(value, DiscountOverflow, "discount_overflow")


def _division_taxes(value: object) -> DivisionTaxes:
    return check_instance(value, DivisionTaxes, "division_taxes")


def _included_back_out(value: object) -> IncludedBackOut:
    return check_instance(value, IncludedBackOut, "included_back_out")


def _price_places(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 12:
        raise InvalidType(value, expected="an int between 0 and 12", field="price_places")
    return value


def _cash_rounding(value: object) -> CashRounding | None:
    return None if value is None else check_instance(value, CashRounding, "cash_rounding")


def _tax_increment(value: object) -> Decimal | None:
    if value is None:
        return None
    number = to_decimal(value, field="tax_increment")
    if number <= 0:
        raise InvalidNumber(
            value, reason="a rounding increment must be positive", field="tax_increment"
        )
    return number


#: The tax roundings whose rows are rounded once, from a sum: those a tax increment fits.
_ROW_ROUNDED = (TaxRounding.PER_RATE, TaxRounding.PER_TAX_EXACT, TaxRounding.PER_GROUP)


@pickled_as_tuple
@attrs.frozen(kw_only=True)
class Policy:
    """How a document is priced; the priced result records the policy it used.

    Each option is a named convention (docs/conventions.md shows each at work): the
    rounding mode, the stacking of discounts, the granularity of tax rounding
    (:class:`~ordercore.pricing.taxes.TaxRounding`), which figure of a tax-inclusive
    amount is rounded first (:class:`~ordercore.pricing.taxes.IncludedRounding`) and
    where the cent several included taxes share goes
    (:class:`~ordercore.pricing.taxes.ResidualCent`), whether included taxes are backed
    out of summed amounts or line by line
    (:class:`~ordercore.pricing.taxes.IncludedBackOut`), and whether an additive stack of
    discounts past 100 % is refused or clamped at zero
    (:class:`~ordercore.pricing.discounts.DiscountOverflow`), whether a unit price
    may be negative (:class:`NegativePrices`), and whether neighbouring division taxes
    are levied on one gross (:class:`~ordercore.pricing.taxes.DivisionTaxes`). The
    defaults are EN 16931's.

    ``cash_rounding`` rounds the payable amount to a cash increment, its ``strategy``
    saying where the difference lands (a figure of its own, an untaxed line, the largest
    tax). ``tax_increment`` rounds each row of the tax breakdown to a multiple of an
    increment coarser than the currency's minor unit (whole forints: ``"1"``; ``"0.05"``)
    instead of the minor unit; it fits the tax roundings that round each row once from a
    sum (per rate, per tax exact, per group), and taxes not included in the price.

    >>> Policy()
    Policy(rounding=RoundingMode.HALF_UP, stacking=Stacking.SEQUENTIAL, tax_rounding=TaxRounding.PER_RATE,
           adjustments=AdjustmentMode.DISTRIBUTED, price_places=6, cash_rounding=None,
           included_rounding=IncludedRounding.NET_FIRST, residual_cent=ResidualCent.LARGEST_REMAINDER,
           discount_overflow=DiscountOverflow.REFUSE, tax_increment=None,
           negative_prices=NegativePrices.REFUSE, division_taxes=DivisionTaxes.EACH,
           included_back_out=IncludedBackOut.SUMMED)
    """

    rounding: RoundingMode = attrs.field(default=RoundingMode.HALF_UP, converter=_rounding)
    stacking: Stacking = attrs.field(default=Stacking.SEQUENTIAL, converter=_stacking)
    tax_rounding: TaxRounding = attrs.field(default=TaxRounding.PER_RATE, converter=_tax_rounding)
    adjustments: AdjustmentMode = attrs.field(
        default=AdjustmentMode.DISTRIBUTED, converter=_adjustment_mode
    )
    #: The most decimal places a unit price may carry.
    price_places: int = attrs.field(default=6, converter=_price_places)
    cash_rounding: CashRounding | None = attrs.field(default=None, converter=_cash_rounding)
    included_rounding: IncludedRounding = attrs.field(
        default=IncludedRounding.NET_FIRST, converter=_included_rounding
    )
    residual_cent: ResidualCent = attrs.field(
        default=ResidualCent.LARGEST_REMAINDER, converter=_residual_cent
    )
    discount_overflow: DiscountOverflow = attrs.field(
        default=DiscountOverflow.REFUSE, converter=_discount_overflow, metadata=WHEN_SET
    )
    tax_increment: Decimal | None = attrs.field(
        default=None, converter=_tax_increment, metadata=WHEN_SET
    )
    negative_prices: NegativePrices = attrs.field(
        default=NegativePrices.REFUSE, converter=_negative_prices, metadata=WHEN_SET
    )
    division_taxes: DivisionTaxes = attrs.field(
        default=DivisionTaxes.EACH, converter=_division_taxes, metadata=WHEN_SET
    )
    included_back_out: IncludedBackOut = attrs.field(
        default=IncludedBackOut.SUMMED, converter=_included_back_out, metadata=WHEN_SET
    )

    def __attrs_post_init__(self) -> None:
        if self.tax_increment is not None and self.tax_rounding not in _ROW_ROUNDED:
            raise InvalidNumber(
                self.tax_increment,
                reason=f"a tax increment rounds each row of the breakdown once, which "
                f"{self.tax_rounding!r} does not (its rows are sums of rounded line taxes); "
                "use TaxRounding.PER_RATE, PER_TAX_EXACT or PER_GROUP",
                field="tax_increment",
            )

    @classmethod
    def profile(cls, name: str, **changes: object) -> Policy:
        """The policy of a named profile: the conventions of a system, bundled.

        ``"en16931"`` (the defaults), ``"odoo_17"``, ``"odoo_17_round_globally"``,
        ``"odoo_14"``, ``"odoo_14_round_globally"``, ``"erpnext"`` and ``"tryton"``;
        docs/profiles.md lists each one's rules and where the system states them.
        ``changes`` set other options on top (a cash rounding, the places of unit
        prices), checked as ``Policy(...)`` checks them.
        Another name raises :class:`~ordercore.errors.UnknownProfile`.

        >>> Policy.profile("tryton").tax_rounding
        TaxRounding.PER_TAX_EXACT
        """
        options = _PROFILES.get(name) if isinstance(name, str) else None
        if options is None:
            raise UnknownProfile(name, known=tuple(_PROFILES))
        fields = attrs.fields_dict(cls)
        for option in changes:
            if option not in fields:
                raise InvalidType(
                    option, expected=f"an option of Policy ({', '.join(fields)})", field="changes"
                )
        return cls(**{**options, **changes})

    @staticmethod
    def profiles() -> tuple[str, ...]:
        """The names :meth:`profile` knows."""
        return tuple(_PROFILES)


#: The options of each named profile (docs/profiles.md gives the sources of each).
_PROFILES: dict[str, dict[str, object]] = {
    "en16931": {},
    "odoo_17": {
        "rounding": RoundingMode.HALF_UP,
        "tax_rounding": TaxRounding.PER_LINE,
        "included_rounding": IncludedRounding.TAX_FIRST,
        "division_taxes": DivisionTaxes.TOGETHER,
    },
    "odoo_17_round_globally": {
        "rounding": RoundingMode.HALF_UP,
        "tax_rounding": TaxRounding.PER_RATE,
        "included_rounding": IncludedRounding.TAX_FIRST,
        "division_taxes": DivisionTaxes.TOGETHER,
        "included_back_out": IncludedBackOut.PER_LINE,
    },
    "odoo_14": {
        "rounding": RoundingMode.HALF_UP,
        "tax_rounding": TaxRounding.PER_LINE,
        "included_rounding": IncludedRounding.NET_FIRST,
        "residual_cent": ResidualCent.LAST_TAX,
    },
    "odoo_14_round_globally": {
        "rounding": RoundingMode.HALF_UP,
        "tax_rounding": TaxRounding.PER_RATE,
        "included_rounding": IncludedRounding.NET_FIRST,
        "residual_cent": ResidualCent.LAST_TAX,
        "included_back_out": IncludedBackOut.PER_LINE,
    },
    "erpnext": {
        "rounding": RoundingMode.HALF_UP,
        "tax_rounding": TaxRounding.PER_RATE,
    },
    "tryton": {
        "rounding": RoundingMode.HALF_EVEN,
        "tax_rounding": TaxRounding.PER_TAX_EXACT,
        "price_places": 4,
    },
}


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Document:
    """The content of a document to price, in one currency.

    Every amount in it (unit prices, fixed discounts, per-unit taxes, fixed allowances
    and charges, the prepaid amount) must be in ``currency``: a different one raises
    :class:`~ordercore.errors.CurrencyMismatch` when the document is made.
    """

    currency: moneyed.Currency = attrs.field(converter=get_currency)
    items: tuple[Line | Group, ...] = attrs.field(converter=_items)
    allowances: tuple[Allowance, ...] = attrs.field(default=(), converter=_allowances)
    charges: tuple[Charge, ...] = attrs.field(default=(), converter=_charges)
    policy: Policy = attrs.field(factory=Policy, converter=_policy)
    prepaid: Money | None = attrs.field(default=None, converter=_optional_money)
    tax_corrections: tuple[TaxCorrection, ...] = attrs.field(default=(), converter=_corrections)
    #: Every line in document order, those of groups included (see :attr:`lines`).
    _lines: tuple[Line, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(
            self,
            "_lines",
            tuple(
                line
                for item in self.items
                for line in (item.lines if isinstance(item, Group) else (item,))
            ),
        )
        self._check_lines()
        self._check_corrections()
        for group in self.groups:
            self._check_fixed(group.adjustments)
        self._check_fixed(self.adjustments)
        self._check_document_adjustments()
        code = self.currency.code
        if self.prepaid is not None:
            if self.prepaid.currency != self.currency:
                raise CurrencyMismatch(code, self.prepaid.currency.code, operation="prepay in")
            self._check_minor_unit(self.prepaid.amount, "prepaid", "the prepaid amount")
            if self.prepaid.amount < 0:
                raise InvalidAmount(
                    self.prepaid.amount,
                    reason="a prepaid amount cannot be negative; bill the difference as a line",
                    field="prepaid",
                )
        cash = self.policy.cash_rounding
        if cash is not None and decimal_places(cash.increment) > precision(self.currency):
            raise InvalidAmount(
                cash.increment,
                reason=f"a cash rounding increment must be a multiple of the {code} minor unit",
                field="cash_rounding",
            )
        if self.policy.tax_increment is not None:
            self._check_tax_increment(self.policy.tax_increment)

    def _check_tax_increment(self, increment: Decimal) -> None:
        """A tax increment is whole minor units; rows it rounds can take nothing finer."""
        code = self.currency.code
        if decimal_places(increment) > precision(self.currency):
            raise InvalidAmount(
                increment,
                reason=f"a tax increment must be a multiple of the {code} minor unit",
                field="tax_increment",
            )
        for line in self.lines:
            if line.has_included_tax:
                raise InvalidLine(
                    line.description,
                    reason="a tax included in the price is backed out to the minor unit, so "
                    "that the stated price stays whole; it cannot be rounded to a tax "
                    f"increment of {increment}",
                    field="taxes",
                )
        cash = self.policy.cash_rounding
        if cash is not None and cash.strategy is CashRoundingStrategy.BIGGEST_TAX:
            # the difference is what the lines' minor units leave: it would take the row
            # off its increment
            raise InvalidAmount(
                cash.increment,
                reason=f"with a tax increment of {increment}, cash rounding cannot land on the "
                "biggest tax; book it as its own figure or as a rounding line",
                field="cash_rounding",
            )
        for correction in self.tax_corrections:
            amount = correction.amount.amount
            if CONTEXT.remainder(amount, increment):
                raise InvalidAmount(
                    amount,
                    reason=f"a tax correction must be a multiple of the tax increment {increment}",
                    field="tax_corrections",
                )

    def _check_lines(self) -> None:
        places = self.policy.price_places
        currency = self.currency
        refuse_negative = self.policy.negative_prices is NegativePrices.REFUSE
        levy_together = self.policy.division_taxes is DivisionTaxes.TOGETHER
        for line in self.lines:
            if levy_together:  # their rates together below 100 %, their factors bounded
                together(line.taxes)
            if refuse_negative and line.unit_price.amount < 0:
                raise InvalidLine(
                    line.description,
                    reason="a unit price cannot be negative (EN 16931 BR-27): use a negative "
                    "quantity for a return, or an Allowance for a discount; to bill a "
                    "discount or deposit line as other systems do, price the document with "
                    "Policy(negative_prices=NegativePrices.ALLOW)",
                    field="unit_price",
                )
            line_currency = line.unit_price.currency
            if line_currency is not currency and line_currency != currency:
                raise CurrencyMismatch(currency.code, line_currency.code, operation="price in")
            if line.price_places > places:
                raise InvalidLine(
                    line.description,
                    reason=f"the unit price {line.unit_price.amount} has more than {places} "
                    "decimal places",
                    field="unit_price",
                )
            for discount in line.discounts:
                if discount.kind is DiscountKind.PER_LINE:
                    self._check_minor_unit(
                        discount.value,
                        "discounts",
                        f"the discount of line {excerpt(line.description)}",
                    )

    def _check_corrections(self) -> None:
        rows: set[tuple[object, ...]] = set()
        for correction in self.tax_corrections:
            amount = correction.amount
            if amount.currency != self.currency:
                raise CurrencyMismatch(
                    self.currency.code, amount.currency.code, operation="correct a tax in"
                )
            self._check_minor_unit(amount.amount, "tax_corrections", "a tax correction")
            key = correction.tax.breakdown_key
            if key in rows:
                raise InvalidAmount(
                    amount.amount,
                    reason=f"the row of {correction.tax} is corrected twice; give one correction",
                    field="tax_corrections",
                )
            rows.add(key)

    def _check_document_adjustments(self) -> None:
        standalone = self.policy.adjustments is AdjustmentMode.STANDALONE
        for adjustment in self.adjustments:
            if standalone and not adjustment.taxes:
                raise InvalidAdjustment(
                    adjustment,
                    reason="a standalone document allowance or charge needs its own taxes "
                    "(a tax category such as Tax.percent('VAT', '20') or Tax.exempt(...))",
                    field="taxes",
                )
            if not standalone and adjustment.taxes:
                raise InvalidAdjustment(
                    adjustment,
                    reason="a distributed allowance or charge takes the taxes of the lines; "
                    "give it none, or price the document with AdjustmentMode.STANDALONE",
                    field="taxes",
                )
            if self.policy.division_taxes is DivisionTaxes.TOGETHER:
                together(adjustment.taxes)
        if self.adjustments and not self.lines:
            raise InvalidAdjustment(
                self.adjustments[0], reason="the document has no lines to carry it", field="lines"
            )

    def _check_fixed(self, adjustments: tuple[Adjustment, ...]) -> None:
        for adjustment in adjustments:
            if adjustment.amount is not None:
                if adjustment.amount.currency != self.currency:
                    raise CurrencyMismatch(
                        self.currency.code, adjustment.amount.currency.code, operation="adjust"
                    )
                field = "allowances" if adjustment.sign < 0 else "charges"
                self._check_minor_unit(adjustment.amount.amount, field, str(adjustment))

    def _check_minor_unit(self, amount: Decimal, field: str, what: str) -> None:
        """A fixed amount that is added or taken as it is must be in whole minor units.

        ``field`` names the document's field it is in, ``what`` says which amount it is.
        """
        if decimal_places(amount) > precision(self.currency):
            raise InvalidAmount(
                amount,
                reason=f"{what}: {self.currency.code} amounts have {precision(self.currency)} "
                "decimal places; a fixed amount finer than that would leave the totals between "
                "two cents",
                field=field,
            )

    @classmethod
    def _of_lines(
        cls, currency: moneyed.Currency, lines: tuple[Line, ...], policy: Policy
    ) -> Document:
        """A document of ``lines`` alone, checking nothing (private, as ``Line._unchecked``).

        For code inside ordercore that prices lines it derived from the lines of a checked
        document in ``currency`` priced with ``policy`` (an invoice of some of an order's
        lines): each line passes the checks that document made of it, so they are not made
        again. The result equals ``Document(currency=currency, items=lines, policy=policy)``.
        """
        document: Document = object.__new__(cls)
        put = object.__setattr__
        put(document, "currency", currency)
        put(document, "items", lines)
        put(document, "allowances", ())
        put(document, "charges", ())
        put(document, "policy", policy)
        put(document, "prepaid", None)
        put(document, "tax_corrections", ())
        put(document, "_lines", lines)
        return document

    def _priced_knowing(self, known: Sequence[PricedLine | None]) -> PricedDocument:
        """:func:`~ordercore.pricing.price` of this document, some lines' results known.

        Private, for code inside ordercore that prices lines a pricing under this
        document's policy priced already (an invoice billing an order's lines as they
        are): ``known`` holds, for each line in document order, ``None`` or that line as
        priced then. The result equals ``price(self)``: what a line's result owes to the
        other lines is computed as always (``engine._price_known``).
        """
        from ordercore.pricing.engine import _price_known  # noqa: PLC0415 (a cycle)

        return _price_known(self, known)

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Document-level allowances first, then charges."""
        return (*self.allowances, *self.charges)

    @property
    def lines(self) -> tuple[Line, ...]:
        """Every line, in document order (the lines of groups included)."""
        return self._lines

    @property
    def groups(self) -> tuple[Group, ...]:
        """The groups, in document order."""
        return tuple(item for item in self.items if isinstance(item, Group))

    def __repr__(self) -> str:
        count = len(self.lines)
        groups = len(self.groups)
        return f"Document(currency={self.currency.code!r}, lines={count}, groups={groups})"
