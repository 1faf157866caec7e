"""Subscriptions invoiced: periods, usage in arrears, pending changes, previews, bill runs."""

from __future__ import annotations

import datetime as dt
import pickle
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercore import Ledger, Line, Money, Request, Tax
from ordercore.errors import (
    CurrencyMismatch,
    InvalidSubscription,
    InvalidText,
    InvalidType,
    NothingToInvoice,
    NumberOutOfRange,
    OrdercoreError,
    PeriodBilledAlready,
    TextTooLong,
    WrongState,
)
from ordercore.subscriptions import (
    MAX_CHUNK,
    BillRun,
    Interval,
    Meter,
    PeriodInvoice,
    PerUnit,
    RunFailure,
    Schedule,
    Subscription,
    Timing,
    UsageRecord,
    bill_due,
    bill_run,
    due_periods,
)

D = dt.date
NEW_YEAR = D(2026, 1, 1)
VAT = Tax.percent("VAT", "20")
API = Meter(
    key="api",
    metric="api_calls",
    model=PerUnit(unit_price=Money("0.01", "EUR")),
    description="API calls",
    taxes=[VAT],
)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def request(key: str, day: dt.date = NEW_YEAR) -> Request:
    return Request(key=key, at=at(day, 0), business_date=day)


def calls(quantity: str, day: dt.date, hour: int = 12) -> UsageRecord:
    return UsageRecord(metric="api_calls", quantity=quantity, at=at(day, hour))


def plan(price: str = "31.00", currency: str = "EUR") -> Line:
    return Line(
        description="Pro plan", quantity="1", unit_price=Money(price, currency), taxes=[VAT]
    )


def subscribe(
    *,
    id: str | None = "sub-1",  # noqa: A002 - as Subscription.start names it
    customer: str | None = "acme",
    timing: Timing = Timing.IN_ADVANCE,
    start: dt.date = NEW_YEAR,
    meters: tuple[Meter, ...] = (API,),
    timezone: str = "UTC",
    price: str = "31.00",
) -> Subscription:
    return Subscription.start(
        id=id,
        customer=customer,
        schedule=Schedule(start=start, interval=Interval.months(1), timing=timing),
        items={"plan": plan(price)},
        meters=meters,
        timezone=timezone,
    )


USAGE = (calls("1000", D(2026, 1, 15)), calls("500", D(2026, 2, 15)), calls("7", D(2026, 3, 2)))


def group_names(invoice: PeriodInvoice) -> list[str]:
    return [group.name for group in invoice.draft.content.items]  # type: ignore[union-attr]


# -- invoicing a period ----------------------------------------------------------------------


def test_an_advance_period_is_invoiced_at_its_start_without_usage() -> None:
    subscription = subscribe()
    after, invoice = subscription.invoice(0, request=request("r1"), usage=USAGE)
    assert invoice.draft.id == "sub-1/period-0"
    assert invoice.draft.customer == "acme"
    assert invoice.period is not None
    assert invoice.period.start == D(2026, 1, 1)
    assert group_names(invoice) == ["Period 2026-01-01 to 2026-01-31"]
    assert invoice.usage == ()
    assert invoice.draft.priced.totals.tax_exclusive == Money("31.00", "EUR")
    assert invoice.total == Money("37.20", "EUR")
    assert invoice.amount_due == Money("37.20", "EUR")
    assert after.record.is_billed(0)
    assert after.record.usage_through is None
    assert after.version == subscription.version + 1
    assert [event.name for event in invoice.events] == ["InvoiceDraftCreated"]


def test_an_advance_period_carries_the_usage_of_the_period_before_it() -> None:
    first, _ = subscribe().invoice(0, request=request("r1"), usage=USAGE)
    second, invoice = first.invoice(1, request=request("r2"), usage=USAGE)
    assert group_names(invoice) == ["Period 2026-02-01 to 2026-02-28", "Usage"]
    (charge,) = invoice.usage
    assert charge.usage.quantity == Decimal(1000)  # January's, not February's
    assert charge.amount == Money("10.00", "EUR")
    assert invoice.total == invoice.amount_due == Money("49.20", "EUR")
    assert second.record.usage_through == 0


def test_an_arrears_period_carries_its_own_usage() -> None:
    subscription = subscribe(timing=Timing.IN_ARREARS)
    after, invoice = subscription.invoice(0, request=request("r1"), usage=USAGE)
    (charge,) = invoice.usage
    assert charge.usage.quantity == Decimal(1000)
    assert invoice.total == Money("49.20", "EUR")
    assert after.record.usage_through == 0
    _, february = after.invoice(1, request=request("r2"), usage=USAGE)
    assert february.usage[0].usage.quantity == Decimal(500)


def test_usage_is_counted_in_the_days_of_the_subscription_timezone() -> None:
    # 23:30 on 31 January in Auckland is 10:30 UTC: January's there, January's in UTC too;
    # 23:30 UTC on 31 January is 1 February in Auckland.
    late = UsageRecord(metric="api_calls", quantity="100", at=at(D(2026, 1, 31), 23))
    utc = subscribe(timing=Timing.IN_ARREARS)
    auckland = subscribe(timing=Timing.IN_ARREARS, timezone="Pacific/Auckland")
    assert utc.invoice(0, request=request("r"), usage=[late])[1].usage[0].usage.quantity == 100
    assert auckland.invoice(0, request=request("r"), usage=[late])[1].usage[0].usage.quantity == 0


def test_a_period_is_invoiced_once() -> None:
    after, _ = subscribe().invoice(0, request=request("r1"))
    with pytest.raises(PeriodBilledAlready) as caught:
        after.invoice(0, request=request("r2"))
    assert caught.value.index == 0


def test_changes_wait_in_pending_and_go_onto_the_next_invoice() -> None:
    billed, _ = subscribe(meters=()).invoice(0, request=request("r1"))
    upgraded, change = billed.change(D(2026, 1, 11), "plan", plan("62.00"))
    assert upgraded.pending == change.lines
    assert len(change.lines) == 2  # the credit of the old line, the charge of the new
    after, invoice = upgraded.invoice(1, request=request("r2"))
    assert invoice.changes == change.lines
    assert group_names(invoice) == [
        "Changes since the last invoice",
        "Period 2026-02-01 to 2026-02-28",
    ]
    assert invoice.draft.priced.totals.tax_exclusive == change.total + Money("62.00", "EUR")
    assert after.pending == ()
    _, next_one = after.invoice(2, request=request("r3"))
    assert next_one.changes == ()


def test_a_cancellation_is_invoiced_as_a_negative_amount_that_becomes_customer_credit() -> None:
    billed, _ = subscribe(meters=()).invoice(0, request=request("r1"))
    cancelled, change = billed.cancel(D(2026, 1, 21))  # 11 of 31 days credited
    assert change.total == Money("-11.00", "EUR")
    after, invoice = cancelled.invoice_pending(on=D(2026, 1, 21), request=request("r2"))
    assert invoice.period is None
    assert invoice.draft.id == f"sub-1/pending-{cancelled.version}"
    assert invoice.amount_due == Money("-13.20", "EUR")
    assert after.pending == ()
    issued = invoice.draft.issue(
        number="INV-2", issue_date=D(2026, 1, 21), request=request("r3", D(2026, 1, 21))
    ).document
    ledger = Ledger().add_items(issued.open_item())
    assert ledger.credit("acme", "EUR") == Money("13.20", "EUR")


def test_invoice_pending_takes_the_last_usage_after_the_end() -> None:
    subscription = subscribe()
    billed, _ = subscription.invoice(0, request=request("r1"), usage=USAGE)
    cancelled, _ = billed.cancel(D(2026, 1, 31), at_period_end=True)
    assert cancelled.ended == D(2026, 2, 1)
    assert due_periods(cancelled, D(2026, 3, 1)) == []
    after, invoice = cancelled.invoice_pending(on=D(2026, 2, 1), request=request("r2"), usage=USAGE)
    assert invoice.changes == ()
    assert invoice.usage[0].usage.quantity == 1000
    assert after.record.usage_through == 0
    with pytest.raises(NothingToInvoice) as caught:
        after.invoice_pending(on=D(2026, 3, 1), request=request("r3"), usage=USAGE)
    assert caught.value.subscription == "sub-1"
    assert caught.value.on == D(2026, 3, 1)
    assert isinstance(caught.value, WrongState)


def test_invoice_pending_waits_for_the_usage_period_to_end() -> None:
    billed, _ = subscribe().invoice(0, request=request("r1"))
    with pytest.raises(NothingToInvoice):
        billed.invoice_pending(on=D(2026, 1, 31), request=request("r2"))
    _, invoice = billed.invoice_pending(on=D(2026, 2, 1), request=request("r2"), usage=USAGE)
    assert invoice.usage[0].usage.quantity == 1000


@pytest.mark.parametrize("missing", ["id", "customer"])
def test_invoicing_needs_an_id_and_a_customer(missing: str) -> None:
    subscription = subscribe(**{missing: None})  # type: ignore[arg-type]
    with pytest.raises(InvalidSubscription) as caught:
        subscription.invoice(0, request=request("r1"))
    assert caught.value.field == missing
    with pytest.raises(InvalidSubscription):
        subscription.invoice_pending(on=D(2026, 2, 1), request=request("r1"))
    preview = subscription.preview(0)  # a preview needs neither
    assert preview.total == Money("37.20", "EUR")


@pytest.mark.parametrize(
    ("usage", "field"),
    [
        ("api_calls", "usage"),
        ([object()], "usage[0]"),
        (5, "usage"),
    ],
)
def test_bad_usage_is_refused(usage: object, field: str) -> None:
    with pytest.raises(InvalidType) as caught:
        subscribe().invoice(0, request=request("r1"), usage=usage)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_request_is_a_request() -> None:
    with pytest.raises(InvalidType) as caught:
        subscribe().invoice(0, request="r1")  # type: ignore[arg-type]
    assert caught.value.field == "request"


@pytest.mark.parametrize(
    ("zone", "error"),
    [
        ("Mars/Olympus", InvalidSubscription),
        ("", InvalidType),
        ("x" * 10_000, TextTooLong),
        ("\udcff", InvalidText),
        (3, InvalidType),
    ],
)
def test_a_timezone_is_an_iana_name(zone: object, error: type[OrdercoreError]) -> None:
    with pytest.raises(error) as caught:
        subscribe(timezone=zone)  # type: ignore[arg-type]
    assert getattr(caught.value, "field", None) == "timezone"


def test_meters_are_checked() -> None:
    dollars = Meter(key="api", metric="api_calls", model=PerUnit(unit_price=Money("0.01", "USD")))
    with pytest.raises(CurrencyMismatch):
        subscribe(meters=(dollars,))
    clash = attrs.evolve(API, key="plan")
    with pytest.raises(InvalidSubscription) as caught:
        subscribe(meters=(clash,))
    assert caught.value.field == "meters[0].key"
    with pytest.raises(InvalidType):
        subscribe(meters=("api",))  # type: ignore[arg-type]


def test_every_step_counts_a_version() -> None:
    subscription = subscribe()
    assert subscription.version == 1
    billed, _ = subscription.invoice(0, request=request("r1"))
    changed, _ = billed.change(D(2026, 1, 11), "plan", plan("62.00"))
    invoiced, _ = changed.invoice_pending(on=D(2026, 1, 11), request=request("r2"))
    paused, _ = invoiced.pause(D(2026, 1, 20))
    assert [s.version for s in (billed, changed, invoiced, paused)] == [2, 3, 4, 5]
    with pytest.raises(InvalidType):
        attrs.evolve(subscription, version=0)


def test_a_period_invoice_prints() -> None:
    _, invoice = subscribe().invoice(1, request=request("r1"), usage=USAGE)
    text = invoice.to_text()
    assert "sub-1" in text
    assert "API calls" in text
    assert str(invoice.amount_due.amount) in text
    html = invoice._repr_html_()
    assert html.startswith("<")
    assert "API calls" in html
    assert "sub-1" in repr(invoice)


# -- previews --------------------------------------------------------------------------------


def test_a_preview_is_the_invoice_and_changes_nothing() -> None:
    subscription = subscribe()
    before = pickle.dumps(subscription)
    preview = subscription.preview(1, usage=USAGE)
    assert pickle.dumps(subscription) == before
    day = subscription.schedule.billing_date(subscription.schedule.period(1))
    _, invoice = subscription.invoice(
        1, request=Request(key="preview", at=at(day, 0), business_date=day), usage=USAGE
    )
    assert preview == invoice


@settings(max_examples=40, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)),
    arrears=st.booleans(),
    periods=st.integers(min_value=0, max_value=3),
    change_day=st.integers(min_value=0, max_value=27),
    quantities=st.lists(st.integers(min_value=0, max_value=10**6), max_size=6),
    offsets=st.lists(st.integers(min_value=0, max_value=130), min_size=6, max_size=6),
)
def test_the_preview_equals_the_invoice(
    *,
    start: dt.date,
    arrears: bool,
    periods: int,
    change_day: int,
    quantities: list[int],
    offsets: list[int],
) -> None:
    timing = Timing.IN_ARREARS if arrears else Timing.IN_ADVANCE
    subscription = subscribe(start=start, timing=timing)
    usage = [
        calls(str(q), start + dt.timedelta(days=d))
        for q, d in zip(quantities, offsets, strict=False)
    ]
    for index in range(periods):
        subscription, _ = subscription.invoice(index, request=request(f"r{index}"), usage=usage)
    if periods:
        change_at = subscription.schedule.period(periods - 1).start + dt.timedelta(days=change_day)
        subscription, _ = subscription.change(change_at, "plan", plan("45.50"))
    before = pickle.dumps(subscription)
    preview = subscription.preview(periods, usage=usage)
    assert pickle.dumps(subscription) == before
    day = subscription.schedule.billing_date(subscription.schedule.period(periods))
    after, invoice = subscription.invoice(
        periods, request=Request(key="preview", at=at(day, 0), business_date=day), usage=usage
    )
    assert preview == invoice
    assert invoice.draft.priced.totals.tax_exclusive == sum(
        (line.amount for line in (*invoice.changes, *invoice.charges)), Money("0", "EUR")
    ) + sum((charge.amount for charge in invoice.usage), Money("0", "EUR"))
    assert after.pending == ()


# -- bill runs -------------------------------------------------------------------------------


def fleet(count: int, *, meters: tuple[Meter, ...] = (API,)) -> list[Subscription]:
    return [
        subscribe(id=f"sub-{n}", customer=f"c{n % 7}", start=D(2026, 1, 1 + n % 28), meters=meters)
        for n in range(count)
    ]


def fleet_usage(count: int) -> dict[str, list[UsageRecord]]:
    return {
        f"sub-{n}": [
            calls(str(n * 10 + k), D(2026, 1, 1) + dt.timedelta(days=k * 9)) for k in range(5)
        ]
        for n in range(count)
    }


def test_a_bill_run_bills_every_due_period() -> None:
    subscriptions = fleet(30)
    run = bill_run(subscriptions, on=D(2026, 2, 10), usage=fleet_usage(30))
    assert isinstance(run, BillRun)
    assert run.failures == ()
    assert [s.id for s in run.subscriptions] == [s.id for s in subscriptions]
    for before, billed in zip(subscriptions, run.billed, strict=True):
        expected = due_periods(before, D(2026, 2, 10))
        assert [i.period.index for i in billed.invoices if i.period] == expected
        assert due_periods(billed.subscription, D(2026, 2, 10)) == []
    assert run.totals() == {"EUR": sum((i.amount_due for i in run.invoices), Money("0", "EUR"))}
    again = bill_run(run.subscriptions, on=D(2026, 2, 10), usage=fleet_usage(30))
    assert again.invoices == ()  # nothing is billed twice
    assert "30 subscriptions billed" in run.to_text()


def test_a_bill_run_is_a_function_of_its_inputs() -> None:
    subscriptions = fleet(12)
    one = bill_run(subscriptions, on=D(2026, 3, 5), usage=fleet_usage(12))
    two = bill_run(subscriptions, on=D(2026, 3, 5), usage=fleet_usage(12))
    assert one == two
    keys = [e.request.key for i in one.invoices for e in i.events]
    assert len(set(keys)) == len(keys)
    assert all(key.startswith("bill-run/2026-03-05/") for key in keys)


def test_a_bill_run_invoices_what_waits_once_a_subscription_ended() -> None:
    billed, _ = subscribe().invoice(0, request=request("r1"))
    cancelled, _ = billed.cancel(D(2026, 1, 21))
    run = bill_run([cancelled], on=D(2026, 2, 1), usage={"sub-1": USAGE})
    (invoice,) = run.invoices
    assert invoice.period is None
    assert invoice.amount_due.amount < 0
    assert invoice.usage[0].usage.quantity == 1000  # 1 to 20 January
    assert bill_run(run.subscriptions, on=D(2026, 3, 1)).invoices == ()


def test_run_failure_names_the_error() -> None:
    subscription = subscribe()
    # a subscription whose version is at its limit cannot take another step
    at_limit = attrs.evolve(subscription, version=2**63 - 1)
    run = bill_run([at_limit, subscribe(id="sub-2")], on=D(2026, 1, 1))
    (failure,) = run.failures
    assert failure.subscription == "sub-1"
    assert failure.error == "InvalidType"
    assert failure.message
    assert [b.subscription.id for b in run.billed] == ["sub-2"]
    assert "failed: sub-1" in run.to_text()


def test_a_bill_run_checks_its_inputs_before_billing() -> None:
    subscriptions = fleet(2)
    with pytest.raises(InvalidSubscription) as caught:
        bill_run([*subscriptions, subscriptions[0]], on=D(2026, 2, 1))
    assert caught.value.field == "subscriptions[2].id"
    with pytest.raises(InvalidSubscription):
        bill_run([subscribe(id=None)], on=D(2026, 2, 1))
    with pytest.raises(InvalidType):
        bill_run(subscriptions, on=dt.datetime(2026, 2, 1))  # type: ignore[arg-type]  # noqa: DTZ001
    with pytest.raises(InvalidType):
        bill_run(subscriptions, on=D(2026, 2, 1), at=dt.datetime(2026, 2, 1))  # noqa: DTZ001
    with pytest.raises(InvalidType):
        bill_run(["sub-1"], on=D(2026, 2, 1))  # type: ignore[list-item]
    with pytest.raises(InvalidType):
        bill_run("sub-1", on=D(2026, 2, 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        bill_run(subscriptions, on=D(2026, 2, 1), usage=[])  # type: ignore[arg-type]
    with pytest.raises(InvalidType) as caught_usage:
        bill_run(subscriptions, on=D(2026, 2, 1), usage={"sub-0": ["x"]})  # type: ignore[dict-item]
    assert caught_usage.value.field == "usage['sub-0'][0]"
    with pytest.raises(InvalidType):
        bill_run(subscriptions, on=D(2026, 2, 1), executor="pool")  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, -1, MAX_CHUNK + 1, 10**100])
def test_a_chunk_size_is_bounded(size: int) -> None:
    with pytest.raises(NumberOutOfRange) as caught:
        bill_run(fleet(1), on=D(2026, 2, 1), chunk_size=size)
    assert caught.value.limit == MAX_CHUNK


@pytest.mark.parametrize("size", [True, 1.5, "10"])
def test_a_chunk_size_is_an_int(size: object) -> None:
    with pytest.raises(InvalidType):
        bill_run(fleet(1), on=D(2026, 2, 1), chunk_size=size)  # type: ignore[arg-type]


class Recorder(Executor):
    """An executor that runs in this thread and counts what it is given."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.sizes.append(len(args[0]))
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_a_bill_run_hands_the_executor_chunks() -> None:
    recorder = Recorder()
    run = bill_run(fleet(25), on=D(2026, 2, 1), executor=recorder, chunk_size=10)
    assert recorder.sizes == [10, 10, 5]
    assert run == bill_run(fleet(25), on=D(2026, 2, 1))


@settings(max_examples=25, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=20),
    chunk_size=st.integers(min_value=1, max_value=25),
    on=st.dates(min_value=D(2025, 12, 1), max_value=D(2026, 6, 30)),
)
def test_a_bill_run_gives_the_same_invoices_on_every_executor(
    count: int, chunk_size: int, on: dt.date
) -> None:
    subscriptions = fleet(count)
    usage = fleet_usage(count)
    alone = bill_run(subscriptions, on=on, usage=usage)
    with ThreadPoolExecutor(max_workers=3) as pool:
        pooled = bill_run(subscriptions, on=on, usage=usage, executor=pool, chunk_size=chunk_size)
    assert pooled == alone


def test_a_bill_run_on_a_process_pool_gives_the_same_invoices() -> None:
    subscriptions = fleet(40)
    usage = fleet_usage(40)
    alone = bill_run(subscriptions, on=D(2026, 4, 2), usage=usage)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = bill_run(subscriptions, on=D(2026, 4, 2), usage=usage, executor=pool, chunk_size=7)
    assert pooled == alone
    assert len(alone.invoices) > 40


def test_a_bill_run_on_a_dask_cluster_gives_the_same_invoices() -> None:
    distributed = pytest.importorskip(
        "distributed", reason="the dask extra is not installed (pip install 'py-ordercore[dask]')"
    )
    subscriptions = fleet(20)
    usage = fleet_usage(20)
    alone = bill_run(subscriptions, on=D(2026, 3, 2), usage=usage)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = bill_run(
            subscriptions,
            on=D(2026, 3, 2),
            usage=usage,
            executor=client.get_executor(),
            chunk_size=6,
        )
    assert on_dask == alone


def test_run_results_pickle() -> None:
    run = bill_run(fleet(3), on=D(2026, 2, 1), usage=fleet_usage(3))
    assert pickle.loads(pickle.dumps(run)) == run
    failure = RunFailure(subscription="s", error="InvalidType", message="m")
    assert pickle.loads(pickle.dumps(failure)) == failure
    assert "s" in repr(failure)


def test_bill_due_bills_one_subscription() -> None:
    billed = bill_due(subscribe(), on=D(2026, 3, 1), usage=USAGE)
    assert [i.period.index for i in billed.invoices if i.period] == [0, 1, 2]
    assert billed.invoices[2].usage[0].usage.quantity == 500
    assert [e.request.key for e in billed.invoices[0].events] == ["bill-run/2026-03-01/sub-1/0"]
