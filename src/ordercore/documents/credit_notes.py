"""Credit notes: how an issued invoice is corrected or cancelled.

An issued invoice never changes. What was billed wrongly is credited:

* :func:`credit_lines` credits chosen lines and quantities of one issued invoice, at that
  invoice's own prices and taxes, never more than remains creditable after the earlier
  credit notes (:class:`~ordercore.errors.OverCrediting`). Each credit takes the line's
  stated amount for all the units credited so far, in proportion and rounded, less what
  earlier credits took: no credit is ever negative, and the credit that takes a line's
  last units takes exactly what is left, so the credits of a line sum to what it was
  billed.
* :func:`credit_amount` credits an amount of one issued invoice: by default what the
  customer gets back, taxes included, to the cent. The amount is split over the
  invoice's sets of taxes in proportion to what each still has creditable (largest
  remainder), each part a credit line with those taxes; together with the earlier credit
  notes it never exceeds the invoice total (:class:`~ordercore.errors.OverCrediting`).
* :func:`credit_in_full` cancels an invoice that has not been credited yet: the credit
  note repeats its content, so every total matches to the cent.
* :func:`standalone_credit` credits an amount with a tax category and a reason, without
  an invoice (a goodwill gesture, a price adjustment agreed later).

An invoice made from a sales order is credited with its order: given ``order=`` (the
:class:`~ordercore.documents.sales_orders.SalesOrder`, or anything :class:`TakesCredit`),
each function checks that the order can take the credit note back
(``SalesOrder.check_credit``) before it returns it, and refuses one it could not with
:class:`~ordercore.errors.CreditNotTakenBack`: a credit by lines of a down payment's
invoice or of a line that bills none of the order's, a credit in full of a down payment
that later invoices deducted, a refund of more of a down payment than is still open, or
a price concession (a credit by amount of an invoice with no down payment). Nothing is
issued then, so the number the host took for it is not used. The host then takes the
credit note in (``SalesOrder.take_in_credit``).

The same functions record a supplier's credit note: given an issued
:class:`~ordercore.documents.bills.IssuedBill` instead of an invoice (or a ``supplier``
instead of a ``customer`` for a standalone credit), they check it the same way and the
credit note names the ``supplier``; its number is the supplier's.

A credit note's amounts are positive: it is the invoice's counterpart, and a host books it
as such. So only an invoice whose total with taxes is positive is credited (one below
nothing already owes the customer: it is paid, or an invoice bills the difference), and a
credit note is dated on or after the invoice it credits.

Each credit line is a pricing :class:`~ordercore.pricing.Line` of the credited
quantity with the invoice line's taxes, so the pricing engine computes the credit note
like any other document and the line formula of EN 16931 holds. It keeps the invoice
line's unit price, base quantity and discounts when they come, for the credited
quantity, to exactly the share it credits, so that it reads as the invoice line does;
otherwise (the share took part of a group's or the document's allowances, or a
rounding) it is priced as that share for the quantity as a whole (its price base
quantity is the credited quantity).

A credit by amount takes part of the invoice's total and of each of its tax sets, but no
line's units: the per-line caps of :func:`credit_lines` count only credits by lines. A
credit by lines that follows a credit by amount must stay within what remains of the
invoice total and of the untaxed amount of each of its tax sets, so that no set of taxes
is credited on more than the invoice billed with it.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
import functools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import attrs

from ordercore._convert import check_instance, to_money, to_text, to_tuple
from ordercore._fieldmeta import WHEN_SET
from ordercore.documents import _fields as fields
from ordercore.documents import _ordering as ordering
from ordercore.documents import display, settling
from ordercore.documents.bills import IssuedBill
from ordercore.documents.invoices import Changed, IssuedInvoice
from ordercore.documents.ordering import LineQuantities
from ordercore.errors import (
    AlreadyCredited,
    CreditBeforeInvoice,
    CreditNoteParty,
    CreditOfAnotherInvoice,
    CreditOfAnotherParty,
    CurrencyMismatch,
    DuplicateLineKey,
    FloatNotAllowed,
    InvalidAmount,
    InvalidNumber,
    InvalidTax,
    InvalidType,
    NotCreditableByLines,
    NothingToCredit,
    NoUntaxedAmount,
    OrdercoreError,
    OverCrediting,
    PerUnitTaxByAmount,
    TaxIncludedAndAdded,
    TaxNotIncludable,
    TaxSetBelowZero,
    UnknownInvoiceLine,
    UnknownLineKey,
)
from ordercore.events import Event, Request
from ordercore.money.allocation import allocate
from ordercore.money.amount import Money
from ordercore.money.context import exact
from ordercore.money.currency import precision, quantum
from ordercore.money.decimals import decimal_places, to_decimal
from ordercore.pricing.discounts import DiscountKind
from ordercore.pricing.document import Document, Policy
from ordercore.pricing.engine import price
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind
from ordercore.pricing.results import PricedDocument
from ordercore.pricing.taxes import DivisionTaxes, Tax, TaxKind, together
from ordercore.settlement.open_items import OpenItem

__all__ = [
    "CreditBase",
    "CreditBasis",
    "CreditByAmount",
    "CreditByLines",
    "CreditInFull",
    "CreditNote",
    "CreditNoteIssued",
    "CreditedAmount",
    "CreditedLine",
    "CustomerCreditNote",
    "StandaloneCredit",
    "SupplierCreditNote",
    "TakesCredit",
    "credit_amount",
    "credit_in_full",
    "credit_lines",
    "standalone_credit",
]

_ZERO = Decimal(0)


class CreditBase(enum.Enum):
    """What the amount of a credit by amount is stated on.

    * ``TOTAL`` (the default): what the customer gets back, taxes included; the credit
      note's total is exactly the stated amount;
    * ``UNTAXED``: the amount before taxes; the invoice's taxes are added on top, so the
      credit note's total is the amount plus those taxes.
    """

    TOTAL = "total"
    UNTAXED = "untaxed"

    def __repr__(self) -> str:
        return f"CreditBase.{self.name}"


def _line_index(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidType(value, expected="a line index (an int from 0)", field="index")
    return value


def _credited_quantity(value: object) -> Decimal:
    quantity = to_decimal(value, field="quantity", max_places=QUANTITY_PLACES)
    if quantity <= 0:
        raise InvalidNumber(value, reason="a credited quantity is positive", field="quantity")
    return quantity


def _money(value: object) -> Money:
    if isinstance(value, float):
        raise FloatNotAllowed(value, field="amount")
    return to_money(value, "amount")


def _line_key(value: object) -> str | None:
    return None if value is None else to_text(value, "key")


@attrs.frozen(kw_only=True, repr=False)
class CreditedLine:
    """What a credit note took of one invoice line: its index, quantity and stated amount.

    ``index`` is the line's index on the invoice (from 0, groups included), ``quantity``
    the quantity credited (a positive ``Decimal``) and ``amount`` the part of the line's
    stated amount it took back (a ``Money`` in the invoice's currency). ``key`` is the
    invoice line's key (the key of the order line it bills), ``None`` when it has none.

    >>> from ordercore import Money
    >>> CreditedLine(index=0, quantity="2", amount=Money("20.00", "EUR"), key="desk")
    CreditedLine(index=0, quantity=Decimal('2'), amount=Money('20.00', 'EUR'), key='desk')
    """

    index: int = attrs.field(converter=_line_index)
    quantity: Decimal = attrs.field(converter=_credited_quantity)
    amount: Money = attrs.field(converter=_money)
    key: str | None = attrs.field(default=None, converter=_line_key, metadata=WHEN_SET)

    def __repr__(self) -> str:
        key = "" if self.key is None else f", key={self.key!r}"
        return (
            f"CreditedLine(index={self.index!r}, quantity={self.quantity!r}, "
            f"amount={self.amount!r}{key})"
        )

    @classmethod
    def _unchecked(
        cls, index: int, quantity: Decimal, amount: Money, key: str | None = None
    ) -> Self:
        """A credited line of values the library checked already (no conversion)."""
        line = object.__new__(cls)
        object.__setattr__(line, "index", index)
        object.__setattr__(line, "quantity", quantity)
        object.__setattr__(line, "amount", amount)
        object.__setattr__(line, "key", key)
        return line


def _base(value: object) -> CreditBase:
    return check_instance(value, CreditBase, "base")


@attrs.frozen(kw_only=True)
class CreditedAmount:
    """What a credit by amount stated: the ``amount``, and whether taxes are in it (``base``)."""

    amount: Money = attrs.field(converter=_money)
    base: CreditBase = attrs.field(converter=_base)


# -- what a credit note credits ----------------------------------------------------------


def _invoice(value: object) -> str:
    return to_text(value, "invoice")


def _credited_lines(value: object) -> tuple[CreditedLine, ...]:
    lines: tuple[CreditedLine, ...] = to_tuple(value, CreditedLine, "lines")
    if not lines:
        raise InvalidType(value, expected="at least one CreditedLine", field="lines")
    indexes = [line.index for line in lines]
    if len(set(indexes)) < len(indexes) or indexes != sorted(indexes):
        raise InvalidType(
            value, expected="CreditedLines of distinct lines, in line order", field="lines"
        )
    currencies = {line.amount.currency for line in lines}
    if len(currencies) > 1:
        first, second = sorted(currency.code for currency in currencies)[:2]
        raise CurrencyMismatch(first, second, operation="credit lines in")
    keys = [line.key for line in lines if line.key is not None]
    if len(set(keys)) < len(keys):
        raise DuplicateLineKey(
            next(key for key in keys if keys.count(key) > 1), document="the credited lines"
        )
    return lines


@attrs.frozen(kw_only=True)
class CreditByLines:
    """A credit note credits chosen ``lines`` and quantities of the invoice ``invoice``.

    ``invoice`` is the number of the invoice (or bill) it credits; ``lines`` one
    :class:`CreditedLine` for each line it credits, in line order.
    """

    invoice: str = attrs.field(converter=_invoice)
    lines: tuple[CreditedLine, ...] = attrs.field(converter=_credited_lines)


@attrs.frozen(kw_only=True)
class CreditInFull:
    """A credit note cancels the invoice ``invoice``: it credits every line, all of it.

    ``lines`` says what it took of each line (all its quantity and stated amount).
    """

    invoice: str = attrs.field(converter=_invoice)
    lines: tuple[CreditedLine, ...] = attrs.field(converter=_credited_lines)


def _stated_amount(value: object) -> CreditedAmount:
    return check_instance(value, CreditedAmount, "stated")


@attrs.frozen(kw_only=True)
class CreditByAmount:
    """A credit note credits an amount of the invoice ``invoice``, and none of its lines.

    ``stated`` is the amount as it was asked for: the ``Money``, and whether taxes are in
    it (:class:`CreditedAmount`).
    """

    invoice: str = attrs.field(converter=_invoice)
    stated: CreditedAmount = attrs.field(converter=_stated_amount)


def _tax(value: object) -> Tax:
    return check_instance(value, Tax, "tax")


@attrs.frozen(kw_only=True)
class StandaloneCredit:
    """A credit note credits ``amount`` (before tax) with ``tax``, and no invoice."""

    amount: Money = attrs.field(converter=_money)
    tax: Tax = attrs.field(converter=_tax)


#: What a credit note credits, with its data: chosen lines of an invoice, all of it, an
#: amount of it, or an amount of no invoice.
CreditBasis = CreditByLines | CreditInFull | CreditByAmount | StandaloneCredit


def _basis(value: object) -> CreditBasis:
    if not isinstance(value, CreditByLines | CreditInFull | CreditByAmount | StandaloneCredit):
        raise InvalidType(
            value,
            expected="a CreditByLines, CreditInFull, CreditByAmount or StandaloneCredit",
            field="basis",
        )
    return value


@attrs.frozen(kw_only=True)
class CreditNoteIssued(Event):
    """A credit note was issued (against ``invoice_number``, or standalone when it is None).

    ``total`` is the credit note's total with taxes, ``amount_due`` what it takes from the
    party's balance (the total, cash-rounded as its invoice is), as on the credit note;
    ``by_amount`` is what a credit by amount stated.
    """

    number: str
    invoice_number: str | None
    total: Money
    amount_due: Money
    by_amount: CreditedAmount | None = None


#: What a credit note credits: an invoice we issued, or a supplier's bill.
_Credited = IssuedInvoice | IssuedBill


def _check(invoice: object, issue_date: object) -> tuple[_Credited, dt.date]:
    """The invoice or bill to credit, and the credit note's date, checked against each other.

    A credit note takes back what an invoice billed: it is dated on or after the invoice,
    and the invoice billed something (its total with taxes is positive).
    """
    if not isinstance(invoice, IssuedInvoice | IssuedBill):
        raise InvalidType(invoice, expected="an IssuedInvoice or an IssuedBill", field="invoice")
    date = fields.issue_date(issue_date)
    kind = "bill" if isinstance(invoice, IssuedBill) else "invoice"
    if date < invoice.issue_date:
        raise CreditBeforeInvoice(
            invoice=invoice.number, kind=kind, issue_date=date, invoice_date=invoice.issue_date
        )
    value = invoice.priced.totals.tax_inclusive
    if value.amount <= 0:
        owed = -value if value.amount < 0 else None
        raise NothingToCredit(invoice=invoice.number, kind=kind, total=value, owed=owed)
    return invoice, date


@attrs.frozen(kw_only=True, repr=False)
class CreditNote(display.Displayable, abc.ABC):
    """An issued credit note: numbered, dated, priced once, and never changed.

    The common base of the two sides, which share everything but their party: a
    :class:`CustomerCreditNote` is one we issue to a ``customer`` (it credits an
    :class:`~ordercore.documents.invoices.IssuedInvoice`), a :class:`SupplierCreditNote`
    one a ``supplier`` issued to us (it credits an
    :class:`~ordercore.documents.bills.IssuedBill`). ``basis`` says what it credits
    (:data:`CreditBasis`); ``invoice_number``, ``credited``, ``in_full`` and
    ``by_amount`` read it.
    """

    id: str = attrs.field(converter=fields.document_id)
    number: str = attrs.field(converter=fields.number)
    issue_date: dt.date = attrs.field(converter=fields.issue_date)
    reason: str = attrs.field(converter=fields.reason)
    priced: PricedDocument = attrs.field(converter=fields.priced)
    basis: CreditBasis = attrs.field(converter=_basis)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.basis, StandaloneCredit):
            currency = self.priced.currency
            amounts = (
                [self.basis.stated.amount]
                if isinstance(self.basis, CreditByAmount)
                else [line.amount for line in self.basis.lines]
            )
            for amount in amounts:
                if amount.currency != currency:
                    raise CurrencyMismatch(currency.code, amount.currency.code, operation="credit")

    @property
    @abc.abstractmethod
    def party(self) -> str:
        """The customer's or the supplier's id."""

    @property
    def customer(self) -> str | None:
        """The customer a credit note we issue credits (``None`` on a supplier's)."""
        return None

    @property
    def supplier(self) -> str | None:
        """The supplier who issued a credit note to us (``None`` on one we issue)."""
        return None

    @property
    def invoice_number(self) -> str | None:
        """The number of the invoice (or bill) it credits; ``None`` for a standalone credit."""
        return None if isinstance(self.basis, StandaloneCredit) else self.basis.invoice

    @property
    def credited(self) -> tuple[CreditedLine, ...]:
        """What it took of the invoice's lines (by lines, or all of them in full)."""
        return self.basis.lines if isinstance(self.basis, CreditByLines | CreditInFull) else ()

    @property
    def line_keys(self) -> tuple[str | None, ...]:
        """The key of each of its lines (``None`` for a line without one), or none.

        A credit by lines (or in full) of an invoice whose lines carry keys keeps the key
        of each invoice line it credits: its first lines credit them, in order; a line
        after them (a tax correction) carries ``None``. Empty when no credited line carries
        a key (an invoice without keys, a credit by amount, a standalone credit).
        """
        keys = [line.key for line in self.credited]
        if all(key is None for key in keys):
            return ()
        return (*keys, *((None,) * (len(self.priced.lines) - len(keys))))

    def line_key(self, index: int) -> str | None:
        """The key of its line ``index`` (from 0); ``None`` when that line carries none."""
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise InvalidType(index, expected="a line index (an int from 0)", field="index")
        keys = self.line_keys
        return keys[index] if index < len(keys) else None

    @property
    def in_full(self) -> bool:
        """Whether it cancels its invoice (credits all of it)."""
        return isinstance(self.basis, CreditInFull)

    @property
    def by_amount(self) -> CreditedAmount | None:
        """What a credit by amount stated; ``None`` for any other credit note."""
        return self.basis.stated if isinstance(self.basis, CreditByAmount) else None

    @property
    def total(self) -> Money:
        """The amount credited, taxes included (``priced.totals.tax_inclusive``).

        Credits are measured by it: the credit notes of an invoice never total more than
        the invoice's own ``total``.
        """
        return self.priced.totals.tax_inclusive

    @property
    def amount_due(self) -> Money:
        """What it takes from the party's balance (``priced.totals.amount_due``).

        The ``total`` with the cash rounding of the invoice's policy, if it has one (a
        credit note has no prepaid amount); its open item is for this amount.
        """
        return self.priced.totals.amount_due

    def open_item(self) -> OpenItem:
        """What it takes from the party's open balance: a negative item, due on its issue date."""
        return settling.credit_note_open_item(self)

    @property
    def state(self) -> str:
        """Always ``"issued"``."""
        return "issued"

    #: Printing shows no version: a credit note has one only.
    _versioned: ClassVar[bool] = False

    @property
    def version(self) -> int:
        """Always ``1``: a credit note is made once, issued, and never changed."""
        return 1


@attrs.frozen(kw_only=True, repr=False)
class CustomerCreditNote(CreditNote):
    """A credit note we issue to a ``customer``: it credits an invoice of ours, or stands alone.

    Nothing is owed the other way: the customer gets the ``amount_due`` back, or owes less.
    """

    customer: str = attrs.field(converter=fields.customer)

    @property
    def party(self) -> str:
        """The customer's id."""
        return self.customer


@attrs.frozen(kw_only=True, repr=False)
class SupplierCreditNote(CreditNote):
    """A credit note a ``supplier`` issued to us: it credits one of their bills, or stands alone.

    Its ``number`` is the supplier's; we owe the supplier the ``amount_due`` less.
    """

    supplier: str = attrs.field(converter=fields.supplier)

    @property
    def party(self) -> str:
        """The supplier's id."""
        return self.supplier


@runtime_checkable
class TakesCredit(Protocol):
    """An order that takes back the credit notes of its documents.

    A ``SalesOrder`` for its invoices, a ``PurchaseOrder`` for its bills.

    Given as ``order=`` to :func:`credit_lines`, :func:`credit_amount` or
    :func:`credit_in_full`, it checks the credit note before it is returned: one its
    order could not take back is refused, and never issued.
    """

    def check_credit(self, invoice: Any, credit_note: CreditNote) -> None:
        """Raise if the order could not take ``credit_note`` of ``invoice`` back."""
        ...  # pragma: no cover - a protocol

    def invoice_line(self, invoice: Any, key: str) -> int:
        """The index of the line of ``invoice`` that bills the order line keyed ``key``."""
        ...  # pragma: no cover - a protocol


def _order(value: object, invoice: _Credited) -> TakesCredit | None:
    """The order to check a credit of ``invoice`` against, if one is given."""
    if value is None:
        return None
    if not isinstance(value, TakesCredit):
        raise InvalidType(
            value,
            expected="the SalesOrder or PurchaseOrder the document was made from, or None",
            field="order",
        )
    return value


def _side(invoice: _Credited) -> tuple[type[CreditNote], str]:
    """The type of the credit notes of ``invoice``, and its party."""
    if isinstance(invoice, IssuedBill):
        return SupplierCreditNote, invoice.supplier
    return CustomerCreditNote, invoice.customer


def _earlier(invoice: _Credited, previous: Sequence[CreditNote]) -> list[CreditNote]:
    notes: list[CreditNote] = list(to_tuple(previous, CreditNote, "previous"))
    side, party = _side(invoice)
    for note in notes:
        if note.invoice_number != invoice.number:
            raise CreditOfAnotherInvoice(
                credit_note=note.number, credited=note.invoice_number, invoice=invoice.number
            )
        if not isinstance(note, side) or note.party != party:
            raise CreditOfAnotherParty(credit_note=note.number, invoice=invoice.number, party=party)
    return notes


def _issue(
    *,
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    credited: _Credited,
    issue_date: dt.date,
    reason: str,
    content: Document,
    basis: CreditBasis,
    request: Request,
    order: TakesCredit | None = None,
) -> Changed[CreditNote]:
    side, party = _side(credited)
    note = _made(
        side,
        party,
        id=id,
        number=number,
        issue_date=issue_date,
        reason=reason,
        priced=price(content),
        basis=basis,
    )
    if order is not None:
        order.check_credit(credited, note)
    return _issued(note, request)


def _made(side: type[CreditNote], party: object, **values: object) -> CreditNote:
    if side is SupplierCreditNote:
        return SupplierCreditNote(supplier=party, **values)
    return CustomerCreditNote(customer=party, **values)


def _issued(note: CreditNote, request: Request) -> Changed[CreditNote]:
    event = CreditNoteIssued(
        document_id=note.id,
        request=fields.request(request),
        number=note.number,
        invoice_number=note.invoice_number,
        total=note.total,
        amount_due=note.amount_due,
        by_amount=note.by_amount,
    )
    return Changed(document=note, events=(event,))


@exact
def credit_lines(
    invoice: IssuedInvoice | IssuedBill,
    quantities: LineQuantities,
    *,
    previous: Sequence[CreditNote] = (),
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    issue_date: dt.date,
    reason: str,
    request: Request,
    order: TakesCredit | None = None,
) -> Changed[CreditNote]:
    """Credit ``quantities`` (invoice line index -> quantity) of ``invoice``.

    A line may also be named by its key (``{"desk": 1}``): the key of the order line it
    bills, which an invoice made from an order carries (``invoice.line_keys``), or which
    ``order`` finds.

    ``previous`` are the credit notes already issued against this invoice; what they
    credited is no longer creditable. ``invoice`` may be a supplier's bill. After a credit
    by amount, the credit note must also stay within what remains of the invoice total
    and of each tax set's untaxed amount (see the module docs). With ``order``, the sales
    order the invoice was made from, a credit note it could not take back is refused
    (:class:`~ordercore.errors.CreditNotTakenBack`).
    """
    invoice, issue_date = _check(invoice, issue_date)
    order = _order(order, invoice)
    if not isinstance(quantities, Mapping) or not quantities:
        raise InvalidType(
            quantities, expected="a mapping of line index to quantity", field="quantities"
        )
    quantities = _by_index(quantities, invoice, order)
    earlier = _earlier(invoice, previous)
    _not_in_full(invoice, earlier, "credit lines of")
    if invoice.priced.adjustments and not invoice.priced.adjustments[0].distributed:
        raise NotCreditableByLines(
            invoice=invoice.number,
            line=None,
            reason=f"invoice {invoice.number} has standalone document allowances or charges, "
            "which a credit by lines would not take back; credit it in full, or credit an "
            "amount with standalone_credit",
        )
    if any(line.line.quantity < 0 for line in invoice.priced.lines):
        raise NotCreditableByLines(
            invoice=invoice.number,
            line=None,
            reason=f"invoice {invoice.number} deducts a down payment or takes back goods on a "
            "line of its own, which a credit by lines would not take back; credit it in full, "
            "or credit an amount with standalone_credit",
        )
    priced_lines = invoice.priced.lines
    credited: list[CreditedLine] = []
    lines: list[Line] = []
    for index, requested in sorted(quantities.items(), key=lambda item: _index(item[0])):
        if not 0 <= index < len(priced_lines):
            raise UnknownInvoiceLine(invoice=invoice.number, index=index, count=len(priced_lines))
        quantity = to_decimal(requested, field=f"quantities[{index}]", max_places=QUANTITY_PLACES)
        priced_line = priced_lines[index]
        line = priced_line.line
        if line.quantity <= 0:
            raise NotCreditableByLines(
                invoice=invoice.number,
                line=index,
                reason=f"line {index} of invoice {invoice.number} is a return; credit only "
                "what was sold",
            )
        if quantity <= 0:
            raise InvalidNumber(
                requested,
                reason="credit a positive quantity of the line",
                field=f"quantities[{index}]",
            )
        done = [c for note in earlier for c in note.credited if c.index == index]
        remaining = line.quantity - sum((c.quantity for c in done), Decimal(0))
        if quantity > remaining:
            raise OverCrediting(
                invoice=invoice.number,
                line=line.description,
                requested=quantity,
                remaining=remaining,
            )
        # The share of all units credited so far, rounded, less what was credited before:
        # never negative, never more than is left, and the last units take exactly the rest.
        stated = priced_line.stated.amount
        before = sum((c.amount.amount for c in done), Decimal(0))
        units = line.quantity - remaining + quantity
        amount = (stated * units / line.quantity).quantize(
            quantum(invoice.priced.currency), invoice.priced.policy.rounding.value
        ) - before
        money = Money._exact(amount, invoice.priced.currency)
        credited.append(CreditedLine._unchecked(index, quantity, money, invoice.line_key(index)))
        lines.append(
            _at_invoice_prices(line, quantity, money, invoice.priced.policy)
            or Line(
                description=line.description,
                quantity=quantity,
                unit_price=money,
                base_quantity=quantity,
                taxes=line.taxes,
                kind=line.kind,
                product=line.product,
                price_source=line.price_source,
            )
        )
    content = Document(currency=invoice.priced.currency, items=lines, policy=invoice.priced.policy)
    if any(note.by_amount is not None for note in earlier):
        _within_what_remains(invoice, earlier, content)
    else:
        content = _within_total(invoice, earlier, credited, content)
    return _issue(
        id=id,
        number=number,
        credited=invoice,
        issue_date=issue_date,
        reason=reason,
        content=content,
        basis=CreditByLines(invoice=invoice.number, lines=credited),
        request=request,
        order=order,
    )


def _at_invoice_prices(line: Line, quantity: Decimal, amount: Money, policy: Policy) -> Line | None:
    """The invoice ``line`` for the credited ``quantity``, if it comes to the credited ``amount``.

    A person checks a credit note against its invoice: a credited line that keeps the
    invoice's unit price, base quantity and discounts reads as the invoice line does.
    That is so when the line priced alone for the credited quantity comes to exactly the
    share it credits; a share that also takes part of a group's or the document's
    allowances and charges, or the rounding of a fixed discount, does not, and the
    credited line is then priced as that share for the quantity as a whole.
    """
    if any(discount.kind is DiscountKind.PER_LINE for discount in line.discounts):
        return None  # a fixed discount of the line is not the credited quantity's
    candidate = attrs.evolve(line, quantity=quantity)
    try:
        alone = price(Document(currency=amount.currency, items=[candidate], policy=policy))
    except OrdercoreError:  # a per-unit discount that rounds the smaller quantity below zero
        return None
    return candidate if alone.lines[0].stated == amount else None


def _within_total(
    invoice: IssuedInvoice | IssuedBill,
    earlier: Sequence[CreditNote],
    credited: Sequence[CreditedLine],
    content: Document,
) -> Document:
    """Keep the credit notes of an invoice within its total.

    Each credit note rounds its own taxes, so credits by lines can add up to a cent or so
    more (or less) than the invoice. The credit note that takes the invoice's last units
    takes exactly what is left of its total, rate by rate (with tax corrections, as the
    completing invoice of an order does); any other that would go past the total is
    refused.
    """
    left = _left(invoice, earlier)
    total = price(content).totals.tax_inclusive.amount
    done: dict[int, Decimal] = {}
    for entry in (*[c for note in earlier for c in note.credited], *credited):
        done[entry.index] = done.get(entry.index, Decimal(0)) + entry.quantity
    completes = all(
        done.get(index, Decimal(0)) == line.line.quantity
        for index, line in enumerate(invoice.priced.lines)
    )
    if completes and total != left:
        tally = ordering.TaxTally()
        for note in earlier:
            tally = tally.plus(ordering.TaxTally.of(note.priced))
        content = ordering.completing(content, ordering.TaxTally.of(invoice.priced), tally)
        total = price(content).totals.tax_inclusive.amount
    if total > left:
        raise OverCrediting(
            invoice=invoice.number,
            requested=Money._exact(total, invoice.priced.currency),
            remaining=Money._exact(left, invoice.priced.currency),
        )
    return content


def _within_what_remains(
    invoice: IssuedInvoice | IssuedBill, earlier: Sequence[CreditNote], content: Document
) -> None:
    """Keep a credit by lines that follows a credit by amount within what remains.

    A credit by amount took part of the invoice's total and of each of its tax sets, but
    no line's units, which the per-line caps count. So the credit note may take no more
    than remains of the invoice total, nor of the untaxed amount of any tax set (no set is
    credited on more than the invoice billed with it). Nothing is absorbed here: a cent
    that rounding leaves is credited by amount.
    """
    priced = price(content)
    currency = invoice.priced.currency
    left = _left(invoice, earlier)
    if priced.totals.tax_inclusive.amount > left:
        raise OverCrediting(
            invoice=invoice.number,
            requested=priced.totals.tax_inclusive,
            remaining=Money._exact(left, currency),
        )
    remaining = _remaining_by_tax_set(invoice, earlier, taxed=False)
    for taxes, amount in _by_tax_set(priced, taxed=False).items():
        if amount > remaining[taxes]:
            raise OverCrediting(
                invoice=invoice.number,
                requested=Money._exact(amount, currency),
                remaining=Money._exact(max(remaining[taxes], _ZERO), currency),
                taxes=_label(taxes),
            )


def _left(invoice: IssuedInvoice | IssuedBill, earlier: Sequence[CreditNote]) -> Decimal:
    """What remains creditable of the invoice after the earlier credit notes.

    Credits are measured on the invoice's value, its total with taxes (EN 16931 BT-112),
    and the credit notes' own: an amount paid in advance, or a cash rounding of what is
    left to pay, is a matter of payments, not of what was billed.
    """
    value = invoice.priced.totals.tax_inclusive.amount
    return value - sum((note.priced.totals.tax_inclusive.amount for note in earlier), _ZERO)


#: A set of taxes as a key: each tax as it is when it is not included in a price, so that
#: a line with a tax included and a credit line with it added fall into the same set.
_TaxSet = tuple[Tax, ...]


@functools.lru_cache(maxsize=4096)
def _tax_set(taxes: tuple[Tax, ...]) -> _TaxSet:
    return tuple(attrs.evolve(tax, included=False) if tax.included else tax for tax in taxes)


def _by_tax_set(priced: PricedDocument, *, taxed: bool) -> dict[_TaxSet, Decimal]:
    """The amounts of a priced document by set of taxes, untaxed or ``taxed``.

    Its lines (their nets, and their exact taxes if ``taxed``), and its standalone
    allowances (-) and charges (+) with their taxes (which are never compound or per unit
    where ``taxed`` amounts are asked for: see :func:`_creditable_by_amount`).
    """
    sums: dict[_TaxSet, Decimal] = {}
    for line in priced.lines:
        key = _tax_set(line.line.taxes)
        amount = line.net.amount + line.tax_exact.amount if taxed else line.net.amount
        sums[key] = sums.get(key, _ZERO) + amount
    for entry in ordering.standalone(priced):
        key = _tax_set(entry.adjustment.taxes)
        amount = entry.effect.amount
        if taxed:  # its division taxes as the pricing levied them (one gross, or each its own)
            levied = (
                together(entry.adjustment.taxes)
                if priced.policy.division_taxes is DivisionTaxes.TOGETHER
                else key
            )
            amount *= 1 + sum((tax.factor for tax in levied), _ZERO)
        sums[key] = sums.get(key, _ZERO) + amount
    return sums


def _remaining_by_tax_set(
    invoice: IssuedInvoice | IssuedBill, earlier: Sequence[CreditNote], *, taxed: bool
) -> dict[_TaxSet, Decimal]:
    """What no credit note took yet of each of the invoice's tax sets, untaxed or ``taxed``.

    A credit note's lines without a set of the invoice's (a rounding difference) count
    against none.
    """
    remaining = _by_tax_set(invoice.priced, taxed=taxed)
    for note in earlier:
        for key, amount in _by_tax_set(note.priced, taxed=taxed).items():
            if key in remaining:
                remaining[key] -= amount
    return remaining


def _label(taxes: _TaxSet) -> str:
    return ", ".join(tax.label for tax in taxes) or "no tax"


def _not_in_full(
    invoice: IssuedInvoice | IssuedBill, earlier: Sequence[CreditNote], operation: str
) -> None:
    """Refuse to credit anything more of an invoice that an earlier note credited in full."""
    if any(note.in_full for note in earlier):
        raise AlreadyCredited(
            invoice=invoice.number,
            operation=operation,
            credit_notes=tuple(note.number for note in earlier),
            in_full=True,
        )


def _by_index(
    quantities: Mapping[Any, object], invoice: IssuedInvoice | IssuedBill, order: TakesCredit | None
) -> Mapping[int, object]:
    """``quantities`` by invoice line index: a key names a line of ``invoice``.

    By the keys the invoice's lines carry; with ``order``, through the order (which finds
    the same line). An invoice that carries no keys, given without its order, takes
    indexes only (:class:`~ordercore.errors.UnknownLineKey`, with no ``keys``).
    """
    if not any(isinstance(key, str) for key in quantities):
        return quantities
    result: dict[int, object] = {}
    for key, quantity in quantities.items():
        if not isinstance(key, str):
            index = _index(key)
        elif order is not None:
            index = order.invoice_line(invoice, key)
        else:
            index = _keyed(invoice, key)
        if index in result:
            raise InvalidType(
                quantities,
                expected="each line named once (by its key or by its index)",
                field="quantities",
            )
        result[index] = quantity
    return result


def _keyed(invoice: IssuedInvoice | IssuedBill, key: str) -> int:
    """The index of the line of ``invoice`` keyed ``key`` (:class:`UnknownLineKey` if none)."""
    if not key:
        raise InvalidType(key, expected="a line key (a non-empty str) or index", field="quantities")
    if not invoice.line_keys:
        kind = "bill" if isinstance(invoice, IssuedBill) else "invoice"
        raise UnknownLineKey(document=f"{kind} {invoice.number}", key=key, keys=())
    return invoice.line_index(key)


def _index(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="a line index (int)", field="quantities")
    return value


def credit_in_full(
    invoice: IssuedInvoice | IssuedBill,
    *,
    previous: Sequence[CreditNote] = (),
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    issue_date: dt.date,
    reason: str,
    request: Request,
    order: TakesCredit | None = None,
) -> Changed[CreditNote]:
    """Cancel ``invoice``: credit all of it, which is possible only if nothing was credited yet.

    The credit note repeats the invoice's content, so its totals are the invoice's.
    ``invoice`` may be a supplier's bill. With ``order``, a down payment's invoice whose
    down payment later invoices deducted is refused
    (:class:`~ordercore.errors.CreditNotTakenBack`).
    """
    invoice, issue_date = _check(invoice, issue_date)
    order = _order(order, invoice)
    earlier = _earlier(invoice, previous)
    if earlier:
        raise AlreadyCredited(
            invoice=invoice.number,
            operation="credit in full",
            credit_notes=tuple(note.number for note in earlier),
            in_full=any(note.in_full for note in earlier),
        )
    content = attrs.evolve(invoice.content, prepaid=None)
    credited = tuple(
        CreditedLine._unchecked(i, line.line.quantity, line.stated, invoice.line_key(i))
        for i, line in enumerate(invoice.priced.lines)
    )
    return _issue(
        id=id,
        number=number,
        credited=invoice,
        issue_date=issue_date,
        reason=reason,
        content=content,
        basis=CreditInFull(invoice=invoice.number, lines=credited),
        request=request,
        order=order,
    )


@exact
def credit_amount(
    invoice: IssuedInvoice | IssuedBill,
    amount: Money,
    *,
    base: CreditBase = CreditBase.TOTAL,
    previous: Sequence[CreditNote] = (),
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    issue_date: dt.date,
    reason: str,
    request: Request,
    order: TakesCredit | None = None,
) -> Changed[CreditNote]:
    """Credit ``amount`` of ``invoice``: what the customer gets back, taxes included.

    The amount is split over the invoice's sets of taxes in proportion to what each still
    has creditable (largest remainder, so the parts sum to the amount exactly); each part
    is a ``LineKind.SERVICE`` line with exactly those taxes, included in its price, so the
    credit note's total is the stated amount to the cent. With ``base=CreditBase.UNTAXED``
    the amount is before taxes: the parts are split by what each set still has creditable
    before taxes, and the taxes are added on top.

    Together with the ``previous`` credit notes against the invoice (by lines, by amount
    or in full) the credit note never exceeds the invoice total
    (:class:`~ordercore.errors.OverCrediting`, naming what remains). Refused with a
    :class:`~ordercore.errors.NotCreditableByAmount`: an invoice with a per-unit tax (a
    credit by amount has no units: ``PerUnitTaxByAmount``), with a tax set whose amount
    is negative (``TaxSetBelowZero``), or, for a tax-inclusive amount, with a compound or
    withholding tax, which a credit by amount does not back out (``TaxNotIncludable``).
    ``invoice`` may be a supplier's bill. With ``order``, the sales order the invoice was
    made from, only a refund of what is still open of a down payment is issued
    (:class:`~ordercore.errors.CreditNotTakenBack`).
    """
    invoice, issue_date = _check(invoice, issue_date)
    order = _order(order, invoice)
    currency = invoice.priced.currency
    stated = _stated(amount, invoice)
    base = _base(base)
    earlier = _earlier(invoice, previous)
    _not_in_full(invoice, earlier, "credit an amount of")
    billed = _creditable_by_amount(invoice, base)
    left = _left(invoice, earlier)
    cash = invoice.priced.policy.cash_rounding
    if base is CreditBase.TOTAL and cash is not None and cash.adjustment(stated) and stated != left:
        raise InvalidAmount(
            stated,
            reason=f"invoice {invoice.number} is paid in multiples of {cash.increment}, and so "
            f"is a credit of it; state such a multiple, or all that remains ({left})",
            field="amount",
        )
    if base is CreditBase.TOTAL and stated > left:
        raise OverCrediting(
            invoice=invoice.number,
            requested=Money._exact(stated, currency),
            remaining=Money._exact(left, currency),
        )
    # Split by what each set still has creditable, taxes included or not as the amount is.
    taxed = base is CreditBase.TOTAL
    remaining = _remaining_by_tax_set(invoice, earlier, taxed=taxed)
    sets = list(billed)
    weights = [max(remaining[taxes], _ZERO) for taxes in sets]
    if not any(weights):
        # Only a cent or two that rounding left: spread it as the invoice billed the sets.
        whole = _by_tax_set(invoice.priced, taxed=taxed)
        weights = [whole[taxes] for taxes in sets]
    if not any(weights):
        # (an invoice with a total always has amounts with taxes)
        raise NoUntaxedAmount(invoice=invoice.number)
    parts = [
        (taxes, part)
        for taxes, part in zip(sets, allocate(stated, weights, quantum(currency)), strict=True)
        if part
    ]
    lines = [
        Line(
            description=to_text(reason, "reason")
            + (f" ({_label(taxes)})" if len(parts) > 1 else ""),
            quantity=1,
            unit_price=Money._exact(part, currency),
            taxes=[attrs.evolve(tax, included=True) for tax in taxes] if taxed else taxes,
            kind=LineKind.SERVICE,
        )
        for taxes, part in parts
    ]
    content = Document(currency=currency, items=lines, policy=invoice.priced.policy)
    if not taxed:
        total = price(content).totals.tax_inclusive
        if total.amount > left:
            raise OverCrediting(
                invoice=invoice.number, requested=total, remaining=Money._exact(left, currency)
            )
    by_amount = CreditedAmount(amount=Money._exact(stated, currency), base=base)
    return _issue(
        id=id,
        number=number,
        credited=invoice,
        issue_date=issue_date,
        reason=reason,
        content=content,
        basis=CreditByAmount(invoice=invoice.number, stated=by_amount),
        request=request,
        order=order,
    )


def _stated(amount: object, invoice: IssuedInvoice | IssuedBill) -> Decimal:
    """The amount to credit: a positive ``Money`` in the invoice's currency and minor unit."""
    money = _whole_amount(amount)
    currency = invoice.priced.currency
    if money.currency != currency:
        raise CurrencyMismatch(currency.code, money.currency.code, operation="credit in")
    if money.amount <= 0:
        raise InvalidAmount(money.amount, reason="a credit by amount is positive", field="amount")
    return money.amount


def _whole_amount(amount: object) -> Money:
    """An ``amount`` to credit: a ``Money`` (never a float) in whole minor units."""
    if isinstance(amount, float):
        raise FloatNotAllowed(amount, field="amount")
    money = to_money(amount, "amount")
    places = precision(money.currency)
    if decimal_places(money.amount) > places:
        raise InvalidAmount(
            money.amount,
            reason=f"{money.currency.code} amounts have {places} decimal places",
            field="amount",
        )
    return money


def _creditable_by_amount(
    invoice: IssuedInvoice | IssuedBill, base: CreditBase
) -> dict[_TaxSet, Decimal]:
    """The invoice's untaxed amounts by tax set, if a credit by amount can take them back."""
    number = invoice.number
    billed = _by_tax_set(invoice.priced, taxed=False)
    for taxes, amount in billed.items():
        per_unit = next((tax for tax in taxes if tax.kind is TaxKind.PER_UNIT), None)
        if per_unit is not None:
            raise PerUnitTaxByAmount(invoice=number, taxes=_label(taxes), tax=str(per_unit))
        if len(set(taxes)) < len(taxes):
            raise TaxIncludedAndAdded(invoice=number, taxes=_label(taxes))
        unincludable = next((tax for tax in taxes if tax.compound or tax.withholding), None)
        if base is CreditBase.TOTAL and unincludable is not None:
            kind = "compound" if unincludable.compound else "withholding"
            raise TaxNotIncludable(
                invoice=number, taxes=_label(taxes), tax=str(unincludable), kind=kind
            )
        if amount < 0:
            raise TaxSetBelowZero(invoice=number, taxes=_label(taxes), amount=amount)
    return billed


def standalone_credit(
    amount: Money,
    *,
    tax: Tax,
    customer: str | None = None,
    supplier: str | None = None,
    id: str,  # noqa: A002 - the document's id, named like every other id field
    number: str,
    issue_date: dt.date,
    reason: str,
    request: Request,
    policy: Policy | None = None,
) -> Changed[CreditNote]:
    """Credit ``amount`` (before tax) with ``tax`` for ``reason``, without an invoice.

    Name the ``customer`` for a credit note we issue, or the ``supplier`` for one we record.
    ``amount`` is a positive ``Money`` in whole minor units of its currency; ``tax`` is any
    tax but a per-unit one (an amount has no units); ``policy`` prices the credit note
    (``None``: the default ``Policy()``).
    """
    if (customer is None) == (supplier is None):
        raise CreditNoteParty(customer=customer, supplier=supplier)
    money = _whole_amount(amount)
    if money.amount <= 0:
        raise InvalidAmount(
            money, reason="a standalone credit is a positive amount", field="amount"
        )
    tax = check_instance(tax, Tax, "tax")
    if tax.kind is TaxKind.PER_UNIT:
        raise InvalidTax(
            tax.name,
            reason="a standalone credit is an amount, and an amount has no units to owe a "
            "per-unit tax on; credit the lines that bore it with credit_lines",
            field="tax",
        )
    if policy is None:
        policy = Policy()
    elif not isinstance(policy, Policy):
        raise InvalidType(policy, expected="a Policy, or None for the default", field="policy")
    line = Line(
        description=to_text(reason, "reason"),
        quantity=1,
        unit_price=money,
        taxes=[tax],
        kind=LineKind.SERVICE,
    )
    content = Document(currency=line.currency, items=[line], policy=policy)
    note = _made(
        CustomerCreditNote if customer is not None else SupplierCreditNote,
        customer if customer is not None else supplier,
        id=id,
        number=number,
        issue_date=issue_date,
        reason=reason,
        priced=price(content),
        basis=StandaloneCredit(amount=money, tax=tax),
    )
    return _issued(note, request)
