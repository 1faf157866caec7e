"""The reference of the request fingerprint's format 1: how ordercore 0.1 computed it.

This is the code that wrote the fingerprints stored in hosts' idempotency tables: nested
lists and dictionaries first, then ``json.dumps``. ``ordercore.services.fingerprint`` now
writes the same JSON text directly; tests/test_fingerprints.py proves that the two agree
and benchmarks/bench_fingerprint.py compares their speed. It holds no tests.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import attrs
import moneyed

from ordercore._fieldmeta import WHEN_SET
from ordercore.errors import InvalidType


def canonical(value: object) -> object:  # noqa: PLR0911 - one return per kind of value
    """``value`` as JSON-safe data that is equal exactly when the values are equal."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if isinstance(value, moneyed.Money):
        return ["money", str(value.amount), value.currency.code]
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    kind = type(value)
    if attrs.has(kind):
        # a field added since (marked WHEN_SET) did not exist in 0.1: a value that leaves
        # it at its default is a value 0.1 knew, without that field
        names = [
            field.name
            for field in attrs.fields(kind)
            if field.eq
            and not (field.metadata == WHEN_SET and getattr(value, field.name) == field.default)
        ]
        return [
            kind.__module__ + "." + kind.__qualname__,
            {n: canonical(getattr(value, n)) for n in names},
        ]
    if isinstance(value, moneyed.Currency):
        return ["currency", value.code]
    if isinstance(value, Fraction):
        return ["fraction", str(value)]
    if isinstance(value, dt.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, dt.date):
        return ["date", value.isoformat()]
    if isinstance(value, enum.Enum):
        return [kind.__qualname__, canonical(value.value)]
    if isinstance(value, Mapping):
        items = [(canonical(k), canonical(v)) for k, v in value.items()]
        items.sort(key=lambda item: json.dumps(item[0], sort_keys=True))
        return ["map", [list(item) for item in items]]
    raise InvalidType(value, expected="a value ordercore can compare (no objects of its own)")


def fingerprint(operation: str, **arguments: object) -> str:
    """The fingerprint of a request, format 1."""
    data = [[name, canonical(arguments[name])] for name in sorted(arguments)]
    text = json.dumps([operation, data], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
