"""Line items: what is sold, how many, at what price, with which discounts and taxes.

>>> from ordercore.money import Money
>>> from ordercore.pricing import Discount, Line, PriceSource, Tax
>>> Line(
...     description="Widget",
...     quantity="3",
...     unit_price=Money("17.99", "EUR"),
...     discounts=[Discount.percent("10")],
...     taxes=[Tax.percent("VAT", "20")],
... )
Line(description='Widget', quantity='3', unit_price=Money('17.99', 'EUR'))

A line priced from a catalog records where its unit price came from, in a
:class:`PriceSource` (a :class:`~ordercore.catalog.LineBuilder` sets it). Pricing never
reads it; it stays with the line in every document that keeps the line, so an issued
document can say which catalog version priced each line long after the catalog changed:

>>> Line(description="Widget", quantity="12", unit_price=Money("9.50", "EUR"),
...      product="WID-1",
...      price_source=PriceSource(catalog_version="2024-01", price_book="List",
...                               price_break="10")).price_source
PriceSource(catalog_version='2024-01', price_book='List', price_break='10')
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from decimal import Decimal

import attrs
import moneyed

from ordercore._codes import identifier
from ordercore._convert import (
    check_instance,
    pickled_as_tuple,
    to_money,
    to_optional_text,
    to_text,
    to_tuple,
)
from ordercore._fieldmeta import WHEN_SET
from ordercore.errors import (
    CurrencyMismatch,
    InvalidDiscount,
    InvalidLine,
    InvalidNumber,
    InvalidType,
)
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT
from ordercore.money.decimals import MAX_INTEGER_DIGITS, decimal_places, to_decimal
from ordercore.pricing.discounts import Discount, DiscountKind, Stacking
from ordercore.pricing.taxes import Tax, check_taxes

__all__ = ["QUANTITY_PLACES", "Line", "LineKind", "PriceSource"]

#: Quantities may carry up to this many decimal places (hours, kilograms, litres).
QUANTITY_PLACES = 6
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_SAFE_DIGITS = MAX_INTEGER_DIGITS - 2  # see Line.__init__
_NONE: tuple[()] = ()  # the default of discounts and taxes
_ONE = Decimal(1)
_new = object.__new__


class LineKind(enum.Enum):
    """What a line sells."""

    GOODS = "goods"
    SERVICE = "service"
    CHARGE = "charge"  # shipping, handling and other charges billed as lines

    def __repr__(self) -> str:
        return f"LineKind.{self.name}"


def _catalog_version(value: object) -> str:
    return identifier(value, "catalog_version")


def _price_book(value: object) -> str:
    return identifier(value, "price_book")


def _price_break(value: object) -> Decimal:
    number = to_decimal(value, field="price_break", max_places=QUANTITY_PLACES)
    if number < 0:
        raise InvalidNumber(
            value, reason="a quantity break starts at zero or more", field="price_break"
        )
    return number


def _kit(value: object) -> str | None:
    return None if value is None else identifier(value, "kit")


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class PriceSource:
    """Where a line's unit price came from: a catalog version, a price book, a break.

    ``catalog_version`` and ``price_book`` name the catalog version and the price book in
    it that gave the unit price, ``price_break`` the minimum quantity of the quantity
    break that gave it; ``kit`` is the SKU of the kit the line is a component of, or
    ``None``. The line's ``product`` is the SKU that was priced.

    It is a record, not a rule: a line given another unit price by hand no longer came
    from the catalog, and should be given ``price_source=None``.
    """

    catalog_version: str = attrs.field(converter=_catalog_version)
    price_book: str = attrs.field(converter=_price_book)
    price_break: Decimal = attrs.field(converter=_price_break)
    kit: str | None = attrs.field(default=None, converter=_kit)

    def __repr__(self) -> str:
        kit = f", kit={self.kit!r}" if self.kit is not None else ""
        return (
            f"PriceSource(catalog_version={self.catalog_version!r}, "
            f"price_book={self.price_book!r}, price_break={str(self.price_break)!r}{kit})"
        )


def _description(value: object) -> str:
    return to_text(value, "description")


def _unit_price(value: object) -> Money:
    return to_money(value, "unit_price")


def _discounts(value: object) -> tuple[Discount, ...]:
    return to_tuple(value, Discount, "discounts")


def _taxes(value: object) -> tuple[Tax, ...]:
    if type(value) is list or type(value) is tuple:
        # the same Tax objects as a line seen before: its tuple (the common case of lines
        # built in a loop from a few taxes). An entry holds the objects whose ids are its
        # key, so no other object can have those ids while it lives: a hit is those taxes.
        known = _BY_IDENTITY.get(tuple(map(id, value)))
        if known is not None:
            return known[1]
    taxes: tuple[Tax, ...] = to_tuple(value, Tax, "taxes")
    # Equal taxes may be written differently (a rate of 20 or 20.00); the written form
    # is part of the key, so a line always keeps the taxes exactly as it was given them.
    shared = _shared(taxes, tuple(str(tax.rate) for tax in taxes))
    if len(_BY_IDENTITY) >= 4096:
        _BY_IDENTITY.clear()
    _BY_IDENTITY[tuple(map(id, taxes))] = (taxes, shared)
    return shared


#: The shared tuple of taxes by the identities of the Tax objects a line was given.
_BY_IDENTITY: dict[tuple[int, ...], tuple[tuple[Tax, ...], tuple[Tax, ...]]] = {}


@functools.lru_cache(maxsize=4096)
def _shared(taxes: tuple[Tax, ...], _written: tuple[str, ...]) -> tuple[Tax, ...]:
    """Return the first tuple seen with these taxes: lines taxed alike share one tuple.

    The pricing loop recognises lines taxed alike by the identity of this tuple. A tuple
    is checked against the bound on compounded taxes (:func:`check_taxes`) the first
    time it is seen, so lines taxed alike pay for the check once.
    """
    return check_taxes(taxes)


def _kind(value: object) -> LineKind:
    return check_instance(value, LineKind, "kind")


def _product(value: object) -> str | None:
    return to_optional_text(value, "product")


def _quantity(value: object) -> Decimal:
    return to_decimal(value, field="quantity", max_places=QUANTITY_PLACES)


def _base_quantity(value: object) -> Decimal:
    if value is _ONE:  # the default, valid as it is
        return _ONE
    number = to_decimal(value, field="base_quantity", max_places=QUANTITY_PLACES)
    if number <= 0:
        raise InvalidNumber(
            value, reason="the price base quantity must be positive", field="base_quantity"
        )
    return number


def _stacking(value: object) -> Stacking | None:
    return None if value is None else check_instance(value, Stacking, "stacking")


def _price_source(value: object) -> PriceSource | None:
    if value is None or isinstance(value, PriceSource):
        return value
    raise InvalidType(value, expected="a PriceSource or None", field="price_source")


def _price_discount(value: object) -> Discount | None:
    if value is None:
        return None
    if not isinstance(value, Discount):
        raise InvalidDiscount(
            value,
            reason="a price discount is a Discount.percent or Discount.per_unit",
            field="price_discount",
        )
    if value.kind is DiscountKind.PER_LINE:
        raise InvalidDiscount(
            value,
            reason="a price discount lowers the unit price: use percent or per_unit",
            field="price_discount",
        )
    return value


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False, init=False)
class Line:
    """One line item.

    * ``quantity`` may be fractional and negative (a return); ``unit_price`` is negative
      only where the document's policy allows it (``Policy.negative_prices``), and may carry more
      decimals than the currency (the document's policy allows 6 by default); the price is
      for ``base_quantity`` units (EN 16931 BT-149, default 1).
    * ``price_discount`` (EN 16931's item price discount) lowers the unit price before the
      multiplication, and the line is rounded once; ``discounts`` apply to the rounded
      line amount, in order. The two can differ by a cent; both are exact to their rule.
    * ``taxes`` apply in list order (see :class:`~ordercore.pricing.taxes.Tax`).
    * ``price_source`` records where the unit price came from when a catalog priced the
      line (:class:`PriceSource`); such a line names its ``product``. Pricing ignores it.
    * ``stacking`` says how the line's percentage discounts combine
      (:class:`~ordercore.pricing.discounts.Stacking`); ``None`` (the default) takes the
      document policy's.
    """

    # Fields are set by ``__init__`` below, which converts and checks each value once.
    description: str
    quantity: Decimal
    unit_price: Money
    discounts: tuple[Discount, ...] = ()
    price_discount: Discount | None = None
    taxes: tuple[Tax, ...] = ()
    kind: LineKind = LineKind.GOODS
    product: str | None = None
    base_quantity: Decimal = _ONE
    price_source: PriceSource | None = None
    stacking: Stacking | None = attrs.field(default=None, metadata=WHEN_SET)
    #: Whether any tax is included in the price (precomputed for the pricing loop).
    has_included_tax: bool = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: The taxes included in the price, in order.
    included_taxes: tuple[Tax, ...] = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: The factor of the line's discount when its only discount is one percentage (or None).
    single_percent: Decimal | None = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: Whether the price is for one unit (base quantity 1).
    unit_base: bool = attrs.field(init=False, eq=False, hash=False, repr=False)
    #: How many decimal places the unit price carries (a document checks it against its policy).
    price_places: int = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __init__(
        self,
        *,
        description: object,
        quantity: object,
        unit_price: object,
        discounts: object = _NONE,
        price_discount: object = None,
        taxes: object = _NONE,
        kind: object = LineKind.GOODS,
        product: object = None,
        base_quantity: object = _ONE,
        price_source: object = None,
        stacking: object = None,
    ) -> None:
        # Each value is converted and checked once, and the checks that involve several
        # fields run on the converted values; what the pricing loop precomputes is set last.
        # (Written out rather than generated by attrs: a line is the value documents of
        # thousands of lines are built of, and this is several times cheaper.)
        text = _description(description)
        number = _quantity(quantity)
        price = unit_price if type(unit_price) is Money else _unit_price(unit_price)
        own = _NONE if discounts is _NONE else _discounts(discounts)
        off = None if price_discount is None else _price_discount(price_discount)
        tax_set = _NONE if taxes is _NONE else _taxes(taxes)
        base = _ONE if base_quantity is _ONE else _base_quantity(base_quantity)
        source = None if price_source is None else _price_source(price_source)
        product_code = None if product is None else _product(product)
        _s_description(self, text)
        _s_quantity(self, number)
        _s_unit_price(self, price)
        _s_discounts(self, own)
        _s_price_discount(self, off)
        _s_taxes(self, tax_set)
        _s_kind(self, kind if kind is LineKind.GOODS else _kind(kind))
        _s_product(self, product_code)
        _s_base_quantity(self, base)
        _s_price_source(self, source)
        _s_stacking(self, None if stacking is None else _stacking(stacking))
        amount = price.amount
        # a negative unit price is the document's to refuse or not (Policy.negative_prices)
        if source is not None and product_code is None:
            raise InvalidLine(
                text,
                reason="a line priced from a catalog names its product: give the SKU as product",
                field="product",
            )
        currency = price.currency
        for discount in (*own, off) if own else (off,):
            if discount is not None and discount.currency not in (None, currency):
                raise CurrencyMismatch(currency.code, discount.currency.code, operation="discount")
        if tax_set:
            problem = _problem_of(tax_set, currency)
            if problem is not None:
                raise _tax_set_error(problem, self, currency)
        if off is not None and off.kind is DiscountKind.PER_UNIT and off.value > amount.copy_abs():
            raise InvalidDiscount(
                off, reason=f"it exceeds the unit price {price}", field="price_discount"
            )
        unit_base = base == 1
        # |quantity| < 10**(quantity.adjusted() + 1), and so for the price: their product is
        # surely below 10**15 when those exponents sum to 13 or less (or either is zero)
        if not unit_base or (
            number and amount and number.adjusted() + amount.adjusted() > _SAFE_DIGITS
        ):
            gross = CONTEXT.multiply(number, amount)
            if not unit_base:
                gross = CONTEXT.divide(gross, base)
            if gross.copy_abs() >= _LIMIT:
                raise InvalidLine(
                    text,
                    reason=f"quantity x unit price is {gross}, not below 10**15",
                    field="quantity",
                )
        included = _included(tax_set) if tax_set else ()
        _s_has_included_tax(self, bool(included))
        _s_included_taxes(self, included)
        _s_single_percent(self, _single_percent(own, off))
        _s_unit_base(self, unit_base)
        _s_price_places(self, decimal_places(amount))

    @classmethod
    def _unchecked(
        cls,
        *,
        description: str,
        quantity: Decimal,
        unit_price: Money,
        discounts: tuple[Discount, ...] = (),
        price_discount: Discount | None = None,
        taxes: tuple[Tax, ...] = (),
        kind: LineKind = LineKind.GOODS,
        product: str | None = None,
        base_quantity: Decimal = _ONE,
        price_source: PriceSource | None = None,
        stacking: Stacking | None = None,
    ) -> Line:
        """Make a line from values that are valid already, checking nothing (private).

        For code inside ordercore that derives a line from lines it holds, such as the
        line of an invoice that bills part of an order line: every argument must be what
        a public ``Line(...)`` would have stored for it, and together they must pass its
        checks. In particular ``description`` is a checked text, ``quantity`` and
        ``base_quantity`` are ``Decimal`` values :func:`~ordercore.money.decimals.to_decimal`
        would return unchanged, ``unit_price`` is an ordercore
        :class:`~ordercore.money.Money` (``Money._exact``) in the currency of the line's
        taxes and fixed discounts, ``discounts`` and ``taxes`` are tuples,
        and ``taxes`` is the ``taxes`` tuple of a line made by ``Line(...)`` (lines taxed
        alike share that tuple, and the pricing loop recognises them by it). The result
        is equal to, and prices exactly like, the line ``Line(...)`` makes of the same
        values; a test proves it.
        """
        line: Line = _new(cls)
        put = _PUT
        put["description"](line, description)
        put["quantity"](line, quantity)
        put["unit_price"](line, unit_price)
        put["discounts"](line, discounts)
        put["price_discount"](line, price_discount)
        put["taxes"](line, taxes)
        put["kind"](line, kind)
        put["product"](line, product)
        put["base_quantity"](line, base_quantity)
        put["price_source"](line, price_source)
        put["stacking"](line, stacking)
        included = _included(taxes) if taxes else ()
        put["has_included_tax"](line, bool(included))
        put["included_taxes"](line, included)
        put["single_percent"](line, _single_percent(discounts, price_discount))
        put["unit_base"](line, base_quantity == 1)
        put["price_places"](line, decimal_places(unit_price.amount))
        return line

    def _for_quantity(self, quantity: Decimal) -> Line:
        """This line for ``quantity`` units, checking nothing (private, as :meth:`_unchecked`).

        ``quantity`` is a ``Decimal`` that :func:`~ordercore.money.decimals.to_decimal`
        would return unchanged, and no larger in magnitude than this line's (its amount stays
        within the bound this line was checked for): the line of an invoice that bills part
        of an order line. What a line precomputes does not depend on its quantity, so it is
        copied. For its own quantity (the same digits, not only the same value) it is this
        line itself.
        """
        if not quantity.compare_total(self.quantity):
            return self
        line: Line = _new(Line)
        _s_description(line, self.description)
        _s_quantity(line, quantity)
        _s_unit_price(line, self.unit_price)
        _s_discounts(line, self.discounts)
        _s_price_discount(line, self.price_discount)
        _s_taxes(line, self.taxes)
        _s_kind(line, self.kind)
        _s_product(line, self.product)
        _s_base_quantity(line, self.base_quantity)
        _s_price_source(line, self.price_source)
        _s_stacking(line, self.stacking)
        _s_has_included_tax(line, self.has_included_tax)
        _s_included_taxes(line, self.included_taxes)
        _s_single_percent(line, self.single_percent)
        _s_unit_base(line, self.unit_base)
        _s_price_places(line, self.price_places)
        return line

    @property
    def currency(self) -> moneyed.Currency:
        """The line's currency (that of its unit price)."""
        return self.unit_price.currency

    def __repr__(self) -> str:
        return (
            f"Line(description={self.description!r}, quantity={str(self.quantity)!r}, "
            f"unit_price={self.unit_price!r})"
        )


#: The slots' own setters: the cheapest way past the frozen ``__setattr__``.
_PUT: dict[str, Callable[[Line, object], None]] = {
    field.name: Line.__dict__[field.name].__set__ for field in attrs.fields(Line)
}

# Each slot's setter by name, for Line._for_quantity (a test checks that it sets them all).
_s_description = _PUT["description"]
_s_quantity = _PUT["quantity"]
_s_unit_price = _PUT["unit_price"]
_s_discounts = _PUT["discounts"]
_s_price_discount = _PUT["price_discount"]
_s_taxes = _PUT["taxes"]
_s_kind = _PUT["kind"]
_s_product = _PUT["product"]
_s_base_quantity = _PUT["base_quantity"]
_s_price_source = _PUT["price_source"]
_s_stacking = _PUT["stacking"]
_s_has_included_tax = _PUT["has_included_tax"]
_s_included_taxes = _PUT["included_taxes"]
_s_single_percent = _PUT["single_percent"]
_s_unit_base = _PUT["unit_base"]
_s_price_places = _PUT["price_places"]

#: The included taxes of each tuple of taxes lines hold, by the tuple's id. An entry holds
#: its tuple, so no other tuple can have that id while the entry lives: a hit is the tuple.
_INCLUDED: dict[int, tuple[tuple[Tax, ...], tuple[Tax, ...]]] = {}


def _single_percent(
    discounts: tuple[Discount, ...], price_discount: Discount | None
) -> Decimal | None:
    """The factor of a line's only discount when it is a percentage (and no price discount)."""
    if len(discounts) != 1 or price_discount is not None:
        return None
    discount = discounts[0]
    return discount.factor if discount.kind is DiscountKind.PERCENT else None


def _included(taxes: tuple[Tax, ...]) -> tuple[Tax, ...]:
    """The taxes of ``taxes`` included in the price, found once per tuple."""
    known = _INCLUDED.get(id(taxes))
    if known is not None and known[0] is taxes:
        return known[1]
    included = tuple(t for t in taxes if t.included)
    if len(_INCLUDED) >= 4096:
        _INCLUDED.clear()
    _INCLUDED[id(taxes)] = (taxes, included)
    return included


def _problem_of(taxes: tuple[Tax, ...], currency: moneyed.Currency) -> tuple[str, int] | None:
    """:func:`_tax_set_problem`, found once per shared tuple of taxes and currency."""
    key = (id(taxes), currency.code)
    known = _PROBLEMS.get(key)
    if known is not None and known[0] is taxes:
        return known[1]
    problem = _tax_set_problem(taxes, currency)
    if len(_PROBLEMS) >= 4096:
        _PROBLEMS.clear()
    _PROBLEMS[key] = (taxes, problem)
    return problem


#: The problem of each tuple of taxes lines hold in each currency, by the tuple's id (an
#: entry holds its tuple, so a hit is that tuple, as in _INCLUDED).
_PROBLEMS: dict[tuple[int, str], tuple[tuple[Tax, ...], tuple[str, int] | None]] = {}


def _tax_set_problem(taxes: tuple[Tax, ...], currency: moneyed.Currency) -> tuple[str, int] | None:
    """What is wrong with a line's taxes in ``currency``, if anything (the first problem).

    It depends on the taxes and the currency only, so lines taxed alike pay for it once
    (:func:`_problem_of`). The problem names the tax by its place in ``taxes``.
    """
    seen: set[Tax] = set()
    withheld_before = False
    for index, tax in enumerate(taxes):
        if tax in seen:
            return ("twice", index)
        seen.add(tax)
        if tax.currency not in (None, currency):
            return ("currency", index)
        if tax.included and withheld_before and not tax.on_plain_net:
            return ("withheld", index)
        withheld_before = withheld_before or (tax.compound and tax.withholding)
    return None


def _tax_set_error(
    problem: tuple[str, int], line: Line, currency: moneyed.Currency
) -> InvalidLine | CurrencyMismatch:
    what, index = problem
    tax, description = line.taxes[index], line.description
    if what == "twice":
        return InvalidLine(description, reason=f"the tax {tax} is listed twice", field="taxes")
    if what == "withheld":
        return InvalidLine(
            description,
            reason=f"the included tax {tax} follows a compound withholding tax: a price cannot "
            "include a tax on an amount withheld from it; put the included tax first, or mark "
            "it on_plain_net",
            field="taxes",
        )
    # a per-unit tax in another currency (what == "currency", so it has one)
    other = tax.currency.code if tax.currency is not None else ""
    return CurrencyMismatch(currency.code, other, operation="tax")
