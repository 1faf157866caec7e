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
   The other conventions of the policy (per tax on exact amounts, per group, cent
   compensation; the net or the tax of an included amount rounded first, and which
   included tax takes the residual cent) take the general path, so that the default
   one keeps its kernel; docs/conventions.md states each.
4. **Totals**, from the same sums as the tax breakdown; a cash rounding difference is
   a figure of its own, an untaxed rounding line, or a share of the largest tax row, as
   its strategy says (:meth:`_Pricing.land_cash`).

Everything runs under ordercore's decimal context. The loop over lines touches only
``Decimal`` values and makes one small result per line; lines taxed alike share one linear
kernel (see :class:`_Kernel`). A 1,000-line invoice prices in about 1.4 ms, under twice
the cost of the bare ``Decimal`` arithmetic (see docs/performance.md).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import repeat
from typing import Any

import attrs

from ordercore.errors import (
    InvalidAdjustment,
    InvalidDiscount,
    InvalidLine,
    InvalidType,
    TotalsTooLarge,
    excerpt,
)
from ordercore.money.allocation import allocate, apportion
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT, exact
from ordercore.money.currency import precision, quantum
from ordercore.money.decimals import MAX_INTEGER_DIGITS
from ordercore.money.rounding import CashRoundingStrategy, round_to
from ordercore.pricing.discounts import DiscountKind, DiscountOverflow, Stacking
from ordercore.pricing.document import (
    Adjustment,
    AdjustmentMode,
    Document,
    Group,
    NegativePrices,
)
from ordercore.pricing.lines import Line
from ordercore.pricing.results import (
    PricedAdjustment,
    PricedDocument,
    PricedGroup,
    PricedLine,
    TaxSubtotal,
    Totals,
    _returned,
)
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

__all__ = ["price"]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_PERCENT = DiscountKind.PERCENT
_ADDITIVE = Stacking.ADDITIVE
_PER_UNIT_DISCOUNT = DiscountKind.PER_UNIT
_PER_UNIT_TAX = TaxKind.PER_UNIT
_ZERO_TAX = TaxKind.ZERO
_PERCENT_TAX = TaxKind.PERCENT
_DIVISION_TAX = TaxKind.DIVISION
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_SEPARATE = CashRoundingStrategy.SEPARATE
_ROUNDING_LINE = CashRoundingStrategy.ROUNDING_LINE
_ALLOW_NEGATIVE = NegativePrices.ALLOW
_exact = Money._exact


@functools.lru_cache(maxsize=256)
def _steps(code: str, price_places: int) -> tuple[Decimal, Decimal, int, Decimal]:
    """A currency's quantum, its quantized zero, its precision, and the unit price step."""
    step = quantum(code)
    return step, _ZERO.quantize(step), precision(code), Decimal((0, (1,), -price_places))


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
        self.quantum, self.zero, self.precision, self.price_quantum = _steps(
            self.currency.code, policy.price_places
        )
        self.rounding = policy.rounding.value
        mode = policy.tax_rounding
        self.per_line = mode is TaxRounding.PER_LINE
        # the conventions other than EN 16931's and per line (docs/conventions.md)
        self.exact_bases = mode is TaxRounding.PER_TAX_EXACT
        self.per_group = mode is TaxRounding.PER_GROUP
        self.compensated = mode is TaxRounding.COMPENSATED
        self.convention = self.exact_bases or self.per_group or self.compensated
        # lines whose included taxes are backed out one by one, not from summed amounts
        self.back_out_each = (
            self.per_line
            or self.compensated
            or policy.included_back_out is IncludedBackOut.PER_LINE
        )
        # rows whose amounts are summed as they are (each rounded, or exact and rounded once)
        self.rows_from_amounts = self.per_line or self.exact_bases or self.compensated
        self.tax_first = policy.included_rounding is IncludedRounding.TAX_FIRST
        self.residual = policy.residual_cent
        self.tax_increment = policy.tax_increment
        # cent compensation: a row's running sums, [exact, rounded]
        self.running: dict[tuple[object, ...], list[Decimal]] = {}
        # per group: each group's own breakdown, by its taxes and sign
        self.sections: dict[tuple[tuple[Tax, ...], bool], dict[Tax, list[Decimal]]] = {}
        # whether taxes are applied by chain_rounded_apart rather than chain
        self.apart = self.exact_bases or self.compensated
        self.sequential = policy.stacking is Stacking.SEQUENTIAL
        self.clamp = policy.discount_overflow is DiscountOverflow.CLAMP
        # neighbouring division taxes levied on one gross (their lines' taxes swapped)
        self.together = policy.division_taxes is DivisionTaxes.TOGETHER
        # under it: each swapped copy's tax as given, by the copy's id; the rows of the
        # taxes levied together; the swapped tuples, held while the run maps their ids
        self.given: dict[int, Tax] = {}
        self.levied_rows: set[tuple[object, ...]] = set()
        self.held: dict[int, tuple[Tax, ...]] = {}
        self.lines: list[Line] = []
        self.gross: list[Decimal] = []
        self.discount: list[Decimal] = []
        self.stated: list[Decimal] = []
        # each line's share of distributed allowances and charges, once there is one
        self.distributed: list[Decimal] | None = None
        # tax -> [sum of exact bases, sum of amounts still to round, sum of rounded amounts]
        self.breakdown: dict[Tax, list[Decimal]] = {}

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, self.rounding)

    def money(self, value: Decimal) -> Money:
        return _exact(value, self.currency)

    # -- step 1: lines -----------------------------------------------------------------

    def run(self) -> PricedDocument:
        document = self.document
        lines = self.lines
        spans: list[tuple[Group, int, int]] = []
        for item in document.items:
            if isinstance(item, Group):
                start = len(lines)
                lines.extend(item.lines)
                spans.append((item, start, len(lines)))
            else:
                lines.append(item)
        # lines of negative unit price, priced with the sign on their quantity
        originals = self.mirror() if document.policy.negative_prices is _ALLOW_NEGATIVE else None
        if self.together:
            originals = self.levy_together(originals)
        self.line_amounts()

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
        standalone = document.policy.adjustments is AdjustmentMode.STANDALONE
        document_adjustments: tuple[PricedAdjustment, ...] = ()
        if document.adjustments and not standalone:
            document_adjustments = self.distribute(document.adjustments, 0, len(lines), scope=None)

        # -- step 3: taxes --------------------------------------------------------------
        priced_lines, lines_net = self.price_lines()
        if originals:
            priced_lines = _restored(priced_lines, originals)
        allowances = charges = self.zero
        if standalone and document.adjustments:
            document_adjustments, allowances, charges = self.standalone(lines_net)

        # -- step 4: totals -------------------------------------------------------------
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
        cash = document.policy.cash_rounding
        prepaid = document.prepaid.amount if document.prepaid is not None else self.zero
        # the payable amount is what must be a multiple of the cash increment (EN 16931 BT-115)
        rounding = cash.adjustment(tax_inclusive - prepaid) if cash is not None else self.zero
        on_line = self.zero
        if rounding and cash is not None and cash.strategy is not _SEPARATE:
            # the difference moves from its own figure into the lines or the taxes
            on_line, on_tax, breakdown = self.land_cash(
                cash.strategy, rounding, breakdown, negative=tax_inclusive < 0
            )
            rounding -= on_line + on_tax
            lines_net += on_line
            tax_exclusive += on_line
            tax_total += on_tax
            tax_inclusive += on_line + on_tax
        amount_due = tax_inclusive + rounding - prepaid
        for total in (lines_net, tax_inclusive, amount_due):
            if total.copy_abs() >= _LIMIT:
                raise TotalsTooLarge(total=total, limit=_LIMIT)
        currency = self.currency
        totals = Totals(
            lines_net=_exact(lines_net, currency),
            rounding_line=_exact(on_line, currency),
            allowances=_exact(allowances, currency),
            charges=_exact(charges, currency),
            tax_exclusive=_exact(tax_exclusive, currency),
            tax=_exact(tax_total, currency),
            tax_inclusive=_exact(tax_inclusive, currency),
            rounding=_exact(rounding, currency),
            prepaid=_exact(prepaid, currency),
            amount_due=_exact(amount_due, currency),
        )
        return PricedDocument(
            document=document,
            precision=self.precision,
            lines=priced_lines,
            groups=groups,
            adjustments=document_adjustments,
            tax_breakdown=breakdown,
            totals=totals,
        )

    def land_cash(
        self,
        strategy: CashRoundingStrategy,
        rounding: Decimal,
        breakdown: tuple[TaxSubtotal, ...],
        *,
        negative: bool,
    ) -> tuple[Decimal, Decimal, tuple[TaxSubtotal, ...]]:
        """Where a cash rounding difference lands: as an untaxed line, or on a tax row.

        Return the part on a line, the part on a tax row, and the breakdown with that
        row's amount (and its ``cash_rounding``) changed. Under ``BIGGEST_TAX`` with no
        row of tax to take it, neither takes it: it stays a figure of its own.
        """
        if strategy is _ROUNDING_LINE:
            return rounding, self.zero, breakdown
        biggest = _biggest_tax(breakdown, negative=negative)
        if biggest is None:
            return self.zero, self.zero, breakdown
        row = breakdown[biggest]
        taken = attrs.evolve(
            row, amount=self.money(row.amount.amount + rounding), cash_rounding=self.money(rounding)
        )
        return self.zero, rounding, (*breakdown[:biggest], taken, *breakdown[biggest + 1 :])

    def mirror(self) -> dict[int, Line]:
        """Put each line of negative unit price as its mirror (:func:`mirrored`) in the run.

        Return the lines replaced, by index, for the priced lines to show them as given.
        """
        lines = self.lines
        originals = {i: line for i, line in enumerate(lines) if line.unit_price.amount < 0}
        for index, line in originals.items():
            lines[index] = mirrored(line)
        return originals

    def levy_together(self, originals: dict[int, Line] | None) -> dict[int, Line] | None:
        """Put each line whose division taxes are levied together with its taxes swapped.

        The swapped taxes (:func:`together`) equal the line's, so the line equals the one
        given; only how its division taxes compute differs. Return the lines given, by
        index, with ``originals`` (those of :meth:`mirror`, which come first).
        """
        lines = self.lines
        swapped: dict[int, Line] = {}
        for index, line in enumerate(lines):
            taxes = self.levied(line.taxes)
            if taxes is not line.taxes:
                swapped[index] = line
                lines[index] = _with_taxes(line, taxes)
        if not swapped:
            return originals
        return swapped if not originals else {**swapped, **originals}

    def levied(self, taxes: tuple[Tax, ...]) -> tuple[Tax, ...]:
        """``taxes`` as :func:`together` levies them, each copy mapped to its tax given."""
        swapped = together(taxes)
        if swapped is not taxes and id(swapped) not in self.held:
            self.held[id(swapped)] = swapped
            for copy, tax in zip(swapped, taxes, strict=True):
                if copy is not tax:
                    self.given[id(copy)] = tax
                    self.levied_rows.add(tax.breakdown_key)
        return swapped

    def line_amounts(self) -> None:
        """Step 1: each line's gross, and what its own discounts take off (the hot loop)."""
        q = self.quantum
        rounding = self.rounding
        zero = self.zero
        gross_of = self.gross.append
        discount_of = self.discount.append
        stated_of = self.stated.append
        for line in self.lines:
            quantity = line.quantity
            if line.unit_base:
                gross = (quantity * line.unit_price.amount).quantize(q, rounding)
            else:
                gross = (quantity * line.unit_price.amount / line.base_quantity).quantize(
                    q, rounding
                )
            factor = line.single_percent
            if factor is not None:
                discount = (gross * factor).quantize(q, rounding)
                stated = gross - discount
            elif line.discounts or line.price_discount is not None:
                stated = self.discounted(line, gross)
                discount = gross - stated
            else:
                stated = gross
                discount = zero
            gross_of(gross)
            discount_of(discount)
            stated_of(stated)

    def discounted(self, line: Line, gross: Decimal) -> Decimal:
        """The line's amount after its price discount and its discounts."""
        remaining = gross
        price_discount = line.price_discount
        if price_discount is not None:
            unit = line.unit_price.amount
            if price_discount.kind is _PERCENT:
                net_price = (unit - unit * price_discount.factor).quantize(
                    self.price_quantum, self.rounding
                )
            else:
                net_price = unit - price_discount.factor
            remaining = (line.quantity * net_price / line.base_quantity).quantize(
                self.quantum, self.rounding
            )
        if line.discounts:
            remaining = self.apply_discounts(line, remaining)
        return remaining

    def apply_discounts(self, line: Line, start: Decimal) -> Decimal:
        q = self.quantum
        rounding = self.rounding
        quantity = line.quantity
        negative = quantity < 0
        remaining = start
        discounts = line.discounts
        stacking = line.stacking
        additive = not self.sequential if stacking is None else stacking is _ADDITIVE
        clamp = additive and self.clamp
        if additive:
            rate = sum((d.factor for d in discounts if d.kind is _PERCENT), _ZERO)
            if rate > _ONE:
                if not clamp:
                    raise InvalidDiscount(
                        ", ".join(str(d) for d in discounts if d.kind is _PERCENT),
                        reason=f"added up they take more than 100 % off line "
                        f"{excerpt(line.description)}; clamp them at zero with "
                        "Policy(discount_overflow=DiscountOverflow.CLAMP) if that is the rule",
                        field="discounts",
                    )
                rate = _ONE
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
                if clamp:
                    return self.zero  # the stack takes the line to zero, no further
                raise InvalidDiscount(
                    discount,
                    reason=f"it takes line {excerpt(line.description)} below zero "
                    f"({self.currency.code} {remaining}); a discount is never clamped",
                    field="discounts",
                )
        return remaining

    # -- step 2: adjustments -----------------------------------------------------------

    def distribute(
        self, adjustments: Sequence[Adjustment], start: int, end: int, *, scope: str | None
    ) -> tuple[PricedAdjustment, ...]:
        """Compute adjustments on the net of lines[start:end] and spread them over those lines."""
        weights = self.stated[start:end]
        base = sum(weights, _ZERO)
        where = f"group {scope!r}" if scope else "the document"
        fixed = next((a for a in adjustments if a.percent is None), None)
        if fixed is not None and any(w < 0 for w in weights) and any(w > 0 for w in weights):
            raise InvalidAdjustment(
                fixed,
                reason=f"a fixed amount cannot be spread over the lines of {where}: they mix "
                "sales and returns, whose nets offset each other; put the returns in a group "
                "of their own, use a percentage, or make document adjustments standalone",
                field="lines",
            )
        if fixed is not None and base == 0:
            raise InvalidAdjustment(
                fixed,
                reason=f"the lines of {where} have a net of zero, so there is nothing to spread "
                "a fixed amount over; bill it as a line of its own (LineKind.CHARGE)",
                field="lines",
            )
        priced, effect = self.amounts(adjustments, base, scope=scope, distributed=True)
        if effect:
            # amounts() refused an effect on a zero base, so the weights sum to non-zero
            shares = allocate(effect, weights, self.quantum)
            if self.distributed is None:
                self.distributed = [self.zero] * len(self.lines)
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
        sells: bool = False,
    ) -> tuple[tuple[PricedAdjustment, ...], Decimal]:
        """The amount of each adjustment on ``base``, and their net effect on it.

        A fixed amount takes the sign of a negative base (a document of returns mirrors the
        sale), unless some line ``sells`` (states a positive amount): then it is taken as
        stated, whether the lines mixed sales and returns or the per-unit taxes included in
        a sale's price took its net below zero. Adjustments ``distributed`` over lines may
        not take their base past zero (no line net would keep its sign); standalone ones
        may: such a document owes the customer (the last invoice of an order can, by a
        rounding of its share, or after a down payment larger than what it bills).
        """
        negative = base < 0 and not sells
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
        if distributed and (
            (after < 0 and not negative) or (after > 0 and negative) or (base == 0 and effect)
        ):
            where = f"group {scope!r}" if scope else "the document"
            raise InvalidAdjustment(
                adjustments[0],
                reason=f"the allowances and charges take {where} from {base} to {after}; "
                "an allowance may not exceed the net it applies to",
                field="amount",
            )
        return tuple(priced), effect

    def standalone(
        self, lines_net: Decimal
    ) -> tuple[tuple[PricedAdjustment, ...], Decimal, Decimal]:
        """Document allowances and charges as their own entries with their own taxes."""
        stated = self.stated
        sells = any(amount > 0 for amount in stated)
        priced, _effect = self.amounts(
            self.document.adjustments, lines_net, scope=None, distributed=False, sells=sells
        )
        allowances = charges = self.zero
        for entry in priced:
            amount = entry.amount.amount
            signed = amount * entry.adjustment.sign
            if entry.adjustment.sign < 0:
                allowances += amount
            else:
                charges += amount
            taxes = entry.adjustment.taxes
            if self.together:
                taxes = self.levied(taxes)
            if self.per_group:
                self.breakdown = self.section(taxes, negative=signed < 0)
            self.chain_of(taxes, signed, self.zero, None)
        return priced, allowances, charges

    # -- step 3: taxes -----------------------------------------------------------------

    def price_lines(self) -> tuple[tuple[PricedLine, ...], Decimal]:
        """Step 3: each line's net and tax, as priced lines; and the lines' net total.

        Lines are grouped by their tuple of taxes (lines taxed alike share one, see
        :class:`~ordercore.pricing.lines.Line`). With per-rate rounding and no tax
        included in the price, a line's taxes are linear in its net and its quantity, so
        the loop keeps only the sums of those per tax set and the tax breakdown is
        derived from them once (:class:`_Kernel`). Other lines take the general path.
        """
        kernels: dict[int, _Kernel] = {}
        find = kernels.get
        currency = self.currency
        rounding = self.rounding
        quantum = self.quantum
        zero = self.zero
        other_nets = zero
        deferred: dict[object, list[int]] = {}
        priced: list[PricedLine] = []
        add = priced.append
        last: tuple[Tax, ...] | None = None
        kernel = _NO_KERNEL
        linear, rate, unit = False, _ZERO, _ZERO  # the kernel's, while lines share it
        shares: Iterable[Decimal] = (
            self.distributed if self.distributed is not None else repeat(zero)
        )
        for line, gross, discount, stated, share in zip(  # shares may repeat zero forever
            self.lines, self.gross, self.discount, self.stated, shares, strict=False
        ):
            taxes = line.taxes
            if taxes is not last:  # lines taxed alike often follow each other
                last = taxes
                found = find(id(taxes))
                if found is None:
                    found = kernels[id(taxes)] = self.kernel(taxes)
                kernel = found
                linear, rate, unit = kernel.linear, kernel.rate, kernel.unit
            if linear:
                kernel.net += stated
                if unit:
                    quantity = line.quantity
                    kernel.quantity += quantity
                    tax = stated * rate + quantity * unit
                else:
                    tax = stated * rate
                add(PricedLine((line, currency, gross, discount, share, stated, tax, rounding)))
            elif kernel.rounded:  # per-line rounding, nothing included
                other_nets += stated
                tax = kernel.rounded_tax(stated, line.quantity, quantum, rounding)
                add(PricedLine((line, currency, gross, discount, share, stated, tax, rounding)))
            else:
                amounts = (gross, discount, share, stated)
                other_nets += self.other_line(line, amounts, deferred, priced, kernel.combines)
        other_nets += self.back_out_deferred(deferred, priced)
        lines_net = other_nets
        breakdown = self.breakdown
        for kernel in kernels.values():
            if kernel.linear:
                lines_net += kernel.net
                kernel.collect(breakdown)
            elif kernel.rounded:
                kernel.collect_rounded(breakdown)
        return tuple(priced), lines_net

    def other_line(
        self,
        line: Line,
        amounts: tuple[Decimal, Decimal, Decimal, Decimal],
        deferred: dict[object, list[int]],
        priced: list[PricedLine],
        combines: bool,
    ) -> Decimal:
        """Price a line its tax set's kernel does not: add it to ``priced``, return its net.

        ``amounts`` are the line's gross, discount, share and stated amount. A line with
        taxes included in its price under per-rate rounding waits in ``deferred`` for its
        tax set's back-out (its net counts then, and is zero here), unless they
        ``combine`` with compound taxes (:func:`_combines`).
        """
        currency, rounding, zero = self.currency, self.rounding, self.zero
        gross, discount, share, stated = amounts
        if combines and line.has_included_tax:
            # backed out of this line alone, under every convention (docs/pricing.md)
            if self.per_group:
                self.breakdown = self.section(line.taxes, negative=_returned(stated, line.quantity))
            net, tax = self.included_chained(line, stated)
            priced.append(PricedLine((line, currency, gross, discount, share, net, tax, rounding)))
            return net
        if line.has_included_tax and not self.back_out_each:
            self.check_included(line, stated)
            key = (
                (line.taxes, _returned(stated, line.quantity))
                if self.per_group
                else line.included_taxes
            )
            deferred.setdefault(key, []).append(len(priced))
            priced.append(
                PricedLine((line, currency, gross, discount, share, zero, zero, rounding))
            )
            return zero
        if self.convention:
            net, tax = self.convention_line(line, stated, share)
        elif line.has_included_tax:
            net, tax = self.included_per_line(line, stated)
        else:
            net, tax = stated, self.chain(line.taxes, stated, line.quantity)
        priced.append(PricedLine((line, currency, gross, discount, share, net, tax, rounding)))
        return net

    def back_out_deferred(
        self, deferred: dict[object, list[int]], priced: list[PricedLine]
    ) -> Decimal:
        """Price the lines with included taxes backed out together; return their nets' sum."""
        nets = self.zero
        rounding = self.rounding
        for indexes in deferred.values():
            first = self.lines[indexes[0]]
            if self.per_group:
                negative = _returned(self.stated[indexes[0]], first.quantity)
                self.breakdown = self.section(first.taxes, negative=negative)
            for index, net, tax in self.included_per_rate(first.included_taxes, indexes):
                nets += net
                priced[index] = PricedLine((*priced[index][:5], net, tax, rounding))
        return nets

    def kernel(self, taxes: tuple[Tax, ...]) -> _Kernel:
        """The pricing kernel of one tax set; its taxes take their place in the breakdown."""
        plain = not self.convention and not any(t.included for t in taxes)
        linear = plain and not self.per_line
        rounded = plain and self.per_line
        kernel = _Kernel(taxes, linear=linear, rounded=rounded)
        if linear and not kernel.unit and any(c[2] or c[4] for c in kernel.coefficients):
            # per-unit amounts that cancel out (a fee and as much withheld): the kernel
            # would keep no quantity for them, so these lines take the general path
            kernel.linear = linear = False
        if linear or rounded:
            for tax in taxes:
                self.breakdown.setdefault(tax, [_ZERO, _ZERO, _ZERO, _ZERO])
        return kernel

    def section(self, taxes: tuple[Tax, ...], *, negative: bool) -> dict[Tax, list[Decimal]]:
        """Per group: the breakdown sums of the lines taxed with ``taxes`` and of one sign.

        A line is a return when its net is negative, or zero with a negative quantity (so
        that its per-unit taxes go with the returns, and a document negated mirrors).
        """
        sums = self.sections.get((taxes, negative))
        if sums is None:
            sums = self.sections[taxes, negative] = {}
        return sums

    def convention_line(
        self, line: Line, stated: Decimal, share: Decimal
    ) -> tuple[Decimal, Decimal]:
        """One line's net and tax under per group, per tax exact or compensated rounding."""
        taxes = line.taxes
        if self.per_group:
            self.breakdown = self.section(taxes, negative=_returned(stated, line.quantity))
            if line.has_included_tax:  # backed out line by line (IncludedBackOut.PER_LINE)
                return self.included_per_line(line, stated)
            return stated, self.chain(taxes, stated, line.quantity)
        if line.has_included_tax:  # compensated, or per line: backed out line by line
            return self.included_per_line(line, stated)
        exact = self.exact_stated(line) + share if self.exact_bases else stated
        return stated, self.chain_rounded_apart(taxes, stated, line.quantity, None, exact)

    def exact_stated(self, line: Line) -> Decimal:
        """The line's amount before any rounding: quantity x unit price less its discounts.

        The price discount, the line discounts (in their order and stacking) and the
        division by the base quantity are all taken exactly; :meth:`line_amounts` rounds
        each of them, this does not.
        """
        quantity = line.quantity
        unit = line.unit_price.amount
        price_discount = line.price_discount
        if price_discount is not None:
            if price_discount.kind is _PERCENT:
                unit -= unit * price_discount.factor
            else:
                unit -= price_discount.factor
        amount = quantity * unit
        if not line.unit_base:
            amount /= line.base_quantity
        discounts = line.discounts
        stacking = line.stacking  # the line's own, or the policy's (as apply_discounts)
        additive = not self.sequential if stacking is None else stacking is _ADDITIVE
        clamp = additive and self.clamp
        negative = quantity < 0
        if additive:
            rate = sum((d.factor for d in discounts if d.kind is _PERCENT), _ZERO)
            amount -= amount * (min(rate, _ONE) if clamp else rate)
            discounts = tuple(d for d in discounts if d.kind is not _PERCENT)
        for discount in discounts:
            kind = discount.kind
            if kind is _PERCENT:
                amount -= amount * discount.factor
            elif kind is _PER_UNIT_DISCOUNT:
                amount -= quantity * discount.factor
            else:
                amount -= -discount.factor if negative else discount.factor
            if clamp and ((amount < 0 and not negative) or (amount > 0 and negative)):
                return _ZERO  # the stack takes the line to zero, no further
        return amount

    def chain_rounded_apart(
        self,
        taxes: Sequence[Tax],
        net: Decimal,
        quantity: Decimal,
        included: dict[Tax, Decimal] | None = None,
        exact_net: Decimal | None = None,
        *,
        collect: bool = False,
    ) -> Decimal:
        """Apply ``taxes`` in order, per tax exact or with cent compensation.

        Per tax exact: each tax is taken on ``exact_net`` (the unrounded line amount, plus
        the exact amounts of earlier compound taxes) and its exact amount is summed; the
        row rounds the sum once. Compensated: each tax is taken on the line net, and the
        line gets the difference between the rounded running sums of the row after and
        before it, so the lines' taxes add up to the row. The recorded base is the
        rounded line net (plus earlier compound amounts) either way. ``collect``: as
        :meth:`chain`.
        """
        breakdown = self.breakdown
        compensated = self.compensated
        if exact_net is None:
            exact_net = net
        compound = total = self.zero
        for tax in taxes:
            plain = not compound or tax.on_plain_net
            base = net if plain else net + compound
            if included is not None and tax.included:
                amount = included[tax]
                if collect:
                    self.collect(tax, base, amount)
            else:
                exact_amount = self.exact_tax(
                    tax, quantity, exact_net if plain else exact_net + compound
                )
                if compensated:
                    amount = self.compensate(tax, exact_amount)
                    unrounded, rounded = _ZERO, amount
                else:
                    amount = exact_amount
                    unrounded, rounded = amount, _ZERO
                sums = breakdown.get(tax)
                if sums is None:
                    breakdown[tax] = [base, unrounded, rounded, base]
                else:
                    sums[0] += base
                    sums[1] += unrounded
                    sums[2] += rounded
                    sums[3] += base
            if tax.compound:
                compound += amount
            total += amount
        return total

    def exact_tax(self, tax: Tax, quantity: Decimal, base: Decimal) -> Decimal:
        """The exact amount of ``tax`` on ``base`` (a per-unit tax: on ``quantity``)."""
        kind = tax.kind
        if kind is _PER_UNIT_TAX:
            return quantity * tax.factor
        if kind is _ZERO_TAX:
            return self.zero
        return tax.amount_of(base)

    def chain_of(
        self,
        taxes: Sequence[Tax],
        net: Decimal,
        quantity: Decimal,
        included: dict[Tax, Decimal] | None,
        *,
        collect: bool = False,
    ) -> Decimal:
        """:meth:`chain`, or :meth:`chain_rounded_apart` where the convention asks for it.

        (Not a bound method kept on the instance: that would make the run a reference
        cycle, left for the garbage collector with all its per-line lists.)
        """
        if collect:  # (only then passed on: a keyword costs the common calls a little)
            if self.apart:
                return self.chain_rounded_apart(taxes, net, quantity, included, collect=True)
            return self.chain(taxes, net, quantity, included, collect=True)
        if self.apart:
            return self.chain_rounded_apart(taxes, net, quantity, included)
        return self.chain(taxes, net, quantity, included)

    def compensate(self, tax: Tax, exact_amount: Decimal) -> Decimal:
        """Cent compensation: add to ``tax``'s running sum, and return what its rounding moved."""
        running = self.running.get(tax.breakdown_key)
        if running is None:
            running = self.running[tax.breakdown_key] = [_ZERO, self.zero]
        running[0] += exact_amount
        after = self.round(running[0])
        amount = after - running[1]
        running[1] = after
        return amount

    def chain(
        self,
        taxes: Sequence[Tax],
        net: Decimal,
        quantity: Decimal,
        included: dict[Tax, Decimal] | None = None,
        *,
        collect: bool = False,
    ) -> Decimal:
        """Apply ``taxes`` in order to ``net``; return the line's tax and collect the sums.

        ``included`` gives the amounts of included taxes, already backed out; they are
        collected here only if ``collect`` (with their base in the chain, which carries
        the compound taxes before them: :meth:`included_chained`), else by the caller
        (:meth:`included_per_line`, :meth:`included_per_rate`).
        """
        per_line = self.per_line
        breakdown = self.breakdown
        compound = total = self.zero
        for tax in taxes:
            base = net if not compound or tax.on_plain_net else net + compound
            if included is not None and tax.included:
                amount = included[tax]
                if collect:
                    self.collect(tax, base, amount)
            else:
                kind = tax.kind
                if kind is _PER_UNIT_TAX:
                    amount = quantity * tax.factor
                elif kind is _ZERO_TAX:
                    amount = self.zero
                else:
                    amount = tax.amount_of(base)
                rounded = _ZERO
                if per_line:
                    rounded = amount = amount.quantize(self.quantum, self.rounding)
                    unrounded = _ZERO
                else:
                    unrounded = amount
                sums = breakdown.get(tax)
                if sums is None:
                    breakdown[tax] = [base, unrounded, rounded, base]
                else:
                    sums[0] += base
                    sums[1] += unrounded
                    sums[2] += rounded
                    sums[3] += base
            if tax.compound:
                compound += amount
            total += amount
        return total

    def check_included(self, line: Line, stated: Decimal) -> None:
        """Refuse a stated amount that does not cover the per-unit taxes included in it."""
        factor = sum((t.factor for t in line.included_taxes if t.kind is not _PER_UNIT_TAX), _ZERO)
        # Only a sign change of a whole minor unit or more is refused: a share of a line
        # rounded to the cent may leave a fraction of a cent of per-unit tax uncovered,
        # which rounding (half up, or a directed mode such as UP) would blow up to a cent.
        exact_net = (stated - _fixed_included(line)) / (_ONE + factor)
        net = exact_net.quantize(self.quantum, "ROUND_DOWN")
        if (net < 0 < stated) or (net > 0 > stated) or (stated == 0 and net != 0):
            self.check_covered(line, stated, exact_net)

    def check_covered(self, line: Line, stated: Decimal, exact_net: Decimal) -> None:
        """Refuse a net backed out of ``stated`` whose sign differs from it (see above)."""
        net = exact_net.quantize(self.quantum, "ROUND_DOWN")
        if (net < 0 < stated) or (net > 0 > stated) or (stated == 0 and net != 0):
            raise InvalidLine(
                line.description,
                reason=f"its amount {stated} does not cover the per-unit taxes included in "
                "its price (or in the base of a tax included in it); the net and the other "
                "taxes would change sign",
                field="taxes",
            )

    def included_chained(self, line: Line, stated: Decimal) -> tuple[Decimal, Decimal]:
        """Back out of one line included taxes that combine with its other taxes.

        Such a line has an included tax whose base carries a compound tax (an excise, or
        an amount per unit, added before the VAT), or an included compound tax that enters
        a later tax's base (:func:`_combines`). Every tax of the chain is linear in the
        line's net ``n`` and quantity ``q`` (:func:`_shape`), so the stated amount is
        ``n + sum(a * n + b * q)`` over the included taxes, and the exact net is
        ``(stated - q * sum(b)) / (1 + sum(a))``. The net and the included amounts are then
        rounded as the policy says (:meth:`back_out`), and the chain takes the other taxes
        on the rounded net and the rounded included amounts. The line is backed out alone
        whatever the tax rounding: its included taxes' amounts depend on the taxes around
        them, which lines of the same included taxes need not share.
        """
        taxes = line.taxes
        quantity = line.quantity
        coefficients = [entry for entry in _shape(taxes)[0] if entry[0].included]
        rate = sum((entry[3] for entry in coefficients), _ZERO)
        unit = sum((entry[4] for entry in coefficients), _ZERO)
        exact_net = (stated - quantity * unit) / (_ONE + rate)
        self.check_covered(line, stated, exact_net)
        included = [entry[0] for entry in coefficients]
        amounts = [a * exact_net + b * quantity for _t, _bn, _bq, a, b in coefficients]
        net, shares = self.back_out(included, stated, exact_net, quantity, line, amounts=amounts)
        return net, self.chain_of(taxes, net, quantity, shares, collect=True)

    def included_per_line(self, line: Line, stated: Decimal) -> tuple[Decimal, Decimal]:
        """Back the included taxes out of one line's stated amount; round the net once."""
        self.check_included(line, stated)
        included = list(line.included_taxes)
        factor = sum((t.factor for t in included if t.kind is not _PER_UNIT_TAX), _ZERO)
        exact_net = (stated - _fixed_included(line)) / (_ONE + factor)
        net, shares = self.back_out(included, stated, exact_net, line.quantity, line)
        for tax, amount in shares.items():
            self.collect(tax, net, amount)
        tax_total = self.chain_of(line.taxes, net, line.quantity, shares)
        return net, tax_total

    def included_per_rate(
        self, taxes: tuple[Tax, ...], indexes: list[int]
    ) -> list[tuple[int, Decimal, Decimal]]:
        """Back included taxes out once from the summed stated amounts of lines taxed alike.

        ``taxes`` are the included taxes the lines share (their other taxes may differ).
        Return each line's index, net and tax.
        """
        included = list(taxes)
        factor = sum((t.factor for t in included if t.kind is not _PER_UNIT_TAX), _ZERO)
        fixed = [_fixed_included(self.lines[i]) for i in indexes]
        stated = [self.stated[i] for i in indexes]
        total_stated = sum(stated, _ZERO)
        exact_net = (total_stated - sum(fixed, _ZERO)) / (_ONE + factor)
        quantity = sum((self.lines[i].quantity for i in indexes), _ZERO)
        net, shares = self.back_out(
            included, total_stated, exact_net, quantity, self.lines[indexes[0]]
        )
        for tax, amount in shares.items():
            self.collect(tax, net, amount)
        divisor = _ONE + factor
        own = [(s - f) / divisor for s, f in zip(stated, fixed, strict=True)]
        if self.tax_first:  # the net may be cents away from the exact one: spread that evenly
            step = (net - exact_net) / len(own)
            own = [value + step for value in own]
        line_nets = apportion(net, _snapped(own, self.quantum), self.quantum)
        results = []
        for index, line_net, line_stated in zip(indexes, line_nets, stated, strict=True):
            line = self.lines[index]
            excluded = self.chain_of(line.taxes, line_net, line.quantity, _NO_AMOUNTS)
            results.append((index, line_net, line_stated - line_net + excluded))
        return results

    def back_out(
        self,
        included: list[Tax],
        stated: Decimal,
        exact_net: Decimal,
        quantity: Decimal,
        line: Line,
        *,
        amounts: list[Decimal] | None = None,
    ) -> tuple[Decimal, dict[Tax, Decimal]]:
        """The net and the included taxes' amounts of a stated (tax-inclusive) amount.

        Net first (the default): the net is rounded and the taxes share the rest. Tax
        first: each included tax is rounded on its own and the net takes the rest; a net
        that this would take past zero is refused (``line`` is named in the error).
        ``amounts`` are the included taxes' exact amounts where the caller knows them
        (else each is its factor times the exact net, or times the quantity).
        """
        if not self.tax_first:
            net = self.round(exact_net)
            return net, self.split_included(included, stated - net, exact_net, quantity, amounts)
        if amounts is None:
            amounts = _exact_amounts(included, exact_net, quantity)
        shares = {tax: self.round(amount) for tax, amount in zip(included, amounts, strict=True)}
        net = stated - sum(shares.values(), _ZERO)
        if (net < 0 < stated) or (net > 0 > stated):
            raise InvalidLine(
                line.description,
                reason=f"its included taxes, each rounded first, come to more than its amount "
                f"{stated}; round the net first (IncludedRounding.NET_FIRST)",
                field="taxes",
            )
        return net, shares

    def split_included(
        self,
        included: list[Tax],
        total: Decimal,
        exact_net: Decimal,
        quantity: Decimal,
        amounts: list[Decimal] | None = None,
    ) -> dict[Tax, Decimal]:
        """Split the backed-out tax over the included taxes as the policy's residual says.

        Largest remainder (the default): each within a cent of its exact amount. Last or
        first tax: the others are rounded on their own, and that one takes the rest.
        ``amounts``: as :meth:`back_out`.
        """
        if len(included) == 1:
            return {included[0]: total}
        zero = [tax for tax in included if tax.kind is _ZERO_TAX]
        if zero and len(zero) < len(included):  # a zero tax takes no cent: share the rest
            kept = [i for i, tax in enumerate(included) if tax.kind is not _ZERO_TAX]
            rest = [included[i] for i in kept]
            rest_amounts = None if amounts is None else [amounts[i] for i in kept]
            return dict.fromkeys(zero, _ZERO) | self.split_included(
                rest, total, exact_net, quantity, rest_amounts
            )
        exact_amounts = (
            _exact_amounts(included, exact_net, quantity) if amounts is None else amounts
        )
        residual = self.residual
        if residual is ResidualCent.LARGEST_REMAINDER:
            parts = apportion(total, _snapped(exact_amounts, self.quantum), self.quantum)
        else:
            parts = [self.round(amount) for amount in exact_amounts]
            taker = -1 if residual is ResidualCent.LAST_TAX else 0
            parts[taker] = total - (sum(parts, _ZERO) - parts[taker])
        return dict(zip(included, parts, strict=True))

    def collect(self, tax: Tax, base: Decimal, rounded: Decimal) -> None:
        """Add an already rounded tax amount (an included tax) to the breakdown."""
        sums = self.breakdown.get(tax)
        if sums is None:
            self.breakdown[tax] = [base, _ZERO, rounded, _ZERO]
        else:
            sums[0] += base
            sums[2] += rounded

    def tax_breakdown(self) -> tuple[TaxSubtotal, ...]:
        """One row per tax and rate, each amount rounded once.

        With per-rate rounding, a percentage or division row takes its tax on its rounded
        base (which, after a compound tax, carries that tax's exact amounts), so that every
        row reads ``amount = round(base x rate)`` as EN 16931 (BR-CO-17) checks it; a
        per-unit row rounds its exact sum. Included taxes were backed out already and add
        their rounded amounts. The document's tax corrections are added last, each to its
        row.
        """
        made = self.document.tax_corrections
        corrections = {c.tax.breakdown_key: c for c in made} if made else None
        found = (
            self.group_rows()
            if self.per_group
            else [(*row, None) for row in self.section_rows(self.breakdown)]
        )
        currency = self.currency
        rows = []
        for found_tax, base, amount, returns in found:
            tax = self.given.get(id(found_tax), found_tax) if self.together else found_tax
            correction = None if corrections is None else corrections.pop(tax.breakdown_key, None)
            if correction is None:
                rows.append(
                    TaxSubtotal(
                        tax=tax,
                        base=_exact(base, currency),
                        amount=_exact(amount, currency),
                        returns=returns,
                    )
                )
            else:
                rows.append(
                    TaxSubtotal(
                        tax=tax,
                        base=_exact(base, currency),
                        amount=_exact(amount + correction.amount.amount, currency),
                        correction=correction.amount,
                        returns=returns,
                    )
                )
        if corrections:
            rows.extend(  # rows the lines do not have
                TaxSubtotal(
                    tax=correction.tax,
                    base=self.money(self.zero),
                    amount=correction.amount,
                    correction=correction.amount,
                )
                for correction in corrections.values()
            )
        return tuple(rows)

    def group_rows(self) -> list[tuple[Tax, Decimal, Decimal, bool | None]]:
        """Per group: each group's rows, summed into one row per tax, rate and sign.

        The sign is ``True`` for the rows of returns.
        """
        rows: dict[tuple[object, bool], tuple[Tax, list[Decimal]]] = {}
        for (_taxes, negative), section in self.sections.items():
            for tax, base, amount in self.section_rows(section):
                row = rows.get((tax.breakdown_key, negative))
                if row is None:
                    rows[tax.breakdown_key, negative] = (tax, [base, amount])
                else:
                    row[1][0] += base
                    row[1][1] += amount
        return [
            (tax, base, amount, negative)
            for (_key, negative), (tax, (base, amount)) in rows.items()
        ]

    def section_rows(self, section: dict[Tax, list[Decimal]]) -> list[tuple[Tax, Decimal, Decimal]]:
        """The rows of one breakdown's sums: each tax and rate's rounded base and amount."""
        merged: dict[tuple[object, ...], tuple[Tax, list[Decimal]]] = {}
        for tax, sums in section.items():
            key = tax.breakdown_key
            known = merged.get(key)
            if known is None:
                merged[key] = (tax, sums)
            else:  # equal taxes that combine differently: one row (the sums stay as they are)
                merged[key] = (known[0], [a + b for a, b in zip(known[1], sums, strict=True)])
        increment = self.tax_increment
        quantum, rounding = self.quantum, self.rounding
        from_amounts = self.rows_from_amounts
        levied = self.levied_rows  # (division taxes levied together: no one rate fits)
        rows = []
        for tax, (base, unrounded, rounded, excluded_base) in merged.values():
            kind = tax.kind
            if (
                from_amounts
                or kind is _PER_UNIT_TAX
                or (levied and kind is _DIVISION_TAX and tax.breakdown_key in levied)
            ):
                exact_amount = unrounded
            else:
                exact_amount = tax.amount_of(excluded_base.quantize(quantum, rounding))
            if increment is not None:  # once, to the increment (the document refused what
                exact_amount = self.round_to(exact_amount, increment)  # has rounded parts)
            amount = exact_amount.quantize(quantum, rounding) + rounded
            rows.append((tax, base.quantize(quantum, rounding), amount))
        return rows

    def round_to(self, value: Decimal, increment: Decimal) -> Decimal:
        """``value`` rounded to a multiple of ``increment`` with the document's mode."""
        return round_to(value, increment, self.document.policy.rounding)


class _Kernel:
    """What the pricing loop keeps for the lines of one tax set (private).

    With per-rate rounding and no tax included in the price, each tax of the set is
    linear in a line's net ``n`` and quantity ``q``: its base is ``bn * n + bq * q`` and its
    exact amount ``an * n + aq * q`` (compound taxes join the later bases through these
    coefficients). A line's tax is then ``rate * n + unit * q``, and the breakdown needs only
    the sums of ``n`` and ``q`` over the lines: exactly what applying each tax to each line
    and summing would give, since no rounding happens before the sums are rounded.
    """

    __slots__ = (
        "coefficients",
        "combines",
        "linear",
        "net",
        "quantity",
        "rate",
        "rounded",
        "steps",
        "unit",
    )

    def __init__(self, taxes: tuple[Tax, ...], *, linear: bool, rounded: bool = False) -> None:
        self.linear = linear
        self.rounded = rounded
        # whether included taxes combine with compound ones (see _combines)
        self.combines = _combines(taxes)
        self.net = self.quantity = _ZERO
        self.coefficients, self.rate, self.unit = _shape(taxes)
        # with per-line rounding, each tax's step for the pricing loop: [kind, factor,
        # compound, on plain net, tax, sum of bases, sum of rounded amounts] (a list, so
        # that the loop adds to its sums in place)
        self.steps: list[list[Any]] = (
            [[t.kind, t.factor, t.compound, t.on_plain_net, t, _ZERO, _ZERO] for t in taxes]
            if rounded
            else []
        )

    def rounded_tax(
        self, net: Decimal, quantity: Decimal, quantum: Decimal, rounding: str
    ) -> Decimal:
        """With per-line rounding: a line's taxes, each rounded on the line; their sum.

        What :meth:`_Pricing.chain` computes for a line with no tax included in its price,
        with each tax's sums kept in its step rather than looked up by the tax.
        """
        compound = total = _ZERO
        for step in self.steps:  # [kind, factor, compound, on plain net, tax, bases, amounts]
            kind = step[0]
            base = net if not compound or step[3] else net + compound
            if kind is _PERCENT_TAX:
                amount = (base * step[1]).quantize(quantum, rounding)
            elif kind is _PER_UNIT_TAX:
                amount = (quantity * step[1]).quantize(quantum, rounding)
            elif kind is _ZERO_TAX:
                amount = _ZERO.quantize(quantum)
            else:
                amount = step[4].amount_of(base).quantize(quantum, rounding)
            step[5] += base
            step[6] += amount
            if step[2]:
                compound += amount
            total += amount
        return total

    def collect_rounded(self, breakdown: dict[Tax, list[Decimal]]) -> None:
        """Add this tax set's bases and rounded amounts (per-line rounding) to the breakdown."""
        for _kind, _factor, _compound, _plain, tax, base, amount in self.steps:
            sums = breakdown[tax]
            sums[0] += base
            sums[2] += amount
            sums[3] += base

    def collect(self, breakdown: dict[Tax, list[Decimal]]) -> None:
        """Add this tax set's exact bases and amounts to the breakdown sums."""
        net, quantity = self.net, self.quantity
        for tax, base_n, base_q, amount_n, amount_q in self.coefficients:
            sums = breakdown[tax]
            base = base_n * net + base_q * quantity
            sums[0] += base
            sums[1] += amount_n * net + amount_q * quantity
            sums[3] += base


Coefficients = tuple[tuple[Tax, Decimal, Decimal, Decimal, Decimal], ...]

#: The linear shape of each tuple of taxes lines hold, by the tuple's id. An entry holds its
#: tuple, so no other tuple can have that id while the entry lives: a hit is the tuple.
_SHAPES: dict[int, tuple[tuple[Tax, ...], tuple[Coefficients, Decimal, Decimal]]] = {}


def _shape(taxes: tuple[Tax, ...]) -> tuple[Coefficients, Decimal, Decimal]:
    """The coefficients of ``taxes`` as a linear kernel sees them, and its ``rate`` and ``unit``.

    They depend on the taxes alone, so they are found once per tuple (see :class:`_Kernel`).
    """
    known = _SHAPES.get(id(taxes))
    if known is not None and known[0] is taxes:
        return known[1]
    coefficients = []
    rate = unit = compound_n = compound_q = _ZERO
    compounded = False
    for tax in taxes:
        if compounded and not tax.on_plain_net:
            base_n, base_q = _ONE + compound_n, compound_q
        else:
            base_n, base_q = _ONE, _ZERO
        if tax.kind is _PER_UNIT_TAX:
            amount_n, amount_q = _ZERO, tax.factor
        else:  # a percentage, a division rate, or zero (factor 0)
            amount_n, amount_q = base_n * tax.factor, base_q * tax.factor
        if tax.compound:
            compound_n += amount_n
            compound_q += amount_q
            compounded = True
        rate += amount_n
        unit += amount_q
        coefficients.append((tax, base_n, base_q, amount_n, amount_q))
    shape = (tuple(coefficients), rate, unit)
    if len(_SHAPES) >= 4096:
        _SHAPES.clear()
    _SHAPES[id(taxes)] = (taxes, shape)
    return shape


#: Whether each tuple of taxes lines hold combines included taxes with compound ones, by
#: the tuple's id (an entry holds its tuple, as in _SHAPES).
_COMBINES: dict[int, tuple[tuple[Tax, ...], bool]] = {}


def _combines(taxes: tuple[Tax, ...]) -> bool:
    """Whether an included tax of ``taxes`` combines with a compound one.

    That is: an included tax's base carries a compound tax before it (it is not on the
    plain net), or an included compound tax enters the base of a tax after it. Such a
    line's included taxes are backed out of the line alone
    (:meth:`_Pricing.included_chained`); others' as the tax rounding says.
    """
    known = _COMBINES.get(id(taxes))
    if known is not None and known[0] is taxes:
        return known[1]
    found = False
    compounded = included_compound = False
    for tax in taxes:
        if not tax.on_plain_net and (included_compound or (tax.included and compounded)):
            found = True
            break
        if tax.compound:
            compounded = True
            included_compound = included_compound or tax.included
    if len(_COMBINES) >= 4096:
        _COMBINES.clear()
    _COMBINES[id(taxes)] = (taxes, found)
    return found


#: The kernel before the first line (never used: the first line finds its own).
_NO_KERNEL = _Kernel((), linear=False)


class _AlreadyCounted(dict[Tax, Decimal]):
    """Included amounts that :meth:`_Pricing.included_per_rate` collected itself.

    The chain still needs the included taxes' places in it, but their amounts are not
    part of a line's excluded taxes: they count as zero here.
    """

    def __missing__(self, key: Tax) -> Decimal:
        return _ZERO


_NO_AMOUNTS = _AlreadyCounted()


def _with_taxes(line: Line, taxes: tuple[Tax, ...]) -> Line:
    """``line`` with ``taxes`` (equal to its own) in place of its own."""
    return _line_as(line, line.quantity, line.unit_price, taxes)


def mirrored(line: Line) -> Line:
    """A line of negative unit price as pricing takes it: the sign moved to its quantity.

    quantity x unit price is the same product, so its amounts are the line's; what
    follows the sign of the quantity (per-unit taxes and discounts, fixed discounts, the
    side of returns) then follows the sign of the line's amount. A line whose price is
    not negative is returned as it is.
    """
    price = line.unit_price.amount
    if price >= 0:
        return line
    quantity = line.quantity
    return _line_as(
        line,
        -quantity if quantity else quantity,
        _exact(-price, line.unit_price.currency),
        line.taxes,
    )


def _line_as(line: Line, quantity: Decimal, unit_price: Money, taxes: tuple[Tax, ...]) -> Line:
    """``line`` with another quantity, unit price and taxes, its other fields as they are."""
    return Line._unchecked(
        description=line.description,
        quantity=quantity,
        unit_price=unit_price,
        discounts=line.discounts,
        price_discount=line.price_discount,
        taxes=taxes,
        kind=line.kind,
        product=line.product,
        base_quantity=line.base_quantity,
        price_source=line.price_source,
        stacking=line.stacking,
    )


def _restored(priced: tuple[PricedLine, ...], originals: dict[int, Line]) -> tuple[PricedLine, ...]:
    """``priced`` with the lines given in place of their mirrors."""
    found = list(priced)
    for index, line in originals.items():
        found[index] = PricedLine((line, *found[index][1:]))
    return tuple(found)


def _biggest_tax(breakdown: tuple[TaxSubtotal, ...], *, negative: bool) -> int | None:
    """The index of the row with the largest tax (ties: the first), if a row has tax.

    The largest is taken in the sign of the document (of its tax inclusive total), so
    that a credit note mirrors its invoice: on a sale the largest positive amount, on a
    ``negative`` document (returns) the largest negative one.
    Rows of zero tax (exempt, zero-rated, reverse charge, or nothing taxed) and rows on
    the other side (a withholding tax on a sale) never take a cash rounding difference.
    """
    sign = -1 if negative else 1
    biggest: int | None = None
    largest = _ZERO
    for index, row in enumerate(breakdown):
        size = row.amount.amount * sign
        if size > largest:
            biggest, largest = index, size
    return biggest


def _snapped(values: list[Decimal], quantum: Decimal) -> list[Decimal]:
    """``values`` rid of the last digits that division left: to 25 places below ``quantum``.

    A net backed out of a stated amount is a quotient, exact only to the context's 50
    digits (0.56999...98 for 0.57); its digits beyond are noise that could take the
    parts more than one quantum from a total rounded from the true value.
    """
    step = quantum.scaleb(-25)
    return [CONTEXT.quantize(value, step) for value in values]


def _exact_amounts(included: list[Tax], exact_net: Decimal, quantity: Decimal) -> list[Decimal]:
    """The exact amounts of included taxes on an exact net (per-unit ones on the quantity)."""
    return [
        quantity * t.factor if t.kind is _PER_UNIT_TAX else exact_net * t.factor for t in included
    ]


def _fixed_included(line: Line) -> Decimal:
    """The part of a stated amount that is per-unit taxes included in the price."""
    return sum(
        (line.quantity * t.factor for t in line.taxes if t.included and t.kind is _PER_UNIT_TAX),
        _ZERO,
    )


# -- known line results (private) ----------------------------------------------------------


@exact
def _price_known(document: Document, known: Sequence[PricedLine | None]) -> PricedDocument:
    """:func:`price` of ``document``, taking what a pricing of some of its lines gave.

    ``known`` holds one entry per line of ``document`` (in document order): ``None``, or
    that very line (the same object) as a pricing under ``document``'s policy priced it
    (an invoice of some of an order's lines, each line the order's own, priced with the
    order's policy). For code inside ordercore that has them at hand: nothing checks
    that they come from such a pricing. The result equals ``price(document)``:

    * step 1 (a line's gross and discount) depends on the line and the policy alone:
      each known line's are taken as they are;
    * step 3 depends on the other lines where taxes are included in the price under
      per-rate rounding (the back-out spreads a set's net over its lines), under the
      conventions of docs/conventions.md, and where a line takes a share of an allowance
      or charge. Only where every line is known and none of that applies (each tax set's
      kernel is linear, the document spreads nothing, no known line took a share) is a
      line's priced result its own: the known ones are then taken whole, and only their
      kernels' sums are made. Otherwise step 3 runs as always;
    * the rest (adjustments, the tax breakdown and its rounding, cash rounding, the
      totals) runs as always.

    A document that may hold lines of negative unit price (priced as their mirrors)
    takes nothing known.
    """
    if document.policy.negative_prices is _ALLOW_NEGATIVE:
        return price(document)
    return _KnownLines(document, known).run()


class _KnownLines(_Pricing):
    """A pricing run that takes some lines' results as known (see :func:`_price_known`)."""

    def __init__(self, document: Document, known: Sequence[PricedLine | None]) -> None:
        super().__init__(document)
        self.known = known

    def line_amounts(self) -> None:
        """Step 1: the amounts of the known lines as they are; the others' computed as always.

        A known line's gross, discount and stated amount are those its pricing gave where
        they show in its priced line (a priced line is (line, currency, gross, discount,
        distributed, net, ...)): the very line, which took no share (its share is the very
        zero a run that spreads nothing puts there) and has no tax included in its price
        (so that its net is its stated amount, zero of either sign included). The others
        are computed.
        """
        lines = self.lines
        zero = self.zero  # the currency's zero, one object for every run (_steps)
        usable = [
            result
            if result is not None
            and result[0] is line
            and result[4] is zero
            and not line.has_included_tax
            else None
            for line, result in zip(lines, self.known, strict=True)
        ]
        self.known = usable
        unknown = [line for line, result in zip(lines, usable, strict=True) if result is None]
        if not unknown:  # every line known (an invoice of an order's lines as they are)
            self.gross = [result[2] for result in usable]  # type: ignore[index]
            self.discount = [result[3] for result in usable]  # type: ignore[index]
            self.stated = [result[5] for result in usable]  # type: ignore[index]
            return
        computed: Iterable[tuple[Decimal, Decimal, Decimal]] = ()
        if unknown:
            self.lines = unknown
            try:
                super().line_amounts()
            finally:
                self.lines = lines
            computed = zip(self.gross, self.discount, self.stated, strict=True)
            self.gross, self.discount, self.stated = [], [], []
        rest = iter(computed)
        gross_of = self.gross.append
        discount_of = self.discount.append
        stated_of = self.stated.append
        for result in usable:
            if result is None:
                gross, discount, stated = next(rest)
            else:
                gross, discount, stated = result[2], result[3], result[5]
            gross_of(gross)
            discount_of(discount)
            stated_of(stated)

    def price_lines(self) -> tuple[tuple[PricedLine, ...], Decimal]:
        """Step 3: the known lines taken whole where each line's result is its own."""
        known = self.known  # those line_amounts took
        if self.distributed is not None or self.convention or self.per_line:
            return super().price_lines()
        kernels: dict[int, _Kernel] = {}
        last: tuple[Tax, ...] | None = None
        kernel = _NO_KERNEL
        for line, stated, result in zip(self.lines, self.stated, known, strict=True):
            if result is None:
                return self._priced_again()
            taxes = line.taxes
            if taxes is not last:
                last = taxes
                found = kernels.get(id(taxes))
                if found is None:
                    found = kernels[id(taxes)] = self.kernel(taxes)
                    if not found.linear:
                        return self._priced_again()
                kernel = found
            # what price_lines adds to a linear kernel for the line
            kernel.net += stated
            if kernel.unit:
                kernel.quantity += line.quantity
        lines_net = self.zero
        breakdown = self.breakdown
        for kernel in kernels.values():
            lines_net += kernel.net
            kernel.collect(breakdown)
        return tuple(known), lines_net  # type: ignore[arg-type]

    def _priced_again(self) -> tuple[tuple[PricedLine, ...], Decimal]:
        """Step 3 as always, the tax rows the kernels made so far taken away again."""
        self.breakdown.clear()
        return super().price_lines()
