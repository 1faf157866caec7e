"""Subscriptions as records: everything a subscription holds, as plain data and back."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from ordercore import InvalidData, InvalidType, Line, Money, OrdercoreError, Request, Tax
from ordercore.interop.plain import loads
from ordercore.interop.records import RECORD_KINDS, RECORD_SCHEMA, record_from_data, record_to_data
from ordercore.money import RoundingMode
from ordercore.pricing import Discount, Policy
from ordercore.subscriptions import (
    Aggregation,
    Alignment,
    DayCount,
    GraduatedPercentage,
    GraduatedTiers,
    Interval,
    Meter,
    Package,
    Percentage,
    PercentTier,
    PerUnit,
    Schedule,
    StubPolicy,
    Subscription,
    Tier,
    Timing,
    UsageModel,
    UsageRecord,
    VolumeTiers,
)

D = dt.date
VAT = Tax.percent("VAT", "20")
REDUCED = Tax.percent("VAT", "5.5")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def request(key: str, day: dt.date) -> Request:
    return Request(
        key=key, at=dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC), business_date=day
    )


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


#: A meter of every usage charge model, each with its options.
METERS = (
    Meter(
        key="api",
        metric="api_calls",
        model=PerUnit(unit_price=eur("0.000125"), minimum=eur("1.00")),
        description="API calls",
        taxes=[VAT],
    ),
    Meter(
        key="storage",
        metric="gigabytes",
        model=GraduatedTiers(
            tiers=[
                Tier(up_to="100", unit_price=eur("0.10"), flat_fee=eur("2.00")),
                Tier(up_to=None, unit_price=eur("0.05")),
            ],
            maximum=eur("500.00"),
        ),
        aggregation=Aggregation.MAX,
        rounding=RoundingMode.HALF_EVEN,
    ),
    Meter(
        key="seats-used",
        metric="users",
        model=VolumeTiers(
            tiers=[
                Tier(up_to="10", unit_price=eur("7.00")),
                Tier(up_to=None, unit_price=eur("6.50"), flat_fee=eur("5.00")),
            ]
        ),
        aggregation=Aggregation.UNIQUE_COUNT,
        taxes=[REDUCED],
    ),
    Meter(
        key="sms",
        metric="sms",
        model=Package(size="100", price=eur("5.00"), free_units="100"),
        aggregation=Aggregation.COUNT,
    ),
    Meter(
        key="cards",
        metric="card_payments",
        model=Percentage(
            currency="EUR",
            rate="2.9",
            fixed_fee=eur("0.30"),
            free_transactions=3,
            free_amount=eur("10.00"),
        ),
    ),
    Meter(
        key="volume",
        metric="sales",
        model=GraduatedPercentage(
            currency="EUR",
            tiers=[
                PercentTier(up_to="1000", rate="3", flat_fee=eur("1.00")),
                PercentTier(up_to=None, rate="1.5"),
            ],
            minimum=eur("5.00"),
        ),
    ),
)
QUANTITY_METERS = METERS[:4]


def plan(price: str = "31.00", quantity: str = "1") -> Line:
    return Line(
        description="Pro plan",
        quantity=quantity,
        unit_price=eur(price),
        taxes=[VAT],
        discounts=[Discount.percent("10", reason="loyalty")],
    )


def seats(quantity: str = "3") -> Line:
    return Line(description="Seats", quantity=quantity, unit_price=eur("5.00"), taxes=[REDUCED])


def usage() -> list[UsageRecord]:
    records = [
        UsageRecord(metric="api_calls", quantity="12000", at=at(D(2026, 1, 20))),
        UsageRecord(metric="gigabytes", quantity="130.5", at=at(D(2026, 1, 21))),
        UsageRecord(metric="users", key="ann", at=at(D(2026, 1, 22))),
        UsageRecord(metric="users", key="bob", at=at(D(2026, 1, 23))),
        UsageRecord(metric="sms", at=at(D(2026, 1, 24))),
    ]
    for day in range(1, 90, 7):
        when = at(D(2026, 1, 1) + dt.timedelta(days=day))
        records.append(UsageRecord(metric="card_payments", amount=eur("42.00"), at=when))
        records.append(UsageRecord(metric="sales", amount=eur("310.00"), at=when))
    return records


def lived() -> list[Subscription]:
    """One subscription at every step: billed, changed, paused, resumed, invoiced, cancelled."""
    subscription = Subscription.start(
        id="sub-1",
        customer="acme",
        schedule=Schedule(
            start=D(2026, 1, 10),
            interval=Interval.months(1),
            alignment=Alignment.CALENDAR,
            trial_end=D(2026, 1, 15),
            stub=StubPolicy.PRORATED,
        ),
        items={"plan": plan(), "seats": seats()},
        meters=METERS,
        timezone="Europe/Paris",
        policy=Policy(rounding=RoundingMode.HALF_EVEN),
    )
    states = [subscription]

    def step(made: tuple[Subscription, object]) -> None:
        states.append(made[0])

    records = usage()
    step(states[-1].invoice(-1, request=request("r1", D(2026, 1, 15)), usage=records))
    step(states[-1].change(D(2026, 1, 20), "plan", plan("45.50")))
    step(states[-1].change(D(2026, 1, 22), "seats", None))
    step(states[-1].pause(D(2026, 1, 25), until=D(2026, 1, 28)))
    step(states[-1].invoice(0, request=request("r2", D(2026, 2, 1)), usage=records))
    step(states[-1].pause(D(2026, 2, 10)))
    step(states[-1].resume(D(2026, 2, 20)))
    step(states[-1].change(D(2026, 2, 21), "extra", seats("1")))
    step(states[-1].cancel(D(2026, 2, 25)))
    step(
        states[-1].invoice_pending(
            on=D(2026, 3, 1), request=request("r3", D(2026, 3, 1)), usage=records
        )
    )
    return states


SCHEDULES = [
    Schedule(start=D(2026, 1, 31), interval=Interval.months(1)),
    Schedule(
        start=D(2026, 1, 10),
        interval=Interval.quarters(1),
        alignment=Alignment.BILLING_DAY,
        billing_day=31,
        timing=Timing.IN_ARREARS,
        stub=StubPolicy.FREE,
        day_count=DayCount.THIRTY_360,
        term=4,
        renews=False,
    ),
    Schedule(
        start=D(2026, 3, 2),
        interval=Interval.weeks(2),
        alignment=Alignment.CALENDAR,
        stub=StubPolicy.FULL,
        end=D(2026, 9, 1),
    ),
    Schedule(
        start=D(2024, 2, 29),
        interval=Interval.years(1),
        day_count=DayCount.ACTUAL_365,
        term=2,
    ),
    Schedule(start=D(2026, 5, 5), interval=Interval.days(10), trial_end=D(2026, 5, 19)),
]


def through_json(data: dict[str, Any]) -> dict[str, Any]:
    return loads(json.dumps(data))  # type: ignore[no-any-return]


def assert_round_trips(subscription: Subscription) -> dict[str, Any]:
    data = record_to_data(subscription)
    stored = through_json(data)
    assert stored == data  # JSON-safe: nothing changes on the way
    back = record_from_data(stored)
    assert back == subscription
    assert type(back) is Subscription
    assert record_to_data(back) == data
    return data


class TestRoundTrips:
    def test_the_kind_is_registered(self) -> None:
        assert RECORD_KINDS["subscription"] is Subscription

    @pytest.mark.parametrize("index", range(len(lived())))
    def test_every_step_of_a_subscription_round_trips_through_json(self, index: int) -> None:
        data = assert_round_trips(lived()[index])
        assert (data["kind"], data["schema"]) == ("subscription", RECORD_SCHEMA)

    @pytest.mark.parametrize("schedule", SCHEDULES, ids=repr)
    def test_every_schedule_option_round_trips(self, schedule: Schedule) -> None:
        subscription = Subscription.start(schedule=schedule, items={"plan": plan()})
        data = assert_round_trips(subscription)
        assert "id" not in data  # not given yet: nothing to write
        billed, _ = subscription.bill(schedule.first_index)
        assert_round_trips(billed)

    def test_factors_stay_exact_fractions(self) -> None:
        data = record_to_data(lived()[1])
        assert data["record"]["periods"][0]["factor"] == "17/31"
        assert {entry["factor"] for entry in data["record"]["entries"]} == {"17/31"}

    def test_every_usage_model_is_written_with_its_options(self) -> None:
        meters = record_to_data(lived()[0])["meters"]
        assert [meter["model"]["type"] for meter in meters] == [
            "per_unit",
            "graduated",
            "volume",
            "package",
            "percentage",
            "graduated_percentage",
        ]
        assert meters[4]["model"] == {
            "type": "percentage",
            "rate": "2.9",
            "fixed_fee": "0.30",
            "free_transactions": 3,
            "free_amount": "10.00",
        }
        assert meters[0]["taxes"] == ["vat-20"]

    def test_taxes_are_written_once_and_named(self) -> None:
        data = record_to_data(lived()[4])
        assert sorted(data["taxes"]) == ["vat-20", "vat-5.5"]
        assert data["versions"][0]["line"]["taxes"] == ["vat-20"]

    def test_a_meter_of_a_model_of_its_own_is_refused(self) -> None:
        class Flat(UsageModel):
            @property
            def currency(self) -> Any:
                return eur("1").currency

        meter = Meter(key="flat", metric="flat", model=Flat())
        subscription = Subscription.start(
            schedule=SCHEDULES[0], items={"plan": plan()}, meters=[meter]
        )
        with pytest.raises(InvalidType) as refused:
            record_to_data(subscription)
        assert refused.value.field == "model"


class TestState:
    def test_a_subscription_is_filed_active_paused_or_cancelled(self) -> None:
        states = lived()
        assert states[0].state == "active"
        assert states[4].state == "active"  # a pause with an end is no state of its own
        assert states[6].state == "paused"
        assert states[7].state == "active"
        assert states[9].state == "cancelled"

    def test_a_schedule_that_ends_by_itself_stays_active(self) -> None:
        subscription = Subscription.start(schedule=SCHEDULES[2], items={"plan": plan()})
        assert subscription.ended == D(2026, 9, 1)
        assert subscription.state == "active"


Change = Callable[[dict[str, Any]], None]


def put(path: tuple[Any, ...], value: object) -> Change:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


BAD: list[tuple[Change, str]] = [
    (put(("record", "periods", 0, "factor"), "17/0"), "record.periods[0].factor"),
    (put(("record", "periods", 0, "factor"), "3/2"), "record.periods[0].factor"),
    (put(("record", "periods", 0, "factor"), "0.548"), "record.periods[0].factor"),
    (put(("record", "entries", 1, "factor"), 0.5), "record.entries[1].factor"),
    (put(("record", "entries", 1, "amount"), "lots"), "record.entries[1].amount"),
    (put(("record", "periods", 0, "end"), "2026-01-15"), "record.periods[0].end"),
    (put(("record", "usage_through"), "0"), "record.usage_through"),
    (put(("schedule", "interval", "unit"), "fortnight"), "schedule.interval.unit"),
    (put(("schedule", "interval", "count"), 0), "schedule.interval"),
    (put(("schedule", "billing_day"), 5), "schedule.billing_day"),
    (put(("schedule", "trial_end"), "2026-01-01"), "schedule.trial_end"),
    (put(("versions", 0, "since"), "2026-02-30"), "versions[0].since"),
    (put(("versions", 0, "line", "taxes"), ["gst"]), "versions[0].line.taxes[0]"),
    (
        put(("versions", 0, "line", "discounts"), [{"per_line": "1.00"}]),
        "versions[0].line",
    ),
    (put(("versions",), []), "versions"),
    (put(("pauses", 0, "until"), "2026-01-20"), "pauses[0].until"),
    (put(("meters", 1, "model", "type"), "flat"), "meters[1].model.type"),
    (
        put(("meters", 1, "model", "tiers", 0, "up_to"), "-5"),
        "meters[1].model.tiers",
    ),
    (put(("meters", 3, "model", "size"), "0"), "meters[3].model.size"),
    (put(("meters", 4, "model", "rate"), "101"), "meters[4].model.rate"),
    (put(("meters", 0, "key"), "plan"), "meters[0].key"),
    (put(("meters", 0, "rounding"), "sideways"), "meters[0].rounding"),
    (put(("pending", 0, "role"), "refund"), "pending[0].role"),
    (put(("pending", 0, "line", "quantity"), 8.5), "pending[0].line.quantity"),
    (put(("timezone",), "Mars/Olympus_Mons"), "timezone"),
    (put(("currency",), "XYZ"), "currency"),
    (put(("version",), 0), "version"),
    (put(("customer",), 7), "customer"),
    (put(("colour",), "red"), ""),
]


class TestBadData:
    @pytest.mark.parametrize(("change", "path"), BAD, ids=[path or "root" for _, path in BAD])
    def test_a_bad_field_raises_invalid_data_naming_its_path(
        self, change: Change, path: str
    ) -> None:
        data = copy.deepcopy(record_to_data(lived()[4]))
        assert data["pending"]  # the field changed is there
        change(data)
        with pytest.raises(InvalidData) as error:
            record_from_data(through_json(data))
        assert error.value.path == path
        assert "\n" not in str(error.value)


# -- a property over subscriptions that lived ------------------------------------------------

schedules = st.builds(
    Schedule,
    start=st.dates(D(2025, 1, 1), D(2027, 12, 31)),
    interval=st.sampled_from(
        [Interval.months(1), Interval.weeks(2), Interval.quarters(1), Interval.days(10)]
    ),
    alignment=st.sampled_from([Alignment.ANNIVERSARY, Alignment.CALENDAR]),
    timing=st.sampled_from(Timing),
    stub=st.sampled_from(StubPolicy),
)
prices = st.integers(0, 10**6).map(lambda cents: eur(str(Decimal(cents) / 100)))
OPERATIONS = ("invoice", "change", "pause", "resume", "cancel", "pending")


@settings(max_examples=60, deadline=None)
@given(
    schedule=schedules,
    meters=st.lists(st.sampled_from(METERS), unique=True, max_size=3),
    data=st.data(),
)
def test_a_subscription_billed_changed_paused_cancelled_and_invoiced_round_trips(
    schedule: Schedule, meters: list[Meter], data: st.DataObject
) -> None:
    subscription = Subscription.start(
        id="sub",
        customer="acme",
        schedule=schedule,
        items={"plan": plan(), "seats": seats()},
        meters=meters,
        timezone=data.draw(st.sampled_from(["UTC", "Europe/Paris", "America/New_York"])),
    )
    assert_round_trips(subscription)
    records = [
        UsageRecord(metric=meter.metric, quantity="7", amount=eur("25.00"), key="k", at=when)
        for meter in meters
        for when in (at(schedule.start + dt.timedelta(days=d)) for d in range(0, 200, 9))
    ]
    day = schedule.start
    index = schedule.first_index
    for number, operation in enumerate(
        data.draw(st.lists(st.sampled_from(OPERATIONS), max_size=8))
    ):
        day += dt.timedelta(days=data.draw(st.integers(0, 40), label="days later"))
        key = f"r{number}"
        try:
            if operation == "invoice":
                subscription, _ = subscription.invoice(
                    index, request=request(key, day), usage=records
                )
                index += 1
            elif operation == "change":
                line = data.draw(st.one_of(st.none(), prices.map(lambda p: plan(str(p.amount)))))
                item = data.draw(st.sampled_from(["plan", "seats", "new"]))
                subscription, _ = subscription.change(day, item, line)
            elif operation == "pause":
                until = data.draw(st.one_of(st.none(), st.integers(1, 30)))
                end = None if until is None else day + dt.timedelta(days=until)
                subscription, _ = subscription.pause(day, until=end)
            elif operation == "resume":
                subscription, _ = subscription.resume(day)
            elif operation == "cancel":
                subscription, _ = subscription.cancel(
                    day, at_period_end=data.draw(st.booleans(), label="at period end")
                )
            else:
                subscription, _ = subscription.invoice_pending(
                    on=day, request=request(key, day), usage=records
                )
        except OrdercoreError:  # a step this subscription refuses now (ended, out of order)
            continue
        event(f"{operation} done")
        assert_round_trips(subscription)
