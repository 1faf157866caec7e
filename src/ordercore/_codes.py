"""Checks for the text of the domain (private): free text, and short codes (countries, units, SKUs).

Each check accepts the text exactly as written or raises an ordercore error; nothing is
upper-cased or trimmed on the way, so that what a document stores is what its author
wrote. All text is valid Unicode text that can be written as UTF-8: no lone surrogates
(such as the one JSON's escape for U+D800 makes), no control characters but tab, line feed and carriage
return, and a bounded length (:func:`check_text`).

>>> country_code("FR", "country"), region_code("US-CA", "region")
('FR', 'US-CA')
>>> country_code("fr", "country")
Traceback (most recent call last):
...
ordercore.errors.InvalidCode: country: 'fr' is not valid; pass an ISO 3166-1 alpha-2 code ...
"""

from __future__ import annotations

import re

from ordercore.errors import InvalidCode, InvalidText, InvalidType, TextTooLong

__all__ = [
    "MAX_CODE_LENGTH",
    "MAX_TEXT_LENGTH",
    "check_text",
    "country_code",
    "identifier",
    "region_code",
    "unit_code",
]

#: The longest free text (a description, a name, a reason) ordercore accepts, in characters.
MAX_TEXT_LENGTH = 4000
#: The longest identifier (a SKU, a catalog version, a tax registration number).
MAX_CODE_LENGTH = 100

_COUNTRY = re.compile(r"[A-Z]{2}")
_REGION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")
_UNIT = re.compile(r"[A-Z0-9]{2,3}")
# Lone surrogates, and control characters other than tab, line feed and carriage return.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_text(value: str, field: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    r"""Return the string ``value`` if it is valid text of at most ``max_length`` characters.

    The length is checked first, so a huge string is refused at once.

    >>> check_text("Desk, oak", "description")
    'Desk, oak'
    >>> check_text("Desk \ud800", "description")
    Traceback (most recent call last):
    ...
    ordercore.errors.InvalidText: description: 'Desk \ud800' is not valid text: it holds the lone surrogate ...
    """
    if len(value) > max_length:
        raise TextTooLong(value, limit=max_length, field=field)
    if value.isascii() and value.isprintable():  # the common case, without the pattern
        return value
    bad = _NOT_TEXT.search(value)
    if bad is not None:
        char = bad.group()
        what = "lone surrogate" if "\ud800" <= char <= "\udfff" else "control character"
        raise InvalidText(
            value,
            reason=f"it holds the {what} {char!a} at position {bad.start()}; text must "
            "be valid Unicode (UTF-8) without control characters other than tab and line breaks",
            field=field,
        )
    return value


def _string(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidType(value, expected="a string", field=field)
    if len(value) > MAX_CODE_LENGTH:
        raise TextTooLong(value, limit=MAX_CODE_LENGTH, field=field)
    return value  # each code's own pattern admits printable characters only


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
