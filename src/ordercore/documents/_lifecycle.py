"""The one lifecycle of invoices and bills: draft, then issued or voided (private).

An invoice (``documents.invoices``) and a supplier's bill (``documents.bills``) go through
the same steps: a draft whose content may change, each change a new version; issuing it,
which prices it a last time and freezes it; or voiding it, which ends it unissued. The
steps, their checks and their events are written once here, in three generic bases; each
side keeps its own types, its party (``customer`` or ``supplier``), the order it may be
made from (``sales_order`` or ``purchase_order``) and its own events, which a
:class:`Kind` names.

Names on an issued document mean one thing each (docs/design.md, "Names"): ``total`` is
the total with taxes (``priced.totals.tax_inclusive``), ``amount_due`` what is payable
(``priced.totals.amount_due``: after cash rounding and what was paid in advance).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Generic, NoReturn, Self, TypeVar, cast

import attrs

from ordercore._convert import to_text, unchecked
from ordercore._fieldmeta import WHEN_SET
from ordercore.documents import _fields as fields
from ordercore.documents import display
from ordercore.errors import InvalidType, NotADraft, UnknownLineKey
from ordercore.events import Event, Request
from ordercore.money.amount import Money
from ordercore.pricing.document import Document
from ordercore.pricing.engine import price
from ordercore.pricing.results import PricedDocument
from ordercore.settlement.terms import PaymentTerm, ScheduledInstallment

__all__ = [
    "Changed",
    "Draft",
    "DraftCreated",
    "DraftRevised",
    "DraftVoided",
    "Issued",
    "IssuedEvent",
    "Kind",
    "Voided",
]

T = TypeVar("T")
IssuedT = TypeVar("IssuedT")
VoidedT = TypeVar("VoidedT")


@attrs.frozen(kw_only=True)
class Changed(Generic[T]):
    """The outcome of a state change: the new document and the events it caused."""

    document: T
    events: tuple[Event, ...]


# -- events ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DraftCreated(Event):
    """A draft was created (version 1)."""

    version: int


@attrs.frozen(kw_only=True)
class DraftRevised(Event):
    """A draft's content was replaced; ``version`` is the new version."""

    version: int


@attrs.frozen(kw_only=True)
class DraftVoided(Event):
    """A draft was voided, for ``reason``."""

    reason: str


@attrs.frozen(kw_only=True)
class IssuedEvent(Event):
    """A draft was issued under ``number``; ``installments`` is its payment-term schedule."""

    number: str
    issue_date: dt.date
    due_date: dt.date | None
    amount_due: Money
    installments: tuple[ScheduledInstallment, ...] = ()


# -- what tells the sides apart ----------------------------------------------------------


@attrs.frozen(kw_only=True)
class Kind:
    """One side's vocabulary: its name, its party and order fields, its types and events.

    ``party`` and ``order`` are the names of the fields for the party (``"customer"``)
    and for the number of the order a draft was made from (``"sales_order"``);
    ``order_name`` says what that order is (``"sales order"``).
    """

    name: str
    party: str
    order: str
    order_name: str
    issued: type[Any]
    voided: type[Any]
    created_event: type[DraftCreated]
    revised_event: type[DraftRevised]
    voided_event: type[DraftVoided]
    issued_event: type[IssuedEvent]


class _Side(display.Displayable):
    """What every state of one side shares: its :class:`Kind`, its party and order, its printing."""

    __slots__ = ()
    _kind: ClassVar[Kind]

    def _references(self) -> dict[str, object]:
        """The fields that every state carries over: party, order and the lines' keys."""
        kind = self._kind
        return {
            kind.party: getattr(self, kind.party),
            kind.order: getattr(self, kind.order),
            "line_keys": getattr(self, "line_keys", ()),
        }

    def line_key(self, index: int) -> str | None:
        """The key of line ``index`` (from 0, groups included); ``None`` when it has none.

        A document made from an order carries the key of the order line each of its lines
        bills; a line that bills none (a rounding difference, a down payment's deduction),
        or a document without keys, gives ``None``.
        """
        keys: tuple[str | None, ...] = getattr(self, "line_keys", ())
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise InvalidType(index, expected="a line index (an int from 0)", field="index")
        return keys[index] if index < len(keys) else None

    def line_index(self, key: str) -> int:
        """The index of the line keyed ``key`` (from 0, groups included).

        :class:`~ordercore.errors.UnknownLineKey` when no line carries it.
        """
        keys: tuple[str | None, ...] = getattr(self, "line_keys", ())
        key = to_text(key, "key")
        for index, each in enumerate(keys):
            if each == key:
                return index
        name = getattr(self, "number", None) or getattr(self, "id", "")
        raise UnknownLineKey(
            document=f"{display.kind(self).lower()} {name}",
            key=key,
            keys=tuple(k for k in keys if k is not None),
        )


class _Done(_Side):
    """An issued or voided document: a draft's steps say what to do instead (a mixin)."""

    __slots__ = ()
    id: str

    def _refuse(self, operation: str) -> NoReturn:
        state = getattr(self, "state", "issued")
        number = getattr(self, "number", None)
        kind = display.kind(self).lower()
        name = f"{kind} {number}" if number else f"{kind} {self.id!r}"
        raise NotADraft(document=name, state=state, operation=operation)

    def revise(self, *_: object, **__: object) -> NoReturn:
        """Refused: only a draft is revised (an issued document is credited instead)."""
        self._refuse("revise")

    def void(self, *_: object, **__: object) -> NoReturn:
        """Refused: only a draft is voided (an issued document is credited instead)."""
        self._refuse("void")

    def issue(self, *_: object, **__: object) -> NoReturn:
        """Refused: only a draft is issued."""
        self._refuse("issue")


# -- the three states --------------------------------------------------------------------


@attrs.frozen(kw_only=True, repr=False)
class Draft(_Side, Generic[IssuedT, VoidedT]):
    """A draft: its content may change, each change a new version."""

    id: str = attrs.field(converter=fields.document_id)
    content: Document = attrs.field(converter=fields.content)
    version: int = attrs.field(default=1, converter=fields.version)
    #: The key of each line (``None`` for a line without one), or none: see :meth:`line_key`.
    line_keys: tuple[str | None, ...] = attrs.field(
        default=(), converter=fields.line_keys, metadata=WHEN_SET
    )
    _priced: PricedDocument | None = attrs.field(
        init=False, default=None, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        fields.check_line_keys(
            self.line_keys, len(self.content.lines), f"{display.kind(self).lower()} {self.id!r}"
        )

    def _created(self, request: Request) -> Changed[Self]:
        """This draft, version 1, as just created."""
        event = self._kind.created_event(
            document_id=self.id, request=fields.request(request), version=self.version
        )
        return Changed(document=self, events=(event,))

    @classmethod
    def _of_order(
        cls,
        *,
        id: str,  # noqa: A002 - the document's id, as the constructor's
        party: str,
        order: str,
        priced: PricedDocument,
        line_keys: tuple[str | None, ...],
        request: Request,
    ) -> Changed[Self]:
        """A draft (version 1) an order makes of what it bills, ``priced`` its content priced.

        For the orders, which check everything else of it already: ``party`` and ``order``
        are the order's own (checked) party and number, ``priced`` the content they made
        and priced, ``line_keys`` one key (the order's, distinct) or ``None`` per line. Only
        the new ``id`` is checked (and ``request``, by the event); the draft is what the
        public constructor makes of the same values, knowing its priced content (a test
        compares them).
        """
        kind = cls._kind
        draft = unchecked(
            cls,
            id=fields.document_id(id),
            content=priced.document,
            version=1,
            line_keys=line_keys,
            _priced=priced,
            **{kind.party: party, kind.order: order},
        )
        return draft._created(request)

    def _knowing(self, priced: PricedDocument) -> Self:
        """This draft, with ``price(self.content)`` at hand already (``priced``): kept for :attr:`priced`.

        For the orders, which price the content of the draft they make before they make it.
        """
        object.__setattr__(self, "_priced", priced)
        return self

    @property
    def priced(self) -> PricedDocument:
        """The draft's content priced as it stands (once per draft value: it never changes)."""
        cached = self._priced
        if cached is None:
            cached = price(self.content)
            object.__setattr__(self, "_priced", cached)
        return cached

    @property
    def total(self) -> Money:
        """The total with taxes as the draft stands (``priced.totals.tax_inclusive``)."""
        return self.priced.totals.tax_inclusive

    @property
    def amount_due(self) -> Money:
        """What would be payable if issued as it stands (``priced.totals.amount_due``)."""
        return self.priced.totals.amount_due

    @property
    def currency(self) -> str:
        """The draft's currency code."""
        return str(self.content.currency.code)

    @property
    def state(self) -> str:
        """Always ``"draft"``."""
        return "draft"

    def revise(
        self,
        content: Document,
        *,
        request: Request,
        line_keys: tuple[str | None, ...] | None = None,
    ) -> Changed[Self]:
        """Replace the content; the draft's version goes up by one.

        ``line_keys`` are the new lines' keys (``()`` for none); unless given, the draft
        keeps its keys, which must then still be one per line.
        """
        kind = self._kind
        request = fields.request(request)
        fields.check_revisable(
            f"draft {kind.name} {self.id!r}",
            cast("str | None", getattr(self, kind.order)),
            order=kind.order_name,
            again=kind.name,
        )
        keys = self.line_keys if line_keys is None else line_keys
        revised = attrs.evolve(
            self, content=fields.content(content), version=self.version + 1, line_keys=keys
        )
        event = kind.revised_event(document_id=self.id, request=request, version=revised.version)
        return Changed(document=revised, events=(event,))

    def void(self, *, reason: str, request: Request) -> Changed[VoidedT]:
        """End the draft without issuing it; it keeps its content for the record."""
        kind = self._kind
        request = fields.request(request)
        voided = kind.voided(
            id=self.id,
            content=self.content,
            version=self.version,
            reason=reason,
            **self._references(),
        )
        event = kind.voided_event(document_id=self.id, request=request, reason=voided.reason)
        return Changed(document=cast("VoidedT", voided), events=(event,))

    def issue(
        self,
        *,
        number: str,
        issue_date: dt.date,
        due_date: dt.date | None = None,
        payment_term: PaymentTerm | None = None,
        request: Request,
    ) -> Changed[IssuedT]:
        """Issue the document under ``number``: price it a last time and freeze it.

        Give a ``due_date``, or a ``payment_term``: its schedule of the amount due becomes
        the document's ``installments``, and the due date is when the last of them falls
        due; discounts are rounded with the document's rounding mode. Everything is
        checked, and the content priced and scheduled, before anything is returned.
        """
        kind = self._kind
        request = fields.request(request)
        issue = fields.issue_terms(
            self.content, issue_date, due_date, payment_term, what=f"{kind.name} {self.id!r}"
        )
        issued = kind.issued(
            id=self.id,
            number=number,
            issue_date=issue.issue_date,
            due_date=issue.due_date,
            installments=issue.installments,
            priced=issue.priced,
            version=self.version,
            **self._references(),
        )
        event = kind.issued_event(
            document_id=self.id,
            request=request,
            number=issued.number,
            issue_date=issue.issue_date,
            due_date=issue.due_date,
            amount_due=issued.amount_due,
            installments=issue.installments,
        )
        return Changed(document=cast("IssuedT", issued), events=(event,))


@attrs.frozen(kw_only=True, repr=False)
class Voided(_Done):
    """A draft that was voided. It was never issued, so it has no number."""

    id: str = attrs.field(converter=fields.document_id)
    content: Document = attrs.field(converter=fields.content)
    version: int = attrs.field(converter=fields.version)
    reason: str = attrs.field(converter=fields.reason)
    #: The key of each line (``None`` for a line without one), or none, as the draft had.
    line_keys: tuple[str | None, ...] = attrs.field(
        default=(), converter=fields.line_keys, metadata=WHEN_SET
    )

    def __attrs_post_init__(self) -> None:
        fields.check_line_keys(
            self.line_keys, len(self.content.lines), f"{display.kind(self).lower()} {self.id!r}"
        )

    @property
    def state(self) -> str:
        """Always ``"voided"``."""
        return "voided"


@attrs.frozen(kw_only=True, repr=False)
class Issued(_Done, fields.PricedView):
    """An issued document: numbered, dated, priced once, and never changed.

    ``total`` is its total with taxes and ``amount_due`` what is payable: the total
    with any cash rounding, less what was paid in advance. ``installments`` is the
    schedule of the amount due when it was issued with a payment term (they sum to it
    exactly, and the last falls due on ``due_date``), empty otherwise.
    """

    id: str = attrs.field(converter=fields.document_id)
    number: str = attrs.field(converter=fields.number)
    issue_date: dt.date = attrs.field(converter=fields.issue_date)
    due_date: dt.date | None = attrs.field(default=None, converter=fields.due_date)
    installments: tuple[ScheduledInstallment, ...] = attrs.field(
        default=(), converter=fields.installments
    )
    priced: PricedDocument = attrs.field(converter=fields.priced)
    version: int = attrs.field(default=1, converter=fields.version)
    #: The key of each line (``None`` for a line without one), or none, as the draft had.
    line_keys: tuple[str | None, ...] = attrs.field(
        default=(), converter=fields.line_keys, metadata=WHEN_SET
    )

    def __attrs_post_init__(self) -> None:
        fields.check_installments(
            self.installments, self.amount_due, issue_date=self.issue_date, due_date=self.due_date
        )
        fields.check_line_keys(
            self.line_keys, len(self.priced.lines), f"{display.kind(self).lower()} {self.number}"
        )

    @property
    def total(self) -> Money:
        """The total with taxes (``priced.totals.tax_inclusive``)."""
        return self.priced.totals.tax_inclusive

    @property
    def amount_due(self) -> Money:
        """What is payable (``priced.totals.amount_due``): the total, cash-rounded, less prepaid."""
        return self.priced.totals.amount_due

    @property
    def state(self) -> str:
        """Always ``"issued"``."""
        return "issued"
