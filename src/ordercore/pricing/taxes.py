"""Taxes: how much tax a line bears, and how the document rounds it.

A :class:`Tax` has a name, a code (an EN 16931 VAT category such as ``S``, ``Z``, ``E``,
``AE``, or a jurisdiction code) and an amount rule:

* ``PERCENT``: a percentage of its base;
* ``PER_UNIT``: a fixed amount per unit; it takes the sign of the quantity, so a return
  reverses it;
* ``DIVISION``: tax = base / (1 - rate) - base, for taxes levied on the tax-inclusive gross;
* ``ZERO``: exempt, zero-rated, reverse charge or not subject to VAT: amount zero, with a
  reason text (EN 16931 BT-120) or a reason code (BT-121, such as ``VATEX-EU-132-1I``), or
  both, carried to the invoice.

Flags on a tax say how it combines with the others of the same line, which apply in list
order:

* ``included``: the unit price already contains the tax; the net is backed out of the
  stated price so that what the customer sees stays exactly as stated;
* ``compound``: its amount joins the base of the taxes after it (tax on tax), whether it
  is included in the price or not;
* ``on_plain_net``: its own base is always the plain line net, even after compound taxes;
* ``withholding``: a negative tax that reduces the amount payable: a percentage, an
  amount per unit or a division rate, never included in the price.

How tax amounts are rounded is the document's :class:`TaxRounding`; how included taxes
are rounded, its :class:`IncludedRounding` and :class:`ResidualCent`.

Compounded, the taxes of one line may come to at most :data:`MAX_TAX_FACTOR` (a million)
times its net, and its per-unit taxes to at most a million times ``10**15`` per unit
(:func:`check_taxes`); a chain beyond that, such as 20 compound taxes of 100 %, is
refused with :class:`~ordercore.errors.TaxesTooLarge` when the line is made. The bound
keeps every intermediate amount well inside ordercore's decimal context.

>>> vat = Tax.percent("VAT", "20")
>>> vat
Tax.percent('VAT', '20', code='S')
>>> Tax.exempt("VAT", reason="Article 132(1)(i) of Directive 2006/112/EC")
Tax.exempt('VAT', code='E', reason='Article 132(1)(i) of Directive 2006/112/EC')
>>> Tax.exempt("VAT", reason_code="VATEX-EU-132-1I")
Tax.exempt('VAT', code='E', reason=None, reason_code='VATEX-EU-132-1I')
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs
import moneyed

from ordercore._codes import check_text
from ordercore._convert import optional_currency, optional_reason, to_text
from ordercore._fieldmeta import WHEN_SET
from ordercore.errors import InvalidCode, InvalidTax, InvalidType, TaxesTooLarge
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.decimals import MAX_INTEGER_DIGITS, to_decimal

__all__ = [
    "MAX_REASON_CODE_LENGTH",
    "MAX_TAX_FACTOR",
    "DivisionTaxes",
    "IncludedRounding",
    "ResidualCent",
    "Tax",
    "TaxKind",
    "TaxRounding",
    "check_taxes",
    "together",
]

#: The most that the taxes of one line, compounded, may come to per unit of its net.
MAX_TAX_FACTOR = Decimal(10) ** 6
_MAX_PER_UNIT = MAX_TAX_FACTOR * Decimal(10) ** MAX_INTEGER_DIGITS
#: The longest exemption reason code (EN 16931 BT-121; ``VATEX-EU-132-1I`` has 15 characters).
MAX_REASON_CODE_LENGTH = 50


class TaxKind(enum.Enum):
    """The rule that turns a base into a tax amount."""

    PERCENT = "percent"
    PER_UNIT = "per_unit"
    DIVISION = "division"
    ZERO = "zero"

    def __repr__(self) -> str:
        return f"TaxKind.{self.name}"


class TaxRounding(enum.Enum):
    """Where tax amounts are rounded (the granularity of tax rounding).

    * ``PER_RATE`` (the default, as EN 16931 requires): the taxable bases (the rounded
      line nets) of all lines are summed per tax and rate, and each sum's tax is rounded
      once;
    * ``PER_LINE``: each line's tax is rounded, then the rounded amounts are summed;
    * ``PER_TAX_EXACT``: each tax's exact amounts on the exact, unrounded line amounts
      (quantity x unit price less the discounts, before any rounding) are summed over the
      document and the sum is rounded once;
    * ``PER_GROUP``: lines that share the same taxes and the same sign form a group, each
      group's tax is rounded once as under ``PER_RATE``, and the breakdown has separate
      rows for sales and for returns (negative bases);
    * ``COMPENSATED``: each line's tax is rounded, and corrected by the cent that keeps the
      running sum of a tax equal to the rounded running sum of its exact amounts (cent
      compensation): the lines' taxes add up to the once-rounded tax of the document.

    See docs/conventions.md for a worked example of each.
    """

    PER_RATE = "per_rate"
    PER_LINE = "per_line"
    PER_TAX_EXACT = "per_tax_exact"
    PER_GROUP = "per_group"
    COMPENSATED = "compensated"

    def __repr__(self) -> str:
        return f"TaxRounding.{self.name}"


class DivisionTaxes(enum.Enum):
    """How the division taxes of a line that follow each other are levied.

    * ``EACH`` (the default): each on its own tax-inclusive gross, ``base x rate / (100 -
      rate)``: a 3 % and a 2 % stamp on 100.00 are 100 / 0.97 - 100 and 100 / 0.98 - 100;
    * ``TOGETHER``: neighbouring division taxes that share a base (both included in the
      price or both not, none but the last compound, the same ``on_plain_net`` and
      ``withholding``) are levied on one gross, ``base / (1 - their summed rates)``, each
      its own rate of it: ``base x rate / (100 - summed rates)``, 3 % and 2 % of 100 /
      0.95. Their rates must then come to less than 100 % together. The row of a
      division tax levied together on some line is the rounded sum of its lines' exact
      amounts (its factor depends on the taxes beside it, so no one rate applies to the
      row's base); the other rows are as under ``EACH``.

    See docs/conventions.md.
    """

    EACH = "each"
    TOGETHER = "together"

    def __repr__(self) -> str:
        return f"DivisionTaxes.{self.name}"


class IncludedRounding(enum.Enum):
    """Which figure of a tax-inclusive amount is rounded first.

    * ``NET_FIRST`` (the default): the net is backed out of the stated amount and rounded;
      the included taxes take the rest (100.00 including 10 % is 90.91 net, 9.09 tax);
    * ``TAX_FIRST``: each included tax is computed on the exact net and rounded on its
      own; the net takes the rest.
    """

    NET_FIRST = "net_first"
    TAX_FIRST = "tax_first"

    def __repr__(self) -> str:
        return f"IncludedRounding.{self.name}"


class IncludedBackOut(enum.Enum):
    """Under the tax roundings that round a row once, where included taxes are backed out.

    * ``SUMMED`` (the default): once, from the summed stated amounts of the lines that
      include the same taxes (per group: of the group), the net spread back over those
      lines by largest remainder; each row is then the document's exact amount, rounded;
    * ``PER_LINE``: from each line's own stated amount, the net and the included taxes
      rounded on the line, as Odoo does under ``round_globally``; the included taxes'
      rows are the sums of the lines' rounded amounts, and the taxes added to the price
      are still rounded once per row.

    Under ``TaxRounding.PER_LINE`` and ``COMPENSATED`` every line is backed out on its
    own either way. See docs/conventions.md.
    """

    SUMMED = "summed"
    PER_LINE = "per_line"

    def __repr__(self) -> str:
        return f"IncludedBackOut.{self.name}"


class ResidualCent(enum.Enum):
    """Where the cents go when several included taxes share what the rounded net leaves.

    Used with :attr:`IncludedRounding.NET_FIRST` (with ``TAX_FIRST`` each included tax is
    rounded on its own and the net takes the rest):

    * ``LARGEST_REMAINDER`` (the default): each tax within a cent of its exact amount, the
      leftover cents to the largest remainders (ties: the earliest tax);
    * ``LAST_TAX``: every tax but the last is rounded on its own, the last takes the rest;
    * ``FIRST_TAX``: every tax but the first is rounded on its own, the first takes the rest.
    """

    LARGEST_REMAINDER = "largest_remainder"
    LAST_TAX = "last_tax"
    FIRST_TAX = "first_tax"

    def __repr__(self) -> str:
        return f"ResidualCent.{self.name}"


_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
#: The named constructor that a zero tax's ``repr`` shows, by its code.
_ZERO_CONSTRUCTORS = {"E": "exempt", "Z": "zero_rated", "AE": "reverse_charge", "O": "not_subject"}


def _name(value: object) -> str:
    return to_text(value, "tax name")


def _code(value: object) -> str:
    return to_text(value, "tax code")


def _reason_code(value: object) -> str | None:
    """An optional exemption reason code: printable, without whitespace, bounded in length."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidType(value, expected="a string or None", field="reason_code")
    check_text(value, "reason_code", max_length=MAX_REASON_CODE_LENGTH)
    if not value or not value.isprintable() or any(char.isspace() for char in value):
        raise InvalidCode(
            value,
            expected="a non-empty code without whitespace, such as 'VATEX-EU-132-1I' or "
            "'VATEX-EU-AE'",
            field="reason_code",
        )
    return value


@attrs.frozen(kw_only=True, repr=False, cache_hash=True)
class Tax:
    """One tax at one rate.

    Make it with :meth:`percent`, :meth:`per_unit`, :meth:`division`, :meth:`exempt`,
    :meth:`zero_rated`, :meth:`reverse_charge`, :meth:`not_subject` or
    :meth:`withholding_tax`.

    ``rate`` is a percentage (``20`` for 20 %) for ``PERCENT`` and ``DIVISION``, the amount
    per unit for ``PER_UNIT`` (in ``currency``), and zero for ``ZERO``. Two taxes are the
    same tax (one row of the tax breakdown) when all their fields are equal.

    ``reason`` is the exemption reason text (EN 16931 BT-120) and ``reason_code`` its code
    (BT-121, from the CEF VATEX list, such as ``VATEX-EU-132-1I``): a ``ZERO`` tax needs
    one of them, or both, except a zero-rated one (code ``Z``), which may have neither
    (EN 16931 BR-Z-10). A reason code has at most :data:`MAX_REASON_CODE_LENGTH`
    characters and no whitespace.

    ``note`` is a free text printed with the tax's row that is no exemption reason: what
    a zero-rated tax says on the invoice (reading older plain data, it holds what such a
    tax carried as its reason; docs/pricing.md). Like the reason, it is part of what makes
    a row.
    """

    name: str = attrs.field(converter=_name)
    code: str = attrs.field(converter=_code)
    kind: TaxKind
    rate: Decimal
    currency: moneyed.Currency | None = attrs.field(default=None, converter=optional_currency)
    included: bool = False
    compound: bool = False
    on_plain_net: bool = False
    withholding: bool = False
    reason: str | None = attrs.field(default=None, converter=optional_reason)
    # added after format 1 of the request fingerprint: written there only when set
    reason_code: str | None = attrs.field(default=None, converter=_reason_code, metadata=WHEN_SET)
    note: str | None = attrs.field(default=None, converter=optional_reason, metadata=WHEN_SET)
    #: The multiplier applied to the base (a percentage as a fraction, the division
    #: factor rate / (100 - rate), or the per-unit amount), negative for withholding.
    factor: Decimal = attrs.field(init=False, eq=False, hash=False)
    #: What :attr:`breakdown_key` returns, made once.
    _breakdown_key: tuple[object, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: A division tax's divisor, ``100 - rate`` (levied with others on one gross: 100 less
    #: their summed rates, see :class:`DivisionTaxes`).
    _divisor: Decimal = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, TaxKind):
            raise InvalidTax(self.name, reason="kind must be a TaxKind", field="kind")
        for flag in ("included", "compound", "on_plain_net", "withholding"):
            if not isinstance(getattr(self, flag), bool):
                raise InvalidTax(self.name, reason=f"{flag} must be True or False", field=flag)
        rate = to_decimal(self.rate, field="tax rate", max_places=6)
        if rate < 0:
            raise InvalidTax(
                self.name,
                reason="a rate cannot be negative; use withholding for a negative tax",
                field="rate",
            )
        factor = self._factor(rate)
        if self.withholding:
            if self.kind is TaxKind.ZERO:
                raise InvalidTax(
                    self.name,
                    reason="a zero tax has nothing to withhold: withhold a percentage, an "
                    "amount per unit or a division rate",
                    field="withholding",
                )
            if self.included:
                raise InvalidTax(
                    self.name,
                    reason="a withholding tax cannot be included in the price",
                    field="included",
                )
            factor = CONTEXT.minus(factor)
        object.__setattr__(self, "rate", rate)
        object.__setattr__(self, "factor", factor)
        object.__setattr__(self, "_divisor", CONTEXT.subtract(_HUNDRED, rate))
        key = (
            self.name,
            self.code,
            self.kind,
            rate,
            self.currency,
            self.withholding,
            self.reason,
            self.reason_code,
            self.note,
        )
        object.__setattr__(self, "_breakdown_key", key)

    def _factor(self, rate: Decimal) -> Decimal:
        if self.kind is TaxKind.PER_UNIT:
            if self.currency is None:
                raise InvalidTax(
                    self.name,
                    reason="a per-unit tax needs the currency of its amount",
                    field="currency",
                )
            return rate
        if self.currency is not None:
            raise InvalidTax(
                self.name,
                reason="only a per-unit tax has an amount in a currency",
                field="currency",
            )
        if self.kind is TaxKind.ZERO:
            if rate != 0:
                raise InvalidTax(
                    self.name,
                    reason="an exempt, zero-rated or reverse charge tax has rate 0",
                    field="rate",
                )
            if self.code == "Z":
                if self.reason is not None or self.reason_code is not None:
                    raise InvalidTax(
                        self.name,
                        reason="a zero-rated (Z) tax states no exemption reason (EN 16931 "
                        "BR-Z-10); give a text for the invoice as its note, or use the "
                        "category that the reason is for (G for an export, E for an exemption)",
                        field="reason" if self.reason is not None else "reason_code",
                    )
                return _ZERO
            if not self.reason and self.reason_code is None:
                raise InvalidTax(
                    self.name,
                    reason="state why no tax is due, as a reason text or a reason code (it "
                    "goes on the invoice)",
                    field="reason",
                )
            return _ZERO
        if self.kind is TaxKind.DIVISION:
            if rate >= _HUNDRED:
                raise InvalidTax(
                    self.name, reason="a division rate must be below 100", field="rate"
                )
            return CONTEXT.divide(rate, CONTEXT.subtract(_HUNDRED, rate))
        if rate > _HUNDRED:
            raise InvalidTax(
                self.name, reason="a percentage must be between 0 and 100", field="rate"
            )
        return CONTEXT.divide(rate, _HUNDRED)

    # -- named constructors -------------------------------------------------------------

    @classmethod
    def percent(
        cls,
        name: str,
        rate: object,
        *,
        code: str = "S",
        included: bool = False,
        compound: bool = False,
        on_plain_net: bool = False,
        reason: str | None = None,
    ) -> Tax:
        """A percentage of the base, such as VAT at 20 % (``rate="20"``)."""
        return cls(
            name=name,
            code=code,
            kind=TaxKind.PERCENT,
            rate=to_decimal(rate, field="tax rate"),
            included=included,
            compound=compound,
            on_plain_net=on_plain_net,
            reason=reason,
        )

    @classmethod
    def per_unit(
        cls,
        name: str,
        amount: moneyed.Money,
        *,
        code: str = "S",
        included: bool = False,
        compound: bool = False,
        withholding: bool = False,
    ) -> Tax:
        """A fixed amount per unit, such as an excise duty or a recycling fee.

        ``withholding=True`` makes it an amount per unit the buyer withholds: negative, it
        lowers the amount payable (it cannot be included in the price).
        """
        if not isinstance(amount, moneyed.Money):
            raise InvalidTax(
                name,
                reason="a per-unit tax amount is a Money, such as Money('0.50', 'EUR')",
                field="amount",
            )
        money = Money.of(amount)
        return cls(
            name=name,
            code=code,
            kind=TaxKind.PER_UNIT,
            rate=money.amount,
            currency=money.currency,
            included=included,
            compound=compound,
            withholding=withholding,
        )

    @classmethod
    def division(
        cls,
        name: str,
        rate: object,
        *,
        code: str = "S",
        included: bool = False,
        withholding: bool = False,
    ) -> Tax:
        """A tax levied on the tax-inclusive amount: tax = base / (1 - rate) - base.

        ``withholding=True`` makes it a division rate the buyer withholds (negative).
        """
        return cls(
            name=name,
            code=code,
            kind=TaxKind.DIVISION,
            rate=to_decimal(rate, field="tax rate"),
            included=included,
            withholding=withholding,
        )

    @classmethod
    def _nothing_due(
        cls,
        name: str,
        code: str,
        reason: str | None,
        reason_code: str | None,
        note: str | None = None,
    ) -> Tax:
        """A tax of kind ZERO in category ``code``: what the four constructors below make."""
        return cls(
            name=name,
            code=code,
            kind=TaxKind.ZERO,
            rate=_ZERO,
            reason=reason,
            reason_code=reason_code,
            note=note,
        )

    @classmethod
    def exempt(
        cls,
        name: str,
        *,
        reason: str | None = None,
        reason_code: str | None = None,
        code: str = "E",
    ) -> Tax:
        """No tax is due because the supply is exempt; the reason is printed on the invoice.

        Give the reason text, the reason code (EN 16931 BT-121), or both.
        """
        return cls._nothing_due(name, code, reason, reason_code)

    @classmethod
    def zero_rated(
        cls,
        name: str,
        *,
        reason: str | None = None,
        reason_code: str | None = None,
        code: str = "Z",
        note: str | None = None,
    ) -> Tax:
        """The supply is taxable at a rate of zero.

        In category ``Z`` (the default) it states no exemption reason (EN 16931 BR-Z-10): a
        ``reason`` or ``reason_code`` raises :class:`~ordercore.errors.InvalidTax`, and a
        text for the invoice is its ``note``. In another category, such as ``G`` (an export,
        VAT not charged), it needs a reason, as an exempt tax does.

        >>> Tax.zero_rated("VAT")
        Tax.zero_rated('VAT', code='Z')
        >>> Tax.zero_rated("VAT", note="Children's clothing").note
        "Children's clothing"
        >>> Tax.zero_rated("VAT", code="G", reason="Export outside the EU").reason
        'Export outside the EU'
        """
        return cls._nothing_due(name, code, reason, reason_code, note)

    @classmethod
    def reverse_charge(
        cls,
        name: str,
        *,
        reason: str | None = "Reverse charge",
        reason_code: str | None = None,
        code: str = "AE",
    ) -> Tax:
        """The buyer accounts for the tax; the invoice shows none."""
        return cls._nothing_due(name, code, reason, reason_code)

    @classmethod
    def not_subject(
        cls,
        name: str,
        *,
        reason: str | None = "Not subject to VAT",
        reason_code: str | None = None,
        code: str = "O",
    ) -> Tax:
        """The supply is outside the scope of the tax (EN 16931 category ``O``).

        Its amount is zero, as for an exempt supply, but it has no rate: EN 16931 gives none
        for category ``O`` (BR-O-5), so :attr:`rate_stated` is false and renderings print
        no ``0 %`` for it. ``reason_code`` is typically ``VATEX-EU-O``.
        """
        return cls._nothing_due(name, code, reason, reason_code)

    @classmethod
    def withholding_tax(cls, name: str, rate: object, *, code: str = "WHT") -> Tax:
        """A tax the buyer withholds: it lowers the amount payable by ``rate`` % of the base.

        An amount per unit or a division rate is withheld with ``Tax.per_unit(...,
        withholding=True)`` or ``Tax.division(..., withholding=True)``.
        """
        return cls(
            name=name,
            code=code,
            kind=TaxKind.PERCENT,
            rate=to_decimal(rate, field="tax rate"),
            withholding=True,
        )

    def amount_of(self, base: Decimal) -> Decimal:
        """The exact tax on ``base`` for a percentage, division or zero tax.

        A division rate divides last (``base * rate / (100 - rate)``), so a tax that is exact
        in decimals, such as 0.045, stays exact and rounds the way its mode says.
        """
        if self.kind is TaxKind.DIVISION:
            amount = CONTEXT.divide(CONTEXT.multiply(base, self.rate), self._divisor)
            return CONTEXT.minus(amount) if self.withholding else amount
        return CONTEXT.multiply(base, self.factor)

    @property
    def breakdown_key(self) -> tuple[object, ...]:
        """What makes two taxes one row of the tax breakdown: name, code, rule and rate.

        The reason text and code are part of it too, so that each row states one reason.
        How a tax combines on a line (included, compound, on plain net) does not split a row:
        VAT 20 % included in some prices and added to others is one VAT 20 % row.
        """
        return self._breakdown_key

    @property
    def rate_stated(self) -> bool:
        """Whether the tax has a rate to state: false for a zero tax of category ``O``.

        EN 16931 gives no VAT rate for what is not subject to VAT (category ``O``,
        BR-O-5); every other tax states its rate (a zero tax states 0 %). The amounts do
        not depend on it: such a tax comes to zero.
        """
        return self.kind is not TaxKind.ZERO or self.code != "O"

    # -- presentation -------------------------------------------------------------------

    @property
    def amount(self) -> Money | None:
        """The amount per unit of a ``PER_UNIT`` tax, else ``None``."""
        return None if self.currency is None else Money(self.rate, self.currency)

    @property
    def label(self) -> str:
        """A short, locale-free description such as ``VAT 20 %`` or ``Eco fee EUR 0.50/unit``."""
        if self.kind is TaxKind.PER_UNIT:
            sign = "-" if self.withholding else ""
            return f"{self.name} {sign}{self.amount}/unit"
        if self.kind is TaxKind.ZERO:
            return (
                f"{self.name} 0 % ({self.code})"
                if self.rate_stated
                else f"{self.name} ({self.code})"
            )
        sign = "-" if self.withholding else ""
        return f"{self.name} {sign}{self.rate} %"

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        flags = "".join(
            f", {flag}=True"
            for flag in ("included", "compound", "on_plain_net")
            if getattr(self, flag)
        )
        note = "" if self.note is None else f", note={self.note!r}"
        if self.kind is TaxKind.ZERO:
            constructor = _ZERO_CONSTRUCTORS.get(self.code, "exempt")
            reason_code = "" if self.reason_code is None else f", reason_code={self.reason_code!r}"
            if self.code == "Z":  # BR-Z-10: no reason to show
                return f"Tax.{constructor}({self.name!r}, code={self.code!r}{note})"
            return (
                f"Tax.{constructor}({self.name!r}, code={self.code!r}, "
                f"reason={self.reason!r}{reason_code}{note})"
            )
        if self.withholding and self.kind is TaxKind.PERCENT:
            return (
                f"Tax.withholding_tax({self.name!r}, {str(self.rate)!r}, code={self.code!r}{note})"
            )
        if self.withholding:
            flags += ", withholding=True"
        if self.kind is TaxKind.PER_UNIT:
            return f"Tax.per_unit({self.name!r}, {self.amount!r}, code={self.code!r}{flags}{note})"
        return (
            f"Tax.{self.kind.value}({self.name!r}, {str(self.rate)!r}, code={self.code!r}"
            f"{flags}{note})"
        )


def _levied_together(taxes: tuple[Tax, ...]) -> tuple[Tax, ...] | None:
    """``taxes`` with their neighbouring division taxes levied on one gross, if any are.

    Under :attr:`DivisionTaxes.TOGETHER`: each run of two or more division taxes that
    share a base is replaced by copies of them whose divisor is 100 less the run's summed
    rates (a copy equals its tax: only how it computes differs). ``None`` if no run has
    two, so that the line prices as it is. Rates that come to 100 % or more together
    raise :class:`~ordercore.errors.InvalidTax` (field ``rate``).
    """
    runs: list[list[int]] = []
    run: list[int] = []
    for index, tax in enumerate(taxes):
        if tax.kind is TaxKind.DIVISION and run and _same_gross(taxes[run[-1]], tax):
            run.append(index)
            continue
        if len(run) > 1:
            runs.append(run)
        run = [index] if tax.kind is TaxKind.DIVISION else []
    if len(run) > 1:
        runs.append(run)
    if not runs:
        return None
    found = list(taxes)
    for indexes in runs:
        rates = CONTEXT.add(_ZERO, sum((taxes[i].rate for i in indexes), _ZERO))
        divisor = CONTEXT.subtract(_HUNDRED, rates)
        if divisor <= 0:
            names = ", ".join(str(taxes[i]) for i in indexes)
            raise InvalidTax(
                names,
                reason=f"levied together (DivisionTaxes.TOGETHER), these division rates come "
                f"to {rates} %: they must stay below 100 % together",
                field="rate",
            )
        for i in indexes:
            tax = taxes[i]
            copy = attrs.evolve(tax)
            factor = CONTEXT.divide(tax.rate, divisor)
            object.__setattr__(copy, "factor", CONTEXT.minus(factor) if tax.withholding else factor)
            object.__setattr__(copy, "_divisor", divisor)
            found[i] = copy
    return tuple(found)


def _same_gross(before: Tax, tax: Tax) -> bool:
    """Whether division tax ``tax`` shares the gross of the division tax ``before`` it."""
    return (
        not before.compound
        and before.included == tax.included
        and before.on_plain_net == tax.on_plain_net
        and before.withholding == tax.withholding
    )


def check_taxes(taxes: tuple[Tax, ...]) -> tuple[Tax, ...]:
    """Return ``taxes`` (a line's, in order) if, compounded, they stay within the bound.

    The bound is on how much the chain can multiply: with ``n`` a line's net and ``q`` its
    quantity, each tax of the chain comes to at most ``a * n + b * q`` (compound taxes add
    to the bases of the later ones), and ``a`` summed over the chain may be at most
    :data:`MAX_TAX_FACTOR`, ``b`` at most ``MAX_TAX_FACTOR * 10**15``. Twenty compound
    taxes of 100 % (``a`` about 2**20) are refused:

    >>> check_taxes(tuple(Tax.percent(f"T{i}", "100", compound=True) for i in range(20)))
    Traceback (most recent call last):
    ...
    ordercore.errors.TaxesTooLarge: invalid tax (Tax.percent('T0', '100', code='S', compound=True), Tax.p...
    """
    add, multiply = CONTEXT.add, CONTEXT.multiply
    compound_n = compound_q = rate = unit = _ZERO
    compounded = False
    one = Decimal(1)
    for tax in taxes:
        if compounded and not tax.on_plain_net:
            base_n, base_q = add(one, compound_n), compound_q
        else:
            base_n, base_q = one, _ZERO
        factor = tax.factor.copy_abs()
        if tax.kind is TaxKind.PER_UNIT:
            amount_n, amount_q = _ZERO, factor
        else:
            amount_n, amount_q = multiply(base_n, factor), multiply(base_q, factor)
        if tax.compound:
            compound_n, compound_q = add(compound_n, amount_n), add(compound_q, amount_q)
            compounded = True
        rate, unit = add(rate, amount_n), add(unit, amount_q)
        if rate > MAX_TAX_FACTOR:
            raise TaxesTooLarge(taxes, factor=rate, limit=MAX_TAX_FACTOR)
        if unit > _MAX_PER_UNIT:
            raise TaxesTooLarge(taxes, factor=unit, limit=_MAX_PER_UNIT)
    return taxes


#: The taxes of each tuple lines hold as DivisionTaxes.TOGETHER levies them, by the
#: tuple's id (an entry holds its tuple, so a hit is that tuple): the tuple itself where no
#: division taxes are levied together.
_TOGETHER: dict[int, tuple[tuple[Tax, ...], tuple[Tax, ...]]] = {}


def together(taxes: tuple[Tax, ...]) -> tuple[Tax, ...]:
    """``taxes`` as :attr:`DivisionTaxes.TOGETHER` levies them (:func:`_levied_together`).

    The same tuple where no two division taxes share a gross; else a tuple of its own,
    the same for every line of those taxes while it is cached, so that lines taxed alike
    still share one. A pricing run maps the copies back to the taxes given (they are
    equal to them) before they reach a result.
    """
    known = _TOGETHER.get(id(taxes))
    if known is not None and known[0] is taxes:
        return known[1]
    swapped = _levied_together(taxes)
    if swapped is None:
        swapped = taxes
    else:
        try:
            check_taxes(swapped)  # a gross shared makes larger factors
        except TaxesTooLarge as error:  # named by the taxes given, the rates at fault
            raise TaxesTooLarge(
                taxes, factor=error.factor, limit=error.limit, field="rate"
            ) from None
    if len(_TOGETHER) >= 4096:
        _TOGETHER.clear()
    _TOGETHER[id(taxes)] = (taxes, swapped)
    return swapped
