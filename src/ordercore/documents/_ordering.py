"""What sales and purchase orders share (private): quantities, and exact completion.

An order, sold or bought, fixes its priced content once; each line then tracks what was
ordered, fulfilled (delivered or received), billed (invoiced) and cancelled, and how much
of its stated amount the bills and cancellations have ``taken``. The functions here are
the one way those amounts are shared out:

* a line's share for some units is what is left of its stated amount in proportion to
  the units still open, rounded; the units that complete the line take exactly what is
  left (:func:`line_share`, :func:`rest_share`). Shares of the rest, rather than of the
  whole, stay right when a bill is voided and its share given back: no share is ever
  negative;
* the order's standalone allowances and charges go in proportion to the lines' net
  taken (they apply to it), all of them on completion (:func:`nets_taken`,
  :func:`adjustments_after`, :func:`adjustment_parts`);
* the completing bill gives back what the rounding of the earlier bills gained or lost,
  untaxed set by set and tax rate by rate (:func:`completing`), so that the bills of an
  order sum to its total exactly, and to its untaxed amount and tax per rate too
  (:class:`TaxTally`).

The steps that change an order's lines are shared too, over the :class:`Progress` of a
sales or a purchase order line: fulfilling (:func:`fulfil`), cancelling what remains
(:func:`cancel`), billing (:func:`check_open`, :func:`bill_lines`, :func:`bill_content`),
and giving back what a voided bill (:func:`give_back`) or a credit note by lines
(:func:`credit`) takes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, Self, TypeVar

import attrs
import moneyed

from ordercore.errors import InvalidDocument, InvalidNumber, InvalidType, _OrderLimit, excerpt
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.currency import quantum
from ordercore.money.decimals import to_decimal
from ordercore.pricing.document import Allowance, Charge, Document, TaxCorrection
from ordercore.pricing.engine import price
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind
from ordercore.pricing.results import PricedAdjustment, PricedDocument
from ordercore.pricing.taxes import Tax, TaxKind

if TYPE_CHECKING:
    from ordercore.documents.credit_notes import CreditedLine

ZERO = Decimal(0)

#: The description of the line by which a completing bill absorbs tax rounding.
ROUNDING_DIFFERENCE = "Rounding difference"


def quantity(value: object, field: str) -> Decimal:
    """A quantity a line has reached (ordered, received, ...): not negative."""
    number = to_decimal(value, field=field, max_places=QUANTITY_PLACES)
    if number < 0:
        raise InvalidNumber(value, reason="a quantity here cannot be negative", field=field)
    return number


def check_line(
    line: str,
    *,
    ordered: Decimal,
    cancelled: Decimal,
    done: Mapping[str, Decimal],
    amount: Decimal,
    taken: Decimal,
) -> None:
    """Refuse the record of an order line whose quantities or amounts do not add up.

    ``line`` names it (such as ``"sales order line 'Desk'"``); ``done`` holds what was
    fulfilled and billed of it (``{"delivered": ..., "invoiced": ...}``), each of which
    with what was cancelled is at most what was ordered; ``taken`` lies between nothing
    and the line's ``amount``. A host that rebuilds an order from storage gets the error
    here rather than a wrong figure later.
    """
    for name, quantity in done.items():
        if CONTEXT.add(quantity, cancelled) > ordered:
            raise InvalidDocument(
                f"{line}: {name} {quantity} and cancelled {cancelled} come to more than the "
                f"{ordered} ordered; check the quantities stored for it"
            )
    if not min(amount, ZERO) <= taken <= max(amount, ZERO):
        raise InvalidDocument(
            f"{line} has taken {taken} of its amount {amount}: what bills and cancellations "
            "take of a line lies between nothing and its amount; check the amounts stored for it"
        )


def check_records(document: str, priced: PricedDocument, *, lines: int, adjustments: int) -> None:
    """Refuse an order (``document``) whose records do not match its priced content.

    It keeps one line record per priced line, and one record per standalone allowance
    and charge.
    """
    if lines != len(priced.lines):
        raise InvalidDocument(
            f"{document} has {lines} line records for {len(priced.lines)} priced lines; "
            "keep one per line of its priced content, in order"
        )
    if adjustments != len(standalone(priced)):
        raise InvalidDocument(
            f"{document} has {adjustments} adjustment records for "
            f"{len(standalone(priced))} standalone allowances and charges; keep one for each"
        )


def line_index(value: object, count: int, document: str) -> int:
    """A line index of ``document`` (such as ``"sales order SO-1"``), which has ``count`` lines."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="a line index (int)", field="quantities")
    if not 0 <= value < count:
        raise InvalidDocument(f"{document} has no line {value}")
    return value


def chosen_lines(value: object, count: int, document: str) -> list[int]:
    """The line indexes a change applies to, in line order: all of them when ``None``."""
    if value is None:
        return list(range(count))
    if not isinstance(value, list | tuple | set | frozenset | range):
        raise InvalidType(value, expected="a list of line indexes, or None for all", field="lines")
    return sorted({line_index(index, count, document) for index in value})


def quantities(value: object, count: int, document: str) -> dict[int, Decimal]:
    """A mapping of line index to a positive quantity, in line order."""
    if not isinstance(value, Mapping) or not value:
        raise InvalidType(value, expected="a mapping of line index to quantity", field="quantities")
    result: dict[int, Decimal] = {}
    for key, requested in value.items():
        index = line_index(key, count, document)
        number = to_decimal(requested, field=f"quantities[{index}]", max_places=QUANTITY_PLACES)
        if number <= 0:
            raise InvalidNumber(
                requested, reason="give a positive quantity", field=f"quantities[{index}]"
            )
        result[index] = number
    return dict(sorted(result.items()))


def check_nets(priced: PricedDocument, document: str) -> None:
    """Refuse an order with a line whose net is below zero.

    Such a line's price does not cover the fees included in it; an order sells or buys,
    and the shares of such a line would change sign.
    """
    for line in priced.lines:
        if line.net.amount < 0:
            raise InvalidDocument(
                f"line {excerpt(line.line.description)} of {document} comes to a net of "
                f"{line.net.amount}: its price does not cover the fees included in it; "
                "raise the price, or take the fee out of it"
            )


def rounding(priced: PricedDocument) -> tuple[Decimal, str]:
    """The step and rounding mode an order's shares are rounded with."""
    return quantum(priced.currency), priced.policy.rounding.value


def rest_share(
    left: Decimal, done: Decimal, remaining: Decimal, *, completed: bool, priced: PricedDocument
) -> Decimal:
    """The share of what is ``left`` of an amount that ``done`` of the ``remaining`` base takes.

    All of it when ``completed``; nothing when no base remains. The share is rounded
    with the order's rounding, so it lies between nothing and what is left (what is left
    is in whole minor units): no share is ever negative or more than the rest, however
    the earlier shares went, and what is left always comes out exactly in the end.
    """
    if completed:
        return left
    if remaining <= 0:
        return ZERO
    step, mode = rounding(priced)
    return (left * done / remaining).quantize(step, mode)


def line_share(
    amount: Decimal, taken: Decimal, open_units: Decimal, units: Decimal, priced: PricedDocument
) -> Decimal:
    """The share of a line's ``amount`` for ``units`` of its ``open_units``: the rest for all."""
    return rest_share(
        amount - taken, units, open_units, completed=units == open_units, priced=priced
    )


def standalone(priced: PricedDocument) -> tuple[PricedAdjustment, ...]:
    """The order's document allowances and charges that stand alone (with their own taxes)."""
    return tuple(entry for entry in priced.adjustments if not entry.distributed)


class Progress(Protocol):
    """What an order line says of its progress (a sales or a purchase order line).

    Its fulfilment (``delivered`` or ``received``) and its billed units (``invoiced`` or
    ``billed``) have their own names on each kind of line; ``_fulfilled`` and ``_billed``
    read them, ``_fulfilling`` and ``_billing`` give the line with more of them (less, for
    negative ``units``), and ``_cancelling`` with more cancelled. Billing and cancelling
    take ``amount`` more of the line's amount.
    """

    @property
    def description(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def taken(self) -> Decimal: ...
    @property
    def ordered(self) -> Decimal: ...
    @property
    def cancelled(self) -> Decimal: ...
    @property
    def open(self) -> Decimal: ...
    @property
    def _fulfilled(self) -> Decimal: ...
    @property
    def _billed(self) -> Decimal: ...
    def share(self, units: Decimal, priced: PricedDocument) -> Decimal: ...
    def _fulfilling(self, units: Decimal) -> Self: ...
    def _billing(self, units: Decimal, amount: Decimal) -> Self: ...
    def _cancelling(self, units: Decimal, amount: Decimal) -> Self: ...


L = TypeVar("L", bound=Progress)

#: What a bill took of an order's lines: ``(line index, quantity, amount)`` for each.
Taken = tuple[tuple[int, Decimal, Decimal], ...]

#: Quantities of an order's lines: ``(line index, quantity)`` pairs.
Quantities = tuple[tuple[int, Decimal], ...]


def fulfil(
    lines: Sequence[L], wanted: Mapping[int, Decimal], *, order: str, error: type[_OrderLimit]
) -> tuple[L, ...]:
    """``lines`` with the ``wanted`` (checked) quantities delivered or received.

    A line never fulfils more than was ordered and not cancelled: more raises ``error``
    (:class:`~ordercore.errors.OverDelivery` or :class:`~ordercore.errors.OverReceipt`)
    for the order numbered ``order``.
    """
    to_fulfil = [
        CONTEXT.subtract(CONTEXT.subtract(line.ordered, line._fulfilled), line.cancelled)
        for line in lines
    ]
    _check_within(lines, wanted, to_fulfil, order=order, error=error)
    return tuple(
        line._fulfilling(wanted[index]) if index in wanted else line
        for index, line in enumerate(lines)
    )


def check_open(
    lines: Sequence[Progress],
    wanted: Mapping[int, Decimal],
    *,
    order: str,
    error: type[_OrderLimit],
) -> None:
    """Refuse to bill more of a line than is open: ``error`` for the order numbered ``order``."""
    _check_within(lines, wanted, [line.open for line in lines], order=order, error=error)


def _check_within(
    lines: Sequence[Progress],
    wanted: Mapping[int, Decimal],
    remaining: Sequence[Decimal],
    *,
    order: str,
    error: type[_OrderLimit],
) -> None:
    for index, quantity in wanted.items():
        if quantity > remaining[index]:
            raise error(
                order=order,
                line=lines[index].description,
                requested=quantity,
                remaining=remaining[index],
            )


def fulfilled_unbilled(lines: Sequence[Progress]) -> dict[int, Decimal]:
    """What each line has delivered or received and not billed yet, where it has."""
    return {
        index: line._fulfilled - line._billed
        for index, line in enumerate(lines)
        if line._fulfilled > line._billed
    }


def cancel(
    lines: Sequence[L], chosen: Iterable[int], priced: PricedDocument, document: str
) -> tuple[tuple[L, ...], Quantities]:
    """``lines`` with what remains of the ``chosen`` ones cancelled, and what each cancelled.

    A line cancels what was ordered and neither fulfilled nor billed; the cancelled units
    take their share of the line's amount, as if they had been billed. Nothing to cancel
    on ``document`` raises :class:`~ordercore.errors.InvalidDocument`.
    """
    result = list(lines)
    cancelled: list[tuple[int, Decimal]] = []
    for index in chosen:
        line = result[index]
        quantity = line.ordered - line.cancelled - max(line._fulfilled, line._billed)
        if quantity > 0:
            result[index] = line._cancelling(quantity, line.share(quantity, priced))
            cancelled.append((index, quantity))
    if not cancelled:
        raise InvalidDocument(f"nothing remains to cancel on {document}")
    return tuple(result), tuple(cancelled)


def bill_lines(
    lines: Sequence[L], wanted: Mapping[int, Decimal], priced: PricedDocument
) -> tuple[tuple[L, ...], Taken, list[Line]]:
    """Bill the ``wanted`` (checked) quantities of an order's ``lines``, priced ``priced``.

    Gives the lines with the quantities billed and their shares taken, what the bill took
    of them (:data:`Taken`), and the bill's lines.
    """
    result = list(lines)
    shares: list[tuple[int, Decimal, Decimal]] = []
    billing_lines: list[Line] = []
    for index, units in wanted.items():
        line = result[index]
        share = line.share(units, priced)
        result[index] = line._billing(units, share)
        shares.append((index, units, share))
        source = priced.lines[index].line
        billing_lines.append(billing_line(source, units, share, priced.currency))
    return tuple(result), tuple(shares), billing_lines


def give_back(lines: Sequence[L], took: Taken) -> tuple[L, ...]:
    """``lines`` with the quantities and amounts a bill ``took`` of them given back."""
    result = list(lines)
    for index, units, amount in took:
        result[index] = result[index]._billing(-units, -amount)
    return tuple(result)


def quantities_of(took: Taken) -> Quantities:
    """The ``(line index, quantity)`` pairs of what a bill took."""
    return tuple((index, units) for index, units, _ in took)


def credit(
    lines: Sequence[L],
    took: Taken,
    credited: Iterable[CreditedLine],
    *,
    note: str,
    bill: str,
    order: str,
) -> tuple[tuple[L, ...], Taken, Quantities]:
    """Give back to an order's ``lines`` what a credit note by lines ``credited`` of a bill.

    ``took`` is what the bill took of the lines; each credited line of the bill gives
    back its quantity and amount to the order line it billed. Gives the lines, what the
    bill still takes, and the quantities given back. ``note``, ``bill`` and ``order``
    name the credit note, the bill (``"invoice 'inv-1'"``) and the order for the error of
    a credited line that bills no order line.
    """
    result = list(lines)
    left = list(took)
    quantities = []
    for entry in credited:
        if entry.index >= len(left):
            raise InvalidDocument(
                f"credit note {note} credits line {entry.index} of {bill}, "
                f"which bills no line of {order}"
            )
        index, units, amount = left[entry.index]
        left[entry.index] = (index, units - entry.quantity, amount - entry.amount.amount)
        result[index] = result[index]._billing(-entry.quantity, -entry.amount.amount)
        quantities.append((index, entry.quantity))
    return tuple(result), tuple(left), tuple(quantities)


def nets_taken(priced: PricedDocument, lines: Sequence[Progress]) -> tuple[Decimal, Decimal]:
    """The order's lines net, and how much of it the bills and cancellations took.

    Standalone allowances and charges apply to the lines' net, so they are shared out in
    proportion to it: each line counts its net times the part of its amount taken (of
    its units, for a line that comes to nothing).
    """
    whole = taken = ZERO
    for priced_line, line in zip(priced.lines, lines, strict=True):
        net = priced_line.net.amount
        done = line.ordered - line.open
        part = line.taken / line.amount if line.amount else done / line.ordered
        whole += net
        taken += net * part
    return whole, taken


def adjustments_after(
    priced: PricedDocument,
    taken: Sequence[Decimal],
    before: Sequence[Progress],
    after: Sequence[Progress],
    *,
    completed: bool,
) -> tuple[Decimal, ...]:
    """How much of each standalone adjustment is taken once the order's lines move on.

    The adjustments had ``taken`` so much when the lines stood as ``before``; as they
    come to stand as ``after``, the lines' net taken moves (:func:`nets_taken`), and each
    adjustment takes the same share of what is left of it: all of it when the order is
    ``completed``.
    """
    whole, old = nets_taken(priced, before)
    new = nets_taken(priced, after)[1]
    done, remaining = new - old, whole - old
    return tuple(
        old
        + rest_share(entry.amount.amount - old, done, remaining, completed=completed, priced=priced)
        for entry, old in zip(standalone(priced), taken, strict=True)
    )


def bill_content(
    priced: PricedDocument,
    items: Sequence[Line],
    adjustments: tuple[Sequence[Decimal], Sequence[Decimal]],
    *,
    completes: bool,
    billed: TaxTally,
) -> Document:
    """The content of a bill of an order (``priced``): its ``items``, and its adjustments.

    It takes the parts of the standalone allowances and charges from what they had taken
    before it to what they have taken after it (``adjustments``). The bill that
    ``completes`` the order (nothing is open after it, and nothing was cancelled) also
    gives back the tax rounding of the bills before it, which came to ``billed``
    (:func:`completing`), so that the order's bills sum to its total exactly, rate by rate.
    """
    allowances, charges = adjustment_parts(priced, *adjustments)
    content = Document(
        currency=priced.currency,
        items=items,
        allowances=allowances,
        charges=charges,
        policy=priced.policy,
    )
    if completes:
        content = completing(content, TaxTally.of(priced), billed)
    return content


def minus(left: Sequence[Decimal], right: Sequence[Decimal]) -> tuple[Decimal, ...]:
    """Each of ``left`` less the one in its place in ``right``.

    What a bill took of each standalone adjustment is what was taken after it less what
    was taken before; releasing the bill takes that part away again.
    """
    return tuple(old - part for old, part in zip(left, right, strict=True))


def billing_line(
    source: Line, quantity: Decimal, amount: Decimal, currency: moneyed.Currency
) -> Line:
    """The line billing ``quantity`` of an order line for ``amount``, with its taxes.

    It keeps the order line's price source: the catalog version that priced the order
    priced what the invoice or bill bills.
    """
    return Line(
        description=source.description,
        quantity=quantity,
        unit_price=Money(amount, currency),
        base_quantity=quantity,
        taxes=source.taxes,
        kind=source.kind,
        product=source.product,
        price_source=source.price_source,
    )


def adjustment_parts(
    priced: PricedDocument, before: Sequence[Decimal], after: Sequence[Decimal]
) -> tuple[list[Allowance], list[Charge]]:
    """The parts of the standalone adjustments a bill takes: from ``before`` to ``after``."""
    currency = priced.currency
    allowances: list[Allowance] = []
    charges: list[Charge] = []
    for entry, old, new in zip(standalone(priced), before, after, strict=True):
        if new != old:
            part = Money(new - old, currency)
            adjustment = entry.adjustment
            if isinstance(adjustment, Allowance):
                allowances.append(
                    Allowance.fixed(part, reason=adjustment.reason, taxes=adjustment.taxes)
                )
            else:
                charges.append(Charge.fixed(part, reason=adjustment.reason, taxes=adjustment.taxes))
    return allowances, charges


def plain_taxes(taxes: tuple[Tax, ...]) -> tuple[Tax, ...]:
    """``taxes`` as a line of an amount alone takes them: none per unit, none included."""
    return tuple(
        attrs.evolve(tax, included=False) if tax.included else tax
        for tax in taxes
        if tax.kind is not TaxKind.PER_UNIT
    )


Untaxed = tuple[tuple[tuple[Tax, ...], Decimal], ...]
Taxed = tuple[tuple[Tax, Decimal], ...]


@attrs.frozen(kw_only=True)
class TaxTally:
    """What documents came to: untaxed by set of taxes, and tax by row of the breakdown.

    ``untaxed`` pairs each set of taxes (as :func:`plain_taxes` gives them) with the sum
    of the line nets and standalone allowances and charges that carry it; ``taxes`` pairs
    each tax row (one tax standing for its name, code and rate) with the sum of its
    amounts. An order keeps the tally of the documents billed from it, so that the
    completing one can make them add up to the order's own tally.
    """

    untaxed: Untaxed = ()
    taxes: Taxed = ()

    @classmethod
    def of(cls, priced: PricedDocument) -> TaxTally:
        """The tally of one priced document."""
        untaxed: dict[tuple[Tax, ...], Decimal] = {}
        for line in priced.lines:
            key = plain_taxes(line.line.taxes)
            untaxed[key] = untaxed.get(key, ZERO) + line.net.amount
        for entry in standalone(priced):
            key = plain_taxes(entry.adjustment.taxes)
            untaxed[key] = untaxed.get(key, ZERO) + entry.effect.amount
        taxes = tuple((row.tax, row.amount.amount) for row in priced.tax_breakdown)
        return cls(untaxed=tuple(untaxed.items()), taxes=taxes)

    def plus(self, other: TaxTally, sign: int = 1) -> TaxTally:
        """This tally with ``other`` added (or taken away, with ``sign`` -1)."""
        untaxed = dict(self.untaxed)
        for key, amount in other.untaxed:
            untaxed[key] = untaxed.get(key, ZERO) + sign * amount
        rows = {tax.breakdown_key: (tax, amount) for tax, amount in self.taxes}
        for tax, amount in other.taxes:
            known, total = rows.get(tax.breakdown_key, (tax, ZERO))
            rows[tax.breakdown_key] = (known, total + sign * amount)
        return TaxTally(untaxed=tuple(untaxed.items()), taxes=tuple(rows.values()))

    def rows(self) -> dict[tuple[object, ...], tuple[Tax, Decimal]]:
        """The tax rows by breakdown key."""
        return {tax.breakdown_key: (tax, amount) for tax, amount in self.taxes}


def completing(content: Document, target: TaxTally, done: TaxTally) -> Document:
    """``content``, corrected so that with the documents ``done`` it comes to ``target``.

    Each document rounds its own taxes, and backs out the taxes included in its prices
    (in an order's lines, or in a down payment stated on the total) from its own share: a
    few cents gained or lost on the way show, on the completing document, as an untaxed
    amount of a set of taxes or a tax row that is off. Both are given back, in two steps:

    1. the untaxed amount of each set of taxes that is off by a cent or so takes a
       "Rounding difference" line of that difference, with that set's taxes (added, not
       included): the line stays in its tax category, and the documents' untaxed amounts
       then sum exactly to the target's, set by set;
    2. each tax row of the content so completed that is still off takes a
       :class:`~ordercore.pricing.document.TaxCorrection` of its difference (a row the
       content does not have is added with a zero base).

    The documents then sum exactly to the target's total, and to its untaxed amount and
    its tax rate by rate, whatever the rounding mode. Nothing depends on which document
    gained or lost a cent: the corrections are the target less what the documents come
    to. (A set that lists one tax twice, once included in the price and once added to
    it, makes no line: its untaxed difference goes to the row of its first rate as tax,
    so the total still adds up.)
    """
    currency = content.currency
    need = target.plus(done, sign=-1)
    have = TaxTally.of(price(content))
    untaxed = dict(have.untaxed)
    differences = [(key, amount - untaxed.pop(key, ZERO)) for key, amount in need.untaxed]
    differences += [(key, -amount) for key, amount in untaxed.items()]
    lines = []
    folded: dict[tuple[object, ...], Decimal] = {}
    for taxes, difference in differences:
        if not difference:
            continue
        carrier = next((tax for tax in taxes if tax.kind is not TaxKind.ZERO), None)
        if len(set(taxes)) < len(taxes) and carrier is not None:
            # A set that lists a tax twice (included in the price and added to it) makes
            # no line: its difference goes to the row of its first rate, as tax.
            key = carrier.breakdown_key
            folded[key] = folded.get(key, ZERO) + difference
        else:
            lines.append(_rounding_line(difference, tuple(dict.fromkeys(taxes)), currency))
    if lines:
        content = attrs.evolve(content, items=(*content.items, *lines))
        have = TaxTally.of(price(content))
    rows = have.rows()
    corrections: list[tuple[Tax, Decimal]] = []
    for row, (tax, amount) in need.rows().items():
        corrections.append((tax, amount - rows.pop(row, (tax, ZERO))[1] + folded.get(row, ZERO)))
    corrections += [(tax, folded.get(row, ZERO) - amount) for row, (tax, amount) in rows.items()]
    return attrs.evolve(
        content,
        tax_corrections=tuple(
            _correction(tax, amount, currency) for tax, amount in corrections if amount
        ),
    )


def _rounding_line(difference: Decimal, taxes: tuple[Tax, ...], currency: moneyed.Currency) -> Line:
    return Line(
        description=ROUNDING_DIFFERENCE,
        quantity=1 if difference > 0 else -1,
        unit_price=Money(abs(difference), currency),
        taxes=taxes,
        kind=LineKind.CHARGE,
    )


def _correction(tax: Tax, difference: Decimal, currency: moneyed.Currency) -> TaxCorrection:
    return TaxCorrection(
        tax=attrs.evolve(tax, included=False) if tax.included else tax,
        amount=Money(difference, currency),
        reason=ROUNDING_DIFFERENCE,
    )
