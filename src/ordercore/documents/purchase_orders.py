"""Purchase orders: what we ordered from a supplier, what we received, and how it is billed.

A :class:`PurchaseOrder` is the payables mirror of a
:class:`~ordercore.documents.sales_orders.SalesOrder` and shares its mechanism: it is
confirmed once from a pricing :class:`~ordercore.pricing.Document`, priced there and then,
and each line tracks the quantities ordered, received, billed and cancelled. Receipts of
goods are recorded in parts (never more than ordered and not cancelled:
:class:`~ordercore.errors.OverReceipt`); bills are made from the order by chosen
quantities, by what was received and not billed yet, or for all that remains, and never
bill more than was ordered (:class:`~ordercore.errors.OverBilling`). Each bill is a
:class:`~ordercore.documents.bills.DraftBill` of a share of the order's amounts: a line's
last units take exactly what is left of its amount, standalone allowances and charges
follow the lines' net billed, and the completing bill absorbs the rounding of taxes, so
the bills of a purchase order sum to its total exactly. The order records what each bill
took (a :class:`~ordercore.documents.ordering.TakenFromOrder`), so that a draft bill voided before it is issued can be
released on the order (:meth:`PurchaseOrder.release_bill`): it gives back exactly what it
took, and the order is billed again.

>>> import datetime as dt
>>> from ordercore import Document, Line, Money, Request, Tax
>>> def request(key):
...     return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
...                    business_date=dt.date(2026, 11, 23))
>>> content = Document(currency="EUR", items=[
...     Line(description="Chair", quantity="3", unit_price=Money("33.33", "EUR"),
...          taxes=[Tax.percent("VAT", "20")]),
... ])
>>> order = PurchaseOrder.confirm(id="po-1", supplier="chairs-r-us", number="PO-1",
...                               content=content, request=request("r1")).document
>>> order
PurchaseOrder(number='PO-1', state='open', supplier='chairs-r-us', currency='EUR', total='119.99')
>>> order = order.record_receipt({0: "1"}, request=request("r2")).document
>>> first = order.bill_received(bill_id="bill-1", request=request("r3"))
>>> second = first.order.bill_remaining(bill_id="bill-2", request=request("r4"))
>>> [b.priced.totals.tax_inclusive.amount for b in (first.bill, second.bill)]
[Decimal('40.00'), Decimal('79.99')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

import attrs

from ordercore._convert import to_tuple
from ordercore.documents import _fields as fields
from ordercore.documents import _ordering as ordering
from ordercore.documents.bills import DraftBill, IssuedBill, VoidedBill
from ordercore.documents.credit_notes import CreditNote
from ordercore.documents.invoices import Changed
from ordercore.documents.ordering import (
    LineProgress,
    LineQuantities,
    TakenFromOrder,
    TaxTally,
)
from ordercore.errors import (
    CreditNotTakenBack,
    CreditOfAnotherInvoice,
    InvalidType,
    NothingRemains,
    OrderLimitExceeded,
    OverBilling,
    OverReceipt,
)
from ordercore.events import Event, Request
from ordercore.money.amount import Money
from ordercore.money.context import exact
from ordercore.pricing.document import Document
from ordercore.pricing.results import PricedDocument

__all__ = [
    "BillCreditTakenIn",
    "BillReleased",
    "BilledFromOrder",
    "Billing",
    "PurchaseLine",
    "PurchaseOrder",
    "PurchaseOrderConfirmed",
    "PurchaseRemainderCancelled",
    "ReceiptRecorded",
]

_ZERO = ordering.ZERO


# -- events ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PurchaseOrderConfirmed(Event):
    """A purchase order was confirmed: its content was priced and its total is fixed."""

    number: str
    total: Money


@attrs.frozen(kw_only=True)
class ReceiptRecorded(Event):
    """Quantities of the order's lines were received: ``(line index, quantity)`` pairs."""

    quantities: tuple[tuple[int, Decimal], ...]


@attrs.frozen(kw_only=True)
class PurchaseRemainderCancelled(Event):
    """What remained of some lines (not received nor billed) was cancelled."""

    quantities: tuple[tuple[int, Decimal], ...]


@attrs.frozen(kw_only=True)
class BilledFromOrder(Event):
    """A draft bill ``bill_id`` bills ``quantities`` of the order's lines.

    ``amount`` is the bill's total with taxes; ``completing`` says whether nothing remains
    to bill after it.
    """

    bill_id: str
    quantities: tuple[tuple[int, Decimal], ...]
    amount: Money
    completing: bool


@attrs.frozen(kw_only=True)
class BillReleased(Event):
    """A voided draft bill ``bill_id`` gave back what it took of the order.

    ``quantities`` are the ``(line index, quantity)`` pairs that are open to bill again.
    """

    bill_id: str
    quantities: tuple[tuple[int, Decimal], ...]


@attrs.frozen(kw_only=True)
class BillCreditTakenIn(Event):
    """A supplier's credit note of bill ``bill_id`` gave back to the order what it credited.

    ``quantities`` are the ``(line index, quantity)`` pairs open to bill (or cancel) again.
    """

    bill_id: str
    credit_note: str
    quantities: tuple[tuple[int, Decimal], ...]


# -- values ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class PurchaseLine(LineProgress):
    """Where one line of a purchase order stands: a :class:`~ordercore.documents.ordering.LineProgress`.

    Its ``fulfilled`` units are the ones ``received`` from the supplier; ``billed`` are
    the ones the supplier's bills bill. ``amount`` is the line's stated amount on the
    order; ``taken`` is how much of it bills and cancellations have taken so far (the
    amount for ``billed + cancelled`` units, rounded, so that the line's last units take
    exactly what is left).
    """

    @property
    def received(self) -> Decimal:
        """What was received of the line (its ``fulfilled`` units)."""
        return self.fulfilled

    @property
    def to_receive(self) -> Decimal:
        """Ordered, and neither received nor cancelled."""
        return self.to_fulfil


@attrs.frozen(kw_only=True)
class Billing:
    """What billing a purchase order gives: the new order, the draft bill, and the events."""

    order: PurchaseOrder
    bill: DraftBill
    events: tuple[Event, ...]


def _lines(value: object) -> tuple[PurchaseLine, ...]:
    return to_tuple(value, PurchaseLine, "lines")


# -- the order ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False)
class PurchaseOrder(ordering.OrderBase):
    """A confirmed purchase order: its priced content, and where each line stands.

    ``adjustments`` holds, for each standalone allowance and charge, how much of it bills
    and cancellations have taken; ``bills`` records what each bill made from the order
    took (:class:`~ordercore.documents.ordering.TakenFromOrder`), ``billed`` the sum of their totals (with taxes) and
    ``billed_by_tax`` their untaxed amounts and taxes by rate.

    A host that rebuilds an order from storage gets :class:`~ordercore.errors.InvalidOrderRecord`
    at once for records that do not match the priced content (one :class:`PurchaseLine` per
    priced line, one adjustment per standalone allowance and charge) or a line whose
    quantities do not add up (received or billed, with cancelled, more than ordered).
    """

    id: str = attrs.field(converter=fields.document_id)
    supplier: str = attrs.field(converter=fields.supplier)
    number: str = attrs.field(converter=fields.number)
    priced: PricedDocument = attrs.field(converter=fields.priced)
    lines: tuple[PurchaseLine, ...] = attrs.field(converter=_lines)
    adjustments: tuple[Money, ...] = attrs.field(default=(), converter=ordering.adjustment_records)
    bills: tuple[TakenFromOrder, ...] = attrs.field(default=(), converter=ordering.bill_records)
    billed: Money = attrs.field(default=None, converter=ordering.billed_amount)
    billed_by_tax: TaxTally = attrs.field(factory=TaxTally, converter=ordering.tally_record)
    version: int = attrs.field(default=1, converter=fields.version)

    _kind: ClassVar[str] = "purchase order"
    _made_field: ClassVar[str] = "bills"
    _confirmed_event: ClassVar[type[Event]] = PurchaseOrderConfirmed
    _fulfilled_event: ClassVar[type[Event]] = ReceiptRecorded
    _fulfil_limit: ClassVar[type[OrderLimitExceeded]] = OverReceipt

    def __attrs_post_init__(self) -> None:
        self._check()

    @classmethod
    @exact
    def confirm(
        cls,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        supplier: str,
        number: str,
        content: Document,
        line_keys: Sequence[str | None] | None = None,
        request: Request,
    ) -> Changed[PurchaseOrder]:
        """Confirm an order to ``supplier`` for ``content``, priced now; its total is fixed.

        ``line_keys`` names the lines, one key (or ``None``) per line in document order,
        those of groups included; every operation then names a line by its key or by its
        index.
        """
        request = fields.request(request)
        name = f"purchase order {number}"
        priced = ordering.checked_content(content, name)
        keys = ordering.line_keys(line_keys, len(priced.lines), name)
        order = cls._opened(
            priced,
            id=fields.document_id(id),
            supplier=fields.supplier(supplier),
            number=fields.number(number),
            lines=PurchaseLine._confirmed(priced, keys),
        )
        return order._confirmation(request)

    # -- receipts ----------------------------------------------------------------------

    @exact
    def record_receipt(
        self, quantities: LineQuantities, *, request: Request
    ) -> Changed[PurchaseOrder]:
        """Record that ``quantities`` (line key or index -> quantity) were received.

        A line never receives more than was ordered and not cancelled
        (:class:`~ordercore.errors.OverReceipt`).
        """
        return self._record_fulfilment(quantities, request)

    @exact
    def cancel_remaining(
        self, *, request: Request, lines: Iterable[int | str] | None = None
    ) -> Changed[PurchaseOrder]:
        """Cancel what is still to receive of ``lines`` (all lines when ``None``).

        A line cancels what was ordered and neither received nor billed; the cancelled
        units take their share of the line's amount and of the standalone allowances and
        charges, as if they had been billed.
        """
        request = fields.request(request)
        cancelled_order, cancelled = self._cancelled(lines)
        order = cancelled_order._with_adjustments(self)
        event = PurchaseRemainderCancelled(
            document_id=self.id, request=request, quantities=cancelled
        )
        return Changed(document=order, events=(event,))

    # -- billing -----------------------------------------------------------------------

    @exact
    def bill_quantities(
        self, quantities: LineQuantities, *, bill_id: str, request: Request
    ) -> Billing:
        """Bill the chosen ``quantities`` (line key or index -> quantity), received or not.

        A quantity may be anything still open on its line (ordered, and neither billed
        nor cancelled); more raises :class:`~ordercore.errors.OverBilling`.
        """
        wanted = self._wanted(quantities)
        ordering.check_open(self.lines, wanted, order=self._name, error=OverBilling)
        return self._bill(wanted, bill_id=bill_id, request=request)

    @exact
    def bill_received(self, *, bill_id: str, request: Request) -> Billing:
        """Bill everything received and not billed yet."""
        wanted = ordering.fulfilled_unbilled(self.lines)
        if not wanted:
            raise NothingRemains(
                order=self._name,
                operation="bill what was received on",
                first=None if self.completed else "receive more",
            )
        return self._bill(wanted, bill_id=bill_id, request=request)

    @exact
    def bill_remaining(self, *, bill_id: str, request: Request) -> Billing:
        """Bill all that remains open (ordered, and neither billed nor cancelled)."""
        wanted = {index: line.open for index, line in enumerate(self.lines) if line.open > 0}
        if not wanted:
            raise NothingRemains(order=self._name, operation="bill what remains of")
        return self._bill(wanted, bill_id=bill_id, request=request)

    @exact
    def release_bill(self, voided: VoidedBill, *, request: Request) -> Changed[PurchaseOrder]:
        """Give back what a voided draft bill took of the order.

        The quantities it billed are open to bill again, and the line amounts, the
        standalone allowances and charges and the taxes by rate it took are given back
        exactly, so the bills still to come bill them. An issued bill is not released: a
        supplier credit note credits it.
        """
        request = fields.request(request)
        if not isinstance(voided, VoidedBill):
            raise InvalidType(
                voided,
                expected="a VoidedBill (void the draft first; credit an issued bill)",
                field="voided",
            )
        made = self._made_by(voided.id, voided.purchase_order, f"bill {voided.id!r}")
        order = self._given_back(made)
        event = BillReleased(
            document_id=self.id,
            request=request,
            bill_id=made.document_id,
            quantities=made.quantities,
        )
        return Changed(document=order, events=(event,))

    @exact
    def take_in_credit(
        self, bill: IssuedBill, credit_note: CreditNote, *, request: Request
    ) -> Changed[PurchaseOrder]:
        """Give back to the order what a supplier's credit note of one of its bills credited.

        A credit in full gives back all that the bill took, as releasing a voided draft
        does; a credit by lines gives back the credited quantities and amounts of the
        order's lines, to bill again or to cancel. A credit by amount is a price
        concession that takes back no quantity: there is nothing to give back
        (:class:`~ordercore.errors.NotFromThisOrder`). Each credit note is taken in once.
        """
        request = fields.request(request)
        made, order, quantities = self._taken_in(bill, credit_note)
        event = BillCreditTakenIn(
            document_id=self.id,
            request=request,
            bill_id=made.document_id,
            credit_note=credit_note.number,
            quantities=quantities,
        )
        return Changed(document=order, events=(event,))

    @exact
    def check_credit(self, bill: IssuedBill, credit_note: CreditNote) -> None:
        """Refuse a supplier credit note of ``bill`` that :meth:`take_in_credit` would refuse.

        The credit functions call it when they are given the order (``order=``), before the
        credit note is returned. It changes nothing.
        """
        self._taken_in(bill, credit_note)

    # -- the machinery -----------------------------------------------------------------

    def _taken_in(
        self, bill: IssuedBill, credit_note: CreditNote
    ) -> tuple[TakenFromOrder, PurchaseOrder, tuple[tuple[int, Decimal], ...]]:
        """What the bill took, the order with the credit taken in, and the quantities."""
        if not isinstance(bill, IssuedBill):
            raise InvalidType(bill, expected="an IssuedBill", field="bill")
        if not isinstance(credit_note, CreditNote):
            raise InvalidType(credit_note, expected="a CreditNote", field="credit_note")
        made = self._made_by(bill.id, bill.purchase_order, f"bill {bill.number}")
        if credit_note.supplier is None:  # a credit note of ours, not the supplier's
            raise CreditOfAnotherInvoice(
                credit_note=credit_note.number, credited=None, invoice=bill.number
            )
        self._check_credit(made, bill.number, credit_note)
        if credit_note.by_amount is not None:
            raise CreditNotTakenBack(
                order=self._name,
                invoice=bill.number,
                credit_note=credit_note.number,
                reason="it credits an amount of the bill, not quantities: a price concession, "
                "which gives nothing back to the order",
            )
        if credit_note.in_full:
            order = self._given_back(made)
            quantities = made.quantities
        else:
            order, quantities = self._credited(made, credit_note, bill.number)
        return made, order, quantities

    def _bill(self, wanted: Mapping[int, Decimal], *, bill_id: str, request: Request) -> Billing:
        """Bill ``wanted`` (checked) quantities: the one way a bill is made from lines."""
        request = fields.request(request)
        self._check_new(bill_id)
        order, shares, bill_lines, adjustments, alone = self._billing(wanted)
        priced = self._content(order, bill_lines, adjustments, alone)
        draft = DraftBill._of_order(
            id=bill_id,
            party=self.supplier,
            order=self.number,
            priced=priced,
            line_keys=ordering.document_keys(shares, len(priced.lines)),
            request=request,
        )
        made = TakenFromOrder._unchecked(
            draft.document.id,
            shares,
            ordering.minus(adjustments, self.adjustments),
            priced.before_cash_rounding,
            TaxTally.of(priced),
        )
        order = order._recorded(made, adjustments=adjustments)
        event = BilledFromOrder(
            document_id=self.id,
            request=request,
            bill_id=draft.document.id,
            quantities=tuple(wanted.items()),
            amount=made.total,
            completing=order.completed,
        )
        return Billing(order=order, bill=draft.document, events=(event, *draft.events))
