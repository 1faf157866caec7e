r"""Usage rating: metered quantities priced by a charge model, exactly, step by step.

Rating is separate from invoicing. Metered events come in as plain
:class:`UsageRecord`\ s; :meth:`Usage.of` (or :func:`aggregate`, for every metric at once)
sums, counts, takes the maximum or counts the distinct keys of a metric's records in a
period; :func:`rate` prices that usage with a charge model and returns a
:class:`RatedCharge`, which says how it was computed, step by step, and turns into
pricing :class:`~ordercore.pricing.Line`\ s that the ordinary pricing engine prices to
exactly the rated amount (taxes are added there, as for any line).

The charge models, and what each does at its edges:

* :class:`PerUnit`: quantity x unit price.
* :class:`GraduatedTiers`: each tier prices its own units; a tier's flat fee is charged
  once any quantity falls in it.
* :class:`VolumeTiers`: the tier the whole quantity reaches prices all of it (plus that
  tier's flat fee). A quantity exactly at a tier's ``up_to`` is in that tier, not the next.
* :class:`Package`: a price per started package of ``size`` units, after ``free_units``.
* :class:`Percentage`: a percentage of the transaction amounts after a free amount, plus a
  fixed fee per transaction after a number of free transactions.
* :class:`GraduatedPercentage`: percentage tiers over the transaction amount, each with
  an optional flat fee.

Tiers are written by their upper bounds: the first starts at zero, each next one where the
one before ends, and the last is open-ended (``up_to=None``), so no gap or overlap can be
written. A tier covers the quantities above its start up to and including its ``up_to``.
Zero usage reaches no tier and pays no flat fee. Every model takes an optional
``minimum`` (a true-up charged when the period's charge is below it) and ``maximum`` (a
cap) per period.

Every step is exact; the charge is rounded **once, at the end**, half-up to the
currency's minor unit (another mode can be asked for), and only then bounded by the
minimum and maximum, which are whole amounts.

>>> import datetime as dt
>>> from ordercore.money import Money
>>> start, end = dt.datetime(2026, 11, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
>>> usage = Usage(metric="api_calls", start=start, end=end, quantity="12500")
>>> tiers = [Tier(up_to="1000", unit_price=Money("0", "EUR")),
...          Tier(up_to="10000", unit_price=Money("0.10", "EUR")),
...          Tier(up_to=None, unit_price=Money("0.08", "EUR"))]
>>> rate(GraduatedTiers(tiers=tiers), usage).amount
Money('1100.00', 'EUR')
>>> rate(VolumeTiers(tiers=tiers), usage).amount
Money('1000.00', 'EUR')
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import html
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar

import attrs
import moneyed

from ordercore._convert import check_instance, pickled_as_tuple, to_money, to_text, to_tuple
from ordercore.errors import (
    CurrencyMismatch,
    InvalidTax,
    InvalidTiers,
    InvalidType,
    InvalidUsage,
    InvalidUsageModel,
    NumberOutOfRange,
    TextTooLong,
)
from ordercore.money.allocation import allocate
from ordercore.money.amount import Money
from ordercore.money.context import CONTEXT, exact
from ordercore.money.currency import get_currency, precision, quantum
from ordercore.money.decimals import MAX_INTEGER_DIGITS, decimal_places, to_decimal
from ordercore.money.rounding import RoundingMode, round_to
from ordercore.pricing.lines import QUANTITY_PLACES, Line, LineKind
from ordercore.pricing.taxes import Tax

__all__ = [
    "MAX_TIERS",
    "PRICE_PLACES",
    "RATE_PLACES",
    "Aggregation",
    "GraduatedPercentage",
    "GraduatedTiers",
    "Meter",
    "Package",
    "PerUnit",
    "PercentTier",
    "Percentage",
    "RatedCharge",
    "RatingStep",
    "StepKind",
    "Tier",
    "Usage",
    "UsageModel",
    "UsageRecord",
    "VolumeTiers",
    "aggregate",
    "check_usage_records",
    "rate",
]

#: A usage unit price carries at most this many decimal places (EUR 0.000125 per call):
#: the default ``price_places`` of a pricing policy, so its lines price under it.
PRICE_PLACES = 6
#: A percentage rate carries at most this many places (2.9 or 1.2345 percent), so that
#: the rate as a price per unit of the currency fits :data:`PRICE_PLACES`.
RATE_PLACES = 4
#: A tiered charge has at most this many tiers (rating is linear in them).
MAX_TIERS = 100
#: The longest metric name, record key or charge description.
MAX_NAME_LENGTH = 200

_ZERO = Decimal(0)
_ONE = Decimal(1)
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_SCALE = 10**QUANTITY_PLACES


class Aggregation(enum.Enum):
    """How the records of a metric in a period become one quantity."""

    SUM = "sum"  #: the sum of the records' quantities
    COUNT = "count"  #: how many records there are
    MAX = "max"  #: the largest quantity (0 without records)
    UNIQUE_COUNT = "unique_count"  #: how many distinct keys the records carry

    def __repr__(self) -> str:
        return f"Aggregation.{self.name}"


# -- converters ---------------------------------------------------------------------------


def _name(value: object, field: str) -> str:
    text = to_text(value, field)
    if len(text) > MAX_NAME_LENGTH:
        raise TextTooLong(text, limit=MAX_NAME_LENGTH, field=field)
    return text


def _metric(value: object) -> str:
    return _name(value, "metric")


def _key(value: object) -> str | None:
    return None if value is None else _name(value, "key")


def _quantity(value: object) -> Decimal:
    number = to_decimal(value, field="quantity", max_places=QUANTITY_PLACES)
    if number < 0:
        raise InvalidUsage(
            value, reason="a metered quantity is zero or more; correct the meter", field="quantity"
        )
    return number


def _moment(value: object, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InvalidType(value, expected="a timezone-aware datetime.datetime", field=field)
    if value.utcoffset() is None:
        raise InvalidUsage(
            value,
            reason="a naive datetime has no defined instant: give it a tzinfo (such as dt.UTC)",
            field=field,
        )
    return value


def _at(value: object) -> dt.datetime:
    return _moment(value, "at")


def _start(value: object) -> dt.datetime:
    return _moment(value, "start")


def _end(value: object) -> dt.datetime:
    return _moment(value, "end")


def _whole_amount(value: Money, field: str) -> Money:
    """A transaction amount: zero or more, in whole minor units of its currency."""
    if value.amount < 0:
        raise InvalidUsage(value, reason="a transaction amount is zero or more", field=field)
    if decimal_places(value.amount) > precision(value.currency):
        raise InvalidUsage(
            value,
            reason=f"an amount is in whole {value.currency.code} minor units",
            field=field,
        )
    return value


def _transaction_amount(value: object) -> Money | None:
    return None if value is None else _whole_amount(to_money(value, "amount"), "amount")


def _transactions(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="an int number of transactions", field="transactions")
    if not 0 <= value < _LIMIT:
        raise InvalidUsage(
            value, reason="a number of transactions is between 0 and 10**15", field="transactions"
        )
    return value


def _aggregation(value: object) -> Aggregation:
    return check_instance(value, Aggregation, "aggregation")


# -- usage --------------------------------------------------------------------------------


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class UsageRecord:
    """One metered event: ``quantity`` of ``metric`` at the instant ``at``.

    ``at`` is timezone-aware (a naive datetime names no instant). ``amount`` is the
    transaction amount, for percentage charges; ``key`` what a unique count counts (a user
    or a device id).

    >>> import datetime as dt
    >>> UsageRecord(metric="api_calls", quantity="250", at=dt.datetime(2026, 11, 3, tzinfo=dt.UTC))
    UsageRecord(metric='api_calls', quantity='250', at='2026-11-03T00:00:00+00:00')
    """

    metric: str = attrs.field(converter=_metric)
    at: dt.datetime = attrs.field(converter=_at)
    quantity: Decimal = attrs.field(default=_ONE, converter=_quantity)
    amount: Money | None = attrs.field(default=None, converter=_transaction_amount)
    key: str | None = attrs.field(default=None, converter=_key)

    def __repr__(self) -> str:
        extra = f", amount={self.amount!r}" if self.amount is not None else ""
        extra += f", key={self.key!r}" if self.key is not None else ""
        return (
            f"UsageRecord(metric={self.metric!r}, quantity={str(self.quantity)!r}, "
            f"at={self.at.isoformat()!r}{extra})"
        )


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Usage:
    """The usage of one metric in one period: what a charge model rates.

    The period runs from ``start`` (included) to ``end`` (excluded), both timezone-aware.
    ``quantity`` is the aggregated quantity (its ``aggregation`` says how it was made),
    ``transactions`` the number of records, ``amount`` the sum of their transaction amounts
    (``None`` when they carry none). Make it from records with :meth:`of`, or directly
    from a meter's own total.
    """

    metric: str = attrs.field(converter=_metric)
    start: dt.datetime = attrs.field(converter=_start)
    end: dt.datetime = attrs.field(converter=_end)
    quantity: Decimal = attrs.field(default=_ZERO, converter=_quantity)
    transactions: int = attrs.field(default=0, converter=_transactions)
    amount: Money | None = attrs.field(default=None, converter=_transaction_amount)
    aggregation: Aggregation = attrs.field(default=Aggregation.SUM, converter=_aggregation)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidUsage(
                self.end, reason=f"a period ends after it starts ({self.start})", field="end"
            )

    @classmethod
    def of(
        cls,
        records: Iterable[UsageRecord],
        *,
        metric: str,
        start: dt.datetime,
        end: dt.datetime,
        aggregation: Aggregation = Aggregation.SUM,
    ) -> Usage:
        """Aggregate the records of ``metric`` from ``start`` (included) to ``end`` (excluded).

        Records of other metrics and records outside the period are left out.

        >>> import datetime as dt
        >>> day = lambda d: dt.datetime(2026, 11, d, tzinfo=dt.UTC)
        >>> records = [UsageRecord(metric="seats", quantity=q, at=day(d))
        ...            for q, d in (("3", 1), ("5", 9), ("4", 30))]
        >>> Usage.of(records, metric="seats", start=day(1), end=day(30), aggregation=Aggregation.MAX)
        Usage(metric='seats', quantity='5', transactions=2, aggregation=Aggregation.MAX)
        """
        return aggregate(records, start=start, end=end, aggregation=aggregation, metrics=[metric])[
            _metric(metric)
        ]

    def __repr__(self) -> str:
        amount = f", amount={self.amount!r}" if self.amount is not None else ""
        return (
            f"Usage(metric={self.metric!r}, quantity={str(self.quantity)!r}, "
            f"transactions={self.transactions}{amount}, aggregation={self.aggregation!r})"
        )


class _Tally:
    """What :func:`aggregate` keeps of one metric's records while it reads them (private)."""

    __slots__ = ("amount", "count", "currency", "keys", "largest", "none", "total")

    def __init__(self) -> None:
        self.total = _ZERO
        self.largest = _ZERO
        self.count = 0
        self.keys: set[str] = set()
        self.amount = _ZERO
        self.currency: moneyed.Currency | None = None
        self.none = 0  # records without a transaction amount


def aggregate(
    records: Iterable[UsageRecord],
    *,
    start: dt.datetime,
    end: dt.datetime,
    aggregation: Aggregation = Aggregation.SUM,
    metrics: Iterable[str] | None = None,
) -> dict[str, Usage]:
    """Aggregate records per metric, for the period from ``start`` to ``end`` (excluded).

    The result maps each metric to its :class:`Usage`, in the order of the metric names;
    ``metrics`` names the metrics wanted (each gets a usage, zero if it has no records),
    ``None`` every metric the records name. Within a metric, either every record carries a
    transaction amount, all in one currency, or none does. One pass over the records.

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
    >>> records = [UsageRecord(metric="logins", at=at, key=user) for user in ("ann", "bob", "ann")]
    >>> aggregate(records, start=at, end=at + dt.timedelta(days=1),
    ...           aggregation=Aggregation.UNIQUE_COUNT)["logins"].quantity
    Decimal('2')
    """
    first, last = _start(start), _end(end)
    kind = _aggregation(aggregation)
    if last <= first:
        raise InvalidUsage(last, reason=f"a period ends after it starts ({first})", field="end")
    wanted = None if metrics is None else {_metric(m) for m in _names(metrics)}
    tallies: dict[str, _Tally] = {name: _Tally() for name in wanted or ()}
    if isinstance(records, str | bytes) or not isinstance(records, Iterable):
        raise InvalidType(records, expected="an iterable of UsageRecord", field="records")
    for index, record in enumerate(records):
        if not isinstance(record, UsageRecord):
            raise InvalidType(record, expected="a UsageRecord", field=f"records[{index}]")
        if not first <= record.at < last or (wanted is not None and record.metric not in wanted):
            continue
        tally = tallies.get(record.metric)
        if tally is None:
            tally = tallies[record.metric] = _Tally()
        _count(tally, record, kind, index)
    return {name: _usage(name, tallies[name], first, last, kind) for name in sorted(tallies)}


def check_usage_records(value: object, *, field: str = "usage") -> tuple[UsageRecord, ...]:
    """Return ``value`` as a tuple if it is an iterable of usage records (:class:`UsageRecord`).

    A string or bytes is not taken for one; :class:`~ordercore.errors.InvalidType` names
    ``field`` for the whole (``"usage"``) or the item's index (``"usage[2]"``). This is
    the check that :meth:`Subscription.invoice
    <ordercore.subscriptions.Subscription.invoice>` and the services' billing operations
    make before anything else.

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
    >>> check_usage_records([UsageRecord(metric="calls", at=at, quantity="3")])
    (UsageRecord(metric='calls', quantity='3', at='2026-11-05T00:00:00+00:00'),)
    >>> check_usage_records("calls")
    Traceback (most recent call last):
    ...
    ordercore.errors.InvalidType: ...
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidType(value, expected="an iterable of UsageRecord", field=field)
    records = tuple(value)
    for index, record in enumerate(records):
        if not isinstance(record, UsageRecord):
            raise InvalidType(record, expected="a UsageRecord", field=f"{field}[{index}]")
    return records


def _names(metrics: object) -> tuple[str, ...]:
    if isinstance(metrics, str) or not isinstance(metrics, Iterable):
        raise InvalidType(metrics, expected="a list of metric names", field="metrics")
    return tuple(metrics)


def _count(tally: _Tally, record: UsageRecord, kind: Aggregation, index: int) -> None:
    tally.count += 1
    quantity = record.quantity
    tally.total = CONTEXT.add(tally.total, quantity)
    tally.largest = max(tally.largest, quantity)
    if kind is Aggregation.UNIQUE_COUNT:
        if record.key is None:
            raise InvalidUsage(
                record,
                reason="a unique count counts keys: give every record of the metric a key",
                field=f"records[{index}].key",
            )
        tally.keys.add(record.key)
    amount = record.amount
    if amount is None:
        tally.none += 1
    else:
        if tally.currency is None:
            tally.currency = amount.currency
        elif amount.currency != tally.currency:
            raise CurrencyMismatch(tally.currency.code, amount.currency.code, operation="aggregate")
        tally.amount = CONTEXT.add(tally.amount, amount.amount)
    if tally.none and tally.currency is not None:
        raise InvalidUsage(
            record,
            reason="every record of a metric carries a transaction amount, or none does",
            field=f"records[{index}].amount",
        )


def _usage(
    metric: str, tally: _Tally, start: dt.datetime, end: dt.datetime, kind: Aggregation
) -> Usage:
    quantity = {
        Aggregation.SUM: tally.total,
        Aggregation.COUNT: Decimal(tally.count),
        Aggregation.MAX: tally.largest,
        Aggregation.UNIQUE_COUNT: Decimal(len(tally.keys)),
    }[kind]
    if quantity >= _LIMIT or tally.amount >= _LIMIT:
        raise NumberOutOfRange(
            quantity if quantity >= _LIMIT else tally.amount,
            limit=_LIMIT,
            reason=f"the usage of {metric!r} in a period must be below 10**{MAX_INTEGER_DIGITS}",
            field="quantity" if quantity >= _LIMIT else "amount",
        )
    amount = None if tally.currency is None else Money(tally.amount, tally.currency)
    return Usage(
        metric=metric,
        start=start,
        end=end,
        quantity=quantity,
        transactions=tally.count,
        amount=amount,
        aggregation=kind,
    )


# -- charge models ------------------------------------------------------------------------


def _optional_money(value: object) -> Money | None:
    return None if value is None else to_money(value, "amount")


def _price(value: object) -> Money:
    return to_money(value, "unit_price")


def _bound(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, field="up_to", max_places=QUANTITY_PLACES)


def _percent(value: object) -> Decimal:
    return to_decimal(value, field="rate")


def _model_error(model: str, field: str, value: object, reason: str) -> InvalidUsageModel:
    return InvalidUsageModel(model, value=value, reason=reason, field=field)


def _check_price(model: str, field: str, value: Money, currency: moneyed.Currency) -> None:
    """A unit price: zero or more, in ``currency``, with at most PRICE_PLACES places."""
    if value.currency != currency:
        raise CurrencyMismatch(currency.code, value.currency.code, operation="price usage in")
    if value.amount < 0:
        raise _model_error(model, field, value, "a price is zero or more")
    if decimal_places(value.amount) > PRICE_PLACES:
        raise _model_error(model, field, value, f"a unit price has at most {PRICE_PLACES} places")


def _check_whole(model: str, field: str, value: Money, currency: moneyed.Currency) -> None:
    """A fee or bound: zero or more, in ``currency``, in whole minor units."""
    if value.currency != currency:
        raise CurrencyMismatch(currency.code, value.currency.code, operation="price usage in")
    if value.amount < 0:
        raise _model_error(model, field, value, "an amount is zero or more")
    if decimal_places(value.amount) > precision(currency):
        raise _model_error(
            model, field, value, f"a fee or bound is in whole {currency.code} minor units"
        )


def _check_rate(model: str, field: str, value: Decimal) -> None:
    if not 0 <= value <= 100:
        raise _model_error(model, field, value, "a percentage rate is between 0 and 100")
    if decimal_places(value) > RATE_PLACES:
        raise _model_error(model, field, value, f"a rate has at most {RATE_PLACES} places")


_BOUNDS = ("minimum", "maximum")


def _shown(value: object) -> str:
    """A field's value as a constructor would take it (numbers and currencies as strings)."""
    if isinstance(value, Decimal):
        return repr(str(value))
    if isinstance(value, moneyed.Currency):
        return repr(value.code)
    return repr(value)


@attrs.frozen(kw_only=True, repr=False)
class UsageModel:
    """What every usage charge model has: an optional ``minimum`` and ``maximum`` per period.

    A charge below the minimum is trued up to it (a step of kind ``MINIMUM``), one above
    the maximum is capped at it (a step of kind ``MAXIMUM``). Both are whole amounts in the
    model's currency, and the minimum is at most the maximum.
    """

    #: The model's name, as the explanation and the errors give it.
    name: ClassVar[str] = "usage"

    minimum: Money | None = attrs.field(default=None, converter=_optional_money)
    maximum: Money | None = attrs.field(default=None, converter=_optional_money)

    @property
    def currency(self) -> moneyed.Currency:
        """The currency of the model's prices."""
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = attrs.fields(type(self))
        order = [f for f in fields if f.name not in _BOUNDS] + [
            f for f in fields if f.name in _BOUNDS
        ]
        shown = [
            f"{field.name}={_shown(getattr(self, field.name))}"
            for field in order
            if field.default is attrs.NOTHING or getattr(self, field.name) != field.default
        ]
        return f"{type(self).__name__}({', '.join(shown)})"

    def _check_bounds(self) -> None:
        currency = self.currency
        low, high = self.minimum, self.maximum
        if low is not None:
            _check_whole(self.name, "minimum", low, currency)
        if high is not None:
            _check_whole(self.name, "maximum", high, currency)
        if low is not None and high is not None and low > high:
            raise _model_error(self.name, "minimum", low, f"it is above the maximum {high}")

    def _steps(self, usage: Usage) -> list[RatingStep]:
        raise NotImplementedError


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Tier:
    """One tier of a tiered charge: quantities up to and including ``up_to`` (``None``: no end).

    ``unit_price`` prices each unit in the tier; ``flat_fee`` is charged once for the tier
    when any quantity falls in it (graduated) or reaches it (volume).
    """

    up_to: Decimal | None = attrs.field(converter=_bound)
    unit_price: Money = attrs.field(converter=_price)
    flat_fee: Money | None = attrs.field(default=None, converter=_optional_money)

    def __repr__(self) -> str:
        up_to = "None" if self.up_to is None else repr(str(self.up_to))
        fee = f", flat_fee={self.flat_fee!r}" if self.flat_fee is not None else ""
        return f"Tier(up_to={up_to}, unit_price={self.unit_price!r}{fee})"


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class PercentTier:
    """One tier of a graduated percentage: transaction amounts up to ``up_to`` (``None``: no end).

    ``up_to`` is an amount in the model's currency (its units are currency units);
    ``rate`` is a percentage, ``flat_fee`` charged once any amount falls in the tier.
    """

    up_to: Decimal | None = attrs.field(converter=_bound)
    rate: Decimal = attrs.field(converter=_percent)
    flat_fee: Money | None = attrs.field(default=None, converter=_optional_money)

    def __repr__(self) -> str:
        up_to = "None" if self.up_to is None else repr(str(self.up_to))
        fee = f", flat_fee={self.flat_fee!r}" if self.flat_fee is not None else ""
        return f"PercentTier(up_to={up_to}, rate={str(self.rate)!r}{fee})"


def _check_ladder(model: str, bounds: list[Decimal | None]) -> None:
    """Tiers ascend from zero, each from where the previous ends; only the last is open."""
    if not bounds:
        raise InvalidTiers(model, index=None, value=(), reason="give at least one tier")
    if len(bounds) > MAX_TIERS:
        raise InvalidTiers(
            model, index=None, value=len(bounds), reason=f"give at most {MAX_TIERS} tiers"
        )
    last = len(bounds) - 1
    below = _ZERO
    for index, up_to in enumerate(bounds):
        if up_to is None:
            if index != last:
                raise InvalidTiers(
                    model, index=index, value=None, reason="only the last tier is open-ended"
                )
            return
        if index == last:
            raise InvalidTiers(
                model, index=index, value=up_to, reason="the last tier is open-ended: up_to=None"
            )
        if up_to <= below:
            raise InvalidTiers(
                model,
                index=index,
                value=up_to,
                reason=f"tiers ascend: this one starts at {below} and must end above it",
            )
        below = up_to


def _few(value: object, model: str) -> object:
    """A list of tiers longer than :data:`MAX_TIERS` is refused before it is read."""
    if isinstance(value, list | tuple) and len(value) > MAX_TIERS:
        raise InvalidTiers(
            model, index=None, value=len(value), reason=f"give at most {MAX_TIERS} tiers"
        )
    return value


def _graduated_tiers(value: object) -> tuple[Tier, ...]:
    return to_tuple(_few(value, "graduated"), Tier, "tiers")


def _volume_tiers(value: object) -> tuple[Tier, ...]:
    return to_tuple(_few(value, "volume"), Tier, "tiers")


def _percent_tiers(value: object) -> tuple[PercentTier, ...]:
    return to_tuple(_few(value, "graduated percentage"), PercentTier, "tiers")


def _check_tiers(model: str, tiers: tuple[Tier, ...]) -> None:
    _check_ladder(model, [tier.up_to for tier in tiers])
    currency = tiers[0].unit_price.currency
    for tier in tiers:
        _check_price(model, "unit_price", tier.unit_price, currency)
        if tier.flat_fee is not None:
            _check_whole(model, "flat_fee", tier.flat_fee, currency)


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class PerUnit(UsageModel):
    """Each unit at ``unit_price``: quantity x unit price."""

    name: ClassVar[str] = "per unit"

    unit_price: Money = attrs.field(converter=_price)

    def __attrs_post_init__(self) -> None:
        _check_price(self.name, "unit_price", self.unit_price, self.unit_price.currency)
        self._check_bounds()

    @property
    def currency(self) -> moneyed.Currency:
        """The currency of the unit price."""
        return self.unit_price.currency

    def _steps(self, usage: Usage) -> list[RatingStep]:
        return [_step(StepKind.UNITS, usage.quantity, self.unit_price, "units")]


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class GraduatedTiers(UsageModel):
    """Each tier prices its own units: the charge is the sum of the tiers' steps.

    A tier covers the quantities above the previous tier's ``up_to`` up to and including
    its own; its flat fee is charged once any quantity falls in it.
    """

    name: ClassVar[str] = "graduated"

    tiers: tuple[Tier, ...] = attrs.field(converter=_graduated_tiers)

    def __attrs_post_init__(self) -> None:
        _check_tiers(self.name, self.tiers)
        self._check_bounds()

    @property
    def currency(self) -> moneyed.Currency:
        """The currency of the tiers' prices."""
        return self.tiers[0].unit_price.currency

    def _steps(self, usage: Usage) -> list[RatingStep]:
        return _graduated(
            usage.quantity,
            [(t.up_to, t.unit_price, t.flat_fee, "units") for t in self.tiers],
            StepKind.UNITS,
        )


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class VolumeTiers(UsageModel):
    """The tier the whole quantity reaches prices every unit (plus its flat fee).

    The tier reached is the first whose ``up_to`` is at least the quantity: a quantity
    exactly at a boundary stays in the lower tier. Zero usage reaches no tier: it costs
    nothing, flat fees included. A charge can fall when usage crosses a boundary.
    """

    name: ClassVar[str] = "volume"

    tiers: tuple[Tier, ...] = attrs.field(converter=_volume_tiers)

    def __attrs_post_init__(self) -> None:
        _check_tiers(self.name, self.tiers)
        self._check_bounds()

    @property
    def currency(self) -> moneyed.Currency:
        """The currency of the tiers' prices."""
        return self.tiers[0].unit_price.currency

    def reached(self, quantity: object) -> int:
        """The index of the tier ``quantity`` reaches (``0`` for zero usage).

        >>> from ordercore.money import Money
        >>> volume = VolumeTiers(tiers=[Tier(up_to="5", unit_price=Money("7", "USD")),
        ...                             Tier(up_to=None, unit_price=Money("6.50", "USD"))])
        >>> volume.reached("5"), volume.reached("5.000001")
        (0, 1)
        """
        units = _quantity(quantity)
        for index, tier in enumerate(self.tiers):
            if tier.up_to is None or units <= tier.up_to:
                return index
        raise AssertionError("unreachable: the last tier is open-ended")  # pragma: no cover

    def _steps(self, usage: Usage) -> list[RatingStep]:
        units = usage.quantity
        index = self.reached(units)
        tier = self.tiers[index]
        label = f"tier {index + 1} ({_range(self.tiers, index)}) reached: all units"
        steps = [_step(StepKind.UNITS, units, tier.unit_price, label, tier=index + 1)]
        if tier.flat_fee is not None and units > 0:
            steps.append(
                _step(
                    StepKind.FLAT_FEE, _ONE, tier.flat_fee, f"tier {index + 1} flat fee", index + 1
                )
            )
        return steps


def _range(tiers: tuple[Tier, ...] | tuple[PercentTier, ...], index: int) -> str:
    start = _ZERO if index == 0 else tiers[index - 1].up_to
    end = tiers[index].up_to
    return f"above {start}" if end is None else f"{start} to {end}"


def _size(value: object) -> Decimal:
    return to_decimal(value, field="size")


def _free_units(value: object) -> Decimal:
    return to_decimal(value, field="free_units")


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Package(UsageModel):
    """A ``price`` per started package of ``size`` units, after ``free_units``.

    The charge is ceil((quantity - free units) / size) x price: 201 units in packages of
    100 with 100 free units is 2 packages. Fractional quantities start a package too.
    """

    name: ClassVar[str] = "package"

    size: Decimal = attrs.field(converter=_size)
    price: Money = attrs.field(converter=_price)
    free_units: Decimal = attrs.field(default=_ZERO, converter=_free_units)

    def __attrs_post_init__(self) -> None:
        for field, value in (("size", self.size), ("free_units", self.free_units)):
            if decimal_places(value) > QUANTITY_PLACES:
                raise _model_error(
                    self.name, field, value, f"a quantity has at most {QUANTITY_PLACES} places"
                )
        if self.size <= 0:
            raise _model_error(self.name, "size", self.size, "a package holds more than 0 units")
        if self.free_units < 0:
            raise _model_error(self.name, "free_units", self.free_units, "free units are 0 or more")
        _check_whole(self.name, "price", self.price, self.price.currency)
        self._check_bounds()

    @property
    def currency(self) -> moneyed.Currency:
        """The currency of the package price."""
        return self.price.currency

    def packages(self, quantity: object) -> int:
        """How many packages ``quantity`` starts, after the free units.

        >>> from ordercore.money import Money
        >>> Package(size="100", price=Money("5.00", "USD"), free_units="100").packages("201")
        2
        """
        billed = max(_ZERO, CONTEXT.subtract(_quantity(quantity), self.free_units))
        numerator = int(billed.scaleb(QUANTITY_PLACES, CONTEXT))
        denominator = int(self.size.scaleb(QUANTITY_PLACES, CONTEXT))
        return -(-numerator // denominator)

    def _steps(self, usage: Usage) -> list[RatingStep]:
        units = usage.quantity
        steps: list[RatingStep] = []
        if self.free_units:
            free = min(units, self.free_units)
            zero = _padded(_ZERO, self.currency)
            steps.append(_step(StepKind.FREE, free, zero, f"free units (first {self.free_units})"))
        billed = max(_ZERO, CONTEXT.subtract(units, self.free_units))
        label = f"started packages of {self.size} units ({billed} units billed)"
        steps.append(_step(StepKind.PACKAGE, Decimal(self.packages(units)), self.price, label))
        return steps


def _currency(value: object) -> moneyed.Currency:
    return get_currency(value)


def _free_transactions(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="an int", field="free_transactions")
    if not 0 <= value < _LIMIT:
        raise _model_error(
            "percentage", "free_transactions", value, "between 0 and 10**15 transactions"
        )
    return value


def _transaction_base(model: UsageModel, usage: Usage) -> Money:
    amount = usage.amount
    if amount is None:
        raise InvalidUsage(
            usage,
            reason=f"a {model.name} charge rates transaction amounts: give the records amounts",
            field="amount",
        )
    if amount.currency != model.currency:
        raise CurrencyMismatch(model.currency.code, amount.currency.code, operation="rate")
    return amount


def _rate_price(rate: Decimal, currency: moneyed.Currency) -> Money:
    """A percentage as a price per unit of the currency (2.9 percent: EUR 0.029)."""
    return Money._exact(rate.scaleb(-2, CONTEXT), currency)


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Percentage(UsageModel):
    """``rate`` percent of the transaction amounts, plus ``fixed_fee`` per transaction.

    ``free_amount`` of the period's transaction amount pays no percentage;
    ``free_transactions`` transactions pay no fixed fee. The two allowances are separate:
    the charge is rate x max(0, amount - free amount) + fee x max(0, transactions - free).
    """

    name: ClassVar[str] = "percentage"

    currency: moneyed.Currency = attrs.field(converter=_currency)
    rate: Decimal = attrs.field(converter=_percent)
    fixed_fee: Money | None = attrs.field(default=None, converter=_optional_money)
    free_transactions: int = attrs.field(default=0, converter=_free_transactions)
    free_amount: Money | None = attrs.field(default=None, converter=_optional_money)

    def __attrs_post_init__(self) -> None:
        _check_rate(self.name, "rate", self.rate)
        if self.fixed_fee is not None:
            _check_whole(self.name, "fixed_fee", self.fixed_fee, self.currency)
        elif self.free_transactions:
            raise _model_error(
                self.name,
                "free_transactions",
                self.free_transactions,
                "free transactions waive the fixed fee: give a fixed_fee, or no free transactions",
            )
        if self.free_amount is not None:
            _check_whole(self.name, "free_amount", self.free_amount, self.currency)
        self._check_bounds()

    def _steps(self, usage: Usage) -> list[RatingStep]:
        base = _transaction_base(self, usage).amount
        currency = self.currency
        zero = _padded(_ZERO, currency)
        steps: list[RatingStep] = []
        if self.free_amount is not None:
            free = min(base, self.free_amount.amount)
            steps.append(
                _step(
                    StepKind.FREE,
                    free,
                    zero,
                    f"free amount (first {_padded(self.free_amount.amount, currency)})",
                )
            )
            base = CONTEXT.subtract(base, free)
        price = _rate_price(self.rate, currency)
        steps.append(_step(StepKind.PERCENT, base, price, f"{self.rate}% of transactions"))
        if self.fixed_fee is not None:
            count = Decimal(usage.transactions)
            if self.free_transactions:
                free = min(count, Decimal(self.free_transactions))
                label = f"free transactions (first {self.free_transactions})"
                steps.append(_step(StepKind.FREE, free, zero, label))
                count = CONTEXT.subtract(count, free)
            steps.append(
                _step(StepKind.FIXED_FEE, count, self.fixed_fee, "fixed fee per transaction")
            )
        return steps


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class GraduatedPercentage(UsageModel):
    """Percentage tiers over the period's transaction amount, each tier its own rate.

    Like :class:`GraduatedTiers`, with currency units for units: the amount up to the
    first ``up_to`` pays the first rate, the amount above it the next, and so on; a
    tier's flat fee is charged once any amount falls in it.
    """

    name: ClassVar[str] = "graduated percentage"

    currency: moneyed.Currency = attrs.field(converter=_currency)
    tiers: tuple[PercentTier, ...] = attrs.field(converter=_percent_tiers)

    def __attrs_post_init__(self) -> None:
        _check_ladder(self.name, [tier.up_to for tier in self.tiers])
        for tier in self.tiers:
            _check_rate(self.name, "rate", tier.rate)
            if tier.flat_fee is not None:
                _check_whole(self.name, "flat_fee", tier.flat_fee, self.currency)
        self._check_bounds()

    def _steps(self, usage: Usage) -> list[RatingStep]:
        base = _transaction_base(self, usage).amount
        currency = self.currency
        prices = [
            (t.up_to, _rate_price(t.rate, currency), t.flat_fee, f"{t.rate}% of transactions")
            for t in self.tiers
        ]
        return _graduated(base, prices, StepKind.PERCENT)


def _graduated(
    units: Decimal,
    tiers: list[tuple[Decimal | None, Money, Money | None, str]],
    kind: StepKind,
) -> list[RatingStep]:
    """The steps of graduated tiers: each tier prices the units that fall in it."""
    steps = []
    below = _ZERO
    for index, (up_to, price, flat_fee, what) in enumerate(tiers):
        top = units if up_to is None else min(units, up_to)
        inside = CONTEXT.subtract(top, below)
        span = f"above {below}" if up_to is None else f"{below} to {up_to}"
        number = index + 1
        steps.append(_step(kind, inside, price, f"tier {number} ({span}): {what}", number))
        if flat_fee is not None and inside > 0:
            steps.append(
                _step(StepKind.FLAT_FEE, _ONE, flat_fee, f"tier {number} flat fee", number)
            )
        if up_to is None or units <= up_to:
            break
        below = up_to
    return steps


# -- rating -------------------------------------------------------------------------------


class StepKind(enum.Enum):
    """What a step of a rated charge prices."""

    UNITS = "units"  #: units at a unit price (per unit, or a tier's units)
    FLAT_FEE = "flat_fee"  #: a tier's flat fee
    FREE = "free"  #: units, an amount or transactions given free
    PACKAGE = "package"  #: started packages at the package price
    PERCENT = "percent"  #: a percentage of transaction amounts
    FIXED_FEE = "fixed_fee"  #: a fixed fee per transaction
    MINIMUM = "minimum"  #: the true-up to the period's minimum
    MAXIMUM = "maximum"  #: the cap at the period's maximum (negative)

    def __repr__(self) -> str:
        return f"StepKind.{self.name}"


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class RatingStep:
    """One step of a rated charge: ``quantity`` x ``unit_price`` = ``amount``, exactly.

    ``amount`` is not rounded (it may carry more places than the currency). For a
    percentage ``quantity`` is the amount it applies to and ``unit_price`` the rate per
    unit of the currency (2.9 percent: 0.029). ``tier`` is the tier's number (from 1), or
    ``None``; ``label`` says in words what the step prices. Made by :func:`rate` only.
    """

    kind: StepKind
    label: str
    quantity: Decimal
    unit_price: Money
    amount: Money
    tier: int | None = None

    @property
    def text(self) -> str:
        """The step in one phrase, locale-free: ``"tier 2 (...): 9000 x EUR 0.10 = EUR 900.00"``."""
        if self.kind in (StepKind.MINIMUM, StepKind.MAXIMUM, StepKind.FLAT_FEE):
            return f"{self.label} {self.amount}"
        return f"{self.label}: {self.quantity} x {self.unit_price} = {self.amount}"

    def __repr__(self) -> str:
        return (
            f"RatingStep(kind={self.kind!r}, quantity={str(self.quantity)!r}, "
            f"unit_price={self.unit_price!r}, amount={self.amount!r})"
        )


def _step(
    kind: StepKind, quantity: Decimal, unit_price: Money, label: str, tier: int | None = None
) -> RatingStep:
    amount = CONTEXT.multiply(quantity, unit_price.amount)
    if amount.copy_abs() >= _LIMIT:
        raise NumberOutOfRange(
            amount,
            limit=_LIMIT,
            reason=f"the step {label!r} comes to {quantity} x {unit_price}, not below "
            f"10**{MAX_INTEGER_DIGITS}; rate less usage at a time",
            field="amount",
        )
    return RatingStep(
        kind=kind,
        label=label,
        quantity=quantity,
        unit_price=unit_price,
        amount=_padded(amount, unit_price.currency),
        tier=tier,
    )


@functools.lru_cache(maxsize=64)
def _minor(code: str) -> tuple[Decimal, int]:
    """A currency's quantum and precision (looked up once per currency)."""
    return quantum(code), precision(code)


def _padded(amount: Decimal, currency: moneyed.Currency) -> Money:
    """``amount`` unchanged, written in the currency's places when it is whole (5 as 5.00)."""
    whole = amount.quantize(_minor(currency.code)[0], context=CONTEXT)
    return Money._exact(whole if whole == amount else amount, currency)


def _whole(amount: Decimal, currency: moneyed.Currency) -> bool:
    """Whether ``amount`` is a whole number of the currency's minor units."""
    return amount == amount.quantize(_minor(currency.code)[0], context=CONTEXT)


def _description(value: object) -> str:
    return _name(value, "description")


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class RatedCharge:
    """What a charge model makes of a period's usage, and how (made by :func:`rate`).

    ``steps`` are the model's exact steps and ``subtotal`` their exact sum; ``rounded`` is
    the subtotal rounded once with ``rounding``; ``bound`` is the step that trues it up to
    the minimum or caps it at the maximum (``None`` when neither applies); ``amount`` is
    the charge: rounded + bound, exact Money in the currency. :attr:`explanation` says it
    all in one message, :meth:`lines` turns it into pricing lines.
    """

    description: str
    model: UsageModel
    usage: Usage
    steps: tuple[RatingStep, ...]
    subtotal: Money
    rounding: RoundingMode
    rounded: Money
    bound: RatingStep | None
    amount: Money

    @property
    def currency(self) -> moneyed.Currency:
        """The charge's currency (its model's)."""
        return self.amount.currency

    @property
    def explanation(self) -> str:
        """The whole computation in one line of text that support can paste, locale-free."""
        usage = self.usage
        head = (
            f"{self.description}, {usage.start.isoformat()} to {usage.end.isoformat()}: "
            f"{self.model.name} charge on {_what(self.model, usage)}"
        )
        parts = [step.text for step in self.steps]
        mode = self.rounding.name.lower().replace("_", "-")
        tail = f"exact {self.subtotal}, rounded once ({mode}) to {self.rounded}"
        if self.bound is not None:
            tail += f"; {self.bound.text}"
        return f"{head}: {'; '.join(parts)}; {tail}; charge {self.amount}."

    def __str__(self) -> str:
        return self.explanation

    def __repr__(self) -> str:
        return (
            f"RatedCharge(description={self.description!r}, model={self.model.name!r}, "
            f"quantity={str(self.usage.quantity)!r}, amount={self.amount!r})"
        )

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(step.label)}</td><td>{step.quantity}</td>"
            f"<td>{html.escape(str(step.unit_price))}</td>"
            f"<td>{html.escape(str(step.amount))}</td></tr>"
            for step in (*self.steps, *(() if self.bound is None else (self.bound,)))
        )
        return (
            f"<table><caption>{html.escape(self.description)}: {html.escape(str(self.amount))}"
            "</caption><tr><th>step</th><th>quantity</th><th>unit price</th><th>amount</th></tr>"
            f"{cells}</table>"
        )

    @exact
    def lines(
        self,
        *,
        taxes: Iterable[Tax] = (),
        kind: LineKind = LineKind.SERVICE,
        product: str | None = None,
    ) -> tuple[Line, ...]:
        """Pricing lines, one per step, that the pricing engine prices to exactly ``amount``.

        A step whose exact amount is in whole minor units becomes the line ``quantity`` x
        ``unit_price``. The other steps share the rounded rest of the charge by largest
        remainder (:func:`~ordercore.money.allocate`), and each becomes a line of its
        quantity priced at its share per that quantity (``base_quantity``), so it prices to
        its share under any rounding mode. The minimum's true-up is a line of quantity 1,
        the maximum's cap a line of quantity -1. ``taxes`` (never included in the price:
        the engine adds them to the rated amount) apply to every line.
        """
        tax_list: tuple[Tax, ...] = to_tuple(
            list(taxes) if not isinstance(taxes, list | tuple) else taxes, Tax, "taxes"
        )
        for tax in tax_list:
            if tax.included:
                raise InvalidTax(
                    tax.name,
                    reason="a rated charge is an amount before taxes: give taxes added to it",
                    field="included",
                )
        step_q = quantum(self.currency)
        inexact = [
            index
            for index, step in enumerate(self.steps)
            if not _whole(step.amount.amount, self.currency)
        ]
        shares: dict[int, Decimal] = {}
        if inexact:
            whole = sum(
                (s.amount.amount for i, s in enumerate(self.steps) if i not in inexact), _ZERO
            )
            rest = CONTEXT.subtract(self.rounded.amount, whole)
            if len(inexact) == 1:  # the one inexact step takes all the rest
                shares = {inexact[0]: rest}
            else:
                parts = allocate(rest, [self.steps[i].amount.amount for i in inexact], step_q)
                shares = dict(zip(inexact, parts, strict=True))
        made = []
        for index, step in enumerate(self.steps):
            text = f"{self.description}: {step.text}"
            if index in shares:
                share = shares[index]
                text += f" (charge rounded once: {Money._exact(share, self.currency)})"
                made.append(
                    Line(
                        description=text,
                        quantity=step.quantity,
                        unit_price=Money._exact(share, self.currency),
                        base_quantity=step.quantity,
                        taxes=tax_list,
                        kind=kind,
                        product=product,
                    )
                )
            else:
                made.append(
                    Line(
                        description=text,
                        quantity=step.quantity,
                        unit_price=step.unit_price,
                        taxes=tax_list,
                        kind=kind,
                        product=product,
                    )
                )
        if self.bound is not None:
            amount = self.bound.amount
            made.append(
                Line(
                    description=f"{self.description}: {self.bound.text}",
                    quantity=_ONE if amount.amount >= 0 else -_ONE,
                    unit_price=abs(amount),
                    taxes=tax_list,
                    kind=kind,
                    product=product,
                )
            )
        return tuple(made)


def _what(model: UsageModel, usage: Usage) -> str:
    if isinstance(model, Percentage | GraduatedPercentage):
        return f"{usage.amount} in {usage.transactions} transactions"
    return f"{usage.quantity} units ({usage.aggregation.value} of {usage.metric})"


@exact
def rate(
    model: UsageModel,
    usage: Usage,
    *,
    description: str | None = None,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> RatedCharge:
    """Rate ``usage`` with ``model``: exact steps, rounded once, then bounded.

    ``description`` names the charge on its lines and in its explanation (default: the
    usage's metric). The steps are exact; their sum is rounded once with ``rounding``
    (half-up by default) to the currency's minor unit; then a minimum trues it up or a
    maximum caps it.

    >>> import datetime as dt
    >>> from ordercore.money import Money
    >>> usage = Usage(metric="sms", start=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    ...               end=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), quantity="333")
    >>> charge = rate(PerUnit(unit_price=Money("0.0125", "EUR"), minimum=Money("5.00", "EUR")),
    ...               usage, description="Text messages")
    >>> charge.subtotal, charge.amount
    (Money('4.1625', 'EUR'), Money('5.00', 'EUR'))
    >>> print(charge)
    Text messages, 2026-11-01T00:00:00+00:00 to 2026-12-01T00:00:00+00:00: per unit charge on
    333 units (sum of sms): units: 333 x EUR 0.0125 = EUR 4.1625; exact EUR 4.1625, rounded
    once (half-up) to EUR 4.16; minimum EUR 5.00: true-up EUR 0.84; charge EUR 5.00.
    """
    if not isinstance(model, UsageModel) or type(model) is UsageModel:
        raise InvalidType(model, expected="a usage charge model, such as PerUnit", field="model")
    if not isinstance(usage, Usage):
        raise InvalidType(usage, expected="a Usage", field="usage")
    if not isinstance(rounding, RoundingMode):
        raise InvalidType(rounding, expected="a RoundingMode", field="rounding")
    text = usage.metric if description is None else _description(description)
    currency = model.currency
    steps = tuple(model._steps(usage))
    exact_sum = sum((step.amount.amount for step in steps), _ZERO)
    if exact_sum >= _LIMIT:
        raise NumberOutOfRange(
            exact_sum,
            limit=_LIMIT,
            reason=f"a rated charge must be below 10**{MAX_INTEGER_DIGITS}",
            field="amount",
        )
    rounded = round_to(exact_sum, _minor(currency.code)[0], rounding)
    bound = None
    low, high = model.minimum, model.maximum
    if low is not None and rounded < low.amount:
        gap = _padded(CONTEXT.subtract(low.amount, rounded), currency)
        bound = RatingStep(
            kind=StepKind.MINIMUM,
            label=f"minimum {_padded(low.amount, currency)}: true-up",
            quantity=_ONE,
            unit_price=gap,
            amount=gap,
        )
    elif high is not None and rounded > high.amount:
        cap = _padded(CONTEXT.subtract(high.amount, rounded), currency)
        bound = RatingStep(
            kind=StepKind.MAXIMUM,
            label=f"maximum {_padded(high.amount, currency)}: cap",
            quantity=-_ONE,
            unit_price=abs(cap),
            amount=cap,
        )
    total = (
        rounded
        if bound is None
        else _padded(CONTEXT.add(rounded, bound.amount.amount), currency).amount
    )
    return RatedCharge(
        description=text,
        model=model,
        usage=usage,
        steps=steps,
        subtotal=Money._exact(exact_sum, currency),
        rounding=rounding,
        rounded=Money._exact(rounded, currency),
        bound=bound,
        amount=Money._exact(total, currency),
    )


# -- meters -------------------------------------------------------------------------------


def _model(value: object) -> UsageModel:
    if not isinstance(value, UsageModel) or type(value) is UsageModel:
        raise InvalidType(value, expected="a usage charge model, such as PerUnit", field="model")
    return value


def _optional_description(value: object) -> str | None:
    return None if value is None else _description(value)


def _meter_taxes(value: object) -> tuple[Tax, ...]:
    taxes: tuple[Tax, ...] = to_tuple(
        list(value)
        if isinstance(value, Iterable) and not isinstance(value, list | tuple)
        else value,
        Tax,
        "taxes",
    )
    for tax in taxes:
        if tax.included:
            raise InvalidTax(
                tax.name,
                reason="a rated charge is an amount before taxes: give taxes added to it",
                field="included",
            )
    return taxes


def _rounding(value: object) -> RoundingMode:
    return check_instance(value, RoundingMode, "rounding")


@pickled_as_tuple
@attrs.frozen(kw_only=True, repr=False)
class Meter:
    """A usage charge of a subscription: ``metric`` rated by ``model`` for each period.

    ``key`` names the charge among the subscription's items and on its invoices;
    ``description`` names it on the lines (default: the metric); ``aggregation`` says how
    the period's records make its quantity; ``taxes`` (added to the rated amount, never
    included in it) apply to its lines; ``rounding`` rounds the rated amount once.
    """

    key: str = attrs.field(converter=_metric)
    metric: str = attrs.field(converter=_metric)
    model: UsageModel = attrs.field(converter=_model)
    description: str | None = attrs.field(default=None, converter=_optional_description)
    aggregation: Aggregation = attrs.field(default=Aggregation.SUM, converter=_aggregation)
    taxes: tuple[Tax, ...] = attrs.field(default=(), converter=_meter_taxes)
    rounding: RoundingMode = attrs.field(default=RoundingMode.HALF_UP, converter=_rounding)

    @property
    def currency(self) -> moneyed.Currency:
        """The currency its model charges in."""
        return self.model.currency

    def rate(
        self, records: Iterable[UsageRecord], *, start: dt.datetime, end: dt.datetime
    ) -> RatedCharge:
        """Rate the records of its metric from ``start`` (included) to ``end`` (excluded)."""
        usage = Usage.of(
            records, metric=self.metric, start=start, end=end, aggregation=self.aggregation
        )
        return rate(
            self.model,
            usage,
            description=self.description if self.description is not None else self.key,
            rounding=self.rounding,
        )

    def lines(self, charge: RatedCharge) -> tuple[Line, ...]:
        """The pricing lines of ``charge`` (rated by this meter), with the meter's taxes."""
        return charge.lines(taxes=self.taxes)

    def __repr__(self) -> str:
        return (
            f"Meter(key={self.key!r}, metric={self.metric!r}, model={self.model.name!r}, "
            f"aggregation={self.aggregation!r})"
        )
