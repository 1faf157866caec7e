"""Ports: what a host's storage provides to ordercore, as typing protocols.

ordercore keeps no data of its own. A host stores the documents in its own database and
gives ordercore a :class:`UnitOfWork` for each operation: a context manager that holds
the repositories the operation reads and writes, and writes everything or nothing.

- :class:`Repository`: the documents, got by id (and checked to be of the kind asked
  for), added, saved, and found by number, by state, by due date, as the open items of a
  party, and as the credit notes of an invoice. Saving is optimistic: the unit of work remembers the stored version of
  each record it got, and a save (and the commit) is refused with
  :class:`~ordercore.errors.ConcurrencyConflict` when another writer has committed a new
  one since. Nothing is written then.
- :class:`Numbers`: gapless numbering series
  (:class:`~ordercore.documents.numbering.NumberingSeries`). A number taken inside a unit
  of work that rolls back is not consumed.
- :class:`IdempotencyStore`: the first result of each request, by its idempotency key
  and a fingerprint of the request. The same key with the same fingerprint returns the
  first result; with another fingerprint it raises
  :class:`~ordercore.errors.IdempotencyConflict`.
- :class:`Outbox`: the domain events of a unit of work, written with its commit and
  delivered to the host's handler after it (at least once: a message stays pending until
  it is marked delivered).
- :class:`Clock`: the moment now, supplied by the host (ordercore never reads the
  system clock).

:mod:`ordercore.storage.memory` implements them in memory (thread-safe); it is the
worked example for a host's own implementation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from types import TracebackType
from typing import Protocol, Self, TypeVar

import attrs

from ordercore.documents.numbering import NumberingSeries
from ordercore.events import Event
from ordercore.settlement.open_items import OpenItem
from ordercore.subscriptions.subscription import Subscription

__all__ = [
    "Clock",
    "IdempotencyStore",
    "Numbers",
    "Outbox",
    "OutboxMessage",
    "Record",
    "Repository",
    "UnitOfWork",
    "UnitOfWorkFactory",
]

T = TypeVar("T")


class Record(Protocol):
    """What a repository stores: an immutable document with an ``id`` and a ``version``."""

    @property
    def id(self) -> str:
        """The record's id, unique in its repository."""
        ...  # pragma: no cover

    @property
    def version(self) -> int:
        """The document's own version (a draft's revisions count it up)."""
        ...  # pragma: no cover


class Repository(Protocol):
    """The documents a unit of work reads and writes; it sees its own writes."""

    def get(self, record_id: str, kind: type[T]) -> T:
        """The record ``record_id``, of type ``kind``.

        Raises :class:`~ordercore.errors.UnknownRecord` when none is stored, or the one
        stored is not a ``kind``. The unit of work remembers the stored version it read.
        """
        ...  # pragma: no cover

    def add(self, record: Record) -> None:
        """Store a new record; :class:`~ordercore.errors.RecordExists` if its id is taken."""
        ...  # pragma: no cover

    def save(self, record: Record) -> None:
        """Replace the stored record of ``record.id`` by ``record``.

        The unit of work must have got the record first
        (:class:`~ordercore.errors.UnreadRecord`); when another writer has committed the
        record since, :class:`~ordercore.errors.ConcurrencyConflict` is raised and nothing
        is written.
        """
        ...  # pragma: no cover

    def with_number(self, number: str) -> tuple[Record, ...]:
        """The documents numbered ``number``: issued ones, and orders (any state).

        Drafts have no number. Documents of different kinds may share one (an invoice and
        a supplier's bill, a sales order and an invoice of another series).
        """
        ...  # pragma: no cover

    def in_state(self, state: str, kind: type[T]) -> tuple[T, ...]:
        """The records of type ``kind`` in ``state`` (``"draft"``, ``"issued"``, ...)."""
        ...  # pragma: no cover

    def due_by(self, day: dt.date) -> tuple[Record, ...]:
        """The issued documents that fall due on or before ``day``."""
        ...  # pragma: no cover

    def subscriptions_due(self, day: dt.date) -> tuple[Subscription, ...]:
        """The subscriptions with something to invoice on or before ``day``, by id.

        A subscription is due when :func:`~ordercore.subscriptions.due_date` of it is on
        or before ``day``: the billing date of its first unbilled period
        (:func:`~ordercore.subscriptions.next_billing_date`, so that
        :func:`~ordercore.subscriptions.due_periods` of it on ``day`` is not empty), or
        the end of a subscription that ended with something waiting
        (:func:`~ordercore.subscriptions.pending_date`: the credit of a cancellation,
        usage not invoiced yet).
        """
        ...  # pragma: no cover

    def credit_notes_of(self, invoice_number: str, kind: type[T]) -> tuple[T, ...]:
        """The credit notes of type ``kind`` that credit the document numbered ``invoice_number``.

        A credit note names what it credits by number (its ``invoice_number``), so the
        number is the key: ``kind`` :class:`~ordercore.documents.credit_notes.CustomerCreditNote`
        finds the credit notes of an invoice of ours,
        :class:`~ordercore.documents.credit_notes.SupplierCreditNote` those of a supplier's
        bill (whose number is the supplier's and may be one of ours too), and
        :class:`~ordercore.documents.credit_notes.CreditNote` both. A standalone credit note
        credits nothing and is never found. In the order of their ids.
        """
        ...  # pragma: no cover

    def open_items(self, party: str) -> tuple[OpenItem, ...]:
        """The open items of the issued documents of ``party`` (a customer or supplier)."""
        ...  # pragma: no cover


class Numbers(Protocol):
    """Gapless numbering series, by name."""

    def add(self, name: str, series: NumberingSeries) -> None:
        """Store a new series; :class:`~ordercore.errors.RecordExists` if the name is taken."""
        ...  # pragma: no cover

    def get(self, name: str) -> NumberingSeries:
        """The series ``name`` as this unit of work sees it (``UnknownRecord`` if none)."""
        ...  # pragma: no cover

    def take(self, name: str) -> str:
        """The next number of series ``name``, consumed only when the unit of work commits.

        No two committed units of work take the same number: an implementation serializes
        the units of work that take from one series (a row lock, a write lock).
        """
        ...  # pragma: no cover


class IdempotencyStore(Protocol):
    """The first result of each request, by idempotency key."""

    def get(self, key: str, fingerprint: str) -> object | None:
        """The result stored under ``key``, or ``None`` when the key is new.

        Raises :class:`~ordercore.errors.IdempotencyConflict` when ``key`` was stored for
        a request of another ``fingerprint``.
        """
        ...  # pragma: no cover

    def put(self, key: str, fingerprint: str, result: object) -> None:
        """Store the (immutable) ``result`` of the request ``fingerprint`` under ``key``.

        A result is what the services return: a record of one of the kinds that
        :func:`~ordercore.interop.records.record_to_data` writes, or a tuple of them, so
        that an adapter storing data (not objects) can write and read it. A key that
        another unit of work has committed since raises
        :class:`~ordercore.errors.ConcurrencyConflict` (here or at the commit): that one
        did the request, so this one writes nothing.
        """
        ...  # pragma: no cover


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """A committed domain event waiting for delivery; ``id`` orders them (oldest first)."""

    id: int
    event: Event


class Outbox(Protocol):
    """The domain events of the units of work, kept until the host's handler has them."""

    def add(self, events: Iterable[Event]) -> None:
        """Keep ``events``, in order: written when the unit of work commits, else forgotten."""
        ...  # pragma: no cover

    def pending(self, limit: int = 100) -> tuple[OutboxMessage, ...]:
        """At most ``limit`` committed messages not yet marked delivered, oldest first."""
        ...  # pragma: no cover

    def delivered(self, ids: Iterable[int]) -> None:
        """Mark the messages ``ids`` delivered, when the unit of work commits."""
        ...  # pragma: no cover


class UnitOfWork(Protocol):
    """One operation's reads and writes: committed explicitly, rolled back otherwise.

    Use it as a context manager; call :meth:`commit` inside the ``with`` block. Leaving
    the block (normally or by an exception) without committing rolls everything back.
    After it closes, every use raises :class:`~ordercore.errors.UnitOfWorkClosed`.
    """

    @property
    def documents(self) -> Repository:
        """The documents."""
        ...  # pragma: no cover

    @property
    def numbers(self) -> Numbers:
        """The numbering series."""
        ...  # pragma: no cover

    @property
    def idempotency(self) -> IdempotencyStore:
        """The results of requests, by idempotency key."""
        ...  # pragma: no cover

    @property
    def outbox(self) -> Outbox:
        """The domain events, delivered after commit."""
        ...  # pragma: no cover

    def commit(self) -> None:
        """Write everything, or (``ConcurrencyConflict``) nothing; then close."""
        ...  # pragma: no cover

    def rollback(self) -> None:
        """Forget every write; then close."""
        ...  # pragma: no cover

    def __enter__(self) -> Self: ...  # pragma: no cover

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...  # pragma: no cover


class UnitOfWorkFactory(Protocol):
    """What a host hands to ordercore: a new unit of work per call."""

    def __call__(self) -> UnitOfWork:
        """A new unit of work, open."""
        ...  # pragma: no cover


class Clock(Protocol):
    """The moment now, supplied by the host: timezone-aware."""

    def now(self) -> dt.datetime:
        """The moment now (timezone-aware)."""
        ...  # pragma: no cover
