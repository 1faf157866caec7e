"""Converters for the fields that every document shares (private)."""

from __future__ import annotations

import datetime as dt

from ordercore._convert import to_text
from ordercore.errors import InvalidDocument, InvalidType
from ordercore.events import Request
from ordercore.pricing.document import Document
from ordercore.pricing.engine import price
from ordercore.pricing.results import PricedDocument


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


def version(value: object) -> int:
    """A version number, from 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidType(value, expected="a version number of at least 1", field="version")
    return value


def date(value: object, field: str) -> dt.date:
    """A calendar date (a ``datetime.date``, not a ``datetime``)."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidType(value, expected="a datetime.date", field=field)
    return value


def issue_date(value: object) -> dt.date:
    """The date a document is issued on."""
    return date(value, "issue_date")


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


def issue_terms(
    content: Document, issue_date: object, due_date: object, *, what: str
) -> tuple[dt.date, dt.date | None, PricedDocument]:
    """Check an issue's dates and lines, and price the content one last time.

    Every document that is issued (an invoice, a supplier's bill) takes these same steps,
    all before anything is returned.
    """
    issued_on = date(issue_date, "issue_date")
    due_on = None if due_date is None else date(due_date, "due_date")
    if due_on is not None and due_on < issued_on:
        raise InvalidDocument(f"the due date {due_on} is before the issue date {issued_on}")
    if not content.lines:
        raise InvalidDocument(f"{what} has no lines to bill")
    return issued_on, due_on, price(content)


def request(value: object) -> Request:
    """The request that asks for a change."""
    if not isinstance(value, Request):
        raise InvalidType(value, expected="a Request", field="request")
    return value
