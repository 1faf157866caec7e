r"""Open items: what payments settle, without the documents behind them.

An issued invoice, a supplier's bill or a credit note leaves an amount open between us
and a party until it is paid, allocated or written off. An :class:`OpenItem` is that
amount as settlement sees it:

* a :class:`DocumentRef`: the document's kind (:class:`DocumentKind`), its number, and
  its :class:`Direction`: a **receivable** (the party owes us: our invoices and the
  credit notes we issue) or a **payable** (we owe the party: supplier bills and the
  credit notes suppliers give us);
* the ``party``: the customer's id for a receivable, the supplier's for a payable;
* the ``amount``, a ``Money`` in the document's currency, **signed on its ledger**:
  positive when the document adds to what is owed in its direction (an invoice, a bill),
  negative when it takes from it (a credit note, our own or a supplier's);
* the ``installments`` (:class:`~ordercore.settlement.ScheduledInstallment`\ s): when
  which part of the amount falls due, with any early-payment discount; one installment
  when the document had no payment term. They sum to the amount exactly;
* the ``issue_date``, and for a credit note the invoice or bill it is ``against``
  (the one it credits).

Open items come from the documents (``IssuedInvoice.open_item()``,
``IssuedBill.open_item()``, ``CreditNote.open_item()``), or are built directly, for
opening balances taken over from another system. Settlement works on them alone, so
this package never imports the documents.

>>> import datetime as dt
>>> from ordercore.money import Money
>>> item = OpenItem.single(
...     document=DocumentRef.invoice("INV-7"), party="acme",
...     amount=Money("1152.00", "EUR"), issue_date=dt.date(2026, 11, 23),
...     due_date=dt.date(2026, 12, 23),
... )
>>> item
OpenItem(document='invoice INV-7', party='acme', amount=Money('1152.00', 'EUR'), due_date=datetime.date(2026, 12, 23))
>>> print(item)
receivable invoice INV-7, acme: EUR 1152.00 due 2026-12-23
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs
import moneyed

from ordercore._convert import check_instance, to_money, to_text, to_tuple
from ordercore.errors import CurrencyMismatch, InvalidOpenItem, InvalidType
from ordercore.money.amount import Money
from ordercore.money.currency import precision
from ordercore.money.decimals import decimal_places
from ordercore.settlement.terms import ScheduledInstallment

__all__ = ["Direction", "DocumentKind", "DocumentRef", "OpenItem"]


class DocumentKind(enum.Enum):
    """The kind of document an open item comes from."""

    INVOICE = "invoice"
    BILL = "bill"
    CREDIT_NOTE = "credit_note"

    def __repr__(self) -> str:
        return f"DocumentKind.{self.name}"

    def __str__(self) -> str:
        return self.value.replace("_", " ")


class Direction(enum.Enum):
    """Which way an open item's money goes: the party owes us, or we owe the party."""

    RECEIVABLE = "receivable"
    PAYABLE = "payable"

    def __repr__(self) -> str:
        return f"Direction.{self.name}"

    def __str__(self) -> str:
        return self.value


def _kind(value: object) -> DocumentKind:
    return check_instance(value, DocumentKind, "kind")


def _direction(value: object) -> Direction:
    return check_instance(value, Direction, "direction")


def _number(value: object) -> str:
    return to_text(value, "number")


#: The one direction each kind but a credit note has.
_DIRECTION_OF = {DocumentKind.INVOICE: Direction.RECEIVABLE, DocumentKind.BILL: Direction.PAYABLE}


@attrs.frozen(kw_only=True, repr=False)
class DocumentRef:
    """A reference to an issued document: its kind, its number and its direction.

    An invoice is always a receivable and a bill a payable; a credit note is either (ours
    reduces a receivable, a supplier's a payable). Use :meth:`invoice`, :meth:`bill` and
    :meth:`credit_note`.

    >>> DocumentRef.credit_note("CN-3", Direction.PAYABLE)
    DocumentRef(kind=DocumentKind.CREDIT_NOTE, number='CN-3', direction=Direction.PAYABLE)
    """

    kind: DocumentKind = attrs.field(converter=_kind)
    number: str = attrs.field(converter=_number)
    direction: Direction = attrs.field(converter=_direction)

    def __attrs_post_init__(self) -> None:
        expected = _DIRECTION_OF.get(self.kind)
        if expected is not None and self.direction is not expected:
            raise InvalidOpenItem(
                self.direction,
                reason=f"a {self.kind} is always a {expected}; only a credit note may be either",
                field="direction",
            )

    @classmethod
    def invoice(cls, number: str) -> DocumentRef:
        """Our invoice ``number``: a receivable."""
        return cls(kind=DocumentKind.INVOICE, number=number, direction=Direction.RECEIVABLE)

    @classmethod
    def bill(cls, number: str) -> DocumentRef:
        """A supplier's bill ``number`` (the supplier's own number): a payable."""
        return cls(kind=DocumentKind.BILL, number=number, direction=Direction.PAYABLE)

    @classmethod
    def credit_note(cls, number: str, direction: Direction) -> DocumentRef:
        """Credit note ``number``: ours reduces a receivable, a supplier's a payable."""
        return cls(kind=DocumentKind.CREDIT_NOTE, number=number, direction=direction)

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"

    def __repr__(self) -> str:
        return (
            f"DocumentRef(kind={self.kind!r}, number={self.number!r}, direction={self.direction!r})"
        )


def _document(value: object) -> DocumentRef:
    return check_instance(value, DocumentRef, "document")


def _party(value: object) -> str:
    return to_text(value, "party")


def _amount(value: object) -> Money:
    money = to_money(value, "amount")
    places = precision(money.currency)
    if decimal_places(money.amount) > places:
        raise InvalidOpenItem(
            money,
            reason=f"an open amount is in whole minor units: round it to the {places} decimal "
            f"places of {money.currency.code}",
            field="amount",
        )
    return money


def _issue_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidType(value, expected="a datetime.date", field="issue_date")
    return value


def _installments(value: object) -> tuple[ScheduledInstallment, ...]:
    installments: tuple[ScheduledInstallment, ...] = to_tuple(
        value, ScheduledInstallment, "installments"
    )
    if not installments:
        raise InvalidOpenItem(
            value,
            reason="an open item falls due at least once: give one installment of the whole "
            "amount (OpenItem.single) for a document without a payment term",
            field="installments",
        )
    return installments


def _against(value: object) -> DocumentRef | None:
    return None if value is None else check_instance(value, DocumentRef, "against")


@attrs.frozen(kw_only=True, repr=False)
class OpenItem:
    """An amount open with a party: what payments, credits and write-offs settle.

    ``amount`` is signed on the item's ledger (its ``document.direction``): positive for
    an invoice or a bill, which add to what is owed; negative for a credit note, which
    takes from it; an invoice or bill that comes to less than nothing (a returns invoice)
    is negative too. ``installments`` say when its parts fall due: they are in its
    currency, each of its sign (or zero), on or after ``issue_date``, and they sum to
    ``amount`` exactly. ``against`` is, for a credit note, the invoice or bill it credits
    (of its direction), if it credits one; ``None`` for anything else.

    Everything is checked when the item is made: :class:`~ordercore.errors.InvalidOpenItem`
    names the field, :class:`~ordercore.errors.CurrencyMismatch` an installment in
    another currency.
    """

    document: DocumentRef = attrs.field(converter=_document)
    party: str = attrs.field(converter=_party)
    amount: Money = attrs.field(converter=_amount)
    issue_date: dt.date = attrs.field(converter=_issue_date)
    installments: tuple[ScheduledInstallment, ...] = attrs.field(converter=_installments)
    against: DocumentRef | None = attrs.field(default=None, converter=_against)

    def __attrs_post_init__(self) -> None:
        self._check_sign()
        self._check_installments()
        self._check_credits()

    def _check_sign(self) -> None:
        if self.document.kind is DocumentKind.CREDIT_NOTE and self.amount.amount > 0:
            raise InvalidOpenItem(
                self.amount,
                reason="a credit note takes from what is owed, so its open amount is negative: "
                f"give {-self.amount}",
                field="amount",
            )

    def _check_installments(self) -> None:
        currency = self.amount.currency
        total = Money.zero(currency)
        for index, installment in enumerate(self.installments):
            part = installment.amount
            if part.currency != currency:
                raise CurrencyMismatch(currency.code, part.currency.code, operation="schedule")
            if part.amount and (part.amount > 0) != (self.amount.amount > 0):
                raise InvalidOpenItem(
                    part,
                    reason=f"an installment takes the sign of the open amount {self.amount}",
                    field=f"installments[{index}]",
                )
            if installment.due_date < self.issue_date:
                raise InvalidOpenItem(
                    installment.due_date,
                    reason=f"an installment falls due on or after the issue date {self.issue_date}",
                    field=f"installments[{index}]",
                )
            total += part
        if total != self.amount:
            raise InvalidOpenItem(
                total,
                reason=f"the installments sum to {total}, not to the open amount {self.amount}: "
                "schedule the amount with the document's payment term",
                field="installments",
            )

    def _check_credits(self) -> None:
        credited = self.against
        if credited is None:
            return
        if self.document.kind is not DocumentKind.CREDIT_NOTE:
            raise InvalidOpenItem(
                credited,
                reason=f"only a credit note credits another document, not a {self.document.kind}",
                field="against",
            )
        if credited.kind is DocumentKind.CREDIT_NOTE or credited.direction is not (
            self.document.direction
        ):
            wanted = "an invoice" if self.document.direction is Direction.RECEIVABLE else "a bill"
            raise InvalidOpenItem(
                credited,
                reason=f"a {self.document.direction} credit note credits {wanted}",
                field="against",
            )

    @classmethod
    def single(
        cls,
        *,
        document: DocumentRef,
        party: str,
        amount: moneyed.Money,
        issue_date: dt.date,
        due_date: dt.date | None = None,
        against: DocumentRef | None = None,
    ) -> OpenItem:
        """An open item that falls due at once: all of ``amount`` on ``due_date``.

        Without a ``due_date`` it is due on its ``issue_date``, as a credit note is.
        """
        money = _amount(amount)
        issued = _issue_date(issue_date)
        installment = ScheduledInstallment(
            due_date=issued if due_date is None else due_date, amount=money
        )
        return cls(
            document=document,
            party=party,
            amount=money,
            issue_date=issued,
            installments=(installment,),
            against=against,
        )

    @property
    def currency(self) -> moneyed.Currency:
        """The currency of the amount (and of every installment)."""
        return self.amount.currency

    @property
    def direction(self) -> Direction:
        """The item's ledger: receivable or payable."""
        return self.document.direction

    @property
    def due_date(self) -> dt.date:
        """When the last installment falls due."""
        return max(installment.due_date for installment in self.installments)

    def __str__(self) -> str:
        dues = ", ".join(
            f"{installment.amount} due {installment.due_date.isoformat()}"
            for installment in self.installments
        )
        if len(self.installments) > 1:
            dues = f"{self.amount} in {len(self.installments)} installments: {dues}"
        return f"{self.direction} {self.document}, {self.party}: {dues}"

    def __repr__(self) -> str:
        return (
            f"OpenItem(document={str(self.document)!r}, party={self.party!r}, "
            f"amount={self.amount!r}, due_date={self.due_date!r})"
        )
