"""Issuing with a payment term whose early-payment discount is on the untaxed amount."""

import datetime as dt
from decimal import Decimal

import pytest

from ordercore import (
    CashRounding,
    DiscountBase,
    Document,
    DraftInvoice,
    EarlyPaymentDiscount,
    Line,
    Money,
    PaymentTerm,
    Policy,
    Request,
    Tax,
)

DAY = dt.date(2026, 12, 2)
VAT = Tax.percent("VAT", "20")
FEE = Tax.per_unit("Recycling", Money("0.50", "CHF"))


def request(key: str) -> Request:
    return Request(key=key, at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), business_date=DAY)


def issue(document: Document, base: DiscountBase):  # type: ignore[no-untyped-def]
    term = PaymentTerm.net(30, discount=EarlyPaymentDiscount(percent="2", days=10, base=base))
    draft = DraftInvoice.create(id="i", customer="acme", content=document, request=request("d"))
    return draft.document.issue(
        number="INV-1", issue_date=DAY, payment_term=term, request=request("i")
    ).document


@pytest.mark.parametrize("base", list(DiscountBase))
def test_an_untaxed_base_discount_is_computed_on_the_invoice_s_own_breakdown(
    base: DiscountBase,
) -> None:
    document = Document(
        currency="EUR",
        items=[
            Line(description="Desk", quantity="2", unit_price=Money("500.00", "EUR"), taxes=[VAT])
        ],
    )
    invoice = issue(document, base)
    (only,) = invoice.installments
    assert only.amount == invoice.amount_due == Money("1200.00", "EUR")
    discount = {
        DiscountBase.TOTAL: Money("24.00", "EUR"),
        DiscountBase.UNTAXED: Money("20.00", "EUR"),
        DiscountBase.MIXED: Money("20.00", "EUR"),
    }[base]
    assert only.discount_amount == discount
    assert only.discount_untaxed + only.discount_taxes == discount
    assert only.amount_if_paid_early == only.amount - discount


def test_per_unit_taxes_and_cash_rounding_are_never_discounted() -> None:
    document = Document(
        currency="CHF",
        items=[
            Line(
                description="Fridge",
                quantity="3",
                unit_price=Money("333.33", "CHF"),
                taxes=[Tax.percent("VAT", "8.1"), FEE],
            )
        ],
        policy=Policy(cash_rounding=CashRounding(increment=Decimal("0.05"))),
    )
    invoice = issue(document, DiscountBase.UNTAXED)
    (only,) = invoice.installments
    totals = invoice.priced.totals
    # 2 % of the untaxed amount, cash rounding counted with it; the fee and VAT stay
    untaxed = totals.amount_due.amount - sum(
        (row.amount.amount for row in invoice.priced.tax_breakdown), Decimal(0)
    )
    assert only.discount_amount == Money(
        (untaxed * Decimal("0.02")).quantize(Decimal("0.01")), "CHF"
    )
    assert only.discount_taxes == Money("0.00", "CHF")
