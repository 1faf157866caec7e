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
  (:class:`~ordercore.documents.ordering.TaxTally`).

The steps that change an order's lines are shared too, over the
:class:`~ordercore.documents.ordering.LineProgress` of a sales or a purchase order
line: fulfilling (:func:`fulfil`), cancelling what remains (:func:`cancel`), billing
(:func:`check_open`, :func:`bill_lines`, :func:`bill_content`), and giving back what
a voided bill (:func:`give_back`) or a credit note by lines (:func:`credit`) takes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Protocol, Self, TypeVar

import attrs
import moneyed

from ordercore._convert import check_instance, derived, to_money, to_text, to_tuple, unchecked
from ordercore.documents import _fields as fields
from ordercore.documents import ordering as public
from ordercore.documents._fields import PricedView
from ordercore.documents._lifecycle import Changed
from ordercore.documents.display import Displayable
from ordercore.documents.ordering import LineProgress, TakenFromOrder, TakenLine
from ordercore.errors import (
    CreditNotTakenBack,
    CreditOfAnotherInvoice,
    CreditTakenInAlready,
    CurrencyMismatch,
    DocumentWithoutLines,
    DuplicateDocumentId,
    DuplicateLineKey,
    FeesAbovePrice,
    InvalidNumber,
    InvalidOrderRecord,
    InvalidType,
    NegativePriceOnOrder,
    NotFromThisOrder,
    NothingRemains,
    OrdercoreError,
    OrderLimitExceeded,
    OverCrediting,
    PrepaidOnOrder,
    ReturnOnOrder,
    UnknownOrderLine,
)
from ordercore.events import Event, Request
from ordercore.money.allocation import share_of
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT, exact
from ordercore.money.currency import quantum
from ordercore.money.decimals import to_decimal
from ordercore.pricing.discounts import Discount, DiscountKind
from ordercore.pricing.document import (
    Allowance,
    Charge,
    Document,
    NegativePrices,
    TaxCorrection,
)
from ordercore.pricing.engine import price
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind
from ordercore.pricing.results import PricedDocument, PricedLine
from ordercore.pricing.taxes import Tax, TaxKind

if TYPE_CHECKING:
    from ordercore.documents.credit_notes import CreditedLine, CreditNote

ZERO = Decimal(0)

# Credit notes read these here, with the steps they share with orders.
TaxTally = public.TaxTally
standalone = public.standalone

#: The tally of nothing billed yet (a tally is immutable: orders share this one).
NO_TAX = TaxTally()

#: The description of the line by which a completing bill absorbs tax rounding.
ROUNDING_DIFFERENCE = "Rounding difference"

#: The reason of the allowance by which a line billed at the order's prices takes the cent
#: its own rounding gives more than its share of the order line.
ROUNDING_TO_ORDER = "Rounding to the order"


def check_records(
    document: str,
    priced: PricedDocument,
    *,
    lines: Sequence[LineProgress],
    adjustments: int,
) -> None:
    """Refuse an order (``document``) whose records do not match its priced content.

    It keeps one line record per priced line (their keys distinct), and one record per
    standalone allowance and charge.
    """
    if len(lines) != len(priced.lines):
        raise InvalidOrderRecord(
            record=document, field="lines", value=len(lines), limit=len(priced.lines)
        )
    if adjustments != len(standalone(priced)):
        raise InvalidOrderRecord(
            record=document, field="adjustments", value=adjustments, limit=len(standalone(priced))
        )
    check_keys((line.key for line in lines), document)


def document_keys(shares: Sequence[TakenLine], count: int) -> tuple[str | None, ...]:
    """The keys of the ``count`` lines of a document that took ``shares`` of an order's lines.

    Its first lines bill the shares, in their order, and carry the keys of the order lines
    they bill; the lines after them (a rounding difference, a down payment's deduction)
    bill no order line, and carry ``None``.
    """
    return (*(taken.key for taken in shares), *((None,) * (count - len(shares))))


def line_index(value: object, count: int, document: str, field: str = "quantities") -> int:
    """A line index of ``document`` (such as ``"sales order SO-1"``), which has ``count`` lines."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="a line key (str) or index (int)", field=field)
    if not 0 <= value < count:
        raise UnknownOrderLine(order=document, line=value, count=count)
    return value


class Keyed(Protocol):
    """Anything with a line key: an order line, a quote line."""

    @property
    def key(self) -> str | None: ...


class Key(NamedTuple):
    """A line key alone, to find lines before the order's lines exist."""

    key: str | None


class LineFinder:
    """Finds the lines of an order by key (``"desk"``) or by index (``0``)."""

    __slots__ = ("_count", "_document", "_keys", "_lines")

    def __init__(self, lines: Sequence[Keyed], document: str) -> None:
        self._lines = lines
        self._count = len(lines)
        self._document = document
        self._keys: dict[str, int] | None = None

    def __call__(self, value: object, field: str = "quantities") -> int:
        """The index of the line ``value`` names: its key, or its index."""
        if isinstance(value, str):
            if self._keys is None:
                self._keys = {
                    line.key: index
                    for index, line in enumerate(self._lines)
                    if line.key is not None
                }
            found = self._keys.get(value)
            if found is None:
                raise UnknownOrderLine(order=self._document, line=value, count=self._count)
            return found
        return line_index(value, self._count, self._document, field)


def chosen_lines(value: object, find: LineFinder, count: int) -> list[int]:
    """The line indexes a change applies to, in line order: all of them when ``None``."""
    if value is None:
        return list(range(count))
    if not isinstance(value, list | tuple | set | frozenset | range):
        raise InvalidType(
            value, expected="a list of line keys or indexes, or None for all", field="lines"
        )
    return sorted({find(entry, "lines") for entry in value})


def quantities(value: object, find: LineFinder) -> dict[int, Decimal]:
    """A mapping of line (key or index) to a positive quantity, by index in line order."""
    if not isinstance(value, Mapping) or not value:
        raise InvalidType(
            value, expected="a mapping of line key or index to quantity", field="quantities"
        )
    result: dict[int, Decimal] = {}
    for key, requested in value.items():
        index = find(key)
        number = to_decimal(requested, field=f"quantities[{key!r}]", max_places=QUANTITY_PLACES)
        if number <= 0:
            raise InvalidNumber(
                requested, reason="give a positive quantity", field=f"quantities[{key!r}]"
            )
        if index in result:
            raise InvalidType(
                value,
                expected="each line named once (by its key or by its index)",
                field="quantities",
            )
        result[index] = number
    return dict(sorted(result.items()))


def line_keys(value: object, count: int, document: str) -> tuple[str | None, ...]:
    """The keys to give an order's ``count`` lines: one per line (``None`` for none), distinct."""
    if value is None:
        return (None,) * count
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidType(
            value, expected="a sequence of line keys (str or None), one per line", field="line_keys"
        )
    if len(value) != count:
        raise InvalidType(
            value,
            expected=f"one line key (or None) for each of the {count} lines",
            field="line_keys",
        )
    keys = tuple(
        None if key is None else to_text(key, f"line_keys[{i}]") for i, key in enumerate(value)
    )
    check_keys(keys, document)
    return keys


def check_keys(keys: Iterable[str | None], document: str) -> None:
    """Refuse two lines of ``document`` with the same key."""
    seen: set[str] = set()
    for key in keys:
        if key is not None:
            if key in seen:
                raise DuplicateLineKey(key, document=document)
            seen.add(key)


def checked_content(content: object, document: str) -> PricedDocument:
    """``content`` to confirm as ``document`` (``"sales order SO-1"``), priced.

    An order has lines, each of a positive quantity, no prepaid amount, and no line whose
    price does not cover the fees included in it.
    """
    if not isinstance(content, Document):
        raise InvalidType(content, expected="a pricing Document", field="content")
    if not content.lines:
        raise DocumentWithoutLines(
            document=document, reason=f"{document} has no lines to order; add a line"
        )
    if content.prepaid is not None:
        raise PrepaidOnOrder(order=document, prepaid=content.prepaid)
    for line in content.lines:
        if line.quantity <= 0:
            raise ReturnOnOrder(order=document, line=line.description, quantity=line.quantity)
    priced = price(content)
    check_nets(priced, document)
    return priced


def check_nets(priced: PricedDocument, document: str) -> None:
    """Refuse an order with a line whose net is below zero.

    Such a line's price does not cover the fees included in it; an order sells or buys,
    and the shares of such a line would change sign. A line of a negative unit price (which
    a policy may allow on a document) is refused before, with its own error.
    """
    if priced.policy.negative_prices is NegativePrices.ALLOW:
        for line in priced.lines:
            if line.line.unit_price.amount < 0:
                raise NegativePriceOnOrder(
                    order=document, line=line.line.description, unit_price=line.line.unit_price
                )
    for line in priced.lines:
        if line[5] < 0:  # a priced line is (line, currency, gross, discount, share, net, ...)
            raise FeesAbovePrice(order=document, line=line.line.description, net=line.net)


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


L = TypeVar("L", bound=LineProgress)

#: Quantities of an order's lines: ``(line index, quantity)`` pairs.
Quantities = tuple[tuple[int, Decimal], ...]


def share(line: LineProgress, units: Decimal, step: tuple[Decimal, str]) -> Decimal:
    """The share of ``line``'s amount for ``units`` more of it, billed or cancelled.

    The one rule for shares over time (:func:`~ordercore.money.share_of`): the units billed
    and cancelled so far have taken the rounded share of the line's amount for all of
    them, so the line's parts always sum to its amount, whatever the order they come in.
    """
    total, taken = line.amount.amount, line.taken.amount
    # the units billed and cancelled so far, and these (ordered less open, plus these)
    done = CONTEXT.add(CONTEXT.add(line.billed, line.cancelled), units)
    # share_of's rule on values checked already: round(total * done / ordered) less what
    # was taken. The quotient is computed to 50 digits; an exact half (the only case where
    # a cut could change the rounding) has at most 15 + 12 + 6 digits, so it comes out
    # exactly (a test compares this with share_of).
    so_far = CONTEXT.divide(CONTEXT.multiply(total, done), line.ordered).quantize(*step)
    part = CONTEXT.subtract(so_far, taken)
    return max(part, ZERO) if total >= 0 else min(part, ZERO)


def moved(
    line: L,
    *,
    fulfilled: Decimal = ZERO,
    billed: Decimal = ZERO,
    cancelled: Decimal = ZERO,
    taken: Decimal = ZERO,
) -> L:
    """``line`` with more (or, negative, less) fulfilled, billed, cancelled and taken."""
    return line._moved(
        CONTEXT.add(line.fulfilled, fulfilled),
        CONTEXT.add(line.billed, billed),
        CONTEXT.add(line.cancelled, cancelled),
        Money._exact(CONTEXT.add(line.taken.amount, taken), line.taken.currency),
    )


def fulfil(
    lines: Sequence[L],
    wanted: Mapping[int, Decimal],
    *,
    order: str,
    error: type[OrderLimitExceeded],
) -> tuple[L, ...]:
    """``lines`` with the ``wanted`` (checked) quantities delivered or received.

    A line never fulfils more than was ordered and not cancelled: more raises ``error``
    (:class:`~ordercore.errors.OverDelivery` or :class:`~ordercore.errors.OverReceipt`)
    for the order numbered ``order``.
    """
    _check_within(lines, wanted, [line.to_fulfil for line in lines], order=order, error=error)
    return tuple(
        moved(line, fulfilled=wanted[index]) if index in wanted else line
        for index, line in enumerate(lines)
    )


def check_open(
    lines: Sequence[LineProgress],
    wanted: Mapping[int, Decimal],
    *,
    order: str,
    error: type[OrderLimitExceeded],
) -> None:
    """Refuse to bill more of a line than is open: ``error`` for the order numbered ``order``."""
    _check_within(lines, wanted, [line.open for line in lines], order=order, error=error)


def _check_within(
    lines: Sequence[LineProgress],
    wanted: Mapping[int, Decimal],
    remaining: Sequence[Decimal],
    *,
    order: str,
    error: type[OrderLimitExceeded],
) -> None:
    for index, quantity in wanted.items():
        if quantity > remaining[index]:
            raise error(
                order=order,
                line=lines[index].description,
                requested=quantity,
                remaining=remaining[index],
            )


def fulfilled_unbilled(lines: Sequence[LineProgress]) -> dict[int, Decimal]:
    """What each line has delivered or received and not billed yet, where it has."""
    return {
        index: line.fulfilled - line.billed
        for index, line in enumerate(lines)
        if line.fulfilled > line.billed
    }


def cancel(
    lines: Sequence[L], chosen: Iterable[int], priced: PricedDocument, document: str
) -> tuple[tuple[L, ...], Quantities]:
    """``lines`` with what remains of the ``chosen`` ones cancelled, and what each cancelled.

    A line cancels what was ordered and neither fulfilled nor billed; the cancelled units
    take their share of the line's amount, as if they had been billed. Nothing to cancel
    on ``document`` raises :class:`~ordercore.errors.NothingRemains`.
    """
    result = list(lines)
    cancelled: list[tuple[int, Decimal]] = []
    step = rounding(priced)
    for index in chosen:
        line = result[index]
        quantity = line.ordered - line.cancelled - max(line.fulfilled, line.billed)
        if quantity > 0:
            result[index] = moved(line, cancelled=quantity, taken=share(line, quantity, step))
            cancelled.append((index, quantity))
    if not cancelled:
        raise NothingRemains(order=document, operation="cancel what remains of")
    return tuple(result), tuple(cancelled)


@exact
def bill_lines(
    lines: Sequence[L], wanted: Mapping[int, Decimal], priced: PricedDocument
) -> tuple[tuple[L, ...], tuple[TakenLine, ...], list[Line], PricedDocument | None]:
    """Bill the ``wanted`` (checked) quantities of an order's ``lines``, priced ``priced``.

    Gives the lines with the quantities billed and their shares taken, what the bill took
    of them, the bill's lines (:func:`at_order_prices`) and, when those lines came out as
    they are, the bill's lines priced alone. (Under ordercore's context: the sums of
    quantities below are exact.)
    """
    result = list(lines)
    shares: list[TakenLine] = []
    parts = Parts(wanted, priced.lines, result)
    sources, units_of, parts_of, wholes, kept = (
        parts.sources.append,
        parts.units.append,
        parts.parts.append,
        parts.whole.append,
        parts.kept.append,
    )
    alone, known = parts.alone.append, parts.known.append
    currency = priced.currency
    step = rounding(priced)
    places, mode = step
    priced_lines = priced.lines
    exact_money = Money._exact
    taken_line = TakenLine._unchecked
    for index, units in wanted.items():
        line = result[index]
        amount = line.amount
        billed = line.billed + units
        if (
            not line.taken.amount
            and billed + line.cancelled == line.ordered
            and not amount.amount.quantize(places, mode).compare_total(amount.amount)
        ):
            # The first document that takes the line takes it whole: share()'s
            # round(amount * ordered / ordered) - 0 is the (rounded) amount itself, and so
            # is what the line has taken after it: both are the line's own Money.
            taken = part_of = amount
            part = amount.amount
            whole = True
        else:
            whole = False
            part = share(line, units, step)
            taken = exact_money(line.taken.amount + part, currency)
            part_of = exact_money(part, currency)
        result[index] = line._moved(line.fulfilled, billed, line.cancelled, taken)
        shares.append(taken_line(index, line.key, units, part_of))
        source = priced_lines[index]
        candidate = _at_units(source, units)
        if candidate is not None:
            alone(candidate)
            # the order's line itself: the bill prices it as the order did
            itself = candidate is source[0]
            known(source if itself else None)
            if whole and itself and parts.simple:
                continue  # billed as it is, as every part before it (Parts.simple)
        if parts.simple:
            parts.fill(len(shares) - 1)
        sources(source)
        units_of(units)
        parts_of(part)
        wholes(whole)
        kept(candidate)
    return (tuple(result), tuple(shares), *at_order_prices(parts, priced))


class Parts:
    """The parts of an order's lines one bill takes, as lists side by side (private).

    For each part: the order line as the order priced it, the units billed, their share,
    whether that share is the line's whole amount (a document takes the line whole), and
    the line that bills those units at the order's prices if there is one
    (:func:`_at_units`, else ``None``). ``alone`` holds those lines, and ``known`` for
    each of them the order's priced line where it is the order's line itself (else
    ``None``). Lists rather than a record per part: a bill takes many.

    While every part is ``simple`` (an order line billed whole for its own quantity, as it
    is: its line is the order's), only ``alone`` and ``known`` are kept; the first part
    that is not fills the other lists for those before it (:meth:`fill`) from what the
    bill billed: ``wanted`` (line index -> units, in billing order), the order's priced
    lines and the order's lines, whose amounts those parts took whole.
    """

    __slots__ = (
        "alone",
        "kept",
        "known",
        "lines",
        "parts",
        "priced_lines",
        "simple",
        "sources",
        "units",
        "wanted",
        "whole",
    )

    def __init__(
        self,
        wanted: Mapping[int, Decimal],
        priced_lines: Sequence[PricedLine],
        lines: Sequence[LineProgress],
    ) -> None:
        self.wanted = wanted
        self.priced_lines = priced_lines
        self.lines = lines
        self.simple = True
        self.sources: list[PricedLine] = []
        self.units: list[Decimal] = []
        self.parts: list[Decimal] = []
        self.whole: list[bool] = []
        self.kept: list[Line | None] = []
        self.alone: list[Line] = []
        self.known: list[PricedLine | None] = []

    def fill(self, count: int) -> None:
        """Fill in the first ``count`` parts, each simple; the parts are not simple from here."""
        for (index, units), _ in zip(self.wanted.items(), range(count), strict=False):
            source = self.priced_lines[index]
            self.sources.append(source)
            self.units.append(units)
            self.parts.append(self.lines[index].amount.amount)  # its whole amount
            self.whole.append(True)
            self.kept.append(source[0])
        self.simple = False


def at_order_prices(
    parts: Parts, priced: PricedDocument
) -> tuple[list[Line], PricedDocument | None]:
    """The lines that bill ``parts`` of an order ``priced`` at the order's prices.

    Each keeps the order line's unit price, base quantity and discounts for the units it
    bills, as printed and as data, so that EN 16931's line formula (quantity x net price /
    base quantity - allowances = line net) holds on it. What its share differs from that
    (a cent of rounding, the share of all units billed so far being rounded once) goes to
    the line itself: a share below it is a fixed allowance of the line ("Rounding to the
    order"), a share above it a "Rounding difference" line of the line's taxes (per-unit
    taxes aside), one per set of taxes, so that the bill still takes exactly its shares and
    has no line of a negative quantity. A line that took a share of group or document
    allowances and charges (distributed into its amount, which its own price does not
    show), a line with a fixed discount of its own (which the units billed do not share),
    or one the engine would refuse at that quantity, bills its share as one amount for its
    units instead.

    When every line bills its share at the order's prices as it is (no line takes a cent
    of its own, none bills an amount), the lines priced alone are the bill's lines priced,
    and come with them (else ``None``): a bill of those lines alone need not be priced again.
    Pricing them takes what the order's pricing gave for each line billed for its own
    quantity (the order's line itself, which took no share of an adjustment), under the
    order's policy (``Document._priced_knowing``): its gross and discount, which depend on
    the line and the policy alone, and its whole result where it cannot depend on the
    other lines.
    """
    currency = priced.currency
    kept: list[Line | None]
    priced_alone: Sequence[PricedLine]
    try:
        # the lines (or copies of them for fewer units) of the order's checked document
        alone = Document._of_lines(currency, tuple(parts.alone), priced.policy)._priced_knowing(
            parts.known
        )
    except OrdercoreError:  # a discount that rounds the units billed below zero
        if parts.simple:
            parts.fill(len(parts.alone))
        kept, priced_alone = [None] * len(parts.kept), ()
    else:
        if parts.simple:  # every line billed as it is: the bill's lines are those alone
            return list(parts.alone), alone
        kept, priced_alone = parts.kept, alone.lines
    result: list[Line] = []
    differences: dict[tuple[Tax, ...], Decimal] = {}
    as_they_are = True
    at = 0
    for priced_source, units, part, whole, candidate in zip(
        parts.sources, parts.units, parts.parts, parts.whole, kept, strict=True
    ):
        source = priced_source[0]
        if candidate is None:
            result.append(billing_line(source, units, part, currency))
            as_they_are = False
            continue
        at += 1
        if whole and candidate is source:
            # the line itself, billed whole: priced alone, it states what the order's
            # pricing of it stated (no adjustment shared into it), which is its share
            result.append(candidate)
            continue
        stated = priced_alone[at - 1]._stated
        line = candidate
        if stated > part:  # the line's own rounding gives more: a line allowance takes it
            off = Discount.per_line(Money(stated - part, currency), reason=ROUNDING_TO_ORDER)
            line = attrs.evolve(candidate, discounts=(*candidate.discounts, off))
            as_they_are = False
        elif stated < part:
            taxes = tuple(tax for tax in source.taxes if tax.kind is not TaxKind.PER_UNIT)
            differences[taxes] = differences.get(taxes, ZERO) + part - stated
        result.append(line)
    rounding_lines = [
        _rounding_line(difference, taxes, currency)
        for taxes, difference in differences.items()
        if difference
    ]
    if rounding_lines:
        return result + rounding_lines, None
    return result, alone if as_they_are else None


def _at_units(priced: PricedLine, units: Decimal) -> Line | None:
    """A priced order line for ``units``, or ``None`` when its price does not make its amount."""
    if priced[4]:  # a priced line is (line, currency, gross, discount, distributed, ...)
        return None
    source: Line = priced[0]
    if (
        source.single_percent is None
        and source.discounts
        and any(d.kind is DiscountKind.PER_LINE for d in source.discounts)
    ):
        return None
    return source._for_quantity(units)


def give_back(lines: Sequence[L], took: Iterable[TakenLine]) -> tuple[L, ...]:
    """``lines`` with the quantities and amounts a bill ``took`` of them given back."""
    result = list(lines)
    for taken in took:
        result[taken.index] = moved(
            result[taken.index], billed=-taken.quantity, taken=-taken.amount.amount
        )
    return tuple(result)


def credit(
    lines: Sequence[L],
    took: Sequence[TakenLine],
    credited: Iterable[CreditedLine],
    *,
    note: str,
    bill: str,
    order: str,
) -> tuple[tuple[L, ...], tuple[TakenLine, ...], Quantities]:
    """Give back to an order's ``lines`` what a credit note by lines ``credited`` of a bill.

    ``took`` is what the bill took of the lines; each credited line of the bill gives
    back its quantity and amount to the order line it billed. Gives the lines, what the
    bill still takes, and the quantities given back. ``note`` and ``bill`` are the
    numbers of the credit note and the bill, ``order`` names the order, for the error of
    a credited line that bills no order line, or whose key is not the key of the order
    line it bills (:class:`~ordercore.errors.CreditNotTakenBack`). A credited line beyond
    what the bill still takes of its order line (earlier credit notes took it back)
    raises :class:`~ordercore.errors.OverCrediting`, so an order never takes back more
    than it billed.
    """
    result = list(lines)
    left = list(took)
    quantities = []
    for entry in credited:
        if entry.index >= len(left):
            raise CreditNotTakenBack(
                order=order,
                invoice=bill,
                credit_note=note,
                reason=f"it credits line {entry.index}, which bills none of the order's lines; "
                "credit the lines that bill the order, or the bill in full",
            )
        taken = left[entry.index]
        if entry.key is not None and entry.key != taken.key:
            raise CreditNotTakenBack(
                order=order,
                invoice=bill,
                credit_note=note,
                reason=f"it credits line {entry.index} as the line keyed {entry.key!r}, but "
                f"that line bills the order line keyed {taken.key!r}; credit the bill's "
                "lines by the keys it carries",
            )
        # no more than the bill still takes of the line (earlier credit notes took it back)
        if entry.quantity > taken.quantity:
            raise OverCrediting(
                invoice=bill,
                line=lines[taken.index].description,
                requested=entry.quantity,
                remaining=taken.quantity,
            )
        if abs(entry.amount.amount) > abs(taken.amount.amount):
            raise OverCrediting(invoice=bill, requested=entry.amount, remaining=taken.amount)
        left[entry.index] = attrs.evolve(
            taken,
            quantity=taken.quantity - entry.quantity,
            amount=Money(taken.amount.amount - entry.amount.amount, taken.amount.currency),
        )
        result[taken.index] = moved(
            result[taken.index], billed=-entry.quantity, taken=-entry.amount.amount
        )
        quantities.append((taken.index, entry.quantity))
    return tuple(result), tuple(left), tuple(quantities)


def nets_taken(priced: PricedDocument, lines: Sequence[LineProgress]) -> tuple[Decimal, Decimal]:
    """The order's lines net, and how much of it the bills and cancellations took.

    Standalone allowances and charges apply to the lines' net, so they are shared out in
    proportion to it: each line counts its net times the part of its amount taken (of
    its units, for a line that comes to nothing), to the precision of ordercore's
    context (50 digits; :func:`adjustments_after` keeps the result within the whole).
    """
    whole = taken = ZERO
    for priced_line, line in zip(priced.lines, lines, strict=True):
        net = priced_line.net.amount
        amount = line.amount.amount
        part = line.taken.amount / amount if amount else (line.ordered - line.open) / line.ordered
        whole += net
        taken += net * part
    return whole, taken


def adjustments_after(
    priced: PricedDocument,
    taken: Sequence[Money],
    before: Sequence[LineProgress],
    after: Sequence[LineProgress],
    *,
    completed: bool,
) -> tuple[Money, ...]:
    """How much of each standalone adjustment is taken once the order's lines move on.

    The adjustments had ``taken`` so much when the lines stood as ``before``; as they
    come to stand as ``after``, the lines' net taken moves (:func:`nets_taken`), and each
    adjustment has taken its rounded share of what the lines' net taken has come to
    (:func:`~ordercore.money.share_of`): all of it when the order is ``completed``.
    """
    entries = standalone(priced)
    if not entries:
        return ()
    currency = priced.currency
    if completed:
        return tuple(entry.amount for entry in entries)
    whole, old = nets_taken(priced, before)
    new = min(nets_taken(priced, after)[1], whole)  # a ratio cut to 50 digits, kept within
    old = min(old, new)
    if whole <= 0 or new == old:
        return tuple(taken)
    step = quantum(currency)
    return tuple(
        Money(
            held.amount
            + share_of(
                entry.amount.amount,
                new - old,
                of=whole,
                done_before=old,
                taken_before=held.amount,
                quantum=step,
                rounding=priced.policy.rounding,
            ),
            currency,
        )
        for entry, held in zip(entries, taken, strict=True)
    )


def bill_content(
    priced: PricedDocument,
    items: Sequence[Line],
    adjustments: tuple[Sequence[Money], Sequence[Money]],
    *,
    completes: bool,
    billed: TaxTally,
    alone: PricedDocument | None = None,
) -> PricedDocument:
    """The content of a bill of an order (``priced``), priced: its ``items``, and its adjustments.

    It takes the parts of the standalone allowances and charges from what they had taken
    before it to what they have taken after it (``adjustments``). The bill that
    ``completes`` the order (nothing is open after it, and nothing was cancelled) also
    gives back the tax rounding of the bills before it, which came to ``billed``
    (:func:`completing`), so that the order's bills sum to its total exactly, rate by rate.
    ``alone`` is the document of ``items`` alone priced, if it is at hand
    (:func:`at_order_prices`): a bill that adds nothing to its items is that document.
    """
    allowances, charges = adjustment_parts(priced, *adjustments)
    if (
        alone is not None
        and not (allowances or charges or completes)
        and _same_lines(alone.document.items, items)
    ):
        return alone
    content = Document(
        currency=priced.currency,
        items=items,
        allowances=allowances,
        charges=charges,
        policy=priced.policy,
    )
    if completes:
        content = completing(content, TaxTally.of(priced), billed)
    return price(content)


def _same_lines(left: Sequence[object], right: Sequence[object]) -> bool:
    return len(left) == len(right) and all(a is b for a, b in zip(left, right, strict=True))


def minus(left: Sequence[Money], right: Sequence[Money]) -> tuple[Money, ...]:
    """Each of ``left`` less the one in its place in ``right``.

    What a bill took of each standalone adjustment is what was taken after it less what
    was taken before; releasing the bill takes that part away again.
    """
    exact = Money._exact  # differences of checked amounts, within an adjustment's own
    return tuple(
        exact(CONTEXT.subtract(old.amount, part.amount), old.currency)
        for old, part in zip(left, right, strict=True)
    )


def billing_line(
    source: Line, quantity: Decimal, amount: Decimal, currency: moneyed.Currency
) -> Line:
    """The line billing ``quantity`` of an order line for ``amount``, with its taxes.

    It keeps the order line's price source: the catalog version that priced the order
    priced what the invoice or bill bills.
    """
    make = Line._unchecked if amount >= 0 else Line
    return make(
        description=source.description,
        quantity=quantity,
        unit_price=Money._exact(amount, currency) if amount >= 0 else Money(amount, currency),
        base_quantity=quantity,
        taxes=source.taxes,
        kind=source.kind,
        product=source.product,
        price_source=source.price_source,
    )


def adjustment_parts(
    priced: PricedDocument, before: Sequence[Money], after: Sequence[Money]
) -> tuple[list[Allowance], list[Charge]]:
    """The parts of the standalone adjustments a bill takes: from ``before`` to ``after``."""
    currency = priced.currency
    allowances: list[Allowance] = []
    charges: list[Charge] = []
    for entry, old, new in zip(standalone(priced), before, after, strict=True):
        if new.amount != old.amount:
            part = Money(new.amount - old.amount, currency)
            adjustment = entry.adjustment
            if isinstance(adjustment, Allowance):
                allowances.append(
                    Allowance.fixed(part, reason=adjustment.reason, taxes=adjustment.taxes)
                )
            else:
                charges.append(Charge.fixed(part, reason=adjustment.reason, taxes=adjustment.taxes))
    return allowances, charges


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
    untaxed = have.by_taxes()
    differences = [
        (key, amount - untaxed.pop(key, ZERO)) for key, amount in need.by_taxes().items()
    ]
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


# -- the converters of the fields both sides share --------------------------------------


def adjustment_records(value: object) -> tuple[Money, ...]:
    """An order's ``adjustments``: what each standalone allowance and charge has taken."""
    return tuple(to_money(v, "adjustments") for v in to_tuple(value, Money, "adjustments"))


def billed_amount(value: object) -> Money | None:
    """An order's ``billed`` (``None`` until the order fills it in with nothing)."""
    return None if value is None else to_money(value, "billed")


def tally_record(value: object) -> TaxTally:
    """An order's ``billed_by_tax``."""
    return check_instance(value, TaxTally, "billed_by_tax")


def invoice_records(value: object) -> tuple[TakenFromOrder, ...]:
    """A sales order's ``invoices``: what each invoice made from it took."""
    return to_tuple(value, TakenFromOrder, "invoices")


def bill_records(value: object) -> tuple[TakenFromOrder, ...]:
    """A purchase order's ``bills``: what each bill made from it took."""
    return to_tuple(value, TakenFromOrder, "bills")


# -- the order both sides share ----------------------------------------------------------


class OrderBase(Displayable, PricedView):
    """What a sales order and a purchase order do alike (a mixin of their attrs classes).

    Each side names its kind (``"sales order"``) and the field that records the documents
    made from it (``"invoices"``, ``"bills"``); the steps here read and write those
    through the names, so that each step is written once for both.
    """

    __slots__ = ()
    _kind: ClassVar[str]
    _made_field: ClassVar[str]
    _confirmed_event: ClassVar[type[Event]]
    _fulfilled_event: ClassVar[type[Event]]
    _fulfil_limit: ClassVar[type[OrderLimitExceeded]]

    id: str
    number: str
    lines: tuple[LineProgress, ...]
    adjustments: tuple[Money, ...]
    billed: Money
    billed_by_tax: TaxTally
    version: int

    # -- reading -----------------------------------------------------------------------

    @property
    def total(self) -> Money:
        """The order's total with taxes: what its documents add up to once it is billed.

        Before cash rounding (:attr:`~ordercore.pricing.PricedDocument.before_cash_rounding`):
        each document of the order rounds its own payable amount.
        """
        return self.priced.before_cash_rounding

    @property
    def completed(self) -> bool:
        """Whether every line is billed (invoiced) or cancelled in full."""
        return all(line.open == 0 for line in self.lines)

    @property
    def state(self) -> str:
        """``"done"`` when nothing remains to fulfil (deliver, receive) or bill, else ``"open"``."""
        done = self.completed and all(line.to_fulfil == 0 for line in self.lines)
        return "done" if done else "open"

    @property
    def _name(self) -> str:
        return f"{self._kind} {self.number}"

    @property
    def _made(self) -> tuple[TakenFromOrder, ...]:
        made: tuple[TakenFromOrder, ...] = getattr(self, self._made_field)
        return made

    # -- the steps ---------------------------------------------------------------------

    @classmethod
    def _opened(cls, priced: PricedDocument, **own: object) -> Self:
        """A newly confirmed order of ``priced`` and ``own`` fields, all checked already.

        For the confirmations, which check every input once (the priced content as
        :func:`checked_content` does, the line keys as :func:`line_keys` does, each of the
        side's own fields with its converter) and make the lines of the priced lines
        (``LineProgress._confirmed``): the order is made without converting and checking
        them again (:func:`~ordercore._convert.unchecked`), with nothing billed
        yet: what the public constructor makes of the same values (a test compares them).
        """
        currency = priced.currency
        return unchecked(
            cls,
            priced=priced,
            adjustments=tuple(Money._exact(ZERO, currency) for _ in standalone(priced)),
            billed=Money._exact(ZERO, currency),
            billed_by_tax=NO_TAX,
            version=1,
            **{cls._made_field: ()},
            **own,
        )

    def _check(self) -> None:
        """Complete and check the records (called after construction)."""
        if self.billed is None:
            object.__setattr__(self, "billed", Money.zero(self.priced.currency))
        check_records(self._name, self.priced, lines=self.lines, adjustments=len(self.adjustments))
        currency = self.priced.currency
        count = len(self.lines)
        seen: set[str] = set()
        for made in self._made:
            if made.document_id in seen:
                raise DuplicateDocumentId(order=self._name, document_id=made.document_id)
            seen.add(made.document_id)
            if made.total.currency != currency:
                raise CurrencyMismatch(made.total.currency.code, currency.code, operation="record")
            for taken in made.lines:
                if taken.index >= count:
                    raise InvalidOrderRecord(
                        record=f"{self._made_field} {made.document_id!r}",
                        field="lines",
                        value=taken.index,
                        limit=count - 1,
                    )
        if self.billed.currency != currency:
            raise CurrencyMismatch(self.billed.currency.code, currency.code, operation="record")

    def _evolve(self, **changes: object) -> Self:
        """This order with ``changes`` the steps computed from its checked records.

        Not converted and checked again (:func:`~ordercore._convert.derived`):
        each step keeps the records consistent by construction, and a test rebuilds orders
        through the public constructor after every kind of step and finds them equal.
        """
        return derived(self, **changes)

    @property
    def _find(self) -> LineFinder:
        return LineFinder(self.lines, self._name)

    def _wanted(self, value: object) -> dict[int, Decimal]:
        return quantities(value, self._find)

    def _confirmation(self, request: Request) -> Changed[Self]:
        """This order as confirmed, with its side's confirmation event."""
        event = self._confirmed_event(  # type: ignore[call-arg]
            document_id=self.id, request=request, number=self.number, total=self.total
        )
        return Changed(document=self, events=(event,))

    def _record_fulfilment(self, quantities: object, request: object) -> Changed[Self]:
        """Record ``quantities`` delivered or received, with the side's event."""
        checked = fields.request(request)
        order, wanted = self._fulfilled(quantities, self._fulfil_limit)
        event = self._fulfilled_event(  # type: ignore[call-arg]
            document_id=self.id, request=checked, quantities=tuple(wanted.items())
        )
        return Changed(document=order, events=(event,))

    def _fulfilled(
        self, value: object, error: type[OrderLimitExceeded]
    ) -> tuple[Self, dict[int, Decimal]]:
        """The order with ``value`` (line -> quantity) delivered or received."""
        wanted = self._wanted(value)
        lines = fulfil(self.lines, wanted, order=self._name, error=error)
        return self._evolve(lines=lines, version=self.version + 1), wanted

    def _cancelled(self, value: object) -> tuple[Self, Quantities]:
        """The order with what remains of the chosen lines cancelled (adjustments not yet)."""
        chosen = chosen_lines(value, self._find, len(self.lines))
        lines, done = cancel(self.lines, chosen, self.priced, self._name)
        return self._evolve(lines=lines, version=self.version + 1), done

    def _with_adjustments(self, before: OrderBase) -> Self:
        """This order (``before`` changed) with its standalone adjustments taken anew."""
        return self._evolve(adjustments=before._adjustments_after(self))

    def _adjustments_after(self, order: OrderBase) -> tuple[Money, ...]:
        """What the standalone adjustments have taken once this order has become ``order``."""
        if not self.adjustments:  # one record per standalone adjustment: there is none
            return ()
        return adjustments_after(
            self.priced, self.adjustments, self.lines, order.lines, completed=order.completed
        )

    def _check_new(self, document_id: str) -> None:
        """Refuse a document id the order holds already (a release finds a document by it)."""
        if any(made.document_id == document_id for made in self._made):
            raise DuplicateDocumentId(order=self._name, document_id=document_id)

    def invoice_line(self, document: object, key: str) -> int:
        """The index of the line of an invoice or bill of this order that bills ``key``.

        ``document`` is an invoice or a bill made from this order, ``key`` the key of one of
        the order's lines. For crediting it by the order's line keys
        (``credit_lines(invoice, {"desk": 1}, order=order, ...)``).
        """
        number = getattr(document, "number", None)
        made = self._made_by(
            getattr(document, "id", None),  # type: ignore[arg-type]
            getattr(document, self._kind.replace(" ", "_"), None),
            f"{number}",
        )
        for index, taken in enumerate(made.lines):
            if taken.key == key:
                return index
        raise UnknownOrderLine(order=self._name, line=key, count=len(made.lines))

    def _made_by(self, document_id: str, order_number: str | None, what: str) -> TakenFromOrder:
        """What the document ``document_id`` (made from order ``order_number``) took."""
        made = next((m for m in self._made if m.document_id == document_id), None)
        if made is None or order_number != self.number:
            raise NotFromThisOrder(order=self._name, document=what)
        return made

    def _billing(
        self, wanted: Mapping[int, Decimal]
    ) -> tuple[Self, tuple[TakenLine, ...], list[Line], tuple[Money, ...], PricedDocument | None]:
        """Bill ``wanted`` (checked) quantities of the lines.

        Gives the order with its lines moved on, what the document takes of them, its
        lines, what the standalone adjustments will have taken, and the document's lines
        priced alone if they came out as they are (see :func:`bill_content`).
        """
        lines, shares, document_lines, alone = bill_lines(self.lines, wanted, self.priced)
        order = self._evolve(lines=lines)
        return order, shares, document_lines, self._adjustments_after(order), alone

    def _content(
        self,
        order: OrderBase,
        document_lines: list[Line],
        adjustments: tuple[Money, ...],
        alone: PricedDocument | None,
    ) -> PricedDocument:
        """The priced content of a document billing ``document_lines``, leaving ``order``."""
        return bill_content(
            self.priced,
            document_lines,
            (self.adjustments, adjustments),
            completes=order.completed and not any(line.cancelled for line in order.lines),
            billed=self.billed_by_tax,
            alone=alone,
        )

    def _recorded(self, made: TakenFromOrder, **changes: object) -> Self:
        """This order recording ``made``: its total and tally billed, a new version."""
        tally = self.billed_by_tax
        return self._evolve(
            **{self._made_field: (*self._made, made)},
            billed=self.billed + made.total,
            # the first document's tally (TaxTally.of's, one sum per set and per row) is
            # what adding it to nothing gives
            billed_by_tax=made.tally if tally is NO_TAX else tally.plus(made.tally),
            version=self.version + 1,
            **changes,
        )

    def _given_back(self, made: TakenFromOrder, **changes: object) -> Self:
        """This order without anything ``made`` took, as if it had never been billed."""
        return self._evolve(
            lines=give_back(self.lines, made.lines),
            adjustments=minus(self.adjustments, made.adjustments),
            **{self._made_field: tuple(m for m in self._made if m is not made)},
            billed=self.billed - made.total,
            billed_by_tax=self.billed_by_tax.plus(made.tally, sign=-1),
            version=self.version + 1,
            **changes,
        )

    def _check_credit(self, made: TakenFromOrder, document: str, credit_note: CreditNote) -> None:
        """Refuse a credit note that credits another document, or was taken in already."""
        if credit_note.invoice_number != document:
            raise CreditOfAnotherInvoice(
                credit_note=credit_note.number,
                credited=credit_note.invoice_number,
                invoice=document,
            )
        if credit_note.number in made.credit_notes:
            raise CreditTakenInAlready(order=self._name, credit_note=credit_note.number)

    def _credited(
        self, made: TakenFromOrder, note: CreditNote, document: str, **changes: object
    ) -> tuple[Self, Quantities]:
        """This order with what a credit by lines ``note`` of ``document`` credited given back.

        What ``made`` (the document's record) keeps taking is lowered by as much, and the
        credit note's total and tally come off what the order billed.
        """
        lines, took, given = credit(
            self.lines, made.lines, note.credited, note=note.number, bill=document, order=self._name
        )
        tally = TaxTally.of(note.priced)
        total = note.priced.before_cash_rounding
        kept = attrs.evolve(
            made,
            lines=took,
            total=made.total - total,
            tally=made.tally.plus(tally, sign=-1),
            credit_notes=(*made.credit_notes, note.number),
        )
        order = self._evolve(
            lines=lines,
            **{self._made_field: tuple(kept if m is made else m for m in self._made)},
            billed=self.billed - total,
            billed_by_tax=self.billed_by_tax.plus(tally, sign=-1),
            version=self.version + 1,
            **changes,
        )
        return order, given
