"""Every error ordercore raises.

All errors share the root :class:`OrdercoreError`, and each one also subclasses the
built-in exception closest to its meaning (``ValueError``, ``TypeError`` or
``LookupError``), so ``except ValueError`` keeps working for callers that do not know
ordercore. Each error carries the offending values as attributes and its message says
what to do instead.

>>> from ordercore.errors import CurrencyMismatch, OrdercoreError
>>> issubclass(CurrencyMismatch, ValueError) and issubclass(CurrencyMismatch, OrdercoreError)
True
"""

from __future__ import annotations

__all__ = [
    "CurrencyMismatch",
    "FloatNotAllowed",
    "InvalidAdjustment",
    "InvalidAllocation",
    "InvalidAmount",
    "InvalidData",
    "InvalidDiscount",
    "InvalidDocument",
    "InvalidLine",
    "InvalidNumber",
    "InvalidTax",
    "InvalidType",
    "OrdercoreError",
    "UnknownCurrency",
    "UnknownLocale",
]


class OrdercoreError(Exception):
    """The root of every error raised by ordercore."""


def _where(field: str | None) -> str:
    return f"{field}: " if field else ""


def _show(value: object) -> str:
    """A short repr for messages: never fails, never floods (huge ints, long strings)."""
    try:
        text = repr(value)
    except Exception:  # a message must never fail: any broken repr will do
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else f"{text[:60]}...<{len(text)} characters>"


def _text(value: object) -> str:
    try:
        text = str(value)
    except Exception:  # see _show
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else f"{text[:60]}...<{len(text)} characters>"


class FloatNotAllowed(OrdercoreError, TypeError):
    """A ``float`` was given where an exact number (amount, price, rate, quantity) belongs."""

    def __init__(self, value: float, *, field: str | None = None) -> None:
        self.value = value
        self.field = field
        super().__init__(
            f"{_where(field)}got the float {value!r}; floats cannot represent money exactly, "
            f"pass a Decimal or a string instead, e.g. Decimal({str(value)!r}) or {str(value)!r}"
        )


class InvalidType(OrdercoreError, TypeError):
    """A value of the wrong type was given (not a float: see :class:`FloatNotAllowed`)."""

    def __init__(self, value: object, *, expected: str, field: str | None = None) -> None:
        self.value = value
        self.expected = expected
        self.field = field
        super().__init__(
            f"{_where(field)}expected {expected}, got {type(value).__name__} {_show(value)}"
        )


class InvalidNumber(OrdercoreError, ValueError):
    """A value is not a finite decimal number, or is outside the range ordercore accepts."""

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"{_where(field)}{_show(value)} is not usable: {reason}")


class UnknownCurrency(OrdercoreError, LookupError):
    """A currency code is not an ISO 4217 code known to the currency data (CLDR via babel)."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(
            f"unknown currency {_show(code)}: pass an ISO 4217 code of three capital letters, "
            "such as 'EUR', 'USD' or 'JPY'"
        )


class UnknownLocale(OrdercoreError, LookupError):
    """A locale identifier is not one the CLDR data (via babel) knows."""

    def __init__(self, locale: object) -> None:
        self.locale = locale
        super().__init__(
            f"unknown locale {_show(locale)}: pass a CLDR locale identifier such as 'de_CH' or 'en_US'"
        )


class CurrencyMismatch(OrdercoreError, ValueError):
    """Two amounts of different currencies met; ordercore never converts silently."""

    def __init__(self, left: str, right: str, *, operation: str = "combine") -> None:
        self.left = left
        self.right = right
        self.operation = operation
        super().__init__(
            f"cannot {operation} {left} and {right}: amounts of different currencies never mix; "
            "convert one of them first with an explicit ExchangeRate"
        )


class InvalidAmount(OrdercoreError, ValueError):
    """An amount or price does not fit its place (too many decimals, wrong sign, ...)."""

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"{_where(field)}{_text(value)} is not a valid amount: {reason}")


class InvalidAllocation(OrdercoreError, ValueError):
    """An amount cannot be split over the given ratios."""

    def __init__(self, ratios: object, *, reason: str) -> None:
        self.ratios = ratios
        self.reason = reason
        super().__init__(f"cannot allocate over ratios {_show(ratios)}: {reason}")


class InvalidDiscount(OrdercoreError, ValueError):
    """A discount is malformed, or would take an amount below zero."""

    def __init__(self, discount: object, *, reason: str) -> None:
        self.discount = discount
        self.reason = reason
        super().__init__(f"invalid discount {_text(discount)}: {reason}")


class InvalidTax(OrdercoreError, ValueError):
    """A tax is malformed or cannot apply where it was put."""

    def __init__(self, tax: object, *, reason: str) -> None:
        self.tax = tax
        self.reason = reason
        super().__init__(f"invalid tax {_text(tax)}: {reason}")


class InvalidAdjustment(OrdercoreError, ValueError):
    """A group or document allowance or charge cannot be applied."""

    def __init__(self, adjustment: object, *, reason: str) -> None:
        self.adjustment = adjustment
        self.reason = reason
        super().__init__(f"invalid {_text(adjustment)}: {reason}")


class InvalidLine(OrdercoreError, ValueError):
    """A line item is malformed (for example a price with more decimals than allowed)."""

    def __init__(self, line: object, *, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"invalid line {_text(line)}: {reason}")


class InvalidDocument(OrdercoreError, ValueError):
    """A document to price is inconsistent as a whole."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid document: {reason}")


class InvalidData(OrdercoreError, ValueError):
    """Plain data (a dict or JSON file) does not describe a valid ordercore object.

    ``path`` names the offending field, such as ``items[2].quantity``.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path or '<root>'}: {reason}")
