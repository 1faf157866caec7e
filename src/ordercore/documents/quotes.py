"""Quotes: versioned drafts whose every revision says what changed.

A quote's lines are :class:`QuoteLine` s: a pricing :class:`~ordercore.pricing.Line` with a
``key`` that identifies it from one version to the next, and the name of the section
(group) it sits in. Revising a quote gives a new version and a :class:`Delta` that lists
the lines added, the lines removed and, field by field, what changed in the others, with
the old and the new values; applying the delta to the old content gives the new one.

A quote moves through its states as separate types: a :class:`DraftQuote` can be revised
and sent; a :class:`SentQuote` can be accepted (the deal is won), declined, revised into a
new draft, or expire after its validity date; :class:`AcceptedQuote`,
:class:`DeclinedQuote` and :class:`ExpiredQuote` have no method that changes them.

>>> import datetime as dt
>>> from ordercore import Line, Money, Request, Tax
>>> vat = Tax.percent("VAT", "20")
>>> def request(key):
...     return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
...                    business_date=dt.date(2026, 11, 23))
>>> def chairs(quantity):
...     return QuoteLine(key="chairs", line=Line(description="Chair", quantity=quantity,
...                      unit_price=Money("49.00", "EUR"), taxes=[vat]))
>>> first = QuoteContent(currency="EUR", lines=[chairs("10")])
>>> draft = DraftQuote.create(id="q-1", customer="acme", content=first,
...                           valid_until=dt.date(2026, 12, 31), request=request("r1")).document
>>> revised = draft.revise(QuoteContent(currency="EUR", lines=[chairs("12")]), request=request("r2"))
>>> revised.document.version, revised.events[0].delta.changed
(2, (LineChange(key='chairs', field='quantity', old=Decimal('10'), new=Decimal('12')),))
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn, TypeVar

import attrs

from ordercore._convert import to_optional_text, to_text, to_tuple
from ordercore.documents import _fields as fields
from ordercore.documents import _ordering as ordering
from ordercore.documents import display
from ordercore.documents.invoices import Changed
from ordercore.documents.ordering import LinePolicies
from ordercore.documents.sales_orders import InvoicingPolicy, SalesOrder
from ordercore.errors import (
    DeltaDoesNotApply,
    DocumentWithoutLines,
    DuplicateLineKey,
    EmptyRevision,
    InvalidType,
    QuoteLineNotOrderable,
    QuoteNotAccepted,
    QuoteNotExpired,
    QuoteNotSent,
    QuotePastValidity,
    UnknownQuoteLine,
    excerpt,
)
from ordercore.events import Event, Request
from ordercore.money.currency import get_currency
from ordercore.pricing.document import Allowance, Charge, Document, Group, Policy
from ordercore.pricing.engine import price
from ordercore.pricing.lines import Line
from ordercore.pricing.results import PricedDocument

__all__ = [
    "AcceptedQuote",
    "DeclinedQuote",
    "Delta",
    "DraftQuote",
    "ExpiredQuote",
    "LineChange",
    "QuoteAccepted",
    "QuoteContent",
    "QuoteCreated",
    "QuoteDeclined",
    "QuoteExpired",
    "QuoteLine",
    "QuoteRevised",
    "QuoteSent",
    "SentQuote",
    "SettingChange",
    "ValidityChange",
]

#: The fields of a line that a delta compares, in this order.
LINE_FIELDS = (
    "group",
    "description",
    "product",
    "kind",
    "quantity",
    "unit_price",
    "base_quantity",
    "price_discount",
    "discounts",
    "taxes",
    "price_source",
    "stacking",
)
#: The settings of a quote's content that a delta compares.
SETTINGS = ("currency", "allowances", "charges", "policy")


def _key(value: object) -> str:
    return to_text(value, "key")


def _line(value: object) -> Line:
    if not isinstance(value, Line):
        raise InvalidType(value, expected="a pricing Line", field="line")
    return value


def _group(value: object) -> str | None:
    return to_optional_text(value, "group")


@attrs.frozen(kw_only=True)
class QuoteLine:
    """A line of a quote: a pricing line, the key that follows it across versions, its section."""

    key: str = attrs.field(converter=_key)
    line: Line = attrs.field(converter=_line)
    group: str | None = attrs.field(default=None, converter=_group)

    def field(self, name: str) -> object:
        """The value of one of :data:`LINE_FIELDS`."""
        return self.group if name == "group" else getattr(self.line, name)


def _lines(value: object) -> tuple[QuoteLine, ...]:
    lines: tuple[QuoteLine, ...] = to_tuple(value, QuoteLine, "lines")
    keys = [line.key for line in lines]
    duplicate = next((key for key in keys if keys.count(key) > 1), None)
    if duplicate is not None:
        raise DuplicateLineKey(duplicate)
    return lines


def _allowances(value: object) -> tuple[Allowance, ...]:
    return to_tuple(value, Allowance, "allowances")


def _charges(value: object) -> tuple[Charge, ...]:
    return to_tuple(value, Charge, "charges")


def _currency_code(value: object) -> str:
    return str(get_currency(value).code)


def _policy(value: object) -> Policy:
    if not isinstance(value, Policy):
        raise InvalidType(value, expected="a Policy", field="policy")
    return value


@attrs.frozen(kw_only=True)
class QuoteContent:
    """What a quote offers: keyed lines in sections, document allowances and charges, a policy.

    :meth:`document` turns it into the pricing document: lines without a section first
    stand alone, lines of a section are grouped where the section first appears.
    """

    currency: str = attrs.field(converter=_currency_code)
    lines: tuple[QuoteLine, ...] = attrs.field(converter=_lines)
    allowances: tuple[Allowance, ...] = attrs.field(default=(), converter=_allowances)
    charges: tuple[Charge, ...] = attrs.field(default=(), converter=_charges)
    policy: Policy = attrs.field(factory=Policy, converter=_policy)

    def __attrs_post_init__(self) -> None:
        self.document()  # a content that cannot be priced is refused when it is made

    def line_keys(self) -> tuple[str, ...]:
        """The keys of the lines in the order of :meth:`document`'s lines (groups included)."""
        alone: list[str | list[str]] = []
        sections: dict[str, list[str]] = {}
        for quote_line in self.lines:
            if quote_line.group is None:
                alone.append(quote_line.key)
            elif quote_line.group in sections:
                sections[quote_line.group].append(quote_line.key)
            else:
                sections[quote_line.group] = [quote_line.key]
                alone.append(sections[quote_line.group])
        return tuple(
            key for entry in alone for key in (entry if isinstance(entry, list) else [entry])
        )

    def document(self) -> Document:
        """The pricing document of this content."""
        order: list[Line | str] = []  # a line standing alone, or the name of a section
        sections: dict[str, list[Line]] = {}
        for quote_line in self.lines:
            if quote_line.group is None:
                order.append(quote_line.line)
                continue
            if quote_line.group not in sections:
                sections[quote_line.group] = []
                order.append(quote_line.group)
            sections[quote_line.group].append(quote_line.line)
        items = [
            Group(name=entry, lines=sections[entry]) if isinstance(entry, str) else entry
            for entry in order
        ]
        return Document(
            currency=self.currency,
            items=[
                Group(name=item.name, lines=sections[item.name])
                if isinstance(item, Group)
                else item
                for item in items
            ],
            allowances=self.allowances,
            charges=self.charges,
            policy=self.policy,
        )

    def line(self, key: str) -> QuoteLine:
        """The line with ``key``."""
        for quote_line in self.lines:
            if quote_line.key == key:
                return quote_line
        raise UnknownQuoteLine(key)


@attrs.frozen(kw_only=True)
class LineChange:
    """One field of one line changed between two versions."""

    key: str
    field: str
    old: Any
    new: Any


@attrs.frozen(kw_only=True)
class SettingChange:
    """A setting of the content (currency, allowances, charges, policy) changed."""

    setting: str
    old: Any
    new: Any


@attrs.frozen(kw_only=True)
class Delta:
    """What changed from one version of a quote's content to the next.

    ``order`` lists the keys of the new version's lines in their order; ``reordered``
    says whether the lines both versions have changed places (moving a line is a change,
    even if nothing else is).
    """

    added: tuple[QuoteLine, ...]
    removed: tuple[QuoteLine, ...]
    changed: tuple[LineChange, ...]
    settings: tuple[SettingChange, ...]
    order: tuple[str, ...]
    reordered: bool = False

    @classmethod
    def between(cls, old: QuoteContent, new: QuoteContent) -> Delta:
        """The delta that turns ``old`` into ``new``."""
        old, new = _content(old), _content(new)
        old_keys = {line.key for line in old.lines}
        new_keys = {line.key for line in new.lines}
        changed = tuple(
            LineChange(key=line.key, field=name, old=before.field(name), new=line.field(name))
            for line in new.lines
            if line.key in old_keys
            for before in (old.line(line.key),)
            for name in LINE_FIELDS
            if before.field(name) != line.field(name)
            or repr(before.field(name)) != repr(line.field(name))
        )
        return cls(
            added=tuple(line for line in new.lines if line.key not in old_keys),
            removed=tuple(line for line in old.lines if line.key not in new_keys),
            changed=changed,
            settings=tuple(
                SettingChange(setting=name, old=getattr(old, name), new=getattr(new, name))
                for name in SETTINGS
                if getattr(old, name) != getattr(new, name)
            ),
            order=tuple(line.key for line in new.lines),
            reordered=[line.key for line in old.lines if line.key in new_keys]
            != [line.key for line in new.lines if line.key in old_keys],
        )

    def apply(self, old: QuoteContent) -> QuoteContent:
        """Apply the delta to ``old``: the result is the version the delta was taken to.

        ``old`` must be the version the delta was taken from, as far as the delta knows
        it: the same lines (those it keeps, changes or removes, and no other), with the
        old values of what it changes, and the lines it removes as they were. Any other
        content is refused with :class:`~ordercore.errors.DeltaDoesNotApply`, which names
        the line (``key``) and the ``field`` or setting where it differs.
        """
        old = _content(old)
        self._check_taken_from(old)
        lines = {line.key: line for line in old.lines}
        for line in self.removed:
            lines.pop(line.key, None)
        for line in self.added:
            lines[line.key] = line
        fields: dict[str, dict[str, Any]] = {}
        for change in self.changed:
            fields.setdefault(change.key, {})[change.field] = change.new
        for key, new in fields.items():  # all of a line's changes at once: no half-changed line
            current = lines[key]
            group = new.pop("group", current.group)
            lines[key] = attrs.evolve(current, group=group, line=attrs.evolve(current.line, **new))
        settings = {change.setting: change.new for change in self.settings}
        return attrs.evolve(old, lines=[lines[key] for key in self.order], **settings)

    def _check_taken_from(self, old: QuoteContent) -> None:
        """Refuse ``old`` unless it is the version the delta was taken from (as it knows it)."""
        lines = {line.key: line for line in old.lines}
        added = {line.key for line in self.added}
        expected = (set(self.order) - added) | {line.key for line in self.removed}

        missing = sorted(expected - set(lines))
        if missing:
            raise DeltaDoesNotApply(reason=f"it has no line {missing[0]!r}", key=missing[0])
        already = sorted(added & set(lines))
        if already:
            raise DeltaDoesNotApply(
                reason=f"it has the line {already[0]!r} already, which the delta adds",
                key=already[0],
            )
        unknown = sorted(set(lines) - expected)
        if unknown:
            raise DeltaDoesNotApply(
                reason=f"it has the line {unknown[0]!r}, which the delta does not know",
                key=unknown[0],
            )
        for line in self.removed:
            if lines[line.key] != line:
                raise DeltaDoesNotApply(
                    reason=f"its line {line.key!r} is not the one the delta removes",
                    key=line.key,
                    found=lines[line.key],
                    expected=line,
                )
        for change in self.changed:
            value = lines[change.key].field(change.field)
            if value != change.old:
                raise DeltaDoesNotApply(
                    reason=f"line {change.key!r} has {change.field} {value!r}, "
                    f"where the delta changes {change.old!r}",
                    key=change.key,
                    field=change.field,
                    found=value,
                    expected=change.old,
                )
        for setting in self.settings:
            value = getattr(old, setting.setting)
            if value != setting.old:
                raise DeltaDoesNotApply(
                    reason=f"its {setting.setting} is {value!r}, where the delta changes "
                    f"{setting.old!r}",
                    field=setting.setting,
                    found=value,
                    expected=setting.old,
                )

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.settings or self.reordered)


# -- events ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class QuoteCreated(Event):
    """A quote was created (version 1)."""


@attrs.frozen(kw_only=True)
class ValidityChange:
    """A revision moved the date a quote is valid until from ``old`` to ``new``."""

    old: dt.date
    new: dt.date


@attrs.frozen(kw_only=True)
class QuoteRevised(Event):
    """A quote was revised; ``delta`` says what changed to make ``version``.

    ``validity`` says how the validity date changed, or is ``None`` when it did not (the
    validity is not part of the content, so the delta does not hold it).
    """

    version: int
    delta: Delta
    validity: ValidityChange | None = None


@attrs.frozen(kw_only=True)
class QuoteSent(Event):
    """A version of the quote was sent to the customer."""

    version: int


@attrs.frozen(kw_only=True)
class QuoteAccepted(Event):
    """The customer accepted the quote: the deal is won."""

    version: int


@attrs.frozen(kw_only=True)
class QuoteDeclined(Event):
    """The customer declined the quote."""

    reason: str | None


@attrs.frozen(kw_only=True)
class QuoteExpired(Event):
    """The quote's validity ended before it was accepted."""

    valid_until: dt.date


# -- states ------------------------------------------------------------------------------


def _valid_until(value: object) -> dt.date:
    return fields.date(value, "valid_until")


def _content(value: object) -> QuoteContent:
    if not isinstance(value, QuoteContent):
        raise InvalidType(value, expected="a QuoteContent", field="content")
    return value


def _offer(quote: str, content: QuoteContent) -> PricedDocument:
    """Price a quote's content, refusing what a sales order confirmed from it would refuse.

    A quote offers what an order sells: at least one line, every quantity positive, and
    no line whose net is below zero (``SalesOrder.confirm`` refuses the same, so an
    accepted quote always confirms its order).
    """
    name = f"quote {excerpt(quote)}"
    if not content.lines:
        raise DocumentWithoutLines(
            document=name, reason=f"{name} has no lines to offer; add a line"
        )
    for quote_line in content.lines:
        if quote_line.line.quantity <= 0:
            raise QuoteLineNotOrderable(
                quote=quote, key=quote_line.key, quantity=quote_line.line.quantity
            )
    priced = price(content.document())
    ordering.check_nets(priced, name)
    return priced


@attrs.frozen(kw_only=True, repr=False)
class _Quote(display.Displayable):
    """What every state of a quote holds; the content is priced once, when it is made.

    Building a quote (in any state) prices its content and refuses one a sales order
    would refuse (:func:`_offer`); the steps from one state to the next keep what was
    checked and priced (:meth:`_as`).
    """

    id: str = attrs.field(converter=fields.document_id)
    customer: str = attrs.field(converter=fields.customer)
    content: QuoteContent = attrs.field(converter=_content)
    valid_until: dt.date = attrs.field(converter=_valid_until)
    version: int = attrs.field(default=1, converter=fields.version)
    _priced: PricedDocument = attrs.field(init=False, eq=False)

    state = "quote"

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_priced", _offer(self.id, self.content))

    @property
    def priced(self) -> PricedDocument:
        """The quote's current version, priced (when it was made: it never changes)."""
        return self._priced

    def _as(self, kind: type[Q]) -> Q:
        """This quote in the state ``kind``, without checking or pricing it again."""
        quote = object.__new__(kind)
        for field in attrs.fields(_Quote):
            object.__setattr__(quote, field.name, getattr(self, field.name))
        return quote


Q = TypeVar("Q", bound=_Quote)


@attrs.frozen(kw_only=True, repr=False)
class DraftQuote(_Quote):
    """A quote being written: it can be revised (each time a new version) and sent.

    The customer answers a quote that was sent: :meth:`accept`, :meth:`decline` and
    :meth:`expire` of a draft raise :class:`~ordercore.errors.QuoteNotSent` (send it
    first).
    """

    state = "draft"

    @classmethod
    def create(
        cls,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        customer: str,
        content: QuoteContent,
        valid_until: dt.date,
        request: Request,
    ) -> Changed[DraftQuote]:
        """Start a quote at version 1.

        Its content is priced now, and refused if a sales order would refuse it: no lines
        (:class:`~ordercore.errors.DocumentWithoutLines`), a quantity that is not positive
        (:class:`~ordercore.errors.QuoteLineNotOrderable`), a line whose net is below zero.
        """
        request = fields.request(request)
        quote = cls(id=id, customer=customer, content=content, valid_until=valid_until)
        return Changed(
            document=quote,
            events=(QuoteCreated(document_id=quote.id, request=request),),
        )

    def revise(
        self, content: QuoteContent, *, request: Request, valid_until: dt.date | None = None
    ) -> Changed[DraftQuote]:
        """Replace the content, the validity date or both: a new version, and an event.

        The event carries the content's :class:`Delta` and, if ``valid_until`` moved the
        validity date, the :class:`ValidityChange`. A revision that changes neither is
        refused (:class:`~ordercore.errors.EmptyRevision`), and so is a content a sales
        order would refuse, as :meth:`create` does.
        """
        request = fields.request(request)
        delta = Delta.between(self.content, _content(content))
        until = self.valid_until if valid_until is None else _valid_until(valid_until)
        validity = (
            None if until == self.valid_until else ValidityChange(old=self.valid_until, new=until)
        )
        if not delta and validity is None:
            raise EmptyRevision(quote=self.id, version=self.version)
        revised = attrs.evolve(self, content=content, version=self.version + 1, valid_until=until)
        event = QuoteRevised(
            document_id=self.id,
            request=request,
            version=revised.version,
            delta=delta,
            validity=validity,
        )
        return Changed(document=revised, events=(event,))

    def send(self, *, request: Request) -> Changed[SentQuote]:
        """Send this version to the customer, on or before the date it is valid until.

        Past that date it is refused (:class:`~ordercore.errors.QuotePastValidity`):
        revise it with a later ``valid_until`` first.
        """
        request = fields.request(request)
        if request.business_date > self.valid_until:
            raise QuotePastValidity(
                quote=self.id,
                state=self.state,
                operation="send",
                valid_until=self.valid_until,
                on=request.business_date,
            )
        sent = self._as(SentQuote)
        event = QuoteSent(document_id=self.id, request=request, version=self.version)
        return Changed(document=sent, events=(event,))

    def accept(self, *, request: Request) -> NoReturn:
        """Refused: the customer accepts a quote that was sent; send it first."""
        fields.request(request)
        raise QuoteNotSent(quote=self.id, operation="accept")

    def decline(self, *, request: Request, reason: str | None = None) -> NoReturn:
        """Refused: the customer declines a quote that was sent; send it first."""
        fields.request(request)
        raise QuoteNotSent(quote=self.id, operation="decline")

    def expire(self, *, request: Request) -> NoReturn:
        """Refused: a quote that was never sent does not expire; send it first."""
        fields.request(request)
        raise QuoteNotSent(quote=self.id, operation="expire")

    def confirm_order(self, **_: object) -> NoReturn:
        """Refused: an order follows from an accepted quote; send it and have it accepted."""
        raise QuoteNotAccepted(quote=self.id, state=self.state)


@attrs.frozen(kw_only=True, repr=False)
class SentQuote(_Quote):
    """A quote with the customer: it is accepted, declined, revised or it expires."""

    state = "sent"

    def accept(self, *, request: Request) -> Changed[AcceptedQuote]:
        """The customer accepts on the request's business date, which must be within validity.

        Past it, :class:`~ordercore.errors.QuotePastValidity`: revise it with a later
        ``valid_until`` and send it again.
        """
        request = fields.request(request)
        if request.business_date > self.valid_until:
            raise QuotePastValidity(
                quote=self.id,
                state=self.state,
                operation="accept",
                valid_until=self.valid_until,
                on=request.business_date,
            )
        accepted = self._as(AcceptedQuote)
        event = QuoteAccepted(document_id=self.id, request=request, version=self.version)
        return Changed(document=accepted, events=(event,))

    def decline(self, *, request: Request, reason: str | None = None) -> Changed[DeclinedQuote]:
        """The customer declines."""
        declined = self._as(DeclinedQuote)
        event = QuoteDeclined(
            document_id=self.id,
            request=fields.request(request),
            reason=to_optional_text(reason, "reason"),
        )
        return Changed(document=declined, events=(event,))

    def expire(self, *, request: Request) -> Changed[ExpiredQuote]:
        """Record that the validity ended (the request's business date is past it).

        On or before the validity date, :class:`~ordercore.errors.QuoteNotExpired`.
        """
        request = fields.request(request)
        if request.business_date <= self.valid_until:
            raise QuoteNotExpired(
                quote=self.id, valid_until=self.valid_until, on=request.business_date
            )
        expired = self._as(ExpiredQuote)
        event = QuoteExpired(document_id=self.id, request=request, valid_until=self.valid_until)
        return Changed(document=expired, events=(event,))

    def revise(
        self, content: QuoteContent, *, request: Request, valid_until: dt.date | None = None
    ) -> Changed[DraftQuote]:
        """Rework the offer: a new draft version, to be sent again."""
        return self._as(DraftQuote).revise(content, request=request, valid_until=valid_until)

    def confirm_order(self, **_: object) -> NoReturn:
        """Refused: the customer has not accepted this quote yet; accept it first."""
        raise QuoteNotAccepted(quote=self.id, state=self.state)


@attrs.frozen(kw_only=True, repr=False)
class AcceptedQuote(_Quote):
    """The accepted version of a quote: the deal is won, and a sales order follows from it."""

    state = "accepted"

    def confirm_order(
        self,
        *,
        id: str,  # noqa: A002 - the document's id, named like every other id field
        number: str,
        invoicing_policy: InvoicingPolicy,
        request: Request,
        line_policies: LinePolicies | None = None,
    ) -> Changed[SalesOrder]:
        """Confirm a sales order for the customer from the accepted version's content.

        The order's lines keep the quote lines' keys: deliveries, invoices and policies
        (``line_policies``) name them by key (or by index). The order keeps the quote's
        priced content: the quote was priced and checked as an order is when it was made,
        so it is not priced again.
        """
        return SalesOrder._confirm(
            id=id,
            customer=self.customer,
            number=number,
            priced=self.priced,
            keys=self.content.line_keys(),
            invoicing_policy=invoicing_policy,
            line_policies=line_policies,
            request=fields.request(request),
        )


@attrs.frozen(kw_only=True, repr=False)
class DeclinedQuote(_Quote):
    """A quote the customer declined."""

    state = "declined"


@attrs.frozen(kw_only=True, repr=False)
class ExpiredQuote(_Quote):
    """A quote whose validity ended before it was accepted."""

    state = "expired"
