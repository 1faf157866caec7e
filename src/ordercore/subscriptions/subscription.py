"""A subscription: items billed on a schedule, the record of what was billed, and changes.

A :class:`Subscription` is a value. Each step returns a new subscription and what the
step bills, and changes nothing else:

* :meth:`~Subscription.bill` bills a period: one charge line per item and span of the
  period (a change, a pause or the subscription's end splits a period in spans);
* :meth:`~Subscription.change` (an upgrade, a downgrade, a quantity change, adding or
  removing an item) credits what was billed for the item after the change, and charges
  the new line for the same days;
* :meth:`~Subscription.cancel` (at once, or at the end of the period), and
  :meth:`~Subscription.pause` and :meth:`~Subscription.resume`.

Every line states its period, its span and its factor, in its description and as data
(:class:`ProratedLine`). The subscription keeps a :class:`BillingRecord` of what it billed
per item and period, and what it credited of it; a credit never exceeds what was billed
for that item and period and not yet credited.

The rules, in full, are in ``docs/subscriptions.md``.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import html as _html
import itertools
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from typing import Any

import attrs
import moneyed

from ordercore._convert import derived, pickled_as_tuple, to_text
from ordercore.documents.invoices import DraftInvoice
from ordercore.errors import (
    ChangeOutOfOrder,
    CurrencyMismatch,
    InvalidSubscription,
    InvalidType,
    NothingToInvoice,
    PeriodBilledAlready,
    SubscriptionEnded,
)
from ordercore.events import Event, Request
from ordercore.money import Money, get_currency
from ordercore.pricing import (
    DiscountKind,
    Document,
    Group,
    Line,
    Policy,
    PricedDocument,
    price,
    render,
)
from ordercore.subscriptions.proration import amount_of, prorated
from ordercore.subscriptions.schedules import Period, Schedule
from ordercore.subscriptions.usage import Meter, RatedCharge, UsageRecord, check_usage_records

__all__ = [
    "MAX_CHANGES",
    "MAX_ITEMS",
    "Bill",
    "BilledPeriod",
    "BillingRecord",
    "Change",
    "Entry",
    "ItemVersion",
    "LineRole",
    "Pause",
    "PeriodInvoice",
    "ProratedLine",
    "Subscription",
]

#: The most items one subscription bills.
MAX_ITEMS = 100
#: The most changes (item versions and pauses) one subscription keeps.
MAX_CHANGES = 2_000
_ONE_DAY = dt.timedelta(days=1)
_ZERO = Fraction(0)
# One policy for the subscriptions started without one: equal to a fresh ``Policy()``,
# and a pickle of many subscriptions (a bill run's parcel) holds it once.
_POLICY = Policy()


@functools.lru_cache(maxsize=64)
def _zero(currency: moneyed.Currency) -> Money:
    """Zero in ``currency``, one value per currency (entries credited nothing share it)."""
    return Money.zero(currency)


def _check_date(value: object, field: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidType(value, expected="a datetime.date", field=field)
    return value


def _key(value: object) -> str:
    key = to_text(value, "key")
    if len(key) > 100:
        raise InvalidSubscription(
            value, reason="an item key has at most 100 characters", field="key"
        )
    return key


def _plan_line(value: object, field: str = "line") -> Line:
    if not isinstance(value, Line):
        raise InvalidType(value, expected="a pricing Line", field=field)
    for discount in value.discounts:
        if discount.kind is not DiscountKind.PERCENT:
            raise InvalidSubscription(
                discount,
                reason="a fixed discount does not prorate: give an item percentage "
                "discounts only, or lower its unit price",
                field="discounts",
            )
    if value.price_discount is not None and value.price_discount.kind is not DiscountKind.PERCENT:
        raise InvalidSubscription(
            value.price_discount,
            reason="a fixed price discount does not prorate: use a percentage",
            field="price_discount",
        )
    if value.quantity < 0:
        raise InvalidSubscription(
            value.quantity, reason="an item's quantity is zero or more", field="quantity"
        )
    return value


def _optional_line(value: object) -> Line | None:
    return None if value is None else _plan_line(value)


def _since(value: object) -> dt.date:
    return _check_date(value, "since")


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class ItemVersion:
    """From ``since`` on, item ``key`` is billed as ``line`` (``None``: not billed).

    ``line``'s unit price is the price of one whole period.
    """

    key: str = attrs.field(converter=_key)
    line: Line | None = attrs.field(converter=_optional_line)
    since: dt.date = attrs.field(converter=_since)

    def __repr__(self) -> str:
        return f"ItemVersion(key={self.key!r}, line={self.line!r}, since='{self.since}')"


def _pause_start(value: object) -> dt.date:
    return _check_date(value, "start")


def _pause_end(value: object) -> dt.date | None:
    return None if value is None else _check_date(value, "until")


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Pause:
    """No service and no charge from ``start`` to ``until`` (``None``: until resumed)."""

    start: dt.date = attrs.field(converter=_pause_start)
    until: dt.date | None = attrs.field(default=None, converter=_pause_end)

    def __attrs_post_init__(self) -> None:
        if self.until is not None and self.until <= self.start:
            raise InvalidSubscription(
                self.until, reason=f"a pause ends after its start {self.start}", field="until"
            )

    def __repr__(self) -> str:
        until = "None" if self.until is None else f"'{self.until}'"
        return f"Pause(start='{self.start}', until={until})"


class LineRole(enum.Enum):
    """What a prorated line does: charge a span, or credit back what was billed for it."""

    CHARGE = "charge"
    CREDIT = "credit"

    def __repr__(self) -> str:
        return f"LineRole.{self.name}"


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class ProratedLine:
    """One line a subscription bills: ``factor`` of ``item``'s price for ``period``.

    ``span`` is the part of the period the line is for (half-open, as periods are), and
    ``factor`` the share of the whole period's price it bills; ``line`` is the pricing
    line that carries it (its quantity times the factor's numerator, over a price base
    quantity times the denominator; negative for a credit), and ``amount`` what that line
    comes to before its discounts, rounded once (negative for a credit).
    """

    role: LineRole
    item: str
    period: Period
    span: Period
    factor: Fraction
    line: Line
    amount: Money

    def __repr__(self) -> str:
        return (
            f"ProratedLine(role={self.role!r}, item={self.item!r}, span='{self.span}', "
            f"factor={self.factor}, amount={self.amount!r})"
        )


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Entry:
    """What was billed for ``item`` in period ``index``: ``span`` at ``factor`` of ``line``.

    ``amount`` is what was billed (rounded once); ``credited`` what a change credited of it
    since, for the days from ``credited_from`` on (``None``: nothing credited). An entry
    is credited at most once, for the days after a change, so ``credited`` never exceeds
    ``amount``.
    """

    item: str
    index: int
    start: dt.date
    end: dt.date
    factor: Fraction
    line: Line
    amount: Money
    credited: Money
    credited_from: dt.date | None = None

    @property
    def live_end(self) -> dt.date:
        """The first day the entry no longer pays for (its end, or where a credit began)."""
        return self.end if self.credited_from is None else self.credited_from

    def __repr__(self) -> str:
        return (
            f"Entry(item={self.item!r}, index={self.index}, span='{self.start} to {self.end}', "
            f"factor={self.factor}, amount={self.amount!r}, credited={self.credited!r})"
        )


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class BilledPeriod:
    """A period that was billed: its span and the factor its whole span billed."""

    period: Period
    factor: Fraction
    days: int

    def __repr__(self) -> str:
        return f"BilledPeriod(period='{self.period}', factor={self.factor})"


def _billed_periods(value: object) -> tuple[BilledPeriod, ...]:
    if not isinstance(value, tuple) or not all(isinstance(p, BilledPeriod) for p in value):
        raise InvalidType(value, expected="a tuple of BilledPeriod", field="periods")
    return value


def _entries(value: object) -> tuple[Entry, ...]:
    if not isinstance(value, tuple) or not all(isinstance(e, Entry) for e in value):
        raise InvalidType(value, expected="a tuple of Entry", field="entries")
    return value


def _last_change(value: object) -> dt.date | None:
    return None if value is None else _check_date(value, "last_change")


def _usage_through(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="a period index (int)", field="usage_through")
    return value


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class BillingRecord:
    """What a subscription billed: the periods, and per item and period each entry.

    ``last_change`` is the date of the subscription's last change (``None``: none yet);
    ``usage_through`` the index of the last period whose usage was invoiced (``None``:
    none yet).
    """

    periods: tuple[BilledPeriod, ...] = attrs.field(default=(), converter=_billed_periods)
    entries: tuple[Entry, ...] = attrs.field(default=(), converter=_entries)
    last_change: dt.date | None = attrs.field(default=None, converter=_last_change)
    usage_through: int | None = attrs.field(default=None, converter=_usage_through)

    def billed(self, item: str, index: int) -> Money | None:
        """What was billed for ``item`` in period ``index`` (``None``: nothing was)."""
        amounts = [e.amount for e in self.entries if e.item == item and e.index == index]
        return sum(amounts[1:], amounts[0]) if amounts else None

    def credited(self, item: str, index: int) -> Money | None:
        """What was credited of it since (``None``: nothing was billed)."""
        amounts = [e.credited for e in self.entries if e.item == item and e.index == index]
        return sum(amounts[1:], amounts[0]) if amounts else None

    def is_billed(self, index: int) -> bool:
        """Whether period ``index`` was billed."""
        return any(p.period.index == index for p in self.periods)

    def __repr__(self) -> str:
        return f"BillingRecord(periods={len(self.periods)}, entries={len(self.entries)})"


@attrs.frozen(kw_only=True, repr=False)
class _Lines:
    """Lines a step of a subscription bills, and the pricing document they make."""

    lines: tuple[ProratedLine, ...]
    currency: moneyed.Currency
    policy: Policy

    def document(self) -> Document:
        """The lines as a document to price: the ordinary pricing engine prices them."""
        return Document(
            currency=self.currency, items=[p.line for p in self.lines], policy=self.policy
        )

    def priced(self) -> PricedDocument:
        """The lines priced, with their taxes and totals."""
        return price(self.document())

    @property
    def total(self) -> Money:
        """What the lines come to before taxes and discounts (their amounts' sum)."""
        return sum((p.amount for p in self.lines), Money.zero(self.currency))

    def _title(self) -> str:
        raise NotImplementedError

    def _rows(self) -> list[tuple[str, ...]]:
        return self._rows_of(self.lines)

    @staticmethod
    def _rows_of(lines: Iterable[ProratedLine]) -> list[tuple[str, ...]]:
        return [
            (
                p.role.value,
                p.item,
                str(p.span.start),
                str(p.span.last_day),
                str(p.factor),
                str(p.amount.amount),
            )
            for p in lines
        ]

    _HEADERS = ("Role", "Item", "From", "To (incl.)", "Factor", "Amount")

    def to_text(self, *, locale: str | None = None) -> str:
        """The lines with their spans and factors, then the priced table and its totals."""
        rows = [self._HEADERS, *self._rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(self._HEADERS))]
        out = [self._title()]
        out.extend(
            "  ".join(
                cell.rjust(width) if i >= 4 else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        )
        if self.lines:
            out.extend(["", render.text(self.priced(), locale=locale)])
        return "\n".join(out)

    def to_html(self, *, locale: str | None = None) -> str:
        """The same parts as :meth:`to_text`, as HTML for notebooks."""
        esc = _html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self._HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
            for row in self._rows()
        )
        priced = render.html(self.priced(), locale=locale) if self.lines else ""
        return (
            f'<div class="ordercore-subscription"><div>{esc(self._title())}</div>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{priced}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Bill(_Lines):
    """What billing one period yields: a charge line per item and span."""

    period: Period

    def _title(self) -> str:
        return f"Bill of period {self.period.index}: {self.period.start} to {self.period.last_day}"

    def __repr__(self) -> str:
        return f"Bill(period='{self.period}', lines={len(self.lines)}, total={self.total!r})"


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Change(_Lines):
    """What a change yields: credits for what was billed after ``at``, charges for the new."""

    at: dt.date
    what: str

    @property
    def credits(self) -> tuple[ProratedLine, ...]:
        """The credit lines."""
        return tuple(p for p in self.lines if p.role is LineRole.CREDIT)

    @property
    def charges(self) -> tuple[ProratedLine, ...]:
        """The charge lines."""
        return tuple(p for p in self.lines if p.role is LineRole.CHARGE)

    def _title(self) -> str:
        return f"Change on {self.at}: {self.what}"

    def __repr__(self) -> str:
        return (
            f"Change(at='{self.at}', what={self.what!r}, credits={len(self.credits)}, "
            f"charges={len(self.charges)}, total={self.total!r})"
        )


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class PeriodInvoice:
    """What invoicing a subscription yields: the draft invoice, and what it is made of.

    ``period`` is the period it charges (``None`` for an invoice of changes and usage
    only, :meth:`Subscription.invoice_pending`); ``charges`` are the period's charge
    lines, ``changes`` the lines of the changes made since the last invoice (credits and
    charges), ``usage`` the rated usage charges, one per meter and usage period (each
    explains itself). ``draft`` is the invoice draft of all of them, in three groups, and
    ``events`` what creating it raised. Its amount due is negative when the credits
    exceed the charges: issued, it is customer credit in the customer's ledger.
    """

    subscription: str
    period: Period | None
    charges: tuple[ProratedLine, ...]
    changes: tuple[ProratedLine, ...]
    usage: tuple[RatedCharge, ...]
    draft: DraftInvoice
    events: tuple[Event, ...]

    @property
    def total(self) -> Money:
        """The draft's total with taxes."""
        return self.draft.total

    @property
    def amount_due(self) -> Money:
        """What the draft would leave to pay once issued (negative: customer credit)."""
        return self.draft.amount_due

    def _title(self) -> str:
        what = (
            f"period {self.period.index} ({self.period.start} to {self.period.last_day})"
            if self.period is not None
            else "changes and usage"
        )
        return f"Invoice of subscription {self.subscription}, {what}"

    def to_text(self, *, locale: str | None = None) -> str:
        """The spans and factors of its lines, how each usage charge was rated, then the draft."""
        out = [self._title()]
        prorated = (*self.changes, *self.charges)
        if prorated:
            rows = [_Lines._HEADERS, *_Lines._rows_of(prorated)]
            widths = [max(len(row[i]) for row in rows) for i in range(len(_Lines._HEADERS))]
            out.extend(
                "  ".join(
                    cell.rjust(width) if i >= 4 else cell.ljust(width)
                    for i, (cell, width) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
                for row in rows
            )
        out.extend(f"Usage: {charge.explanation}" for charge in self.usage)
        out.extend(["", self.draft.to_text(locale=locale)])
        return "\n".join(out)

    def to_html(self, *, locale: str | None = None) -> str:
        """The same parts as :meth:`to_text`, as HTML for notebooks."""
        esc = _html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in _Lines._HEADERS)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
            for row in _Lines._rows_of((*self.changes, *self.charges))
        )
        usage = "".join(f"<p>{esc(charge.explanation)}</p>" for charge in self.usage)
        return (
            f'<div class="ordercore-subscription-invoice"><div>{esc(self._title())}</div>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{usage}"
            f"{self.draft.to_html(locale=locale)}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        period = "None" if self.period is None else f"'{self.period}'"
        return (
            f"PeriodInvoice(subscription={self.subscription!r}, period={period}, "
            f"charges={len(self.charges)}, changes={len(self.changes)}, "
            f"usage={len(self.usage)}, amount_due={self.amount_due!r})"
        )


def _request(value: object) -> Request:
    if not isinstance(value, Request):
        raise InvalidType(value, expected="a Request", field="request")
    return value


def _schedule(value: object) -> Schedule:
    if not isinstance(value, Schedule):
        raise InvalidType(value, expected="a Schedule", field="schedule")
    return value


def _policy(value: object) -> Policy:
    if not isinstance(value, Policy):
        raise InvalidType(value, expected="a pricing Policy", field="policy")
    return value


def _versions(value: object) -> tuple[ItemVersion, ...]:
    if not isinstance(value, tuple) or not all(isinstance(v, ItemVersion) for v in value):
        raise InvalidType(value, expected="a tuple of ItemVersion", field="versions")
    return value


def _pauses(value: object) -> tuple[Pause, ...]:
    if not isinstance(value, tuple) or not all(isinstance(p, Pause) for p in value):
        raise InvalidType(value, expected="a tuple of Pause", field="pauses")
    return value


def _record(value: object) -> BillingRecord:
    if not isinstance(value, BillingRecord):
        raise InvalidType(value, expected="a BillingRecord", field="record")
    return value


def _ended(value: object) -> dt.date | None:
    return None if value is None else _check_date(value, "ended")


def _optional_text(value: object, field: str) -> str | None:
    if value is None:
        return None
    text = to_text(value, field)
    if len(text) > 200:
        raise InvalidSubscription(
            value, reason=f"a subscription's {field} has at most 200 characters", field=field
        )
    return text


def _subscription_id(value: object) -> str | None:
    return _optional_text(value, "id")


def _customer(value: object) -> str | None:
    return _optional_text(value, "customer")


def _meters(value: object) -> tuple[Meter, ...]:
    if isinstance(value, Meter) or not isinstance(value, Iterable):
        raise InvalidType(value, expected="a list of Meter", field="meters")
    meters = tuple(value)
    for index, meter in enumerate(meters):
        if not isinstance(meter, Meter):
            raise InvalidType(meter, expected="a Meter", field=f"meters[{index}]")
    return meters


def _pending(value: object) -> tuple[ProratedLine, ...]:
    if not isinstance(value, tuple) or not all(isinstance(p, ProratedLine) for p in value):
        raise InvalidType(value, expected="a tuple of ProratedLine", field="pending")
    return value


def _timezone(value: object) -> str:
    name = to_text(value, "timezone")
    if name == "UTC":
        return name
    if len(name) > 64:
        raise InvalidSubscription(
            value, reason="a time zone name is an IANA name", field="timezone"
        )
    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        raise InvalidSubscription(
            value, reason="give an IANA time zone name, such as 'Europe/Paris'", field="timezone"
        ) from None
    return name


def _zone(name: str) -> dt.tzinfo:
    return dt.UTC if name == "UTC" else zoneinfo.ZoneInfo(name)


_MAX_VERSION = 2**63 - 1
#: The fields a step may change with values this module made, that need no check again.
_DERIVED = frozenset({"record", "pending"})


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_VERSION:
        raise InvalidType(value, expected="a version number from 1 to 2**63 - 1", field="version")
    return value


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Subscription:
    """Items billed on a :class:`~ordercore.subscriptions.Schedule`, and what was billed.

    Make one with :meth:`start`. ``versions`` says which line each item was billed as from
    which day, ``pauses`` when service stopped, ``ended`` the first day after the
    subscription (a cancellation, or the schedule's own end), ``record`` what was billed.
    ``policy`` prices every line it yields (its rounding mode rounds the amounts).

    To invoice it (:meth:`invoice`), it has an ``id`` and a ``customer``; ``meters`` are
    its usage charges, rated for each period from the usage records in ``timezone``'s
    days (an IANA name; UTC by default); ``pending`` the lines of changes that no invoice
    has taken yet. ``version`` counts its steps, one each (what a repository stores).
    """

    schedule: Schedule = attrs.field(converter=_schedule)
    currency: moneyed.Currency = attrs.field(converter=get_currency)
    versions: tuple[ItemVersion, ...] = attrs.field(converter=_versions)
    policy: Policy = attrs.field(factory=Policy, converter=_policy)
    pauses: tuple[Pause, ...] = attrs.field(default=(), converter=_pauses)
    ended: dt.date | None = attrs.field(default=None, converter=_ended)
    record: BillingRecord = attrs.field(factory=BillingRecord, converter=_record)
    id: str | None = attrs.field(default=None, converter=_subscription_id)
    customer: str | None = attrs.field(default=None, converter=_customer)
    meters: tuple[Meter, ...] = attrs.field(default=(), converter=_meters)
    pending: tuple[ProratedLine, ...] = attrs.field(default=(), converter=_pending)
    timezone: str = attrs.field(default="UTC", converter=_timezone)
    version: int = attrs.field(default=1, converter=_version)

    def __attrs_post_init__(self) -> None:
        for version in self.versions:
            if version.line is not None and version.line.currency != self.currency:
                raise CurrencyMismatch(
                    self.currency.code, version.line.currency.code, operation="subscribe to"
                )
        if not self.versions or len(self.keys) > MAX_ITEMS:
            raise InvalidSubscription(
                len(self.keys),
                reason=f"a subscription bills 1 to {MAX_ITEMS} items",
                field="versions",
            )
        if len(self.versions) + len(self.pauses) > MAX_CHANGES + MAX_ITEMS:
            raise InvalidSubscription(
                len(self.versions),
                reason=f"a subscription keeps at most {MAX_CHANGES} changes",
                field="versions",
            )
        keys = set(self.keys)
        for index, meter in enumerate(self.meters):
            if meter.currency != self.currency:
                raise CurrencyMismatch(
                    self.currency.code, meter.currency.code, operation="meter usage in"
                )
            if meter.key in keys:
                raise InvalidSubscription(
                    meter.key,
                    reason="every item and meter of a subscription has its own key",
                    field=f"meters[{index}].key",
                )
            keys.add(meter.key)
        if len(keys) > MAX_ITEMS:
            raise InvalidSubscription(
                len(keys),
                reason=f"a subscription bills at most {MAX_ITEMS} items and meters",
                field="meters",
            )

    @classmethod
    def start(
        cls,
        *,
        schedule: Schedule,
        items: Mapping[str, Line],
        policy: Policy | None = None,
        id: str | None = None,  # noqa: A002 - the record's id, named like every other id
        customer: str | None = None,
        meters: Iterable[Meter] = (),
        timezone: str = "UTC",
    ) -> Subscription:
        """A subscription billing ``items`` (key: the line of one whole period) on ``schedule``.

        Every line is in one currency. An item's line may carry taxes and percentage
        discounts; a fixed discount does not prorate and is refused. ``id`` and
        ``customer`` are needed to :meth:`invoice` it; ``meters`` are its usage charges.
        """
        schedule = _schedule(schedule)
        if not isinstance(items, Mapping) or not items:
            raise InvalidSubscription(
                items, reason="give a mapping of item keys to lines, one at least", field="items"
            )
        if len(items) > MAX_ITEMS:
            raise InvalidSubscription(
                len(items), reason=f"a subscription bills at most {MAX_ITEMS} items", field="items"
            )
        versions = tuple(
            ItemVersion(key=key, line=line, since=schedule.billing_start)
            for key, line in items.items()
        )
        lines = [v.line for v in versions if v.line is not None]
        currency = lines[0].currency
        for line in lines[1:]:
            if line.currency != currency:
                raise CurrencyMismatch(currency.code, line.currency.code, operation="subscribe to")
        return cls(
            schedule=schedule,
            currency=currency,
            versions=versions,
            policy=_POLICY if policy is None else policy,
            ended=schedule.stop,
            id=id,
            customer=customer,
            meters=meters,
            timezone=timezone,
        )

    # -- reading ---------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """Where its steps left it, whatever the date: what a repository files it under.

        ``"cancelled"`` once :meth:`cancel` set an end before the schedule's own,
        ``"paused"`` while a pause without an end is open, else ``"active"`` (a schedule
        that ends by itself stays active: it bills up to its end).
        """
        if self.ended is not None and self.ended != self.schedule.stop:
            return "cancelled"
        if any(pause.until is None for pause in self.pauses):
            return "paused"
        return "active"

    @property
    def keys(self) -> tuple[str, ...]:
        """The items' keys, in the order they were first billed."""
        return tuple(dict.fromkeys(v.key for v in self.versions))

    def line_on(self, key: str, date: dt.date) -> Line | None:
        """The line item ``key`` is billed as on ``date`` (``None``: not billed then)."""
        found: Line | None = None
        for version in self.versions:
            if version.key == key and version.since <= date:
                found = version.line
        return found

    def _cuts(self, key: str) -> list[dt.date]:
        return [v.since for v in self.versions if v.key == key]

    def _spans(self, period: Period, start: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
        """The days of ``period`` from ``start`` on that are billed: not paused, not ended."""
        begin = max(period.start, start)
        end = period.end if self.ended is None else min(period.end, self.ended)
        cuts = sorted(
            (p.start, p.until if p.until is not None else dt.date.max)
            for p in self.pauses
            if p.start < end and (p.until is None or p.until > begin)
        )
        for pause_start, pause_end in cuts:
            if pause_start > begin:
                yield begin, min(pause_start, end)
            begin = max(begin, pause_end)
            if begin >= end:
                return
        if begin < end:
            yield begin, end

    def _step(self, change: Change | None = None, **fields: Any) -> Subscription:
        """This subscription after a step: ``fields`` changed, one version on.

        A change's lines wait in ``pending`` for the next invoice.
        """
        if self.version >= _MAX_VERSION:
            raise InvalidType(
                self.version + 1, expected="a version number from 1 to 2**63 - 1", field="version"
            )
        if change is not None and change.lines:
            fields["pending"] = (*self.pending, *change.lines)
        if fields.keys() <= _DERIVED:  # values this module made: nothing to check again
            return derived(self, version=self.version + 1, **fields)
        return attrs.evolve(self, version=self.version + 1, **fields)

    # -- billing ---------------------------------------------------------------------------

    def bill(self, index: int) -> tuple[Subscription, Bill]:
        """Bill period ``index``: the new subscription and the :class:`Bill`.

        Each item is charged for each span of the period it was billed in (a change of its
        line, a pause or the end cuts spans), at ``factor x days of the span / days of
        the period``, where ``factor`` is what the schedule bills for the whole period
        (:meth:`~ordercore.subscriptions.Schedule.factor`: 1, or the stub's share).
        """
        return self._bill_period(self.schedule.period(index))

    def _bill_period(self, period: Period) -> tuple[Subscription, Bill]:
        """:meth:`bill` of a period this schedule computed (``schedule.period(index)``)."""
        index = period.index
        if self.ended is not None and period.start >= self.ended:
            raise SubscriptionEnded(ended=self.ended, operation=f"bill period {index}")
        if self.record.is_billed(period.index):
            raise PeriodBilledAlready(index=period.index, start=period.start, end=period.end)
        billed = BilledPeriod(
            period=period,
            factor=self.schedule.factor(period),
            days=self.schedule._days(period.start, period.end),
        )
        lines: list[ProratedLine] = []
        entries: list[Entry] = []
        for key in self.keys:
            self._charge(key, billed, period.start, lines=lines, entries=entries)
        record = derived(
            self.record,
            periods=(*self.record.periods, billed),
            entries=(*self.record.entries, *entries),
        )
        bill = Bill(lines=tuple(lines), currency=self.currency, policy=self.policy, period=period)
        return self._step(record=record), bill

    def _factor(self, billed: BilledPeriod, start: dt.date, end: dt.date) -> Fraction:
        """The share of the period's price that ``[start, end)`` bills."""
        period = billed.period
        if billed.days == 0:
            return billed.factor if (start, end) == (period.start, period.end) else _ZERO
        days = self.schedule._days(start, end)
        # the whole period: its factor itself (times 1), not an equal copy
        return billed.factor if days == billed.days else billed.factor * Fraction(days, billed.days)

    def _charge(
        self,
        key: str,
        billed: BilledPeriod,
        start: dt.date,
        *,
        lines: list[ProratedLine],
        entries: list[Entry],
        line: Line | None = None,
    ) -> None:
        """Charge ``key`` for the billed spans of a period from ``start`` on."""
        cuts = self._cuts(key) if line is None else []
        for span_start, span_end in self._spans(billed.period, start):
            inner = sorted({c for c in cuts if span_start < c < span_end})
            bounds = [span_start, *inner, span_end]
            for begin, end in itertools.pairwise(bounds):
                current = self.line_on(key, begin) if line is None else line
                if current is None:
                    continue
                factor = self._factor(billed, begin, end)
                period = billed.period
                span = (
                    period
                    if (begin, end) == (period.start, period.end)
                    else Period(index=period.index, start=begin, end=end)
                )
                charged = self._line(
                    LineRole.CHARGE, key, billed, span=span, factor=factor, line=current
                )
                lines.append(charged)
                entries.append(
                    Entry(
                        item=key,
                        index=billed.period.index,
                        start=begin,
                        end=end,
                        factor=factor,
                        line=current,
                        amount=charged.amount,
                        credited=_zero(self.currency),
                    )
                )

    def _line(
        self,
        role: LineRole,
        key: str,
        billed: BilledPeriod,
        *,
        span: Period,
        factor: Fraction,
        line: Line,
    ) -> ProratedLine:
        credit = role is LineRole.CREDIT
        share = "" if factor == 1 else f" ({factor} of the period)"
        text = f"{'Credit: ' if credit else ''}{line.description}, {span.start} to {span.last_day}{share}"
        return ProratedLine(
            role=role,
            item=key,
            period=billed.period,
            span=span,
            factor=factor,
            line=prorated(line, factor, description=text, credit=credit),
            amount=amount_of(line, factor, mode=self.policy.rounding, credit=credit),
        )

    # -- invoicing -------------------------------------------------------------------------

    def invoice(
        self, index: int, *, request: Request, usage: Iterable[UsageRecord] = ()
    ) -> tuple[Subscription, PeriodInvoice]:
        """Bill period ``index`` and make its invoice draft: the new subscription and it.

        The draft holds, in groups: the lines of the changes made since the last invoice
        (``pending``), the period's charges (as :meth:`bill` makes them), and each meter's
        usage for every period whose usage has ended by the period's billing date and was
        not invoiced yet: usage is always invoiced in arrears, so a period billed in
        advance carries the usage of the period before it. Its id is
        ``"<subscription id>/period-<index>"``.
        """
        return self._invoice_period(self.schedule.period(index), request=request, usage=usage)

    def _invoice_period(
        self, period: Period, *, request: Request, usage: Iterable[UsageRecord] = ()
    ) -> tuple[Subscription, PeriodInvoice]:
        """:meth:`invoice` of a period this schedule computed (``schedule.period(index)``).

        The period is computed once and passed on: to the bill, the billing date and the
        usage periods (check once, then trust).
        """
        request = _request(request)
        records = check_usage_records(usage)
        self._check_invoiceable()
        billed, bill = self._bill_period(period)
        upto = self.schedule.billing_date(period)
        return billed._invoiced(
            period=period,
            charges=bill.lines,
            upto=upto,
            records=records,
            request=request,
            draft_id=f"{self.id}/period-{period.index}",
            version=self.version + 1,
        )

    def preview(
        self, index: int, *, usage: Iterable[UsageRecord] = (), at: dt.datetime | None = None
    ) -> PeriodInvoice:
        """The invoice of period ``index`` as :meth:`invoice` would make it; changes nothing.

        It runs the same code on this subscription (a value: nothing else is touched),
        with a request keyed ``"preview"`` at ``at`` (default: midnight UTC of the
        period's billing date). A subscription without an id or customer is previewed
        under ``"preview"``.
        """
        period = self.schedule.period(index)
        day = self.schedule.billing_date(period)
        when = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if at is None else at
        copy = self
        if self.id is None or self.customer is None:
            copy = attrs.evolve(self, id=self.id or "preview", customer=self.customer or "preview")
        request = Request(key="preview", at=when, business_date=day)
        return copy.invoice(index, request=request, usage=usage)[1]

    def invoice_pending(
        self, *, on: dt.date, request: Request, usage: Iterable[UsageRecord] = ()
    ) -> tuple[Subscription, PeriodInvoice]:
        """Invoice what waits without billing a period: changes, and usage ended by ``on``.

        This is how the credits of a cancellation and the usage of the last period reach
        an invoice (no period is billed after the end). Raises
        :class:`~ordercore.errors.NothingToInvoice` when nothing waits. Its id is
        ``"<subscription id>/pending-<version>"``.
        """
        on = _check_date(on, "on")
        request = _request(request)
        records = check_usage_records(usage)
        self._check_invoiceable()
        if not self.pending and not self._usage_periods(on):
            raise NothingToInvoice(subscription=str(self.id), on=on)
        return self._invoiced(
            period=None,
            charges=(),
            upto=on,
            records=records,
            request=request,
            draft_id=f"{self.id}/pending-{self.version}",
            version=self.version + 1,
        )

    def _check_invoiceable(self) -> None:
        if self.id is None:
            raise InvalidSubscription(
                None, reason="give the subscription an id to invoice it", field="id"
            )
        if self.customer is None:
            raise InvalidSubscription(
                None, reason="give the subscription a customer to invoice it", field="customer"
            )

    def _usage_periods(self, upto: dt.date, known: Period | None = None) -> list[Period]:
        """The periods whose usage ended by ``upto`` and was not invoiced yet, in order.

        ``known`` is a period this schedule computed already, used instead of computing
        it again.
        """
        if not self.meters:
            return []
        through = self.record.usage_through
        index = self.schedule.first_index if through is None else through + 1
        last = self.schedule.last_index
        found: list[Period] = []
        while last is None or index <= last:
            period = (
                known if known is not None and known.index == index else self.schedule.period(index)
            )
            if self.ended is not None and period.start >= self.ended:
                break
            end = period.end if self.ended is None else min(period.end, self.ended)
            if end > upto:
                break
            found.append(period)
            index += 1
        return found

    def _invoiced(
        self,
        *,
        period: Period | None,
        charges: tuple[ProratedLine, ...],
        upto: dt.date,
        records: tuple[UsageRecord, ...],
        request: Request,
        draft_id: str,
        version: int,
    ) -> tuple[Subscription, PeriodInvoice]:
        if version > _MAX_VERSION:
            raise InvalidType(
                version, expected="a version number from 1 to 2**63 - 1", field="version"
            )
        zone = _zone(self.timezone)
        rated: list[RatedCharge] = []
        usage_lines: list[Line] = []
        periods = self._usage_periods(upto, period)
        for used in periods:
            end = used.end if self.ended is None else min(used.end, self.ended)
            start_at = dt.datetime.combine(used.start, dt.time(), tzinfo=zone)
            end_at = dt.datetime.combine(end, dt.time(), tzinfo=zone)
            for meter in self.meters:
                charge = meter.rate(records, start=start_at, end=end_at)
                rated.append(charge)
                usage_lines.extend(meter.lines(charge))
        groups: list[Group] = []
        if self.pending:
            groups.append(
                Group(name="Changes since the last invoice", lines=[p.line for p in self.pending])
            )
        if charges and period is not None:
            groups.append(
                Group(
                    name=f"Period {period.start} to {period.last_day}",
                    lines=[p.line for p in charges],
                )
            )
        if usage_lines:
            groups.append(Group(name="Usage", lines=usage_lines))
        content = Document(currency=self.currency, items=groups, policy=self.policy)
        created = DraftInvoice.create(
            id=draft_id, customer=str(self.customer), content=content, request=request
        )
        invoice = PeriodInvoice(
            subscription=str(self.id),
            period=period,
            charges=charges,
            changes=self.pending,
            usage=tuple(rated),
            draft=created.document,
            events=created.events,
        )
        through = periods[-1].index if periods else self.record.usage_through
        record = derived(self.record, usage_through=through)
        return derived(self, pending=(), record=record, version=version), invoice

    # -- changes ---------------------------------------------------------------------------

    def _check_change(self, at: object, operation: str) -> dt.date:
        at = _check_date(at, "at")
        if at < self.schedule.start:
            raise InvalidSubscription(
                at,
                reason=f"the subscription starts on {self.schedule.start}; change on or after it",
                field="at",
            )
        last = self.record.last_change
        if last is not None and at < last:
            raise ChangeOutOfOrder(at=at, last=last)
        if self.ended is not None and at >= self.ended:
            raise SubscriptionEnded(ended=self.ended, operation=operation)
        if len(self.versions) + len(self.pauses) >= MAX_CHANGES:
            raise InvalidSubscription(
                at, reason=f"a subscription keeps at most {MAX_CHANGES} changes", field="at"
            )
        return at

    def _credit_from(
        self, key: str, at: dt.date, lines: list[ProratedLine], entries: list[Entry]
    ) -> None:
        """Credit every day billed for ``key`` from ``at`` on (``entries`` is updated)."""
        periods = {p.period.index: p for p in self.record.periods}
        for position, entry in enumerate(entries):
            if entry.item != key:
                continue
            begin = max(entry.start, at)
            if begin >= entry.live_end:
                continue
            billed = periods[entry.index]
            if self.schedule._days(entry.start, entry.end) == 0:
                factor = entry.factor if begin == entry.start else _ZERO
            else:
                factor = entry.factor * Fraction(
                    self.schedule._days(begin, entry.live_end),
                    self.schedule._days(entry.start, entry.end),
                )
            span = Period(index=entry.index, start=begin, end=entry.live_end)
            credit = self._line(
                LineRole.CREDIT, key, billed, span=span, factor=factor, line=entry.line
            )
            lines.append(credit)
            entries[position] = attrs.evolve(
                entry, credited=entry.credited - credit.amount, credited_from=begin
            )

    def _recharge_from(
        self, key: str, at: dt.date, line: Line, lines: list[ProratedLine], entries: list[Entry]
    ) -> None:
        """Charge ``line`` for every billed day of ``key``'s periods from ``at`` on."""
        for billed in self.record.periods:
            if billed.period.end > at:
                self._charge(key, billed, at, lines=lines, entries=entries, line=line)

    def change(self, at: dt.date, key: str, line: Line | None) -> tuple[Subscription, Change]:
        """From ``at`` on, bill item ``key`` as ``line`` (``None`` removes it; a new key adds it).

        What was billed for the item for days from ``at`` on is credited, and ``line`` is
        charged for the same days: the upgrade, downgrade or quantity change of a period
        billed in advance. Days not billed yet are billed by :meth:`bill` as they come.
        """
        at = self._check_change(at, "change")
        key = _key(key)
        if line is not None:
            line = _plan_line(line)
            if line.currency != self.currency:
                raise CurrencyMismatch(self.currency.code, line.currency.code, operation="change")
        if key not in self.keys and len(self.keys) >= MAX_ITEMS:
            raise InvalidSubscription(
                key, reason=f"a subscription bills at most {MAX_ITEMS} items", field="key"
            )
        old = self.line_on(key, at)
        lines: list[ProratedLine] = []
        entries = list(self.record.entries)
        self._credit_from(key, at, lines, entries)
        if line is not None:
            self._recharge_from(key, at, line, lines, entries)
        record = attrs.evolve(self.record, entries=tuple(entries), last_change=at)
        since = max(at, self.schedule.billing_start)  # a change in the trial bills from its end
        versions = (*self.versions, ItemVersion(key=key, line=line, since=since))
        what = _describe(key, old, line)
        change = Change(
            lines=tuple(lines), currency=self.currency, policy=self.policy, at=at, what=what
        )
        return self._step(change, versions=versions, record=record), change

    def cancel(self, at: dt.date, *, at_period_end: bool = False) -> tuple[Subscription, Change]:
        """End the subscription on ``at``, or at the end of the period holding ``at``.

        Whatever was billed for the days from the end on is credited (a period billed in
        advance, cancelled at once); nothing is billed for them again.
        """
        at = self._check_change(at, "cancel")
        end = self.schedule.period_of(at).end if at_period_end else at
        if self.ended is not None:
            end = min(end, self.ended)
        lines: list[ProratedLine] = []
        entries = list(self.record.entries)
        for key in self.keys:
            self._credit_from(key, end, lines, entries)
        record = attrs.evolve(self.record, entries=tuple(entries), last_change=end)
        change = Change(
            lines=tuple(lines),
            currency=self.currency,
            policy=self.policy,
            at=end,
            what="cancelled",
        )
        return self._step(change, ended=end, record=record), change

    def pause(self, at: dt.date, *, until: dt.date | None = None) -> tuple[Subscription, Change]:
        """Stop service from ``at`` to ``until`` (``None``: until :meth:`resume`).

        What was billed for the paused days is credited; days billed after the pause are
        charged again at the items' lines. A pause counts as a change on its last day.
        """
        at = self._check_change(at, "pause")
        if any(p.until is None or p.until > at for p in self.pauses):
            raise InvalidSubscription(at, reason="the subscription is paused already", field="at")
        pause = Pause(start=at, until=until)
        paused = attrs.evolve(self, pauses=(*self.pauses, pause))
        lines: list[ProratedLine] = []
        entries = list(self.record.entries)
        for key in self.keys:
            paused._credit_from(key, at, lines, entries)
        paused = attrs.evolve(paused, record=attrs.evolve(self.record, entries=tuple(entries)))
        if until is not None:
            paused = paused._restart(until, lines)
        record = attrs.evolve(paused.record, last_change=until if until is not None else at)
        change = Change(
            lines=tuple(lines),
            currency=self.currency,
            policy=self.policy,
            at=at,
            what=f"paused until {until}" if until is not None else "paused",
        )
        return paused._step(change, record=record), change

    def _restart(self, at: dt.date, lines: list[ProratedLine]) -> Subscription:
        entries = list(self.record.entries)
        for key in self.keys:
            line = self.line_on(key, at)
            if line is not None:
                self._recharge_from(key, at, line, lines, entries)
        return attrs.evolve(self, record=attrs.evolve(self.record, entries=tuple(entries)))

    def resume(self, at: dt.date) -> tuple[Subscription, Change]:
        """End an open pause on ``at``: days billed from ``at`` on are charged again."""
        at = self._check_change(at, "resume")
        open_pauses = [p for p in self.pauses if p.until is None]
        if not open_pauses or at <= open_pauses[0].start:
            raise InvalidSubscription(
                at, reason="resume a pause that is open, after its start", field="at"
            )
        pauses = tuple(
            Pause(start=p.start, until=at) if p.until is None else p for p in self.pauses
        )
        lines: list[ProratedLine] = []
        resumed = attrs.evolve(self, pauses=pauses)._restart(at, lines)
        change = Change(
            lines=tuple(lines), currency=self.currency, policy=self.policy, at=at, what="resumed"
        )
        record = attrs.evolve(resumed.record, last_change=at)
        return resumed._step(change, record=record), change

    # -- printing --------------------------------------------------------------------------

    def __repr__(self) -> str:
        ended = f", ended='{self.ended}'" if self.ended is not None else ""
        return (
            f"Subscription(schedule={self.schedule!r}, items={list(self.keys)!r}, "
            f"currency={self.currency.code!r}, billed={len(self.record.periods)}{ended})"
        )

    def to_text(self, count: int = 6) -> str:
        """The schedule and, per item and billed period, what was billed and credited."""
        out = [self.schedule.to_text(count), "", "Billed:"]
        for billed in self.record.periods:
            index = billed.period.index
            for key in self.keys:
                got = self.record.billed(key, index)
                back = self.record.credited(key, index)
                if got is not None and back is not None:
                    out.append(
                        f"  period {index} {key}: {got.amount} billed, {back.amount} credited"
                    )
        return "\n".join(out)

    def _repr_html_(self) -> str:
        return f"<pre>{_html.escape(self.to_text())}</pre>"

    def __str__(self) -> str:
        return self.to_text()


def _describe(key: str, old: Line | None, new: Line | None) -> str:
    if old is None and new is None:
        return f"{key}: no change"
    if old is None:
        return f"{key}: added"
    if new is None:
        return f"{key}: removed"
    return (
        f"{key}: {old.quantity} x {old.unit_price.amount} -> {new.quantity} x "
        f"{new.unit_price.amount} {new.currency.code}"
    )
