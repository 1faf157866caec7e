"""Converters for the fields that every document shares (private)."""

from __future__ import annotations

import datetime as dt

from ordercore._convert import to_text
from ordercore.errors import InvalidType
from ordercore.events import Request
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


def request(value: object) -> Request:
    """The request that asks for a change."""
    if not isinstance(value, Request):
        raise InvalidType(value, expected="a Request", field="request")
    return value
