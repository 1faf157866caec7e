"""Negative unit prices (a discount or a deposit billed as a line): ``Policy.negative_prices``.

Refused by default (EN 16931 BR-27); allowed, a line of negative price is priced as its
mirror, the sign on its quantity, so that per-unit taxes and discounts follow the sign of
the line's amount (docs/pricing.md, "Negative unit prices").
"""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, reject

from ordercore import (
    Discount,
    Document,
    DraftQuote,
    Group,
    InvalidDiscount,
    InvalidLine,
    InvalidType,
    InvoicingPolicy,
    Line,
    Money,
    NegativePriceOnOrder,
    NegativePrices,
    OrdercoreError,
    Policy,
    PricedDocument,
    PurchaseOrder,
    QuoteContent,
    QuoteLine,
    Request,
    SalesOrder,
    Tax,
    TaxRounding,
    price,
)
from ordercore.interop.plain import document_from_data, document_to_data
from ordercore.services import fingerprint
from ordercore.testing.strategies import documents

VAT = Tax.percent("VAT", "20")
FEE = Tax.per_unit("Deposit fee", Money("0.25", "EUR"))
ALLOW = Policy(negative_prices=NegativePrices.ALLOW)
DAY = dt.date(2026, 12, 1)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def crate(quantity: str = "2", **fields: object) -> Line:
    return Line(
        description="Crate back",
        quantity=quantity,
        unit_price=eur("-1.00"),
        taxes=[FEE, VAT],
        **fields,  # type: ignore[arg-type]
    )


def beer() -> Line:
    return Line(description="Beer", quantity="6", unit_price=eur("1.50"), taxes=[FEE, VAT])


class TestRefusedByDefault:
    def test_a_document_with_a_negative_price_is_refused(self) -> None:
        with pytest.raises(InvalidLine) as caught:
            Document(currency="EUR", items=[beer(), crate()])
        assert (caught.value.line, caught.value.field) == ("Crate back", "unit_price")

    def test_a_line_of_negative_price_is_a_line_until_it_is_priced(self) -> None:
        assert crate().unit_price == eur("-1.00")

    def test_the_option_is_a_negative_prices_value(self) -> None:
        with pytest.raises(InvalidType) as caught:
            Policy(negative_prices=True)  # type: ignore[arg-type]
        assert caught.value.field == "negative_prices"


class TestAllowed:
    def test_per_unit_taxes_follow_the_sign_of_the_line_amount(self) -> None:
        priced = price(Document(currency="EUR", items=[beer(), crate()], policy=ALLOW))
        back = priced.lines[1]
        assert (back.gross, back.net, back.tax) == (eur("-2.00"), eur("-2.00"), eur("-0.90"))
        fee, vat = priced.tax_breakdown
        assert (fee.base, fee.amount) == (eur("7.00"), eur("1.00"))  # 1.50 - 0.50
        assert (vat.base, vat.amount) == (eur("7.00"), eur("1.40"))
        assert priced.totals.tax_inclusive == eur("9.40")
        assert back.line == crate()  # shown as given

    def test_it_prices_as_the_return_of_a_positive_price(self) -> None:
        mirror = attrs.evolve(crate(), quantity=Decimal(-2), unit_price=eur("1.00"))
        negative = price(Document(currency="EUR", items=[beer(), crate()], policy=ALLOW))
        returned = price(Document(currency="EUR", items=[beer(), mirror]))
        assert _amounts(negative) == _amounts(returned)

    def test_line_discounts_lower_the_size_of_the_amount(self) -> None:
        priced = price(
            Document(
                currency="EUR",
                items=[
                    crate(discounts=[Discount.per_unit(eur("0.10"))]),
                    crate(discounts=[Discount.per_line(eur("0.30"))]),
                    crate(discounts=[Discount.percent("10")]),
                ],
                policy=ALLOW,
            )
        )
        assert [line.net for line in priced.lines] == [eur("-1.80"), eur("-1.70"), eur("-1.80")]

    def test_a_discount_past_the_line_is_refused_on_either_sign(self) -> None:
        with pytest.raises(InvalidDiscount) as caught:
            price(
                Document(
                    currency="EUR",
                    items=[crate(discounts=[Discount.per_line(eur("2.50"))])],
                    policy=ALLOW,
                )
            )
        assert caught.value.field == "discounts"

    def test_a_price_discount_lowers_the_size_of_the_net_price(self) -> None:
        priced = price(
            Document(
                currency="EUR",
                items=[
                    crate("3", price_discount=Discount.per_unit(eur("0.25"))),
                    crate("3", price_discount=Discount.percent("12.5")),
                ],
                policy=ALLOW,
            )
        )
        assert [priced.net_price(i) for i in range(2)] == [eur("-0.75"), eur("-0.875")]
        assert [line.gross for line in priced.lines] == [eur("-3.00"), eur("-3.00")]
        assert [line.net for line in priced.lines] == [eur("-2.25"), eur("-2.63")]

    def test_a_price_discount_larger_than_the_price_is_refused(self) -> None:
        with pytest.raises(InvalidDiscount) as caught:
            crate(price_discount=Discount.per_unit(eur("1.01")))
        assert caught.value.field == "price_discount"

    def test_per_group_puts_the_line_with_the_returns(self) -> None:
        priced = price(
            Document(
                currency="EUR",
                items=[beer(), crate()],
                policy=attrs.evolve(ALLOW, tax_rounding=TaxRounding.PER_GROUP),
            )
        )
        sides = {(row.tax.name, row.returns): priced.lines_of(row) for row in priced.tax_breakdown}
        assert sides[("VAT", False)] == (0,)
        assert sides[("VAT", True)] == (1,)
        assert sides[("Deposit fee", True)] == (1,)

    def test_a_zero_quantity_stays_zero(self) -> None:
        priced = price(Document(currency="EUR", items=[crate("0")], policy=ALLOW))
        assert (priced.lines[0].net, priced.lines[0].tax) == (eur("0.00"), eur("0.00"))

    def test_the_policy_reads_back_and_keeps_old_fingerprints(self) -> None:
        document = Document(currency="EUR", items=[beer(), crate()], policy=ALLOW)
        data = document_to_data(document)
        assert data["policy"]["negative_prices"] == "allow"
        assert document_from_data(data) == document
        plain = Document(currency="EUR", items=[beer()])
        assert "negative_prices" not in document_to_data(plain)["policy"]
        # the field is written to the fingerprint only when set: old fingerprints hold
        assert fingerprint("price", document=plain) == fingerprint(
            "price", document=attrs.evolve(plain, policy=Policy())
        )
        assert fingerprint("price", document=plain) != fingerprint(
            "price", document=attrs.evolve(plain, policy=ALLOW)
        )

    def test_a_priced_document_of_negative_prices_pickles(self) -> None:
        priced = price(Document(currency="EUR", items=[beer(), crate()], policy=ALLOW))
        assert pickle.loads(pickle.dumps(priced)).totals == priced.totals


# -- the properties --------------------------------------------------------------------------


def _amounts(priced: PricedDocument) -> object:
    return (
        [(e.gross, e.discount, e.distributed, e.net, e.tax, e.tax_exact) for e in priced.lines],
        [(row.tax, row.base, row.amount, row.returns) for row in priced.tax_breakdown],
        priced.totals,
        [[t.amount for t in taxes] for taxes in priced.taxes_per_line()],
    )


def _flipped(line: Line) -> Line:
    """The line with the sign of its quantity moved to its price (where it has one)."""
    if line.quantity >= 0 or line.unit_price.amount == 0:
        return line
    return attrs.evolve(line, quantity=-line.quantity, unit_price=-line.unit_price)


def _negative_priced(document: Document) -> Document:
    items = [
        attrs.evolve(item, lines=[_flipped(line) for line in item.lines])
        if isinstance(item, Group)
        else _flipped(item)
        for item in document.items
    ]
    policy = attrs.evolve(document.policy, negative_prices=NegativePrices.ALLOW)
    return attrs.evolve(document, items=items, policy=policy)


@given(documents(returns=True, tax_rounding=None, included_rounding=None, residual_cent=None))
def test_a_negative_price_prices_as_the_return_it_mirrors(document: Document) -> None:
    try:
        returned = price(document)
    except OrdercoreError:
        reject()
    negative = _negative_priced(document)
    assert _amounts(price(negative)) == _amounts(returned)


@given(documents(returns=True, tax_rounding=None, included_rounding=None, residual_cent=None))
def test_with_negative_prices_the_totals_reconcile(document: Document) -> None:
    try:
        priced = price(_negative_priced(document))
    except OrdercoreError:
        reject()
    totals, zero = priced.totals, Money.zero(document.currency)
    assert totals.lines_net == sum((line.net for line in priced.lines), zero) + totals.rounding_line
    assert totals.tax == sum((row.amount for row in priced.tax_breakdown), zero)
    assert totals.tax_exclusive == totals.lines_net - totals.allowances + totals.charges
    assert totals.tax_inclusive == totals.tax_exclusive + totals.tax
    assert totals.amount_due == totals.tax_inclusive + totals.rounding - totals.prepaid
    for entry, parts in zip(priced.lines, priced.taxes_per_line(), strict=True):
        line = entry.line
        sign = line.quantity * (-1 if line.unit_price.amount < 0 else 1)
        for part in parts:  # a per-unit tax takes the sign of the line's amount
            # (the opposite one, if it is withheld; an included one's part is a share of
            # what the back-out of several lines gave, which rounding may take past zero)
            if part.tax.amount is not None and not part.tax.included:
                withheld = -1 if part.tax.withholding else 1
                assert part.amount.amount * sign * withheld >= 0, (line, part)


class TestNotOnOrders:
    """An order sells or buys: a line of negative price is refused there, by its own error."""

    def content(self) -> Document:
        beer = Line(description="Beer", quantity="1", unit_price=eur("20"), taxes=[VAT])
        return Document(currency="EUR", items=[beer, crate("1")], policy=ALLOW)

    def request(self, key: str) -> Request:
        return Request(key=key, at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), business_date=DAY)

    def test_a_sales_order_refuses_it(self) -> None:
        with pytest.raises(NegativePriceOnOrder) as refused:
            SalesOrder.confirm(
                id="so-1",
                customer="acme",
                number="SO-1",
                content=self.content(),
                invoicing_policy=InvoicingPolicy.ORDERED,
                request=self.request("so"),
            )
        assert refused.value.line == "Crate back"
        assert refused.value.unit_price == crate().unit_price
        assert refused.value.order == "sales order SO-1"

    def test_a_purchase_order_refuses_it(self) -> None:
        with pytest.raises(NegativePriceOnOrder) as refused:
            PurchaseOrder.confirm(
                id="po-1",
                supplier="brewery",
                number="PO-1",
                content=self.content(),
                request=self.request("po"),
            )
        assert refused.value.line == "Crate back"

    def test_a_quote_refuses_it_when_it_is_made(self) -> None:
        content = QuoteContent(
            currency="EUR",
            policy=ALLOW,
            lines=[
                QuoteLine(key="beer", line=self.content().lines[0]),
                QuoteLine(key="crate", line=crate("1")),
            ],
        )
        with pytest.raises(NegativePriceOnOrder):
            DraftQuote.create(
                id="q-1",
                customer="acme",
                content=content,
                valid_until=DAY,
                request=self.request("q"),
            )

    def test_the_error_pickles_with_its_values(self) -> None:
        error = NegativePriceOnOrder(order="sales order SO-1", line="Crate", unit_price=eur("-3"))
        again = pickle.loads(pickle.dumps(error))
        assert (again.order, again.line, again.unit_price) == (
            "sales order SO-1",
            "Crate",
            eur("-3"),
        )
