"""Domain events: what happened to a document, when, and at whose request.

Every state change in ordercore returns the new, immutable document together with the
events it caused. An event says what happened (its type), to which document, and carries
the :class:`Request` that caused it: the idempotency key, the business date and the time,
all given by the caller (ordercore reads no clock). A host stores the events as its audit
trail; a repository uses the idempotency key to answer a repeated request with the first
result instead of changing anything twice.

>>> import datetime as dt
>>> request = Request(
...     key="req-42", at=dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC),
...     business_date=dt.date(2026, 11, 23), by="alice",
... )
>>> request.key, request.business_date, request.by
('req-42', datetime.date(2026, 11, 23), 'alice')
>>> Request(key="req-43", at=dt.datetime(2026, 11, 23, 9, 30), business_date=dt.date(2026, 11, 23))
Traceback (most recent call last):
...
ordercore.errors.InvalidType: at: expected a timezone-aware datetime, such as datetime.now(UTC), got datetime ...
"""

from __future__ import annotations

import datetime as dt

import attrs

from ordercore._convert import pickled_as_tuple, to_optional_text, to_text
from ordercore.errors import InvalidType

__all__ = ["Event", "Request"]


def _key(value: object) -> str:
    return to_text(value, "key")


def _by(value: object) -> str | None:
    return to_optional_text(value, "by")


def _at(value: object) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidType(
            value, expected="a timezone-aware datetime, such as datetime.now(UTC)", field="at"
        )
    return value


def _business_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidType(value, expected="a datetime.date", field="business_date")
    return value


@pickled_as_tuple
@attrs.frozen(kw_only=True)
class Request:
    """A request to change a document: its idempotency key, when, for which business day, by whom.

    ``at`` is the moment the request was made (timezone-aware); ``business_date`` is the
    day it counts for in the books (an invoice issued after midnight for yesterday's
    deliveries, say). Both are given by the caller.
    """

    key: str = attrs.field(converter=_key)
    at: dt.datetime = attrs.field(converter=_at)
    business_date: dt.date = attrs.field(converter=_business_date)
    by: str | None = attrs.field(default=None, converter=_by)


def _document_id(value: object) -> str:
    return to_text(value, "document_id")


def _request(value: object) -> Request:
    if not isinstance(value, Request):
        raise InvalidType(value, expected="a Request", field="request")
    return value


@attrs.frozen(kw_only=True)
class Event:
    """Something that happened to a document; subclasses say what, and add their facts."""

    document_id: str = attrs.field(converter=_document_id)
    request: Request = attrs.field(converter=_request)

    @property
    def name(self) -> str:
        """The event's type, such as ``InvoiceIssued``."""
        return type(self).__name__
