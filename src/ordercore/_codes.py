"""Checks for the short codes of the domain (private): countries, regions, units, SKUs.

Each check accepts the code exactly as written or raises
:class:`~ordercore.errors.InvalidCode`; nothing is upper-cased or trimmed on the way, so
that what a document stores is what its author wrote.

>>> country_code("FR", "country"), region_code("US-CA", "region")
('FR', 'US-CA')
>>> country_code("fr", "country")
Traceback (most recent call last):
...
ordercore.errors.InvalidCode: country: 'fr' is not valid; pass an ISO 3166-1 alpha-2 code ...
"""

from __future__ import annotations

import re

from ordercore.errors import InvalidCode, InvalidType

__all__ = ["country_code", "identifier", "region_code", "unit_code"]

_COUNTRY = re.compile(r"[A-Z]{2}")
_REGION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")
_UNIT = re.compile(r"[A-Z0-9]{2,3}")


def _string(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidType(value, expected="a string", field=field)
    return value


def country_code(value: object, field: str) -> str:
    """An ISO 3166-1 alpha-2 country code: two capital letters, such as ``DE``."""
    text = _string(value, field)
    if not _COUNTRY.fullmatch(text):
        raise InvalidCode(
            value,
            expected="an ISO 3166-1 alpha-2 code of two capital letters, such as 'DE'",
            field=field,
        )
    return text


def region_code(value: object, field: str) -> str:
    """An ISO 3166-2 subdivision code: country, hyphen, 1 to 3 letters or digits (``US-CA``)."""
    text = _string(value, field)
    if not _REGION.fullmatch(text):
        raise InvalidCode(
            value, expected="an ISO 3166-2 code such as 'US-CA' or 'ES-CN'", field=field
        )
    return text


def unit_code(value: object, field: str) -> str:
    """A UN/ECE Recommendation 20 unit code (EN 16931 BT-130), such as ``C62`` or ``HUR``."""
    text = _string(value, field)
    if not _UNIT.fullmatch(text):
        raise InvalidCode(
            value,
            expected="a UN/ECE Recommendation 20 unit code such as 'C62' (one), 'HUR' (hour) "
            "or 'KGM' (kilogram)",
            field=field,
        )
    return text


def identifier(value: object, field: str) -> str:
    """A non-empty identifier (a SKU, a version) without surrounding or control whitespace."""
    text = _string(value, field)
    if not text or text != text.strip() or not text.isprintable():
        raise InvalidCode(
            value, expected="a non-empty, printable string without surrounding spaces", field=field
        )
    return text
