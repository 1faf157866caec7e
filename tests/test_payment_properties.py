"""Properties of settlement: what DOMAIN.md section 6 says must always hold (issue 9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Allocation,
    CreditRefunded,
    DiscountTaken,
    DocumentRef,
    ExchangeRate,
    ItemStatus,
    Ledger,
    OldestFirst,
    OpenItem,
    OverAllocation,
    Payment,
    RefundBeforePayment,
    WriteOff,
    aging,
    statement,
)
from ordercore.money import Money
from ordercore.money.currency import precision
from ordercore.settlement._pmap import PMap  # the ledger's private index, tested as a dict
from ordercore.testing import strategies as ost

ZERO = Decimal(0)


def live(ledger: Ledger) -> list[Allocation | WriteOff | DiscountTaken]:
    return [e for e in ledger.entries if e.number not in ledger.reversed]


def balances(ledger: Ledger) -> tuple[object, ...]:
    """Everything a reversal must restore: every item, payment and party's credit."""
    return (
        tuple(ledger.amount_remaining(i.document) for i in ledger.items),
        tuple(ledger.unallocated(p.reference) for p in ledger.payments),
        tuple(ledger.credit(party, "EUR") for party in ("acme", "globex")),
    )


def sources(ledger: Ledger) -> list[str | DocumentRef]:
    notes = [i.document for i in ledger.items if i.amount.amount < 0]
    return [*(p.reference for p in ledger.payments), *notes]


@given(ost.ledgers())
def test_a_payment_never_allocates_more_than_it_has(ledger: Ledger) -> None:
    for payment in ledger.payments:
        allocated = sum(
            (
                e.amount.amount
                for e in live(ledger)
                if isinstance(e, Allocation) and e.source == payment.reference
            ),
            ZERO,
        )
        assert allocated <= payment.amount.amount
        assert ledger.unallocated(payment.reference).amount == payment.amount.amount - allocated


@given(ost.ledgers())
def test_no_item_receives_more_than_it_owes_and_no_balance_goes_negative(ledger: Ledger) -> None:
    for item in ledger.items:
        remaining = ledger.amount_remaining(item.document).amount
        if item.amount.amount > 0:
            assert ZERO <= remaining <= item.amount.amount
        else:
            assert item.amount.amount <= remaining <= ZERO
    for party in ("acme", "globex"):
        assert ledger.credit(party, "EUR").amount >= 0


@given(ost.ledgers())
def test_the_running_totals_are_those_of_the_entries(ledger: Ledger) -> None:
    for item in ledger.items:
        document = item.document
        paid = sum(
            (
                e.amount.amount
                for e in live(ledger)
                if isinstance(e, Allocation) and document in (e.item, e.source)
            ),
            ZERO,
        )
        written = sum(
            (
                e.amount.amount
                for e in live(ledger)
                if isinstance(e, WriteOff) and e.item == document
            ),
            ZERO,
        )
        sign = -1 if item.amount.amount < 0 else 1
        assert ledger.amount_paid(document).amount == sign * paid
        assert ledger.amount_written_off(document).amount == sign * written
        discounted = sum(
            (
                e.amount.amount
                for e in live(ledger)
                if isinstance(e, DiscountTaken) and e.item == document
            ),
            ZERO,
        )
        assert ledger.amount_discounted(document).amount == sign * discounted


@given(ost.ledgers())
def test_nothing_is_lost_and_nothing_created(ledger: Ledger) -> None:
    entries = live(ledger)
    invoices = [i for i in ledger.items if i.amount.amount > 0]
    notes = [i for i in ledger.items if i.amount.amount < 0]
    to_invoices = sum((e.amount.amount for e in entries if isinstance(e, Allocation)), ZERO)
    written = {
        kind: sum(
            (
                e.amount.amount
                for e in entries
                if isinstance(e, WriteOff | DiscountTaken)
                and (ledger.item(e.item).amount.amount > 0) is kind
            ),
            ZERO,
        )
        for kind in (True, False)
    }
    invoiced = sum((i.amount.amount for i in invoices), ZERO)
    still_open = sum((ledger.amount_remaining(i.document).amount for i in invoices), ZERO)
    # what was invoiced is open, allocated, written off or discounted
    assert invoiced == still_open + to_invoices + written[True]
    # what was paid in or credited is allocated, written off, or still the parties' credit
    paid_in = sum((p.amount.amount for p in ledger.payments), ZERO) - sum(
        (i.amount.amount for i in notes), ZERO
    )
    credit = sum((ledger.credit(party, "EUR").amount for party in ("acme", "globex")), ZERO)
    assert paid_in == credit + to_invoices + written[False]


@given(ost.ledgers(), st.data())
def test_allocate_then_reverse_is_the_identity(ledger: Ledger, data: st.DataObject) -> None:
    choices = sources(ledger)
    if not choices:
        return
    source = data.draw(st.sampled_from(choices))
    after = ledger.allocate_oldest_first(source)
    for entry in after.entries[len(ledger.entries) :]:
        after = after.reverse(entry.number)
    assert balances(after) == balances(ledger)


@given(ost.ledgers(), st.data())
def test_allocation_is_deterministic(ledger: Ledger, data: st.DataObject) -> None:
    choices = sources(ledger)
    if not choices:
        return
    source = data.draw(st.sampled_from(choices))
    once = ledger.allocate_oldest_first(source)
    assert once == ledger.allocate_oldest_first(source)
    # the fast path is the policy it documents, whatever history the hints went through
    assert once == ledger.allocate_with(source, OldestFirst())
    # and the order items were added in does not matter
    shuffled = Ledger().add_items(*data.draw(st.permutations(ledger.items)))
    for payment in ledger.payments:
        shuffled = shuffled.record(payment)
    fresh = Ledger().add_items(*ledger.items)
    for payment in ledger.payments:
        fresh = fresh.record(payment)
    first = [(a.item, a.amount) for a in fresh.allocate_oldest_first(source).allocations]
    second = [(a.item, a.amount) for a in shuffled.allocate_oldest_first(source).allocations]
    assert first == second


@given(ost.ledgers(max_steps=14), st.data())
def test_oldest_first_pays_again_what_a_reversal_opened(
    ledger: Ledger, data: st.DataObject
) -> None:
    entries = [e.number for e in live(ledger)]
    if entries:
        ledger = ledger.reverse(data.draw(st.sampled_from(entries)))
    for source in sources(ledger):
        assert ledger.allocate_oldest_first(source) == ledger.allocate_with(source, OldestFirst())


@given(
    st.lists(st.tuples(st.one_of(st.integers(), st.text(max_size=3)), st.integers()), max_size=200),
    st.integers(0, 200),
)
def test_the_persistent_map_behaves_like_a_dict_and_keeps_its_past(
    pairs: list[tuple[int | str, int]], cut: int
) -> None:
    before: PMap[int | str, int] = PMap().update(pairs[:cut])
    after = before.update(pairs[cut:])
    for made, expected in ((before, dict(pairs[:cut])), (after, dict(pairs))):
        assert dict(made.items()) == expected
        assert len(made) == len(expected)
        assert sorted(made.values()) == sorted(expected.values())
        for key, value in expected.items():
            assert key in made
            assert made.get(key) == value
    assert (before == after) == (dict(pairs[:cut]) == dict(pairs))


@given(ost.ledgers())
def test_statements_and_aging_close_on_what_is_open_less_credit(ledger: Ledger) -> None:
    as_of = dt.date(2027, 6, 30)  # after every date the strategy makes
    report = aging(ledger, as_of=as_of)
    rows = {row.party: row for row in report.rows}
    for party in ("acme", "globex"):
        items = [i for i in ledger.items if i.party == party]
        owed = sum(
            (ledger.amount_remaining(i.document).amount for i in items if i.amount.amount > 0), ZERO
        )
        credit = ledger.credit(party, "EUR").amount
        closing = statement(ledger, party=party, currency="EUR", as_of=as_of).closing_balance
        assert closing.amount == owed - credit
        if party in rows:
            assert rows[party].balance.amount == owed - credit
        else:
            assert owed == credit == 0


@given(
    ost.ledgers(),
    st.integers(1, 100_000),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal("2"), places=4),
    st.data(),
)
def test_a_payment_in_another_currency_conserves_both(
    ledger: Ledger, cents: int, rate: Decimal, data: st.DataObject
) -> None:
    owing = [i for i in ledger.items if ledger.amount_remaining(i.document).amount > 0]
    if not owing:
        return
    item = data.draw(st.sampled_from(owing))
    usd = ExchangeRate(base="EUR", quote="USD", rate=rate, source="test", date=dt.date(2026, 1, 1))
    payment = Payment.received(
        amount=Money(Decimal(cents) / 100, "USD"),
        date=dt.date(2026, 1, 2),
        reference="USD-1",
        method="transfer",
        party=item.party,
        idempotency_key="req-usd",
    )
    before = ledger.record(payment)
    owed = before.amount_remaining(item.document)
    amount = owed  # all it owes: refused when the payment cannot cover it at this rate
    if usd.convert(amount) > payment.amount:
        with pytest.raises(OverAllocation) as error:
            before.allocate("USD-1", {item.document: amount}, rate=usd)
        assert error.value.requested == usd.convert(amount)
        assert error.value.available == payment.amount
        return
    after = before.allocate("USD-1", {item.document: amount}, rate=usd)
    taken = after.allocations[-1].source_amount
    assert taken == usd.convert(amount)
    assert after.unallocated("USD-1") == Money.of(payment.amount - taken)
    assert after.credit(item.party, "USD") == after.unallocated("USD-1")
    assert after.amount_remaining(item.document) == Money.of(owed - amount)
    assert balances(after.reverse(after.allocations[-1].number)) == balances(before)


@given(
    ost.ledgers(),
    st.sampled_from(["USD", "JPY", "BHD"]),
    st.integers(1, 10_000_000),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("200"), places=4),
    st.sampled_from(["acme", "globex"]),
)
def test_oldest_first_through_a_rate_never_over_allocates_and_conserves(
    ledger: Ledger, code: str, units: int, rate: Decimal, party: str
) -> None:
    places = Decimal(1).scaleb(-precision(code))
    foreign = ExchangeRate(
        base="EUR", quote=code, rate=rate, source="test", date=dt.date(2026, 1, 1)
    )
    booked = ExchangeRate(
        base="EUR", quote=code, rate="1.1", source="test", date=dt.date(2026, 1, 1)
    )
    payment = Payment.received(
        amount=Money(units * places, code),
        date=dt.date(2026, 1, 2),
        reference="FX-1",
        method="transfer",
        party=party,
        idempotency_key="req-fx",
    )
    before = ledger.record(payment)
    after = before.allocate_oldest_first("FX-1", rate=foreign)
    made = [e for e in after.entries[len(before.entries) :] if isinstance(e, Allocation)]
    assert len(made) == len(after.entries) - len(before.entries)
    taken = ZERO
    differences = ZERO
    paid: dict[DocumentRef, Money] = {}
    for allocation in made:
        assert allocation.source == "FX-1"
        assert allocation.rate == foreign
        assert allocation.taken == foreign.convert(allocation.amount)
        assert allocation.amount.currency.code == "EUR"
        # the realized difference: what the payment gave less the booked value of what it settled
        difference = after.exchange_difference(allocation.number, booked=booked)
        assert difference == Money.of(allocation.source_amount - booked.convert(allocation.amount))
        differences += difference.amount
        taken += allocation.source_amount.amount
        paid[allocation.item] = allocation.amount
    # the payment never gives more than it has, and what it keeps is its credit
    assert taken <= payment.amount.amount
    rest = after.unallocated("FX-1")
    assert rest.amount == payment.amount.amount - taken
    assert after.credit(party, code) == rest
    for item in before.items:
        document = item.document
        was = before.amount_remaining(document)
        now = after.amount_remaining(document)
        got = paid.get(document, Money.zero("EUR")).amount
        # allocated + open = what was open; nothing over-allocated
        assert now.amount == was.amount - got
        if item.amount.amount > 0:
            assert ZERO <= now.amount <= was.amount
        if item.party == party and item.amount.amount > 0 and now.amount > 0:
            # as far as it goes: one more minor unit of any item still owing costs more
            # than the payment has left (or costs nothing, and cannot be paid for nothing)
            more = foreign.convert(Money(got + Decimal("0.01"), "EUR")).amount
            cost = more - foreign.convert(Money(got, "EUR")).amount
            assert cost > rest.amount or not more
        elif item.party != party:
            assert got == 0
    # oldest first through a rate is explicit allocation of the amounts it chose
    assert before.allocate("FX-1", paid, rate=foreign) == after
    # the policy OldestFirst through the rate makes the same allocations, but for what
    # oldest first buys with the crumbs a last partial payment leaves (less than a minor
    # unit more of that item costs), which the policy leaves on the payment
    policy = before.allocate_with("FX-1", OldestFirst(), rate=foreign)
    chosen = policy.entries[len(before.entries) :]
    assert chosen == tuple(made[: len(chosen)])
    extra = sum((a.source_amount.amount for a in made[len(chosen) :]), ZERO)
    assert ZERO <= extra <= policy.unallocated("FX-1").amount
    assert policy.unallocated("FX-1").amount == rest.amount + extra
    # and reversing it restores every balance
    undone = after
    for allocation in made:
        undone = undone.reverse(allocation.number)
    assert balances(undone) == balances(before)
    assert undone.unallocated("FX-1") == payment.amount
    # the payment's figure is the sum of its allocations', and nothing once all are reversed
    figure = after.payment_exchange_difference("FX-1", booked=booked)
    assert figure == Money(differences, code)
    assert figure.amount == taken - sum((booked.convert(a.amount).amount for a in made), ZERO)
    assert undone.payment_exchange_difference("FX-1", booked=booked) == Money.zero(code)


@given(ost.ledgers(), st.integers(-2, 40), st.sampled_from(["acme", "globex"]))
def test_reports_as_of_a_day_are_what_the_entries_counted_by_then_say(
    ledger: Ledger, offset: int, party: str
) -> None:
    day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)  # the strategy's first day
    report = aging(ledger, as_of=day)
    rows = {row.party: row for row in report.rows}
    counted = [e for e in live(ledger) if ledger.entry_date(e.number) <= day]
    for name in ("acme", "globex"):
        owed = ZERO
        for item in ledger.items:
            if item.party != name or item.amount.amount <= 0 or item.issue_date > day:
                continue
            settled = sum(
                (e.amount.amount for e in counted if not isinstance(e, CreditRefunded)
                 and e.item == item.document),
                ZERO,
            )  # fmt: skip
            # allocated (by then) + open (then) = the item's amount; nothing over-allocated
            assert ZERO <= item.amount.amount - settled <= item.amount.amount
            owed += item.amount.amount - settled
        row = rows.get(name)
        in_buckets = sum((m.amount for m in row.buckets), ZERO) if row else ZERO
        assert in_buckets == owed
        closing = statement(ledger, party=name, currency="EUR", as_of=day).closing_balance
        assert closing.amount == (row.balance.amount if row else ZERO)
    # what happens after the day changes nothing of it
    after = later_facts(ledger, offset, party)
    assert aging(after, as_of=day) == report
    for name in ("acme", "globex"):
        assert statement(after, party=name, currency="EUR", as_of=day) == statement(
            ledger, party=name, currency="EUR", as_of=day
        )


def later_facts(ledger: Ledger, offset: int, party: str) -> Ledger:
    """``ledger`` with what happens after day ``offset``: a payment made later and
    allocated, an item issued later and paid from the party's (older) credit."""
    later = dt.date(2026, 1, 1) + dt.timedelta(days=max(offset, 30) + 1)
    return (
        ledger.record(
            Payment.received(
                amount=Money("75.00", "EUR"),
                date=later,
                reference="LATER-1",
                method="transfer",
                party=party,
                idempotency_key="req-later",
            )
        )
        .allocate_oldest_first("LATER-1")
        .add_items(
            OpenItem.single(
                document=DocumentRef.invoice("LATER-INV"),
                party=party,
                amount=Money("40.00", "EUR"),
                issue_date=later,
                due_date=later,
            )
        )
        .allocate_credit_oldest_first(party, "EUR", on=later)  # old credit, allocated later
    )


@given(ost.ledgers(), st.integers(-2, 40), st.sampled_from(["acme", "globex"]))
def test_status_as_of_a_day_agrees_with_the_aging_of_that_day(
    ledger: Ledger, offset: int, party: str
) -> None:
    day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
    rows = {row.party: row for row in aging(ledger, as_of=day).rows}
    for name in ("acme", "globex"):
        invoices = [
            i
            for i in ledger.items
            if i.party == name and i.amount.amount > 0 and i.issue_date <= day
        ]
        row = rows.get(name)
        buckets = [m.amount for m in row.buckets] if row else [ZERO]
        remaining = {i.document: ledger.amount_remaining(i.document, as_of=day) for i in invoices}
        # what is open of each invoice that day is what the aging of that day puts in buckets
        assert sum((m.amount for m in remaining.values()), ZERO) == sum(buckets, ZERO)
        statuses = {i.document: ledger.status(i.document, as_of=day) for i in invoices}
        # an invoice is overdue exactly when the aging has something past due
        assert (ItemStatus.OVERDUE in statuses.values()) == (sum(buckets[1:], ZERO) > 0)
        for item in invoices:
            open_now = remaining[item.document].amount
            status = statuses[item.document]
            assert (status in (ItemStatus.PAID, ItemStatus.CREDITED)) == (open_now == 0)
            if status is ItemStatus.OPEN:
                assert open_now == item.amount.amount
            if status is ItemStatus.PARTIALLY_PAID:
                assert ZERO < open_now < item.amount.amount
            settled = (
                ledger.amount_paid(item.document, as_of=day)
                + ledger.amount_written_off(item.document, as_of=day)
                + ledger.amount_discounted(item.document, as_of=day)
            )
            assert settled.amount == item.amount.amount - open_now
    # long after every fact, the amounts of a day are the ledger's own
    end = dt.date(2027, 6, 30)
    for item in ledger.items:
        assert ledger.amount_remaining(item.document, as_of=end) == ledger.amount_remaining(
            item.document
        )
    # and what happens later changes nothing of that day
    after = later_facts(ledger, offset, party)
    for item in ledger.items:
        document = item.document
        assert after.status(document, as_of=day) == ledger.status(document, as_of=day)
        assert after.amount_remaining(document, as_of=day) == ledger.amount_remaining(
            document, as_of=day
        )
        assert after.amount_paid(document, as_of=day) == ledger.amount_paid(document, as_of=day)


@st.composite
def refunded(draw: st.DrawFn) -> Ledger:
    """A ledger after random history, then refunds of what credit is left, in part or more.

    Each refund is of a random amount on a random day (before, on or after the payments
    it pays back), paid back from the party's credit (or one payment named), now or on
    a later day; then credit notes may still take a refund's rest.
    """
    ledger = draw(ost.ledgers())
    for index in range(draw(st.integers(1, 2))):
        party = draw(st.sampled_from(["acme", "globex"]))
        day = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 20)))
        reference = f"OUT-{index}"
        ledger = ledger.record(
            Payment.refund_sent(
                amount=Money(Decimal(draw(st.integers(1, 60_000))) / 100, "EUR"),
                date=day,
                reference=reference,
                method="transfer",
                party=party,
                idempotency_key=f"req-out-{index}",
            )
        )
        theirs = [p.reference for p in ledger.payments if p.party == party and not p.kind.is_refund]
        named = draw(st.sampled_from([None, *theirs]))
        latest = max(
            [day, *(ledger.payment(r).date for r in theirs), *(i.issue_date for i in ledger.items)]
        )
        on = draw(st.sampled_from([None, latest + dt.timedelta(days=draw(st.integers(0, 10)))]))
        if on is None and named is not None and ledger.payment(named).date > day:
            # without on=, a refund pays back no credit of a payment made after it
            with pytest.raises(RefundBeforePayment) as early:
                ledger.refund_credit(reference, payment=named)
            assert (early.value.refund_date, early.value.payment_date) == (
                day,
                ledger.payment(named).date,
            )
            on = latest
        ledger = ledger.refund_credit(reference, payment=named, on=on)
    return ledger


@given(refunded(), st.integers(-2, 45))
def test_a_refund_of_credit_partly_applied_closes_statement_and_aging_alike(
    ledger: Ledger, offset: int
) -> None:
    day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
    rows = {row.party: row for row in aging(ledger, as_of=day).rows}
    for name in ("acme", "globex"):
        closing = statement(ledger, party=name, currency="EUR", as_of=day).closing_balance
        row = rows.get(name)
        assert closing.amount == (row.balance.amount if row else ZERO)
        if row is None:
            continue
        # the credit is what the payments and credit notes have left, less what refunds
        # paid beyond the credit they paid back, all as of that day
        assert sum((m.amount for m in row.buckets), ZERO) == sum(
            (
                ledger.amount_remaining(i.document, as_of=day).amount
                for i in ledger.items
                if i.party == name and i.amount.amount > 0 and i.issue_date <= day
            ),
            ZERO,
        )
    # long after every fact, the aging's credit is the ledger's credit less the refunds' rests
    end = dt.date(2027, 6, 30)
    for row in aging(ledger, as_of=end).rows:
        rests = sum(
            (
                ledger.unallocated(p.reference).amount
                for p in ledger.payments
                if p.party == row.party and p.kind.is_refund
            ),
            ZERO,
        )
        assert row.credit.amount == ledger.credit(row.party, "EUR").amount - rests


@given(refunded(), st.integers(-2, 45))
def test_the_credit_of_a_day_is_the_agings_credit_without_the_refunds_rests(
    ledger: Ledger, offset: int
) -> None:
    # Ledger.credit is what can still be drawn on (never negative); the aging's credit
    # is that less what refunds sent by the day have not paid back (owed by the party)
    day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
    rows = {row.party: row for row in aging(ledger, as_of=day).rows}
    for name in ("acme", "globex"):
        credit = ledger.credit(name, "EUR", as_of=day)
        assert credit.amount >= 0
        rests = sum(
            (
                ledger.unallocated(p.reference, as_of=day).amount
                for p in ledger.payments
                if p.party == name and p.kind.is_refund and p.date <= day
            ),
            ZERO,
        )
        row = rows.get(name)
        assert (row.credit.amount if row else ZERO) == credit.amount - rests
    for payment in ledger.payments:
        left = ledger.unallocated(payment.reference, as_of=day)
        assert ZERO <= left.amount <= payment.amount.amount
        assert ledger.unallocated(payment.reference, as_of=dt.date(2027, 6, 30)) == (
            ledger.unallocated(payment.reference)
        )
    for name in ("acme", "globex"):
        assert ledger.credit(name, "EUR", as_of=dt.date(2027, 6, 30)) == ledger.credit(name, "EUR")


@given(refunded(), st.integers(-2, 45))
def test_with_refunds_nothing_is_lost_and_nothing_created(ledger: Ledger, offset: int) -> None:
    # today and as of a day: what the payments and credit notes gave is allocated, paid
    # back to refunds, written off or still credit; what the refunds sent paid back
    # credit (of payments, or of credit notes) or is still on them
    day = dt.date(2026, 1, 1) + dt.timedelta(days=offset)
    for as_of in (None, day):
        counted = [
            e
            for e in ledger.entries
            if e.number not in ledger.reversed
            and (as_of is None or ledger.entry_date(e.number) <= as_of)
        ]
        payments = [
            p
            for p in ledger.payments
            if (as_of is None or p.date <= as_of) and not p.kind.is_refund
        ]
        refunds = [
            p for p in ledger.payments if (as_of is None or p.date <= as_of) and p.kind.is_refund
        ]
        notes = [
            i
            for i in ledger.items
            if i.amount.amount < 0 and (as_of is None or i.issue_date <= as_of)
        ]
        paid_back = sum((e.amount.amount for e in counted if isinstance(e, CreditRefunded)), ZERO)
        refunded_notes = sum(
            (
                e.amount.amount
                for e in counted
                if isinstance(e, Allocation)
                and isinstance(e.source, str)
                and ledger.payment(e.source).kind.is_refund
            ),
            ZERO,
        )
        to_invoices = sum(
            (
                e.source_amount.amount
                for e in counted
                if isinstance(e, Allocation)
                and not (isinstance(e.source, str) and ledger.payment(e.source).kind.is_refund)
            ),
            ZERO,
        )
        notes_written = sum(
            (
                e.amount.amount
                for e in counted
                if isinstance(e, WriteOff) and ledger.item(e.item).amount.amount < 0
            ),
            ZERO,
        )
        given_in = sum((p.amount.amount for p in payments), ZERO) - sum(
            (i.amount.amount for i in notes), ZERO
        )
        credit = sum(
            (ledger.credit(name, "EUR", as_of=as_of).amount for name in ("acme", "globex")),
            ZERO,
        )
        assert given_in == credit + to_invoices + paid_back + refunded_notes + notes_written
        sent = sum((p.amount.amount for p in refunds), ZERO)
        left = sum((ledger.unallocated(p.reference, as_of=as_of).amount for p in refunds), ZERO)
        assert sent == left + paid_back + refunded_notes
