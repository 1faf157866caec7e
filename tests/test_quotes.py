"""Quotes: versions with deltas, and the life of a quote from draft to accepted."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Allowance,
    Conflict,
    DeltaDoesNotApply,
    DocumentWithoutLines,
    DuplicateLineKey,
    EmptyRevision,
    InvalidDocument,
    InvalidType,
    Line,
    Money,
    Policy,
    PriceSource,
    QuoteLineNotOrderable,
    QuoteNotExpired,
    QuoteNotSent,
    QuotePastValidity,
    Request,
    RoundingMode,
    Tax,
    UnknownQuoteLine,
    WrongState,
)
from ordercore.documents.quotes import (
    AcceptedQuote,
    DeclinedQuote,
    Delta,
    DraftQuote,
    ExpiredQuote,
    LineChange,
    QuoteContent,
    QuoteLine,
    SentQuote,
    ValidityChange,
)
from ordercore.documents.sales_orders import InvoicingPolicy, SalesOrder
from ordercore.testing.strategies import lines

VAT = Tax.percent("VAT", "20")
VALID_UNTIL = dt.date(2026, 12, 31)


def request(key: str, day: dt.date = dt.date(2026, 11, 23)) -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC), business_date=day)


def item(
    key: str, quantity: str = "1", price: str = "10.00", group: str | None = None
) -> QuoteLine:
    line = Line(
        description=key.title(), quantity=quantity, unit_price=Money(price, "EUR"), taxes=[VAT]
    )
    return QuoteLine(key=key, line=line, group=group)


def content(*items: QuoteLine, **settings: object) -> QuoteContent:
    return QuoteContent(currency="EUR", lines=list(items), **settings)  # type: ignore[arg-type]


def draft() -> DraftQuote:
    return DraftQuote.create(
        id="q-1",
        customer="acme",
        content=content(item("desk", "2", "300.00")),
        valid_until=VALID_UNTIL,
        request=request("r1"),
    ).document


class TestDelta:
    def test_lists_added_removed_and_changed_with_old_and_new_values(self) -> None:
        old = content(item("desk", "2", "300.00"), item("lamp", "2", "25.00"))
        new = content(item("chair", "4", "80.00"), item("desk", "3", "290.00"))
        delta = Delta.between(old, new)
        assert [line.key for line in delta.added] == ["chair"]
        assert [line.key for line in delta.removed] == ["lamp"]
        assert delta.changed == (
            LineChange(
                key="desk",
                field="quantity",
                old=old.line("desk").line.quantity,
                new=new.line("desk").line.quantity,
            ),
            LineChange(
                key="desk",
                field="unit_price",
                old=Money("300.00", "EUR"),
                new=Money("290.00", "EUR"),
            ),
        )
        assert delta.order == ("chair", "desk")
        assert delta.apply(old) == new

    def test_a_line_repriced_from_a_newer_catalog_says_so(self) -> None:
        def desk(price: str, version: str) -> QuoteLine:
            source = PriceSource(catalog_version=version, price_book="List", price_break="0")
            line = Line(
                description="Desk",
                quantity="2",
                unit_price=Money(price, "EUR"),
                product="DESK",
                price_source=source,
            )
            return QuoteLine(key="desk", line=line)

        old, new = content(desk("300.00", "2024-01")), content(desk("310.00", "2024-02"))
        delta = Delta.between(old, new)
        assert [(change.field, change.new) for change in delta.changed] == [
            ("unit_price", Money("310.00", "EUR")),
            ("price_source", new.line("desk").line.price_source),
        ]
        assert delta.apply(old) == new

    def test_settings_and_sections_are_part_of_it(self) -> None:
        old = content(item("desk"))
        new = content(
            item("desk", group="Office"), allowances=[Allowance.percentage("5", reason="Loyalty")]
        )
        delta = Delta.between(old, new)
        assert [change.field for change in delta.changed] == ["group"]
        assert [change.setting for change in delta.settings] == ["allowances"]
        assert delta.apply(old) == new
        assert not Delta.between(old, old)

    def test_a_delta_applies_only_to_the_version_it_was_taken_from(self) -> None:
        delta = Delta.between(content(item("desk"), item("lamp")), content(item("desk", "2")))
        with pytest.raises(DeltaDoesNotApply) as error:
            delta.apply(content(item("chair")))
        assert (error.value.key, error.value.field) == ("desk", None)
        assert isinstance(error.value, Conflict)
        with pytest.raises(UnknownQuoteLine) as unknown:
            content(item("desk")).line("lamp")
        assert unknown.value.key == "lamp"
        assert isinstance(unknown.value, LookupError)
        with pytest.raises(InvalidType):
            Delta.between(content(item("desk")), None)  # type: ignore[arg-type]

    def test_a_reorder_is_a_change(self) -> None:
        old = content(item("desk"), item("lamp"))
        new = content(item("lamp"), item("desk"))
        delta = Delta.between(old, new)
        assert delta
        assert delta.reordered
        assert delta.apply(old) == new
        revised = DraftQuote.create(
            id="q-1", customer="acme", content=old, valid_until=VALID_UNTIL, request=request("r1")
        ).document.revise(new, request=request("r2"))
        assert revised.document.content == new
        assert revised.events[0].delta.order == ("lamp", "desk")

    def test_lines_added_or_removed_around_the_others_do_not_reorder_them(self) -> None:
        old = content(item("desk"), item("lamp"))
        assert not Delta.between(old, content(item("chair"), item("desk"), item("lamp"))).reordered
        assert not Delta.between(old, content(item("lamp"))).reordered

    def test_a_delta_refuses_a_version_missing_a_line_it_keeps(self) -> None:
        delta = Delta.between(
            content(item("desk"), item("lamp")), content(item("desk", "2"), item("lamp"))
        )
        with pytest.raises(DeltaDoesNotApply) as error:
            delta.apply(content(item("desk")))
        assert (error.value.key, error.value.found, error.value.expected) == ("lamp", None, None)

    def test_a_delta_refuses_a_version_with_a_line_it_does_not_know(self) -> None:
        delta = Delta.between(content(item("desk")), content(item("desk", "2")))
        with pytest.raises(DeltaDoesNotApply) as error:
            delta.apply(content(item("desk"), item("lamp")))
        assert error.value.key == "lamp"

    def test_a_delta_refuses_a_version_that_already_has_a_line_it_adds(self) -> None:
        delta = Delta.between(content(item("desk")), content(item("desk"), item("lamp")))
        with pytest.raises(DeltaDoesNotApply) as error:
            delta.apply(content(item("desk"), item("lamp")))
        assert error.value.key == "lamp"

    def test_a_delta_refuses_a_version_whose_values_are_not_the_old_ones(self) -> None:
        delta = Delta.between(content(item("desk", "1")), content(item("desk", "2")))
        with pytest.raises(DeltaDoesNotApply) as error:
            delta.apply(content(item("desk", "5")))
        assert (error.value.key, error.value.field) == ("desk", "quantity")
        assert (error.value.found, error.value.expected) == (Decimal(5), Decimal(1))
        removing = Delta.between(content(item("desk"), item("lamp")), content(item("desk")))
        with pytest.raises(DeltaDoesNotApply) as removed:
            removing.apply(content(item("desk"), item("lamp", "3")))
        assert (removed.value.key, removed.value.found) == ("lamp", item("lamp", "3"))
        assert removed.value.expected == item("lamp")
        settings = Delta.between(
            content(item("desk")),
            content(item("desk"), allowances=[Allowance.percentage("5", reason="Loyalty")]),
        )
        other = content(item("desk"), allowances=[Allowance.percentage("3", reason="Loyalty")])
        with pytest.raises(DeltaDoesNotApply) as setting:
            settings.apply(other)
        assert (setting.value.key, setting.value.field) == (None, "allowances")
        assert (setting.value.found, setting.value.expected) == (other.allowances, ())

    def test_keys_are_unique(self) -> None:
        with pytest.raises(DuplicateLineKey) as error:
            content(item("desk"), item("desk"))
        assert error.value.key == "desk"
        assert isinstance(error.value, InvalidDocument)
        assert isinstance(error.value, Conflict)

    @given(st.data())
    def test_a_delta_applied_to_the_old_version_gives_the_new_one(
        self, data: st.DataObject
    ) -> None:
        pool = [
            QuoteLine(
                key=f"k{i}",
                line=data.draw(lines("EUR")),
                group=data.draw(st.sampled_from([None, "A", "B"])),
            )
            for i in range(6)
        ]
        old_keys = data.draw(st.lists(st.sampled_from(range(6)), unique=True, max_size=6))
        new_keys = data.draw(st.lists(st.sampled_from(range(6)), unique=True, max_size=6))
        changed = data.draw(st.lists(st.sampled_from(range(6)), unique=True, max_size=3))
        replacement = {
            i: QuoteLine(key=f"k{i}", line=data.draw(lines("EUR")), group=pool[i].group)
            for i in changed
        }
        old = QuoteContent(currency="EUR", lines=[pool[i] for i in old_keys])
        new = QuoteContent(currency="EUR", lines=[replacement.get(i, pool[i]) for i in new_keys])
        delta = Delta.between(old, new)
        assert delta.apply(old) == new
        if old != new:
            assert delta  # every difference is a change, a reorder too
        other_keys = data.draw(st.lists(st.sampled_from(range(6)), unique=True, max_size=6))
        other = QuoteContent(currency="EUR", lines=[pool[i] for i in other_keys])
        if set(other_keys) == set(old_keys):  # the old lines, in any order
            assert delta.apply(other) == new
        else:
            with pytest.raises(DeltaDoesNotApply) as error:
                delta.apply(other)
            assert error.value.key in {f"k{i}" for i in range(6)}


class TestLife:
    def test_revise_send_accept(self) -> None:
        quote = draft()
        revised = quote.revise(content(item("desk", "3", "300.00")), request=request("r2"))
        assert revised.document.version == 2
        assert revised.events[0].delta.changed[0].field == "quantity"
        sent = revised.document.send(request=request("r3"))
        assert isinstance(sent.document, SentQuote)
        accepted = sent.document.accept(request=request("r4"))
        assert isinstance(accepted.document, AcceptedQuote)
        assert accepted.document.version == 2
        assert accepted.document.priced.totals.tax_inclusive == Money("1080.00", "EUR")
        assert [e.name for e in (*revised.events, *sent.events, *accepted.events)] == [
            "QuoteRevised",
            "QuoteSent",
            "QuoteAccepted",
        ]
        shown = repr(accepted.document)
        assert shown.startswith("AcceptedQuote(id='q-1', state='accepted', version=2, ")
        assert "total='1080.00'" in shown

    def test_an_accepted_quote_confirms_a_sales_order_for_its_version(self) -> None:
        sent = (
            draft()
            .revise(content(item("desk", "3", "300.00")), request=request("r2"))
            .document.send(request=request("r3"))
        )
        accepted = sent.document.accept(request=request("r4")).document
        order = accepted.confirm_order(
            id="so-1",
            number="SO-1",
            invoicing_policy=InvoicingPolicy.DELIVERED,
            request=request("r5"),
        ).document
        assert order.customer == "acme"
        assert order.priced.totals.tax_inclusive == accepted.priced.totals.tax_inclusive

    def test_a_sent_quote_revised_is_a_new_draft(self) -> None:
        sent = draft().send(request=request("r2")).document
        again = sent.revise(content(item("desk", "2", "280.00")), request=request("r3")).document
        assert isinstance(again, DraftQuote)
        assert again.version == 2

    def test_accepting_after_the_validity_is_refused_and_expiring_before_it_too(self) -> None:
        sent = draft().send(request=request("r2")).document
        with pytest.raises(QuotePastValidity) as late:
            sent.accept(request=request("r3", dt.date(2027, 1, 2)))
        assert (late.value.quote, late.value.valid_until, late.value.on) == (
            "q-1",
            VALID_UNTIL,
            dt.date(2027, 1, 2),
        )
        assert (late.value.state, late.value.operation) == ("sent", "accept")
        assert late.value.first == "revise it with a later valid_until and send it again"
        with pytest.raises(QuoteNotExpired) as early:
            sent.expire(request=request("r3", dt.date(2026, 12, 31)))
        assert (early.value.valid_until, early.value.on) == (VALID_UNTIL, VALID_UNTIL)
        assert isinstance(early.value, WrongState)
        expired = sent.expire(request=request("r3", dt.date(2027, 1, 1))).document
        assert isinstance(expired, ExpiredQuote)

    def test_declined_and_final_states_have_no_mutators(self) -> None:
        sent = draft().send(request=request("r2")).document
        declined = sent.decline(request=request("r3"), reason="Too expensive")
        assert isinstance(declined.document, DeclinedQuote)
        assert declined.events[0].reason == "Too expensive"
        for final in (declined.document, sent.accept(request=request("r4")).document):
            for mutator in ("revise", "send", "accept", "decline", "expire"):
                assert not hasattr(final, mutator)

    def test_a_revision_that_changes_nothing_is_refused(self) -> None:
        with pytest.raises(EmptyRevision) as error:
            draft().revise(content(item("desk", "2", "300.00")), request=request("r2"))
        assert (error.value.quote, error.value.version) == ("q-1", 1)

    def test_an_empty_quote_is_refused_when_it_is_made(self) -> None:
        with pytest.raises(DocumentWithoutLines) as error:
            DraftQuote.create(
                id="q-2",
                customer="acme",
                content=content(),
                valid_until=VALID_UNTIL,
                request=request("r1"),
            )
        assert error.value.document == "quote 'q-2'"
        with pytest.raises(DocumentWithoutLines):
            draft().revise(content(), request=request("r2"))

    def test_a_revision_of_the_validity_alone_says_so(self) -> None:
        quote = draft()
        same = content(item("desk", "2", "300.00"))
        revised = quote.revise(same, valid_until=dt.date(2027, 1, 31), request=request("r2"))
        assert revised.document.valid_until == dt.date(2027, 1, 31)
        assert revised.document.version == 2
        event = revised.events[0]
        assert not event.delta
        assert event.validity == ValidityChange(old=VALID_UNTIL, new=dt.date(2027, 1, 31))
        with pytest.raises(EmptyRevision):
            quote.revise(same, valid_until=VALID_UNTIL, request=request("r3"))

    def test_a_revision_of_the_content_alone_changes_no_validity(self) -> None:
        revised = draft().revise(content(item("desk", "3", "300.00")), request=request("r2"))
        assert revised.events[0].validity is None
        assert revised.document.valid_until == VALID_UNTIL

    def test_a_quote_past_its_validity_cannot_be_sent(self) -> None:
        quote = draft()
        with pytest.raises(QuotePastValidity) as error:
            quote.send(request=request("r2", dt.date(2027, 1, 4)))
        assert (error.value.state, error.value.operation) == ("draft", "send")
        assert (error.value.valid_until, error.value.on) == (VALID_UNTIL, dt.date(2027, 1, 4))
        assert error.value.first == "revise it with a later valid_until"
        assert quote.send(request=request("r2", VALID_UNTIL)).document.state == "sent"
        later = quote.revise(
            quote.content, valid_until=dt.date(2027, 1, 31), request=request("r3")
        ).document
        assert later.send(request=request("r4", dt.date(2027, 1, 4))).document.state == "sent"


class TestRefusedEarly:
    """A step on the wrong state names the step that comes first; a bad offer is refused at once."""

    @pytest.mark.parametrize("step", ["accept", "decline", "expire"])
    def test_a_draft_is_sent_first(self, step: str) -> None:
        quote = draft()
        with pytest.raises(QuoteNotSent) as error:
            getattr(quote, step)(request=request("r2"))
        assert (error.value.quote, error.value.state, error.value.operation) == (
            "q-1",
            "draft",
            step,
        )
        assert error.value.first == "send it"
        assert error.value.document == "quote 'q-1'"
        assert isinstance(error.value, WrongState)
        assert isinstance(error.value, ValueError)

    def test_a_draft_refuses_a_bad_request_before_the_state(self) -> None:
        with pytest.raises(InvalidType):
            draft().accept(request="r2")  # type: ignore[arg-type]

    @pytest.mark.parametrize("quantity", ["-1", "0", "-0.5"])
    def test_a_quantity_an_order_would_refuse_is_refused_at_creation(self, quantity: str) -> None:
        with pytest.raises(QuoteLineNotOrderable) as error:
            DraftQuote.create(
                id="q-3",
                customer="acme",
                content=content(item("desk", "2"), item("return", quantity)),
                valid_until=VALID_UNTIL,
                request=request("r1"),
            )
        assert (error.value.quote, error.value.key) == ("q-3", "return")
        assert error.value.quantity == Decimal(quantity)
        assert isinstance(error.value, InvalidDocument)

    def test_and_at_revision_of_a_draft_or_a_sent_quote(self) -> None:
        quote = draft()
        bad = content(item("desk", "-2", "300.00"))
        with pytest.raises(QuoteLineNotOrderable):
            quote.revise(bad, request=request("r2"))
        sent = quote.send(request=request("r2")).document
        with pytest.raises(QuoteLineNotOrderable):
            sent.revise(bad, request=request("r3"))

    def test_a_line_whose_net_is_below_zero_is_refused_as_an_order_would(self) -> None:
        # 0 JPY with 0.05 JPY of eco fee included, rounded UP: a net of -1
        fee = Tax.per_unit("Eco fee", Money("0.05", "JPY"), included=True)
        line = Line(description="Widget", quantity="1", unit_price=Money("0", "JPY"), taxes=[fee])
        cheap = QuoteContent(
            currency="JPY",
            lines=[QuoteLine(key="widget", line=line)],
            policy=Policy(rounding=RoundingMode.UP),
        )
        with pytest.raises(InvalidDocument) as quoted:
            DraftQuote.create(
                id="q-4",
                customer="acme",
                content=cheap,
                valid_until=VALID_UNTIL,
                request=request("r1"),
            )
        with pytest.raises(InvalidDocument) as ordered:
            SalesOrder.confirm(
                id="so-4",
                customer="acme",
                number="SO-4",
                content=cheap.document(),
                invoicing_policy=InvoicingPolicy.ORDERED,
                request=request("r1"),
            )
        assert type(quoted.value) is type(ordered.value)  # the one check, reused

    def test_a_quote_built_directly_is_checked_too(self) -> None:
        with pytest.raises(QuoteLineNotOrderable):
            SentQuote(
                id="q-5",
                customer="acme",
                content=content(item("desk", "-1")),
                valid_until=VALID_UNTIL,
            )

    @given(st.lists(st.decimals(-5, 5, places=2).map(str), min_size=1, max_size=4))
    def test_every_quote_that_is_accepted_confirms_its_order(self, quantities: list[str]) -> None:
        offer = content(*(item(f"k{i}", quantity) for i, quantity in enumerate(quantities)))
        try:
            quote = DraftQuote.create(
                id="q-6",
                customer="acme",
                content=offer,
                valid_until=VALID_UNTIL,
                request=request("r1"),
            ).document
        except QuoteLineNotOrderable as error:
            refused = error.quantity
        else:
            refused = None
        if refused is not None:
            assert refused <= 0
            assert refused in {Decimal(quantity) for quantity in quantities}
            return
        accepted = quote.send(request=request("r2")).document.accept(request=request("r3"))
        order = accepted.document.confirm_order(
            id="so-6",
            number="SO-6",
            invoicing_policy=InvoicingPolicy.ORDERED,
            request=request("r4"),
        ).document
        assert order.total == accepted.document.priced.totals.amount_due


class TestPriced:
    def test_priced_is_an_attribute_of_every_state_priced_when_the_quote_is_made(self) -> None:
        quote = draft()
        sent = quote.send(request=request("r2")).document
        accepted = sent.accept(request=request("r3")).document
        declined = sent.decline(request=request("r3")).document
        expired = sent.expire(request=request("r3", dt.date(2027, 1, 1))).document
        for state in (quote, sent, accepted, declined, expired):
            assert not callable(state.priced)
            assert state.priced.totals.tax_inclusive == Money("720.00", "EUR")
            assert state.priced is quote.priced  # priced once, kept from state to state
        with pytest.raises(AttributeError):
            quote.priced = quote.priced  # type: ignore[misc]

    def test_a_revision_prices_its_new_content(self) -> None:
        revised = draft().revise(content(item("desk", "3", "300.00")), request=request("r2"))
        assert revised.document.priced.totals.tax_inclusive == Money("1080.00", "EUR")

    def test_quotes_are_equal_and_hashable_by_what_they_hold(self) -> None:
        assert draft() == draft()
        assert hash(draft()) == hash(draft())
        assert draft() != draft().send(request=request("r2")).document
