"""Checks shared by the converters of the frozen value classes (private).

Each value class defines small named converter functions on top of these, so that
static type checkers can follow them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import moneyed

from ordercore._codes import check_text
from ordercore.errors import InvalidType
from ordercore.money.amount import Money
from ordercore.money.currency import get_currency

T = TypeVar("T")


def to_tuple(value: object, kind: type | tuple[type, ...], field: str) -> tuple[Any, ...]:
    """Accept a list or tuple whose items are all of ``kind``; return it as a tuple."""
    if not isinstance(value, (list, tuple)):
        raise InvalidType(value, expected=f"a list or tuple of {_names(kind)}", field=field)
    for item in value:
        if not isinstance(item, kind):
            index = next(i for i, each in enumerate(value) if each is item)
            raise InvalidType(item, expected=_names(kind), field=f"{field}[{index}]")
    return tuple(value)


def _names(kind: type | tuple[type, ...]) -> str:
    return kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)


def to_text(value: object, field: str) -> str:
    """Accept a non-empty string of valid text (see :func:`~ordercore._codes.check_text`)."""
    if not isinstance(value, str):
        raise InvalidType(value, expected="a non-empty string", field=field)
    check_text(value, field)
    if not value.strip():
        raise InvalidType(value, expected="a non-empty string", field=field)
    return value


def to_optional_text(value: object, field: str) -> str | None:
    """Accept ``None`` or a string of valid text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidType(value, expected="a string or None", field=field)
    return check_text(value, field)


def to_money(value: object, field: str) -> Money:
    """Require a ``Money`` (any ``moneyed.Money`` is checked and accepted)."""
    if not isinstance(value, moneyed.Money):
        raise InvalidType(value, expected="a Money, such as Money('9.90', 'EUR')", field=field)
    return Money.of(value)


def check_instance(value: object, kind: type[T], field: str) -> T:
    """Require an instance of ``kind`` (enums and other value objects)."""
    if not isinstance(value, kind):
        raise InvalidType(value, expected=kind.__name__, field=field)
    return value


def optional_reason(value: object) -> str | None:
    """Converter for the optional ``reason`` text of discounts and taxes."""
    return to_optional_text(value, "reason")


def optional_currency(value: object) -> moneyed.Currency | None:
    """Converter for the optional currency of a fixed discount or per-unit tax."""
    return None if value is None else get_currency(value)


# -- records the library derives from records it checked --------------------------------

R = TypeVar("R")

#: The fields of each record class, with the setter of each field's slot: the cheapest way
#: past the frozen ``__setattr__`` (about a third of the cost of ``object.__setattr__``).
_SLOTS: dict[type, tuple[tuple[str, Callable[[object, object], None]], ...]] = {}


def slots_of(cls: type) -> tuple[tuple[str, Callable[[object, object], None]], ...]:
    """Each field of the attrs class ``cls`` with the setter of its slot, in field order."""
    slots = _SLOTS.get(cls)
    if slots is None:
        slots = _SLOTS[cls] = tuple(
            (field.name, getattr(cls, field.name).__set__) for field in attrs.fields(cls)
        )
    return slots


def derived(record: R, /, **changes: object) -> R:
    """``record`` with ``changes``, not checked again (private to ordercore).

    For the steps that move a record on by values they checked (a quantity billed within
    what is open, a subscription's next version): the result is what the record's own
    constructor would make of the same values, without converting every field again.
    The record class is a slotted attrs class whose checks the changes pass.
    """
    cls = type(record)
    new = object.__new__(cls)
    for name, put in _SLOTS.get(cls) or slots_of(cls):
        put(new, changes[name] if name in changes else getattr(record, name))
    return new


def unchecked(cls: type[R], /, **values: object) -> R:
    """A record of ``cls`` of ``values`` the library checked already (private, as :func:`derived`).

    Every field is given, each what the constructor would have stored for it.
    """
    new = object.__new__(cls)
    for name, put in _SLOTS.get(cls) or slots_of(cls):
        put(new, values[name])
    return new
