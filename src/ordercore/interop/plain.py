"""Plain data: documents and priced documents as JSON-safe dicts, and back.

Amounts, quantities and rates are strings (``"19.99"``), so nothing passes through a
float; a JSON number with a fraction is refused with the path of the field. Text is
valid Unicode (a lone surrogate, which a JSON escape can make, is refused), and
an object that names a key twice is refused by :func:`loads` with
:class:`~ordercore.errors.DuplicateKey` (JSON readers would silently keep the last). Every dict
carries a ``schema`` version. A line priced from a catalog keeps its ``price_source``
(catalog version, price book, quantity break, kit) under that optional key. A priced
document is stored with the document it was priced from; reading it back prices that
document again and checks that every stored amount matches, so a stored result can
never disagree with the rules.

>>> data = {
...     "schema": DOCUMENT_SCHEMA,
...     "currency": "EUR",
...     "taxes": {"vat": {"name": "VAT", "rate": "20"}},
...     "items": [
...         {"description": "Widget", "quantity": "3", "unit_price": "17.99",
...          "discounts": [{"percent": "10"}], "taxes": ["vat"]},
...     ],
... }
>>> document = document_from_data(data)
>>> document
Document(currency='EUR', lines=1, groups=0)
>>> document_from_data(data | {"currency": "XYZ"})
Traceback (most recent call last):
...
ordercore.errors.InvalidData: currency: unknown currency 'XYZ': pass an ISO 4217 code of three capital letters, ...
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from ordercore._codes import check_text
from ordercore.errors import (
    DuplicateKey,
    InvalidData,
    InvalidText,
    InvalidType,
    NumberOutOfRange,
    OrdercoreError,
    excerpt,
)
from ordercore.money.amount import Money
from ordercore.money.currency import get_currency
from ordercore.money.decimals import MAX_NUMBER_LENGTH, to_decimal
from ordercore.money.rounding import CashRounding, CashRoundingStrategy, RoundingMode
from ordercore.pricing.discounts import Discount, DiscountOverflow, Stacking
from ordercore.pricing.document import (
    AdjustmentMode,
    Allowance,
    Charge,
    Document,
    Group,
    NegativePrices,
    Policy,
    TaxCorrection,
)
from ordercore.pricing.engine import price
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind, PriceSource
from ordercore.pricing.results import PricedDocument, TaxSubtotal, Totals
from ordercore.pricing.taxes import (
    DivisionTaxes,
    IncludedBackOut,
    IncludedRounding,
    ResidualCent,
    Tax,
    TaxKind,
    TaxRounding,
    together,
)

__all__ = [
    "DOCUMENT_SCHEMA",
    "PRICED_SCHEMA",
    "JsonFloat",
    "document_from_data",
    "document_to_data",
    "loads",
    "priced_from_data",
    "priced_to_data",
]

DOCUMENT_SCHEMA = "ordercore.document/1"
PRICED_SCHEMA = "ordercore.priced/1"

T = TypeVar("T")
Data = dict[str, Any]


class JsonFloat(str):
    """The literal text of a JSON number with a fraction or exponent, kept to be refused."""

    __slots__ = ()


def loads(text: str) -> Any:
    """Parse JSON, keeping numbers with a fraction as :class:`JsonFloat` (never a float).

    An object that names a key twice raises :class:`~ordercore.errors.DuplicateKey`, and
    an integer longer than any number ordercore accepts raises
    :class:`~ordercore.errors.NumberOutOfRange`, before it is converted:

    >>> loads('{"items": [{"quantity": "1", "quantity": "2"}]}')
    Traceback (most recent call last):
    ...
    ordercore.errors.DuplicateKey: items[0].quantity: the key 'quantity' appears twice in one object; give each key once
    """
    duplicated: list[_Duplicated] = []

    def read_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = _object(pairs)
        if isinstance(data, _Duplicated):
            duplicated.append(data)
        return data

    data = json.loads(
        text,
        parse_float=JsonFloat,
        parse_constant=JsonFloat,
        parse_int=_integer,
        object_pairs_hook=read_object,
    )
    if duplicated:  # only then is the tree walked again, for the key's path
        found = _duplicate(data, "")
        path, key = found if found is not None else ("", duplicated[0].key)
        raise DuplicateKey(path, key)
    return data


class _Duplicated(dict[str, Any]):
    """A JSON object that named ``key`` twice: the reader raises once it knows the path."""

    key: str


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) == len(pairs):
        return data
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            duplicated = _Duplicated(data)
            duplicated.key = key
            return duplicated
        seen.add(key)
    raise AssertionError("unreachable")  # pragma: no cover


def _duplicate(value: Any, path: str) -> tuple[str, str] | None:
    """The path and key of the first object in ``value`` that named a key twice."""
    if isinstance(value, _Duplicated):
        return _step(path, value.key), value.key
    found: tuple[str, str] | None = None
    if isinstance(value, dict):
        for key, item in value.items():
            if (found := _duplicate(item, _step(path, key))) is not None:
                break
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _duplicate(item, f"{path}[{index}]")) is not None:
                break
    return found


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER_LENGTH:  # int() of a huge literal would take long, or fail
        raise NumberOutOfRange(
            text,
            limit=MAX_NUMBER_LENGTH,
            reason=f"a number is written in at most {MAX_NUMBER_LENGTH} characters",
        )
    return int(text)


# A key that reads well after a dot in a path; any other key is quoted in brackets.
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,39}")


def _step(path: str, key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{excerpt(key)}]"


# -- reading -----------------------------------------------------------------------------


class _Reader:
    """Walks plain data with the path of each field, for error messages."""

    def __init__(self, value: Any, path: str = "") -> None:
        self.value = value
        self.path = path

    def child(self, key: str) -> _Reader:
        return _Reader(self.mapping().get(key), _step(self.path, key))

    def at(self, index: int) -> _Reader:
        return _Reader(self.value[index], f"{self.path}[{index}]")

    def fail(self, reason: str) -> InvalidData:
        return InvalidData(self.path, reason)

    def mapping(self) -> Mapping[str, Any]:
        if not isinstance(self.value, Mapping):
            raise self.fail(f"expected an object, got {_kind(self.value)}")
        for key in self.value:
            if not isinstance(key, str):
                raise self.fail(f"the keys of an object are strings, got {_kind(key)}")
        return self.value

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.mapping()) - allowed)
        if unknown:
            raise self.fail(
                f"unknown field {excerpt(unknown[0])}; expected some of {sorted(allowed)}"
            )

    def has(self, key: str) -> bool:
        return self.mapping().get(key) is not None

    def items(self) -> list[_Reader]:
        if self.value is None:
            return []
        if not isinstance(self.value, list):
            raise self.fail(f"expected a list, got {_kind(self.value)}")
        return [self.at(index) for index in range(len(self.value))]

    def required(self) -> _Reader:
        if self.value is None:
            raise self.fail("this field is required")
        return self

    def text(self) -> str:
        value = self.required().value
        if not isinstance(value, str) or isinstance(value, JsonFloat):
            raise self.fail(f"expected a string, got {_kind(value)}")
        try:
            return check_text(value, self.path)
        except InvalidText as error:
            raise self.fail(error.reason) from None

    def optional_text(self) -> str | None:
        return None if self.value is None else self.text()

    def number(self) -> str | int:
        value = self.required().value
        if isinstance(value, JsonFloat | float):
            if isinstance(value, JsonFloat) and len(value) > 40:
                raise self.fail(
                    f"got the number {excerpt(value)}, which JSON readers take as a float; "
                    "write it as a string, so it stays exact"
                )
            raise self.fail(
                f"got the number {value}, which JSON readers take as a float; "
                f'write it as a string, "{value}", so it stays exact'
            )
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(f"expected a number written as a string, got {_kind(value)}")
        return value

    def boolean(self, default: bool) -> bool:
        if self.value is None:
            return default
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, got {_kind(self.value)}")
        return self.value

    def choice(self, enum: type[T], default: T) -> T:
        if self.value is None:
            return default
        names = {member.value: member for member in enum}  # type: ignore[attr-defined]
        if isinstance(self.value, str) and self.value.lower() in names:
            return names[self.value.lower()]  # type: ignore[no-any-return]
        raise self.fail(f"expected one of {sorted(names)}, got {excerpt(self.value)}")

    def build(self, make: Callable[[], T]) -> T:
        """Run a constructor; report an ordercore error at this path."""
        try:
            return make()
        except InvalidData:
            raise
        except OrdercoreError as error:
            raise self.fail(str(error)) from None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, JsonFloat):
        return f"the number {value if len(value) <= 40 else excerpt(value)}"
    return {
        dict: "an object",
        list: "a list",
        bool: "a boolean",
        str: "a string",
        int: "a number",
    }.get(type(value), type(value).__name__)


class _DocumentReader:
    def __init__(self, data: object) -> None:
        self.root = _Reader(data)
        self.currency = ""
        self.taxes: dict[str, Tax] = {}
        # whether the policy read allows negative unit prices (a line then checks its own)
        self.negative_prices = NegativePrices.REFUSE
        # whether it levies division taxes together (a line then checks its rates' sum)
        self.levies_together = False

    def read(self) -> Document:
        root = self.root
        root.check_keys(
            {
                "schema",
                "currency",
                "policy",
                "taxes",
                "items",
                "allowances",
                "charges",
                "prepaid",
                "tax_corrections",
            }
        )
        schema = root.child("schema")
        if schema.value is not None and schema.value != DOCUMENT_SCHEMA:
            raise schema.fail(f"expected {DOCUMENT_SCHEMA!r}, got {excerpt(schema.value)}")
        currency = root.child("currency")
        self.currency = currency.build(lambda: get_currency(currency.text()).code)
        taxes = root.child("taxes")
        if taxes.value is not None:
            for name in taxes.mapping():
                self.taxes[name] = self.tax(taxes.child(name))
        policy = self.policy(root.child("policy"))
        self.negative_prices = policy.negative_prices
        self.levies_together = policy.division_taxes is DivisionTaxes.TOGETHER
        items = [self.item(item) for item in root.child("items").required().items()]
        allowances = [self.adjustment(a, Allowance) for a in root.child("allowances").items()]
        charges = [self.adjustment(c, Charge) for c in root.child("charges").items()]
        prepaid = root.child("prepaid")
        corrections = [self.correction(c) for c in root.child("tax_corrections").items()]
        return root.build(
            lambda: Document(
                currency=self.currency,
                items=items,
                allowances=allowances,
                charges=charges,
                policy=policy,
                prepaid=self.money(prepaid) if prepaid.value is not None else None,
                tax_corrections=corrections,
            )
        )

    def correction(self, reader: _Reader) -> TaxCorrection:
        reader.check_keys({"tax", "amount", "reason"})
        tax = self.tax(reader.child("tax").required())
        amount = self.money(reader.child("amount"))
        reason = reader.child("reason").text()
        return reader.build(lambda: TaxCorrection(tax=tax, amount=amount, reason=reason))

    def money(self, reader: _Reader) -> Money:
        number = reader.number()
        return reader.build(lambda: Money(number, self.currency))

    def policy(self, reader: _Reader) -> Policy:
        if reader.value is None:
            return Policy()
        reader.check_keys(
            {
                "rounding",
                "stacking",
                "tax_rounding",
                "adjustments",
                "price_places",
                "cash_rounding",
                "included_rounding",
                "residual_cent",
                "discount_overflow",
                "tax_increment",
                "negative_prices",
                "division_taxes",
                "included_back_out",
            }
        )
        places = reader.child("price_places")
        cash = reader.child("cash_rounding")
        cash_rounding: CashRounding | None = None
        if cash.value == "currency":
            cash_rounding = cash.build(lambda: CashRounding.for_currency(self.currency))
        elif cash.value is not None:
            cash.check_keys({"increment", "mode", "strategy"})
            increment = cash.child("increment").number()
            mode = _rounding_mode(cash.child("mode"))
            strategy = cash.child("strategy").choice(
                CashRoundingStrategy, CashRoundingStrategy.SEPARATE
            )
            cash_rounding = cash.build(
                lambda: CashRounding(increment=increment, mode=mode, strategy=strategy)
            )
        rounding = _rounding_mode(reader.child("rounding"))
        stacking = reader.child("stacking").choice(Stacking, Stacking.SEQUENTIAL)
        tax_rounding = reader.child("tax_rounding").choice(TaxRounding, TaxRounding.PER_RATE)
        adjustments = reader.child("adjustments").choice(AdjustmentMode, AdjustmentMode.DISTRIBUTED)
        included_rounding = reader.child("included_rounding").choice(
            IncludedRounding, IncludedRounding.NET_FIRST
        )
        residual_cent = reader.child("residual_cent").choice(
            ResidualCent, ResidualCent.LARGEST_REMAINDER
        )
        overflow = reader.child("discount_overflow").choice(
            DiscountOverflow, DiscountOverflow.REFUSE
        )
        negative_prices = reader.child("negative_prices").choice(
            NegativePrices, NegativePrices.REFUSE
        )
        division_taxes = reader.child("division_taxes").choice(DivisionTaxes, DivisionTaxes.EACH)
        back_out = reader.child("included_back_out").choice(IncludedBackOut, IncludedBackOut.SUMMED)
        tax_step = reader.child("tax_increment")
        tax_increment = None if tax_step.value is None else tax_step.number()
        return reader.build(
            lambda: Policy(
                rounding=rounding,
                stacking=stacking,
                tax_rounding=tax_rounding,
                adjustments=adjustments,
                price_places=6 if places.value is None else places.value,
                cash_rounding=cash_rounding,
                included_rounding=included_rounding,
                residual_cent=residual_cent,
                discount_overflow=overflow,
                tax_increment=tax_increment,
                negative_prices=negative_prices,
                division_taxes=division_taxes,
                included_back_out=back_out,
            )
        )

    def tax(self, reader: _Reader) -> Tax:
        if isinstance(reader.value, str) and not isinstance(reader.value, JsonFloat):
            name = reader.value
            if name not in self.taxes:
                raise reader.fail(
                    f"no tax named {excerpt(name)} in the document's taxes "
                    f"{excerpt(sorted(self.taxes))}"
                )
            return self.taxes[name]
        reader.check_keys(
            {
                "name",
                "kind",
                "rate",
                "amount",
                "code",
                "included",
                "compound",
                "on_plain_net",
                "reason",
                "reason_code",
                "note",
                "withholding",
            }
        )
        kind_reader = reader.child("kind")
        kind = "percent" if kind_reader.value is None else kind_reader.text()
        if kind not in _TAX_KINDS:
            raise kind_reader.fail(f"expected one of {sorted(_TAX_KINDS)}, got {excerpt(kind)}")
        rule, withholding, default_code = _TAX_KINDS[kind]
        if rule in (TaxKind.PER_UNIT, TaxKind.DIVISION):  # withheld, if it says so
            withholding = reader.child("withholding").boolean(default=False)
        elif reader.has("withholding"):
            raise reader.child("withholding").fail(
                'a withheld percentage is of kind "withholding"; only a per_unit or '
                "division tax says withholding"
            )
        name = reader.child("name").text()
        code = reader.child("code").optional_text() or default_code
        reason = reader.child("reason").optional_text()
        reason_code = reader.child("reason_code").optional_text()
        if kind == "reverse_charge" and reason is None and reason_code is None:
            reason = "Reverse charge"
        if kind == "not_subject" and reason is None and reason_code is None:
            reason = "Not subject to VAT"
        note = reader.child("note").optional_text()
        if rule is TaxKind.ZERO and code == "Z" and (reason is not None or reason_code is not None):
            # written before BR-Z-10 was enforced: what it carried becomes its note
            if note is not None:
                raise reader.fail(
                    "a zero-rated (Z) tax states no exemption reason (EN 16931 BR-Z-10); "
                    "this one has both a reason and a note"
                )
            note = _zero_rated_note(reason, reason_code)
            reason = reason_code = None
        currency = None
        if rule is TaxKind.PER_UNIT:
            rate = self.money(reader.child("amount")).amount
            currency = self.currency
        elif rule is TaxKind.ZERO:
            rate = Decimal(0)
        else:
            rate_reader = reader.child("rate")
            rate = rate_reader.build(lambda: to_decimal(rate_reader.number(), field="rate"))
        flags = {
            flag: reader.child(flag).boolean(default=False)
            for flag in ("included", "compound", "on_plain_net")
        }
        return reader.build(
            lambda: Tax(
                name=name,
                code=code,
                kind=rule,
                rate=rate,
                currency=currency,
                withholding=withholding,
                reason=reason,
                reason_code=reason_code,
                note=note,
                **flags,
            )
        )

    def discount(self, reader: _Reader) -> Discount:
        reader.check_keys({"percent", "per_unit", "per_line", "reason"})
        given = [key for key in ("percent", "per_unit", "per_line") if reader.has(key)]
        if len(given) != 1:
            raise reader.fail("give exactly one of 'percent', 'per_unit' or 'per_line'")
        key = given[0]
        reason = reader.child("reason").optional_text()
        if key == "percent":
            value = reader.child(key).number()
            return reader.build(lambda: Discount.percent(value, reason=reason))
        amount = self.money(reader.child(key))
        if key == "per_unit":
            return reader.build(lambda: Discount.per_unit(amount, reason=reason))
        return reader.build(lambda: Discount.per_line(amount, reason=reason))

    def line(self, reader: _Reader) -> Line:
        reader.check_keys(
            {
                "description",
                "quantity",
                "unit_price",
                "discounts",
                "price_discount",
                "taxes",
                "kind",
                "product",
                "base_quantity",
                "price_source",
                "stacking",
            }
        )
        description = reader.child("description").text()
        quantity_reader = reader.child("quantity")
        quantity = quantity_reader.build(
            lambda: to_decimal(quantity_reader.number(), max_places=QUANTITY_PLACES)
        )
        unit_price = self.money(reader.child("unit_price"))
        discounts = [self.discount(d) for d in reader.child("discounts").items()]
        price_discount_reader = reader.child("price_discount")
        price_discount = (
            self.discount(price_discount_reader)
            if price_discount_reader.value is not None
            else None
        )
        taxes = [self.tax(t) for t in reader.child("taxes").items()]
        kind = reader.child("kind").choice(LineKind, LineKind.GOODS)
        product = reader.child("product").optional_text()
        base = reader.child("base_quantity")
        base_quantity = base.number() if base.value is not None else 1
        source = reader.child("price_source")
        price_source = self.price_source(source) if source.value is not None else None
        stacking_reader = reader.child("stacking")
        line_stacking = (
            stacking_reader.choice(Stacking, Stacking.SEQUENTIAL)
            if stacking_reader.value is not None
            else None
        )
        if self.negative_prices is NegativePrices.REFUSE and unit_price.amount < 0:
            # the document would refuse it: say so at the line, where the data has it
            raise reader.child("unit_price").fail(
                "a unit price cannot be negative (EN 16931 BR-27) unless the policy "
                'allows it ("negative_prices": "allow")'
            )
        line = reader.build(
            lambda: Line(
                description=description,
                quantity=quantity,
                unit_price=unit_price,
                discounts=discounts,
                price_discount=price_discount,
                taxes=taxes,
                kind=kind,
                product=product,
                base_quantity=base_quantity,
                price_source=price_source,
                stacking=line_stacking,
            )
        )
        if self.levies_together:  # the document would refuse it: say so at the line's taxes
            reader.child("taxes").build(lambda: together(line.taxes))
        return line

    def price_source(self, reader: _Reader) -> PriceSource:
        reader.check_keys({"catalog_version", "price_book", "price_break", "kit"})
        catalog_version = reader.child("catalog_version").text()
        price_book = reader.child("price_book").text()
        price_break = reader.child("price_break").number()
        kit = reader.child("kit").optional_text()
        return reader.build(
            lambda: PriceSource(
                catalog_version=catalog_version,
                price_book=price_book,
                price_break=price_break,
                kit=kit,
            )
        )

    def adjustment(self, reader: _Reader, kind: type[Allowance] | type[Charge]) -> Any:
        reader.check_keys({"percent", "amount", "reason", "taxes"})
        reason = reader.child("reason").text()
        taxes = [self.tax(t) for t in reader.child("taxes").items()]
        if reader.has("percent") == reader.has("amount"):
            raise reader.fail("give exactly one of 'percent' or 'amount'")
        if reader.has("percent"):
            percent = reader.child("percent").number()
            return reader.build(lambda: kind.percentage(percent, reason=reason, taxes=taxes))
        amount = self.money(reader.child("amount"))
        return reader.build(lambda: kind.fixed(amount, reason=reason, taxes=taxes))

    def item(self, reader: _Reader) -> Line | Group:
        if "group" not in reader.mapping():
            return self.line(reader)
        reader.check_keys({"group", "lines", "allowances", "charges"})
        name = reader.child("group").text()
        lines = [self.line(line) for line in reader.child("lines").required().items()]
        allowances = [self.adjustment(a, Allowance) for a in reader.child("allowances").items()]
        charges = [self.adjustment(c, Charge) for c in reader.child("charges").items()]
        return reader.build(
            lambda: Group(name=name, lines=lines, allowances=allowances, charges=charges)
        )


def _zero_rated_note(reason: str | None, reason_code: str | None) -> str | None:
    """The note of a zero-rated (Z) tax that older data wrote with an exemption reason.

    EN 16931 gives a zero-rated row no exemption reason (BR-Z-10), which ordercore did not
    enforce before: such data still reads, the reason text becoming the tax's note (and a
    reason code, ``"code: text"``), so that nothing it said is lost and the invoice still
    prints it, as a note.
    """
    if reason_code is None:
        return reason
    return reason_code if reason is None else f"{reason_code}: {reason}"


def _older_tax(data: object) -> object:
    """Stored tax data as reading it gives it (a zero-rated tax's reason as its note)."""
    if not isinstance(data, Mapping):
        return data
    kind = data.get("kind", "percent")
    if not isinstance(kind, str):
        return data  # not tax data: reading it says what is wrong
    code = data.get("code") or _TAX_KINDS.get(kind, (None, None, None))[2]
    zero = kind in _TAX_KINDS and _TAX_KINDS[kind][0] is TaxKind.ZERO
    if not zero or code != "Z" or ("reason" not in data and "reason_code" not in data):
        return data
    older = {key: value for key, value in data.items() if key not in ("reason", "reason_code")}
    older["note"] = _zero_rated_note(data.get("reason"), data.get("reason_code"))
    return older


def _older_priced(data: object) -> object:
    """Stored priced data with each breakdown row's tax as reading it gives it."""
    if not isinstance(data, Mapping) or not isinstance(data.get("tax_breakdown"), list):
        return data
    rows = [
        {**row, "tax": _older_tax(row["tax"])} if isinstance(row, Mapping) and "tax" in row else row
        for row in data["tax_breakdown"]
    ]
    return {**data, "tax_breakdown": rows}


#: The plain-data name of each kind of tax: its rule, whether it is withheld, its default code.
_TAX_KINDS: dict[str, tuple[TaxKind, bool, str]] = {
    "percent": (TaxKind.PERCENT, False, "S"),
    "per_unit": (TaxKind.PER_UNIT, False, "S"),
    "division": (TaxKind.DIVISION, False, "S"),
    "exempt": (TaxKind.ZERO, False, "E"),
    "zero_rated": (TaxKind.ZERO, False, "Z"),
    "reverse_charge": (TaxKind.ZERO, False, "AE"),
    "not_subject": (TaxKind.ZERO, False, "O"),
    "withholding": (TaxKind.PERCENT, True, "WHT"),
}


def _rounding_mode(reader: _Reader) -> RoundingMode:
    if reader.value is None:
        return RoundingMode.HALF_UP
    names = {mode.name.lower(): mode for mode in RoundingMode}
    if isinstance(reader.value, str) and reader.value.lower() in names:
        return names[reader.value.lower()]
    raise reader.fail(f"expected one of {sorted(names)}, got {excerpt(reader.value)}")


def document_from_data(data: object) -> Document:
    """Read a :class:`~ordercore.pricing.Document` from plain data (see the module docs)."""
    return _DocumentReader(data).read()


# -- writing -----------------------------------------------------------------------------


def _number(value: Decimal) -> str:
    return str(value if value else value.copy_abs())  # no negative zero


def _tax_to_data(tax: Tax) -> Data:
    kinds = {
        TaxKind.PERCENT: "withholding" if tax.withholding else "percent",
        TaxKind.PER_UNIT: "per_unit",
        TaxKind.DIVISION: "division",
        TaxKind.ZERO: {"Z": "zero_rated", "AE": "reverse_charge"}.get(tax.code, "exempt"),
    }
    data: Data = {"name": tax.name, "kind": kinds[tax.kind], "code": tax.code}
    if tax.kind is TaxKind.PER_UNIT:
        data["amount"] = _number(tax.rate)
    elif tax.kind is not TaxKind.ZERO:
        data["rate"] = _number(tax.rate)
    for flag in ("included", "compound", "on_plain_net"):
        if getattr(tax, flag):
            data[flag] = True
    if tax.withholding and tax.kind is not TaxKind.PERCENT:  # a percentage's is its kind
        data["withholding"] = True
    if tax.reason is not None:
        data["reason"] = tax.reason
    if tax.reason_code is not None:
        data["reason_code"] = tax.reason_code
    if tax.note is not None:
        data["note"] = tax.note
    return data


def _discount_to_data(discount: Discount) -> Data:
    data: Data = {discount.kind.value: _number(discount.value)}
    if discount.reason is not None:
        data["reason"] = discount.reason
    return data


def _adjustment_to_data(adjustment: Allowance | Charge, taxes: dict[Tax, str]) -> Data:
    data: Data = {"reason": adjustment.reason}
    if adjustment.percent is not None:
        data["percent"] = _number(adjustment.percent)
    else:
        data["amount"] = _number(adjustment.fixed_amount)
    if adjustment.taxes:
        data["taxes"] = [taxes[t] for t in adjustment.taxes]
    return data


def _line_to_data(line: Line, taxes: dict[Tax, str]) -> Data:
    data: Data = {
        "description": line.description,
        "quantity": _number(line.quantity),
        "unit_price": _number(line.unit_price.amount),
    }
    if line.discounts:
        data["discounts"] = [_discount_to_data(d) for d in line.discounts]
    if line.price_discount is not None:
        data["price_discount"] = _discount_to_data(line.price_discount)
    if line.taxes:
        data["taxes"] = [taxes[t] for t in line.taxes]
    if line.kind is not LineKind.GOODS:
        data["kind"] = line.kind.value
    if line.product is not None:
        data["product"] = line.product
    if line.base_quantity != 1:
        data["base_quantity"] = _number(line.base_quantity)
    if line.price_source is not None:
        data["price_source"] = _price_source_to_data(line.price_source)
    if line.stacking is not None:
        data["stacking"] = line.stacking.value
    return data


def _price_source_to_data(source: PriceSource) -> Data:
    data: Data = {
        "catalog_version": source.catalog_version,
        "price_book": source.price_book,
        "price_break": _number(source.price_break),
    }
    if source.kit is not None:
        data["kit"] = source.kit
    return data


def _tax_names(document: Document) -> dict[Tax, str]:
    adjustments = [*document.adjustments]
    for group in document.groups:
        adjustments.extend(group.adjustments)
    every = [t for line in document.lines for t in line.taxes]
    every += [t for adjustment in adjustments for t in adjustment.taxes]
    every += [correction.tax for correction in document.tax_corrections]
    return _names_of_taxes(every)


def _names_of_taxes(every: list[Tax]) -> dict[Tax, str]:
    """A name for each distinct tax of ``every``, from its name and rate, in order."""
    names: dict[Tax, str] = {}
    used: set[str] = set()
    for tax in every:
        if tax in names:
            continue
        base = "-".join(f"{tax.name} {tax.rate}".lower().split())
        name, suffix = base, 2
        while name in used:
            name, suffix = f"{base}-{suffix}", suffix + 1
        names[tax] = name
        used.add(name)
    return names


def _policy_to_data(policy: Policy) -> Data:
    data: Data = {
        "rounding": policy.rounding.name.lower(),
        "stacking": policy.stacking.value,
        "tax_rounding": policy.tax_rounding.value,
        "adjustments": policy.adjustments.value,
        "price_places": policy.price_places,
    }
    if policy.cash_rounding is not None:
        data["cash_rounding"] = {
            "increment": _number(policy.cash_rounding.increment),
            "mode": policy.cash_rounding.mode.name.lower(),
        }
        if policy.cash_rounding.strategy is not CashRoundingStrategy.SEPARATE:
            data["cash_rounding"]["strategy"] = policy.cash_rounding.strategy.value
    # written only when chosen, so that data of the defaults reads as it always did
    if policy.included_rounding is not IncludedRounding.NET_FIRST:
        data["included_rounding"] = policy.included_rounding.value
    if policy.residual_cent is not ResidualCent.LARGEST_REMAINDER:
        data["residual_cent"] = policy.residual_cent.value
    if policy.discount_overflow is not DiscountOverflow.REFUSE:
        data["discount_overflow"] = policy.discount_overflow.value
    if policy.tax_increment is not None:
        data["tax_increment"] = _number(policy.tax_increment)
    if policy.negative_prices is not NegativePrices.REFUSE:
        data["negative_prices"] = policy.negative_prices.value
    if policy.division_taxes is not DivisionTaxes.EACH:
        data["division_taxes"] = policy.division_taxes.value
    if policy.included_back_out is not IncludedBackOut.SUMMED:
        data["included_back_out"] = policy.included_back_out.value
    return data


def document_to_data(document: Document) -> Data:
    """Write a document as plain, JSON-safe data (taxes named once, referenced by name).

    It takes a pricing :class:`~ordercore.pricing.Document`; a quote, an order, an
    invoice or any other stored aggregate is written by
    :func:`ordercore.interop.records.record_to_data` (:class:`~ordercore.errors.InvalidType`
    says so).
    """
    if not isinstance(document, Document):
        raise InvalidType(
            document,
            expected="a pricing Document (write a stored aggregate with record_to_data)",
            field="document",
        )
    taxes = _tax_names(document)
    items: list[Data] = []
    for item in document.items:
        if isinstance(item, Group):
            group: Data = {
                "group": item.name,
                "lines": [_line_to_data(x, taxes) for x in item.lines],
            }
            if item.allowances:
                group["allowances"] = [_adjustment_to_data(a, taxes) for a in item.allowances]
            if item.charges:
                group["charges"] = [_adjustment_to_data(c, taxes) for c in item.charges]
            items.append(group)
        else:
            items.append(_line_to_data(item, taxes))
    data: Data = {
        "schema": DOCUMENT_SCHEMA,
        "currency": document.currency.code,
        "policy": _policy_to_data(document.policy),
        "taxes": {name: _tax_to_data(tax) for tax, name in taxes.items()},
        "items": items,
    }
    if document.allowances:
        data["allowances"] = [_adjustment_to_data(a, taxes) for a in document.allowances]
    if document.charges:
        data["charges"] = [_adjustment_to_data(c, taxes) for c in document.charges]
    if document.prepaid is not None:
        data["prepaid"] = _number(document.prepaid.amount)
    if document.tax_corrections:
        data["tax_corrections"] = [
            {
                "tax": taxes[correction.tax],
                "amount": _number(correction.amount.amount),
                "reason": correction.reason,
            }
            for correction in document.tax_corrections
        ]
    return data


def _row_to_data(row: TaxSubtotal) -> Data:
    data: Data = {
        "tax": _tax_to_data(row.tax),
        "base": _number(row.base.amount),
        "amount": _number(row.amount.amount),
    }
    if row.correction is not None:
        data["correction"] = _number(row.correction.amount)
    if row.cash_rounding is not None:
        data["cash_rounding"] = _number(row.cash_rounding.amount)
    return data


def _rounding_line_to_data(totals: Totals) -> Data:
    """The untaxed rounding line, written only when there is one (cash rounding's)."""
    line = totals.rounding_line.amount
    return {"rounding_line": _number(line)} if line else {}


def priced_to_data(priced: PricedDocument) -> Data:
    """Write a priced document: its document, and every amount derived from it."""
    document = document_to_data(priced.document)
    totals = priced.totals
    return {
        "schema": PRICED_SCHEMA,
        "currency": priced.currency.code,
        "precision": priced.precision,
        "document": document,
        "lines": [
            {
                "description": line.line.description,
                "gross": _number(line[2]),
                "discount": _number(line[3]),
                "distributed": _number(line[4]),
                "net": _number(line[5]),
                "tax": _number(line.tax.amount),
                "tax_exact": _number(line[6]),
            }
            for line in priced.lines
        ],
        "groups": [
            {"name": group.name, "subtotal": _number(group.subtotal.amount)}
            for group in priced.groups
        ],
        "adjustments": [
            {
                "kind": adjustment.adjustment.noun,
                "reason": adjustment.adjustment.reason,
                "scope": adjustment.scope,
                "distributed": adjustment.distributed,
                "base": _number(adjustment.base.amount),
                "amount": _number(adjustment.amount.amount),
            }
            for adjustment in priced.all_adjustments()
        ],
        "tax_breakdown": [_row_to_data(row) for row in priced.tax_breakdown],
        "totals": _rounding_line_to_data(totals)
        | {
            name: _number(getattr(totals, name).amount)
            for name in (
                "lines_net",
                "allowances",
                "charges",
                "tax_exclusive",
                "tax",
                "tax_inclusive",
                "rounding",
                "prepaid",
                "amount_due",
            )
        },
    }


def priced_from_data(data: object) -> PricedDocument:
    """Read a priced document: price its document again and check every stored amount.

    A stored result that does not match what the rules give (edited, or priced by
    another version with other rules) raises :class:`~ordercore.errors.InvalidData`
    naming the first field that differs.
    """
    root = _Reader(data)
    schema = root.child("schema")
    if schema.value != PRICED_SCHEMA:
        raise schema.fail(f"expected {PRICED_SCHEMA!r}, got {excerpt(schema.value)}")
    document = document_from_data(root.child("document").required().value)
    priced = price(document)
    expected = priced_to_data(priced)
    _compare(_older_priced(root.value), expected, "")
    return priced


def _compare(stored: object, expected: object, path: str) -> None:
    if isinstance(expected, dict):
        if not isinstance(stored, Mapping):
            raise InvalidData(path, "expected an object")
        for key, value in expected.items():
            if key == "document":
                continue
            _compare(stored.get(key), value, _step(path, key))
    elif isinstance(expected, list):
        if not isinstance(stored, list) or len(stored) != len(expected):
            raise InvalidData(path, f"expected a list of {len(expected)} entries")
        for index, (a, b) in enumerate(zip(stored, expected, strict=True)):
            _compare(a, b, f"{path}[{index}]")
    elif type(stored) is not type(expected) or stored != expected:
        # types first: a stored Decimal sNaN cannot even be compared
        raise InvalidData(
            path, f"stored {excerpt(stored)} but pricing the document gives {excerpt(expected)}"
        )
