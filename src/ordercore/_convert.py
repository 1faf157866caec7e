"""Checks shared by the converters of the frozen value classes (private).

Each value class defines small named converter functions on top of these, so that
static type checkers can follow them. The records the library derives from records it
checked are made here without checking again (:func:`derived`, :func:`unchecked`), and
so are the records a pickle brings back (:func:`pickled_as_tuple`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import moneyed

from ordercore._codes import check_text
from ordercore.errors import InvalidData, InvalidType
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


# -- records pickled as the tuple of their fields -----------------------------------------

C = TypeVar("C", bound=type)


def pickled_as_tuple(cls: C) -> C:
    """Pickle the slotted attrs class ``cls`` as the tuple of its fields' values (a decorator).

    attrs pickles a slotted class as a dict of field names to values and restores it name
    by name through ``object.__setattr__``. A record is checked when it is made, so a
    pickle may bring it back as it was, each value straight into its slot: the state is
    the tuple of every field's value (those with ``init=False``, computed from the others,
    included), in field order, and a hash computed once (``cache_hash``) is computed again
    after. That is what crosses a process pool's boundary in a bill run (a chunk sent, its
    invoices back): in fewer bytes and less time (docs/performance.md, "Bill runs").

    A state of another shape (a pickle of another version of ordercore, whose fields
    differ) raises :class:`~ordercore.errors.InvalidData` rather than make a broken
    record; attrs' dict of the same fields, what a pickle made before this one holds, is
    read too. Apply it above ``@attrs.frozen``; a subclass gets attrs' own pickling
    unless it is given this one too.
    """
    names = tuple(field.name for field in attrs.fields(cls))
    count = len(names)
    setters = [getattr(cls, name).__set__ for name in names]
    # the one slot attrs adds beside the fields and __weakref__: the hash of a class with
    # cache_hash=True, computed once, pickled never (None: to compute again)
    extra = [
        name
        for base in cls.__mro__
        for name in base.__dict__.get("__slots__", ())
        if name not in names and name != "__weakref__"
    ]
    values = operator.attrgetter(*names)
    if count == 1:

        def getstate(self: object) -> tuple[object, ...]:
            return (values(self),)
    else:

        def getstate(self: object) -> tuple[object, ...]:
            return values(self)

    def other(self: object, state: object) -> None:
        # attrs' dict of the same fields, or a shape that is not this class's
        if isinstance(state, dict) and set(state) == set(names):
            for name, put in zip(names, setters, strict=True):
                put(self, state[name])
            for name in extra:
                getattr(cls, name).__set__(self, None)
            return
        raise InvalidData(
            cls.__qualname__,
            f"a pickled {cls.__qualname__} holds the {count} values of its fields "
            f"({', '.join(names)}), not {_excerpt(state)}: it was pickled by another "
            "version of ordercore; unpickle it with that version",
        )

    # One assignment per slot, written out: faster than a loop over the setters, and
    # the code is made of the class's own field count only (no outside text reaches it).
    unpack = "".join(f"v{index}, " for index in range(count))
    body = "".join(f"    s{index}(self, v{index})\n" for index in range(count))
    source = (
        "def __setstate__(self, state):\n"
        f"    if type(state) is not tuple or len(state) != {count}:\n"
        "        return other(self, state)\n"
        f"    {unpack}= state\n{body}"
        + "".join(f"    h{index}(self, None)\n" for index in range(len(extra)))
    )
    scope: dict[str, Any] = {f"s{index}": put for index, put in enumerate(setters)}
    scope["other"] = other
    scope.update({f"h{index}": getattr(cls, name).__set__ for index, name in enumerate(extra)})
    exec(source, scope)  # noqa: S102 (generated from a count, as attrs generates __init__)
    setstate = scope["__setstate__"]
    for name, method in (("__getstate__", getstate), ("__setstate__", setstate)):
        method.__name__ = name
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        method.__module__ = cls.__module__
        setattr(cls, name, method)
    return cls


def _excerpt(state: object) -> str:
    if isinstance(state, tuple):
        return f"a tuple of {len(state)}"
    if isinstance(state, dict):
        return f"a dict of the fields {', '.join(sorted(map(str, state)))}"
    return f"a {type(state).__name__}"
