"""Bill runs: every subscription's due periods invoiced, as a pure function of a date.

:func:`bill_run` takes subscriptions, their usage records and a date, and invoices, for
each subscription, every period whose billing date is on or before that date and that
was not billed yet, in order (:meth:`Subscription.invoice`); a subscription that has
ended by then also gets its waiting changes and last usage invoiced
(:meth:`Subscription.invoice_pending`). The result is a :class:`BillRun`: per
subscription the new subscription and its invoices, and the subscriptions that failed,
each with its error, in the order given.

The run is split in chunks, and each chunk is billed by ``executor.submit`` when an
executor is given: a :class:`concurrent.futures.ProcessPoolExecutor`, a thread pool, or
a Dask cluster's ``client.get_executor()``. Nothing in a chunk depends on another, and
every request is derived from the date, so the result is the same, invoice for invoice,
on every executor and for every chunk size.

On a :class:`~concurrent.futures.ProcessPoolExecutor`, a chunk crosses to the worker and
its results come back as pickles of 50 subscriptions each rather than one
pickle of the whole chunk: unpickling keeps every object of a pickle alive until its
end, the temporary ones included, so that in one large pickle the garbage collector
walks them all, again and again, while the caller's process takes the results in.
"""

from __future__ import annotations

import datetime as dt
import html as _html
import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor

import attrs

from ordercore._convert import pickled_as_tuple
from ordercore.errors import InvalidSubscription, InvalidType, NumberOutOfRange, OrdercoreError
from ordercore.events import Request
from ordercore.money import Money
from ordercore.subscriptions.schedules import Period
from ordercore.subscriptions.subscription import PeriodInvoice, Subscription
from ordercore.subscriptions.usage import UsageRecord

__all__ = [
    "MAX_CHUNK",
    "BillRun",
    "Billed",
    "DuePlan",
    "Planned",
    "RunFailure",
    "bill_due",
    "bill_run",
    "due_date",
    "due_periods",
    "next_billing_date",
    "pending_date",
]

#: The largest chunk a run hands an executor at once.
MAX_CHUNK = 100_000
# How many subscriptions (or their results) one pickle holds between a run and a process
# pool's worker (see the module's docstring).
_PARCEL = 50
_NO_USAGE: tuple[UsageRecord, ...] = ()


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Billed:
    """One subscription after a run: the subscription as it is now, and its new invoices."""

    subscription: Subscription
    invoices: tuple[PeriodInvoice, ...]

    def __repr__(self) -> str:
        return f"Billed(subscription={self.subscription.id!r}, invoices={len(self.invoices)})"


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class RunFailure:
    """A subscription a run could not bill: ``error`` is the error's type name.

    Nothing of that subscription was billed; the others are not affected. The error is
    kept by name and message, so that a failure reads the same from every executor.
    """

    subscription: str
    error: str
    message: str

    def __repr__(self) -> str:
        return f"RunFailure(subscription={self.subscription!r}, error={self.error!r})"


@attrs.frozen(kw_only=True, repr=False)
class BillRun:
    """What a bill run on ``on`` did: every subscription billed, and those that failed.

    ``billed`` holds one :class:`Billed` per subscription that did not fail (with no
    invoices when nothing was due), in the order given.
    """

    on: dt.date
    billed: tuple[Billed, ...]
    failures: tuple[RunFailure, ...]

    @property
    def invoices(self) -> tuple[PeriodInvoice, ...]:
        """Every invoice the run made, subscription by subscription, period by period."""
        return tuple(invoice for billed in self.billed for invoice in billed.invoices)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        """Every subscription that did not fail, as it is after the run."""
        return tuple(billed.subscription for billed in self.billed)

    def totals(self) -> dict[str, Money]:
        """The amount due of the run's invoices, per currency code."""
        found: dict[str, Money] = {}
        for invoice in self.invoices:
            due = invoice.amount_due
            code = due.currency.code
            found[code] = found[code] + due if code in found else due
        return found

    def to_text(self) -> str:
        """A summary: the date, the counts, the totals per currency, and each failure."""
        out = [
            f"Bill run on {self.on}: {len(self.billed)} subscriptions billed, "
            f"{len(self.invoices)} invoices, {len(self.failures)} failed"
        ]
        out.extend(f"  {code} {total.amount}" for code, total in sorted(self.totals().items()))
        out.extend(f"  failed: {f.subscription}: {f.error}: {f.message}" for f in self.failures)
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return f"<pre>{_html.escape(self.to_text())}</pre>"

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return (
            f"BillRun(on='{self.on}', billed={len(self.billed)}, "
            f"invoices={len(self.invoices)}, failures={len(self.failures)})"
        )


def due_periods(subscription: Subscription, on: dt.date) -> list[int]:
    """The periods of ``subscription`` due on ``on``: billing date on or before it, unbilled.

    They follow the last period billed (or start at the schedule's first), and stop at
    the subscription's end.
    """
    return [period.index for period in _due(subscription, on)]


def _due(subscription: Subscription, on: dt.date) -> list[Period]:
    """:func:`due_periods` as the periods themselves, each computed once."""
    due: list[Period] = []
    for period, billing_date in _unbilled(subscription):
        if billing_date > on:
            break
        due.append(period)
    return due


def next_billing_date(subscription: Subscription) -> dt.date | None:
    """The billing date of the first period of ``subscription`` not billed yet.

    ``None`` when it bills no more periods (it ended, or its schedule stops). A
    subscription is due on a day (:func:`due_periods` not empty) exactly when this date
    is on or before it: storage keeps it beside the subscription, so that a query finds
    the subscriptions due without reading the others.

    >>> import datetime as dt
    >>> from ordercore import Line, Money
    >>> from ordercore.subscriptions import Interval, Schedule
    >>> plan = Line(description="Basic", quantity="1", unit_price=Money("9.00", "EUR"))
    >>> subscription = Subscription.start(id="sub-1", customer="acme", items={"plan": plan},
    ...     schedule=Schedule(start=dt.date(2026, 1, 31), interval=Interval.months(1)))
    >>> next_billing_date(subscription)
    datetime.date(2026, 1, 31)
    """
    for _, billing_date in _unbilled(subscription):
        return billing_date
    return None


def pending_date(subscription: Subscription) -> dt.date | None:
    """The day from which what waits on an ended ``subscription`` is invoiced: its end.

    ``None`` unless it ended (or ends) with something waiting: the lines of its changes
    (the credit of a cancellation), or usage not invoiced yet. A subscription that goes
    on invoices what waits with its next period (:func:`next_billing_date`) instead.
    """
    ended = subscription.ended
    if ended is None or not (subscription.pending or subscription._usage_periods(ended)):
        return None
    return ended


def due_date(subscription: Subscription) -> dt.date | None:
    """The first day a bill run has something to invoice for ``subscription``.

    The earlier of :func:`next_billing_date` and :func:`pending_date`; ``None`` when
    neither is left. Storage keeps it beside the subscription, so that
    :meth:`~ordercore.storage.ports.Repository.subscriptions_due` finds the
    subscriptions due on a day without reading the others.
    """
    dates = [d for d in (next_billing_date(subscription), pending_date(subscription)) if d]
    return min(dates) if dates else None


def _periods(value: Iterable[int]) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidType(value, expected="a sequence of period indexes", field="periods")
    return tuple(value)


def _planned(value: Iterable[Planned]) -> tuple[Planned, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidType(value, expected="a sequence of Planned", field="due")
    return tuple(value)


@attrs.frozen(kw_only=True)
class Planned:
    """One subscription of a :class:`DuePlan`: its due ``periods``, then what waits.

    ``pending`` says that the subscription had ended by the plan's day with something
    waiting (:func:`pending_date`), which the run invoices after the periods.
    """

    subscription: str
    periods: tuple[int, ...] = attrs.field(converter=_periods)
    pending: bool = False

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.subscription, str) or not self.subscription:
            raise InvalidType(
                self.subscription, expected="a subscription id (a string)", field="subscription"
            )
        for index in self.periods:
            if isinstance(index, bool) or not isinstance(index, int):
                raise InvalidType(index, expected="a period index (int)", field="periods")
        if not isinstance(self.pending, bool):
            raise InvalidType(self.pending, expected="True or False", field="pending")


@attrs.frozen(kw_only=True, repr=False)
class DuePlan:
    """What a bill run through storage bills on ``on``: ids and periods, not subscriptions.

    The plan is fixed when the run first runs and kept under its idempotency key, so
    that a retry bills the very same periods (each subscription is read back from
    storage when its period is billed). In the order of the subscriptions' ids.
    """

    on: dt.date
    due: tuple[Planned, ...] = attrs.field(converter=_planned)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.on, dt.datetime) or not isinstance(self.on, dt.date):
            raise InvalidType(self.on, expected="a datetime.date", field="on")
        seen: set[str] = set()
        for planned in self.due:
            if not isinstance(planned, Planned):
                raise InvalidType(planned, expected="a Planned", field="due")
            if planned.subscription in seen:
                raise InvalidSubscription(
                    planned.subscription,
                    reason="a plan names each subscription once",
                    field="due",
                )
            seen.add(planned.subscription)

    @classmethod
    def of(cls, subscriptions: Iterable[Subscription], *, on: dt.date) -> DuePlan:
        """The plan of ``subscriptions`` (each with an id) on ``on``."""
        due: list[Planned] = []
        for subscription in subscriptions:
            if subscription.id is None:
                raise InvalidSubscription(
                    None, reason="give the subscription an id to plan its run", field="id"
                )
            pending = pending_date(subscription)
            due.append(
                Planned(
                    subscription=subscription.id,
                    periods=tuple(due_periods(subscription, on)),
                    pending=pending is not None and pending <= on,
                )
            )
        return cls(on=on, due=tuple(due))

    def __repr__(self) -> str:
        periods = sum(len(planned.periods) for planned in self.due)
        pending = sum(planned.pending for planned in self.due)
        return (
            f"DuePlan(on='{self.on}', subscriptions={len(self.due)}, periods={periods}, "
            f"pending={pending})"
        )


def _unbilled(subscription: Subscription) -> Iterator[tuple[Period, dt.date]]:
    """The periods of ``subscription`` after the last billed, with their billing dates."""
    schedule = subscription.schedule
    billed = subscription.record.periods
    index = max(p.period.index for p in billed) + 1 if billed else schedule.first_index
    last = schedule.last_index
    ended = subscription.ended
    while last is None or index <= last:
        period = schedule.period(index)
        if ended is not None and period.start >= ended:
            return
        yield period, schedule.billing_date(period)
        index += 1


def _request(subscription: Subscription, on: dt.date, at: dt.datetime, what: str) -> Request:
    return Request(key=f"bill-run/{on}/{subscription.id}/{what}", at=at, business_date=on)


def bill_due(
    subscription: Subscription,
    *,
    on: dt.date,
    usage: Iterable[UsageRecord] = (),
    at: dt.datetime | None = None,
) -> Billed:
    """Invoice every period of ``subscription`` due on ``on``, then what waits if it ended.

    Each invoice's request is keyed ``"bill-run/<on>/<subscription id>/<period>"`` (and
    ``.../pending`` for the last), at ``at`` (default: midnight UTC of ``on``), so the
    same call gives the same invoices.
    """
    when = _at(at, on)
    records = tuple(usage)
    current = subscription
    invoices: list[PeriodInvoice] = []
    for period in _due(subscription, on):
        request = _request(subscription, on, when, str(period.index))
        current, invoice = current._invoice_period(period, request=request, usage=records)
        invoices.append(invoice)
    waits = pending_date(current)
    if waits is not None and waits <= on and current.id is not None:
        request = _request(subscription, on, when, "pending")
        current, invoice = current.invoice_pending(on=on, request=request, usage=records)
        invoices.append(invoice)
    return Billed(subscription=current, invoices=tuple(invoices))


def _at(at: dt.datetime | None, on: dt.date) -> dt.datetime:
    if at is None:
        return dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC)
    if not isinstance(at, dt.datetime) or at.tzinfo is None:
        raise InvalidType(at, expected="a timezone-aware datetime", field="at")
    return at


Chunk = list[tuple[Subscription, tuple[UsageRecord, ...]]]


def _bill_chunk(chunk: Chunk, on: dt.date, at: dt.datetime) -> list[Billed | RunFailure]:
    """Bill one chunk (what an executor runs): a result per subscription, in order."""
    results: list[Billed | RunFailure] = []
    for subscription, records in chunk:
        try:
            results.append(bill_due(subscription, on=on, usage=records, at=at))
        except OrdercoreError as error:
            results.append(
                RunFailure(
                    subscription=str(subscription.id),
                    error=type(error).__name__,
                    message=str(error),
                )
            )
    return results


def _packed(items: Sequence[object]) -> list[bytes]:
    """``items`` as pickles of 50 items each, in order."""
    protocol = pickle.HIGHEST_PROTOCOL
    return [
        pickle.dumps(items[start : start + _PARCEL], protocol)
        for start in range(0, len(items), _PARCEL)
    ]


def _unpacked(parcels: Iterable[bytes]) -> list[object]:
    """What :func:`_packed` pickled, in order."""
    # the run's own pickles, made by this function's twin in the run's processes
    return [item for parcel in parcels for item in pickle.loads(parcel)]  # noqa: S301


def _bill_parcels(parcels: list[bytes], on: dt.date, at: dt.datetime) -> list[bytes]:
    """:func:`_bill_chunk` of a chunk sent as pickles (what a process pool's worker runs)."""
    chunk: Chunk = _unpacked(parcels)  # type: ignore[assignment]
    return _packed(_bill_chunk(chunk, on, at))


def _usage_of(
    usage: Mapping[str, Iterable[UsageRecord]], subscription: Subscription
) -> tuple[UsageRecord, ...]:
    found = usage.get(subscription.id, _NO_USAGE) if subscription.id is not None else _NO_USAGE
    if isinstance(found, str | bytes) or not isinstance(found, Iterable):
        raise InvalidType(
            found, expected="an iterable of UsageRecord", field=f"usage[{subscription.id!r}]"
        )
    records = tuple(found)
    for index, record in enumerate(records):
        if not isinstance(record, UsageRecord):
            raise InvalidType(
                record, expected="a UsageRecord", field=f"usage[{subscription.id!r}][{index}]"
            )
    return records


def chunk_size_given(value: object) -> int:
    """A bill run's chunk size, checked: an int from 1 to :data:`MAX_CHUNK`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="a chunk size (int)", field="chunk_size")
    if not 1 <= value <= MAX_CHUNK:
        raise NumberOutOfRange(
            value,
            limit=MAX_CHUNK,
            reason=f"a chunk holds 1 to {MAX_CHUNK:,} subscriptions",
            field="chunk_size",
        )
    return value


def executor_given(value: object) -> Executor:
    """A bill run's executor, checked: a ``concurrent.futures.Executor``."""
    if not isinstance(value, Executor):
        raise InvalidType(value, expected="a concurrent.futures.Executor", field="executor")
    return value


def bill_run(
    subscriptions: Iterable[Subscription],
    *,
    on: dt.date,
    usage: Mapping[str, Iterable[UsageRecord]] | None = None,
    at: dt.datetime | None = None,
    executor: Executor | None = None,
    chunk_size: int = 1_000,
) -> BillRun:
    """Bill every subscription's due periods on ``on`` (:func:`bill_due`, one by one).

    ``usage`` maps a subscription's id to its usage records. Every subscription has an
    id, unique in the run. With an ``executor``, the subscriptions are billed in chunks of
    ``chunk_size`` by ``executor.submit``; without one, in this process. A subscription
    whose billing raises an :class:`~ordercore.errors.OrdercoreError` is reported in
    :attr:`BillRun.failures` and the others are billed; the inputs are checked, and any
    other error raised, before any chunk is billed.

    >>> import datetime as dt
    >>> from ordercore import Line, Money
    >>> from ordercore.subscriptions import Interval, Schedule
    >>> plan = Line(description="Basic", quantity="1", unit_price=Money("9.00", "EUR"))
    >>> subscriptions = [
    ...     Subscription.start(id=f"sub-{n}", customer=f"c{n}", items={"plan": plan},
    ...         schedule=Schedule(start=dt.date(2026, 1, 1 + n), interval=Interval.months(1)))
    ...     for n in range(3)
    ... ]
    >>> run = bill_run(subscriptions, on=dt.date(2026, 2, 2))
    >>> tuple(len(billed.invoices) for billed in run.billed)
    (2, 2, 1)
    >>> run.totals()
    {'EUR': Money('45.00', 'EUR')}
    """
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise InvalidType(on, expected="a datetime.date", field="on")
    when = _at(at, on)
    chunk_size = chunk_size_given(chunk_size)
    if executor is not None:
        executor_given(executor)
    usage = {} if usage is None else usage
    if not isinstance(usage, Mapping):
        raise InvalidType(usage, expected="a mapping of subscription ids to records", field="usage")
    work: Chunk = []
    seen: set[str] = set()
    if isinstance(subscriptions, str | bytes) or not isinstance(subscriptions, Iterable):
        raise InvalidType(
            subscriptions, expected="an iterable of Subscription", field="subscriptions"
        )
    for index, subscription in enumerate(subscriptions):
        if not isinstance(subscription, Subscription):
            raise InvalidType(
                subscription, expected="a Subscription", field=f"subscriptions[{index}]"
            )
        if subscription.id is None or subscription.id in seen:
            raise InvalidSubscription(
                subscription.id,
                reason="every subscription of a run has an id, unique in the run",
                field=f"subscriptions[{index}].id",
            )
        seen.add(subscription.id)
        work.append((subscription, _usage_of(usage, subscription)))
    chunks = [work[start : start + chunk_size] for start in range(0, len(work), chunk_size)]
    parts: Sequence[list[Billed | RunFailure]]
    if executor is None:
        parts = [_bill_chunk(c, on, when) for c in chunks]
    elif isinstance(executor, ProcessPoolExecutor):
        sent: list[Future[list[bytes]]] = [
            executor.submit(_bill_parcels, _packed(chunk), on, when) for chunk in chunks
        ]
        parts = [_unpacked(future.result()) for future in sent]  # type: ignore[misc]
    else:
        futures: list[Future[list[Billed | RunFailure]]] = [
            executor.submit(_bill_chunk, chunk, on, when) for chunk in chunks
        ]
        parts = [future.result() for future in futures]
    billed = tuple(r for part in parts for r in part if isinstance(r, Billed))
    failures = tuple(r for part in parts for r in part if isinstance(r, RunFailure))
    return BillRun(on=on, billed=billed, failures=failures)
