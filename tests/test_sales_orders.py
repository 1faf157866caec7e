"""Sales orders: confirmation, deliveries, cancellation, and invoicing in parts."""

import datetime as dt
import decimal
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

import attrs
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    Allowance,
    Charge,
    CreditNotTakenBack,
    Document,
    DraftInvoice,
    Group,
    InvalidDocument,
    InvalidNumber,
    InvalidType,
    Line,
    LineKind,
    Money,
    OrdercoreError,
    OverInvoicing,
    Policy,
    PriceSource,
    Request,
    RoundingMode,
    SalesOrder,
    Tax,
    TaxCorrection,
)
from ordercore.documents import (
    Changed,
    CreditNote,
    DownPayment,
    DownPaymentBase,
    DownPaymentPart,
    InvoicingPolicy,
    IssuedInvoice,
    OrderLine,
    TaxTally,
    credit_amount,
    credit_in_full,
    credit_lines,
)
from ordercore.documents.ordering import plain_taxes, standalone
from ordercore.errors import (
    CreditOfAnotherInvoice,
    CreditTakenInAlready,
    CurrencyMismatch,
    DocumentWithoutLines,
    DownPaymentDeducted,
    DownPaymentsOutstanding,
    DownPaymentTooLarge,
    DraftMadeFromOrder,
    DuplicateDocumentId,
    FeesAbovePrice,
    InvalidDownPayment,
    InvalidInput,
    InvalidLine,
    InvalidOrderRecord,
    LimitExceeded,
    NotFromThisOrder,
    NothingRemains,
    OverDelivery,
    PrepaidOnOrder,
    ReturnOnOrder,
    UnknownOrderLine,
    WrongState,
)
from ordercore.money import quantum
from ordercore.testing import strategies as ocs

DAY = dt.date(2026, 11, 30)
VAT = Tax.percent("VAT", "20")
REDUCED = Tax.percent("VAT", "5.5")
ORDERED = InvoicingPolicy.ORDERED
DELIVERED = InvoicingPolicy.DELIVERED
UNTAXED = DownPaymentBase.UNTAXED
TOTAL = DownPaymentBase.TOTAL


def request(key: str = "r") -> Request:
    return Request(key=key, at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), business_date=DAY)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def content(**kwargs: object) -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(description="Desk", quantity="3", unit_price=eur("100.00"), taxes=[VAT]),
            Line(description="Book", quantity="7", unit_price=eur("12.34"), taxes=[REDUCED]),
        ],
        **kwargs,  # type: ignore[arg-type]
    )


def confirm(document: Document | None = None, policy: InvoicingPolicy = ORDERED, **kwargs: object):  # type: ignore[no-untyped-def]
    return SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=document or content(),
        invoicing_policy=policy,
        request=request("confirm"),
        **kwargs,  # type: ignore[arg-type]
    ).document


def total(invoicing) -> Decimal:  # type: ignore[no-untyped-def]
    return invoicing.invoice.priced.totals.tax_inclusive.amount


# -- confirming ---------------------------------------------------------------------------


def test_confirming_prices_the_content_once_and_says_so() -> None:
    changed = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=content(),
        invoicing_policy=ORDERED,
        line_policies={1: DELIVERED},
        request=request(),
    )
    order = changed.document
    assert (
        repr(order)
        == "SalesOrder(number='SO-1', state='open', customer='acme', currency='EUR', total='451.13')"
    )
    assert [event.name for event in changed.events] == ["OrderConfirmed"]
    assert changed.events[0].total == eur("451.13")  # type: ignore[attr-defined]
    assert [line.policy for line in order.lines] == [ORDERED, DELIVERED]
    assert order.lines[0] == OrderLine(
        description="Desk", ordered=Decimal(3), policy=ORDERED, amount=eur("300.00")
    )
    assert order.lines[1].back_order == 7


def test_confirming_refuses_what_is_no_sale() -> None:
    with pytest.raises(ReturnOnOrder) as caught:
        confirm(
            Document(
                currency="EUR",
                items=[Line(description="Return", quantity="-1", unit_price=eur("5"))],
            )
        )
    assert (caught.value.line, caught.value.quantity, caught.value.order) == (
        "Return",
        Decimal("-1"),
        "sales order SO-1",
    )
    with pytest.raises(PrepaidOnOrder) as caught:
        confirm(content(prepaid=eur("10.00")))
    assert (caught.value.prepaid, caught.value.order) == (Money("10.00", "EUR"), "sales order SO-1")
    with pytest.raises(DocumentWithoutLines):
        confirm(Document(currency="EUR", items=[]))
    with pytest.raises(InvalidType):
        confirm(policy="ordered")  # type: ignore[arg-type]
    with pytest.raises(UnknownOrderLine) as caught:
        confirm(line_policies={5: DELIVERED})
    assert (caught.value.order, caught.value.line, caught.value.count) == ("sales order SO-1", 5, 2)
    with pytest.raises(InvalidType):
        SalesOrder.confirm(
            id="so-1",
            customer="acme",
            number="SO-1",
            content="lines",  # type: ignore[arg-type]
            invoicing_policy=ORDERED,
            request=request(),
        )


# -- deliveries and cancellation ----------------------------------------------------------


def test_partial_deliveries_add_up_and_never_exceed_the_order() -> None:
    order = confirm()
    changed = order.record_delivery({0: "1", 1: "2.5"}, request=request("d1"))
    order = changed.document
    assert changed.events[0].quantities == ((0, Decimal(1)), (1, Decimal("2.5")))  # type: ignore[attr-defined]
    assert (order.lines[0].delivered, order.lines[0].back_order) == (1, 2)
    assert order.version == 2
    with pytest.raises(OverDelivery) as caught:
        order.record_delivery({0: "3"}, request=request("d2"))
    assert (caught.value.line, caught.value.requested, caught.value.remaining) == ("Desk", 3, 2)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("quantities", [{0: "0"}, {0: "-1"}, {9: "1"}, {}, {True: "1"}, {0: 1.5}])
def test_bad_delivery_quantities_are_refused(quantities: dict[object, object]) -> None:
    with pytest.raises(OrdercoreError):
        confirm().record_delivery(quantities, request=request())  # type: ignore[arg-type]


def test_cancelling_the_remainder_keeps_what_was_delivered_or_invoiced() -> None:
    order = confirm().record_delivery({0: "1"}, request=request("d")).document
    order = order.invoice_quantities({1: "4"}, invoice_id="inv-1", request=request("i")).order
    changed = order.cancel_remaining(request=request("c"))
    order = changed.document
    assert changed.events[0].quantities == ((0, Decimal(2)), (1, Decimal(3)))  # type: ignore[attr-defined]
    assert [(line.cancelled, line.back_order, line.open) for line in order.lines] == [
        (2, 0, 1),
        (3, 4, 0),
    ]
    with pytest.raises(OverDelivery):
        order.record_delivery({0: "1", 1: "4"}, request=request("d2"))
    order = order.record_delivery({1: "4"}, request=request("d3")).document
    with pytest.raises(NothingRemains) as caught:
        order.cancel_remaining(request=request("c2"))
    assert caught.value.order == "sales order SO-1"


def test_cancelling_chosen_lines() -> None:
    order = confirm().cancel_remaining(lines=[1], request=request()).document
    assert [line.cancelled for line in order.lines] == [0, 7]
    with pytest.raises(UnknownOrderLine) as caught:
        order.cancel_remaining(lines=[4], request=request())
    assert (caught.value.order, caught.value.line, caught.value.count) == ("sales order SO-1", 4, 2)


# -- invoicing ------------------------------------------------------------------------------


def test_invoicing_chosen_quantities_bills_a_share_of_the_stated_amounts() -> None:
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(description="Chair", quantity="3", unit_price=eur("33.33"), taxes=[VAT]),
            ],
        )
    )
    first = order.invoice_quantities({0: "1"}, invoice_id="inv-1", request=request("i1"))
    line = first.invoice.content.lines[0]
    assert (line.quantity, line.unit_price, line.base_quantity) == (1, eur("33.33"), 1)
    assert [event.name for event in first.events] == ["InvoicedFromOrder", "InvoiceDraftCreated"]
    assert first.order.lines[0].invoiced == 1
    assert first.invoice.customer == "acme"
    second = first.order.invoice_remaining(invoice_id="inv-2", request=request("i2"))
    line = second.invoice.content.lines[0]
    # the invoice line keeps the order's unit price (EN 16931's line formula holds on it)
    assert (line.quantity, line.unit_price, line.base_quantity) == (2, eur("33.33"), 1)
    assert total(first) + total(second) == order.total.amount
    assert second.events[0].completing  # type: ignore[attr-defined]
    assert second.order.state == "open"  # nothing was delivered yet
    assert [made.document_id for made in second.order.invoices] == ["inv-1", "inv-2"]


def test_an_invoice_keeps_the_price_source_of_the_order_line_it_bills() -> None:
    source = PriceSource(catalog_version="2024-01", price_book="List", price_break="0")
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(
                    description="Chair",
                    quantity="3",
                    unit_price=eur("33.33"),
                    taxes=[VAT],
                    product="CHAIR",
                    price_source=source,
                ),
                Line(description="Fitting", quantity="1", unit_price=eur("40.00"), taxes=[VAT]),
            ],
        )
    )
    first = order.invoice_quantities({0: "1"}, invoice_id="inv-1", request=request("i1"))
    assert first.invoice.content.lines[0].price_source == source
    rest = first.order.invoice_remaining(invoice_id="inv-2", request=request("i2"))
    assert [line.price_source for line in rest.invoice.content.lines] == [source, None]


def test_the_last_units_take_what_is_left_of_a_line() -> None:
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(description="Paper", quantity="3", unit_price=eur("0.006")),
            ],
        )
    )
    parts = []
    for key in ("a", "b", "c"):
        invoicing = order.invoice_quantities({0: "1"}, invoice_id=key, request=request(key))
        parts.append(invoicing.order.invoices[-1].lines[0].amount.amount)
        assert invoicing.invoice.priced.totals.tax_inclusive.amount == parts[-1]
        order = invoicing.order
    # 0.02 for three, by cumulative rounding (share_of): after one unit round(0.0067) =
    # 0.01, after two round(0.0133) = 0.01 (the second takes nothing), after three 0.02;
    # the same cents as credit_lines gives crediting the three units one at a time
    assert parts == [Decimal("0.01"), Decimal("0.00"), Decimal("0.01")]


def test_over_invoicing_names_the_line_and_what_remains() -> None:
    order = confirm().invoice_quantities({0: "2"}, invoice_id="inv-1", request=request()).order
    with pytest.raises(OverInvoicing) as caught:
        order.invoice_quantities({0: "2"}, invoice_id="inv-2", request=request())
    error = caught.value
    assert (error.order, error.line, error.requested, error.remaining) == (
        "sales order SO-1",
        "Desk",
        2,
        1,
    )
    with pytest.raises(InvalidNumber):
        order.invoice_quantities({0: "0"}, invoice_id="inv-2", request=request())


def test_invoicing_what_was_delivered() -> None:
    order = confirm(policy=DELIVERED)
    with pytest.raises(NothingRemains) as caught:
        order.invoice_delivered(invoice_id="inv-1", request=request())
    assert caught.value.order == "sales order SO-1"
    with pytest.raises(NothingRemains) as caught:
        order.invoice_remaining(invoice_id="inv-1", request=request())
    assert caught.value.order == "sales order SO-1"
    order = order.record_delivery({0: "2", 1: "3"}, request=request("d")).document
    invoicing = order.invoice_delivered(invoice_id="inv-1", request=request("i"))
    assert [(line.description, line.quantity) for line in invoicing.invoice.content.lines] == [
        ("Desk", 2),
        ("Book", 3),
    ]
    assert not invoicing.events[0].completing  # type: ignore[attr-defined]


def test_invoicing_the_remainder_follows_each_lines_policy() -> None:
    order = confirm(policy=ORDERED, line_policies={1: DELIVERED})
    order = order.record_delivery({1: "2"}, request=request("d")).document
    invoicing = order.invoice_remaining(invoice_id="inv-1", request=request("i"))
    assert [(line.description, line.quantity) for line in invoicing.invoice.content.lines] == [
        ("Desk", 3),
        ("Book", 2),
    ]
    order = invoicing.order.record_delivery({0: "3", 1: "5"}, request=request("d2")).document
    last = order.invoice_remaining(invoice_id="inv-2", request=request("i2"))
    assert last.order.state == "done"
    assert total(invoicing) + total(last) == order.total.amount
    with pytest.raises(NothingRemains) as caught:
        last.order.invoice_remaining(invoice_id="inv-3", request=request())
    assert caught.value.order == "sales order SO-1"


def test_the_completing_invoice_absorbs_the_rounding_of_taxes() -> None:
    # three invoices of 33.33 (tax 6.67 each) would come to 120.00 + 0.01
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(description="Service", quantity="3", unit_price=eur("33.33"), taxes=[VAT]),
                Line(description="Setup", quantity="1", unit_price=eur("0.01"), taxes=[VAT]),
            ],
        )
    )
    assert order.total == eur("120.00")
    totals = []
    for key in ("a", "b"):
        invoicing = order.invoice_quantities({0: "1"}, invoice_id=key, request=request(key))
        totals.append(total(invoicing))
        order = invoicing.order
    last = order.invoice_remaining(invoice_id="c", request=request("c"))
    # no line outside a tax category: the 20 % row gives back the cent it gained twice
    assert all(line.taxes for line in last.invoice.content.lines)
    assert last.invoice.content.tax_corrections == (
        TaxCorrection(tax=VAT, amount=eur("-0.01"), reason="Rounding difference"),
    )
    [row] = last.invoice.priced.tax_breakdown
    assert (row.base, row.amount, row.correction) == (eur("33.34"), eur("6.66"), eur("-0.01"))
    assert sum(totals) + total(last) == Decimal("120.00")
    assert last.order.billed == eur("120.00")


def test_standalone_allowances_and_charges_are_split_over_the_invoices() -> None:
    document = content(
        allowances=[Allowance.percentage("3", reason="Loyalty", taxes=[VAT])],
        charges=[Charge.fixed(eur("9.90"), reason="Shipping", taxes=[VAT])],
        policy=Policy(adjustments=AdjustmentMode.STANDALONE),
    )
    order = confirm(document)
    first = order.invoice_quantities({0: "1", 1: "3"}, invoice_id="a", request=request("a"))
    shipping = first.invoice.content.charges[0]
    assert shipping.reason == "Shipping"
    assert shipping.taxes == (VAT,)
    assert Decimal(0) < shipping.fixed_amount < Decimal("9.90")
    last = first.order.invoice_remaining(invoice_id="b", request=request("b"))
    assert shipping.fixed_amount + last.invoice.content.charges[0].fixed_amount == Decimal("9.90")
    loyalty = [inv.invoice.content.allowances[0].fixed_amount for inv in (first, last)]
    assert sum(loyalty) == order.priced.adjustments[0].amount.amount
    assert total(first) + total(last) == order.total.amount


def test_lines_in_groups_and_distributed_adjustments_bill_their_stated_amounts() -> None:
    document = Document(
        currency="EUR",
        items=[
            Group(
                name="Kit",
                lines=[
                    Line(description="Drill", quantity="2", unit_price=eur("59.90"), taxes=[VAT]),
                ],
                allowances=[Allowance.percentage("10", reason="Bundle")],
            )
        ],
        charges=[Charge.fixed(eur("4.95"), reason="Shipping")],
    )
    order = confirm(document)
    first = order.invoice_quantities({0: "1"}, invoice_id="a", request=request("a"))
    last = first.order.invoice_remaining(invoice_id="b", request=request("b"))
    assert total(first) + total(last) == order.total.amount


def test_taxes_included_in_prices_add_up_rate_by_rate() -> None:
    # each invoice backs 8.33 net out of 9.99; the order backs 24.98 out of 29.97
    included = Tax.percent("VAT", "20", included=True)
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(description="Meal", quantity="3", unit_price=eur("9.99"), taxes=[included]),
            ],
        )
    )
    invoices = []
    for key in ("a", "b", "c"):
        invoicing = order.invoice_quantities({0: "1"}, invoice_id=key, request=request(key))
        invoices.append(invoicing)
        order = invoicing.order
    assert [total(i) for i in invoices] == [Decimal("9.99")] * 3
    assert all(len(i.invoice.content.lines) == 1 for i in invoices[:2])
    # the completing invoice moves the cent back from net to tax, in the VAT category
    rounding = invoices[2].invoice.content.lines[-1]
    assert (rounding.description, rounding.quantity, rounding.taxes) == (
        "Rounding difference",
        -1,
        (VAT,),
    )
    [row] = invoices[2].invoice.priced.tax_breakdown
    assert (row.base, row.amount, row.correction) == (eur("8.32"), eur("1.67"), eur("0.01"))
    assert order.billed_by_tax == TaxTally.of(order.priced)


def _invoice_in_steps(order: SalesOrder, steps: list[object]) -> list[DraftInvoice]:
    """Invoice ``order``: a quantities mapping, or a down payment, per step; then the rest."""
    invoices = []
    for number, step in enumerate(steps):
        key = f"inv-{number}"
        made = (
            order.invoice_down_payment(step, invoice_id=key, request=request())
            if isinstance(step, DownPayment)
            else order.invoice_quantities(step, invoice_id=key, request=request())  # type: ignore[arg-type]
        )
        invoices.append(made.invoice)
        order = made.order
    if not order.completed:
        last = order.invoice_remaining(invoice_id="last", request=request())
        invoices.append(last.invoice)
        order = last.order
    assert order.completed
    return invoices


def test_a_down_payment_on_the_total_keeps_the_tax_rate_by_rate() -> None:
    # 0.01, 0.05 and 0.04 at 20 %: the order has net 0.10 and VAT 0.02
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(description=f"Part {n}", quantity="1", unit_price=eur(price), taxes=[VAT])
                for n, price in enumerate(("0.01", "0.05", "0.04"))
            ],
        )
    )
    invoices = _invoice_in_steps(
        order, [{0: "1"}, DownPayment.percentage("30", base=TOTAL), {1: "1"}, {2: "1"}]
    )
    tally = _tally_of(invoices)
    assert _nonzero(tally.by_taxes()) == {(VAT,): Decimal("0.10")}
    assert _nonzero(tally.rows()) == {VAT.breakdown_key: Decimal("0.02")}
    assert sum(i.priced.totals.tax_inclusive.amount for i in invoices) == Decimal("0.12")


@pytest.mark.parametrize("mode", list(RoundingMode))
def test_a_down_payment_and_the_completing_invoice_keep_the_tax_under_any_rounding(
    mode: RoundingMode,
) -> None:
    document = content(policy=Policy(rounding=mode))
    order = confirm(document)
    invoices = _invoice_in_steps(order, [DownPayment.percentage("30", base=TOTAL)])
    tally, whole = _tally_of(invoices), TaxTally.of(order.priced)
    assert _nonzero(tally.by_taxes()) == _nonzero(whole.by_taxes())
    assert _nonzero(tally.rows()) == _nonzero(whole.rows())


def test_a_host_decimal_context_changes_nothing() -> None:
    expected = confirm().invoice_quantities({0: "1", 1: "3"}, invoice_id="a", request=request())
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        got = confirm().invoice_quantities({0: "1", 1: "3"}, invoice_id="a", request=request())
    assert got == expected


# -- down payments ------------------------------------------------------------------------


def test_a_down_payment_on_the_untaxed_amount_is_split_over_the_tax_rates() -> None:
    order = confirm()
    assert order.priced.totals.tax_exclusive == eur("386.38")
    invoicing = order.invoice_down_payment(
        DownPayment.percentage("30", base=UNTAXED), invoice_id="dp", request=request()
    )
    lines = invoicing.invoice.content.lines
    assert [(line.unit_price.amount, line.taxes, line.kind) for line in lines] == [
        (Decimal("90.00"), (VAT,), LineKind.SERVICE),
        (Decimal("25.91"), (REDUCED,), LineKind.SERVICE),
    ]
    assert lines[0].description == "Down payment 30 % on sales order SO-1 (VAT 20 %)"
    assert invoicing.invoice.priced.totals.tax_exclusive == eur("115.91")
    assert [event.name for event in invoicing.events] == [
        "DownPaymentInvoiced",
        "InvoiceDraftCreated",
    ]
    assert invoicing.order.down_payments[0].open == eur("115.91")


def test_a_down_payment_on_the_total_keeps_its_stated_amount() -> None:
    order = confirm()
    invoicing = order.invoice_down_payment(
        DownPayment.fixed(eur("100.00"), base=TOTAL), invoice_id="dp", request=request()
    )
    assert total(invoicing) == Decimal("100.00")
    assert all(tax.included for line in invoicing.invoice.content.lines for tax in line.taxes)
    assert invoicing.invoice.content.lines[0].description.startswith(
        "Down payment of EUR 100.00 on sales order SO-1"
    )


@pytest.mark.parametrize("base", [UNTAXED, TOTAL])
def test_a_down_payment_is_deducted_until_the_order_is_invoiced(base: DownPaymentBase) -> None:
    order = confirm(policy=DELIVERED)
    down = order.invoice_down_payment(
        DownPayment.percentage("30", base=base), invoice_id="dp", request=request("dp")
    )
    order = down.order.record_delivery({0: "1"}, request=request("d1")).document
    partial = order.invoice_delivered(invoice_id="a", request=request("a"))
    settled = [
        line
        for line in partial.invoice.content.lines
        if line.description.startswith("Down payment settled")
    ]
    assert [(line.quantity, line.taxes) for line in settled] == [
        (-1, _taxes(VAT, included=base is TOTAL))
    ]  # only the rate of what was billed
    order = partial.order.record_delivery({0: "2", 1: "7"}, request=request("d2")).document
    last = order.invoice_remaining(invoice_id="b", request=request("b"))
    assert last.order.down_payments[0].open.amount == 0
    assert total(down) + total(partial) + total(last) == order.total.amount
    assert last.order.state == "done"


def _taxes(tax: Tax, *, included: bool) -> tuple[Tax, ...]:
    return (Tax.percent(tax.name, tax.rate, included=included),)


def test_down_payments_never_exceed_what_remains_to_invoice() -> None:
    order = confirm()
    with pytest.raises(DownPaymentTooLarge) as caught:
        order.invoice_down_payment(
            DownPayment.fixed(eur("451.14"), base=TOTAL), invoice_id="dp", request=request()
        )
    assert (caught.value.requested, caught.value.available) == (eur("451.14"), eur("451.13"))
    order = order.invoice_down_payment(
        DownPayment.percentage("60", base=TOTAL), invoice_id="dp1", request=request()
    ).order
    with pytest.raises(DownPaymentTooLarge):
        order.invoice_down_payment(
            DownPayment.percentage("50", base=TOTAL), invoice_id="dp2", request=request()
        )
    done = order.invoice_remaining(invoice_id="all", request=request()).order
    with pytest.raises(NothingRemains) as caught:
        done.invoice_down_payment(
            DownPayment.percentage("10", base=TOTAL), invoice_id="dp3", request=request()
        )
    assert caught.value.order == "sales order SO-1"


def two_rates() -> Document:
    return Document(
        currency="EUR",
        items=[
            Line(description="A", quantity="2", unit_price=eur("50.00"), taxes=[VAT]),
            Line(description="B", quantity="1", unit_price=eur("100.00"), taxes=[REDUCED]),
        ],
    )


def test_a_down_payment_may_take_all_that_remains_whatever_the_rates_left() -> None:
    # B (5.5 %) is invoiced: what remains is 100.00 at 20 %, not the order's average mix.
    order = confirm(two_rates()).invoice_quantities({1: "1"}, invoice_id="b", request=request())
    down = order.order.invoice_down_payment(
        DownPayment.percentage("50", base=UNTAXED), invoice_id="dp", request=request()
    )
    assert [(line.unit_price.amount, line.taxes) for line in down.invoice.content.lines] == [
        (Decimal("100.00"), (VAT,))
    ]
    assert total(down) == Decimal("120.00")
    with pytest.raises(DownPaymentTooLarge) as caught:
        order.order.invoice_down_payment(
            DownPayment.fixed(eur("120.01"), base=TOTAL), invoice_id="dp", request=request()
        )
    assert caught.value.available == eur("120.00")  # stated on the total, as asked
    last = down.order.invoice_remaining(invoice_id="a", request=request())
    assert total(order) + total(down) + total(last) == down.order.total.amount
    assert total(last) == 0


def test_a_down_payment_on_the_total_is_split_by_what_each_rate_comes_to_with_tax() -> None:
    # 225.50 = 120.00 at 20 % + 105.50 at 5.5 %: each rate's part covers exactly its lines.
    down = confirm(two_rates()).invoice_down_payment(
        DownPayment.percentage("100", base=TOTAL), invoice_id="dp", request=request()
    )
    assert [
        (line.unit_price.amount, line.taxes[0].rate) for line in down.invoice.content.lines
    ] == [
        (Decimal("120.00"), Decimal("20")),
        (Decimal("105.50"), Decimal("5.5")),
    ]
    order = down.order.invoice_quantities({1: "1"}, invoice_id="b", request=request())
    assert total(order) == 0  # B billed and its part deducted, nothing negative left over
    last = order.order.invoice_remaining(invoice_id="a", request=request())
    assert total(last) == 0
    assert [row.base.amount for row in last.invoice.priced.tax_breakdown] == [Decimal("0.00")]


def test_down_payments_already_asked_for_leave_less_room_for_the_next() -> None:
    order = confirm(two_rates())
    first = order.invoice_down_payment(
        DownPayment.fixed(eur("150.00"), base=UNTAXED), invoice_id="dp1", request=request()
    )
    with pytest.raises(DownPaymentTooLarge) as caught:
        first.order.invoice_down_payment(
            DownPayment.fixed(eur("50.01"), base=UNTAXED), invoice_id="dp2", request=request()
        )
    assert caught.value.available == eur("50.00")
    second = first.order.invoice_down_payment(
        DownPayment.fixed(eur("50.00"), base=UNTAXED), invoice_id="dp2", request=request()
    )
    last = second.order.invoice_remaining(invoice_id="all", request=request())
    assert total(first) + total(second) + total(last) == order.total.amount
    # 4.13 + 1.38 of tax at 5.5 % on 75.00 + 25.00 of down payments: the last gives 0.01 back
    assert last.invoice.priced.totals.tax_exclusive.amount == 0
    assert [(row.base.amount, row.amount.amount) for row in last.invoice.priced.tax_breakdown] == [
        (0, 0),
        (0, Decimal("-0.01")),
    ]


def test_a_cancellation_may_not_leave_a_rate_with_less_than_its_down_payment() -> None:
    order = confirm(two_rates(), policy=DELIVERED)
    down = order.invoice_down_payment(
        DownPayment.percentage("50", base=UNTAXED), invoice_id="dp", request=request()
    )
    delivered = down.order.record_delivery({0: "2"}, request=request()).document
    # B's part of the down payment (50.00 at 5.5 %) could not be deducted any more.
    with pytest.raises(DownPaymentsOutstanding) as caught:
        delivered.cancel_remaining(request=request(), lines=[1])
    assert (caught.value.order, caught.value.outstanding) == (
        "sales order SO-1",
        Money("100.00", "EUR"),
    )


def test_an_order_with_a_down_payment_cannot_be_cancelled_to_nothing() -> None:
    order = (
        confirm()
        .invoice_down_payment(
            DownPayment.percentage("10", base=UNTAXED), invoice_id="dp", request=request()
        )
        .order
    )
    with pytest.raises(DownPaymentsOutstanding) as caught:
        order.cancel_remaining(request=request())
    assert (caught.value.order, caught.value.outstanding) == (
        "sales order SO-1",
        Money("38.64", "EUR"),
    )


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: DownPayment.percentage("0", base=UNTAXED), InvalidNumber),
        (lambda: DownPayment.percentage("101", base=UNTAXED), InvalidNumber),
        (lambda: DownPayment.percentage(0.3, base=UNTAXED), TypeError),
        (lambda: DownPayment.fixed(eur("-1.00"), base=UNTAXED), InvalidNumber),
        (lambda: DownPayment.fixed("100", base=UNTAXED), InvalidType),  # type: ignore[arg-type]
        (lambda: DownPayment.percentage("10", base="untaxed"), InvalidType),  # type: ignore[arg-type]
        (lambda: DownPayment(base=UNTAXED), InvalidDownPayment),
    ],
)
def test_bad_down_payments_are_refused(make, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        make()


def test_a_fixed_down_payment_must_fit_the_currency() -> None:
    order = confirm()
    with pytest.raises(CurrencyMismatch) as caught:
        order.invoice_down_payment(
            DownPayment.fixed(Money("10.00", "USD"), base=UNTAXED),
            invoice_id="dp",
            request=request(),
        )
    assert (caught.value.left, caught.value.right) == ("USD", "EUR")
    with pytest.raises(InvalidNumber) as caught:
        order.invoice_down_payment(
            DownPayment.fixed(eur("10.001"), base=UNTAXED), invoice_id="dp", request=request()
        )
    assert (caught.value.value, caught.value.field) == (Decimal("10.001"), "amount")
    with pytest.raises(InvalidType):
        order.invoice_down_payment("10 %", invoice_id="dp", request=request())  # type: ignore[arg-type]


def test_a_down_payment_on_the_total_needs_taxes_that_can_be_included() -> None:
    compound = Tax.percent("Excise", "10", compound=True)
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(
                    description="Spirits",
                    quantity="1",
                    unit_price=eur("20.00"),
                    taxes=[compound, VAT],
                ),
            ],
        )
    )
    with pytest.raises(InvalidDownPayment) as caught:
        order.invoice_down_payment(
            DownPayment.percentage("10", base=TOTAL), invoice_id="dp", request=request()
        )
    assert (caught.value.order, caught.value.amount) == (None, None)
    untaxed = order.invoice_down_payment(
        DownPayment.percentage("10", base=UNTAXED), invoice_id="dp", request=request()
    )
    last = untaxed.order.invoice_remaining(invoice_id="b", request=request())
    assert total(untaxed) + total(last) == order.total.amount


def test_repr_of_a_down_payment() -> None:
    assert repr(DownPayment.fixed(eur("5.00"), base=UNTAXED)) == (
        "DownPayment.fixed(Money('5.00', 'EUR'), base=DownPaymentBase.UNTAXED)"
    )
    assert repr(ORDERED) == "InvoicingPolicy.ORDERED"


# -- properties -------------------------------------------------------------------------------


@st.composite
def orders(draw: st.DrawFn) -> SalesOrder:
    document = draw(ocs.documents(prepaid=False, max_items=3))
    assume(document.lines and all(line.quantity > 0 for line in document.lines))
    try:
        order = confirm(document)
    except OrdercoreError:
        assume(False)
        raise
    assume(order.total.amount >= 0)
    return order


def _part(line: OrderLine, percent: int) -> Decimal:
    return (line.open * percent / 100).quantize(Decimal("0.000001"), ROUND_DOWN)


@given(orders(), st.data())
def test_any_sequence_of_invoices_that_completes_an_order_sums_to_its_total(
    order: SalesOrder, data: st.DataObject
) -> None:
    billed = []
    base = UNTAXED
    if data.draw(st.booleans(), label="down payment"):
        base = data.draw(st.sampled_from(DownPaymentBase))
        percent = data.draw(st.integers(1, 40), label="percent")
        try:
            down = order.invoice_down_payment(
                DownPayment.percentage(percent, base=base), invoice_id="dp", request=request()
            )
        except OrdercoreError:
            pass
        else:
            billed.append(total(down))
            order = down.order
    for step in range(data.draw(st.integers(0, 4), label="partial invoices")):
        wanted = {
            index: _part(line, data.draw(st.integers(1, 100), label="percent of line"))
            for index, line in enumerate(order.lines)
            if line.open and data.draw(st.booleans(), label="bill line")
        }
        wanted = {index: quantity for index, quantity in wanted.items() if quantity > 0}
        if not wanted:
            continue
        invoicing = order.invoice_quantities(wanted, invoice_id=f"inv-{step}", request=request())
        billed.append(total(invoicing))
        order = invoicing.order
        assert all(line.invoiced <= line.ordered for line in order.lines)
    if not order.completed:
        last = order.invoice_remaining(invoice_id="last", request=request())
        billed.append(total(last))
        order = last.order
    assert order.completed
    assert sum(billed) == order.total.amount
    assert all(record.open.amount == 0 for record in order.down_payments)
    assert [line.taken for line in order.lines] == [line.amount for line in order.lines]
    # Rate by rate, the invoices' untaxed amounts and taxes are the order's own.
    if not _lists_a_tax_twice(order):
        whole = TaxTally.of(order.priced)
        done = order.billed_by_tax
        assert _nonzero(done.by_taxes()) == _nonzero(whole.by_taxes())
        assert _nonzero(done.rows()) == _nonzero(whole.rows())


def _lists_a_tax_twice(order: SalesOrder) -> bool:
    """Whether a line has a tax both included in its price and added to it.

    Such a set of taxes makes no rounding line: its untaxed difference goes to its tax
    row, so only the total of the set adds up.
    """
    sets = [plain_taxes(line.line.taxes) for line in order.priced.lines]
    sets += [plain_taxes(entry.adjustment.taxes) for entry in standalone(order.priced)]
    return any(len(set(taxes)) < len(taxes) for taxes in sets)


def _tally_of(invoices: list[DraftInvoice]) -> TaxTally:
    tally = TaxTally()
    for invoice in invoices:
        tally = tally.plus(TaxTally.of(invoice.priced))
    return tally


@given(orders(), st.data())
def test_the_invoices_of_an_order_sum_to_it_rate_by_rate_under_every_rounding_mode(
    order: SalesOrder, data: st.DataObject
) -> None:
    # down payments on either base and partial invoices, in any order, then the rest
    assume(not _lists_a_tax_twice(order))
    invoices = []
    for step in range(data.draw(st.integers(0, 5), label="steps")):
        if data.draw(st.booleans(), label="down payment"):
            down = DownPayment.percentage(
                data.draw(st.integers(1, 60), label="percent"),
                base=data.draw(st.sampled_from(DownPaymentBase), label="base"),
            )
            try:
                made = order.invoice_down_payment(down, invoice_id=f"dp-{step}", request=request())
            except (InvalidInput, LimitExceeded, WrongState):
                continue
        else:
            wanted = {
                index: _part(line, data.draw(st.integers(1, 100), label="percent of line"))
                for index, line in enumerate(order.lines)
                if line.open and data.draw(st.booleans(), label="bill line")
            }
            wanted = {index: quantity for index, quantity in wanted.items() if quantity > 0}
            if not wanted:
                continue
            made = order.invoice_quantities(wanted, invoice_id=f"inv-{step}", request=request())
        invoices.append(made.invoice)
        order = made.order
    if not order.completed:
        last = order.invoice_remaining(invoice_id="last", request=request())
        invoices.append(last.invoice)
        order = last.order
    tally, whole = _tally_of(invoices), TaxTally.of(order.priced)
    assert _nonzero(tally.by_taxes()) == _nonzero(whole.by_taxes())
    assert _nonzero(tally.rows()) == _nonzero(whole.rows())
    assert sum(i.priced.totals.tax_inclusive.amount for i in invoices) == order.total.amount
    assert all(record.open.amount == 0 for record in order.down_payments)


def _nonzero(pairs: object) -> dict[object, Decimal]:
    items = pairs.items() if isinstance(pairs, dict) else pairs  # type: ignore[attr-defined]
    result = {}
    for key, value in items:  # type: ignore[attr-defined]
        amount = value[1] if isinstance(value, tuple) else value
        if amount:
            result[key] = amount
    return result


@given(orders(), st.data())
def test_invoiced_never_exceeds_ordered_and_delivered_never_exceeds_ordered_less_cancelled(
    order: SalesOrder, data: st.DataObject
) -> None:
    for step in range(data.draw(st.integers(1, 8), label="steps")):
        index = data.draw(st.integers(0, len(order.lines) - 1), label="line")
        quantity = data.draw(st.decimals(0, 20, places=2, allow_nan=False), label="quantity")
        action = data.draw(st.sampled_from(["deliver", "invoice", "cancel"]), label="action")
        try:
            if action == "deliver":
                order = order.record_delivery({index: quantity}, request=request()).document
            elif action == "invoice":
                order = order.invoice_quantities(
                    {index: quantity}, invoice_id=f"i{step}", request=request()
                ).order
            else:
                order = order.cancel_remaining(lines=[index], request=request()).document
        except (InvalidInput, LimitExceeded, WrongState):
            pass
        for line in order.lines:
            assert line.invoiced + line.cancelled <= line.ordered
            assert line.delivered + line.cancelled <= line.ordered
            assert line.back_order >= 0
            assert line.open >= 0
            assert line.taken <= line.amount or line.amount < 0


def test_an_orders_quantities_ignore_the_host_decimal_context() -> None:
    content = Document(
        currency="EUR",
        items=[Line(description="Bolt", quantity="123456", unit_price=Money("1.00", "EUR"))],
    )
    order = SalesOrder.confirm(
        id="so-ctx",
        customer="acme",
        number="SO-CTX",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request(),
    ).document
    order = order.invoice_quantities({0: "123455"}, invoice_id="i-ctx", request=request()).order
    with decimal.localcontext() as context:
        context.prec = 4
        assert (order.lines[0].open, order.lines[0].back_order, order.completed) == (
            1,
            123456,
            False,
        )


def test_cancelling_may_not_leave_less_to_invoice_than_a_down_payment_to_deduct() -> None:
    content = Document(
        currency="EUR",
        items=[
            Line(
                description="Desk",
                quantity="10",
                unit_price=Money("10.00", "EUR"),
                taxes=[Tax.percent("VAT", "20")],
            )
        ],
    )
    order = SalesOrder.confirm(
        id="so-dp",
        customer="acme",
        number="SO-DP",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request(),
    ).document
    down = DownPayment.percentage("90", base=DownPaymentBase.TOTAL)
    order = order.invoice_down_payment(down, invoice_id="dp-1", request=request()).order
    order = order.record_delivery({0: "5"}, request=request()).document
    with pytest.raises(DownPaymentsOutstanding) as caught:
        order.cancel_remaining(request=request())
    assert (caught.value.order, caught.value.outstanding) == (
        "sales order SO-DP",
        Money("108.00", "EUR"),
    )


def test_a_down_payment_after_a_rate_is_fully_invoiced_takes_no_part_of_it() -> None:
    full, reduced = Tax.percent("VAT", "20"), Tax.percent("VAT", "5.5")
    content = Document(
        currency="EUR",
        items=[
            Line(description="A", quantity="2", unit_price=Money("50.00", "EUR"), taxes=[full]),
            Line(description="B", quantity="1", unit_price=Money("100.00", "EUR"), taxes=[reduced]),
        ],
    )
    order = SalesOrder.confirm(
        id="so-r",
        customer="acme",
        number="SO-R",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request(),
    ).document
    invoices = []
    step = order.invoice_quantities({1: "1"}, invoice_id="i1", request=request())
    invoices.append(step.invoice)
    step = step.order.invoice_down_payment(
        DownPayment.percentage("40", base=DownPaymentBase.UNTAXED),
        invoice_id="dp",
        request=request(),
    )
    invoices.append(step.invoice)
    assert [line.taxes for line in step.invoice.content.lines] == [(full,)]
    step = step.order.invoice_quantities({0: "1"}, invoice_id="i2", request=request())
    invoices.append(step.invoice)
    step = step.order.invoice_remaining(invoice_id="i3", request=request())
    invoices.append(step.invoice)
    totals = [invoice.priced.totals.tax_inclusive.amount for invoice in invoices]
    assert min(totals) >= 0
    assert sum(totals) == order.total.amount


# -- voiding and releasing --------------------------------------------------------------------


def void(invoicing):  # type: ignore[no-untyped-def]
    return invoicing.invoice.void(reason="redo", request=request("void")).document


def test_releasing_a_voided_invoice_gives_back_all_it_took() -> None:
    document = content(
        allowances=[Allowance.percentage("3", reason="Loyalty", taxes=[VAT])],
        charges=[Charge.fixed(eur("9.90"), reason="Shipping", taxes=[VAT])],
        policy=Policy(adjustments=AdjustmentMode.STANDALONE),
    )
    order = confirm(document)
    down = order.invoice_down_payment(
        DownPayment.percentage("20", base=UNTAXED), invoice_id="dp", request=request()
    )
    before = down.order
    made = before.invoice_quantities({0: "1", 1: "3"}, invoice_id="a", request=request())
    assert made.invoice.content.allowances
    assert made.invoice.content.charges
    released = made.order.release_invoice(void(made), request=request("rel")).document
    assert released.lines == before.lines
    assert released.adjustments == before.adjustments
    assert released.down_payments == before.down_payments
    assert (released.billed, released.billed_by_tax) == (before.billed, before.billed_by_tax)
    assert [m.document_id for m in released.invoices] == ["dp"]
    assert released.version == made.order.version + 1


def test_an_earlier_invoice_can_be_released_and_the_rest_still_adds_up() -> None:
    order = confirm(
        Document(
            currency="EUR",
            items=[Line(description="Paper", quantity="3", unit_price=eur("0.006"), taxes=[VAT])],
        )
    )
    first = order.invoice_quantities({0: "1"}, invoice_id="a", request=request())
    second = first.order.invoice_quantities({0: "1"}, invoice_id="b", request=request())
    order = second.order.release_invoice(void(first), request=request()).document
    assert order.lines[0].invoiced == 1
    assert order.lines[0].taken == eur("0.00")  # what "b" took stays taken
    third = order.invoice_quantities({0: "1"}, invoice_id="c", request=request())
    last = third.order.invoice_remaining(invoice_id="d", request=request())
    # 0.02 in all: "a" took 0.01 and "b" nothing (two units: round(0.0133) = 0.01); with "a"
    # given back, "c" takes the share of two units again, 0.01, and the last one the rest
    parts = [i.order.invoices[-1].lines[0].amount.amount for i in (second, third, last)]
    assert parts == [Decimal("0.00"), Decimal("0.01"), Decimal("0.01")]
    assert all(part >= 0 for part in parts)
    assert total(second) + total(third) + total(last) == last.order.total.amount


def test_a_down_payment_invoice_is_released_only_before_anything_deducted_it() -> None:
    order = confirm()
    down = order.invoice_down_payment(
        DownPayment.percentage("10", base=TOTAL), invoice_id="dp", request=request()
    )
    withdrawn = down.order.release_invoice(void(down), request=request()).document
    assert withdrawn.down_payments == ()
    assert withdrawn.billed.amount == 0
    later = down.order.invoice_quantities({0: "1"}, invoice_id="a", request=request())
    with pytest.raises(DownPaymentDeducted) as caught:
        later.order.release_invoice(void(down), request=request())
    assert (caught.value.order, caught.value.invoice) == ("sales order SO-1", "dp")
    undone = later.order.release_invoice(void(later), request=request()).document
    assert undone.release_invoice(void(down), request=request()).document.down_payments == ()


def test_releasing_the_completing_invoice_lets_another_complete_exactly() -> None:
    order = confirm()
    first = order.invoice_quantities({0: "1", 1: "5"}, invoice_id="a", request=request())
    last = first.order.invoice_remaining(invoice_id="b", request=request())
    assert last.order.completed
    reopened = last.order.release_invoice(void(last), request=request()).document
    assert not reopened.completed
    again = reopened.invoice_remaining(invoice_id="c", request=request())
    assert total(first) + total(again) == order.total.amount
    assert again.invoice.content == last.invoice.content


def test_release_refuses_what_it_cannot_give_back() -> None:
    order = confirm()
    made = order.invoice_quantities({0: "1"}, invoice_id="a", request=request())
    with pytest.raises(InvalidType) as caught:
        made.order.release_invoice(made.invoice, request=request())  # type: ignore[arg-type]
    assert caught.value.field == "voided"
    voided = void(made)
    released = made.order.release_invoice(voided, request=request()).document
    with pytest.raises(NotFromThisOrder) as caught:
        released.release_invoice(voided, request=request())
    assert caught.value.order == "sales order SO-1"
    other = SalesOrder.confirm(
        id="so-2",
        customer="acme",
        number="SO-2",
        content=content(),
        invoicing_policy=ORDERED,
        request=request(),
    ).document
    elsewhere = other.invoice_quantities({0: "1"}, invoice_id="a", request=request())
    with pytest.raises(NotFromThisOrder) as caught:
        made.order.release_invoice(void(elsewhere), request=request())
    assert caught.value.order == "sales order SO-1"


def test_a_draft_made_from_an_order_is_not_revised() -> None:
    made = confirm().invoice_quantities({0: "1"}, invoice_id="a", request=request())
    assert made.invoice.sales_order == "SO-1"
    with pytest.raises(DraftMadeFromOrder) as caught:
        made.invoice.revise(content(), request=request())
    assert caught.value.order == "sales order SO-1"
    issued = made.invoice.issue(number="INV-1", issue_date=DAY, request=request()).document
    assert issued.sales_order == "SO-1"


@given(orders(), st.data())
def test_invoices_released_on_the_way_change_nothing_of_the_end_result(
    order: SalesOrder, data: st.DataObject
) -> None:
    kept: dict[str, Decimal] = {}
    drafts = {}
    for step in range(data.draw(st.integers(1, 6), label="steps")):
        if drafts and data.draw(st.booleans(), label="release one"):
            key = data.draw(st.sampled_from(sorted(drafts)), label="which")
            invoicing = drafts.pop(key)
            try:
                order = order.release_invoice(void(invoicing), request=request()).document
            except DownPaymentDeducted:
                drafts[key] = invoicing
                continue
            del kept[key]
            continue
        if order.completed:
            break
        wanted = {
            index: _part(line, data.draw(st.integers(1, 100), label="percent of line"))
            for index, line in enumerate(order.lines)
            if line.open and data.draw(st.booleans(), label="bill line")
        }
        wanted = {index: quantity for index, quantity in wanted.items() if quantity > 0}
        if not wanted:
            continue
        invoicing = order.invoice_quantities(wanted, invoice_id=f"i{step}", request=request())
        assert all(line.unit_price.amount >= 0 for line in invoicing.invoice.content.lines)
        kept[f"i{step}"] = total(invoicing)
        drafts[f"i{step}"] = invoicing
        order = invoicing.order
    if not order.completed:
        last = order.invoice_remaining(invoice_id="last", request=request())
        kept["last"] = total(last)
        order = last.order
    assert sum(kept.values()) == order.total.amount
    assert order.billed == order.total
    assert [line.taken for line in order.lines] == [line.amount for line in order.lines]
    assert [line.invoiced for line in order.lines] == [line.ordered for line in order.lines]


def test_a_share_rounded_to_nothing_may_carry_a_fraction_of_an_included_per_unit_tax() -> None:
    # Rounding UP gives the first tiny invoice the whole 1 JPY; the rest of the units
    # carry 0.196 JPY of included eco fee on a stated 0, which is no sign change to refuse.
    included = [
        Tax.percent("VAT", "20", included=True),
        Tax.per_unit("Eco fee", Money("3.3", "JPY"), included=True),
    ]
    order = confirm(
        Document(
            currency="JPY",
            items=[
                Line(
                    description="Licence",
                    quantity="0.06",
                    unit_price=Money("16.666", "JPY"),
                    taxes=included,
                )
            ],
            policy=Policy(rounding=RoundingMode.UP, price_places=3),
        )
    )
    assert order.total == Money("1", "JPY")
    first = order.invoice_quantities({0: "0.0006"}, invoice_id="a", request=request())
    assert total(first) == 1
    last = first.order.invoice_remaining(invoice_id="b", request=request())
    assert total(last) == 0


def test_standalone_allowances_follow_the_lines_net_not_their_stated_amount() -> None:
    # The first line is all included eco fee (a net of nothing): billing part of it takes
    # no part of an allowance that applies to the lines' net, all of which is the second's.
    eco = Tax.per_unit("Eco fee", eur("0.50"), included=True)
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(description="Battery", quantity="4", unit_price=eur("0.50"), taxes=[eco]),
                Line(description="Cable", quantity="67", unit_price=eur("0.01"), taxes=[VAT]),
            ],
            allowances=[Allowance.fixed(eur("0.67"), reason="Loyalty", taxes=[VAT])],
            policy=Policy(adjustments=AdjustmentMode.STANDALONE),
        )
    )
    first = order.invoice_quantities({0: "1"}, invoice_id="a", request=request())
    assert first.invoice.content.allowances == ()
    last = first.order.invoice_remaining(invoice_id="b", request=request())
    assert [a.amount for a in last.invoice.content.allowances] == [eur("0.67")]
    assert total(first) + total(last) == order.total.amount


def test_a_share_may_leave_a_fraction_of_a_cent_of_included_fee_uncovered() -> None:
    eco = Tax.per_unit("Eco fee", eur("0.50"), included=True)
    order = confirm(
        Document(
            currency="EUR",
            items=[Line(description="Battery", quantity="1", unit_price=eur("0.50"), taxes=[eco])],
        )
    )
    # 0.01 of the 0.50 for 0.01 units (0.005 of fee): 0.49 is left for 0.495 of fee
    first = order.invoice_quantities({0: "0.01"}, invoice_id="a", request=request())
    last = first.order.invoice_remaining(invoice_id="b", request=request())
    assert (total(first), total(last)) == (Decimal("0.01"), Decimal("0.49"))


def test_each_invoice_of_an_order_has_its_own_id() -> None:
    order = confirm().invoice_quantities({0: "1"}, invoice_id="a", request=request()).order
    with pytest.raises(DuplicateDocumentId) as caught:
        order.invoice_quantities({0: "1"}, invoice_id="a", request=request())
    assert (caught.value.order, caught.value.document_id) == ("sales order SO-1", "a")
    with pytest.raises(DuplicateDocumentId) as caught:
        order.invoice_down_payment(
            DownPayment.percentage("10", base=UNTAXED), invoice_id="a", request=request()
        )
    assert (caught.value.order, caught.value.document_id) == ("sales order SO-1", "a")


# -- credit notes taken in ------------------------------------------------------------------


def issue(invoicing, number: str):  # type: ignore[no-untyped-def]
    return invoicing.invoice.issue(number=number, issue_date=DAY, request=request(number)).document


def chairs() -> SalesOrder:
    return confirm(
        Document(
            currency="EUR",
            items=[Line(description="Chair", quantity="3", unit_price=eur("33.33"), taxes=[VAT])],
        )
    )


def credit(kind, invoice, *args, number: str = "CN-1"):  # type: ignore[no-untyped-def]
    fields = {"id": number, "number": number, "issue_date": DAY, "request": request(number)}
    if kind is credit_in_full:
        return kind(invoice, reason="Cancelled", **fields).document
    return kind(invoice, *args, reason="Returned", **fields).document


def test_an_invoice_credited_in_full_gives_the_order_back_to_invoice_again() -> None:
    order = chairs()
    made = order.invoice_remaining(invoice_id="a", request=request())
    invoice = issue(made, "INV-1")
    note = credit(credit_in_full, invoice)
    taken = made.order.take_in_credit(invoice, note, request=request("cn"))
    assert [e.name for e in taken.events] == ["CreditTakenIn"]
    assert taken.events[0].quantities == ((0, Decimal(3)),)  # type: ignore[attr-defined]
    again = taken.document.invoice_quantities({0: "3"}, invoice_id="b", request=request())
    assert total(again) == order.total.amount
    assert invoice.total.amount - note.total.amount + total(again) == order.total.amount


def test_credited_lines_can_be_cancelled_and_the_order_closes() -> None:
    order = chairs()
    made = order.invoice_remaining(invoice_id="a", request=request())  # billed in advance
    invoice = issue(made, "INV-1")
    order = made.order.record_delivery({0: "1"}, request=request()).document
    with pytest.raises(NothingRemains) as caught:
        order.cancel_remaining(request=request())
    assert caught.value.order == "sales order SO-1"
    note = credit(credit_lines, invoice, {0: "2"})
    order = order.take_in_credit(invoice, note, request=request()).document
    assert (order.lines[0].invoiced, order.lines[0].taken) == (1, eur("33.33"))
    order = order.cancel_remaining(request=request()).document
    assert order.state == "done"
    assert order.billed == invoice.priced.totals.tax_inclusive - note.total


def test_refunding_an_open_down_payment_lets_the_rest_be_cancelled() -> None:
    order = confirm(
        Document(
            currency="EUR",
            items=[Line(description="Chair", quantity="3", unit_price=eur("10.00"), taxes=[VAT])],
        ),
        policy=DELIVERED,
    )
    down = order.invoice_down_payment(
        DownPayment.percentage("10", base=UNTAXED), invoice_id="dp", request=request()
    )
    dp_invoice = issue(down, "INV-1")
    order = down.order.record_delivery({0: "1"}, request=request()).document
    first = order.invoice_delivered(invoice_id="a", request=request())
    order = first.order
    with pytest.raises(DownPaymentsOutstanding) as caught:
        order.cancel_remaining(request=request())
    assert (caught.value.order, caught.value.outstanding) == (
        "sales order SO-1",
        Money("2.00", "EUR"),
    )
    with pytest.raises(CreditNotTakenBack) as caught:
        order.take_in_credit(dp_invoice, credit(credit_in_full, dp_invoice), request=request())
    assert (
        caught.value.order,
        caught.value.invoice,
        caught.value.credit_note,
        caught.value.requested,
        caught.value.remaining,
    ) == ("sales order SO-1", "INV-1", "CN-1", Money("3.00", "EUR"), Money("2.00", "EUR"))
    assert order.down_payments[0].open == eur("2.00")  # 1.00 of 3.00 deducted
    refund = credit(credit_amount, dp_invoice, eur("2.40"))  # 2.00 + 20 % VAT
    taken = order.take_in_credit(dp_invoice, refund, request=request())
    assert taken.events[0].down_payment == Decimal("2.00")  # type: ignore[attr-defined]
    order = taken.document
    assert order.down_payments[0].open.amount == 0
    order = order.cancel_remaining(request=request()).document
    assert order.state == "done"
    with pytest.raises(CreditNotTakenBack) as caught:
        taken.document.take_in_credit(
            dp_invoice,
            credit(credit_amount, dp_invoice, eur("1.20"), number="CN-2"),
            request=request(),
        )
    assert (
        caught.value.order,
        caught.value.invoice,
        caught.value.credit_note,
        caught.value.requested,
        caught.value.remaining,
    ) == ("sales order SO-1", "INV-1", "CN-2", Money("1.00", "EUR"), Money("0.00", "EUR"))


def test_a_down_payment_invoice_credited_in_full_withdraws_the_down_payment() -> None:
    order = chairs()
    down = order.invoice_down_payment(
        DownPayment.percentage("50", base=TOTAL), invoice_id="dp", request=request()
    )
    dp_invoice = issue(down, "INV-1")
    taken = down.order.take_in_credit(
        dp_invoice, credit(credit_in_full, dp_invoice), request=request()
    )
    assert taken.document.down_payments == ()
    assert taken.events[0].down_payment == Decimal("60.00")  # type: ignore[attr-defined]
    assert taken.document.billed.amount == 0


def test_what_cannot_be_taken_in_is_refused() -> None:
    order = chairs()
    made = order.invoice_quantities({0: "1"}, invoice_id="a", request=request())
    invoice = issue(made, "INV-1")
    concession = credit(credit_amount, invoice, eur("5.00"))
    with pytest.raises(CreditNotTakenBack) as caught:
        made.order.take_in_credit(invoice, concession, request=request())
    assert (
        caught.value.order,
        caught.value.invoice,
        caught.value.credit_note,
        caught.value.requested,
        caught.value.remaining,
    ) == ("sales order SO-1", "INV-1", "CN-1", None, None)
    note = credit(credit_lines, invoice, {0: "1"}, number="CN-2")
    once = made.order.take_in_credit(invoice, note, request=request()).document
    with pytest.raises(CreditTakenInAlready) as caught:
        once.take_in_credit(invoice, note, request=request())
    assert (caught.value.order, caught.value.credit_note) == ("sales order SO-1", "CN-2")
    second = once.invoice_quantities({0: "1"}, invoice_id="b", request=request())
    other = issue(second, "INV-2")
    with pytest.raises(CreditOfAnotherInvoice) as caught:
        second.order.take_in_credit(other, note, request=request())
    assert (caught.value.credit_note, caught.value.credited, caught.value.invoice) == (
        "CN-2",
        "INV-1",
        "INV-2",
    )
    direct = (
        DraftInvoice.create(id="x", customer="acme", content=content(), request=request())
        .document.issue(number="INV-9", issue_date=DAY, request=request())
        .document
    )
    with pytest.raises(NotFromThisOrder) as caught:
        once.take_in_credit(direct, credit(credit_in_full, direct), request=request())
    assert caught.value.order == "sales order SO-1"
    with pytest.raises(InvalidType):
        once.take_in_credit(invoice, "CN-2", request=request())  # type: ignore[arg-type]


def desks_with_a_down_payment() -> tuple[SalesOrder, object]:
    """Five desks at 100.00 + 20 %, and an issued down payment of 30 % untaxed (180.00)."""
    order = confirm(
        Document(
            currency="EUR",
            items=[Line(description="Desk", quantity="5", unit_price=eur("100.00"), taxes=[VAT])],
        )
    )
    down = order.invoice_down_payment(
        DownPayment.percentage("30", base=UNTAXED), invoice_id="dp", request=request()
    )
    return down.order, issue(down, "INV-1")


def credit_on(order, kind, invoice, *args, number: str = "CN-1"):  # type: ignore[no-untyped-def]
    fields = {"id": number, "number": number, "issue_date": DAY, "request": request(number)}
    reason = "Cancelled" if kind is credit_in_full else "Returned"
    return kind(invoice, *args, reason=reason, order=order, **fields).document


def test_a_down_payments_invoice_is_not_credited_by_lines_on_its_order() -> None:
    order, dp_invoice = desks_with_a_down_payment()
    with pytest.raises(CreditNotTakenBack) as refused:
        credit_on(order, credit_lines, dp_invoice, {0: "1"})
    assert (refused.value.order, refused.value.invoice, refused.value.credit_note) == (
        "sales order SO-1",
        "INV-1",
        "CN-1",
    )
    # without the order it issues, and the order refuses it, with the same error
    note = credit(credit_lines, dp_invoice, {0: "1"})
    with pytest.raises(CreditNotTakenBack):
        order.take_in_credit(dp_invoice, note, request=request())


def test_a_deducted_down_payment_is_not_credited_in_full_on_its_order() -> None:
    order, dp_invoice = desks_with_a_down_payment()
    order = order.invoice_quantities({0: "1"}, invoice_id="a", request=request()).order
    with pytest.raises(CreditNotTakenBack) as refused:
        credit_on(order, credit_in_full, dp_invoice)
    assert (refused.value.requested, refused.value.remaining) == (eur("150.00"), eur("120.00"))


def test_a_refund_of_a_down_payment_is_at_most_what_is_open_of_it() -> None:
    order, dp_invoice = desks_with_a_down_payment()
    order = order.invoice_quantities({0: "1"}, invoice_id="a", request=request()).order
    with pytest.raises(CreditNotTakenBack) as refused:
        credit_on(order, credit_amount, dp_invoice, eur("180.00"))
    assert (refused.value.requested, refused.value.remaining) == (eur("150.00"), eur("120.00"))
    # what is open (120.00 + 20 %) is refunded, and no later invoice deducts it
    refund = credit_on(order, credit_amount, dp_invoice, eur("144.00"))
    order = order.take_in_credit(dp_invoice, refund, request=request()).document
    assert order.down_payments[0].open.amount == 0
    last = order.invoice_remaining(invoice_id="b", request=request())
    assert all(line.quantity > 0 for line in last.invoice.content.lines)


def test_a_price_concession_on_an_orders_invoice_is_refused_with_the_order() -> None:
    order = chairs()
    made = order.invoice_quantities({0: "1"}, invoice_id="a", request=request())
    invoice = issue(made, "INV-1")
    with pytest.raises(CreditNotTakenBack) as refused:
        credit_on(made.order, credit_amount, invoice, eur("5.00"))
    assert (refused.value.requested, refused.value.remaining) == (None, None)
    assert isinstance(refused.value, InvalidDocument)


def test_a_rounding_difference_line_is_not_credited_on_its_order() -> None:
    # each invoice backs 8.34 out of 10.01, the order 25.03 out of 30.03: the completing
    # invoice bills the missing cent of net on a line "Rounding difference"
    included = Tax.percent("VAT", "20", included=True)
    order = confirm(
        Document(
            currency="EUR",
            items=[
                Line(description="Meal", quantity="3", unit_price=eur("10.01"), taxes=[included]),
            ],
        )
    )
    for key in ("a", "b"):
        order = order.invoice_quantities({0: "1"}, invoice_id=key, request=request(key)).order
    last = order.invoice_remaining(invoice_id="c", request=request("c"))
    [rounding] = [
        index
        for index, line in enumerate(last.invoice.content.lines)
        if line.description == "Rounding difference"
    ]
    assert last.invoice.content.lines[rounding].quantity == 1
    invoice = issue(last, "INV-3")
    with pytest.raises(CreditNotTakenBack):
        credit_on(last.order, credit_lines, invoice, {rounding: "1"})
    note = credit_on(last.order, credit_lines, invoice, {0: "1"})
    assert last.order.take_in_credit(invoice, note, request=request()).document.lines[0].open == 1


def test_crediting_on_an_order_needs_an_order_and_an_invoice() -> None:
    _, dp_invoice = desks_with_a_down_payment()
    with pytest.raises(InvalidType) as refused:
        credit_on("SO-1", credit_in_full, dp_invoice)
    assert refused.value.field == "order"
    other = confirm().invoice_quantities({0: "1"}, invoice_id="x", request=request())
    with pytest.raises(NotFromThisOrder):
        credit_on(other.order, credit_in_full, dp_invoice)


def _a_credit(
    data: st.DataObject, invoice: IssuedInvoice
) -> tuple[Callable[..., Changed[CreditNote]], tuple[object, ...]]:
    kind = data.draw(st.sampled_from(["lines", "amount", "in full"]), label="credit")
    if kind == "in full":
        return credit_in_full, ()
    if kind == "lines":
        wanted = {
            index: (line.line.quantity * data.draw(st.integers(1, 100)) / 100).quantize(
                Decimal("0.000001"), ROUND_DOWN
            )
            for index, line in enumerate(invoice.priced.lines)
            if data.draw(st.booleans(), label="credit line")
        }
        return credit_lines, ({i: q for i, q in wanted.items() if q > 0} or {0: Decimal(1)},)
    step = quantum(invoice.currency)
    units = int(invoice.priced.totals.tax_inclusive.amount / step)
    amount = Money(step * data.draw(st.integers(1, max(units, 1)), label="units"), invoice.currency)
    return credit_amount, (amount,)


def _check_sums(order: SalesOrder, invoices: list[IssuedInvoice], notes: list[CreditNote]) -> None:
    billed = sum((i.priced.totals.tax_inclusive.amount for i in invoices), Decimal(0))
    credited = sum((n.priced.totals.tax_inclusive.amount for n in notes), Decimal(0))
    assert order.billed.amount == billed - credited
    for record in order.down_payments:
        for part in record.parts:
            assert 0 <= part.deducted.amount <= part.amount.amount
    for line in order.lines:
        assert min(line.amount.amount, 0) <= line.taken.amount <= max(line.amount.amount, 0)
        assert 0 <= line.invoiced <= line.ordered - line.cancelled


def _credit_step(
    order: SalesOrder,
    invoices: list[IssuedInvoice],
    notes: list[CreditNote],
    data: st.DataObject,
    step: int,
) -> tuple[SalesOrder, list[CreditNote]]:
    """Credit one of the ``invoices`` on ``order``; what issues must be taken back."""
    invoice = data.draw(st.sampled_from(invoices), label="invoice")
    kind, args = _a_credit(data, invoice)
    fields: dict[str, object] = {"id": f"cn-{step}", "number": f"CN-{step}", "issue_date": DAY}
    earlier = [n for n in notes if n.invoice_number == invoice.number]
    if kind is not credit_in_full:
        fields["previous"] = earlier
    elif earlier:
        return order, notes
    try:
        note = kind(invoice, *args, reason="Credit", order=order, request=request(), **fields)
    except OrdercoreError as refused:
        event(f"refused: {type(refused).__name__}")
        return order, notes  # refused before it was issued
    event("credit taken back")
    taken = order.take_in_credit(invoice, note.document, request=request()).document
    return taken, [*notes, note.document]


@given(orders(), st.data())
def test_a_credit_issued_on_its_order_is_taken_back_and_the_order_still_adds_up(
    order: SalesOrder, data: st.DataObject
) -> None:
    invoices: list[IssuedInvoice] = []
    notes: list[CreditNote] = []
    for step in range(data.draw(st.integers(1, 7), label="steps")):
        action = data.draw(st.sampled_from(["down payment", "invoice", "credit"]), label="step")
        if action == "credit" and invoices:
            order, notes = _credit_step(order, invoices, notes, data, step)
        elif action == "down payment":
            down = DownPayment.percentage(
                data.draw(st.integers(1, 60), label="percent"),
                base=data.draw(st.sampled_from(DownPaymentBase), label="base"),
            )
            try:
                made = order.invoice_down_payment(down, invoice_id=f"i-{step}", request=request())
            except (InvalidInput, LimitExceeded, WrongState):
                continue  # (InvalidLine: a set listing a tax twice makes no down payment line)
            invoices.append(issue(made, f"INV-{step}"))
            order = made.order
        elif not order.completed:
            wanted = {
                index: _part(line, data.draw(st.integers(1, 100), label="percent of line"))
                for index, line in enumerate(order.lines)
                if line.open
            }
            wanted = {index: quantity for index, quantity in wanted.items() if quantity > 0}
            if not wanted:
                continue
            try:
                made = order.invoice_quantities(wanted, invoice_id=f"i-{step}", request=request())
            except InvalidLine as refused:
                # a share too small to carry the per-unit taxes included in its line's price
                # (a line whose amount hardly covers them) is refused, and nothing changes
                if refused.field != "taxes":
                    raise
                continue
            invoices.append(issue(made, f"INV-{step}"))
            order = made.order
        _check_sums(order, invoices, notes)
    if not order.completed:
        last = order.invoice_remaining(invoice_id="last", request=request())
        invoices.append(issue(last, "INV-last"))
        order = last.order
    _check_sums(order, invoices, notes)
    assert all(record.open.amount == 0 for record in order.down_payments)
    assert order.billed == order.total
    if not _lists_a_tax_twice(order):
        tally = TaxTally()
        for invoice in invoices:
            tally = tally.plus(TaxTally.of(invoice.priced))
        for note in notes:
            tally = tally.plus(TaxTally.of(note.priced), sign=-1)
        whole = TaxTally.of(order.priced)
        assert _nonzero(tally.by_taxes()) == _nonzero(whole.by_taxes())
        assert _nonzero(tally.rows()) == _nonzero(whole.rows())


def test_an_order_line_must_cover_the_fees_included_in_its_price() -> None:
    # 0 JPY with 0.05 JPY of eco fee included, rounded UP: a net of -1
    fee = Tax.per_unit("Eco fee", Money("0.05", "JPY"), included=True)
    document = Document(
        currency="JPY",
        items=[Line(description="Widget", quantity="1", unit_price=Money("0", "JPY"), taxes=[fee])],
        policy=Policy(rounding=RoundingMode.UP),
    )
    with pytest.raises(FeesAbovePrice) as caught:
        confirm(document)
    assert (caught.value.line, caught.value.net, caught.value.order) == (
        "Widget",
        Money("-1", "JPY"),
        "sales order SO-1",
    )


# -- orders rebuilt from storage ----------------------------------------------------------


def order_line(**kwargs: object) -> OrderLine:
    fields: dict[str, object] = {
        "description": "Desk",
        "ordered": "3",
        "policy": ORDERED,
        "amount": eur("360.00"),
        **kwargs,
    }
    return OrderLine(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field", "value", "limit"),
    [
        ({"billed": "4"}, "billed", Decimal(4), Decimal(3)),
        ({"billed": "2", "cancelled": "2"}, "billed", Decimal(2), Decimal(1)),
        ({"fulfilled": "4"}, "fulfilled", Decimal(4), Decimal(3)),
        ({"fulfilled": "2", "cancelled": "2"}, "fulfilled", Decimal(2), Decimal(1)),
        ({"billed": "1", "taken": eur("360.01")}, "taken", eur("360.01"), eur("360.00")),
        ({"billed": "1", "taken": eur("-0.01")}, "taken", eur("-0.01"), eur("360.00")),
    ],
)
def test_an_order_line_refuses_quantities_that_do_not_add_up(
    kwargs: dict[str, object], field: str, value: object, limit: object
) -> None:
    with pytest.raises(InvalidOrderRecord) as caught:
        order_line(**kwargs)
    error = caught.value
    assert (error.record, error.field, error.value, error.limit) == (
        "order line 'Desk'",
        field,
        value,
        limit,
    )


def test_an_order_line_may_invoice_ahead_of_delivery_and_deliver_ahead_of_invoicing() -> None:
    assert order_line(fulfilled="1", billed="3", taken=eur("360.00")).open == 0
    assert order_line(fulfilled="2", billed="1", cancelled="1", taken=eur("240.00")).back_order == 0
    assert order_line(amount=eur("-10.00"), billed="1", taken=eur("-5.00")).open == 2


def test_an_order_refuses_line_records_that_do_not_match_its_priced_lines() -> None:
    order = confirm(
        content(
            charges=[Charge.fixed(eur("9.90"), reason="Shipping", taxes=[VAT])],
            policy=Policy(adjustments=AdjustmentMode.STANDALONE),
        )
    )
    assert len(order.adjustments) == 1
    for lines, count in ((order.lines * 2, 4), (order.lines[:1], 1)):
        with pytest.raises(InvalidOrderRecord) as caught:
            attrs.evolve(order, lines=lines)
        error = caught.value
        assert (error.record, error.field, error.value, error.limit) == (
            "sales order SO-1",
            "lines",
            count,
            2,
        )
    with pytest.raises(InvalidOrderRecord) as caught:
        attrs.evolve(order, adjustments=())
    assert (caught.value.field, caught.value.value, caught.value.limit) == ("adjustments", 0, 1)


def test_a_stored_down_payment_part_is_checked() -> None:
    part = DownPaymentPart(taxes=[VAT], amount=eur("30.00"))
    assert (part.deducted, part.open) == (eur("0"), eur("30.00"))
    with pytest.raises(InvalidOrderRecord) as caught:
        DownPaymentPart(taxes=[VAT], amount=eur("30.00"), deducted=eur("30.01"))
    assert (caught.value.field, caught.value.value, caught.value.limit) == (
        "deducted",
        eur("30.01"),
        eur("30.00"),
    )
    with pytest.raises(CurrencyMismatch):
        DownPaymentPart(taxes=[VAT], amount=eur("30.00"), deducted=Money("1.00", "USD"))
    with pytest.raises(InvalidType):
        DownPaymentPart(taxes=[VAT], amount=30.0)  # type: ignore[arg-type]
