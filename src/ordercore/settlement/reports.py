"""Settlement reports: aging, days sales outstanding, a party's statement.

Each report is a pure function of a :class:`~ordercore.settlement.Ledger` and an
``as_of`` date (no clock is read), and returns a frozen value that prints as text
(``str``, locale-free) and as HTML in a notebook (``_repr_html_``).

* :func:`aging`: what each party still owes, by days past due, in buckets (current,
  1-30, 31-60, 61-90, over 90; the edges are a parameter). What settled an item counts
  against its earliest installments first; each installment's rest is aged on its own
  due date. The party's credit (unallocated payments and open credit notes, less what
  refunds paid it beyond the credit they paid back) is a column of its own.
* :func:`days_sales_outstanding`: what is open on items issued by ``as_of``, against
  what was invoiced in the ``days`` before it, times ``days``.
* :func:`statement`: a party's invoices, credit notes, payments, refunds and write-offs
  in date order with the running balance, and the closing balance.

Balances are those of ``as_of``: an entry counts from the day
:meth:`~ordercore.settlement.Ledger.entry_date` gives it (an allocation from the later
of its payment's or credit note's date and its item's issue date, a write-off or a
discount from its own date), so that a payment made, or an item allocated, after
``as_of`` leaves the balances of that day as they were. Reversed entries count on no day.

>>> import datetime as dt
>>> from ordercore.money import Money
>>> from ordercore.settlement import DocumentRef, Ledger, OpenItem
>>> ledger = Ledger().add_items(OpenItem.single(
...     document=DocumentRef.invoice("INV-1"), party="acme", amount=Money("100.00", "EUR"),
...     issue_date=dt.date(2026, 9, 1), due_date=dt.date(2026, 10, 1),
... ))
>>> print(aging(ledger, as_of=dt.date(2026, 11, 15)))
receivable aging as of 2026-11-15
party  currency  current  1-30  31-60  61-90  over 90  credit  balance
acme   EUR          0.00  0.00 100.00   0.00     0.00    0.00   100.00
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import itertools
from collections.abc import Sequence
from decimal import Decimal

import attrs
import moneyed

from ordercore._convert import check_instance, to_text, to_tuple
from ordercore.errors import InvalidReport
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.currency import get_currency
from ordercore.money.rounding import RoundingMode, round_to
from ordercore.settlement.entries import Allocation, CreditRefunded, DiscountTaken, WriteOff
from ordercore.settlement.ledger import Ledger, zero
from ordercore.settlement.open_items import Direction, DocumentRef, OpenItem
from ordercore.settlement.payments import _day

__all__ = [
    "Aging",
    "AgingRow",
    "Statement",
    "StatementLine",
    "aging",
    "days_sales_outstanding",
    "statement",
]

_ZERO = Decimal(0)

#: The default bucket edges: current, 1-30, 31-60, 61-90, over 90 days past due.
DEFAULT_EDGES = (30, 60, 90)


def _as_of(value: object) -> dt.date:
    return _day(value, "as_of")


def _edges(value: object) -> tuple[int, ...]:
    edges: tuple[int, ...] = to_tuple(value, int, "edges")
    if not edges or any(isinstance(e, bool) for e in edges):
        raise InvalidReport(value, reason="give at least one edge, in days", field="edges")
    if edges[0] < 1 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise InvalidReport(
            value,
            reason="edges are positive days, strictly increasing: (30, 60, 90)",
            field="edges",
        )
    return edges


def _labels(edges: tuple[int, ...]) -> tuple[str, ...]:
    starts = (1, *(edge + 1 for edge in edges[:-1]))
    return (
        "current",
        *(f"{a}-{b}" for a, b in zip(starts, edges, strict=True)),
        f"over {edges[-1]}",
    )


def _direction(value: object) -> Direction:
    return check_instance(value, Direction, "direction")


def _amounts(value: object) -> tuple[Money, ...]:
    return to_tuple(value, Money, "buckets")


def _money(value: object) -> Money:
    return check_instance(value, Money, "amount")


def _currency(value: object) -> moneyed.Currency:
    return get_currency(value)


def _text(value: object) -> str:
    return to_text(value, "text")


@attrs.frozen(kw_only=True)
class AgingRow:
    """One party's open amounts in one currency, per bucket, and its credit.

    ``credit`` is what the party had to its credit: its payments' unallocated rests and
    its credit notes' open amounts, less the unallocated rests of the refunds paid to it
    (a refund that paid more than the credit it paid back, or before the payment it paid
    back was made, leaves the party owing that much: the credit is then negative).
    """

    party: str = attrs.field(converter=_text)
    currency: moneyed.Currency = attrs.field(converter=_currency)
    buckets: tuple[Money, ...] = attrs.field(converter=_amounts)
    credit: Money = attrs.field(converter=_money)

    @property
    def balance(self) -> Money:
        """What the party owes on balance: the buckets less its credit."""
        return Money.of(sum(self.buckets, Money.zero(self.currency)) - self.credit)


def _rows(value: object) -> tuple[AgingRow, ...]:
    return to_tuple(value, AgingRow, "rows")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int) -> list[str]:
    """Text columns: the first ``left`` aligned left, the others right."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in (header, *rows)
    ]


def _html_table(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cells(tag: str, row: Sequence[str]) -> str:
        return "".join(f"<{tag}>{html.escape(cell)}</{tag}>" for cell in row)

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"
    )


@attrs.frozen(kw_only=True)
class Aging:
    """Open amounts by days past due, per party and currency; see :func:`aging`."""

    as_of: dt.date = attrs.field(converter=_as_of)
    direction: Direction = attrs.field(converter=_direction)
    edges: tuple[int, ...] = attrs.field(converter=_edges)
    rows: tuple[AgingRow, ...] = attrs.field(converter=_rows)

    @property
    def labels(self) -> tuple[str, ...]:
        """The buckets' names: ``current``, ``1-30``, ..., ``over 90``."""
        return _labels(self.edges)

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = ["party", "currency", *self.labels, "credit", "balance"]
        rows = [
            [
                row.party,
                row.currency.code,
                *(str(m.amount) for m in row.buckets),
                str(row.credit.amount),
                str(row.balance.amount),
            ]
            for row in self.rows
        ]
        return header, rows

    def _caption(self) -> str:
        return f"{self.direction} aging as of {self.as_of.isoformat()}"

    def __str__(self) -> str:
        header, rows = self._cells()
        return "\n".join([self._caption(), *_table(header, rows, left=2)])

    def _repr_html_(self) -> str:
        header, rows = self._cells()
        return _html_table(self._caption(), header, rows)


class _Balances:
    """What settled each item and what each party had to its credit, as of one day."""

    __slots__ = ("credit", "settled")

    def __init__(
        self, settled: dict[DocumentRef, Decimal], credit: dict[tuple[str, str], Decimal]
    ) -> None:
        self.settled = settled
        self.credit = credit

    def open(self, item: OpenItem) -> Decimal:
        """What ``item`` still owed (a magnitude: a credit note's too)."""
        return abs(item.amount.amount) - self.settled.get(item.document, _ZERO)


def _balances(ledger: Ledger, day: dt.date, way: Direction) -> _Balances:
    """The balances of ``way``'s items and credit on ``day``, from the entries counted by then."""
    settled: dict[DocumentRef, Decimal] = {}
    used: dict[str, Decimal] = {}
    undone = ledger.reversed
    for entry in ledger.entries:
        if entry.number in undone or ledger.entry_date(entry.number) > day:
            continue
        if isinstance(entry, CreditRefunded):
            for reference in (entry.payment, entry.refund):
                used[reference] = used.get(reference, _ZERO) + entry.amount.amount
            continue
        settled[entry.item] = settled.get(entry.item, _ZERO) + entry.amount.amount
        if isinstance(entry, Allocation):
            source, taken = entry.source, entry.source_amount.amount
            if isinstance(source, str):
                used[source] = used.get(source, _ZERO) + taken
            else:
                settled[source] = settled.get(source, _ZERO) + taken
    credit: dict[tuple[str, str], Decimal] = {}
    for payment in ledger.payments:
        if payment.direction is way and payment.date <= day:
            key = (payment.party, payment.currency.code)
            rest = payment.amount.amount - used.get(payment.reference, _ZERO)
            # a refund's rest paid the party more than the credit it paid back (so far)
            credit[key] = credit.get(key, _ZERO) + (-rest if payment.kind.is_refund else rest)
    balances = _Balances(settled=settled, credit=credit)
    for item in ledger.items:
        if item.direction is way and item.amount.amount < 0 and item.issue_date <= day:
            key = (item.party, item.currency.code)
            credit[key] = credit.get(key, _ZERO) + balances.open(item)
    return balances


def _credit(balances: _Balances, party: str, currency: moneyed.Currency) -> Money:
    found = balances.credit.get((party, currency.code))
    return zero(currency) if found is None else Money._exact(found, currency)


def _open_by_installment(balances: _Balances, item: OpenItem) -> list[tuple[dt.date, Decimal]]:
    """What is open of each installment: what settled the item took the earliest first."""
    settled = abs(item.amount.amount) - balances.open(item)
    parts = []
    for installment in sorted(item.installments, key=lambda i: i.due_date):
        part = abs(installment.amount.amount)
        taken = min(part, settled)
        settled -= taken
        if part - taken:
            parts.append((installment.due_date, part - taken))
    return parts


def _zeros(currency: moneyed.Currency, edges: tuple[int, ...]) -> list[Decimal]:
    return [zero(currency).amount] * (len(edges) + 2)


def aging(
    ledger: Ledger,
    *,
    as_of: dt.date,
    direction: Direction = Direction.RECEIVABLE,
    edges: Sequence[int] = DEFAULT_EDGES,
) -> Aging:
    """Aging of ``direction``'s open items on ``as_of``, in buckets cut at ``edges`` days.

    An installment not yet due (or due on ``as_of``) is current; one due ``n`` days
    before is in the first bucket whose edge is at least ``n``, or over the last. Items
    issued after ``as_of`` are left out; what is open, and the credit, are those of
    ``as_of`` (entries counted from their :meth:`~Ledger.entry_date`). Rows are sorted
    by party, then currency; a party with nothing open and no credit has none.
    """
    check_instance(ledger, Ledger, "ledger")
    day = _as_of(as_of)
    cuts = _edges(edges)
    way = _direction(direction)
    balances = _balances(ledger, day, way)
    totals: dict[tuple[str, str], list[Decimal]] = {}
    for item in ledger.items:
        if item.direction is not way or item.issue_date > day or item.amount.amount <= 0:
            continue
        row = totals.setdefault((item.party, item.currency.code), _zeros(item.currency, cuts))
        for due, amount in _open_by_installment(balances, item):
            late = (day - due).days
            row[0 if late <= 0 else bisect.bisect_left(cuts, late) + 1] += amount
    for party, code in balances.credit:
        totals.setdefault((party, code), _zeros(get_currency(code), cuts))
    rows = []
    for (party, code), amounts in sorted(totals.items()):
        currency = get_currency(code)
        credit = _credit(balances, party, currency)
        if not any(amounts) and not credit.amount:
            continue
        rows.append(
            AgingRow(
                party=party,
                currency=currency,
                buckets=tuple(Money._exact(amount, currency) for amount in amounts),
                credit=credit,
            )
        )
    return Aging(as_of=day, direction=way, edges=cuts, rows=tuple(rows))


def days_sales_outstanding(
    ledger: Ledger,
    *,
    as_of: dt.date,
    currency: moneyed.Currency | str,
    days: int = 90,
    direction: Direction = Direction.RECEIVABLE,
) -> Decimal | None:
    """Days sales outstanding on ``as_of``, over the ``days`` before it, in ``currency``.

    What was open on ``as_of`` on invoices issued by then (less the parties' credit of
    that day, as in :func:`aging`), divided by what was invoiced in the ``days`` days up
    to ``as_of``, times ``days``; rounded half up to one decimal. ``None`` when nothing
    was invoiced in that period.
    """
    check_instance(ledger, Ledger, "ledger")
    day = _as_of(as_of)
    money = get_currency(currency)
    way = _direction(direction)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InvalidReport(days, reason="days is a positive int", field="days")
    start = day - dt.timedelta(days=days)
    balances = _balances(ledger, day, way)
    open_total = _ZERO
    invoiced = _ZERO
    parties = set()
    for item in ledger.items:
        if item.direction is not way or item.currency != money or item.issue_date > day:
            continue
        parties.add(item.party)
        if item.amount.amount > 0:
            open_total += balances.open(item)
            if item.issue_date > start:
                invoiced += item.amount.amount
    for party in parties:
        open_total -= _credit(balances, party, money).amount
    if not invoiced:
        return None
    ratio = CONTEXT.multiply(CONTEXT.divide(open_total, invoiced), Decimal(days))
    return round_to(ratio, Decimal("0.1"), RoundingMode.HALF_UP)


def _line_date(value: object) -> dt.date:
    return _day(value, "date")


@attrs.frozen(kw_only=True)
class StatementLine:
    """One line of a statement: what happened on ``date``, and the balance after it.

    ``amount`` is signed from the party's side of the ledger: positive when it adds to
    what the party owes (an invoice, a refund paid to it), negative when it takes from it.
    """

    date: dt.date = attrs.field(converter=_line_date)
    description: str = attrs.field(converter=_text)
    amount: Money = attrs.field(converter=_money)
    balance: Money = attrs.field(converter=_money)


def _lines(value: object) -> tuple[StatementLine, ...]:
    return to_tuple(value, StatementLine, "lines")


@attrs.frozen(kw_only=True)
class Statement:
    """A party's statement in one currency; see :func:`statement`."""

    party: str = attrs.field(converter=_text)
    currency: moneyed.Currency = attrs.field(converter=_currency)
    as_of: dt.date = attrs.field(converter=_as_of)
    lines: tuple[StatementLine, ...] = attrs.field(converter=_lines)

    @property
    def closing_balance(self) -> Money:
        """The balance after the last line (zero without lines)."""
        return self.lines[-1].balance if self.lines else zero(self.currency)

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = ["date", "description", "amount", "balance"]
        rows = [
            [
                line.date.isoformat(),
                line.description,
                str(line.amount.amount),
                str(line.balance.amount),
            ]
            for line in self.lines
        ]
        rows.append(["", "closing balance", "", str(self.closing_balance.amount)])
        return header, rows

    def _caption(self) -> str:
        return f"statement of {self.party} in {self.currency.code} as of {self.as_of.isoformat()}"

    def __str__(self) -> str:
        header, rows = self._cells()
        return "\n".join([self._caption(), *_table(header, rows, left=2)])

    def _repr_html_(self) -> str:
        header, rows = self._cells()
        return _html_table(self._caption(), header, rows)


def statement(
    ledger: Ledger,
    *,
    party: str,
    currency: moneyed.Currency | str,
    as_of: dt.date,
    direction: Direction = Direction.RECEIVABLE,
) -> Statement:
    """``party``'s statement in ``currency`` up to ``as_of``.

    Its invoices (or bills) and credit notes on their issue dates, its payments and
    refunds on their dates, and write-offs and early-payment discounts (not reversed)
    on their :meth:`~Ledger.entry_date` (their own date, never before their item's
    issue), in date order (documents before money on one day, then by number), each
    with the running balance. Allocations move no balance of the party's, and
    everything after ``as_of`` is left out, so the closing balance is what
    :func:`aging` of ``as_of`` gives as the party's balance.
    """
    check_instance(ledger, Ledger, "ledger")
    day = _as_of(as_of)
    money = get_currency(currency)
    way = _direction(direction)
    name = to_text(party, "party")

    def ours(party: str, direction: Direction, currency: moneyed.Currency) -> bool:
        return (party, direction, currency) == (name, way, money)

    events: list[tuple[dt.date, int, str, Decimal]] = [
        (item.issue_date, 0, str(item.document), item.amount.amount)
        for item in ledger.items
        if ours(item.party, item.direction, item.currency) and item.issue_date <= day
    ]
    for payment in ledger.payments:
        if (payment.party, payment.direction, payment.currency) == (
            name,
            way,
            money,
        ) and payment.date <= day:
            sign = 1 if payment.kind.is_refund else -1
            events.append(
                (
                    payment.date,
                    1,
                    f"{payment.kind} {payment.reference}",
                    sign * payment.amount.amount,
                )
            )
    settled_without_money: tuple[WriteOff | DiscountTaken, ...] = (
        *ledger.write_offs,
        *ledger.discounts,
    )
    for entry in settled_without_money:
        on = ledger.entry_date(entry.number)
        if entry.number in ledger.reversed or on > day:
            continue
        item = ledger.item(entry.item)
        if ours(item.party, item.direction, item.currency):
            sign = -1 if item.amount.amount > 0 else 1
            what = (
                f"write-off {item.document}: {entry.reason}"
                if isinstance(entry, WriteOff)
                else f"early-payment discount {item.document}"
            )
            events.append((on, 2, what, sign * entry.amount.amount))
    events.sort(key=lambda event: event[:3])
    balance = _ZERO
    lines = []
    for date, _, description, amount in events:
        balance += amount
        lines.append(
            StatementLine(
                date=date,
                description=description,
                amount=Money._exact(amount, money),
                balance=Money._exact(balance, money),
            )
        )
    return Statement(party=name, currency=money, as_of=day, lines=tuple(lines))
