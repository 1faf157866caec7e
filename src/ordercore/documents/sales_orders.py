"""Sales orders: what was ordered, what was delivered, and how it is invoiced.

A :class:`SalesOrder` is confirmed once, from a pricing :class:`~ordercore.pricing.Document`
that is priced there and then: the order keeps that priced document, and every invoice
made from it bills a share of those amounts, never new prices. For each line the order
tracks the quantities ordered, delivered, invoiced and cancelled (the back order is what
was ordered and neither delivered nor cancelled), and each line has an
:class:`InvoicingPolicy`: bill what was ``ORDERED`` (in advance), or only what was
``DELIVERED``.

Every change returns a new order: recording a delivery and cancelling the remainder
return a :class:`~ordercore.documents.invoices.Changed`; invoicing returns an
:class:`Invoicing`, the new order together with the
:class:`~ordercore.documents.invoices.DraftInvoice` it made, and the events of both.

How amounts are shared out (the rules are on the documentation page *Sales orders*):

* an invoice line bills the line's stated amount in proportion to the quantity, rounded;
  the units that complete a line (its last ones) take exactly what is left, so the
  invoices of a line always sum to the line's amount;
* the order's standalone allowances and charges go to its invoices in proportion to the
  lines' net they bill, the completing invoice taking what is left of each;
* a down payment is its own invoice, of a percentage or an amount of the order's untaxed
  amount or total; later invoices deduct it in proportion to what they bill, and the
  completing invoice deducts what is left of it;
* the completing invoice (after it, nothing remains to invoice) also gives back what the
  rounding of the order's several invoices gained or lost: an untaxed amount as a
  "Rounding difference" line with the taxes of its set, a tax as a
  :class:`~ordercore.pricing.TaxCorrection` of the row of its rate, so that the invoices
  sum to the order's total exactly, and to its untaxed amount and tax rate by rate.

>>> import datetime as dt
>>> from ordercore import Document, Line, Money, Request, Tax
>>> def request(key):
...     return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
...                    business_date=dt.date(2026, 11, 23))
>>> content = Document(currency="EUR", items=[
...     Line(description="Chair", quantity="3", unit_price=Money("33.33", "EUR"),
...          taxes=[Tax.percent("VAT", "20")]),
... ])
>>> order = SalesOrder.confirm(id="so-1", customer="acme", number="SO-1", content=content,
...                            invoicing_policy=InvoicingPolicy.ORDERED,
...                            request=request("r1")).document
>>> order
SalesOrder(number='SO-1', state='open', customer='acme', currency='EUR', total='119.99')
>>> first = order.invoice_quantities({0: "1"}, invoice_id="inv-1", request=request("r2"))
>>> second = first.order.invoice_remaining(invoice_id="inv-2", request=request("r3"))
>>> [i.priced.totals.tax_inclusive.amount for i in (first.invoice, second.invoice)]
[Decimal('40.00'), Decimal('79.99')]
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

import attrs

from ordercore._convert import check_instance, to_money, to_text, to_tuple
from ordercore.documents import _fields as fields
from ordercore.documents import _ordering as ordering
from ordercore.documents.credit_notes import CreditNote
from ordercore.documents.invoices import Changed, DraftInvoice, IssuedInvoice, VoidedInvoice
from ordercore.documents.ordering import (
    Deduction,
    LinePolicies,
    LineProgress,
    LineQuantities,
    TakenFromOrder,
    TaxTally,
    plain_taxes,
    standalone,
)
from ordercore.errors import (
    CreditNotTakenBack,
    CurrencyMismatch,
    DownPaymentDeducted,
    DownPaymentsOutstanding,
    DownPaymentTooLarge,
    InvalidDownPayment,
    InvalidNumber,
    InvalidOrderRecord,
    InvalidType,
    NothingRemains,
    OrderLimitExceeded,
    OverDelivery,
    OverInvoicing,
)
from ordercore.events import Event, Request
from ordercore.money.allocation import allocate
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT, exact
from ordercore.money.currency import precision
from ordercore.money.decimals import decimal_places, to_decimal
from ordercore.pricing.document import Document
from ordercore.pricing.engine import price
from ordercore.pricing.lines import Line, LineKind
from ordercore.pricing.results import PricedDocument
from ordercore.pricing.taxes import Tax, TaxKind

__all__ = [
    "CreditTakenIn",
    "DeliveryRecorded",
    "DownPayment",
    "DownPaymentBase",
    "DownPaymentInvoiced",
    "DownPaymentPart",
    "DownPaymentRecord",
    "InvoiceReleased",
    "InvoicedFromOrder",
    "Invoicing",
    "InvoicingPolicy",
    "OrderConfirmed",
    "OrderLine",
    "RemainderCancelled",
    "SalesOrder",
]

_ZERO = ordering.ZERO
_HUNDRED = Decimal(100)

#: The description of the line by which a completing invoice absorbs tax rounding.
ROUNDING_DIFFERENCE = ordering.ROUNDING_DIFFERENCE


class InvoicingPolicy(enum.Enum):
    """What an order line is invoiced on: the quantity ordered, or only what was delivered."""

    ORDERED = "ordered"
    DELIVERED = "delivered"

    def __repr__(self) -> str:
        return f"InvoicingPolicy.{self.name}"


class DownPaymentBase(enum.Enum):
    """What a down payment is stated on: the order's untaxed amount, or its total with taxes.

    * ``UNTAXED``: the stated amount is the down payment's untaxed amount; the order's
      taxes are added on top;
    * ``TOTAL``: the stated amount is what the customer pays; the taxes are included in it.
    """

    UNTAXED = "untaxed"
    TOTAL = "total"

    def __repr__(self) -> str:
        return f"DownPaymentBase.{self.name}"


# -- events ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class OrderConfirmed(Event):
    """A sales order was confirmed: its content was priced and its total is fixed."""

    number: str
    total: Money


@attrs.frozen(kw_only=True)
class DeliveryRecorded(Event):
    """Quantities of the order's lines were delivered: ``(line index, quantity)`` pairs."""

    quantities: tuple[tuple[int, Decimal], ...]


@attrs.frozen(kw_only=True)
class RemainderCancelled(Event):
    """What remained of some lines (not delivered nor invoiced) was cancelled."""

    quantities: tuple[tuple[int, Decimal], ...]


@attrs.frozen(kw_only=True)
class InvoicedFromOrder(Event):
    """An invoice draft ``invoice_id`` bills ``quantities`` of the order's lines.

    ``amount`` is the invoice's total with taxes (after down payment deductions);
    ``completing`` says whether nothing remains to invoice after it.
    """

    invoice_id: str
    quantities: tuple[tuple[int, Decimal], ...]
    amount: Money
    completing: bool


@attrs.frozen(kw_only=True)
class InvoiceReleased(Event):
    """A voided draft invoice ``invoice_id`` gave back what it took of the order.

    ``quantities`` are the ``(line index, quantity)`` pairs that are open to invoice again
    (none for a down payment's invoice, whose down payment is withdrawn).
    """

    invoice_id: str
    quantities: tuple[tuple[int, Decimal], ...]


@attrs.frozen(kw_only=True)
class CreditTakenIn(Event):
    """A credit note of invoice ``invoice_id`` gave back to the order what it credited.

    ``quantities`` are the ``(line index, quantity)`` pairs open to invoice (or cancel)
    again; ``down_payment`` is the stated amount of a down payment it withdrew (zero when
    it credited no down payment).
    """

    invoice_id: str
    credit_note: str
    quantities: tuple[tuple[int, Decimal], ...]
    down_payment: Decimal


@attrs.frozen(kw_only=True)
class DownPaymentInvoiced(Event):
    """An invoice draft ``invoice_id`` bills a down payment of ``amount`` stated on ``base``."""

    invoice_id: str
    amount: Money
    base: DownPaymentBase
    total: Money


# -- values ------------------------------------------------------------------------------


def _amount(value: object) -> Money:
    return to_money(value, "amount")


def _total(value: object) -> Money:
    return to_money(value, "total")


def _description(value: object) -> str:
    return to_text(value, "description")


def _policy(value: object) -> InvoicingPolicy:
    return check_instance(value, InvoicingPolicy, "policy")


@attrs.frozen(kw_only=True)
class OrderLine(LineProgress):
    """Where one line of a sales order stands: a :class:`~ordercore.documents.ordering.LineProgress`.

    Its ``fulfilled`` units are the ones ``delivered`` to the customer, its ``billed``
    ones the ones ``invoiced``; ``policy`` says what "everything remaining" invoices of
    it. ``amount`` is the line's stated amount on the order (tax-inclusive when its taxes
    are included in the price); ``taken`` is how much of it invoices and cancellations
    have taken so far. Each takes what is left in proportion to the units it takes of
    those still open, rounded, so the line's last units take exactly what is left.
    """

    policy: InvoicingPolicy = attrs.field(converter=_policy)

    @property
    def delivered(self) -> Decimal:
        """What was delivered of the line (its ``fulfilled`` units)."""
        return self.fulfilled

    @property
    def invoiced(self) -> Decimal:
        """What invoices bill of the line (its ``billed`` units)."""
        return self.billed

    @property
    def back_order(self) -> Decimal:
        """Ordered, and neither delivered nor cancelled."""
        return self.to_fulfil

    @property
    def invoiceable(self) -> Decimal:
        """What the line's policy lets an invoice of "everything remaining" bill now."""
        if self.policy is InvoicingPolicy.ORDERED:
            return self.open
        return max(CONTEXT.subtract(self.fulfilled, self.billed), _ZERO)


def _percent(value: object) -> Decimal | None:
    if value is None:
        return None
    number = to_decimal(value, field="percent", max_places=6)
    if not 0 < number <= _HUNDRED:
        raise InvalidNumber(
            value, reason="a down payment is more than 0 and at most 100 %", field="percent"
        )
    return number


def _optional_money(value: object) -> Money | None:
    if value is None:
        return None
    if not isinstance(value, Money):
        raise InvalidType(value, expected="a Money, such as Money('500.00', 'EUR')", field="amount")
    if value.amount <= 0:
        raise InvalidNumber(value.amount, reason="a down payment is positive", field="amount")
    return value


def _base(value: object) -> DownPaymentBase:
    return check_instance(value, DownPaymentBase, "base")


@attrs.frozen(kw_only=True, repr=False)
class DownPayment:
    """A down payment to ask for: a percentage or an amount, stated on a base.

    >>> DownPayment.percentage("30", base=DownPaymentBase.TOTAL)
    DownPayment.percentage('30', base=DownPaymentBase.TOTAL)
    """

    base: DownPaymentBase = attrs.field(converter=_base)
    percent: Decimal | None = attrs.field(default=None, converter=_percent)
    amount: Money | None = attrs.field(default=None, converter=_optional_money)

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise InvalidDownPayment(
                reason="state either a percentage or an amount (use DownPayment.percentage or "
                "DownPayment.fixed)"
            )

    @classmethod
    def percentage(cls, percent: object, *, base: DownPaymentBase) -> DownPayment:
        """``percent`` % of the order's untaxed amount or total (``base``)."""
        return cls(base=base, percent=percent)

    @classmethod
    def fixed(cls, amount: Money, *, base: DownPaymentBase) -> DownPayment:
        """``amount``, untaxed or tax included (``base``)."""
        return cls(base=base, amount=amount)

    def __repr__(self) -> str:
        if self.percent is not None:
            return f"DownPayment.percentage({str(self.percent)!r}, base={self.base!r})"
        return f"DownPayment.fixed({self.amount!r}, base={self.base!r})"


def _taxes(value: object) -> tuple[Tax, ...]:
    return to_tuple(value, Tax, "taxes")


def _deducted(value: object) -> Money | None:
    return None if value is None else to_money(value, "deducted")


@attrs.frozen(kw_only=True)
class DownPaymentPart:
    """The part of a down payment billed with one set of the order's taxes.

    Later invoices deduct what is still open of it in proportion to what they take of
    the rest of the amounts of the order's lines with these taxes.
    """

    taxes: tuple[Tax, ...] = attrs.field(converter=_taxes)
    amount: Money = attrs.field(converter=_amount)
    deducted: Money = attrs.field(default=None, converter=_deducted)

    def __attrs_post_init__(self) -> None:
        if self.deducted is None:
            object.__setattr__(self, "deducted", Money.zero(self.amount.currency))
        elif self.deducted.currency != self.amount.currency:
            raise CurrencyMismatch(
                self.deducted.currency.code, self.amount.currency.code, operation="deduct"
            )
        if not _ZERO <= self.deducted.amount <= self.amount.amount:
            raise InvalidOrderRecord(
                record="down payment part", field="deducted", value=self.deducted, limit=self.amount
            )

    @property
    def open(self) -> Money:
        """What later invoices still have to deduct."""
        return Money._exact(
            CONTEXT.subtract(self.amount.amount, self.deducted.amount), self.amount.currency
        )


def _parts(value: object) -> tuple[DownPaymentPart, ...]:
    return to_tuple(value, DownPaymentPart, "parts")


@attrs.frozen(kw_only=True)
class DownPaymentRecord:
    """A down payment the order invoiced, and how much of it later invoices deducted.

    ``total`` is its invoice's total with taxes; later invoices deduct each of its
    ``parts`` in proportion to what they take of the rest of the order.
    """

    invoice_id: str = attrs.field(converter=fields.document_id)
    description: str = attrs.field(converter=_description)
    base: DownPaymentBase = attrs.field(converter=_base)
    amount: Money = attrs.field(converter=_amount)
    total: Money = attrs.field(converter=_total)
    parts: tuple[DownPaymentPart, ...] = attrs.field(converter=_parts)

    @property
    def open(self) -> Money:
        """The stated amount later invoices still have to deduct."""
        return Money._exact(
            functools.reduce(CONTEXT.add, (part.open.amount for part in self.parts), _ZERO),
            self.amount.currency,
        )


@attrs.frozen(kw_only=True)
class Invoicing:
    """What invoicing a sales order gives: the new order, the draft invoice, and the events."""

    order: SalesOrder
    invoice: DraftInvoice
    events: tuple[Event, ...]


def _lines(value: object) -> tuple[OrderLine, ...]:
    return to_tuple(value, OrderLine, "lines")


def _records(value: object) -> tuple[DownPaymentRecord, ...]:
    return to_tuple(value, DownPaymentRecord, "down_payments")


# -- the order ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False)
class SalesOrder(ordering.OrderBase):
    """A confirmed sales order: its priced content, and where each line stands.

    ``adjustments`` holds, for each of the order's standalone allowances and charges, how
    much of it invoices and cancellations have taken; ``invoices`` records what each
    invoice made from the order took
    (:class:`~ordercore.documents.ordering.TakenFromOrder`), ``billed`` the sum of their
    totals (with taxes) and ``billed_by_tax`` their untaxed amounts and taxes by rate.

    A host that rebuilds an order from storage gets :class:`~ordercore.errors.InvalidOrderRecord`
    at once for records that do not match the priced content (one :class:`OrderLine` per
    priced line, one adjustment per standalone allowance and charge) or a line whose
    quantities do not add up (delivered or invoiced, with cancelled, more than ordered).
    """

    id: str = attrs.field(converter=fields.document_id)
    customer: str = attrs.field(converter=fields.customer)
    number: str = attrs.field(converter=fields.number)
    priced: PricedDocument = attrs.field(converter=fields.priced)
    lines: tuple[OrderLine, ...] = attrs.field(converter=_lines)
    adjustments: tuple[Money, ...] = attrs.field(default=(), converter=ordering.adjustment_records)
    down_payments: tuple[DownPaymentRecord, ...] = attrs.field(default=(), converter=_records)
    invoices: tuple[TakenFromOrder, ...] = attrs.field(
        default=(), converter=ordering.invoice_records
    )
    billed: Money = attrs.field(default=None, converter=ordering.billed_amount)
    billed_by_tax: TaxTally = attrs.field(factory=TaxTally, converter=ordering.tally_record)
    version: int = attrs.field(default=1, converter=fields.version)

    _kind: ClassVar[str] = "sales order"
    _made_field: ClassVar[str] = "invoices"
    _confirmed_event: ClassVar[type[Event]] = OrderConfirmed
    _fulfilled_event: ClassVar[type[Event]] = DeliveryRecorded
    _fulfil_limit: ClassVar[type[OrderLimitExceeded]] = OverDelivery

    def __attrs_post_init__(self) -> None:
        self._check()

    # -- confirming --------------------------------------------------------------------

    @classmethod
    @exact
    def confirm(
        cls,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        customer: str,
        number: str,
        content: Document,
        invoicing_policy: InvoicingPolicy,
        line_policies: LinePolicies | None = None,
        line_keys: Sequence[str | None] | None = None,
        request: Request,
    ) -> Changed[SalesOrder]:
        """Confirm an order for ``content``, priced now; its total is fixed from here on.

        ``line_keys`` names the lines, one key (or ``None``) per line in document order,
        those of groups included (a quote's keys, when the order comes from one: see
        :meth:`~ordercore.documents.quotes.AcceptedQuote.confirm_order`). Every operation
        then names a line by its key or by its index. ``invoicing_policy`` applies to every
        line, except those ``line_policies`` (line key or index -> policy) names.
        """
        request = fields.request(request)
        name = f"sales order {number}"
        priced = ordering.checked_content(content, name)
        keys = ordering.line_keys(line_keys, len(priced.lines), name)
        return cls._confirm(
            id=id,
            customer=customer,
            number=number,
            priced=priced,
            keys=keys,
            invoicing_policy=invoicing_policy,
            line_policies=line_policies,
            request=request,
        )

    @classmethod
    def _confirm(
        cls,
        *,
        id: str,  # noqa: A002 - as confirm's
        customer: str,
        number: str,
        priced: PricedDocument,
        keys: tuple[str | None, ...],
        invoicing_policy: InvoicingPolicy,
        line_policies: LinePolicies | None,
        request: Request,
    ) -> Changed[SalesOrder]:
        """:meth:`confirm` of a content priced and checked, keyed by checked keys.

        ``priced`` passed :func:`~ordercore.documents._ordering.checked_content`'s checks
        (as an accepted quote's priced content did, when the quote was made), ``keys`` are
        one checked key (or ``None``) per line, distinct, and ``request`` is checked; the
        rest is checked here, before the order is made of it unchecked.
        """
        name = f"sales order {number}"
        policy = check_instance(invoicing_policy, InvoicingPolicy, "invoicing_policy")
        policies = [policy] * len(priced.lines)
        if line_policies is not None:
            if not isinstance(line_policies, Mapping):
                raise InvalidType(
                    line_policies,
                    expected="a mapping of line key or index to policy",
                    field="line_policies",
                )
            find = ordering.LineFinder([ordering.Key(key) for key in keys], name)
            for key, value in line_policies.items():
                index = find(key, "line_policies")
                policies[index] = check_instance(value, InvoicingPolicy, f"line_policies[{key!r}]")
        order = cls._opened(
            priced,
            id=fields.document_id(id),
            customer=fields.customer(customer),
            number=fields.number(number),
            lines=OrderLine._confirmed(priced, keys, policy=policies),
            down_payments=(),
        )
        return order._confirmation(request)

    # -- deliveries --------------------------------------------------------------------

    @exact
    def record_delivery(
        self, quantities: LineQuantities, *, request: Request
    ) -> Changed[SalesOrder]:
        """Record that ``quantities`` (line key or index -> quantity) were delivered.

        A line never delivers more than was ordered and not cancelled
        (:class:`~ordercore.errors.OverDelivery`).
        """
        return self._record_fulfilment(quantities, request)

    @exact
    def cancel_remaining(
        self, *, request: Request, lines: Iterable[int | str] | None = None
    ) -> Changed[SalesOrder]:
        """Cancel the back order of ``lines`` (all lines when ``None``).

        What a line cancels is what was ordered and neither delivered nor invoiced:
        units invoiced in advance stay (correct them with a credit note). The cancelled
        units take their share of the line's amount, and of the standalone allowances
        and charges, as if they had been invoiced: what remains is billed by the
        remaining invoices. An order cannot be cancelled down to less left to invoice than
        the down payments still to be deducted.
        """
        request = fields.request(request)
        step, rounding = self._rounding()
        order, cancelled = self._cancelled(lines)
        left = order._untaxed_left().values()
        if any(amount.quantize(step, rounding) < 0 for amount in left):
            outstanding = sum((record.open.amount for record in self.down_payments), _ZERO)
            raise DownPaymentsOutstanding(
                order=self._name, outstanding=Money(outstanding, self.priced.currency)
            )
        order = order._with_adjustments(self)
        event = RemainderCancelled(document_id=self.id, request=request, quantities=cancelled)
        return Changed(document=order, events=(event,))

    # -- invoicing ---------------------------------------------------------------------

    @exact
    def invoice_quantities(
        self, quantities: LineQuantities, *, invoice_id: str, request: Request
    ) -> Invoicing:
        """Invoice the chosen ``quantities`` (line key or index -> quantity).

        A chosen quantity may be anything still open on its line (ordered, and neither
        invoiced nor cancelled), whatever the line's policy: the policy is what
        :meth:`invoice_remaining` follows. More raises
        :class:`~ordercore.errors.OverInvoicing`.
        """
        wanted = self._wanted(quantities)
        ordering.check_open(self.lines, wanted, order=self._name, error=OverInvoicing)
        return self._invoice(wanted, invoice_id=invoice_id, request=request)

    @exact
    def invoice_delivered(self, *, invoice_id: str, request: Request) -> Invoicing:
        """Invoice everything delivered and not invoiced yet."""
        wanted = ordering.fulfilled_unbilled(self.lines)
        if not wanted:
            raise NothingRemains(
                order=self._name,
                operation="invoice what was delivered on",
                first=None if self.completed else "deliver more",
            )
        return self._invoice(wanted, invoice_id=invoice_id, request=request)

    @exact
    def invoice_remaining(self, *, invoice_id: str, request: Request) -> Invoicing:
        """Invoice all that remains, as each line's policy allows.

        An ``ORDERED`` line bills all that is open; a ``DELIVERED`` line bills what was
        delivered and not invoiced yet.
        """
        wanted = {
            index: line.invoiceable for index, line in enumerate(self.lines) if line.invoiceable > 0
        }
        if not wanted:
            raise NothingRemains(
                order=self._name,
                operation="invoice what remains of",
                first=None if self.completed else "deliver, or invoice chosen quantities",
            )
        return self._invoice(wanted, invoice_id=invoice_id, request=request)

    @exact
    def invoice_down_payment(
        self, down_payment: DownPayment, *, invoice_id: str, request: Request
    ) -> Invoicing:
        """Invoice a down payment; later invoices deduct it until it is deducted in full.

        The down payment is split over the order's sets of taxes in proportion to what each
        still has to invoice that earlier down payments do not already cover (untaxed for
        an ``UNTAXED`` base, with its taxes for a ``TOTAL`` base; largest remainder, so the
        parts sum to the stated amount exactly), each part a ``LineKind.SERVICE`` line with
        those taxes: added to it for an ``UNTAXED`` base, included in it for a ``TOTAL``
        base. It may not exceed the sum of those amounts
        (:class:`~ordercore.errors.OverInvoicing`, stated on the same base): later invoices
        of each set must be able to deduct its part.
        """
        request = fields.request(request)
        self._check_new(invoice_id)
        if not isinstance(down_payment, DownPayment):
            raise InvalidType(down_payment, expected="a DownPayment", field="down_payment")
        currency = self.priced.currency
        step, rounding = self._rounding()
        whole, taken = self._taken()
        if self.completed or taken >= whole:
            raise NothingRemains(order=self._name, operation="ask a down payment on")
        totals = self.priced.totals
        base = down_payment.base
        if down_payment.percent is not None:
            whole_base = (
                totals.tax_exclusive if base is DownPaymentBase.UNTAXED else totals.tax_inclusive
            )
            amount = (whole_base.amount * down_payment.percent / _HUNDRED).quantize(step, rounding)
            label = f"{down_payment.percent} %"
            if amount <= 0:
                raise InvalidDownPayment(
                    order=self._name,
                    reason=f"{label} comes to {amount}; nothing to ask for",
                    amount=Money(amount, currency),
                )
        else:
            fixed = Money.of(down_payment.amount or Money.zero(currency))
            if fixed.currency != currency:
                raise CurrencyMismatch(
                    fixed.currency.code, currency.code, operation="ask a down payment"
                )
            places = precision(currency)
            if decimal_places(fixed.amount) > places:
                raise InvalidNumber(
                    fixed.amount,
                    reason=f"{currency.code} amounts have {places} decimal places",
                    field="amount",
                )
            amount = fixed.amount
            label = f"of {fixed}"
        description = f"Down payment {label} on sales order {self.number}"
        sets = self._free_by_taxes(base)
        available = sum((free for _, free in sets), _ZERO)
        if amount > available:
            raise DownPaymentTooLarge(
                order=self._name,
                requested=Money(amount, currency),
                available=Money(max(available, _ZERO).quantize(step, "ROUND_DOWN"), currency),
            )
        shares = allocate(amount, [free for _, free in sets], step)
        parts = tuple(
            DownPaymentPart(taxes=taxes, amount=Money(share, currency))
            for (taxes, _), share in zip(sets, shares, strict=True)
            if share
        )
        invoice_lines = [
            Line(
                description=description
                + (
                    f" ({', '.join(t.label for t in part.taxes) or 'no tax'})"
                    if len(parts) > 1
                    else ""
                ),
                quantity=1,
                unit_price=part.amount,
                taxes=part.taxes,
                kind=LineKind.SERVICE,
            )
            for part in parts
        ]
        content = Document(currency=currency, items=invoice_lines, policy=self.priced.policy)
        invoice_priced = price(content)
        invoice_total = invoice_priced.before_cash_rounding
        record = DownPaymentRecord(
            invoice_id=invoice_id,
            description=description,
            base=base,
            amount=Money(amount, currency),
            total=invoice_total,
            parts=parts,
        )
        draft = DraftInvoice.create(
            id=invoice_id,
            customer=self.customer,
            content=content,
            sales_order=self.number,
            request=request,
            line_keys=ordering.document_keys((), len(content.lines)),  # it bills no order line
        )
        made = TakenFromOrder(
            document_id=draft.document.id,
            adjustments=tuple(Money.zero(currency) for _ in self.adjustments),
            total=invoice_total,
            tally=TaxTally.of(invoice_priced),
            down_payment=True,
        )
        order = self._recorded(made, down_payments=(*self.down_payments, record))
        event = DownPaymentInvoiced(
            document_id=self.id,
            request=request,
            invoice_id=draft.document.id,
            amount=record.amount,
            base=base,
            total=invoice_total,
        )
        return Invoicing(order=order, invoice=draft.document, events=(event, *draft.events))

    @exact
    def release_invoice(self, voided: VoidedInvoice, *, request: Request) -> Changed[SalesOrder]:
        """Give back what a voided draft invoice took of the order.

        The quantities it billed are open to invoice again, and the line amounts, the
        standalone allowances and charges and the down payment deductions it took are
        given back exactly, so the invoices still to come bill them. Voiding a down
        payment's own invoice withdraws the down payment, which later invoices must not
        have deducted yet (release them first). An issued invoice is not released: it is
        credited.
        """
        request = fields.request(request)
        if not isinstance(voided, VoidedInvoice):
            raise InvalidType(
                voided,
                expected="a VoidedInvoice (void the draft first; credit an issued invoice)",
                field="voided",
            )
        made = self._made_by(voided.id, voided.sales_order, f"invoice {voided.id!r}")
        order = self._released(made, then="release them first")
        event = InvoiceReleased(
            document_id=self.id,
            request=request,
            invoice_id=made.document_id,
            quantities=made.quantities,
        )
        return Changed(document=order, events=(event,))

    @exact
    def take_in_credit(
        self, invoice: IssuedInvoice, credit_note: CreditNote, *, request: Request
    ) -> Changed[SalesOrder]:
        """Give back to the order what a credit note of one of its invoices credited.

        An issued invoice is corrected by a credit note, and the order then invoices again
        (or cancels) what was credited:

        * a credit in full gives back all that the invoice took, as releasing a voided
          draft does (a down payment's invoice credited in full withdraws the down payment,
          if no later invoice deducted it yet);
        * a credit by lines gives back the credited quantities and amounts of the order's
          lines;
        * a credit by amount of a down payment's invoice gives back that much of the down
          payment that no invoice has deducted yet (a refund of an advance); a credit by
          amount of any other invoice is a price concession that takes back no quantity, so
          there is nothing to give back.

        A credit note the order cannot take back (those just named, a credit by lines of a
        down payment's invoice, or of a line that bills none of the order's, such as a
        rounding difference) raises :class:`~ordercore.errors.CreditNotTakenBack`: give
        the order to ``credit_lines``, ``credit_amount`` or ``credit_in_full``
        (``order=``), and such a credit note is refused before it is issued
        (:meth:`check_credit`). Each credit note is taken in once.
        """
        request = fields.request(request)
        made, order, quantities, withdrawn = self._taken_in(invoice, credit_note)
        event = CreditTakenIn(
            document_id=self.id,
            request=request,
            invoice_id=made.document_id,
            credit_note=credit_note.number,
            quantities=quantities,
            down_payment=withdrawn,
        )
        return Changed(document=order, events=(event,))

    @exact
    def check_credit(self, invoice: IssuedInvoice, credit_note: CreditNote) -> None:
        """Refuse a credit note of ``invoice`` that :meth:`take_in_credit` would refuse.

        The credit functions call it when they are given the order (``order=``), before
        the credit note is returned, so that no credit note is issued that its order
        cannot take back: :class:`~ordercore.errors.CreditNotTakenBack`, or
        :class:`~ordercore.errors.NotFromThisOrder` for an invoice of another order. It
        changes nothing.
        """
        self._taken_in(invoice, credit_note)

    # -- the machinery -----------------------------------------------------------------

    def _taken_in(
        self, invoice: IssuedInvoice, credit_note: CreditNote
    ) -> tuple[TakenFromOrder, SalesOrder, tuple[tuple[int, Decimal], ...], Decimal]:
        """What the invoice took, the order with the credit taken in, quantities, withdrawn."""
        if not isinstance(invoice, IssuedInvoice):
            raise InvalidType(invoice, expected="an IssuedInvoice", field="invoice")
        if not isinstance(credit_note, CreditNote):
            raise InvalidType(credit_note, expected="a CreditNote", field="credit_note")
        made = self._made_by(invoice.id, invoice.sales_order, f"invoice {invoice.number}")
        self._check_credit(made, invoice.number, credit_note)

        def refuse(reason: str, **amounts: object) -> CreditNotTakenBack:
            return CreditNotTakenBack(
                order=self._name,
                invoice=invoice.number,
                credit_note=credit_note.number,
                reason=reason,
                **amounts,
            )

        withdrawn = _ZERO
        if credit_note.in_full:
            if made.down_payment:
                record = self._down_payment(made)
                withdrawn = record.amount.amount
                if any(part.deducted.amount for part in record.parts):
                    raise refuse(
                        "later invoices deducted the down payment it would withdraw; credit "
                        "them first, or refund by amount what is still open",
                        requested=Money(withdrawn, self.priced.currency),
                        remaining=record.open,
                    )
            order = self._released(made, then="credit them first")
            quantities = made.quantities
        elif credit_note.by_amount is not None:
            if not made.down_payment:
                raise refuse(
                    "it credits an amount of an invoice that billed no down payment, not "
                    "quantities: a price concession, which gives nothing back to the order"
                )
            order, withdrawn = self._refund_down_payment(made, credit_note, refuse)
            quantities = ()
        else:
            uncovered = [c.index for c in credit_note.credited if c.index >= len(made.lines)]
            if uncovered:
                what = "a down payment" if made.down_payment else "none of the order's lines"
                raise refuse(
                    f"it credits line {uncovered[0]} of the invoice, which bills {what}; "
                    + (
                        "refund a down payment by amount, or credit it in full"
                        if made.down_payment
                        else "credit the lines that bill the order, or the invoice in full"
                    )
                )
            order, quantities = self._credited(made, credit_note, invoice.number)
        return made, order, quantities, withdrawn

    def _down_payment(self, made: TakenFromOrder) -> DownPaymentRecord:
        return next(r for r in self.down_payments if r.invoice_id == made.document_id)

    def _released(self, made: TakenFromOrder, *, then: str) -> SalesOrder:
        """The order without anything ``made`` took, as if it had never been invoiced."""
        records = list(self.down_payments)
        if made.down_payment:
            record = next(r for r in records if r.invoice_id == made.document_id)
            if any(part.deducted.amount for part in record.parts):
                raise DownPaymentDeducted(order=self._name, invoice=made.document_id, first=then)
            records.remove(record)
        for deduction in made.deductions:
            at = next(i for i, r in enumerate(records) if r.invoice_id == deduction.down_payment)
            parts = list(records[at].parts)
            number = deduction.part
            parts[number] = attrs.evolve(
                parts[number], deducted=parts[number].deducted - deduction.amount
            )
            records[at] = attrs.evolve(records[at], parts=tuple(parts))
        return self._given_back(made, down_payments=tuple(records))

    def _refund_down_payment(
        self,
        made: TakenFromOrder,
        note: CreditNote,
        refuse: Callable[..., CreditNotTakenBack],
    ) -> tuple[SalesOrder, Decimal]:
        """The order with the part of a down payment a credit by amount refunded withdrawn."""
        record = self._down_payment(made)
        parts = list(record.parts)
        withdrawn = _ZERO
        for line in note.priced.lines:
            key = plain_taxes(line.line.taxes)
            at = next(
                (i for i, part in enumerate(parts) if plain_taxes(part.taxes) == key),
                None,
            )
            stated = (
                line.net.amount if record.base is DownPaymentBase.UNTAXED else line.stated.amount
            )
            if at is None or stated > parts[at].open.amount:
                labels = ", ".join(t.label for t in key) or "no tax"
                raise refuse(
                    f"it refunds {stated} of the down payment with {labels}, more than no "
                    "invoice has deducted yet; credit only what is still open",
                    requested=Money(stated, self.priced.currency),
                    remaining=Money(
                        parts[at].open.amount if at is not None else _ZERO, self.priced.currency
                    ),
                )
            parts[at] = attrs.evolve(
                parts[at], amount=Money(parts[at].amount.amount - stated, self.priced.currency)
            )
            withdrawn += stated
        tally = TaxTally.of(note.priced)
        total = note.priced.before_cash_rounding
        kept = attrs.evolve(
            made,
            total=made.total - total,
            tally=made.tally.plus(tally, sign=-1),
            credit_notes=(*made.credit_notes, note.number),
        )
        records = tuple(
            attrs.evolve(
                r, parts=tuple(parts), amount=r.amount - Money(withdrawn, r.amount.currency)
            )
            if r is record
            else r
            for r in self.down_payments
        )
        order = attrs.evolve(
            self,
            down_payments=records,
            invoices=tuple(kept if m is made else m for m in self.invoices),
            billed=self.billed - total,
            billed_by_tax=self.billed_by_tax.plus(tally, sign=-1),
            version=self.version + 1,
        )
        return order, withdrawn

    def _rounding(self) -> tuple[Decimal, str]:
        return ordering.rounding(self.priced)

    def _taken(self) -> tuple[Decimal, Decimal]:
        """The sum of the line amounts, and how much of it invoices and cancellations took."""
        whole = sum((line.amount.amount for line in self.lines), _ZERO)
        taken = sum((line.taken.amount for line in self.lines), _ZERO)
        return whole, taken

    def _taken_by_taxes(self) -> dict[tuple[Tax, ...], tuple[Decimal, Decimal]]:
        """The sum of the line amounts, and how much of it is taken, by set of taxes.

        The sets are the taxes as an untaxed down payment line takes them.
        """
        result: dict[tuple[Tax, ...], tuple[Decimal, Decimal]] = {}
        for priced_line, line in zip(self.priced.lines, self.lines, strict=True):
            key = plain_taxes(priced_line.line.taxes)
            whole, taken = result.get(key, (_ZERO, _ZERO))
            result[key] = (whole + line.amount.amount, taken + line.taken.amount)
        return result

    def _untaxed_to_invoice(self) -> dict[tuple[Tax, ...], Decimal]:
        """The untaxed amount still to invoice, by set of taxes.

        The sets are the taxes as an untaxed down payment line takes them.
        """
        left: dict[tuple[Tax, ...], Decimal] = {}
        for priced_line, line in zip(self.priced.lines, self.lines, strict=True):
            key = plain_taxes(priced_line.line.taxes)
            untaken = (
                priced_line.net.amount * line.untaken.amount / line.amount.amount
                if line.amount.amount
                else _ZERO
            )
            left[key] = left.get(key, _ZERO) + untaken
        whole, taken = self._taken()
        fraction = (whole - taken) / whole if whole else _ZERO
        for entry in standalone(self.priced):
            key = plain_taxes(entry.adjustment.taxes)
            left[key] = left.get(key, _ZERO) + entry.effect.amount * fraction
        return left

    def _untaxed_left(self) -> dict[tuple[Tax, ...], Decimal]:
        """What :meth:`_untaxed_to_invoice` gives, less the down payments still to deduct."""
        left = self._untaxed_to_invoice()
        for record in self.down_payments:
            for part in record.parts:
                if part.open.amount:
                    key = plain_taxes(part.taxes)
                    left[key] = left.get(key, _ZERO) - self._untaxed(part.open.amount, part.taxes)
        return left

    def _free_by_taxes(self, base: DownPaymentBase) -> list[tuple[tuple[Tax, ...], Decimal]]:
        """What each set of taxes can still carry of a down payment on ``base``.

        The sets are the taxes as a down payment line on ``base`` takes them; each comes
        with what is left to invoice of it (untaxed, or with its taxes for a ``TOTAL``
        base) that no down payment is waiting to be deducted from. A set invoiced in full,
        or already covered by down payments, takes no part of a new one: no later invoice
        could deduct it.
        """
        to_invoice = self._untaxed_to_invoice()
        if any(amount < 0 for amount in to_invoice.values()) or sum(to_invoice.values()) <= 0:
            raise InvalidDownPayment(
                order=self._name,
                reason="the order's untaxed amounts by tax cannot carry one (one is negative, "
                "or they come to nothing)",
            )
        step, rounding = self._rounding()
        result = []
        for key, untaxed in self._untaxed_left().items():
            free = max(untaxed, _ZERO).quantize(step, rounding)
            if free and base is DownPaymentBase.TOTAL:
                taxes = _down_payment_taxes(key, base)
                result.append((taxes, self._with_taxes(free, key)))
            elif free:
                result.append((key, free))
        return result

    def _untaxed(self, amount: Decimal, taxes: tuple[Tax, ...]) -> Decimal:
        """The untaxed part of a down payment ``amount`` with ``taxes`` (included or not)."""
        if not any(tax.included for tax in taxes):
            return amount
        return self._price_one(amount, taxes).totals.tax_exclusive.amount

    def _with_taxes(self, amount: Decimal, taxes: tuple[Tax, ...]) -> Decimal:
        """An untaxed ``amount`` with ``taxes`` (none of them included) added."""
        return self._price_one(amount, taxes).totals.tax_inclusive.amount

    def _price_one(self, amount: Decimal, taxes: tuple[Tax, ...]) -> PricedDocument:
        line = Line(
            description="down payment",
            quantity=1,
            unit_price=Money(amount, self.priced.currency),
            taxes=taxes,
            kind=LineKind.SERVICE,
        )
        return price(
            Document(currency=self.priced.currency, items=[line], policy=self.priced.policy)
        )

    def _invoice(
        self, wanted: Mapping[int, Decimal], *, invoice_id: str, request: Request
    ) -> Invoicing:
        """Bill ``wanted`` (checked) quantities: the one way an invoice is made from lines."""
        request = fields.request(request)
        self._check_new(invoice_id)
        currency = self.priced.currency
        # Standalone allowances and charges go in proportion to the line amounts taken.
        order, shares, invoice_lines, adjustments, alone = self._billing(wanted)
        # Down payments, in proportion to what is taken of the rest of their lines.
        records = []
        deductions: list[Deduction] = []
        if self.down_payments:  # order-wide sums, only where a down payment needs them
            whole, before = self._taken()
            after = order._taken()[1]
            progress = (self._taken_by_taxes(), order._taken_by_taxes())
        for record in self.down_payments:
            parts = []
            for number, part in enumerate(record.parts):
                # lines with the part's taxes, or all lines if only an adjustment had them
                key = plain_taxes(part.taxes)
                part_whole, part_before = progress[0].get(key, (whole, before))
                part_after = progress[1].get(key, (whole, after))[1]
                piece = ordering.rest_share(
                    part.open.amount,
                    part_after - part_before,
                    part_whole - part_before,
                    completed=order.completed,
                    priced=self.priced,
                )
                if piece:
                    invoice_lines.append(
                        Line(
                            description=f"Down payment settled (invoice {record.invoice_id})",
                            quantity=-1,
                            unit_price=Money(piece, currency),
                            taxes=part.taxes,
                            kind=LineKind.SERVICE,
                        )
                    )
                    deductions.append(
                        Deduction(
                            down_payment=record.invoice_id,
                            part=number,
                            amount=Money(piece, currency),
                        )
                    )
                parts.append(
                    attrs.evolve(part, deducted=Money(part.deducted.amount + piece, currency))
                )
            records.append(attrs.evolve(record, parts=tuple(parts)))
        priced = self._content(order, invoice_lines, adjustments, alone)
        draft = DraftInvoice._of_order(
            id=invoice_id,
            party=self.customer,
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
            deductions=tuple(deductions),
        )
        order = order._recorded(made, adjustments=adjustments, down_payments=tuple(records))
        event = InvoicedFromOrder(
            document_id=self.id,
            request=request,
            invoice_id=draft.document.id,
            quantities=tuple(wanted.items()),
            amount=made.total,
            completing=order.completed,
        )
        return Invoicing(order=order, invoice=draft.document, events=(event, *draft.events))


def _down_payment_taxes(taxes: tuple[Tax, ...], base: DownPaymentBase) -> tuple[Tax, ...]:
    """A line's taxes as a down payment line takes them: no per-unit tax, included or not."""
    included = base is DownPaymentBase.TOTAL
    result = []
    for tax in taxes:
        if tax.kind is TaxKind.PER_UNIT:
            continue  # a down payment has no units
        if included and (tax.compound or tax.withholding):
            raise InvalidDownPayment(
                reason=f"the tax {tax} is compound or withheld, which a down payment stated on "
                "the total does not back out; state it on the untaxed amount "
                "(DownPaymentBase.UNTAXED)"
            )
        result.append(tax if tax.included == included else attrs.evolve(tax, included=included))
    return tuple(result)
