"""The request fingerprint: format 1, the same text however it is computed, in any process.

A host's idempotency table holds fingerprints that earlier versions of ordercore wrote;
a retry after an upgrade (or from another process) must find its first result again, and
another request under the key must still conflict. ``fingerprint_format1`` is the code
that wrote them (nested data, then ``json.dumps``); the services write the same text
directly, faster.
"""

from __future__ import annotations

import datetime as dt
import enum
import multiprocessing
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import attrs
import moneyed
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercore import (
    CashRounding,
    CashRoundingStrategy,
    DiscountOverflow,
    Document,
    DraftInvoice,
    IssuedInvoice,
    Line,
    Money,
    NumberingSeries,
    Policy,
    Request,
    Stacking,
)
from ordercore.errors import IdempotencyConflict, InvalidType
from ordercore.services import Services, fingerprint
from ordercore.storage.memory import MemoryStore
from ordercore.testing.strategies import documents

sys.path.insert(0, str(Path(__file__).parent))  # the reference, by name (spawned children too)
format1 = pytest.importorskip("fingerprint_format1")

DAY = dt.date(2026, 12, 1)


class Colour(enum.Enum):
    RED = "red"
    NUMBERED = 7


class Level(enum.IntEnum):
    HIGH = 3


class Size(enum.StrEnum):
    LARGE = "large"


@attrs.frozen(kw_only=True)
class Parcel:
    label: str
    weight: Decimal
    note: str = attrs.field(default="", eq=False)  # not compared: not in the fingerprint
    tags: tuple[object, ...] = ()


Parcel.__module__ = "golden"  # the same name wherever this module is imported from

#: Requests, and the fingerprints that ordercore 0.1 (format 1) gave them.
GOLDEN = {
    "scalars": (
        "op",
        {
            "a": True,
            "b": False,
            "c": None,
            "d": -12345678901234567890,
            "e": "",
            "f": (),
            "g": [],
            "h": {},
        },
        "14a035c20695bcb574db46e9085d1bbf2086a7a60c39f697dc55e9a98d6a35de",
    ),
    "text": (
        "op",
        {"text": 'Café «crème» ☕ "q" \\ \n\t\x00 \U0001f600 \ud800'},
        "1759d634d625a799f4823d909cd775d6ddda9488a0c247c39ffc4a66c37c0409",
    ),
    "numbers": (
        "op",
        {
            "d": Decimal("-0.000"),
            "e": Decimal("1E+3"),
            "f": Fraction(-7, 3),
            "m": Money("120.50", "EUR"),
            "j": Money("1000", "JPY"),
        },
        "8f4d698f69577dcba80a7416e19ec16db5b541f9bd193df61e2c4b22dcf447da",
    ),
    "time": (
        "op",
        {
            "day": dt.date(2026, 12, 1),
            "at": dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
            "local": dt.datetime(
                2026, 3, 29, 2, 30, 0, 123456, tzinfo=dt.timezone(-dt.timedelta(hours=3.5))
            ),
            "currency": moneyed.get_currency("CHF"),
        },
        "dd4fc38088f479725cc917b607f6c57f84f4db07e88556721d0e02d0d5f8545a",
    ),
    "enums": (
        "op",
        {"colour": Colour.RED, "numbered": Colour.NUMBERED, "level": Level.HIGH},
        "eeeaa5392c21680df7b85a2336f703a318f687f960ac9ea537e60c72789d3aee",
    ),
    "map": (
        "credit_invoice",
        {
            "lines": {
                1: Decimal("2"),
                "key-a": Decimal("0.5"),
                0: Fraction(1, 3),
                (2, "b"): None,
                Decimal("1.5"): "x",
            }
        },
        "fe66d2eafe64563a7440f9150a913b2b8ed0675eef590e89e5603fc19ceccb3d",
    ),
    "record": (
        "add",
        {
            "document": Parcel(
                label="box",
                weight=Decimal("2.50"),
                note="ignored",
                tags=(Colour.RED, (1, [2]), {"k": Parcel(label="inner", weight=Decimal(1))}),
            )
        },
        "0cb99256189f818cd9fa1b38a039554fc9f3423a8786fa3abca075502e54e4bb",
    ),
}


@pytest.mark.parametrize("name", list(GOLDEN))
def test_fingerprints_stored_by_earlier_versions_are_given_again(name: str) -> None:
    operation, arguments, stored = GOLDEN[name]
    assert fingerprint(operation, **arguments) == stored
    assert format1.fingerprint(operation, **arguments) == stored


# -- the same text as the reference, for any value ---------------------------------------------

keys = st.one_of(
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False, places=3, max_value=10**6, min_value=-(10**6)),
    st.tuples(st.integers(-3, 3), st.text(max_size=3)),
    # a record as a key: its fields in their order here, sorted by name in the pairs' order
    st.builds(
        Parcel,
        label=st.sampled_from(["a", "b"]),
        weight=st.decimals(min_value=0, max_value=20, places=0),
        tags=st.tuples(st.sampled_from(["x", "yy"])),
    ),
)
leaves = st.one_of(
    keys,
    st.decimals(allow_nan=True),
    st.fractions(max_denominator=1000),
    st.dates(),
    st.datetimes(timezones=st.timezones()),
    st.datetimes(),
    st.sampled_from(["EUR", "JPY", "BHD", "USD"]).map(moneyed.get_currency),
    st.builds(
        Money,
        st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-999, max_value=999),
        st.sampled_from(["EUR", "USD"]),
    ),
    st.sampled_from([*Colour, *Level, *Size]),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(keys, inner, max_size=4),
        st.builds(
            Parcel,
            label=st.text(max_size=5),
            weight=st.decimals(allow_nan=False, allow_infinity=False),
            note=st.text(max_size=3),
            tags=st.lists(inner, max_size=3).map(tuple),
        ),
    ),
    max_leaves=12,
)


@given(
    operation=st.text(max_size=12),
    arguments=st.dictionaries(st.text(min_size=1, max_size=6), values, max_size=5),
)
@settings(max_examples=300)
def test_the_fingerprint_is_the_one_of_format_1(
    operation: str, arguments: dict[str, object]
) -> None:
    assert fingerprint(operation, **arguments) == format1.fingerprint(operation, **arguments)


@given(document=documents())
@settings(max_examples=50, deadline=None)
def test_a_document_fingerprints_as_in_format_1(document: Document) -> None:
    arguments = {"id": "inv-1", "customer": "acme", "content": document}
    expected = format1.fingerprint("create_invoice", **arguments)
    assert fingerprint("create_invoice", **arguments) == expected


@pytest.mark.parametrize("bad", [object(), 1.5, {1, 2}, b"bytes"])
def test_what_cannot_be_compared_is_refused_as_before(bad: object) -> None:
    for compute in (fingerprint, format1.fingerprint):
        with pytest.raises(InvalidType) as refused:
            compute("op", fine=Decimal(1), nested=[{"k": (1, bad)}])
        assert refused.value.value is bad
    with pytest.raises(InvalidType) as refused:
        fingerprint(7, fine=1)  # type: ignore[arg-type]
    assert refused.value.field == "operation"


# -- requests stored by an earlier version ------------------------------------------------------


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), business_date=DAY)


def draft_stored() -> tuple[MemoryStore, Services]:
    store = MemoryStore()
    services = Services(store)
    services.add_series("INV", NumberingSeries(prefix="INV-", width=4))
    content = Document(
        currency="EUR",
        items=[Line(description="Work", quantity="1", unit_price=Money("100.00", "EUR"))],
    )
    services.create_invoice(id="inv-1", customer="acme", content=content, request=request("c1"))
    return store, services


def stored_by_format1(store: MemoryStore, key: str, result: object) -> None:
    """What an earlier version stored for ``issue_invoice("inv-1", due_date=DAY)``."""
    arguments = {
        "invoice": "inv-1",
        "series": "INV",
        "issue_date": None,
        "due_date": DAY,
        "payment_term": None,
    }
    with store() as uow:
        uow.idempotency.put(key, format1.fingerprint("issue_invoice", **arguments), result)
        uow.commit()


def test_a_retry_finds_the_result_an_earlier_version_stored() -> None:
    store, services = draft_stored()
    with store() as uow:
        first = uow.documents.get("inv-1", DraftInvoice)
    stored_by_format1(store, "i1", first)  # the result stored, whatever it was
    again = services.issue_invoice("inv-1", due_date=DAY, request=request("i1"))
    assert again == first  # the stored result, not a new issue
    with store() as uow:
        assert uow.numbers.get("INV").last == 0
    with pytest.raises(IdempotencyConflict) as conflict:
        services.issue_invoice("inv-1", due_date=DAY + dt.timedelta(days=1), request=request("i1"))
    assert conflict.value.key == "i1"
    issued = services.issue_invoice("inv-1", due_date=DAY, request=request("i2"))
    assert isinstance(issued, IssuedInvoice)


# -- in another process -------------------------------------------------------------------------


def test_another_process_computes_the_same_fingerprints() -> None:
    names = sorted(GOLDEN)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        theirs = pool.map_async(_golden_fingerprint, names).get(timeout=60)
    assert theirs == [GOLDEN[name][2] for name in names]


def _golden_fingerprint(name: str) -> str:
    operation, arguments, _ = GOLDEN[name]
    return fingerprint(operation, **arguments)


# -- fields added after format 1 ------------------------------------------------------------


def test_a_field_added_since_is_written_only_when_it_is_set() -> None:
    """``Line.stacking``, ``Policy.discount_overflow`` and ``tax_increment`` and
    ``CashRounding.strategy`` came after format 1: left at their defaults, a request
    fingerprints as it did before they existed; set, they make another request."""
    line = Line(description="Desk", quantity="1", unit_price=Money("10.00", "EUR"))
    before = fingerprint(
        "price", line=line, policy=Policy(cash_rounding=CashRounding(increment="0.05"))
    )
    changed = [
        fingerprint(
            "price",
            line=attrs.evolve(line, stacking=Stacking.ADDITIVE),
            policy=Policy(cash_rounding=CashRounding(increment="0.05")),
        ),
        fingerprint(
            "price",
            line=line,
            policy=Policy(
                cash_rounding=CashRounding(increment="0.05"),
                discount_overflow=DiscountOverflow.CLAMP,
            ),
        ),
        fingerprint(
            "price",
            line=line,
            policy=Policy(cash_rounding=CashRounding(increment="0.05"), tax_increment="0.05"),
        ),
        fingerprint(
            "price",
            line=line,
            policy=Policy(
                cash_rounding=CashRounding(
                    increment="0.05", strategy=CashRoundingStrategy.ROUNDING_LINE
                )
            ),
        ),
    ]
    assert len({before, *changed}) == 5
    # the same text as format 1's reference, which knew none of them
    assert before == format1.fingerprint(
        "price", line=line, policy=Policy(cash_rounding=CashRounding(increment="0.05"))
    )
