"""The checks every outbox makes of what it is given, whatever stores the messages."""

from __future__ import annotations

from collections.abc import Iterable

from ordercore.errors import InvalidType, NumberOutOfRange
from ordercore.events import Event

#: The most messages one call of ``Outbox.pending`` returns.
MAX_LIMIT = 10_000


def events_given(events: object) -> list[Event]:
    """``events`` as a list, each checked to be an ordercore event."""
    if isinstance(events, (str, bytes)) or not isinstance(events, Iterable):
        raise InvalidType(events, expected="an iterable of events", field="events")
    added = list(events)
    for event in added:
        if not isinstance(event, Event):
            raise InvalidType(event, expected="an ordercore Event", field="events")
    return added


def limit_given(limit: object) -> int:
    """``limit``, checked to be an int from 1 to :data:`MAX_LIMIT`."""
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise InvalidType(limit, expected="an int", field="limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise NumberOutOfRange(
            limit, limit=MAX_LIMIT, reason=f"must be from 1 to {MAX_LIMIT}", field="limit"
        )
    return limit


def ids_given(ids: object) -> list[int]:
    """``ids`` as a list, each checked to be a message id (an int)."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise InvalidType(ids, expected="an iterable of message ids", field="ids")
    marked = list(ids)
    for message in marked:
        if isinstance(message, bool) or not isinstance(message, int):
            raise InvalidType(message, expected="a message id (int)", field="ids")
    return marked
