"""The whole flow, from catalog to aging report, through the services on real storage.

``python -m ordercore demo`` runs :func:`run` on an SQLite file (in a temporary directory,
or the one ``--db`` names): a catalog prices a quote, the quote is revised and accepted,
its sales order is delivered and invoiced in two parts, one payment settles both
invoices and leaves an over-payment as credit, a credit note corrects the second invoice,
and an aging report closes the books. Every step is a service operation with a fixed
idempotency key, so running the demo again on the same file changes nothing: each
request returns its first result, and the summary says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ordercore.catalog import Catalog, LineBuilder, PriceBook, Product
from ordercore.documents import DraftQuote, InvoicingPolicy, QuoteContent, QuoteLine
from ordercore.documents.numbering import NumberingSeries
from ordercore.events import Event, Request
from ordercore.money.amount import Money
from ordercore.parties import Address, Party, Role
from ordercore.pricing.tax_rules import TaxRule, TaxTable
from ordercore.pricing.taxes import Tax
from ordercore.services import Services
from ordercore.settlement.entries import Allocation
from ordercore.settlement.payments import Payment
from ordercore.settlement.reports import aging
from ordercore.settlement.terms import PaymentTerm
from ordercore.storage.ports import UnitOfWorkFactory

__all__ = ["run"]

CUSTOMER = "acme"


def _on(day: dt.date, key: str) -> Request:
    """The demo's request ``key``, made at nine on ``day``."""
    return Request(
        key=f"demo-{key}",
        at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
        business_date=day,
        by="demo",
    )


def _builder() -> LineBuilder:
    """The catalog: three products, one price book, French VAT."""
    products = [
        Product(sku="DESK", name="Desk", unit="C62", tax_class="standard"),
        Product(sku="CHAIR", name="Chair", unit="C62", tax_class="standard"),
        Product(sku="MANUAL", name="Assembly manual", unit="C62", tax_class="reduced"),
    ]
    book = PriceBook.from_prices(
        "List", "EUR", {"DESK": "349.00", "CHAIR": {"0": "89.90", "6": "84.90"}, "MANUAL": "19.90"}
    )
    catalog = Catalog(version="2026-12", products=products, price_books=[book])
    taxes = TaxTable(
        rules=[
            TaxRule(tax_class="standard", taxes=[Tax.percent("VAT", "20")]),
            TaxRule(tax_class="reduced", taxes=[Tax.percent("VAT", "5.5")]),
        ]
    )
    where = Address(
        street_lines=["1 rue de la Paix"], postal_code="75002", city="Paris", country="FR"
    )
    acme = Party(
        code=CUSTOMER,
        name="Acme SARL",
        roles=[Role.CUSTOMER],
        currency="EUR",
        billing_address=where,
    )
    return LineBuilder(
        catalog=catalog, price_book="List", tax_engine=taxes, party=acme, ship_to=where
    )


def _quote(build: LineBuilder, desks: str, chairs: str) -> QuoteContent:
    return QuoteContent(
        currency="EUR",
        lines=[
            QuoteLine(key="desk", line=build.line("DESK", desks)),
            QuoteLine(key="chair", line=build.line("CHAIR", chairs)),
            QuoteLine(key="manual", line=build.line("MANUAL", desks)),
        ],
    )


def run(store: UnitOfWorkFactory, out: Callable[[str], object] = print) -> int:
    """Run the demo on ``store``, printing with ``out``; how many events it delivered.

    The first run on an empty store does every step and delivers its events; a run on a
    store that has run it already finds every request answered and delivers none.
    """
    events: list[Event] = []
    services = Services(store, on_event=events.append)

    def show(title: str, document: object) -> None:
        out(f"\n== {title}\n{document}")

    start = dt.date(2026, 12, 1)
    for name, prefix in (("SO", "SO-2026-"), ("INV", "INV-2026-"), ("CN", "CN-2026-")):
        series = NumberingSeries(prefix=prefix, width=5)
        services.add_series(name, series)

    build = _builder()
    created = DraftQuote.create(
        id="q-1",
        customer=CUSTOMER,
        content=_quote(build, "4", "8"),
        valid_until=dt.date(2026, 12, 31),
        request=_on(start, "quote"),
    )
    quote = services.add(created, request=_on(start, "quote"))
    show("Quote q-1, as asked (4 desks, 8 chairs)", quote)
    revised = services.revise_quote(
        "q-1", _quote(build, "4", "6"), request=_on(dt.date(2026, 12, 2), "revise")
    )
    show("Quote q-1, revised (6 chairs)", revised)
    services.send_quote("q-1", request=_on(dt.date(2026, 12, 2), "send"))
    order = services.accept_quote(
        "q-1",
        order_id="so-1",
        invoicing_policy=InvoicingPolicy.DELIVERED,
        request=_on(dt.date(2026, 12, 3), "accept"),
    )
    show("Sales order, from the accepted quote", order)

    first_day, second_day = dt.date(2026, 12, 10), dt.date(2026, 12, 18)
    services.record_delivery(
        "so-1", {"desk": "2", "chair": "6"}, request=_on(first_day, "deliver-1")
    )
    first = services.invoice_order(
        "so-1",
        invoice_id="inv-1",
        payment_term=PaymentTerm.net(30),
        request=_on(first_day, "invoice-1"),
    )
    show("First invoice: what the first delivery shipped", first)
    services.record_delivery(
        "so-1", {"desk": "2", "manual": "4"}, request=_on(second_day, "deliver-2")
    )
    second = services.invoice_order(
        "so-1",
        invoice_id="inv-2",
        remaining=True,
        payment_term=PaymentTerm.net(30),
        request=_on(second_day, "invoice-2"),
    )
    show("Second invoice: the rest of the order", second)

    paid_on = dt.date(2027, 1, 8)
    amount = first.total + second.total + Money("50.00", "EUR")
    received = Payment.received(
        amount=amount,
        date=paid_on,
        reference="BANK-2027-0001",
        method="transfer",
        party=CUSTOMER,
        idempotency_key="demo-payment",
    )
    settled = services.record_payment(received, request=_on(paid_on, "payment"))
    out(f"\n== Payment {received.reference}: {received.amount}")
    left = received.amount
    for allocation in settled[1:]:
        if isinstance(allocation, Allocation):
            out(f"   {allocation.amount} to {allocation.item.number}")
            left -= allocation.amount
    out(f"   {left} kept as the customer's credit")
    credit = services.credit_invoice(
        "inv-1",
        credit_note_id="cn-1",
        reason="One chair scratched in transit",
        amount=Money("60.00", "EUR"),
        request=_on(dt.date(2027, 1, 12), "credit"),
    )
    show("Credit note on the first invoice", credit)

    as_of = dt.date(2027, 2, 28)
    ledger = services.ledger(CUSTOMER)
    out(f"\n== Customer credit: {ledger.credit(CUSTOMER, 'EUR')}")
    show(f"Aging on {as_of}", aging(ledger, as_of=as_of))
    done = len(events)
    if done:
        out(f"\n{done} events delivered: {', '.join(sorted({event.name for event in events}))}")
    else:
        out("\nEvery request had been answered before: nothing changed, no event delivered")
    return done
