"""The fast paths of invoicing from orders give exactly what the plain paths give.

Each optimisation of building, confirming and invoicing (docs/performance.md, "Building,
confirming and invoicing") has a differential test here: the fast way against the plain
way it short-cuts, on representative and generated orders, so that every invoice and
every order record stays identical (amounts to the digit, lines, records).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ordercore import (
    Allowance,
    CashRounding,
    Charge,
    Discount,
    Document,
    DownPayment,
    DownPaymentBase,
    Group,
    InvoicingPolicy,
    Line,
    Money,
    OrdercoreError,
    Policy,
    PricedDocument,
    PricedLine,
    PurchaseOrder,
    SalesOrder,
    Tax,
    price,
)
from ordercore.documents import _ordering
from ordercore.documents._lifecycle import Changed, Draft
from ordercore.documents.ordering import TaxSum, TaxTally, UntaxedSum, plain_taxes, standalone
from ordercore.events import Request
from ordercore.interop.plain import priced_to_data
from ordercore.interop.records import record_to_data
from ordercore.money.rounding import CashRoundingStrategy
from ordercore.pricing import AdjustmentMode, NegativePrices, TaxRounding
from ordercore.testing import strategies as ocs

DAY = dt.date(2026, 12, 6)
VAT = Tax.percent("VAT", "20")
VAT_IN = Tax.percent("VAT", "20", included=True)
REDUCED = Tax.percent("VAT", "5.5")
FEE = Tax.per_unit("Fee", Money("0.50", "EUR"))


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC), business_date=DAY)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


# -- comparing to the digit ---------------------------------------------------------------


def _digits(priced: PricedDocument) -> object:
    """Every figure of ``priced`` as text: equal values of other digits differ here."""
    return (
        [tuple(repr(value) for value in line) for line in priced.lines],
        repr(priced.totals),
        repr(priced.tax_breakdown),
        repr(priced.adjustments),
        priced_to_data(priced),
    )


def assert_same_pricing(fast: PricedDocument, plain: PricedDocument) -> None:
    assert fast == plain
    assert _digits(fast) == _digits(plain)


# -- the engine taking known line amounts -------------------------------------------------


def _known(priced: PricedDocument, chosen: list[bool]) -> list[PricedLine | None]:
    return [line if take else None for line, take in zip(priced.lines, chosen, strict=True)]


#: For the properties that skip what pricing refuses (a discount larger than its line, an
#: allowance larger than its net) or what the case needs: older hypothesis releases (the
#: lowest versions CI runs) count those skips against a health check.
FILTERING = settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@FILTERING
@given(
    document=ocs.documents(returns=True, max_items=4) | ocs.documents(cash_rounding=True),
    data=st.data(),
)
def test_known_line_amounts_price_as_pricing_them_again(
    document: Document, data: st.DataObject
) -> None:
    # any lines' own gross and discount, as a pricing of the same lines under the same
    # policy gave them: included taxes, groups, document allowances, cash rounding alike
    try:
        plain = price(document)
    except OrdercoreError:
        assume(False)
        raise
    chosen = data.draw(
        st.lists(st.booleans(), min_size=len(plain.lines), max_size=len(plain.lines))
    )
    assert_same_pricing(document._priced_knowing(_known(plain, chosen)), plain)


@FILTERING
@given(
    document=ocs.documents(returns=True, max_items=4)
    | ocs.documents(cash_rounding=True)
    | ocs.documents(tax_rounding=TaxRounding.PER_RATE, document_adjustments=False),
    data=st.data(),
)
def test_known_lines_price_some_of_them_alone_as_pricing_them_again(
    document: Document, data: st.DataObject
) -> None:
    # as an invoice bills some of an order's lines, each line the order's own: the lines
    # chosen alone under the same policy, some of them known as the document priced them
    try:
        whole = price(document)
    except OrdercoreError:
        assume(False)
        raise
    chosen = [
        line
        for line in whole.lines
        if not line._distributed and data.draw(st.booleans(), label=f"bill {line.line}")
    ]
    assume(chosen)
    alone = Document._of_lines(whole.currency, tuple(line.line for line in chosen), document.policy)
    try:
        plain = price(alone)
    except OrdercoreError:  # a fixed allowance of the document had kept it from zero
        assume(False)
        raise
    known = [line if data.draw(st.booleans(), label="known") else None for line in chosen]
    assert_same_pricing(alone._priced_knowing(known), plain)
    assert_same_pricing(alone._priced_knowing(chosen), plain)


def _made_up(line: PricedLine, net: str) -> PricedLine:
    """``line`` priced at another net: not what pricing it gives."""
    return PricedLine((*line[:5], Decimal(net), line[6], line[7]))


def test_known_lines_of_a_document_of_negative_prices_are_not_taken() -> None:
    # a line of a negative unit price is priced as its mirror: its results are computed
    policy = Policy(negative_prices=NegativePrices.ALLOW)
    document = Document(
        currency="EUR",
        items=[
            Line(description="Desk", quantity="2", unit_price=eur("100.00"), taxes=[VAT]),
            Line(description="Deposit back", quantity="1", unit_price=eur("-30.00"), taxes=[VAT]),
        ],
        policy=policy,
    )
    plain = price(document)
    wrong = [_made_up(line, "1.00") for line in plain.lines]
    assert_same_pricing(document._priced_knowing(wrong), plain)


def test_known_lines_are_taken_as_given_where_a_line_is_its_own() -> None:
    # what is given is used (for lines the order priced, nothing checks it): so the fast
    # path does take them, whole where the result is the line's own, step 1 elsewhere
    desk = Line(description="Desk", quantity="2", unit_price=eur("100.00"), taxes=[VAT])
    dinner = Line(description="Dinner", quantity="1", unit_price=eur("60.00"), taxes=[VAT_IN])
    alone = _lines(desk)
    made_up = _made_up(price(alone).lines[0], "150.00")
    assert alone._priced_knowing([made_up]).lines[0] is made_up
    assert alone._priced_knowing([made_up]).totals.lines_net == eur("150.00")  # its sums
    # beside a line of an included tax (backed out over its set's lines, under per-rate
    # rounding) a line is not its own: its gross and stated amount only are taken; the
    # included one's own are computed, as its stated amount is not in its priced line
    both = _lines(desk, dinner)
    lines = price(both).lines
    desk_made_up = PricedLine(
        (*lines[0][:2], Decimal("150.00"), *lines[0][3:5], Decimal("150.00"), *lines[0][6:])
    )
    dinner_made_up = PricedLine((*lines[1][:2], Decimal("30.00"), *lines[1][3:]))
    priced = both._priced_knowing([desk_made_up, dinner_made_up])
    assert priced.lines[0] is not desk_made_up
    assert priced.lines[0].net == eur("150.00")
    assert priced.lines[1] == lines[1]


# -- the tally of a priced document -------------------------------------------------------


def _tally_before(priced: PricedDocument) -> TaxTally:
    """TaxTally.of as it was written before its one-pass sum by tuple of taxes."""
    by_tuple: dict[int, tuple[tuple[Tax, ...], Decimal]] = {}
    for line in priced.lines:
        taxes = line.line.taxes
        known = by_tuple.get(id(taxes))
        net = line._net
        by_tuple[id(taxes)] = (taxes, net if known is None else known[1] + net)
    untaxed: dict[tuple[Tax, ...], Decimal] = {}
    for taxes, net in by_tuple.values():
        key = plain_taxes(taxes)
        untaxed[key] = untaxed.get(key, Decimal(0)) + net
    for entry in standalone(priced):
        key = plain_taxes(entry.adjustment.taxes)
        untaxed[key] = untaxed.get(key, Decimal(0)) + entry.effect.amount
    rows: dict[tuple[object, ...], tuple[Tax, Decimal]] = {}
    for row in priced.tax_breakdown:
        row_key = row.tax.breakdown_key
        before = rows.get(row_key)
        own = row.amount.amount
        if row.cash_rounding is not None:
            own -= row.cash_rounding.amount
        amount = own if before is None else before[1] + own
        rows[row_key] = (row.tax if before is None else before[0], amount)
    return TaxTally._of(untaxed, rows, priced.currency)


@FILTERING
@given(document=ocs.documents(returns=True, max_items=5))
def test_the_tally_of_a_document_is_the_one_summed_line_by_line(document: Document) -> None:
    try:
        priced = price(document)
    except OrdercoreError:
        assume(False)
        raise
    fast, plain = TaxTally.of(priced), _tally_before(priced)
    assert fast == plain
    assert repr(fast) == repr(plain)
    # made unchecked, it is what the public constructors make of its sums
    checked = TaxTally(
        untaxed=[UntaxedSum(taxes=entry.taxes, amount=entry.amount) for entry in fast.untaxed],
        taxes=[TaxSum(tax=row.tax, amount=row.amount) for row in fast.taxes],
    )
    assert fast == checked
    assert repr(fast) == repr(checked)


# -- orders: invoicing with the fast paths and without them -------------------------------


@contextlib.contextmanager
def plain_paths() -> Iterator[None]:
    """Invoice as before the fast paths: every billed line priced again, every tally added,
    every draft made by its public constructor."""
    knowing = Document._priced_knowing
    no_tax = _ordering.NO_TAX

    def priced_again(self: Document, known: object) -> PricedDocument:
        return price(self)

    def made_publicly(
        cls: type[Draft[Any, Any]],
        *,
        id: str,  # noqa: A002 - as the fast path's
        party: str,
        order: str,
        priced: PricedDocument,
        line_keys: tuple[str | None, ...],
        request: Request,
    ) -> Changed[Draft[Any, Any]]:
        kind = cls._kind
        values = {kind.party: party, kind.order: order}
        made = cls(id=id, content=priced.document, line_keys=line_keys, **values)
        changed = made._created(request)
        changed.document._knowing(priced)
        return changed

    of_order = Draft.__dict__["_of_order"]
    Document._priced_knowing = priced_again  # type: ignore[method-assign]
    _ordering.NO_TAX = TaxTally()  # a first tally is added to nothing, as any other
    Draft._of_order = classmethod(made_publicly)  # type: ignore[assignment, method-assign]
    try:
        yield
    finally:
        Document._priced_knowing = knowing  # type: ignore[method-assign]
        _ordering.NO_TAX = no_tax
        Draft._of_order = of_order  # type: ignore[method-assign]


def _records(value: object) -> object:
    """An order or invoice as its records state it, every amount to the digit."""
    return record_to_data(value)


Step = tuple[str, object]


def _run(order: SalesOrder, steps: list[Step]) -> list[object]:
    """What each step gives: the invoice and order after it, or the error it raises."""
    seen: list[object] = []
    for number, (kind, argument) in enumerate(steps):
        key = f"{kind}-{number}"
        try:
            if kind == "deliver":
                order = order.record_delivery(argument, request=request(key)).document  # type: ignore[arg-type]
                seen.append(order)
                continue
            if kind == "cancel":
                order = order.cancel_remaining(request=request(key), lines=argument).document  # type: ignore[arg-type]
                seen.append(order)
                continue
            if kind == "delivered":
                made = order.invoice_delivered(invoice_id=key, request=request(key))
            elif kind == "quantities":
                made = order.invoice_quantities(argument, invoice_id=key, request=request(key))  # type: ignore[arg-type]
            elif kind == "remaining":
                made = order.invoice_remaining(invoice_id=key, request=request(key))
            else:
                made = order.invoice_down_payment(
                    argument,  # type: ignore[arg-type]
                    invoice_id=key,
                    request=request(key),
                )
        except OrdercoreError as error:
            seen.append((type(error), error.args))
            continue
        order = made.order
        seen.append((made.invoice, made.order, made.events))
    return seen


def assert_same_invoicing(order: SalesOrder, steps: list[Step]) -> None:
    fast = _run(order, steps)
    with plain_paths():
        plain = _run(order, steps)
    assert fast == plain
    for mine, theirs in zip(fast, plain, strict=True):
        if isinstance(mine, tuple) and len(mine) == 3:
            invoice, made, _ = mine
            assert_same_pricing(invoice.priced, theirs[0].priced)
            # what the invoice states is what pricing its document through price() gives
            assert_same_pricing(invoice.priced, price(invoice.content))
            assert _records(invoice) == _records(theirs[0])
            assert _records(made) == _records(theirs[1])
        elif isinstance(mine, SalesOrder):
            assert _records(mine) == _records(theirs)


def confirm(document: Document, policy: InvoicingPolicy = InvoicingPolicy.DELIVERED) -> SalesOrder:
    return SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=document,
        invoicing_policy=policy,
        request=request("confirm"),
    ).document


def _lines(*lines: Line | Group, **document: object) -> Document:
    return Document(currency="EUR", items=list(lines), **document)  # type: ignore[arg-type]


def desk(quantity: str = "4", **line: object) -> Line:
    return Line(
        description="Desk",
        quantity=quantity,
        unit_price=eur("99.99"),
        taxes=[VAT],
        **line,  # type: ignore[arg-type]
    )


def book(quantity: str = "7", **line: object) -> Line:
    return Line(
        description="Book",
        quantity=quantity,
        unit_price=eur("12.34"),
        discounts=[Discount.percent("10")],
        taxes=[REDUCED, FEE],
        **line,  # type: ignore[arg-type]
    )


def included(quantity: str = "3") -> Line:
    return Line(description="Dinner", quantity=quantity, unit_price=eur("33.33"), taxes=[VAT_IN])


CASH = CashRounding(increment=Decimal("0.05"), strategy=CashRoundingStrategy.ROUNDING_LINE)

REPRESENTATIVE = {
    "plain": _lines(desk(), book(), desk("3.5")),
    "included taxes, per rate": _lines(included(), included("7"), desk()),
    "included taxes, per line": _lines(
        included(), included("7"), desk(), policy=Policy(tax_rounding=TaxRounding.PER_LINE)
    ),
    "compensated": _lines(
        desk(), book(), included(), policy=Policy(tax_rounding=TaxRounding.COMPENSATED)
    ),
    "fixed line discount": _lines(desk(discounts=[Discount.per_line(eur("5.00"))]), book()),
    "group allowance": _lines(
        Group(
            name="Office",
            lines=[desk(), book()],
            allowances=[Allowance.percentage("5", reason="Bundle")],
        ),
        desk("2"),
    ),
    "document allowance spread": _lines(
        desk(), book(), allowances=[Allowance.percentage("3", reason="Loyalty")]
    ),
    "standalone charge": _lines(
        desk(),
        book(),
        charges=[Charge.fixed(eur("15.00"), reason="Freight", taxes=[VAT])],
        policy=Policy(adjustments=AdjustmentMode.STANDALONE),
    ),
    "cash rounding": _lines(desk(), book(), included(), policy=Policy(cash_rounding=CASH)),
}


def _representative_steps() -> list[list[Step]]:
    return [
        # a quarter delivered and invoiced, then the rest in two invoices
        [
            ("deliver", {0: Decimal(4)}),
            ("delivered", None),
            ("deliver", {1: Decimal(3)}),
            ("delivered", None),
            ("remaining", None),
        ],
        # partial deliveries of each line, invoiced as they come; then the rest
        [
            ("deliver", {0: Decimal(1), 1: Decimal(2)}),
            ("delivered", None),
            ("deliver", {0: Decimal(1)}),
            ("delivered", None),
            ("quantities", {1: Decimal("1.5")}),
            ("remaining", None),
            ("delivered", None),
        ],
        # a down payment, a partial invoice, a cancellation, the rest
        [
            ("down payment", DownPayment.percentage(20, base=DownPaymentBase.TOTAL)),
            ("deliver", {0: Decimal(2)}),
            ("delivered", None),
            ("cancel", [1]),
            ("remaining", None),
        ],
        # a line billed whole as it is, then one billed in part, in one invoice; the rest
        [
            ("deliver", {0: Decimal(4), 1: Decimal(3), 2: Decimal("3.5")}),
            ("delivered", None),
            ("remaining", None),
        ],
        # everything at once
        [("remaining", None)],
    ]


def test_invoices_of_representative_orders_are_those_of_the_plain_paths() -> None:
    for document in REPRESENTATIVE.values():
        for policy in InvoicingPolicy:
            order = confirm(document, policy)
            for steps in _representative_steps():
                assert_same_invoicing(order, steps)


def test_a_quarter_of_a_long_order_invoiced_is_the_invoice_of_the_plain_paths() -> None:
    # as the benchmark bills it: every fourth line delivered in full
    lines = [desk(str(1 + i % 5)) if i % 2 else book(str(2 + i % 3)) for i in range(40)]
    order = confirm(_lines(*lines))
    quarter = {index: order.lines[index].ordered for index in range(0, 40, 4)}
    assert_same_invoicing(order, [("deliver", quarter), ("delivered", None), ("remaining", None)])


@st.composite
def orders(draw: st.DrawFn) -> SalesOrder:
    # without document adjustments half the time: an invoice of lines alone is then the
    # lines priced alone (the fast path's own result), unless it completes the order
    adjustments = draw(st.booleans())
    document = draw(ocs.documents(prepaid=False, max_items=4, document_adjustments=adjustments))
    assume(document.lines and all(line.quantity > 0 for line in document.lines))
    try:
        order = confirm(document, draw(st.sampled_from(InvoicingPolicy)))
    except OrdercoreError:
        assume(False)
        raise
    assume(order.total.amount >= 0)
    return order


def _part(ordered: Decimal, percent: int) -> Decimal:
    if percent == 100:
        return ordered  # the line's own quantity, digit for digit: the line billed as it is
    return (ordered * percent / 100).quantize(Decimal("0.000001"), ROUND_DOWN)


#: A percentage of a line: the whole line half the time (the line billed as it is).
WHOLE_OR_PART = st.just(100) | st.integers(1, 100)


@st.composite
def steps(draw: st.DrawFn, order: SalesOrder) -> list[Step]:
    count = len(order.lines)
    chosen: list[Step] = []
    for _ in range(draw(st.integers(1, 5), label="steps")):
        kind = draw(st.sampled_from(["deliver", "deliver", "quantities", "remaining", "cancel"]))
        if kind in ("deliver", "quantities"):
            wanted = {
                index: _part(order.lines[index].ordered, draw(WHOLE_OR_PART))
                for index in draw(st.sets(st.integers(0, count - 1), min_size=1))
            }
            chosen.append((kind, {i: q for i, q in wanted.items() if q > 0} or {0: Decimal(1)}))
            if kind == "deliver":
                chosen.append(("delivered", None))
        elif kind == "cancel":
            chosen.append((kind, sorted(draw(st.sets(st.integers(0, count - 1), min_size=1)))))
        else:
            chosen.append((kind, None))
    if draw(st.booleans(), label="down payment first"):
        base = draw(st.sampled_from(DownPaymentBase))
        payment = DownPayment.percentage(draw(st.integers(1, 40)), base=base)
        chosen.insert(0, ("down payment", payment))
    return chosen


@FILTERING
@given(orders(), st.data())
def test_invoices_of_generated_orders_are_those_of_the_plain_paths(
    order: SalesOrder, data: st.DataObject
) -> None:
    # deliveries in parts, invoices of what was delivered, of chosen quantities and of the
    # rest, cancellations and down payments, several in a row, in any order
    assert_same_invoicing(order, data.draw(steps(order)))


def test_bills_of_a_purchase_order_are_those_of_the_plain_paths() -> None:
    # the purchase side bills through the same steps
    def run() -> list[object]:
        order = PurchaseOrder.confirm(
            id="po-1",
            supplier="papyrus",
            number="PO-1",
            content=REPRESENTATIVE["plain"],
            request=request("confirm"),
        ).document
        seen: list[object] = []
        order = order.record_receipt({0: Decimal(4), 1: Decimal(2)}, request=request("r")).document
        for number in range(2):
            made = (order.bill_received if number == 0 else order.bill_remaining)(
                bill_id=f"b-{number}", request=request(f"b-{number}")
            )
            order = made.order
            seen += [made.bill, made.order, made.events, _records(made.bill), _records(order)]
            seen.append(_digits(made.bill.priced))
        return seen

    fast = run()
    with plain_paths():
        plain = run()
    assert fast == plain
