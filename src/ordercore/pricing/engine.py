"""The one pricing computation.

:func:`price` turns a :class:`~ordercore.pricing.document.Document` into a
:class:`~ordercore.pricing.results.PricedDocument`, in four steps:

1. **Lines.** gross = quantity x unit price / base quantity, rounded; the price discount
   lowers the unit price before the multiplication; the line discounts apply in order,
   stacked as the policy says, each amount rounded as it is taken.
2. **Group and document adjustments.** Each group's allowances and charges are taken on
   the group's net and spread over its lines in proportion to their nets (largest
   remainder); then the document's, spread over all lines, unless the policy keeps them
   standalone.
3. **Taxes.** Each line's taxes apply in order (compound taxes join later bases; included
   taxes are backed out of the stated amount). With per-line rounding each line's tax is
   rounded; with per-rate rounding the exact amounts are summed per tax and rate and each
   sum is rounded once. Included taxes under per-rate rounding are backed out once per
   tax set from the summed stated amounts, and the net is spread back over the lines.
4. **Totals**, from the same sums as the tax breakdown.

Everything runs under ordercore's decimal context. The loop over lines touches only
``Decimal`` values and makes one small result per line: documents of tens of thousands of
lines price in milliseconds (see docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ordercore.errors import (
    InvalidAdjustment,
    InvalidDiscount,
    InvalidDocument,
    InvalidLine,
    InvalidType,
)
from ordercore.money._context import exact
from ordercore.money.allocation import allocate, apportion
from ordercore.money.amount import Money
from ordercore.money.currency import precision, quantum
from ordercore.money.decimals import MAX_INTEGER_DIGITS
from ordercore.pricing.discounts import DiscountKind, Stacking
from ordercore.pricing.document import Adjustment, AdjustmentMode, Document, Group
from ordercore.pricing.lines import Line
from ordercore.pricing.results import (
    PricedAdjustment,
    PricedDocument,
    PricedGroup,
    PricedLine,
    TaxSubtotal,
    Totals,
)
from ordercore.pricing.taxes import Tax, TaxKind, TaxRounding

__all__ = ["price"]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_PERCENT = DiscountKind.PERCENT
_PER_UNIT_DISCOUNT = DiscountKind.PER_UNIT
_PER_UNIT_TAX = TaxKind.PER_UNIT
_ZERO_TAX = TaxKind.ZERO
_new_line = tuple.__new__
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS


@exact
def price(document: Document) -> PricedDocument:
    """Price ``document``: derive every amount, the tax breakdown and the totals.

    >>> from ordercore.money import Money
    >>> from ordercore.pricing import Document, Line, Tax
    >>> vat = Tax.percent("VAT", "10", included=True)
    >>> priced = price(Document(currency="EUR", items=[
    ...     Line(description="Dinner", quantity="1", unit_price=Money("100.00", "EUR"), taxes=[vat]),
    ... ]))
    >>> priced.lines[0].net, priced.totals.tax, priced.totals.tax_inclusive
    (Money('90.91', 'EUR'), Money('9.09', 'EUR'), Money('100.00', 'EUR'))
    """
    if not isinstance(document, Document):
        raise InvalidType(document, expected="a Document", field="document")
    return _Pricing(document).run()


class _Pricing:
    """The state of one pricing run (private; one instance per call of :func:`price`)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        policy = document.policy
        self.currency = document.currency
        self.quantum = quantum(self.currency)
        self.rounding = policy.rounding.value
        self.price_quantum = Decimal((0, (1,), -policy.price_places))
        self.zero = _ZERO.quantize(self.quantum)
        self.per_line = policy.tax_rounding is TaxRounding.PER_LINE
        self.sequential = policy.stacking is Stacking.SEQUENTIAL
        self.lines: list[Line] = []
        self.gross: list[Decimal] = []
        self.discount: list[Decimal] = []
        self.distributed: list[Decimal] = []
        self.stated: list[Decimal] = []
        # tax -> [sum of exact bases, sum of amounts still to round, sum of rounded amounts]
        self.breakdown: dict[Tax, list[Decimal]] = {}

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, self.rounding)

    def money(self, value: Decimal) -> Money:
        return Money._exact(value, self.currency)

    # -- step 1: lines -----------------------------------------------------------------

    def run(self) -> PricedDocument:
        spans: list[tuple[Group, int, int]] = []
        for item in self.document.items:
            if isinstance(item, Group):
                start = len(self.lines)
                for line in item.lines:
                    self.add_line(line)
                spans.append((item, start, len(self.lines)))
            else:
                self.add_line(item)
        self.distributed = [self.zero] * len(self.lines)

        # -- step 2: adjustments --------------------------------------------------------
        group_adjustments: list[tuple[PricedAdjustment, ...]] = []
        subtotals: list[Decimal] = []
        for group, start, end in spans:
            group_adjustments.append(
                self.distribute(group.adjustments, start, end, scope=group.name)
                if group.adjustments
                else ()
            )
            subtotals.append(sum(self.stated[start:end], self.zero))
        standalone = self.document.policy.adjustments is AdjustmentMode.STANDALONE
        document_adjustments: tuple[PricedAdjustment, ...] = ()
        if self.document.adjustments and not standalone:
            document_adjustments = self.distribute(
                self.document.adjustments, 0, len(self.lines), scope=None
            )

        # -- step 3: taxes --------------------------------------------------------------
        nets, taxes = self.line_taxes()
        lines_net = sum(nets, self.zero)
        allowances = charges = self.zero
        if standalone and self.document.adjustments:
            document_adjustments, allowances, charges = self.standalone(lines_net)

        # -- step 4: totals -------------------------------------------------------------
        currency = self.currency
        priced_lines = tuple(
            _new_line(PricedLine, (line, currency, g, d, s, n, t))
            for line, g, d, s, n, t in zip(
                self.lines, self.gross, self.discount, self.distributed, nets, taxes, strict=True
            )
        )
        groups = tuple(
            PricedGroup(
                name=group.name,
                lines=priced_lines[start:end],
                adjustments=adjustments,
                subtotal=self.money(subtotal),
            )
            for (group, start, end), adjustments, subtotal in zip(
                spans, group_adjustments, subtotals, strict=True
            )
        )
        breakdown = self.tax_breakdown()
        tax_total = sum((row.amount.amount for row in breakdown), self.zero)
        tax_exclusive = lines_net - allowances + charges
        tax_inclusive = tax_exclusive + tax_total
        cash = self.document.policy.cash_rounding
        rounding = cash.adjustment(tax_inclusive) if cash is not None else self.zero
        prepaid = self.document.prepaid.amount if self.document.prepaid is not None else self.zero
        amount_due = tax_inclusive + rounding - prepaid
        for total in (lines_net, tax_inclusive, amount_due):
            if total.copy_abs() >= _LIMIT:
                raise InvalidDocument(
                    f"its totals reach {total}; ordercore prices documents below 10**15"
                )
        money = self.money
        totals = Totals(
            lines_net=money(lines_net),
            allowances=money(allowances),
            charges=money(charges),
            tax_exclusive=money(tax_exclusive),
            tax=money(tax_total),
            tax_inclusive=money(tax_inclusive),
            rounding=money(rounding),
            prepaid=money(prepaid),
            amount_due=money(amount_due),
        )
        return PricedDocument(
            document=self.document,
            precision=precision(self.currency),
            lines=priced_lines,
            groups=groups,
            adjustments=document_adjustments,
            tax_breakdown=breakdown,
            totals=totals,
        )

    def add_line(self, line: Line) -> None:
        """Step 1 for one line: its gross and what its own discounts take off."""
        q = self.quantum
        rounding = self.rounding
        quantity = line.quantity
        unit = line.unit_price.amount
        base_quantity = line.base_quantity
        gross = (
            quantity * unit if base_quantity == _ONE else quantity * unit / base_quantity
        ).quantize(q, rounding)
        if gross.copy_abs() >= _LIMIT:
            raise InvalidLine(line.description, reason=f"its gross {gross} is not below 10**15")
        remaining = gross
        price_discount = line.price_discount
        if price_discount is not None:
            if price_discount.kind is _PERCENT:
                net_price = (unit - unit * price_discount.factor).quantize(
                    self.price_quantum, rounding
                )
            else:
                net_price = unit - price_discount.factor
            remaining = (quantity * net_price / base_quantity).quantize(q, rounding)
        if line.discounts:
            remaining = self.apply_discounts(line, remaining)
        self.lines.append(line)
        self.gross.append(gross)
        self.discount.append(self.zero if remaining is gross else gross - remaining)
        self.stated.append(remaining)

    def apply_discounts(self, line: Line, start: Decimal) -> Decimal:
        q = self.quantum
        rounding = self.rounding
        quantity = line.quantity
        negative = quantity < 0
        remaining = start
        discounts = line.discounts
        if not self.sequential:
            rate = sum((d.factor for d in discounts if d.kind is _PERCENT), _ZERO)
            if rate > _ONE:
                raise InvalidDiscount(
                    ", ".join(str(d) for d in discounts if d.kind is _PERCENT),
                    reason=f"added up they take more than 100 % off line {line.description!r}",
                )
            remaining = start - (start * rate).quantize(q, rounding)
            discounts = tuple(d for d in discounts if d.kind is not _PERCENT)
        for discount in discounts:
            kind = discount.kind
            if kind is _PERCENT:
                remaining -= (remaining * discount.factor).quantize(q, rounding)
            elif kind is _PER_UNIT_DISCOUNT:
                remaining -= (quantity * discount.factor).quantize(q, rounding)
            else:
                remaining -= -discount.factor if negative else discount.factor
            if (remaining < 0 and not negative) or (remaining > 0 and negative):
                raise InvalidDiscount(
                    discount,
                    reason=f"it takes line {line.description!r} below zero "
                    f"({self.currency.code} {remaining}); a discount is never clamped",
                )
        return remaining

    # -- step 2: adjustments -----------------------------------------------------------

    def distribute(
        self, adjustments: Sequence[Adjustment], start: int, end: int, *, scope: str | None
    ) -> tuple[PricedAdjustment, ...]:
        """Compute adjustments on the net of lines[start:end] and spread them over those lines."""
        weights = self.stated[start:end]
        base = sum(weights, _ZERO)
        priced, effect = self.amounts(adjustments, base, scope=scope, distributed=True)
        if effect:
            # amounts() refused an effect on a zero base, so the weights sum to non-zero
            shares = allocate(effect, weights, self.quantum)
            for offset, share in enumerate(shares, start):
                self.distributed[offset] += share
                self.stated[offset] += share
        return priced

    def amounts(
        self,
        adjustments: Sequence[Adjustment],
        base: Decimal,
        *,
        scope: str | None,
        distributed: bool,
    ) -> tuple[tuple[PricedAdjustment, ...], Decimal]:
        """The amount of each adjustment on ``base``, and their net effect on it."""
        negative = base < 0
        priced = []
        effect = _ZERO
        for adjustment in adjustments:
            rate = adjustment.rate
            if rate is not None:
                value = self.round(base * rate)
            else:
                value = -adjustment.fixed_amount if negative else adjustment.fixed_amount
            effect += value * adjustment.sign
            priced.append(
                PricedAdjustment(
                    adjustment=adjustment,
                    base=self.money(base),
                    amount=self.money(value),
                    scope=scope,
                    distributed=distributed,
                )
            )
        after = base + effect
        if (
            (after < 0 and not negative)
            or (after > 0 and negative)
            or (base == 0 and effect != 0 and distributed)
        ):
            where = f"group {scope!r}" if scope else "the document"
            raise InvalidAdjustment(
                adjustments[0],
                reason=f"the allowances and charges take {where} from {base} to {after}; "
                "an allowance may not exceed the net it applies to",
            )
        return tuple(priced), effect

    def standalone(
        self, lines_net: Decimal
    ) -> tuple[tuple[PricedAdjustment, ...], Decimal, Decimal]:
        """Document allowances and charges as their own entries with their own taxes."""
        priced, _effect = self.amounts(
            self.document.adjustments, lines_net, scope=None, distributed=False
        )
        allowances = charges = self.zero
        for entry in priced:
            amount = entry.amount.amount
            signed = amount * entry.adjustment.sign
            if entry.adjustment.sign < 0:
                allowances += amount
            else:
                charges += amount
            self.chain(entry.adjustment.taxes, signed, self.zero)
        return priced, allowances, charges

    # -- step 3: taxes -----------------------------------------------------------------

    def line_taxes(self) -> tuple[list[Decimal], list[Decimal]]:
        """Each line's net and tax; the breakdown sums are collected on the way."""
        count = len(self.lines)
        nets: list[Decimal] = [self.zero] * count
        taxes: list[Decimal] = [self.zero] * count
        per_rate_included: dict[tuple[Tax, ...], list[int]] = {}
        chain = self.chain
        for index, line in enumerate(self.lines):
            stated = self.stated[index]
            if not line.taxes:
                nets[index] = stated
            elif not line.has_included_tax:
                nets[index] = stated
                taxes[index] = chain(line.taxes, stated, line.quantity)
            elif self.per_line:
                nets[index], taxes[index] = self.included_per_line(line, stated)
            else:
                per_rate_included.setdefault(line.taxes, []).append(index)
        for line_taxes, indexes in per_rate_included.items():
            self.included_per_rate(line_taxes, indexes, nets, taxes)
        return nets, taxes

    def chain(
        self,
        taxes: Sequence[Tax],
        net: Decimal,
        quantity: Decimal,
        included: dict[Tax, Decimal] | None = None,
    ) -> Decimal:
        """Apply ``taxes`` in order to ``net``; return the line's tax and collect the sums.

        ``included`` gives the amounts of included taxes, already backed out; they are
        not collected here (see :meth:`included_per_line` and :meth:`included_per_rate`).
        """
        per_line = self.per_line
        breakdown = self.breakdown
        compound = total = self.zero
        for tax in taxes:
            base = net if not compound or tax.on_plain_net else net + compound
            if included is not None and tax.included:
                amount = included[tax]
            else:
                kind = tax.kind
                if kind is _PER_UNIT_TAX:
                    amount = quantity * tax.factor
                elif kind is _ZERO_TAX:
                    amount = self.zero
                else:
                    amount = base * tax.factor
                rounded = _ZERO
                if per_line:
                    rounded = amount = amount.quantize(self.quantum, self.rounding)
                    unrounded = _ZERO
                else:
                    unrounded = amount
                sums = breakdown.get(tax)
                if sums is None:
                    breakdown[tax] = [base, unrounded, rounded]
                else:
                    sums[0] += base
                    sums[1] += unrounded
                    sums[2] += rounded
            if tax.compound:
                compound += amount
            total += amount
        return total

    def included_per_line(self, line: Line, stated: Decimal) -> tuple[Decimal, Decimal]:
        """Back the included taxes out of one line's stated amount; round the net once."""
        included = [t for t in line.taxes if t.included]
        factor = sum((t.factor for t in included if t.kind is not _PER_UNIT_TAX), _ZERO)
        exact_net = (stated - _fixed_included(line)) / (_ONE + factor)
        net = self.round(exact_net)
        shares = self.split_included(included, stated - net, exact_net, line.quantity)
        for tax, amount in shares.items():
            self.collect(tax, net, amount)
        tax_total = self.chain(line.taxes, net, line.quantity, included=shares)
        return net, tax_total

    def included_per_rate(
        self,
        taxes: tuple[Tax, ...],
        indexes: list[int],
        nets: list[Decimal],
        line_tax: list[Decimal],
    ) -> None:
        """Back included taxes out once from the summed stated amounts of lines taxed alike."""
        included = [t for t in taxes if t.included]
        factor = sum((t.factor for t in included if t.kind is not _PER_UNIT_TAX), _ZERO)
        fixed = [_fixed_included(self.lines[i]) for i in indexes]
        stated = [self.stated[i] for i in indexes]
        total_stated = sum(stated, _ZERO)
        exact_net = (total_stated - sum(fixed, _ZERO)) / (_ONE + factor)
        net = self.round(exact_net)
        quantity = sum((self.lines[i].quantity for i in indexes), _ZERO)
        shares = self.split_included(included, total_stated - net, exact_net, quantity)
        for tax, amount in shares.items():
            self.collect(tax, net, amount)
        divisor = _ONE + factor
        line_nets = apportion(
            net, [(s - f) / divisor for s, f in zip(stated, fixed, strict=True)], self.quantum
        )
        for index, line_net, line_stated in zip(indexes, line_nets, stated, strict=True):
            line = self.lines[index]
            nets[index] = line_net
            excluded = self.chain(line.taxes, line_net, line.quantity, included=_NO_AMOUNTS)
            line_tax[index] = line_stated - line_net + excluded

    def split_included(
        self, included: list[Tax], total: Decimal, exact_net: Decimal, quantity: Decimal
    ) -> dict[Tax, Decimal]:
        """Split the backed-out tax over the included taxes, each within a cent of its exact amount."""
        if len(included) == 1:
            return {included[0]: total}
        exact_amounts = [
            quantity * t.factor if t.kind is _PER_UNIT_TAX else exact_net * t.factor
            for t in included
        ]
        return dict(zip(included, apportion(total, exact_amounts, self.quantum), strict=True))

    def collect(self, tax: Tax, base: Decimal, rounded: Decimal) -> None:
        """Add an already rounded tax amount (an included tax) to the breakdown."""
        sums = self.breakdown.get(tax)
        if sums is None:
            self.breakdown[tax] = [base, _ZERO, rounded]
        else:
            sums[0] += base
            sums[2] += rounded

    def tax_breakdown(self) -> tuple[TaxSubtotal, ...]:
        """One row per tax and rate; each unrounded sum is rounded once (per-rate rounding)."""
        merged: dict[tuple[object, ...], tuple[Tax, list[Decimal]]] = {}
        for tax, (base, unrounded, rounded) in self.breakdown.items():
            key = tax.breakdown_key
            if key in merged:
                sums = merged[key][1]
                sums[0] += base
                sums[1] += unrounded
                sums[2] += rounded
            else:
                merged[key] = (tax, [base, unrounded, rounded])
        return tuple(
            TaxSubtotal(
                tax=tax,
                base=self.money(self.round(base)),
                amount=self.money(self.round(unrounded) + rounded),
            )
            for tax, (base, unrounded, rounded) in merged.values()
        )


class _AlreadyCounted(dict[Tax, Decimal]):
    """Included amounts that :meth:`_Pricing.included_per_rate` collected itself.

    The chain still needs the included taxes' places in it, but their amounts are not
    part of a line's excluded taxes: they count as zero here.
    """

    def __missing__(self, key: Tax) -> Decimal:
        return _ZERO


_NO_AMOUNTS = _AlreadyCounted()


def _fixed_included(line: Line) -> Decimal:
    """The part of a stated amount that is per-unit taxes included in the price."""
    return sum(
        (line.quantity * t.factor for t in line.taxes if t.included and t.kind is _PER_UNIT_TAX),
        _ZERO,
    )
