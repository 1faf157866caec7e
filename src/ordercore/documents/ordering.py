"""What sales and purchase orders share: the records of how far an order has come.

A sales order and a purchase order work alike. Each is confirmed once from a priced
document; each of its lines then tracks what was ordered, *fulfilled* (delivered to the
customer, or received from the supplier), *billed* (invoiced to the customer, or billed
by the supplier) and cancelled, and how much of its stated amount the invoices or bills
and the cancellations have *taken*. Those are the fields of a :class:`LineProgress`;
each side keeps its own vocabulary on top of it (a sales order's
:class:`~ordercore.documents.sales_orders.OrderLine` reads ``delivered`` and
``invoiced``, a purchase order's :class:`~ordercore.documents.purchase_orders.PurchaseLine`
reads ``received``; both are subclasses, so a line is built with the shared names).

Every invoice or bill made from an order is recorded by the order as a
:class:`TakenFromOrder`: which units of which lines it took and for how much
(:class:`TakenLine`), its part of each standalone allowance and charge, the down
payments it deducted (:class:`Deduction`, sales orders only), its total and its
:class:`TaxTally` (untaxed amount by set of taxes, :class:`UntaxedSum`, and tax by row of
the breakdown, :class:`TaxSum`). Voiding a draft gives back exactly what its record says
it took, and the completing document makes the tallies of all of an order's documents
add up to the order's own.

Every field is checked by a converter: amounts are :class:`~ordercore.money.Money`,
quantities exact decimals, collections tuples, so each record is immutable and hashable,
and a host that rebuilds an order from storage gets an error from ordercore's hierarchy
(a float or a list where a tuple is due is refused) rather than a wrong figure later.

>>> from decimal import Decimal
>>> from ordercore import Money
>>> line = LineProgress(description="Desk", ordered="3", amount=Money("300.00", "EUR"),
...                     fulfilled="2", billed="1", taken=Money("100.00", "EUR"))
>>> line.open, line.to_fulfil, line.taken
(Decimal('2'), Decimal('1'), Money('100.00', 'EUR'))
>>> TakenLine(index=0, quantity="1", amount=Money("100.00", "EUR"))
TakenLine(index=0, key=None, quantity=Decimal('1'), amount=Money('100.00', 'EUR'))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Self

import attrs
import moneyed

from ordercore._convert import (
    check_instance,
    slots_of,
    to_money,
    to_text,
    to_tuple,
    unchecked,
)
from ordercore.errors import (
    CurrencyMismatch,
    InvalidNumber,
    InvalidOrderRecord,
    InvalidType,
    excerpt,
)
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.decimals import to_decimal
from ordercore.pricing.lines import QUANTITY_PLACES
from ordercore.pricing.results import PricedAdjustment, PricedDocument
from ordercore.pricing.taxes import Tax, TaxKind

__all__ = [
    "Deduction",
    "LinePolicies",
    "LineProgress",
    "LineQuantities",
    "TakenFromOrder",
    "TakenLine",
    "TaxSum",
    "TaxTally",
    "UntaxedSum",
]

_ZERO = Decimal(0)

#: What the order operations take as quantities: line key (``str``) or index (``int``)
#: to a quantity (a ``Decimal``, an ``int`` or a string such as ``"2.5"``).
LineQuantities = Mapping[int, object] | Mapping[str, object] | Mapping[int | str, object]

#: How a sales order's lines are given their own invoicing policy: line key or index to policy.
LinePolicies = Mapping[int, object] | Mapping[str, object] | Mapping[int | str, object]


# -- converters --------------------------------------------------------------------------


def quantity(value: object, field: str) -> Decimal:
    """A quantity a line has reached (ordered, fulfilled, ...): not negative."""
    number = to_decimal(value, field=field, max_places=QUANTITY_PLACES)
    if number < 0:
        raise InvalidNumber(value, reason="a quantity here cannot be negative", field=field)
    return number


def _ordered(value: object) -> Decimal:
    number = quantity(value, "ordered")
    if not number:
        raise InvalidNumber(value, reason="an order line orders more than nothing", field="ordered")
    return number


def _fulfilled(value: object) -> Decimal:
    return quantity(value, "fulfilled")


def _billed(value: object) -> Decimal:
    return quantity(value, "billed")


def _cancelled(value: object) -> Decimal:
    return quantity(value, "cancelled")


def _signed_quantity(value: object) -> Decimal:
    return to_decimal(value, field="quantity", max_places=QUANTITY_PLACES)


def _description(value: object) -> str:
    return to_text(value, "description")  # as a pricing line's description


def _key(value: object) -> str | None:
    return None if value is None else to_text(value, "key")


_MAX_INDEX = 2**63 - 1  # as a version: what storage holds in an integer column


def _index(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INDEX:
        raise InvalidType(
            value, expected="a line index (an int from 0 to 2**63 - 1)", field="index"
        )
    return value


def _amount(value: object) -> Money:
    return to_money(value, "amount")


def _optional_taken(value: object) -> Money | None:
    return None if value is None else to_money(value, "taken")


def _total(value: object) -> Money:
    return to_money(value, "total")


def _document_id(value: object) -> str:
    return to_text(value, "document_id")


def _down_payment_id(value: object) -> str:
    return to_text(value, "down_payment")


def _part(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INDEX:
        raise InvalidType(value, expected="a part index (an int, 0 or more)", field="part")
    return value


def _taken_lines(value: object) -> tuple[TakenLine, ...]:
    return to_tuple(value, TakenLine, "lines")


def _moneys(value: object) -> tuple[Money, ...]:
    return tuple(to_money(v, "adjustments") for v in to_tuple(value, Money, "adjustments"))


def _deductions(value: object) -> tuple[Deduction, ...]:
    return to_tuple(value, Deduction, "deductions")


def _tally(value: object) -> TaxTally:
    return check_instance(value, TaxTally, "tally")


def _flag(value: object) -> bool:
    return check_instance(value, bool, "down_payment")


def _numbers(value: object) -> tuple[str, ...]:
    return tuple(to_text(v, "credit_notes") for v in to_tuple(value, str, "credit_notes"))


def _taxes(value: object) -> tuple[Tax, ...]:
    return to_tuple(value, Tax, "taxes")


def _tax(value: object) -> Tax:
    return check_instance(value, Tax, "tax")


def _sum(value: object) -> Money:
    return to_money(value, "amount")


def _untaxed_sums(value: object) -> tuple[UntaxedSum, ...]:
    return to_tuple(value, UntaxedSum, "untaxed")


def _tax_sums(value: object) -> tuple[TaxSum, ...]:
    return to_tuple(value, TaxSum, "taxes")


# -- records the library derives from records it checked --------------------------------


# -- a line's progress -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LineProgress:
    """Where one line of an order stands.

    ``ordered``, ``fulfilled`` (delivered or received), ``billed`` (invoiced or billed)
    and ``cancelled`` are quantities; fulfilled and billed, each with cancelled, are at
    most what was ordered. ``amount`` is the line's stated amount on the order
    (tax-inclusive when its taxes are included in its price); ``taken`` is how much of it
    the invoices or bills and the cancellations have taken so far (nothing when not
    given), between nothing and the amount. ``key`` names the line, as the quote line it
    came from did.
    """

    description: str = attrs.field(converter=_description)
    key: str | None = attrs.field(default=None, converter=_key)
    ordered: Decimal = attrs.field(converter=_ordered)
    amount: Money = attrs.field(converter=_amount)
    fulfilled: Decimal = attrs.field(default=_ZERO, converter=_fulfilled)
    billed: Decimal = attrs.field(default=_ZERO, converter=_billed)
    cancelled: Decimal = attrs.field(default=_ZERO, converter=_cancelled)
    taken: Money = attrs.field(default=None, converter=_optional_taken)

    def __attrs_post_init__(self) -> None:
        if self.taken is None:
            object.__setattr__(self, "taken", Money.zero(self.amount.currency))
        elif self.taken.currency != self.amount.currency:
            raise CurrencyMismatch(
                self.taken.currency.code, self.amount.currency.code, operation="take"
            )
        limit = CONTEXT.subtract(self.ordered, self.cancelled)
        for name, done in (("fulfilled", self.fulfilled), ("billed", self.billed)):
            if done > limit:
                raise InvalidOrderRecord(record=self._record, field=name, value=done, limit=limit)
        amount, taken = self.amount.amount, self.taken.amount
        if not min(amount, _ZERO) <= taken <= max(amount, _ZERO):
            raise InvalidOrderRecord(
                record=self._record, field="taken", value=self.taken, limit=self.amount
            )

    @property
    def _record(self) -> str:
        return f"order line {excerpt(self.description)}"

    @classmethod
    def _confirmed(
        cls, priced: PricedDocument, keys: Sequence[str | None], **more: Sequence[object]
    ) -> tuple[Self, ...]:
        """The lines of an order confirmed for ``priced`` (checked), keyed ``keys``, unchecked.

        For the order's confirmation, which makes its lines of the priced lines it checked:
        each orders its priced line's quantity for its stated amount, and nothing is
        fulfilled, billed, cancelled or taken yet (the lines share one zero of the order's
        currency). ``more`` gives each of a subclass's own fields one value per line (a
        sales order line's ``policy``).
        """
        currency = priced.currency
        taken = Money._exact(_ZERO, currency)
        exact = Money._exact
        add, subtract = CONTEXT.add, CONTEXT.subtract
        new = object.__new__
        description, key_of, ordered, amount = _set_description, _set_key, _set_ordered, _set_amount
        fulfilled, billed, cancelled, taken_of = (
            _set_fulfilled,
            _set_billed,
            _set_cancelled,
            _set_taken,
        )
        zero = _ZERO
        lines: list[Self] = []
        append = lines.append
        for source, key in zip(priced.lines, keys, strict=True):
            # a priced line is (line, currency, gross, discount, distributed, net, ...):
            # its stated amount is gross - discount + distributed (PricedLine._stated)
            line = source[0]
            confirmed = new(cls)
            description(confirmed, line.description)
            key_of(confirmed, key)
            ordered(confirmed, line.quantity)
            amount(
                confirmed,
                # without a tax included in its price, a line's net is its stated amount
                exact(
                    add(subtract(source[2], source[3]), source[4])
                    if line.has_included_tax
                    else source[5],
                    currency,
                ),
            )
            fulfilled(confirmed, zero)
            billed(confirmed, zero)
            cancelled(confirmed, zero)
            taken_of(confirmed, taken)
            append(confirmed)
        for name, put in _own_slots(cls):  # a field at a time: cheaper than one per line
            for confirmed, value in zip(lines, more[name], strict=True):
                put(confirmed, value)
        return tuple(lines)

    def _moved(self, fulfilled: Decimal, billed: Decimal, cancelled: Decimal, taken: Money) -> Self:
        """This line at new (checked) quantities and amount taken, unchecked (as :func:`derived`)."""
        cls = type(self)
        line = object.__new__(cls)
        _set_description(line, self.description)
        _set_key(line, self.key)
        _set_ordered(line, self.ordered)
        _set_amount(line, self.amount)
        _set_fulfilled(line, fulfilled)
        _set_billed(line, billed)
        _set_cancelled(line, cancelled)
        _set_taken(line, taken)
        for name, put in _own_slots(cls):
            put(line, getattr(self, name))
        return line

    @property
    def open(self) -> Decimal:
        """Ordered, and neither billed nor cancelled: the most a document may still bill."""
        return CONTEXT.subtract(CONTEXT.subtract(self.ordered, self.cancelled), self.billed)

    @property
    def to_fulfil(self) -> Decimal:
        """Ordered, and neither fulfilled (delivered or received) nor cancelled."""
        return CONTEXT.subtract(CONTEXT.subtract(self.ordered, self.fulfilled), self.cancelled)

    @property
    def untaken(self) -> Money:
        """What is left of the line's amount for the units still open."""
        return Money(self.amount.amount - self.taken.amount, self.amount.currency)


_SET = {
    field.name: getattr(LineProgress, field.name).__set__ for field in attrs.fields(LineProgress)
}
_set_description = _SET["description"]
_set_key = _SET["key"]
_set_ordered = _SET["ordered"]
_set_amount = _SET["amount"]
_set_fulfilled = _SET["fulfilled"]
_set_billed = _SET["billed"]
_set_cancelled = _SET["cancelled"]
_set_taken = _SET["taken"]

#: The fields a subclass of :class:`LineProgress` adds, with their slots' setters.
_OWN: dict[type, tuple[tuple[str, Callable[[object, object], None]], ...]] = {}


def _own_slots(cls: type) -> tuple[tuple[str, Callable[[object, object], None]], ...]:
    own = _OWN.get(cls)
    if own is None:
        own = _OWN[cls] = tuple((name, put) for name, put in slots_of(cls) if name not in _SET)
    return own


# -- what a document took ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TakenLine:
    """What one document took of one order line: ``quantity`` units for ``amount``.

    ``index`` is the line's place on the order (lines are numbered in document order,
    those of groups included), ``key`` its key, if it has one. A credit note by lines
    lowers both amounts.
    """

    index: int = attrs.field(converter=_index)
    key: str | None = attrs.field(default=None, converter=_key)
    quantity: Decimal = attrs.field(converter=_signed_quantity)
    amount: Money = attrs.field(converter=_amount)

    @classmethod
    def _unchecked(cls, index: int, key: str | None, quantity: Decimal, amount: Money) -> Self:
        """A record of values the library checked already (no conversion)."""
        taken = object.__new__(cls)
        _set_taken_index(taken, index)
        _set_taken_key(taken, key)
        _set_taken_quantity(taken, quantity)
        _set_taken_amount(taken, amount)
        return taken


_set_taken_index, _set_taken_key, _set_taken_quantity, _set_taken_amount = (
    put for _, put in slots_of(TakenLine)
)


@attrs.frozen(kw_only=True)
class Deduction:
    """What one invoice deducted of one part of a down payment.

    ``down_payment`` is the id of the down payment's own invoice, ``part`` the place of
    the part (one per set of taxes) in its record, ``amount`` the stated amount deducted.
    """

    down_payment: str = attrs.field(converter=_down_payment_id)
    part: int = attrs.field(converter=_part)
    amount: Money = attrs.field(converter=_amount)


@attrs.frozen(kw_only=True)
class TakenFromOrder:
    """What one invoice or bill made from an order took of it; voiding it gives it back.

    ``document_id`` is the invoice's or bill's id; ``lines`` what it took of the order's
    lines; ``adjustments`` its part of each standalone allowance and charge (one per
    adjustment, in order); ``deductions`` the down payments it deducted; ``total`` its
    total with taxes and ``tally`` its untaxed amounts and taxes by rate. A down
    payment's own invoice has ``down_payment`` set and takes no line. ``credit_notes``
    are the numbers of the credit notes of it the order has taken in.
    """

    document_id: str = attrs.field(converter=_document_id)
    lines: tuple[TakenLine, ...] = attrs.field(default=(), converter=_taken_lines)
    adjustments: tuple[Money, ...] = attrs.field(default=(), converter=_moneys)
    deductions: tuple[Deduction, ...] = attrs.field(default=(), converter=_deductions)
    total: Money = attrs.field(converter=_total)
    tally: TaxTally = attrs.field(converter=_tally)
    down_payment: bool = attrs.field(default=False, converter=_flag)
    credit_notes: tuple[str, ...] = attrs.field(default=(), converter=_numbers)

    @classmethod
    def _unchecked(
        cls,
        document_id: str,
        lines: tuple[TakenLine, ...],
        adjustments: tuple[Money, ...],
        total: Money,
        tally: TaxTally,
        *,
        deductions: tuple[Deduction, ...] = (),
        down_payment: bool = False,
    ) -> Self:
        """The record of a document the library just made of values it checked (no conversion)."""
        return unchecked(
            cls,
            document_id=document_id,
            lines=lines,
            adjustments=adjustments,
            deductions=deductions,
            total=total,
            tally=tally,
            down_payment=down_payment,
            credit_notes=(),
        )

    @property
    def quantities(self) -> tuple[tuple[int, Decimal], ...]:
        """The ``(line index, quantity)`` pairs it took."""
        return tuple((taken.index, taken.quantity) for taken in self.lines)


# -- the tax tally -----------------------------------------------------------------------


#: What :func:`plain_taxes` gave for each tuple of taxes, by the tuple's id; an entry holds
#: its tuple, so no other tuple can have that id while the entry lives: a hit is the tuple.
_PLAIN: dict[int, tuple[tuple[Tax, ...], tuple[Tax, ...]]] = {}


def plain_taxes(taxes: tuple[Tax, ...]) -> tuple[Tax, ...]:
    """``taxes`` as a line of an amount alone takes them: none per unit, none included."""
    known = _PLAIN.get(id(taxes))
    if known is not None and known[0] is taxes:
        return known[1]
    plain = tuple(
        attrs.evolve(tax, included=False) if tax.included else tax
        for tax in taxes
        if tax.kind is not TaxKind.PER_UNIT
    )
    if len(_PLAIN) >= 4096:
        _PLAIN.clear()
    _PLAIN[id(taxes)] = (taxes, plain)
    return plain


def standalone(priced: PricedDocument) -> tuple[PricedAdjustment, ...]:
    """The document allowances and charges of ``priced`` that stand alone (with their own taxes)."""
    adjustments = priced.adjustments
    if not adjustments:
        return ()
    return tuple(entry for entry in adjustments if not entry.distributed)


@attrs.frozen(kw_only=True)
class UntaxedSum:
    """The untaxed ``amount`` of the lines and adjustments that carry one set of ``taxes``."""

    taxes: tuple[Tax, ...] = attrs.field(converter=_taxes)
    amount: Money = attrs.field(converter=_sum)


@attrs.frozen(kw_only=True)
class TaxSum:
    """The ``amount`` of one tax row (a tax standing for its name, code and rate)."""

    tax: Tax = attrs.field(converter=_tax)
    amount: Money = attrs.field(converter=_sum)


@attrs.frozen(kw_only=True)
class TaxTally:
    """What documents came to: untaxed by set of taxes, and tax by row of the breakdown.

    ``untaxed`` holds, for each set of taxes (as a line of an amount alone takes them:
    none per unit, none included), the sum of the line nets and standalone allowances and
    charges that carry it; ``taxes`` the sum of each tax row. An order keeps the tally of
    the documents billed from it, so that the completing one can make them add up to the
    order's own tally. The sums are ``Money`` in the documents' currency, one currency in
    a tally; :meth:`by_taxes` and :meth:`rows` give their amounts as ``Decimal`` for the
    arithmetic.
    """

    untaxed: tuple[UntaxedSum, ...] = attrs.field(default=(), converter=_untaxed_sums)
    taxes: tuple[TaxSum, ...] = attrs.field(default=(), converter=_tax_sums)

    @classmethod
    def of(cls, priced: PricedDocument) -> TaxTally:
        """The tally of one priced document."""
        # lines taxed alike share their tuple of taxes (and often follow each other): sum
        # the nets by tuple first, each sum in line order. A priced line is a tuple of
        # (line, currency, gross, discount, distributed, net, ...).
        by_tuple: dict[int, tuple[tuple[Tax, ...], list[Decimal]]] = {}
        last: tuple[Tax, ...] | None = None
        running: list[Decimal] = []  # the sum of the tuple of the lines at hand
        for line in priced.lines:
            taxes = line[0].taxes
            net: Decimal = line[5]
            if taxes is not last:
                last = taxes
                found = by_tuple.get(id(taxes))
                if found is None:
                    running = [net]
                    by_tuple[id(taxes)] = (taxes, running)
                    continue
                running = found[1]
            running[0] += net
        untaxed: dict[tuple[Tax, ...], Decimal] = {}
        for taxes, (net,) in by_tuple.values():
            key = plain_taxes(taxes)
            untaxed[key] = untaxed.get(key, _ZERO) + net
        for entry in standalone(priced):
            key = plain_taxes(entry.adjustment.taxes)
            untaxed[key] = untaxed.get(key, _ZERO) + entry.effect.amount
        rows: dict[tuple[object, ...], tuple[Tax, Decimal]] = {}
        for row in priced.tax_breakdown:  # per group, a rate may have a row of each sign
            row_key = row.tax.breakdown_key
            before = rows.get(row_key)
            # without what cash rounding put in the row (each document rounds its own)
            own = row.amount.amount
            if row.cash_rounding is not None:
                own -= row.cash_rounding.amount
            amount = own if before is None else before[1] + own
            rows[row_key] = (row.tax if before is None else before[0], amount)
        return cls._of(untaxed, rows, priced.currency)

    @classmethod
    def _of(
        cls,
        untaxed: Mapping[tuple[Tax, ...], Decimal],
        rows: Mapping[tuple[object, ...], tuple[Tax, Decimal]],
        currency: moneyed.Currency | None,
    ) -> TaxTally:
        if currency is None:  # nothing was tallied
            return cls()
        # Sums of one currency, one per set of taxes (the keys of a mapping) and one per
        # row: what the converters and checks would accept, so they are not run again.
        exact = Money._exact
        new = object.__new__
        sums = []
        for taxes, amount in untaxed.items():
            entry = new(UntaxedSum)
            _set_untaxed_taxes(entry, taxes)
            _set_untaxed_amount(entry, exact(amount, currency))
            sums.append(entry)
        tax_rows = []
        for tax, amount in rows.values():
            row = new(TaxSum)
            _set_row_tax(row, tax)
            _set_row_amount(row, exact(amount, currency))
            tax_rows.append(row)
        tally = new(cls)
        _set_tally_untaxed(tally, tuple(sums))
        _set_tally_taxes(tally, tuple(tax_rows))
        return tally

    @property
    def currency(self) -> moneyed.Currency | None:
        """The currency of the sums (``None`` for an empty tally)."""
        for amount in self._amounts():
            return amount.currency
        return None

    def _amounts(self) -> list[Money]:
        return [entry.amount for entry in self.untaxed] + [row.amount for row in self.taxes]

    def __attrs_post_init__(self) -> None:
        currency = self.currency
        for amount in self._amounts():
            if currency is not None and amount.currency != currency:
                raise CurrencyMismatch(amount.currency.code, currency.code, operation="tally")
        if len({entry.taxes for entry in self.untaxed}) < len(self.untaxed):
            raise InvalidOrderRecord(
                record="tax tally",
                field="untaxed",
                value=len(self.untaxed),
                limit="one per set of taxes",
            )

    def plus(self, other: TaxTally, sign: int = 1) -> TaxTally:
        """This tally with ``other`` added (or taken away, with ``sign`` -1)."""
        untaxed = self.by_taxes()
        for entry in other.untaxed:
            untaxed[entry.taxes] = untaxed.get(entry.taxes, _ZERO) + sign * entry.amount.amount
        rows = self.rows()
        for row in other.taxes:
            known, total = rows.get(row.tax.breakdown_key, (row.tax, _ZERO))
            rows[row.tax.breakdown_key] = (known, total + sign * row.amount.amount)
        return TaxTally._of(untaxed, rows, self.currency or other.currency)

    def by_taxes(self) -> dict[tuple[Tax, ...], Decimal]:
        """The untaxed sums by set of taxes."""
        return {entry.taxes: entry.amount.amount for entry in self.untaxed}

    def rows(self) -> dict[tuple[object, ...], tuple[Tax, Decimal]]:
        """The tax rows by breakdown key."""
        return {row.tax.breakdown_key: (row.tax, row.amount.amount) for row in self.taxes}


# the slots' setters, for the sums a tally makes of sums checked already (TaxTally._of)
_set_untaxed_taxes, _set_untaxed_amount = (put for _, put in slots_of(UntaxedSum))
_set_row_tax, _set_row_amount = (put for _, put in slots_of(TaxSum))
_set_tally_untaxed, _set_tally_taxes = (put for _, put in slots_of(TaxTally))
