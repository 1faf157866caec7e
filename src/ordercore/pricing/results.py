"""The priced document: every amount the pricing computation derives, and nothing else.

A :class:`PricedDocument` is what :func:`ordercore.pricing.price` returns: the lines with
their gross, discount, distributed share, net and tax; the groups with their subtotals;
the allowances and charges with their amounts; the tax breakdown; and the totals of
DOMAIN section 4. It records the document (and so the policy) it was priced from. The
breakdown and the totals come from the same computation and cannot disagree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import moneyed

from ordercore._fieldmeta import WHEN_SET
from ordercore.errors import InvalidType, NumberOutOfRange
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.currency import quantum
from ordercore.pricing import render
from ordercore.pricing.discounts import DiscountKind
from ordercore.pricing.document import Adjustment, Document, Policy
from ordercore.pricing.lines import Line
from ordercore.pricing.taxes import Tax

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "LineTax",
    "PricedAdjustment",
    "PricedDocument",
    "PricedGroup",
    "PricedLine",
    "TaxSubtotal",
    "Totals",
]


def _returned(stated: Decimal, quantity: Decimal) -> bool:
    """Per group: whether a line is a return (a negative net; at a net of zero, a negative quantity)."""
    return stated < 0 or (stated == 0 and quantity < 0)


def _signed(line: Line) -> Decimal:
    """A line's quantity in the sign of its amount (negated for a negative unit price)."""
    quantity = line.quantity
    return quantity.copy_negate() if line.unit_price.amount < 0 else quantity


class PricedLine(tuple[Any, ...]):
    """One priced line (made by the pricing computation only).

    * ``gross``: quantity x unit price / base quantity, rounded;
    * ``discount``: what the line's own discounts (its price discount included) take off;
    * ``distributed``: its share of group and document allowances (negative) and charges;
    * ``stated``: gross - discount + distributed, the line's amount as the price states it;
    * ``net``: the taxable base; equal to ``stated`` unless a tax is included in the price,
      in which case the included tax is backed out of it;
    * ``tax``: the line's taxes, rounded to the currency. With ``TaxRounding.PER_LINE``
      each tax was rounded on the line and the breakdown sums them; with
      ``TaxRounding.PER_RATE`` (the default) the breakdown rounds each rate's sum once, so
      the line taxes shown may differ from the breakdown by a cent or so: the breakdown is
      what the document owes. ``tax_exact`` is the line's unrounded share. With
      ``TaxRounding.COMPENSATED`` each line's tax is rounded and compensated, and the
      lines' taxes add up to the breakdown; with ``PER_TAX_EXACT`` a line's exact tax is
      taken on its unrounded amount; with ``PER_GROUP`` it is as under ``PER_RATE``.

    A priced line is an immutable tuple underneath, for speed and memory: documents of
    tens of thousands of lines are priced in loops. Read it through its attributes.
    """

    __slots__ = ()

    @property
    def line(self) -> Line:
        """The line as it was given."""
        line: Line = self[0]
        return line

    @property
    def currency(self) -> moneyed.Currency:
        """The document's currency."""
        currency: moneyed.Currency = self[1]
        return currency

    @property
    def gross(self) -> Money:
        """Quantity x unit price, rounded to the currency."""
        return Money._exact(self[2], self[1])

    @property
    def discount(self) -> Money:
        """What the line's own discounts take off the gross."""
        return Money._exact(self[3], self[1])

    @property
    def distributed(self) -> Money:
        """The line's share of group and document allowances (-) and charges (+)."""
        return Money._exact(self[4], self[1])

    @property
    def stated(self) -> Money:
        """The line's amount as stated by its prices: gross - discount + distributed."""
        return Money._exact(CONTEXT.add(CONTEXT.subtract(self[2], self[3]), self[4]), self[1])

    @property
    def net(self) -> Money:
        """The taxable base of the line (EN 16931 line net amount)."""
        return Money._exact(self[5], self[1])

    @property
    def tax(self) -> Money:
        """The line's tax, rounded to the currency with the document's rounding mode."""
        return Money._exact(self._rounded_tax(), self[1])

    @property
    def tax_exact(self) -> Money:
        """The line's tax before rounding (its exact share under per-rate rounding)."""
        return Money._exact(self[6], self[1])

    @property
    def total(self) -> Money:
        """Net plus (rounded) tax."""
        return Money._exact(CONTEXT.add(self[5], self._rounded_tax()), self[1])

    # The amounts as Decimal, for code inside ordercore that computes on them (no Money made).

    @property
    def _distributed(self) -> Decimal:
        """:attr:`distributed`'s amount."""
        amount: Decimal = self[4]
        return amount

    @property
    def _stated(self) -> Decimal:
        """:attr:`stated`'s amount."""
        return CONTEXT.add(CONTEXT.subtract(self[2], self[3]), self[4])

    @property
    def _net(self) -> Decimal:
        """:attr:`net`'s amount."""
        amount: Decimal = self[5]
        return amount

    def _rounded_tax(self) -> Decimal:
        tax: Decimal = self[6]
        return tax.quantize(quantum(self[1]), self[7], CONTEXT)

    def __repr__(self) -> str:
        return (
            f"PricedLine(description={self.line.description!r}, net={self.net!r}, tax={self.tax!r})"
        )


@attrs.frozen(kw_only=True)
class LineTax:
    """What one line (or standalone adjustment) bears of one of its taxes.

    ``amount`` is rounded to the currency or exact, as the policy's
    :class:`~ordercore.pricing.taxes.TaxRounding` rounds: see
    :meth:`PricedDocument.line_taxes`.
    """

    tax: Tax
    amount: Money


@attrs.frozen(kw_only=True)
class PricedAdjustment:
    """An allowance or charge with the amount it came to.

    ``amount`` is the allowance or charge itself (positive on a sale); ``base`` is what a
    percentage was taken of; ``scope`` names the group, or is ``None`` for the document;
    ``distributed`` says whether it was spread over lines or stands alone.
    """

    adjustment: Adjustment
    base: Money
    amount: Money
    scope: str | None
    distributed: bool

    @property
    def effect(self) -> Money:
        """What it does to the total: minus the amount for an allowance, plus for a charge."""
        return self.amount * self.adjustment.sign


@attrs.frozen(kw_only=True)
class PricedGroup:
    """A group's lines, its allowances and charges, and its subtotal.

    The subtotal is what the group's lines come to after the group's own allowances and
    charges and before any document-level ones (for lines with taxes included in the
    price, their stated, tax-inclusive amounts), as a quote shows it.
    """

    name: str
    lines: tuple[PricedLine, ...]
    adjustments: tuple[PricedAdjustment, ...]
    subtotal: Money


@attrs.frozen(kw_only=True)
class TaxSubtotal:
    """One row of the tax breakdown: for one tax and rate, the taxable base and the tax.

    ``returns`` says which side of the document the row is: under
    :attr:`~ordercore.pricing.taxes.TaxRounding.PER_GROUP`, where sales and returns of one
    tax are separate rows, ``False`` for the row of sales and ``True`` for the row of
    returns; ``None`` under the other conventions, whose rows cover both (and for a row
    that only a tax correction made). :meth:`PricedDocument.lines_of` uses it.

    ``correction`` is the part of ``amount`` that a
    :class:`~ordercore.pricing.document.TaxCorrection` of the document added to the
    computed tax (``None`` when there is none). ``cash_rounding`` is the part that cash
    rounding added to the row with the largest tax
    (:attr:`~ordercore.money.rounding.CashRoundingStrategy.BIGGEST_TAX`; ``None`` on
    every other row, and under the other strategies).
    """

    tax: Tax
    base: Money
    amount: Money
    correction: Money | None = None
    cash_rounding: Money | None = None
    returns: bool | None = attrs.field(default=None, metadata=WHEN_SET)

    @property
    def reason(self) -> str | None:
        """The exemption (or reverse charge, zero rate) reason, carried to the invoice."""
        return self.tax.reason

    @property
    def reason_code(self) -> str | None:
        """The exemption reason code (EN 16931 BT-121), carried to the invoice."""
        return self.tax.reason_code

    @property
    def note(self) -> str | None:
        """The tax's note: a text printed with the row that is no exemption reason."""
        return self.tax.note


@attrs.frozen(kw_only=True)
class Totals:
    """The document totals (DOMAIN section 4; EN 16931 BG-22). They add up exactly.

    * ``lines_net`` = sum of line nets + ``rounding_line``;
    * ``tax_exclusive`` = ``lines_net`` - ``allowances`` + ``charges`` (standalone ones);
    * ``tax`` = sum of the tax breakdown;
    * ``tax_inclusive`` = ``tax_exclusive`` + ``tax``;
    * ``rounding``: the cash rounding adjustment, as a figure of its own;
    * ``amount_due`` = ``tax_inclusive`` + ``rounding`` - ``prepaid``.

    Where cash rounding lands is its strategy's
    (:class:`~ordercore.money.rounding.CashRoundingStrategy`): in ``rounding``
    (``SEPARATE``, the default); in ``rounding_line``, an untaxed line that
    ``lines_net`` includes (``ROUNDING_LINE``); or in the largest tax row, which
    ``tax`` includes (``BIGGEST_TAX``). The figures of the other two are zero.
    """

    lines_net: Money
    rounding_line: Money
    allowances: Money
    charges: Money
    tax_exclusive: Money
    tax: Money
    tax_inclusive: Money
    rounding: Money
    prepaid: Money
    amount_due: Money


@attrs.frozen(kw_only=True, repr=False)
class PricedDocument:
    """A document with every amount derived; see the module docs.

    ``precision`` is the number of decimal places the currency was rounded to; the
    document's ``policy`` records the rounding modes, stacking and tax rounding used.
    """

    document: Document
    precision: int
    lines: tuple[PricedLine, ...]
    groups: tuple[PricedGroup, ...]
    adjustments: tuple[PricedAdjustment, ...]
    tax_breakdown: tuple[TaxSubtotal, ...]
    totals: Totals

    @property
    def currency(self) -> moneyed.Currency:
        """The document's currency."""
        return self.document.currency

    @property
    def policy(self) -> Policy:
        """The policy the document was priced with."""
        return self.document.policy

    @property
    def before_cash_rounding(self) -> Money:
        """The tax inclusive total less what cash rounding put into it.

        Under :attr:`~ordercore.money.rounding.CashRoundingStrategy.SEPARATE` (and
        without cash rounding) it is ``totals.tax_inclusive``; a rounding line
        (``ROUNDING_LINE``) or the largest tax row's share (``BIGGEST_TAX``) is taken out.
        An order's total and what each of its documents takes are stated so: each
        document rounds its own payable amount.
        """
        total = self.totals.tax_inclusive
        inside = self.totals.rounding_line.amount + sum(
            (row.cash_rounding.amount for row in self.tax_breakdown if row.cash_rounding),
            Decimal(0),
        )
        return total if not inside else Money._exact(total.amount - inside, total.currency)

    def net_price(self, index: int) -> Money:
        """The net unit price of line ``index`` (EN 16931 BT-146), per its base quantity.

        It is the unit price after the line's price discount (BT-147), as pricing took it:
        a percentage price discount's result is rounded to the policy's ``price_places``
        with its rounding mode, an amount off the price is exact; without a price
        discount it is the unit price. The line's stated amount then reads, as EN 16931's
        line formula has it, ``round(quantity x net price / base quantity)`` less what the
        line's own discounts take (its allowances) plus its share of distributed
        allowances and charges; that is its net (BT-131) unless a tax is included in the
        price. For a line whose prices include a tax the net price includes it too (it is
        the price as stated), and the formula gives the tax-inclusive stated amount, of
        which the net is what remains when the included taxes are backed out. Computed
        on demand; pricing does no work for it.
        """
        line = self.lines[index].line
        discount = line.price_discount
        if discount is None:
            return line.unit_price
        unit = line.unit_price.amount
        negative = unit < 0  # priced as its mirror: the discount lowers the price's size
        unit = unit.copy_abs()
        if discount.kind is DiscountKind.PERCENT:
            step = Decimal((0, (1,), -self.policy.price_places))
            off = CONTEXT.multiply(unit, discount.factor)
            net = CONTEXT.subtract(unit, off).quantize(step, self.policy.rounding.value, CONTEXT)
        else:
            net = CONTEXT.subtract(unit, discount.factor)
        return Money._exact(net.copy_negate() if negative else net, self.currency)

    def lines_of(self, row: TaxSubtotal) -> tuple[int, ...]:
        """The indexes (in :attr:`lines`) of the lines that ``row`` of the breakdown covers.

        A line is in a row when one of its taxes has the row's
        :attr:`~ordercore.pricing.taxes.Tax.breakdown_key`; under
        :attr:`~ordercore.pricing.taxes.TaxRounding.PER_GROUP` it must also be on the row's
        side (:attr:`TaxSubtotal.returns`): a line is a return when its stated amount is
        negative, or zero with a negative quantity. Every line is so in exactly one row per
        distinct tax of its own. Standalone document allowances and charges with taxes
        add to rows too: see :meth:`adjustments_of`. A row that only a tax correction
        made covers no line. Computed on demand, in one pass over the lines.
        """
        key = row.tax.breakdown_key
        returns = row.returns
        having: dict[int, bool] = {}  # by tax set: whether it holds the row's tax
        found = []
        for index, priced in enumerate(self.lines):
            line = priced.line
            taxes = line.taxes
            holds = having.get(id(taxes))
            if holds is None:
                holds = having[id(taxes)] = any(tax.breakdown_key == key for tax in taxes)
            if holds and (returns is None or _returned(priced._stated, _signed(line)) is returns):
                found.append(index)
        return tuple(found)

    def line_taxes(self, index: int) -> tuple[LineTax, ...]:
        """Line ``index``'s amount per tax, in the order of its taxes (EN 16931 BG-30).

        Its amounts add up to the line's :attr:`~PricedLine.tax_exact` (to the context's
        precision where a share is a quotient), and each row of the breakdown is made of
        the amounts of the lines it covers (:meth:`lines_of`) and of the standalone
        adjustments in it (:meth:`adjustment_taxes`). How exactly depends on where the
        policy rounds (:class:`~ordercore.pricing.taxes.TaxRounding`):

        * ``PER_LINE`` and ``COMPENSATED``: each amount is rounded to the currency, as
          the line was taxed (cent compensation's amounts are the compensated ones), and
          a row is exactly the sum of its amounts;
        * ``PER_RATE``, ``PER_GROUP`` and ``PER_TAX_EXACT``: the amount of a tax
          added to the price is exact (unrounded: the rate times the line's base, under
          ``PER_TAX_EXACT`` its exact, unrounded amount), and the row rounds the sum once
          (under ``PER_GROUP``, once per group of lines it sums), so it differs from the
          sum by that rounding: by at most half a minor unit in a half-way rounding mode,
          one in a directed one such as ``UP`` (the tax increment instead of the minor
          unit, if the policy has one); where the base carries a compound tax's exact
          amount, by that times one plus the rate (the row takes its tax on its base
          rounded). A tax included in the price was backed out of the line alone
          where the policy asks for it (``IncludedBackOut.PER_LINE``) or the line's
          included taxes combine with compound ones: then its amounts are rounded, as
          under ``PER_LINE``. Otherwise it was backed out of the
          summed amounts of the lines that share it and the net spread back over them:
          the line's part is its stated amount less its net, a whole number of minor
          units, and a row of a single included tax is exactly its lines' sum. Several
          included taxes on a line share its part by their exact amounts on its exact
          net, and the last of the lines backed out together takes the cents that make
          each tax's parts add up to what the tax came to: a row of taxes included in
          every line it covers is then exactly its lines' sum (to the context's precision),
          and the parts of such a line are fractions of a cent (the last line's carry the
          cents the back-out rounded, and on a tiny amount may even change sign).

        Computed on demand from the stored amounts, by the
        pricing's own chain of taxes: pricing does no work for it. Under ``COMPENSATED``
        a line's amounts depend on the lines before it, which are worked out again; to
        read every line, use :meth:`taxes_per_line`, in one pass.
        """
        if not isinstance(index, int) or isinstance(index, bool):
            raise InvalidType(index, expected="a line index (an int)", field="index")
        if not -len(self.lines) <= index < len(self.lines):
            raise NumberOutOfRange(
                index,
                limit=len(self.lines),
                reason=f"the document has {len(self.lines)} lines",
                field="index",
            )
        from ordercore.pricing._per_tax import line_amounts  # noqa: PLC0415 (a cycle)

        (amounts,) = line_amounts(self, index % len(self.lines))
        return self._line_taxes(amounts)

    def taxes_per_line(self) -> tuple[tuple[LineTax, ...], ...]:
        """:meth:`line_taxes` of every line, in one pass over the lines."""
        from ordercore.pricing._per_tax import line_amounts  # noqa: PLC0415 (a cycle)

        return tuple(self._line_taxes(amounts) for amounts in line_amounts(self, None))

    def adjustment_taxes(self, index: int) -> tuple[LineTax, ...]:
        """What standalone adjustment ``index`` (in :attr:`adjustments`) bears per tax.

        Under :attr:`~ordercore.pricing.document.AdjustmentMode.STANDALONE` a document
        allowance or charge with taxes is taxed on its own (negative for an allowance),
        and its amounts are in the rows of :meth:`adjustments_of`, rounded or exact as
        :meth:`line_taxes` says. A distributed adjustment is in its lines' amounts: for
        it the result is empty.
        """
        if not isinstance(index, int) or isinstance(index, bool):
            raise InvalidType(index, expected="an adjustment index (an int)", field="index")
        if not -len(self.adjustments) <= index < len(self.adjustments):
            raise NumberOutOfRange(
                index,
                limit=len(self.adjustments),
                reason=f"the document has {len(self.adjustments)} allowances and charges",
                field="index",
            )
        from ordercore.pricing._per_tax import adjustment_amounts  # noqa: PLC0415 (a cycle)

        return self._line_taxes(adjustment_amounts(self, index % len(self.adjustments)))

    def _line_taxes(self, amounts: tuple[tuple[Tax, Decimal], ...]) -> tuple[LineTax, ...]:
        currency = self.currency
        return tuple(
            LineTax(tax=tax, amount=Money._exact(amount, currency)) for tax, amount in amounts
        )

    def adjustments_of(self, row: TaxSubtotal) -> tuple[int, ...]:
        """The indexes (in :attr:`adjustments`) of the standalone adjustments in ``row``.

        Under :attr:`~ordercore.pricing.document.AdjustmentMode.STANDALONE` a document allowance or
        charge with taxes is taxed on its own amount (negative for an allowance), and adds
        to the rows of its taxes; under ``PER_GROUP`` an allowance is on the side of
        returns, a charge on the side of sales (a zero amount counts as a sale).
        Distributed allowances and charges are in their lines' amounts, so they are in
        no row of their own: for them the result is empty.
        """
        key = row.tax.breakdown_key
        returns = row.returns
        found = []
        for index, entry in enumerate(self.adjustments):
            adjustment = entry.adjustment
            if entry.distributed or not any(t.breakdown_key == key for t in adjustment.taxes):
                continue
            negative = entry.amount.amount * adjustment.sign < 0
            if returns is None or negative is returns:
                found.append(index)
        return tuple(found)

    def all_adjustments(self) -> Iterator[PricedAdjustment]:
        """Every allowance and charge: those of the groups, then the document's."""
        for group in self.groups:
            yield from group.adjustments
        yield from self.adjustments

    def to_text(self, *, locale: str | None = None) -> str:
        """Render as a plain-text table; numbers are localized only if ``locale`` is given."""
        return render.text(self, locale=locale)

    def __str__(self) -> str:
        return render.text(self, locale=None)

    def _repr_html_(self) -> str:
        return render.html(self)

    def __repr__(self) -> str:
        return (
            f"PricedDocument(currency={self.currency.code!r}, lines={len(self.lines)}, "
            f"tax_inclusive={str(self.totals.tax_inclusive.amount)!r}, "
            f"amount_due={str(self.totals.amount_due.amount)!r})"
        )
