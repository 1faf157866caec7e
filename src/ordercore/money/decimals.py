"""The strict boundary for exact numbers: quantities, prices, rates and amounts.

ordercore accepts a ``Decimal``, an ``int`` or a string such as ``"19.99"`` (parsed
exactly) wherever a number is expected, and refuses ``float`` outright, because a float
cannot hold 0.1 exactly:

>>> from ordercore.money.decimals import to_decimal
>>> to_decimal("19.99")
Decimal('19.99')
>>> to_decimal(0.1, field="quantity")
Traceback (most recent call last):
...
ordercore.errors.FloatNotAllowed: quantity: got the float 0.1; floats cannot represent money exactly, ...
"""

from __future__ import annotations

import re
from decimal import Decimal

from ordercore.errors import FloatNotAllowed, InvalidNumber, InvalidType, NumberOutOfRange
from ordercore.money.context import CONTEXT

__all__ = [
    "MAX_INTEGER_DIGITS",
    "MAX_NUMBER_LENGTH",
    "MAX_PLACES",
    "Number",
    "decimal_places",
    "to_decimal",
]

#: What callers may pass where a number is expected.
Number = Decimal | int | str

#: Numbers beyond 10**15 in magnitude are refused: no invoice needs them, and the bound
#: keeps every product of a quantity and a price exact under ordercore's context.
MAX_INTEGER_DIGITS = 15
#: No number carries more than 12 decimal places (many places carry fewer: quantities 6,
#: unit prices the policy's ``price_places``, amounts their currency's minor unit).
MAX_PLACES = 12
#: A number written as a string has at most this many characters (surrounding spaces
#: included): every number ordercore accepts fits in 29. Longer strings are refused
#: before anything parses them, so a huge input costs no time.
MAX_NUMBER_LENGTH = 100
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_INT_LIMIT = 10**MAX_INTEGER_DIGITS
_ONE = Decimal(1)
_ZERO = Decimal(0)
# ASCII digits only: Decimal() would also take "1_000" and digits of other scripts.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?")
# A written exponent beyond this cannot give an accepted number (its digits are fewer
# than MAX_NUMBER_LENGTH); such a string is decided without making the Decimal.
_MAX_EXPONENT = 2 * MAX_NUMBER_LENGTH


def _out_of_range(value: object, field: str | None) -> NumberOutOfRange:
    return NumberOutOfRange(
        value,
        limit=_LIMIT,
        reason=f"must be smaller than 10**{MAX_INTEGER_DIGITS} in magnitude",
        field=field,
    )


def _too_many_places(value: object, limit: int, field: str | None) -> InvalidNumber:
    return InvalidNumber(value, reason=f"has more than {limit} decimal places", field=field)


def _parse(value: str, field: str | None) -> Decimal:
    """Parse a numeric string, refusing what cannot be accepted before ``Decimal`` sees it."""
    if len(value) > MAX_NUMBER_LENGTH:
        raise NumberOutOfRange(
            value,
            limit=MAX_NUMBER_LENGTH,
            reason=f"a number is written in at most {MAX_NUMBER_LENGTH} characters",
            field=field,
        )
    text = value.strip()
    match = _NUMBER.fullmatch(text)
    if not match:
        raise InvalidNumber(value, reason="not a decimal number", field=field)
    exponent = match.group(1)
    if exponent is not None and abs(int(exponent)) > _MAX_EXPONENT:
        mantissa = text[: match.start(1) - 1]
        if not any(c in "123456789" for c in mantissa):
            if int(exponent) > 0:
                return _ZERO  # 0E+999999999: zero, written strangely
            raise _too_many_places(value, MAX_PLACES, field)
        if int(exponent) > 0:
            raise _out_of_range(value, field)
        raise _too_many_places(value, MAX_PLACES, field)
    return Decimal(text)  # the pattern and the bounds admit only well-formed, sized numbers


def _convert(value: object, field: str | None) -> Decimal:
    if isinstance(value, bool):
        raise InvalidType(value, expected="a Decimal, an int or a numeric string", field=field)
    if isinstance(value, float):
        raise FloatNotAllowed(value, field=field)
    if isinstance(value, int):
        if not -_INT_LIMIT < value < _INT_LIMIT:  # before Decimal() converts a huge int
            raise _out_of_range(value, field)
        return Decimal(value)
    if isinstance(value, Decimal):
        return Decimal(value)
    if isinstance(value, str):
        return _parse(value, field)
    raise InvalidType(value, expected="a Decimal, an int or a numeric string", field=field)


def to_decimal(
    value: object, *, field: str | None = None, max_places: int | None = None
) -> Decimal:
    """Convert ``value`` to a finite ``Decimal`` exactly, or raise an ordercore error.

    ``max_places`` bounds the number of decimal places (``None``: no bound beyond the
    global limits). Every number is below ``10**15`` in magnitude (else
    :class:`~ordercore.errors.NumberOutOfRange`) and carries at most 12 decimal places; a
    string has at most :data:`MAX_NUMBER_LENGTH` characters. The checks come before any
    arithmetic, so no input can make ``decimal`` itself raise:

    >>> to_decimal("1e9999999999999999999")
    Traceback (most recent call last):
    ...
    ordercore.errors.NumberOutOfRange: '1e9999999999999999999' is not usable: must be smaller than 10**15 in magnitude
    """
    number = value if type(value) is Decimal else _convert(value, field)
    if not number.is_finite():
        raise InvalidNumber(value, reason="must be a finite number", field=field)
    if number and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise _out_of_range(value, field)
    exponent = _exponent(number)
    places = -exponent if exponent < 0 else 0
    if places > MAX_PLACES or (max_places is not None and places > max_places):
        raise _too_many_places(value, MAX_PLACES if max_places is None else max_places, field)
    if not number:
        # no negative zero: -0.00 and 0.00 are the same amount; 0E+3 is written 0
        return number.copy_abs() if places else _ZERO
    if exponent > 0:
        # 1E+3 is written 1000: an amount never prints in scientific notation
        number = number.quantize(_ONE, context=CONTEXT)
    return number


def _exponent(number: Decimal) -> int:
    """The exponent of a finite ``number`` (``-2`` for ``1.50``), without ``as_tuple()``.

    ``str()`` writes a finite Decimal without an exponent exactly when its exponent is at
    most 0 and it is not tiny, and then with as many digits after the point as the
    exponent says; reading that is several times cheaper than building ``as_tuple()``.
    (The host's context decides whether an exponent is written ``E`` or ``e``.)
    """
    text = str(number)
    if "E" in text or "e" in text:
        exponent = number.as_tuple().exponent
        return exponent if isinstance(exponent, int) else 0
    dot = text.find(".")
    return 0 if dot < 0 else dot + 1 - len(text)


def decimal_places(number: Decimal) -> int:
    """Return how many digits ``number`` carries after the decimal point (0 for integers).

    >>> decimal_places(Decimal("1.50")), decimal_places(Decimal("12")), decimal_places(Decimal("1E+3"))
    (2, 0, 0)
    """
    if not number.is_finite():
        return 0
    exponent = _exponent(number)
    return -exponent if exponent < 0 else 0
