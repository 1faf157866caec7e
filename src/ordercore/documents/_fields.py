"""Converters for the fields that every document shares (private)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from ordercore._convert import to_text, to_tuple
from ordercore.errors import (
    CurrencyMismatch,
    DocumentWithoutLines,
    DraftMadeFromOrder,
    DueBeforeIssue,
    DueDateAndTerm,
    DuplicateLineKey,
    InstallmentsDoNotPay,
    InstallmentsOutOfDates,
    InvalidType,
)
from ordercore.events import Request
from ordercore.money.amount import Money
from ordercore.pricing.document import Document
from ordercore.pricing.engine import price
from ordercore.pricing.results import PricedDocument
from ordercore.pricing.taxes import TaxKind
from ordercore.settlement.discounts import AmountBreakdown
from ordercore.settlement.terms import PaymentTerm, ScheduledInstallment


def document_id(value: object) -> str:
    """A document's id: a non-empty string."""
    return to_text(value, "id")


def customer(value: object) -> str:
    """The customer's id: a non-empty string."""
    return to_text(value, "customer")


def supplier(value: object) -> str:
    """The supplier's id: a non-empty string."""
    return to_text(value, "supplier")


def number(value: object) -> str:
    """A document number: a non-empty string."""
    return to_text(value, "number")


def reason(value: object) -> str:
    """A reason given for a change: a non-empty string."""
    return to_text(value, "reason")


def order_number(value: object, field: str) -> str | None:
    """The number of the order a document was made from, if any: a non-empty string."""
    return None if value is None else to_text(value, field)


def line_keys(value: object) -> tuple[str | None, ...]:
    """The keys of a document's lines: one per line (``None`` for a line without), or none.

    Each key is a non-empty string or ``None``; a key names one line only
    (:class:`~ordercore.errors.DuplicateLineKey`). How many there must be is checked
    against the lines by :func:`check_line_keys`.
    """
    if not isinstance(value, list | tuple):
        raise InvalidType(
            value, expected="a sequence of line keys (str or None), one per line", field="line_keys"
        )
    keys = tuple(
        None if key is None else to_text(key, f"line_keys[{index}]")
        for index, key in enumerate(value)
    )
    seen: set[str] = set()
    for key in keys:
        if key is not None:
            if key in seen:
                raise DuplicateLineKey(key, document="the document")
            seen.add(key)
    return keys


def check_line_keys(keys: tuple[str | None, ...], count: int, document: str) -> None:
    """Refuse ``keys`` of ``document`` that are not one per line of its ``count`` lines.

    No keys at all is a document whose lines carry none (not made from an order).
    """
    if keys and len(keys) != count:
        raise InvalidType(
            keys,
            expected=f"one line key (or None) for each of the {count} lines of {document}, or none",
            field="line_keys",
        )


def content(value: object) -> Document:
    """The content a document bills: a pricing document."""
    if not isinstance(value, Document):
        raise InvalidType(value, expected="a pricing Document", field="content")
    return value


def check_revisable(draft: str, made_from: str | None, *, order: str, again: str) -> None:
    """Refuse to revise ``draft`` (such as ``"draft bill 'b-1'"``) made from an order.

    A draft made from an order (``order`` says which kind, ``made_from`` its number) bills
    what the order recorded for it; changing the draft alone would leave that record
    behind. The way to change it is to void it, release it on the order, and bill the
    order ``again`` (``"invoice"``, ``"bill"``).
    """
    if made_from is not None:
        raise DraftMadeFromOrder(document=draft, order=f"{order} {made_from}", again=again)


#: The highest version and index a record holds (an int of at most 63 bits, as storage has).
MAX_COUNT = 2**63 - 1


def version(value: object) -> int:
    """A version number, from 1 (to :data:`MAX_COUNT`)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
        raise InvalidType(value, expected="a version number from 1 to 2**63 - 1", field="version")
    return value


def date(value: object, field: str) -> dt.date:
    """A calendar date (a ``datetime.date``, not a ``datetime``)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidType(value, expected="a datetime.date", field=field)
    return value


def issue_date(value: object) -> dt.date:
    """The date a document is issued on."""
    return date(value, "issue_date")


def due_date(value: object) -> dt.date | None:
    """The date an issued document's amount falls due, if it states one."""
    return None if value is None else date(value, "due_date")


def priced(value: object) -> PricedDocument:
    """The priced document a document keeps."""
    if not isinstance(value, PricedDocument):
        raise InvalidType(value, expected="a PricedDocument", field="priced")
    return value


class PricedView:
    """What every document that keeps its priced content reads from it (a mixin)."""

    __slots__ = ()
    priced: PricedDocument

    @property
    def content(self) -> Document:
        """The document as it was priced (billed, ordered or credited)."""
        return self.priced.document

    @property
    def currency(self) -> str:
        """The document's currency code."""
        return str(self.priced.currency.code)


class Issue(NamedTuple):
    """What issuing a document settles: its dates, its installments and its priced content."""

    issue_date: dt.date
    due_date: dt.date | None
    installments: tuple[ScheduledInstallment, ...]
    priced: PricedDocument


def issue_terms(
    content: Document, issue_date: object, due_date: object, payment_term: object, *, what: str
) -> Issue:
    """Check an issue's dates and lines, price the content one last time, and schedule it.

    Every document that is issued (an invoice, a supplier's bill) takes these same steps,
    all before anything is returned. A ``payment_term`` schedules the amount due in its
    installments, and the due date is the latest of theirs; it cannot come with a
    ``due_date`` of its own.
    """
    issued_on = date(issue_date, "issue_date")
    due_on = None if due_date is None else date(due_date, "due_date")
    if payment_term is not None and not isinstance(payment_term, PaymentTerm):
        raise InvalidType(payment_term, expected="a PaymentTerm or None", field="payment_term")
    if due_on is not None and payment_term is not None:
        raise DueDateAndTerm(document=what, due_date=due_on, payment_term=payment_term.name)
    if due_on is not None and due_on < issued_on:
        raise DueBeforeIssue(due_date=due_on, issue_date=issued_on)
    if not content.lines:
        raise DocumentWithoutLines(document=what, reason=f"{what} has no lines to bill; add a line")
    priced = price(content)
    if payment_term is None:
        return Issue(issued_on, due_on, (), priced)
    installments = payment_term.schedule(
        priced.totals.amount_due,
        issued_on,
        rounding=priced.policy.rounding,
        breakdown=breakdown(priced) if _discounted(payment_term) else None,
    )
    return Issue(issued_on, latest_due_date(installments), installments, priced)


def _discounted(term: PaymentTerm) -> bool:
    """Whether ``term`` has an early-payment discount: each is then split over the taxes."""
    return any(part.discount is not None for part in term.installments)


def breakdown(priced: PricedDocument) -> AmountBreakdown:
    """What a document's amount due is made of: untaxed, taxes on a base, per-unit taxes.

    Cash rounding and a prepaid amount count with the untaxed part (neither carries a
    tax), so the three parts sum to the amount due, which a payment term schedules.
    """
    totals = priced.totals
    currency = priced.currency
    rated = fixed = Decimal(0)
    for row in priced.tax_breakdown:
        if row.tax.kind is TaxKind.PER_UNIT:
            fixed += row.amount.amount
        else:
            rated += row.amount.amount
    untaxed = totals.amount_due.amount - rated - fixed
    return AmountBreakdown(
        untaxed=Money(untaxed, currency),
        taxes=Money(rated, currency),
        fixed_taxes=Money(fixed, currency) if fixed else None,
    )


def latest_due_date(installments: tuple[ScheduledInstallment, ...]) -> dt.date:
    """The date the last of ``installments`` falls due."""
    return max(installment.due_date for installment in installments)


def installments(value: object) -> tuple[ScheduledInstallment, ...]:
    """The installments an issued document's amount due is paid in (none without a term)."""
    return to_tuple(value, ScheduledInstallment, "installments")


def check_installments(
    scheduled: tuple[ScheduledInstallment, ...],
    total: Money,
    *,
    issue_date: dt.date,
    due_date: dt.date | None,
) -> None:
    """Check that a document's installments pay its total exactly, between its two dates."""
    if not scheduled:
        return
    first = min(installment.due_date for installment in scheduled)
    last = latest_due_date(scheduled)
    dates = InstallmentsOutOfDates(
        issue_date=issue_date, due_date=due_date, first_due=first, last_due=last
    )
    if first < issue_date:
        raise dates
    for installment in scheduled:
        if installment.amount.currency != total.currency:
            raise CurrencyMismatch(
                total.currency.code, installment.amount.currency.code, operation="schedule"
            )
    paid = sum((installment.amount for installment in scheduled), Money.zero(total.currency))
    if paid != total:
        raise InstallmentsDoNotPay(scheduled=paid, amount_due=total)
    if due_date != last:
        raise dates


def request(value: object) -> Request:
    """The request that asks for a change."""
    if not isinstance(value, Request):
        raise InvalidType(value, expected="a Request", field="request")
    return value
