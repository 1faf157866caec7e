"""Each priced line's amount per tax, worked out on demand (private).

Pricing keeps, per line, only the total of its taxes, and per tax only the sums of the
breakdown: that is all the totals need, and the pricing loop does nothing more (lines
taxed alike share one kernel that never looks at a line's taxes one by one). What a line
owes per tax is derived here, when someone asks, by running the engine's own chain of
taxes again for that line alone: the same code, on the amounts the pricing stored, so the
parts are the ones the breakdown summed. :meth:`PricedDocument.line_taxes
<ordercore.pricing.results.PricedDocument.line_taxes>` states what they are under each
convention.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ordercore.money.context import CONTEXT, exact
from ordercore.pricing.engine import (
    _NO_AMOUNTS,
    _combines,
    _exact_amounts,
    _fixed_included,
    _Pricing,
    mirrored,
)
from ordercore.pricing.results import _returned
from ordercore.pricing.taxes import TaxKind

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ordercore.pricing.results import PricedDocument
    from ordercore.pricing.taxes import Tax

__all__ = ["adjustment_amounts", "line_amounts"]

_ZERO = Decimal(0)

#: One line's (or standalone adjustment's) amount per tax, in the order of its taxes.
Amounts = tuple[tuple["Tax", Decimal], ...]


def _replay(priced: PricedDocument) -> _Pricing:
    """A pricing run set up as the one that made ``priced``, with its lines' amounts."""
    run = _Pricing(priced.document)
    run.lines = [mirrored(entry.line) for entry in priced.lines]
    if run.together:  # the division taxes levied together, as the pricing took them
        run.levy_together(None)
    run.stated = [entry._stated for entry in priced.lines]
    return run


def _taken(run: _Pricing, taxes: Sequence[Tax], given: dict[Tax, Decimal] | None = None) -> Amounts:
    """What the chain just run put into ``run.breakdown``, per tax of ``taxes``.

    ``given`` are amounts the chain did not collect (the included taxes backed out of
    several lines at once). (A line lists a tax once; were one listed twice, the first
    listing would show both amounts and the second zero.)
    """
    breakdown = run.breakdown
    seen: set[Tax] = set()
    found = []
    for listed in taxes:
        tax = run.given.get(id(listed), listed)  # as given (a copy levied together: its tax)
        if given is not None and tax in given:
            found.append((tax, given[tax]))
            continue
        sums = breakdown.get(tax)
        if sums is None or tax in seen:
            found.append((tax, _ZERO))
        else:
            found.append((tax, CONTEXT.add(sums[1], sums[2])))
        seen.add(tax)
    return tuple(found)


def _backed_out_together(
    run: _Pricing, priced: PricedDocument, index: int
) -> dict[int, dict[Tax, Decimal]]:
    """Per line backed out together with line ``index``: its part of each included tax.

    The lines are those the pricing backed out together (taxed with the same included
    taxes; under per group, with the same taxes and on the same side). Each line's part
    (its stated amount less its net) is shared by the taxes' exact amounts on its exact
    net, the last tax taking the rest; then the last of the lines takes the cents that
    make each tax's parts add up to what the engine's own back-out gave that tax over all
    of them. So the parts add up both ways: per line to its part, per tax to its amount.
    """
    line = run.lines[index]  # as pricing took it (division taxes levied together swapped)
    taxes = line.included_taxes

    def key_of(i: int) -> object:
        other = run.lines[i]
        if run.per_group:
            return (other.taxes, _returned(run.stated[i], other.quantity))
        return other.included_taxes

    key = key_of(index)
    indexes = [
        i
        for i, entry in enumerate(priced.lines)
        if entry.line.has_included_tax and key_of(i) == key
    ]
    run.breakdown = {}
    run.included_per_rate(taxes, indexes)
    together = {tax: run.breakdown[tax][2] for tax in taxes}
    factor = sum((tax.factor for tax in taxes if tax.kind is not TaxKind.PER_UNIT), _ZERO)
    divisor = CONTEXT.add(Decimal(1), factor)
    parts: dict[int, dict[Tax, Decimal]] = {}
    sums = dict.fromkeys(taxes, _ZERO)
    for i in indexes:
        entry = priced.lines[i]
        stated = entry._stated
        exact_net = CONTEXT.divide(CONTEXT.subtract(stated, _fixed_included(run.lines[i])), divisor)
        amounts = _exact_amounts(list(taxes), exact_net, run.lines[i].quantity)
        shares = dict(zip(taxes[:-1], amounts[:-1], strict=True))
        shares[taxes[-1]] = CONTEXT.subtract(
            CONTEXT.subtract(stated, entry._net), sum(amounts[:-1], _ZERO)
        )
        for tax, amount in shares.items():
            sums[tax] = CONTEXT.add(sums[tax], amount)
        parts[i] = shares
    last = parts[indexes[-1]]
    for tax in taxes:
        last[tax] = CONTEXT.add(last[tax], CONTEXT.subtract(together[tax], sums[tax]))
    return parts


def _line(
    run: _Pricing, priced: PricedDocument, index: int, memo: dict[int, dict[Tax, Decimal]]
) -> Amounts:
    """Line ``index``'s amount per tax; ``run`` carries the running sums of the lines before."""
    entry = priced.lines[index]
    line = run.lines[index]  # as pricing took it (a negative price's sign on the quantity)
    taxes = line.taxes
    stated = entry._stated
    run.breakdown = {}
    if not line.has_included_tax:
        if run.per_line or not run.convention or run.per_group:
            run.chain(taxes, stated, line.quantity)  # rounded per line, or exact
        else:
            run.convention_line(line, stated, entry._distributed)
        return _taken(run, taxes)
    if _combines(taxes):  # backed out of the line alone whatever the convention
        run.included_chained(line, stated)
        return _taken(run, taxes)
    if run.back_out_each:  # per line, compensated, or asked: backed out of the line alone
        run.included_per_line(line, stated)
        return _taken(run, taxes)
    # backed out of the summed amounts of the lines taxed alike; the line net apportioned
    net = entry._net
    if len(line.included_taxes) == 1:  # all of the line's part
        given = {line.included_taxes[0]: CONTEXT.subtract(stated, net)}
    else:
        if index not in memo:
            memo.update(_backed_out_together(run, priced, index))
        given = memo[index]
    run.breakdown = {}
    run.chain_of(taxes, net, line.quantity, _NO_AMOUNTS)
    return _taken(run, taxes, given)


def _lines(priced: PricedDocument, run: _Pricing, stop: int) -> Iterator[Amounts]:
    """The amounts of the lines before ``stop``, in order (cent compensation runs on)."""
    memo: dict[int, dict[Tax, Decimal]] = {}
    for index in range(stop):
        yield _line(run, priced, index, memo)


@exact
def line_amounts(priced: PricedDocument, index: int | None) -> tuple[Amounts, ...]:
    """Per tax, what line ``index`` (or, for ``None``, each line) of ``priced`` owes.

    Under cent compensation a line's amounts depend on the lines before it, which are
    replayed; under the other conventions only the line itself is worked out.
    """
    run = _replay(priced)
    if index is None:
        return tuple(_lines(priced, run, len(priced.lines)))
    if not run.compensated:
        return (_line(run, priced, index, {}),)
    *_before, last = _lines(priced, run, index + 1)
    return (last,)


@exact
def adjustment_amounts(priced: PricedDocument, index: int) -> Amounts:
    """Per tax, what standalone adjustment ``index`` (of :attr:`adjustments`) bears.

    A distributed adjustment is in its lines' amounts and bears none of its own.
    """
    entry = priced.adjustments[index]
    if entry.distributed:
        return ()
    run = _replay(priced)
    if run.compensated:  # the adjustments come after every line, in order
        for _amounts in _lines(priced, run, len(priced.lines)):
            pass
        before = priced.adjustments[:index]
    else:
        before = ()
    for earlier in before:
        if not earlier.distributed:
            run.breakdown = {}
            run.chain_of(
                _as_levied(run, earlier.adjustment.taxes), earlier.effect.amount, _ZERO, None
            )
    run.breakdown = {}
    taxes = _as_levied(run, entry.adjustment.taxes)
    run.chain_of(taxes, entry.effect.amount, run.zero, None)
    return _taken(run, taxes)


def _as_levied(run: _Pricing, taxes: tuple[Tax, ...]) -> tuple[Tax, ...]:
    """An adjustment's ``taxes`` as the pricing levied them (see :meth:`_Pricing.standalone`)."""
    return run.levied(taxes) if run.together else taxes
