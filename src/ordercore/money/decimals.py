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

from ordercore.errors import FloatNotAllowed, InvalidNumber, InvalidType
from ordercore.money._context import CONTEXT

__all__ = ["MAX_INTEGER_DIGITS", "Number", "decimal_places", "to_decimal"]

#: What callers may pass where a number is expected.
Number = Decimal | int | str

#: Numbers beyond 10**15 in magnitude are refused: no invoice needs them, and the bound
#: keeps every product of a quantity and a price exact under ordercore's context.
MAX_INTEGER_DIGITS = 15
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_ONE = Decimal(1)
# ASCII digits only: Decimal() would also take "1_000" and digits of other scripts.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def to_decimal(
    value: object, *, field: str | None = None, max_places: int | None = None
) -> Decimal:
    """Convert ``value`` to a finite ``Decimal`` exactly, or raise an ordercore error.

    ``max_places`` bounds the number of decimal places (``None``: no bound beyond the
    global limits).
    """
    if type(value) is Decimal:
        number = value
    elif isinstance(value, bool):
        raise InvalidType(value, expected="a Decimal, an int or a numeric string", field=field)
    elif isinstance(value, float):
        raise FloatNotAllowed(value, field=field)
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER.fullmatch(text):
            raise InvalidNumber(value, reason="not a decimal number", field=field)
        number = Decimal(text)  # the pattern admits only well-formed numbers
    else:
        raise InvalidType(value, expected="a Decimal, an int or a numeric string", field=field)
    if not number.is_finite():
        raise InvalidNumber(value, reason="must be a finite number", field=field)
    if number.copy_abs() >= _LIMIT:
        raise InvalidNumber(
            value, reason=f"must be smaller than 10**{MAX_INTEGER_DIGITS} in magnitude", field=field
        )
    places = decimal_places(number)
    if places > 12 or (max_places is not None and places > max_places):
        limit = 12 if max_places is None else max_places
        raise InvalidNumber(value, reason=f"has more than {limit} decimal places", field=field)
    if number.is_zero():
        return number.copy_abs()  # no negative zero: -0.00 and 0.00 are the same amount
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        # 1E+3 is written 1000: an amount never prints in scientific notation
        number = number.quantize(_ONE, context=CONTEXT)
    return number


def decimal_places(number: Decimal) -> int:
    """Return how many digits ``number`` carries after the decimal point (0 for integers).

    >>> decimal_places(Decimal("1.50")), decimal_places(Decimal("12")), decimal_places(Decimal("1E+3"))
    (2, 0, 0)
    """
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
