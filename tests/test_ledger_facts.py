"""A ledger rebuilt from the facts a host stored, and the account that stores it (issue 10)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercore import (
    Account,
    Allocation,
    AllocationReversed,
    ConcurrencyConflict,
    CurrencyMismatch,
    DiscountTaken,
    DocumentRef,
    DuplicateOpenItem,
    EntriesOutOfSequence,
    EntryDoesNotReplay,
    ExchangeRate,
    InvalidType,
    Ledger,
    Money,
    NotAllocatable,
    OpenItem,
    OtherPartyInAccount,
    OverAllocation,
    Payment,
    ScheduledInstallment,
    UnknownAllocation,
    UnknownOpenItem,
    UnknownPayment,
    WriteOff,
)
from ordercore.storage.memory import MemoryStore
from ordercore.testing import strategies as ost

DAY = dt.date(2026, 10, 1)
INV1 = DocumentRef.invoice("INV-1")
INV2 = DocumentRef.invoice("INV-2")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def facts_of(ledger: Ledger) -> dict[str, Any]:
    """What a host stores of a ledger: its four facts."""
    return {
        "items": ledger.items,
        "payments": ledger.payments,
        "entries": ledger.entries,
        "reversed": ledger.reversed,
    }


def invoice(number: str, amount: str, *, party: str = "acme", discount: str = "") -> OpenItem:
    if not discount:
        return OpenItem.single(
            document=DocumentRef.invoice(number),
            party=party,
            amount=eur(amount),
            issue_date=DAY,
            due_date=DAY + dt.timedelta(days=30),
        )
    return OpenItem(
        document=DocumentRef.invoice(number),
        party=party,
        amount=eur(amount),
        issue_date=DAY,
        installments=(
            ScheduledInstallment(
                due_date=DAY + dt.timedelta(days=30),
                amount=eur(amount),
                discount_amount=eur(discount),
                discount_deadline=DAY + dt.timedelta(days=10),
            ),
        ),
    )


def received(reference: str, amount: str, *, party: str = "acme", currency: str = "EUR") -> Payment:
    return Payment.received(
        amount=Money(amount, currency),
        date=DAY,
        reference=reference,
        method="transfer",
        party=party,
        idempotency_key=f"req-{reference}",
    )


def books() -> Ledger:
    """Two invoices, one payment allocated, reversed and allocated again, a write-off."""
    ledger = Ledger().add_items(invoice("INV-1", "100.00"), invoice("INV-2", "50.00"))
    ledger = ledger.record(received("BANK-1", "150.00"))
    ledger = ledger.allocate("BANK-1", {INV1: eur("100.00")})  # 1
    ledger = ledger.reverse(1)
    ledger = ledger.allocate("BANK-1", {INV2: eur("50.00"), INV1: eur("99.90")})  # 2, 3
    return ledger.write_off(INV1, tolerance=eur("0.10"), reason="bank fee", date=DAY)  # 4


def observed(ledger: Ledger, as_of: dt.date) -> tuple[object, ...]:
    """Everything a ledger answers about its facts: balances, credit, statuses."""
    parties = {item.party for item in ledger.items} | {p.party for p in ledger.payments}
    return (
        tuple(ledger.amount_remaining(i.document) for i in ledger.items),
        tuple(ledger.amount_paid(i.document) for i in ledger.items),
        tuple(ledger.amount_written_off(i.document) for i in ledger.items),
        tuple(ledger.amount_discounted(i.document) for i in ledger.items),
        tuple(ledger.status(i.document, as_of=as_of) for i in ledger.items),
        tuple(ledger.unallocated(p.reference) for p in ledger.payments),
        tuple(ledger.credit(party, "EUR") for party in sorted(parties)),
    )


class TestRebuilt:
    def test_the_facts_rebuild_the_ledger(self) -> None:
        ledger = books()
        rebuilt = Ledger.from_facts(**facts_of(ledger))
        assert rebuilt == ledger
        assert observed(rebuilt, DAY) == observed(ledger, DAY)
        assert rebuilt.entries == ledger.entries
        assert rebuilt.reversed == frozenset({1})

    def test_entries_and_reversals_may_come_in_any_order(self) -> None:
        ledger = books()
        rebuilt = Ledger.from_facts(
            items=list(ledger.items),
            payments=list(ledger.payments),
            entries=list(reversed(ledger.entries)),
            reversed=[1],
        )
        assert rebuilt == ledger

    def test_no_facts_is_the_empty_ledger(self) -> None:
        assert Ledger.from_facts(items=(), payments=(), entries=()) == Ledger()

    def test_a_rebuilt_ledger_goes_on_as_the_original(self) -> None:
        ledger = books().add_items(invoice("INV-3", "30.00")).record(received("BANK-2", "40.00"))
        rebuilt = Ledger.from_facts(**facts_of(ledger))
        assert rebuilt.allocate_oldest_first("BANK-2") == ledger.allocate_oldest_first("BANK-2")
        assert rebuilt.reverse(2).allocate_oldest_first("BANK-1") == ledger.reverse(
            2
        ).allocate_oldest_first("BANK-1")

    def test_a_discount_and_a_rate_replay(self) -> None:
        rate = ExchangeRate(base="EUR", quote="USD", rate="1.08", source="ECB", date=DAY)
        ledger = Ledger().add_items(invoice("INV-1", "100.00", discount="2.00"))
        ledger = ledger.record(received("USD-1", "200.00", currency="USD"))
        ledger = ledger.allocate("USD-1", {INV1: eur("49.00")}, rate=rate)
        ledger = ledger.take_discount(INV1, on=DAY)
        assert isinstance(ledger.entries[-1], DiscountTaken)
        assert Ledger.from_facts(**facts_of(ledger)) == ledger


class TestRefused:
    def test_an_entry_on_an_unknown_item_or_payment(self) -> None:
        facts = facts_of(books())
        with pytest.raises(UnknownOpenItem) as item:
            Ledger.from_facts(**facts | {"items": facts["items"][1:]})
        assert item.value.document == str(INV1)
        with pytest.raises(UnknownPayment) as payment:
            Ledger.from_facts(**facts | {"payments": ()})
        assert payment.value.reference == "BANK-1"

    @pytest.mark.parametrize(
        ("numbers", "bad"),
        [((1, 2, 4, 4), 4), ((2, 3, 4, 5), 5), ((1, 1, 2, 3), 1)],
    )
    def test_entry_numbers_with_gaps_or_repeats(self, numbers: tuple[int, ...], bad: int) -> None:
        facts = facts_of(books())
        entries = [
            attrs.evolve(entry, number=number)
            for entry, number in zip(facts["entries"], numbers, strict=True)
        ]
        with pytest.raises(EntriesOutOfSequence) as error:
            Ledger.from_facts(**facts | {"entries": entries, "reversed": ()})
        assert (error.value.number, error.value.count) == (bad, 4)

    def test_an_allocation_beyond_the_payment_or_the_item(self) -> None:
        facts = facts_of(books())
        with pytest.raises(OverAllocation) as again:  # without its reversal, INV-1 is paid
            Ledger.from_facts(**facts | {"reversed": ()})
        assert (again.value.target, again.value.available) == (str(INV1), eur("0.00"))
        small = Ledger().add_items(invoice("INV-1", "200.00")).record(received("BANK-1", "100.00"))
        entry = Allocation(number=1, source="BANK-1", item=INV1, amount=eur("100.01"))
        with pytest.raises(OverAllocation) as payment:
            Ledger.from_facts(**facts_of(small) | {"entries": (entry,)})
        assert (payment.value.target, payment.value.available) == ("BANK-1", eur("100.00"))
        entries = list(facts["entries"])
        entries[2] = attrs.evolve(entries[2], amount=eur("100.01"))
        with pytest.raises(OverAllocation) as item:
            Ledger.from_facts(**facts | {"entries": entries})
        assert item.value.target == str(INV1)

    def test_a_write_off_of_more_than_the_item_owed(self) -> None:
        facts = facts_of(books())
        entries = list(facts["entries"])
        entries[3] = attrs.evolve(entries[3], amount=eur("0.11"))
        with pytest.raises(OverAllocation) as error:
            Ledger.from_facts(**facts | {"entries": entries})
        assert (error.value.requested, error.value.available) == (eur("0.11"), eur("0.10"))

    def test_entries_the_operations_would_not_have_made(self) -> None:
        rate = ExchangeRate(base="EUR", quote="USD", rate="1.08", source="ECB", date=DAY)
        ledger = Ledger().add_items(invoice("INV-1", "100.00", discount="2.00"))
        ledger = ledger.record(received("USD-1", "200.00", currency="USD"))
        ledger = ledger.allocate("USD-1", {INV1: eur("49.00")}, rate=rate)
        ledger = ledger.take_discount(INV1, on=DAY)
        facts = facts_of(ledger)
        allocation, discount = facts["entries"]
        taken = attrs.evolve(allocation, taken=Money("50.00", "USD"))
        with pytest.raises(EntryDoesNotReplay) as rated:
            Ledger.from_facts(**facts | {"entries": (taken, discount)})
        assert rated.value.number == 1
        larger = attrs.evolve(discount, amount=eur("1.03"))  # it earned 1.02 on 51.00 open
        with pytest.raises(EntryDoesNotReplay) as discounted:
            Ledger.from_facts(**facts | {"entries": (allocation, larger)})
        assert discounted.value.number == 2
        dollars = attrs.evolve(discount, amount=Money("1.02", "USD"))
        with pytest.raises(CurrencyMismatch):
            Ledger.from_facts(**facts | {"entries": (allocation, dollars)})

    def test_reversed_numbers_that_are_no_entry_or_given_twice(self) -> None:
        facts = facts_of(books())
        for number in (0, 5, 10**5000):
            with pytest.raises(UnknownAllocation) as unknown:
                Ledger.from_facts(**facts | {"reversed": (number,)})
            assert unknown.value.number == number
        with pytest.raises(AllocationReversed) as twice:
            Ledger.from_facts(**facts | {"reversed": (1, 1)})
        assert twice.value.number == 1

    def test_an_entry_of_another_party_or_the_wrong_sign(self) -> None:
        ledger = Ledger().add_items(
            invoice("INV-1", "100.00"), invoice("INV-2", "50.00", party="b")
        )
        ledger = ledger.record(received("BANK-1", "120.00"))
        facts = facts_of(ledger)
        entry = Allocation(number=1, source="BANK-1", item=INV2, amount=eur("10.00"))
        with pytest.raises(NotAllocatable) as error:
            Ledger.from_facts(**facts | {"entries": (entry,)})
        assert error.value.item == str(INV2)

    def test_duplicates_and_values_that_are_not_facts(self) -> None:
        facts = facts_of(books())
        with pytest.raises(DuplicateOpenItem):
            Ledger.from_facts(**facts | {"items": facts["items"] * 2})
        for field, value in (
            ("items", "INV-1"),
            ("payments", {"BANK-1": None}),
            ("entries", 3),
            ("entries", (None,)),
            ("items", (None,)),
            ("reversed", ("1",)),
            ("reversed", (True,)),
        ):
            with pytest.raises(InvalidType):
                Ledger.from_facts(**facts | {field: value})

    def test_a_write_off_on_a_payment_is_unknown(self) -> None:
        facts = facts_of(books())
        entry = WriteOff(
            number=1, item=DocumentRef.invoice("NONE"), amount=eur("1.00"), reason="x", date=DAY
        )
        with pytest.raises(UnknownOpenItem):
            Ledger.from_facts(**facts | {"entries": (entry,), "reversed": ()})


class TestProperties:
    @settings(deadline=None)
    @given(ledger=ost.ledgers(), data=st.data())
    def test_every_reachable_ledger_is_rebuilt_from_its_facts(
        self, ledger: Ledger, data: st.DataObject
    ) -> None:
        entries = data.draw(st.permutations(ledger.entries))
        rebuilt = Ledger.from_facts(
            items=ledger.items,
            payments=ledger.payments,
            entries=entries,
            reversed=sorted(ledger.reversed),
        )
        assert rebuilt == ledger
        assert hash(rebuilt) == hash(ledger)
        for as_of in (dt.date(2026, 1, 1), dt.date(2027, 6, 30)):
            assert observed(rebuilt, as_of) == observed(ledger, as_of)

    @settings(deadline=None)
    @given(ledger=ost.ledgers(max_steps=6), data=st.data())
    def test_a_rebuilt_ledger_allocates_as_the_original(
        self, ledger: Ledger, data: st.DataObject
    ) -> None:
        rebuilt = Ledger.from_facts(**facts_of(ledger))
        sources = [p.reference for p in ledger.payments] + [
            i.document for i in ledger.items if i.amount.amount < 0
        ]
        if sources:
            source = data.draw(st.sampled_from(sources))
            assert rebuilt.allocate_oldest_first(source) == ledger.allocate_oldest_first(source)
        for party in ("acme", "globex"):
            assert rebuilt.allocate_credit_oldest_first(
                party, "EUR"
            ) == ledger.allocate_credit_oldest_first(party, "EUR")

    @settings(deadline=None)
    @given(ledger=ost.ledgers(), data=st.data())
    def test_facts_with_an_entry_left_out_are_refused_unless_it_was_the_last(
        self, ledger: Ledger, data: st.DataObject
    ) -> None:
        if not ledger.entries:
            return
        facts = facts_of(ledger)
        left_out = data.draw(st.integers(0, len(ledger.entries) - 1))
        entries = facts["entries"][:left_out] + facts["entries"][left_out + 1 :]
        last = len(ledger.entries)
        if left_out + 1 < last:  # a gap
            with pytest.raises(EntriesOutOfSequence) as gap:
                Ledger.from_facts(**facts | {"entries": entries})
            assert gap.value.count == last - 1
        elif last in ledger.reversed:  # the last one, reversed: its reversal names no entry
            with pytest.raises(UnknownAllocation) as unknown:
                Ledger.from_facts(**facts | {"entries": entries})
            assert unknown.value.number == last
        else:  # the last one: the ledger as it was before it
            shorter = Ledger.from_facts(**facts | {"entries": entries})
            assert shorter.entries == ledger.entries[:-1]


class TestAccount:
    def test_an_account_opens_empty_at_version_one(self) -> None:
        account = Account.open(id="account/acme", party="acme")
        assert (account.id, account.party, account.version) == ("account/acme", "acme", 1)
        assert account.ledger == Ledger()
        assert account == Account(id="account/acme", party="acme", ledger=Ledger(), version=1)

    def test_with_ledger_is_the_next_version(self) -> None:
        account = Account.open(id="account/acme", party="acme")
        after = account.with_ledger(books())
        assert (after.version, after.ledger, after.id) == (2, books(), "account/acme")
        assert account.version == 1  # the old value is as it was
        assert repr(after) == (
            "Account(id='account/acme', party='acme', version=2, items=2, payments=1, entries=4)"
        )
        assert (
            str(after) == "account account/acme of acme (version 2): 2 items, 1 payment, 4 entries"
        )

    def test_an_account_holds_its_own_party_only(self) -> None:
        account = Account.open(id="account/acme", party="acme")
        other = Ledger().add_items(invoice("INV-9", "10.00", party="globex"))
        with pytest.raises(OtherPartyInAccount) as error:
            account.with_ledger(other)
        assert (error.value.account, error.value.party, error.value.other) == (
            "account/acme",
            "acme",
            "globex",
        )
        with pytest.raises(OtherPartyInAccount):
            account.with_ledger(Ledger().record(received("B-1", "1.00", party="globex")))

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("version", 0),
            ("version", True),
            ("version", "2"),
            ("version", 2**63),
            ("ledger", None),
            ("id", 7),
            ("party", None),
        ],
    )
    def test_bad_fields_are_refused(self, field: str, value: object) -> None:
        fields: dict[str, object] = {"id": "account/acme", "party": "acme"}
        with pytest.raises(InvalidType) as error:
            Account(**fields | {field: value})  # type: ignore[arg-type]
        assert error.value.field == field

    def test_the_last_version_has_no_next(self) -> None:
        last = Account(id="a", party="acme", version=2**63 - 1)
        with pytest.raises(InvalidType) as error:
            last.with_ledger(Ledger())
        assert error.value.field == "version"

    def test_two_writers_of_one_account_conflict_instead_of_over_allocating(self) -> None:
        ledger = Ledger().add_items(invoice("INV-1", "100.00")).record(received("BANK-1", "100.00"))
        store = MemoryStore()
        with store() as uow:
            uow.documents.add(Account(id="account/acme", party="acme", ledger=ledger))
            uow.commit()
        first, second = store(), store()
        mine = first.documents.get("account/acme", Account)
        theirs = second.documents.get("account/acme", Account)
        first.documents.save(mine.with_ledger(mine.ledger.allocate_oldest_first("BANK-1")))
        first.commit()
        with pytest.raises(ConcurrencyConflict) as error:
            second.documents.save(theirs.with_ledger(theirs.ledger.allocate_oldest_first("BANK-1")))
        assert error.value.record == "account/acme"
        second.rollback()
        with store() as uow:
            stored = uow.documents.get("account/acme", Account)
        assert stored.version == 2
        assert stored.ledger.unallocated("BANK-1") == eur("0.00")
        assert len(stored.ledger.entries) == 1
