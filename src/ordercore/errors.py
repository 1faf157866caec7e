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

from typing import ClassVar

__all__ = [
    "Conflict",
    "ConflictingTaxRules",
    "CreditNotTakenBack",
    "CurrencyMismatch",
    "DuplicateKey",
    "FloatNotAllowed",
    "ImmutableCurrency",
    "InstallmentsExceedTotal",
    "InvalidAdjustment",
    "InvalidAllocation",
    "InvalidAmount",
    "InvalidCatalog",
    "InvalidCode",
    "InvalidData",
    "InvalidDiscount",
    "InvalidDocument",
    "InvalidInput",
    "InvalidKit",
    "InvalidLine",
    "InvalidNumber",
    "InvalidOpenItem",
    "InvalidPaymentTerm",
    "InvalidPriceBook",
    "InvalidTax",
    "InvalidText",
    "InvalidType",
    "LimitExceeded",
    "NoPrice",
    "NoTaxRule",
    "NotFound",
    "NumberOutOfRange",
    "OrdercoreError",
    "OverBilling",
    "OverCrediting",
    "OverDelivery",
    "OverInvoicing",
    "OverReceipt",
    "PartsExceedWhole",
    "TaxesTooLarge",
    "TextTooLong",
    "UnknownCurrency",
    "UnknownLocale",
    "UnknownPriceBook",
    "UnknownProduct",
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
    """A discount is malformed, or would take an amount below zero."""

    def __init__(self, discount: object, *, reason: str) -> None:
        self.discount = discount
        self.reason = reason
        super().__init__(f"invalid discount {_text(discount)}: {reason}")


class InvalidTax(InvalidInput, ValueError):
    """A tax is malformed or cannot apply where it was put."""

    def __init__(self, tax: object, *, reason: str) -> None:
        self.tax = tax
        self.reason = reason
        super().__init__(f"invalid tax {_text(tax)}: {reason}")


class TaxesTooLarge(InvalidTax):
    """The taxes of one line (or allowance or charge), compounded, come to too much.

    ``factor`` is how many times its amount the taxes can come to (compound taxes
    multiply the bases of those after them), or for per-unit taxes the amount per unit
    they can come to; ``limit`` is the largest allowed. The bound keeps every
    intermediate amount exact within ordercore's decimal context.
    """

    def __init__(self, taxes: object, *, factor: object, limit: object) -> None:
        self.taxes = taxes
        self.factor = factor
        self.limit = limit
        super().__init__(
            taxes,
            reason=f"compounded, these taxes come to {_text(factor)} times their base or per "
            f"unit, more than the {_text(limit)} ordercore allows; use fewer compound taxes",
        )


class InvalidAdjustment(InvalidInput, ValueError):
    """A group or document allowance or charge cannot be applied."""

    def __init__(self, adjustment: object, *, reason: str) -> None:
        self.adjustment = adjustment
        self.reason = reason
        super().__init__(f"invalid {_text(adjustment)}: {reason}")


class InvalidLine(InvalidInput, ValueError):
    """A line item is malformed (for example a price with more decimals than allowed)."""

    def __init__(self, line: object, *, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"invalid line {_text(line)}: {reason}")


class InvalidDocument(InvalidInput, ValueError):
    """A document to price is inconsistent as a whole."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid document: {reason}")


class OverCrediting(LimitExceeded):
    """A credit note would credit more of an invoice than remains creditable.

    ``line`` names the invoice line whose quantity is exceeded, or is ``None`` when the
    invoice as a whole is; ``taxes`` names the taxes whose untaxed amount is exceeded,
    when that is what is (a credit by lines after a credit by amount).
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
    takes nothing back). ``order``, ``invoice`` and ``credit_note`` are the numbers of
    the three; ``requested`` and ``remaining``, where the refusal is about an amount,
    what the credit note would give back of a down payment (on the down payment's base)
    and what no invoice has deducted of it yet.
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
            f"sales order {order} cannot take back credit note {credit_note} of invoice "
            f"{invoice}: {reason}"
        )
        self.reason = reason


class _OrderLimit(LimitExceeded):
    """A change would take more of an order line than remains (the shared shape of four errors)."""

    template: ClassVar[str]

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


class OverDelivery(_OrderLimit):
    """A delivery would deliver more of a sales order line than was ordered and not cancelled."""

    template = (
        "cannot deliver {requested} of line {line} of sales order {order}: only "
        "{remaining} remains to deliver (ordered, less delivered and cancelled); "
        "deliver at most that, or order more"
    )


class OverInvoicing(_OrderLimit):
    """An invoice would bill more of a sales order than remains to invoice."""

    template = (
        "cannot invoice {requested} of {line} of sales order {order}: only {remaining} "
        "remains to invoice; invoice at most that"
    )


class OverReceipt(_OrderLimit):
    """A receipt would receive more of a purchase order line than was ordered and not cancelled."""

    template = (
        "cannot receive {requested} of line {line} of purchase order {order}: only "
        "{remaining} remains to receive (ordered, less received and cancelled); "
        "receive at most that, or order more"
    )


class OverBilling(_OrderLimit):
    """A bill would bill more of a purchase order line than remains to bill."""

    template = (
        "cannot bill {requested} of line {line} of purchase order {order}: only "
        "{remaining} remains to bill (ordered, less billed and cancelled); bill at most that"
    )


# -- quotes and credit notes: named errors go here --------------------------------------


# -- payment terms --------------------------------------------------------------------------


class InvalidPaymentTerm(InvalidInput, ValueError):
    """A payment term, or one of its installments, due-date rules or discounts, is malformed."""

    def __init__(self, value: object, *, reason: str, field: str | None = None) -> None:
        self.value = value
        self.reason = reason
        self.field = field
        super().__init__(f"invalid payment term: {_where(field)}{_show(value)}: {reason}")


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

    ``path`` is ``""``: the JSON reader meets the key before it knows where it is.
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
    """A price book has no price for a SKU at the ordered quantity."""

    def __init__(self, sku: str, *, price_book: str, quantity: object, reason: str) -> None:
        self.sku = sku
        self.price_book = price_book
        self.quantity = quantity
        self.reason = reason
        super().__init__(
            f"price book {_show(price_book)} has no price for {_show(sku)} at quantity {_text(quantity)}: "
            f"{reason}"
        )


class InvalidPriceBook(InvalidInput, ValueError):
    """A price book's entries contradict each other or its currency."""

    def __init__(self, name: str, *, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid price book {_show(name)}: {reason}")


class InvalidCatalog(InvalidInput, ValueError):
    """A catalog version is inconsistent (duplicate SKUs, kits of unknown products, ...)."""

    def __init__(self, version: str, *, reason: str) -> None:
        self.version = version
        self.reason = reason
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
