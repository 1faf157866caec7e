"""Converters and validators shared by the frozen value classes (private)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import moneyed

from ordercore.errors import InvalidType
from ordercore.money.amount import Money

T = TypeVar("T")


def tuple_of(kind: type[T] | tuple[type, ...], field: str) -> Callable[[object], tuple[Any, ...]]:
    """Return a converter that accepts a list or tuple whose items are all of ``kind``."""
    names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)

    def convert(value: object) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise InvalidType(value, expected=f"a list or tuple of {names}", field=field)
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise InvalidType(item, expected=names, field=f"{field}[{index}]")
        return tuple(value)

    return convert


def text(field: str, *, optional: bool = False) -> Callable[[object], Any]:
    """Return a converter for a (non-empty, unless optional) string."""

    def convert(value: object) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise InvalidType(value, expected="a string", field=field)
        if not optional and not value.strip():
            raise InvalidType(value, expected="a non-empty string", field=field)
        return value

    return convert


def money(field: str) -> Callable[[object], Money]:
    """Return a converter that requires a ``Money`` (any ``moneyed.Money`` is checked and accepted)."""

    def convert(value: object) -> Money:
        if not isinstance(value, moneyed.Money):
            raise InvalidType(value, expected="a Money, such as Money('9.90', 'EUR')", field=field)
        return Money.of(value)

    return convert


def instance(kind: type[T], field: str) -> Callable[[object], T]:
    """Return a converter that only checks the type (enums and other value objects)."""

    def convert(value: object) -> T:
        if not isinstance(value, kind):
            raise InvalidType(value, expected=kind.__name__, field=field)
        return value

    return convert
