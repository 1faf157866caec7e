"""Quotes: versions with deltas, and the life of a quote from draft to accepted."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    Allowance,
    InvalidDocument,
    InvalidType,
    Line,
    Money,
    PriceSource,
    Request,
    Tax,
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
from ordercore.documents.sales_orders import InvoicingPolicy
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
        with pytest.raises(InvalidDocument, match="no line 'desk'"):
            delta.apply(content(item("chair")))
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
        with pytest.raises(
            InvalidDocument, match="not taken from that version: it has no line 'lamp'"
        ):
            delta.apply(content(item("desk")))

    def test_a_delta_refuses_a_version_with_a_line_it_does_not_know(self) -> None:
        delta = Delta.between(content(item("desk")), content(item("desk", "2")))
        with pytest.raises(InvalidDocument, match=r"not taken from that version: .*'lamp'"):
            delta.apply(content(item("desk"), item("lamp")))

    def test_a_delta_refuses_a_version_that_already_has_a_line_it_adds(self) -> None:
        delta = Delta.between(content(item("desk")), content(item("desk"), item("lamp")))
        with pytest.raises(InvalidDocument, match=r"not taken from that version: .*'lamp'"):
            delta.apply(content(item("desk"), item("lamp")))

    def test_a_delta_refuses_a_version_whose_values_are_not_the_old_ones(self) -> None:
        delta = Delta.between(content(item("desk", "1")), content(item("desk", "2")))
        with pytest.raises(InvalidDocument, match=r"not taken from that version: .*quantity"):
            delta.apply(content(item("desk", "5")))
        removing = Delta.between(content(item("desk"), item("lamp")), content(item("desk")))
        with pytest.raises(InvalidDocument, match=r"not taken from that version: .*'lamp'"):
            removing.apply(content(item("desk"), item("lamp", "3")))

    def test_keys_are_unique(self) -> None:
        with pytest.raises(InvalidDocument, match="key 'desk'"):
            content(item("desk"), item("desk"))

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
            with pytest.raises(InvalidDocument, match="not taken from that version"):
                delta.apply(other)


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
        assert accepted.document.priced().totals.tax_inclusive == Money("1080.00", "EUR")
        assert [e.name for e in (*revised.events, *sent.events, *accepted.events)] == [
            "QuoteRevised",
            "QuoteSent",
            "QuoteAccepted",
        ]
        assert (
            repr(accepted.document)
            == "AcceptedQuote(id='q-1', state='accepted', version=2, currency='EUR', lines=1)"
        )

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
        assert order.priced.totals.tax_inclusive == accepted.priced().totals.tax_inclusive

    def test_a_sent_quote_revised_is_a_new_draft(self) -> None:
        sent = draft().send(request=request("r2")).document
        again = sent.revise(content(item("desk", "2", "280.00")), request=request("r3")).document
        assert isinstance(again, DraftQuote)
        assert again.version == 2

    def test_accepting_after_the_validity_is_refused_and_expiring_before_it_too(self) -> None:
        sent = draft().send(request=request("r2")).document
        with pytest.raises(InvalidDocument, match="valid until 2026-12-31"):
            sent.accept(request=request("r3", dt.date(2027, 1, 2)))
        with pytest.raises(InvalidDocument, match="has not expired"):
            sent.expire(request=request("r3", dt.date(2026, 12, 31)))
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
        with pytest.raises(InvalidDocument, match="changes nothing"):
            draft().revise(content(item("desk", "2", "300.00")), request=request("r2"))

    def test_an_empty_quote_cannot_be_sent(self) -> None:
        empty = DraftQuote.create(
            id="q-2",
            customer="acme",
            content=content(),
            valid_until=VALID_UNTIL,
            request=request("r1"),
        )
        with pytest.raises(InvalidDocument, match="no lines"):
            empty.document.send(request=request("r2"))

    def test_a_revision_of_the_validity_alone_says_so(self) -> None:
        quote = draft()
        same = content(item("desk", "2", "300.00"))
        revised = quote.revise(same, valid_until=dt.date(2027, 1, 31), request=request("r2"))
        assert revised.document.valid_until == dt.date(2027, 1, 31)
        assert revised.document.version == 2
        event = revised.events[0]
        assert not event.delta
        assert event.validity == ValidityChange(old=VALID_UNTIL, new=dt.date(2027, 1, 31))
        with pytest.raises(InvalidDocument, match="changes nothing"):
            quote.revise(same, valid_until=VALID_UNTIL, request=request("r3"))

    def test_a_revision_of_the_content_alone_changes_no_validity(self) -> None:
        revised = draft().revise(content(item("desk", "3", "300.00")), request=request("r2"))
        assert revised.events[0].validity is None
        assert revised.document.valid_until == VALID_UNTIL

    def test_a_quote_past_its_validity_cannot_be_sent(self) -> None:
        quote = draft()
        with pytest.raises(
            InvalidDocument, match=r"valid until 2026-12-31.*2027-01-04.*valid_until"
        ):
            quote.send(request=request("r2", dt.date(2027, 1, 4)))
        assert quote.send(request=request("r2", VALID_UNTIL)).document.state == "sent"
        later = quote.revise(
            quote.content, valid_until=dt.date(2027, 1, 31), request=request("r3")
        ).document
        assert later.send(request=request("r4", dt.date(2027, 1, 4))).document.state == "sent"
