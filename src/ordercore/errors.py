"""Every error ordercore raises.

All errors share the root :class:`OrdercoreError`. Below it, five kinds of failure say
what the caller can do about it, and each named error is a leaf of one (or two) of them:

- :class:`InvalidInput`: a value is malformed or out of range; correct it.
- :class:`NotFound`: something asked for by name or key is not there.
- :class:`WrongState`: the document's state does not allow the step; its ``first`` says
  which step comes first.
- :class:`LimitExceeded`: more was asked than remains (``requested``, ``remaining``).
- :class:`Conflict`: the step contradicts what is there (a duplicate, another currency).

Each error also subclasses the built-in exception closest to its meaning (``ValueError``,
``TypeError`` or ``LookupError``), so ``except ValueError`` keeps working for callers that
do not know ordercore. Each carries the offending values as attributes, and its message
says what to do instead.

>>> from ordercore.errors import Conflict, CurrencyMismatch, OrdercoreError
>>> issubclass(CurrencyMismatch, Conflict) and issubclass(CurrencyMismatch, ValueError)
True
>>> issubclass(Conflict, OrdercoreError)
True
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

__all__ = [
    "AllocationReversed",
    "AllocationTooEarly",
    "AlreadyCredited",
    "ChangeOutOfOrder",
    "ConcurrencyConflict",
    "Conflict",
    "ConflictingTaxRules",
    "CreditBeforeInvoice",
    "CreditNotTakenBack",
    "CreditNoteParty",
    "CreditOfAnotherInvoice",
    "CreditOfAnotherParty",
    "CreditTakenInAlready",
    "CurrencyMismatch",
    "DeltaDoesNotApply",
    "DiscountExceedsBase",
    "DocumentWithoutLines",
    "DownPaymentDeducted",
    "DownPaymentTooLarge",
    "DownPaymentsOutstanding",
    "DraftMadeFromOrder",
    "DueBeforeInvoiceDate",
    "DueBeforeIssue",
    "DueDateAndTerm",
    "DuplicateDocumentId",
    "DuplicateKey",
    "DuplicateLineKey",
    "DuplicateOpenItem",
    "DuplicatePayment",
    "EmptyRevision",
    "EntriesOutOfSequence",
    "EntryDoesNotReplay",
    "EventDeliveryFailed",
    "FeesAbovePrice",
    "FloatNotAllowed",
    "IdempotencyConflict",
    "ImmutableCurrency",
    "InstallmentsDoNotPay",
    "InstallmentsExceedTotal",
    "InstallmentsOutOfDates",
    "InvalidAdjustment",
    "InvalidAllocation",
    "InvalidAmount",
    "InvalidCatalog",
    "InvalidCode",
    "InvalidData",
    "InvalidDiscount",
    "InvalidDocument",
    "InvalidDownPayment",
    "InvalidInput",
    "InvalidKit",
    "InvalidLine",
    "InvalidNumber",
    "InvalidOpenItem",
    "InvalidOrder",
    "InvalidOrderRecord",
    "InvalidPayment",
    "InvalidPaymentTerm",
    "InvalidPriceBook",
    "InvalidReport",
    "InvalidSchedule",
    "InvalidSubscription",
    "InvalidTax",
    "InvalidTermNotation",
    "InvalidText",
    "InvalidTiers",
    "InvalidType",
    "InvalidUsage",
    "InvalidUsageModel",
    "LimitExceeded",
    "NegativePriceOnOrder",
    "NoDiscountAvailable",
    "NoPrice",
    "NoTaxRule",
    "NoUntaxedAmount",
    "NotADraft",
    "NotAllocatable",
    "NotAnAllocation",
    "NotCreditableByAmount",
    "NotCreditableByLines",
    "NotFound",
    "NotFromThisOrder",
    "NothingRemains",
    "NothingToCredit",
    "NothingToInvoice",
    "NothingToWriteOff",
    "NumberOutOfRange",
    "OrderLimitExceeded",
    "OrdercoreError",
    "OtherPartyInAccount",
    "OverAllocation",
    "OverBilling",
    "OverCrediting",
    "OverDelivery",
    "OverInvoicing",
    "OverReceipt",
    "PartsExceedWhole",
    "PerUnitTaxByAmount",
    "PeriodBilledAlready",
    "PeriodOutOfRange",
    "PrepaidOnOrder",
    "QuoteLineNotOrderable",
    "QuoteNotAccepted",
    "QuoteNotExpired",
    "QuoteNotSent",
    "QuotePastValidity",
    "RecordExists",
    "RefundBeforePayment",
    "ReturnOnOrder",
    "SchemaVersionMismatch",
    "StorageBusy",
    "SubscriptionEnded",
    "TaxIncludedAndAdded",
    "TaxNotIncludable",
    "TaxSetBelowZero",
    "TaxesTooLarge",
    "TextTooLong",
    "TotalsTooLarge",
    "UnitOfWorkClosed",
    "UnknownAllocation",
    "UnknownCurrency",
    "UnknownInvoiceLine",
    "UnknownLineKey",
    "UnknownLocale",
    "UnknownOpenItem",
    "UnknownOrderLine",
    "UnknownPayment",
    "UnknownPriceBook",
    "UnknownProduct",
    "UnknownProfile",
    "UnknownQuoteLine",
    "UnknownRecord",
    "UnreadRecord",
    "WriteLockHeldInThread",
    "WriteOffExceedsTolerance",
    "WrongState",
]


#: The longest message an ordercore error carries. A value a message quotes is an
#: excerpt of it (:func:`excerpt`), so a message is short whatever the input was; a message
#: that still comes out longer keeps its start and its end (what to do instead).
MAX_MESSAGE_LENGTH = 500
_EXCERPT = 60
_WHOLE = 80  # a value shown whole in at most this many characters (quotes aside)


class OrdercoreError(Exception):
    """The root of every error raised by ordercore.

    Its message is one line of printable text of at most :data:`MAX_MESSAGE_LENGTH`
    characters: characters that are not printable (line breaks, control characters,
    lone surrogates) are escaped, so that printing it never fails and never spans lines.
    """

    def __init__(self, *args: object) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (_one_line(args[0]),)
        super().__init__(*args)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled with its message and attributes, not through its keyword-only
        # constructor: an error raised in an executor's worker reaches the caller whole.
        return (_restored, (type(self), self.args, dict(self.__dict__)))


def _restored(
    kind: type[OrdercoreError], args: tuple[object, ...], state: dict[str, object]
) -> object:
    """The error ``kind`` with its ``args`` and attributes, as pickled (no constructor runs)."""
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


def _escaped(text: str) -> str:
    """``text`` with every character that is not printable written as its escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _one_line(message: str) -> str:
    text = _escaped(message)
    if len(text) <= MAX_MESSAGE_LENGTH:
        return text
    cut = f"...<{len(text)} characters>..."
    head = (MAX_MESSAGE_LENGTH - len(cut)) * 2 // 3
    tail = MAX_MESSAGE_LENGTH - len(cut) - head
    return f"{text[:head]}{cut}{text[-tail:]}"


def _where(field: str | None) -> str:
    return f"{field}: " if field else ""


def excerpt(value: object) -> str:
    r"""A short, escaped ``repr`` of ``value`` for a message: it never fails, never floods.

    A long string is cut before it is quoted, and the excerpt says how long it was:

    >>> excerpt("Widget"), excerpt("\ud800")
    ("'Widget'", "'\\ud800'")
    >>> excerpt("x" * 10_000_000)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...<10000000 characters>"
    """
    if isinstance(value, str):
        # cut before repr (a huge string is never copied whole), then after escaping
        return _short(_escaped(repr(value[:_WHOLE])), len(value))
    try:
        text = repr(value)
    except Exception:  # a message must never fail: any broken repr will do
        text = f"<{type(value).__name__}>"
    return _short(_escaped(text), None)


def _short(text: str, length: int | None) -> str:
    """``text`` if it is short, else its start and how long the whole was."""
    if len(text) <= _WHOLE + 2 and (length is None or length <= _WHOLE):
        return text
    return f"{text[:_EXCERPT]}...<{len(text) if length is None else length} characters>"


_show = excerpt


def _text(value: object) -> str:
    """Like :func:`excerpt`, for a value shown as its ``str`` (unquoted)."""
    if isinstance(value, str):
        return _short(_escaped(value[:_WHOLE]), len(value))
    try:
        text = str(value)
    except Exception:  # see excerpt
        text = f"<{type(value).__name__}>"
    return _short(_escaped(text), None)


# -- the five kinds of failure ------------------------------------------------------------


class InvalidInput(OrdercoreError):
    """A value handed to ordercore is malformed, out of range or does not fit its place.

    Nothing was changed: correct the value and call again. Each leaf also subclasses
    ``ValueError`` or ``TypeError``.
    """


class NotFound(OrdercoreError, LookupError):
    """Something asked for by name or key does not exist (a currency, product, line, ...)."""


class WrongState(OrdercoreError, ValueError):
    """A document is in a state that does not allow the operation.

    ``document`` names it (its kind and number or id), ``state`` is the state it is in,
    ``operation`` what was asked, and ``first`` the step that must come first, when one
    would make the operation possible (``None`` when none can: an issued invoice is never
    revised). The message says what to do instead.
    """

    def __init__(
        self,
        *,
        document: str,
        state: str,
        operation: str,
        first: str | None = None,
        reason: str | None = None,
    ) -> None:
        self.document = document
        self.state = state
        self.operation = operation
        self.first = first
        self.reason = reason
        why = f": {reason}" if reason else ""
        then = f"; {first} first" if first else ""
        super().__init__(f"cannot {operation} {_text(document)}: it is {state}{why}{then}")


class LimitExceeded(OrdercoreError, ValueError):
    """An operation would take more than remains (to deliver, invoice, credit, schedule).

    ``requested`` and ``remaining`` say how much was asked and how much there is, in the
    same type (a quantity as ``Decimal``, an amount as ``Money``).
    """


class Conflict(OrdercoreError, ValueError):
    """The operation contradicts what is already there.

    A duplicate number or key, an amount in another currency, a document that belongs to
    another order.
    """


class FloatNotAllowed(InvalidInput, TypeError):
    """A ``float`` was given where an exact number (amount, price, rate, quantity) belongs."""

    def __init__(self, value: float, *, field: str | None = None) -> None:
        self.value = value
        self.field = field
        super().__init__(
            f"{_where(field)}got the float {value!r}; floats cannot represent money exactly, "
            f"pass a Decimal or a string instead, e.g. Decimal({str(value)!r}) or {str(value)!r}"
        )


class InvalidType(InvalidInput, TypeError):
    """A value of the wrong type was given (not a float: see :class:`FloatNotAllowed`)."""

    def __init__(self, value: object, *, expected: str, field: str | None = None) -> None:
        self.value = value
        self.expected = expected
        self.field = field
        super().__init__(
            f"{_where(field)}expected {expected}, got {type(value).__name__} {_show(value)}"
        )


class InvalidNumber(InvalidInput, ValueError):
    """A value is not a finite decimal number, or is outside the range ordercore accepts."""

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"{_where(field)}{_show(value)} is not usable: {reason}")


class NumberOutOfRange(InvalidNumber):
    """A number is too large in magnitude, or written too long, for ordercore.

    ``limit`` is the bound it breaks: numbers are below ``10**15`` in magnitude (see
    :data:`~ordercore.money.decimals.MAX_INTEGER_DIGITS`), and a number written as a string
    has at most :data:`~ordercore.money.decimals.MAX_NUMBER_LENGTH` characters.
    """

    def __init__(
        self, value: object, *, limit: object, reason: str, field: str | None = None
    ) -> None:
        self.limit = limit
        super().__init__(value, reason=reason, field=field)


class InvalidText(InvalidInput, ValueError):
    """A text (a description, a name, a code) is not valid Unicode text for ordercore.

    Text holds no lone surrogates (it can always be written as UTF-8) and no control
    characters other than tab, line feed and carriage return.
    """

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"{_where(field)}{_show(value)} is not valid text: {reason}")


class TextTooLong(InvalidText):
    """A text is longer than ``limit`` characters (``length`` says how long it is)."""

    def __init__(self, value: str, *, limit: int, field: str | None = None) -> None:
        self.limit = limit
        self.length = len(value)
        super().__init__(
            value, reason=f"it has {len(value)} characters, more than {limit}", field=field
        )


class UnknownCurrency(NotFound):
    """A currency code is not an ISO 4217 code known to the currency data (CLDR via babel)."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(
            f"unknown currency {_show(code)}: pass an ISO 4217 code of three capital letters, "
            "such as 'EUR', 'USD' or 'JPY'"
        )


class UnknownLocale(NotFound):
    """A locale identifier is not one the CLDR data (via babel) knows."""

    def __init__(self, locale: object) -> None:
        self.locale = locale
        super().__init__(
            f"unknown locale {_show(locale)}: pass a CLDR locale identifier such as 'de_CH' or 'en_US'"
        )


class UnknownProfile(NotFound):
    """A pricing profile name is not one :meth:`~ordercore.pricing.Policy.profile` knows.

    ``name`` is the name asked for, ``known`` the names there are.
    """

    def __init__(self, name: object, *, known: tuple[str, ...]) -> None:
        self.name = name
        self.known = known
        super().__init__(
            f"unknown pricing profile {_show(name)}: use one of "
            + ", ".join(repr(k) for k in known)
        )


class ImmutableCurrency(OrdercoreError, AttributeError):
    """An attribute of a currency was set or deleted: ordercore's currencies never change.

    Every amount and document of that currency shares the one currency object, so a
    change would reach all of them. ``currency`` is its code, ``attribute`` the name.
    """

    def __init__(self, currency: str, *, attribute: str) -> None:
        self.currency = currency
        self.attribute = attribute
        super().__init__(
            f"currency {currency} is immutable: cannot change its {attribute!r}; use "
            "another currency (get_currency) for amounts in it"
        )


class CurrencyMismatch(Conflict):
    """Two amounts of different currencies met; ordercore never converts silently."""

    def __init__(self, left: str, right: str, *, operation: str = "combine") -> None:
        self.left = left
        self.right = right
        self.operation = operation
        super().__init__(
            f"cannot {operation} {left} and {right}: amounts of different currencies never mix; "
            "convert one of them first with an explicit ExchangeRate"
        )


class InvalidAmount(InvalidInput, ValueError):
    """An amount or price does not fit its place (too many decimals, wrong sign, ...)."""

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"{_where(field)}{_text(value)} is not a valid amount: {reason}")


class InvalidAllocation(InvalidInput, ValueError):
    """An amount cannot be split over the given ratios."""

    def __init__(self, ratios: object, *, reason: str) -> None:
        self.ratios = ratios
        self.reason = reason
        super().__init__(f"cannot allocate over ratios {_show(ratios)}: {reason}")


class InvalidDiscount(InvalidInput, ValueError):
    """A discount is malformed, or would take an amount below zero.

    ``discount`` is the offending discount (or value given for one), ``field`` the name of
    what is at fault: a field of the discount (``"kind"``, ``"value"``, ``"currency"``,
    ``"amount"``) or of the line it is on (``"price_discount"``, ``"discounts"``).
    """

    def __init__(self, discount: object, *, reason: str, field: str | None = None) -> None:
        self.discount = discount
        self.reason = reason
        self.field = field
        super().__init__(f"invalid discount {_text(discount)}: {reason}")


class InvalidTax(InvalidInput, ValueError):
    """A tax is malformed or cannot apply where it was put.

    ``tax`` is the tax's name (or the taxes, for :class:`TaxesTooLarge`), ``field`` the
    name of what is at fault: a field of the tax (``"kind"``, ``"rate"``, ``"included"``,
    ``"compound"``, ``"withholding"``, ``"on_plain_net"``, ``"currency"``, ``"reason"``,
    ``"amount"``), or ``"tax"`` when the tax cannot apply where it was given.
    """

    def __init__(self, tax: object, *, reason: str, field: str | None = None) -> None:
        self.tax = tax
        self.reason = reason
        self.field = field
        super().__init__(f"invalid tax {_text(tax)}: {reason}")


class TaxesTooLarge(InvalidTax):
    """The taxes of one line (or allowance or charge), compounded, come to too much.

    ``factor`` is how many times its amount the taxes can come to (compound taxes
    multiply the bases of those after them), or for per-unit taxes the amount per unit
    they can come to; ``limit`` is the largest allowed. The bound keeps every
    intermediate amount exact within ordercore's decimal context. ``field`` is
    ``"compound"``, or ``"rate"`` where division rates levied together
    (``DivisionTaxes.TOGETHER``) come so close to 100 % that their gross is too large.
    """

    def __init__(
        self, taxes: object, *, factor: object, limit: object, field: str = "compound"
    ) -> None:
        self.taxes = taxes
        self.factor = factor
        self.limit = limit
        if field == "rate":
            reason = (
                f"levied together, these division rates come so close to 100 % that the "
                f"taxes are {_text(factor)} times their base, more than the {_text(limit)} "
                "ordercore allows; lower the rates, or levy each on its own (DivisionTaxes.EACH)"
            )
        else:
            reason = (
                f"compounded, these taxes come to {_text(factor)} times their base or per "
                f"unit, more than the {_text(limit)} ordercore allows; use fewer compound taxes"
            )
        super().__init__(taxes, reason=reason, field=field)


class InvalidAdjustment(InvalidInput, ValueError):
    """A group or document allowance or charge cannot be applied.

    ``adjustment`` is the allowance or charge, ``field`` the name of what is at fault: a
    field of it (``"percent"``, ``"amount"``, ``"taxes"``) or ``"lines"`` when the lines
    it applies to cannot carry it.
    """

    def __init__(self, adjustment: object, *, reason: str, field: str | None = None) -> None:
        self.adjustment = adjustment
        self.reason = reason
        self.field = field
        super().__init__(f"invalid {_text(adjustment)}: {reason}")


class InvalidLine(InvalidInput, ValueError):
    """A line item is malformed (for example a price with more decimals than allowed).

    ``line`` is the line's description, ``field`` the name of the line's field at fault
    (``"unit_price"``, ``"product"``, ``"taxes"``, ``"quantity"``).
    """

    def __init__(self, line: object, *, reason: str, field: str | None = None) -> None:
        self.line = line
        self.reason = reason
        self.field = field
        super().__init__(f"invalid line {_text(line)}: {reason}")


class InvalidDocument(InvalidInput, ValueError):
    """A document to price is inconsistent as a whole."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid document: {reason}")


class OverCrediting(LimitExceeded):
    """A credit note would credit more of an invoice than remains creditable.

    Two cases, each with ``requested`` and ``remaining`` of one type:

    * ``line`` names the invoice line (its description) whose quantity is exceeded:
      ``requested`` and ``remaining`` are quantities, as ``Decimal``;
    * ``line`` is ``None``: an amount of the invoice is exceeded, its total with taxes or,
      when ``taxes`` names a set of taxes, that set's untaxed amount (a credit by lines
      after a credit by amount): ``requested`` and ``remaining`` are ``Money``.
    """

    def __init__(
        self,
        *,
        invoice: str,
        requested: object,
        remaining: object,
        line: str | None = None,
        taxes: str | None = None,
    ) -> None:
        self.invoice = invoice
        self.line = line
        self.requested = requested
        self.remaining = remaining
        self.taxes = taxes
        of = (
            f"line {_show(line)} of invoice {invoice}" if line is not None else f"invoice {invoice}"
        )
        taxed = f" (untaxed, with {taxes})" if taxes is not None else ""
        super().__init__(
            f"cannot credit {requested}{taxed} of {of}: only {remaining}{taxed} remains "
            "creditable after the earlier credit notes; credit at most that"
        )


class CreditNotTakenBack(InvalidDocument):
    """A credit note of an order's invoice is one the order could not take back.

    The order names no line the credit note credits (a down payment's invoice, a rounding
    difference), a down payment it would refund was deducted by later invoices already,
    or it credits an amount of an invoice that billed no down payment (a price concession
    takes nothing back). ``order`` names the order (``"sales order SO-1"``), ``invoice``
    and ``credit_note`` are the numbers of the other two; ``requested`` and
    ``remaining`` (``Money``), where the refusal is about an amount, what the credit
    note would give back of a down payment (on the down payment's base) and what no
    invoice has deducted of it yet.
    """

    def __init__(
        self,
        *,
        order: str,
        invoice: str,
        credit_note: str,
        reason: str,
        requested: object = None,
        remaining: object = None,
    ) -> None:
        self.order = order
        self.invoice = invoice
        self.credit_note = credit_note
        self.requested = requested
        self.remaining = remaining
        super().__init__(
            f"{_text(order)} cannot take back credit note {credit_note} of {invoice}: {reason}"
        )
        self.reason = reason


# -- quotes and credit notes: named errors go here --------------------------------------


class DocumentWithoutLines(InvalidDocument):
    """A document has no lines, where it needs some: to issue, to send, to order.

    ``document`` names it (``"invoice 'inv-1'"``, ``"quote 'q-1'"``).
    """

    def __init__(self, *, document: str, reason: str) -> None:
        self.document = document
        super().__init__(reason)


class TotalsTooLarge(InvalidDocument):
    """A document's totals reach ``limit`` (``total`` is the first that does), as ``Decimal``."""

    def __init__(self, *, total: Decimal, limit: Decimal) -> None:
        self.total = total
        self.limit = limit
        super().__init__(
            f"its totals reach {total}; ordercore prices documents below 10**{limit.adjusted()}: "
            "split it into several documents"
        )


class DuplicateLineKey(InvalidDocument, Conflict):
    """Two lines have the same ``key``: of a quote's content, or of an order (``document``).

    Keys name lines across versions and documents, so each is given once.
    """

    def __init__(self, key: str, *, document: str = "the quote") -> None:
        self.key = key
        self.document = document
        super().__init__(
            f"two lines of {_text(document)} have the key {_show(key)}; give each line its own key"
        )


class UnknownQuoteLine(NotFound):
    """A quote's content has no line with ``key``."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"the quote has no line {_show(key)}; ask for the key of one of its lines")


class DeltaDoesNotApply(Conflict):
    """A quote's :class:`~ordercore.documents.quotes.Delta` was applied to another version.

    ``key`` is the line where the version differs from the one the delta was taken from
    (``None`` for a setting of the content), ``field`` the field or setting that differs
    (``None`` when a whole line does), ``found`` the version's value and ``expected`` the
    delta's (``None`` where a line is missing or extra). Apply the delta to the version
    it was taken from, or take a new delta with ``Delta.between``.
    """

    def __init__(
        self,
        *,
        reason: str,
        key: str | None = None,
        field: str | None = None,
        found: object = None,
        expected: object = None,
    ) -> None:
        self.reason = reason
        self.key = key
        self.field = field
        self.found = found
        self.expected = expected
        super().__init__(
            f"this delta was not taken from that version: {reason}; apply it to the version "
            "it was taken from, or take a new one with Delta.between"
        )


class EmptyRevision(InvalidDocument):
    """A revision of a quote changes neither its content nor its validity date.

    ``quote`` is its id and ``version`` the version that would have been revised.
    """

    def __init__(self, *, quote: str, version: int) -> None:
        self.quote = quote
        self.version = version
        super().__init__(
            f"the revision of version {version} of quote {_show(quote)} changes nothing; "
            "give a changed content or another valid_until, or keep the version as it is"
        )


class QuoteLineNotOrderable(InvalidDocument):
    """A line of a quote is one a sales order would refuse: a quote offers what an order sells.

    ``quote`` is the quote's id, ``key`` the line's key and ``quantity`` its quantity
    (a ``Decimal``). A quote line sells a positive quantity; a return is taken with a
    credit note.
    """

    def __init__(self, *, quote: str, key: str, quantity: Decimal) -> None:
        self.quote = quote
        self.key = key
        self.quantity = quantity
        super().__init__(
            f"line {_show(key)} of quote {_show(quote)} has quantity {quantity}, and a sales "
            "order sells: offer a positive quantity, and take a return with a credit note"
        )


class QuoteNotSent(WrongState):
    """A draft quote was accepted, declined or expired: send it first.

    ``quote`` is its id; ``operation`` is the step asked for.
    """

    def __init__(self, *, quote: str, operation: str) -> None:
        self.quote = quote
        super().__init__(
            document=f"quote {_show(quote)}",
            state="draft",
            operation=operation,
            first="send it",
            reason="the customer has not seen it",
        )


class QuoteNotAccepted(WrongState):
    """An order was confirmed from a quote the customer has not accepted: accept it first.

    ``quote`` is its id, ``state`` the state it is in (``"draft"`` or ``"sent"``).
    """

    def __init__(self, *, quote: str, state: str) -> None:
        self.quote = quote
        super().__init__(
            document=f"quote {_show(quote)}",
            state=state,
            operation="confirm an order from",
            first="send it and have it accepted" if state == "draft" else "accept it",
            reason="an order follows from an accepted quote",
        )


class QuotePastValidity(WrongState):
    """A quote was sent or accepted after the date it is valid until.

    ``quote`` is its id, ``valid_until`` its validity date and ``on`` the business date
    of the request. Revise it with a later ``valid_until`` first (a sent quote revised is
    a new draft, to send again).
    """

    def __init__(
        self, *, quote: str, state: str, operation: str, valid_until: dt.date, on: dt.date
    ) -> None:
        self.quote = quote
        self.valid_until = valid_until
        self.on = on
        again = " and send it again" if state == "sent" else ""
        super().__init__(
            document=f"quote {_show(quote)}",
            state=state,
            operation=operation,
            first=f"revise it with a later valid_until{again}",
            reason=f"valid until {valid_until}, before {on}",
        )


class QuoteNotExpired(WrongState):
    """A sent quote was expired on or before the date it is valid until.

    ``quote`` is its id, ``valid_until`` its validity date and ``on`` the business date
    of the request; expire it on a business date after ``valid_until``.
    """

    def __init__(self, *, quote: str, valid_until: dt.date, on: dt.date) -> None:
        self.quote = quote
        self.valid_until = valid_until
        self.on = on
        super().__init__(
            document=f"quote {_show(quote)}",
            state="sent",
            operation="expire",
            reason=f"valid until {valid_until}, so it has not expired on {on}; "
            f"expire it after {valid_until}, or accept or decline it",
        )


class CreditNoteParty(InvalidDocument):
    """A credit note names no party, or both: it names a ``customer`` or a ``supplier``."""

    def __init__(self, *, customer: object, supplier: object) -> None:
        self.customer = customer
        self.supplier = supplier
        which = "both" if customer is not None else "neither"
        super().__init__(
            f"a credit note names either a customer or a supplier, not {which}: give the "
            "customer for a credit note we issue, the supplier for one we record"
        )


class CreditBeforeInvoice(InvalidDocument):
    """A credit note would be dated (``issue_date``) before the invoice or bill it credits.

    ``invoice`` is the number of the invoice (or bill), ``invoice_date`` its issue date.
    """

    def __init__(
        self, *, invoice: str, kind: str, issue_date: dt.date, invoice_date: dt.date
    ) -> None:
        self.invoice = invoice
        self.issue_date = issue_date
        self.invoice_date = invoice_date
        super().__init__(
            f"a credit note dated {issue_date}, before {kind} {invoice} was issued "
            f"({invoice_date}), cannot credit it; date it on or after {invoice_date}"
        )


class NothingToCredit(InvalidDocument):
    """An invoice (or bill) billed nothing to credit: its ``total`` with taxes is not positive.

    ``invoice`` is its number, ``total`` its total with taxes (a ``Money``), and ``owed``
    what it owes the other party when the total is below nothing (a ``Money``, else
    ``None``).
    """

    def __init__(self, *, invoice: str, kind: str, total: object, owed: object = None) -> None:
        self.invoice = invoice
        self.total = total
        self.owed = owed
        if owed is not None:
            owes, fix = (
                ("the supplier owes you", "have the supplier pay it, or record a bill")
                if kind == "bill"
                else ("it owes the customer", "pay it, or issue an invoice")
            )
            why = f"{owes} {owed}, and a credit note would owe more; {fix} for the difference"
        else:
            why = (
                "it billed nothing to credit; for a correction, issue a new document or a "
                "standalone credit"
            )
        super().__init__(f"{kind} {invoice} totals {total} with taxes: {why}")


class CreditOfAnotherInvoice(InvalidDocument):
    """An earlier credit note given (``previous=``) credits another invoice, or none.

    ``credit_note`` is its number, ``credited`` the number of the invoice it credits
    (``None``: it stands alone), ``invoice`` the invoice being credited now.
    """

    def __init__(self, *, credit_note: str, credited: str | None, invoice: str) -> None:
        self.credit_note = credit_note
        self.credited = credited
        self.invoice = invoice
        super().__init__(
            f"credit note {credit_note} credits invoice {credited or '(none: it stands alone)'}, "
            f"not {invoice}; give only the credit notes of {invoice} as previous"
        )


class CreditOfAnotherParty(InvalidDocument):
    """An earlier credit note given (``previous=``) is not from the invoice's party.

    ``credit_note`` is its number, ``invoice`` the invoice being credited, ``party`` the
    invoice's customer or supplier.
    """

    def __init__(self, *, credit_note: str, invoice: str, party: str) -> None:
        self.credit_note = credit_note
        self.invoice = invoice
        self.party = party
        super().__init__(
            f"credit note {credit_note} is not from the party of invoice {invoice} "
            f"({_show(party)}); give only the credit notes of {invoice} as previous"
        )


class UnknownInvoiceLine(NotFound):
    """An invoice (or bill), number ``invoice``, has no line ``index`` (``count`` lines)."""

    def __init__(self, *, invoice: str, index: int, count: int) -> None:
        self.invoice = invoice
        self.index = index
        self.count = count
        super().__init__(
            f"invoice {invoice} has no line {index}: its lines are numbered from 0 to "
            f"{count - 1}, groups included"
        )


class UnknownLineKey(NotFound):
    """A document has no line keyed ``key``; ``keys`` are the keys its lines carry.

    ``document`` names it (``"invoice INV-1"``). A document made from an order carries the
    keys of the order lines its lines bill; one made otherwise may carry none (``keys`` is
    empty), and its lines are named by index.
    """

    def __init__(self, *, document: str, key: str, keys: tuple[str, ...]) -> None:
        self.document = document
        self.key = key
        self.keys = keys
        known = ", ".join(_show(k) for k in keys[:10]) + (", ..." if len(keys) > 10 else "")
        then = (
            f"name one of its keys ({known})"
            if keys
            else "its lines carry no keys: name a line by its index"
        )
        super().__init__(f"{_text(document)} has no line keyed {_show(key)}; {then}")


class AlreadyCredited(WrongState):
    """An invoice's earlier credit notes leave no room for the credit asked for.

    ``invoice`` is its number, ``credit_notes`` the numbers of its earlier credit notes,
    ``in_full`` whether one of them credited it in full (nothing is credited after that);
    otherwise a credit in full was asked after other credits (credit what remains by
    lines or by amount).
    """

    def __init__(
        self, *, invoice: str, operation: str, credit_notes: tuple[str, ...], in_full: bool
    ) -> None:
        self.invoice = invoice
        self.credit_notes = credit_notes
        self.in_full = in_full
        super().__init__(
            document=f"invoice {invoice}",
            state="credited in full" if in_full else "credited already",
            operation=operation,
            reason=(
                "nothing remains to credit; issue a new invoice for what is owed"
                if in_full
                else f"it has credit notes ({', '.join(credit_notes)}); credit what "
                "remains by lines or by amount"
            ),
        )


class NotCreditableByLines(InvalidDocument):
    """An invoice, or one of its lines, cannot be credited by lines.

    ``invoice`` is its number; ``line`` the index of the line (``None``: the invoice as a
    whole, for standalone document allowances and charges or a line of its own that
    deducts a down payment or takes back goods). Credit it in full, or credit an amount.
    """

    def __init__(self, *, invoice: str, line: int | None, reason: str) -> None:
        self.invoice = invoice
        self.line = line
        super().__init__(reason)


class NotCreditableByAmount(InvalidDocument):
    """An invoice cannot be credited by amount, or not on the base asked for.

    ``invoice`` is its number and ``taxes`` the label of the set of taxes the refusal is
    about (``None``: the invoice as a whole). Each subclass names one cause; the message
    says how to credit the invoice instead.
    """

    def __init__(self, *, invoice: str, taxes: str | None, reason: str) -> None:
        self.invoice = invoice
        self.taxes = taxes
        super().__init__(reason)


class PerUnitTaxByAmount(NotCreditableByAmount):
    """The invoice bills a per-unit tax (``tax``, its label), and an amount has no units."""

    def __init__(self, *, invoice: str, taxes: str, tax: str) -> None:
        self.tax = tax
        super().__init__(
            invoice=invoice,
            taxes=taxes,
            reason=f"invoice {invoice} bills the per-unit tax {tax}, which is owed per unit "
            "sold, and a credit by amount has no units; credit those lines with "
            "credit_lines, or credit the invoice in full",
        )


class TaxIncludedAndAdded(NotCreditableByAmount):
    """The invoice bills one tax of the set ``taxes`` both included in a price and added to it."""

    def __init__(self, *, invoice: str, taxes: str) -> None:
        super().__init__(
            invoice=invoice,
            taxes=taxes,
            reason=f"invoice {invoice} bills a tax of {taxes} both included in a price and "
            "added to it; credit it by lines or in full",
        )


class TaxNotIncludable(NotCreditableByAmount):
    """A tax-inclusive amount was stated for an invoice with a compound or withholding ``tax``.

    A credit by a tax-inclusive amount backs its taxes out of the amount, which it does
    for neither a compound tax (its amount is in the base of the next) nor a withholding
    tax (never included in a price); state the amount before taxes
    (``base=CreditBase.UNTAXED``).
    """

    def __init__(self, *, invoice: str, taxes: str, tax: str, kind: str) -> None:
        self.tax = tax
        self.kind = kind
        super().__init__(
            invoice=invoice,
            taxes=taxes,
            reason=f"invoice {invoice} bills the {kind} tax {tax}, which a credit by a "
            "tax-inclusive amount does not back out; state the amount before taxes "
            "(base=CreditBase.UNTAXED)",
        )


class TaxSetBelowZero(NotCreditableByAmount):
    """The untaxed amounts of the invoice with the set ``taxes`` come to ``amount`` < 0.

    (A standalone allowance with taxes of its own can take a set below zero.) An amount
    cannot be split over such sets: credit the invoice in full.
    """

    def __init__(self, *, invoice: str, taxes: str, amount: Decimal) -> None:
        self.amount = amount
        super().__init__(
            invoice=invoice,
            taxes=taxes,
            reason=f"the untaxed amounts of invoice {invoice} with {taxes} come to {amount}, "
            "less than nothing, so a credit by amount cannot be split over its taxes; "
            "credit it in full",
        )


class NoUntaxedAmount(NotCreditableByAmount):
    """An untaxed amount was stated for an invoice whose lines come to no untaxed amount."""

    def __init__(self, *, invoice: str) -> None:
        super().__init__(
            invoice=invoice,
            taxes=None,
            reason=f"invoice {invoice} has no untaxed amount to credit; credit an amount "
            "with its taxes (base=CreditBase.TOTAL)",
        )


# -- invoices and bills: lifecycle ------------------------------------------------------


class DueDateAndTerm(InvalidDocument):
    """A document was issued with both a ``due_date`` and a ``payment_term``.

    ``payment_term`` is the term's name. The term's installments set the due date.
    """

    def __init__(self, *, document: str, due_date: dt.date, payment_term: str) -> None:
        self.document = document
        self.due_date = due_date
        self.payment_term = payment_term
        super().__init__(
            f"{document} has both a due date ({due_date}) and a payment term "
            f"({_show(payment_term)}): give one of them, the term's installments set the "
            "due date"
        )


class DueBeforeIssue(InvalidDocument):
    """A document falls due (``due_date``) before it is issued (``issue_date``)."""

    def __init__(self, *, due_date: dt.date, issue_date: dt.date) -> None:
        self.due_date = due_date
        self.issue_date = issue_date
        super().__init__(
            f"the due date {due_date} is before the issue date {issue_date}; give a due "
            "date on or after it"
        )


class InstallmentsDoNotPay(InvalidDocument):
    """A document's installments (``scheduled``, their sum) do not pay its ``amount_due``."""

    def __init__(self, *, scheduled: object, amount_due: object) -> None:
        self.scheduled = scheduled
        self.amount_due = amount_due
        super().__init__(
            f"the installments sum to {_text(scheduled)}, not to the amount due "
            f"{_text(amount_due)}: schedule the amount due with the document's payment term"
        )


class InstallmentsOutOfDates(InvalidDocument):
    """A document's installments do not fall due between its issue date and its due date.

    ``first_due`` and ``last_due`` are the dates the first and the last installment fall
    due; the first is on or after ``issue_date``, and the last is the ``due_date``.
    """

    def __init__(
        self,
        *,
        issue_date: dt.date,
        due_date: dt.date | None,
        first_due: dt.date,
        last_due: dt.date,
    ) -> None:
        self.issue_date = issue_date
        self.due_date = due_date
        self.first_due = first_due
        self.last_due = last_due
        super().__init__(
            f"an installment falls due on {first_due}, before the issue date {issue_date}; "
            "schedule the amount due from the issue date"
            if first_due < issue_date
            else f"the due date {due_date} is not the date the last installment falls due "
            f"({last_due}); give that date as the due date"
        )


# InvalidDocument's reason is a str, WrongState's may be None: this one always has one.
class NotADraft(WrongState):
    """A draft's step (revise, void, issue) was asked of an issued or a voided document.

    ``document`` names it, ``state`` is ``"issued"`` or ``"voided"``, ``operation`` the
    step; ``first`` says what to do instead (an issued document is corrected by a credit
    note; a voided one is left as it is, and a new draft made).
    """

    def __init__(self, *, document: str, state: str, operation: str) -> None:
        instead = (
            "credit it with a credit note (credit_lines, credit_amount or credit_in_full)"
            if state == "issued"
            else "make a new draft"
        )
        super().__init__(
            document=document,
            state=state,
            operation=operation,
            first=instead,
            reason=f"only a draft can be {operation.rstrip('e')}ed"
            if operation != "issue"
            else "only a draft is issued",
        )


class DraftMadeFromOrder(InvalidDocument, WrongState):  # type: ignore[misc]
    """A draft invoice or bill made from an order was revised; void it instead.

    The draft bills what the order recorded for it, so changing the draft alone would
    leave that record behind. ``document`` is the draft, ``order`` the order it bills
    (kind and number), ``first`` what to do instead. It is also an ``InvalidDocument``,
    as it was before this error had a name.
    """

    def __init__(self, *, document: str, order: str, again: str) -> None:
        self.document = document
        self.order = order
        self.state = f"made from {order}"
        self.operation = "revise"
        self.first = f"void it, release it on the order and {again} again"
        self.reason = f"{document} bills {order}, which recorded what it takes; {self.first}"
        OrdercoreError.__init__(self, f"invalid document: {self.reason}")


# -- payment terms --------------------------------------------------------------------------


class InvalidPaymentTerm(InvalidInput, ValueError):
    """A payment term, or one of its installments, due-date rules or discounts, is malformed."""

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"invalid payment term: {_where(field)}{_show(value)}: {reason}")


class DueBeforeInvoiceDate(InvalidPaymentTerm):
    """A due-date rule, applied to ``invoice_date``, gives ``due_date``, before it.

    ``rule`` is the rule's ``repr``. A rule whose steps count backwards (five days before
    the end of the month) or name a day of the invoice's own month does that for some
    invoice dates; nothing is ever moved to make it fit.
    """

    def __init__(self, *, rule: str, invoice_date: dt.date, due_date: dt.date) -> None:
        self.rule = rule
        self.invoice_date = invoice_date
        self.due_date = due_date
        self.value = due_date
        self.field = "due_date"
        self.reason = (
            f"{rule} gives {due_date} for an invoice dated {invoice_date}, before it: use a "
            "rule that counts forward from the invoice date, such as a later month"
        )
        OrdercoreError.__init__(self, f"invalid payment term: {self.reason}")


class DiscountExceedsBase(LimitExceeded):
    """A fixed early-payment discount (``discount``) is more than its ``base``.

    ``requested`` is the discount and ``remaining`` the base's magnitude, all ``Money``.
    """

    def __init__(self, *, discount: object, base: object, remaining: object) -> None:
        self.discount = discount
        self.base = base
        self.requested = discount
        self.remaining = remaining
        super().__init__(
            f"a fixed early-payment discount of {_text(discount)} is more than its base "
            f"{_text(base)}: give a smaller amount, or a percent"
        )


class InvalidTermNotation(InvalidPaymentTerm):
    """A payment-term notation (``text``) is none of the ``accepted`` forms."""

    def __init__(self, *, text: str, accepted: tuple[str, ...]) -> None:
        self.text = text
        self.accepted = accepted
        self.value = text
        self.field = "text"
        self.reason = f"write one of: {'; '.join(accepted)}"
        OrdercoreError.__init__(
            self, f"invalid payment term: {_show(text)} is no term notation; {self.reason}"
        )


class InstallmentsExceedTotal(LimitExceeded):
    """A payment term's fixed and percentage installments take more than the total to schedule.

    ``scheduled`` is what those installments come to, with the sign of ``total``.
    """

    def __init__(self, *, term: str, total: object, scheduled: object) -> None:
        self.term = term
        self.total = total
        self.scheduled = scheduled
        super().__init__(
            f"payment term {_show(term)} cannot schedule {_text(total)}: its fixed and percentage "
            f"installments come to {_text(scheduled)}, more than the whole; use a term whose "
            "fixed amounts fit this total, or one without fixed amounts"
        )


class InvalidData(InvalidInput, ValueError):
    """Plain data (a dict or JSON file) does not describe a valid ordercore object.

    ``path`` names the offending field, such as ``items[2].quantity``.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path or '<root>'}: {reason}")


class DuplicateKey(InvalidData, Conflict):
    """A JSON object names the same ``key`` twice; JSON readers would silently keep the last.

    ``path`` is the JSON path of the repeated key, such as ``items[0].quantity`` (the first
    object, in document order, that repeats a key).
    """

    def __init__(self, path: str, key: str) -> None:
        self.path = path
        self.key = key
        self.reason = f"the key {_show(key)} appears twice in one object; give each key once"
        OrdercoreError.__init__(self, f"{path}: {self.reason}" if path else self.reason)


# -- settlement: open items, and shares over time -------------------------------------------


class InvalidOpenItem(InvalidInput, ValueError):
    """An open item (or its document reference) is inconsistent: ``field`` names the part.

    Its amount is not in whole minor units or has the wrong sign for its document, its
    installments do not sum to it or fall due before it was issued, or its document
    reference contradicts itself.
    """

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"invalid open item: {_where(field)}{_text(value)}: {reason}")


class PartsExceedWhole(LimitExceeded):
    """A part taken of an amount over time would cover more units than are left of the whole.

    ``requested`` is what the part covers, ``remaining`` what the earlier parts left of
    the ``whole``, all three in one type (``Decimal`` for quantities given as ``Decimal``
    or ``int``, else ``Fraction``).
    """

    def __init__(self, *, requested: object, remaining: object, whole: object) -> None:
        self.requested = requested
        self.remaining = remaining
        self.whole = whole
        super().__init__(
            f"cannot take a part of {_text(requested)} of {_text(whole)}: only "
            f"{_text(remaining)} remains after the earlier parts; take at most that, or "
            "give an earlier part back first"
        )


# -- settlement: payments and allocation ----------------------------------------------------


class InvalidPayment(InvalidInput, ValueError):
    """A payment is malformed: ``field`` names the part (its amount, date, party, ...)."""

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"invalid payment: {_where(field)}{_text(value)}: {reason}")


class OverAllocation(LimitExceeded):
    """An allocation would take more than a payment has, or give an item more than it owes.

    ``requested`` is the amount asked for, ``available`` what the payment has left (or
    the item still owes), both ``Money`` of one currency; ``target`` names the payment
    or item that would go beyond its amount.
    """

    def __init__(self, *, requested: object, available: object, target: str) -> None:
        self.requested = requested
        self.available = available
        self.target = target
        super().__init__(
            f"cannot allocate {_text(requested)} against {target}: only {_text(available)} "
            "is available; allocate at most that, or reverse an earlier allocation first"
        )


class UnknownOpenItem(NotFound):
    """A settlement ledger holds no open item for ``document`` (its ``str``)."""

    def __init__(self, document: str) -> None:
        self.document = document
        super().__init__(f"no open item for {document}: add it to the ledger first")


class UnknownPayment(NotFound):
    """A settlement ledger holds no payment with ``reference``."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no payment {_show(reference)}: record the payment first")


class UnknownAllocation(NotFound):
    """A settlement ledger holds no allocation ``number``."""

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"no allocation {_text(number)}: allocations are numbered from 1 as made")


class DuplicateOpenItem(Conflict):
    """An open item for ``document`` (its ``str``) is in the ledger already."""

    def __init__(self, document: str) -> None:
        self.document = document
        super().__init__(f"{document} is in the ledger already: add each document once")


class DuplicatePayment(Conflict):
    """A payment with ``reference`` is recorded already."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(
            f"payment {_show(reference)} is recorded already: record each payment once, "
            "under its own reference"
        )


class AllocationReversed(WrongState):
    """Allocation ``number`` was reversed already; an allocation is reversed once."""

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(
            document=f"allocation {number}",
            state="reversed",
            operation="reverse",
            reason="an allocation is reversed once; allocate again to apply the payment anew",
        )


class AllocationTooEarly(InvalidInput, ValueError):
    """An allocation dated ``on`` is before ``earliest``, the first day it could be made.

    ``earliest`` is the later of the day its source was paid (a payment's date) or
    issued (a credit note's) and the day its item was issued; ``source`` and ``item``
    name them as :class:`NotAllocatable` does. For a refund of credit
    (:meth:`~ordercore.settlement.Ledger.refund_credit`), ``source`` is the refund and
    ``item`` the payment whose credit it pays back, and ``earliest`` the later of their
    dates.
    """

    def __init__(self, *, on: dt.date, earliest: dt.date, source: str, item: str) -> None:
        self.on = on
        self.earliest = earliest
        self.source = source
        self.item = item
        super().__init__(
            f"cannot allocate {source} to {item} on {on.isoformat()}: not before "
            f"{earliest.isoformat()}, when both of them existed; date it then or later"
        )


class RefundBeforePayment(AllocationTooEarly):
    """Refund ``refund`` (of ``refund_date``) would pay back credit of a later payment.

    Without a day to pay back on (``on=``), a refund pays back only the credit its party
    had on the refund's date: payment ``payment`` was made on ``payment_date``, after it.
    Name a payment made by then, or give ``on=`` a day on or after both dates if the
    refund was indeed matched to it later. As an :class:`AllocationTooEarly`, ``on`` is
    ``refund_date``, ``earliest`` ``payment_date``, ``source`` the refund and ``item`` the
    payment.
    """

    def __init__(
        self, *, refund: str, payment: str, refund_date: dt.date, payment_date: dt.date
    ) -> None:
        self.refund = refund
        self.payment = payment
        self.refund_date = refund_date
        self.payment_date = payment_date
        InvalidInput.__init__(
            self,
            f"refund {_show(refund)} of {refund_date.isoformat()} cannot pay back credit of "
            f"payment {_show(payment)}, made later, on {payment_date.isoformat()}: name a "
            "payment made by the refund's date, or give on= a day on or after both",
        )
        self.on = refund_date
        self.earliest = payment_date
        self.source = refund
        self.item = payment


class NotAllocatable(InvalidInput, ValueError):
    """A source cannot be allocated to an item: another ledger, a sign it cannot settle.

    ``source`` names what would pay (a payment reference, or the ``str`` of a credit
    note's document), ``item`` the ``str`` of the item's document, ``reason`` why not.
    """

    def __init__(self, *, source: str, item: str, reason: str) -> None:
        self.source = source
        self.item = item
        self.reason = reason
        super().__init__(f"cannot allocate {source} to {item}: {reason}")


class WriteOffExceedsTolerance(LimitExceeded):
    """What an item still owes is more than the tolerance a write-off was allowed.

    ``document`` is the ``str`` of the item's document; ``remainder`` what it still owes
    and ``tolerance`` the most that may be written off, both ``Money`` of its currency
    (``remainder`` signed like the item, ``tolerance`` not negative).
    """

    def __init__(self, *, document: str, remainder: object, tolerance: object) -> None:
        self.document = document
        self.remainder = remainder
        self.tolerance = tolerance
        super().__init__(
            f"{document} still owes {_text(remainder)}, more than the tolerance "
            f"{_text(tolerance)}: allocate a payment or credit first, or state a larger tolerance"
        )


class EntriesOutOfSequence(InvalidInput, ValueError):
    """The entries given to rebuild a ledger are not numbered 1 to ``count`` once each.

    ``number`` is the first entry number found beyond ``count`` (the number of entries
    given) or given twice: some number from 1 to ``count`` is then missing.
    """

    def __init__(self, *, number: int, count: int) -> None:
        self.number = number
        self.count = count
        super().__init__(
            f"entry {_text(number)} does not fit {count} entries numbered 1 to {count}: "
            "give every entry the ledger made, each once"
        )


class EntryDoesNotReplay(InvalidInput, ValueError):
    """A stored entry is not what the ledger's operations would have made of its facts.

    ``number`` is the entry's, ``reason`` what differs (what an allocation through a
    rate took from its source, a discount larger than the item earned on its date).
    """

    def __init__(self, *, number: int, reason: str) -> None:
        self.number = number
        self.reason = reason
        super().__init__(
            f"entry {_text(number)} does not follow from the facts before it: {reason}; "
            "store the entries as the ledger made them"
        )


class OtherPartyInAccount(Conflict):
    """An account's ledger holds an open item or a payment of another party.

    ``account`` is the account's id, ``party`` its party, ``other`` the party of the
    item or payment found; an account holds one party's settlement only.
    """

    def __init__(self, *, account: str, party: str, other: str) -> None:
        self.account = account
        self.party = party
        self.other = other
        super().__init__(
            f"account {_show(account)} of {_show(party)} holds facts of {_show(other)}: "
            "keep each party's items and payments in its own account"
        )


class NoDiscountAvailable(WrongState):
    """An item earns no early-payment discount on the day asked (``document`` is its ``str``)."""

    def __init__(self, document: str) -> None:
        super().__init__(
            document=document,
            state="no discount",
            operation="take a discount",
            reason="no installment's discount deadline is on or after that day with anything "
            "open, or a discount was taken already; reverse it first to take it anew",
        )


class NothingToWriteOff(WrongState):
    """An item owes nothing more (``document`` is its ``str``): there is nothing to write off."""

    def __init__(self, document: str) -> None:
        super().__init__(
            document=document,
            state="settled",
            operation="write off",
            reason="it owes nothing more; reverse an allocation first if it was wrong",
        )


class InvalidReport(InvalidInput, ValueError):
    """A report was asked for with a malformed parameter: ``field`` names it (edges, days)."""

    def __init__(self, value: object, *, reason: str, field: str) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"invalid report: {_where(field)}{_text(value)}: {reason}")


# -- catalog, parties and tax rules ------------------------------------------------------


class InvalidCode(InvalidInput, ValueError):
    """A code (country, region, unit of measure, SKU, tax id) does not have its required form."""

    def __init__(self, value: object, *, expected: str, field: str) -> None:
        self.value = value
        self.expected = expected
        self.field = field
        super().__init__(f"{field}: {_show(value)} is not valid; pass {expected}")


class UnknownProduct(NotFound):
    """A SKU is not in the catalog version that was asked for it."""

    def __init__(self, sku: object, *, version: str) -> None:
        self.sku = sku
        self.version = version
        super().__init__(
            f"no product with SKU {_show(sku)} in catalog version {_show(version)}: "
            "check the SKU, or add the product in a new catalog version"
        )


class UnknownPriceBook(NotFound):
    """A price book name is not in the catalog version that was asked for it."""

    def __init__(self, name: object, *, version: str, known: tuple[str, ...]) -> None:
        self.name = name
        self.version = version
        self.known = known
        names = _text(", ".join(repr(k) for k in known[:20])) or "none"
        super().__init__(
            f"no price book {_show(name)} in catalog version {_show(version)} (it has: {names})"
        )


class NoPrice(NotFound):
    """A price book has no price for a SKU at the ordered quantity.

    ``lowest`` is the book's lowest quantity break for the SKU (a ``Decimal``) when the
    quantity is below it, ``None`` when the book lists no price for the SKU at all.
    """

    def __init__(
        self,
        sku: str,
        *,
        price_book: str,
        quantity: object,
        reason: str,
        lowest: Decimal | None = None,
    ) -> None:
        self.sku = sku
        self.price_book = price_book
        self.quantity = quantity
        self.reason = reason
        self.lowest = lowest
        super().__init__(
            f"price book {_show(price_book)} has no price for {_show(sku)} at quantity {_text(quantity)}: "
            f"{reason}"
        )


class InvalidPriceBook(InvalidInput, ValueError):
    """A price book's entries contradict each other or its currency.

    ``sku`` is the SKU of the entry at fault; ``quantity`` the quantity break it prices
    twice (a ``Decimal``), ``None`` when its price is in another currency than the book's.
    """

    def __init__(
        self,
        name: str,
        *,
        reason: str,
        sku: str | None = None,
        quantity: Decimal | None = None,
    ) -> None:
        self.name = name
        self.reason = reason
        self.sku = sku
        self.quantity = quantity
        super().__init__(f"invalid price book {_show(name)}: {reason}")


class InvalidCatalog(InvalidInput, ValueError):
    """A catalog version is inconsistent (duplicate SKUs, kits of unknown products, ...).

    ``version`` is the catalog version; ``key`` the SKU or price book name at fault (the
    component of a kit, the SKU a book prices, the first repeated or removed-and-added
    key), ``None`` when the version identifier itself is.
    """

    def __init__(self, version: str, *, reason: str, key: str | None = None) -> None:
        self.version = version
        self.reason = reason
        self.key = key
        super().__init__(f"invalid catalog version {_show(version)}: {reason}")


class InvalidKit(InvalidInput, ValueError):
    """A kit's list of components is malformed (empty, repeated, or containing itself)."""

    def __init__(self, sku: str, *, reason: str) -> None:
        self.sku = sku
        self.reason = reason
        super().__init__(f"invalid kit {_show(sku)}: {reason}")


class NoTaxRule(NotFound):
    """No tax rule matches a product's tax class, a customer and a place of supply."""

    def __init__(self, tax_class: str, *, country: str, region: str | None) -> None:
        self.tax_class = tax_class
        self.country = country
        self.region = region
        place = region or country
        super().__init__(
            f"no tax rule for tax class {_show(tax_class)} shipped to {place}: add a rule for it, "
            "or a catch-all rule (where=None) such as an export rule"
        )


class ConflictingTaxRules(Conflict):
    """Two tax rules are equally specific and can match the same sale."""

    def __init__(self, first: object, second: object) -> None:
        self.first = first
        self.second = second
        super().__init__(
            f"the tax rules {_show(first)} and {_show(second)} are equally specific and can "
            "match the same sale: make one more specific (a region, a tax class or a "
            "registration scheme) or remove one"
        )


# -- orders, invoices and bills: named errors go here ----------------------------------


class InvalidOrder(InvalidDocument):
    """The content given to confirm an order (or a quote to become one) cannot be ordered.

    ``order`` names the order (its kind and number: ``"sales order SO-1"``), as
    ``document`` does on every document error; each leaf says what is wrong and carries
    the offending values.
    """

    def __init__(self, *, order: str, reason: str) -> None:
        self.order = order
        self.document = order
        super().__init__(reason)


class ReturnOnOrder(InvalidOrder):
    """A line to order has a quantity of nothing or less: an order sells or buys.

    ``line`` is its description, ``quantity`` its quantity (``Decimal``). A return is a
    credit note of the invoice or bill that billed it.
    """

    def __init__(self, *, order: str, line: str, quantity: Decimal) -> None:
        self.line = line
        self.quantity = quantity
        super().__init__(
            order=order,
            reason=(
                f"line {_show(line)} of {_text(order)} has quantity {quantity}: an order sells "
                "or buys; take a return with a credit note of the invoice or bill"
            ),
        )


class PrepaidOnOrder(InvalidOrder):
    """The content to order states a prepaid amount; ``prepaid`` is it (``Money``).

    A sales order asks for money up front with a down payment instead.
    """

    def __init__(self, *, order: str, prepaid: object) -> None:
        self.prepaid = prepaid
        super().__init__(
            order=order,
            reason=(
                f"{_text(order)} cannot hold a prepaid amount ({_text(prepaid)}); leave it "
                "out, and ask for a down payment on a sales order instead"
            ),
        )


class NegativePriceOnOrder(InvalidOrder):
    """A line to order has a unit price below nothing: an order sells or buys.

    ``line`` is its description, ``unit_price`` its price (``Money``). A policy may allow
    negative prices on a document (``NegativePrices.ALLOW``: a deposit or discount line),
    but not on an order, whose lines are billed in shares of what they sell: bill such a
    line on the invoice, or state the discount as an allowance of the order.
    """

    def __init__(self, *, order: str, line: str, unit_price: object) -> None:
        self.line = line
        self.unit_price = unit_price
        super().__init__(
            order=order,
            reason=(
                f"line {_show(line)} of {_text(order)} has unit price {_text(unit_price)}: an "
                "order sells or buys; bill a deposit or discount line on the invoice, or give "
                "the discount as an allowance"
            ),
        )


class FeesAbovePrice(InvalidOrder):
    """A line's price does not cover the fees (per-unit taxes) included in it.

    ``line`` is its description, ``net`` what is left of its price once they are out
    (``Money``, below nothing).
    """

    def __init__(self, *, order: str, line: str, net: object) -> None:
        self.line = line
        self.net = net
        super().__init__(
            order=order,
            reason=(
                f"line {_show(line)} of {_text(order)} comes to a net of {_text(net)}: its "
                "price does not cover the fees included in it; raise the price, or take the "
                "fee out"
            ),
        )


class InvalidOrderRecord(InvalidDocument):
    """A record of an order, as a host rebuilds it from storage, does not add up.

    ``record`` names it (``"order line 'Desk'"``, ``"sales order SO-1"``), ``field`` is
    the field at fault, ``value`` its value and ``limit`` the bound it passes, of the
    same type (quantities as ``Decimal``, amounts as ``Money``, counts as ``int``).
    """

    def __init__(self, *, record: str, field: str, value: object, limit: object) -> None:
        self.record = record
        self.field = field
        self.value = value
        self.limit = limit
        super().__init__(
            f"{_text(record)}: {field} {_text(value)} is out of bounds (its bound is "
            f"{_text(limit)}); check the record stored for it"
        )


class UnknownOrderLine(NotFound):
    """An order has no line ``line`` (an index or a key, as given); ``count`` lines it has."""

    def __init__(self, *, order: str, line: object, count: int) -> None:
        self.order = order
        self.line = line
        self.count = count
        super().__init__(
            f"{_text(order)} has no line {_show(line)}: name a line by its key, or by its "
            f"index from 0 to {count - 1}, groups included"
        )


class OrderLimitExceeded(LimitExceeded):
    """A change would take more of an order line than remains.

    ``order`` names the order, ``line`` the line (its description), ``requested`` and
    ``remaining`` are quantities (``Decimal``). Its leaves say which change it was.
    """

    template: ClassVar[str] = (
        "cannot take {requested} of line {line} of {order}: only {remaining} remains"
    )

    def __init__(self, *, order: str, line: str, requested: object, remaining: object) -> None:
        self.order = order
        self.line = line
        self.requested = requested
        self.remaining = remaining
        super().__init__(
            self.template.format(
                order=_text(order),
                line=_show(line),
                requested=_text(requested),
                remaining=_text(remaining),
            )
        )


class OverDelivery(OrderLimitExceeded):
    """A delivery would deliver more of a sales order line than was ordered and not cancelled."""

    template = (
        "cannot deliver {requested} of line {line} of {order}: only "
        "{remaining} remains to deliver (ordered, less delivered and cancelled); "
        "deliver at most that, or order more"
    )


class OverInvoicing(OrderLimitExceeded):
    """An invoice would bill more of a sales order line than remains to invoice."""

    template = (
        "cannot invoice {requested} of line {line} of {order}: only {remaining} "
        "remains to invoice (ordered, less invoiced and cancelled); invoice at most that"
    )


class OverReceipt(OrderLimitExceeded):
    """A receipt would receive more of a purchase order line than was ordered and not cancelled."""

    template = (
        "cannot receive {requested} of line {line} of {order}: only "
        "{remaining} remains to receive (ordered, less received and cancelled); "
        "receive at most that, or order more"
    )


class OverBilling(OrderLimitExceeded):
    """A bill would bill more of a purchase order line than remains to bill."""

    template = (
        "cannot bill {requested} of line {line} of {order}: only "
        "{remaining} remains to bill (ordered, less billed and cancelled); bill at most that"
    )


class NothingRemains(WrongState):
    """An order has nothing left for the operation (to invoice, bill or cancel).

    ``order`` names it; ``operation`` is what was asked, ``first`` what would make it
    possible (``None`` when nothing can: the order is complete).
    """

    def __init__(self, *, order: str, operation: str, first: str | None = None) -> None:
        self.order = order
        super().__init__(
            document=order,
            state="done with it" if first is None else "waiting",
            operation=operation,
            first=first,
            reason="nothing remains for it",
        )


class DuplicateDocumentId(Conflict):
    """An order has made a document with ``document_id`` already; give each its own id."""

    def __init__(self, *, order: str, document_id: str) -> None:
        self.order = order
        self.document_id = document_id
        super().__init__(
            f"{_text(order)} has a document {_show(document_id)} already: give each invoice "
            "or bill made from it its own id"
        )


class NotFromThisOrder(NotFound):
    """The invoice or bill given was not made from this order, or was given back already.

    ``order`` names the order, ``document`` the invoice or bill (its id or number).
    """

    def __init__(self, *, order: str, document: str) -> None:
        self.order = order
        self.document = document
        super().__init__(
            f"{_text(document)} is not a document of {_text(order)} still to release or "
            "credit (it was made from another order, released already, or a credit in full "
            "gave it all back); give the invoice or bill this order made"
        )


class CreditTakenInAlready(Conflict):
    """An order took in the credit note ``credit_note`` already; each counts once."""

    def __init__(self, *, order: str, credit_note: str) -> None:
        self.order = order
        self.credit_note = credit_note
        super().__init__(
            f"{_text(order)} took in credit note {_text(credit_note)} already; each credit "
            "note is taken in once"
        )


class InvalidDownPayment(InvalidInput, ValueError):
    """A down payment cannot be asked for as stated.

    ``order`` names the order (``None`` when the down payment alone is malformed),
    ``reason`` says why; ``amount`` is the amount at fault where there is one (``Money``).
    """

    def __init__(self, *, reason: str, order: str | None = None, amount: object = None) -> None:
        self.order = order
        self.reason = reason
        self.amount = amount
        of = f" on {_text(order)}" if order else ""
        super().__init__(f"invalid down payment{of}: {reason}")


class DownPaymentsOutstanding(WrongState):
    """Cancelling would leave less to invoice than the down payments still to deduct.

    ``order`` names the order; ``outstanding`` is what its down payments still have to be
    deducted by later invoices (``Money``, on the down payments' bases).
    """

    def __init__(self, *, order: str, outstanding: object) -> None:
        self.order = order
        self.outstanding = outstanding
        super().__init__(
            document=order,
            state=f"still to deduct {_text(outstanding)} of down payments",
            operation="cancel what remains of",
            first="invoice what remains, or credit the down payment",
            reason="what would be left to invoice could not deduct them",
        )


class DownPaymentDeducted(WrongState):
    """A down payment's invoice was deducted by later invoices, so it cannot be given back.

    ``order`` names the order, ``invoice`` the down payment's invoice id, ``first`` what
    to give back first.
    """

    def __init__(self, *, order: str, invoice: str, first: str) -> None:
        self.order = order
        self.invoice = invoice
        super().__init__(
            document=f"the down payment invoice {_show(invoice)} of {_text(order)}",
            state="deducted by later invoices",
            operation="give back",
            first=first,
        )


class DownPaymentTooLarge(LimitExceeded):
    """A down payment asks for more than the order has left to cover it.

    ``order`` names the order; ``requested`` is the down payment and ``available`` the
    most it may be (both ``Money``, on the down payment's base: untaxed, or with taxes):
    what remains to invoice that earlier down payments do not already cover.
    """

    def __init__(self, *, order: str, requested: object, available: object) -> None:
        self.order = order
        self.requested = requested
        self.available = available
        super().__init__(
            f"cannot ask a down payment of {_text(requested)} on {_text(order)}: only "
            f"{_text(available)} remains to invoice that earlier down payments do not cover; "
            "ask for at most that"
        )


# -- storage: units of work, numbering, idempotency ----------------------------------------


class ConcurrencyConflict(Conflict):
    """A record was saved from a version that is no longer the stored one.

    ``record`` is the record's id; ``expected`` is the stored version the save was made
    from (the one the unit of work read) and ``found`` the one stored now (both ``int``;
    ``0``: none stored). Another writer committed in between; nothing was written.
    """

    def __init__(self, *, record: str, expected: int, found: int) -> None:
        self.record = record
        self.expected = expected
        self.found = found
        super().__init__(
            f"record {_show(record)} was saved from stored version {expected}, but version "
            f"{found} is stored now: another writer changed it; read it again in a new unit "
            "of work and redo the change"
        )


class IdempotencyConflict(Conflict):
    """An idempotency key was used again with another request.

    ``key`` is the idempotency key. A key names one request: retry with the same request
    to get its first result, or use a new key for a new request.
    """

    def __init__(self, *, key: str) -> None:
        self.key = key
        super().__init__(
            f"idempotency key {_show(key)} was used for another request: retry the same "
            "request with it, or give the new request a key of its own"
        )


class RecordExists(Conflict):
    """A record was added under an id that is stored already (``record``: the id)."""

    def __init__(self, *, record: str) -> None:
        self.record = record
        super().__init__(
            f"a record {_show(record)} is stored already: give each record its own id, or "
            "get it and save the changed record"
        )


class SchemaVersionMismatch(Conflict):
    """A database holds ordercore's tables at another schema version than this ordercore's.

    ``found`` is the version recorded in the database, ``expected`` the one this version
    of ordercore writes (both ``int``). Migrate the database first (docs/storage-sql.md),
    or run the ordercore version that wrote it.
    """

    def __init__(self, *, found: int, expected: int) -> None:
        self.found = found
        self.expected = expected
        super().__init__(
            f"the database holds ordercore schema version {found}, this ordercore writes "
            f"version {expected}: migrate the database, or use the ordercore that wrote it"
        )


class StorageBusy(Conflict):
    """A unit of work waited longer than ``timeout`` seconds for a lock (``resource``).

    Another unit of work holds the database's write lock, or a numbering series' row,
    for too long. Nothing was written: run the unit of work again, later. ``timeout`` is
    ``None`` when the database's own setting decided.
    """

    def __init__(self, *, resource: str, timeout: float | None) -> None:
        self.resource = resource
        self.timeout = timeout
        waited = "" if timeout is None else f" within {timeout:g} s"
        super().__init__(
            f"{resource} could not be had{waited}: another unit of work holds it; nothing "
            "was written, run the unit of work again"
        )


class UnknownRecord(NotFound):
    """No record is stored under ``record`` (an id, or a series name; ``what`` says which)."""

    def __init__(self, *, record: str, what: str = "record") -> None:
        self.record = record
        self.what = what
        super().__init__(f"no {what} {_show(record)} is stored: add it first")


class UnitOfWorkClosed(WrongState):
    """A unit of work was used after it committed or rolled back; open a new one."""

    def __init__(self, *, operation: str) -> None:
        super().__init__(
            document="the unit of work",
            state="closed",
            operation=operation,
            first="open a new unit of work",
            reason="a unit of work is used once, inside its with block",
        )


class WriteLockHeldInThread(WrongState):
    """A lock that a unit of work needs is held by another unit of work of this thread.

    A unit of work that takes a number holds a lock until it closes: SQLite's write lock
    (the whole database's), or the numbering series' own lock in the in-memory store. A
    second unit of work of the same thread that needs it (to take a number, or, on
    SQLite, to commit writes) would wait for the first, which cannot close while its
    thread waits: instead of that wait (and a ``StorageBusy`` after the timeout, or a
    wait without end), this is raised at once, and nothing of the second is written.
    Another thread still waits for the lock. ``database`` names the storage (an SQLite
    file's real path, ``"in memory (store ...)"``, or ``"MemoryStore ..."``), ``series``
    the numbering series whose lock is held (``None`` for SQLite's write lock, which is
    the database's), and ``operation`` says what needed the lock (``"take a number in"``,
    ``"commit to"``). Commit or roll back the first unit of work first, or run the second
    in another thread.
    """

    def __init__(self, *, database: str, operation: str, series: str | None = None) -> None:
        self.database = database
        self.series = series
        if series is None:
            document, state = f"the SQLite database {database}", "write-locked"
        else:
            document, state = f"numbering series {_show(series)} of {database}", "locked"
        super().__init__(
            document=document,
            state=f"{state} by another unit of work open in this thread",
            operation=operation,
            first="commit or roll back that unit of work",
            reason="this thread would wait for itself",
        )


class UnreadRecord(WrongState):
    """A record was saved by a unit of work that did not get it first (``record``: the id).

    Optimistic concurrency compares the stored version the unit of work read with the one
    stored at commit: a record never read has nothing to compare, so it is not saved.
    """

    def __init__(self, *, record: str) -> None:
        self.record = record
        super().__init__(
            document=f"record {_show(record)}",
            state="not read in this unit of work",
            operation="save",
            first="get it in this unit of work, change it, then save it",
        )


class EventDeliveryFailed(OrdercoreError, RuntimeError):
    """The host's event handler raised (the error is this one's ``__cause__``).

    ``event`` is the event it was given; it and the events after it stay in the outbox,
    pending, for the next delivery (``Services.deliver_events``). ``result`` is the result
    of the operation that committed before the delivery (``None`` when delivering on its
    own): the operation itself was done, and a retry with its idempotency key returns it.
    """

    def __init__(self, *, event: object, result: object = None) -> None:
        self.event = event
        self.result = result
        name = getattr(event, "name", type(event).__name__)
        super().__init__(
            f"the event handler raised on {name}; the operation was committed and the event "
            "stays pending: fix the handler, then deliver the pending events again"
        )


class NotAnAllocation(NotFound):
    """Entry ``number`` of a ledger is not an allocation (``entry``: what it is)."""

    def __init__(self, *, number: int, entry: object) -> None:
        self.number = number
        self.entry = entry
        super().__init__(
            f"entry {number} is a {type(entry).__name__}, not an allocation: reverse it as "
            "what it is, or name an allocation's number"
        )


# -- subscriptions: schedules, periods, proration --------------------------------------------


class InvalidSchedule(InvalidInput, ValueError):
    """A billing schedule (or its interval, anchor, trial or term) is malformed.

    ``value`` is the offending value, ``field`` the schedule's field at fault
    (``"interval"``, ``"billing_day"``, ``"trial_end"``, ``"end"``, ``"day_count"``, ...).
    """

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"invalid billing schedule: {_where(field)}{_show(value)}: {reason}")


class PeriodOutOfRange(InvalidSchedule):
    """A period index (or a date) lies outside what a schedule can reach.

    ``index`` is the period index asked for (``None`` when a date was), ``limit`` the bound:
    periods are numbered from ``-1`` (a stub before the first anchor) up to
    :data:`~ordercore.subscriptions.MAX_PERIODS`, and no boundary lies after 9999-12-31.
    """

    def __init__(self, value: object, *, index: int | None, limit: object, reason: str) -> None:
        self.index = index
        self.limit = limit
        super().__init__(value, reason=reason, field="index")


class InvalidSubscription(InvalidInput, ValueError):
    """A subscription, or a change asked of it, is malformed.

    ``value`` is the offending value, ``field`` what is at fault (``"items"``, ``"at"``,
    ``"key"``, ``"line"``, ``"until"``, ...).
    """

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"invalid subscription: {_where(field)}{_show(value)}: {reason}")


class ChangeOutOfOrder(InvalidSubscription):
    """A change is dated ``at``, before the subscription's last change (``last``).

    Changes are taken in time order: what a change credits is what was billed after it,
    and an earlier date would credit again what a later change credited already.
    """

    def __init__(self, *, at: dt.date, last: dt.date) -> None:
        self.at = at
        self.last = last
        super().__init__(
            at,
            reason=f"the last change was on {last}; date this change on or after it",
            field="at",
        )


class PeriodBilledAlready(Conflict):
    """A subscription's period ``index`` (``start`` to ``end``) was billed already.

    A period is billed once; a change in it yields its own credit and charge lines.
    """

    def __init__(self, *, index: int, start: dt.date, end: dt.date) -> None:
        self.index = index
        self.start = start
        self.end = end
        super().__init__(
            f"period {index} ({start} to {end}) was billed already: bill each period once, "
            "and change the subscription for what changed in it"
        )


class NothingToInvoice(WrongState):
    """Subscription ``subscription`` has nothing to invoice on ``on``.

    No change waits for an invoice and no period's usage has ended since the last one:
    invoice a period (``Subscription.invoice``) instead, or wait for its usage to end.
    """

    def __init__(self, *, subscription: str, on: dt.date) -> None:
        self.subscription = subscription
        self.on = on
        super().__init__(
            document=f"subscription {subscription}",
            state="without anything to invoice",
            operation=f"invoice on {on}",
            reason="no change waits for an invoice and no usage period has ended since the last",
            first="invoice a period",
        )


class SubscriptionEnded(WrongState):
    """A subscription ended (``ended``: the date) before the date or period asked for.

    ``operation`` is what was asked (a change, a bill, a pause). An ended subscription is
    not revived: start a new one.
    """

    def __init__(self, *, ended: dt.date, operation: str) -> None:
        self.ended = ended
        super().__init__(
            document="the subscription",
            state=f"ended on {ended}",
            operation=operation,
            reason="nothing is billed or changed after a subscription ends",
        )


# -- subscriptions: usage rating -----------------------------------------------------------


class InvalidUsage(InvalidInput, ValueError):
    """A usage record, or the usage of a period, cannot be rated as given.

    ``field`` names what is at fault (``"quantity"``, ``"at"``, ``"end"``, ``"key"``,
    ``"amount"``, ``"records"``), ``value`` is the offending value and ``reason`` says what
    is expected instead: a quantity of zero or more, a timezone-aware timestamp, a period
    that ends after it starts, a key for each record of a unique count, transaction
    amounts for a percentage charge.
    """

    def __init__(self, value: object, *, reason: str, field: str) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"{field}: {_show(value)} is not valid usage: {reason}")


class InvalidUsageModel(InvalidInput, ValueError):
    """A usage charge model (per unit, tiers, package, percentage) is malformed.

    ``model`` names the kind of model (``"package"``, ``"graduated"``), ``field`` the
    field at fault (``"size"``, ``"rate"``, ``"minimum"``, ``"free_units"``, ...),
    ``value`` the offending value and ``reason`` what is expected instead.
    """

    def __init__(self, model: str, *, value: object, reason: str, field: str) -> None:
        self.model = model
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"invalid {model} usage charge: {field} {_text(value)}: {reason}")


class InvalidTiers(InvalidUsageModel):
    """The tiers of a tiered usage charge are not one ascending, open-ended ladder.

    Tiers are given by their upper bounds (``up_to``): the first starts at zero, each
    next one where the one before it ends, so there is never a gap or an overlap. The
    bounds must be positive and strictly ascending, and only the last tier is open-ended
    (``up_to=None``). ``index`` is the position of the tier at fault (``None`` when the
    list as a whole is: empty, or too long). A price in another currency than the first
    tier's raises :class:`CurrencyMismatch` instead.
    """

    def __init__(self, model: str, *, index: int | None, value: object, reason: str) -> None:
        self.index = index
        super().__init__(model, value=value, reason=reason, field="tiers")
