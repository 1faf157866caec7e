"""Pickled records come back as they were: equal, with the same hash, priced alike, frozen.

The records that cross a process pool's boundary in a bill run pickle as the tuple of
their fields (``_convert.pickled_as_tuple``), and a pool's chunks and results cross as
pickles of 50 subscriptions (docs/performance.md, "Bill runs"). Each test here checks the
record a pickle brings back against the record pickled, on generated documents and
subscriptions: the fast way back against the value itself.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercore import Line, Money, OrdercoreError, Tax, price
from ordercore.errors import InvalidData
from ordercore.pricing import Discount, Document
from ordercore.subscriptions import (
    GraduatedTiers,
    Interval,
    Meter,
    PerUnit,
    Schedule,
    Subscription,
    Timing,
    UsageRecord,
    bill_due,
    bill_run,
)
from ordercore.subscriptions.runs import _packed, _unpacked
from ordercore.subscriptions.usage import Tier
from ordercore.testing import strategies as ost

D = dt.date
VAT = Tax.percent("VAT", "20")
REDUCED = Tax.percent("VAT", "7")
API = Meter(
    key="api",
    metric="api_calls",
    model=PerUnit(unit_price=Money("0.01", "EUR")),
    description="API calls",
    taxes=[VAT],
)
STORAGE = Meter(
    key="storage",
    metric="gigabytes",
    model=GraduatedTiers(
        tiers=[
            Tier(up_to="100", unit_price=Money("0", "EUR")),
            Tier(up_to=None, unit_price=Money("0.05", "EUR"), flat_fee=Money("1.00", "EUR")),
        ]
    ),
    description="Storage",
    taxes=[REDUCED],
)

#: Records that keep attrs' own pickling: the taxes, which a pickle of many lines holds once.
ATTRS_PICKLED = {Tax}


def hash_slots(kind: type) -> list[str]:
    """The slot attrs keeps a hash in (``cache_hash=True``): beside the fields and __weakref__."""
    fields = {field.name for field in attrs.fields(kind)}
    names = [n for n in kind.__slots__ if n not in fields and n != "__weakref__"]
    assert names  # the class caches its hash
    return names


def again(value: object) -> object:
    return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def records(value: object, seen: set[int] | None = None) -> Iterator[object]:
    """Every attrs record in ``value``, each once, depth first."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if attrs.has(type(value)):
        yield value
        for field in attrs.fields(type(value)):
            yield from records(getattr(value, field.name), seen)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from records(item, seen)


def slots(record: object) -> tuple[object, ...]:
    """Every field of ``record``, those left out of ``==`` (computed ones) included."""
    return tuple(getattr(record, field.name) for field in attrs.fields(type(record)))


def assert_same_record(back: object, record: object) -> None:
    """``back`` is ``record`` again: equal, same hash, every field (computed ones too)."""
    assert type(back) is type(record)
    assert back == record
    assert hash(back) == hash(record)
    for got, expected in zip(records(back), records(record), strict=True):
        assert type(got) is type(expected)
        assert slots(got) == slots(expected)


# -- documents --------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(ost.documents())
def test_a_pickled_document_is_the_document_priced_alike(document: Document) -> None:
    back = again(document)
    assert isinstance(back, Document)
    assert_same_record(back, document)
    # a document's lines are those of its groups, the same objects, as before
    assert [id(line) for line in back.lines] == [
        id(line)
        for item in back.items
        for line in (item.lines if hasattr(item, "lines") else [item])
    ]
    # lines taxed alike share one tuple of taxes (the pricing loop's fast path) as before
    pairs = [(a, b) for a in document.lines for b in document.lines]
    back_pairs = [(a, b) for a in back.lines for b in back.lines]
    assert [a.taxes is b.taxes for a, b in back_pairs] == [a.taxes is b.taxes for a, b in pairs]
    try:
        expected = price(document)
    except OrdercoreError as error:
        with pytest.raises(type(error)):
            price(back)
    else:
        assert price(back) == expected


@settings(max_examples=30, deadline=None)
@given(ost.lines("EUR"))
def test_a_pickled_line_is_the_line_made_of_its_values(line: Line) -> None:
    back = again(line)
    assert isinstance(back, Line)
    assert_same_record(back, line)
    public = Line(
        description=line.description,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discounts=line.discounts,
        price_discount=line.price_discount,
        taxes=line.taxes,
        kind=line.kind,
        product=line.product,
        base_quantity=line.base_quantity,
        price_source=line.price_source,
        stacking=line.stacking,
    )
    assert slots(back) == slots(public)
    assert copy.deepcopy(line) == line
    assert slots(copy.copy(line)) == slots(line)


def test_a_pickled_money_keeps_its_digits_and_refuses_change() -> None:
    for money in (Money("19.990", "EUR"), Money("-0.5", "JPY"), Money("0", "USD")):
        back = again(money)
        assert type(back) is Money
        assert back == money
        assert str(back.amount) == str(money.amount)
        assert back.currency is money.currency
        assert hash(back) == hash(money)
        with pytest.raises(AttributeError):
            back.amount = money.amount  # type: ignore[misc]


def test_a_money_pickled_before_its_slots_is_read() -> None:
    money = Money("19.99", "EUR")
    state = {"amount": money.amount, "currency": money.currency}
    back = pickle.loads(pickle.dumps(Forged(Money, state)))
    assert type(back) is Money
    assert back == money
    assert str(back.amount) == "19.99"


def test_a_pickled_discount_computes_its_hash_again() -> None:
    discount = Discount.percent("10")
    cached = hash(discount)
    back = again(discount)
    assert all(getattr(back, name) is None for name in hash_slots(Discount))
    assert hash(back) == cached == hash(Discount.percent("10"))
    assert back == discount


# -- bill runs --------------------------------------------------------------------------


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def subscribe(start: dt.date, timing: Timing, every: int, ends: int | None) -> Subscription:
    schedule = Schedule(
        start=start,
        interval=Interval.months(every),
        timing=timing,
        end=None if ends is None else start + dt.timedelta(days=ends),
    )
    plan = Line(description="Plan", quantity="1", unit_price=Money("31.00", "EUR"), taxes=[VAT])
    seats = Line(description="Seats", quantity="3", unit_price=Money("4.50", "EUR"), taxes=[VAT])
    return Subscription.start(
        id="sub-1",
        customer="acme",
        schedule=schedule,
        items={"plan": plan, "seats": seats},
        meters=[API, STORAGE],
    )


@st.composite
def billed(draw: st.DrawFn) -> tuple[Subscription, object]:
    """A subscription, maybe changed, paused or cancelled, and what ``bill_due`` made of it."""
    start = draw(st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)))
    timing = Timing.IN_ARREARS if draw(st.booleans()) else Timing.IN_ADVANCE
    every = draw(st.integers(min_value=1, max_value=3))
    ends = draw(st.none() | st.integers(min_value=1, max_value=400))
    subscription = subscribe(start, timing, every, ends)
    step = draw(st.sampled_from(["none", "change", "pause", "cancel"]))
    when = start + dt.timedelta(days=draw(st.integers(min_value=1, max_value=60)))
    if step != "none" and (subscription.ended is None or when < subscription.ended):
        subscription, _ = bill_due(subscription, on=when).subscription, None
        if step == "change":
            upgrade = Line(
                description="Plan plus", quantity="1", unit_price=Money("45.00", "EUR"), taxes=[VAT]
            )
            subscription, _ = subscription.change(when, "plan", upgrade)
        elif step == "pause":
            subscription, _ = subscription.pause(when, until=when + dt.timedelta(days=10))
        else:
            subscription, _ = subscription.cancel(when)
    usage = [
        UsageRecord(
            metric=draw(st.sampled_from(["api_calls", "gigabytes"])),
            quantity=str(draw(st.integers(min_value=0, max_value=10**5))),
            at=at(start + dt.timedelta(days=draw(st.integers(min_value=0, max_value=200)))),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=6)))
    ]
    on = start + dt.timedelta(days=draw(st.integers(min_value=60, max_value=400)))
    return subscription, bill_due(subscription, on=on, usage=usage)


@settings(max_examples=50, deadline=None)
@given(billed())
def test_a_pickled_bill_is_the_bill_priced_alike(case: tuple[Subscription, object]) -> None:
    subscription, result = case
    for value in (subscription, result):
        back = again(value)
        assert_same_record(back, value)
        # brought back once more, it pickles to the same bytes: a round trip is stable
        # (not the bytes of ``value`` itself, where a label may be its enum's own string)
        assert pickle.dumps(again(back)) == pickle.dumps(back)
    back_result = again(result)
    assert [i.amount_due for i in back_result.invoices] == [  # type: ignore[attr-defined]
        i.amount_due
        for i in result.invoices  # type: ignore[attr-defined]
    ]
    assert [price(i.draft.content) for i in back_result.invoices] == [  # type: ignore[attr-defined]
        price(i.draft.content)
        for i in result.invoices  # type: ignore[attr-defined]
    ]


def bill_run_records() -> list[object]:
    subscriptions = [
        subscribe(D(2026, 1, 1 + n), Timing.IN_ADVANCE if n % 2 else Timing.IN_ARREARS, 1, None)
        for n in range(4)
    ]
    changed, _ = bill_due(subscriptions[0], on=D(2026, 1, 5)).subscription.change(
        D(2026, 1, 10), "seats", None
    )
    usage = [UsageRecord(metric="api_calls", quantity="120", at=at(D(2026, 1, 9)))]
    results = [bill_due(s, on=D(2026, 3, 2), usage=usage) for s in [*subscriptions, changed]]
    return [*subscriptions, changed, *results, *usage]


def test_every_record_a_bill_run_sends_pickles_as_a_tuple() -> None:
    kinds = {type(record) for record in records(bill_run_records())}
    assert len(kinds) > 20
    for kind in kinds - ATTRS_PICKLED:
        record = next(r for r in records(bill_run_records()) if type(r) is kind)
        state = record.__getstate__()  # type: ignore[attr-defined]
        assert type(state) is tuple, kind
        assert len(state) == len(attrs.fields(kind)), kind


def test_a_pickled_record_still_refuses_change() -> None:
    for record in records(again(bill_run_records())):
        name = attrs.fields(type(record))[0].name
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(record, name, getattr(record, name))


# -- states of another shape ------------------------------------------------------------


class Forged:
    """Pickles as a ``kind`` record with the ``state`` given: what another version might hold."""

    def __init__(self, kind: type, state: object) -> None:
        self.kind = kind
        self.state = state

    def __reduce__(self) -> tuple[object, ...]:
        return (object.__new__, (self.kind,), self.state)


def plan_line() -> Line:
    return Line(description="Plan", quantity="2", unit_price=Money("31.00", "EUR"), taxes=[VAT])


@pytest.mark.parametrize(
    "state",
    [
        (),
        ("Plan",),
        (None,) * (len(attrs.fields(Line)) - 1),
        (None,) * (len(attrs.fields(Line)) + 1),
        {"description": "Plan"},
        "Plan",
    ],
    ids=["empty", "one", "one short", "one more", "a dict of other fields", "text"],
)
def test_a_state_of_another_shape_is_refused(state: object) -> None:
    with pytest.raises(InvalidData) as caught:
        pickle.loads(pickle.dumps(Forged(Line, state)))
    assert caught.value.path == "Line"


def test_attrs_dict_of_the_same_fields_is_read() -> None:
    """A pickle made before records pickled as tuples holds attrs' dict of the fields."""
    line = plan_line()
    state = {field.name: getattr(line, field.name) for field in attrs.fields(Line)}
    back = pickle.loads(pickle.dumps(Forged(Line, state)))
    assert back == line
    assert slots(back) == slots(line)
    discount = Discount.percent("10")
    hash(discount)
    fields = {field.name: getattr(discount, field.name) for field in attrs.fields(Discount)}
    back_discount = pickle.loads(pickle.dumps(Forged(Discount, fields)))
    assert all(getattr(back_discount, name) is None for name in hash_slots(Discount))
    assert hash(back_discount) == hash(discount)


# -- parcels ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 49, 50, 51, 123])
def test_parcels_hold_fifty_items_in_order(count: int) -> None:
    items = [(n, f"sub-{n}", Money(str(n), "EUR")) for n in range(count)]
    parcels = _packed(items)
    assert len(parcels) == math.ceil(count / 50)
    assert all(isinstance(parcel, bytes) for parcel in parcels)
    assert _unpacked(parcels) == items


def test_a_bill_run_on_a_process_pool_in_many_parcels_gives_the_same_invoices() -> None:
    subscriptions = [
        attrs.evolve(subscribe(D(2026, 1, 1 + n % 28), Timing.IN_ADVANCE, 1, None), id=f"sub-{n}")
        for n in range(130)
    ]
    usage = {
        f"sub-{n}": [UsageRecord(metric="gigabytes", quantity=str(n * 7), at=at(D(2026, 2, 1)))]
        for n in range(0, 130, 3)
    }
    alone = bill_run(subscriptions, on=D(2026, 3, 2), usage=usage)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = bill_run(
            subscriptions, on=D(2026, 3, 2), usage=usage, executor=pool, chunk_size=60
        )
    assert pooled == alone
    assert pooled.totals() == alone.totals()
    assert len(alone.invoices) > 130
